//! One pass over a large `List` file on two threads.
//!
//! `kubectl get -o json` writes one mapping, `{"apiVersion": …, "items": [ … ], "kind":
//! "List", "metadata": …}`, whose items are independent. The calling thread parses the
//! items from the start of the array, straight into their slim form as the one-pass
//! parser does ([`crate::stream`]); a helper guesses an item start near the middle of
//! the text ([`crate::scan`]'s guess and offer) and parses from there to the end of the
//! array. The guess holds only when the calling thread, between two items of the
//! top-level array, arrives at exactly the offered byte: then it stops, and the
//! helper's items follow its own (parsing from a true item start is deterministic). A
//! guess it passes is withdrawn and the helper guesses again further on; when the two
//! never meet, or the helper fails after they met, the calling thread parses on alone.
//! Every byte is read once, where the scan-then-parse path reads it twice.
//!
//! The document around the items (`apiVersion`, `kind`, `metadata`) is parsed as the
//! one-pass parser parses it, from the text with the items left out, and decides, as
//! there, whether the document is a list and what its items' `apiVersion` and `kind`
//! default to. Anything else — several documents, keys before `items` other than
//! `apiVersion`, a second `items`, a syntax error — gives `None`, and the caller takes
//! the scan-then-parse path, which reports errors precisely.

use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::thread;

use serde::de::{self, DeserializeSeed, IgnoredAny};
use serde::Deserialize;

use crate::load::{run_parallel, SnapshotFile};
use crate::manifests::SourcedObject;
use crate::scan::{self, skip_whitespace, FINISHED, NO_OFFER};
use crate::stream::{self, Fields, Item};

/// The slim objects of `text`, a file holding one `List` mapping, parsed with a helper
/// thread when `helper`; `None` when the file needs another path.
pub(crate) fn parse(file: &SnapshotFile, text: &str, helper: bool) -> Option<Vec<SourcedObject>> {
    parse_guessed(file, text, helper.then_some(text.len() / 2), Order::Threads)
}

/// How the two parts of [`parse_guessed`] run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    /// On two threads, as they come.
    Threads,
    /// The helper to its end, then the calling thread's part (tests: they meet
    /// whenever the helper's start is a true item start).
    #[cfg(test)]
    HelperFirst,
}

/// [`parse`], the helper's search starting at byte `guess` (no helper when `None`).
fn parse_guessed(
    file: &SnapshotFile,
    text: &str,
    guess: Option<usize>,
    order: Order,
) -> Option<Vec<SourcedObject>> {
    let bytes = text.as_bytes();
    let open = items_open(text)?;
    let first = skip_whitespace(bytes, open + 1);
    let offer = AtomicUsize::new(NO_OFFER);
    let (head, tail) = match order {
        Order::Threads => thread::scope(|scope| {
            let offer = &offer;
            let helper = guess.and_then(|guess| {
                thread::Builder::new()
                    .spawn_scoped(scope, move || {
                        with_file(file, || helper(text, guess.max(first), offer))
                    })
                    .ok()
            });
            let head = with_file(file, || elements(text, first, offer));
            if !matches!(head, Some(Elements::Met { .. })) {
                offer.store(FINISHED, Ordering::Release);
            }
            // A helper that panicked (it should not) is a helper that did not finish.
            (head, helper.and_then(|helper| helper.join().ok().flatten()))
        }),
        #[cfg(test)]
        Order::HelperFirst => {
            let tail =
                guess.and_then(|guess| with_file(file, || helper(text, guess.max(first), &offer)));
            (with_file(file, || elements(text, first, &offer)), tail)
        }
    };
    let (mut items, close) = match head? {
        Elements::Closed { items, close } => (items, close),
        Elements::Met { mut items, at } => match tail.filter(|tail| tail.start == at) {
            Some(tail) => {
                items.extend(tail.items);
                (items, tail.close)
            }
            // The helper failed from a true item start: the rest is parsed here.
            None => {
                let alone = AtomicUsize::new(FINISHED);
                match with_file(file, || elements(text, at, &alone))? {
                    Elements::Closed { items: rest, close } => {
                        items.extend(rest);
                        (items, close)
                    }
                    Elements::Met { .. } => return None,
                }
            }
        },
    };
    // The document without its items: the one-pass parser's reading of it.
    let suffix = &text[close..];
    if suffix.contains("\"items\"") {
        return None;
    }
    let mut shell = String::with_capacity(open + 1 + suffix.len());
    shell.push_str(&text[..=open]);
    shell.push_str(suffix);
    let mut deserializer = serde_json::Deserializer::from_str(&shell);
    let fields = Item {
        file,
        top_level: true,
    }
    .deserialize(&mut deserializer)
    .ok()??;
    deserializer.end().ok()?;
    if !fields.items.as_ref().is_some_and(Vec::is_empty) {
        return None;
    }
    let defaults = stream::list_defaults(&fields)?;
    // Finished (checked, made objects) on both threads, in order; each half is taken
    // by the thread that finishes it.
    let half = items.len().div_ceil(2);
    let second = items.split_off(half);
    let parts = [Mutex::new(Some(items)), Mutex::new(Some(second))];
    let finished = run_parallel(2, if guess.is_some() { 2 } else { 1 }, |at| {
        let part = parts[at]
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .unwrap_or_default();
        stream::finish_items(
            file,
            1,
            part.into_iter().map(|item| item.map(|fields| *fields)),
            if at == 0 { 0 } else { half },
            defaults.as_ref(),
        )
    });
    let mut objects = Vec::new();
    for part in finished {
        objects.extend(part?);
    }
    Some(objects)
}

/// Where the `[` of the top-level `items` array is: the text must be one mapping whose
/// first key is `items`, or `apiVersion` and then `items`.
fn items_open(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut at = skip_whitespace(bytes, 0);
    if bytes.get(at) != Some(&b'{') {
        return None;
    }
    at = skip_whitespace(bytes, at + 1);
    for allowed in ["apiVersion", "items"] {
        let (key, next) = one::<String>(text, at)?;
        at = skip_whitespace(bytes, next);
        if bytes.get(at) != Some(&b':') {
            return None;
        }
        at = skip_whitespace(bytes, at + 1);
        if key == "items" {
            return (bytes.get(at) == Some(&b'[')).then_some(at);
        }
        if key != allowed {
            return None;
        }
        let (_, next) = one::<IgnoredAny>(text, at)?;
        at = skip_whitespace(bytes, next);
        if bytes.get(at) != Some(&b',') {
            return None;
        }
        at = skip_whitespace(bytes, at + 1);
    }
    None
}

/// One JSON value at `at` and the byte after it.
fn one<'t, T: Deserialize<'t>>(text: &'t str, at: usize) -> Option<(T, usize)> {
    let mut stream = serde_json::Deserializer::from_str(text.get(at..)?).into_iter::<T>();
    let value = stream.next()?.ok()?;
    Some((value, at + stream.byte_offset()))
}

/// How the calling thread's parse of the items ended.
enum Elements<'t> {
    /// At the `]` at `close`.
    Closed {
        items: Vec<Option<Box<Fields<'t>>>>,
        close: usize,
    },
    /// At the helper's start `at`, claimed.
    Met {
        items: Vec<Option<Box<Fields<'t>>>>,
        at: usize,
    },
}

/// The items from `at` (an item start, or the `]` of an empty array) to the `]`, or to
/// the helper's offer when the parse arrives at exactly that byte. `None` on anything
/// but items separated by commas.
fn elements<'t>(text: &'t str, mut at: usize, offer: &AtomicUsize) -> Option<Elements<'t>> {
    let bytes = text.as_bytes();
    let mut items = Vec::new();
    if bytes.get(at) == Some(&b']') {
        return Some(Elements::Closed { items, close: at });
    }
    loop {
        if scan::claims_offer(offer, at) {
            return Some(Elements::Met { items, at });
        }
        let (Element(item), next) = one::<Element>(text, at)?;
        items.push(item);
        at = skip_whitespace(bytes, next);
        match bytes.get(at) {
            Some(b',') => at = skip_whitespace(bytes, at + 1),
            Some(b']') => return Some(Elements::Closed { items, close: at }),
            _ => return None,
        }
    }
}

/// The helper's items: from its start to the `]` of their array.
struct Tail<'t> {
    start: usize,
    items: Vec<Option<Box<Fields<'t>>>>,
    close: usize,
}

/// The helper: from the first plausible item start after `guess`, the items to the end
/// of their array, which must end the document (see [`crate::scan::from_guess`]).
fn helper<'t>(text: &'t str, guess: usize, offer: &AtomicUsize) -> Option<Tail<'t>> {
    scan::from_guess(text, guess, offer, |start| {
        let (items, close) = scan::offered_elements(text, start, offer, |at| {
            let (Element(item), next) = one::<Element>(text, at).ok_or(at)?;
            Ok((item, next))
        })?;
        // The `]` of a nested array ends no document: the start was not an item's.
        scan::document_rest(text, close)?;
        Ok(Tail {
            start,
            items,
            close,
        })
    })
}

thread_local! {
    /// The file whose items this thread parses: serde_json's stream of values, which
    /// gives the byte offset after each, takes no seed.
    static FILE: RefCell<Option<SnapshotFile>> = const { RefCell::new(None) };
}

/// Runs `job` with `file` as this thread's [`FILE`].
fn with_file<T>(file: &SnapshotFile, job: impl FnOnce() -> T) -> T {
    FILE.with(|slot| *slot.borrow_mut() = Some(file.clone()));
    let result = job();
    FILE.with(|slot| *slot.borrow_mut() = None);
    result
}

/// One item of the array, parsed as the one-pass parser parses it; boxed, as a list of
/// thousands is held until it is finished.
struct Element<'t>(Option<Box<Fields<'t>>>);

impl<'de> Deserialize<'de> for Element<'de> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        FILE.with(|slot| {
            let slot = slot.borrow();
            let file = slot
                .as_ref()
                .ok_or_else(|| de::Error::custom("no file to parse items of"))?;
            // A document the loader does not load is not held until the list is
            // finished (a `null` item gives no object either).
            Item {
                file,
                top_level: false,
            }
            .deserialize(deserializer)
            .map(|item| Element(item.filter(|fields| !fields.is_skipped()).map(Box::new)))
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;

    fn file(argocd_cluster: bool) -> SnapshotFile {
        SnapshotFile::for_tests("list.json", argocd_cluster)
    }

    type Summary = Vec<(usize, Option<usize>, Value)>;

    fn summary(objects: Vec<SourcedObject>) -> Summary {
        objects
            .into_iter()
            .map(|o| (o.document, o.item, o.object.to_value()))
            .collect()
    }

    /// A pretty-printed `List` of `count` items of several kinds, with the things a
    /// guessed item start can land on: nested arrays of object-like mappings, the text
    /// of an item inside a string, `null` items, escapes.
    fn list(count: usize, kind: &str) -> String {
        let items: Vec<Value> = (0..count)
            .map(|index| match index % 5 {
                0 => json!({"apiVersion": "v1", "kind": "Pod",
                    "metadata": {"name": format!("p{index}"), "namespace": "n", "labels": {"a": "b\"c"},
                        "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "r", "uid": "u"}],
                        "managedFields": [{"manager": "m", "fieldsV1": {"f:spec": {}}}]},
                    "spec": {"nodeName": "node-1", "containers": [{"name": "c"}]}}),
                1 => json!({"apiVersion": "v1", "kind": "Event",
                    "metadata": {"name": format!("e{index}"), "namespace": "n"},
                    "message": "}, {\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {}}"}),
                2 => json!({"apiVersion": "example.com/v1", "kind": "Bundle",
                    "metadata": {"name": format!("b{index}"), "namespace": "n"},
                    "spec": {"objects": [
                        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}},
                        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "y"}}]}}),
                3 => Value::Null,
                _ => json!({"apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": format!("c{index}"), "namespace": "n"},
                    "data": {"k": "v"}}),
            })
            .collect();
        serde_json::to_string_pretty(
            &json!({"apiVersion": "v1", "items": items, "kind": kind, "metadata": {"resourceVersion": "1"}}),
        )
        .unwrap()
    }

    fn one_pass(file: &SnapshotFile, text: &str) -> Summary {
        summary(stream::parse_file(file, text).expect("the one-pass parser reads it"))
    }

    #[test]
    fn every_guess_gives_what_the_one_pass_parser_gives() {
        for argocd_cluster in [false, true] {
            let file = file(argocd_cluster);
            let text = list(12, "List");
            let expected = one_pass(&file, &text);
            assert_eq!(expected.len(), 7, "nulls and Events are not loaded");
            let mut met = 0;
            for guess in 0..text.len() {
                // Threads at some guesses only: a thread per guess is slow in debug.
                let orders: &[Order] = if guess % 7 == 0 {
                    &[Order::HelperFirst, Order::Threads]
                } else {
                    &[Order::HelperFirst]
                };
                for &order in orders {
                    let parsed = parse_guessed(&file, &text, Some(guess), order)
                        .unwrap_or_else(|| panic!("guess {guess} {order:?}"));
                    assert_eq!(summary(parsed), expected, "guess {guess} {order:?}");
                }
                // Whether the helper's start at this guess is a true item start.
                let offer = AtomicUsize::new(NO_OFFER);
                let first = skip_whitespace(text.as_bytes(), items_open(&text).unwrap() + 1);
                let tail = with_file(&file, || helper(&text, guess.max(first), &offer));
                if let (Some(tail), Some(Elements::Met { at, .. })) =
                    (tail, with_file(&file, || elements(&text, first, &offer)))
                {
                    assert_eq!(tail.start, at);
                    met += 1;
                }
            }
            // Guesses before each true item start meet there; the rest run alone.
            assert!(met > text.len() / 2, "met {met} of {}", text.len());
            assert_eq!(
                summary(parse_guessed(&file, &text, None, Order::Threads).unwrap()),
                expected
            );
        }
    }

    #[test]
    fn a_start_inside_a_nested_list_is_given_up_for_a_true_one() {
        let file = file(false);
        let text = list(12, "List");
        // The second object of a Bundle's `spec.objects`: it looks like an item.
        let y = text.find("\"y\"").unwrap();
        let api_version = text[..y].rfind("\"apiVersion\"").unwrap();
        let guess = text[..api_version].rfind('{').unwrap();
        assert_eq!(
            scan::find_candidate(&text, guess, &AtomicUsize::new(NO_OFFER)),
            Some(guess)
        );
        let offer = AtomicUsize::new(NO_OFFER);
        let first = skip_whitespace(text.as_bytes(), items_open(&text).unwrap() + 1);
        let tail = with_file(&file, || helper(&text, guess, &offer)).unwrap();
        assert!(tail.start > guess, "the nested start is not taken");
        let Some(Elements::Met { at, items }) = with_file(&file, || elements(&text, first, &offer))
        else {
            panic!("the calling thread meets the helper's second start");
        };
        assert_eq!(at, tail.start);
        assert_eq!(items.len() + tail.items.len(), 12);
        assert_eq!(
            summary(parse_guessed(&file, &text, Some(guess), Order::HelperFirst).unwrap()),
            one_pass(&file, &text)
        );
    }

    #[test]
    fn a_large_list_on_two_threads() {
        let file = file(false);
        let text = list(3000, "List");
        let expected = one_pass(&file, &text);
        for _ in 0..5 {
            assert_eq!(summary(parse(&file, &text, true).unwrap()), expected);
        }
        // Item numbers run on across the two halves.
        let items: Vec<usize> = expected.iter().filter_map(|(_, item, _)| *item).collect();
        assert!(items.windows(2).all(|pair| pair[0] < pair[1]));
        assert_eq!(items.last(), Some(&3000));
    }

    #[test]
    fn typed_list_items_take_the_list_kind() {
        let text = r#"{"apiVersion": "v1", "items": [
            {"metadata": {"name": "p", "namespace": "n"}, "spec": {"nodeName": "a"}},
            {"metadata": {"name": "q", "namespace": "n"}, "spec": {"nodeName": "b"}}
        ], "kind": "PodList", "metadata": {}}"#;
        let file = file(false);
        let expected = one_pass(&file, text);
        assert_eq!(expected[1].2["kind"], "Pod");
        for guess in 0..text.len() {
            let parsed = parse_guessed(&file, text, Some(guess), Order::HelperFirst).unwrap();
            assert_eq!(summary(parsed), expected);
        }
    }

    #[test]
    fn other_shapes_are_left_to_the_other_paths() {
        let file = file(false);
        let item =
            r#"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "n"}}"#;
        for text in [
            // Keys before `items` other than `apiVersion`.
            format!(r#"{{"kind": "List", "items": [{item}]}}"#),
            format!(
                r#"{{"metadata": {{}}, "apiVersion": "v1", "items": [{item}], "kind": "List"}}"#
            ),
            // A second `items`, two documents, something after the document.
            format!(r#"{{"apiVersion": "v1", "items": [{item}], "kind": "List", "items": []}}"#),
            format!(r#"{{"apiVersion": "v1", "items": [{item}], "kind": "List"}} {{}}"#),
            format!(r#"{{"apiVersion": "v1", "items": [{item}], "kind": "List"}} ]"#),
            // Not a list: a named custom resource whose kind ends in List, no kind.
            format!(
                r#"{{"apiVersion": "v1", "items": [{item}], "kind": "ShoppingList", "metadata": {{"name": "s"}}}}"#
            ),
            format!(r#"{{"apiVersion": "v1", "items": [{item}]}}"#),
            // Syntax errors in an item, between items, after the array.
            format!(r#"{{"apiVersion": "v1", "items": [{item}, {{"kind": 01}}], "kind": "List"}}"#),
            format!(r#"{{"apiVersion": "v1", "items": [{item} {item}], "kind": "List"}}"#),
            format!(r#"{{"apiVersion": "v1", "items": [{item}], "kind": "List",}}"#),
            format!(r#"[{item}]"#),
            String::new(),
        ] {
            for guess in [None, Some(0), Some(text.len() / 2)] {
                assert!(
                    parse_guessed(&file, &text, guess, Order::Threads).is_none(),
                    "{text}"
                );
            }
        }
        // An empty list is a list.
        let empty = r#"{"apiVersion": "v1", "items": [ ], "kind": "List", "metadata": {}}"#;
        assert_eq!(parse(&file, empty, true).map(|o| o.len()), Some(0));
    }
}
