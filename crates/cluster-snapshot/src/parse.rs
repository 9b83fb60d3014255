//! Text to JSON documents: multi-document YAML (as `kubectl get -o yaml` writes it) or JSON,
//! with `List` documents flattened into their items.

use std::path::Path;

use serde_json::Value;
use serde_saphyr::Spanned;

use crate::error::LoadError;

/// One document of a file, or one item of a `List` document.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ParsedDocument {
    pub document: usize,
    pub item: Option<usize>,
    pub value: Value,
}

/// Parses the documents of one file: JSON when the name ends with `.json`, YAML otherwise.
///
/// `List` documents (kind `List`, or a `*List` kind with `items`, as the API server returns
/// them) are replaced by their items; empty and `null` documents are skipped. The error
/// names `file`, the 1-based document and the position of the syntax error.
pub fn parse_documents(file: &Path, text: &str) -> Result<Vec<Value>, LoadError> {
    Ok(parse_located(file, text)?
        .into_iter()
        .map(|parsed| parsed.value)
        .collect())
}

/// [`parse_documents`], keeping each document's position for error messages.
pub(crate) fn parse_located(file: &Path, text: &str) -> Result<Vec<ParsedDocument>, LoadError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let documents = if is_json(file) {
        parse_json(file, text)?
    } else {
        parse_yaml(file, text)?
    };
    let mut parsed = Vec::with_capacity(documents.len());
    for (document, value) in documents {
        flatten(document, value, &mut parsed);
    }
    Ok(parsed)
}

fn is_json(file: &Path) -> bool {
    file.extension()
        .and_then(|ext| ext.to_str())
        .is_some_and(|ext| ext.eq_ignore_ascii_case("json"))
}

fn flatten(document: usize, value: Value, parsed: &mut Vec<ParsedDocument>) {
    if value.is_null() {
        return;
    }
    if !is_list(&value) {
        parsed.push(ParsedDocument {
            document,
            item: None,
            value,
        });
        return;
    }
    let Value::Object(mut list) = value else {
        return;
    };
    let list_api_version = list.get("apiVersion").cloned();
    let item_kind = list
        .get("kind")
        .and_then(Value::as_str)
        .and_then(|kind| kind.strip_suffix("List"))
        .filter(|kind| !kind.is_empty())
        .map(str::to_string);
    let Some(Value::Array(items)) = list.remove("items") else {
        return;
    };
    for (index, mut item) in items.into_iter().enumerate() {
        if item.is_null() {
            continue;
        }
        // The API server leaves `apiVersion` and `kind` out of the items of a typed list
        // (`PodList`); kubectl fills them in. Do the same so both shapes load.
        if let (Some(kind), Some(map)) = (&item_kind, item.as_object_mut()) {
            if !map.contains_key("kind") {
                map.insert("kind".to_string(), Value::String(kind.clone()));
            }
            if let Some(api_version) = &list_api_version {
                map.entry("apiVersion")
                    .or_insert_with(|| api_version.clone());
            }
        }
        parsed.push(ParsedDocument {
            document,
            item: Some(index + 1),
            value: item,
        });
    }
}

/// A `List` or a typed list (`PodList`): a `*List` kind with an `items` array and no name
/// (a custom resource whose kind merely ends in `List` has a name).
fn is_list(value: &Value) -> bool {
    let Some(map) = value.as_object() else {
        return false;
    };
    let Some(kind) = map.get("kind").and_then(Value::as_str) else {
        return false;
    };
    if !kind.ends_with("List") || !map.get("items").is_some_and(Value::is_array) {
        return false;
    }
    let named = map
        .get("metadata")
        .and_then(|metadata| metadata.get("name"))
        .is_some_and(|name| name.as_str().is_some_and(|name| !name.is_empty()));
    kind == "List" || !named
}

fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        // A snapshot file of a large cluster (`kubectl get pods -A -o yaml`) is one
        // document of millions of nodes; the defaults are sized for configuration files.
        // The alias limits stay, which is what defends against alias bombs.
        budget: serde_saphyr::budget! {
            max_events: usize::MAX,
            max_nodes: usize::MAX,
            max_documents: usize::MAX,
            max_total_scalar_bytes: usize::MAX,
            max_reader_input_bytes: None,
            max_depth: 256,
        },
        with_snippet: false,
        // Kubernetes reads YAML with go-yaml v2 (YAML 1.1): `0644` is octal.
        legacy_octal_numbers: true,
        non_finite_float_policy: serde_saphyr::NonFiniteFloatPolicy::PassThrough,
    }
}

fn parse_yaml(file: &Path, text: &str) -> Result<Vec<(usize, Value)>, LoadError> {
    let starts = DocumentStarts::scan(text);
    let documents: Vec<Spanned<Value>> =
        serde_saphyr::from_multiple_with_options(text, yaml_options()).map_err(|error| {
            let (line, column) = error
                .location()
                .map(|location| (location.line(), location.column()))
                .unwrap_or((0, 0));
            let message = error.to_string();
            let message = message
                .strip_suffix(&format!(" at line {line}, column {column}"))
                .unwrap_or(&message);
            // In the project's words where the parser names its own configuration.
            let message = preflight_model::plain_parser_message(message);
            LoadError::ParseYaml {
                file: file.to_path_buf(),
                document: (line > 0).then(|| starts.document_at(line)),
                line,
                column,
                message,
            }
        })?;
    let mut located = Vec::with_capacity(documents.len());
    let mut previous = 0;
    for spanned in documents {
        let line = spanned.referenced.line();
        // The parser skips empty documents, so the position of the root node is what
        // tells which document of the file this is.
        let document = if line > 0 {
            starts.document_at(line).max(previous + 1)
        } else {
            previous + 1
        };
        previous = document;
        located.push((document, spanned.value));
    }
    Ok(located)
}

fn parse_json(file: &Path, text: &str) -> Result<Vec<(usize, Value)>, LoadError> {
    let mut documents = Vec::new();
    for result in serde_json::Deserializer::from_str(text).into_iter::<Value>() {
        match result {
            Ok(value) => documents.push((documents.len() + 1, value)),
            Err(error) => {
                let (line, column) = (error.line(), error.column());
                let message = error.to_string();
                let message = message
                    .strip_suffix(&format!(" at line {line} column {column}"))
                    .unwrap_or(&message);
                let message = preflight_model::plain_parser_message(message);
                return Err(LoadError::ParseJson {
                    file: file.to_path_buf(),
                    document: documents.len() + 1,
                    line,
                    column,
                    message,
                });
            }
        }
    }
    Ok(documents)
}

/// The first line of every document of a YAML stream, found from the document markers
/// (`---`, `...`) alone, which YAML forbids at the start of a line inside content.
struct DocumentStarts {
    lines: Vec<u64>,
}

impl DocumentStarts {
    fn scan(text: &str) -> DocumentStarts {
        let mut lines = Vec::new();
        let mut in_document = false;
        for (index, line) in text.lines().enumerate() {
            let number = index as u64 + 1;
            if is_marker(line, "---") {
                lines.push(number);
                in_document = true;
            } else if is_marker(line, "...") {
                in_document = false;
            } else if !in_document {
                let trimmed = line.trim_start();
                let content =
                    !trimmed.is_empty() && !trimmed.starts_with('#') && !line.starts_with('%');
                if content {
                    lines.push(number);
                    in_document = true;
                }
            }
        }
        DocumentStarts { lines }
    }

    /// The 1-based document that holds `line`.
    fn document_at(&self, line: u64) -> usize {
        self.lines.partition_point(|start| *start <= line).max(1)
    }
}

fn is_marker(line: &str, marker: &str) -> bool {
    line.strip_prefix(marker)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r']))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[track_caller]
    fn check(file: &str, text: &str, expected: &[(usize, Option<usize>, Value)]) {
        let parsed = parse_located(Path::new(file), text).unwrap();
        let actual: Vec<(usize, Option<usize>, Value)> = parsed
            .into_iter()
            .map(|p| (p.document, p.item, p.value))
            .collect();
        assert_eq!(actual, expected);
    }

    #[track_caller]
    fn check_error(file: &str, text: &str, expected: &str) {
        let error = parse_located(Path::new(file), text).unwrap_err();
        assert_eq!(error.to_string(), expected);
    }

    #[test]
    fn single_document() {
        check("a.yaml", "a: 1\n", &[(1, None, json!({"a": 1}))]);
    }

    #[test]
    fn multi_document_counts_empty_documents() {
        check(
            "a.yaml",
            "# header\n---\na: 1\n---\n---\n\n---\nb: two\n...\n---\nc: null\n",
            &[
                (1, None, json!({"a": 1})),
                (4, None, json!({"b": "two"})),
                (5, None, json!({"c": null})),
            ],
        );
        check("a.yaml", "", &[]);
        check("a.yaml", "# only a comment\n---\n", &[]);
        check(
            "a.yaml",
            "a: 1\n---\n~\n---\nb: 2\n",
            &[(1, None, json!({"a": 1})), (3, None, json!({"b": 2}))],
        );
    }

    #[test]
    fn document_after_explicit_end_without_marker() {
        check(
            "a.yaml",
            "a: 1\n...\nb: 2\n",
            &[(1, None, json!({"a": 1})), (2, None, json!({"b": 2}))],
        );
    }

    #[test]
    fn yaml_scalars_follow_kubernetes() {
        check(
            "a.yaml",
            "mode: 0644\nquoted: \"0644\"\nport: 8080\nflag: true\n",
            &[(
                1,
                None,
                json!({"mode": 420, "quoted": "0644", "port": 8080, "flag": true}),
            )],
        );
    }

    #[test]
    fn json_documents() {
        check("a.json", "{\"a\": 1}", &[(1, None, json!({"a": 1}))]);
        check(
            "a.JSON",
            "{\"a\": 1}\n{\"b\": 2}\n",
            &[(1, None, json!({"a": 1})), (2, None, json!({"b": 2}))],
        );
        check("a.json", "\u{feff}null", &[]);
    }

    #[test]
    fn lists_are_flattened() {
        check(
            "a.yaml",
            "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Namespace, metadata: {name: a}}\n- null\n- {apiVersion: v1, kind: Namespace, metadata: {name: b}}\n",
            &[
                (1, Some(1), json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}})),
                (1, Some(3), json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "b"}})),
            ],
        );
        // Typed lists from the API server omit `apiVersion` and `kind` in their items.
        check(
            "a.json",
            r#"{"apiVersion": "apps/v1", "kind": "DeploymentList", "metadata": {}, "items": [{"metadata": {"name": "d"}}]}"#,
            &[(
                1,
                Some(1),
                json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}}),
            )],
        );
        check("a.yaml", "apiVersion: v1\nkind: List\nitems: []\n", &[]);
    }

    #[test]
    fn a_named_custom_resource_ending_in_list_is_an_object() {
        let value = json!({"apiVersion": "x.io/v1", "kind": "AllowList", "metadata": {"name": "n"}, "items": []});
        check("a.json", &value.to_string(), &[(1, None, value.clone())]);
    }

    #[test]
    fn syntax_errors_name_file_document_and_position() {
        check_error(
            "dir/a.yaml",
            "a: 1\n---\n---\nb: [1, 2\n",
            "dir/a.yaml: document 3: invalid YAML at line 4, column 4: unclosed bracket '['",
        );
        check_error(
            "a.yaml",
            "a: 1\na: 2\n",
            "a.yaml: document 1: invalid YAML at line 2, column 1: the key `a` appears twice in one mapping",
        );
        check_error(
            "a.json",
            "{\"a\": 1}\n{\"b\": }",
            "a.json: document 2: invalid JSON at line 2, column 7: expected value",
        );
    }

    #[test]
    fn document_starts() {
        let starts = DocumentStarts::scan("# c\n%YAML 1.2\n---\na: 1\n--- # x\nb: 2\n");
        assert_eq!(starts.lines, vec![3, 5]);
        assert_eq!(starts.document_at(1), 1);
        assert_eq!(starts.document_at(4), 1);
        assert_eq!(starts.document_at(6), 2);
        assert!(is_marker("---", "---"));
        assert!(!is_marker("----", "---"));
        assert!(!is_marker(" ---", "---"));
    }
}
