//! `apiservice-backend-exposed`: for every available APIService with `spec.service`, each
//! Application that manages its backend Service or the Service's namespace is deleted in a
//! `what_if` (when none does, the namespace is deleted by hand); when the APIService ends
//! unavailable while it still exists, the deletion is reported with the backend it takes
//! away and the namespaces that then stay Terminating (R-DISC-4, C-01). Nothing is
//! inferred that the cascade did not simulate: an Application that deletes the APIService
//! together with its backend is not reported.

use std::collections::BTreeSet;

use preflight_cluster_snapshot::ClusterSnapshot;
use preflight_model::ObjectKey;

use super::{
    cluster_finding, count_of, deletion_words, quoted, service_words, ClusterFacts, Deletion,
    Exposure, Jam, APISERVICE_GROUP,
};
use crate::findings::{ClusterFinding, Step};
use crate::outcome::{Fate, FindingCode, Outcome, Severity};

/// An aggregated APIService with a backend Service.
struct RemoteApiService {
    name: String,
    service: ObjectKey,
}

impl RemoteApiService {
    fn backend_namespace(&self) -> ObjectKey {
        ObjectKey::namespace_object(self.service.namespace.as_deref().unwrap_or_default())
    }
}

/// The aggregated APIServices of a cluster that have a backend Service, sorted by name.
fn remote_api_services(snapshot: &ClusterSnapshot) -> Vec<RemoteApiService> {
    snapshot
        .of_kind(APISERVICE_GROUP, "APIService")
        .iter()
        .filter_map(|object| {
            let namespace = object.str_at(&["spec", "service", "namespace"])?;
            let name = object.str_at(&["spec", "service", "name"])?;
            Some(RemoteApiService {
                name: object.name().to_string(),
                service: ObjectKey::new("", "Service", Some(namespace), name),
            })
        })
        .collect()
}

pub(super) fn find(facts: &ClusterFacts) -> Vec<Exposure> {
    let (snapshot, now, cluster) = (facts.snapshot, &facts.now, facts.cluster);
    let mut exposures = Vec::new();
    let unavailable_now: BTreeSet<&str> = now
        .api_services
        .iter()
        .filter(|a| !a.was_available)
        .map(|a| a.outcome.name.as_str())
        .collect();
    for api in remote_api_services(snapshot) {
        if unavailable_now.contains(api.name.as_str()) {
            continue;
        }
        let away = facts.one_deletion_away((&api.service, &api.backend_namespace()), |outcome| {
            jam(outcome, cluster, &api.name)
        });
        for (deletion, found) in away {
            let jam = match &deletion {
                Deletion::Application(app) => app
                    .application_set
                    .as_ref()
                    .map(|set| ((app.namespace.clone(), set.clone()), api.name.clone())),
                Deletion::NamespaceByHand(_) => None,
            };
            exposures.push(Exposure {
                finding: exposed(&api, &deletion, &found),
                reach: found.reach(),
                jam,
            });
        }
    }
    exposures
}

/// Whether `api` on `cluster` ends unavailable in `outcome` while it still exists, and
/// which namespaces then stay Terminating.
fn jam(outcome: &Outcome, cluster: &str, api: &str) -> Option<Jam> {
    let settled = outcome.clusters.iter().find(|c| c.name == cluster)?;
    settled
        .api_services
        .iter()
        .find(|a| a.name == api && !a.available)?;
    let deleted = settled
        .objects
        .iter()
        .any(|o| o.kind == "APIService" && o.name == api && o.outcome == Fate::Deleted);
    if deleted {
        return None;
    }
    Some(Jam::of(settled))
}

/// The finding of one deletion that jams `api`.
fn exposed(api: &RemoteApiService, deletion: &Deletion, jam: &Jam) -> ClusterFinding {
    let service = service_words(&api.service);
    let (who, first_step, avoid) = deletion_words(deletion, &api.service);
    let stuck = &jam.stuck_namespaces;
    let stuck_text = if stuck.is_empty() {
        "every namespace deleted afterwards stays Terminating".to_string()
    } else {
        format!(
            "{} then {} Terminating ({}), with every namespace deleted afterwards",
            count_of(stuck.len(), "namespace", "namespaces"),
            if stuck.len() == 1 { "stays" } else { "stay" },
            quoted(stuck.iter().map(String::as_str))
        )
    };
    ClusterFinding {
        remediation: vec![
            Step::Literal(avoid),
            Step::Literal(
                "# if it happens: delete the APIService, so that discovery and namespace deletion work again:"
                    .to_string(),
            ),
            Step::OnCluster(format!("delete apiservice {}", api.name)),
        ],
        chain: vec![
            format!("discovery fails: {stuck_text} (R-DISC-4)"),
            format!("APIService `{}` is unavailable without its backend", api.name),
            format!("{service} is deleted"),
            first_step,
        ],
        ..cluster_finding(
            Severity::High,
            FindingCode::ApiserviceBackendExposed,
            format!(
                "{who} takes away {service}, the backend of APIService `{}`: the APIService becomes unavailable, API discovery fails and {stuck_text}, until the APIService is deleted or its backend restored (R-DISC-4)",
                api.name
            ),
        )
    }
}
