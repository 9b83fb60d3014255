//! Parameter sets, the values generators produce and templates consume, and the helpers
//! that turn them into strings the way Argo CD's Go code does.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// One parameter set: what one generated Application is rendered from.
///
/// Argo CD uses a `map[string]any`; a sorted map keeps every walk over it deterministic.
/// In fasttemplate mode the keys are flat (`metadata.labels.env` is one key), and only
/// string values can be substituted.
pub(crate) type ParamSet = BTreeMap<String, Value>;

/// The template mode of an ApplicationSet (rulebook 2.1), which decides the shape of
/// parameter sets: flat string keys for fasttemplate, nested JSON for Go templates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// `goTemplate: false`: keys such as `path.basename` and `metadata.labels.env`.
    Fast,
    /// `goTemplate: true`: nested objects such as `{path: {basename}}`, rendered with Go
    /// templates.
    Go,
}

/// A value printed with Go's `%v` after `encoding/json` decoded it into `any`: strings as
/// they are, numbers as float64, `<nil>`, lists as `[a b]`, maps as `map[k:v]` with
/// sorted keys.
pub(crate) fn go_value_string(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(go_value_string).collect();
            format!("[{}]", inner.join(" "))
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let inner: Vec<String> = entries
                .into_iter()
                .map(|(key, item)| format!("{key}:{}", go_value_string(item)))
                .collect();
            format!("map[{}]", inner.join(" "))
        }
        leaf => go_leaf_string(leaf),
    }
}

/// Go's `path.Base`: the last element, `.` for an empty path, `/` for the root.
pub(crate) fn go_path_base(path: &str) -> String {
    if path.is_empty() {
        return ".".to_string();
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/".to_string();
    }
    trimmed.rsplit('/').next().unwrap_or(trimmed).to_string()
}

/// Go's `path.Dir` for the relative, clean paths the repo server returns: `.` for a file
/// at the root.
pub(crate) fn go_path_dir(path: &str) -> String {
    match path.rsplit_once('/') {
        Some((dir, _)) if !dir.is_empty() => dir.to_string(),
        Some(_) => "/".to_string(),
        None => ".".to_string(),
    }
}

/// [`flatten_typed`] without type hints.
#[cfg(test)]
pub(crate) fn flatten(params: &ParamSet) -> BTreeMap<String, String> {
    flatten_typed(params, &TypeHints::default())
}

/// Flattens a parameter set into the label set the post-generator selector matches
/// (rulebook 3.3, `jeremywohl/flatten` with dot style): nested objects join their keys
/// with `.`, list items use their index, empty objects and lists produce no key, and
/// leaves are printed with Go's `%v`. Where `hints` say the controller built a typed Go
/// slice (a git path's `[]string` segments, the cluster generator's flat list of maps),
/// the flattening library does not enter it, since it enters only `map[string]any` and
/// `[]any`: each of those becomes one leaf printed with `%v` (`[a b]`). Typed string
/// maps are entered, as Argo CD converts them before flattening since v3.4.
pub(crate) fn flatten_typed(params: &ParamSet, hints: &TypeHints) -> BTreeMap<String, String> {
    flatten_entries(params, hints)
}

/// An object a generator read (a git file, a plugin's output) as fasttemplate
/// parameters: flattened as [`flatten_typed`] does without hints, every leaf a string.
pub(crate) fn flatten_object(object: &Map<String, Value>) -> ParamSet {
    flatten_entries(object, &TypeHints::default())
        .into_iter()
        .map(|(key, text)| (key, Value::String(text)))
        .collect()
}

fn flatten_entries<'v>(
    entries: impl IntoIterator<Item = (&'v String, &'v Value)>,
    hints: &TypeHints,
) -> BTreeMap<String, String> {
    let mut flat = BTreeMap::new();
    let mut steps = Vec::new();
    for (key, value) in entries {
        steps.push(Step::Key(key));
        flatten_into(&mut flat, key.clone(), value, &mut steps, hints);
        steps.pop();
    }
    flat
}

fn flatten_into<'v>(
    flat: &mut BTreeMap<String, String>,
    key: String,
    value: &'v Value,
    steps: &mut Vec<Step<'v>>,
    hints: &TypeHints,
) {
    match value {
        Value::Array(_) if hints.is_typed_slice(steps) => {
            flat.insert(key, go_value_string(value));
        }
        // A nil typed slice (a pull request without labels on GitHub) prints as `[]`.
        Value::Null if hints.is_typed_slice(steps) => {
            flat.insert(key, "[]".to_string());
        }
        Value::Object(map) => {
            for (child, child_value) in map {
                steps.push(Step::Key(child));
                flatten_into(flat, format!("{key}.{child}"), child_value, steps, hints);
                steps.pop();
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                steps.push(Step::Index);
                flatten_into(flat, format!("{key}.{index}"), item, steps, hints);
                steps.pop();
            }
        }
        leaf => {
            flat.insert(key, go_leaf_string(leaf));
        }
    }
}

/// A step of the walk over a parameter set: a key, or some list item.
enum Step<'v> {
    Key(&'v str),
    Index,
}

/// A Go type the controller gives a parameter value, which JSON cannot express.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GoKind {
    /// `map[string]string`: cluster labels and annotations, generator `values`.
    StringMap,
    /// `[]string`: a git path's `segments`, a pull request's `labels`.
    StringSlice,
    /// `[]map[string]any`: the cluster generator's flat list.
    MapSlice,
}

/// Where a generator's parameter sets hold typed Go values (rulebook 3.3, 4.2–4.10).
/// Argo CD's parameter maps carry these types at run time; here they are stated per
/// generator, as paths, and a matrix or merge has the union of its children's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TypeHints {
    hints: Vec<(Vec<preflight_gotmpl::PathStep>, GoKind)>,
    /// The hints the Go template engine understands, built once.
    gotmpl: Vec<preflight_gotmpl::TypeHint>,
}

impl TypeHints {
    /// Adds a path of keys, where `*` stands for every item of a list.
    pub(crate) fn add(&mut self, path: &[&str], kind: GoKind) {
        let steps = path
            .iter()
            .map(|step| match *step {
                "*" => preflight_gotmpl::PathStep::AnyItem,
                key => preflight_gotmpl::PathStep::Key(key.to_string()),
            })
            .collect();
        self.insert((steps, kind));
    }

    pub(crate) fn extend(&mut self, other: &TypeHints) {
        for entry in &other.hints {
            self.insert(entry.clone());
        }
    }

    fn insert(&mut self, entry: (Vec<preflight_gotmpl::PathStep>, GoKind)) {
        if self.hints.contains(&entry) {
            return;
        }
        let go_type = match entry.1 {
            GoKind::StringMap => Some(preflight_gotmpl::GoType::StringMap),
            GoKind::StringSlice => Some(preflight_gotmpl::GoType::StringSlice),
            GoKind::MapSlice => None,
        };
        if let Some(go_type) = go_type {
            self.gotmpl.push(preflight_gotmpl::TypeHint {
                path: entry.0.clone(),
                go_type,
            });
        }
        self.hints.push(entry);
    }

    /// The hints the Go template engine understands.
    pub(crate) fn gotmpl(&self) -> &[preflight_gotmpl::TypeHint] {
        &self.gotmpl
    }

    fn is_typed_slice(&self, steps: &[Step]) -> bool {
        self.hints.iter().any(|(path, kind)| {
            *kind != GoKind::StringMap
                && path.len() == steps.len()
                && path
                    .iter()
                    .zip(steps)
                    .all(|(hint, step)| match (hint, step) {
                        (preflight_gotmpl::PathStep::Key(key), Step::Key(name)) => key == name,
                        (preflight_gotmpl::PathStep::AnyItem, Step::Index) => true,
                        _ => false,
                    })
        })
    }
}

/// A JSON leaf printed with Go's `%v` after `encoding/json` decoded it into `any`.
fn go_leaf_string(value: &Value) -> String {
    match value {
        Value::Null => "<nil>".to_string(),
        Value::Bool(flag) => flag.to_string(),
        Value::Number(number) => go_float(number.as_f64().unwrap_or(0.0)),
        Value::String(text) => text.clone(),
        // Containers never reach here; print them as JSON rather than panic.
        other => other.to_string(),
    }
}

/// A float64 printed with Go's `%v` (`strconv.FormatFloat(f, 'g', -1, 64)` with `%v`'s
/// exponent threshold of 21 replaced by `g`'s 6 for shortest precision): `123`, `1.5`,
/// `1e+06`, `1.234567e+06`, `1e-05`.
pub(crate) fn go_float(number: f64) -> String {
    if number == 0.0 {
        return if number.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    if !number.is_finite() {
        return if number.is_nan() {
            "NaN".to_string()
        } else if number > 0.0 {
            "+Inf".to_string()
        } else {
            "-Inf".to_string()
        };
    }
    // Rust's `{:e}` prints the shortest round-tripping digits, as Go's -1 precision does.
    let scientific = format!("{:e}", number.abs());
    let (mantissa, exponent) = scientific
        .split_once('e')
        .expect("`{:e}` always prints an exponent");
    let exponent: i32 = exponent.parse().expect("`{:e}` prints an integer exponent");
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if number < 0.0 { "-" } else { "" };
    if !(-4..6).contains(&exponent) {
        let (first, rest) = digits.split_at(1);
        let fraction = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let exponent_sign = if exponent < 0 { '-' } else { '+' };
        return format!(
            "{sign}{first}{fraction}e{exponent_sign}{:02}",
            exponent.abs()
        );
    }
    if exponent < 0 {
        let zeros = "0".repeat((-exponent - 1) as usize);
        return format!("{sign}0.{zeros}{digits}");
    }
    let integer_len = exponent as usize + 1;
    if digits.len() <= integer_len {
        let zeros = "0".repeat(integer_len - digits.len());
        format!("{sign}{digits}{zeros}")
    } else {
        let (integer, fraction) = digits.split_at(integer_len);
        format!("{sign}{integer}.{fraction}")
    }
}

/// Argo CD's `normalize` (`SanitizeName`, rulebook 3.1): lowercase, every character
/// outside `[-a-z0-9.]` becomes `-`, at most 253 bytes, then leading and trailing `-`
/// and `.` are stripped. Runs of dashes are kept.
pub(crate) fn sanitize_name(name: &str) -> String {
    let mut sanitized: String = name
        .chars()
        // Go's `strings.ToLower` maps one rune to one rune; take the first character of
        // Rust's lowercase mapping to match it (`İ` becomes `i`, not `i̇`).
        .map(|c| c.to_lowercase().next().unwrap_or(c))
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    // Every character is ASCII now, so byte and character counts agree.
    sanitized.truncate(253);
    sanitized.trim_matches(|c| c == '-' || c == '.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[track_caller]
    fn check_float(number: f64, expected: &str) {
        assert_eq!(go_float(number), expected, "formatting {number}");
    }

    #[test]
    fn floats_print_like_go() {
        check_float(123.0, "123");
        check_float(1.5, "1.5");
        check_float(-2.25, "-2.25");
        check_float(123456.0, "123456");
        check_float(1_000_000.0, "1e+06");
        check_float(1_234_567.0, "1.234567e+06");
        check_float(0.0001, "0.0001");
        check_float(0.00001, "1e-05");
        check_float(1e21, "1e+21");
        check_float(1e100, "1e+100");
        check_float(100.0, "100");
        check_float(0.5, "0.5");
    }

    #[track_caller]
    fn check_sanitize(name: &str, expected: &str) {
        assert_eq!(sanitize_name(name), expected);
    }

    #[test]
    fn sanitize_follows_argo_cd() {
        check_sanitize("Prod_Cluster", "prod-cluster");
        check_sanitize("a__b", "a--b");
        check_sanitize("-.edge.-", "edge");
        check_sanitize(
            "https://kubernetes.default.svc",
            "https---kubernetes.default.svc",
        );
        check_sanitize("İstanbul", "istanbul");
        check_sanitize(&"x".repeat(300), &"x".repeat(253));
    }

    #[test]
    fn flatten_joins_keys_and_skips_empty_containers() {
        let params: ParamSet = json!({
            "name": "a",
            "values.env": "prod",
            "nested": {"list": [1, true, null, {"k": 1000000}], "empty": {}, "none": []},
            "clusters": [{"name": "x"}],
        })
        .as_object()
        .unwrap()
        .clone()
        .into_iter()
        .collect();
        let flat = flatten(&params);
        let expected: BTreeMap<String, String> = [
            ("name", "a"),
            ("values.env", "prod"),
            ("nested.list.0", "1"),
            ("nested.list.1", "true"),
            ("nested.list.2", "<nil>"),
            ("nested.list.3.k", "1e+06"),
            ("clusters.0.name", "x"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(flat, expected);
    }
}
