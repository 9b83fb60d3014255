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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use preflight_cluster_snapshot::Fleet;
    use preflight_model::{ApplicationsSyncPolicy, ArgoSettings, FieldError, ValidationError};

    use super::*;
    use crate::causes::{ApplicationRefusal, WriteFailure};
    use crate::outcome::{Action, ApplicationChange, Destination, Outcome};

    fn not_written(name: &str, note: Note) -> ApplicationChange {
        ApplicationChange {
            name: name.to_string(),
            namespace: "argocd".to_string(),
            application_set: Some("web".to_string()),
            action: Action::Unchanged,
            replaced_by: None,
            replaces: None,
            destination: Destination::default(),
            cascade: false,
            policy: Some(ApplicationsSyncPolicy::default()),
            notes: vec![note],
            before: None,
            after: None,
            progressive: None,
            rolling_step: None,
        }
    }

    fn findings(applications: Vec<ApplicationChange>) -> Vec<Finding> {
        let fleet = Fleet {
            clusters: BTreeMap::new(),
            argocd_cluster: "in-cluster".to_string(),
            cluster_infos: Vec::new(),
            settings: ArgoSettings::default(),
            server_versions: BTreeMap::new(),
            capture_records: BTreeMap::new(),
            unread: BTreeMap::new(),
        };
        let outcome = Outcome {
            applications,
            ..Outcome::default()
        };
        find(&ApplicationFacts::new(&fleet, "argocd", &outcome))
    }

    /// The rule reads the plan's `WriteFailure`: the schema error's path and problem
    /// reach the finding from the data the API server check produced, and other notes
    /// give no finding.
    #[test]
    fn a_schema_refusal_reports_the_field_path() {
        let refusal = WriteFailure::Refused(ApplicationRefusal::Schema {
            name: "web-a".to_string(),
            errors: vec![FieldError::new(
                "spec.sourceHydrator.syncSource.path",
                "Invalid value: \".\": spec.sourceHydrator.syncSource.path in body should match '^.{2,}|[^./]$'",
            )],
        });
        let found = findings(vec![
            not_written("web-a", Note::NotWritten(refusal)),
            not_written("web-b", Note::Adopted),
            not_written(
                "web-c",
                Note::NotWritten(WriteFailure::Invalid(ValidationError::ProjectNotFound(
                    "missing".to_string(),
                ))),
            ),
        ]);
        let messages: Vec<&str> = found.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "ApplicationSet `web` cannot write Application `web-a`: Application.argoproj.io \"web-a\" is invalid: spec.sourceHydrator.syncSource.path: Invalid value: \".\": spec.sourceHydrator.syncSource.path in body should match '^.{2,}|[^./]$'; this error also skips the delete step of the ApplicationSet",
                "ApplicationSet `web` cannot write Application `web-c`: application references project missing which does not exist",
            ]
        );
        assert!(found.iter().all(
            |f| f.code == FindingCode::ApplicationNotWritten && f.severity == Severity::Warning
        ));
    }
}
