//! Snapshot files to slim objects, on all cores.
//!
//! Every file is read and parsed on its own thread, largest first. A JSON file up to
//! [`SPLIT_BYTES`] is parsed in one pass straight into its slim form ([`crate::stream`]);
//! a larger one is read in two halves on two threads (into a new buffer, on unix), and
//! on two cores it goes first, alone. One `List` mapping, as kubectl writes it, is then
//! parsed in one pass on two threads ([`crate::halves`]); any other shape is scanned on
//! two threads ([`crate::scan::scan_parallel`], the same result as the serial scan), and
//! its items are then cut into chunks of about [`CHUNK_BYTES`] and parsed on all
//! threads, so one large file keeps every core busy. The scanned files' bytes are held
//! between the two passes, so they are taken in windows of bounded size. YAML files, and
//! JSON neither fast path understands, are parsed whole and pruned with the same table
//! ([`crate::slim`]). Both fast paths read JSON with [`crate::reader`] first and with
//! serde_json when it refuses the text. The result, errors included, does not depend on
//! the path or the scheduling: objects come back in file and document order, and the error reported is
//! the one of the first failing file.

use std::fs;
use std::num::NonZeroUsize;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread;

use preflight_model::parallel::run_parallel;
use preflight_model::Object;
use serde::de::{self, DeserializeSeed, Deserializer as _, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

use crate::error::{LoadError, Source};
use crate::halves;
use crate::manifests::{check_object, SourcedObject};
use crate::parse::parse_located;
use crate::reader::Reader;
use crate::scan::{plain_string, scan, scan_parallel, ScannedDocument};
use crate::slim::{keep_for, kept_paths, prune_document, Keep, Key};
use crate::stream::{self, Finished, Item};

/// The text read at once: a window closes when its files reach this many bytes.
const WINDOW_BYTES: u64 = 64 << 20;
/// The work of one task of the parallel parse.
const CHUNK_BYTES: usize = 1 << 20;
/// JSON files up to this size are parsed in one pass on one thread ([`crate::stream`]),
/// beside other files; larger ones are scanned and their items parsed on all threads.
const SPLIT_BYTES: usize = 32 << 20;

/// A file of a snapshot and whether it belongs to the Argo CD cluster (whose Argo CD
/// objects, ConfigMaps, Secrets and custom resources are kept whole).
#[derive(Debug, Clone)]
pub(crate) struct SnapshotFile {
    pub path: Arc<Path>,
    pub argocd_cluster: bool,
    /// Argo CD Applications are not loaded (see `LoadOptions::without_applications`).
    pub without_applications: bool,
}

impl SnapshotFile {
    /// A file at `path` that loads everything (tests).
    #[cfg(test)]
    pub(crate) fn for_tests(path: &str, argocd_cluster: bool) -> SnapshotFile {
        SnapshotFile {
            path: Arc::from(Path::new(path)),
            argocd_cluster,
            without_applications: false,
        }
    }

    /// What is kept of a document of this file (see [`keep_for`]).
    pub(crate) fn keep(&self, api_version: &str, kind: &str) -> &'static Keep {
        let keep = keep_for(api_version, kind, self.argocd_cluster);
        if self.without_applications && matches!(keep, Keep::Application) {
            return &Keep::Nothing;
        }
        keep
    }

    /// [`SnapshotFile::keep`] of a parsed document (an odd `apiVersion` or `kind` is
    /// judged by validation).
    pub(crate) fn keep_of(&self, document: &Value) -> &'static Keep {
        match (document["apiVersion"].as_str(), document["kind"].as_str()) {
            (Some(api_version), Some(kind)) => self.keep(api_version, kind),
            _ => self.keep("", ""),
        }
    }
}

/// The slim objects of each file, or the first error in it, in the order of `files`,
/// parsed on up to `workers` threads, read into buffers from `buffers`.
pub(crate) fn load_snapshot_files(
    files: &[SnapshotFile],
    workers: usize,
    buffers: &Buffers,
) -> Vec<Result<Vec<SourcedObject>, LoadError>> {
    load_each(files, SPLIT_BYTES, workers, buffers)
}

/// The slim objects of each file, or the error of the first failing file, splitting
/// JSON files larger than `split_bytes`.
#[cfg(test)]
fn load_files(
    files: &[SnapshotFile],
    split_bytes: usize,
) -> Result<Vec<Vec<SourcedObject>>, LoadError> {
    load_files_on(files, split_bytes, worker_count())
}

/// [`load_files`] on `workers` threads (a split file is read and scanned on two when
/// there are two or more).
#[cfg(test)]
fn load_files_on(
    files: &[SnapshotFile],
    split_bytes: usize,
    workers: usize,
) -> Result<Vec<Vec<SourcedObject>>, LoadError> {
    load_each(files, split_bytes, workers, &Buffers::default())
        .into_iter()
        .collect()
}

/// [`load_snapshot_files`], splitting JSON files larger than `split_bytes`.
fn load_each(
    files: &[SnapshotFile],
    split_bytes: usize,
    workers: usize,
    buffers: &Buffers,
) -> Vec<Result<Vec<SourcedObject>, LoadError>> {
    let mut loaded = Vec::with_capacity(files.len());
    let mut start = 0;
    while start < files.len() {
        // Only files that are split hold their bytes until the window's second pass;
        // the others give their buffer back as soon as they are parsed.
        let mut end = start;
        let mut held = 0;
        while end < files.len() && (end == start || held < WINDOW_BYTES) {
            let size = fs::metadata(&files[end].path).map_or(0, |m| m.len());
            if size > split_bytes as u64 {
                held += size;
            }
            end += 1;
        }
        loaded.extend(load_window(
            &files[start..end],
            workers,
            split_bytes,
            buffers,
        ));
        start = end;
    }
    loaded
}

/// Read buffers handed from one window to the next: the kernel zeroes every fresh page
/// a process touches, so reading a fleet into new buffers costs as much again as reading
/// it into the same ones.
#[derive(Default)]
pub(crate) struct Buffers(Mutex<Vec<Vec<u8>>>);

impl Buffers {
    /// An empty buffer with room for `size` bytes: the smallest free one that fits, else
    /// the largest free one grown, else a new one.
    fn take(&self, size: usize) -> Vec<u8> {
        let mut free = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let fitting = (0..free.len())
            .filter(|&i| free[i].capacity() >= size)
            .min_by_key(|&i| free[i].capacity());
        let chosen = fitting.or_else(|| (0..free.len()).max_by_key(|&i| free[i].capacity()));
        let mut buffer = match chosen {
            Some(index) => free.swap_remove(index),
            None => Vec::new(),
        };
        buffer.clear();
        buffer.reserve(size);
        buffer
    }

    /// Whether no free buffer has room for `size` bytes; then the largest is dropped,
    /// as [`Buffers::take`] would have grown it, to make room for a new one. A free
    /// buffer that fits is best read into in order: its pages are the process's
    /// already, and a buffer for positioned reads would first have to be written.
    #[cfg(unix)]
    fn make_room(&self, size: usize) -> bool {
        let mut free = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if free.iter().any(|buffer| buffer.capacity() >= size) {
            return false;
        }
        if let Some(largest) = (0..free.len()).max_by_key(|&i| free[i].capacity()) {
            free.swap_remove(largest);
        }
        true
    }

    fn give(&self, buffer: Vec<u8>) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(buffer);
    }
}

/// The bytes of `path`, read into a buffer from `buffers`; in two halves on two threads
/// when `in_halves` and no free buffer fits (on unix), so that two cores copy from the
/// page cache and take the fresh pages' faults.
fn read_file(path: &Path, buffers: &Buffers, in_halves: bool) -> std::io::Result<Vec<u8>> {
    let mut file = fs::File::open(path)?;
    let size = file.metadata().map_or(0, |m| m.len() as usize);
    #[cfg(unix)]
    if in_halves && buffers.make_room(size + 1) {
        // Zeroed by the allocator as fresh pages, not written here.
        let mut buffer = vec![0; size];
        if read_halves(&file, &mut buffer, size) {
            return Ok(buffer);
        }
        // Positioned reads leave the file's cursor at the start: it is read again in
        // order, which reports an error as a serial read does.
    }
    #[cfg(not(unix))]
    let _ = in_halves;
    let mut buffer = buffers.take(size + 1);
    std::io::Read::read_to_end(&mut file, &mut buffer)?;
    Ok(buffer)
}

/// Reads the `size` bytes of `file` into `buffer` (`size` long), each half on its own
/// thread with positioned reads. `false` on an error, or when the file is no longer
/// `size` bytes long (it changed while being read).
#[cfg(unix)]
fn read_halves(file: &fs::File, buffer: &mut [u8], size: usize) -> bool {
    use std::os::unix::fs::FileExt;
    let half = size / 2;
    let Some((first, second)) = buffer.get_mut(..size).map(|b| b.split_at_mut(half)) else {
        return false;
    };
    let read = thread::scope(|scope| {
        let other =
            thread::Builder::new().spawn_scoped(scope, || file.read_exact_at(second, half as u64));
        // No thread to be had: read in order by the caller.
        let Ok(other) = other else {
            return false;
        };
        let first = file.read_exact_at(first, 0);
        first.is_ok() && other.join().is_ok_and(|second| second.is_ok())
    });
    // Nothing past the end: a file that grew is read again in order.
    let mut past_end = [0u8; 1];
    read && matches!(file.read_at(&mut past_end, size as u64), Ok(0))
}

pub(crate) fn worker_count() -> usize {
    thread::available_parallelism().map_or(1, NonZeroUsize::get)
}

/// A file after the first pass: parsed already, or scanned and waiting for its items.
enum Prepared {
    Done(Result<Vec<SourcedObject>, LoadError>),
    Scanned { bytes: Vec<u8>, units: Vec<Unit> },
}

/// One document, or one item of a `List`, of a scanned file.
struct Unit {
    document: usize,
    item: Option<usize>,
    span: Range<usize>,
    /// `apiVersion` and `kind` of a typed list's items, which may leave them out.
    list_defaults: Option<(Option<Value>, String)>,
}

fn load_window(
    files: &[SnapshotFile],
    workers: usize,
    split_bytes: usize,
    buffers: &Buffers,
) -> Vec<Result<Vec<SourcedObject>, LoadError>> {
    // Largest first, so that no thread is left with a large file at the end.
    let mut order: Vec<(u64, usize)> = files
        .iter()
        .enumerate()
        .map(|(index, file)| (fs::metadata(&file.path).map_or(0, |m| m.len()), index))
        .collect();
    order.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut prepared: Vec<Option<Prepared>> = (0..files.len()).map(|_| None).collect();
    // A file read and parsed in halves keeps two threads busy: on two cores it goes
    // first, alone, so that a third thread does not hold one of its halves back and
    // leave the other core idle at the end.
    let alone = if workers == 2 {
        order
            .iter()
            .take_while(|(size, _)| *size > split_bytes as u64)
            .count()
    } else {
        0
    };
    for (_, index) in &order[..alone] {
        prepared[*index] = Some(prepare(&files[*index], split_bytes, buffers, workers));
    }
    let rest = &order[alone..];
    for ((_, index), result) in rest.iter().zip(run_parallel(rest.len(), workers, |at| {
        prepare(&files[rest[at].1], split_bytes, buffers, workers)
    })) {
        prepared[*index] = Some(result);
    }
    let prepared: Vec<Prepared> = prepared
        .into_iter()
        .map(|file| file.expect("every file prepared"))
        .collect();
    // Chunks of units, each task within one file, in file order.
    let mut tasks: Vec<(usize, Range<usize>)> = Vec::new();
    for (index, file) in prepared.iter().enumerate() {
        if let Prepared::Scanned { units, .. } = file {
            let mut first = 0;
            let mut size = 0;
            for (at, unit) in units.iter().enumerate() {
                size += unit.span.len();
                if size >= CHUNK_BYTES {
                    tasks.push((index, first..at + 1));
                    first = at + 1;
                    size = 0;
                }
            }
            if first < units.len() {
                tasks.push((index, first..units.len()));
            }
        }
    }
    let parsed = run_parallel(tasks.len(), workers, |task| {
        let (index, range) = &tasks[task];
        let Prepared::Scanned { bytes, units } = &prepared[*index] else {
            unreachable!("tasks are made of scanned files only");
        };
        let file = &files[*index];
        units[range.clone()]
            .iter()
            .filter_map(|unit| parse_unit(file, bytes, unit).transpose())
            .collect::<Result<Vec<_>, _>>()
    });
    let mut parsed = parsed.into_iter();
    let mut task = 0;
    let mut loaded = Vec::with_capacity(files.len());
    for (index, file) in prepared.into_iter().enumerate() {
        match file {
            Prepared::Done(result) => loaded.push(result),
            Prepared::Scanned { bytes, .. } => {
                // The first failing task is the first error in the file.
                let mut objects = Ok(Vec::new());
                while task < tasks.len() && tasks[task].0 == index {
                    let result = parsed.next().expect("one result per task");
                    if let Ok(done) = &mut objects {
                        match result {
                            Ok(more) => done.extend(more),
                            Err(error) => objects = Err(error),
                        }
                    }
                    task += 1;
                }
                loaded.push(objects);
                buffers.give(bytes);
            }
        }
    }
    loaded
}

fn prepare(file: &SnapshotFile, split_bytes: usize, buffers: &Buffers, workers: usize) -> Prepared {
    // A file that is split is large: read and scanned on two threads.
    let size = fs::metadata(&file.path).map_or(0, |m| m.len());
    let two_threads = workers > 1 && size > split_bytes as u64;
    let bytes = match read_file(&file.path, buffers, two_threads) {
        Ok(bytes) => bytes,
        Err(source) => {
            return Prepared::Done(Err(LoadError::ReadFile {
                path: file.path.to_path_buf(),
                source,
            }))
        }
    };
    if is_json(&file.path) {
        let body = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&bytes);
        let offset = bytes.len() - body.len();
        if let Ok(text) = std::str::from_utf8(body) {
            if bytes.len() <= split_bytes {
                if let Some(objects) = stream::parse_file(file, text) {
                    buffers.give(bytes);
                    return Prepared::Done(Ok(objects));
                }
            } else if let Some(objects) = halves::parse(file, text, two_threads) {
                buffers.give(bytes);
                return Prepared::Done(Ok(objects));
            } else if let Some(documents) = if two_threads {
                scan_parallel(text)
            } else {
                scan(text)
            } {
                if let Some(mut units) = units_of(body, &documents) {
                    let shift =
                        |span: &mut Range<usize>| *span = span.start + offset..span.end + offset;
                    for unit in &mut units {
                        shift(&mut unit.span);
                    }
                    return Prepared::Scanned { bytes, units };
                }
            }
        }
    }
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(_) => {
            return Prepared::Done(Err(LoadError::ReadFile {
                path: file.path.to_path_buf(),
                source: std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    "stream did not contain valid UTF-8",
                ),
            }))
        }
    };
    Prepared::Done(parse_whole(file, &text))
}

fn is_json(path: &Path) -> bool {
    path.extension()
        .and_then(|ext| ext.to_str())
        .is_some_and(|ext| ext.eq_ignore_ascii_case("json"))
}

/// The units of a scanned file; `None` when a document's shape needs the full parser
/// (a `List` whose `kind` or `metadata` the scan cannot judge).
fn units_of(bytes: &[u8], documents: &[ScannedDocument]) -> Option<Vec<Unit>> {
    let mut units = Vec::new();
    for (index, document) in documents.iter().enumerate() {
        let number = index + 1;
        let kind = match &document.fields.kind {
            Some(span) => Some(plain_string(bytes, span)?),
            None => None,
        };
        let list = match (&document.items, kind) {
            (Some(items), Some(kind)) if kind.ends_with("List") => {
                let named = match &document.fields.metadata {
                    Some(span) => {
                        let metadata: Value = serde_json::from_slice(&bytes[span.clone()]).ok()?;
                        metadata
                            .get("name")
                            .and_then(Value::as_str)
                            .is_some_and(|name| !name.is_empty())
                    }
                    None => false,
                };
                (kind == "List" || !named).then_some((items, kind))
            }
            _ => None,
        };
        let Some((items, kind)) = list else {
            units.push(Unit {
                document: number,
                item: None,
                span: document.span.clone(),
                list_defaults: None,
            });
            continue;
        };
        let defaults = match kind.strip_suffix("List").filter(|k| !k.is_empty()) {
            Some(item_kind) => {
                let api_version = match &document.fields.api_version {
                    Some(span) => Some(serde_json::from_slice(&bytes[span.clone()]).ok()?),
                    None => None,
                };
                Some((api_version, item_kind.to_string()))
            }
            None => None,
        };
        for (position, item) in items.iter().enumerate() {
            units.push(Unit {
                document: number,
                item: Some(position + 1),
                span: item.clone(),
                list_defaults: defaults.clone(),
            });
        }
    }
    Some(units)
}

/// Parses one unit into its slim object; `None` for a `null` item or a kind the loader
/// does not load.
fn parse_unit(
    file: &SnapshotFile,
    bytes: &[u8],
    unit: &Unit,
) -> Result<Option<SourcedObject>, LoadError> {
    let text = &bytes[unit.span.clone()];
    if text == b"null" {
        return Ok(None);
    }
    // A kind the loader does not load (Events; Applications for `generate`) is known
    // from its first fields, which is all that is read of it: the scan has checked the
    // syntax of the whole file already.
    if let Some((api_version, kind)) = probe_kind(text, unit.list_defaults.as_ref()) {
        if file.keep(&api_version, &kind).skips_document() {
            return Ok(None);
        }
    }
    // As the one-pass parser does; anything unusual is parsed whole below.
    let mut deserializer = serde_json::Deserializer::from_slice(text);
    let fast = Item {
        file,
        top_level: false,
    }
    .deserialize(&mut deserializer)
    .ok()
    .filter(|_| deserializer.end().is_ok())
    .flatten()
    .and_then(|fields| stream::finish(file, fields, unit.list_defaults.as_ref()));
    match fast {
        Some(None) => return Ok(None),
        Some(Some(finished)) => {
            if let Ok(object) = finished_object(file, finished, unit.document, unit.item) {
                return Ok(object);
            }
        }
        None => {}
    }
    let json_error = |error: serde_json::Error| json_error(file, bytes, unit, error);
    let mut value = serde_json::from_slice::<Value>(text).map_err(json_error)?;
    if let (Some((api_version, item_kind)), Some(map)) =
        (&unit.list_defaults, value.as_object_mut())
    {
        if !map.contains_key("kind") {
            map.insert("kind".to_string(), Value::String(item_kind.clone()));
        }
        if let Some(api_version) = api_version {
            map.entry("apiVersion")
                .or_insert_with(|| api_version.clone());
        }
    }
    whole_object(file, value, unit.document, unit.item)
}

/// `apiVersion` and `kind` of the JSON mapping `text` (a typed list's defaults for the
/// ones it leaves out), read only as far as both are found. `None` when they are not
/// plain strings, or not found before the mapping ends without defaults. Of a mapping
/// that repeats `kind` (nothing kubectl or `capture` writes) the first is taken, where
/// the whole parser takes the last.
fn probe_kind(text: &[u8], defaults: Option<&(Option<Value>, String)>) -> Option<(String, String)> {
    struct Probe<'a>(&'a mut (Option<String>, Option<String>));
    impl<'de> Visitor<'de> for Probe<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a mapping")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<(), A::Error> {
            while let Some(key) = access.next_key::<Key<'de>>()? {
                let slot = match key.as_str() {
                    "apiVersion" => &mut self.0 .0,
                    "kind" => &mut self.0 .1,
                    _ => {
                        access.next_value::<IgnoredAny>()?;
                        continue;
                    }
                };
                if slot.is_none() {
                    *slot = Some(access.next_value::<String>()?);
                }
                if self.0 .0.is_some() && self.0 .1.is_some() {
                    // Both known: stop reading (the error only ends the parse).
                    return Err(de::Error::custom("probed"));
                }
            }
            Ok(())
        }
    }
    let mut found = (None, None);
    let mut deserializer = serde_json::Deserializer::from_slice(text);
    let read_whole = deserializer.deserialize_map(Probe(&mut found)).is_ok();
    let (api_version, kind) = found;
    if !read_whole && (api_version.is_none() || kind.is_none()) {
        // A field that is not a string, or not a mapping at all: the parser judges it.
        return None;
    }
    let (default_version, default_kind) = match defaults {
        Some((version, kind)) => (
            version.as_ref().and_then(Value::as_str),
            Some(kind.as_str()),
        ),
        None => (None, None),
    };
    Some((
        api_version.or_else(|| default_version.map(str::to_string))?,
        kind.or_else(|| default_kind.map(str::to_string))?,
    ))
}

/// Validates a document the fast parsers made (its fields beside the metadata in `body`
/// for a slim kind) and wraps it as an object; `None` for a kind the loader does not
/// load.
pub(crate) fn slim_object(
    file: &SnapshotFile,
    value: Value,
    body: Option<String>,
    document: usize,
    item: Option<usize>,
) -> Result<Option<SourcedObject>, LoadError> {
    let keep = file.keep_of(&value);
    if keep.skips_document() {
        return Ok(None);
    }
    check_object(&value).map_err(|problem| LoadError::InvalidObject {
        at: Source::new(&file.path, document, item),
        problem,
    })?;
    Ok(Some(SourcedObject {
        object: match kept_paths(keep) {
            Some(kept) => Object::slim_with_body(value, body, kept),
            None => Object::from_value(value),
        },
        file: file.path.clone(),
        document,
        item,
    }))
}

/// The object of a document the one-pass parser finished: [`slim_object`] of JSON, or
/// the slim object of metadata already read typed and judged (see [`crate::meta`]).
pub(crate) fn finished_object(
    file: &SnapshotFile,
    finished: Finished,
    document: usize,
    item: Option<usize>,
) -> Result<Option<SourcedObject>, LoadError> {
    match finished {
        Finished::Json(value, body) => slim_object(file, value, body, document, item),
        Finished::Typed(parts, body, kept) => Ok(Some(SourcedObject {
            object: Object::from_slim_parts(parts, body, kept),
            file: file.path.clone(),
            document,
            item,
        })),
    }
}

/// [`slim_object`] of a document parsed whole: pruned with the table first.
pub(crate) fn whole_object(
    file: &SnapshotFile,
    value: Value,
    document: usize,
    item: Option<usize>,
) -> Result<Option<SourcedObject>, LoadError> {
    let keep = file.keep_of(&value);
    if keep.skips_document() {
        return Ok(None);
    }
    // Validated after pruning, as the fast paths validate what they keep: metadata the
    // loader drops unread (`managedFields`, `generation`) is judged on no path.
    slim_object(file, prune_document(value, keep), None, document, item)
}

/// The slow path: the whole file parsed as the manifest loader does, then pruned.
fn parse_whole(file: &SnapshotFile, text: &str) -> Result<Vec<SourcedObject>, LoadError> {
    parse_located(&file.path, text)?
        .into_iter()
        .filter_map(|parsed| {
            whole_object(file, parsed.value, parsed.document, parsed.item).transpose()
        })
        .collect()
}

/// A syntax error inside a unit, placed in the file.
fn json_error(
    file: &SnapshotFile,
    bytes: &[u8],
    unit: &Unit,
    error: serde_json::Error,
) -> LoadError {
    let before = &bytes[..unit.span.start];
    let lines_before = memchr::memchr_iter(b'\n', before).count();
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |at| at + 1);
    let (line, column) = if error.line() <= 1 {
        (
            lines_before + 1,
            unit.span.start - line_start + error.column(),
        )
    } else {
        (lines_before + error.line(), error.column())
    };
    let message = error.to_string();
    let message = message
        .strip_suffix(&format!(
            " at line {} column {}",
            error.line(),
            error.column()
        ))
        .unwrap_or(&message);
    let message = preflight_model::plain_parser_message(message);
    LoadError::ParseJson {
        file: file.path.to_path_buf(),
        document: unit.document,
        line,
        column,
        message,
    }
}

/// The bare cost of reading files: every JSON file parsed into `IgnoredAny` (YAML
/// files as the loader parses them), one file per thread, nothing kept. The benchmark's
/// yardstick for the loader: by serde_json, or by the loader's own reader when
/// `fast_reader` (a file it refuses is read by serde_json). Returns the number of
/// documents.
pub(crate) fn skip_parse_files(paths: &[PathBuf], fast_reader: bool) -> Result<usize, LoadError> {
    let results = run_parallel(paths.len(), worker_count(), |index| {
        let path = &paths[index];
        let text = fs::read_to_string(path).map_err(|source| LoadError::ReadFile {
            path: path.clone(),
            source,
        })?;
        let mut documents = 0;
        if is_json(path) && fast_reader {
            if let Some(read) = skip_with_reader(&text) {
                return Ok(read);
            }
        }
        if is_json(path) {
            for result in serde_json::Deserializer::from_str(&text).into_iter::<IgnoredAny>() {
                result.map_err(|error| LoadError::ParseJson {
                    file: path.clone(),
                    document: documents + 1,
                    line: error.line(),
                    column: error.column(),
                    message: error.to_string(),
                })?;
                documents += 1;
            }
        } else {
            documents += parse_located(path, &text)?.len();
        }
        Ok(documents)
    });
    results.into_iter().sum()
}

/// The number of JSON documents in `text`, each skipped by the fast reader; `None` when
/// it refuses one.
fn skip_with_reader(text: &str) -> Option<usize> {
    let mut reader = Reader::new(text);
    let mut documents = 0;
    while !reader.end() {
        IgnoredAny::deserialize(&mut reader).ok()?;
        documents += 1;
    }
    Some(documents)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Files of every shape the fast paths take or refuse, with and without errors.
    const FILES: &[(&str, &str)] = &[
        (
            "list.json",
            r#"{"apiVersion": "v1", "items": [
                {"apiVersion": "v1", "data": {"k": "v"}, "kind": "ConfigMap",
                 "metadata": {"name": "c", "namespace": "n", "annotations": {"a": "b"}}},
                null,
                {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "e", "namespace": "n"},
                 "involvedObject": {"kind": "Pod", "name": "p"}, "reason": "Pulled"},
                {"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {}},
                {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "n",
                 "managedFields": [{"manager": "kubectl"}]},
                 "spec": {"nodeName": "node-1", "containers": [{"name": "c"}]},
                 "status": {"phase": "Running", "podIP": "10.0.0.1"}}
            ], "kind": "List", "metadata": {"resourceVersion": ""}}"#,
        ),
        (
            "typed.json",
            r#"{"apiVersion": "v1", "items": [{"metadata": {"name": "ns"}, "spec": {"finalizers": ["kubernetes"]}}],
                "kind": "NamespaceList", "metadata": {}}"#,
        ),
        (
            "stream.json",
            r#"{"apiVersion": "example.com/v1", "items": [{"x": 1}], "kind": "ShoppingList", "metadata": {"name": "s"}}
            null
            {"metadata": {"name": "n1"}, "kind": "Node", "apiVersion": "v1", "spec": {"unschedulable": true}}"#,
        ),
        ("empty.json", ""),
    ];

    fn write(dir: &Path, files: &[(&str, &str)], argocd_cluster: bool) -> Vec<SnapshotFile> {
        files
            .iter()
            .map(|(name, text)| {
                let path = dir.join(name);
                fs::write(&path, text).unwrap();
                SnapshotFile {
                    path: Arc::from(path.as_path()),
                    argocd_cluster,
                    without_applications: false,
                }
            })
            .collect()
    }

    fn summary(loaded: &[Vec<SourcedObject>]) -> Vec<(String, usize, Option<usize>, Value)> {
        loaded
            .iter()
            .flatten()
            .map(|o| {
                let name = o.file.file_name().unwrap().to_string_lossy().into_owned();
                (name, o.document, o.item, o.object.to_value())
            })
            .collect()
    }

    #[test]
    fn the_kind_probe_reads_only_what_it_needs_and_defers_the_rest() {
        let probe = |text: &str, defaults: Option<(Option<Value>, String)>| {
            probe_kind(text.as_bytes(), defaults.as_ref())
        };
        let found = |v: &str, k: &str| Some((v.to_string(), k.to_string()));
        // Sorted keys: the probe stops before `metadata`, so what follows is not read.
        assert_eq!(
            probe(
                r#"{"apiVersion":"v1","kind":"Event","metadata":{"name":"e"}}"#,
                None
            ),
            found("v1", "Event")
        );
        // Any key order; other fields skipped.
        assert_eq!(
            probe(
                r#"{"metadata":{"kind":"Pod"},"kind":"Event","apiVersion":"v1"}"#,
                None
            ),
            found("v1", "Event")
        );
        // A typed list's item takes what it leaves out from the list.
        let defaults = Some((Some(Value::String("v1".into())), "Event".to_string()));
        assert_eq!(
            probe(r#"{"metadata":{"name":"e"}}"#, defaults.clone()),
            found("v1", "Event")
        );
        assert_eq!(
            probe(r#"{"kind":"Pod","metadata":{}}"#, defaults.clone()),
            found("v1", "Pod")
        );
        // A kind that is not a string is for the parser to judge, defaults or not.
        assert_eq!(
            probe(r#"{"apiVersion":"v1","kind":5}"#, defaults.clone()),
            None
        );
        assert_eq!(probe(r#"{"apiVersion":"v1","kind":5}"#, None), None);
        assert_eq!(probe(r#"{"apiVersion":"v1"}"#, None), None);
        assert_eq!(probe(r#"[1]"#, defaults), None);
    }

    /// The benchmark's yardstick counts the same documents whichever parser skips them,
    /// and a syntax error is serde_json's, at its line and column, either way.
    #[test]
    fn skip_parse_by_either_parser_agrees() {
        let dir = tempfile::tempdir().unwrap();
        let files = write(dir.path(), FILES, false);
        let paths: Vec<PathBuf> = files.iter().map(|file| file.path.to_path_buf()).collect();
        let by_serde_json = skip_parse_files(&paths, false).unwrap();
        assert_eq!(skip_parse_files(&paths, true).unwrap(), by_serde_json);
        assert!(by_serde_json >= FILES.len());
        let broken = dir.path().join("broken.json");
        fs::write(&broken, "{\"a\": 1}\n{\"b\": [1,\n 2,]}").unwrap();
        for fast_reader in [false, true] {
            match skip_parse_files(std::slice::from_ref(&broken), fast_reader) {
                Err(LoadError::ParseJson {
                    document,
                    line,
                    column,
                    ..
                }) => assert_eq!((document, line, column), (2, 3, 4)),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn one_pass_split_and_whole_file_parses_agree() {
        for argocd_cluster in [false, true] {
            let dir = tempfile::tempdir().unwrap();
            let files = write(dir.path(), FILES, argocd_cluster);
            let one_pass = summary(&load_files(&files, usize::MAX).unwrap());
            let split = summary(&load_files(&files, 0).unwrap());
            for (a, b) in one_pass.iter().zip(&split) {
                assert_eq!(a, b);
            }
            assert_eq!(one_pass, split);
            let whole: Vec<_> = files
                .iter()
                .flat_map(|file| {
                    let text = fs::read_to_string(&file.path).unwrap();
                    parse_whole(file, &text).unwrap()
                })
                .collect();
            assert_eq!(one_pass, summary(&[whole]));
            // Events are not loaded, whatever the path (even one without a name).
            let kinds: Vec<&str> = one_pass
                .iter()
                .map(|(_, _, _, v)| v["kind"].as_str().unwrap())
                .collect();
            assert_eq!(
                kinds,
                ["ConfigMap", "Pod", "Namespace", "ShoppingList", "Node"]
            );
            assert_eq!(one_pass[1].2, Some(5), "items are counted with the events");
            // Sorted largest first for the threads, returned in file order.
            assert_eq!(one_pass[0].0, "list.json");
            assert_eq!(one_pass[3].0, "stream.json");
            // The `null` document between them is counted.
            assert_eq!((one_pass[4].1, one_pass[4].2), (3, None));
            assert_eq!(
                one_pass[1].3["spec"],
                serde_json::json!({"nodeName": "node-1"})
            );
            assert_eq!(
                one_pass[0].3.get("data").is_some(),
                argocd_cluster,
                "ConfigMap data is kept in the Argo CD cluster only"
            );
        }
    }

    #[test]
    fn every_path_reports_the_same_error() {
        let broken = [
            (
                "a.json",
                r#"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}"#,
            ),
            (
                "b.json",
                r#"{"apiVersion": "v1", "items": [{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": 7}}], "kind": "List"}"#,
            ),
            ("c.json", "{\"apiVersion\": \"v1\",\n \"kind\": }"),
            // Nesting deeper than the parser allows, inside a kept field.
            (
                "e.json",
                &*Box::leak(
                    format!(
                        r#"{{"apiVersion": "v1", "items": [{{"apiVersion": "v1", "kind": "Pod", "metadata": {{"name": "p"}}, "spec": {{"nodeName": {}1{}}}}}], "kind": "List"}}"#,
                        "[".repeat(300),
                        "]".repeat(300)
                    )
                    .into_boxed_str(),
                ),
            ),
            // A syntax error in a document the loader does not keep is still one.
            (
                "d.json",
                r#"{"apiVersion": "v1", "items": [{"apiVersion": "v1", "kind": "Event", "count": 01}], "kind": "List"}"#,
            ),
        ];
        for (name, text) in broken.iter().skip(1) {
            let dir = tempfile::tempdir().unwrap();
            let files = write(dir.path(), &[broken[0], (name, text)], false);
            let one_pass = load_files(&files, usize::MAX).unwrap_err().to_string();
            let split = load_files(&files, 0).unwrap_err().to_string();
            if *name == "e.json" {
                // The split path parses the item alone, two levels less deep than the
                // whole file, so the limit is met two brackets later.
                for error in [&one_pass, &split] {
                    assert!(
                        error.contains("nested deeper than the loader reads"),
                        "{error}"
                    );
                }
            } else {
                assert_eq!(one_pass, split);
            }
            assert!(one_pass.contains(name), "{one_pass}");
        }
    }

    /// A `List` large enough that the two scans of a split file overlap.
    fn large_list(count: usize) -> String {
        let items: Vec<Value> = (0..count)
            .map(|index| {
                serde_json::json!({
                    "apiVersion": "v1",
                    "kind": if index % 3 == 0 { "Event" } else { "Pod" },
                    "metadata": {
                        "name": format!("p{index}"),
                        "namespace": "n",
                        "ownerReferences": [
                            {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "r", "uid": "u"},
                            {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "s", "uid": "v"},
                        ],
                        "managedFields": [{"apiVersion": "v1", "manager": "m"}],
                    },
                    "spec": {"nodeName": "node-1", "containers": [{"name": "c"}, {"name": "d"}]},
                })
            })
            .collect();
        let list =
            serde_json::json!({"apiVersion": "v1", "items": items, "kind": "List", "metadata": {}});
        serde_json::to_string_pretty(&list).unwrap()
    }

    #[test]
    fn split_files_load_on_two_threads_as_on_one() {
        let large = large_list(3000);
        // Broken before the middle, after it, and after the document.
        let early = large.replacen("\"p10\"", "\"p10\",", 1);
        let late = large.replacen("\"p2990\"", "\"p2990\" 1", 1);
        let trailing = format!("{large}\n]");
        let mut cases = vec![("large.json", large.as_str())];
        cases.extend(FILES.iter().copied());
        for (name, text) in cases {
            let dir = tempfile::tempdir().unwrap();
            let files = write(dir.path(), &[(name, text)], true);
            let serial = summary(&load_files_on(&files, 0, 1).unwrap());
            let parallel = summary(&load_files_on(&files, 0, 2).unwrap());
            assert_eq!(serial, parallel, "{name}");
            assert_eq!(serial, summary(&load_files(&files, usize::MAX).unwrap()));
        }
        for text in [&early, &late, &trailing] {
            let dir = tempfile::tempdir().unwrap();
            let files = write(dir.path(), &[("large.json", text)], false);
            let serial = load_files_on(&files, 0, 1).unwrap_err().to_string();
            let parallel = load_files_on(&files, 0, 2).unwrap_err().to_string();
            assert_eq!(serial, parallel);
            assert!(serial.contains("large.json"), "{serial}");
        }
    }

    #[test]
    fn a_file_read_in_halves_is_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let buffers = Buffers::default();
        for size in [0usize, 1, 2, 3, 1000, 65537] {
            let path = dir.path().join(format!("f{size}.json"));
            let bytes: Vec<u8> = (0..size).map(|at| (at % 251) as u8).collect();
            fs::write(&path, &bytes).unwrap();
            // In halves into a new buffer (none free fits), then in order into it.
            for in_halves in [true, true, false] {
                let read = read_file(&path, &buffers, in_halves).unwrap();
                assert_eq!(read, bytes);
                buffers.give(read);
            }
            assert_eq!(
                buffers.0.lock().unwrap().len(),
                1,
                "the smaller one dropped"
            );
            // A file whose size is no longer the one it had: read again in order.
            #[cfg(unix)]
            for wrong in [size + 1, size.saturating_sub(1)]
                .into_iter()
                .filter(|&w| w != size)
            {
                let file = fs::File::open(&path).unwrap();
                assert!(!read_halves(&file, &mut vec![0; wrong], wrong));
            }
        }
        let missing = dir.path().join("missing.json");
        let serial = read_file(&missing, &buffers, false).unwrap_err();
        let halves = read_file(&missing, &buffers, true).unwrap_err();
        assert_eq!(serial.kind(), halves.kind());
    }
}
