//! `apiservice-unavailable`: aggregated APIServices that are unavailable once the
//! cluster settles, the cluster-wide block (R-DISC-4). They are the root cause of every
//! namespace that discovery keeps, of the replacements that cannot sync into those
//! namespaces and of the cycle when a replacement cannot bring the backend back: one
//! story, told in one finding with its consequences. Breaking it is deleting the
//! APIService, after pausing whatever self-heals it back (R-DISC-6).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::facts::ClusterFacts;
use super::fleet::{ClusterFinding, Step};
use super::remedies::self_healing_manager;
use super::trace::{origin, trace};
use super::{count_of, list_names};
use crate::cascade::NamespaceResult;
use crate::causes::describe;
use crate::outcome::{FindingCode, RootCause, Severity};

/// What the unavailable APIServices of a cluster cause, in words, and the steps that
/// break it (also the cut of a deadlock through an APIService).
#[derive(Debug, Default)]
pub(super) struct Discovery {
    /// One phrase per unavailable APIService: why it is unavailable.
    pub phrases: Vec<String>,
    /// The causal chain of every unavailable APIService.
    pub chain: Vec<String>,
    /// Pause what self-heals each APIService back, then delete it.
    pub remediation: Vec<Step>,
}

impl Discovery {
    pub fn of(facts: &ClusterFacts<'_>) -> Discovery {
        let fleet = facts.fleet;
        let mut discovery = Discovery::default();
        for api_service in &facts.unavailable {
            let name = &api_service.outcome.name;
            let mut chain = vec![format!(
                "APIService `{name}` is unavailable: {} ({})",
                api_service.outcome.condition.reason(),
                api_service.outcome.condition
            )];
            if let Some(replacement) = &api_service.recreated_by {
                let refused: Vec<String> = facts
                    .sync_failures
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
                chain.extend(trace(lost, &facts.objects, facts.applications));
            }
            let gv = &api_service.outcome.group_version;
            let (reason, message) = (
                api_service.outcome.condition.reason(),
                &api_service.outcome.condition,
            );
            discovery.phrases.push(match (api_service.was_available, &api_service.lost_backend) {
                // Broken at capture time: the change does not cause it (issue 13).
                (false, _) => format!(
                    "APIService `{name}` ({gv}) is already unavailable before the change: {reason} — {message}"
                ),
                (true, lost) => {
                    let cause = match lost.as_ref().and_then(|lost| {
                        origin(lost, &facts.objects, facts.applications).map(|origin| (lost, origin))
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
                self_healing_manager(fleet, facts.cluster, name, facts.argocd_namespace)
            };
            match manager {
                // The ApplicationSet controller reverts edits of the Applications it owns
                // (appset rulebook §11.7), so self-heal is turned off in its template.
                Some((namespace, _, Some(set))) => {
                    discovery.remediation.push(Step::Literal(format!(
                        "# the Applications of ApplicationSet `{set}` self-heal and would re-create the APIService within seconds (R-DISC-6): pause their automated sync first"
                    )));
                    discovery.remediation.push(Step::Literal(format!(
                        "kubectl --context {} -n {namespace} patch applicationset {set} --type merge -p '{{\"spec\":{{\"template\":{{\"spec\":{{\"syncPolicy\":{{\"automated\":null}}}}}}}}}}'",
                        fleet.argocd_cluster
                    )));
                }
                Some((namespace, app, None)) => {
                    discovery.remediation.push(Step::Literal(format!(
                        "# Application `{app}` self-heals and would re-create the APIService within seconds (R-DISC-6): pause its automated sync first"
                    )));
                    discovery.remediation.push(Step::Literal(format!(
                        "kubectl --context {} -n {namespace} patch application {app} --type merge -p '{{\"spec\":{{\"syncPolicy\":{{\"automated\":null}}}}}}'",
                        fleet.argocd_cluster
                    )));
                }
                None => {}
            }
            discovery
                .remediation
                .push(Step::OnCluster(format!("delete apiservice {name}")));
            discovery.chain.extend(chain);
        }
        discovery
    }
}

/// "1 namespace stays Terminating: `a`", telling apart the namespaces that were already
/// Terminating before the change (issue 13): the change does not cause those.
fn stays_terminating(namespaces: &[&NamespaceResult]) -> String {
    let (already, started): (Vec<_>, Vec<_>) =
        namespaces.iter().partition(|n| n.already_terminating);
    let phrase = |list: &[&&NamespaceResult], already: bool| {
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

/// One finding for all unavailable APIServices of the cluster, with the namespaces they
/// keep, the replacements those block and the deadlock they close as consequences.
pub(super) fn find(facts: &ClusterFacts<'_>) -> Vec<ClusterFinding> {
    if facts.unavailable.is_empty() {
        return Vec::new();
    }
    let discovery = facts.discovery();
    let replacements = facts.replacements();
    let discovery_blocked = &facts.discovery_blocked;
    let blocked_count = replacements.count;
    let discovery_cycle = facts.discovery_cycle();
    let mut story = discovery.phrases.join("; ");
    let mut finding = ClusterFinding::new(
        Severity::High,
        FindingCode::ApiserviceUnavailable,
        String::new(),
    );
    if discovery_blocked.is_empty() {
        story.push_str("; while it is, API discovery fails and no namespace on the cluster can finish deleting");
        finding.chain = discovery.chain.clone();
    } else {
        // Critical when the change causes or worsens it: it starts the deletion of a
        // namespace discovery then holds, or it makes an available APIService
        // unavailable. Namespaces already Terminating behind an APIService already
        // unavailable are standing state: a warning (issue 13).
        finding.severity = if discovery_blocked.iter().any(|n| !n.already_terminating)
            || facts.unavailable.iter().any(|a| a.was_available)
        {
            Severity::Critical
        } else {
            Severity::Warning
        };
        finding.consequences.push(FindingCode::StuckNamespace);
        finding.root_cause = Some(RootCause::ApiServicesUnavailable {
            names: facts
                .unavailable
                .iter()
                .map(|a| a.outcome.name.clone())
                .collect(),
            lost_backend: facts.unavailable.iter().all(|a| a.lost_backend.is_some()),
        });
        let gvs: BTreeSet<&str> = facts
            .result
            .namespaces
            .iter()
            .flat_map(|n| n.blocked_by_discovery.iter().map(String::as_str))
            .collect();
        let _ = write!(
            story,
            ". While API discovery of {} fails, the namespace controller finalizes no namespace (NamespaceDeletionDiscoveryFailure), so {}",
            gvs.iter().map(|g| format!("`{g}`")).collect::<Vec<_>>().join(", "),
            stays_terminating(discovery_blocked)
        );
        if blocked_count > 0 {
            finding.consequences.push(FindingCode::ReplacementBlocked);
            let _ = write!(story, ". {}", replacements.phrase);
        }
        let mut chain = vec![
            stays_terminating(discovery_blocked),
            format!(
                "the namespace controller cannot finish any deletion: discovery of {} fails (NamespaceDeletionDiscoveryFailure)",
                gvs.iter().map(|g| format!("`{g}`")).collect::<Vec<_>>().join(", ")
            ),
        ];
        chain.extend(discovery.chain.iter().cloned());
        finding.chain = chain;
        if let Some(cycle) = discovery_cycle {
            let deadlock = &cycle.deadlock;
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
            finding.chain = cycle.chain.clone();
            finding.cycle = true;
        }
        if blocked_count > 0 || discovery_cycle.is_some() {
            story.push_str(". This assumes the worst order, as real clusters race: the new Applications sync within seconds, while the old namespaces still terminate (pods have grace periods)");
        }
    }
    finding.message = story;
    finding.remediation = discovery.remediation.clone();
    if blocked_count > 0 {
        finding.remediation.push(replacements.wait_step.clone());
        if !replacements.sync.is_empty() {
            finding.remediation.push(Step::SyncReplacements);
            finding.sync = replacements.sync.clone();
        }
    } else if !discovery_blocked.is_empty() {
        finding.remediation.push(Step::OnCluster(
            "get namespaces --field-selector status.phase=Terminating".to_string(),
        ));
    }
    vec![finding]
}
