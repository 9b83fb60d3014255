//! Fields of an ApplicationSet read the way Argo CD's Go structs decode them: an absent or
//! null field is the Go zero value, and a value of the wrong type is an error naming the
//! field. Generators, selectors and the spec share these readers so that every field of
//! one Go type is read, and refused, alike.

use serde_json::{Map, Value};

use crate::error::{FieldPath, GenerateError};

/// A string field of `map`: absent or null is `""` (a Go `string`), anything else but a
/// string is an error at `path.field`.
pub(crate) fn optional_string(
    map: &Map<String, Value>,
    field: &str,
    path: &FieldPath,
) -> Result<String, GenerateError> {
    match map.get(field) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(text)) => Ok(text.clone()),
        Some(other) => Err(GenerateError::wrong_type(
            &path.key(field),
            "a string",
            other,
        )),
    }
}

/// A boolean field of `map`: absent or null is `false` (a Go `bool`), anything else but a
/// boolean is an error at `path.field`.
pub(crate) fn optional_bool(
    map: &Map<String, Value>,
    field: &str,
    path: &FieldPath,
) -> Result<bool, GenerateError> {
    match map.get(field) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(flag)) => Ok(*flag),
        Some(other) => Err(GenerateError::wrong_type(
            &path.key(field),
            "a boolean",
            other,
        )),
    }
}

/// A list field at `path`, absent or null meaning none (a nil Go slice), each item read by
/// `read_item` with its own path; the first item that fails stops the reading.
pub(crate) fn list_of<T>(
    value: Option<&Value>,
    path: &FieldPath,
    mut read_item: impl FnMut(&Value, &FieldPath) -> Result<T, GenerateError>,
) -> Result<Vec<T>, GenerateError> {
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(index, item)| read_item(item, &path.index(index)))
            .collect(),
        Some(other) => Err(GenerateError::wrong_type(path, "a list", other)),
    }
}

/// A list-of-strings field at `path` (a Go `[]string`), absent or null meaning none.
pub(crate) fn string_list(
    value: Option<&Value>,
    path: &FieldPath,
) -> Result<Vec<String>, GenerateError> {
    list_of(value, path, |item, item_path| match item {
        Value::String(text) => Ok(text.clone()),
        other => Err(GenerateError::wrong_type(item_path, "a string", other)),
    })
}

/// Whether a value is what Go would decode to its zero value: null, `""`, `false`, `0`,
/// or an empty list or map. Mergo's `isEmptyValue` (generator templates) and Argo CD's
/// `IsZero` methods (spec normalization) both reduce to this test on decoded JSON.
pub(crate) fn is_go_zero(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Bool(flag) => !flag,
        Value::Number(number) => number.as_f64() == Some(0.0),
        Value::String(text) => text.is_empty(),
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.is_empty(),
    }
}
