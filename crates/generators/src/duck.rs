//! The clusterDecisionResource ("duck type") generator (rulebook 4.9), over the objects
//! of the cluster Argo CD runs in.

use serde_json::{Map, Value};

use preflight_model::argocd::{IN_CLUSTER_NAME, IN_CLUSTER_SERVER};
use preflight_model::Object;

use crate::error::{FieldPath, GenerateError};
use crate::eval::Evaluator;
use crate::fields::optional_string;
use crate::params::{go_value_string, ParamSet};
use crate::selector::{parse_selector, selector_fields, SelectorRules};
use crate::values::{append_raw_values, string_map};

pub(crate) fn cluster_decision_params(
    eval: &Evaluator,
    generator: &Map<String, Value>,
    path: &FieldPath,
) -> Result<Vec<ParamSet>, GenerateError> {
    let config_map_name = optional_string(generator, "configMapRef", path)?;
    let resource_name = optional_string(generator, "name", path)?;
    let values = string_map(generator.get("values"), &path.key("values"))?;
    let selector_path = path.key("labelSelector");
    let selector_value = generator.get("labelSelector").unwrap_or(&Value::Null);
    let fields = selector_fields(selector_value, &selector_path)?;
    let namespace = eval.argocd_namespace();

    let config_map = eval
        .ctx
        .argocd_objects
        .iter()
        .find(|object| {
            object.group().is_empty()
                && object.kind() == "ConfigMap"
                && object.name() == config_map_name
                && object.namespace().unwrap_or(namespace) == namespace
        })
        .ok_or_else(|| {
            GenerateError::generator(
                &path.key("configMapRef"),
                format!(
                    "error reading configMapRef: configmaps \"{config_map_name}\" not found (namespace `{namespace}` of the Argo CD cluster in the snapshot)"
                ),
            )
        })?;
    let data = |key: &str| config_map.str_at(&["data", key]).unwrap_or("").to_string();
    let api_version = data("apiVersion");
    let resource = data("kind");
    let Some((group, _version)) = api_version
        .split_once('/')
        .filter(|(group, _)| !group.is_empty())
    else {
        return Err(problem_with_reference(path));
    };
    if resource.is_empty() {
        return Err(problem_with_reference(path));
    }
    let has_selector = !matches!(selector_value, Value::Null)
        && (fields.match_labels.is_some() || fields.match_expressions.is_some());
    if resource_name.is_empty() != has_selector {
        return Err(GenerateError::generator(
            path,
            "there is a problem with the definition of the ClusterDecisionResource generator: give exactly one of `name` and `labelSelector`",
        ));
    }
    let selector = parse_selector(&fields, &[], &selector_path, SelectorRules::Kubernetes)?;

    let resources: Vec<&&Object> = eval
        .ctx
        .argocd_objects
        .iter()
        .filter(|object| {
            object.group() == group
                && kind_is_resource(object.kind(), &resource)
                && object.namespace().unwrap_or(namespace) == namespace
        })
        .filter(|object| {
            if resource_name.is_empty() {
                selector.matches(&object.labels())
            } else {
                object.name() == resource_name
            }
        })
        .collect();
    if resources.is_empty() {
        return Err(GenerateError::generator(
            path,
            format!(
                "no clusterDecisionResources found (no `{resource}.{group}` in namespace `{namespace}` of the Argo CD cluster in the snapshot matches)"
            ),
        ));
    }

    let match_key = data("matchKey");
    let status_key = match data("statusListKey") {
        key if key.is_empty() => "clusters".to_string(),
        key => key,
    };
    if match_key.is_empty() {
        eval.warn(format!(
            "{path}: ConfigMap `{config_map_name}` has no `matchKey`, so Argo CD generates nothing from it"
        ));
        return Ok(Vec::new());
    }

    let mut decisions = Vec::new();
    for object in &resources {
        match object.value_at(&["status"]) {
            Some(Value::Object(status)) if !status.is_empty() => match status.get(&status_key) {
                None | Some(Value::Null) => {}
                Some(Value::Array(items)) => decisions.extend(items.iter()),
                Some(_) => {
                    return Err(GenerateError::generator(
                        path,
                        format!("`status.{status_key}` of `{}` is not a list", object.name()),
                    ))
                }
            },
            _ => {}
        }
    }

    let known = known_clusters(eval);
    let mut param_sets = Vec::new();
    for decision in decisions {
        let Value::Object(decision) = decision else {
            return Err(GenerateError::generator(
                path,
                format!("a decision in `status.{status_key}` is not an object"),
            ));
        };
        let wanted = match decision.get(&match_key) {
            None | Some(Value::Null) => continue,
            Some(value) => go_value_string(value),
        };
        if wanted.is_empty() {
            continue;
        }
        let Some((name, server)) = known.iter().find(|(name, _)| *name == wanted) else {
            continue;
        };
        let mut params = ParamSet::new();
        params.insert("name".into(), name.clone().into());
        params.insert("server".into(), server.clone().into());
        for (key, value) in decision {
            params.insert(key.clone(), Value::String(go_value_string(value)));
        }
        append_raw_values(&mut params, &values, eval.mode());
        param_sets.push(params);
    }
    Ok(param_sets)
}

fn problem_with_reference(path: &FieldPath) -> GenerateError {
    GenerateError::generator(
        path,
        "there is a problem with the apiVersion, kind or resourceName provided (the ConfigMap's `apiVersion` must be `group/version` and `kind` the resource name)",
    )
}

/// The clusters Argo CD lists: the cluster secrets, plus the implicit `in-cluster` when
/// no secret claims the local server.
fn known_clusters(eval: &Evaluator) -> Vec<(String, String)> {
    let mut known: Vec<(String, String)> = eval
        .ctx
        .clusters
        .iter()
        .map(|cluster| (cluster.name.clone(), cluster.server.clone()))
        .collect();
    if !eval
        .ctx
        .clusters
        .iter()
        .any(|cluster| cluster.server == IN_CLUSTER_SERVER)
    {
        known.push((IN_CLUSTER_NAME.to_string(), IN_CLUSTER_SERVER.to_string()));
    }
    known
}

/// Whether objects of `kind` are served as `resource` (the ConfigMap names the plural
/// resource, the snapshot has kinds): Kubernetes' default pluralisation, or the
/// lowercase kind itself.
fn kind_is_resource(kind: &str, resource: &str) -> bool {
    let lower = kind.to_ascii_lowercase();
    let resource = resource.to_ascii_lowercase();
    if resource == lower {
        return true;
    }
    let plural = if lower.ends_with('s')
        || lower.ends_with('x')
        || lower.ends_with("ch")
        || lower.ends_with("sh")
    {
        format!("{lower}es")
    } else if let Some(stem) = lower
        .strip_suffix('y')
        .filter(|stem| !stem.ends_with(['a', 'e', 'i', 'o', 'u']))
    {
        format!("{stem}ies")
    } else {
        format!("{lower}s")
    };
    resource == plural
}

#[cfg(test)]
mod tests {
    use super::kind_is_resource;

    #[test]
    fn resources_from_kinds() {
        assert!(kind_is_resource("PlacementDecision", "placementdecisions"));
        assert!(kind_is_resource("Policy", "policies"));
        assert!(kind_is_resource("Gateway", "gateways"));
        assert!(kind_is_resource("Status", "statuses"));
        assert!(kind_is_resource("Duck", "duck"));
        assert!(!kind_is_resource("Duck", "geese"));
    }
}
