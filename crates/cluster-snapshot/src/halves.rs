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
//! Each item is finished (checked, made an object) as soon as it is parsed, so only
//! objects are held; an item must name its own `apiVersion` and `kind`, as kubectl and
//! `capture` write them (a typed list's items may take them from the list, whose `kind`
//! comes after the items). The document around the items (`apiVersion`, `kind`,
//! `metadata`) is parsed as the one-pass parser parses it, from the text with the items
//! left out, and decides, as there, whether the document is a list. Anything else —
//! several documents, keys before `items` other than `apiVersion`, a second `items`,
//! an item without its kind, a syntax error — gives `None`, and the caller takes the
//! scan-then-parse path, which reports errors precisely.

use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use serde::de::{self, DeserializeSeed, IgnoredAny};
use serde::Deserialize;

use crate::load::{finished_object, SnapshotFile};
use crate::manifests::SourcedObject;
use crate::reader::{skip_whitespace, Reader};
use crate::scan::{self, FINISHED, NO_OFFER};
use crate::stream::{self, Finished, Item};

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
                        with_file(file, || helper(file, text, guess.max(first), offer))
                    })
                    .ok()
            });
            let head = with_file(file, || elements(file, text, first, 0, offer));
            if !matches!(head, Some(Elements::Met { .. })) {
                offer.store(FINISHED, Ordering::Release);
            }
            // A helper that panicked (it should not) is a helper that did not finish.
            (head, helper.and_then(|helper| helper.join().ok().flatten()))
        }),
        #[cfg(test)]
        Order::HelperFirst => {
            let tail = guess
                .and_then(|guess| with_file(file, || helper(file, text, guess.max(first), &offer)));
            (
                with_file(file, || elements(file, text, first, 0, &offer)),
                tail,
            )
        }
    };
    let (mut objects, close) = match head? {
        Elements::Closed { objects, close } => (objects, close),
        Elements::Met {
            mut objects,
            count,
            at,
        } => match tail.filter(|tail| tail.start == at) {
            Some(tail) => {
                // The helper numbered its items from its start.
                objects.extend(tail.objects.into_iter().map(|mut object| {
                    object.item = object.item.map(|item| item + count);
                    object
                }));
                (objects, tail.close)
            }
            // The helper failed from a true item start: the rest is parsed here.
            None => {
                let alone = AtomicUsize::new(FINISHED);
                match with_file(file, || elements(file, text, at, count, &alone))? {
                    Elements::Closed {
                        objects: rest,
                        close,
                    } => {
                        objects.extend(rest);
                        (objects, close)
                    }
                    Elements::Met { .. } => return None,
                }
            }
        },
    };
    // The document without its items: the one-pass parser's reading of it, which says
    // whether it is a list at all.
    // After the items only the rest of the mapping, without a second `items`.
    scan::document_rest(text, close).ok()?;
    let suffix = &text[close..];
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
    stream::list_defaults(&fields)?;
    objects.shrink_to_fit();
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

/// One JSON value at `at` and the byte after it: read by the fast reader, or by
/// serde_json when the reader refuses it.
fn one<'t, T: Deserialize<'t>>(text: &'t str, at: usize) -> Option<(T, usize)> {
    let mut reader = Reader::starting_at(text, at);
    if let Ok(value) = T::deserialize(&mut reader) {
        return Some((value, reader.offset()));
    }
    let mut stream = serde_json::Deserializer::from_str(text.get(at..)?).into_iter::<T>();
    let value = stream.next()?.ok()?;
    Some((value, at + stream.byte_offset()))
}

/// How the calling thread's parse of the items ended: the objects of the items so far
/// and how many items there were (`null`s and kinds not loaded included).
enum Elements {
    /// At the `]` at `close`.
    Closed {
        objects: Vec<SourcedObject>,
        close: usize,
    },
    /// At the helper's start `at`, claimed.
    Met {
        objects: Vec<SourcedObject>,
        count: usize,
        at: usize,
    },
}

/// The items from `at` (an item start, or the `]` of an empty array) to the `]`, or to
/// the helper's offer when the parse arrives at exactly that byte, numbered after
/// `before` items. `None` on anything but items separated by commas.
fn elements(
    file: &SnapshotFile,
    text: &str,
    mut at: usize,
    before: usize,
    offer: &AtomicUsize,
) -> Option<Elements> {
    let bytes = text.as_bytes();
    let mut objects = Vec::new();
    let mut count = before;
    if bytes.get(at) == Some(&b']') {
        return Some(Elements::Closed { objects, close: at });
    }
    loop {
        if scan::claims_offer(offer, at) {
            return Some(Elements::Met { objects, count, at });
        }
        let (element, next) = one::<Element>(text, at)?;
        count += 1;
        objects.extend(element.object(file, count).ok()?);
        at = skip_whitespace(bytes, next);
        match bytes.get(at) {
            Some(b',') => at = skip_whitespace(bytes, at + 1),
            Some(b']') => return Some(Elements::Closed { objects, close: at }),
            _ => return None,
        }
    }
}

/// The helper's part: the objects of the items from its start to the `]` of their
/// array, numbered from its start.
struct Tail {
    start: usize,
    objects: Vec<SourcedObject>,
    close: usize,
}

/// The helper: from the first plausible item start after `guess`, the items to the end
/// of their array, which must end the document (see [`crate::scan::from_guess`]).
fn helper(file: &SnapshotFile, text: &str, guess: usize, offer: &AtomicUsize) -> Option<Tail> {
    scan::from_guess(text, guess, offer, |start| {
        let mut count = 0;
        let (objects, close) = scan::offered_elements(text, start, offer, |at| {
            let (element, next) = one::<Element>(text, at).ok_or(at)?;
            count += 1;
            Ok((element.object(file, count).map_err(|()| at)?, next))
        })?;
        // The `]` of a nested array ends no document: the start was not an item's.
        scan::document_rest(text, close)?;
        Ok(Tail {
            start,
            objects: objects.into_iter().flatten().collect(),
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

/// One item of the array, parsed as the one-pass parser parses it and finished at once
/// (`None` for a `null` item or a kind the loader does not load). An item without its
/// own `apiVersion` and `kind` (as a typed list may leave them out) cannot be finished
/// before the list's own `kind`, which comes after the items: it is refused, and the
/// file goes to the other path.
struct Element(Option<Finished>);

impl Element {
    /// The object of the item numbered `item` of the list; `Err` when it needs the
    /// whole-file parser.
    fn object(self, file: &SnapshotFile, item: usize) -> Result<Option<SourcedObject>, ()> {
        match self.0 {
            Some(finished) => finished_object(file, finished, 1, Some(item)).map_err(|_| ()),
            None => Ok(None),
        }
    }
}

impl<'de> Deserialize<'de> for Element {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        FILE.with(|slot| {
            let slot = slot.borrow();
            let file = slot
                .as_ref()
                .ok_or_else(|| de::Error::custom("no file to parse items of"))?;
            let item = Item {
                file,
                top_level: false,
            }
            .deserialize(deserializer)?;
            let Some(fields) = item else {
                return Ok(Element(None));
            };
            if !fields.knows_kind() {
                return Err(de::Error::custom("an item that takes the list's kind"));
            }
            stream::finish(file, fields, None)
                .map(Element)
                .ok_or_else(|| de::Error::custom("an item for the whole-file parser"))
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
                let tail = with_file(&file, || helper(&file, &text, guess.max(first), &offer));
                if let (Some(tail), Some(Elements::Met { at, .. })) = (
                    tail,
                    with_file(&file, || elements(&file, &text, first, 0, &offer)),
                ) {
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
        let tail = with_file(&file, || helper(&file, &text, guess, &offer)).unwrap();
        assert!(tail.start > guess, "the nested start is not taken");
        let Some(Elements::Met { at, count, .. }) =
            with_file(&file, || elements(&file, &text, first, 0, &offer))
        else {
            panic!("the calling thread meets the helper's second start");
        };
        assert_eq!(at, tail.start);
        assert!(0 < count && count < 12, "met after {count} items");
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
    fn typed_list_items_are_left_unless_they_name_their_kind() {
        let file = file(false);
        // Items that leave out their kind take the list's, which comes after them.
        let bare = r#"{"apiVersion": "v1", "items": [
            {"metadata": {"name": "p", "namespace": "n"}, "spec": {"nodeName": "a"}},
            {"metadata": {"name": "q", "namespace": "n"}, "spec": {"nodeName": "b"}}
        ], "kind": "PodList", "metadata": {}}"#;
        for guess in [None, Some(0), Some(bare.len() / 2)] {
            assert!(parse_guessed(&file, bare, guess, Order::Threads).is_none());
        }
        // Items that name it are read here, as the one-pass parser reads them.
        let named = bare.replace(
            r#"{"metadata""#,
            r#"{"apiVersion": "v1", "kind": "Pod", "metadata""#,
        );
        let expected = one_pass(&file, &named);
        assert_eq!(expected[1].2["kind"], "Pod");
        for guess in 0..named.len() {
            let parsed = parse_guessed(&file, &named, Some(guess), Order::HelperFirst).unwrap();
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
        // A list whose own metadata mentions `"items"` is one `items` all the same.
        let mentions = format!(
            r#"{{"apiVersion": "v1", "items": [{item}], "kind": "List", "metadata": {{"annotations": {{"note": "\"items\": []"}}}}}}"#
        );
        assert_eq!(parse(&file, &mentions, true).map(|o| o.len()), Some(1));
        // An empty list is a list.
        let empty = r#"{"apiVersion": "v1", "items": [ ], "kind": "List", "metadata": {}}"#;
        assert_eq!(parse(&file, empty, true).map(|o| o.len()), Some(0));
    }
}
