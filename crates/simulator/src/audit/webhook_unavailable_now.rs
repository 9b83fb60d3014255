//! `webhook-unavailable-now`: a fail-closed admission webhook or a CRD conversion webhook
//! whose backend Service is not there, or is there without a ready endpoint, by the same
//! reachability check `plan` and `what-if` refuse requests by: the API server already
//! refuses what it intercepts.

use super::{capitalized, cluster_finding, service_words, ClusterFacts};
use crate::causes::Unreachable;
use crate::findings::{ClusterFinding, Step};
use crate::outcome::{FindingCode, Severity};

pub(super) fn find(facts: &ClusterFacts) -> Vec<ClusterFinding> {
    let (snapshot, webhooks, unreachable) = (facts.snapshot, &facts.webhooks, &facts.unreachable);
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
