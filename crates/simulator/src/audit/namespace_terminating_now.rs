//! `namespace-terminating-now`: namespaces already Terminating that stay so, settled with
//! no deletion, with the conditions the namespace controller would set, or the finalizers
//! no known controller removes. Those held by failing discovery are told by
//! `apiservice-unavailable-now` instead, when it names the cause.

use super::{cluster_finding, quoted, ClusterFacts};
use crate::findings::{ClusterFinding, Step};
use crate::outcome::{Fate, FindingCode, Severity};
use preflight_model::{Object, ObjectKey};

pub(super) fn find(facts: &ClusterFacts) -> Vec<ClusterFinding> {
    let now = &facts.now;
    let snapshot = facts.snapshot;
    let mut findings = Vec::new();
    let stuck = now
        .namespaces
        .iter()
        .filter(|ns| ns.already_terminating && ns.fate == Fate::Stuck);
    let unavailable = now.api_services.iter().any(|a| !a.was_available);
    let discovery_told = unavailable || !now.discovery_failures.is_empty();
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
