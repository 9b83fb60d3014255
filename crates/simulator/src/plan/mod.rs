//! The Application plan: what the ApplicationSet controller does when head is merged,
//! starting from what is live (rulebook `argocd-appset-semantics.md` §1, §7–§9), and the
//! deletion cascade that follows on every destination cluster (§10 and
//! `k8s-deletion-semantics.md`).
//!
//! One module per part of Argo CD the plan follows, each an `impl Planner`:
//! `ownership` (live Applications, the ApplicationSet that controls each, drift),
//! `generation` (the ApplicationSet controller's reconcile: generate, validate, create,
//! update, delete as the policy allows), `writes` (what it writes over a live
//! Application), `pruning` (an ApplicationSet removed from git), `plain` (Applications
//! without an ApplicationSet), `destinations` (which cluster a destination names),
//! `deletion` (the application controller deleting an Application and its resources)
//! and `cascades` (that deletion, wave by wave, on each destination cluster, and the
//! replacements' sync). This module holds the entry points, the planner's state and the
//! outcome it finishes.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use preflight_cluster_snapshot::{Fleet, SourcedObject};
use preflight_generators::{
    GenerationContext, GenerationInputs, GeneratorResponses, NoRepositories, RepoFiles,
};
use preflight_model::argocd::ARGOCD_GROUP;
use preflight_model::{ApplicationsSyncPolicy, Object, ObjectKey};

use crate::apiserver;
use crate::cascade::{DeclaredController, DeletionRequest, KubeVersion, Propagation};
use crate::causes::{DeleteCause, SyncFailure};
use crate::controller::{ControllerSettings, CMD_PARAMS_CONFIG_MAP};
use crate::findings;
use crate::outcome::*;

mod cascades;
mod deletion;
mod destinations;
mod generation;
mod ownership;
mod plain;
mod pruning;
mod writes;

pub(crate) use deletion::managed_keys;
pub use destinations::resolve_destination;

/// Settings of a plan that are not inputs.
#[derive(Debug, Clone, Default)]
pub struct PlanConfig {
    /// The Kubernetes version of clusters whose snapshot does not record one.
    pub kube_version: KubeVersion,
    /// Use `kube_version` even for clusters whose snapshot records their own
    /// (`--kube-version` given explicitly).
    pub force_kube_version: bool,
    /// Third-party controllers declared with `--controllers`.
    pub controllers: Vec<DeclaredController>,
    /// Threads the generators may render Applications with (0 or 1: one). The result
    /// does not depend on it.
    pub workers: usize,
    /// `--max-deletions`: more deletions of one ApplicationSet's Applications become a
    /// `mass-deletion` finding (see [`crate::mass_deletion`]).
    pub max_deletions: Option<crate::DeletionLimit>,
}

/// Which revision an ApplicationSet is generated at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Base,
    Head,
}

/// Identity of an ApplicationSet: namespace and name.
type SetKey = (String, String);

/// A deleted Application whose cascade runs on a destination cluster.
struct CascadingApp {
    name: String,
    namespace: String,
    cluster: String,
    propagation: Propagation,
    sync_options: Vec<String>,
    /// `status.resources` of the live Application: what Argo CD last saw it manage.
    status_resources: Vec<ObjectKey>,
    /// `argocd.argoproj.io/deletion-approved` is set (for `Delete=confirm` objects).
    deletion_approved: bool,
    /// The `what-if` deletion (by position) that deletes it; 0 for a plan.
    step: usize,
}

/// Plans the merge of `head` over what `fleet` shows live (or over `base` when the
/// snapshot holds no Applications).
pub fn plan(
    fleet: &Fleet,
    base: &[SourcedObject],
    head: &[SourcedObject],
    config: &PlanConfig,
) -> Outcome {
    plan_with_inputs(fleet, base, head, config, &GenerationInputs::default())
}

/// [`plan`], with what generators read besides the snapshot: repository contents as of
/// base and as of head, and recorded answers of network generators.
pub fn plan_with_inputs(
    fleet: &Fleet,
    base: &[SourcedObject],
    head: &[SourcedObject],
    config: &PlanConfig,
    generation: &GenerationInputs,
) -> Outcome {
    let mut planner = Planner::new(fleet, config);
    planner.generation = Some(generation);
    planner.run(base, head);
    planner.finish()
}

/// The destination clusters whose snapshots [`plan_with_inputs`] reads: those where an
/// Application is deleted (with its resources, or replaced). Found by planning the
/// Applications, which reads the Argo CD cluster only, so that a caller loads just
/// these folders beside it (see [`preflight_cluster_snapshot::ClusterSelection`]).
pub fn plan_clusters(
    fleet: &Fleet,
    base: &[SourcedObject],
    head: &[SourcedObject],
    config: &PlanConfig,
    generation: &GenerationInputs,
) -> BTreeSet<String> {
    plan_applications(fleet, base, head, config, generation).clusters()
}

/// The first half of [`plan_with_inputs`]: what the ApplicationSet controller does, from
/// the Argo CD cluster alone. It owns its results, so that the caller can read the
/// clusters it names ([`PlannedApplications::clusters`]) before [`plan_cascades`]
/// finishes the plan, without planning the Applications a second time.
pub fn plan_applications(
    fleet: &Fleet,
    base: &[SourcedObject],
    head: &[SourcedObject],
    config: &PlanConfig,
    generation: &GenerationInputs,
) -> PlannedApplications {
    let mut planner = Planner::new(fleet, config);
    planner.generation = Some(generation);
    planner.plan_applications_and_forget_unchanged(base, head);
    PlannedApplications {
        argocd_namespace: planner.argocd_namespace,
        outcome: planner.outcome,
        cascading: planner.cascading,
        manual: planner.manual,
        sync_failures: planner.sync_failures,
    }
}

/// The second half of [`plan_with_inputs`]: the cascades on the destination clusters
/// and the findings, with `fleet` holding those clusters by now.
pub fn plan_cascades(fleet: &Fleet, config: &PlanConfig, planned: PlannedApplications) -> Outcome {
    let mut planner = Planner::new(fleet, config);
    planner.argocd_namespace = planned.argocd_namespace;
    planner.outcome = planned.outcome;
    planner.cascading = planned.cascading;
    planner.manual = planned.manual;
    planner.sync_failures = planned.sync_failures;
    planner.after_applications();
    planner.finish()
}

/// What [`plan_applications`] leaves for [`plan_cascades`].
pub struct PlannedApplications {
    argocd_namespace: String,
    outcome: Outcome,
    cascading: Vec<CascadingApp>,
    manual: BTreeMap<String, Vec<(usize, DeletionRequest)>>,
    sync_failures: Vec<SyncFailure>,
}

impl PlannedApplications {
    /// The destination clusters the cascades run on.
    pub fn clusters(&self) -> BTreeSet<String> {
        self.cascading
            .iter()
            .map(|app| app.cluster.clone())
            .chain(self.manual.keys().cloned())
            .collect()
    }
}

static NO_RESPONSES: GeneratorResponses = GeneratorResponses::new();

/// The cascade of hand-made deletions on one cluster (`what-if`), in order, each after
/// the cluster settled from the one before. Deleting an Argo CD Application follows the
/// application controller (its resources finalizer cascades to its destination); deleting
/// an ApplicationSet deletes the Applications it owns (unless orphaned), which cascade.
pub fn what_if(
    fleet: &Fleet,
    cluster: &str,
    deletions: &[(ObjectKey, Propagation)],
    config: &PlanConfig,
) -> Outcome {
    what_if_sharing(fleet, cluster, deletions, config, None)
}

/// Live Applications by (namespace, name), as a plan or what-if reads them.
pub(crate) type LiveApplications<'a> = BTreeMap<SetKey, Cow<'a, Object>>;

/// The live Applications of the snapshot, read once for many [`what_if_sharing`] calls
/// (`audit` runs one what-if per exposure; each reading a fleet's Applications again
/// was most of its time at scale).
pub(crate) fn live_applications<'a>(
    fleet: &'a Fleet,
    config: &'a PlanConfig,
) -> LiveApplications<'a> {
    let mut planner = Planner::new(fleet, config);
    planner.load_live_applications(&BTreeMap::new());
    planner.live.into_owned()
}

/// [`what_if`], with the live Applications read already when `live` is given.
pub(crate) fn what_if_sharing<'a>(
    fleet: &'a Fleet,
    cluster: &str,
    deletions: &[(ObjectKey, Propagation)],
    config: &'a PlanConfig,
    live: Option<&'a LiveApplications<'a>>,
) -> Outcome {
    run_what_if(
        fleet,
        what_if_planner(fleet, cluster, deletions, config, live),
    )
}

/// [`what_if`] when `fleet` has read every cluster the deletions reach; else those it
/// has not read (`Err`), to read before calling [`what_if`]. Most what-ifs reach no
/// other cluster, and then the Applications are planned once.
pub fn what_if_read(
    fleet: &Fleet,
    cluster: &str,
    deletions: &[(ObjectKey, Propagation)],
    config: &PlanConfig,
) -> Result<Outcome, BTreeSet<String>> {
    let planner = what_if_planner(fleet, cluster, deletions, config, None);
    let unread: BTreeSet<String> = planner
        .cascade_clusters()
        .into_iter()
        .filter(|name| fleet.is_unread(name))
        .collect();
    if !unread.is_empty() {
        return Err(unread);
    }
    Ok(run_what_if(fleet, planner))
}

/// The cascades and findings of a what-if planned up to them.
fn run_what_if(fleet: &Fleet, mut planner: Planner<'_>) -> Outcome {
    planner.run_cascades();
    findings::application_findings(fleet, &planner.argocd_namespace, &mut planner.outcome);
    Outcome {
        what_if: true,
        ..planner.finish()
    }
}

/// A what-if up to the cascades: the deletions sent, the Applications they delete found.
fn what_if_planner<'a>(
    fleet: &'a Fleet,
    cluster: &str,
    deletions: &[(ObjectKey, Propagation)],
    config: &'a PlanConfig,
    live: Option<&'a LiveApplications<'a>>,
) -> Planner<'a> {
    let mut planner = Planner::new(fleet, config);
    match live {
        Some(live) => planner.live = Cow::Borrowed(live),
        None => planner.load_live_applications(&BTreeMap::new()),
    }
    let on_argocd = cluster == fleet.argocd_cluster;
    for (step, (key, propagation)) in deletions.iter().enumerate() {
        planner.step = step;
        let argo = on_argocd && key.group == ARGOCD_GROUP;
        if argo && key.kind == "Application" {
            let app_key = (key.namespace.clone().unwrap_or_default(), key.name.clone());
            if let Some(live) = planner.live.get(&app_key).cloned() {
                planner.delete_application(&live, None, None, vec![Note::DeletedByHand]);
                continue;
            }
        }
        if argo && key.kind == "ApplicationSet" && *propagation != Propagation::Orphan {
            let set_key = (key.namespace.clone().unwrap_or_default(), key.name.clone());
            for live in planner.owned_by(&set_key) {
                planner.delete_application(
                    &live,
                    Some(&key.name),
                    None,
                    vec![Note::CollectedWithApplicationSet(key.name.clone())],
                );
            }
        }
        planner
            .manual
            .entry(cluster.to_string())
            .or_default()
            .push((
                step,
                DeletionRequest {
                    key: key.clone(),
                    propagation: *propagation,
                    cause: DeleteCause::ByHand,
                },
            ));
    }
    if on_argocd {
        planner.applications_deleted_as_content(cluster);
    }
    pair_replacements(&mut planner.outcome.applications);
    planner
}

struct Planner<'a> {
    fleet: &'a Fleet,
    config: &'a PlanConfig,
    argocd_namespace: String,
    /// The objects of the Argo CD cluster, for generators that read them.
    argocd_objects: Vec<&'a Object>,
    /// Repositories and recorded answers for generators.
    generation: Option<&'a GenerationInputs>,
    outcome: Outcome,
    /// Live Applications by (namespace, name): from the snapshot, or generated from base.
    live: Cow<'a, LiveApplications<'a>>,
    /// The keys of `live` by the ApplicationSet that controls them (namespace, name),
    /// made on first use: asked for every ApplicationSet, a scan of every live
    /// Application each time was quadratic in the fleet.
    owned: std::sync::OnceLock<BTreeMap<SetKey, Vec<SetKey>>>,
    cascading: Vec<CascadingApp>,
    /// Hand-made deletions (`what-if`) per cluster with their position among the
    /// deletions, each step settled before the next.
    manual: BTreeMap<String, Vec<(usize, DeletionRequest)>>,
    /// The position of the `what-if` deletion being planned; 0 for a plan.
    step: usize,
    /// Objects replacement Applications fail to create.
    sync_failures: Vec<SyncFailure>,
    /// Applications (namespace, name) that an ApplicationSet of this merge creates or
    /// adopts, by the first ApplicationSet (in plan order) to write them.
    claimed: BTreeMap<SetKey, String>,
    /// The ApplicationSet controller's flags (`argocd-cmd-params-cm`); `None` when they
    /// stop it from starting, and then it does nothing at all.
    controller: Option<ControllerSettings>,
}

impl<'a> Planner<'a> {
    fn new(fleet: &'a Fleet, config: &'a PlanConfig) -> Planner<'a> {
        let argocd = fleet.argocd();
        let argocd_namespace = fleet.argocd_namespace().unwrap_or("argocd").to_string();
        let argocd_objects: Vec<&Object> =
            argocd.map(|s| s.objects().collect()).unwrap_or_default();
        let mut outcome = Outcome::default();
        let controller =
            ControllerSettings::read(argocd_objects.iter().copied(), fleet.argocd_namespace())
                .map_err(|error| {
                    let file = argocd.and_then(|snapshot| {
                        let config_map = snapshot
                            .of_kind("", "ConfigMap")
                            .iter()
                            .find(|o| o.name() == CMD_PARAMS_CONFIG_MAP)?;
                        snapshot.source(&config_map.key()).map(|s| s.to_string())
                    });
                    outcome.errors.push(EvaluationError {
                        file,
                        application_set: None,
                        message: format!(
                            "ConfigMap `{CMD_PARAMS_CONFIG_MAP}`: field `data.{}`: {}",
                            error.field, error.problem
                        ),
                        freezes: true,
                    });
                })
                .ok();
        Planner {
            fleet,
            config,
            argocd_namespace,
            argocd_objects,
            generation: None,
            outcome,
            live: Cow::Owned(BTreeMap::new()),
            owned: std::sync::OnceLock::new(),
            cascading: Vec::new(),
            sync_failures: Vec::new(),
            manual: BTreeMap::new(),
            step: 0,
            claimed: BTreeMap::new(),
            controller,
        }
    }

    fn context(&self, side: Side) -> GenerationContext<'_> {
        let repos: &dyn RepoFiles = self
            .generation
            .and_then(|generation| match side {
                Side::Base => generation.repos_at_base.as_deref(),
                Side::Head => generation.repos_at_head.as_deref(),
            })
            .unwrap_or(&NoRepositories);
        GenerationContext {
            clusters: &self.fleet.cluster_infos,
            settings: &self.fleet.settings,
            argocd_objects: &self.argocd_objects,
            argocd_namespace: Some(&self.argocd_namespace),
            repos,
            responses: self
                .generation
                .map_or(&NO_RESPONSES, |generation| &generation.responses),
            workers: self.config.workers.max(1),
            max_applications: self.generation.map_or(
                preflight_generators::DEFAULT_MAX_APPLICATIONS,
                |generation| generation.max_applications,
            ),
        }
    }

    fn run(&mut self, base: &[SourcedObject], head: &[SourcedObject]) {
        self.plan_applications_and_forget_unchanged(base, head);
        self.after_applications();
    }

    fn plan_applications_and_forget_unchanged(
        &mut self,
        base: &[SourcedObject],
        head: &[SourcedObject],
    ) {
        self.plan_applications(base, head);
        for application in &mut self.outcome.applications {
            if application.action == Action::Unchanged {
                application.after = None;
            }
        }
    }

    /// Everything after planning the Applications: the cascades and the findings.
    fn after_applications(&mut self) {
        self.run_cascades();
        findings::application_findings(self.fleet, &self.argocd_namespace, &mut self.outcome);
        crate::mass_deletion::check(
            self.config.max_deletions,
            &self.fleet.argocd_cluster,
            &mut self.outcome,
        );
    }

    /// The destination clusters the cascades run on.
    fn cascade_clusters(&self) -> BTreeSet<String> {
        self.cascading
            .iter()
            .map(|app| app.cluster.clone())
            .chain(self.manual.keys().cloned())
            .collect()
    }

    /// What the ApplicationSet controller writes and deletes: reads the Argo CD cluster
    /// only.
    fn plan_applications(&mut self, base: &[SourcedObject], head: &[SourcedObject]) {
        let live_sets = self.live_application_sets();
        let base_sets = self.application_sets(base, &live_sets);
        let head_sets = self.application_sets(head, &live_sets);
        self.load_live_applications(&base_sets);
        self.record_drift(&live_sets, &base_sets, &head_sets);

        let mut keys: BTreeSet<SetKey> = head_sets.keys().cloned().collect();
        keys.extend(base_sets.keys().cloned());
        keys.extend(live_sets.keys().cloned());
        let mut generated_by_set: BTreeMap<SetKey, Vec<Object>> = BTreeMap::new();
        if self.controller.is_none() {
            // The ApplicationSet controller does not start: it writes and deletes nothing.
            keys.clear();
        }
        for key in &keys {
            match (head_sets.get(key), base_sets.get(key)) {
                (Some(manifest), _) => {
                    let live_set = live_sets.get(key).copied();
                    let refusal = apiserver::application_set_schema_errors(&manifest.object);
                    if refusal.is_empty() {
                        let pruned = apiserver::application_set_stored(key, manifest);
                        if let Some(fate) = pruned.1 {
                            self.outcome.application_sets.push(fate);
                        }
                        let manifest = &pruned.0;
                        if let Some(apps) = self.plan_application_set(key, manifest, live_set) {
                            generated_by_set.insert(key.clone(), apps);
                        }
                        continue;
                    }
                    // The API server refuses head's manifest: the controller goes on with
                    // the live ApplicationSet, if there is one.
                    self.outcome.application_sets.push(ApplicationSetChange {
                        namespace: key.0.clone(),
                        name: key.1.clone(),
                        fate: ApplicationSetFate::Refused {
                            errors: refusal,
                            live: live_set.is_some(),
                        },
                    });
                    if let Some(live_set) = live_set {
                        let as_live = SourcedObject {
                            object: live_set.clone(),
                            ..(*manifest).clone()
                        };
                        if let Some(apps) = self.plan_application_set(key, &as_live, Some(live_set))
                        {
                            generated_by_set.insert(key.clone(), apps);
                        }
                    }
                }
                (None, Some(base_manifest)) => {
                    let live_set = live_sets.get(key).copied();
                    self.plan_removed_application_set(key, live_set, &base_manifest.object);
                }
                // Live but in neither revision: the files that manage it are elsewhere
                // (another path, another repository), and this merge does not touch it.
                (None, None) => self.outcome.application_sets.push(ApplicationSetChange {
                    namespace: key.0.clone(),
                    name: key.1.clone(),
                    fate: ApplicationSetFate::NotInRevisions,
                }),
            }
        }
        self.plan_plain_applications(base, head);
        pair_replacements(&mut self.outcome.applications);
    }

    fn finish(mut self) -> Outcome {
        let outcome = &mut self.outcome;
        outcome.applications.sort_by(|a, b| {
            (&a.namespace, &a.name, a.action).cmp(&(&b.namespace, &b.name, b.action))
        });
        for finding in &mut outcome.findings {
            if finding.clusters.is_empty() {
                finding.clusters = finding.cluster.iter().cloned().collect();
            }
        }
        outcome.findings.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| a.code.cmp(&b.code))
                .then_with(|| a.cluster.cmp(&b.cluster))
                .then_with(|| a.message.cmp(&b.message))
        });
        outcome.findings.dedup();
        outcome.errors.sort();
        outcome.drift.sort();
        outcome.clusters_read = self.fleet.clusters.keys().cloned().collect();
        outcome.clusters_not_read = self.fleet.unread.keys().cloned().collect();
        self.outcome
    }
}

fn is_argo_kind(object: &Object, kind: &str) -> bool {
    object.group() == ARGOCD_GROUP && object.kind() == kind
}

fn namespace_of(object: &Object, default: &str) -> String {
    object.namespace().unwrap_or(default).to_string()
}

fn with_namespace(object: &Object, namespace: &str) -> Object {
    let mut object = object.clone();
    object.metadata_mut().insert(
        "namespace".to_string(),
        Value::String(namespace.to_string()),
    );
    object
}

/// What the plan decided for one Application, before destination resolution.
struct Change<'o> {
    app: &'o Object,
    application_set: Option<&'o str>,
    action: Action,
    before: Option<&'o Object>,
    after: Option<Object>,
    policy: ApplicationsSyncPolicy,
    notes: Vec<Note>,
}

fn change(change: Change, fleet: &Fleet) -> ApplicationChange {
    let Change {
        app,
        application_set,
        action,
        before,
        after,
        policy,
        notes,
    } = change;
    let shown = after.as_ref().or(before).unwrap_or(app);
    let server = shown
        .str_at(&["spec", "destination", "server"])
        .map(str::to_string);
    let namespace = shown
        .str_at(&["spec", "destination", "namespace"])
        .map(str::to_string);
    ApplicationChange {
        name: app.name().to_string(),
        namespace: app.namespace().unwrap_or("").to_string(),
        application_set: application_set.map(str::to_string),
        action,
        replaced_by: None,
        replaces: None,
        destination: {
            let resolved = resolve_destination(fleet, shown);
            Destination {
                server: server.or_else(|| resolved.as_ref().map(|c| c.server.clone())),
                cluster: resolved.map(|c| c.name),
                namespace,
            }
        },
        cascade: false,
        policy: Some(policy),
        notes,
        // Only changes are shown as diffs or paired as replacements: an unchanged
        // Application (most of a fleet's) keeps no copy of the live one, and its written
        // form is dropped once planning has read it (see `Planner::run`).
        before: before
            .filter(|_| action != Action::Unchanged)
            .map(|b| b.raw().clone()),
        after: after.map(Object::into_raw),
        progressive: None,
        rolling_step: None,
    }
}

/// Pairs each deleted Application with a created one that takes over the same
/// destination (cluster and namespace) and source (repository, path, chart).
fn pair_replacements(applications: &mut [ApplicationChange]) {
    let identity = |app: &ApplicationChange| -> Option<(String, String, String)> {
        let object = app.after.as_ref().or(app.before.as_ref())?;
        let cluster = app.destination.cluster.clone()?;
        let namespace = app.destination.namespace.clone().unwrap_or_default();
        let source = object
            .pointer("/spec/source")
            .or_else(|| object.pointer("/spec/sources/0"))
            .map(|s| {
                format!(
                    "{} {} {}",
                    s.get("repoURL").and_then(Value::as_str).unwrap_or(""),
                    s.get("path").and_then(Value::as_str).unwrap_or(""),
                    s.get("chart").and_then(Value::as_str).unwrap_or("")
                )
            })
            .unwrap_or_default();
        Some((cluster, namespace, source))
    };
    let mut created: Vec<(usize, (String, String, String))> = applications
        .iter()
        .enumerate()
        .filter(|(_, a)| a.action == Action::Create)
        .filter_map(|(i, a)| Some((i, identity(a)?)))
        .collect();
    let deleted: Vec<(usize, (String, String, String))> = applications
        .iter()
        .enumerate()
        .filter(|(_, a)| a.action == Action::Delete)
        .filter_map(|(i, a)| Some((i, identity(a)?)))
        .collect();
    for (d, id) in deleted {
        if let Some(position) = created.iter().position(|(_, cid)| *cid == id) {
            let (c, _) = created.remove(position);
            applications[d].replaced_by = Some(applications[c].name.clone());
            applications[c].replaces = Some(applications[d].name.clone());
        }
    }
}
