//! `leaked-volume`: a PersistentVolume with reclaim policy `Delete` whose claim goes
//! together with the provisioner that would reclaim it: it stays `Released` and its
//! backend volume is never deleted (R-VOL-3, catalogue C-12).

use super::facts::ClusterFacts;
use super::fleet::{ClusterFinding, Step};
use crate::cascade::Reclaim;
use crate::causes::describe;
use crate::outcome::{FindingCode, Severity};

pub(super) fn find(facts: &ClusterFacts<'_>) -> Vec<ClusterFinding> {
    let mut findings = Vec::new();
    for released in &facts.result.released_volumes {
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
    findings
}
