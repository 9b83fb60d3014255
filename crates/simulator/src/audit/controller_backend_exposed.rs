//! `controller-backend-exposed`, one deletion from a jam for finalizer-removing
//! controllers (issue 15): for every workload that removes a third-party finalizer from
//! objects of the cluster, each Application that manages the workload or its namespace is
//! deleted in a `what_if` (or, when none does, the namespace by hand). When the cascade deletes the controller,
//! the objects carrying its finalizer either go in the same cascade and stay in deletion
//! (their namespaces Terminating), or stay behind and can no longer be deleted (R-FIN-1,
//! k8s rulebook §6 and §14.2). Nothing is inferred that the cascade did not simulate.

use std::collections::BTreeSet;

use preflight_model::ObjectKey;

use super::{count_of, quoted, ClusterFacts, Deletion, Exposure, Reach, NAMES_SHOWN};
use crate::cascade::FinalizerController;
use crate::causes::describe;
use crate::findings::{ClusterFinding, Step};
use crate::outcome::{Fate, FindingCode, Outcome, Severity};

/// What deleting one thing does to one finalizer's controller and its objects.
struct ControllerJam {
    /// Objects carrying the finalizer that the cascade deletes and that stay.
    stuck: Vec<ObjectKey>,
    /// Objects carrying the finalizer that stay untouched and can no longer be deleted.
    left: Vec<ObjectKey>,
    /// Namespaces that stay Terminating afterwards, sorted.
    stuck_namespaces: Vec<String>,
}

impl ControllerJam {
    /// The namespaces holding the objects left behind, sorted: each would stay
    /// Terminating if deleted, its content waiting for the finalizer (R-FIN-1).
    fn namespaces_holding_left(&self) -> Vec<&str> {
        let held: BTreeSet<&str> = self
            .left
            .iter()
            .filter_map(|key| key.namespace.as_deref())
            .collect();
        held.into_iter().collect()
    }

    /// As the audit ranks it: the namespaces the cascade leaves Terminating, then the
    /// objects carrying the finalizer that stay in deletion or can no longer be deleted.
    fn reach(&self) -> Reach {
        Reach {
            stuck_namespaces: self.stuck_namespaces.len(),
            stuck_objects: self.stuck.len() + self.left.len(),
        }
    }
}

fn fate_of(outcome: &Outcome, cluster: &str, key: &ObjectKey) -> Option<Fate> {
    let settled = outcome.clusters.iter().find(|c| c.name == cluster)?;
    settled
        .objects
        .iter()
        .find(|o| o.kind == key.kind && o.namespace == key.namespace && o.name == key.name)
        .map(|o| o.outcome)
}

fn controller_jam(
    outcome: &Outcome,
    cluster: &str,
    controller: &FinalizerController,
) -> Option<ControllerJam> {
    if fate_of(outcome, cluster, &controller.workload) != Some(Fate::Deleted) {
        return None;
    }
    let mut stuck = Vec::new();
    let mut left = Vec::new();
    for object in &controller.objects {
        match fate_of(outcome, cluster, object) {
            Some(Fate::Deleted) => {}
            Some(Fate::Stuck | Fate::Refused) => stuck.push(object.clone()),
            None => left.push(object.clone()),
        }
    }
    if stuck.is_empty() && left.is_empty() {
        return None;
    }
    let mut stuck_namespaces: Vec<String> = outcome
        .clusters
        .iter()
        .filter(|c| c.name == cluster)
        .flat_map(|c| c.namespaces.iter())
        .filter(|ns| ns.outcome == Fate::Stuck)
        .map(|ns| ns.name.clone())
        .collect();
    stuck_namespaces.sort();
    Some(ControllerJam {
        stuck,
        left,
        stuck_namespaces,
    })
}

fn listed(keys: &[ObjectKey]) -> String {
    let names: Vec<String> = keys.iter().take(NAMES_SHOWN).map(describe).collect();
    let more = keys.len().saturating_sub(NAMES_SHOWN);
    if more > 0 {
        format!("{} and {more} more", names.join(", "))
    } else {
        names.join(", ")
    }
}

fn controller_exposed(
    controller: &FinalizerController,
    deletion: &Deletion,
    jam: &ControllerJam,
) -> ClusterFinding {
    let what = match deletion {
        Deletion::Application(app) => format!(
            "Deleting Application `{}`{}",
            app.object.name(),
            app.application_set
                .as_deref()
                .map(|set| format!(" (of ApplicationSet `{set}`)"))
                .unwrap_or_default()
        ),
        Deletion::NamespaceByHand(namespace) => format!(
            "Deleting namespace `{namespace}` by hand (no Application manages it or the controller)"
        ),
    };
    let mut consequences = Vec::new();
    if !jam.stuck.is_empty() {
        consequences.push(format!(
            "{} carrying it {} deleted in the same cascade and {} in deletion ({})",
            count_of(jam.stuck.len(), "object", "objects"),
            if jam.stuck.len() == 1 { "is" } else { "are" },
            if jam.stuck.len() == 1 {
                "stays"
            } else {
                "stay"
            },
            listed(&jam.stuck),
        ));
    }
    if !jam.stuck_namespaces.is_empty() {
        consequences.push(format!(
            "{} then {} Terminating ({})",
            count_of(jam.stuck_namespaces.len(), "namespace", "namespaces"),
            if jam.stuck_namespaces.len() == 1 {
                "stays"
            } else {
                "stay"
            },
            quoted(jam.stuck_namespaces.iter().map(String::as_str))
        ));
    }
    if !jam.left.is_empty() {
        let holding = jam.namespaces_holding_left();
        let holding = if holding.is_empty() {
            String::new()
        } else {
            format!(
                ", nor can {} {} that {} {}",
                if holding.len() == 1 {
                    "namespace"
                } else {
                    "namespaces"
                },
                quoted(holding.iter().copied()),
                if holding.len() == 1 { "holds" } else { "hold" },
                if jam.left.len() == 1 { "it" } else { "them" }
            )
        };
        consequences.push(format!(
            "{} carrying it {} left and can no longer be deleted ({}){holding}: a deletion would wait for the finalizer forever",
            count_of(jam.left.len(), "object", "objects"),
            if jam.left.len() == 1 { "is" } else { "are" },
            listed(&jam.left)
        ));
    }
    let severity = if jam.stuck_namespaces.is_empty() {
        Severity::Warning
    } else {
        Severity::High
    };
    ClusterFinding {
        remediation: vec![
            Step::Literal(format!(
                "# avoid: delete the objects carrying `{}` (or let their owners do it) before {}, or keep it out of that deletion",
                controller.finalizer,
                describe(&controller.workload)
            )),
            Step::Literal(
                "# if it happens: bring the controller back, or remove the finalizer by hand (skips its cleanup)"
                    .to_string(),
            ),
        ],
        ..super::cluster_finding(
            severity,
            FindingCode::ControllerBackendExposed,
            format!(
                "{what} deletes {}, the controller that removes finalizer `{}` ({}): {} (R-FIN-1)",
                describe(&controller.workload),
                controller.finalizer,
                controller.how,
                consequences.join("; ")
            ),
        )
    }
}

/// The controller exposures of one cluster, each with how far its jam reaches.
pub(super) fn find(facts: &ClusterFacts) -> Vec<Exposure> {
    let cluster = facts.cluster;
    let mut exposures = Vec::new();
    for controller in &facts.finalizer_controllers {
        let namespace = controller.workload.namespace.clone().unwrap_or_default();
        let away = facts.one_deletion_away(
            (
                &controller.workload,
                &ObjectKey::namespace_object(&namespace),
            ),
            |outcome| controller_jam(outcome, cluster, controller),
        );
        exposures.extend(away.into_iter().map(|(deletion, jam)| Exposure {
            finding: controller_exposed(controller, &deletion, &jam),
            reach: jam.reach(),
            jam: None,
        }));
    }
    exposures
}
