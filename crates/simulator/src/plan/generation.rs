//! The ApplicationSet controller's reconcile of one ApplicationSet (rulebook §7–§9,
//! `applicationset/controllers/applicationset_controller.go`, `Reconcile`): generate the
//! Applications, validate them (§8), create or update them (§9.3, §9.4), then delete those
//! no longer generated as the `applicationsSync` policy allows (§9.5); a generation error
//! freezes the ApplicationSet (§7).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use preflight_cluster_snapshot::SourcedObject;
use preflight_model::argocd::ARGOCD_GROUP;
use preflight_model::{ApplicationsSyncPolicy, CascadeMode, Object, ValidationError};

use super::writes::{
    mutate_live, preserved_fields, same_application, with_live_status, write_ignoring,
};
use super::{change, is_argo_kind, namespace_of, with_namespace, Change, Planner, SetKey, Side};
use crate::causes::WriteFailure;
use crate::ignore::IgnoreRules;
use crate::outcome::{Action, EvaluationError, Note, ProgressiveSync, RollingStep};
use crate::{apiserver, progressive};

impl<'a> Planner<'a> {
    pub(super) fn live_application_sets(&self) -> BTreeMap<SetKey, &'a Object> {
        self.fleet
            .argocd()
            .map(|snapshot| {
                snapshot
                    .of_kind(ARGOCD_GROUP, "ApplicationSet")
                    .iter()
                    .map(|o| {
                        (
                            (
                                namespace_of(o, &self.argocd_namespace),
                                o.name().to_string(),
                            ),
                            o,
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// ApplicationSets of one revision keyed by namespace and name. A manifest without a
    /// namespace lands where the live ApplicationSet of that name is, else in Argo CD's
    /// namespace.
    pub(super) fn application_sets<'m>(
        &mut self,
        manifests: &'m [SourcedObject],
        live_sets: &BTreeMap<SetKey, &Object>,
    ) -> BTreeMap<SetKey, &'m SourcedObject> {
        let mut sets: BTreeMap<SetKey, &SourcedObject> = BTreeMap::new();
        for manifest in manifests {
            if !is_argo_kind(&manifest.object, "ApplicationSet") {
                continue;
            }
            let name = manifest.object.name().to_string();
            let namespace = manifest
                .object
                .namespace()
                .map(str::to_string)
                .or_else(|| {
                    live_sets
                        .keys()
                        .find(|(_, live_name)| *live_name == name)
                        .map(|(ns, _)| ns.clone())
                })
                .unwrap_or_else(|| self.argocd_namespace.clone());
            let key = (namespace, name.clone());
            if let Some(previous) = sets.get(&key) {
                self.outcome.errors.push(EvaluationError {
                    file: Some(manifest.file.display().to_string()),
                    application_set: Some(name.clone()),
                    message: format!(
                        "ApplicationSet `{}/{}` is defined twice: in {} (document {}) and {} (document {})",
                        key.0,
                        name,
                        previous.file.display(),
                        previous.document,
                        manifest.file.display(),
                        manifest.document
                    ),
                    freezes: true,
                });
                continue;
            }
            sets.insert(key, manifest);
        }
        sets
    }

    /// Plans one ApplicationSet present at head. Returns its generated Applications.
    pub(super) fn plan_application_set(
        &mut self,
        key: &SetKey,
        manifest: &SourcedObject,
        live_set: Option<&Object>,
    ) -> Option<Vec<Object>> {
        let mut appset = with_namespace(&manifest.object, &key.0);
        // The controller writes owner references from the live object, uid included.
        if let Some(uid) = live_set.and_then(Object::uid) {
            appset
                .metadata_mut()
                .insert("uid".to_string(), Value::String(uid.to_string()));
        }
        let owned = self.owned_by(key);
        let file = manifest.file.display().to_string();
        let controller = self.controller.unwrap_or_default();
        let policy = match controller.effective_policy(&appset) {
            Ok(policy) => policy,
            Err(error) => {
                self.freeze(key, &file, &owned, error.to_string());
                return None;
            }
        };
        let ignore = match IgnoreRules::of(appset.value_at(&["spec"])) {
            Ok(rules) => rules,
            Err(error) => {
                self.not_evaluated(
                    key,
                    &file,
                    &owned,
                    format!("field `{}`: {}", error.field, error.message),
                );
                return None;
            }
        };
        let result = preflight_generators::generate(&appset, &self.context(Side::Head));
        let mut generated = match result {
            Ok(generated) => generated,
            Err(error) => {
                self.freeze(key, &file, &owned, error.to_string());
                return None;
            }
        };
        // Argo CD's validation, with its messages, as `generate` states them (§8).
        let mut invalid: BTreeMap<String, ValidationError> = BTreeMap::new();
        for problem in
            preflight_generators::validate_generated(&key.1, &generated, &self.context(Side::Head))
        {
            invalid.entry(problem.name).or_insert(problem.reason);
        }
        // Progressive sync writes automated sync disabled (`SyncDesiredApplications`).
        let mut automated_disabled = BTreeSet::new();
        let mut steps: BTreeMap<String, RollingStep> = BTreeMap::new();
        if controller.progressive_syncs && progressive::rolling_sync_enabled(&appset) {
            for app in &mut generated.applications {
                if let Some(step) = progressive::rolling_step(&appset, app) {
                    steps.entry(app.name().to_string()).or_insert(step);
                }
                if progressive::disable_automated_sync(app) {
                    automated_disabled.insert(app.name().to_string());
                }
            }
        }
        let applications = generated.applications;
        let generated_names: BTreeSet<&str> = applications.iter().map(Object::name).collect();
        let owned_names: BTreeSet<String> = owned.iter().map(|a| a.name().to_string()).collect();
        let preserved = preserved_fields(&appset);
        let preserve_at_head = appset
            .value_at(&["spec", "syncPolicy", "preserveResourcesOnDeletion"])
            .and_then(Value::as_bool)
            .unwrap_or(false);

        // Create-or-update, sorted by name (§9.3, §9.4).
        let first_entry = self.outcome.applications.len();
        let mut write_error = false;
        let mut sorted: Vec<&Object> = applications.iter().collect();
        sorted.sort_by(|a, b| a.name().cmp(b.name()));
        let mut seen_invalid = BTreeSet::new();
        for app in sorted {
            let name = app.name().to_string();
            let app_key = (key.0.clone(), name.clone());
            let live = self.live.get(&app_key).cloned();
            if let Some(reason) = invalid.get(&name) {
                if seen_invalid.insert(name.clone()) {
                    let note = Note::NotWritten(WriteFailure::Invalid(reason.clone()));
                    self.unwritten(app, &key.1, live.as_deref(), policy, note);
                }
                continue;
            }
            if !policy.allows_update() && owned_names.contains(&name) {
                let note = Note::UpdateForbidden(policy);
                self.unwritten(app, &key.1, live.as_deref(), policy, note);
                continue;
            }
            // Another ApplicationSet of this merge writes it first (§9.6): this write
            // fails as "already owned by another controller", an error that also skips
            // this ApplicationSet's delete step.
            if let Some(first) = self.claimed.get(&app_key).filter(|first| **first != key.1) {
                let failure = WriteFailure::WrittenFirstBy {
                    first: first.clone(),
                    name: name.clone(),
                };
                write_error |= failure.skips_delete_step();
                let note = Note::NotWritten(failure);
                self.unwritten(app, &key.1, live.as_deref(), policy, note);
                continue;
            }
            if live
                .as_ref()
                .is_none_or(|l| l.controller_reference().is_none())
            {
                self.claimed.insert(app_key.clone(), key.1.clone());
            }
            // The API server refuses the create; a failed write skips the delete step.
            let refusal = apiserver::application_name_error(&name)
                .filter(|_| live.is_none())
                .or_else(|| apiserver::application_schema_error(app));
            if let Some(refusal) = refusal {
                let failure = WriteFailure::Refused(refusal);
                write_error |= failure.skips_delete_step();
                let note = Note::NotWritten(failure);
                self.unwritten(app, &key.1, live.as_deref(), policy, note);
                continue;
            }
            match live {
                None => self.outcome.applications.push(change(
                    Change {
                        app,
                        application_set: Some(&key.1),
                        action: Action::Create,
                        before: None,
                        after: Some(app.clone()),
                        policy,
                        notes: Vec::new(),
                    },
                    self.fleet,
                )),
                Some(live) => {
                    let other_owner = live.controller_reference().filter(|r| {
                        !(r.group() == ARGOCD_GROUP
                            && r.kind == "ApplicationSet"
                            && r.name == key.1)
                    });
                    if let Some(owner) = other_owner {
                        let failure = WriteFailure::OwnedByAnother {
                            name: name.clone(),
                            owner_kind: owner.kind.to_string(),
                            owner_name: owner.name.to_string(),
                        };
                        write_error |= failure.skips_delete_step();
                        self.outcome.applications.push(change(
                            Change {
                                app,
                                application_set: Some(&key.1),
                                action: Action::Unchanged,
                                before: Some(&live),
                                after: None,
                                policy,
                                notes: vec![Note::NotWritten(failure)],
                            },
                            self.fleet,
                        ));
                        continue;
                    }
                    let mut notes = Vec::new();
                    if live.controller_reference().is_none() {
                        notes.push(Note::Adopted);
                    }
                    let mut after = mutate_live(&live, app, &preserved);
                    let action = if ignore.is_empty() {
                        if same_application(&live, &after) {
                            Action::Unchanged
                        } else {
                            after = with_live_status(after, &live);
                            Action::Update
                        }
                    } else {
                        after = with_live_status(after, &live);
                        match write_ignoring(&live, &after, &ignore, &name) {
                            None => {
                                after = live.clone().into_owned();
                                Action::Unchanged
                            }
                            Some(written) => {
                                after = written;
                                Action::Update
                            }
                        }
                    };
                    self.outcome.applications.push(change(
                        Change {
                            app,
                            application_set: Some(&key.1),
                            action,
                            before: Some(&live),
                            after: Some(after),
                            policy,
                            notes,
                        },
                        self.fleet,
                    ));
                }
            }
        }

        for entry in &mut self.outcome.applications[first_entry..] {
            if entry.after.is_some() && automated_disabled.contains(&entry.name) {
                entry.progressive = Some(ProgressiveSync::AutomatedSyncDisabled);
            }
            entry.rolling_step = steps.get(&entry.name).copied();
        }

        // Delete step (§9.5).
        for live in &owned {
            if generated_names.contains(live.name()) {
                continue;
            }
            if !policy.allows_delete() {
                self.keep(live, &key.1, policy, Note::DeletionForbidden(policy));
                continue;
            }
            if write_error {
                self.keep(live, &key.1, policy, Note::DeleteStepSkipped);
                continue;
            }
            let mut notes = Vec::new();
            if preserve_at_head && CascadeMode::from_finalizers(&live.finalizers()).cascades() {
                notes.push(Note::PreserveAddedTooLate);
            }
            self.delete_application(live, Some(&key.1), Some(policy), notes);
        }
        Some(applications)
    }

    /// Records a live Application the controller leaves as it is, and why.
    pub(super) fn keep(
        &mut self,
        live: &Object,
        application_set: &str,
        policy: ApplicationsSyncPolicy,
        note: Note,
    ) {
        self.unwritten(live, application_set, Some(live), policy, note);
    }

    /// Records a generated Application `app` the controller does not write (live as
    /// `live`, if it is), and why.
    pub(super) fn unwritten(
        &mut self,
        app: &Object,
        application_set: &str,
        live: Option<&Object>,
        policy: ApplicationsSyncPolicy,
        note: Note,
    ) -> &mut crate::outcome::ApplicationChange {
        self.outcome.applications.push(change(
            Change {
                app,
                application_set: Some(application_set),
                action: Action::Unchanged,
                before: live,
                after: None,
                policy,
                notes: vec![note],
            },
            self.fleet,
        ));
        self.outcome
            .applications
            .last_mut()
            .expect("an entry was just pushed")
    }

    /// A generation error freezes the ApplicationSet: nothing is created, updated or
    /// deleted (§7).
    pub(super) fn freeze(
        &mut self,
        key: &SetKey,
        file: &str,
        owned: &[Cow<'a, Object>],
        message: String,
    ) {
        self.outcome.errors.push(EvaluationError {
            file: Some(file.to_string()),
            application_set: Some(key.1.clone()),
            message: message.clone(),
            freezes: true,
        });
        self.leave_as_is(key, owned, || Note::Frozen(message.clone()));
    }

    /// Each of `owned` left as it is, under no policy the plan could read.
    fn leave_as_is(&mut self, key: &SetKey, owned: &[Cow<'a, Object>], note: impl Fn() -> Note) {
        for live in owned {
            let policy = ApplicationsSyncPolicy::default();
            self.unwritten(live, &key.1, Some(live), policy, note())
                .policy = None;
        }
    }

    /// An ApplicationSet the plan cannot evaluate (not a generation error: Argo CD would
    /// act, but the plan cannot say how): nothing is predicted for it.
    pub(super) fn not_evaluated(
        &mut self,
        key: &SetKey,
        file: &str,
        owned: &[Cow<'a, Object>],
        message: String,
    ) {
        self.outcome.errors.push(EvaluationError {
            file: Some(file.to_string()),
            application_set: Some(key.1.clone()),
            message: format!("the plan cannot evaluate this ApplicationSet: {message}"),
            freezes: false,
        });
        self.leave_as_is(key, owned, || Note::NotPredicted(message.clone()));
    }
}
