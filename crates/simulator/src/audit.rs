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
//!   that is available now, each Application that manages its backend Service or the
//!   Service's namespace is deleted in a [`what_if`] (or, when none does, the namespace is
//!   deleted by hand); when the APIService ends unavailable, the deletion is reported with
//!   the namespaces that then stay Terminating.
//! - **Rename exposure**: ApplicationSets whose policy deletes Applications and whose live
//!   Applications carry the resources finalizer and manage namespaces or APIService
//!   backends: a template rename deletes them with those objects.
//!
//! Per-cluster findings are worded without the cluster's name and merged across clusters
//! by [`fleet_findings`].

use std::collections::{BTreeMap, BTreeSet};

mod controllers;
mod safety;

use preflight_cluster_snapshot::{ClusterSnapshot, Fleet};
use preflight_model::argocd::{ARGOCD_GROUP, RESOURCES_FINALIZER};
use preflight_model::{ApplicationsSyncPolicy, CascadeMode, Object, ObjectKey};

use crate::cascade::{CascadeResult, KubeVersion, Propagation, Simulation};
use crate::causes::Unreachable;
use crate::controller::ControllerSettings;
use crate::findings::{finalizer_patch, fleet_findings, ClusterFinding, Step};
use crate::outcome::*;
use crate::parallel::run_parallel;
use crate::plan::{managed_keys, resolve_destination, what_if, PlanConfig};

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

/// An aggregated APIService with a backend Service.
struct RemoteApiService {
    name: String,
    service: ObjectKey,
}

impl RemoteApiService {
    fn backend_namespace(&self) -> ObjectKey {
        ObjectKey::namespace_object(self.service.namespace.as_deref().unwrap_or_default())
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
    let clusters: Vec<(&String, &ClusterSnapshot)> = fleet.clusters.iter().collect();
    let audited = run_parallel(clusters.len(), config.workers, |index| {
        let (cluster, snapshot) = clusters[index];
        audit_cluster(fleet, config, &apps, cluster, snapshot)
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
    outcome
        .findings
        .extend(rename_exposure(fleet, &argocd_namespace, &apps, &jams));
    outcome
        .findings
        .extend(mass_deletion_exposure(fleet, &argocd_namespace, &apps));
    outcome
        .findings
        .extend(safety::safety_features(fleet, &argocd_namespace, &apps));
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

impl ClusterAudit {
    /// A "one deletion away" finding and how far its jam reaches.
    fn exposure(&mut self, finding: ClusterFinding, reach: Reach) {
        self.reaches
            .insert((finding.code, finding.message.clone()), reach);
        self.findings.push(finding);
    }
}

/// Already broken, and one deletion from a jam, on one cluster.
fn audit_cluster(
    fleet: &Fleet,
    config: &PlanConfig,
    apps: &[LiveApp],
    cluster: &str,
    snapshot: &ClusterSnapshot,
) -> ClusterAudit {
    let mut audited = ClusterAudit::default();
    let webhooks = webhook_backends(snapshot);
    let (now, unreachable, finalizer_controllers) =
        settle_now(fleet, cluster, snapshot, config, &webhooks);
    audited.findings.extend(broken_now(snapshot, &now));
    audited.findings.extend(objects_stuck_now(&now));
    audited.standing = standing(cluster, &now);
    audited
        .findings
        .extend(webhooks_without_backend(snapshot, &webhooks, &unreachable));
    let unavailable_now: BTreeSet<&str> = now
        .api_services
        .iter()
        .filter(|a| !a.was_available)
        .map(|a| a.outcome.name.as_str())
        .collect();
    // Per Application: what deleting it does (simulated once).
    let mut simulated: BTreeMap<ObjectKey, Outcome> = BTreeMap::new();
    for api in remote_api_services(snapshot) {
        if unavailable_now.contains(api.name.as_str()) {
            continue;
        }
        let away = one_deletion_away(
            fleet,
            config,
            apps,
            cluster,
            (&api.service, &api.backend_namespace()),
            &mut simulated,
            |outcome| jam(outcome, cluster, &api.name),
        );
        for (deletion, found) in away {
            if let Deletion::Application(app) = &deletion {
                if let Some(set) = &app.application_set {
                    audited
                        .jams
                        .push(((app.namespace.clone(), set.clone()), api.name.clone()));
                }
            }
            audited.exposure(exposed(&api, &deletion, &found), found.reach());
        }
    }
    for (webhook, unreachable) in webhooks.iter().zip(&unreachable) {
        // Already without a backend: told as broken now, not as one deletion away.
        if !snapshot.contains(&webhook.service) || unreachable.is_some() {
            continue;
        }
        let away = one_deletion_away(
            fleet,
            config,
            apps,
            cluster,
            (&webhook.service, &webhook.backend_namespace()),
            &mut simulated,
            |outcome| webhook_jam(outcome, cluster, webhook),
        );
        for (deletion, found) in away {
            audited.exposure(webhook_exposed(webhook, &deletion, &found), found.reach());
        }
    }
    for (finding, reach) in controllers::controllers_exposed(
        fleet,
        config,
        apps,
        cluster,
        &finalizer_controllers,
        &mut simulated,
    ) {
        audited.exposure(finding, reach);
    }
    audited
}

/// The deletions one step from taking a backend away on `cluster`, as `judge` sees each
/// simulated with the what-if cascade: every live Application there that manages the
/// backend object or its namespace (each Application simulated once per audit, kept in
/// `simulated`), else the namespace deleted by hand.
fn one_deletion_away<'a, J>(
    fleet: &Fleet,
    config: &PlanConfig,
    apps: &'a [LiveApp<'a>],
    cluster: &str,
    (backend, namespace): (&ObjectKey, &ObjectKey),
    simulated: &mut BTreeMap<ObjectKey, Outcome>,
    judge: impl Fn(&Outcome) -> Option<J>,
) -> Vec<(Deletion<'a>, J)> {
    let managers: Vec<&LiveApp> = apps
        .iter()
        .filter(|app| app.cluster.as_deref() == Some(cluster))
        .filter(|app| app.managed.contains(backend) || app.managed.contains(namespace))
        .collect();
    if managers.is_empty() {
        let outcome = what_if(
            fleet,
            cluster,
            &[(namespace.clone(), Propagation::Background)],
            config,
        );
        return judge(&outcome)
            .map(|found| (Deletion::NamespaceByHand(namespace.name.clone()), found))
            .into_iter()
            .collect();
    }
    managers
        .into_iter()
        .filter_map(|app| {
            let outcome = simulated.entry(app.key()).or_insert_with(|| {
                what_if(
                    fleet,
                    &fleet.argocd_cluster,
                    &[(app.key(), Propagation::Background)],
                    config,
                )
            });
            judge(outcome).map(|found| (Deletion::Application(app), found))
        })
        .collect()
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

/// The aggregated APIServices of a cluster that have a backend Service, sorted by name.
fn remote_api_services(snapshot: &ClusterSnapshot) -> Vec<RemoteApiService> {
    snapshot
        .of_kind(APISERVICE_GROUP, "APIService")
        .iter()
        .filter_map(|object| {
            let namespace = object.str_at(&["spec", "service", "namespace"])?;
            let name = object.str_at(&["spec", "service", "name"])?;
            Some(RemoteApiService {
                name: object.name().to_string(),
                service: ObjectKey::new("", "Service", Some(namespace), name),
            })
        })
        .collect()
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

/// Webhooks whose backend Service is not there now: the API server already refuses
/// what they intercept.
fn webhooks_without_backend(
    snapshot: &ClusterSnapshot,
    webhooks: &[WebhookBackend],
    unreachable: &[Option<Unreachable>],
) -> Vec<ClusterFinding> {
    webhooks
        .iter()
        .zip(unreachable)
        .filter_map(|(webhook, unreachable)| {
            let why = if !snapshot.contains(&webhook.service) {
                format!("{} is not in the snapshot", service_words(&webhook.service))
            } else if *unreachable == Some(Unreachable::NoEndpoints) {
                format!("{} has no ready endpoints", service_words(&webhook.service))
            } else {
                return None;
            };
            Some((webhook, why))
        })
        .map(|(webhook, why)| ClusterFinding {
            remediation: vec![
                Step::Literal(format!("# {}", webhook.break_glass_comment)),
                Step::OnCluster(webhook.break_glass.clone()),
            ],
            ..cluster_finding(
                Severity::High,
                FindingCode::WebhookUnavailableNow,
                format!(
                    "{} has no backend now ({why}): the API server refuses {}",
                    capitalized(&webhook.described),
                    webhook.refuses
                ),
            )
        })
        .collect()
}

/// Whether deleting took `webhook`'s backend Service away while the webhook stays, and
/// which namespaces then stay Terminating.
fn webhook_jam(outcome: &Outcome, cluster: &str, webhook: &WebhookBackend) -> Option<Jam> {
    let settled = outcome.clusters.iter().find(|c| c.name == cluster)?;
    let deleted = |key: &ObjectKey| {
        settled.objects.iter().any(|o| {
            o.kind == key.kind
                && o.namespace == key.namespace
                && o.name == key.name
                && o.outcome == Fate::Deleted
        })
    };
    if !deleted(&webhook.service) || deleted(&webhook.owner) {
        return None;
    }
    Some(Jam::of(settled))
}

/// Already broken: unavailable APIServices (with the Terminating namespaces they hold)
/// and the other namespaces that stay Terminating.
fn broken_now(snapshot: &ClusterSnapshot, now: &CascadeResult) -> Vec<ClusterFinding> {
    let mut findings = Vec::new();
    let stuck: Vec<_> = now
        .namespaces
        .iter()
        .filter(|ns| ns.already_terminating && ns.fate == Fate::Stuck)
        .collect();
    let held_by_discovery: Vec<&str> = stuck
        .iter()
        .filter(|ns| !ns.blocked_by_discovery.is_empty())
        .map(|ns| ns.name.as_str())
        .collect();
    let unavailable: Vec<_> = now
        .api_services
        .iter()
        .filter(|a| !a.was_available)
        .collect();
    let consequence = |held: &[&str]| -> (String, Vec<FindingCode>) {
        if held.is_empty() {
            (String::new(), Vec::new())
        } else {
            (
                format!(
                    "; {} already Terminating because of it ({})",
                    count_of(held.len(), "namespace is", "namespaces are"),
                    quoted(held.iter().copied())
                ),
                vec![FindingCode::NamespaceTerminatingNow],
            )
        }
    };
    for api in &unavailable {
        let outcome = &api.outcome;
        let (held, consequences) = consequence(&held_by_discovery);
        findings.push(ClusterFinding {
            consequences,
            remediation: vec![
                Step::OnCluster(format!("get apiservice {} -o yaml", outcome.name)),
                Step::Literal(format!(
                    "# restore Service `{}` and its endpoints, or, if the backend is not coming back:",
                    outcome.service
                )),
                Step::OnCluster(format!("delete apiservice {}", outcome.name)),
            ],
            chain: vec![
                "no namespace can finish deleting (R-DISC-4)".to_string(),
                format!("discovery of `{}` fails", outcome.group_version),
                format!("APIService `{}` is unavailable now", outcome.name),
            ],
            ..cluster_finding(
                Severity::Critical,
                FindingCode::ApiserviceUnavailableNow,
                format!(
                    "APIService `{}` ({}) is unavailable now ({}: {}): API discovery fails, so no namespace on the cluster can finish deleting (R-DISC-4){held}",
                    outcome.name, outcome.group_version, outcome.reason, outcome.message
                ),
            )
        });
    }
    // Group/versions recorded failing at capture that no APIService object explains.
    let named: BTreeSet<&str> = unavailable
        .iter()
        .map(|a| a.outcome.group_version.as_str())
        .collect();
    for failure in &now.discovery_failures {
        if named.contains(failure.group_version.as_str()) {
            continue;
        }
        let (held, consequences) = consequence(&held_by_discovery);
        let why = failure
            .recorded
            .as_deref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default();
        findings.push(ClusterFinding {
            consequences,
            remediation: vec![Step::OnCluster(format!(
                "get --raw /apis/{}",
                failure.group_version
            ))],
            ..cluster_finding(
                Severity::Critical,
                FindingCode::ApiserviceUnavailableNow,
                format!(
                    "API discovery of {} fails now{why}: no namespace on the cluster can finish deleting (R-DISC-4){held}",
                    failure.group_version
                ),
            )
        });
    }
    let discovery_told = !unavailable.is_empty() || !now.discovery_failures.is_empty();
    for ns in stuck {
        if discovery_told && !ns.blocked_by_discovery.is_empty() {
            continue;
        }
        let why: Vec<String> = ns
            .conditions
            .iter()
            .filter(|c| c.status == "True")
            .map(|c| format!("{} ({}): {}", c.type_, c.reason, c.message))
            .collect();
        let finalizers = snapshot
            .get(&ObjectKey::namespace_object(&ns.name))
            .map(Object::finalizers)
            .unwrap_or_default();
        let why_from_finalizers = why.is_empty() && !finalizers.is_empty();
        let why = if !why.is_empty() {
            format!(": {}", why.join("; "))
        } else if !finalizers.is_empty() {
            format!(
                ": its content is gone, but no controller the snapshot shows (or `--controllers` declares) removes its finalizers {}",
                quoted(finalizers.iter().map(String::as_str))
            )
        } else {
            String::new()
        };
        let mut remediation = vec![Step::OnCluster(format!(
            "get namespace {} -o jsonpath='{{.status.conditions}}'",
            ns.name
        ))];
        if why_from_finalizers {
            remediation.push(Step::Literal(
                "# if the controller that owns these finalizers is gone for good:".to_string(),
            ));
            remediation.push(Step::OnCluster(format!(
                "patch namespace {} --type=merge -p '{{\"metadata\":{{\"finalizers\":null}}}}'",
                ns.name
            )));
        }
        findings.push(ClusterFinding {
            remediation,
            ..cluster_finding(
                Severity::High,
                FindingCode::NamespaceTerminatingNow,
                format!(
                    "Namespace `{}` is already Terminating and stays so{why}",
                    ns.name
                ),
            )
        });
    }
    findings
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
                reason: ns.cause.to_string(),
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

/// Already broken beyond namespaces: objects the snapshot shows in deletion whose
/// finalizers no running controller removes (its controller is not running, none is
/// known, or a webhook refuses the update that would remove them), settled with no
/// deletion at all. One finding per reason, naming the objects it keeps; objects that
/// wait for something that goes by itself (dependents, pods using a claim) are left out.
fn objects_stuck_now(now: &CascadeResult) -> Vec<ClusterFinding> {
    let mut by_reason: BTreeMap<&[crate::causes::StuckCause], Vec<&crate::cascade::ObjectResult>> =
        BTreeMap::new();
    for object in &now.already_deleting {
        if object
            .stuck
            .iter()
            .any(|cause| cause.finalizer_never_removed())
        {
            by_reason.entry(&object.stuck).or_default().push(object);
        }
    }
    by_reason
        .into_values()
        .map(|objects| {
            let names: Vec<String> = objects
                .iter()
                .map(|o| crate::causes::describe(&o.key))
                .collect();
            let shown = names
                .iter()
                .take(NAMES_SHOWN)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ");
            let more = names.len().saturating_sub(NAMES_SHOWN);
            let listed = if more > 0 {
                format!("{shown} and {more} more")
            } else {
                shown
            };
            let mut remediation = vec![Step::Literal(
                "# if the controller that owns these finalizers is gone for good:".to_string(),
            )];
            remediation.extend(
                objects
                    .iter()
                    .take(NAMES_SHOWN)
                    .map(|object| finalizer_patch(&object.key)),
            );
            ClusterFinding {
                remediation,
                ..cluster_finding(
                    Severity::High,
                    FindingCode::ObjectStuckNow,
                    format!(
                        "{listed} {} already in deletion and {} so: {} (R-FIN-1)",
                        if names.len() == 1 { "is" } else { "are" },
                        if names.len() == 1 { "stays" } else { "stay" },
                        objects[0].reason()
                    ),
                )
            }
        })
        .collect()
}

/// Whether `api` on `cluster` ends unavailable in `outcome` while it still exists, and
/// which namespaces then stay Terminating.
fn jam(outcome: &Outcome, cluster: &str, api: &str) -> Option<Jam> {
    let settled = outcome.clusters.iter().find(|c| c.name == cluster)?;
    settled
        .api_services
        .iter()
        .find(|a| a.name == api && !a.available)?;
    let deleted = settled
        .objects
        .iter()
        .any(|o| o.kind == "APIService" && o.name == api && o.outcome == Fate::Deleted);
    if deleted {
        return None;
    }
    Some(Jam::of(settled))
}

/// The finding of one deletion that jams `api`.
fn exposed(api: &RemoteApiService, deletion: &Deletion, jam: &Jam) -> ClusterFinding {
    let service = service_words(&api.service);
    let (who, first_step, avoid) = deletion_words(deletion, &api.service);
    let stuck = &jam.stuck_namespaces;
    let stuck_text = if stuck.is_empty() {
        "every namespace deleted afterwards stays Terminating".to_string()
    } else {
        format!(
            "{} then {} Terminating ({}), with every namespace deleted afterwards",
            count_of(stuck.len(), "namespace", "namespaces"),
            if stuck.len() == 1 { "stays" } else { "stay" },
            quoted(stuck.iter().map(String::as_str))
        )
    };
    ClusterFinding {
        remediation: vec![
            Step::Literal(avoid),
            Step::Literal(
                "# if it happens: delete the APIService, so that discovery and namespace deletion work again:"
                    .to_string(),
            ),
            Step::OnCluster(format!("delete apiservice {}", api.name)),
        ],
        chain: vec![
            format!("discovery fails: {stuck_text} (R-DISC-4)"),
            format!("APIService `{}` is unavailable without its backend", api.name),
            format!("{service} is deleted"),
            first_step,
        ],
        ..cluster_finding(
            Severity::High,
            FindingCode::ApiserviceBackendExposed,
            format!(
                "{who} takes away {service}, the backend of APIService `{}`: the APIService becomes unavailable, API discovery fails and {stuck_text}, until the APIService is deleted or its backend restored (R-DISC-4)",
                api.name
            ),
        )
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

/// The finding of one deletion that takes a webhook's backend away while the webhook
/// stays.
fn webhook_exposed(webhook: &WebhookBackend, deletion: &Deletion, jam: &Jam) -> ClusterFinding {
    let service = service_words(&webhook.service);
    let (who, first_step, avoid) = deletion_words(deletion, &webhook.service);
    let stuck = &jam.stuck_namespaces;
    let stuck_text = if stuck.is_empty() {
        String::new()
    } else {
        format!(
            "; {} of the same deletion {} Terminating ({})",
            count_of(stuck.len(), "namespace", "namespaces"),
            if stuck.len() == 1 { "stays" } else { "stay" },
            quoted(stuck.iter().map(String::as_str))
        )
    };
    ClusterFinding {
        remediation: vec![
            Step::Literal(avoid),
            Step::Literal(format!("# if it happens: {}", webhook.break_glass_comment)),
            Step::OnCluster(webhook.break_glass.clone()),
        ],
        chain: vec![
            format!("the API server refuses {}", webhook.refuses),
            format!("{} fails without its backend", webhook.described),
            format!("{service} is deleted"),
            first_step,
        ],
        ..cluster_finding(
            Severity::High,
            FindingCode::WebhookBackendExposed,
            format!(
                "{who} takes away {service}, the backend of {}, which stays: the API server then refuses {}{stuck_text}, until its backend is restored",
                webhook.described, webhook.refuses
            ),
        )
    }
}

/// ApplicationSets whose Applications cascade through namespaces, or through APIService
/// backends (`jams`: where deleting one of its Applications was simulated to jam the
/// APIService), when the ApplicationSet controller deletes them (a rename does).
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

fn rename_exposure(
    fleet: &Fleet,
    argocd_namespace: &str,
    apps: &[LiveApp],
    jams: &BTreeMap<(String, String), BTreeSet<String>>,
) -> Vec<Finding> {
    let Some(argocd) = fleet.argocd() else {
        return Vec::new();
    };
    let mut findings = Vec::new();
    for set in argocd.of_kind(ARGOCD_GROUP, "ApplicationSet") {
        let set_namespace = set.namespace().unwrap_or(argocd_namespace);
        let Some(policy) = deleting_policy(fleet, set) else {
            continue;
        };
        let preserve = set
            .value_at(&["spec", "syncPolicy", "preserveResourcesOnDeletion"])
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        let mut clusters = BTreeSet::new();
        let mut namespaces = BTreeSet::new();
        let api_services = jams
            .get(&(set_namespace.to_string(), set.name().to_string()))
            .cloned()
            .unwrap_or_default();
        let mut cascading = 0;
        for app in apps.iter().filter(|app| {
            app.namespace == set_namespace
                && app.application_set.as_deref() == Some(set.name())
                && app.cascades
        }) {
            let Some(cluster) = app.cluster.as_deref() else {
                continue;
            };
            let managed_namespaces: Vec<&str> = app
                .managed
                .iter()
                .filter(|k| k.group.is_empty() && k.kind == "Namespace")
                .map(|k| k.name.as_str())
                .collect();
            namespaces.extend(managed_namespaces.iter().map(|n| n.to_string()));
            if !managed_namespaces.is_empty() || !api_services.is_empty() {
                clusters.insert(cluster.to_string());
                cascading += 1;
            }
        }
        if cascading == 0 {
            continue;
        }
        let mut what = Vec::new();
        if !namespaces.is_empty() {
            what.push(format!(
                "{} {}",
                if namespaces.len() == 1 {
                    "namespace"
                } else {
                    "namespaces"
                },
                quoted(namespaces.iter().map(String::as_str))
            ));
        }
        if !api_services.is_empty() {
            what.push(format!(
                "the backend of {} {}",
                if api_services.len() == 1 {
                    "APIService"
                } else {
                    "APIServices"
                },
                quoted(api_services.iter().map(String::as_str))
            ));
        }
        let preserve_note = if preserve {
            " (`preserveResourcesOnDeletion: true` is set, but the live Applications still carry the finalizer, which decides)"
        } else {
            ""
        };
        let clusters: Vec<String> = clusters.into_iter().collect();
        findings.push(Finding {
            severity: Severity::Warning,
            code: FindingCode::RenameExposure,
            cluster: match clusters.as_slice() {
                [one] => Some(one.clone()),
                _ => None,
            },
            clusters,
            consequences: Vec::new(),
            message: format!(
                "ApplicationSet `{}` deletes the Applications it no longer generates (policy `{}`), and {} carry `{RESOURCES_FINALIZER}`{preserve_note} and manage {}: a template change that renames them deletes the old Applications and these objects with them, before the new ones can recreate them",
                set.name(),
                policy.as_str(),
                count_of(cascading, "of its Applications", "of its Applications"),
                what.join(" and ")
            ),
            remediation: vec![
                format!("# safe alternatives for ApplicationSet `{}`, each applied before any rename:", set.name()),
                "# - `spec.syncPolicy.preserveResourcesOnDeletion: true`, synced until the live Applications no longer carry the resources finalizer".to_string(),
                "# - `spec.syncPolicy.applicationsSync: create-update`: the controller never deletes Applications".to_string(),
                format!("# - `{SYNC_OPTIONS_DELETE_FALSE}` on the namespaces and backend objects in git"),
                "# - manage the namespaces outside these Applications (`syncOptions: [CreateNamespace=true]`, whose namespaces Argo CD never deletes)".to_string(),
            ],
            chain: Vec::new(),
            cycle: false,
            root_cause: None,
        });
    }
    findings
}

/// Why a generator's output can shrink without a change in git, if it can: it asks an
/// outside system, or selects clusters by the labels of their secrets.
fn shrinks_without_git(generator: &serde_json::Value) -> Vec<&'static str> {
    let Some(fields) = generator.as_object() else {
        return Vec::new();
    };
    let mut why = Vec::new();
    for (kind, spec) in fields {
        match kind.as_str() {
            "scmProvider" => why.push("an SCM provider generator (repositories come and go)"),
            "pullRequest" => why.push("a pull request generator (pull requests close)"),
            "clusterDecisionResource" => {
                why.push("a cluster decision resource generator (its resource decides)")
            }
            "plugin" => why.push("a plugin generator (the plugin answers)"),
            "clusters" => {
                let selector = spec.get("selector");
                let selects = |field: &str| {
                    selector.and_then(|s| s.get(field)).is_some_and(|v| {
                        v.as_object().is_some_and(|m| !m.is_empty())
                            || v.as_array().is_some_and(|a| !a.is_empty())
                    })
                };
                if selects("matchLabels") || selects("matchExpressions") {
                    why.push(
                        "a cluster generator on labels (a relabelled or removed cluster secret)",
                    );
                }
            }
            "matrix" | "merge" => {
                for child in spec
                    .get("generators")
                    .and_then(|g| g.as_array())
                    .into_iter()
                    .flatten()
                {
                    why.extend(shrinks_without_git(child));
                }
            }
            _ => {}
        }
    }
    why
}

/// ApplicationSets whose generators can come back smaller without a change in git,
/// under a policy that deletes, with the cascading Applications they would take along.
fn mass_deletion_exposure(fleet: &Fleet, argocd_namespace: &str, apps: &[LiveApp]) -> Vec<Finding> {
    let Some(argocd) = fleet.argocd() else {
        return Vec::new();
    };
    /// One exposed ApplicationSet: its name, its cascading Applications, and the objects
    /// they track.
    struct Exposed<'s> {
        name: &'s str,
        applications: usize,
        objects: usize,
    }
    // ApplicationSets exposed for the same reasons under the same policy share one
    // finding: at fleet size one per ApplicationSet buries the rest of the report.
    /// The generator reasons and the policy that expose an ApplicationSet.
    type Cause<'s> = (Vec<&'static str>, &'s str);
    let mut by_cause: BTreeMap<Cause, (Vec<Exposed>, BTreeSet<String>)> = BTreeMap::new();
    for set in argocd.of_kind(ARGOCD_GROUP, "ApplicationSet") {
        let set_namespace = set.namespace().unwrap_or(argocd_namespace);
        let Some(policy) = deleting_policy(fleet, set) else {
            continue;
        };
        let mut why: Vec<&str> = set
            .value_at(&["spec", "generators"])
            .and_then(|g| g.as_array())
            .into_iter()
            .flatten()
            .flat_map(shrinks_without_git)
            .collect();
        why.sort_unstable();
        why.dedup();
        if why.is_empty() {
            continue;
        }
        let cascading: Vec<&LiveApp> = apps
            .iter()
            .filter(|app| {
                app.namespace == set_namespace
                    && app.application_set.as_deref() == Some(set.name())
                    && app.cascades
            })
            .collect();
        if cascading.is_empty() {
            continue;
        }
        let (sets, clusters) = by_cause.entry((why, policy.as_str())).or_default();
        clusters.extend(cascading.iter().filter_map(|app| app.cluster.clone()));
        sets.push(Exposed {
            name: set.name(),
            applications: cascading.len(),
            objects: cascading.iter().map(|app| app.managed.len()).sum(),
        });
    }
    by_cause
        .into_iter()
        .map(|((why, policy), (mut sets, clusters))| {
            sets.sort_by(|a, b| a.name.cmp(b.name));
            let clusters: Vec<String> = clusters.into_iter().collect();
            let applications: usize = sets.iter().map(|s| s.applications).sum();
            let objects: usize = sets.iter().map(|s| s.objects).sum();
            let names: Vec<&str> = sets.iter().map(|s| s.name).collect();
            let (subject, per_set) = match sets.as_slice() {
                [one] => (format!("ApplicationSet `{}` generates", one.name), String::new()),
                _ => {
                    let counts: Vec<String> = sets
                        .iter()
                        .take(NAMES_SHOWN)
                        .map(|s| format!("`{}` {}", s.name, s.applications))
                        .collect();
                    let more = sets.len().saturating_sub(NAMES_SHOWN);
                    let more = if more > 0 { format!(" and {more} more") } else { String::new() };
                    (
                        format!("{} ApplicationSets generate", sets.len()),
                        format!("; Applications per ApplicationSet: {}{more}", counts.join(", ")),
                    )
                }
            };
            Finding {
                severity: Severity::Warning,
                code: FindingCode::MassDeletionExposure,
                cluster: match clusters.as_slice() {
                    [one] => Some(one.clone()),
                    _ => None,
                },
                clusters,
                consequences: Vec::new(),
                message: format!(
                    "{subject} from {}, whose output can shrink without a change in git, and the policy `{policy}` deletes the Applications they stop generating: {} carry `{RESOURCES_FINALIZER}` and would take their resources with them ({} tracked now{per_set})",
                    why.join(" and "),
                    count_of(applications, "Application", "Applications"),
                    count_of(objects, "object", "objects"),
                ),
                remediation: vec![
                    format!(
                        "# safe alternatives for {} {}:",
                        if names.len() == 1 { "ApplicationSet" } else { "ApplicationSets" },
                        quoted(names.iter().copied())
                    ),
                    "# - `spec.syncPolicy.applicationsSync: create-update`: Applications the generators stop producing are kept".to_string(),
                    "# - `spec.syncPolicy.preserveResourcesOnDeletion: true`, synced until the live Applications no longer carry the resources finalizer".to_string(),
                    "# - `argocd.argoproj.io/sync-options: Delete=confirm` on the objects that must never go unattended".to_string(),
                ],
                chain: Vec::new(),
                cycle: false,
                root_cause: None,
            }
        })
        .collect()
}

fn cluster_finding(severity: Severity, code: FindingCode, message: String) -> ClusterFinding {
    ClusterFinding {
        severity,
        code,
        consequences: Vec::new(),
        message,
        remediation: Vec::new(),
        chain: Vec::new(),
        cycle: false,
        root_cause: None,
        sync: Vec::new(),
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
    fn generators_that_shrink_without_git() {
        let why = |generator: serde_json::Value| shrinks_without_git(&generator).len();
        assert_eq!(why(serde_json::json!({"clusters": {}})), 0, "every cluster");
        assert_eq!(
            why(serde_json::json!({"clusters": {"selector": {"matchLabels": {}}}})),
            0,
            "an empty selector selects every cluster"
        );
        assert_eq!(
            why(serde_json::json!({"clusters": {"selector": {"matchLabels": {"stage": "lab"}}}})),
            1
        );
        assert_eq!(
            why(serde_json::json!({"git": {"repoURL": "x", "directories": []}})),
            0
        );
        assert_eq!(why(serde_json::json!({"list": {"elements": []}})), 0);
        let nested = serde_json::json!({"matrix": {"generators": [
            {"git": {"repoURL": "x"}},
            {"merge": {"generators": [{"scmProvider": {}}, {"pullRequest": {}}]}},
        ]}});
        assert_eq!(
            shrinks_without_git(&nested),
            [
                "an SCM provider generator (repositories come and go)",
                "a pull request generator (pull requests close)"
            ]
        );
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
