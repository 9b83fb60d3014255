//! Writing what `generate` produced: thousands of Applications as one JSON `List`.

use std::io::{self, Write};

use preflight_model::parallel::in_chunks;
use serde_json::Value;

/// Writes the JSON of `{"apiVersion": "v1", "items": items, "kind": "List"}` to `out` as
/// `serde_json::to_writer_pretty` writes it, byte for byte, with the items serialized on
/// up to `workers` threads: 15,000 Applications are tens of megabytes of text, each
/// thread's part written as it is, not copied into one buffer first.
pub(crate) fn write_pretty_list(
    out: &mut impl Write,
    items: &[Value],
    workers: usize,
) -> io::Result<()> {
    let parts = in_chunks(items, workers, indented_items);
    out.write_all(b"{\n  \"apiVersion\": \"v1\",\n  \"items\": [")?;
    for (index, part) in parts.iter().enumerate() {
        if index > 0 {
            out.write_all(b",")?;
        }
        out.write_all(part)?;
    }
    if !items.is_empty() {
        out.write_all(b"\n  ")?;
    }
    out.write_all(b"],\n  \"kind\": \"List\"\n}")
}

/// Each item pretty-printed at the depth of a list's items (four spaces), separated by
/// commas, each starting on a new line. A JSON string holds no raw newline, so every
/// newline of an item's text starts one of its lines.
fn indented_items(items: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut text = Vec::new();
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        text.clear();
        // Writing a `Value` to memory cannot fail.
        let _ = serde_json::to_writer_pretty(&mut text, item);
        for line in text.split(|byte| *byte == b'\n') {
            out.extend_from_slice(b"\n    ");
            out.extend_from_slice(line);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn writes_what_serde_json_writes() {
        let item = json!({
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Application",
            "metadata": {"name": "a", "labels": {}, "annotations": {"k": "line\nbreak \"quoted\" ✓"}},
            "spec": {"list": [], "nested": [[1, 2.5, -3], {"x": null, "y": true}], "empty": {}},
        });
        for count in [0, 1, 2, 3, 7] {
            let items: Vec<Value> = (0..count)
                .map(|i| {
                    let mut item = item.clone();
                    item["metadata"]["name"] = json!(format!("app-{i}"));
                    item
                })
                .collect();
            let list = json!({"apiVersion": "v1", "kind": "List", "items": items});
            let expected = serde_json::to_vec_pretty(&list).unwrap();
            for workers in [1, 2, 3, 8] {
                let mut written = Vec::new();
                write_pretty_list(&mut written, &items, workers).unwrap();
                assert_eq!(
                    String::from_utf8(written).unwrap(),
                    String::from_utf8(expected.clone()).unwrap(),
                    "{count} items on {workers} threads"
                );
            }
        }
    }
}
