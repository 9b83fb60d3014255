//! Live Applications and the ApplicationSet that controls each (its controller owner
//! reference, as the controller lists them), and the drift of live ApplicationSets from
//! the base revision, which a merge applies too.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use preflight_cluster_snapshot::SourcedObject;
use preflight_model::argocd::ARGOCD_GROUP;
use preflight_model::Object;

use super::{namespace_of, with_namespace, Planner, SetKey, Side};
use crate::outcome::{Drift, DriftCause, EvaluationError};

impl<'a> Planner<'a> {
    /// Live Applications come from the snapshot; without any there, base stands in.
    pub(super) fn load_live_applications(&mut self, base_sets: &BTreeMap<SetKey, &SourcedObject>) {
        let from_snapshot: Vec<&Object> = self
            .fleet
            .argocd()
            .map(|s| s.of_kind(ARGOCD_GROUP, "Application").iter().collect())
            .unwrap_or_default();
        if !from_snapshot.is_empty() {
            for app in from_snapshot {
                let key = (
                    namespace_of(app, &self.argocd_namespace),
                    app.name().to_string(),
                );
                self.live.to_mut().insert(key, Cow::Borrowed(app));
            }
            return;
        }
        for (key, manifest) in base_sets {
            let result = preflight_generators::generate(
                &with_namespace(&manifest.object, &key.0),
                &self.context(Side::Base),
            );
            match result {
                Ok(generated) => {
                    for app in generated.applications {
                        let app_key = (namespace_of(&app, &self.argocd_namespace), app.name().to_string());
                        self.live.to_mut().entry(app_key).or_insert(Cow::Owned(app));
                    }
                }
                Err(error) => self.outcome.errors.push(EvaluationError {
                    file: Some(manifest.file.display().to_string()),
                    application_set: Some(key.1.clone()),
                    message: format!(
                        "the snapshot holds no live Applications and the base revision cannot be generated, so what is live is unknown: {error}"
                    ),
                    freezes: true,
                }),
            }
        }
    }

    pub(super) fn record_drift(
        &mut self,
        live_sets: &BTreeMap<SetKey, &Object>,
        base_sets: &BTreeMap<SetKey, &SourcedObject>,
        head_sets: &BTreeMap<SetKey, &SourcedObject>,
    ) {
        for (key, live) in live_sets {
            let cause = match base_sets.get(key) {
                // In neither revision: reported as untouched, not as drift.
                None if !head_sets.contains_key(key) => continue,
                None => DriftCause::NotInBase,
                Some(base) => {
                    let live_spec = live.value_at(&["spec"]).cloned().unwrap_or(Value::Null);
                    let base_spec = base
                        .object
                        .value_at(&["spec"])
                        .cloned()
                        .unwrap_or(Value::Null);
                    if live_spec == base_spec {
                        continue;
                    }
                    DriftCause::SpecDiffers {
                        fields: differing_fields(&live_spec, &base_spec)
                            .into_iter()
                            .map(|field| format!("spec.{field}"))
                            .collect(),
                    }
                }
            };
            self.outcome.drift.push(Drift {
                application_set: key.1.clone(),
                namespace: key.0.clone(),
                cause,
            });
        }
    }

    pub(super) fn owned_by(&self, key: &SetKey) -> Vec<Cow<'a, Object>> {
        let owned = self.owned.get_or_init(|| {
            let mut owned: BTreeMap<SetKey, Vec<SetKey>> = BTreeMap::new();
            for (app_key, app) in self.live.iter() {
                let Some(owner) = app.controller_reference() else {
                    continue;
                };
                if owner.group() == ARGOCD_GROUP && owner.kind == "ApplicationSet" {
                    owned
                        .entry((app_key.0.clone(), owner.name))
                        .or_default()
                        .push(app_key.clone());
                }
            }
            owned
        });
        owned
            .get(key)
            .into_iter()
            .flatten()
            .filter_map(|app_key| self.live.get(app_key).cloned())
            .collect()
    }
}

/// The top-level spec fields whose values differ.
pub(super) fn differing_fields(a: &Value, b: &Value) -> Vec<String> {
    let empty = serde_json::Map::new();
    let a = a.as_object().unwrap_or(&empty);
    let b = b.as_object().unwrap_or(&empty);
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| k.to_string())
        .collect()
}
