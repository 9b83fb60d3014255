//! The List generator (rulebook 4.1, `gen/list.go`).

use serde_json::{Map, Value};

use crate::error::{type_name, FieldPath, GenerateError};
use crate::params::{Mode, ParamSet};

/// The parameter sets of a `list` generator: one per item of `elements`, then one per
/// item of `elementsYaml`.
///
/// An element must be an object of strings, except that a `values` object of strings
/// becomes `values.<key>` parameters. A null or empty element yields an empty parameter
/// set. `elementsYaml` items are taken as they are, not flattened, so their non-string
/// values exist (for the post-selector) but can never be substituted.
pub(crate) fn list_params(
    list: &Map<String, Value>,
    path: &FieldPath,
    mode: Mode,
) -> Result<Vec<ParamSet>, GenerateError> {
    let mut param_sets = Vec::new();
    let elements_path = path.key("elements");
    match list.get("elements") {
        None | Some(Value::Null) => {}
        Some(Value::Array(elements)) => {
            for (index, element) in elements.iter().enumerate() {
                let element_path = elements_path.index(index);
                param_sets.push(match mode {
                    Mode::Fast => element_params(element, &element_path)?,
                    // Go templates take each element as it is, any JSON types.
                    Mode::Go => match element {
                        Value::Null => ParamSet::new(),
                        Value::Object(map) => map.clone().into_iter().collect(),
                        other => {
                            return Err(GenerateError::wrong_type(
                                &element_path,
                                "an object",
                                other,
                            ))
                        }
                    },
                });
            }
        }
        Some(other) => return Err(GenerateError::wrong_type(&elements_path, "a list", other)),
    }

    let yaml_path = path.key("elementsYaml");
    match list.get("elementsYaml") {
        None | Some(Value::Null) => {}
        Some(Value::String(text)) if text.is_empty() => {}
        Some(Value::String(text)) => param_sets.extend(yaml_params(text, &yaml_path)?),
        Some(other) => return Err(GenerateError::wrong_type(&yaml_path, "a string", other)),
    }
    Ok(param_sets)
}

fn element_params(element: &Value, path: &FieldPath) -> Result<ParamSet, GenerateError> {
    let map = match element {
        Value::Null => return Ok(ParamSet::new()),
        Value::Object(map) => map,
        other => return Err(GenerateError::wrong_type(path, "an object", other)),
    };
    let mut params = ParamSet::new();
    let mut values = ParamSet::new();
    for (key, value) in map {
        let value_path = path.key(key);
        if key == "values" {
            let Value::Object(entries) = value else {
                return Err(GenerateError::invalid(
                    &value_path,
                    format!(
                        "must be an object of strings in fasttemplate mode, found {}",
                        type_name(value)
                    ),
                ));
            };
            for (entry_key, entry_value) in entries {
                let text = fasttemplate_string(entry_value, &value_path.key(entry_key))?;
                values.insert(format!("values.{entry_key}"), Value::String(text));
            }
        } else {
            let text = fasttemplate_string(value, &value_path)?;
            params.insert(key.clone(), Value::String(text));
        }
    }
    // A literal `values.x` key and a `values: {x}` entry collide; Argo CD's map order
    // decides which wins. Here the `values` object does.
    params.extend(values);
    Ok(params)
}

fn fasttemplate_string(value: &Value, path: &FieldPath) -> Result<String, GenerateError> {
    match value {
        Value::String(text) => Ok(text.clone()),
        other => Err(GenerateError::invalid(
            path,
            format!(
                "value must be a string in fasttemplate mode, found {}",
                type_name(other)
            ),
        )),
    }
}

/// `elementsYaml`: a YAML list of objects, parsed like `sigs.k8s.io/yaml` would.
fn yaml_params(text: &str, path: &FieldPath) -> Result<Vec<ParamSet>, GenerateError> {
    let parsed: Value = crate::yaml::parse(text).map_err(|error| {
        GenerateError::invalid(path, format!("is not a YAML list of objects: {error}"))
    })?;
    crate::check_depth(&parsed, path)?;
    let items = match parsed {
        Value::Null => return Ok(Vec::new()),
        Value::Array(items) => items,
        other => {
            return Err(GenerateError::invalid(
                path,
                format!(
                    "must be a YAML list of objects, found {}",
                    type_name(&other)
                ),
            ))
        }
    };
    items
        .into_iter()
        .enumerate()
        .map(|(index, item)| match item {
            Value::Null => Ok(ParamSet::new()),
            Value::Object(map) => Ok(map.into_iter().collect()),
            other => Err(GenerateError::invalid(
                &path.index(index),
                format!("must be an object, found {}", type_name(&other)),
            )),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[track_caller]
    fn check(list: Value, expected: Value) {
        let params = list_params(
            list.as_object().unwrap(),
            &FieldPath::of("list"),
            Mode::Fast,
        )
        .unwrap();
        let actual: Vec<Value> = params
            .into_iter()
            .map(|set| Value::Object(set.into_iter().collect()))
            .collect();
        assert_eq!(Value::Array(actual), expected);
    }

    #[track_caller]
    fn check_error(list: Value, expected: &str) {
        let error = list_params(
            list.as_object().unwrap(),
            &FieldPath::of("list"),
            Mode::Fast,
        )
        .unwrap_err();
        assert_eq!(error.to_string(), expected);
    }

    #[test]
    fn elements_become_string_params() {
        check(
            json!({"elements": [{"cluster": "a", "url": "https://a"}, {"cluster": "b", "url": "https://b"}]}),
            json!([{"cluster": "a", "url": "https://a"}, {"cluster": "b", "url": "https://b"}]),
        );
        check(json!({}), json!([]));
        check(json!({"elements": [{}, null]}), json!([{}, {}]));
    }

    #[test]
    fn values_objects_become_dotted_params() {
        check(
            json!({"elements": [{"cluster": "a", "values": {"env": "prod", "tier": "1"}}]}),
            json!([{"cluster": "a", "values.env": "prod", "values.tier": "1"}]),
        );
    }

    #[test]
    fn elements_yaml_is_appended_unflattened() {
        check(
            json!({"elements": [{"cluster": "a"}], "elementsYaml": "- cluster: b\n  replicas: 3\n  values:\n    env: dev\n- {}\n"}),
            json!([{"cluster": "a"}, {"cluster": "b", "replicas": 3.0, "values": {"env": "dev"}}, {}]),
        );
        check(json!({"elementsYaml": "  \n"}), json!([]));
        check(json!({"elementsYaml": ""}), json!([]));
    }

    #[test]
    fn non_strings_are_errors() {
        check_error(
            json!({"elements": [{"cluster": "a"}, {"cluster": 5}]}),
            "list.elements[1].cluster: value must be a string in fasttemplate mode, found number",
        );
        check_error(
            json!({"elements": [{"values": {"replicas": 2}}]}),
            "list.elements[0].values.replicas: value must be a string in fasttemplate mode, found number",
        );
        check_error(
            json!({"elements": [{"values": "prod"}]}),
            "list.elements[0].values: must be an object of strings in fasttemplate mode, found string",
        );
        check_error(
            json!({"elements": [{"enabled": null}]}),
            "list.elements[0].enabled: value must be a string in fasttemplate mode, found null",
        );
        check_error(
            json!({"elements": ["a"]}),
            "list.elements[0]: must be an object, found string",
        );
        check_error(
            json!({"elements": {}}),
            "list.elements: must be a list, found object",
        );
        check_error(
            json!({"elementsYaml": 3}),
            "list.elementsYaml: must be a string, found number",
        );
        check_error(
            json!({"elementsYaml": "a: b"}),
            "list.elementsYaml: must be a YAML list of objects, found object",
        );
        check_error(
            json!({"elementsYaml": "- a\n"}),
            "list.elementsYaml[0]: must be an object, found string",
        );
    }
}
