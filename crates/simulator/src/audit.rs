//! `audit`: the fleet's standing risks before anyone changes anything (issue 15).
//!
//! Three questions, each answered from the snapshot with the same machinery as `plan`
//! and `what-if`, never guessed:
//!
//! - **Already broken now**: the cluster settled with no deletion at all — APIServices
//!   unavailable (their status, or `capture.json`), namespaces already Terminating that
//!   stay so, with the conditions the namespace controller would set, other objects
//!   already in deletion whose finalizers no running controller removes, and fail-closed
//!   webhooks the API server cannot reach (no Service, or no ready endpoint).
//! - **One deletion from a jam**: for every aggregated APIService with `spec.service`
//!   that is available now, fail-closed webhook and finalizer-removing controller, each
//!   Application that manages its backend or the backend's namespace is deleted in a
//!   [`what_if`](crate::plan::what_if) (or, when none does, the namespace is deleted by hand); when the backend
//!   is gone and what calls it stays, the deletion is reported with what then stays
//!   stuck, and these findings rank by their `Reach`.
//! - **Rename exposure**, **mass-deletion exposure** and the **safety features** in use,
//!   read from the ApplicationSets and their live Applications.
//!
//! One module per finding code, each with one entry point `find`, run in order by the
//! one list of `audit/registry.rs`: per cluster over `ClusterFacts` (worded without the
//! cluster's name and merged across clusters by [`fleet_findings`]), then over the fleet
//! (`FleetFacts`).

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

mod apiservice_backend_exposed;
mod apiservice_unavailable_now;
mod controller_backend_exposed;
mod mass_deletion_exposure;
mod namespace_terminating_now;
mod object_stuck_now;
mod registry;
mod rename_exposure;
mod safety_features;
mod webhook_backend_exposed;
mod webhook_unavailable_now;

use preflight_cluster_snapshot::{ClusterSnapshot, Fleet};
use preflight_model::argocd::{ARGOCD_GROUP, RESOURCES_FINALIZER};
use preflight_model::{ApplicationsSyncPolicy, CascadeMode, Object, ObjectKey};

use crate::cascade::{CascadeResult, KubeVersion, Propagation, Simulation};
use crate::causes::Unreachable;
use crate::controller::ControllerSettings;
use crate::findings::{fleet_findings, ClusterFinding};
use crate::outcome::*;
use crate::plan::{
    managed_keys, resolve_destination, what_if_sharing, LiveApplications, PlanConfig,
};
use preflight_model::parallel::run_parallel;

const APISERVICE_GROUP: &str = "apiregistration.k8s.io";
/// How many names a message lists before it counts the rest (a tenant ApplicationSet
/// manages hundreds of namespaces).
const NAMES_SHOWN: usize = 10;
const SYNC_OPTIONS_DELETE_FALSE: &str = "argocd.argoproj.io/sync-options: Delete=false";

/// A live Application as the audit needs it.
struct LiveApp<'a> {
    object: &'a Object,
    namespace: String,
    /// The ApplicationSet that controls it, if any.
    application_set: Option<String>,
    /// The destination cluster (snapshot folder), when it resolves.
    cluster: Option<String>,
    /// Whether deleting it deletes its resources (its live finalizers).
    cascades: bool,
    /// What it manages on its destination.
    managed: BTreeSet<ObjectKey>,
}

impl LiveApp<'_> {
    fn key(&self) -> ObjectKey {
        ObjectKey::new(
            ARGOCD_GROUP,
            "Application",
            Some(&self.namespace),
            self.object.name(),
        )
    }
}

/// A fail-closed admission webhook, or a CRD conversion webhook, with a backend Service.
struct WebhookBackend {
    /// The object that keeps calling the backend (webhook configuration or CRD).
    owner: ObjectKey,
    /// How messages name it.
    described: String,
    /// What the API server refuses while the backend is gone.
    refuses: String,
    service: ObjectKey,
    /// The Service port the API server calls (`clientConfig.service.port`, 443 when
    /// unset, as the admissionregistration and apiextensions APIs default it).
    port: i64,
    /// The command that stops the calls (run on the cluster), and its comment.
    break_glass: String,
    break_glass_comment: String,
}

impl WebhookBackend {
    fn backend_namespace(&self) -> ObjectKey {
        ObjectKey::namespace_object(self.service.namespace.as_deref().unwrap_or_default())
    }
}

/// The deletion a jam finding is about.
enum Deletion<'a> {
    Application(&'a LiveApp<'a>),
    NamespaceByHand(String),
}

/// What one simulated deletion does to one APIService or webhook.
struct Jam {
    /// The namespaces that stay Terminating afterwards, sorted.
    stuck_namespaces: Vec<String>,
    /// How many other objects the deletion leaves stuck or refused.
    stuck_objects: usize,
}

impl Jam {
    /// What the simulated cascade left stuck on `settled`.
    fn of(settled: &ClusterOutcome) -> Jam {
        let mut stuck_namespaces: Vec<String> = settled
            .namespaces
            .iter()
            .filter(|ns| ns.outcome == Fate::Stuck)
            .map(|ns| ns.name.clone())
            .collect();
        stuck_namespaces.sort();
        let stuck_objects = settled
            .objects
            .iter()
            .filter(|o| matches!(o.outcome, Fate::Stuck | Fate::Refused))
            .filter(|o| !(o.kind == "Namespace" && o.namespace.is_none()))
            .count();
        Jam {
            stuck_namespaces,
            stuck_objects,
        }
    }

    fn reach(&self) -> Reach {
        Reach {
            stuck_namespaces: self.stuck_namespaces.len(),
            stuck_objects: self.stuck_objects,
        }
    }
}

/// How far the jam of one "one deletion away" finding reaches on each of its clusters, as
/// the simulated cascade left it: with the number of clusters, what [`rank`] orders these
/// findings by. Clusters share a finding only when its message is the same, and the
/// message names the namespaces that stay Terminating, so one value holds for all of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
struct Reach {
    /// Namespaces that stay Terminating after the deletion.
    stuck_namespaces: usize,
    /// Other objects that stay in deletion (or, for a controller, can no longer be deleted).
    stuck_objects: usize,
}

/// The reach of each "one deletion away" finding, by its code and message (what a fleet
/// finding keeps of the cluster findings it merges).
type Reaches = BTreeMap<(FindingCode, String), Reach>;

/// The fleet's standing risks. Reads every cluster of `fleet`; the result has no
/// Applications or cluster outcomes of its own, only findings.
pub fn audit(fleet: &Fleet, config: &PlanConfig) -> Outcome {
    let argocd_namespace = fleet.argocd_namespace().unwrap_or("argocd").to_string();
    let apps = live_applications(fleet, &argocd_namespace);
    let live = crate::plan::live_applications(fleet, config);
    let clusters: Vec<(&String, &ClusterSnapshot)> = fleet.clusters.iter().collect();
    let audited = run_parallel(clusters.len(), config.workers, |index| {
        let (cluster, snapshot) = clusters[index];
        audit_cluster(fleet, config, &apps, &live, cluster, snapshot)
    });
    let mut per_cluster: Vec<(String, ClusterFinding)> = Vec::new();
    // Per ApplicationSet (namespace, name): the APIServices that deleting one of its
    // Applications jams, as simulated.
    let mut jams: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    let mut standing: Vec<ClusterOutcome> = Vec::new();
    let mut reaches = Reaches::new();
    for ((cluster, _), audited) in clusters.iter().zip(audited) {
        for (key, reach) in audited.reaches {
            let known = reaches.entry(key).or_default();
            *known = (*known).max(reach);
        }
        if !audited.standing.namespaces.is_empty() || !audited.standing.objects.is_empty() {
            standing.push(audited.standing);
        }
        per_cluster.extend(
            audited
                .findings
                .into_iter()
                .map(|finding| (cluster.to_string(), finding)),
        );
        for (set, api) in audited.jams {
            jams.entry(set).or_default().insert(api);
        }
    }
    let mut outcome = Outcome {
        findings: fleet_findings(per_cluster),
        clusters: standing,
        audit: true,
        ..Outcome::default()
    };
    let facts = FleetFacts {
        fleet,
        argocd_namespace: &argocd_namespace,
        apps: &apps,
        jams: &jams,
    };
    for (code, find) in registry::FLEET_RULES {
        let found = find(&facts);
        debug_assert!(
            found.iter().all(|f| f.code == *code),
            "the rule of `{code}` returned another code"
        );
        outcome.findings.extend(found);
    }
    rank(&mut outcome.findings, &reaches);
    outcome.clusters_read = fleet.clusters.keys().cloned().collect();
    outcome.clusters_not_read = fleet.unread.keys().cloned().collect();
    outcome
}

/// The findings that say which one deletion would jam a cluster: ranked together, by
/// how far the jam reaches, wherever the first of them is ranked by code.
const ONE_DELETION_AWAY: [FindingCode; 3] = [
    FindingCode::ApiserviceBackendExposed,
    FindingCode::WebhookBackendExposed,
    FindingCode::ControllerBackendExposed,
];

/// One rule: most severe first; within a severity, by code — the "one deletion away"
/// codes ([`ONE_DELETION_AWAY`]) as one, in the place of the first — then the findings
/// that concern most clusters first; among "one deletion away" findings of as many
/// clusters, the one whose simulated jam leaves most namespaces Terminating, then most
/// objects stuck (`reaches`); then by code, cluster and message.
fn rank(findings: &mut [Finding], reaches: &Reaches) {
    let group = |code: FindingCode| {
        if ONE_DELETION_AWAY.contains(&code) {
            ONE_DELETION_AWAY[0]
        } else {
            code
        }
    };
    let reach = |finding: &Finding| {
        reaches
            .get(&(finding.code, finding.message.clone()))
            .copied()
            .unwrap_or_default()
    };
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| group(a.code).cmp(&group(b.code)))
            .then_with(|| b.clusters.len().cmp(&a.clusters.len()))
            .then_with(|| reach(b).cmp(&reach(a)))
            .then_with(|| a.code.cmp(&b.code))
            .then_with(|| a.cluster.cmp(&b.cluster))
            .then_with(|| a.message.cmp(&b.message))
            .then_with(|| a.clusters.cmp(&b.clusters))
    });
}

/// What the audit finds on one cluster.
#[derive(Default)]
struct ClusterAudit {
    findings: Vec<ClusterFinding>,
    /// What is already stuck on the cluster and stays so: the report's counts.
    standing: ClusterOutcome,
    /// (ApplicationSet namespace and name, APIService) for each simulated jam.
    jams: Vec<((String, String), String)>,
    /// The reach of each "one deletion away" finding.
    reaches: Reaches,
}

/// A "one deletion away" finding on one cluster, with how far its jam reaches and, when
/// the deletion is an Application of an ApplicationSet that jams an APIService, (the
/// ApplicationSet's namespace and name, the APIService) for `rename-exposure`.
struct Exposure {
    finding: ClusterFinding,
    reach: Reach,
    jam: Option<((String, String), String)>,
}

/// What the rules of one cluster read: the cluster settled with no deletion, its
/// webhooks and finalizer-removing controllers, and the what-if of each Application
/// simulated at most once across the rules ([`ClusterFacts::one_deletion_away`]).
struct ClusterFacts<'a> {
    fleet: &'a Fleet,
    config: &'a PlanConfig,
    apps: &'a [LiveApp<'a>],
    /// The live Applications as a what-if reads them, read once for every what-if.
    live: &'a LiveApplications<'a>,
    cluster: &'a str,
    snapshot: &'a ClusterSnapshot,
    /// The cluster settled with no deletion: what is already broken.
    now: CascadeResult,
    /// Fail-closed admission webhooks and CRD conversion webhooks with a backend Service.
    webhooks: Vec<WebhookBackend>,
    /// Per webhook, why the API server cannot reach its backend as the snapshot shows it.
    unreachable: Vec<Option<Unreachable>>,
    finalizer_controllers: Vec<crate::cascade::FinalizerController>,
    /// Per Application: what deleting it does.
    simulated: RefCell<BTreeMap<ObjectKey, Outcome>>,
}

/// What the fleet's rules read.
struct FleetFacts<'a> {
    fleet: &'a Fleet,
    argocd_namespace: &'a str,
    apps: &'a [LiveApp<'a>],
    /// Per ApplicationSet (namespace, name): the APIServices that deleting one of its
    /// Applications jams, as simulated.
    jams: &'a BTreeMap<(String, String), BTreeSet<String>>,
}

/// Already broken, and one deletion from a jam, on one cluster: the cluster rules of
/// the registry, in order.
fn audit_cluster<'a>(
    fleet: &'a Fleet,
    config: &'a PlanConfig,
    apps: &'a [LiveApp<'a>],
    live: &'a LiveApplications<'a>,
    cluster: &'a str,
    snapshot: &'a ClusterSnapshot,
) -> ClusterAudit {
    let webhooks = webhook_backends(snapshot);
    let (now, unreachable, finalizer_controllers) =
        settle_now(fleet, cluster, snapshot, config, &webhooks);
    let facts = ClusterFacts {
        fleet,
        config,
        apps,
        live,
        cluster,
        snapshot,
        now,
        webhooks,
        unreachable,
        finalizer_controllers,
        simulated: RefCell::new(BTreeMap::new()),
    };
    let mut audited = ClusterAudit {
        standing: standing(cluster, &facts.now),
        ..ClusterAudit::default()
    };
    for (code, rule) in registry::CLUSTER_RULES {
        let before = audited.findings.len();
        match rule {
            registry::ClusterRule::Now(find) => audited.findings.extend(find(&facts)),
            registry::ClusterRule::Exposure(find) => {
                for exposure in find(&facts) {
                    audited.reaches.insert(
                        (exposure.finding.code, exposure.finding.message.clone()),
                        exposure.reach,
                    );
                    audited.jams.extend(exposure.jam);
                    audited.findings.push(exposure.finding);
                }
            }
        }
        debug_assert!(
            audited.findings[before..].iter().all(|f| f.code == *code),
            "the rule of `{code}` returned another code"
        );
    }
    audited
}

impl<'a> ClusterFacts<'a> {
    /// The deletions one step from taking a backend away on the cluster, as `judge` sees
    /// each simulated with the what-if cascade: every live Application there that
    /// manages the backend object or its namespace (each Application simulated once per
    /// cluster, kept in `simulated`), else the namespace deleted by hand.
    fn one_deletion_away<J>(
        &self,
        (backend, namespace): (&ObjectKey, &ObjectKey),
        judge: impl Fn(&Outcome) -> Option<J>,
    ) -> Vec<(Deletion<'a>, J)> {
        let (fleet, config, cluster, live) = (self.fleet, self.config, self.cluster, self.live);
        let managers: Vec<&'a LiveApp<'a>> = self
            .apps
            .iter()
            .filter(|app| app.cluster.as_deref() == Some(cluster))
            .filter(|app| app.managed.contains(backend) || app.managed.contains(namespace))
            .collect();
        if managers.is_empty() {
            let outcome = what_if_sharing(
                fleet,
                cluster,
                &[(namespace.clone(), Propagation::Background)],
                config,
                Some(live),
            );
            return judge(&outcome)
                .map(|found| (Deletion::NamespaceByHand(namespace.name.clone()), found))
                .into_iter()
                .collect();
        }
        let mut simulated = self.simulated.borrow_mut();
        managers
            .into_iter()
            .filter_map(|app| {
                let outcome = simulated.entry(app.key()).or_insert_with(|| {
                    what_if_sharing(
                        fleet,
                        &fleet.argocd_cluster,
                        &[(app.key(), Propagation::Background)],
                        config,
                        Some(live),
                    )
                });
                judge(outcome).map(|found| (Deletion::Application(app), found))
            })
            .collect()
    }
}

/// Every live Application of the Argo CD cluster, with its destination and what it
/// manages there, sorted by namespace and name.
fn live_applications<'a>(fleet: &'a Fleet, argocd_namespace: &str) -> Vec<LiveApp<'a>> {
    let Some(argocd) = fleet.argocd() else {
        return Vec::new();
    };
    let mut apps: Vec<LiveApp> = argocd
        .of_kind(ARGOCD_GROUP, "Application")
        .iter()
        .map(|object| {
            let cluster = resolve_destination(fleet, object).map(|info| info.name);
            let managed = cluster
                .as_deref()
                .and_then(|name| fleet.cluster(name))
                .map(|snapshot| {
                    managed_keys(snapshot, object, argocd_namespace)
                        .into_iter()
                        .collect()
                })
                .unwrap_or_default();
            LiveApp {
                object,
                namespace: object.namespace().unwrap_or(argocd_namespace).to_string(),
                application_set: object
                    .controller_reference()
                    .filter(|owner| owner.group() == ARGOCD_GROUP && owner.kind == "ApplicationSet")
                    .map(|owner| owner.name),
                cluster,
                cascades: CascadeMode::from_finalizers(&object.finalizers()).cascades(),
                managed,
            }
        })
        .collect();
    apps.sort_by(|a, b| (&a.namespace, a.object.name()).cmp(&(&b.namespace, b.object.name())));
    apps
}

/// The cluster settled without any deletion: what is already broken.
fn settle_now(
    fleet: &Fleet,
    cluster: &str,
    snapshot: &ClusterSnapshot,
    config: &PlanConfig,
    webhooks: &[WebhookBackend],
) -> (
    CascadeResult,
    Vec<Option<Unreachable>>,
    Vec<crate::cascade::FinalizerController>,
) {
    static NONE: BTreeMap<String, String> = BTreeMap::new();
    let version = if config.force_kube_version {
        config.kube_version
    } else {
        fleet
            .server_versions
            .get(cluster)
            .and_then(|v| KubeVersion::parse(v))
            .unwrap_or(config.kube_version)
    };
    let recorded = fleet
        .capture_records
        .get(cluster)
        .map_or(&NONE, |record| &record.unavailable_group_versions);
    let mut simulation = Simulation::of_snapshot(snapshot, version)
        .with_controllers(&config.controllers)
        .with_unavailable_group_versions(recorded);
    // Asked before the cluster settles: whether the API server reaches each webhook's
    // backend as the snapshot shows it, by the same check that refuses requests in a
    // cascade.
    let unreachable = webhooks
        .iter()
        .map(|webhook| simulation.service_unreachable(&webhook.service, webhook.port))
        .collect();
    let finalizer_controllers = simulation.finalizer_controllers();
    simulation.delete_and_settle(&[]);
    (simulation.finish(), unreachable, finalizer_controllers)
}

/// Fail-closed admission webhooks and CRD conversion webhooks with a backend Service, in
/// key order.
fn webhook_backends(snapshot: &ClusterSnapshot) -> Vec<WebhookBackend> {
    let mut backends = Vec::new();
    let service_of = |config: Option<&serde_json::Value>| {
        let service = config?.get("service")?;
        let namespace = service.get("namespace")?.as_str()?;
        let name = service.get("name")?.as_str()?;
        let port = service.get("port").and_then(|p| p.as_i64()).unwrap_or(443);
        Some((ObjectKey::new("", "Service", Some(namespace), name), port))
    };
    for kind in [
        "MutatingWebhookConfiguration",
        "ValidatingWebhookConfiguration",
    ] {
        for config in snapshot.of_kind("admissionregistration.k8s.io", kind) {
            for webhook in config
                .value_at(&["webhooks"])
                .and_then(|w| w.as_array())
                .into_iter()
                .flatten()
            {
                let policy = webhook
                    .get("failurePolicy")
                    .and_then(|p| p.as_str())
                    .unwrap_or("Fail");
                if policy != "Fail" {
                    continue;
                }
                let Some((service, port)) = service_of(webhook.get("clientConfig")) else {
                    continue;
                };
                let name = webhook.get("name").and_then(|n| n.as_str()).unwrap_or("");
                let rules: Vec<String> = webhook
                    .get("rules")
                    .and_then(|r| r.as_array())
                    .into_iter()
                    .flatten()
                    .map(|rule| {
                        let list = |field: &str| {
                            rule.get(field)
                                .and_then(|v| v.as_array())
                                .map(|items| {
                                    items
                                        .iter()
                                        .filter_map(|i| i.as_str())
                                        .collect::<Vec<_>>()
                                        .join("/")
                                })
                                .unwrap_or_default()
                        };
                        let operations = match list("operations").as_str() {
                            "*" => "any operation".to_string(),
                            operations => operations.to_string(),
                        };
                        let resources = match list("resources").as_str() {
                            "*" => "any resource".to_string(),
                            resources => format!("`{resources}`"),
                        };
                        format!("{operations} of {resources}")
                    })
                    .collect();
                backends.push(WebhookBackend {
                    owner: config.key(),
                    described: format!(
                        "fail-closed admission webhook `{name}` ({kind} `{}`)",
                        config.name()
                    ),
                    refuses: format!("every request its rules match ({})", rules.join(", ")),
                    service,
                    port,
                    break_glass: format!("delete {} {}", kind.to_ascii_lowercase(), config.name()),
                    break_glass_comment:
                        "delete the webhook configuration until its backend is back:".to_string(),
                });
            }
        }
    }
    for crd in snapshot.of_kind("apiextensions.k8s.io", "CustomResourceDefinition") {
        if crd.str_at(&["spec", "conversion", "strategy"]) != Some("Webhook") {
            continue;
        }
        let Some((service, port)) =
            service_of(crd.value_at(&["spec", "conversion", "webhook", "clientConfig"]))
        else {
            continue;
        };
        backends.push(WebhookBackend {
            owner: crd.key(),
            described: format!(
                "the conversion webhook of CustomResourceDefinition `{}`",
                crd.name()
            ),
            refuses: format!(
                "every request for `{}` that needs a conversion between its versions",
                crd.name()
            ),
            service,
            port,
            break_glass: format!("get customresourcedefinition {} -o yaml", crd.name()),
            break_glass_comment:
                "restore the backend (deleting the CRD would delete every object of it); inspect:"
                    .to_string(),
        });
    }
    backends
}

/// What is already stuck on `cluster` and stays so, as the report counts it: namespaces
/// already Terminating and the objects [`objects_stuck_now`] reports.
fn standing(cluster: &str, now: &CascadeResult) -> ClusterOutcome {
    ClusterOutcome {
        name: cluster.to_string(),
        namespaces: now
            .namespaces
            .iter()
            .filter(|ns| ns.already_terminating && ns.fate == Fate::Stuck)
            .map(|ns| NamespaceOutcome {
                name: ns.name.clone(),
                outcome: ns.fate,
                conditions: ns.conditions.clone(),
                reason: ObjectReason::Deleted(ns.cause.clone()),
                already_terminating: true,
            })
            .collect(),
        objects: now
            .already_deleting
            .iter()
            .filter(|o| o.stuck.iter().any(|cause| cause.finalizer_never_removed()))
            .map(|o| ObjectOutcome {
                api_version: o.api_version.clone(),
                kind: o.key.kind.clone(),
                namespace: o.key.namespace.clone(),
                name: o.key.name.clone(),
                outcome: o.fate,
                reason: o.reason(),
            })
            .collect(),
        ..ClusterOutcome::default()
    }
}

fn service_words(service: &ObjectKey) -> String {
    format!(
        "Service `{}/{}`",
        service.namespace.as_deref().unwrap_or_default(),
        service.name
    )
}

/// How a finding names `deletion` of the backend `service`: who deletes, the first step
/// of the chain, and how to avoid it.
fn deletion_words(deletion: &Deletion, service_key: &ObjectKey) -> (String, String, String) {
    let service = service_words(service_key);
    let backend_namespace =
        ObjectKey::namespace_object(service_key.namespace.as_deref().unwrap_or_default());
    let namespace = backend_namespace.name.clone();
    match deletion {
        Deletion::Application(app) => {
            let mut manages = Vec::new();
            if app.managed.contains(&backend_namespace) {
                manages.push(format!("Namespace `{namespace}`"));
            }
            if app.managed.contains(service_key) {
                manages.push(service.clone());
            }
            let manages = manages.join(" and ");
            match &app.application_set {
                Some(set) => (
                    format!(
                        "Deleting the Application of ApplicationSet `{set}` that manages {manages} on the cluster (as deleting the ApplicationSet, or a template change that renames its Applications, does)"
                    ),
                    format!("Application of ApplicationSet `{set}` deleted"),
                    format!(
                        "# avoid: set `preserveResourcesOnDeletion: true` on ApplicationSet `{set}` and let its Applications lose `{RESOURCES_FINALIZER}`, or annotate {manages} in git with `{SYNC_OPTIONS_DELETE_FALSE}`"
                    ),
                ),
                None => (
                    format!(
                        "Deleting Application `{}` (which manages {manages})",
                        app.object.name()
                    ),
                    format!("Application `{}` deleted", app.object.name()),
                    format!(
                        "# avoid: remove `{RESOURCES_FINALIZER}` from Application `{}`, or annotate {manages} in git with `{SYNC_OPTIONS_DELETE_FALSE}`",
                        app.object.name()
                    ),
                ),
            }
        }
        Deletion::NamespaceByHand(namespace) => (
            format!("Deleting namespace `{namespace}` by hand (no Application manages it or {service})"),
            format!("Namespace `{namespace}` deleted by hand"),
            format!(
                "# avoid: move {service} and its workload out of namespace `{namespace}`, or protect the namespace from deletion"
            ),
        ),
    }
}

/// The policy under which the ApplicationSet controller deletes the Applications `set`
/// stops generating, as it applies it: the set's own `applicationsSync` only when the
/// controller allows overrides (`argocd-cmd-params-cm`, as `plan` reads it); `None` when
/// that policy never deletes or the controller cannot start.
fn deleting_policy(fleet: &Fleet, set: &Object) -> Option<ApplicationsSyncPolicy> {
    let objects = fleet
        .argocd()
        .into_iter()
        .flat_map(|snapshot| snapshot.of_kind("", "ConfigMap").iter());
    let settings = ControllerSettings::read(objects, fleet.argocd_namespace()).ok()?;
    let policy = settings.effective_policy(set).ok()?;
    policy.allows_delete().then_some(policy)
}

fn cluster_finding(severity: Severity, code: FindingCode, message: String) -> ClusterFinding {
    ClusterFinding::new(severity, code, message)
}

/// A finding about the fleet's ApplicationSets on `clusters` (sorted), with no commands
/// or chain yet.
fn fleet_finding(
    severity: Severity,
    code: FindingCode,
    clusters: Vec<String>,
    message: String,
) -> Finding {
    Finding {
        cluster: match clusters.as_slice() {
            [one] => Some(one.clone()),
            _ => None,
        },
        clusters,
        ..crate::findings::plan_finding(severity, code, message)
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn count_of(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Names in backticks, the first [`NAMES_SHOWN`] of them, then how many more.
fn quoted<'s>(names: impl Iterator<Item = &'s str>) -> String {
    let names: Vec<String> = names.map(|n| format!("`{n}`")).collect();
    if names.len() <= NAMES_SHOWN {
        return names.join(", ");
    }
    format!(
        "{} and {} more",
        names[..NAMES_SHOWN].join(", "),
        names.len() - NAMES_SHOWN
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_name_lists_are_cut_with_a_count() {
        let names: Vec<String> = (0..12).map(|i| format!("ns{i:02}")).collect();
        let text = quoted(names.iter().map(String::as_str));
        assert!(text.starts_with("`ns00`, `ns01`"));
        assert!(text.ends_with("`ns09` and 2 more"), "{text}");
        assert_eq!(quoted(["a", "b"].into_iter()), "`a`, `b`");
    }

    #[test]
    fn findings_of_one_code_rank_by_how_many_clusters_they_concern() {
        let finding = |severity, code, clusters: &[&str], message: &str| {
            let clusters: Vec<String> = clusters.iter().map(|c| c.to_string()).collect();
            Finding {
                severity,
                code,
                cluster: (clusters.len() == 1).then(|| clusters[0].clone()),
                clusters,
                consequences: Vec::new(),
                message: message.to_string(),
                remediation: Vec::new(),
                chain: Vec::new(),
                cycle: false,
                root_cause: None,
            }
        };
        let mut findings = vec![
            finding(Severity::Warning, FindingCode::RenameExposure, &["a"], "x"),
            finding(
                Severity::High,
                FindingCode::ApiserviceBackendExposed,
                &["a"],
                "a",
            ),
            finding(
                Severity::High,
                FindingCode::ApiserviceBackendExposed,
                &["a", "b", "c"],
                "z",
            ),
            finding(
                Severity::High,
                FindingCode::ApiserviceBackendExposed,
                &["b", "c"],
                "b",
            ),
            finding(
                Severity::Critical,
                FindingCode::ApiserviceUnavailableNow,
                &["c"],
                "c",
            ),
        ];
        rank(&mut findings, &Reaches::new());
        let order: Vec<(&str, usize)> = findings
            .iter()
            .map(|f| (f.message.as_str(), f.clusters.len()))
            .collect();
        assert_eq!(order, [("c", 1), ("z", 3), ("b", 2), ("a", 1), ("x", 1)]);
    }

    /// Issue 15, "rank by how many clusters and namespaces would stick": the "one
    /// deletion away" findings rank as one, whatever backend they are about — first by
    /// clusters, then by the namespaces the simulated jam leaves Terminating, then by the
    /// objects it leaves stuck — and only then by code and message.
    #[test]
    fn one_deletion_away_findings_rank_by_clusters_then_stuck_namespaces() {
        let finding = |severity, code, clusters: &[&str], message: &str| Finding {
            severity,
            code,
            cluster: (clusters.len() == 1).then(|| clusters[0].to_string()),
            clusters: clusters.iter().map(|c| c.to_string()).collect(),
            consequences: Vec::new(),
            message: message.to_string(),
            remediation: Vec::new(),
            chain: Vec::new(),
            cycle: false,
            root_cause: None,
        };
        let high = Severity::High;
        let mut findings = vec![
            finding(
                high,
                FindingCode::ApiserviceBackendExposed,
                &["a"],
                "api, 1 namespace",
            ),
            finding(
                high,
                FindingCode::WebhookBackendExposed,
                &["a"],
                "webhook, 3 namespaces",
            ),
            finding(
                high,
                FindingCode::ControllerBackendExposed,
                &["a", "b"],
                "controller, 2 clusters",
            ),
            finding(
                high,
                FindingCode::ApiserviceBackendExposed,
                &["b"],
                "api, 1 namespace, 4 objects",
            ),
            finding(
                high,
                FindingCode::ObjectStuckNow,
                &["a", "b", "c"],
                "already stuck",
            ),
            finding(
                high,
                FindingCode::WebhookUnavailableNow,
                &["a", "b", "c"],
                "already broken",
            ),
            finding(
                Severity::Warning,
                FindingCode::ControllerBackendExposed,
                &["a", "b", "c"],
                "warning",
            ),
            finding(
                Severity::Warning,
                FindingCode::RenameExposure,
                &["a", "b", "c", "d"],
                "rename",
            ),
        ];
        let reach = |stuck_namespaces, stuck_objects| Reach {
            stuck_namespaces,
            stuck_objects,
        };
        let reaches: Reaches = [
            (
                (FindingCode::ApiserviceBackendExposed, "api, 1 namespace"),
                reach(1, 0),
            ),
            (
                (FindingCode::WebhookBackendExposed, "webhook, 3 namespaces"),
                reach(3, 0),
            ),
            (
                (
                    FindingCode::ControllerBackendExposed,
                    "controller, 2 clusters",
                ),
                reach(1, 1),
            ),
            (
                (
                    FindingCode::ApiserviceBackendExposed,
                    "api, 1 namespace, 4 objects",
                ),
                reach(1, 4),
            ),
            (
                (FindingCode::ControllerBackendExposed, "warning"),
                reach(0, 1),
            ),
        ]
        .into_iter()
        .map(|((code, message), reach)| ((code, message.to_string()), reach))
        .collect();
        rank(&mut findings, &reaches);
        let order: Vec<&str> = findings.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            order,
            [
                "already stuck",
                "controller, 2 clusters",
                "webhook, 3 namespaces",
                "api, 1 namespace, 4 objects",
                "api, 1 namespace",
                "already broken",
                "warning",
                "rename",
            ]
        );
    }
}
