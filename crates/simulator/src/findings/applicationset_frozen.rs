//! `applicationset-frozen`: an ApplicationSet whose generators fail. The ApplicationSet
//! controller then creates, updates and deletes nothing for it until it is fixed (a
//! generation error never becomes "zero Applications").

use super::facts::ApplicationFacts;
use super::plan_finding;
use crate::outcome::{Finding, FindingCode, Severity};

pub(super) fn find(facts: &ApplicationFacts<'_>) -> Vec<Finding> {
    facts
        .outcome
        .errors
        .iter()
        .filter(|error| error.freezes)
        .filter_map(|error| {
            let set = error.application_set.as_ref()?;
            Some(plan_finding(
                Severity::High,
                FindingCode::ApplicationsetFrozen,
                format!(
                    "ApplicationSet `{set}` cannot be evaluated, so the controller will create, update and delete nothing for it until it is fixed: {}",
                    error.message
                ),
            ))
        })
        .collect()
}
