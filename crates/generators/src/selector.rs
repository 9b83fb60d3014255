//! Kubernetes label selectors, as the cluster generator applies them to cluster secrets
//! and the post-generator selector applies them to flattened parameter sets.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::error::{FieldPath, GenerateError};
use crate::fields::{optional_string, string_list};

/// Which validation a selector gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SelectorRules {
    /// `metav1.LabelSelectorAsSelector`: keys and values must be valid label keys and
    /// values (the cluster generator's selector over secret labels).
    Kubernetes,
    /// Argo CD's copy of it (`utils/selector.go`, rulebook 5): values are not validated,
    /// so URLs and long strings work; keys still must be qualified names.
    ApplicationSet,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operator {
    Equals,
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Requirement {
    key: String,
    operator: Operator,
    values: Vec<String>,
}

impl Requirement {
    fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        let value = labels.get(&self.key);
        match self.operator {
            Operator::Equals | Operator::In => value.is_some_and(|v| self.values.contains(v)),
            Operator::NotIn => value.is_none_or(|v| !self.values.contains(v)),
            Operator::Exists => value.is_some(),
            Operator::DoesNotExist => value.is_none(),
        }
    }
}

/// A parsed selector: all requirements must hold. An empty selector matches everything.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct LabelSelector {
    requirements: Vec<Requirement>,
}

impl LabelSelector {
    pub(crate) fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.requirements.iter().all(|r| r.matches(labels))
    }
}

/// The raw `matchLabels` and `matchExpressions` of a selector field, shape-checked.
#[derive(Debug, Clone, Default)]
pub(crate) struct SelectorFields<'a> {
    pub(crate) match_labels: Option<&'a Map<String, Value>>,
    pub(crate) match_expressions: Option<&'a Vec<Value>>,
}

impl SelectorFields<'_> {
    /// Whether neither `matchLabels` nor `matchExpressions` has an entry.
    pub(crate) fn is_empty(&self) -> bool {
        self.match_labels.is_none_or(Map::is_empty)
            && self.match_expressions.is_none_or(Vec::is_empty)
    }
}

/// Reads the two fields of a selector object (null counts as absent).
pub(crate) fn selector_fields<'a>(
    value: &'a Value,
    path: &FieldPath,
) -> Result<SelectorFields<'a>, GenerateError> {
    let map = match value {
        Value::Null => return Ok(SelectorFields::default()),
        Value::Object(map) => map,
        other => return Err(GenerateError::wrong_type(path, "an object", other)),
    };
    let match_labels = match map.get("matchLabels") {
        None | Some(Value::Null) => None,
        Some(Value::Object(labels)) => Some(labels),
        Some(other) => {
            return Err(GenerateError::wrong_type(
                &path.key("matchLabels"),
                "an object",
                other,
            ))
        }
    };
    let match_expressions = match map.get("matchExpressions") {
        None | Some(Value::Null) => None,
        Some(Value::Array(expressions)) => Some(expressions),
        Some(other) => {
            return Err(GenerateError::wrong_type(
                &path.key("matchExpressions"),
                "a list",
                other,
            ))
        }
    };
    Ok(SelectorFields {
        match_labels,
        match_expressions,
    })
}

/// Parses a selector, with `extra_labels` added to `matchLabels` (overriding), the way
/// the cluster generator adds the secret-type label.
pub(crate) fn parse_selector(
    fields: &SelectorFields<'_>,
    extra_labels: &[(&str, &str)],
    path: &FieldPath,
    rules: SelectorRules,
) -> Result<LabelSelector, GenerateError> {
    let mut match_labels: BTreeMap<String, (String, FieldPath)> = BTreeMap::new();
    let labels_path = path.key("matchLabels");
    for (key, value) in fields.match_labels.into_iter().flatten() {
        let entry_path = labels_path.key(key);
        let Value::String(value) = value else {
            return Err(GenerateError::wrong_type(&entry_path, "a string", value));
        };
        match_labels.insert(key.clone(), (value.clone(), entry_path));
    }
    for (key, value) in extra_labels {
        match_labels.insert(key.to_string(), (value.to_string(), labels_path.key(key)));
    }

    let mut requirements = Vec::new();
    for (key, (value, entry_path)) in match_labels {
        check_key(&key, &entry_path)?;
        if rules == SelectorRules::Kubernetes {
            check_value(&value, &entry_path)?;
        }
        requirements.push(Requirement {
            key,
            operator: Operator::Equals,
            values: vec![value],
        });
    }

    let expressions_path = path.key("matchExpressions");
    for (index, expression) in fields.match_expressions.into_iter().flatten().enumerate() {
        let expression_path = expressions_path.index(index);
        requirements.push(parse_expression(expression, &expression_path, rules)?);
    }
    Ok(LabelSelector { requirements })
}

fn parse_expression(
    expression: &Value,
    path: &FieldPath,
    rules: SelectorRules,
) -> Result<Requirement, GenerateError> {
    let Value::Object(map) = expression else {
        return Err(GenerateError::wrong_type(path, "an object", expression));
    };
    let key = optional_string(map, "key", path)?;
    let operator_text = optional_string(map, "operator", path)?;
    let values_path = path.key("values");
    let values = string_list(map.get("values"), &values_path)?;

    let operator = match operator_text.as_str() {
        "In" => Operator::In,
        "NotIn" => Operator::NotIn,
        "Exists" => Operator::Exists,
        "DoesNotExist" => Operator::DoesNotExist,
        other => {
            let noun = match rules {
                SelectorRules::Kubernetes => "label selector",
                SelectorRules::ApplicationSet => "selector",
            };
            return Err(selector_error(
                &path.key("operator"),
                format!(
                    "`{other}` is not a valid {noun} operator, expected `In`, `NotIn`, `Exists` or `DoesNotExist`"
                ),
            ));
        }
    };
    check_key(&key, &path.key("key"))?;
    match operator {
        Operator::In | Operator::NotIn if values.is_empty() => {
            return Err(selector_error(
                &values_path,
                "values must not be empty for the `In` and `NotIn` operators",
            ));
        }
        Operator::Exists | Operator::DoesNotExist if !values.is_empty() => {
            return Err(selector_error(
                &values_path,
                "values must be empty for the `Exists` and `DoesNotExist` operators",
            ));
        }
        _ => {}
    }
    if rules == SelectorRules::Kubernetes {
        for (index, value) in values.iter().enumerate() {
            check_value(value, &values_path.index(index))?;
        }
    }
    Ok(Requirement {
        key,
        operator,
        values,
    })
}

fn selector_error(path: &FieldPath, message: impl Into<String>) -> GenerateError {
    GenerateError::InvalidSelector {
        path: path.to_string(),
        message: message.into(),
    }
}

/// `validation.IsQualifiedName`: an optional DNS-subdomain prefix and `/`, then a name
/// of at most 63 characters of `[A-Za-z0-9_.-]` that starts and ends alphanumeric.
fn check_key(key: &str, path: &FieldPath) -> Result<(), GenerateError> {
    let invalid =
        |reason: &str| selector_error(path, format!("`{key}` is not a valid label key: {reason}"));
    let (prefix, name) = match key.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    if let Some(prefix) = prefix {
        if name.contains('/') {
            return Err(invalid("it may contain at most one `/`"));
        }
        if prefix.is_empty() {
            return Err(invalid("the prefix before `/` must not be empty"));
        }
        if !is_dns_subdomain(prefix) {
            return Err(invalid(
                "the prefix must be a lowercase DNS subdomain of at most 253 characters",
            ));
        }
    }
    if name.is_empty() {
        return Err(invalid("the name part must not be empty"));
    }
    if name.len() > 63 {
        return Err(invalid("the name part must be at most 63 characters"));
    }
    if !is_label_name(name) {
        return Err(invalid(
            "the name part must consist of alphanumeric characters, `-`, `_` or `.`, and start and end with an alphanumeric character",
        ));
    }
    Ok(())
}

/// `validation.IsValidLabelValue`: empty, or at most 63 characters of `[A-Za-z0-9_.-]`
/// starting and ending alphanumeric.
fn check_value(value: &str, path: &FieldPath) -> Result<(), GenerateError> {
    if value.is_empty() {
        return Ok(());
    }
    if value.len() > 63 || !is_label_name(value) {
        return Err(selector_error(
            path,
            format!(
                "`{value}` is not a valid label value: it must be at most 63 characters of alphanumerics, `-`, `_` or `.`, starting and ending with an alphanumeric character"
            ),
        ));
    }
    Ok(())
}

fn is_label_name(text: &str) -> bool {
    let bytes = text.as_bytes();
    let (Some(first), Some(last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    first.is_ascii_alphanumeric()
        && last.is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// RFC 1123 subdomain: dot-separated labels of `[a-z0-9-]`, each starting and ending
/// alphanumeric, at most 253 characters in all.
fn is_dns_subdomain(text: &str) -> bool {
    text.len() <= 253
        && text.split('.').all(|label| {
            let bytes = label.as_bytes();
            match (bytes.first(), bytes.last()) {
                (Some(first), Some(last)) => {
                    (first.is_ascii_lowercase() || first.is_ascii_digit())
                        && (last.is_ascii_lowercase() || last.is_ascii_digit())
                        && bytes
                            .iter()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
                }
                _ => false,
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn parse(selector: &Value, rules: SelectorRules) -> Result<LabelSelector, GenerateError> {
        let path = FieldPath::of("selector");
        let fields = selector_fields(selector, &path)?;
        parse_selector(&fields, &[], &path, rules)
    }

    #[track_caller]
    fn check(selector: Value, set: &[(&str, &str)], expected: bool) {
        let parsed = parse(&selector, SelectorRules::ApplicationSet).unwrap();
        assert_eq!(
            parsed.matches(&labels(set)),
            expected,
            "{selector} on {set:?}"
        );
    }

    #[track_caller]
    fn check_error(selector: Value, rules: SelectorRules, expected: &str) {
        let error = parse(&selector, rules).unwrap_err();
        assert_eq!(error.to_string(), expected);
    }

    #[test]
    fn operators_follow_kubernetes_semantics() {
        check(json!({}), &[], true);
        check(json!(null), &[("a", "b")], true);
        check(
            json!({"matchLabels": {"env": "prod"}}),
            &[("env", "prod")],
            true,
        );
        check(
            json!({"matchLabels": {"env": "prod"}}),
            &[("env", "dev")],
            false,
        );
        check(json!({"matchLabels": {"env": "prod"}}), &[], false);
        let in_ =
            json!({"matchExpressions": [{"key": "env", "operator": "In", "values": ["a", "b"]}]});
        check(in_.clone(), &[("env", "b")], true);
        check(in_.clone(), &[("env", "c")], false);
        check(in_, &[], false);
        let not_in =
            json!({"matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["a"]}]});
        check(not_in.clone(), &[("env", "a")], false);
        check(not_in.clone(), &[("env", "b")], true);
        check(not_in, &[], true);
        let exists = json!({"matchExpressions": [{"key": "env", "operator": "Exists"}]});
        check(exists.clone(), &[("env", "")], true);
        check(exists, &[], false);
        let absent = json!({"matchExpressions": [{"key": "env", "operator": "DoesNotExist"}]});
        check(absent.clone(), &[("env", "x")], false);
        check(absent, &[], true);
        let both = json!({"matchLabels": {"a": "1"}, "matchExpressions": [{"key": "b", "operator": "Exists"}]});
        check(both.clone(), &[("a", "1"), ("b", "2")], true);
        check(both, &[("a", "1")], false);
    }

    #[test]
    fn application_set_selectors_accept_any_value() {
        check(
            json!({"matchLabels": {"server": "https://kubernetes.default.svc"}}),
            &[("server", "https://kubernetes.default.svc")],
            true,
        );
        check(
            json!({"matchLabels": {"metadata.labels.argocd.argoproj.io/secret-type": "cluster"}}),
            &[("metadata.labels.argocd.argoproj.io/secret-type", "cluster")],
            true,
        );
    }

    #[test]
    fn invalid_selectors_are_errors() {
        let k8s = SelectorRules::Kubernetes;
        let appset = SelectorRules::ApplicationSet;
        check_error(
            json!({"matchLabels": {"server": "https://x"}}),
            k8s,
            "selector.matchLabels.server: `https://x` is not a valid label value: it must be at most 63 characters of alphanumerics, `-`, `_` or `.`, starting and ending with an alphanumeric character",
        );
        check_error(
            json!({"matchLabels": {"path[0]": "x"}}),
            appset,
            r#"selector.matchLabels["path[0]"]: `path[0]` is not a valid label key: the name part must consist of alphanumeric characters, `-`, `_` or `.`, and start and end with an alphanumeric character"#,
        );
        check_error(
            json!({"matchExpressions": [{"key": "a", "operator": "Gt", "values": ["1"]}]}),
            appset,
            "selector.matchExpressions[0].operator: `Gt` is not a valid selector operator, expected `In`, `NotIn`, `Exists` or `DoesNotExist`",
        );
        check_error(
            json!({"matchExpressions": [{"key": "a", "operator": "In"}]}),
            k8s,
            "selector.matchExpressions[0].values: values must not be empty for the `In` and `NotIn` operators",
        );
        check_error(
            json!({"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]}),
            k8s,
            "selector.matchExpressions[0].values: values must be empty for the `Exists` and `DoesNotExist` operators",
        );
        check_error(
            json!({"matchLabels": {"a": 1}}),
            appset,
            "selector.matchLabels.a: must be a string, found number",
        );
        check_error(json!([]), appset, "selector: must be an object, found list");
        check_error(
            json!({"matchExpressions": [{"key": "Example.com/a", "operator": "Exists"}]}),
            appset,
            "selector.matchExpressions[0].key: `Example.com/a` is not a valid label key: the prefix must be a lowercase DNS subdomain of at most 253 characters",
        );
    }
}
