//! An ApplicationSet removed from git: nothing deletes it but the Application that
//! manages it, when that one prunes (`util/argo/resource_tracking.go`, `GetAppName`;
//! `gitops-engine/pkg/sync/sync_context.go`, `isPruningDisabled`); once pruned, garbage
//! collection deletes the Applications it owns (§9.8).

use serde_json::Value;

use preflight_model::argocd::{RESOURCES_FINALIZER, SYNC_OPTIONS_ANNOTATION};
use preflight_model::{argocd, Object, TrackingId, TrackingMethod};

use super::{Planner, SetKey};
use crate::outcome::{
    ApplicationSetChange, ApplicationSetFate, Manager, NotPruned, Note, ProgressiveSync,
};
use crate::progressive;

impl Planner<'_> {
    /// An ApplicationSet in base but gone from head. Removing a file from git deletes
    /// nothing by itself: the Application that manages the ApplicationSet (Argo CD's
    /// resource tracking) must prune it. When it does, garbage collection deletes the
    /// Applications the ApplicationSet owns (§9.8), whatever its policy, unless the
    /// policy forbids deletion and the ApplicationSet carries a finalizer. When nothing
    /// prunes it, the managing Application goes OutOfSync and everything stays.
    pub(super) fn plan_removed_application_set(
        &mut self,
        key: &SetKey,
        live_set: Option<&Object>,
        base_set: &Object,
    ) {
        let pruning = self.pruning_of(live_set);
        let manager = match pruning {
            Ok(manager) => manager,
            Err((manager, why)) => {
                self.outcome.application_sets.push(ApplicationSetChange {
                    namespace: key.0.clone(),
                    name: key.1.clone(),
                    fate: ApplicationSetFate::NotPruned { manager, why },
                });
                return;
            }
        };
        self.outcome.application_sets.push(ApplicationSetChange {
            namespace: key.0.clone(),
            name: key.1.clone(),
            fate: ApplicationSetFate::Pruned {
                manager: manager.clone(),
            },
        });
        let previous = live_set.unwrap_or(base_set);
        let owned = self.owned_by(key);
        let policy = self
            .controller
            .unwrap_or_default()
            .effective_policy(previous)
            .unwrap_or_default();
        if !previous.finalizers().is_empty() && !policy.allows_delete() {
            for live in &owned {
                let note = Note::OrphanedWithApplicationSet(policy);
                self.unwritten(live, &key.1, Some(live), policy, note);
            }
            return;
        }
        // With its finalizer and `deletionOrder: Reverse`, the controller deletes the
        // Applications itself, step by step in reverse order, before it lets the
        // ApplicationSet go (`PerformReverseDeletion`); the result is the same deletions.
        let reverse = previous
            .finalizers()
            .iter()
            .any(|f| f == RESOURCES_FINALIZER)
            && progressive::deletion_order_reversed(previous);
        for live in &owned {
            self.delete_application(
                live,
                Some(&key.1),
                Some(policy),
                vec![Note::PrunedWithApplicationSet {
                    application_set: key.1.clone(),
                    manager: manager.name.clone(),
                    reverse,
                }],
            );
            if reverse {
                if let Some(entry) = self.outcome.applications.last_mut() {
                    entry.progressive = Some(ProgressiveSync::ReverseDeletion);
                    entry.rolling_step = progressive::rolling_step(previous, live);
                }
            }
        }
    }

    /// Whether the Application that manages a live ApplicationSet prunes it once its
    /// manifest is gone: the manager found through the tracking method of `argocd-cm`
    /// (`util/argo/resource_tracking.go`, `GetAppName`), automated sync enabled with
    /// `prune: true` (`pkg/apis/application/v1alpha1/types.go`, `IsAutomatedSyncEnabled`,
    /// `GetPrune`), and no `Prune=false` or `Prune=confirm` sync option on the object,
    /// else on the Application (`gitops-engine/pkg/sync/sync_context.go`,
    /// `isPruningDisabled`, `objRequiresPruneConfirmation`).
    pub(super) fn pruning_of(
        &self,
        live_set: Option<&Object>,
    ) -> Result<Manager, (Option<Manager>, NotPruned)> {
        let live_set = live_set.ok_or((None, NotPruned::NotLive))?;
        let settings = &self.fleet.settings;
        let instance = match settings.tracking_method {
            TrackingMethod::Annotation | TrackingMethod::AnnotationAndLabel => live_set
                .annotation(argocd::TRACKING_ID_ANNOTATION)
                .and_then(TrackingId::parse)
                .filter(|id| id.matches(&live_set.key()))
                .map(|id| id.application),
            TrackingMethod::Label => live_set
                .label(&settings.instance_label_key)
                .filter(|value| !value.is_empty())
                .map(str::to_string),
        }
        .ok_or((None, NotPruned::NoManager))?;
        // An Application outside the control-plane namespace is tracked as
        // `namespace_name` (`InstanceName`).
        let manager = match instance.split_once('_') {
            Some((namespace, name)) => Manager {
                namespace: namespace.to_string(),
                name: name.to_string(),
            },
            None => Manager {
                namespace: self.argocd_namespace.clone(),
                name: instance,
            },
        };
        let Some(app) = self
            .live
            .get(&(manager.namespace.clone(), manager.name.clone()))
        else {
            return Err((Some(manager), NotPruned::ManagerMissing));
        };
        let automated = app
            .value_at(&["spec", "syncPolicy", "automated"])
            .filter(|automated| automated.is_object());
        let Some(automated) = automated else {
            return Err((Some(manager), NotPruned::ManualSync));
        };
        if automated.get("enabled").and_then(Value::as_bool) == Some(false) {
            return Err((Some(manager), NotPruned::ManualSync));
        }
        if automated.get("prune").and_then(Value::as_bool) != Some(true) {
            return Err((Some(manager), NotPruned::PruneDisabled));
        }
        let app_options = app.string_list(&["spec", "syncPolicy", "syncOptions"]);
        let resource = live_set.annotation(SYNC_OPTIONS_ANNOTATION).unwrap_or("");
        match argocd::object_sync_option(resource, &app_options, "Prune") {
            Some("false") => Err((Some(manager), NotPruned::PruneFalseOption)),
            Some("confirm") => Err((Some(manager), NotPruned::PruneNeedsConfirmation)),
            _ => Ok(manager),
        }
    }
}
