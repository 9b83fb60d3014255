//! Findings: what a reviewer must know about a plan, with the causal chain and the
//! commands that break or avoid each problem.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use preflight_cluster_snapshot::Fleet;
use preflight_model::argocd::{ARGOCD_GROUP, RESOURCES_FINALIZER};
use preflight_model::ObjectKey;

use crate::cascade::{describe, CascadeResult, ObjectResult, Reclaim, ReleasedVolume};
use crate::causes::{
    stuck_sentence, CreateRefusal, DeleteCause, Refusal, StuckCause, SyncFailure, SyncRetry,
};
use crate::deadlock::{Cut, WaitNode};
use crate::outcome::*;

/// `1 namespace`, `3 namespaces`.
fn count_of(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// "1 namespace stays Terminating: `a`", telling apart the namespaces that were already
/// Terminating before the change (issue 13): the change does not cause those.
fn stays_terminating(namespaces: &[&crate::cascade::NamespaceResult]) -> String {
    let (already, started): (Vec<_>, Vec<_>) =
        namespaces.iter().partition(|n| n.already_terminating);
    let phrase = |list: &[&&crate::cascade::NamespaceResult], already: bool| {
        format!(
            "{}{} {}: {}",
            count_of(list.len(), "namespace"),
            if already {
                " already Terminating before the change"
            } else {
                ""
            },
            match (list.len() == 1, already) {
                (true, false) => "stays Terminating",
                (false, false) => "stay Terminating",
                (true, true) => "stays so",
                (false, true) => "stay so",
            },
            list_names(list.iter().map(|n| n.name.as_str()))
        )
    };
    match (started.is_empty(), already.is_empty()) {
        (_, true) => phrase(&started, false),
        (true, false) => phrase(&already, true),
        (false, false) => format!("{}; {}", phrase(&started, false), phrase(&already, true)),
    }
}

/// What Argo CD does after a replacement's sync failed, for the retry policies of the
/// blocked replacements (R-ARGO-5, `controller/appcontroller.go`).
fn retry_phrase(retries: &BTreeSet<SyncRetry>) -> String {
    if retries.is_empty() {
        return "they sync only by hand".to_string();
    }
    let mut phrase = retries
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    if retries.iter().any(|r| r.gives_up()) {
        phrase.push_str(", then Argo CD does not sync the same revision again by itself, and self-heal does not either (it follows only a successful sync): they stay failed until synced by hand or a new commit");
    } else {
        phrase.push_str(": they recover by themselves once the namespace is gone");
    }
    phrase
}

/// How many names a message lists before it says "and N more".
const NAMES_IN_MESSAGE: usize = 5;

fn list_names<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let names: Vec<&str> = names.into_iter().collect();
    let shown: Vec<String> = names
        .iter()
        .take(NAMES_IN_MESSAGE)
        .map(|n| format!("`{n}`"))
        .collect();
    if names.len() > NAMES_IN_MESSAGE {
        format!(
            "{} and {} more",
            shown.join(", "),
            names.len() - NAMES_IN_MESSAGE
        )
    } else {
        shown.join(", ")
    }
}

/// A destination cluster that has no folder in the snapshot: its cascade is unknown.
pub fn missing_cluster<'a>(cluster: &str, applications: impl Iterator<Item = &'a str>) -> Finding {
    let applications: Vec<&str> = applications.collect();
    Finding {
        clusters: Vec::new(),
        consequences: Vec::new(),
        cycle: false,
        root_cause: None,
        severity: Severity::Warning,
        code: FindingCode::ClusterNotInSnapshot,
        cluster: Some(cluster.to_string()),
        message: format!(
            "the snapshot has no folder for cluster `{cluster}`, so what the cascade of {} deletes there cannot be predicted",
            list_names(applications)
        ),
        remediation: vec![format!(
            "add the cluster's objects under `<snapshot>/{cluster}/` (e.g. `kubectl --context {cluster} get all,namespaces,apiservices -A -o yaml`)"
        )],
        chain: Vec::new(),
    }
}

/// Findings about Applications and ApplicationSets, from the planned changes.
pub fn application_findings(fleet: &Fleet, argocd_namespace: &str, outcome: &mut Outcome) {
    let argocd_context = &fleet.argocd_cluster;
    let mut by_set: BTreeMap<&str, Vec<&ApplicationChange>> = BTreeMap::new();
    for app in &outcome.applications {
        if let Some(set) = &app.application_set {
            by_set.entry(set.as_str()).or_default().push(app);
        }
    }
    let mut findings = Vec::new();
    for (set, apps) in &by_set {
        let replaced: Vec<&&ApplicationChange> = apps
            .iter()
            .filter(|a| a.action == Action::Delete && a.replaced_by.is_some())
            .collect();
        let cascading = replaced.iter().filter(|a| a.cascade).count();
        if !replaced.is_empty() {
            let pairs: Vec<String> = replaced
                .iter()
                .map(|a| format!("{} → {}", a.name, a.replaced_by.as_deref().unwrap_or("")))
                .collect();
            let message = if cascading > 0 {
                format!(
                    "ApplicationSet `{set}` replaces {}: the new names delete the old Applications and create new ones; {cascading} of the old ones {} `{RESOURCES_FINALIZER}`, so their resources are deleted before the new Applications can recreate them ({})",
                    count_of(replaced.len(), "Application"),
                    if cascading == 1 { "carries" } else { "carry" },
                    list_names(pairs.iter().map(String::as_str))
                )
            } else {
                format!(
                    "ApplicationSet `{set}` replaces {}; none cascades, so their resources stay and the new Applications adopt them ({})",
                    count_of(replaced.len(), "Application"),
                    list_names(pairs.iter().map(String::as_str))
                )
            };
            let remediation = if cascading > 0 {
                vec![
                    format!(
                        "kubectl --context {argocd_context} -n {argocd_namespace} patch applicationset {set} --type merge -p '{{\"spec\":{{\"syncPolicy\":{{\"preserveResourcesOnDeletion\":true}}}}}}'"
                    ),
                    "# merge that first, wait until the controller has removed the finalizer from the live Applications, then merge this change".to_string(),
                ]
            } else {
                Vec::new()
            };
            findings.push(Finding {
                clusters: Vec::new(),
                consequences: Vec::new(),
                cycle: false,
                root_cause: None,
                severity: if cascading > 0 {
                    Severity::High
                } else {
                    Severity::Info
                },
                code: FindingCode::ApplicationReplaced,
                cluster: None,
                message,
                remediation,
                chain: Vec::new(),
            });
        }
        let deleted_alone: Vec<&str> = apps
            .iter()
            .filter(|a| a.action == Action::Delete && a.replaced_by.is_none() && a.cascade)
            .map(|a| a.name.as_str())
            .collect();
        if !deleted_alone.is_empty() {
            findings.push(Finding {
                clusters: Vec::new(),
                consequences: Vec::new(),
                cycle: false,
                root_cause: None,
                severity: Severity::High,
                code: FindingCode::ApplicationDeleted,
                cluster: None,
                message: format!(
                    "ApplicationSet `{set}` deletes {} with their resources and creates nothing in their place: {}",
                    count_of(deleted_alone.len(), "Application"),
                    list_names(deleted_alone.iter().copied())
                ),
                remediation: Vec::new(),
                chain: Vec::new(),
            });
        }
        let too_late: Vec<&str> = apps
            .iter()
            .filter(|a| {
                a.notes
                    .iter()
                    .any(|n| matches!(n, Note::PreserveAddedTooLate))
            })
            .map(|a| a.name.as_str())
            .collect();
        if !too_late.is_empty() {
            findings.push(Finding {
                clusters: Vec::new(),
                consequences: Vec::new(),
                cycle: false,
                root_cause: None,
                severity: Severity::High,
                code: FindingCode::PreserveAddedTooLate,
                cluster: None,
                message: format!(
                    "ApplicationSet `{set}` adds `preserveResourcesOnDeletion: true` in the same change that deletes {}: the controller deletes the live Applications, which still carry `{RESOURCES_FINALIZER}`, so their resources are deleted anyway",
                    list_names(too_late.iter().copied())
                ),
                remediation: vec![
                    "# merge the preserveResourcesOnDeletion change on its own first, let the ApplicationSet controller rewrite the Applications, then merge the rest".to_string(),
                ],
                chain: Vec::new(),
            });
        }
        let suppressed: Vec<&str> = apps
            .iter()
            .filter(|a| {
                a.notes
                    .iter()
                    .any(|n| matches!(n, Note::DeletionForbidden(_)))
            })
            .map(|a| a.name.as_str())
            .collect();
        if !suppressed.is_empty() {
            findings.push(Finding {
                clusters: Vec::new(),
                consequences: Vec::new(),
                cycle: false,
                root_cause: None,
                severity: Severity::Info,
                code: FindingCode::DeletionSuppressed,
                cluster: None,
                message: format!(
                    "ApplicationSet `{set}` no longer generates {}, but its policy keeps them",
                    list_names(suppressed.iter().copied())
                ),
                remediation: Vec::new(),
                chain: Vec::new(),
            });
        }
        let invalid: Vec<String> = apps
            .iter()
            .flat_map(|a| {
                a.notes.iter().filter_map(move |n| match n {
                    Note::NotWritten(why) => Some(format!("`{}`: {why}", a.name)),
                    _ => None,
                })
            })
            .collect();
        for message in invalid {
            findings.push(Finding {
                clusters: Vec::new(),
                consequences: Vec::new(),
                cycle: false,
                root_cause: None,
                severity: Severity::Warning,
                code: FindingCode::ApplicationNotWritten,
                cluster: None,
                message: format!("ApplicationSet `{set}` cannot write Application {message}"),
                remediation: Vec::new(),
                chain: Vec::new(),
            });
        }
    }
    for error in &outcome.errors {
        let Some(set) = &error.application_set else {
            continue;
        };
        if !error.freezes {
            findings.push(Finding {
                clusters: Vec::new(),
                consequences: Vec::new(),
                cycle: false,
                root_cause: None,
                severity: Severity::High,
                code: FindingCode::ApplicationsetNotEvaluated,
                cluster: None,
                message: format!(
                    "the plan cannot evaluate ApplicationSet `{set}`, so it predicts nothing for it (Argo CD will act on it): {}",
                    error.message
                ),
                remediation: Vec::new(),
                chain: Vec::new(),
            });
            continue;
        }
        {
            findings.push(Finding {
                clusters: Vec::new(),
                consequences: Vec::new(),
                cycle: false,
                root_cause: None,
                severity: Severity::High,
                code: FindingCode::ApplicationsetFrozen,
                cluster: None,
                message: format!(
                    "ApplicationSet `{set}` cannot be evaluated, so the controller will create, update and delete nothing for it until it is fixed: {}",
                    error.message
                ),
                remediation: Vec::new(),
                chain: Vec::new(),
            });
        }
    }
    for drift in &outcome.drift {
        findings.push(Finding {
            clusters: Vec::new(),
            consequences: Vec::new(),
            cycle: false,
            root_cause: None,
            severity: Severity::Warning,
            code: FindingCode::ApplicationsetDrift,
            cluster: Some(fleet.argocd_cluster.clone()),
            message: format!(
                "ApplicationSet `{}/{}`: {}",
                drift.namespace, drift.application_set, drift.message
            ),
            remediation: vec![format!(
                "kubectl --context {} -n {} get applicationset {} -o yaml",
                fleet.argocd_cluster, drift.namespace, drift.application_set
            )],
            chain: Vec::new(),
        });
    }
    outcome.findings.extend(findings);
}

/// One step of a remediation, before it is known on which clusters it runs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    /// `kubectl` arguments, run against each cluster of the finding.
    OnCluster(String),
    /// A command run against each cluster of the finding, where `{ctx}` stands for the
    /// cluster's kubectl context (for commands that name per-cluster objects, such as a
    /// claim's generated volume, through a nested `kubectl`).
    OnClusterScript(String),
    /// A command or comment, run as written (on Argo CD's cluster, or `argocd`).
    Literal(String),
    /// Sync the replacement Applications again, once the cause is gone: one `argocd app
    /// sync` over every cluster's replacements.
    SyncReplacements,
}

/// A finding on one cluster, worded without the cluster's name, so that clusters where
/// the same cause has the same consequences share one finding ([`fleet_findings`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ClusterFinding {
    pub severity: Severity,
    pub code: FindingCode,
    /// What the same cause also leads to, told in this finding rather than in its own.
    pub consequences: Vec<FindingCode>,
    pub message: String,
    pub remediation: Vec<Step>,
    pub chain: Vec<String>,
    pub cycle: bool,
    pub root_cause: Option<RootCause>,
    /// Replacement Applications (`namespace/name`) that [`Step::SyncReplacements`] syncs.
    pub sync: Vec<String>,
}

impl ClusterFinding {
    fn new(severity: Severity, code: FindingCode, message: String) -> ClusterFinding {
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
}

/// Findings of several clusters as fleet findings: those that say the same (all but the
/// Applications to sync) become one finding with the list of its clusters, whose
/// commands run over every cluster in one loop.
pub fn fleet_findings(per_cluster: Vec<(String, ClusterFinding)>) -> Vec<Finding> {
    // The causal chain names each cluster's own objects (an Application named after its
    // cluster), so it is not part of what makes two clusters' findings the same: the
    // finding shows the chain of its first cluster (by name), as an example of all.
    type Group = (Vec<String>, Vec<String>, Option<(String, Vec<String>)>);
    let mut groups: BTreeMap<ClusterFinding, Group> = BTreeMap::new();
    for (cluster, mut finding) in per_cluster {
        let sync = std::mem::take(&mut finding.sync);
        let chain = std::mem::take(&mut finding.chain);
        let (clusters, to_sync, example) = groups.entry(finding).or_default();
        if example.as_ref().is_none_or(|(first, _)| cluster < *first) {
            *example = Some((cluster.clone(), chain));
        }
        if !clusters.contains(&cluster) {
            clusters.push(cluster);
        }
        to_sync.extend(sync);
    }
    groups
        .into_iter()
        .map(|(mut finding, (mut clusters, mut to_sync, example))| {
            clusters.sort();
            to_sync.sort();
            to_sync.dedup();
            if let Some((_, chain)) = example {
                finding.chain = chain;
            }
            let remediation = finding
                .remediation
                .iter()
                .filter_map(|step| match step {
                    Step::OnCluster(args) => Some(match clusters.as_slice() {
                        [one] => format!("kubectl --context {one} {args}"),
                        many => format!(
                            "for ctx in {}; do kubectl --context \"$ctx\" {args}; done",
                            many.join(" ")
                        ),
                    }),
                    Step::OnClusterScript(script) => Some(match clusters.as_slice() {
                        [one] => script.replace("{ctx}", one),
                        many => format!(
                            "for ctx in {}; do {}; done",
                            many.join(" "),
                            script.replace("{ctx}", "\"$ctx\"")
                        ),
                    }),
                    Step::Literal(command) => Some(command.clone()),
                    Step::SyncReplacements => (!to_sync.is_empty())
                        .then(|| format!("argocd app sync {}", to_sync.join(" "))),
                })
                .collect();
            Finding {
                severity: finding.severity,
                code: finding.code,
                cluster: match clusters.as_slice() {
                    [one] => Some(one.clone()),
                    _ => None,
                },
                clusters,
                consequences: finding.consequences,
                message: finding.message,
                remediation,
                chain: finding.chain,
                cycle: finding.cycle,
                root_cause: finding.root_cause,
            }
        })
        .collect()
}

/// Findings about one destination cluster after its cascade settled, worded without
/// the cluster's name.
pub fn cluster_findings(
    fleet: &Fleet,
    cluster: &str,
    result: &CascadeResult,
    applications: &[ApplicationChange],
    argocd_namespace: &str,
    sync_failures: &[SyncFailure],
) -> Vec<ClusterFinding> {
    let mut findings = Vec::new();
    let sync_failures: Vec<&SyncFailure> = sync_failures
        .iter()
        .filter(|f| f.cluster == cluster)
        .collect();
    let objects: BTreeMap<&ObjectKey, &ObjectResult> =
        result.objects.iter().map(|o| (&o.key, o)).collect();
    let stuck_namespaces: Vec<&str> = result
        .namespaces
        .iter()
        .filter(|n| n.fate == Fate::Stuck)
        .map(|n| n.name.as_str())
        .collect();

    // Unavailable aggregated APIs: the cluster-wide block (R-DISC-4). They are the root
    // cause of every namespace that discovery keeps, of the replacements that cannot
    // sync into those namespaces and of the cycle when a replacement cannot bring the
    // backend back: one story.
    let unavailable: Vec<_> = result
        .api_services
        .iter()
        .filter(|a| !a.outcome.available)
        .collect();
    let mut discovery_remediation = Vec::new();
    let mut discovery_chain = Vec::new();
    let mut api_phrases = Vec::new();
    for api_service in &unavailable {
        let name = &api_service.outcome.name;
        let mut chain = vec![format!(
            "APIService `{name}` is unavailable: {} ({})",
            api_service.outcome.reason, api_service.outcome.message
        )];
        if let Some(replacement) = &api_service.recreated_by {
            let refused: Vec<String> = sync_failures
                .iter()
                .filter(|f| f.application == *replacement)
                .map(|f| describe(&f.object))
                .collect();
            chain.push(format!(
                "its replacement Application re-creates the APIService, but its sync cannot create {} in the terminating namespace",
                if refused.is_empty() {
                    "its backend".to_string()
                } else {
                    refused.join(", ")
                }
            ));
        }
        if let Some(lost) = &api_service.lost_backend {
            chain.extend(trace(lost, &objects, applications));
        }
        let gv = &api_service.outcome.group_version;
        let (reason, message) = (&api_service.outcome.reason, &api_service.outcome.message);
        api_phrases.push(match (api_service.was_available, &api_service.lost_backend) {
            // Broken at capture time: the change does not cause it (issue 13).
            (false, _) => format!(
                "APIService `{name}` ({gv}) is already unavailable before the change: {reason} — {message}"
            ),
            (true, lost) => {
                let cause = match lost.as_ref().and_then(|lost| {
                    origin(lost, &objects, applications).map(|origin| (lost, origin))
                }) {
                    Some((lost, origin)) => format!(
                        "the change takes its backend away ({} is {origin})",
                        describe(lost)
                    ),
                    None => "the change takes its backend away".to_string(),
                };
                format!(
                    "APIService `{name}` ({gv}) becomes unavailable because {cause}: {reason} — {message}"
                )
            }
        });
        let manager = if api_service.recreated_by.is_some() {
            // A replacement whose sync failed does not self-heal (R-ARGO-5).
            None
        } else {
            self_healing_manager(fleet, cluster, name, argocd_namespace)
        };
        match manager {
            // The ApplicationSet controller reverts edits of the Applications it owns
            // (appset rulebook §11.7), so self-heal is turned off in its template.
            Some((namespace, _, Some(set))) => {
                discovery_remediation.push(Step::Literal(format!(
                    "# the Applications of ApplicationSet `{set}` self-heal and would re-create the APIService within seconds (R-DISC-6): pause their automated sync first"
                )));
                discovery_remediation.push(Step::Literal(format!(
                    "kubectl --context {} -n {namespace} patch applicationset {set} --type merge -p '{{\"spec\":{{\"template\":{{\"spec\":{{\"syncPolicy\":{{\"automated\":null}}}}}}}}}}'",
                    fleet.argocd_cluster
                )));
            }
            Some((namespace, app, None)) => {
                discovery_remediation.push(Step::Literal(format!(
                    "# Application `{app}` self-heals and would re-create the APIService within seconds (R-DISC-6): pause its automated sync first"
                )));
                discovery_remediation.push(Step::Literal(format!(
                    "kubectl --context {} -n {namespace} patch application {app} --type merge -p '{{\"spec\":{{\"syncPolicy\":{{\"automated\":null}}}}}}'",
                    fleet.argocd_cluster
                )));
            }
            None => {}
        }
        discovery_remediation.push(Step::OnCluster(format!("delete apiservice {name}")));
        discovery_chain.extend(chain);
    }

    // Leaks: cluster-scoped objects "owned" by a namespaced object that goes (C-13).
    for (object, owner) in &result.leaked {
        let mut finding = ClusterFinding::new(
            Severity::Warning,
            FindingCode::LeakedObject,
            format!(
                "{} stays: its owner reference names {}, which is deleted, but the garbage collector never collects a cluster-scoped object for a namespaced owner (R-GC-8)",
                describe(object),
                describe(owner)
            ),
        );
        finding.remediation = vec![Step::OnCluster(format!(
            "delete {} {}",
            resource_of(object),
            object.name
        ))];
        findings.push(finding);
    }

    // Volumes whose provisioner goes with their claims (C-12).
    for released in &result.released_volumes {
        let Reclaim::Leaked { provisioners } = &released.reclaim else {
            continue;
        };
        let mut finding = ClusterFinding::new(
            Severity::Warning,
            FindingCode::LeakedVolume,
            format!(
                "{} stays `Released` and its backend volume is never deleted: its claim {} is deleted and its reclaim policy is `Delete`, but the provisioner that reclaims it ({}, inferred from RBAC) is deleted in the same cascade (R-VOL-3)",
                describe(&released.volume),
                describe(&released.claim),
                provisioners.iter().map(describe).collect::<Vec<_>>().join(", ")
            ),
        );
        finding.remediation = vec![
            Step::Literal("# restore the provisioner outside the deleted namespaces, or delete the backend volume by hand, then:".to_string()),
            Step::OnCluster(format!("delete persistentvolume {}", released.volume.name)),
        ];
        findings.push(finding);
    }

    // Volumes destroyed with their data (R-VOL-3, R-VOL-4).
    let mut destroyed: Vec<&ReleasedVolume> = result
        .released_volumes
        .iter()
        .filter(|released| released.reclaim == Reclaim::Deleted)
        .collect();
    // By claim: volume names are generated, claims are what clusters share.
    destroyed.sort_by(|a, b| (&a.claim, &a.volume).cmp(&(&b.claim, &b.volume)));
    if !destroyed.is_empty() {
        let volumes: Vec<String> = destroyed.iter().map(|v| volume_details(v)).collect();
        let mut finding = ClusterFinding::new(
            Severity::High,
            FindingCode::VolumeDataLoss,
            format!(
                "{} destroyed with {} data: {}; {}, so the provisioner deletes the backend {} and then the PersistentVolume (R-VOL-3)",
                if destroyed.len() == 1 {
                    "1 volume is".to_string()
                } else {
                    format!("{} volumes are", destroyed.len())
                },
                if destroyed.len() == 1 { "its" } else { "their" },
                volumes.join("; "),
                if destroyed.len() == 1 {
                    "its claim is deleted and its reclaim policy is `Delete`"
                } else {
                    "each claim is deleted and each reclaim policy is `Delete`"
                },
                if destroyed.len() == 1 { "volume" } else { "volumes" }
            ),
        );
        finding.remediation = vec![Step::Literal(
            "# to keep the data, set the reclaim policy to `Retain` before merging:".to_string(),
        )];
        // The volumes are named through their claims: a provisioner names each volume
        // after a generated uid, so the same claim on several clusters is one finding.
        finding.remediation.extend(destroyed.iter().map(|v| {
            Step::OnClusterScript(format!(
                "kubectl --context {{ctx}} patch persistentvolume \"$(kubectl --context {{ctx}} -n {} get persistentvolumeclaim {} -o jsonpath='{{.spec.volumeName}}')\" -p '{{\"spec\":{{\"persistentVolumeReclaimPolicy\":\"Retain\"}}}}'",
                v.claim.namespace.as_deref().unwrap_or("default"),
                v.claim.name
            ))
        }));
        findings.push(finding);
    }

    // Deadlocks: cycles in what waits for what. A cycle through discovery belongs to
    // the APIService's story.
    let refused: Vec<(ObjectKey, String)> = sync_failures
        .iter()
        .filter(|f| matches!(f.refusal, CreateRefusal::NamespaceTerminating { .. }))
        .filter_map(|f| Some((f.object.clone(), f.object.namespace.clone()?)))
        .collect();
    let mut discovery_cycle = None;
    for deadlock in crate::deadlock::find(result, &refused) {
        let mut chain = deadlock.steps.clone();
        if let Some(first) = deadlock.steps.first() {
            chain.push(format!("(back to the start) {first}"));
        }
        let through_discovery = deadlock
            .nodes
            .iter()
            .any(|n| matches!(n, WaitNode::Discovery(_) | WaitNode::ApiService(_)));
        if through_discovery && !unavailable.is_empty() {
            discovery_cycle.get_or_insert((chain, deadlock));
            continue;
        }
        let remediation: Vec<Step> = match &deadlock.cut {
            Cut::DeleteApiService(_) => discovery_remediation.clone(),
            Cut::RemoveFinalizers { object, .. } => vec![finalizer_patch(object)],
            Cut::DeleteWebhookConfiguration { object, .. } => objects
                .get(object)
                .map(|o| break_commands(fleet, cluster, &o.stuck))
                .unwrap_or_default(),
            Cut::Unknown => Vec::new(),
        };
        let mut finding = ClusterFinding::new(
            Severity::Critical,
            FindingCode::Deadlock,
            format!(
                "{} waits for itself through {}; break the cycle at {}: {} (predicted for the worst order of a race: the replacement syncs before the old namespace is gone)",
                deadlock.nodes[0],
                deadlock.nodes[1..]
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(" → "),
                deadlock.nodes[deadlock.break_at],
                deadlock.cut
            ),
        );
        finding.remediation = remediation;
        finding.chain = chain;
        finding.cycle = true;
        findings.push(finding);
    }

    // Replacements that cannot sync into a terminating namespace (R-OBJ-9).
    let mut blocked_sets = BTreeSet::new();
    let mut blocked_count = 0;
    let mut down = BTreeSet::new();
    let mut sync = Vec::new();
    let mut retries: BTreeSet<SyncRetry> = BTreeSet::new();
    for app in applications.iter().filter(|a| a.action == Action::Create) {
        if app.destination.cluster.as_deref() != Some(cluster) {
            continue;
        }
        let Some(namespace) = app.destination.namespace.as_deref() else {
            continue;
        };
        if !stuck_namespaces.contains(&namespace) {
            continue;
        }
        blocked_count += 1;
        blocked_sets.insert(match &app.application_set {
            Some(set) => format!("ApplicationSet `{set}` (namespace `{namespace}`)"),
            None => format!("Application `{}` (namespace `{namespace}`)", app.name),
        });
        for object in result
            .objects
            .iter()
            .filter(|o| o.key.namespace.as_deref() == Some(namespace))
        {
            if object.key.group == "apps"
                && matches!(
                    object.key.kind.as_str(),
                    "Deployment" | "StatefulSet" | "DaemonSet"
                )
            {
                down.insert(format!(
                    "{} `{namespace}/{}`",
                    object.key.kind, object.key.name
                ));
            }
        }
        // An Application with no failure recorded (not automated) is synced by hand anyway.
        let app_retries: BTreeSet<SyncRetry> = sync_failures
            .iter()
            .filter(|f| f.application == app.name)
            .map(|f| f.retry)
            .collect();
        retries.extend(app_retries.iter().copied());
        if app_retries.is_empty() || app_retries.iter().any(|r| r.gives_up()) {
            sync.push(format!("{}/{}", app.namespace, app.name));
        }
    }
    let down: Vec<String> = down.into_iter().collect();
    let down_phrase = if down.is_empty() {
        "none".to_string()
    } else {
        down.join(", ")
    };
    let replacements_phrase = format!(
        "{} cannot sync because {} Terminating and creating content there is forbidden ({} refused): the replacements of {}; workloads that stay down: {down_phrase}; {}",
        count_of(blocked_count, "replacement Application"),
        if blocked_count == 1 {
            "its namespace stays"
        } else {
            "their namespaces stay"
        },
        count_of(sync_failures.len(), "object"),
        blocked_sets.iter().cloned().collect::<Vec<_>>().join(", "),
        retry_phrase(&retries),
    );
    let wait_step = Step::OnCluster(format!(
        "wait --for=delete namespace/{} --timeout=5m",
        stuck_namespaces.join(" namespace/")
    ));

    // Namespaces that discovery keeps, with their cause.
    let discovery_blocked: Vec<&crate::cascade::NamespaceResult> = result
        .namespaces
        .iter()
        .filter(|n| n.fate == Fate::Stuck && !n.blocked_by_discovery.is_empty())
        .collect();
    if !unavailable.is_empty() {
        let mut story = api_phrases.join("; ");
        let mut finding = ClusterFinding::new(
            Severity::High,
            FindingCode::ApiserviceUnavailable,
            String::new(),
        );
        if discovery_blocked.is_empty() {
            story.push_str("; while it is, API discovery fails and no namespace on the cluster can finish deleting");
            finding.chain = discovery_chain.clone();
        } else {
            // Critical when the change causes or worsens it: it starts the deletion of a
            // namespace discovery then holds, or it makes an available APIService
            // unavailable. Namespaces already Terminating behind an APIService already
            // unavailable are standing state: a warning (issue 13).
            finding.severity = if discovery_blocked.iter().any(|n| !n.already_terminating)
                || unavailable.iter().any(|a| a.was_available)
            {
                Severity::Critical
            } else {
                Severity::Warning
            };
            finding.consequences.push(FindingCode::StuckNamespace);
            finding.root_cause = Some(RootCause::ApiServicesUnavailable {
                names: unavailable.iter().map(|a| a.outcome.name.clone()).collect(),
                lost_backend: unavailable.iter().all(|a| a.lost_backend.is_some()),
            });
            let gvs: BTreeSet<&str> = result
                .namespaces
                .iter()
                .flat_map(|n| n.blocked_by_discovery.iter().map(String::as_str))
                .collect();
            let _ = write!(
                story,
                ". While API discovery of {} fails, the namespace controller finalizes no namespace (NamespaceDeletionDiscoveryFailure), so {}",
                gvs.iter().map(|g| format!("`{g}`")).collect::<Vec<_>>().join(", "),
                stays_terminating(&discovery_blocked)
            );
            if blocked_count > 0 {
                finding.consequences.push(FindingCode::ReplacementBlocked);
                let _ = write!(story, ". {replacements_phrase}");
            }
            let mut chain = vec![
                stays_terminating(&discovery_blocked),
                format!(
                    "the namespace controller cannot finish any deletion: discovery of {} fails (NamespaceDeletionDiscoveryFailure)",
                    gvs.iter().map(|g| format!("`{g}`")).collect::<Vec<_>>().join(", ")
                ),
            ];
            chain.extend(discovery_chain.iter().cloned());
            finding.chain = chain;
            if let Some((cycle_chain, deadlock)) = &discovery_cycle {
                finding.consequences.push(FindingCode::Deadlock);
                let _ = write!(
                    story,
                    ". It is a deadlock: {} waits for itself through {}; nothing breaks it by itself, deleting the APIService does",
                    deadlock.nodes[0],
                    deadlock.nodes[1..]
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(" → "),
                );
                finding.chain = cycle_chain.clone();
                finding.cycle = true;
            }
            if blocked_count > 0 || discovery_cycle.is_some() {
                story.push_str(". This assumes the worst order, as real clusters race: the new Applications sync within seconds, while the old namespaces still terminate (pods have grace periods)");
            }
        }
        finding.message = story;
        finding.remediation = discovery_remediation.clone();
        if blocked_count > 0 {
            finding.remediation.push(wait_step.clone());
            if !sync.is_empty() {
                finding.remediation.push(Step::SyncReplacements);
                finding.sync = sync.clone();
            }
        } else if !discovery_blocked.is_empty() {
            finding.remediation.push(Step::OnCluster(
                "get namespaces --field-selector status.phase=Terminating".to_string(),
            ));
        }
        findings.push(finding);
    } else if blocked_count > 0 {
        let mut finding = ClusterFinding::new(
            Severity::Critical,
            FindingCode::ReplacementBlocked,
            format!("{replacements_phrase}. This assumes the worst order, as real clusters race: the new Applications sync within seconds, while the old namespaces still terminate (pods have grace periods)"),
        );
        finding.remediation = vec![wait_step];
        if !sync.is_empty() {
            finding.remediation.push(Step::SyncReplacements);
            finding.sync = sync;
        }
        findings.push(finding);
    }

    for namespace in result
        .namespaces
        .iter()
        .filter(|n| n.fate == Fate::Stuck && n.blocked_by_discovery.is_empty())
    {
        let key = ObjectKey::namespace_object(&namespace.name);
        let namespace_causes: &[StuckCause] = &namespace.stuck;
        let reason = stuck_sentence(namespace_causes);
        let remaining: Vec<&ObjectResult> = result
            .objects
            .iter()
            .filter(|o| {
                o.fate.remains() && o.key.namespace.as_deref() == Some(namespace.name.as_str())
            })
            .collect();
        let mut remediation = break_commands(fleet, cluster, namespace_causes);
        for object in &remaining {
            for command in break_commands(fleet, cluster, &object.stuck) {
                if !remediation.contains(&command) {
                    remediation.push(command);
                }
            }
        }
        for object in remaining.iter().filter(|o| node_not_ready(o)) {
            remediation.push(Step::OnCluster(format!(
                "-n {} delete pod {} --grace-period=0 --force  # containers may still run on the unreachable node",
                namespace.name, object.key.name
            )));
        }
        // Removing finalizers by hand comes last: it skips the owners' cleanup.
        remediation.extend(
            remaining
                .iter()
                .filter(|o| o.stuck.iter().any(StuckCause::finalizer_never_removed))
                .map(|o| finalizer_patch(&o.key)),
        );
        if remaining.is_empty()
            && namespace_causes
                .iter()
                .any(StuckCause::finalizer_never_removed)
        {
            remediation.push(finalizer_patch(&key));
        }
        // A namespace stuck before the change is standing state, reported but not caused:
        // at most a warning. A namespace whose deletion the change starts stays critical.
        let severity = if namespace.already_terminating {
            Severity::Warning
        } else {
            Severity::Critical
        };
        let mut finding = ClusterFinding::new(
            severity,
            FindingCode::StuckNamespace,
            if namespace.already_terminating {
                // Stuck at capture time: the change does not cause it (issue 13).
                format!(
                    "namespace `{}` is already Terminating before the change and stays so: {reason}",
                    namespace.name
                )
            } else {
                format!(
                    "namespace `{}` will stay Terminating: {reason}",
                    namespace.name
                )
            },
        );
        finding.remediation = remediation;
        findings.push(finding);
    }

    // Stuck objects outside stuck namespaces' own story.
    for object in result.objects.iter().filter(|o| o.fate.remains()) {
        // Terminating namespaces have their own finding; a namespace whose DELETE is
        // refused never terminates and is reported like any other object.
        let terminating = result.namespaces.iter().any(|n| n.name == object.key.name);
        if object.key.kind == "Namespace" && object.key.group.is_empty() && terminating {
            continue;
        }
        let refused = object.delete_refusal();
        let mut remediation = break_commands(fleet, cluster, &object.stuck);
        if node_not_ready(object) {
            // R-POD-2: force deletion, or the out-of-service taint on the node.
            remediation.push(Step::OnCluster(format!(
                "-n {} delete pod {} --grace-period=0 --force  # containers may still run on the unreachable node",
                object.key.namespace.as_deref().unwrap_or("default"),
                object.key.name
            )));
        } else if refused.is_none() {
            remediation.push(finalizer_patch(&object.key));
        }
        let mut finding = ClusterFinding::new(
            Severity::High,
            FindingCode::StuckObject,
            if let Some(refusal) = refused {
                format!(
                    "{} is not deleted: its DELETE is refused: {refusal}",
                    describe(&object.key)
                )
            } else {
                format!(
                    "{} stays in deletion: {}",
                    describe(&object.key),
                    object.reason()
                )
            },
        );
        finding.remediation = remediation;
        findings.push(finding);
    }
    findings
}

/// Who started the deletion that reached `start`, in words that hold on every cluster
/// of a fleet: the ApplicationSet, not its per-cluster Application.
fn origin(
    start: &ObjectKey,
    objects: &BTreeMap<&ObjectKey, &ObjectResult>,
    applications: &[ApplicationChange],
) -> Option<String> {
    let mut current = *objects.get(start)?;
    let mut seen = BTreeSet::new();
    while let Some(next) = &current.deleted_with {
        if !seen.insert(next.clone()) {
            break;
        }
        match objects.get(next) {
            Some(object) => current = object,
            None => break,
        }
    }
    match &current.cause {
        DeleteCause::Application(name) => {
            let app = applications
                .iter()
                .find(|a| a.action == Action::Delete && a.name == *name);
            Some(match app.map(|a| (&a.application_set, &a.replaced_by)) {
                Some((Some(set), Some(_))) => {
                    format!("deleted with the Application that ApplicationSet `{set}` renames")
                }
                Some((Some(set), None)) => format!(
                    "deleted with the Application that ApplicationSet `{set}` no longer generates"
                ),
                _ => format!("deleted with Application `{name}`"),
            })
        }
        DeleteCause::ByHand => Some("deleted by hand".to_string()),
        _ => None,
    }
}

/// `PersistentVolume `pv-data` (10Gi, storage class `gp3`, claim `team-a/data`, used by
/// Deployment `team-a/web`)`.
fn volume_details(volume: &ReleasedVolume) -> String {
    let mut details = Vec::new();
    if let Some(capacity) = &volume.capacity {
        details.push(capacity.clone());
    }
    if let Some(class) = &volume.storage_class {
        details.push(format!("storage class `{class}`"));
    }
    if !volume.used_by.is_empty() {
        details.push(format!(
            "used by {}",
            volume
                .used_by
                .iter()
                .map(describe)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    format!(
        "the volume of claim `{}/{}` ({})",
        volume.claim.namespace.as_deref().unwrap_or(""),
        volume.claim.name,
        details.join(", ")
    )
}

fn resource_of(key: &ObjectKey) -> String {
    if key.group.is_empty() {
        key.kind.to_ascii_lowercase()
    } else {
        format!("{}.{}", key.kind.to_ascii_lowercase(), key.group)
    }
}

/// The chain of causes from an object back to the request that started it.
fn trace(
    start: &ObjectKey,
    objects: &BTreeMap<&ObjectKey, &ObjectResult>,
    applications: &[ApplicationChange],
) -> Vec<String> {
    let mut chain = Vec::new();
    let mut current = Some(start.clone());
    let mut seen = BTreeSet::new();
    while let Some(key) = current.take() {
        if !seen.insert(key.clone()) {
            break;
        }
        let Some(object) = objects.get(&key) else {
            chain.push(format!("{} is missing", describe(&key)));
            break;
        };
        chain.push(format!("{}: {}", describe(&key), object.cause));
        match &object.deleted_with {
            Some(next) => current = Some(next.clone()),
            None => {
                if let Some(app) = applications.iter().find(|a| {
                    a.action == Action::Delete
                        && matches!(&object.cause, DeleteCause::Application(name) if *name == a.name)
                }) {
                    let why = match (&app.application_set, &app.replaced_by) {
                        (Some(set), Some(new)) => format!(
                            "Application `{}` is deleted by ApplicationSet `{set}` because the change renames it to `{new}`",
                            app.name
                        ),
                        (Some(set), None) => format!(
                            "Application `{}` is deleted by ApplicationSet `{set}`: it is no longer generated",
                            app.name
                        ),
                        (None, _) => match app.notes.first() {
                            Some(note) => format!("Application `{}` is deleted: {note}", app.name),
                            None => format!("Application `{}` is deleted", app.name),
                        },
                    };
                    chain.push(why);
                }
            }
        }
    }
    chain
}

/// The Application with automated self-heal that manages an APIService, if any: deleting
/// the APIService is undone within seconds while it is (R-DISC-6, R-ARGO-5).
fn self_healing_manager(
    fleet: &Fleet,
    cluster: &str,
    api_service: &str,
    argocd_namespace: &str,
) -> Option<(String, String, Option<String>)> {
    let snapshot = fleet.clusters.get(cluster)?;
    let key = ObjectKey::new("apiregistration.k8s.io", "APIService", None, api_service);
    let object = snapshot.get(&key)?;
    let tracking = object.annotation(preflight_model::argocd::TRACKING_ID_ANNOTATION)?;
    let id = preflight_model::TrackingId::parse(tracking)?;
    let (namespace, name) = match id.application.split_once('_') {
        Some((ns, name)) => (ns.to_string(), name.to_string()),
        None => (argocd_namespace.to_string(), id.application.clone()),
    };
    let argocd = fleet.argocd()?;
    let app = argocd.get(&ObjectKey::new(
        ARGOCD_GROUP,
        "Application",
        Some(&namespace),
        &name,
    ))?;
    let self_heal = app
        .value_at(&["spec", "syncPolicy", "automated", "selfHeal"])
        .and_then(serde_json::Value::as_bool)
        .unwrap_or(false);
    let owner = app
        .controller_reference()
        .filter(|r| r.group() == ARGOCD_GROUP && r.kind == "ApplicationSet")
        .map(|r| r.name);
    self_heal.then_some((namespace, name, owner))
}

/// Whether a pod stays because its node is not Ready (R-POD-1).
fn node_not_ready(object: &ObjectResult) -> bool {
    object
        .stuck
        .iter()
        .any(|cause| matches!(cause, StuckCause::NodeNotReady(_)))
}

/// Commands that remove the first webhook refusal and the first conversion failure
/// among `causes`: the configuration of the unreachable webhook (R-WH-9), or the
/// conversion webhook of the CRD (R-CRD-5, only safe when the versions' schemas are
/// compatible).
fn break_commands(fleet: &Fleet, cluster: &str, causes: &[StuckCause]) -> Vec<Step> {
    let Some(snapshot) = fleet.clusters.get(cluster) else {
        return Vec::new();
    };
    let refusals: Vec<&Refusal> = causes.iter().flat_map(StuckCause::refusals).collect();
    let mut commands = Vec::new();
    let webhook = refusals.iter().find_map(|refusal| match refusal {
        Refusal::Webhook { webhook, .. } => Some(webhook),
        Refusal::Conversion { .. } => None,
    });
    if let Some(webhook) = webhook {
        for config in snapshot.objects().filter(|o| {
            o.group() == "admissionregistration.k8s.io"
                && matches!(
                    o.kind(),
                    "ValidatingWebhookConfiguration" | "MutatingWebhookConfiguration"
                )
        }) {
            let names_it = config
                .value_at(&["webhooks"])
                .and_then(serde_json::Value::as_array)
                .is_some_and(|hooks| {
                    hooks.iter().any(|h| {
                        h.get("name").and_then(serde_json::Value::as_str) == Some(webhook.as_str())
                    })
                });
            if names_it {
                commands.push(Step::OnCluster(format!(
                    "delete {} {}  # webhook `{webhook}` cannot be reached",
                    config.kind().to_ascii_lowercase(),
                    config.name()
                )));
            }
        }
    }
    let conversion = refusals.iter().find_map(|refusal| match refusal {
        Refusal::Conversion { group, kind, .. } => Some((group, kind)),
        Refusal::Webhook { .. } => None,
    });
    if let Some((group, kind)) = conversion {
        for crd in snapshot.objects().filter(|o| {
            o.kind() == "CustomResourceDefinition"
                && o.str_at(&["spec", "group"]) == Some(group.as_str())
                && o.str_at(&["spec", "names", "kind"]) == Some(kind.as_str())
        }) {
            commands.push(Step::OnCluster(format!(
                "patch customresourcedefinition {} --type merge -p '{{\"spec\":{{\"conversion\":{{\"strategy\":\"None\"}}}}}}'  # only if the versions' schemas are compatible",
                crd.name()
            )));
        }
    }
    commands
}

fn finalizer_patch(key: &ObjectKey) -> Step {
    let namespace = key
        .namespace
        .as_ref()
        .map(|ns| format!("-n {ns} "))
        .unwrap_or_default();
    Step::OnCluster(format!(
        "{namespace}patch {} {} --type merge -p '{{\"metadata\":{{\"finalizers\":null}}}}'  # skips the owner's cleanup",
        resource_of(key),
        key.name
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stuck(message: &str, sync: &[&str]) -> ClusterFinding {
        let mut finding = ClusterFinding::new(
            Severity::Critical,
            FindingCode::StuckNamespace,
            message.to_string(),
        );
        finding.remediation = vec![
            Step::Literal("# first".to_string()),
            Step::OnCluster("delete apiservice v1beta1.metrics.k8s.io".to_string()),
            Step::SyncReplacements,
        ];
        finding.sync = sync.iter().map(|s| s.to_string()).collect();
        finding
    }

    #[test]
    fn clusters_that_say_the_same_share_one_finding_and_one_loop() {
        let findings = fleet_findings(vec![
            ("lab-b".to_string(), stuck("same", &["argocd/x-lab-b"])),
            ("lab-a".to_string(), stuck("same", &["argocd/x-lab-a"])),
            ("test-a".to_string(), stuck("other", &["argocd/x-test-a"])),
        ]);
        assert_eq!(findings.len(), 2);
        let shared = findings.iter().find(|f| f.message == "same").unwrap();
        assert_eq!(shared.clusters, ["lab-a", "lab-b"]);
        assert_eq!(shared.cluster, None, "several clusters");
        assert_eq!(
            shared.remediation,
            [
                "# first",
                "for ctx in lab-a lab-b; do kubectl --context \"$ctx\" delete apiservice v1beta1.metrics.k8s.io; done",
                "argocd app sync argocd/x-lab-a argocd/x-lab-b",
            ]
        );
        let alone = findings.iter().find(|f| f.message == "other").unwrap();
        assert_eq!(alone.cluster.as_deref(), Some("test-a"));
        assert_eq!(alone.clusters, ["test-a"]);
        assert_eq!(
            alone.remediation[1],
            "kubectl --context test-a delete apiservice v1beta1.metrics.k8s.io"
        );
    }

    /// A chain names each cluster's own Applications (named after their cluster, as in
    /// a generated fleet); it does not split the finding, and scripts name objects
    /// through each cluster's context.
    #[test]
    fn chains_that_name_each_clusters_objects_do_not_split_a_finding() {
        let with_chain = |cluster: &str| {
            let mut finding = stuck("same", &[]);
            finding.chain = vec![format!("deleted by Application `{cluster}-web`")];
            finding.remediation = vec![Step::OnClusterScript(
                "kubectl --context {ctx} -n a get pvc b".to_string(),
            )];
            finding
        };
        let findings = fleet_findings(vec![
            ("lab-b".to_string(), with_chain("lab-b")),
            ("lab-a".to_string(), with_chain("lab-a")),
        ]);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].chain, ["deleted by Application `lab-a-web`"]);
        assert_eq!(
            findings[0].remediation,
            ["for ctx in lab-a lab-b; do kubectl --context \"$ctx\" -n a get pvc b; done"]
        );
        let one = fleet_findings(vec![("lab-a".to_string(), with_chain("lab-a"))]);
        assert_eq!(
            one[0].remediation,
            ["kubectl --context lab-a -n a get pvc b"]
        );
    }

    #[test]
    fn nothing_to_sync_leaves_no_sync_command() {
        let findings = fleet_findings(vec![("lab-a".to_string(), stuck("same", &[]))]);
        assert_eq!(
            findings[0].remediation.len(),
            2,
            "{:?}",
            findings[0].remediation
        );
    }
}
