//! `webhook-backend-exposed`: the same as `apiservice-backend-exposed` for fail-closed
//! admission webhooks (`failurePolicy: Fail`) and CRD conversion webhooks with a backend
//! Service: the deletion is reported when the simulated cascade deletes the Service while
//! the webhook configuration or CRD stays, with the requests its rules then make the API
//! server refuse. Webhooks already without a backend are `webhook-unavailable-now`.

use preflight_model::ObjectKey;

use super::{
    cluster_finding, count_of, deletion_words, quoted, service_words, ClusterFacts, Deletion,
    Exposure, Jam, WebhookBackend,
};
use crate::findings::{ClusterFinding, Step};
use crate::outcome::{Fate, FindingCode, Outcome, Severity};

pub(super) fn find(facts: &ClusterFacts) -> Vec<Exposure> {
    let (snapshot, webhooks, unreachable, cluster) = (
        facts.snapshot,
        &facts.webhooks,
        &facts.unreachable,
        facts.cluster,
    );
    let mut exposures = Vec::new();
    for (webhook, unreachable) in webhooks.iter().zip(unreachable.iter()) {
        // Already without a backend: told as broken now, not as one deletion away.
        if !snapshot.contains(&webhook.service) || unreachable.is_some() {
            continue;
        }
        let away = facts.one_deletion_away(
            (&webhook.service, &webhook.backend_namespace()),
            |outcome| webhook_jam(outcome, cluster, webhook),
        );
        exposures.extend(away.into_iter().map(|(deletion, found)| Exposure {
            finding: webhook_exposed(webhook, &deletion, &found),
            reach: found.reach(),
            jam: None,
        }));
    }
    exposures
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
