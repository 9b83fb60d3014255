//! Generator `values` (rulebook 4.0): extra parameters whose text is rendered against the
//! parameter set they join, never against each other.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::error::{FieldPath, GenerateError};
use crate::eval::{type_hints, Evaluator, Level};
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
    let mut rendered = Vec::with_capacity(values.len());
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
            rendered.push((key.clone(), text.into_owned()));
        }
    }
    insert_values(params, rendered, renderer.mode());
    Ok(())
}

/// Adds values, already rendered, to `params` the way `mode` shapes them.
fn insert_values(params: &mut ParamSet, values: Vec<(String, String)>, mode: Mode) {
    match mode {
        Mode::Fast => params.extend(
            values
                .into_iter()
                .map(|(key, text)| (format!("values.{key}"), Value::String(text))),
        ),
        Mode::Go => {
            let map: Map<String, Value> = values
                .into_iter()
                .map(|(key, text)| (key, Value::String(text)))
                .collect();
            params.insert("values".to_string(), Value::Object(map));
        }
    }
}

/// A generator's `values`, read once with what rendering them takes, then added to each
/// parameter set the generator makes. The git and recorded generators share it so that
/// each reads `values` at the same point and adds them the same way.
pub(crate) struct GeneratorValues<'e> {
    values: BTreeMap<String, String>,
    path: FieldPath,
    renderer: &'e Renderer,
    hints: TypeHints,
}

impl<'e> GeneratorValues<'e> {
    /// Reads the `values` of the generator of kind `kind` at `path`.
    pub(crate) fn read(
        eval: &'e Evaluator,
        kind: &str,
        generator: &Map<String, Value>,
        path: &FieldPath,
    ) -> Result<GeneratorValues<'e>, GenerateError> {
        let values_path = path.key("values");
        Ok(GeneratorValues {
            values: string_map(generator.get("values"), &values_path)?,
            path: values_path,
            renderer: &eval.renderer,
            hints: type_hints(kind, generator, Level::Terminal, eval.mode()),
        })
    }

    /// [`append_values`] for this generator.
    pub(crate) fn append_to(&self, params: &mut ParamSet) -> Result<(), GenerateError> {
        append_values(params, &self.values, &self.path, self.renderer, &self.hints)
    }
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
    let values = values
        .iter()
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    insert_values(params, values, mode);
}
