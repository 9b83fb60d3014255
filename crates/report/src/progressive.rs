//! Sentences for what progressive sync (RollingSync) does to an Application.

use preflight_outcome::{ProgressiveSync, RollingStep};

pub(crate) fn note(progressive: ProgressiveSync) -> &'static str {
    match progressive {
        ProgressiveSync::AutomatedSyncDisabled => "progressive sync (RollingSync): written with automated sync disabled; the ApplicationSet controller syncs it itself, step by step",
        ProgressiveSync::ReverseDeletion => "progressive sync (RollingSync, `deletionOrder: Reverse`): the ApplicationSet controller deletes it in reverse step order, waiting for each step to be gone",
    }
}

/// The kebab-case name, for the JSON report.
pub(crate) fn code(progressive: ProgressiveSync) -> &'static str {
    match progressive {
        ProgressiveSync::AutomatedSyncDisabled => "automated-sync-disabled",
        ProgressiveSync::ReverseDeletion => "reverse-deletion",
    }
}

/// Which RollingSync step an Application falls into, in words.
pub(crate) fn step_note(step: RollingStep) -> String {
    match step {
        RollingStep::Step { number, of } => format!("RollingSync step {number} of {of} (the first step whose `matchExpressions` match its labels)"),
        RollingStep::NoStep => "RollingSync: no step's `matchExpressions` match its labels, so the ApplicationSet controller never syncs it (its status step is -1); with automated sync disabled it stays as written until someone syncs it".to_string(),
    }
}

/// The step for the JSON report: its number, or -1 for none, as the ApplicationSet's
/// status gives it.
pub(crate) fn step_number(step: RollingStep) -> i64 {
    match step {
        RollingStep::Step { number, .. } => i64::try_from(number).unwrap_or(i64::MAX),
        RollingStep::NoStep => -1,
    }
}
