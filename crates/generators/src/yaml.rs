//! Parsing YAML and JSON the way Argo CD's `sigs.k8s.io/yaml` does (rulebook 3.4): YAML
//! 1.1 scalars as go-yaml v2 resolves them (`yes`, `on`, `y` are booleans, `0777` is
//! octal), keys turned into strings, the first document only, later duplicate keys
//! winning, and every number a float64.

use serde_json::{Map, Number, Value};

/// Parses one document; an empty input is `null`.
pub(crate) fn parse(text: &str) -> Result<Value, String> {
    as_floats(parse_keeping_numbers(text)?)
}

/// Parses one document keeping integers as integers (what `sigs.k8s.io/yaml` hands a
/// typed Go struct, such as the Application a `templatePatch` becomes).
pub(crate) fn parse_keeping_numbers(text: &str) -> Result<Value, String> {
    let mut options = serde_saphyr::Options::default();
    options.legacy_octal_numbers = true;
    options.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::LastWins;
    let documents: Vec<Value> = serde_saphyr::from_multiple_with_options(text, options)
        .map_err(|error| preflight_model::plain_parser_message(first_line(&error.to_string())))?;
    Ok(documents.into_iter().next().unwrap_or(Value::Null))
}

/// Turns every number into a float64, as decoding JSON into Go's `any` does.
fn as_floats(value: Value) -> Result<Value, String> {
    Ok(match value {
        Value::Number(number) => {
            let float = number.as_f64().unwrap_or(f64::NAN);
            Value::Number(
                Number::from_f64(float).ok_or_else(|| {
                    format!("the number `{number}` cannot be represented in JSON")
                })?,
            )
        }
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(as_floats)
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(key, item)| Ok((key, as_floats(item)?)))
                .collect::<Result<Map<_, _>, String>>()?,
        ),
        other => other,
    })
}

pub(crate) fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text).trim()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[track_caller]
    fn check(text: &str, expected: Value) {
        assert_eq!(parse(text).unwrap(), expected, "parsing {text:?}");
    }

    #[test]
    fn yaml_one_one_scalars_and_floats() {
        check(
            "a: yes\nb: on\nc: n\nd: 0777\ne: 1_000\nf: 0x1F\ng: 2001-12-14\nh: ~\ni: 1e3\nj: '1'",
            json!({
                "a": true, "b": true, "c": false, "d": 511.0, "e": 1000.0, "f": 31.0,
                "g": "2001-12-14", "h": null, "i": 1000.0, "j": "1"
            }),
        );
        check("1: a\ntrue: b", json!({"1": "a", "true": "b"}));
        check("a: 1\na: 2", json!({"a": 2.0}));
        check("---\na: 1\n---\nb: 2\n", json!({"a": 1.0}));
        check("", Value::Null);
        check(
            "{\"a\": [1, {\"b\": 2.5}]}",
            json!({"a": [1.0, {"b": 2.5}]}),
        );
        assert!(parse("a: [").is_err());
    }
}
