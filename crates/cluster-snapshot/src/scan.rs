//! Where each top-level document of a JSON file and each item of a `List` start and
//! end, and where a document's `apiVersion`, `kind` and `metadata` are, found by
//! serde_json's own skipping (nothing is built).
//!
//! It is what lets a large `List` file (`kubectl get pods -A -o json`) be parsed on all
//! cores: the items are independent once their boundaries are known. On anything it does
//! not expect (a syntax error, a top-level value that is not a mapping) it gives up, and
//! the file is parsed whole, which reports the error precisely.

use std::fmt;
use std::ops::Range;

use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

/// One top-level JSON value of a file that is a mapping (or `null`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ScannedDocument {
    pub span: Range<usize>,
    pub fields: Fields,
    /// The element spans of `items` when it is an array.
    pub items: Option<Vec<Range<usize>>>,
}

/// Spans of the values of the fields that decide how a document is parsed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Fields {
    pub api_version: Option<Range<usize>>,
    pub kind: Option<Range<usize>>,
    pub metadata: Option<Range<usize>>,
}

/// Scans `text`, a stream of JSON values. `None` when the text is not a stream of
/// well-formed mappings (or `null`s).
pub(crate) fn scan(text: &str) -> Option<Vec<ScannedDocument>> {
    let base = text.as_ptr() as usize;
    let span = |raw: &RawValue| {
        let start = raw.get().as_ptr() as usize - base;
        start..start + raw.get().len()
    };
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Probe>();
    let mut documents = Vec::new();
    let mut end = 0;
    while let Some(probe) = stream.next() {
        let probe = probe.ok()?;
        let start = end + text[end..].len() - text[end..].trim_start().len();
        end = stream.byte_offset();
        let (fields, items) = match probe {
            Probe::Null => (Fields::default(), None),
            Probe::Mapping {
                api_version,
                kind,
                metadata,
                items,
            } => (
                Fields {
                    api_version: api_version.map(span),
                    kind: kind.map(span),
                    metadata: metadata.map(span),
                },
                items.map(|items| items.into_iter().map(span).collect()),
            ),
        };
        documents.push(ScannedDocument {
            span: start..end,
            fields,
            items,
        });
    }
    Some(documents)
}

/// What the scan reads of a top-level value.
enum Probe<'de> {
    Null,
    Mapping {
        api_version: Option<&'de RawValue>,
        kind: Option<&'de RawValue>,
        metadata: Option<&'de RawValue>,
        items: Option<Vec<&'de RawValue>>,
    },
}

impl<'de> Deserialize<'de> for Probe<'de> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ProbeVisitor)
    }
}

struct ProbeVisitor;

impl<'de> Visitor<'de> for ProbeVisitor {
    type Value = Probe<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a mapping or null")
    }

    fn visit_unit<E>(self) -> Result<Probe<'de>, E> {
        Ok(Probe::Null)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Probe<'de>, A::Error> {
        let (mut api_version, mut kind, mut metadata, mut items) = (None, None, None, None);
        // Of duplicate keys the parser keeps the last, and so does this.
        while let Some(key) = access.next_key::<crate::slim::Key<'de>>()? {
            match key.as_str() {
                "apiVersion" => api_version = Some(access.next_value()?),
                "kind" => kind = Some(access.next_value()?),
                "metadata" => metadata = Some(access.next_value()?),
                "items" => items = access.next_value::<Items>()?.0,
                _ => {
                    access.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Probe::Mapping {
            api_version,
            kind,
            metadata,
            items,
        })
    }
}

/// The elements of an `items` array, left unparsed; `None` when it is not an array.
struct Items<'de>(Option<Vec<&'de RawValue>>);

impl<'de> Deserialize<'de> for Items<'de> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ItemsVisitor;
        impl<'de> Visitor<'de> for ItemsVisitor {
            type Value = Items<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut access: A) -> Result<Items<'de>, A::Error> {
                let mut items = Vec::with_capacity(access.size_hint().unwrap_or(0).min(4096));
                while let Some(item) = access.next_element()? {
                    items.push(item);
                }
                Ok(Items(Some(items)))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Items<'de>, A::Error> {
                while access.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Items(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Items<'de>, E> {
                Ok(Items(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Items<'de>, E> {
                Ok(Items(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Items<'de>, E> {
                Ok(Items(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Items<'de>, E> {
                Ok(Items(None))
            }
            fn visit_str<E>(self, _: &str) -> Result<Items<'de>, E> {
                Ok(Items(None))
            }
            fn visit_unit<E>(self) -> Result<Items<'de>, E> {
                Ok(Items(None))
            }
        }
        deserializer.deserialize_any(ItemsVisitor)
    }
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

    fn text<'a>(json: &'a str, span: &Option<Range<usize>>) -> &'a str {
        &json[span.clone().unwrap()]
    }

    #[test]
    fn finds_items_and_fields_in_any_key_order() {
        let json = r#" {"apiVersion": "v1", "items": [
            {"data": {"k": "a \"quoted\" }"}, "kind": "ConfigMap", "metadata": {"name": "c"}},
            null,
            {"apiVersion": "v1", "kind": "Pod", "spec": [1, 2, {"x": [true, false]}]}
        ], "kind": "List", "metadata": {"resourceVersion": ""}}
        null {"kind": "Namespace", "items": {"not": "a list"}}"#;
        let documents = scan(json).unwrap();
        assert_eq!(documents.len(), 3);
        let list = &documents[0];
        assert_eq!(text(json, &list.fields.kind), "\"List\"");
        assert_eq!(text(json, &list.fields.api_version), "\"v1\"");
        assert_eq!(
            text(json, &list.fields.metadata),
            "{\"resourceVersion\": \"\"}"
        );
        assert!(text(json, &Some(list.span.clone())).starts_with("{\"apiVersion\""));
        assert!(text(json, &Some(list.span.clone())).ends_with("\"\"}}"));
        let items = list.items.as_ref().unwrap();
        assert_eq!(items.len(), 3);
        assert!(json[items[0].clone()].starts_with("{\"data\""));
        assert_eq!(&json[items[1].clone()], "null");
        assert!(json[items[2].clone()].ends_with("[true, false]}]}"));
        assert_eq!(text(json, &Some(documents[1].span.clone())), "null");
        assert_eq!(text(json, &documents[2].fields.kind), "\"Namespace\"");
        assert_eq!(documents[2].items, None);
        assert_eq!(
            plain_string(json.as_bytes(), list.fields.kind.as_ref().unwrap()),
            Some("List")
        );
    }

    #[test]
    fn gives_up_on_what_it_does_not_expect() {
        for bad in [
            "[1, 2]",
            "{\"a\": 1",
            "{\"a\" 1}",
            "{\"a\": 1,}x",
            "{\"items\": [1, }",
            "{\"a\": \"unterminated}",
            "{} 7",
        ] {
            assert_eq!(scan(bad), None, "{bad}");
        }
        assert_eq!(scan("").unwrap(), vec![]);
        // Skipping does not recurse, so deep nesting is no risk here; the parser that
        // reads the document later refuses it.
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert_eq!(scan(&format!("{{\"a\": {deep}}}")).unwrap().len(), 1);
    }
}
