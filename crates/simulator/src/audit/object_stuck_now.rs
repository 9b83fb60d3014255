//! `object-stuck-now`: objects other than namespaces already in deletion whose finalizers
//! no running controller removes (its controller is not running, none is known, or a
//! webhook refuses the update that would remove them), settled with no deletion at all
//! (R-FIN-1, k8s rulebook §6 and §14.2).

use std::collections::BTreeMap;

use super::{cluster_finding, ClusterFacts, NAMES_SHOWN};
use crate::findings::{finalizer_patch, ClusterFinding, Step};
use crate::outcome::{FindingCode, Severity};

pub(super) fn find(facts: &ClusterFacts) -> Vec<ClusterFinding> {
    let now = &facts.now;
    let mut by_reason: BTreeMap<&[crate::causes::StuckCause], Vec<&crate::cascade::ObjectResult>> =
        BTreeMap::new();
    for object in &now.already_deleting {
        if object
            .stuck
            .iter()
            .any(|cause| cause.finalizer_never_removed())
        {
            by_reason.entry(&object.stuck).or_default().push(object);
        }
    }
    by_reason
        .into_values()
        .map(|objects| {
            let names: Vec<String> = objects
                .iter()
                .map(|o| crate::causes::describe(&o.key))
                .collect();
            let shown = names
                .iter()
                .take(NAMES_SHOWN)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ");
            let more = names.len().saturating_sub(NAMES_SHOWN);
            let listed = if more > 0 {
                format!("{shown} and {more} more")
            } else {
                shown
            };
            let mut remediation = vec![Step::Literal(
                "# if the controller that owns these finalizers is gone for good:".to_string(),
            )];
            remediation.extend(
                objects
                    .iter()
                    .take(NAMES_SHOWN)
                    .map(|object| finalizer_patch(&object.key)),
            );
            ClusterFinding {
                remediation,
                ..cluster_finding(
                    Severity::High,
                    FindingCode::ObjectStuckNow,
                    format!(
                        "{listed} {} already in deletion and {} so: {} (R-FIN-1)",
                        if names.len() == 1 { "is" } else { "are" },
                        if names.len() == 1 { "stays" } else { "stay" },
                        objects[0].reason()
                    ),
                )
            }
        })
        .collect()
}
