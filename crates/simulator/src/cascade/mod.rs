//! The deletion cascade on one cluster: given the objects of a cluster and a set of
//! deletion requests, compute the state the cluster settles in.
//!
//! The model follows `k8s-deletion-semantics.md` §14: every actor (API server, garbage
//! collector, namespace controller, PVC/PV protection, the aggregator's availability
//! controller, kubelets) is applied round after round until nothing changes, grace
//! periods are treated as elapsed, and where real clusters race the pessimistic order is
//! assumed (a backend deleted in a step is unavailable before anything it guards is
//! processed).
//!
//! One module per actor, each an `impl Cluster` over the shared state kept here:
//! `api_server` (a DELETE and its admission), `garbage_collector`,
//! `namespace_controller`, `finalizers` (who lets go of which finalizer; third-party
//! controllers in `controllers`), `crds` (the CRD finalizer), `volumes` (protection and
//! reclaim), `nodes` (pods on nodes that are down), `aggregator` (APIService
//! availability and discovery) over `endpoints` (which Services have a ready endpoint),
//! and `webhooks` (what unreachable admission and conversion webhooks refuse). This
//! module keeps the state, the loop that runs the actors until nothing changes
//! ([`Simulation`]) and the settled result.

use std::collections::{BTreeMap, HashMap};

use preflight_cluster_snapshot::ClusterSnapshot;
use preflight_model::{ArgoSettings, Object, ObjectKey};

use crate::causes::{CreateRefusal, DeleteCause, DiscoveryFailure, Refusal, StuckCause};
use crate::outcome::{ApiServiceOutcome, Fate, NamespaceCondition, ObjectReason};

mod aggregator;
mod api_server;
mod controllers;
mod crds;
mod endpoints;
mod finalizers;
mod garbage_collector;
mod namespace_controller;
mod nodes;
mod volumes;
mod webhooks;

use endpoints::Endpoints;
use finalizers::{FOREGROUND, ORPHAN};
use webhooks::Operation;

pub use controllers::FinalizerController;
pub use controllers::{group_of, DeclaredController};

/// The Kubernetes minor version whose texts and behaviour the cascade reproduces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct KubeVersion {
    pub major: u32,
    pub minor: u32,
}

impl KubeVersion {
    /// The newest behaviour the rulebook describes.
    pub const NEWEST: KubeVersion = KubeVersion {
        major: 1,
        minor: 35,
    };

    /// Parses `1.28`, `v1.28.3` or `1.28.0-gke.1`.
    pub fn parse(text: &str) -> Option<KubeVersion> {
        let text = text.trim().trim_start_matches('v');
        let mut parts = text.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor_text: String = parts
            .next()?
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        let minor = minor_text.parse().ok()?;
        Some(KubeVersion { major, minor })
    }

    fn at_least(self, minor: u32) -> bool {
        self.major > 1 || self.minor >= minor
    }
}

impl Default for KubeVersion {
    fn default() -> KubeVersion {
        KubeVersion::NEWEST
    }
}

/// How a deletion request propagates to dependents (R-OBJ-6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Propagation {
    Background,
    Foreground,
    Orphan,
}

/// One deletion request sent to the API server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletionRequest {
    pub key: ObjectKey,
    pub propagation: Propagation,
    /// Who asks.
    pub cause: DeleteCause,
}

/// The settled state of one object the cascade touched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectResult {
    pub key: ObjectKey,
    pub api_version: String,
    pub fate: Fate,
    /// Why it stays, when it does (its fate is `Stuck` or `Refused`), in order.
    pub stuck: Vec<StuckCause>,
    /// Who deleted it, or tried to.
    pub cause: DeleteCause,
    /// The object whose deletion deleted it (its namespace, or its owner), when any.
    pub deleted_with: Option<ObjectKey>,
}

impl ObjectResult {
    /// Why it is deleted or why it stays; for a refused DELETE, the API server's answer
    /// (the fate already says it is refused).
    pub fn reason(&self) -> ObjectReason {
        match (self.fate, self.delete_refusal()) {
            (Fate::Deleted, _) => ObjectReason::Deleted(self.cause.clone()),
            (Fate::Refused, Some(refusal)) => ObjectReason::Refused(refusal.clone()),
            (Fate::Stuck | Fate::Refused, _) => ObjectReason::Stuck(self.stuck.clone()),
        }
    }

    /// The refusal of its DELETE, when the API server refuses it.
    pub fn delete_refusal(&self) -> Option<&Refusal> {
        self.stuck.iter().find_map(|cause| match cause {
            StuckCause::DeleteRefused(refusal) => Some(refusal),
            _ => None,
        })
    }
}

/// The settled state of one namespace whose deletion started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamespaceResult {
    pub name: String,
    pub fate: Fate,
    /// The five conditions, when the namespace is stuck; empty when it is gone.
    pub conditions: Vec<NamespaceCondition>,
    /// Who deleted it.
    pub cause: DeleteCause,
    /// Whether it was already terminating before the change.
    pub already_terminating: bool,
    /// Why it stays, when it is stuck (`objects` leaves out a namespace that was already
    /// terminating, so its causes are only here).
    pub stuck: Vec<StuckCause>,
    /// Group/versions whose discovery failure alone keeps it.
    pub blocked_by_discovery: Vec<String>,
}

/// An aggregated APIService whose availability the cascade changed or that is unavailable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiServiceResult {
    pub outcome: ApiServiceOutcome,
    /// The backing Service.
    pub service: ObjectKey,
    /// Available before the change.
    pub was_available: bool,
    /// The object whose deletion took the backend away (Service or workload), when known.
    pub lost_backend: Option<ObjectKey>,
    /// The replacement Application that re-created the APIService after deleting it.
    pub recreated_by: Option<String>,
}

/// What the cluster settles in.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CascadeResult {
    /// Sorted by key.
    pub objects: Vec<ObjectResult>,
    /// Sorted by name.
    pub namespaces: Vec<NamespaceResult>,
    /// Sorted by name.
    pub api_services: Vec<ApiServiceResult>,
    /// The failing group/versions of discovery at the fixed point, sorted.
    pub discovery_failures: Vec<DiscoveryFailure>,
    /// Cluster-scoped objects that name a namespaced owner the cascade deleted: the
    /// garbage collector never collects them (R-GC-8, C-13). (object, owner), sorted.
    pub leaked: Vec<(ObjectKey, ObjectKey)>,
    /// PersistentVolumes whose claim the cascade deleted, and what their reclaim policy
    /// made of them (R-VOL-3), sorted by volume.
    pub released_volumes: Vec<ReleasedVolume>,
    /// Objects other than namespaces that were already being deleted before any request
    /// and stay (`audit`'s "already broken"), with why, sorted by key. `objects` leaves
    /// them out: they are not the change's doing.
    pub already_deleting: Vec<ObjectResult>,
}

/// A PersistentVolume whose bound claim the cascade deleted.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ReleasedVolume {
    pub volume: ObjectKey,
    pub claim: ObjectKey,
    /// `spec.capacity.storage`, as written.
    pub capacity: Option<String>,
    pub storage_class: Option<String>,
    /// `spec.persistentVolumeReclaimPolicy` (`Retain` when unset, the API default).
    pub reclaim_policy: String,
    /// The workloads whose pods mounted the claim (the top of each pod's owner chain,
    /// or the pod itself), sorted.
    pub used_by: Vec<ObjectKey>,
    pub reclaim: Reclaim,
}

/// What happens to a released volume.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reclaim {
    /// Reclaim policy `Delete`: the provisioner deletes the backend volume, with its
    /// data, and then the PersistentVolume (`pv_controller.go` `deleteVolumeOperation`).
    Deleted,
    /// Any other reclaim policy (`Retain`): the volume stays `Released` with its data.
    Retained,
    /// Reclaim policy `Delete`, but the provisioners that reclaim it (inferred from
    /// RBAC) are deleted in the same cascade: the volume stays `Released` and its
    /// backend volume is never deleted (C-12).
    Leaked { provisioners: Vec<ObjectKey> },
}

impl CascadeResult {
    pub fn fate_of(&self, key: &ObjectKey) -> Option<Fate> {
        self.objects
            .binary_search_by(|o| o.key.cmp(key))
            .ok()
            .map(|i| self.objects[i].fate)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Present,
    Deleting,
    Gone,
}

/// The cluster's objects and their indexes (by key, uid, owner and namespace): those the
/// snapshot built when it loaded, borrowed, or built once for objects that come without
/// a snapshot. The cascade keeps its state per object in vectors by the snapshot's
/// positions (key order).
enum Objects<'a> {
    Borrowed(&'a ClusterSnapshot),
    Owned(Box<ClusterSnapshot>),
}

impl std::ops::Deref for Objects<'_> {
    type Target = ClusterSnapshot;

    fn deref(&self) -> &ClusterSnapshot {
        match self {
            Objects::Borrowed(snapshot) => snapshot,
            Objects::Owned(snapshot) => snapshot,
        }
    }
}

struct Cluster<'a> {
    snapshot: Objects<'a>,
    state: Vec<State>,
    cause: Vec<Option<DeleteCause>>,
    cause_key: Vec<Option<ObjectKey>>,
    /// Propagation each deleting object was deleted with.
    propagation: Vec<Propagation>,
    /// Finalizers still on each object (GC finalizers included).
    finalizers: Vec<Vec<String>>,
    /// Already being deleted in the snapshot.
    preexisting: Vec<bool>,
    /// Re-created by a replacement Application's sync, with its name.
    recreated_by: Vec<Option<String>>,
    /// While true, terminating namespaces are not finalized: the state right after a
    /// deletion wave, before pods' grace periods elapse.
    hold_namespaces: bool,
    version: KubeVersion,
    /// Third-party controllers the user declared.
    declared: Vec<DeclaredController>,
    /// CustomResourceDefinitions by the (group, kind) they define.
    crds: HashMap<(String, String), usize>,
    /// APIServices with `spec.service` (the only ones that can fail, R-DISC-2).
    remote_api_services: Vec<usize>,
    /// Group/version → why its discovery failed when the cluster was captured (issue 11):
    /// an APIService already unavailable, whatever its object in the snapshot shows.
    recorded_unavailable: BTreeMap<String, String>,
    /// Deployments, StatefulSets and DaemonSets: the workloads controllers run in.
    workloads: Vec<usize>,
    /// RBAC grants per service account, computed when first needed.
    grants: std::cell::OnceCell<controllers::Grants>,
    /// The workloads that may delete PersistentVolumes, computed when first needed (the
    /// grants do not change while the cluster settles; only which workloads live does).
    volume_provisioners: std::cell::OnceCell<Vec<usize>>,
    /// Admission webhooks of the cluster's webhook configurations.
    webhooks: Vec<webhooks::Webhook>,
    /// The error that refused the last DELETE of an object, if one did.
    refused: Vec<Option<Refusal>>,
    /// Per terminating namespace: resource (`plural.group`) → the refusal deleting it.
    content_errors: HashMap<usize, BTreeMap<String, Refusal>>,
}

/// Runs the cascade of `requests` over `objects`: all requests are sent, then the
/// cluster settles.
pub fn simulate<'a>(
    objects: impl IntoIterator<Item = &'a Object>,
    requests: &[DeletionRequest],
    version: KubeVersion,
) -> CascadeResult {
    let mut simulation = Simulation::new(objects, version);
    simulation.delete_and_settle(requests);
    simulation.finish()
}

/// A cluster being simulated, for callers that send deletions in steps (Argo CD's
/// wave-by-wave deletion) and look at the state in between.
pub struct Simulation<'a> {
    cluster: Cluster<'a>,
    initially_available: BTreeMap<String, bool>,
}

impl<'a> Simulation<'a> {
    /// A cluster of objects that come without a snapshot (tests, hand-made clusters):
    /// they are indexed here, as a snapshot would index them. Of two objects with one
    /// key, the later one is kept.
    pub fn new(
        objects: impl IntoIterator<Item = &'a Object>,
        version: KubeVersion,
    ) -> Simulation<'a> {
        let distinct: BTreeMap<ObjectKey, &Object> =
            objects.into_iter().map(|o| (o.key(), o)).collect();
        let snapshot = ClusterSnapshot::from_objects(
            "",
            distinct.into_values().cloned(),
            &ArgoSettings::default(),
        )
        .expect("objects with distinct keys index without error");
        Simulation::with_objects(Objects::Owned(Box::new(snapshot)), version)
    }

    /// The cluster of a snapshot, whose indexes the simulation borrows.
    pub fn of_snapshot(snapshot: &'a ClusterSnapshot, version: KubeVersion) -> Simulation<'a> {
        Simulation::with_objects(Objects::Borrowed(snapshot), version)
    }

    fn with_objects(objects: Objects<'a>, version: KubeVersion) -> Simulation<'a> {
        let cluster = Cluster::new(objects, version);
        let initially_available = cluster.availability_now();
        Simulation {
            cluster,
            initially_available,
        }
    }

    /// Declares the group/versions whose discovery was stale or failing when the
    /// cluster was captured (`capture.json`), each with why: their APIServices are
    /// unavailable before any deletion (R-DISC-4 then holds every terminating namespace).
    pub fn with_unavailable_group_versions(
        mut self,
        recorded: &BTreeMap<String, String>,
    ) -> Simulation<'a> {
        self.cluster.recorded_unavailable = recorded.clone();
        self.initially_available = self.cluster.availability_now();
        self
    }

    /// The workloads that remove third-party finalizers from objects of the cluster, as
    /// the snapshot shows it (see [`FinalizerController`]).
    pub fn finalizer_controllers(&self) -> Vec<FinalizerController> {
        self.cluster.finalizer_controllers()
    }

    /// Why the API server cannot reach the backend of Service `service` on `port` now
    /// (the check webhooks are refused by), or `None` when it can or the snapshot
    /// cannot tell.
    pub fn service_unreachable(
        &self,
        service: &ObjectKey,
        port: i64,
    ) -> Option<crate::causes::Unreachable> {
        self.cluster.service_unreachable(
            service.namespace.as_deref().unwrap_or_default(),
            &service.name,
            port,
        )
    }

    /// Declares third-party controllers (which workload removes which finalizers).
    pub fn with_controllers(mut self, controllers: &[DeclaredController]) -> Simulation<'a> {
        self.cluster.declared = controllers.to_vec();
        self
    }

    /// Sends every request (the pessimistic order: all of them before any controller
    /// acts), then runs the controllers until the cluster settles.
    pub fn delete_and_settle(&mut self, requests: &[DeletionRequest]) {
        for request in requests {
            self.cluster.request(request);
        }
        self.cluster.settle();
    }

    /// Holds or releases the finalization of terminating namespaces. Holding reproduces
    /// the moments right after a deletion, when namespaces are still terminating (their
    /// pods have grace periods) while Argo CD already syncs replacement Applications.
    pub fn hold_namespaces(&mut self, hold: bool) {
        self.cluster.hold_namespaces = hold;
        if !hold {
            self.cluster.settle();
        }
    }

    /// A replacement Application applies `key` again (create or update). Returns why the
    /// API server refuses it, if it does (R-OBJ-9).
    pub fn reapply(&mut self, key: &ObjectKey, application: &str) -> Result<(), CreateRefusal> {
        let cluster = &mut self.cluster;
        let Some(i) = cluster.position(key) else {
            return Ok(());
        };
        if cluster.state[i] == State::Gone {
            if let Some(refusal) = cluster.admission_error(Operation::Create, i) {
                return Err(CreateRefusal::Refused(refusal));
            }
        }
        if let Some(ns) = &key.namespace {
            let namespace = cluster.position(&ObjectKey::namespace_object(ns));
            match namespace.map(|n| cluster.state[n]) {
                Some(State::Deleting) => {
                    return Err(CreateRefusal::NamespaceTerminating {
                        resource: resource_name(&key.kind),
                        name: key.name.clone(),
                        namespace: ns.clone(),
                    })
                }
                Some(State::Gone) => return Err(CreateRefusal::NamespaceNotFound(ns.clone())),
                _ => {}
            }
        }
        if cluster.state[i] == State::Gone {
            cluster.state[i] = State::Present;
            cluster.finalizers[i] = cluster
                .object(i)
                .finalizers()
                .into_iter()
                .filter(|f| f != FOREGROUND && f != ORPHAN)
                .collect();
            cluster.recreated_by[i] = Some(application.to_string());
        }
        Ok(())
    }

    /// Whether a replacement Application re-created the object (it then belongs to that
    /// Application, not to the one being deleted).
    pub fn is_recreated(&self, key: &ObjectKey) -> bool {
        self.cluster
            .position(key)
            .is_some_and(|i| self.cluster.recreated_by[i].is_some())
    }

    /// Whether the object exists in the snapshot.
    pub fn contains(&self, key: &ObjectKey) -> bool {
        self.cluster.position(key).is_some()
    }

    /// True when the object is gone (or never existed).
    pub fn is_gone(&self, key: &ObjectKey) -> bool {
        self.cluster
            .position(key)
            .is_none_or(|i| self.cluster.state[i] == State::Gone)
    }

    pub fn finish(self) -> CascadeResult {
        self.cluster.result(&self.initially_available)
    }
}

impl<'a> Cluster<'a> {
    fn new(snapshot: Objects<'a>, version: KubeVersion) -> Cluster<'a> {
        let count = snapshot.len();
        let mut state = Vec::with_capacity(count);
        let mut finalizers = Vec::with_capacity(count);
        for object in snapshot.objects() {
            state.push(if object.deletion_timestamp().is_some() {
                State::Deleting
            } else {
                State::Present
            });
            finalizers.push(object.finalizers());
        }
        let webhooks = webhooks::collect(snapshot.objects());
        let mut cluster = Cluster {
            snapshot,
            state,
            cause: vec![None; count],
            cause_key: vec![None; count],
            propagation: vec![Propagation::Background; count],
            finalizers,
            preexisting: vec![false; count],
            recreated_by: vec![None; count],
            hold_namespaces: false,
            version,
            declared: Vec::new(),
            crds: HashMap::new(),
            remote_api_services: Vec::new(),
            recorded_unavailable: BTreeMap::new(),
            workloads: Vec::new(),
            grants: std::cell::OnceCell::new(),
            volume_provisioners: std::cell::OnceCell::new(),
            webhooks,
            refused: vec![None; count],
            content_errors: HashMap::new(),
        };
        for i in 0..count {
            let object = cluster.snapshot.at(i);
            let key = &cluster.snapshot.keys()[i];
            match (key.group.as_str(), key.kind.as_str()) {
                ("apiextensions.k8s.io", "CustomResourceDefinition") => {
                    let group = object.str_at(&["spec", "group"]).unwrap_or("");
                    let kind = object.str_at(&["spec", "names", "kind"]).unwrap_or("");
                    cluster
                        .crds
                        .entry((group.to_string(), kind.to_string()))
                        .or_insert(i);
                }
                ("apiregistration.k8s.io", "APIService")
                    if object.value_at(&["spec", "service"]).is_some() =>
                {
                    cluster.remote_api_services.push(i);
                }
                ("apps", "Deployment" | "StatefulSet" | "DaemonSet") => cluster.workloads.push(i),
                _ => {}
            }
        }
        for i in 0..count {
            if cluster.state[i] == State::Deleting {
                cluster.cause[i] = Some(DeleteCause::AlreadyDeleting);
                cluster.preexisting[i] = true;
            }
        }
        cluster
    }

    /// The object at position `i`.
    fn object(&self, i: usize) -> &Object {
        self.snapshot.at(i)
    }

    /// The key of the object at position `i`.
    fn key(&self, i: usize) -> &ObjectKey {
        &self.snapshot.keys()[i]
    }

    fn len(&self) -> usize {
        self.snapshot.len()
    }

    fn position(&self, key: &ObjectKey) -> Option<usize> {
        self.snapshot.position(key)
    }

    fn position_of_uid(&self, uid: &str) -> Option<usize> {
        self.snapshot.position_of_uid(uid)
    }

    /// The positions of the objects that name `uid` as an owner.
    fn dependents(&self, uid: &str) -> &[usize] {
        self.snapshot.dependent_positions(uid)
    }

    /// The positions of the objects in `namespace`.
    fn in_namespace(&self, namespace: &str) -> &[usize] {
        self.snapshot.positions_in_namespace(namespace)
    }

    fn is_namespace(&self, i: usize) -> bool {
        self.key(i).group.is_empty() && self.key(i).kind == "Namespace"
    }

    fn alive(&self, i: usize) -> bool {
        self.state[i] == State::Present
    }

    /// The indexes of the objects of one group and kind (keys are sorted, so they are
    /// contiguous).
    fn of_kind(&self, group: &str, kind: &str) -> std::ops::Range<usize> {
        let keys = self.snapshot.keys();
        let start =
            keys.partition_point(|key| (key.group.as_str(), key.kind.as_str()) < (group, kind));
        let end =
            start + keys[start..].partition_point(|key| key.group == group && key.kind == kind);
        start..end
    }

    /// Runs every actor until nothing changes.
    fn settle(&mut self) {
        loop {
            let mut changed = false;
            changed |= self.namespace_controller_deletes_content();
            changed |= self.crd_finalizer_deletes_instances();
            changed |= self.garbage_collector();
            changed |= self.finalize(false);
            // Pessimistic order (§14.4): namespaces are finalized only once the rest of
            // the cascade has settled, so a backend that the cascade takes away anywhere
            // (a pod collected a few GC rounds later) fails discovery first (R-DISC-4).
            if !changed {
                changed = self.finalize(true);
            }
            // The provisioner reclaims a released volume once the rest has settled, so
            // that a provisioner the same cascade deletes is known dead (C-12).
            if !changed {
                changed = self.provisioner_reclaims_volumes();
            }
            if !changed {
                break;
            }
        }
    }

    fn result(&self, initially_available: &BTreeMap<String, bool>) -> CascadeResult {
        let failures = self.discovery_failures();
        let mut result = CascadeResult {
            discovery_failures: failures.clone(),
            ..CascadeResult::default()
        };
        for i in 0..self.len() {
            let refused = self.state[i] == State::Present && self.refused[i].is_some();
            if (self.state[i] == State::Present && !refused) || self.cause[i].is_none() {
                continue;
            }
            let preexisting = self.preexisting[i];
            // Objects that were already being deleted are not the change's doing; only
            // namespaces among them are reported, because the change can hold them. The
            // others that stay are kept apart for `audit`.
            if preexisting && !self.is_namespace(i) {
                if self.state[i] != State::Gone {
                    result.already_deleting.push(ObjectResult {
                        key: self.key(i).clone(),
                        api_version: self.object(i).api_version().to_string(),
                        fate: Fate::Stuck,
                        stuck: self.stuck_causes(i, &failures),
                        cause: DeleteCause::AlreadyDeleting,
                        deleted_with: None,
                    });
                }
                continue;
            }
            let fate = if self.state[i] == State::Gone {
                Fate::Deleted
            } else {
                Fate::Stuck
            };
            let stuck = match fate {
                Fate::Deleted => Vec::new(),
                _ => self.stuck_causes(i, &failures),
            };
            let cause = self.cause[i]
                .clone()
                .expect("only objects with a cause are reported");
            // A namespace whose DELETE is refused never starts terminating (R-WH-7).
            if self.is_namespace(i) && !refused {
                result.namespaces.push(NamespaceResult {
                    name: self.key(i).name.clone(),
                    fate,
                    conditions: if fate == Fate::Stuck {
                        self.namespace_conditions(i, &failures)
                    } else {
                        Vec::new()
                    },
                    cause: cause.clone(),
                    already_terminating: preexisting,
                    stuck: stuck.clone(),
                    blocked_by_discovery: if fate == Fate::Stuck {
                        failures.iter().map(|f| f.group_version.clone()).collect()
                    } else {
                        Vec::new()
                    },
                });
            }
            if preexisting {
                continue;
            }
            result.objects.push(ObjectResult {
                key: self.key(i).clone(),
                api_version: self.object(i).api_version().to_string(),
                fate: if refused { Fate::Refused } else { fate },
                stuck,
                cause,
                deleted_with: self.cause_key[i].clone(),
            });
        }
        for i in 0..self.len() {
            if self.state[i] != State::Present || self.key(i).namespace.is_some() {
                continue;
            }
            for owner in self.object(i).owner_references().iter() {
                let Some(o) = self.position_of_uid(owner.uid.as_str()) else {
                    continue;
                };
                if self.key(o).namespace.is_some()
                    && self.state[o] == State::Gone
                    && !self.preexisting[o]
                {
                    result
                        .leaked
                        .push((self.key(i).clone(), self.key(o).clone()));
                }
            }
        }
        result.leaked.sort();
        for v in self.of_kind("", "PersistentVolume") {
            let Some(claim) = self.released_claim(v) else {
                continue;
            };
            let reclaim_policy = self.reclaim_policy(v).to_string();
            let reclaim = if self.state[v] == State::Gone {
                Reclaim::Deleted
            } else if reclaim_policy == "Delete" && self.provisioners_deleted() {
                Reclaim::Leaked {
                    provisioners: self
                        .volume_provisioners()
                        .iter()
                        .map(|&p| self.key(p).clone())
                        .collect(),
                }
            } else if reclaim_policy == "Delete" {
                // Deleted by hand and held by a finalizer: what keeps it is reported
                // with the object.
                continue;
            } else {
                Reclaim::Retained
            };
            let volume = self.object(v);
            result.released_volumes.push(ReleasedVolume {
                volume: self.key(v).clone(),
                used_by: self.claim_users(&claim),
                claim,
                capacity: volume
                    .str_at(&["spec", "capacity", "storage"])
                    .map(str::to_string),
                storage_class: volume
                    .str_at(&["spec", "storageClassName"])
                    .map(str::to_string),
                reclaim_policy,
                reclaim,
            });
        }
        for a in self.api_services() {
            let name = self.key(a).name.clone();
            let was_available = initially_available.get(&name).copied().unwrap_or(true);
            let now = self.availability(a);
            if self.state[a] == State::Gone || (was_available && now.available) {
                continue;
            }
            let object = self.object(a);
            let service_namespace = object
                .str_at(&["spec", "service", "namespace"])
                .unwrap_or("");
            let service_name = object.str_at(&["spec", "service", "name"]).unwrap_or("");
            result.api_services.push(ApiServiceResult {
                outcome: ApiServiceOutcome {
                    name,
                    group_version: self.group_version(a),
                    service: format!("{service_namespace}/{service_name}"),
                    available: now.available,
                    condition: now.condition,
                },
                service: ObjectKey::new("", "Service", Some(service_namespace), service_name),
                was_available,
                lost_backend: now.lost_backend.map(|i| self.key(i).clone()),
                recreated_by: self.recreated_by[a].clone(),
            });
        }
        result
    }

    fn stuck_causes(&self, i: usize, failures: &[DiscoveryFailure]) -> Vec<StuckCause> {
        if let Some(refusal) = &self.refused[i] {
            return vec![StuckCause::DeleteRefused(refusal.clone())];
        }
        let mut causes: Vec<StuckCause> = Vec::new();
        if self.is_namespace(i) {
            if let Some(blocker) = self.namespace_blocker(i, failures) {
                causes.push(StuckCause::Namespace(blocker));
            }
        }
        if !self.finalizers[i].is_empty() && !self.is_namespace(i) {
            if let Some(refusal) = self.admission_error(Operation::Update, i) {
                causes.push(StuckCause::UpdateRefused(refusal));
            }
        }
        causes.extend(self.finalizers[i].iter().filter_map(|finalizer| {
            self.finalizer_blocker(i, finalizer)
                .map(|blocker| StuckCause::Finalizer {
                    finalizer: finalizer.clone(),
                    blocker,
                })
        }));
        if let Some(node) = self.pod_node_down(i) {
            causes.push(StuckCause::NodeNotReady(node));
        }
        if causes.is_empty() {
            causes.push(StuckCause::WaitsForFinalizers);
        }
        causes
    }
}

/// The plural resource name of a kind, as discovery reports it for built-in kinds and as
/// CRDs conventionally name theirs.
pub fn resource_name(kind: &str) -> String {
    let lower = kind.to_ascii_lowercase();
    match lower.as_str() {
        "endpoints" => return lower,
        "ingress" => return "ingresses".to_string(),
        _ => {}
    }
    if lower.ends_with('s')
        || lower.ends_with("ch")
        || lower.ends_with("sh")
        || lower.ends_with('x')
    {
        format!("{lower}es")
    } else if let Some(stem) = lower.strip_suffix('y') {
        if stem.ends_with(['a', 'e', 'i', 'o', 'u']) {
            format!("{lower}s")
        } else {
            format!("{stem}ies")
        }
    } else {
        format!("{lower}s")
    }
}
