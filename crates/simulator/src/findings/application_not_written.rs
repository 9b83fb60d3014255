//! `application-not-written`: an Application the ApplicationSet controller cannot write
//! (its validation refuses it, another ApplicationSet writes it first, the API server
//! refuses its name or spec, or another controller owns it: the plan's
//! `Note::NotWritten` and its `WriteFailure`), one finding per Application.

use super::facts::ApplicationFacts;
use super::plan_finding;
use crate::outcome::{Finding, FindingCode, Note, Severity};

pub(super) fn find(facts: &ApplicationFacts<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (set, apps) in &facts.by_set {
        for app in apps {
            for note in &app.notes {
                if let Note::NotWritten(why) = note {
                    findings.push(plan_finding(
                        Severity::Warning,
                        FindingCode::ApplicationNotWritten,
                        format!(
                            "ApplicationSet `{set}` cannot write Application `{}`: {why}",
                            app.name
                        ),
                    ));
                }
            }
        }
    }
    findings
}
