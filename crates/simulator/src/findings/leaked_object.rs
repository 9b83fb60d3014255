//! `leaked-object`: a cluster-scoped object whose owner reference names a namespaced
//! object that goes; the garbage collector never collects a cluster-scoped dependent of
//! a namespaced owner (R-GC-8, catalogue C-13).

use super::facts::ClusterFacts;
use super::fleet::{ClusterFinding, Step};
use super::remedies::resource_of;
use crate::causes::describe;
use crate::outcome::{FindingCode, Severity};

pub(super) fn find(facts: &ClusterFacts<'_>) -> Vec<ClusterFinding> {
    let mut findings = Vec::new();
    for (object, owner) in &facts.result.leaked {
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
    findings
}
