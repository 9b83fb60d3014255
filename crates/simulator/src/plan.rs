//! The Application plan: what the ApplicationSet controller does when head is merged,
//! starting from what is live (rulebook `argocd-appset-semantics.md` §1, §7–§9), and the
//! deletion cascade that follows on every destination cluster (§10 and
//! `k8s-deletion-semantics.md`).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use preflight_cluster_snapshot::{ClusterSnapshot, Fleet, SourcedObject};
use preflight_generators::{
    normalize_application_spec, GenerationContext, GenerationInputs, GeneratorResponses,
    NoRepositories, RepoFiles,
};
use preflight_model::argocd::{
    self, ARGOCD_GROUP, HELM_RESOURCE_POLICY_ANNOTATION, POST_DELETE_FINALIZER_PREFIX,
    PRE_DELETE_FINALIZER_PREFIX, RESOURCES_FINALIZER, SYNC_OPTIONS_ANNOTATION,
    SYNC_WAVE_ANNOTATION,
};
use preflight_model::{
    ApplicationsSyncPolicy, CascadeMode, ClusterInfo, Object, ObjectKey, TrackingId, TrackingMethod,
};

use crate::apiserver;
use crate::cascade::{
    describe, CascadeResult, DeclaredController, DeletionRequest, KubeVersion, Propagation,
    Reclaim, Simulation,
};
use crate::causes::{DeleteCause, SyncFailure, SyncRetry};
use crate::controller::{ControllerSettings, CMD_PARAMS_CONFIG_MAP};
use crate::findings;
use crate::ignore::{apply_merge_patch, merge_patch, IgnoreRules};
use crate::outcome::*;
use crate::progressive;

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
}

/// Which revision an ApplicationSet is generated at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Base,
    Head,
}

/// Annotations the ApplicationSet controller always copies from the live Application.
const ALWAYS_PRESERVED_ANNOTATIONS: &[&str] = &[
    "notified.notifications.argoproj.io",
    "argocd.argoproj.io/refresh",
    "argocd.argoproj.io/hydrate",
];

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

impl CascadingApp {
    /// `spec.syncPolicy.syncOptions`, one entry per option (`Delete=false`).
    fn sync_option_entries(&self) -> Vec<String> {
        self.sync_options
            .iter()
            .flat_map(|o| argocd::sync_options(o).map(str::to_string))
            .collect()
    }
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
    let mut planner = what_if_planner(fleet, cluster, deletions, config);
    planner.run_cascades();
    findings::application_findings(fleet, &planner.argocd_namespace, &mut planner.outcome);
    planner.finish()
}

/// The clusters whose snapshots [`what_if`] reads beyond `cluster` and the Argo CD
/// cluster: the destinations of the Applications the deletions delete.
pub fn what_if_clusters(
    fleet: &Fleet,
    cluster: &str,
    deletions: &[(ObjectKey, Propagation)],
    config: &PlanConfig,
) -> BTreeSet<String> {
    what_if_planner(fleet, cluster, deletions, config).cascade_clusters()
}

/// A what-if up to the cascades: the deletions sent, the Applications they delete found.
fn what_if_planner<'a>(
    fleet: &'a Fleet,
    cluster: &str,
    deletions: &[(ObjectKey, Propagation)],
    config: &'a PlanConfig,
) -> Planner<'a> {
    let mut planner = Planner::new(fleet, config);
    planner.load_live_applications(&BTreeMap::new());
    let on_argocd = cluster == fleet.argocd_cluster;
    for (step, (key, propagation)) in deletions.iter().enumerate() {
        planner.step = step;
        let argo = on_argocd && key.group == ARGOCD_GROUP;
        if argo && key.kind == "Application" {
            let app_key = (key.namespace.clone().unwrap_or_default(), key.name.clone());
            if let Some(live) = planner.live.get(&app_key).cloned() {
                planner.delete_application(
                    &live,
                    None,
                    None,
                    vec![Note::Explained("deleted by hand (what-if)".to_string())],
                );
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
                    vec![Note::Explained(format!(
                        "garbage collection deletes it with its ApplicationSet `{}`",
                        key.name
                    ))],
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
    live: BTreeMap<SetKey, Cow<'a, Object>>,
    /// The keys of `live` by the ApplicationSet that controls them (namespace, name),
    /// made on first use: asked for every ApplicationSet, a scan of every live
    /// Application each time was quadratic in the fleet.
    owned: std::cell::OnceCell<BTreeMap<SetKey, Vec<SetKey>>>,
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

/// Argo CD's progress through the waves of one deleting Application.
struct WaveProgress<'c> {
    app: &'c CascadingApp,
    /// Waves not started yet, highest first.
    waves: Vec<Vec<(ObjectKey, Propagation)>>,
    /// The wave being deleted.
    current: Vec<ObjectKey>,
    /// Everything it tracks (the manifests a replacement with the same source applies).
    tracked: Vec<ObjectKey>,
    /// An object whose `Delete=confirm` holds the whole deletion until approved.
    awaiting_confirmation: Option<ObjectKey>,
}

/// Sends each Application's next wave once its current one is gone, until no
/// Application can go further.
fn advance_waves(simulation: &mut Simulation, progress: &mut [WaveProgress]) {
    loop {
        let mut requests = Vec::new();
        for wave in progress.iter_mut() {
            let waiting = wave
                .current
                .iter()
                .any(|k| !simulation.is_gone(k) && !simulation.is_recreated(k));
            if waiting || wave.waves.is_empty() {
                continue;
            }
            let next = wave.waves.remove(0);
            wave.current = next.iter().map(|(k, _)| k.clone()).collect();
            for (key, propagation) in next {
                requests.push(DeletionRequest {
                    key,
                    propagation,
                    cause: DeleteCause::Application(wave.app.name.clone()),
                });
            }
        }
        if requests.is_empty() {
            break;
        }
        simulation.delete_and_settle(&requests);
    }
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
            live: BTreeMap::new(),
            owned: std::cell::OnceCell::new(),
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

    fn live_application_sets(&self) -> BTreeMap<SetKey, &'a Object> {
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
    fn application_sets<'m>(
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

    /// Live Applications come from the snapshot; without any there, base stands in.
    fn load_live_applications(&mut self, base_sets: &BTreeMap<SetKey, &SourcedObject>) {
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
                self.live.insert(key, Cow::Borrowed(app));
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
                        self.live.entry(app_key).or_insert(Cow::Owned(app));
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

    fn record_drift(
        &mut self,
        live_sets: &BTreeMap<SetKey, &Object>,
        base_sets: &BTreeMap<SetKey, &SourcedObject>,
        head_sets: &BTreeMap<SetKey, &SourcedObject>,
    ) {
        for (key, live) in live_sets {
            let message = match base_sets.get(key) {
                // In neither revision: reported as untouched, not as drift.
                None if !head_sets.contains_key(key) => continue,
                None => "the live ApplicationSet is not in the base revision".to_string(),
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
                    let fields = differing_fields(&live_spec, &base_spec);
                    format!(
                        "the live spec differs from the base revision in {}; merging applies that difference too",
                        fields.iter().map(|f| format!("`spec.{f}`")).collect::<Vec<_>>().join(", ")
                    )
                }
            };
            self.outcome.drift.push(Drift {
                application_set: key.1.clone(),
                namespace: key.0.clone(),
                message,
            });
        }
    }

    fn owned_by(&self, key: &SetKey) -> Vec<Cow<'a, Object>> {
        let owned = self.owned.get_or_init(|| {
            let mut owned: BTreeMap<SetKey, Vec<SetKey>> = BTreeMap::new();
            for (app_key, app) in &self.live {
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

    /// Plans one ApplicationSet present at head. Returns its generated Applications.
    fn plan_application_set(
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
        let mut invalid: BTreeMap<String, String> = BTreeMap::new();
        for problem in
            preflight_generators::validate_generated(&key.1, &generated, &self.context(Side::Head))
        {
            invalid.entry(problem.name).or_insert(problem.message);
        }
        // Progressive sync writes automated sync disabled (`SyncDesiredApplications`).
        let mut automated_disabled = BTreeSet::new();
        if controller.progressive_syncs && progressive::rolling_sync_enabled(&appset) {
            for app in &mut generated.applications {
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
                    let note = Note::NotWritten(reason.to_string());
                    self.unwritten(app, &key.1, live.as_deref(), policy, note);
                }
                continue;
            }
            if !policy.allows_update() && owned_names.contains(&name) {
                let note = Note::Explained(format!(
                    "not updated: policy `{}` forbids updates",
                    policy.as_str()
                ));
                self.unwritten(app, &key.1, live.as_deref(), policy, note);
                continue;
            }
            // Another ApplicationSet of this merge writes it first (§9.6): this write
            // fails as "already owned by another controller", an error that also skips
            // this ApplicationSet's delete step.
            if let Some(first) = self.claimed.get(&app_key).filter(|first| **first != key.1) {
                write_error = true;
                let note = Note::NotWritten(format!(
                    "ApplicationSet `{first}` also generates Application `{name}` in this merge and writes it first, so this write fails (already owned by another controller) and the error also skips the delete step of the ApplicationSet; Argo CD does not order the two reconciles, the plan assumes `{first}` goes first"
                ));
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
            if let (None, Some(refusal)) = (&live, apiserver::application_name_error(&name)) {
                write_error = true;
                let note = Note::NotWritten(format!(
                    "{refusal}; this error also skips the delete step of the ApplicationSet"
                ));
                self.unwritten(app, &key.1, None, policy, note);
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
                        write_error = true;
                        self.outcome.applications.push(change(Change { app, application_set: Some(&key.1), action: Action::Unchanged, before: Some(&live), after: None, policy, notes: vec![Note::NotWritten(format!(
                                "Application `{name}` is already owned by {} `{}`; this error also skips the delete step of the ApplicationSet",
                                owner.kind, owner.name
                            ))] }, self.fleet));
                        continue;
                    }
                    let mut notes = Vec::new();
                    if live.controller_reference().is_none() {
                        notes.push(Note::Explained(
                            "adopted: the live Application has no controller and is taken over"
                                .to_string(),
                        ));
                    }
                    let mut after = mutate_live(&live, app, &preserved);
                    let action = if ignore.is_empty() {
                        if same_application(&live, &after) {
                            Action::Unchanged
                        } else {
                            Action::Update
                        }
                    } else {
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
                self.keep(
                    live,
                    &key.1,
                    policy,
                    Note::Explained("no longer generated but kept: a write error in the same reconcile skips the delete step".to_string()),
                );
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
    fn keep(
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
    fn unwritten(
        &mut self,
        app: &Object,
        application_set: &str,
        live: Option<&Object>,
        policy: ApplicationsSyncPolicy,
        note: Note,
    ) {
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
    }

    /// Records the deletion of a live Application and, when it cascades, its resources.
    fn delete_application(
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
                notes.push(Note::Explained(format!(
                    "its destination does not resolve to a known cluster, so the controller removes `{RESOURCES_FINALIZER}` first and the resources are left in place"
                )));
            }
            finalizers.retain(|f| f != RESOURCES_FINALIZER);
        }
        let mut mode = CascadeMode::from_finalizers(&finalizers);
        if cluster.is_none() && mode.cascades() {
            // §10: the application controller cannot resolve the destination either, so
            // it removes the remaining cascade finalizers (`/foreground`, `/background`)
            // without touching any resource.
            notes.push(Note::Explained(
                "its destination does not resolve to a known cluster, so the application controller removes its resources finalizer without deleting any resource".to_string(),
            ));
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
                    .annotation("argocd.argoproj.io/deletion-approved")
                    .is_some(),
                step: self.step,
            });
        }
    }

    /// A generation error freezes the ApplicationSet: nothing is created, updated or
    /// deleted (§7).
    fn freeze(&mut self, key: &SetKey, file: &str, owned: &[Cow<'a, Object>], message: String) {
        self.outcome.errors.push(EvaluationError {
            file: Some(file.to_string()),
            application_set: Some(key.1.clone()),
            message: message.clone(),
            freezes: true,
        });
        for live in owned {
            let mut entry = change(Change { app: live, application_set: Some(&key.1), action: Action::Unchanged, before: Some(live), after: None, policy: ApplicationsSyncPolicy::default(), notes: vec![Note::Explained(format!(
                    "frozen: the ApplicationSet fails to generate, so the controller creates, updates and deletes nothing ({message})"
                ))] }, self.fleet);
            entry.policy = None;
            self.outcome.applications.push(entry);
        }
    }

    /// An ApplicationSet the plan cannot evaluate (not a generation error: Argo CD would
    /// act, but the plan cannot say how): nothing is predicted for it.
    fn not_evaluated(
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
        for live in owned {
            let mut entry = change(
                Change {
                    app: live,
                    application_set: Some(&key.1),
                    action: Action::Unchanged,
                    before: Some(live),
                    after: None,
                    policy: ApplicationsSyncPolicy::default(),
                    notes: vec![Note::Explained(format!(
                        "not predicted: the plan cannot evaluate its ApplicationSet ({message})"
                    ))],
                },
                self.fleet,
            );
            entry.policy = None;
            self.outcome.applications.push(entry);
        }
    }

    /// An ApplicationSet in base but gone from head. Removing a file from git deletes
    /// nothing by itself: the Application that manages the ApplicationSet (Argo CD's
    /// resource tracking) must prune it. When it does, garbage collection deletes the
    /// Applications the ApplicationSet owns (§9.8), whatever its policy, unless the
    /// policy forbids deletion and the ApplicationSet carries a finalizer. When nothing
    /// prunes it, the managing Application goes OutOfSync and everything stays.
    fn plan_removed_application_set(
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
                let mut entry = change(Change { app: live, application_set: Some(&key.1), action: Action::Unchanged, before: Some(live), after: None, policy, notes: vec![Note::Explained(format!(
                        "the ApplicationSet is removed from git; its finalizer and policy `{}` make the controller orphan this Application instead of deleting it",
                        policy.as_str()
                    ))] }, self.fleet);
                entry.policy = Some(policy);
                self.outcome.applications.push(entry);
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
                vec![Note::Explained(format!(
                    "the ApplicationSet `{}` is removed from git and Application `{}` prunes it: {} deletes every Application it owns (its `applicationsSync` policy does not prevent this)",
                    key.1,
                    manager.name,
                    if reverse { "the ApplicationSet controller" } else { "garbage collection" }
                ))],
            );
            if reverse {
                if let Some(entry) = self.outcome.applications.last_mut() {
                    entry.progressive = Some(ProgressiveSync::ReverseDeletion);
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
    fn pruning_of(
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
        let app_options: Vec<String> = app
            .string_list(&["spec", "syncPolicy", "syncOptions"])
            .iter()
            .flat_map(|o| argocd::sync_options(o).map(str::to_string))
            .collect();
        let resource = live_set.annotation(SYNC_OPTIONS_ANNOTATION).unwrap_or("");
        let prune = sync_option(argocd::sync_options(resource), "Prune")
            .or_else(|| sync_option(app_options.iter().map(String::as_str), "Prune"));
        match prune.as_deref() {
            Some("false") => Err((Some(manager), NotPruned::PruneFalseOption)),
            Some("confirm") => Err((Some(manager), NotPruned::PruneNeedsConfirmation)),
            _ => Ok(manager),
        }
    }

    /// Applications written directly in the manifests (no ApplicationSet): created,
    /// updated or, when removed between base and head, deleted by the Application that
    /// manages them.
    fn plan_plain_applications(&mut self, base: &[SourcedObject], head: &[SourcedObject]) {
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
                    self.delete_application(
                        &live,
                        None,
                        None,
                        vec![Note::Explained(
                            "removed from git: deleted when the Application that manages it prunes"
                                .to_string(),
                        )],
                    );
                }
                (None, None) => {}
            }
        }
    }

    fn plain(mut entry: ApplicationChange) -> ApplicationChange {
        entry.policy = None;
        entry
    }

    /// Applications that hand-made deletions on the Argo CD cluster remove (as namespace
    /// content, or through garbage collection): when the simulation lets them go, the
    /// application controller ran their finalizer, so their resources cascade on their
    /// destinations (R-ARGO-1); when it holds them (the controller goes too, C-11), they
    /// stay and nothing cascades.
    fn applications_deleted_as_content(&mut self, cluster: &str) {
        let Some(snapshot) = self.fleet.clusters.get(cluster) else {
            return;
        };
        let mut simulation = Simulation::new(snapshot.objects(), self.kube_version_of(cluster))
            .with_controllers(&self.config.controllers)
            .with_unavailable_group_versions(self.recorded_unavailable(cluster));
        let requests = self.manual.get(cluster).cloned().unwrap_or_default();
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
                self.delete_application(
                    &app,
                    set.as_deref(),
                    None,
                    vec![Note::Explained("deleted with what the what-if deletes; the application controller still runs, so it processes the Application's finalizers".to_string())],
                );
            }
        }
        self.step = 0;
    }

    /// Runs Argo CD's deletion of every cascading Application, wave by wave (§10), on
    /// each destination cluster.
    fn run_cascades(&mut self) {
        let mut by_cluster: BTreeMap<String, Vec<&CascadingApp>> = BTreeMap::new();
        for app in &self.cascading {
            by_cluster.entry(app.cluster.clone()).or_default().push(app);
        }
        let mut clusters: BTreeMap<String, ClusterOutcome> = BTreeMap::new();
        let mut stuck_apps: Vec<(String, String, String)> = Vec::new();
        let mut results: Vec<(String, CascadeResult)> = Vec::new();
        for cluster_name in self.manual.keys() {
            by_cluster.entry(cluster_name.clone()).or_default();
        }
        for (cluster_name, apps) in &by_cluster {
            let Some(snapshot) = self.fleet.clusters.get(cluster_name) else {
                self.outcome.findings.push(findings::missing_cluster(
                    cluster_name,
                    apps.iter().map(|a| a.name.as_str()),
                ));
                continue;
            };
            let version = self.kube_version_of(cluster_name);
            let mut simulation = Simulation::new(snapshot.objects(), version)
                .with_controllers(&self.config.controllers)
                .with_unavailable_group_versions(self.recorded_unavailable(cluster_name));
            // The deletions in the order given (`what-if`), an Application's cascade in
            // its own place: each runs once the cluster settled from the one before
            // (issue 13), so a cascade that takes an aggregated API away keeps a
            // namespace deleted afterwards Terminating. A plan is a single step.
            let manual = self.manual.get(cluster_name).cloned().unwrap_or_default();
            let mut steps: BTreeSet<usize> = apps.iter().map(|app| app.step).collect();
            steps.extend(manual.iter().map(|(step, _)| *step));
            let mut progress: Vec<WaveProgress> = Vec::new();
            let mut sync_failures = Vec::new();
            for step in steps {
                for (_, request) in manual.iter().filter(|(s, _)| *s == step) {
                    simulation.delete_and_settle(std::slice::from_ref(request));
                }
                // Applications of earlier steps waiting on a wave go on if this freed it.
                advance_waves(&mut simulation, &mut progress);
                let started = progress.len();
                // Per Application: its deletable objects grouped by wave, highest first.
                progress.extend(apps.iter().filter(|app| app.step == step).map(|app| {
                    WaveProgress {
                        app,
                        waves: match confirmation_needed(snapshot, app, &self.argocd_namespace) {
                            Some(_) => Vec::new(),
                            None => deletable_objects(snapshot, app, &self.argocd_namespace),
                        },
                        awaiting_confirmation: confirmation_needed(
                            snapshot,
                            app,
                            &self.argocd_namespace,
                        ),
                        current: Vec::new(),
                        tracked: tracked_keys(snapshot, app, &self.argocd_namespace),
                    }
                }));
                if progress.len() == started {
                    continue;
                }
                // Pessimistic order (§14.4 of the deletion rulebook): the replacement
                // Applications sync while the namespaces of the old ones still terminate.
                simulation.hold_namespaces(true);
                advance_waves(&mut simulation, &mut progress);
                sync_failures.extend(self.sync_replacements(
                    &mut simulation,
                    &progress[started..],
                    cluster_name,
                ));
                simulation.hold_namespaces(false);
                advance_waves(&mut simulation, &mut progress);
            }
            for wave in &progress {
                if let Some(object) = &wave.awaiting_confirmation {
                    stuck_apps.push((
                        wave.app.namespace.clone(),
                        wave.app.name.clone(),
                        format!(
                            "the Application waits for deletion approval: {} asks for confirmation (`Delete=confirm` or `Prune=confirm`), so nothing is deleted until the Application is annotated `argocd.argoproj.io/deletion-approved`",
                            describe(object)
                        ),
                    ));
                    continue;
                }
                if let Some(stuck) = wave
                    .current
                    .iter()
                    .find(|k| !simulation.is_gone(k) && !simulation.is_recreated(k))
                {
                    stuck_apps.push((
                        wave.app.namespace.clone(),
                        wave.app.name.clone(),
                        format!(
                            "the Application stays in deletion: it waits for {} to finish deleting before it deletes anything else (Argo CD deletes wave by wave)",
                            describe(stuck)
                        ),
                    ));
                }
            }
            self.sync_failures.extend(sync_failures);
            results.push((cluster_name.clone(), simulation.finish()));
        }
        // Findings are derived from the plan and the settled clusters; they read the
        // results and never change them.
        // Clusters where the same cause has the same consequences share one finding.
        let per_cluster: Vec<(String, findings::ClusterFinding)> = results
            .iter()
            .flat_map(|(cluster_name, result)| {
                findings::cluster_findings(
                    self.fleet,
                    cluster_name,
                    result,
                    &self.outcome.applications,
                    &self.argocd_namespace,
                    &self.sync_failures,
                )
                .into_iter()
                .map(|finding| (cluster_name.clone(), finding))
            })
            .collect();
        self.outcome
            .findings
            .extend(findings::fleet_findings(per_cluster));
        for (cluster_name, result) in &results {
            let outcome = clusters
                .entry(cluster_name.clone())
                .or_insert_with(|| ClusterOutcome {
                    name: cluster_name.clone(),
                    ..ClusterOutcome::default()
                });
            outcome
                .objects
                .extend(result.objects.iter().map(|o| ObjectOutcome {
                    api_version: o.api_version.clone(),
                    kind: o.key.kind.clone(),
                    namespace: o.key.namespace.clone(),
                    name: o.key.name.clone(),
                    outcome: o.fate,
                    reason: o.reason(),
                }));
            outcome
                .namespaces
                .extend(result.namespaces.iter().map(|n| NamespaceOutcome {
                    name: n.name.clone(),
                    outcome: n.fate,
                    conditions: n.conditions.clone(),
                    reason: n.cause.to_string(),
                    already_terminating: n.already_terminating,
                }));
            outcome
                .api_services
                .extend(result.api_services.iter().map(|a| a.outcome.clone()));
            outcome
                .volumes
                .extend(result.released_volumes.iter().map(|v| {
                    VolumeOutcome {
                        name: v.volume.name.clone(),
                        capacity: v.capacity.clone(),
                        storage_class: v.storage_class.clone(),
                        reclaim_policy: v.reclaim_policy.clone(),
                        claim: format!(
                            "{}/{}",
                            v.claim.namespace.as_deref().unwrap_or(""),
                            v.claim.name
                        ),
                        used_by: v
                            .used_by
                            .iter()
                            .map(|key| match &key.namespace {
                                Some(ns) => format!("{} {ns}/{}", key.kind, key.name),
                                None => format!("{} {}", key.kind, key.name),
                            })
                            .collect(),
                        outcome: match v.reclaim {
                            Reclaim::Deleted => VolumeFate::Deleted,
                            Reclaim::Retained => VolumeFate::Retained,
                            Reclaim::Leaked { .. } => VolumeFate::Leaked,
                        },
                    }
                }));
        }
        // The deleted Application objects themselves live where Argo CD runs.
        let argocd_cluster = self.fleet.argocd_cluster.clone();
        for app in &self.outcome.applications {
            if app.action != Action::Delete {
                continue;
            }
            let stuck = stuck_apps
                .iter()
                .find(|(ns, name, _)| *ns == app.namespace && *name == app.name);
            let outcome =
                clusters
                    .entry(argocd_cluster.clone())
                    .or_insert_with(|| ClusterOutcome {
                        name: argocd_cluster.clone(),
                        ..ClusterOutcome::default()
                    });
            // The Argo CD view of a deleted Application replaces what the cluster
            // simulation says of it (garbage collection of an ApplicationSet's children).
            outcome.objects.retain(|o| {
                !(o.kind == "Application"
                    && o.namespace.as_deref() == Some(app.namespace.as_str())
                    && o.name == app.name)
            });
            outcome.objects.push(ObjectOutcome {
                api_version: argocd::ARGOCD_API_VERSION.to_string(),
                kind: "Application".to_string(),
                namespace: Some(app.namespace.clone()),
                name: app.name.clone(),
                outcome: if stuck.is_some() {
                    Fate::Stuck
                } else {
                    Fate::Deleted
                },
                reason: match (stuck, &app.application_set) {
                    (Some((_, _, reason)), _) => reason.clone(),
                    (None, Some(set)) => {
                        format!("deleted by the ApplicationSet controller (ApplicationSet `{set}`)")
                    }
                    (None, None) => {
                        app.notes
                            .first()
                            .map(ToString::to_string)
                            .unwrap_or_else(|| {
                                "deleted when its parent Application prunes it".to_string()
                            })
                    }
                },
            });
        }
        for outcome in clusters.values_mut() {
            outcome.objects.sort_by(|a, b| {
                (&a.namespace, &a.kind, &a.name, &a.api_version).cmp(&(
                    &b.namespace,
                    &b.kind,
                    &b.name,
                    &b.api_version,
                ))
            });
            outcome.objects.dedup();
            outcome.namespaces.sort();
            outcome.api_services.sort();
            outcome.volumes.sort();
        }
        self.outcome.clusters = clusters.into_values().collect();
    }

    /// Replacement Applications with automated sync apply the manifests of the
    /// Applications they replace (same source, same destination): cluster-scoped objects
    /// come back, namespaced ones in a terminating namespace are refused.
    fn sync_replacements(
        &self,
        simulation: &mut Simulation,
        progress: &[WaveProgress],
        cluster: &str,
    ) -> Vec<SyncFailure> {
        let mut failures = Vec::new();
        for wave in progress {
            let Some(replacement) = self
                .outcome
                .applications
                .iter()
                .find(|a| {
                    a.action == Action::Delete
                        && a.name == wave.app.name
                        && a.namespace == wave.app.namespace
                })
                .and_then(|a| a.replaced_by.clone())
            else {
                continue;
            };
            let after = self
                .outcome
                .applications
                .iter()
                .find(|a| a.name == replacement && a.action == Action::Create)
                .and_then(|a| a.after.as_ref());
            let automated = after
                .and_then(|after| after.pointer("/spec/syncPolicy/automated"))
                .is_some_and(|automated| !automated.is_null());
            if !automated {
                continue;
            }
            let retry =
                SyncRetry::of(after.and_then(|after| after.pointer("/spec/syncPolicy/retry")));
            for key in &wave.tracked {
                if let Err(refusal) = simulation.reapply(key, &replacement) {
                    failures.push(SyncFailure {
                        cluster: cluster.to_string(),
                        application: replacement.clone(),
                        object: key.clone(),
                        refusal,
                        retry,
                    });
                }
            }
        }
        failures
    }

    /// The group/versions whose discovery `capture` recorded as failing on a cluster,
    /// with why; none for a cluster not captured by `capture`.
    fn recorded_unavailable(&self, cluster: &str) -> &'a BTreeMap<String, String> {
        static NONE: BTreeMap<String, String> = BTreeMap::new();
        self.fleet
            .capture_records
            .get(cluster)
            .map_or(&NONE, |record| &record.unavailable_group_versions)
    }

    /// The version a cluster's behaviour and texts follow: `--kube-version` when given,
    /// else the version its snapshot records, else the default.
    fn kube_version_of(&self, cluster: &str) -> KubeVersion {
        if self.config.force_kube_version {
            return self.config.kube_version;
        }
        self.fleet
            .server_versions
            .get(cluster)
            .and_then(|v| KubeVersion::parse(v))
            .unwrap_or(self.config.kube_version)
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

/// The top-level spec fields whose values differ.
fn differing_fields(a: &Value, b: &Value) -> Vec<String> {
    let empty = serde_json::Map::new();
    let a = a.as_object().unwrap_or(&empty);
    let b = b.as_object().unwrap_or(&empty);
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| k.to_string())
        .collect()
}

/// The live Application as the controller rewrites it (§9.3 step 3).
fn mutate_live(
    live: &Object,
    generated: &Object,
    preserved: &(Vec<String>, Vec<String>),
) -> Object {
    let mut after = live.clone();
    let generated_annotations = generated.annotations();
    let live_annotations = live.annotations();
    let mut annotations: BTreeMap<String, String> = generated_annotations;
    for key in ALWAYS_PRESERVED_ANNOTATIONS {
        if let Some(value) = live_annotations.get(*key) {
            annotations.insert((*key).to_string(), value.clone());
        }
    }
    for key in &preserved.0 {
        if let Some(value) = live_annotations.get(key) {
            annotations.insert(key.clone(), value.clone());
        }
    }
    let mut labels = generated.labels();
    let live_labels = live.labels();
    for key in &preserved.1 {
        if let Some(value) = live_labels.get(key) {
            labels.insert(key.clone(), value.clone());
        }
    }
    let mut finalizers = generated.finalizers();
    for finalizer in live.finalizers() {
        if (finalizer.starts_with(PRE_DELETE_FINALIZER_PREFIX)
            || finalizer.starts_with(POST_DELETE_FINALIZER_PREFIX))
            && !finalizers.contains(&finalizer)
        {
            finalizers.push(finalizer);
        }
    }
    let metadata = after.metadata_mut();
    set_or_remove(metadata, "annotations", string_map(&annotations));
    set_or_remove(metadata, "labels", string_map(&labels));
    set_or_remove(
        metadata,
        "finalizers",
        (!finalizers.is_empty()).then(|| json!(finalizers)),
    );
    if let Some(owners) = generated.value_at(&["metadata", "ownerReferences"]) {
        metadata.insert("ownerReferences".to_string(), owners.clone());
    }
    let mut spec = generated
        .value_at(&["spec"])
        .cloned()
        .unwrap_or(Value::Null);
    normalize_application_spec(&mut spec);
    after
        .raw_mut()
        .as_object_mut()
        .expect("objects are maps")
        .insert("spec".to_string(), spec);
    after
}

/// What the controller writes when the ApplicationSet has `ignoreApplicationDifferences`
/// (`applicationset/utils/createOrUpdate.go`, `CreateOrUpdate` and
/// `applyIgnoreDifferences`): both sides lose the ignored fields and are renormalized;
/// equal means no write (`None`); otherwise the live object receives the JSON merge patch
/// between them, so ignored fields keep their live values (and a list that differs
/// elsewhere is replaced whole, ignored parts included).
fn write_ignoring(
    live: &Object,
    mutated: &Object,
    ignore: &IgnoreRules,
    name: &str,
) -> Option<Object> {
    let prepare = |object: &Object| {
        let mut raw = object.raw().clone();
        if let Some(spec) = raw.get_mut("spec") {
            normalize_application_spec(spec);
        }
        ignore.remove_ignored(&mut raw, name);
        if let Some(spec) = raw.get_mut("spec") {
            normalize_application_spec(spec);
        }
        Object::from_value(raw)
    };
    let live_ignoring = prepare(live);
    let mutated_ignoring = prepare(mutated);
    if same_application(&live_ignoring, &mutated_ignoring) {
        return None;
    }
    let patch = merge_patch(live_ignoring.raw(), mutated_ignoring.raw());
    let mut written = live.raw().clone();
    apply_merge_patch(&mut written, &patch);
    Some(Object::from_value(written))
}

/// `spec.preservedFields` of an ApplicationSet: (annotation keys, label keys).
fn preserved_fields(appset: &Object) -> (Vec<String>, Vec<String>) {
    (
        appset.string_list(&["spec", "preservedFields", "annotations"]),
        appset.string_list(&["spec", "preservedFields", "labels"]),
    )
}

fn string_map(map: &BTreeMap<String, String>) -> Option<Value> {
    (!map.is_empty()).then(|| json!(map))
}

fn set_or_remove(map: &mut serde_json::Map<String, Value>, key: &str, value: Option<Value>) {
    match value {
        Some(value) => {
            map.insert(key.to_string(), value);
        }
        None => {
            map.remove(key);
        }
    }
}

/// Semantic equality of what the ApplicationSet controller compares (§9.3 step 5).
fn same_application(live: &Object, after: &Object) -> bool {
    let mut live_spec = live.value_at(&["spec"]).cloned().unwrap_or(Value::Null);
    normalize_application_spec(&mut live_spec);
    let after_spec = after.value_at(&["spec"]).cloned().unwrap_or(Value::Null);
    live_spec == after_spec
        && live.labels() == after.labels()
        && live.annotations() == after.annotations()
        && live.finalizers() == after.finalizers()
        && live.owner_references() == after.owner_references()
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
    }
}

/// The cluster an Application's destination resolves to (§8 rule 4).
pub fn resolve_destination(fleet: &Fleet, app: &Object) -> Option<ClusterInfo> {
    check_destination(fleet, app).ok()
}

fn check_destination(fleet: &Fleet, app: &Object) -> Result<ClusterInfo, String> {
    let server = app
        .str_at(&["spec", "destination", "server"])
        .filter(|s| !s.is_empty());
    let name = app
        .str_at(&["spec", "destination", "name"])
        .filter(|s| !s.is_empty());
    match (server, name) {
        (Some(_), Some(_)) => {
            Err("application destination can't have both name and server defined".to_string())
        }
        (None, None) => Err("application destination server and/or name must be set".to_string()),
        (Some(server), None) => fleet
            .cluster_for_server(server)
            .cloned()
            .ok_or_else(|| format!("there are no clusters with this URL: {server}")),
        (None, Some(name)) => fleet
            .cluster_by_name(name)
            .ok_or_else(|| format!("there are no clusters with this name: {name}")),
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

fn tracking_name(app: &CascadingApp, argocd_namespace: &str) -> String {
    if app.namespace == argocd_namespace {
        app.name.clone()
    } else {
        format!("{}_{}", app.namespace, app.name)
    }
}

fn tracked_keys(
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
fn status_resources(app: &Object) -> Vec<ObjectKey> {
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

/// The value of option `name` (`Delete`, `Prune`) in a sync-options list, if set.
fn sync_option<'s>(options: impl Iterator<Item = &'s str>, name: &str) -> Option<String> {
    options
        .filter_map(|o| o.split_once('='))
        .find(|(key, _)| key.trim() == name)
        .map(|(_, value)| value.trim().to_string())
}

/// The Application's objects on its destination: tracked by annotation or label (per
/// `argocd-cm`), plus those its `status.resources` lists that no other Application tracks.
fn application_objects<'s>(
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
fn confirmation_needed(
    snapshot: &ClusterSnapshot,
    app: &CascadingApp,
    argocd_namespace: &str,
) -> Option<ObjectKey> {
    if app.deletion_approved {
        return None;
    }
    let app_options = app.sync_option_entries();
    application_objects(snapshot, app, argocd_namespace)
        .into_iter()
        .find(|object| {
            let resource = object.annotation(SYNC_OPTIONS_ANNOTATION).unwrap_or("");
            let confirm = |name: &str| {
                sync_option(argocd::sync_options(resource), name)
                    .or_else(|| sync_option(app_options.iter().map(String::as_str), name))
                    .is_some_and(|v| v == "confirm")
            };
            confirm("Delete") || confirm("Prune")
        })
        .map(Object::key)
}

/// The objects Argo CD deletes for a cascading Application (R-ARGO-2), grouped by sync
/// wave, highest wave first.
fn deletable_objects(
    snapshot: &ClusterSnapshot,
    app: &CascadingApp,
    argocd_namespace: &str,
) -> Vec<Vec<(ObjectKey, Propagation)>> {
    let app_options = app.sync_option_entries();
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
        // A resource-level Delete option wins; without one the Application's applies.
        let resource = object.annotation(SYNC_OPTIONS_ANNOTATION).unwrap_or("");
        let delete = sync_option(argocd::sync_options(resource), "Delete")
            .or_else(|| sync_option(app_options.iter().map(String::as_str), "Delete"));
        if delete.as_deref() == Some("false") {
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
