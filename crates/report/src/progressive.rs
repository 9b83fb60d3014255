//! Sentences for what progressive sync (RollingSync) does to an Application.

use preflight_outcome::ProgressiveSync;

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
