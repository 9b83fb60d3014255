//! Writes the Kubernetes API server refuses before any controller sees them: an
//! Application whose name is not a DNS subdomain (custom resources validate
//! `metadata.name` with apimachinery's `IsDNS1123Subdomain`), and an ApplicationSet that
//! breaks its CRD's schema (`manifests/crds/applicationset-crd.yaml` of Argo CD: `spec`
//! requires `generators` and `template`, `template` requires `metadata` and `spec`,
//! `template.spec` requires `destination` and `project`, and
//! `syncPolicy.applicationsSync` is an enum). The texts are the API server's.

use serde_json::Value;

use preflight_model::Object;

const DNS1123_SUBDOMAIN_MESSAGE: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const DNS1123_SUBDOMAIN_MAX_LENGTH: usize = 253;
const APPLICATIONS_SYNC_VALUES: [&str; 4] =
    ["create-only", "create-update", "create-delete", "sync"];

/// Why the API server refuses to create an Application named `name`, if it does.
/// (An empty name is refused earlier, by the controller's validation.)
pub fn application_name_error(name: &str) -> Option<String> {
    let mut problems = Vec::new();
    if name.len() > DNS1123_SUBDOMAIN_MAX_LENGTH {
        problems.push(format!(
            "must be no more than {DNS1123_SUBDOMAIN_MAX_LENGTH} characters"
        ));
    }
    if !is_dns1123_subdomain(name) {
        problems.push(DNS1123_SUBDOMAIN_MESSAGE.to_string());
    }
    if name.is_empty() || problems.is_empty() {
        return None;
    }
    Some(format!(
        "Application.argoproj.io {name:?} is invalid: metadata.name: Invalid value: {name:?}: {}",
        problems.join(", ")
    ))
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
/// it accepts it. Only the required fields and the enum above are checked.
pub fn application_set_schema_errors(appset: &Object) -> Vec<String> {
    let mut errors = Vec::new();
    // A null value of a non-nullable field is dropped before validation, so it counts as
    // missing.
    let present = |value: Option<&Value>| value.is_some_and(|v| !v.is_null());
    let spec = appset.value_at(&["spec"]);
    if !present(spec) {
        errors.push("spec: Required value".to_string());
    } else {
        for field in ["generators", "template"] {
            if !present(appset.value_at(&["spec", field])) {
                errors.push(format!("spec.{field}: Required value"));
            }
        }
    }
    if present(appset.value_at(&["spec", "template"])) {
        for field in ["metadata", "spec"] {
            if !present(appset.value_at(&["spec", "template", field])) {
                errors.push(format!("spec.template.{field}: Required value"));
            }
        }
        if present(appset.value_at(&["spec", "template", "spec"])) {
            for field in ["destination", "project"] {
                if !present(appset.value_at(&["spec", "template", "spec", field])) {
                    errors.push(format!("spec.template.spec.{field}: Required value"));
                }
            }
        }
    }
    match appset.value_at(&["spec", "syncPolicy", "applicationsSync"]) {
        None | Some(Value::Null) => {}
        Some(Value::String(text)) if APPLICATIONS_SYNC_VALUES.contains(&text.as_str()) => {}
        Some(Value::String(text)) => errors.push(format!(
            "spec.syncPolicy.applicationsSync: Unsupported value: {text:?}: supported values: {}",
            APPLICATIONS_SYNC_VALUES
                .iter()
                .map(|v| format!("{v:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        Some(other) => errors.push(format!(
            "spec.syncPolicy.applicationsSync: Invalid value: {:?}: spec.syncPolicy.applicationsSync in body must be of type string: {:?}",
            type_name(other),
            type_name(other)
        )),
    }
    errors
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
            let error = application_name_error(invalid).unwrap_or_else(|| panic!("{invalid}"));
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
            .contains("must be no more than 253 characters"));
        assert_eq!(application_name_error(&"a".repeat(253)), None);
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
        assert!(application_set_schema_errors(&appset(
            json!({"generators": [], "template": template.clone()})
        ))
        .is_empty());
        assert_eq!(
            application_set_schema_errors(&appset(json!({
                "generators": [],
                "template": {"metadata": {}, "spec": {"project": null}},
                "syncPolicy": {"applicationsSync": "upsert"},
            }))),
            [
                "spec.template.spec.destination: Required value",
                "spec.template.spec.project: Required value",
                "spec.syncPolicy.applicationsSync: Unsupported value: \"upsert\": supported values: \"create-only\", \"create-update\", \"create-delete\", \"sync\"",
            ]
        );
        assert_eq!(
            application_set_schema_errors(&appset(json!({"template": template}))),
            ["spec.generators: Required value"]
        );
    }
}
