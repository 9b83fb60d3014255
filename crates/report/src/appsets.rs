//! Sentences for what a merge does to ApplicationSet objects themselves, shared by the
//! text and Markdown reports.

use preflight_outcome::{ApplicationSetChange, ApplicationSetFate, Manager, NotPruned};

/// The section title both reports use.
pub(crate) const TITLE: &str = "ApplicationSets removed, refused or left alone";

/// One sentence for one ApplicationSet; user values in backticks.
pub(crate) fn describe(change: &ApplicationSetChange) -> String {
    match &change.fate {
        ApplicationSetFate::NotInRevisions => "in neither revision: it is managed elsewhere (another path or repository), so this merge leaves it and its Applications as they are".to_string(),
        ApplicationSetFate::Pruned { manager } => format!(
            "removed from git, and Application {} prunes it (automated sync with `prune: true`): it is deleted, and the Applications it owns with it",
            manager_name(manager)
        ),
        ApplicationSetFate::Refused { errors, live } => format!(
            "the API server refuses head's manifest ({}), so it is never applied: {}",
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
            if *live {
                "the live ApplicationSet stays as it is, and the plan shows what the controller does with it"
            } else {
                "it is not created, and neither are its Applications"
            }
        ),
        ApplicationSetFate::UnknownFieldsPruned { fields } => format!(
            "applied, but the API server drops the fields its CRD schema does not know ({}): Argo CD's sync sends no field validation, so this is a warning, not a refusal, and the ApplicationSet controller never sees them (info)",
            fields.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", ")
        ),
        ApplicationSetFate::NotPruned { manager, why } => {
            let manager = manager.as_ref().map(manager_name);
            let manager = manager.as_deref().unwrap_or("");
            let stays = "the ApplicationSet stays live with its Applications";
            match why {
                NotPruned::NotLive => "removed from git, but the snapshot does not hold it live, so no Application is known to prune it: nothing is deleted".to_string(),
                NotPruned::NoManager => format!(
                    "removed from git, but no Application tracks it in the snapshot, so nothing prunes it: {stays}"
                ),
                NotPruned::ManagerMissing => format!(
                    "removed from git; it is tracked by Application {manager}, which the snapshot does not hold, so nothing prunes it: {stays}"
                ),
                NotPruned::ManualSync => format!(
                    "removed from git; Application {manager}, which manages it, has no automated sync: it goes OutOfSync, and {stays} until someone syncs with prune"
                ),
                NotPruned::PruneDisabled => format!(
                    "removed from git; Application {manager}, which manages it, syncs automatically without `prune: true`: it goes OutOfSync, and {stays}"
                ),
                NotPruned::PruneFalseOption => format!(
                    "removed from git, but the sync option `Prune=false` applies to it: Application {manager} goes OutOfSync, and {stays}"
                ),
                NotPruned::PruneNeedsConfirmation => format!(
                    "removed from git, but the sync option `Prune=confirm` applies to it: Application {manager} prunes it only once someone confirms; until then {stays}"
                ),
            }
        }
    }
}

/// The kebab-case name of a fate, for the JSON report.
pub(crate) fn fate_code(fate: &ApplicationSetFate) -> &'static str {
    match fate {
        ApplicationSetFate::NotInRevisions => "not-in-revisions",
        ApplicationSetFate::Pruned { .. } => "pruned",
        ApplicationSetFate::NotPruned { .. } => "not-pruned",
        ApplicationSetFate::Refused { .. } => "refused",
        ApplicationSetFate::UnknownFieldsPruned { .. } => "unknown-fields-pruned",
    }
}

/// The kebab-case reason an ApplicationSet removed from git stays, for the JSON report.
pub(crate) fn not_pruned_code(why: &NotPruned) -> &'static str {
    match why {
        NotPruned::NotLive => "not-live",
        NotPruned::NoManager => "no-manager",
        NotPruned::ManagerMissing => "manager-missing",
        NotPruned::ManualSync => "manual-sync",
        NotPruned::PruneDisabled => "prune-disabled",
        NotPruned::PruneFalseOption => "prune-false",
        NotPruned::PruneNeedsConfirmation => "prune-confirm",
    }
}

fn manager_name(manager: &Manager) -> String {
    format!("`{}/{}`", manager.namespace, manager.name)
}
