//! `spec.ignoreApplicationDifferences` of an ApplicationSet: the fields of generated
//! Applications the controller leaves as they are live (rulebook §9.3 step 4).
//!
//! Upstream, `applicationset/utils/createOrUpdate.go` (`applyIgnoreDifferences`) runs
//! Argo CD's ignore normalizer (`util/argo/normalizers/diff_normalizer.go`) over the live
//! and the generated Application: each JSON pointer is a JSON-patch `remove`, each jq
//! expression `e` runs as `del(e)`, and a patch that fails (a missing path, a jq runtime
//! error) is skipped. Both sides are compared without the ignored fields, and the write
//! is a JSON merge patch between them, so live values of ignored fields stay.
//!
//! jq is a language; this module evaluates the part of it that ignore rules use in
//! practice and in upstream's tests (`createOrUpdate_test.go`): paths (`.a.b`,
//! `.["k"]`, `.[0]`, `.[]`), pipes, and `select` with `==`, `!=`, `contains`,
//! `startswith`, `endswith` or a path as condition. Anything else is an error naming the
//! rule, never silently ignored.

use serde_json::{Map, Value};

/// The ignore rules of one ApplicationSet.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IgnoreRules {
    rules: Vec<Rule>,
}

#[derive(Debug, Clone, PartialEq)]
struct Rule {
    /// Applies to the Application of this name only; to all when empty.
    name: String,
    pointers: Vec<String>,
    jq: Vec<Pipeline>,
}

/// A rule the plan cannot evaluate, or a field of the wrong shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreRuleError {
    /// `spec.ignoreApplicationDifferences[0].jqPathExpressions[1]`.
    pub field: String,
    pub message: String,
}

impl IgnoreRules {
    /// Reads `spec.ignoreApplicationDifferences` of an ApplicationSet.
    pub fn of(appset_spec: Option<&Value>) -> Result<IgnoreRules, IgnoreRuleError> {
        let base = "spec.ignoreApplicationDifferences";
        let entries = match appset_spec.and_then(|spec| spec.get("ignoreApplicationDifferences")) {
            None | Some(Value::Null) => return Ok(IgnoreRules::default()),
            Some(Value::Array(entries)) => entries,
            Some(_) => return Err(error(base, "must be a list")),
        };
        let mut rules = Vec::new();
        for (i, entry) in entries.iter().enumerate() {
            let at = format!("{base}[{i}]");
            let Value::Object(entry) = entry else {
                return Err(error(&at, "must be an object"));
            };
            let name = match entry.get("name") {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(name)) => name.clone(),
                Some(_) => return Err(error(&format!("{at}.name"), "must be a string")),
            };
            let strings = |field: &str| -> Result<Vec<String>, IgnoreRuleError> {
                match entry.get(field) {
                    None | Some(Value::Null) => Ok(Vec::new()),
                    Some(Value::Array(items)) => items
                        .iter()
                        .enumerate()
                        .map(|(j, item)| match item {
                            Value::String(text) => Ok(text.clone()),
                            _ => Err(error(&format!("{at}.{field}[{j}]"), "must be a string")),
                        })
                        .collect(),
                    Some(_) => Err(error(&format!("{at}.{field}"), "must be a list of strings")),
                }
            };
            let pointers = strings("jsonPointers")?;
            let jq = strings("jqPathExpressions")?
                .iter()
                .enumerate()
                .map(|(j, text)| {
                    parse(text).map_err(|problem| IgnoreRuleError {
                        field: format!("{at}.jqPathExpressions[{j}]"),
                        message: format!(
                            "`{text}`: {problem}; the plan evaluates paths, pipes and `select` with `==`, `!=`, `contains`, `startswith` or `endswith` only"
                        ),
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            rules.push(Rule { name, pointers, jq });
        }
        Ok(IgnoreRules { rules })
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Removes the ignored fields from a whole Application object named `name`. A rule
    /// that fails on this object removes nothing, as upstream skips a failing patch.
    pub fn remove_ignored(&self, application: &mut Value, name: &str) {
        for rule in &self.rules {
            if !rule.name.is_empty() && rule.name != name {
                continue;
            }
            for pointer in &rule.pointers {
                remove_pointer(application, pointer);
            }
            for pipeline in &rule.jq {
                if let Ok(paths) = paths_of(pipeline, application) {
                    delete_paths(application, paths);
                }
            }
        }
    }
}

fn error(field: &str, message: &str) -> IgnoreRuleError {
    IgnoreRuleError {
        field: field.to_string(),
        message: message.to_string(),
    }
}

/// JSON-patch `remove` (RFC 6902): the whole path must exist; otherwise nothing happens.
fn remove_pointer(document: &mut Value, pointer: &str) {
    let Some(rest) = pointer.strip_prefix('/') else {
        return;
    };
    let tokens: Vec<String> = rest
        .split('/')
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect();
    let Some((last, parents)) = tokens.split_last() else {
        return;
    };
    let mut current = document;
    for token in parents {
        current = match current {
            Value::Object(map) => match map.get_mut(token) {
                Some(next) => next,
                None => return,
            },
            Value::Array(items) => match array_index(token, items.len()) {
                Some(index) => &mut items[index],
                None => return,
            },
            _ => return,
        };
    }
    match current {
        Value::Object(map) => {
            map.remove(last);
        }
        Value::Array(items) => {
            if let Some(index) = array_index(last, items.len()) {
                items.remove(index);
            }
        }
        _ => {}
    }
}

fn array_index(token: &str, len: usize) -> Option<usize> {
    if token.is_empty() || (token.len() > 1 && token.starts_with('0')) {
        return None;
    }
    token.parse::<usize>().ok().filter(|index| *index < len)
}

// ---- the jq subset -------------------------------------------------------------

/// `term | term | …`
#[derive(Debug, Clone, PartialEq)]
struct Pipeline(Vec<Term>);

/// A path start (`.`) or a `select`, then suffixes.
#[derive(Debug, Clone, PartialEq)]
struct Term {
    select: Option<Condition>,
    steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Index(i64),
    Iterate,
}

#[derive(Debug, Clone, PartialEq)]
enum Condition {
    /// `select(path)`: the path's value is truthy.
    Truthy(Pipeline),
    Compare {
        left: Pipeline,
        equal: bool,
        right: Value,
    },
    /// `select(path | contains("x"))` and the like.
    StringTest {
        left: Pipeline,
        function: StringFunction,
        argument: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum StringFunction {
    Contains,
    StartsWith,
    EndsWith,
}

struct Parser<'t> {
    text: &'t str,
    position: usize,
}

fn parse(text: &str) -> Result<Pipeline, String> {
    let mut parser = Parser { text, position: 0 };
    let pipeline = parser.pipeline()?;
    parser.skip_spaces();
    if parser.position < text.len() {
        return Err(format!(
            "unexpected `{}` at character {}",
            &text[parser.position..],
            parser.position + 1
        ));
    }
    Ok(pipeline)
}

impl Parser<'_> {
    fn rest(&self) -> &str {
        &self.text[self.position..]
    }

    fn skip_spaces(&mut self) {
        let trimmed = self.rest().trim_start();
        self.position = self.text.len() - trimmed.len();
    }

    fn eat(&mut self, token: &str) -> bool {
        self.skip_spaces();
        if self.rest().starts_with(token) {
            self.position += token.len();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, token: &str) -> Result<(), String> {
        if self.eat(token) {
            Ok(())
        } else {
            Err(format!(
                "expected `{token}` at character {}",
                self.position + 1
            ))
        }
    }

    fn pipeline(&mut self) -> Result<Pipeline, String> {
        let mut terms = vec![self.term()?];
        loop {
            self.skip_spaces();
            // `|` but not `||` (not supported either way).
            if self.rest().starts_with('|') && !self.rest().starts_with("||") {
                let saved = self.position;
                self.position += 1;
                self.skip_spaces();
                // A string function ends a condition's pipeline; its caller handles it.
                if ["contains(", "startswith(", "endswith("]
                    .iter()
                    .any(|f| self.rest().starts_with(f))
                {
                    self.position = saved;
                    break;
                }
                terms.push(self.term()?);
            } else {
                break;
            }
        }
        Ok(Pipeline(terms))
    }

    fn term(&mut self) -> Result<Term, String> {
        self.skip_spaces();
        let select = if self.eat("select") {
            self.expect("(")?;
            let condition = self.condition()?;
            self.expect(")")?;
            Some(condition)
        } else if self.rest().starts_with('.') {
            None
        } else {
            return Err(format!(
                "unsupported expression at character {}: `{}`",
                self.position + 1,
                self.rest()
            ));
        };
        let mut steps = Vec::new();
        let mut first = select.is_none();
        loop {
            // No spaces inside a path.
            let text = self.text;
            let rest = &text[self.position..];
            if let Some(after_dot) = rest.strip_prefix('.') {
                self.position += 1;
                if after_dot.starts_with('[') {
                    steps.push(self.bracket()?);
                } else {
                    let ident: String = after_dot
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if ident.is_empty() {
                        if first {
                            // `.` alone: the input itself.
                            first = false;
                            continue;
                        }
                        return Err(format!("expected a key at character {}", self.position + 1));
                    }
                    if ident.starts_with(|c: char| c.is_ascii_digit()) {
                        return Err(format!(
                            "unexpected number at character {}",
                            self.position + 1
                        ));
                    }
                    self.position += ident.len();
                    steps.push(Step::Key(ident));
                }
            } else if rest.starts_with('[') && (!first || !steps.is_empty()) {
                steps.push(self.bracket()?);
            } else {
                break;
            }
            first = false;
        }
        if select.is_none() && steps.is_empty() && !self.text[..self.position].ends_with('.') {
            return Err("expected a path".to_string());
        }
        Ok(Term { select, steps })
    }

    /// `[]`, `[3]`, `["key"]`, the opening `[` not consumed yet.
    fn bracket(&mut self) -> Result<Step, String> {
        self.expect("[")?;
        self.skip_spaces();
        if self.eat("]") {
            return Ok(Step::Iterate);
        }
        let step = if self.rest().starts_with('"') {
            Step::Key(self.string()?)
        } else {
            let digits: String = self
                .rest()
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '-')
                .collect();
            let index = digits
                .parse::<i64>()
                .map_err(|_| format!("unsupported index at character {}", self.position + 1))?;
            self.position += digits.len();
            Step::Index(index)
        };
        self.expect("]")?;
        Ok(step)
    }

    fn string(&mut self) -> Result<String, String> {
        self.skip_spaces();
        let rest = self.rest();
        if !rest.starts_with('"') {
            return Err(format!(
                "expected a string at character {}",
                self.position + 1
            ));
        }
        // A JSON string literal; jq's string interpolation `\(…)` is not supported.
        let mut escaped = false;
        for (offset, c) in rest.char_indices().skip(1) {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => {
                    let literal = &rest[..=offset];
                    if literal.contains("\\(") {
                        return Err("string interpolation is not supported".to_string());
                    }
                    let value: String = serde_json::from_str(literal)
                        .map_err(|e| format!("invalid string {literal}: {e}"))?;
                    self.position += offset + 1;
                    return Ok(value);
                }
                _ => escaped = false,
            }
        }
        Err("unterminated string".to_string())
    }

    fn literal(&mut self) -> Result<Value, String> {
        self.skip_spaces();
        if self.rest().starts_with('"') {
            return Ok(Value::String(self.string()?));
        }
        for (word, value) in [
            ("true", Value::Bool(true)),
            ("false", Value::Bool(false)),
            ("null", Value::Null),
        ] {
            if self.eat(word) {
                return Ok(value);
            }
        }
        let number: String = self
            .rest()
            .chars()
            .take_while(|c| c.is_ascii_digit() || matches!(c, '-' | '.' | 'e' | 'E' | '+'))
            .collect();
        let value: serde_json::Number = number.parse().map_err(|_| {
            format!(
                "expected a literal (string, number, true, false, null) at character {}",
                self.position + 1
            )
        })?;
        self.position += number.len();
        Ok(Value::Number(value))
    }

    fn condition(&mut self) -> Result<Condition, String> {
        let left = self.pipeline()?;
        if self.eat("==") {
            return Ok(Condition::Compare {
                left,
                equal: true,
                right: self.literal()?,
            });
        }
        if self.eat("!=") {
            return Ok(Condition::Compare {
                left,
                equal: false,
                right: self.literal()?,
            });
        }
        if self.eat("|") {
            let function = if self.eat("contains") {
                StringFunction::Contains
            } else if self.eat("startswith") {
                StringFunction::StartsWith
            } else if self.eat("endswith") {
                StringFunction::EndsWith
            } else {
                return Err(format!(
                    "unsupported function at character {}",
                    self.position + 1
                ));
            };
            self.expect("(")?;
            let argument = self.string()?;
            self.expect(")")?;
            return Ok(Condition::StringTest {
                left,
                function,
                argument,
            });
        }
        Ok(Condition::Truthy(left))
    }
}

type Path = Vec<PathKey>;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum PathKey {
    Index(usize),
    Key(String),
}

/// The paths `path(pipeline)` yields on `root`, or jq's runtime error.
fn paths_of(pipeline: &Pipeline, root: &Value) -> Result<Vec<Path>, String> {
    let mut current: Vec<(Path, Value)> = vec![(Vec::new(), root.clone())];
    for term in &pipeline.0 {
        let mut next = Vec::new();
        for (path, value) in current {
            if let Some(condition) = &term.select {
                if !holds(condition, &value)? {
                    continue;
                }
            }
            let mut outputs = vec![(path, value)];
            for step in &term.steps {
                let mut stepped = Vec::new();
                for (path, value) in outputs {
                    step_into(step, path, &value, &mut stepped)?;
                }
                outputs = stepped;
            }
            next.extend(outputs);
        }
        current = next;
    }
    Ok(current.into_iter().map(|(path, _)| path).collect())
}

fn step_into(
    step: &Step,
    path: Path,
    value: &Value,
    out: &mut Vec<(Path, Value)>,
) -> Result<(), String> {
    let with = |key: PathKey, value: Value| {
        let mut path = path.clone();
        path.push(key);
        (path, value)
    };
    match (step, value) {
        (Step::Key(key), Value::Object(map)) => {
            out.push(with(
                PathKey::Key(key.clone()),
                map.get(key).cloned().unwrap_or(Value::Null),
            ));
        }
        (Step::Key(key), Value::Null) => out.push(with(PathKey::Key(key.clone()), Value::Null)),
        (Step::Key(key), other) => {
            return Err(format!("cannot index {} with \"{key}\"", type_name(other)))
        }
        (Step::Index(index), Value::Array(items)) => {
            let resolved = if *index < 0 {
                items.len() as i64 + index
            } else {
                *index
            };
            if resolved >= 0 {
                let resolved = resolved as usize;
                out.push(with(
                    PathKey::Index(resolved),
                    items.get(resolved).cloned().unwrap_or(Value::Null),
                ));
            } else {
                return Err("out of bounds negative array index".to_string());
            }
        }
        (Step::Index(index), Value::Null) if *index >= 0 => {
            out.push(with(PathKey::Index(*index as usize), Value::Null));
        }
        (Step::Index(_), other) => {
            return Err(format!("cannot index {} with number", type_name(other)))
        }
        (Step::Iterate, Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                out.push(with(PathKey::Index(i), item.clone()));
            }
        }
        (Step::Iterate, Value::Object(map)) => {
            // gojq iterates object values in key order.
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            for key in keys {
                out.push(with(PathKey::Key(key.clone()), map[key].clone()));
            }
        }
        (Step::Iterate, other) => return Err(format!("cannot iterate over: {}", type_name(other))),
    }
    Ok(())
}

/// `select(condition)` on `value`: true when any output of the condition is truthy.
fn holds(condition: &Condition, value: &Value) -> Result<bool, String> {
    let values = |pipeline: &Pipeline| -> Result<Vec<Value>, String> {
        Ok(paths_of(pipeline, value)?
            .into_iter()
            .map(|path| value_at(value, &path))
            .collect())
    };
    match condition {
        Condition::Truthy(pipeline) => Ok(values(pipeline)?
            .iter()
            .any(|v| !matches!(v, Value::Null | Value::Bool(false)))),
        Condition::Compare { left, equal, right } => {
            let mut any = false;
            for left in values(left)? {
                any |= jq_equal(&left, right) == *equal;
            }
            Ok(any)
        }
        Condition::StringTest {
            left,
            function,
            argument,
        } => {
            let mut any = false;
            for left in values(left)? {
                let Value::String(text) = &left else {
                    let name = match function {
                        StringFunction::Contains => {
                            return Err(format!(
                                "{} ({left}) and string (\"{argument}\") cannot have their containment checked",
                                type_name(&left)
                            ))
                        }
                        StringFunction::StartsWith => "startswith",
                        StringFunction::EndsWith => "endswith",
                    };
                    return Err(format!(
                        "{name}() cannot be applied to: {}",
                        type_name(&left)
                    ));
                };
                any |= match function {
                    StringFunction::Contains => text.contains(argument.as_str()),
                    StringFunction::StartsWith => text.starts_with(argument.as_str()),
                    StringFunction::EndsWith => text.ends_with(argument.as_str()),
                };
            }
            Ok(any)
        }
    }
}

/// jq compares numbers by value (`1 == 1.0`).
fn jq_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn value_at(root: &Value, path: &[PathKey]) -> Value {
    let mut current = root;
    for key in path {
        current = match (key, current) {
            (PathKey::Key(key), Value::Object(map)) => match map.get(key) {
                Some(next) => next,
                None => return Value::Null,
            },
            (PathKey::Index(i), Value::Array(items)) => match items.get(*i) {
                Some(next) => next,
                None => return Value::Null,
            },
            _ => return Value::Null,
        };
    }
    current.clone()
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// `delpaths`: deletes the paths, last first, so that earlier array indices stay valid;
/// a path through something missing deletes nothing.
fn delete_paths(root: &mut Value, mut paths: Vec<Path>) {
    paths.sort();
    paths.dedup();
    for path in paths.into_iter().rev() {
        let Some((last, parents)) = path.split_last() else {
            // `del(.)` makes the whole document null; never useful for an Application.
            *root = Value::Null;
            continue;
        };
        let Some(current) = value_at_mut(root, parents) else {
            continue;
        };
        match (last, current) {
            (PathKey::Key(key), Value::Object(map)) => {
                map.remove(key);
            }
            (PathKey::Index(i), Value::Array(items)) if *i < items.len() => {
                items.remove(*i);
            }
            _ => {}
        }
    }
}

fn value_at_mut<'v>(root: &'v mut Value, path: &[PathKey]) -> Option<&'v mut Value> {
    let mut current = root;
    for key in path {
        current = match (key, current) {
            (PathKey::Key(key), Value::Object(map)) => map.get_mut(key)?,
            (PathKey::Index(i), Value::Array(items)) => items.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(current)
}

/// The JSON merge patch (RFC 7386) that turns `from` into `to`.
pub fn merge_patch(from: &Value, to: &Value) -> Value {
    match (from, to) {
        (Value::Object(from), Value::Object(to)) => {
            let mut patch = Map::new();
            for (key, value) in to {
                match from.get(key) {
                    Some(old) if old == value => {}
                    Some(old) => {
                        patch.insert(key.clone(), merge_patch(old, value));
                    }
                    None => {
                        patch.insert(key.clone(), value.clone());
                    }
                }
            }
            for key in from.keys() {
                if !to.contains_key(key) {
                    patch.insert(key.clone(), Value::Null);
                }
            }
            Value::Object(patch)
        }
        _ => to.clone(),
    }
}

/// Applies a JSON merge patch (RFC 7386).
pub fn apply_merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let map = target.as_object_mut().expect("made an object");
    for (key, value) in patch {
        if value.is_null() {
            map.remove(key);
        } else {
            apply_merge_patch(map.entry(key.clone()).or_insert(Value::Null), value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rules(entries: Value) -> IgnoreRules {
        IgnoreRules::of(Some(&json!({ "ignoreApplicationDifferences": entries }))).unwrap()
    }

    /// `remove_ignored` on `document` for an Application named `app`.
    #[track_caller]
    fn check(entries: Value, document: Value, expected: Value) {
        let mut document = document;
        rules(entries).remove_ignored(&mut document, "app");
        assert_eq!(document, expected);
    }

    /// The cases of upstream `applicationset/utils/createOrUpdate_test.go`
    /// (`TestApplyIgnoreDifferences`), evaluated as gojq evaluates `del(<expression>)`.
    #[test]
    fn upstream_ignore_rules() {
        check(
            json!([{"jqPathExpressions": [".spec.source.targetRevision"]}]),
            json!({"spec": {"source": {"targetRevision": "foo", "path": "p"}}}),
            json!({"spec": {"source": {"path": "p"}}}),
        );
        // `.name` of an array is a jq error: the patch is skipped, nothing is removed.
        let parameters = json!({"spec": {"source": {"helm": {"parameters": [
            {"name": "image.tag", "value": "test"}, {"name": "another", "value": "value"}]}}}});
        check(
            json!([{"jqPathExpressions": [".spec.source.helm.parameters | select(.name == \"image.tag\")"]}]),
            parameters.clone(),
            parameters.clone(),
        );
        // With `[]` it selects the element.
        check(
            json!([{"jqPathExpressions": [".spec.source.helm.parameters[] | select(.name == \"image.tag\")"]}]),
            parameters,
            json!({"spec": {"source": {"helm": {"parameters": [{"name": "another", "value": "value"}]}}}}),
        );
        check(
            json!([{"jqPathExpressions": [".spec.syncPolicy.automated"]}]),
            json!({"spec": {"syncPolicy": {"automated": {"selfHeal": true}, "retry": {"limit": 5}}}}),
            json!({"spec": {"syncPolicy": {"retry": {"limit": 5}}}}),
        );
        check(
            json!([{"jqPathExpressions": [".metadata.annotations | select(.[\"foo.bar\"] == \"baz\")"]}]),
            json!({"metadata": {"annotations": {"foo.bar": "baz", "some.other": "annotation"}}}),
            json!({"metadata": {}}),
        );
        check(
            json!([{"jsonPointers": ["/spec/source/plugin"]}]),
            json!({"spec": {"source": {"repoURL": "r", "plugin": {"name": "p"}}}}),
            json!({"spec": {"source": {"repoURL": "r"}}}),
        );
        check(
            json!([{"jqPathExpressions": [".spec.sources[] | select(.repoURL | contains(\"test-repo\")).helm.parameters"]}]),
            json!({"spec": {"sources": [
                {"repoURL": "https://git.example.com/test-org/test-repo", "helm": {"parameters": [{"name": "test", "value": "hi"}]}},
                {"repoURL": "https://git.example.com/other", "helm": {"parameters": [{"name": "x"}]}}]}}),
            json!({"spec": {"sources": [
                {"repoURL": "https://git.example.com/test-org/test-repo", "helm": {}},
                {"repoURL": "https://git.example.com/other", "helm": {"parameters": [{"name": "x"}]}}]}}),
        );
        check(
            json!([{"jsonPointers": ["/spec/sources/1/kustomize/images"]}]),
            json!({"spec": {"sources": [{"a": 1}, {"kustomize": {"images": ["i"], "x": 1}}]}}),
            json!({"spec": {"sources": [{"a": 1}, {"kustomize": {"x": 1}}]}}),
        );
    }

    #[test]
    fn missing_paths_and_other_names_remove_nothing() {
        let document = json!({"spec": {"source": {"path": "p"}}});
        check(
            json!([{"jsonPointers": ["/spec/destination/name", "/spec/source/path/x"]}]),
            document.clone(),
            document.clone(),
        );
        check(
            json!([{"name": "other", "jsonPointers": ["/spec/source/path"]}]),
            document.clone(),
            document.clone(),
        );
        check(
            json!([{"name": "app", "jsonPointers": ["/spec/source/path"]}]),
            document,
            json!({"spec": {"source": {}}}),
        );
        // Escapes of RFC 6901.
        check(
            json!([{"jsonPointers": ["/metadata/annotations/a~1b~0c"]}]),
            json!({"metadata": {"annotations": {"a/b~c": "x", "d": "y"}}}),
            json!({"metadata": {"annotations": {"d": "y"}}}),
        );
    }

    #[test]
    fn unsupported_jq_is_an_error_naming_the_rule() {
        for expression in [
            ".spec | map(.x)",
            "[.spec]",
            ".spec.source.targetRevision // \"main\"",
            ".spec | select(.a and .b)",
            "select(.x | test(\"a\"))",
            "",
        ] {
            let error = IgnoreRules::of(Some(&json!({"ignoreApplicationDifferences": [
                {"jsonPointers": ["/spec"]}, {"jqPathExpressions": [".a", expression]}]})))
            .unwrap_err();
            assert_eq!(
                error.field, "spec.ignoreApplicationDifferences[1].jqPathExpressions[1]",
                "{expression}"
            );
            assert!(
                error.message.contains(&format!("`{expression}`")),
                "{}",
                error.message
            );
        }
        let error =
            IgnoreRules::of(Some(&json!({"ignoreApplicationDifferences": {"a": 1}}))).unwrap_err();
        assert_eq!(error.field, "spec.ignoreApplicationDifferences");
    }

    #[test]
    fn merge_patch_round_trip_keeps_what_the_patch_does_not_mention() {
        let from = json!({"spec": {"a": 1, "b": [1, 2], "gone": true}});
        let to = json!({"spec": {"a": 2, "b": [1, 2], "new": "x"}});
        let patch = merge_patch(&from, &to);
        assert_eq!(patch, json!({"spec": {"a": 2, "gone": null, "new": "x"}}));
        let mut live = json!({"spec": {"a": 1, "b": [1, 2], "gone": true, "ignored": "live"}});
        apply_merge_patch(&mut live, &patch);
        assert_eq!(
            live,
            json!({"spec": {"a": 2, "b": [1, 2], "new": "x", "ignored": "live"}})
        );
    }
}
