//! `deletion-suppressed`: Applications an ApplicationSet no longer generates but keeps,
//! because its `applicationsSync` policy forbids deletion (the plan's
//! `Note::DeletionForbidden`).

use super::facts::ApplicationFacts;
use super::{list_names, plan_finding};
use crate::outcome::{Finding, FindingCode, Note, Severity};

pub(super) fn find(facts: &ApplicationFacts<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (set, apps) in &facts.by_set {
        let suppressed: Vec<&str> = apps
            .iter()
            .filter(|a| {
                a.notes
                    .iter()
                    .any(|n| matches!(n, Note::DeletionForbidden(_)))
            })
            .map(|a| a.name.as_str())
            .collect();
        if suppressed.is_empty() {
            continue;
        }
        findings.push(plan_finding(
            Severity::Info,
            FindingCode::DeletionSuppressed,
            format!(
                "ApplicationSet `{set}` no longer generates {}, but its policy keeps them",
                list_names(suppressed.iter().copied())
            ),
        ));
    }
    findings
}
