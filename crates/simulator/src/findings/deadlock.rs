//! `deadlock`: a cycle of waits on one cluster that nothing breaks by itself (the
//! waits-for graph of `crate::deadlock`), with the cut that is safe. A cycle through
//! discovery while APIServices are unavailable belongs to their story
//! (`apiservice_unavailable`).

use super::facts::ClusterFacts;
use super::fleet::{ClusterFinding, Step};
use super::remedies::{break_commands, finalizer_patch};
use crate::deadlock::Cut;
use crate::outcome::{FindingCode, Severity};

pub(super) fn find(facts: &ClusterFacts<'_>) -> Vec<ClusterFinding> {
    let mut findings = Vec::new();
    for cycle in facts
        .cycles
        .iter()
        .filter(|cycle| !facts.belongs_to_discovery(cycle))
    {
        let deadlock = &cycle.deadlock;
        let remediation: Vec<Step> = match &deadlock.cut {
            Cut::DeleteApiService(_) => facts.discovery().remediation.clone(),
            Cut::RemoveFinalizers { object, .. } => vec![finalizer_patch(object)],
            Cut::DeleteWebhookConfiguration { object, .. } => facts
                .objects
                .get(object)
                .map(|o| break_commands(facts.fleet, facts.cluster, &o.stuck))
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
        finding.chain = cycle.chain.clone();
        finding.cycle = true;
        findings.push(finding);
    }
    findings
}
