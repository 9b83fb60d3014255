//! Generator `values` (rulebook 4.0): extra parameters whose text is rendered against the
//! parameter set they join, never against each other.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::error::{FieldPath, GenerateError};
use crate::params::{Mode, ParamSet, TypeHints};
use crate::render::Renderer;

/// Reads a `values` field: an object of strings, absent or null meaning none.
pub(crate) fn string_map(
    value: Option<&Value>,
    path: &FieldPath,
) -> Result<BTreeMap<String, String>, GenerateError> {
    match value {
        None | Some(Value::Null) => Ok(BTreeMap::new()),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(key, value)| match value {
                Value::String(text) => Ok((key.clone(), text.clone())),
                // Go decodes a null into a `map[string]string` as the empty string.
                Value::Null => Ok((key.clone(), String::new())),
                other => Err(GenerateError::wrong_type(&path.key(key), "a string", other)),
            })
            .collect(),
        Some(other) => Err(GenerateError::wrong_type(path, "an object", other)),
    }
}

/// Adds `values` to `params`, each value rendered against `params` as they were before any
/// value was added. fasttemplate adds `values.<key>` strings; Go templates add one nested
/// `values` object, replacing any `values` the set had, when there is at least one value.
/// `hints` are the Go types of the generator's parameters.
pub(crate) fn append_values(
    params: &mut ParamSet,
    values: &BTreeMap<String, String>,
    path: &FieldPath,
    renderer: &Renderer,
    hints: &TypeHints,
) -> Result<(), GenerateError> {
    if values.is_empty() {
        return Ok(());
    }
    let mut rendered = Map::new();
    {
        let bound = renderer.bind(params, hints);
        for (key, template) in values {
            let text =
                bound
                    .render_str(template)
                    .map_err(|message| GenerateError::InvalidTemplate {
                        path: path.key(key).to_string(),
                        message,
                    })?;
            rendered.insert(key.clone(), Value::String(text.into_owned()));
        }
    }
    match renderer.mode() {
        Mode::Fast => params.extend(
            rendered
                .into_iter()
                .map(|(key, text)| (format!("values.{key}"), text)),
        ),
        Mode::Go => {
            params.insert("values".to_string(), Value::Object(rendered));
        }
    }
    Ok(())
}

/// Adds `values` without rendering them (the clusterDecisionResource generator).
pub(crate) fn append_raw_values(
    params: &mut ParamSet,
    values: &BTreeMap<String, String>,
    mode: Mode,
) {
    if values.is_empty() {
        return;
    }
    match mode {
        Mode::Fast => {
            for (key, value) in values {
                params.insert(format!("values.{key}"), Value::String(value.clone()));
            }
        }
        Mode::Go => {
            let map: Map<String, Value> = values
                .iter()
                .map(|(key, value)| (key.clone(), Value::String(value.clone())))
                .collect();
            params.insert("values".to_string(), Value::Object(map));
        }
    }
}
