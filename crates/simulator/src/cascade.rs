//! The deletion cascade on one cluster: given the objects of a cluster and a set of
//! deletion requests, compute the state the cluster settles in.
//!
//! The model follows `k8s-deletion-semantics.md` §14: every actor (API server, garbage
//! collector, namespace controller, PVC/PV protection, the aggregator's availability
//! controller, kubelets) is applied round after round until nothing changes, grace
//! periods are treated as elapsed, and where real clusters race the pessimistic order is
//! assumed (a backend deleted in a step is unavailable before anything it guards is
//! processed).

use std::collections::{BTreeMap, HashMap};

use preflight_model::{Object, ObjectKey};

use crate::causes::{
    stuck_sentence, CreateRefusal, DeleteCause, DiscoveryFailure, FinalizerBlocker,
    NamespaceBlocker, Refusal, StuckCause,
};
use crate::outcome::{ApiServiceOutcome, Fate, NamespaceCondition};

mod controllers;
mod webhooks;

pub use controllers::FinalizerController;

use webhooks::Operation;

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
    /// Why it is deleted or why it stays, as one sentence; for a refused DELETE, the
    /// API server's answer (the fate already says it is refused).
    pub fn reason(&self) -> String {
        match (self.fate, self.delete_refusal()) {
            (Fate::Deleted, _) => self.cause.to_string(),
            (Fate::Refused, Some(refusal)) => refusal.to_string(),
            (Fate::Stuck | Fate::Refused, _) => stuck_sentence(&self.stuck),
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

/// Finalizers whose controller is part of Kubernetes itself and always runs, with the
/// rule that decides when it lets go. Anything else needs a controller the snapshot can
/// reveal (a later stage) and is treated as never removed.
const FOREGROUND: &str = "foregroundDeletion";
const ORPHAN: &str = "orphan";
const PVC_PROTECTION: &str = "kubernetes.io/pvc-protection";
const PV_PROTECTION: &str = "kubernetes.io/pv-protection";
/// Put on a PersistentVolume by the CSI external provisioner, which removes it once it
/// has deleted the backend volume.
const EXTERNAL_PROVISIONER: &str = "external-provisioner.volume.kubernetes.io/finalizer";
/// Finalizers removed by controllers of the control plane (kube-controller-manager,
/// cloud-controller-manager) that no deletion cascade can stop.
const ALWAYS_SERVED: &[&str] = &[
    "batch.kubernetes.io/job-tracking",
    "service.kubernetes.io/load-balancer-cleanup",
    "kubernetes.io/pv-controller",
];
/// The CRD finalizer of the apiextensions server: removed once no instance is left.
const CRD_CLEANUP: &str = "customresourcecleanup.apiextensions.k8s.io";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Present,
    Deleting,
    Gone,
}

struct Cluster<'a> {
    objects: Vec<&'a Object>,
    keys: Vec<ObjectKey>,
    by_key: HashMap<ObjectKey, usize>,
    by_uid: HashMap<&'a str, usize>,
    /// Owner uid → dependents.
    dependents: HashMap<&'a str, Vec<usize>>,
    /// Namespace name → objects in it.
    in_namespace: HashMap<&'a str, Vec<usize>>,
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
    pub fn new(
        objects: impl IntoIterator<Item = &'a Object>,
        version: KubeVersion,
    ) -> Simulation<'a> {
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
        let Some(&i) = cluster.by_key.get(key) else {
            return Ok(());
        };
        if cluster.state[i] == State::Gone {
            if let Some(refusal) = cluster.admission_error(Operation::Create, i) {
                return Err(CreateRefusal::Refused(refusal));
            }
        }
        if let Some(ns) = &key.namespace {
            let namespace = cluster
                .by_key
                .get(&ObjectKey::namespace_object(ns))
                .copied();
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
            cluster.finalizers[i] = cluster.objects[i]
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
            .by_key
            .get(key)
            .is_some_and(|&i| self.cluster.recreated_by[i].is_some())
    }

    /// Whether the object exists in the snapshot.
    pub fn contains(&self, key: &ObjectKey) -> bool {
        self.cluster.by_key.contains_key(key)
    }

    /// True when the object is gone (or never existed).
    pub fn is_gone(&self, key: &ObjectKey) -> bool {
        self.cluster
            .by_key
            .get(key)
            .is_none_or(|&i| self.cluster.state[i] == State::Gone)
    }

    pub fn finish(self) -> CascadeResult {
        self.cluster.result(&self.initially_available)
    }
}

struct Availability {
    available: bool,
    reason: String,
    message: String,
    lost_backend: Option<usize>,
}

impl<'a> Cluster<'a> {
    fn new(objects: impl IntoIterator<Item = &'a Object>, version: KubeVersion) -> Cluster<'a> {
        let mut objects: Vec<&Object> = objects.into_iter().collect();
        objects.sort_by_key(|o| o.key());
        let keys: Vec<ObjectKey> = objects.iter().map(|o| o.key()).collect();
        let mut by_key = HashMap::new();
        let mut by_uid = HashMap::new();
        let mut dependents: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut in_namespace: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut state = Vec::with_capacity(objects.len());
        let mut finalizers = Vec::with_capacity(objects.len());
        for (i, object) in objects.iter().enumerate() {
            by_key.insert(keys[i].clone(), i);
            if let Some(uid) = object.uid() {
                by_uid.insert(uid, i);
            }
            for uid in object.owner_uids() {
                dependents.entry(uid).or_default().push(i);
            }
            if let Some(ns) = object.namespace() {
                in_namespace.entry(ns).or_default().push(i);
            }
            state.push(if object.deletion_timestamp().is_some() {
                State::Deleting
            } else {
                State::Present
            });
            finalizers.push(object.finalizers());
        }
        let count = objects.len();
        let mut cluster = Cluster {
            objects,
            keys,
            by_key,
            by_uid,
            dependents,
            in_namespace,
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
            webhooks: Vec::new(),
            refused: vec![None; count],
            content_errors: HashMap::new(),
        };
        cluster.webhooks = webhooks::collect(&cluster.objects);
        for (i, object) in cluster.objects.iter().enumerate() {
            let key = &cluster.keys[i];
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

    fn request(&mut self, request: &DeletionRequest) {
        let Some(&i) = self.by_key.get(&request.key) else {
            return;
        };
        let _ = self.api_delete(i, request.propagation, &request.cause, None);
    }

    /// A DELETE through the API, which admission may refuse (R-OBJ-7, R-WH-4); the
    /// refusal is remembered as the object's reason.
    fn api_delete(
        &mut self,
        i: usize,
        propagation: Propagation,
        cause: &DeleteCause,
        cause_key: Option<ObjectKey>,
    ) -> Result<(), Refusal> {
        if self.state[i] == State::Gone {
            return Ok(());
        }
        if let Some(error) = self.admission_error(Operation::Delete, i) {
            if self.cause[i].is_none() {
                self.cause[i] = Some(cause.clone());
                self.cause_key[i] = cause_key;
            }
            self.refused[i] = Some(error.clone());
            return Err(error);
        }
        self.refused[i] = None;
        self.start_deletion(i, propagation, cause, cause_key);
        Ok(())
    }

    /// The API server's handling of a DELETE (R-OBJ-2, R-OBJ-5, R-OBJ-6, R-NSAPI-2).
    fn start_deletion(
        &mut self,
        i: usize,
        propagation: Propagation,
        cause: &DeleteCause,
        cause_key: Option<ObjectKey>,
    ) {
        if self.state[i] == State::Gone {
            return;
        }
        let is_namespace = self.is_namespace(i);
        let finalizers = &mut self.finalizers[i];
        // Pods only record the first request's options while their grace period runs.
        let is_pod = self.keys[i].group.is_empty() && self.keys[i].kind == "Pod";
        if !(is_pod && self.state[i] == State::Deleting) {
            finalizers.retain(|f| f != FOREGROUND && f != ORPHAN);
            match propagation {
                Propagation::Foreground => finalizers.push(FOREGROUND.to_string()),
                Propagation::Orphan => finalizers.push(ORPHAN.to_string()),
                Propagation::Background => {}
            }
            self.propagation[i] = propagation;
        }
        if self.state[i] == State::Present {
            self.state[i] = State::Deleting;
            self.cause[i] = Some(cause.clone());
            self.cause_key[i] = cause_key;
        }
        // A namespace is never removed by the DELETE itself; everything else without
        // finalizers and without graceful deletion goes at once.
        if !is_namespace && !is_pod && self.finalizers[i].is_empty() {
            self.state[i] = State::Gone;
        }
    }

    fn is_pod(&self, i: usize) -> bool {
        self.keys[i].group.is_empty() && self.keys[i].kind == "Pod"
    }

    /// R-POD-1: a pod on a node whose kubelet does not run (the Node is not `Ready`) is
    /// never confirmed gone, unless the node carries the out-of-service taint, which lets
    /// the pod garbage collector force-delete it (R-POD-2). A Node object that no longer
    /// exists also lets the pod garbage collector act. Returns the node's name.
    fn pod_node_down(&self, i: usize) -> Option<String> {
        if !self.is_pod(i) {
            return None;
        }
        let node_name = self.objects[i].str_at(&["spec", "nodeName"])?;
        let &node = self
            .by_key
            .get(&ObjectKey::new("", "Node", None, node_name))?;
        let node = self.objects[node];
        let out_of_service = node
            .value_at(&["spec", "taints"])
            .and_then(|t| t.as_array())
            .is_some_and(|taints| {
                taints.iter().any(|t| {
                    t.get("key").and_then(|k| k.as_str())
                        == Some("node.kubernetes.io/out-of-service")
                })
            });
        let ready = node
            .value_at(&["status", "conditions"])
            .and_then(|c| c.as_array())
            .and_then(|conditions| {
                conditions
                    .iter()
                    .find(|c| c.get("type").and_then(|t| t.as_str()) == Some("Ready"))
            })
            .and_then(|c| c.get("status").and_then(|s| s.as_str()))
            .unwrap_or("True");
        (ready != "True" && !out_of_service).then(|| node_name.to_string())
    }

    fn is_namespace(&self, i: usize) -> bool {
        self.keys[i].group.is_empty() && self.keys[i].kind == "Namespace"
    }

    fn alive(&self, i: usize) -> bool {
        self.state[i] == State::Present
    }

    fn api_services(&self) -> Vec<usize> {
        self.remote_api_services.clone()
    }

    /// Whether each APIService with `spec.service` is available, by name.
    fn availability_now(&self) -> BTreeMap<String, bool> {
        self.api_services()
            .into_iter()
            .map(|i| (self.keys[i].name.clone(), self.availability(i).available))
            .collect()
    }

    /// The indexes of the objects of one group and kind (keys are sorted, so they are
    /// contiguous).
    fn of_kind(&self, group: &str, kind: &str) -> std::ops::Range<usize> {
        let start = self
            .keys
            .partition_point(|key| (key.group.as_str(), key.kind.as_str()) < (group, kind));
        let end = start
            + self.keys[start..].partition_point(|key| key.group == group && key.kind == kind);
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

    /// R-NSC-3/4: the namespace controller deletes all content of every terminating
    /// namespace, with Background propagation, whether or not discovery fails for other
    /// groups (R-NSC-3 step 1).
    fn namespace_controller_deletes_content(&mut self) -> bool {
        let mut changed = false;
        let terminating: Vec<usize> = (0..self.objects.len())
            .filter(|&i| self.is_namespace(i) && self.state[i] == State::Deleting)
            .collect();
        for ns in terminating {
            let name = self.keys[ns].name.clone();
            let previous_errors = self.content_errors.remove(&ns).unwrap_or_default();
            let mut content: Vec<usize> = self
                .in_namespace
                .get(name.as_str())
                .cloned()
                .unwrap_or_default();
            // R-NSC-3 step 3 (OrderedNamespaceDeletion, on from 1.33): pods go first, and
            // while any pod remains nothing else in the namespace is deleted.
            if self.version.at_least(33) {
                let pods: Vec<usize> = content
                    .iter()
                    .copied()
                    .filter(|&i| self.is_pod(i))
                    .collect();
                for &pod in &pods {
                    changed |= self.namespace_controller_deletes(pod, ns, &name);
                }
                if pods.iter().any(|&pod| self.state[pod] != State::Gone) {
                    let errors = self.content_errors.get(&ns).cloned().unwrap_or_default();
                    changed |= errors != previous_errors;
                    continue;
                }
                content.retain(|&i| !self.is_pod(i));
            }
            for i in content {
                changed |= self.namespace_controller_deletes(i, ns, &name);
            }
            let errors = self.content_errors.get(&ns).cloned().unwrap_or_default();
            changed |= errors != previous_errors;
        }
        changed
    }

    /// One Background DELETE of the namespace controller (R-NSC-4, R-NSC-6).
    fn namespace_controller_deletes(&mut self, i: usize, ns: usize, name: &str) -> bool {
        if self.state[i] == State::Gone {
            return false;
        }
        let resource = format!("{}.{}", self.plural_of(i), self.keys[i].group);
        // R-CRD-5: reading objects that need conversion fails while the conversion
        // webhook is unreachable, so the resource type fails as a whole.
        let conversion = self
            .crd_of(&self.keys[i].group, &self.keys[i].kind)
            .and_then(|crd| self.conversion_error(crd));
        if let Some(error) = conversion {
            if self.cause[i].is_none() {
                self.cause[i] = Some(DeleteCause::NamespaceContent(name.to_string()));
                self.cause_key[i] = Some(self.keys[ns].clone());
            }
            self.refused[i] = Some(error.clone());
            self.content_errors
                .entry(ns)
                .or_default()
                .insert(resource, error);
            return false;
        }
        let before = (self.state[i], self.finalizers[i].clone());
        let cause = DeleteCause::NamespaceContent(name.to_string());
        if let Err(error) = self.api_delete(
            i,
            Propagation::Background,
            &cause,
            Some(self.keys[ns].clone()),
        ) {
            self.content_errors
                .entry(ns)
                .or_default()
                .insert(resource, error);
            return false;
        }
        (self.state[i], self.finalizers[i].clone()) != before
    }

    /// R-CRD-2: the CRD finalizer deletes every instance of a CRD being deleted, straight
    /// from storage (no admission).
    fn crd_finalizer_deletes_instances(&mut self) -> bool {
        let mut changed = false;
        let deleting: Vec<usize> = (0..self.objects.len())
            .filter(|&c| {
                self.state[c] == State::Deleting
                    && self.keys[c].group == "apiextensions.k8s.io"
                    && self.keys[c].kind == "CustomResourceDefinition"
            })
            .collect();
        for crd in deleting {
            // R-CRD-5: `deleteInstances` (apiextensions-apiserver
            // `pkg/controller/finalizer/crd_finalizer.go`) LISTs every instance first and
            // returns `InstanceDeletionFailed` when the LIST fails, before any delete: an
            // unreachable conversion webhook leaves every instance untouched.
            if self.instance_listing_error(crd).is_some() {
                continue;
            }
            let cause = DeleteCause::CustomResourceDefinition(self.keys[crd].name.clone());
            for instance in self.instances_of_crd(crd) {
                if self.state[instance] == State::Present {
                    self.start_deletion(
                        instance,
                        Propagation::Background,
                        &cause,
                        Some(self.keys[crd].clone()),
                    );
                    changed = true;
                }
            }
        }
        changed
    }

    /// R-VOL-3: a PersistentVolume whose claim the change deleted is `Released`; with
    /// reclaim policy `Delete` its provisioner deletes the backend volume and then the
    /// PersistentVolume (`pkg/controller/volume/persistentvolume/pv_controller.go`,
    /// `deleteVolumeOperation`: it skips a volume already being deleted, calls
    /// `doDeleteVolume`, then deletes the PV object; CSI volumes go the same way through
    /// the external provisioner, which removes its own finalizer). Provisioners found
    /// through RBAC that are all deleted leak the volume instead (C-12); when the
    /// snapshot shows none, the provisioner runs outside it (the control plane, a
    /// cloud's managed driver).
    fn provisioner_reclaims_volumes(&mut self) -> bool {
        let mut changed = false;
        for v in self.of_kind("", "PersistentVolume") {
            if self.state[v] != State::Present || self.reclaim_policy(v) != "Delete" {
                continue;
            }
            let Some(claim) = self.released_claim(v) else {
                continue;
            };
            if self.provisioners_deleted() {
                continue;
            }
            self.start_deletion(
                v,
                Propagation::Background,
                &DeleteCause::VolumeReclaimed {
                    claim: claim.clone(),
                },
                Some(claim),
            );
            self.finalizers[v].retain(|f| f != EXTERNAL_PROVISIONER);
            changed = true;
        }
        changed
    }

    /// `spec.persistentVolumeReclaimPolicy`, `Retain` when unset (the API server's
    /// default for a PersistentVolume, `pkg/apis/core/v1/defaults.go`).
    fn reclaim_policy(&self, volume: usize) -> &str {
        self.objects[volume]
            .str_at(&["spec", "persistentVolumeReclaimPolicy"])
            .unwrap_or("Retain")
    }

    /// The claim of a volume when the change deleted it (not one already being deleted
    /// before the change).
    fn released_claim(&self, volume: usize) -> Option<ObjectKey> {
        let object = self.objects[volume];
        let namespace = object.str_at(&["spec", "claimRef", "namespace"])?;
        let name = object.str_at(&["spec", "claimRef", "name"])?;
        let claim = ObjectKey::new("", "PersistentVolumeClaim", Some(namespace), name);
        let &c = self.by_key.get(&claim)?;
        (self.state[c] == State::Gone && !self.preexisting[c]).then_some(claim)
    }

    /// Whether the snapshot shows provisioners (through RBAC) and the cascade deletes
    /// every one of them.
    fn provisioners_deleted(&self) -> bool {
        let provisioners = self.volume_provisioners();
        !provisioners.is_empty() && provisioners.iter().all(|&p| !self.workload_alive(p))
    }

    /// The workloads whose pods mount claim `claim` (any pod of the snapshot, scheduled
    /// or not): the top of each pod's owner chain.
    fn claim_users(&self, claim: &ObjectKey) -> Vec<ObjectKey> {
        let Some(namespace) = claim.namespace.as_deref() else {
            return Vec::new();
        };
        let mut users = Vec::new();
        for &p in self
            .in_namespace
            .get(namespace)
            .map(Vec::as_slice)
            .unwrap_or(&[])
        {
            if !self.is_pod(p) {
                continue;
            }
            let mounts = self.objects[p]
                .value_at(&["spec", "volumes"])
                .and_then(|v| v.as_array())
                .is_some_and(|volumes| {
                    volumes.iter().any(|v| {
                        v.pointer("/persistentVolumeClaim/claimName")
                            .and_then(|c| c.as_str())
                            == Some(claim.name.as_str())
                    })
                });
            if !mounts {
                continue;
            }
            let mut top = p;
            // Owner chains are short (Pod → ReplicaSet → Deployment); the bound keeps a
            // cycle of owner references from looping.
            for _ in 0..8 {
                let next = self.objects[top]
                    .owner_references()
                    .iter()
                    .filter_map(|r| self.by_uid.get(r.uid.as_str()).copied())
                    .find(|&o| self.owner_reference_valid(top, o));
                match next {
                    Some(owner) => top = owner,
                    None => break,
                }
            }
            users.push(self.keys[top].clone());
        }
        users.sort();
        users.dedup();
        users
    }

    /// Instances of CRD `crd` that still exist.
    fn instances_of_crd(&self, crd: usize) -> Vec<usize> {
        let object = self.objects[crd];
        let group = object.str_at(&["spec", "group"]).unwrap_or("");
        let kind = object.str_at(&["spec", "names", "kind"]).unwrap_or("");
        self.of_kind(group, kind)
            .filter(|&i| self.state[i] != State::Gone)
            .collect()
    }

    /// R-GC-2..6: dependents whose owners are all gone are collected; dependents of an
    /// owner in foreground deletion are deleted right away.
    fn garbage_collector(&mut self) -> bool {
        let mut changed = false;
        for i in 0..self.objects.len() {
            if self.state[i] != State::Present {
                continue;
            }
            let refs = self.objects[i].owner_references();
            if refs.is_empty() {
                continue;
            }
            let mut resolved = 0;
            let mut absent = 0;
            let mut foreground_owner = None;
            let mut orphaned_by = 0;
            let mut first_owner = None;
            for owner in &refs {
                let Some(&o) = self.by_uid.get(owner.uid.as_str()) else {
                    continue;
                };
                if !self.owner_reference_valid(i, o) {
                    continue;
                }
                resolved += 1;
                first_owner.get_or_insert(o);
                match self.state[o] {
                    State::Gone => {
                        if self.propagation[o] == Propagation::Orphan {
                            orphaned_by += 1;
                        } else {
                            absent += 1;
                        }
                    }
                    State::Deleting if self.finalizers[o].iter().any(|f| f == FOREGROUND) => {
                        foreground_owner.get_or_insert(o);
                        absent += 1;
                    }
                    State::Deleting if self.propagation[o] == Propagation::Orphan => {
                        orphaned_by += 1
                    }
                    _ => {}
                }
            }
            // Owners that the snapshot does not hold are not judged: the snapshot may be
            // partial, and a real dangling reference would already have been collected.
            if resolved == 0 || absent == 0 || absent + orphaned_by < resolved || orphaned_by > 0 {
                continue;
            }
            let owner = foreground_owner.or(first_owner).expect("resolved > 0");
            let cause = DeleteCause::GarbageCollected {
                owner: self.keys[owner].clone(),
            };
            // R-GC-3: a dependent that has dependents of its own is deleted in the
            // foreground when an owner waits for it, so the owner keeps waiting until the
            // whole subtree is gone; otherwise its own GC finalizer decides.
            let propagation = if foreground_owner.is_some() && self.has_dependents(i) {
                Propagation::Foreground
            } else if self.finalizers[i].iter().any(|f| f == ORPHAN) {
                Propagation::Orphan
            } else if self.finalizers[i].iter().any(|f| f == FOREGROUND) {
                Propagation::Foreground
            } else {
                Propagation::Background
            };
            // The GC retries a refused DELETE forever; the object stays meanwhile.
            if self
                .api_delete(i, propagation, &cause, Some(self.keys[owner].clone()))
                .is_ok()
            {
                changed = true;
            }
        }
        changed
    }

    /// R-GC-8: a namespaced owner is looked up in the dependent's own namespace; a
    /// cluster-scoped dependent can only have cluster-scoped owners.
    fn owner_reference_valid(&self, dependent: usize, owner: usize) -> bool {
        match (&self.keys[dependent].namespace, &self.keys[owner].namespace) {
            (_, None) => true,
            (Some(dn), Some(on)) => dn == on,
            (None, Some(_)) => false,
        }
    }

    /// Removes every finalizer whose controller lets go, and removes objects that are
    /// left without any.
    fn finalize(&mut self, namespaces: bool) -> bool {
        let mut changed = false;
        let failures = self.discovery_failures();
        for i in 0..self.objects.len() {
            if self.state[i] != State::Deleting {
                continue;
            }
            let before = self.finalizers[i].len();
            let finalizers = self.finalizers[i].clone();
            let mut kept: Vec<String> = finalizers
                .iter()
                .filter(|f| self.finalizer_blocker(i, f).is_some())
                .cloned()
                .collect();
            // Removing a finalizer is an UPDATE: a fail-closed webhook that cannot be
            // reached keeps every finalizer in place (R-OBJ-8, R-WH-6).
            if kept.len() != before && self.admission_error(Operation::Update, i).is_some() {
                kept = finalizers;
            }
            if kept.len() != before {
                changed = true;
            }
            self.finalizers[i] = kept;
            let gone = if self.is_namespace(i) {
                namespaces
                    && !self.hold_namespaces
                    && self.finalizers[i].is_empty()
                    && self.namespace_blocker(i, &failures).is_none()
            } else {
                self.finalizers[i].is_empty() && self.pod_node_down(i).is_none()
            };
            if gone {
                self.state[i] = State::Gone;
                changed = true;
            }
        }
        changed
    }

    /// Why finalizer `finalizer` stays on object `i`, or `None` when it is removed.
    fn finalizer_blocker(&self, i: usize, finalizer: &str) -> Option<FinalizerBlocker> {
        match finalizer {
            FOREGROUND => {
                // The namespace controller's Background DELETE strips it from content
                // (R-OBJ-5, R-NSC-6).
                if !self.is_namespace(i) && self.namespace_terminating(i) {
                    return None;
                }
                let blocking = self.blocking_dependents(i);
                if blocking.is_empty() {
                    None
                } else {
                    Some(FinalizerBlocker::BlockingDependents(
                        blocking.iter().map(|&d| self.keys[d].clone()).collect(),
                    ))
                }
            }
            ORPHAN => None,
            PVC_PROTECTION => {
                let users = self.pods_using_claim(i);
                if users.is_empty() {
                    None
                } else {
                    Some(FinalizerBlocker::ClaimInUse(users))
                }
            }
            PV_PROTECTION => self
                .claim_bound_to_volume(i)
                .map(FinalizerBlocker::VolumeBound),
            CRD_CLEANUP => {
                if let Some(refusal) = self.instance_listing_error(i) {
                    return Some(FinalizerBlocker::InstancesUnreadable(refusal));
                }
                let left = self.instances_of_crd(i);
                if left.is_empty() {
                    None
                } else {
                    Some(FinalizerBlocker::InstancesRemain {
                        count: left.len(),
                        first: left.iter().take(5).map(|&c| self.keys[c].clone()).collect(),
                    })
                }
            }
            f if ALWAYS_SERVED.contains(&f) => None,
            f => self.controller_blocker(i, f),
        }
    }

    fn namespace_terminating(&self, i: usize) -> bool {
        let Some(ns) = &self.keys[i].namespace else {
            return false;
        };
        self.by_key
            .get(&ObjectKey::namespace_object(ns))
            .is_some_and(|&n| self.state[n] != State::Present)
    }

    /// Dependents of `owner` in the garbage collector's graph that still exist: those
    /// whose reference to it is valid (R-GC-8).
    fn has_dependents(&self, owner: usize) -> bool {
        let Some(uid) = self.objects[owner].uid() else {
            return false;
        };
        self.dependents.get(uid).is_some_and(|deps| {
            deps.iter()
                .any(|&d| self.state[d] != State::Gone && self.owner_reference_valid(d, owner))
        })
    }

    fn blocking_dependents(&self, owner: usize) -> Vec<usize> {
        let Some(uid) = self.objects[owner].uid() else {
            return Vec::new();
        };
        let Some(deps) = self.dependents.get(uid) else {
            return Vec::new();
        };
        deps.iter()
            .copied()
            .filter(|&d| self.state[d] != State::Gone)
            // R-GC-8: a dependent whose reference cannot point at this owner (another
            // namespace, or a cluster-scoped dependent) is not its dependent at all.
            .filter(|&d| self.owner_reference_valid(d, owner))
            .filter(|&d| {
                self.objects[d]
                    .owner_references()
                    .iter()
                    .any(|r| r.uid == uid && r.block_owner_deletion)
            })
            .collect()
    }

    fn pods_using_claim(&self, claim: usize) -> Vec<ObjectKey> {
        let Some(ns) = self.keys[claim].namespace.as_deref() else {
            return Vec::new();
        };
        let name = &self.keys[claim].name;
        let mut users = Vec::new();
        for &p in self.in_namespace.get(ns).map(Vec::as_slice).unwrap_or(&[]) {
            if self.state[p] == State::Gone
                || self.keys[p].kind != "Pod"
                || !self.keys[p].group.is_empty()
            {
                continue;
            }
            // R-VOL-1: only pods scheduled to a node (`spec.nodeName` set) hold the claim.
            if self.objects[p]
                .str_at(&["spec", "nodeName"])
                .is_none_or(str::is_empty)
            {
                continue;
            }
            let uses = self.objects[p]
                .value_at(&["spec", "volumes"])
                .and_then(|v| v.as_array())
                .is_some_and(|volumes| {
                    volumes.iter().any(|v| {
                        v.pointer("/persistentVolumeClaim/claimName")
                            .and_then(|c| c.as_str())
                            == Some(name.as_str())
                    })
                });
            if uses {
                users.push(self.keys[p].clone());
            }
        }
        users
    }

    /// R-VOL-2: the PV protection controller lets go once the volume's phase is not
    /// `Bound`. A bound volume becomes `Released` when its claim goes, so the volume is
    /// held while it is `Bound` (or records no phase) and its claim still exists.
    fn claim_bound_to_volume(&self, volume: usize) -> Option<ObjectKey> {
        let phase = self.objects[volume].str_at(&["status", "phase"]);
        if phase.is_some_and(|phase| phase != "Bound") {
            return None;
        }
        let claim_ns = self.objects[volume].str_at(&["spec", "claimRef", "namespace"])?;
        let claim_name = self.objects[volume].str_at(&["spec", "claimRef", "name"])?;
        let key = ObjectKey::new("", "PersistentVolumeClaim", Some(claim_ns), claim_name);
        let &c = self.by_key.get(&key)?;
        (self.state[c] != State::Gone).then_some(key)
    }

    /// Why the namespace controller cannot remove `kubernetes` from namespace `i`.
    fn namespace_blocker(
        &self,
        i: usize,
        failures: &[DiscoveryFailure],
    ) -> Option<NamespaceBlocker> {
        if !failures.is_empty() {
            return Some(NamespaceBlocker::Discovery(
                failures.iter().map(|f| f.group_version.clone()).collect(),
            ));
        }
        if let Some(errors) = self.content_errors.get(&i).filter(|e| !e.is_empty()) {
            return Some(NamespaceBlocker::ContentRefused(
                errors.values().cloned().collect(),
            ));
        }
        let remaining = self.remaining_content(&self.keys[i].name);
        if !remaining.is_empty() {
            return Some(NamespaceBlocker::ContentRemains(
                remaining.iter().map(|&r| self.keys[r].clone()).collect(),
            ));
        }
        let spec_tokens: Vec<String> = self.objects[i]
            .string_list(&["spec", "finalizers"])
            .into_iter()
            .filter(|t| t != "kubernetes")
            .collect();
        if !spec_tokens.is_empty() {
            return Some(NamespaceBlocker::SpecFinalizers(spec_tokens));
        }
        None
    }

    fn remaining_content(&self, namespace: &str) -> Vec<usize> {
        self.in_namespace
            .get(namespace)
            .map(|content| {
                content
                    .iter()
                    .copied()
                    .filter(|&c| self.state[c] != State::Gone)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// R-DISC-3: the failing group/versions of the discovery error, sorted.
    fn discovery_failures(&self) -> Vec<DiscoveryFailure> {
        let mut failures: Vec<DiscoveryFailure> = self
            .api_services()
            .into_iter()
            .filter(|&a| self.state[a] != State::Gone)
            .filter(|&a| !self.availability(a).available)
            .map(|a| DiscoveryFailure {
                group_version: self.group_version(a),
                stale: self.version.at_least(27),
                recorded: None,
            })
            .collect();
        // A group/version recorded unavailable without an APIService object in the
        // snapshot fails discovery all the same, and nothing in the cascade can end it.
        failures.extend(
            self.recorded_unavailable
                .iter()
                .filter(|(gv, _)| {
                    !self
                        .api_services()
                        .into_iter()
                        .any(|a| self.group_version(a) == **gv)
                })
                .map(|(gv, reason)| DiscoveryFailure {
                    group_version: gv.clone(),
                    stale: self.version.at_least(27),
                    recorded: Some(reason.clone()),
                }),
        );
        failures.sort();
        failures.dedup();
        failures
    }

    fn group_version(&self, api_service: usize) -> String {
        let object = self.objects[api_service];
        let group = object.str_at(&["spec", "group"]).unwrap_or("");
        let version = object.str_at(&["spec", "version"]).unwrap_or("");
        format!("{group}/{version}")
    }

    /// Availability of an APIService with `spec.service`: what the snapshot shows
    /// (R-APISVC-1), unless discovery of its group/version was recorded as failing when
    /// the cluster was captured and nothing in the snapshot explains it — then it was
    /// already unavailable, whatever its object's status says (issue 11, R-DISC-5).
    fn availability(&self, api_service: usize) -> Availability {
        let derived = self.derived_availability(api_service);
        if !derived.available {
            return derived;
        }
        match self
            .recorded_unavailable
            .get(&self.group_version(api_service))
        {
            Some(reason) => Availability {
                available: false,
                reason: "UnavailableAtCapture".to_string(),
                message: format!("its discovery failed when the cluster was captured: {reason}"),
                lost_backend: None,
            },
            None => derived,
        }
    }

    /// R-APISVC-1: availability of an APIService with `spec.service`, as the remote
    /// availability controller computes it in the current state.
    fn derived_availability(&self, api_service: usize) -> Availability {
        let object = self.objects[api_service];
        let namespace = object
            .str_at(&["spec", "service", "namespace"])
            .unwrap_or("")
            .to_string();
        let name = object
            .str_at(&["spec", "service", "name"])
            .unwrap_or("")
            .to_string();
        let port = object
            .value_at(&["spec", "service", "port"])
            .and_then(|p| p.as_i64())
            .unwrap_or(443);
        let unavailable = |reason: &str, message: String, lost: Option<usize>| Availability {
            available: false,
            reason: reason.to_string(),
            message,
            lost_backend: lost,
        };
        let service_key = ObjectKey::new("", "Service", Some(&namespace), &name);
        let service = match self.by_key.get(&service_key) {
            Some(&s) if self.state[s] == State::Present => s,
            found => {
                return unavailable(
                    "ServiceNotFound",
                    format!("service/{name} in \"{namespace}\" is not present"),
                    found.copied(),
                )
            }
        };
        let service_object = self.objects[service];
        let service_type = service_object
            .str_at(&["spec", "type"])
            .unwrap_or("ClusterIP");
        if service_type != "ClusterIP" {
            return self.recorded_availability(api_service);
        }
        let ports = service_object
            .value_at(&["spec", "ports"])
            .and_then(|p| p.as_array())
            .cloned()
            .unwrap_or_default();
        let Some(service_port) = ports
            .iter()
            .find(|p| p.get("port").and_then(|v| v.as_i64()) == Some(port))
        else {
            return unavailable(
                "ServicePortError",
                format!("service/{name} in \"{namespace}\" is not listening on port {port}"),
                None,
            );
        };
        let port_name = service_port
            .get("name")
            .and_then(|n| n.as_str())
            .unwrap_or("")
            .to_string();
        let slices = self.version.at_least(34);
        let noun = if slices {
            "endpointslices"
        } else {
            "endpoints"
        };
        match self.ready_endpoints(&namespace, &name, &port_name, slices) {
            Endpoints::Unknown => self.recorded_availability(api_service),
            Endpoints::NotFound(lost) => unavailable(
                "EndpointsNotFound",
                format!("cannot find {noun} for service/{name} in \"{namespace}\""),
                lost,
            ),
            Endpoints::NoneReady(lost) => unavailable(
                "MissingEndpoints",
                format!(
                    "{noun} for service/{name} in \"{namespace}\" have no addresses with port name \"{port_name}\""
                ),
                lost,
            ),
            Endpoints::Ready => Availability {
                available: true,
                reason: "Passed".to_string(),
                message: "all checks passed".to_string(),
                lost_backend: None,
            },
        }
    }

    /// What the snapshot's own status says, for backends the snapshot cannot judge.
    fn recorded_availability(&self, api_service: usize) -> Availability {
        let conditions = self.objects[api_service]
            .value_at(&["status", "conditions"])
            .and_then(|c| c.as_array())
            .cloned()
            .unwrap_or_default();
        let available = conditions
            .iter()
            .find(|c| c.get("type").and_then(|t| t.as_str()) == Some("Available"));
        match available {
            Some(condition) if condition.get("status").and_then(|s| s.as_str()) != Some("True") => {
                Availability {
                    available: false,
                    reason: condition
                        .get("reason")
                        .and_then(|r| r.as_str())
                        .unwrap_or("")
                        .to_string(),
                    message: condition
                        .get("message")
                        .and_then(|r| r.as_str())
                        .unwrap_or("")
                        .to_string(),
                    lost_backend: None,
                }
            }
            _ => Availability {
                available: true,
                reason: "Passed".to_string(),
                message: "all checks passed".to_string(),
                lost_backend: None,
            },
        }
    }

    /// Ready endpoints of a Service, from EndpointSlices (≥ 1.34) or Endpoints, falling
    /// back to the pods its selector matches when the snapshot holds neither.
    fn ready_endpoints(
        &self,
        namespace: &str,
        service: &str,
        port_name: &str,
        slices: bool,
    ) -> Endpoints {
        let content = self
            .in_namespace
            .get(namespace)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let endpoint_objects: Vec<usize> = content
            .iter()
            .copied()
            .filter(|&i| {
                let key = &self.keys[i];
                if slices {
                    key.group == "discovery.k8s.io"
                        && key.kind == "EndpointSlice"
                        && self.objects[i].label("kubernetes.io/service-name") == Some(service)
                } else {
                    key.group.is_empty() && key.kind == "Endpoints" && key.name == service
                }
            })
            .collect();
        if !endpoint_objects.is_empty() {
            let live: Vec<usize> = endpoint_objects
                .iter()
                .copied()
                .filter(|&i| self.alive(i))
                .collect();
            if live.is_empty() {
                return Endpoints::NotFound(endpoint_objects.first().copied());
            }
            let mut lost = None;
            for &e in &live {
                let addresses = if slices {
                    self.slice_addresses(e, port_name)
                } else {
                    self.endpoints_addresses(e, port_name)
                };
                for target in addresses {
                    match target {
                        None => return Endpoints::Ready,
                        Some(pod) if self.alive(pod) => return Endpoints::Ready,
                        Some(pod) => lost = lost.or(Some(pod)),
                    }
                }
            }
            return Endpoints::NoneReady(lost);
        }
        // No endpoint object for this Service. Missing data is no proof of a live
        // backend (issue 13): follow what the snapshot shows of the cluster. The
        // endpoint controllers write an EndpointSlice (and, before 1.33's deprecation,
        // an Endpoints object) for every Service with a selector, empty when no pod is
        // ready, and the aggregator's availability controller
        // (kube-aggregator `pkg/controllers/status/remote/remote_available_controller.go`)
        // reads them: no ready address is `MissingEndpoints`, no object at all
        // `EndpointsNotFound` (R-APISVC-1).
        let endpoints_captured = !self.of_kind_in_cluster(slices).is_empty();
        let pods_captured = !self.of_kind("", "Pod").is_empty();
        let selector = self
            .by_key
            .get(&ObjectKey::new("", "Service", Some(namespace), service))
            .and_then(|&s| self.objects[s].value_at(&["spec", "selector"]))
            .and_then(|s| s.as_object())
            .cloned();
        let Some(selector) = selector.filter(|s| !s.is_empty()) else {
            // A Service without a selector has only the endpoints someone writes.
            return if endpoints_captured {
                Endpoints::NotFound(None)
            } else {
                Endpoints::Unknown
            };
        };
        let selects = |labels: &BTreeMap<String, String>| {
            selector.iter().all(|(k, v)| {
                v.as_str()
                    .is_some_and(|v| labels.get(k).map(String::as_str) == Some(v))
            })
        };
        let pods: Vec<usize> = content
            .iter()
            .copied()
            .filter(|&i| self.is_pod(i))
            .filter(|&i| selects(&self.objects[i].labels()))
            .collect();
        if pods.iter().any(|&p| self.alive(p) && self.pod_ready(p)) {
            return Endpoints::Ready;
        }
        if let Some(&pod) = pods.iter().find(|&&p| !self.alive(p)) {
            return Endpoints::NoneReady(Some(pod));
        }
        if !pods.is_empty() || endpoints_captured || pods_captured {
            return Endpoints::NoneReady(None);
        }
        // Neither pods nor endpoints captured: a selected workload scaled to zero still
        // shows that no pod can be ready.
        let scaled_to_zero = content.iter().any(|&w| {
            self.workloads.contains(&w)
                && self.keys[w].kind != "DaemonSet"
                && self.objects[w]
                    .value_at(&["spec", "replicas"])
                    .and_then(|r| r.as_i64())
                    == Some(0)
                && self.objects[w]
                    .value_at(&["spec", "template", "metadata", "labels"])
                    .and_then(|l| l.as_object())
                    .is_some_and(|labels| {
                        selects(
                            &labels
                                .iter()
                                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                                .collect(),
                        )
                    })
        });
        if scaled_to_zero {
            Endpoints::NoneReady(None)
        } else {
            Endpoints::Unknown
        }
    }

    /// The endpoint objects of the kind the cluster's version reads (EndpointSlices from
    /// 1.34, Endpoints before), anywhere in the cluster.
    fn of_kind_in_cluster(&self, slices: bool) -> std::ops::Range<usize> {
        if slices {
            self.of_kind("discovery.k8s.io", "EndpointSlice")
        } else {
            self.of_kind("", "Endpoints")
        }
    }

    /// Whether a pod is ready: its `Ready` condition is `True`, or the snapshot records
    /// no condition (a pod captured without status counts as ready).
    fn pod_ready(&self, pod: usize) -> bool {
        self.objects[pod]
            .value_at(&["status", "conditions"])
            .and_then(|c| c.as_array())
            .and_then(|conditions| {
                conditions
                    .iter()
                    .find(|c| c.get("type").and_then(|t| t.as_str()) == Some("Ready"))
            })
            .and_then(|c| c.get("status").and_then(|s| s.as_str()))
            .is_none_or(|status| status == "True")
    }

    /// Ready addresses with the named port: `None` for an address without a pod target,
    /// `Some(pod)` for one backed by a pod of the snapshot.
    fn slice_addresses(&self, slice: usize, port_name: &str) -> Vec<Option<usize>> {
        let object = self.objects[slice];
        let has_port = object
            .value_at(&["ports"])
            .and_then(|p| p.as_array())
            .is_some_and(|ports| {
                ports
                    .iter()
                    .any(|p| p.get("name").and_then(|n| n.as_str()).unwrap_or("") == port_name)
            });
        if !has_port {
            return Vec::new();
        }
        let namespace = self.keys[slice].namespace.clone();
        object
            .value_at(&["endpoints"])
            .and_then(|e| e.as_array())
            .map(|endpoints| {
                endpoints
                    .iter()
                    .filter(|e| {
                        e.pointer("/conditions/ready").and_then(|r| r.as_bool()) != Some(false)
                    })
                    .map(|e| self.pod_target(e.get("targetRef"), namespace.as_deref()))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn endpoints_addresses(&self, endpoints: usize, port_name: &str) -> Vec<Option<usize>> {
        let namespace = self.keys[endpoints].namespace.clone();
        let mut found = Vec::new();
        let subsets = self.objects[endpoints]
            .value_at(&["subsets"])
            .and_then(|s| s.as_array())
            .cloned()
            .unwrap_or_default();
        for subset in subsets {
            let has_port = subset
                .get("ports")
                .and_then(|p| p.as_array())
                .is_some_and(|ports| {
                    ports
                        .iter()
                        .any(|p| p.get("name").and_then(|n| n.as_str()).unwrap_or("") == port_name)
                });
            if !has_port {
                continue;
            }
            for address in subset
                .get("addresses")
                .and_then(|a| a.as_array())
                .into_iter()
                .flatten()
            {
                found.push(self.pod_target(address.get("targetRef"), namespace.as_deref()));
            }
        }
        found
    }

    fn pod_target(
        &self,
        target: Option<&serde_json::Value>,
        namespace: Option<&str>,
    ) -> Option<usize> {
        let target = target?;
        if target.get("kind").and_then(|k| k.as_str()) != Some("Pod") {
            return None;
        }
        let name = target.get("name").and_then(|n| n.as_str())?;
        let namespace = target
            .get("namespace")
            .and_then(|n| n.as_str())
            .or(namespace)?;
        self.by_key
            .get(&ObjectKey::new("", "Pod", Some(namespace), name))
            .copied()
    }

    fn result(&self, initially_available: &BTreeMap<String, bool>) -> CascadeResult {
        let failures = self.discovery_failures();
        let mut result = CascadeResult {
            discovery_failures: failures.clone(),
            ..CascadeResult::default()
        };
        for i in 0..self.objects.len() {
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
                        key: self.keys[i].clone(),
                        api_version: self.objects[i].api_version().to_string(),
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
                    name: self.keys[i].name.clone(),
                    fate,
                    conditions: if fate == Fate::Stuck {
                        self.namespace_conditions(i, &failures)
                    } else {
                        Vec::new()
                    },
                    cause: cause.clone(),
                    already_terminating: preexisting,
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
                key: self.keys[i].clone(),
                api_version: self.objects[i].api_version().to_string(),
                fate: if refused { Fate::Refused } else { fate },
                stuck,
                cause,
                deleted_with: self.cause_key[i].clone(),
            });
        }
        for i in 0..self.objects.len() {
            if self.state[i] != State::Present || self.keys[i].namespace.is_some() {
                continue;
            }
            for owner in self.objects[i].owner_references() {
                let Some(&o) = self.by_uid.get(owner.uid.as_str()) else {
                    continue;
                };
                if self.keys[o].namespace.is_some()
                    && self.state[o] == State::Gone
                    && !self.preexisting[o]
                {
                    result
                        .leaked
                        .push((self.keys[i].clone(), self.keys[o].clone()));
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
                        .map(|&p| self.keys[p].clone())
                        .collect(),
                }
            } else if reclaim_policy == "Delete" {
                // Deleted by hand and held by a finalizer: what keeps it is reported
                // with the object.
                continue;
            } else {
                Reclaim::Retained
            };
            let volume = self.objects[v];
            result.released_volumes.push(ReleasedVolume {
                volume: self.keys[v].clone(),
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
            let name = self.keys[a].name.clone();
            let was_available = initially_available.get(&name).copied().unwrap_or(true);
            let now = self.availability(a);
            if self.state[a] == State::Gone || (was_available && now.available) {
                continue;
            }
            let object = self.objects[a];
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
                    reason: now.reason,
                    message: now.message,
                },
                service: ObjectKey::new("", "Service", Some(service_namespace), service_name),
                was_available,
                lost_backend: now.lost_backend.map(|i| self.keys[i].clone()),
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

    /// R-NSC-8: the five conditions of a namespace that stays Terminating.
    fn namespace_conditions(
        &self,
        i: usize,
        failures: &[DiscoveryFailure],
    ) -> Vec<NamespaceCondition> {
        let condition =
            |type_: &str, status: bool, reason: &str, message: String| NamespaceCondition {
                type_: type_.to_string(),
                status: if status { "True" } else { "False" }.to_string(),
                reason: reason.to_string(),
                message,
            };
        let mut conditions = Vec::with_capacity(5);
        conditions.push(if failures.is_empty() {
            condition(
                "NamespaceDeletionDiscoveryFailure",
                false,
                "ResourcesDiscovered",
                "All resources successfully discovered".to_string(),
            )
        } else {
            condition(
                "NamespaceDeletionDiscoveryFailure",
                true,
                "DiscoveryFailed",
                format!(
                    "Discovery failed for some groups, {} failing: unable to retrieve the complete list of server APIs: {}",
                    failures.len(),
                    failures
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        });
        conditions.push(condition(
            "NamespaceDeletionGroupVersionParsingFailure",
            false,
            "ParsedGroupVersions",
            "All legacy kube types successfully parsed".to_string(),
        ));
        let mut errors: BTreeMap<String, String> = self
            .content_errors
            .get(&i)
            .into_iter()
            .flatten()
            .map(|(resource, refusal)| (resource.clone(), refusal.to_string()))
            .collect();
        // R-NSC-4 step 3: pods that remain without finalizers once their grace period is
        // over are an error for the pods resource (they stay counted as remaining).
        let namespace_name = self.keys[i].name.clone();
        let unconfirmed_pods = self
            .remaining_content(&namespace_name)
            .into_iter()
            .any(|r| self.finalizers[r].is_empty() && self.pod_node_down(r).is_some());
        let pods_error = unconfirmed_pods.then(|| {
            format!(
                "unexpected items still remain in namespace: {namespace_name} for gvr: /v1, Resource=pods"
            )
        });
        if let Some(error) = &pods_error {
            errors.insert("pods.".to_string(), error.clone());
        }
        conditions.push(if errors.is_empty() {
            condition(
                "NamespaceDeletionContentFailure",
                false,
                "ContentDeleted",
                "All content successfully deleted, may be waiting on finalization".to_string(),
            )
        } else {
            let mut messages: Vec<String> = errors.values().cloned().collect();
            messages.sort();
            condition(
                "NamespaceDeletionContentFailure",
                true,
                "ContentDeletionFailed",
                format!(
                    "Failed to delete all resource types, {} remaining: {}",
                    errors.len(),
                    messages.join(", ")
                ),
            )
        });
        let mut remaining = self.remaining_content(&self.keys[i].name);
        // A resource type whose deletion failed is not counted (R-NSC-4 step 2 returns
        // before counting; R-NSC-8).
        remaining.retain(|&r| {
            let resource = format!("{}.{}", self.plural_of(r), self.keys[r].group);
            pods_error.is_some() && resource == "pods." || !errors.contains_key(&resource)
        });
        // R-NSC-8 quirk of ordered deletion (1.33+, kubernetes/kubernetes#138208): while
        // pods remain, the controller returns before counting, so both remaining-content
        // conditions read `False ContentRemoved`.
        if self.version.at_least(33) && remaining.iter().any(|&r| self.is_pod(r)) {
            remaining.clear();
        }
        let mut per_resource: BTreeMap<String, usize> = BTreeMap::new();
        let mut per_finalizer: BTreeMap<String, usize> = BTreeMap::new();
        for &r in &remaining {
            let resource = format!("{}.{}", self.plural_of(r), self.keys[r].group);
            *per_resource.entry(resource).or_default() += 1;
            for finalizer in &self.finalizers[r] {
                *per_finalizer.entry(finalizer.clone()).or_default() += 1;
            }
        }
        conditions.push(counted_condition(
            "NamespaceContentRemaining",
            "SomeResourcesRemain",
            "Some resources are remaining",
            &per_resource,
            |resource, n| format!("{resource} has {n} resource instances"),
        ));
        conditions.push(counted_condition(
            "NamespaceFinalizersRemaining",
            "SomeFinalizerRemain",
            "Some finalizers are remaining",
            &per_finalizer,
            |finalizer, n| format!("{finalizer} in {n} resource instances"),
        ));
        conditions
    }
}

/// A remaining-content condition (R-NSC-8): `True` with the sorted counts, or the
/// `False ContentRemoved` form when nothing is counted.
fn counted_condition(
    type_: &str,
    reason: &str,
    prefix: &str,
    counts: &BTreeMap<String, usize>,
    entry: impl Fn(&str, usize) -> String,
) -> NamespaceCondition {
    if counts.is_empty() {
        return NamespaceCondition {
            type_: type_.to_string(),
            status: "False".to_string(),
            reason: "ContentRemoved".to_string(),
            message: "All content successfully removed".to_string(),
        };
    }
    let mut entries: Vec<String> = counts.iter().map(|(name, n)| entry(name, *n)).collect();
    entries.sort();
    NamespaceCondition {
        type_: type_.to_string(),
        status: "True".to_string(),
        reason: reason.to_string(),
        message: format!("{prefix}: {}", entries.join(", ")),
    }
}

enum Endpoints {
    /// The snapshot holds nothing to judge by.
    Unknown,
    NotFound(Option<usize>),
    NoneReady(Option<usize>),
    Ready,
}

/// `Kind namespace/name` for messages.
pub fn describe(key: &ObjectKey) -> String {
    match &key.namespace {
        Some(ns) => format!("{} `{}/{}`", key.kind, ns, key.name),
        None => format!("{} `{}`", key.kind, key.name),
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
