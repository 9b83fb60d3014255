//! `application-deleted`: Applications an ApplicationSet no longer generates, deleted
//! with their resources (Argo CD's resources finalizer) and not replaced by anything.

use super::facts::ApplicationFacts;
use super::{count_of, list_names, plan_finding};
use crate::outcome::{Action, Finding, FindingCode, Severity};

pub(super) fn find(facts: &ApplicationFacts<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (set, apps) in &facts.by_set {
        let deleted_alone: Vec<&str> = apps
            .iter()
            .filter(|a| a.action == Action::Delete && a.replaced_by.is_none() && a.cascade)
            .map(|a| a.name.as_str())
            .collect();
        if deleted_alone.is_empty() {
            continue;
        }
        findings.push(plan_finding(
            Severity::High,
            FindingCode::ApplicationDeleted,
            format!(
                "ApplicationSet `{set}` deletes {} with their resources and creates nothing in their place: {}",
                count_of(deleted_alone.len(), "Application"),
                list_names(deleted_alone.iter().copied())
            ),
        ));
    }
    findings
}
