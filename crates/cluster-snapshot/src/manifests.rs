//! Files and directories of manifests to validated [`Object`]s, with secret values removed.

use std::fs;
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
        manifest_files(path)?
    } else {
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
    thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    // After a failure no new file is claimed; every file before the
                    // failing one was claimed earlier and still completes.
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
                })
            })
            .collect();
        for handle in handles {
            let done = handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            for (index, result) in done {
                results[index] = Some(result);
            }
        }
    });
    // Unclaimed files (`None`) only follow a failed one, whose error comes first.
    results.into_iter().flatten().collect()
}

fn load_file(file: &Path) -> Result<Vec<SourcedObject>, LoadError> {
    let text = fs::read_to_string(file).map_err(|source| LoadError::ReadFile {
        path: file.to_path_buf(),
        source,
    })?;
    objects_from_text(file, &text)
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

/// The manifest files under `dir`, sorted by path.
pub(crate) fn manifest_files(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let mut files = Vec::new();
    collect_manifest_files(dir, &mut files)?;
    files.sort();
    Ok(files)
}

fn collect_manifest_files(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), LoadError> {
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
            collect_manifest_files(&path, files)?;
        } else if is_manifest_file(&path) {
            // Symbolic links to files are followed when read; links to directories are
            // not followed, which keeps a link cycle from looping forever.
            let is_file = file_type.is_file() || path.metadata().is_ok_and(|m| m.is_file());
            if is_file {
                files.push(path);
            }
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

/// [`Object::validate`], telling a missing field from one of the wrong type.
pub(crate) fn check_object(value: &Value) -> Result<(), ObjectProblem> {
    let Err(field) = Object::validate(value) else {
        return Ok(());
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
