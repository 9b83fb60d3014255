//! Loads what the tool knows about live clusters and about manifests, and keeps it
//! indexed for the simulator.
//!
//! - [`load_manifests`] reads files or directories of Kubernetes objects (single
//!   documents, multi-document YAML, `List`s, JSON) into [`SourcedObject`]s: the
//!   ApplicationSet manifests of `--base` and `--head`, and the contents of snapshots.
//! - [`load_snapshot`] reads a snapshot directory (one folder per Argo CD cluster name)
//!   into a [`Fleet`]: one [`ClusterSnapshot`] per cluster, indexed by key, uid, owner,
//!   namespace, kind and Argo CD tracking; the clusters Argo CD knows ([`ClusterInfo`],
//!   decoded from its cluster secrets); and the settings of `argocd-cm`
//!   ([`ArgoSettings`]); and what `capture` recorded of each cluster in its
//!   `capture.json` ([`CaptureRecord`]: the group/versions whose discovery failed).
//! - [`LoadError`] names the file, document, object and field of every problem.
//!
//! Invariants: no secret value survives loading (`data` and `stringData` of every
//! Secret are dropped once the cluster secrets are decoded); everything that iterates is
//! in a stable order (sorted paths, [`ObjectKey`] order, `BTreeMap`s); no input makes it
//! panic. The crate reads files and nothing else: it must not depend on tokio, kube or an
//! HTTP client.
//!
//! [`ClusterInfo`]: preflight_model::ClusterInfo
//! [`ArgoSettings`]: preflight_model::ArgoSettings
//! [`ObjectKey`]: preflight_model::ObjectKey

mod ahead;
mod capture_record;
mod cluster;
mod error;
mod fleet;
mod halves;
mod load;
mod manifests;
mod meta;
mod parse;
mod reader;
mod scan;
mod secrets;
mod settings;
mod slim;
mod stream;

#[cfg(test)]
mod tests;

pub use ahead::ReadAhead;
pub use capture_record::CaptureRecord;
pub use cluster::ClusterSnapshot;
pub use error::{ClusterSecretProblem, LoadError, ObjectProblem, Source};
pub use fleet::{
    load_snapshot, skip_parse, ClusterSelection, DuplicateClusterName, Fleet, LoadOptions,
};
pub use manifests::{
    load_manifests, manifests_from_text, read_text_file, FileLimit, SourcedObject,
    MAX_MANIFEST_FILE_BYTES, MAX_SNAPSHOT_FILE_BYTES,
};
pub use parse::parse_documents;
pub use preflight_model::plain_parser_message;
