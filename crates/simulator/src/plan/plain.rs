//! Applications written directly in the manifests (no ApplicationSet): created,
//! updated, or deleted by the Application that manages them when removed from git.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use preflight_cluster_snapshot::SourcedObject;
use preflight_model::{ApplicationsSyncPolicy, Object};

use super::writes::same_application;
use super::{change, is_argo_kind, namespace_of, Change, Planner, SetKey};
use crate::outcome::{Action, ApplicationChange, Note};

impl Planner<'_> {
    /// Applications written directly in the manifests (no ApplicationSet): created,
    /// updated or, when removed between base and head, deleted by the Application that
    /// manages them.
    pub(super) fn plan_plain_applications(
        &mut self,
        base: &[SourcedObject],
        head: &[SourcedObject],
    ) {
        let collect = |manifests: &[SourcedObject], ns: &str| -> BTreeMap<SetKey, Object> {
            manifests
                .iter()
                .filter(|m| is_argo_kind(&m.object, "Application"))
                .map(|m| {
                    (
                        (namespace_of(&m.object, ns), m.object.name().to_string()),
                        m.object.clone(),
                    )
                })
                .collect()
        };
        let base_apps = collect(base, &self.argocd_namespace);
        let head_apps = collect(head, &self.argocd_namespace);
        let mut keys: BTreeSet<&SetKey> = base_apps.keys().collect();
        keys.extend(head_apps.keys());
        for key in keys {
            let live = self
                .live
                .get(key)
                .cloned()
                .or_else(|| base_apps.get(key).cloned().map(Cow::Owned));
            match (head_apps.get(key), live) {
                (Some(desired), None) => {
                    let entry = change(
                        Change {
                            app: desired,
                            application_set: None,
                            action: Action::Create,
                            before: None,
                            after: Some(desired.clone()),
                            policy: ApplicationsSyncPolicy::Sync,
                            notes: Vec::new(),
                        },
                        self.fleet,
                    );
                    self.outcome.applications.push(Self::plain(entry));
                }
                (Some(desired), Some(live)) => {
                    let mut after = live.clone().into_owned();
                    let root = after.raw_mut().as_object_mut().expect("objects are maps");
                    root.insert(
                        "spec".to_string(),
                        desired.value_at(&["spec"]).cloned().unwrap_or(Value::Null),
                    );
                    let action = if same_application(&live, &after) {
                        Action::Unchanged
                    } else {
                        Action::Update
                    };
                    let entry = change(
                        Change {
                            app: desired,
                            application_set: None,
                            action,
                            before: Some(&live),
                            after: Some(after),
                            policy: ApplicationsSyncPolicy::Sync,
                            notes: Vec::new(),
                        },
                        self.fleet,
                    );
                    self.outcome.applications.push(Self::plain(entry));
                }
                (None, Some(live)) => {
                    self.delete_application(&live, None, None, vec![Note::RemovedFromGit]);
                }
                (None, None) => {}
            }
        }
    }

    pub(super) fn plain(mut entry: ApplicationChange) -> ApplicationChange {
        entry.policy = None;
        entry
    }
}
