//! The errors of loading manifests and snapshots. Every message names the file, the
//! document and, where it applies, the object and the field, so that a user can fix the
//! input without reading this crate.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use preflight_model::ObjectKey;

/// Where a document (or an item of a `List` document) came from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Source {
    /// Shared by every object of the file.
    pub file: Arc<Path>,
    /// 1-based index of the YAML or JSON document in the file, empty documents included.
    pub document: usize,
    /// 1-based index inside the `items` of a `List` document.
    pub item: Option<usize>,
}

impl Source {
    pub fn new(file: &Arc<Path>, document: usize, item: Option<usize>) -> Source {
        Source {
            file: Arc::clone(file),
            document,
            item,
        }
    }
}

impl fmt::Display for Source {
    /// `path: document 2` or `path: document 2, item 5`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: document {}", self.file.display(), self.document)?;
        if let Some(item) = self.item {
            write!(f, ", item {item}")?;
        }
        Ok(())
    }
}

/// Why loading manifests or a snapshot failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    #[error("cannot read `{}`: {source}", path.display())]
    ReadFile {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("cannot read `{}`: it is not a regular file (a device, FIFO or socket is never read as manifests)", path.display())]
    NotARegularFile { path: PathBuf },

    #[error("cannot read `{}`: it holds {size} bytes, more than the limit of {limit} bytes for {what}", path.display())]
    FileTooLarge {
        path: PathBuf,
        size: u64,
        limit: u64,
        /// What the file is to the user, from [`crate::FileLimit`].
        what: &'static str,
    },

    #[error("cannot list directory `{}`: {source}", path.display())]
    ReadDirectory {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("{}{}: invalid YAML at line {line}, column {column}: {message}", file.display(), document_suffix(*document))]
    ParseYaml {
        file: PathBuf,
        /// `None` when the parser could not say where the error is.
        document: Option<usize>,
        line: u64,
        column: u64,
        message: String,
    },

    #[error("{}: document {document}: invalid JSON at line {line}, column {column}: {message}", file.display())]
    ParseJson {
        file: PathBuf,
        document: usize,
        line: usize,
        column: usize,
        message: String,
    },

    #[error("{at}: {problem}")]
    InvalidObject { at: Source, problem: ObjectProblem },

    #[error("cluster `{cluster}`: `{key}` is defined twice: in {first} and in {second}")]
    DuplicateObject {
        cluster: String,
        key: Box<ObjectKey>,
        first: Box<Source>,
        second: Box<Source>,
    },

    #[error("{at}: cluster secret `{secret}`: {problem}")]
    DecodeClusterSecret {
        at: Source,
        /// `namespace/name` of the Secret.
        secret: String,
        problem: ClusterSecretProblem,
    },

    #[error("{at}: ConfigMap `argocd-cm`: field `data.{field}`: {problem}")]
    InvalidArgoCdSetting {
        at: Source,
        field: &'static str,
        problem: String,
    },

    #[error("cluster `{cluster}` holds several `argocd-cm` ConfigMaps (in {}); keep only the one of the Argo CD instance to simulate", first_and_second(.first, .second))]
    SeveralArgoCdConfigMaps {
        cluster: String,
        first: Box<Source>,
        second: Box<Source>,
    },

    #[error("Argo CD cluster `{name}` has no folder in snapshot `{}` ({})", snapshot.display(), folder_list(.found))]
    ArgoCdClusterNotFound {
        name: String,
        snapshot: PathBuf,
        /// The cluster folders that exist, sorted.
        found: Vec<String>,
    },

    #[error("{}: invalid Kubernetes version: {message}", path.display())]
    ServerVersion { path: PathBuf, message: String },

    #[error("{}: invalid capture record: field `{field}` {problem}", path.display())]
    CaptureRecord {
        path: PathBuf,
        /// The path of the field: `unavailableGroupVersions[0].groupVersion`.
        field: String,
        problem: String,
    },

    #[error("`{}`: single-file snapshots are not supported yet; pass a directory with one folder per cluster", path.display())]
    SingleFileSnapshot { path: PathBuf },

    #[error("`{}`: objects in a snapshot must be inside a cluster folder (one folder per Argo CD cluster name)", path.display())]
    StrayFile { path: PathBuf },

    #[error("`{}`: a cluster folder name must be UTF-8 text", path.display())]
    ClusterFolderName { path: PathBuf },
}

/// What is wrong with a document that should be a Kubernetes object.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ObjectProblem {
    #[error(
        "expected a Kubernetes object with `apiVersion`, `kind` and `metadata`, found {found}"
    )]
    NotAnObject { found: &'static str },
    #[error("missing field `{field}`")]
    MissingField { field: &'static str },
    #[error("field `{field}` must be {expected}")]
    MistypedField {
        field: &'static str,
        expected: &'static str,
    },
    /// A metadata field the API server would not decode into `ObjectMeta`, or would
    /// refuse in its validation.
    #[error("{object}: field `{field}` {problem}")]
    InvalidMetadata {
        /// `Kind `namespace/name`` as a user reads it.
        object: String,
        /// The path of the field: `metadata.ownerReferences[1].uid`.
        field: String,
        problem: String,
    },
}

/// What is wrong with an Argo CD cluster secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClusterSecretProblem {
    #[error("missing field `server` in `data` or `stringData`")]
    MissingServer,
    #[error("field `{field}` must be a string")]
    NotAString { field: String },
    #[error("field `{field}` is not valid base64: {message}")]
    InvalidBase64 { field: String, message: String },
    #[error("field `{field}` does not decode to UTF-8 text")]
    NotUtf8 { field: String },
}

fn document_suffix(document: Option<usize>) -> String {
    match document {
        Some(document) => format!(": document {document}"),
        None => String::new(),
    }
}

fn first_and_second(first: &Source, second: &Source) -> String {
    format!("{first} and {second}")
}

fn folder_list(found: &[String]) -> String {
    if found.is_empty() {
        return "the snapshot has no cluster folders".to_string();
    }
    let names: Vec<String> = found.iter().map(|name| format!("`{name}`")).collect();
    format!("cluster folders: {}", names.join(", "))
}
