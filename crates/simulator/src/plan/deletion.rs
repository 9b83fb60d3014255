//! Argo CD's application controller deleting an Application (R-ARGO-1, R-ARGO-2, §10):
//! with the resources finalizer it deletes the objects it tracks (by annotation or label,
//! per `argocd-cm`, plus `status.resources`) wave by wave, after any `Delete=confirm` /
//! `Prune=confirm` approval (`controller/appcontroller.go`, `finalizeApplicationDeletion`;
//! `util/argo/resource_tracking.go`).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use preflight_cluster_snapshot::ClusterSnapshot;
use preflight_model::argocd::{
    ARGOCD_GROUP, HELM_RESOURCE_POLICY_ANNOTATION, RESOURCES_FINALIZER, SYNC_OPTIONS_ANNOTATION,
    SYNC_WAVE_ANNOTATION,
};
use preflight_model::{argocd, ApplicationsSyncPolicy, CascadeMode, Object, ObjectKey};

use super::destinations::resolve_destination;
use super::{change, is_argo_kind, namespace_of, CascadingApp, Change, Planner, SetKey};
use crate::cascade::{Propagation, Simulation};
use crate::outcome::{Action, Note};

impl<'a> Planner<'a> {
    /// Records the deletion of a live Application and, when it cascades, its resources.
    pub(super) fn delete_application(
        &mut self,
        live: &Object,
        application_set: Option<&str>,
        policy: Option<ApplicationsSyncPolicy>,
        mut notes: Vec<Note>,
    ) {
        let mut finalizers = live.finalizers();
        let cluster = resolve_destination(self.fleet, live);
        if cluster.is_none() && !finalizers.is_empty() && application_set.is_some() {
            // §9.5 step 1: an unresolvable destination loses exactly the plain resources
            // finalizer before the delete.
            if finalizers.iter().any(|f| f == RESOURCES_FINALIZER) {
                notes.push(Note::ResourcesFinalizerRemoved);
            }
            finalizers.retain(|f| f != RESOURCES_FINALIZER);
        }
        let mut mode = CascadeMode::from_finalizers(&finalizers);
        if cluster.is_none() && mode.cascades() {
            // §10: the application controller cannot resolve the destination either, so
            // it removes the remaining cascade finalizers (`/foreground`, `/background`)
            // without touching any resource.
            notes.push(Note::DestinationUnresolved);
            mode = CascadeMode::None;
        }
        let mut entry = change(
            Change {
                app: live,
                application_set,
                action: Action::Delete,
                before: Some(live),
                after: None,
                policy: policy.unwrap_or_default(),
                notes,
            },
            self.fleet,
        );
        entry.policy = policy;
        entry.cascade = mode.cascades();
        self.outcome.applications.push(entry);
        if let (true, Some(cluster)) = (mode.cascades(), cluster) {
            self.cascading.push(CascadingApp {
                name: live.name().to_string(),
                namespace: namespace_of(live, &self.argocd_namespace),
                cluster: cluster.name,
                propagation: if mode == CascadeMode::Background {
                    Propagation::Background
                } else {
                    Propagation::Foreground
                },
                sync_options: live.string_list(&["spec", "syncPolicy", "syncOptions"]),
                status_resources: status_resources(live),
                deletion_approved: live
                    .annotation(argocd::DELETION_APPROVED_ANNOTATION)
                    .is_some(),
                step: self.step,
            });
        }
    }

    /// Applications that hand-made deletions on the Argo CD cluster remove (as namespace
    /// content, or through garbage collection): when the simulation lets them go, the
    /// application controller ran their finalizer, so their resources cascade on their
    /// destinations (R-ARGO-1); when it holds them (the controller goes too, C-11), they
    /// stay and nothing cascades.
    pub(super) fn applications_deleted_as_content(&mut self, cluster: &str) {
        let Some(snapshot) = self.fleet.clusters.get(cluster) else {
            return;
        };
        let requests = self.manual.get(cluster).cloned().unwrap_or_default();
        if requests.is_empty() {
            // Nothing deleted by hand there (an Application deleted by name is planned
            // directly): no need to set up the Argo CD cluster's simulation, which for a
            // fleet's Applications is the costly part of an `audit` what-if.
            return;
        }
        let mut simulation = Simulation::of_snapshot(snapshot, self.kube_version_of(cluster))
            .with_controllers(&self.config.controllers)
            .with_unavailable_group_versions(self.recorded_unavailable(cluster));
        // Each Application goes with the deletion after which the cluster lets it go,
        // so that its cascade runs in that deletion's place (issue 13).
        for (step, request) in &requests {
            simulation.delete_and_settle(std::slice::from_ref(request));
            let already: BTreeSet<SetKey> = self
                .outcome
                .applications
                .iter()
                .filter(|a| a.action == Action::Delete)
                .map(|a| (a.namespace.clone(), a.name.clone()))
                .collect();
            let gone: Vec<Cow<'a, Object>> = self
                .live
                .iter()
                .filter(|(key, _)| !already.contains(*key))
                .filter(|(_, app)| {
                    simulation.contains(&app.key()) && simulation.is_gone(&app.key())
                })
                .map(|(_, app)| app.clone())
                .collect();
            self.step = *step;
            for app in gone {
                let set = app
                    .controller_reference()
                    .filter(|r| r.group() == ARGOCD_GROUP && r.kind == "ApplicationSet")
                    .map(|r| r.name);
                self.delete_application(&app, set.as_deref(), None, vec![Note::DeletedWithWhatIf]);
            }
        }
        self.step = 0;
    }
}

pub(super) fn tracking_name(app: &CascadingApp, argocd_namespace: &str) -> String {
    if app.namespace == argocd_namespace {
        app.name.clone()
    } else {
        format!("{}_{}", app.namespace, app.name)
    }
}

pub(super) fn tracked_keys(
    snapshot: &ClusterSnapshot,
    app: &CascadingApp,
    argocd_namespace: &str,
) -> Vec<ObjectKey> {
    application_objects(snapshot, app, argocd_namespace)
        .into_iter()
        .map(Object::key)
        .collect()
}

/// The keys of the objects the live Application `app` manages on `snapshot`, its
/// destination: what its deletion would cascade to (as [`application_objects`] finds
/// them). For `audit`, which asks which Application manages an APIService's backend.
pub(crate) fn managed_keys(
    snapshot: &ClusterSnapshot,
    app: &Object,
    argocd_namespace: &str,
) -> Vec<ObjectKey> {
    let cascading = CascadingApp {
        name: app.name().to_string(),
        namespace: namespace_of(app, argocd_namespace),
        cluster: String::new(),
        propagation: Propagation::Background,
        sync_options: Vec::new(),
        status_resources: status_resources(app),
        deletion_approved: false,
        step: 0,
    };
    tracked_keys(snapshot, &cascading, argocd_namespace)
}

/// `status.resources` of an Application as object keys.
pub(super) fn status_resources(app: &Object) -> Vec<ObjectKey> {
    app.value_at(&["status", "resources"])
        .and_then(Value::as_array)
        .map(|resources| {
            resources
                .iter()
                .filter_map(|r| {
                    let text = |field: &str| r.get(field).and_then(Value::as_str).unwrap_or("");
                    let kind = text("kind");
                    let name = text("name");
                    (!kind.is_empty() && !name.is_empty())
                        .then(|| ObjectKey::new(text("group"), kind, Some(text("namespace")), name))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The Application's objects on its destination: tracked by annotation or label (per
/// `argocd-cm`), plus those its `status.resources` lists that no other Application tracks.
pub(super) fn application_objects<'s>(
    snapshot: &'s ClusterSnapshot,
    app: &CascadingApp,
    argocd_namespace: &str,
) -> Vec<&'s Object> {
    let tracking_name = tracking_name(app, argocd_namespace);
    let mut objects: BTreeMap<ObjectKey, &Object> = snapshot
        .tracked_by(&tracking_name)
        .into_iter()
        .map(|o| (o.key(), o))
        .collect();
    for key in &app.status_resources {
        let Some(object) = snapshot.get(key) else {
            continue;
        };
        let tracked_elsewhere = object
            .annotation(preflight_model::argocd::TRACKING_ID_ANNOTATION)
            .and_then(preflight_model::TrackingId::parse)
            .is_some_and(|id| id.matches(key) && id.application != tracking_name);
        if !tracked_elsewhere {
            objects.entry(key.clone()).or_insert(object);
        }
    }
    objects.into_values().collect()
}

/// Why Argo CD waits before deleting anything: an object needs `Delete=confirm` or
/// `Prune=confirm` approval that the Application does not have (§10).
pub(super) fn confirmation_needed(
    snapshot: &ClusterSnapshot,
    app: &CascadingApp,
    argocd_namespace: &str,
) -> Option<ObjectKey> {
    if app.deletion_approved {
        return None;
    }
    application_objects(snapshot, app, argocd_namespace)
        .into_iter()
        .find(|object| {
            let resource = object.annotation(SYNC_OPTIONS_ANNOTATION).unwrap_or("");
            let confirm = |name: &str| {
                argocd::object_sync_option(resource, &app.sync_options, name) == Some("confirm")
            };
            confirm("Delete") || confirm("Prune")
        })
        .map(Object::key)
}

/// The objects Argo CD deletes for a cascading Application (R-ARGO-2), grouped by sync
/// wave, highest wave first.
pub(super) fn deletable_objects(
    snapshot: &ClusterSnapshot,
    app: &CascadingApp,
    argocd_namespace: &str,
) -> Vec<Vec<(ObjectKey, Propagation)>> {
    let mut waves: BTreeMap<i64, Vec<(ObjectKey, Propagation)>> = BTreeMap::new();
    for object in application_objects(snapshot, app, argocd_namespace) {
        if object.group() == "apiextensions.k8s.io" && object.kind() == "CustomResourceDefinition" {
            continue;
        }
        if is_argo_kind(object, "Application") && object.name() == app.name {
            continue;
        }
        if object.annotation(HELM_RESOURCE_POLICY_ANNOTATION) == Some("keep") {
            continue;
        }
        // A resource-level Delete option wins; without one the Application's applies
        // (`shouldBeDeleted`, Argo CD 3.4 and later).
        let resource = object.annotation(SYNC_OPTIONS_ANNOTATION).unwrap_or("");
        if argocd::object_sync_option(resource, &app.sync_options, "Delete") == Some("false") {
            continue;
        }
        let wave = object
            .annotation(SYNC_WAVE_ANNOTATION)
            .and_then(|w| w.trim().parse::<i64>().ok())
            .unwrap_or(0);
        waves
            .entry(wave)
            .or_default()
            .push((object.key(), app.propagation));
    }
    waves.into_values().rev().collect()
}
