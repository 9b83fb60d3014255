//! `stuck-object`: an object that stays in deletion (a finalizer whose controller is
//! gone, a pod on a node that is down, R-POD-1) or whose DELETE the API server refuses
//! (an unreachable fail-closed webhook, R-WH-4), outside the story of a stuck namespace.

use super::facts::ClusterFacts;
use super::fleet::{ClusterFinding, Step};
use super::remedies::{break_commands, finalizer_patch, node_not_ready};
use crate::causes::describe;
use crate::outcome::{FindingCode, Severity};

pub(super) fn find(facts: &ClusterFacts<'_>) -> Vec<ClusterFinding> {
    let mut findings = Vec::new();
    for object in facts.result.objects.iter().filter(|o| o.fate.remains()) {
        // Terminating namespaces have their own finding; a namespace whose DELETE is
        // refused never terminates and is reported like any other object.
        let terminating = facts
            .result
            .namespaces
            .iter()
            .any(|n| n.name == object.key.name);
        if object.key.kind == "Namespace" && object.key.group.is_empty() && terminating {
            continue;
        }
        let refused = object.delete_refusal();
        let mut remediation = break_commands(facts.fleet, facts.cluster, &object.stuck);
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
