//! `apiservice-unavailable-now`: aggregated APIServices unavailable already (their
//! `Available` condition, or discovery recorded stale or failing in `capture.json`), and
//! group/versions whose discovery fails without an APIService to explain it: no namespace
//! on the cluster can finish deleting (R-DISC-4). The namespaces already Terminating
//! because of it are told in the same finding.

use super::{cluster_finding, count_of, quoted, ClusterFacts};
use crate::findings::{ClusterFinding, Step};
use crate::outcome::{Fate, FindingCode, Severity};
use std::collections::BTreeSet;

pub(super) fn find(facts: &ClusterFacts) -> Vec<ClusterFinding> {
    let now = &facts.now;
    let mut findings = Vec::new();
    let held_by_discovery: Vec<&str> = now
        .namespaces
        .iter()
        .filter(|ns| ns.already_terminating && ns.fate == Fate::Stuck)
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
                    outcome.name,
                    outcome.group_version,
                    outcome.condition.reason(),
                    outcome.condition
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
    findings
}
