//! Where each top-level document of a JSON file and each item of a `List` start and
//! end, and where a document's `apiVersion`, `kind` and `metadata` are, found by
//! serde_json's own skipping (nothing is built).
//!
//! It is what lets a large `List` file (`kubectl get pods -A -o json`) be parsed on all
//! cores: the items are independent once their boundaries are known. On anything it does
//! not expect (a syntax error, a top-level value that is not a mapping) it gives up, and
//! the file is parsed whole, which reports the error precisely.
//!
//! [`scan_parallel`] gives the same result on two threads. The calling thread runs the
//! serial scan from the start; a helper looks for an item near the middle of the text (a
//! `{` after `}` and `,`, that parses as a mapping with `apiVersion`, `kind` and
//! `metadata`) and scans from there, one item at a time, to the `]` of the array, the
//! rest of the top-level mapping and the end of the text. That start is a guess until
//! the serial scan, inside a top-level `items` array, meets an element that starts at
//! exactly that byte: then it stops there, and the result is its prefix and the helper's
//! rest, which is what the serial scan would have found (scanning from a true element
//! boundary is deterministic). A guess the serial scan passes, or one whose scan fails
//! before it is met, is withdrawn and the helper guesses again further on; whenever the
//! two do not meet the serial scan simply runs to the end. If the helper fails after its
//! start was met (a syntax error, or anything after the document but whitespace), the
//! whole text is scanned again serially, so the result never depends on a guess.

use std::cell::RefCell;
use std::fmt;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::reader::skip_whitespace;
use crate::slim::Key;

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
    match scan_head(text, None)? {
        Head::Whole(documents) => Some(documents),
        // Only a meeting point stops the scan early.
        Head::Stopped(_) => None,
    }
}

/// What the serial scan found: the whole text, or the text up to the element of a
/// top-level `items` array where it met the helper's scan.
enum Head {
    Whole(Vec<ScannedDocument>),
    Stopped(Stopped),
}

/// The serial scan's part when it met the helper at `at`.
struct Stopped {
    /// The documents before the one it stopped in.
    documents: Vec<ScannedDocument>,
    /// Where the document it stopped in starts.
    start: usize,
    /// That document's fields before its `items`.
    fields: Fields,
    /// Its `items` elements before `at`.
    items: Vec<Range<usize>>,
    at: usize,
}

/// The serial scan; with `offer`, it stops at the first element of a top-level `items`
/// array that starts where the helper's current offer says, and claims that offer.
fn scan_head(text: &str, offer: Option<&Arc<AtomicUsize>>) -> Option<Head> {
    let base = text.as_ptr() as usize;
    let span = |raw: &RawValue| span_in(base, raw);
    MEETING.with(|meeting| {
        *meeting.borrow_mut() = offer.map(|offer| Meeting {
            base,
            offer: Arc::clone(offer),
            stop: None,
        })
    });
    // Taken on every way out, so that no state is left behind for a later scan.
    let take_stop = || {
        MEETING
            .with(|meeting| meeting.borrow_mut().take())
            .and_then(|meeting| meeting.stop)
    };
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Probe>();
    let mut documents = Vec::new();
    let mut end = 0;
    while let Some(probe) = stream.next() {
        let start = end + text[end..].len() - text[end..].trim_start().len();
        let probe = match probe {
            Ok(probe) => probe,
            Err(_) => {
                let stop = take_stop()?;
                return Some(Head::Stopped(Stopped {
                    documents,
                    start,
                    fields: stop.fields.unwrap_or_default(),
                    items: stop.items,
                    at: stop.at,
                }));
            }
        };
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
    take_stop();
    Some(Head::Whole(documents))
}

fn span_in(base: usize, raw: &RawValue) -> Range<usize> {
    let start = raw.get().as_ptr() as usize - base;
    start..start + raw.get().len()
}

thread_local! {
    /// The serial scan's link to the helper, on the thread that runs it. serde_json's
    /// stream of documents (whose byte offsets the scan needs) takes no seed, so the
    /// visitors find it here.
    static MEETING: RefCell<Option<Meeting>> = const { RefCell::new(None) };
}

struct Meeting {
    /// Start of the text, to turn raw values into spans.
    base: usize,
    offer: Arc<AtomicUsize>,
    /// Set where the scan met the helper.
    stop: Option<Stop>,
}

struct Stop {
    at: usize,
    items: Vec<Range<usize>>,
    fields: Option<Fields>,
}

/// The helper's offer (of the scan here, of the one-pass parse in [`crate::halves`]): no
/// start offered (yet).
pub(crate) const NO_OFFER: usize = 0;
/// The serial part met the offered start and stopped there.
const CLAIMED: usize = usize::MAX;
/// The serial part went past the offered start without meeting it.
const PASSED: usize = usize::MAX - 1;
/// The serial part is over: the helper stops.
pub(crate) const FINISHED: usize = usize::MAX - 2;

/// Whether the element `item` of a top-level `items` array starts where the helper
/// offered to start (and the offer is now claimed). An offer behind it is marked passed.
fn meets_offer(item: &RawValue) -> Option<usize> {
    MEETING.with(|meeting| {
        let meeting = meeting.borrow();
        let meeting = meeting.as_ref()?;
        let start = item.get().as_ptr() as usize - meeting.base;
        claims_offer(&meeting.offer, start).then_some(start)
    })
}

/// Records where the serial scan stopped; the error it returns only ends the scan.
fn stop_at<E: de::Error>(at: usize, items: &[&RawValue]) -> E {
    MEETING.with(|meeting| {
        if let Some(meeting) = meeting.borrow_mut().as_mut() {
            let base = meeting.base;
            meeting.stop = Some(Stop {
                at,
                items: items.iter().map(|raw| span_in(base, raw)).collect(),
                fields: None,
            });
        }
    });
    E::custom("met the helper's scan")
}

/// Records the fields of the document the serial scan stopped in, if it stopped.
fn stopped_with(
    api_version: Option<&RawValue>,
    kind: Option<&RawValue>,
    metadata: Option<&RawValue>,
) {
    MEETING.with(|meeting| {
        if let Some(meeting) = meeting.borrow_mut().as_mut() {
            let base = meeting.base;
            if let Some(stop) = &mut meeting.stop {
                stop.fields.get_or_insert_with(|| Fields {
                    api_version: api_version.map(|raw| span_in(base, raw)),
                    kind: kind.map(|raw| span_in(base, raw)),
                    metadata: metadata.map(|raw| span_in(base, raw)),
                });
            }
        }
    });
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
        while let Some(key) = access.next_key::<Key<'de>>()? {
            match key.as_str() {
                "apiVersion" => api_version = Some(access.next_value()?),
                "kind" => kind = Some(access.next_value()?),
                "metadata" => metadata = Some(access.next_value()?),
                "items" => match access.next_value::<Items>() {
                    Ok(found) => items = found.0,
                    Err(error) => {
                        stopped_with(api_version, kind, metadata);
                        return Err(error);
                    }
                },
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
                    if let Some(at) = meets_offer(item) {
                        return Err(stop_at(at, &items));
                    }
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

/// [`scan`] on two threads (see the module docs): the same result, `None` in the same
/// cases.
pub(crate) fn scan_parallel(text: &str) -> Option<Vec<ScannedDocument>> {
    scan_guessed(text, text.len() / 2, Order::Threads).0
}

/// How [`scan_guessed`] came to its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// The serial scan ran to the end (or to a syntax error).
    Serial,
    /// The two scans met and their parts were joined.
    Met,
    /// They met, the helper failed from there, and the text was scanned again.
    Rescanned,
}

/// How the two scans of [`scan_guessed`] run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    /// On two threads, as they come.
    Threads,
    /// The helper first, to its end, then the serial scan (tests: the meeting happens
    /// whenever the helper's start is a true element start).
    #[cfg(test)]
    HelperFirst,
    /// The helper's first offer, then the serial scan, then the helper's scan from that
    /// offer (tests: the helper fails after its start was met).
    #[cfg(test)]
    SerialFirst,
}

/// [`scan`], with the helper's search starting at byte `guess`.
fn scan_guessed(text: &str, guess: usize, order: Order) -> (Option<Vec<ScannedDocument>>, Outcome) {
    let offer = Arc::new(AtomicUsize::new(NO_OFFER));
    let (head, tail) = match order {
        Order::Threads => thread::scope(|scope| {
            let helper =
                thread::Builder::new().spawn_scoped(scope, || scan_from_guess(text, guess, &offer));
            let Ok(helper) = helper else {
                // No thread to be had: the serial scan alone.
                return (scan_head(text, None), None);
            };
            let head = scan_head(text, Some(&offer));
            if !matches!(head, Some(Head::Stopped(_))) {
                offer.store(FINISHED, Ordering::Release);
            }
            // A helper that panicked (it should not) is a helper that did not finish.
            (head, helper.join().ok().flatten())
        }),
        #[cfg(test)]
        Order::HelperFirst => {
            let tail = scan_from_guess(text, guess, &offer);
            (scan_head(text, Some(&offer)), tail)
        }
        #[cfg(test)]
        Order::SerialFirst => {
            let candidate = find_candidate(text, guess, &offer);
            if let Some(candidate) = candidate {
                offer.store(candidate, Ordering::Release);
            }
            let head = scan_head(text, Some(&offer));
            let tail = candidate.and_then(|start| scan_tail(text, start, &offer).ok());
            (head, tail)
        }
    };
    let stopped = match head {
        None => return (None, Outcome::Serial),
        Some(Head::Whole(documents)) => return (Some(documents), Outcome::Serial),
        Some(Head::Stopped(stopped)) => stopped,
    };
    let Some(tail) = tail.filter(|tail| tail.start == stopped.at) else {
        // Met at a true element start, but the helper failed from there: a syntax
        // error or a shape it does not follow. The serial scan judges.
        return (scan(text), Outcome::Rescanned);
    };
    let Stopped {
        mut documents,
        start,
        fields,
        mut items,
        ..
    } = stopped;
    items.extend(tail.items);
    // Of duplicate keys the last is kept: those after `items` win.
    documents.push(ScannedDocument {
        span: start..tail.end,
        fields: Fields {
            api_version: tail.fields.api_version.or(fields.api_version),
            kind: tail.fields.kind.or(fields.kind),
            metadata: tail.fields.metadata.or(fields.metadata),
        },
        items: Some(items),
    });
    (Some(documents), Outcome::Met)
}

/// The helper's part: from the first plausible item start after `guess`, the items to
/// the end of their array and the rest of the document.
fn scan_from_guess(text: &str, guess: usize, offer: &AtomicUsize) -> Option<Tail> {
    from_guess(text, guess, offer, |candidate| {
        scan_tail(text, candidate, offer)
    })
}

/// A helper's search for its start: from the first plausible item start at or after
/// `guess` (offered only while the serial part runs and nothing else is on offer),
/// `attempt` runs. A start whose attempt fails (`Err` with the byte it stopped at), or
/// that the serial part passes, is withdrawn and the next one tried. `None` when no
/// start holds, the serial part finished, or the attempt failed after its start was
/// claimed (then the failure is the text's).
pub(crate) fn from_guess<T>(
    text: &str,
    guess: usize,
    offer: &AtomicUsize,
    mut attempt: impl FnMut(usize) -> Result<T, usize>,
) -> Option<T> {
    let mut from = guess;
    loop {
        let candidate = find_candidate(text, from, offer)?;
        let current = offer.load(Ordering::Acquire);
        if !matches!(current, NO_OFFER | PASSED)
            || offer
                .compare_exchange(current, candidate, Ordering::AcqRel, Ordering::Acquire)
                .is_err()
        {
            return None;
        }
        let failed_at = match attempt(candidate) {
            Ok(found) => return Some(found),
            Err(at) => at,
        };
        // Withdrawn unless claimed or finished.
        let current = offer.load(Ordering::Acquire);
        if !(current == candidate || current == PASSED)
            || offer
                .compare_exchange(current, NO_OFFER, Ordering::AcqRel, Ordering::Acquire)
                .is_err()
        {
            return None;
        }
        from = failed_at.max(candidate + 1);
    }
}

/// The elements of an array from `start` (offered by a helper) to its `]`, each parsed
/// by `parse` (the element and the byte after it) while the offer is `start` or claimed;
/// the `]`'s position with them. `Err` with the byte where the text does not follow or
/// the offer was withdrawn.
pub(crate) fn offered_elements<T>(
    text: &str,
    start: usize,
    offer: &AtomicUsize,
    mut parse: impl FnMut(usize) -> Result<(T, usize), usize>,
) -> Result<(Vec<T>, usize), usize> {
    let bytes = text.as_bytes();
    let mut items = Vec::new();
    let mut at = start;
    loop {
        let current = offer.load(Ordering::Relaxed);
        if current != start && current != CLAIMED {
            return Err(at);
        }
        let (item, end) = parse(at)?;
        at = skip_whitespace(bytes, end);
        items.push(item);
        match bytes.get(at) {
            // The next element (a `]` right after a `,` fails to parse as one).
            Some(b',') => at = skip_whitespace(bytes, at + 1),
            Some(b']') => return Ok((items, at)),
            _ => return Err(at),
        }
    }
}

/// Whether the serial part, at the item start `at`, meets the helper's offer, which it
/// then claims; an offer it has passed is marked so.
pub(crate) fn claims_offer(offer: &AtomicUsize, at: usize) -> bool {
    let offered = offer.load(Ordering::Acquire);
    if offered == NO_OFFER || offered >= FINISHED || offered > at {
        return false;
    }
    let verdict = if offered == at { CLAIMED } else { PASSED };
    let changed = offer
        .compare_exchange(offered, verdict, Ordering::AcqRel, Ordering::Acquire)
        .is_ok();
    changed && verdict == CLAIMED
}

/// The first byte at or after `from` that looks like the start of an item of a
/// `List`: a `{` after a `}`, a `,` and whitespace, that opens a mapping with
/// `apiVersion`, `kind` and `metadata`. Only a guess: nested arrays of such mappings,
/// or text inside strings, may look the same.
pub(crate) fn find_candidate(text: &str, from: usize, offer: &AtomicUsize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut at = from;
    loop {
        if offer.load(Ordering::Relaxed) == FINISHED {
            return None;
        }
        let brace = at + memchr::memchr(b'{', bytes.get(at..)?)?;
        at = brace + 1;
        let before = &bytes[..brace];
        let before = &before[..before.len() - json_whitespace_suffix(before)];
        let Some(before) = before.strip_suffix(b",") else {
            continue;
        };
        let before = &before[..before.len() - json_whitespace_suffix(before)];
        if before.ends_with(b"}") && looks_like_an_object(&text[brace..]) {
            return Some(brace);
        }
    }
}

/// The length of the JSON whitespace at the end of `bytes`.
fn json_whitespace_suffix(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .rev()
        .take_while(|&&b| is_json_whitespace(b))
        .count()
}

fn is_json_whitespace(byte: u8) -> bool {
    matches!(byte, b' ' | b'\n' | b'\t' | b'\r')
}

/// Whether `text` starts with a mapping that has `apiVersion`, `kind` and `metadata`.
fn looks_like_an_object(text: &str) -> bool {
    struct Keys;
    impl<'de> Visitor<'de> for Keys {
        type Value = bool;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a mapping")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<bool, A::Error> {
            let mut found = [false; 3];
            while let Some(key) = access.next_key::<Key<'de>>()? {
                match key.as_str() {
                    "apiVersion" => found[0] = true,
                    "kind" => found[1] = true,
                    "metadata" => found[2] = true,
                    _ => {}
                }
                access.next_value::<IgnoredAny>()?;
            }
            Ok(found == [true; 3])
        }
    }
    let mut deserializer = serde_json::Deserializer::from_str(text);
    de::Deserializer::deserialize_map(&mut deserializer, Keys).unwrap_or(false)
}

/// The helper's scan from an offered item start.
#[derive(Debug)]
struct Tail {
    start: usize,
    /// The elements from `start` to the end of the array.
    items: Vec<Range<usize>>,
    /// The document's fields after its `items`.
    fields: Fields,
    /// The end of the document, followed only by whitespace.
    end: usize,
}

/// Scans the elements of an array from `start` to its `]`, the rest of the top-level
/// mapping it is the value of, and whitespace to the end of the text, as the serial
/// scan would if `start` is a true element start. `Err` with the byte it stopped at
/// when the text does not follow (or the offer is no longer `start` or claimed).
fn scan_tail(text: &str, start: usize, offer: &AtomicUsize) -> Result<Tail, usize> {
    let (items, close) = offered_elements(text, start, offer, |at| {
        let item = value_at(text, at)?;
        let end = item.end;
        Ok((item, end))
    })?;
    let (fields, end) = document_rest(text, close)?;
    Ok(Tail {
        start,
        items,
        fields,
        end,
    })
}

/// The span of the JSON value at `at` of `text`; `Err(at)` when there is none.
fn value_at(text: &str, at: usize) -> Result<Range<usize>, usize> {
    let rest = text.get(at..).ok_or(at)?;
    let mut deserializer = serde_json::Deserializer::from_str(rest);
    let raw = <&RawValue>::deserialize(&mut deserializer).map_err(|_| at)?;
    Ok(span_in(text.as_ptr() as usize, raw))
}

/// From the `]` at `close` of a top-level `items` array: the rest of its mapping, whose
/// fields are returned, then only whitespace to the end of the text; the end of the
/// mapping. `Err` with the byte where the text does not follow, or holds a second
/// `items` or another document (for the serial parts).
pub(crate) fn document_rest(text: &str, close: usize) -> Result<(Fields, usize), usize> {
    let bytes = text.as_bytes();
    let mut at = close + 1;
    let mut fields = Fields::default();
    loop {
        at = skip_whitespace(bytes, at);
        match bytes.get(at) {
            Some(b'}') => {
                at += 1;
                break;
            }
            Some(b',') => at = skip_whitespace(bytes, at + 1),
            _ => return Err(at),
        }
        if bytes.get(at) != Some(&b'"') {
            return Err(at);
        }
        let key_span = value_at(text, at)?;
        let key: Key<'_> = serde_json::from_str(&text[key_span.clone()]).map_err(|_| at)?;
        at = skip_whitespace(bytes, key_span.end);
        if bytes.get(at) != Some(&b':') {
            return Err(at);
        }
        let value = value_at(text, at + 1)?;
        at = value.end;
        match key.as_str() {
            "apiVersion" => fields.api_version = Some(value),
            "kind" => fields.kind = Some(value),
            "metadata" => fields.metadata = Some(value),
            // A second `items` would replace the first.
            "items" => return Err(at),
            _ => {}
        }
    }
    // Another document after this one.
    let rest = skip_whitespace(bytes, at);
    if rest != bytes.len() {
        return Err(rest);
    }
    Ok((fields, at))
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

    /// An item that nests mappings which look like items: owner references and managed
    /// fields with `apiVersion` and `kind`, claim templates with `metadata` too, and
    /// strings that hold `},{"apiVersion":` and escaped quotes.
    fn item(index: usize) -> serde_json::Value {
        serde_json::json!({
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": {
                "name": format!("s{index}"),
                "annotations": {"a": "},{\"apiVersion\":\"v\",\"kind\":\"P\",\"metadata\":{}}", "b": "\\\" },{"},
                "ownerReferences": [
                    {"apiVersion": "v1", "kind": "Pod", "name": "o"},
                    {"apiVersion": "v1", "kind": "Pod", "name": "p"},
                ],
                "managedFields": [{"apiVersion": "v1", "manager": "m"}, {"apiVersion": "v1", "fieldsV1": {}}],
            },
            "spec": {
                "volumeClaimTemplates": [
                    {"apiVersion": "v1", "kind": "PVC", "metadata": {"name": "a"}},
                    {"apiVersion": "v1", "kind": "PVC", "metadata": {}},
                ],
                "replicas": index,
            },
        })
    }

    fn list(count: usize) -> serde_json::Value {
        let mut items: Vec<serde_json::Value> = (0..count).map(item).collect();
        items.insert(2, serde_json::Value::Null);
        serde_json::json!({
            "apiVersion": "v1",
            "items": items,
            "kind": "List",
            "metadata": {"resourceVersion": ""},
        })
    }

    /// As `kubectl get -o json` writes it: indented by four spaces.
    fn kubectl(value: &serde_json::Value) -> String {
        let mut out = Vec::new();
        let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
        let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
        serde::Serialize::serialize(value, &mut serializer).unwrap();
        out.push(b'\n');
        String::from_utf8(out).unwrap()
    }

    /// Every way of running the two scans, from every byte as the guess, gives what the
    /// serial scan gives. Returns how often they met in the helper-first order.
    #[track_caller]
    fn agrees_from_every_guess(text: &str) -> usize {
        let serial = scan(text);
        let mut met = 0;
        for guess in 0..=text.len() + 1 {
            // Threads are slower to start: every few bytes is enough for them.
            let orders: &[Order] = if guess % 7 == 0 {
                &[Order::HelperFirst, Order::SerialFirst, Order::Threads]
            } else {
                &[Order::HelperFirst, Order::SerialFirst]
            };
            for &order in orders {
                let (result, outcome) = scan_guessed(text, guess, order);
                assert_eq!(result, serial, "guess {guess}, {order:?}, {outcome:?}");
                if order == Order::HelperFirst && outcome == Outcome::Met {
                    met += 1;
                }
            }
        }
        assert_eq!(scan_parallel(text), serial);
        met
    }

    #[test]
    fn the_parallel_scan_is_the_serial_scan_from_any_guess() {
        let value = list(4);
        for text in [kubectl(&value), value.to_string()] {
            let items = scan(&text).unwrap()[0].items.clone().unwrap();
            assert_eq!(items.len(), 5);
            let met = agrees_from_every_guess(&text);
            // A guess anywhere before the last item's start, after the first item, finds
            // an item start past the nested look-alikes and meets there.
            assert!(met >= items[4].start - items[1].start, "{met}");
        }
        // Fields in any order, before and after `items`, and whitespace anywhere.
        let text = " {\"kind\" : \"List\" ,\"items\":[ {\"apiVersion\":\"v1\",\"kind\":\"A\",\"metadata\":{}} ,\r\n\t{\"apiVersion\":\"v1\",\"kind\":\"B\",\"metadata\":{\"x\":[{}]}} , {\"apiVersion\":\"v1\",\"kind\":\"C\",\"metadata\":{}}\n] , \"x\": [1, {\"a\": null}], \"metadata\" :{ }, \"apiVersion\":\"v1\" }\n\n";
        assert!(agrees_from_every_guess(text) > 0);
        // A typed list's items and a list of one item: nothing to guess, the same result.
        agrees_from_every_guess(r#"{"items":[{"metadata":{}},{"metadata":{}}],"kind":"PodList"}"#);
        agrees_from_every_guess(
            r#"{"items":[{"apiVersion":"v1","kind":"A","metadata":{}}],"kind":"List"}"#,
        );
    }

    #[test]
    fn a_syntax_error_anywhere_gives_none_on_both_paths() {
        let text = list(5).to_string();
        let items = scan(&text).unwrap()[0].items.clone().unwrap();
        let middle = text.len() / 2;
        let guessed = items[..5]
            .iter()
            .find(|item| item.start >= middle && &text[(*item).clone()] != "null")
            .unwrap()
            .clone();
        let after = items.last().unwrap().clone();
        // In an item: a control character in a string, a stray byte, a doubled colon,
        // a trailing comma, a leading zero.
        let in_item = |item: &Range<usize>, from: &str, to: &str| {
            let inside = text[item.clone()].replacen(from, to, 1);
            assert_ne!(inside, text[item.clone()]);
            format!("{}{inside}{}", &text[..item.start], &text[item.end..])
        };
        let mut broken = vec![
            // Before the guess, at the guessed item's start, inside it, after it.
            in_item(&items[1], "manager", "mana\u{1}ger"),
            in_item(&guessed, "{", "{x"),
            in_item(&guessed, "\"replicas\":", "\"replicas\"::"),
            in_item(&after, "\"name\":\"p\"", "\"name\":\"p\","),
            in_item(&after, "\"replicas\":", "\"replicas\":0"),
        ];
        for (at, inserted) in [
            // A trailing comma at the end of the array, a missing `]`.
            (after.end, ","),
            (after.end, "}"),
            // In the fields after `items`.
            (text.len() - 1, ",\"a\""),
            (text.len() - 1, ",\"a\": tru"),
            (text.len() - 1, ",}"),
            // Trailing garbage after the document.
            (text.len(), " x"),
            (text.len(), "\n]"),
        ] {
            broken.push(format!("{}{inserted}{}", &text[..at], &text[at..]));
        }
        for broken in &broken {
            assert_eq!(scan(broken), None, "{broken}");
            agrees_from_every_guess(broken);
        }
        // A key that is not a string after `items`, an unterminated document.
        for broken in [
            text.replacen("\"kind\":\"List\"", "1:\"List\"", 1),
            text[..text.len() - 1].to_string(),
        ] {
            assert_eq!(scan(&broken), None);
            agrees_from_every_guess(&broken);
        }
    }

    #[test]
    fn several_documents_and_duplicate_keys() {
        let list = kubectl(&list(2));
        let texts = [
            // A document before the list and one after it.
            format!("{{\"kind\": \"Pod\"}}\n{list}"),
            format!("{list}null\n{{\"kind\": \"Pod\", \"items\": [{{\"apiVersion\": \"v1\", \"kind\": \"A\", \"metadata\": {{}}}}, {{\"apiVersion\": \"v1\", \"kind\": \"A\", \"metadata\": {{}}}}]}}"),
            format!("{list}{list}"),
            // Duplicate `kind` keys before and after `items`; duplicate `items`.
            list.replacen("\"apiVersion\": \"v1\",\n", "\"apiVersion\": \"v1\",\n    \"kind\": \"Before\",\n", 1)
                .replacen("\"kind\": \"List\",", "\"kind\": \"List\", \"kind\": \"After\",", 1),
            list.replacen("\"kind\": \"List\",", "\"kind\": \"List\", \"items\": [{\"apiVersion\": \"v1\", \"kind\": \"A\", \"metadata\": {}}],", 1),
            list.replacen("\"kind\": \"List\",", "\"kind\": \"List\", \"items\": {\"a\": 1},", 1),
        ];
        for text in &texts {
            assert!(scan(text).is_some(), "{text}");
            agrees_from_every_guess(text);
        }
        let documents = scan(&texts[3]).unwrap();
        assert_eq!(text(&texts[3], &documents[0].fields.kind), "\"After\"");
        // Met in a list that a later document follows: the helper cannot finish it, and
        // the text is scanned again.
        let offer_at = scan(&texts[2]).unwrap()[0].items.as_ref().unwrap()[1].start;
        let (result, outcome) = scan_guessed(&texts[2], offer_at - 1, Order::SerialFirst);
        assert_eq!((result, outcome), (scan(&texts[2]), Outcome::Rescanned));
    }
}
