//! How an Application changes: the field paths that differ and a YAML-like rendering that
//! diffs line by line.
//!
//! Both compare Applications without the fields the API server and the application
//! controller fill in (`status`, `metadata.resourceVersion`, ...): the live Application
//! has them and the generated one never does, so they would show up as changes that the
//! ApplicationSet controller does not make.

use serde_json::{Map, Value};

/// Top-level fields that the ApplicationSet controller neither writes nor compares.
const SERVER_FIELDS: &[&str] = &["status"];

/// `metadata` fields that the API server fills in.
const SERVER_METADATA_FIELDS: &[&str] = &[
    "creationTimestamp",
    "generation",
    "managedFields",
    "resourceVersion",
    "selfLink",
    "uid",
];

/// The Application without server-populated fields.
pub(crate) fn comparable(application: &Value) -> Value {
    let mut application = application.clone();
    if let Value::Object(fields) = &mut application {
        for field in SERVER_FIELDS {
            fields.remove(*field);
        }
        if let Some(Value::Object(metadata)) = fields.get_mut("metadata") {
            for field in SERVER_METADATA_FIELDS {
                metadata.remove(*field);
            }
        }
    }
    application
}

/// The paths of the fields that differ, sorted (`spec.source.targetRevision`,
/// `metadata.labels["app.kubernetes.io/name"]`). Objects are compared field by field;
/// anything else, lists included, is one field.
pub(crate) fn changed_paths(before: &Value, after: &Value) -> Vec<String> {
    let mut paths = Vec::new();
    collect_changes(
        String::new(),
        Some(&comparable(before)),
        Some(&comparable(after)),
        &mut paths,
    );
    paths.sort();
    paths
}

fn collect_changes(
    path: String,
    before: Option<&Value>,
    after: Option<&Value>,
    out: &mut Vec<String>,
) {
    match (before, after) {
        (Some(Value::Object(before)), Some(Value::Object(after))) => {
            let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                collect_changes(
                    join_path(&path, key),
                    before.get(key.as_str()),
                    after.get(key.as_str()),
                    out,
                );
            }
        }
        (before, after) if before != after => out.push(if path.is_empty() {
            ".".to_string()
        } else {
            path
        }),
        _ => {}
    }
}

fn join_path(path: &str, key: &str) -> String {
    let simple = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    match (path.is_empty(), simple) {
        (true, true) => key.to_string(),
        (false, true) => format!("{path}.{key}"),
        (_, false) => format!("{path}[{}]", Value::String(key.to_string())),
    }
}

/// A YAML-like rendering, one field per line, keys sorted: stable input for a line diff.
/// Scalars are written as JSON, which YAML reads the same way.
pub(crate) fn yamlish(value: &Value) -> String {
    let mut out = String::new();
    write_value(&comparable(value), 0, &mut out);
    out
}

fn write_value(value: &Value, indent: usize, out: &mut String) {
    match value {
        Value::Object(fields) if !fields.is_empty() => write_object(fields, indent, out),
        Value::Array(items) if !items.is_empty() => {
            for item in items {
                // Render the item one level deeper, then turn its first indentation into
                // the list marker, as YAML writes `- key: value`.
                let mut rendered = String::new();
                write_value(item, indent + 2, &mut rendered);
                out.push_str(&" ".repeat(indent));
                out.push_str("- ");
                out.push_str(&rendered[indent + 2..]);
            }
        }
        scalar => {
            out.push_str(&" ".repeat(indent));
            out.push_str(&scalar_text(scalar));
            out.push('\n');
        }
    }
}

fn write_object(fields: &Map<String, Value>, indent: usize, out: &mut String) {
    let mut keys: Vec<&String> = fields.keys().collect();
    keys.sort();
    for key in keys {
        let value = &fields[key.as_str()];
        out.push_str(&" ".repeat(indent));
        out.push_str(&key_text(key));
        out.push(':');
        match value {
            Value::Object(inner) if !inner.is_empty() => {
                out.push('\n');
                write_object(inner, indent + 2, out);
            }
            Value::Array(items) if !items.is_empty() => {
                out.push('\n');
                write_value(value, indent + 2, out);
            }
            scalar => {
                out.push(' ');
                out.push_str(&scalar_text(scalar));
                out.push('\n');
            }
        }
    }
}

fn key_text(key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'));
    if plain {
        key.to_string()
    } else {
        Value::String(key.to_string()).to_string()
    }
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::Object(_) => "{}".to_string(),
        Value::Array(_) => "[]".to_string(),
        other => other.to_string(),
    }
}
