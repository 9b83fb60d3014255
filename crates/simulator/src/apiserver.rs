//! Writes the Kubernetes API server refuses before any controller sees them: an
//! Application whose name is not a DNS subdomain (custom resources validate
//! `metadata.name` with apimachinery's `IsDNS1123Subdomain`), and an Application or
//! ApplicationSet that breaks its CRD's schema (`manifests/crds/application-crd.yaml` and
//! `applicationset-crd.yaml` of Argo CD 3.x, as `preflight_generators::schema` holds
//! them: types, required fields, enums, patterns), and what it prunes instead of
//! refusing (unknown fields). The texts are the API server's.

use preflight_cluster_snapshot::SourcedObject;
use preflight_generators::schema::{self, CrdKind};
use preflight_model::{FieldError, Object};

use crate::causes::{ApplicationRefusal, NameProblem, DNS1123_SUBDOMAIN_MAX_LENGTH};
use crate::outcome::{ApplicationSetChange, ApplicationSetFate};

/// Why the API server refuses to create an Application named `name`, if it does.
/// (An empty name is refused earlier, by the controller's validation.)
pub fn application_name_error(name: &str) -> Option<ApplicationRefusal> {
    let mut problems = Vec::new();
    if name.len() > DNS1123_SUBDOMAIN_MAX_LENGTH {
        problems.push(NameProblem::TooLong);
    }
    if !is_dns1123_subdomain(name) {
        problems.push(NameProblem::NotDnsSubdomain);
    }
    if name.is_empty() || problems.is_empty() {
        return None;
    }
    Some(ApplicationRefusal::Name {
        name: name.to_string(),
        problems,
    })
}

/// `[a-z0-9]([-a-z0-9]*[a-z0-9])?` labels joined by `.`.
fn is_dns1123_subdomain(name: &str) -> bool {
    name.split('.').all(|label| {
        let bytes = label.as_bytes();
        let alphanumeric = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
        match (bytes.first(), bytes.last()) {
            (Some(first), Some(last)) => {
                alphanumeric(first)
                    && alphanumeric(last)
                    && bytes.iter().all(|b| alphanumeric(b) || *b == b'-')
            }
            _ => false,
        }
    })
}

/// The schema errors the API server answers when an ApplicationSet is applied; empty when
/// it accepts it. The whole of `spec` is checked against Argo CD's CRD schema
/// (`preflight_generators::schema`): types, required fields, enums, patterns.
pub fn application_set_schema_errors(appset: &Object) -> Vec<FieldError> {
    schema::check(CrdKind::ApplicationSet, appset.raw()).errors
}

/// The fields of an ApplicationSet the API server drops as unknown when Argo CD applies
/// it (no `fieldValidation`, so the server's default `Warn`: pruned, not refused), and the
/// ApplicationSet as it is stored without them.
pub fn application_set_pruned(appset: &Object) -> (Vec<String>, Object) {
    let unknown = schema::check(CrdKind::ApplicationSet, appset.raw()).unknown_fields;
    if unknown.is_empty() {
        return (unknown, appset.clone());
    }
    let mut raw = appset.raw().clone();
    schema::prune_unknown(CrdKind::ApplicationSet, &mut raw);
    (unknown, Object::from_value(raw))
}

/// Head's manifest of ApplicationSet `namespace/name` as the API server stores it once
/// Argo CD applies it, and, when that dropped unknown fields, what the plan says about it.
pub(crate) fn application_set_stored(
    (namespace, name): &(String, String),
    manifest: &SourcedObject,
) -> (SourcedObject, Option<ApplicationSetChange>) {
    let (fields, object) = application_set_pruned(&manifest.object);
    if fields.is_empty() {
        return (manifest.clone(), None);
    }
    let change = ApplicationSetChange {
        namespace: namespace.clone(),
        name: name.clone(),
        fate: ApplicationSetFate::UnknownFieldsPruned { fields },
    };
    (
        SourcedObject {
            object,
            ..manifest.clone()
        },
        Some(change),
    )
}

/// Why the API server refuses to write a generated Application, if it does, beyond its
/// name: the Application CRD's schema (the ApplicationSet controller writes from Go
/// types, so only value rules such as the source hydrator path's `minLength` and
/// `pattern` can fail here).
pub fn application_schema_error(application: &Object) -> Option<ApplicationRefusal> {
    let errors = schema::check(CrdKind::Application, application.raw()).errors;
    if errors.is_empty() {
        return None;
    }
    Some(ApplicationRefusal::Schema {
        name: application.name().to_string(),
        errors,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    #[test]
    fn application_names_must_be_dns_subdomains() {
        for valid in ["a", "metrics-server-e1", "a.b-c.d", "0abc"] {
            assert_eq!(application_name_error(valid), None, "{valid}");
        }
        for invalid in [
            "Upper",
            "lab_a-app",
            "{{name-suffix}}-app",
            "-a",
            "a-",
            "a..b",
            ".a",
            "a b",
        ] {
            let error = application_name_error(invalid)
                .unwrap_or_else(|| panic!("{invalid}"))
                .to_string();
            assert!(
                error.starts_with(&format!(
                    "Application.argoproj.io {invalid:?} is invalid: metadata.name: Invalid value: {invalid:?}: a lowercase RFC 1123 subdomain"
                )),
                "{error}"
            );
        }
        let long = "a".repeat(254);
        assert!(application_name_error(&long)
            .unwrap()
            .to_string()
            .contains("must be no more than 253 characters"));
        assert_eq!(application_name_error(&"a".repeat(253)), None);
    }

    /// The field errors as the API server words them.
    fn schema_texts(appset: &Object) -> Vec<String> {
        application_set_schema_errors(appset)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    fn appset(spec: Value) -> Object {
        Object::from_value(json!({
            "apiVersion": "argoproj.io/v1alpha1", "kind": "ApplicationSet",
            "metadata": {"name": "web", "namespace": "argocd"},
            "spec": spec,
        }))
    }

    #[test]
    fn application_set_schema_required_fields_and_policy_enum() {
        let template = json!({"metadata": {}, "spec": {"project": "", "destination": {}}});
        assert!(schema_texts(&appset(
            json!({"generators": [], "template": template.clone()})
        ))
        .is_empty());
        assert_eq!(
            schema_texts(&appset(json!({
                "generators": [],
                "template": {"metadata": {}, "spec": {"project": null}},
                "syncPolicy": {"applicationsSync": "upsert"},
            }))),
            [
                "spec.syncPolicy.applicationsSync: Unsupported value: \"upsert\": supported values: \"create-only\", \"create-update\", \"create-delete\", \"sync\"",
                "spec.template.spec.destination: Required value",
                "spec.template.spec.project: Required value",
            ]
        );
        assert_eq!(
            schema_texts(&appset(json!({"template": template}))),
            ["spec.generators: Required value"]
        );
    }

    /// The rest of the CRD schema: a wrong type anywhere is refused; an unknown field is
    /// pruned, never refused, because Argo CD's sync sends no `fieldValidation`
    /// (`gitops-engine/pkg/utils/kube/resource_ops.go`, `newApplyOptions`) and the API
    /// server's default is `Warn` (`apiserver/pkg/endpoints/handlers/rest.go`).
    #[test]
    fn wrong_types_are_refused_unknown_fields_pruned() {
        let template = json!({"metadata": {}, "spec": {"project": "default", "destination": {},
            "revisionHistoryLimit": "3"}});
        assert_eq!(
            schema_texts(&appset(json!({"generators": [], "template": template}))),
            ["spec.template.spec.revisionHistoryLimit: Invalid value: \"string\": spec.template.spec.revisionHistoryLimit in body must be of type integer: \"string\""]
        );
        let typo = appset(
            json!({"generators": [], "syncPolicy": {"preserveResourceOnDeletion": true},
            "template": {"metadata": {}, "spec": {"project": "default", "destination": {}}}}),
        );
        assert!(schema_texts(&typo).is_empty());
        let (unknown, pruned) = application_set_pruned(&typo);
        assert_eq!(unknown, ["spec.syncPolicy.preserveResourceOnDeletion"]);
        assert_eq!(pruned.value_at(&["spec", "syncPolicy"]), Some(&json!({})));
        let clean = appset(json!({"generators": [],
            "template": {"metadata": {}, "spec": {"project": "default", "destination": {}}}}));
        assert_eq!(application_set_pruned(&clean), (Vec::new(), clean.clone()));
    }

    /// What the controller writes from Go types can still break a value rule of the
    /// Application CRD: the source hydrator's sync path (`minLength: 1`, `pattern`).
    #[test]
    fn application_writes_break_value_rules_only() {
        let app = |path: &str| {
            Object::from_value(
                json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
                "metadata": {"name": "a"}, "spec": {"project": "default", "destination": {},
                "sourceHydrator": {"drySource": {"repoURL": "https://g", "path": ".", "targetRevision": "HEAD"},
                    "syncSource": {"targetBranch": "env", "path": path}}}}),
            )
        };
        assert_eq!(application_schema_error(&app("apps/a")), None);
        assert_eq!(application_schema_error(&app("a")), None);
        assert_eq!(
            application_schema_error(&app(".")).map(|refusal| refusal.to_string()).as_deref(),
            Some("Application.argoproj.io \"a\" is invalid: spec.sourceHydrator.syncSource.path: Invalid value: \".\": spec.sourceHydrator.syncSource.path in body should match '^.{2,}|[^./]$'")
        );
    }
}
