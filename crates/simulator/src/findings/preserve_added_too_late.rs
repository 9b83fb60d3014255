//! `preserve-added-too-late`: `preserveResourcesOnDeletion: true` added in the same
//! change that deletes Applications. The controller deletes the live Applications, which
//! still carry Argo CD's resources finalizer, so their resources go anyway (the plan's
//! `Note::PreserveAddedTooLate`).

use preflight_model::argocd::RESOURCES_FINALIZER;

use super::facts::ApplicationFacts;
use super::{list_names, plan_finding};
use crate::outcome::{Finding, FindingCode, Note, Severity};

pub(super) fn find(facts: &ApplicationFacts<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (set, apps) in &facts.by_set {
        let too_late: Vec<&str> = apps
            .iter()
            .filter(|a| {
                a.notes
                    .iter()
                    .any(|n| matches!(n, Note::PreserveAddedTooLate))
            })
            .map(|a| a.name.as_str())
            .collect();
        if too_late.is_empty() {
            continue;
        }
        let mut finding = plan_finding(
            Severity::High,
            FindingCode::PreserveAddedTooLate,
            format!(
                "ApplicationSet `{set}` adds `preserveResourcesOnDeletion: true` in the same change that deletes {}: the controller deletes the live Applications, which still carry `{RESOURCES_FINALIZER}`, so their resources are deleted anyway",
                list_names(too_late.iter().copied())
            ),
        );
        finding.remediation = vec![
            "# merge the preserveResourcesOnDeletion change on its own first, let the ApplicationSet controller rewrite the Applications, then merge the rest".to_string(),
        ];
        findings.push(finding);
    }
    findings
}
