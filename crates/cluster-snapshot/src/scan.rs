//! A structural scan of a JSON file: where each top-level document and each item of a
//! `List` starts and ends, and where their `apiVersion` and `kind` are, without building
//! anything.
//!
//! It is what lets a large `List` file (`kubectl get pods -A -o json`) be parsed on all
//! cores: the items are independent once their boundaries are known, and knowing an
//! item's kind before parsing it lets the slim parser skip what that kind does not keep
//! even when `kind` comes after the fields (Go writes unstructured objects with sorted
//! keys: `data` before `kind`). The scan is lenient: on anything it does not expect it
//! gives up, and the file is parsed whole, which reports the error precisely.

use std::ops::Range;

/// Documents nested deeper than this are left to the full parser, which has its own limit.
const MAX_DEPTH: usize = 128;

/// One top-level JSON value of a file that is a mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ScannedDocument {
    pub span: Range<usize>,
    pub fields: Fields,
    /// The element spans of `items` when it is an array, with their own fields.
    pub items: Option<Vec<ScannedItem>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ScannedItem {
    pub span: Range<usize>,
    pub fields: Fields,
}

/// Spans of the values of the fields that decide how a document is parsed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Fields {
    pub api_version: Option<Range<usize>>,
    pub kind: Option<Range<usize>>,
    pub metadata: Option<Range<usize>>,
}

/// Scans `bytes`, a stream of JSON values. `None` when the text is not a stream of
/// well-formed mappings (or `null`s), as far as this scan can tell.
pub(crate) fn scan(bytes: &[u8]) -> Option<Vec<ScannedDocument>> {
    let mut documents = Vec::new();
    let mut at = skip_whitespace(bytes, 0);
    while at < bytes.len() {
        match bytes[at] {
            b'{' => {
                let mut fields = Fields::default();
                let mut items = None;
                let end = mapping(bytes, at, 1, |key, value| {
                    record(&mut fields, key, value.clone());
                    if key == b"items" && bytes[value.start] == b'[' {
                        items = Some(list_items(bytes, value)?);
                    }
                    Some(())
                })?;
                documents.push(ScannedDocument {
                    span: at..end,
                    fields,
                    items,
                });
                at = end;
            }
            // A `null` document is skipped, but counted as the full parser counts it.
            b'n' if bytes[at..].starts_with(b"null") => {
                documents.push(ScannedDocument {
                    span: at..at + 4,
                    fields: Fields::default(),
                    items: None,
                });
                at += 4;
            }
            _ => return None,
        }
        at = skip_whitespace(bytes, at);
    }
    Some(documents)
}

fn record(fields: &mut Fields, key: &[u8], value: Range<usize>) {
    let slot = match key {
        b"apiVersion" => &mut fields.api_version,
        b"kind" => &mut fields.kind,
        b"metadata" => &mut fields.metadata,
        _ => return,
    };
    // Of duplicate keys the parser keeps the last, and so does this.
    *slot = Some(value);
}

/// The items of the array at `span`, each a mapping (or `null`, kept as a span too).
fn list_items(bytes: &[u8], span: Range<usize>) -> Option<Vec<ScannedItem>> {
    let mut items = Vec::new();
    let mut at = span.start + 1;
    loop {
        at = skip_whitespace(bytes, at);
        match *bytes.get(at)? {
            b']' if items.is_empty() => return Some(items),
            b'{' => {
                let mut fields = Fields::default();
                let end = mapping(bytes, at, 3, |key, value| {
                    record(&mut fields, key, value);
                    Some(())
                })?;
                items.push(ScannedItem {
                    span: at..end,
                    fields,
                });
                at = end;
            }
            _ => {
                let end = value(bytes, at, 3)?;
                items.push(ScannedItem {
                    span: at..end,
                    fields: Fields::default(),
                });
                at = end;
            }
        }
        at = skip_whitespace(bytes, at);
        match *bytes.get(at)? {
            b',' => at += 1,
            b']' => return Some(items),
            _ => return None,
        }
    }
}

/// Walks the mapping starting at `start`, calling `field` with each key's raw bytes
/// (between the quotes) and its value's span; returns the end of the mapping.
fn mapping(
    bytes: &[u8],
    start: usize,
    depth: usize,
    mut field: impl FnMut(&[u8], Range<usize>) -> Option<()>,
) -> Option<usize> {
    if depth > MAX_DEPTH {
        return None;
    }
    let mut at = skip_whitespace(bytes, start + 1);
    if *bytes.get(at)? == b'}' {
        return Some(at + 1);
    }
    loop {
        if *bytes.get(at)? != b'"' {
            return None;
        }
        let key_end = string(bytes, at)?;
        let key = &bytes[at + 1..key_end - 1];
        at = skip_whitespace(bytes, key_end);
        if *bytes.get(at)? != b':' {
            return None;
        }
        at = skip_whitespace(bytes, at + 1);
        let value_end = value(bytes, at, depth + 1)?;
        field(key, at..value_end)?;
        at = skip_whitespace(bytes, value_end);
        match *bytes.get(at)? {
            b',' => at = skip_whitespace(bytes, at + 1),
            b'}' => return Some(at + 1),
            _ => return None,
        }
    }
}

/// The end of the value starting at `start`.
fn value(bytes: &[u8], start: usize, depth: usize) -> Option<usize> {
    match *bytes.get(start)? {
        b'"' => string(bytes, start),
        b'{' => mapping(bytes, start, depth, |_, _| Some(())),
        b'[' => {
            if depth > MAX_DEPTH {
                return None;
            }
            let mut at = skip_whitespace(bytes, start + 1);
            if *bytes.get(at)? == b']' {
                return Some(at + 1);
            }
            loop {
                at = value(bytes, at, depth + 1)?;
                at = skip_whitespace(bytes, at);
                match *bytes.get(at)? {
                    b',' => at = skip_whitespace(bytes, at + 1),
                    b']' => return Some(at + 1),
                    _ => return None,
                }
            }
        }
        _ => {
            // A number, `true`, `false` or `null`: up to the next delimiter. The parser
            // checks the token itself.
            let length = bytes[start..]
                .iter()
                .position(|&b| matches!(b, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t'))
                .unwrap_or(bytes.len() - start);
            (length > 0).then_some(start + length)
        }
    }
}

/// The end (after the closing quote) of the string starting at `start`.
fn string(bytes: &[u8], start: usize) -> Option<usize> {
    let mut at = start + 1;
    loop {
        at += memchr::memchr2(b'"', b'\\', &bytes[at..])?;
        if bytes[at] == b'"' {
            return Some(at + 1);
        }
        // An escape: skip the backslash and the character it escapes.
        at += 2;
        if at > bytes.len() {
            return None;
        }
    }
}

fn skip_whitespace(bytes: &[u8], mut at: usize) -> usize {
    while at < bytes.len() && matches!(bytes[at], b' ' | b'\n' | b'\r' | b'\t') {
        at += 1;
    }
    at
}

/// The string value at `span` when it is a plain JSON string without escapes.
pub(crate) fn plain_string<'a>(bytes: &'a [u8], span: &Range<usize>) -> Option<&'a str> {
    let raw = bytes.get(span.clone())?;
    let inner = raw.strip_prefix(b"\"")?.strip_suffix(b"\"")?;
    if inner.contains(&b'\\') {
        return None;
    }
    std::str::from_utf8(inner).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text<'a>(bytes: &'a [u8], span: &Option<Range<usize>>) -> &'a str {
        std::str::from_utf8(&bytes[span.clone().unwrap()]).unwrap()
    }

    #[test]
    fn finds_items_and_their_kinds_in_any_key_order() {
        let json = br#" {"apiVersion": "v1", "items": [
            {"data": {"k": "a \"quoted\" }"}, "kind": "ConfigMap", "metadata": {"name": "c"}},
            null,
            {"apiVersion": "v1", "kind": "Pod", "spec": [1, 2, {"x": [true, false]}]}
        ], "kind": "List", "metadata": {"resourceVersion": ""}}
        null {"kind": "Namespace"}"#;
        let documents = scan(json).unwrap();
        assert_eq!(documents.len(), 3);
        let list = &documents[0];
        assert_eq!(text(json, &list.fields.kind), "\"List\"");
        assert_eq!(text(json, &list.fields.api_version), "\"v1\"");
        let items = list.items.as_ref().unwrap();
        assert_eq!(items.len(), 3);
        assert_eq!(text(json, &items[0].fields.kind), "\"ConfigMap\"");
        assert_eq!(text(json, &Some(items[1].span.clone())), "null");
        assert_eq!(text(json, &items[2].fields.kind), "\"Pod\"");
        assert_eq!(items[2].fields.metadata, None);
        assert_eq!(text(json, &Some(documents[1].span.clone())), "null");
        assert_eq!(text(json, &documents[2].fields.kind), "\"Namespace\"");
        assert_eq!(
            plain_string(json, items[0].fields.kind.as_ref().unwrap()),
            Some("ConfigMap")
        );
    }

    #[test]
    fn gives_up_on_what_it_does_not_expect() {
        for bad in [
            &b"[1, 2]"[..],
            b"{\"a\": 1",
            b"{\"a\" 1}",
            b"{\"a\": 1,}x",
            b"{\"items\": [1, }",
            b"{\"a\": \"unterminated}",
            b"{} 7",
        ] {
            assert_eq!(scan(bad), None, "{}", String::from_utf8_lossy(bad));
        }
        assert_eq!(scan(b"").unwrap(), vec![]);
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert_eq!(scan(format!("{{\"a\": {deep}}}").as_bytes()), None);
    }
}
