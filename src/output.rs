//! Writing what `generate` produced: thousands of Applications as one JSON `List`, and
//! the chunked threads it is written (and checked) on.

use serde_json::Value;

/// The JSON of `{"apiVersion": "v1", "items": items, "kind": "List"}` as
/// `serde_json::to_writer_pretty` writes it, byte for byte, with the items serialized on
/// up to `workers` threads: 15,000 Applications are tens of megabytes of text.
pub(crate) fn pretty_list(items: &[Value], workers: usize) -> Vec<u8> {
    let parts = in_chunks(items, workers, indented_items);
    let mut out = Vec::with_capacity(parts.iter().map(Vec::len).sum::<usize>() + 64);
    out.extend_from_slice(b"{\n  \"apiVersion\": \"v1\",\n  \"items\": [");
    for (index, part) in parts.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        out.extend_from_slice(part);
    }
    if !items.is_empty() {
        out.extend_from_slice(b"\n  ");
    }
    out.extend_from_slice(b"],\n  \"kind\": \"List\"\n}");
    out
}

/// `job` on consecutive chunks of `items`, one chunk per thread on up to `workers`
/// threads; the results in the order of the chunks. A chunk whose thread the system
/// refuses is done on the calling thread.
pub(crate) fn in_chunks<T: Sync, R: Send>(
    items: &[T],
    workers: usize,
    job: impl Fn(&[T]) -> R + Sync,
) -> Vec<R> {
    let workers = workers.clamp(1, items.len().max(1));
    let chunk = items.len().div_ceil(workers).max(1);
    let job = &job;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|items| {
                std::thread::Builder::new()
                    .spawn_scoped(scope, move || job(items))
                    .map_err(|_| items)
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| match handle {
                Ok(handle) => match handle.join() {
                    Ok(part) => part,
                    Err(panic) => std::panic::resume_unwind(panic),
                },
                Err(items) => job(items),
            })
            .collect()
    })
}

/// Each item pretty-printed at the depth of a list's items (four spaces), separated by
/// commas, each starting on a new line. A JSON string holds no raw newline, so every
/// newline of an item's text starts one of its lines.
fn indented_items(items: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"\n    ");
        // Writing a `Value` to memory cannot fail.
        let text = serde_json::to_vec_pretty(item).unwrap_or_default();
        for byte in text {
            out.push(byte);
            if byte == b'\n' {
                out.extend_from_slice(b"    ");
            }
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
                assert_eq!(
                    String::from_utf8(pretty_list(&items, workers)).unwrap(),
                    String::from_utf8(expected.clone()).unwrap(),
                    "{count} items on {workers} threads"
                );
            }
        }
    }
}
