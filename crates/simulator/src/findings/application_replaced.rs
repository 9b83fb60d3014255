//! `application-replaced`: an ApplicationSet whose change renames Applications, so the
//! controller deletes the old ones and creates new ones. With Argo CD's resources
//! finalizer on the old ones, their resources are deleted before the new ones can
//! recreate them; the fix is `preserveResourcesOnDeletion`, merged first.

use preflight_model::argocd::RESOURCES_FINALIZER;

use super::facts::ApplicationFacts;
use super::{count_of, list_names, plan_finding};
use crate::outcome::{Action, ApplicationChange, Finding, FindingCode, Severity};

pub(super) fn find(facts: &ApplicationFacts<'_>) -> Vec<Finding> {
    let argocd_context = &facts.fleet.argocd_cluster;
    let argocd_namespace = facts.argocd_namespace;
    let mut findings = Vec::new();
    for (set, apps) in &facts.by_set {
        let replaced: Vec<&&ApplicationChange> = apps
            .iter()
            .filter(|a| a.action == Action::Delete && a.replaced_by.is_some())
            .collect();
        if replaced.is_empty() {
            continue;
        }
        let cascading = replaced.iter().filter(|a| a.cascade).count();
        let pairs: Vec<String> = replaced
            .iter()
            .map(|a| format!("{} → {}", a.name, a.replaced_by.as_deref().unwrap_or("")))
            .collect();
        let message = if cascading > 0 {
            format!(
                "ApplicationSet `{set}` replaces {}: the new names delete the old Applications and create new ones; {cascading} of the old ones {} `{RESOURCES_FINALIZER}`, so their resources are deleted before the new Applications can recreate them ({})",
                count_of(replaced.len(), "Application"),
                if cascading == 1 { "carries" } else { "carry" },
                list_names(pairs.iter().map(String::as_str))
            )
        } else {
            format!(
                "ApplicationSet `{set}` replaces {}; none cascades, so their resources stay and the new Applications adopt them ({})",
                count_of(replaced.len(), "Application"),
                list_names(pairs.iter().map(String::as_str))
            )
        };
        let severity = if cascading > 0 {
            Severity::High
        } else {
            Severity::Info
        };
        let mut finding = plan_finding(severity, FindingCode::ApplicationReplaced, message);
        if cascading > 0 {
            finding.remediation = vec![
                format!(
                    "kubectl --context {argocd_context} -n {argocd_namespace} patch applicationset {set} --type merge -p '{{\"spec\":{{\"syncPolicy\":{{\"preserveResourcesOnDeletion\":true}}}}}}'"
                ),
                "# merge that first, wait until the controller has removed the finalizer from the live Applications, then merge this change".to_string(),
            ];
        }
        findings.push(finding);
    }
    findings
}
