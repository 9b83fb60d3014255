//! Files and directories of manifests to validated [`Object`]s, with secret values removed.

use std::fs;
use std::io::Read;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

use preflight_model::{value_at, Object};
use serde_json::Value;

use crate::error::{LoadError, ObjectProblem, Source};
use crate::parse::parse_located;
use crate::secrets::strip_secret_values;

/// The largest manifest file (`--base`, `--head`, `generate FILE`, or any file of a
/// directory of them) the loader reads: ApplicationSet repositories hold files of
/// kilobytes, and a bound keeps a mistaken path from filling the memory.
pub const MAX_MANIFEST_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// The largest file of a snapshot folder the loader reads. A whole cluster listed by
/// `kubectl get -o yaml` into one file stays well below it.
pub const MAX_SNAPSHOT_FILE_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// A bound on the size of the files of one kind of input, and what to call them in the
/// error that refuses a larger one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileLimit {
    pub bytes: u64,
    /// `a manifest file`, `a snapshot file`.
    pub what: &'static str,
}

impl FileLimit {
    pub const MANIFEST: FileLimit = FileLimit {
        bytes: MAX_MANIFEST_FILE_BYTES,
        what: "a manifest file",
    };
    pub const SNAPSHOT: FileLimit = FileLimit {
        bytes: MAX_SNAPSHOT_FILE_BYTES,
        what: "a snapshot file",
    };
}

/// An object and the document it was read from.
#[derive(Debug, Clone, PartialEq)]
pub struct SourcedObject {
    pub object: Object,
    /// Shared by every object of the file.
    pub file: Arc<Path>,
    /// 1-based index of the document in the file.
    pub document: usize,
    /// 1-based index inside the `items` of a `List` document.
    pub item: Option<usize>,
}

impl SourcedObject {
    pub fn source(&self) -> Source {
        Source::new(&self.file, self.document, self.item)
    }
}

/// Loads the Kubernetes objects of a file, or of every `.yaml`, `.yml` and `.json` file
/// under a directory (at any depth, hidden files and directories skipped, in path order).
///
/// Every document must be a Kubernetes object (see [`Object::validate`]). The values of
/// Secrets (`data`, `stringData`) are dropped before the objects are returned.
pub fn load_manifests(path: &Path) -> Result<Vec<SourcedObject>, LoadError> {
    let mut objects = load_unsanitized(path)?;
    for sourced in &mut objects {
        strip_secret_values(&mut sourced.object);
    }
    Ok(objects)
}

/// [`load_manifests`] with secret values still in place, for the snapshot loader, which
/// decodes cluster secrets first and strips the values right after.
pub(crate) fn load_unsanitized(path: &Path) -> Result<Vec<SourcedObject>, LoadError> {
    let metadata = fs::metadata(path).map_err(|source| LoadError::ReadFile {
        path: path.to_path_buf(),
        source,
    })?;
    let files = if metadata.is_dir() {
        manifest_files(path, FileLimit::MANIFEST)?
    } else {
        check_regular_file(path, &metadata, FileLimit::MANIFEST)?;
        vec![path.to_path_buf()]
    };
    Ok(load_files(&files)?.into_iter().flatten().collect())
}

/// The objects of each file, in the order of `files`.
///
/// Parsing YAML is most of the cost of a run, and files are independent, so they are
/// parsed on all cores. The result, errors included, does not depend on the scheduling:
/// files are claimed in order and the error of the first failing file is returned.
pub(crate) fn load_files(files: &[PathBuf]) -> Result<Vec<Vec<SourcedObject>>, LoadError> {
    let workers = thread::available_parallelism()
        .map_or(1, NonZeroUsize::get)
        .min(files.len());
    if workers <= 1 {
        return files.iter().map(|file| load_file(file)).collect();
    }
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let mut results: Vec<Option<Result<Vec<SourcedObject>, LoadError>>> =
        files.iter().map(|_| None).collect();
    let work = || {
        let mut done = Vec::new();
        // After a failure no new file is claimed; every file before the failing one was
        // claimed earlier and still completes.
        while !failed.load(Ordering::Relaxed) {
            let index = next.fetch_add(1, Ordering::Relaxed);
            let Some(file) = files.get(index) else {
                break;
            };
            let result = load_file(file);
            if result.is_err() {
                failed.store(true, Ordering::Relaxed);
            }
            done.push((index, result));
        }
        done
    };
    thread::scope(|scope| {
        // The calling thread is one of the workers; a thread the system refuses leaves
        // its share to the others.
        let handles: Vec<_> = (1..workers)
            .filter_map(|_| thread::Builder::new().spawn_scoped(scope, work).ok())
            .collect();
        let mine = work();
        let others = handles.into_iter().flat_map(|handle| {
            handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        });
        for (index, result) in mine.into_iter().chain(others) {
            results[index] = Some(result);
        }
    });
    // Unclaimed files (`None`) only follow a failed one, whose error comes first.
    results.into_iter().flatten().collect()
}

fn load_file(file: &Path) -> Result<Vec<SourcedObject>, LoadError> {
    let text = read_text_file(file, FileLimit::MANIFEST)?;
    objects_from_text(file, &text)
}

/// The text of the file at `path`, refused with an error naming it when it is not a
/// regular file (`/dev/zero`, a FIFO) or holds more than `limit` bytes. The bound holds
/// even when the file grows while it is read.
pub fn read_text_file(path: &Path, limit: FileLimit) -> Result<String, LoadError> {
    let read_error = |source| LoadError::ReadFile {
        path: path.to_path_buf(),
        source,
    };
    let metadata = fs::metadata(path).map_err(read_error)?;
    check_regular_file(path, &metadata, limit)?;
    let file = fs::File::open(path).map_err(read_error)?;
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    file.take(limit.bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    let size = bytes.len() as u64;
    check_size(path, size, limit)?;
    String::from_utf8(bytes).map_err(|_| {
        read_error(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "the file is not UTF-8 text",
        ))
    })
}

/// Refuses what is not a regular file, or a file over `limit` bytes.
pub(crate) fn check_regular_file(
    path: &Path,
    metadata: &fs::Metadata,
    limit: FileLimit,
) -> Result<(), LoadError> {
    if !metadata.is_file() {
        return Err(LoadError::NotARegularFile {
            path: path.to_path_buf(),
        });
    }
    check_size(path, metadata.len(), limit)
}

fn check_size(path: &Path, size: u64, limit: FileLimit) -> Result<(), LoadError> {
    if size <= limit.bytes {
        return Ok(());
    }
    Err(LoadError::FileTooLarge {
        path: path.to_path_buf(),
        size,
        limit: limit.bytes,
        what: limit.what,
    })
}

/// The objects of one file's text, `file` naming it in errors: for manifests that do
/// not come from the file system, such as a file at a git revision. Secret values are
/// kept; [`manifests_from_text`] drops them.
fn objects_from_text(file: &Path, text: &str) -> Result<Vec<SourcedObject>, LoadError> {
    let shared: Arc<Path> = file.into();
    let mut objects = Vec::new();
    for parsed in parse_located(file, text)? {
        check_object(&parsed.value).map_err(|problem| LoadError::InvalidObject {
            at: Source::new(&shared, parsed.document, parsed.item),
            problem,
        })?;
        objects.push(SourcedObject {
            object: Object::from_value(parsed.value),
            file: Arc::clone(&shared),
            document: parsed.document,
            item: parsed.item,
        });
    }
    Ok(objects)
}

/// [`load_manifests`] for text that is not read from a file (a file at a git
/// revision): the same parsing, validation and error messages, secret values dropped.
pub fn manifests_from_text(file: &Path, text: &str) -> Result<Vec<SourcedObject>, LoadError> {
    let mut objects = objects_from_text(file, text)?;
    for sourced in &mut objects {
        strip_secret_values(&mut sourced.object);
    }
    Ok(objects)
}

/// The manifest files under `dir`, sorted by path. A manifest name (`.yaml`, `.yml`,
/// `.json`) that is not a regular file (a FIFO, a device, or a link to one) or holds
/// more than `limit` allows is an error naming it, before anything reads it.
pub(crate) fn manifest_files(dir: &Path, limit: FileLimit) -> Result<Vec<PathBuf>, LoadError> {
    let mut files = Vec::new();
    collect_manifest_files(dir, limit, &mut files)?;
    files.sort();
    Ok(files)
}

fn collect_manifest_files(
    dir: &Path,
    limit: FileLimit,
    files: &mut Vec<PathBuf>,
) -> Result<(), LoadError> {
    let read_error = |source| LoadError::ReadDirectory {
        path: dir.to_path_buf(),
        source,
    };
    for entry in fs::read_dir(dir).map_err(read_error)? {
        let entry = entry.map_err(read_error)?;
        let path = entry.path();
        if is_hidden(&path) {
            continue;
        }
        let file_type = entry.file_type().map_err(read_error)?;
        if file_type.is_dir() {
            collect_manifest_files(&path, limit, files)?;
        } else if is_manifest_file(&path) {
            // Symbolic links to files are followed when read; links to directories are
            // not followed, which keeps a link cycle from looping forever. A dangling
            // link is skipped, as before.
            let Ok(metadata) = path.metadata() else {
                continue;
            };
            if metadata.is_dir() {
                continue;
            }
            check_regular_file(&path, &metadata, limit)?;
            files.push(path);
        }
    }
    Ok(())
}

pub(crate) fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| name.starts_with('.'))
}

pub(crate) fn is_manifest_file(path: &Path) -> bool {
    path.extension()
        .and_then(|ext| ext.to_str())
        .is_some_and(|ext| {
            ["yaml", "yml", "json"]
                .iter()
                .any(|known| ext.eq_ignore_ascii_case(known))
        })
}

/// [`Object::validate`], telling a missing field from one of the wrong type, then the
/// metadata as the API server reads it (see [`check_metadata`]).
pub(crate) fn check_object(value: &Value) -> Result<(), ObjectProblem> {
    let Err(field) = Object::validate(value) else {
        return check_metadata(value);
    };
    if !value.is_object() {
        return Err(ObjectProblem::NotAnObject {
            found: json_type(value),
        });
    }
    let path: Vec<&str> = field.split('.').collect();
    match value_at(value, &path) {
        None | Some(Value::Null) => Err(ObjectProblem::MissingField { field }),
        Some(_) => Err(ObjectProblem::MistypedField {
            field,
            expected: if field == "metadata" {
                "a mapping"
            } else {
                "a string"
            },
        }),
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// The metadata fields the API server would not accept, as it would not: an object whose
/// metadata Kubernetes cannot decode into `ObjectMeta` never exists in a cluster, and
/// the slim object reading it would silently drop the field (a `finalizers: 5` would
/// become "no finalizers" and the object "deletable").
///
/// Types follow `metav1.ObjectMeta` (k8s.io/apimachinery `pkg/apis/meta/v1/types.go`):
/// strings, `int64`s, `metav1.Time` (an RFC 3339 string, `Time.UnmarshalJSON` in
/// `time.go`), `map[string]string` labels and annotations, `[]string` finalizers and
/// `[]OwnerReference`. A JSON `null` decodes to the zero value there, so it is accepted
/// everywhere. Beyond types, the checks of `ValidateObjectMetaAccessor`
/// (`pkg/api/validation/objectmeta.go`) that rules of this tool depend on: owner
/// references name their owner (`apiVersion` with a version, `kind`, `name`, `uid`), at
/// most one is the controller, `orphan` and `foregroundDeletion` are not both set, and
/// `generation` is not negative. Name, label and annotation syntax is not checked:
/// it is kind-specific, and no rule here depends on it.
fn check_metadata(value: &Value) -> Result<(), ObjectProblem> {
    let Some(metadata) = value.get("metadata").and_then(Value::as_object) else {
        return Ok(());
    };
    let object = || {
        let kind = value["kind"].as_str().unwrap_or_default();
        let name = metadata
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        match metadata.get("namespace").and_then(Value::as_str) {
            Some(namespace) if !namespace.is_empty() => format!("{kind} `{namespace}/{name}`"),
            _ => format!("{kind} `{name}`"),
        }
    };
    let invalid = |field: String, problem: String| ObjectProblem::InvalidMetadata {
        object: object(),
        field,
        problem,
    };
    let wrong_type = |field: String, expected: &str, found: &Value| {
        invalid(
            field,
            format!("must be {expected}, found {}", json_type(found)),
        )
    };

    for (field, found) in metadata {
        // Built only for an error: most objects have none, and every field has a path.
        let path = || format!("metadata.{field}");
        if found.is_null() {
            continue;
        }
        match field.as_str() {
            "name" | "generateName" | "namespace" | "selfLink" | "uid" | "resourceVersion"
                if !found.is_string() =>
            {
                return Err(wrong_type(path(), "a string", found));
            }
            "generation" | "deletionGracePeriodSeconds" => {
                let Some(number) = found.as_i64() else {
                    return Err(wrong_type(path(), "a whole number", found));
                };
                if field == "generation" && number < 0 {
                    return Err(invalid(
                        path(),
                        format!("must be greater than or equal to 0, found `{number}`"),
                    ));
                }
            }
            "creationTimestamp" | "deletionTimestamp" => {
                let Some(text) = found.as_str() else {
                    return Err(wrong_type(path(), "an RFC 3339 time", found));
                };
                if !is_rfc3339(text) {
                    return Err(invalid(
                        path(),
                        format!(
                            "must be an RFC 3339 time such as `2024-05-01T12:00:00Z`, found `{text}`"
                        ),
                    ));
                }
            }
            "labels" | "annotations" => {
                let Some(map) = found.as_object() else {
                    return Err(wrong_type(path(), "a mapping of strings", found));
                };
                for (key, entry) in map {
                    if !(entry.is_string() || entry.is_null()) {
                        return Err(wrong_type(format!("{}.{key}", path()), "a string", entry));
                    }
                }
            }
            "finalizers" => {
                let Some(list) = found.as_array() else {
                    return Err(wrong_type(path(), "a list of strings", found));
                };
                for (index, entry) in list.iter().enumerate() {
                    if !entry.is_string() {
                        return Err(wrong_type(
                            format!("{}[{index}]", path()),
                            "a string",
                            entry,
                        ));
                    }
                }
                if orphan_and_foreground(list.iter().filter_map(Value::as_str)) {
                    return Err(invalid(
                        path(),
                        "must not hold both `orphan` and `foregroundDeletion`".to_string(),
                    ));
                }
            }
            "ownerReferences" => check_owner_references(found, &path, &invalid, &wrong_type)?,
            "managedFields" if !found.is_array() => {
                return Err(wrong_type(path(), "a list", found));
            }
            _ => {}
        }
    }
    Ok(())
}

fn check_owner_references(
    found: &Value,
    path: &dyn Fn() -> String,
    invalid: &dyn Fn(String, String) -> ObjectProblem,
    wrong_type: &dyn Fn(String, &str, &Value) -> ObjectProblem,
) -> Result<(), ObjectProblem> {
    let Some(list) = found.as_array() else {
        return Err(wrong_type(path(), "a list of mappings", found));
    };
    let mut controller: Option<String> = None;
    for (index, entry) in list.iter().enumerate() {
        let entry_path = || format!("{}[{index}]", path());
        let Some(reference) = entry.as_object() else {
            return Err(wrong_type(entry_path(), "a mapping", entry));
        };
        for field in ["apiVersion", "kind", "name", "uid"] {
            let field_path = || format!("{}.{field}", entry_path());
            match reference.get(field) {
                Some(Value::String(text)) if !text.is_empty() => {}
                None | Some(Value::Null) | Some(Value::String(_)) => {
                    return Err(invalid(field_path(), "must not be empty".to_string()))
                }
                Some(other) => return Err(wrong_type(field_path(), "a string", other)),
            }
        }
        let api_version = reference["apiVersion"].as_str().unwrap_or_default();
        if !has_version(api_version) {
            return Err(invalid(
                format!("{}.apiVersion", entry_path()),
                format!("must be `VERSION` or `GROUP/VERSION`, found `{api_version}`"),
            ));
        }
        let kind = reference["kind"].as_str().unwrap_or_default();
        if is_banned_owner(api_version, kind) {
            return Err(invalid(
                entry_path(),
                "names a core `v1` Event as its owner, which the API server refuses".to_string(),
            ));
        }
        for field in ["controller", "blockOwnerDeletion"] {
            match reference.get(field) {
                None | Some(Value::Null) | Some(Value::Bool(_)) => {}
                Some(other) => {
                    return Err(wrong_type(
                        format!("{}.{field}", entry_path()),
                        "a boolean",
                        other,
                    ))
                }
            }
        }
        if reference.get("controller") == Some(&Value::Bool(true)) {
            let this = format!(
                "{}/{}",
                reference["kind"].as_str().unwrap_or_default(),
                reference["name"].as_str().unwrap_or_default()
            );
            if let Some(first) = &controller {
                return Err(invalid(
                    path(),
                    format!("has more than one controller reference: `{first}` and `{this}`"),
                ));
            }
            controller = Some(this);
        }
    }
    Ok(())
}

/// Whether finalizers hold both `orphan` and `foregroundDeletion`, which the API server
/// refuses (`ValidateObjectMetaAccessor`).
pub(crate) fn orphan_and_foreground<'a>(finalizers: impl Iterator<Item = &'a str>) -> bool {
    let (mut orphan, mut foreground) = (false, false);
    for finalizer in finalizers {
        orphan |= finalizer == "orphan";
        foreground |= finalizer == "foregroundDeletion";
    }
    orphan && foreground
}

/// Whether an owner reference's `apiVersion` names a version, as
/// `schema.FromAPIVersionAndKind` reads it: `v1`, `apps/v1` and `/v1` do; `apps/` and
/// `a/b/v1` (not a group/version at all) do not.
pub(crate) fn has_version(api_version: &str) -> bool {
    !(api_version.ends_with('/') || api_version.split('/').count() > 2)
}

/// Whether an owner reference names a kind the API server refuses as an owner
/// (`BannedOwners` in apimachinery's `validateOwnerReference`): only the core group's
/// `v1` `Event`, whose apiVersion `schema.FromAPIVersionAndKind` reads from `v1` or
/// `/v1`. `events.k8s.io/v1` Events are another group and may own objects.
pub(crate) fn is_banned_owner(api_version: &str, kind: &str) -> bool {
    kind == "Event" && matches!(api_version, "v1" | "/v1")
}

/// Go's `time.Parse(time.RFC3339, text)`, which `metav1.Time` uses:
/// `2006-01-02T15:04:05Z07:00`, with optional fractional seconds.
pub(crate) fn is_rfc3339(text: &str) -> bool {
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        bytes
            .get(range)
            .is_some_and(|part| part.iter().all(u8::is_ascii_digit))
    };
    let number = |range: std::ops::Range<usize>| -> u32 {
        text.get(range)
            .and_then(|part| part.parse().ok())
            .unwrap_or(u32::MAX)
    };
    if !(digits(0..4)
        && bytes.get(4) == Some(&b'-')
        && digits(5..7)
        && bytes.get(7) == Some(&b'-')
        && digits(8..10)
        && bytes.get(10) == Some(&b'T')
        && digits(11..13)
        && bytes.get(13) == Some(&b':')
        && digits(14..16)
        && bytes.get(16) == Some(&b':')
        && digits(17..19))
    {
        return false;
    }
    let (month, day) = (number(5..7), number(8..10));
    let (hour, minute, second) = (number(11..13), number(14..16), number(17..19));
    let year = number(0..4);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days_in_month = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if !(1..=12).contains(&month)
        || !(1..=days_in_month).contains(&day)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return false;
    }
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let count = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if count == 0 {
            return false;
        }
        rest = &fraction[count..];
    }
    match rest.as_bytes() {
        [b'Z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2]
            if [h1, h2, m1, m2].iter().all(|b| b.is_ascii_digit()) =>
        {
            let hours = u32::from(h1 - b'0') * 10 + u32::from(h2 - b'0');
            let minutes = u32::from(m1 - b'0') * 10 + u32::from(m2 - b'0');
            hours < 24 && minutes < 60
        }
        _ => false,
    }
}
