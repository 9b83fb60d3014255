//! What could not be evaluated and the ApplicationSets whose live spec drifted from
//! base: at the end of the comment, and never dropped.

use std::fmt::Write as _;

use super::user_text::{code, text};
use preflight_outcome::Outcome;

pub(super) fn write_errors_and_drift(out: &mut String, outcome: &Outcome) {
    if !outcome.application_sets.is_empty() {
        let _ = writeln!(out, "### {}\n", crate::appsets::TITLE);
        for change in &outcome.application_sets {
            let _ = writeln!(
                out,
                "- ApplicationSet {}: {}",
                code(&format!("{}/{}", change.namespace, change.name)),
                text(&crate::appsets::describe(change))
            );
        }
        out.push('\n');
    }
    if !outcome.errors.is_empty() {
        out.push_str("### Could not be evaluated\n\n");
        out.push_str(
            "Argo CD leaves what these cover as it is, and so does this plan: nothing above includes them.\n\n",
        );
        for error in &outcome.errors {
            let mut place = Vec::new();
            if let Some(file) = &error.file {
                place.push(code(file));
            }
            if let Some(application_set) = &error.application_set {
                place.push(format!("ApplicationSet {}", code(application_set)));
            }
            let caveat = if error.freezes {
                ""
            } else {
                " (Argo CD acts on it; the plan predicts nothing for it)"
            };
            if place.is_empty() {
                let _ = writeln!(out, "- {}{caveat}", text(&error.message));
            } else {
                let _ = writeln!(
                    out,
                    "- {}: {}{caveat}",
                    place.join(", "),
                    text(&error.message)
                );
            }
        }
        out.push('\n');
    }
    if !outcome.drift.is_empty() {
        out.push_str("### Live differs from base\n\n");
        out.push_str("Merging applies these differences too:\n\n");
        for drift in &outcome.drift {
            let _ = writeln!(
                out,
                "- ApplicationSet {}: {}",
                code(&format!("{}/{}", drift.namespace, drift.application_set)),
                text(&drift.cause.to_string())
            );
        }
        out.push('\n');
    }
}
