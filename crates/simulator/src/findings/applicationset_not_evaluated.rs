//! `applicationset-not-evaluated`: an ApplicationSet the plan cannot evaluate offline
//! (a generator it cannot answer) while Argo CD will act on it: the plan predicts nothing
//! for it.

use super::facts::ApplicationFacts;
use super::plan_finding;
use crate::outcome::{Finding, FindingCode, Severity};

pub(super) fn find(facts: &ApplicationFacts<'_>) -> Vec<Finding> {
    facts
        .outcome
        .errors
        .iter()
        .filter(|error| !error.freezes)
        .filter_map(|error| {
            let set = error.application_set.as_ref()?;
            Some(plan_finding(
                Severity::High,
                FindingCode::ApplicationsetNotEvaluated,
                format!(
                    "the plan cannot evaluate ApplicationSet `{set}`, so it predicts nothing for it (Argo CD will act on it): {}",
                    error.message
                ),
            ))
        })
        .collect()
}
