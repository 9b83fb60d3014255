//! `applicationset-drift`: a live ApplicationSet that differs from the base revision;
//! merging applies that drift too (the talk's "out of sync ApplicationSets").

use super::facts::ApplicationFacts;
use super::plan_finding;
use crate::outcome::{Finding, FindingCode, Severity};

pub(super) fn find(facts: &ApplicationFacts<'_>) -> Vec<Finding> {
    let argocd_cluster = &facts.fleet.argocd_cluster;
    facts
        .outcome
        .drift
        .iter()
        .map(|drift| {
            let mut finding = plan_finding(
                Severity::Warning,
                FindingCode::ApplicationsetDrift,
                format!(
                    "ApplicationSet `{}/{}`: {}",
                    drift.namespace, drift.application_set, drift.cause
                ),
            );
            finding.cluster = Some(argocd_cluster.clone());
            finding.remediation = vec![format!(
                "kubectl --context {argocd_cluster} -n {} get applicationset {} -o yaml",
                drift.namespace, drift.application_set
            )];
            finding
        })
        .collect()
}
