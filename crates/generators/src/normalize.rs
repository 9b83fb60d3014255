//! The normalization the ApplicationSet controller applies to an Application spec before
//! comparing or writing it (rulebook 9.3 step 1, Argo CD's `NormalizeApplicationSpec`).

use serde_json::{Map, Value};

use crate::fields::is_go_zero;

/// Normalizes an Application `spec` in place, on generated and live Applications alike:
///
/// * an empty or absent `project` becomes `default`;
/// * a `syncPolicy` with none of `automated`, `syncOptions`, `retry`,
///   `managedNamespaceMetadata` set is removed;
/// * in each of `spec.sources[]` (or in `spec.source` when `sources` is empty), a
///   `kustomize` or `helm` block whose fields are all zero is removed, and a zero
///   `directory` block is removed or reduced to its `include`/`exclude`.
///
/// "Zero" follows Argo CD's `IsZero` methods field by field, including their gaps: a
/// `kustomize` block with only `forceCommonLabels: true` counts as zero there, so it does
/// here. A value that is not an object is left alone; a null spec becomes one holding
/// only the default project.
pub fn normalize_application_spec(spec: &mut Value) {
    if spec.is_null() {
        *spec = Value::Object(Map::new());
    }
    let Value::Object(spec) = spec else {
        return;
    };
    if spec.get("project").is_none_or(is_go_zero) {
        spec.insert("project".to_string(), Value::String("default".to_string()));
    }
    if spec.get("syncPolicy").is_some_and(sync_policy_is_zero) {
        spec.remove("syncPolicy");
    }
    let has_sources =
        matches!(spec.get("sources"), Some(Value::Array(sources)) if !sources.is_empty());
    if has_sources {
        if let Some(Value::Array(sources)) = spec.get_mut("sources") {
            for source in sources {
                normalize_source(source);
            }
        }
    } else if let Some(source) = spec.get_mut("source") {
        normalize_source(source);
    }
}

fn normalize_source(source: &mut Value) {
    let Value::Object(source) = source else {
        return;
    };
    if source.get("kustomize").is_some_and(kustomize_is_zero) {
        source.remove("kustomize");
    }
    if source.get("helm").is_some_and(helm_is_zero) {
        source.remove("helm");
    }
    if let Some(directory) = source.get("directory") {
        if directory_is_zero(directory) {
            // Argo CD rebuilds the block from `include` and `exclude` alone.
            let mut kept = Map::new();
            for field in ["exclude", "include"] {
                if let Some(Value::String(pattern)) = directory.get(field) {
                    if !pattern.is_empty() {
                        kept.insert(field.to_string(), Value::String(pattern.clone()));
                    }
                }
            }
            if kept.is_empty() {
                source.remove("directory");
            } else {
                source.insert("directory".to_string(), Value::Object(kept));
            }
        }
    }
}

/// Whether every field listed is zero in `block`. A null block is zero (a nil pointer);
/// a block that is not an object is never zero, so malformed input is kept visible.
fn fields_zero(block: &Value, fields: &[&str]) -> bool {
    match block {
        Value::Null => true,
        Value::Object(map) => fields
            .iter()
            .all(|field| map.get(*field).is_none_or(is_go_zero)),
        _ => false,
    }
}

/// `SyncPolicy.IsZero`: only these four pointers and lists count; a present `automated: {}`
/// or `retry: {}` is a non-nil pointer.
fn sync_policy_is_zero(policy: &Value) -> bool {
    match policy {
        Value::Null => true,
        Value::Object(map) => {
            let absent = |field: &str| map.get(field).is_none_or(Value::is_null);
            absent("automated")
                && absent("retry")
                && absent("managedNamespaceMetadata")
                && map.get("syncOptions").is_none_or(is_go_zero)
        }
        _ => false,
    }
}

/// `ApplicationSourceKustomize.IsZero`.
fn kustomize_is_zero(kustomize: &Value) -> bool {
    fields_zero(
        kustomize,
        &[
            "namePrefix",
            "nameSuffix",
            "version",
            "namespace",
            "images",
            "replicas",
            "commonLabels",
            "commonAnnotations",
            "patches",
            "components",
            "kubeVersion",
            "apiVersions",
            "ignoreMissingComponents",
        ],
    )
}

/// `ApplicationSourceHelm.IsZero`. `values` counts only when `valuesObject` is absent,
/// and any non-null `valuesObject` (even `{}`) makes the block non-zero, since Argo CD
/// checks the YAML it would pass to Helm.
fn helm_is_zero(helm: &Value) -> bool {
    let values_empty = match helm.get("valuesObject") {
        None | Some(Value::Null) => helm.get("values").is_none_or(is_go_zero),
        Some(_) => false,
    };
    values_empty
        && fields_zero(
            helm,
            &[
                "version",
                "releaseName",
                "valueFiles",
                "parameters",
                "fileParameters",
                "passCredentials",
                "ignoreMissingValueFiles",
                "skipCrds",
                "skipTests",
                "skipSchemaValidation",
                "kubeVersion",
                "apiVersions",
                "namespace",
            ],
        )
}

/// `ApplicationSourceDirectory.IsZero`: `include` and `exclude` do not count.
fn directory_is_zero(directory: &Value) -> bool {
    let jsonnet_zero = directory
        .get("jsonnet")
        .is_none_or(|jsonnet| fields_zero(jsonnet, &["extVars", "tlas", "libs"]));
    jsonnet_zero && fields_zero(directory, &["recurse", "disableExtensionFilter"])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[track_caller]
    fn check(mut spec: Value, expected: Value) {
        normalize_application_spec(&mut spec);
        assert_eq!(spec, expected);
    }

    #[test]
    fn project_defaults() {
        check(json!({}), json!({"project": "default"}));
        check(json!({"project": ""}), json!({"project": "default"}));
        check(json!({"project": null}), json!({"project": "default"}));
        check(json!({"project": "team"}), json!({"project": "team"}));
        check(json!(null), json!({"project": "default"}));
        check(json!("weird"), json!("weird"));
    }

    #[test]
    fn empty_sync_policy_is_removed() {
        check(
            json!({"project": "p", "syncPolicy": {}}),
            json!({"project": "p"}),
        );
        check(
            json!({"project": "p", "syncPolicy": {"syncOptions": [], "automated": null}}),
            json!({"project": "p"}),
        );
        check(
            json!({"project": "p", "syncPolicy": {"automated": {}}}),
            json!({"project": "p", "syncPolicy": {"automated": {}}}),
        );
        check(
            json!({"project": "p", "syncPolicy": {"syncOptions": ["CreateNamespace=true"]}}),
            json!({"project": "p", "syncPolicy": {"syncOptions": ["CreateNamespace=true"]}}),
        );
    }

    #[test]
    fn zero_source_blocks_are_removed() {
        check(
            json!({"project": "p", "source": {"repoURL": "r", "kustomize": {"images": []}, "helm": {"releaseName": "", "skipCrds": false}, "directory": {"recurse": false}}}),
            json!({"project": "p", "source": {"repoURL": "r"}}),
        );
        check(
            json!({"project": "p", "source": {"kustomize": {"namePrefix": "x-"}, "helm": {"values": "a: 1"}, "directory": {"recurse": true}}}),
            json!({"project": "p", "source": {"kustomize": {"namePrefix": "x-"}, "helm": {"values": "a: 1"}, "directory": {"recurse": true}}}),
        );
        // Argo CD's Kustomize IsZero does not look at forceCommonLabels.
        check(
            json!({"project": "p", "source": {"kustomize": {"forceCommonLabels": true}}}),
            json!({"project": "p", "source": {}}),
        );
        check(
            json!({"project": "p", "source": {"helm": {"valuesObject": {}}}}),
            json!({"project": "p", "source": {"helm": {"valuesObject": {}}}}),
        );
    }

    #[test]
    fn zero_directory_keeps_include_and_exclude() {
        check(
            json!({"project": "p", "source": {"directory": {"recurse": false, "include": "*.yaml", "exclude": "", "jsonnet": {}}}}),
            json!({"project": "p", "source": {"directory": {"include": "*.yaml"}}}),
        );
        check(
            json!({"project": "p", "source": {"directory": {"jsonnet": {"libs": ["l"]}, "include": "*.yaml"}}}),
            json!({"project": "p", "source": {"directory": {"jsonnet": {"libs": ["l"]}, "include": "*.yaml"}}}),
        );
    }

    #[test]
    fn sources_win_over_source() {
        check(
            json!({"project": "p", "source": {"helm": {}}, "sources": [{"helm": {}}, {"kustomize": {}}]}),
            json!({"project": "p", "source": {"helm": {}}, "sources": [{}, {}]}),
        );
        check(
            json!({"project": "p", "source": {"helm": {}}, "sources": []}),
            json!({"project": "p", "source": {}, "sources": []}),
        );
    }
}
