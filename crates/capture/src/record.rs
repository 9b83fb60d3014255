//! `capture.json`: the capture's own record of a cluster, beside its objects.
//!
//! The snapshot loader reads `schemaVersion` and `unavailableGroupVersions`
//! (`preflight-cluster-snapshot`'s `CaptureRecord`); the rest is for people. Fields are added,
//! never renamed (`schemaVersion`). `unavailableGroupVersions` is the state the model
//! must start from: each entry is an APIService that was already unavailable when the
//! cluster was captured, so namespaces already terminating there are stuck, and any
//! namespace deleted there will be (k8s deletion semantics R-DISC-4).

use serde::Serialize;

use crate::discovery::{DiscoveryMode, UnavailableGroupVersion};
use crate::select::{Form, Skipped};
use crate::targets::Source;

pub(crate) const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CaptureRecord {
    pub(crate) schema_version: u32,
    /// The folder, as Argo CD names the cluster.
    pub(crate) cluster: String,
    /// The kubeconfig context, when the cluster was reached through one.
    pub(crate) context: Option<String>,
    pub(crate) server: String,
    pub(crate) credentials: Source,
    /// UTC, RFC 3339, to the second.
    pub(crate) started_at: String,
    pub(crate) finished_at: String,
    /// `gitVersion` of `/version`.
    pub(crate) server_version: Option<String>,
    /// Every listable resource was listed in full; no list failed.
    pub(crate) complete: bool,
    pub(crate) discovery: DiscoveryMode,
    pub(crate) unavailable_group_versions: Vec<UnavailableGroupVersion>,
    /// Every resource listed, with its object count and file (none when empty).
    pub(crate) resources: Vec<ResourceRecord>,
    /// Lists that failed after retries (403, 5xx, timeouts).
    pub(crate) failed_resources: Vec<FailedResource>,
    /// Resources left out on purpose.
    pub(crate) skipped: Vec<Skipped>,
    pub(crate) warnings: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ResourceRecord {
    pub(crate) group_version: String,
    pub(crate) resource: String,
    pub(crate) kind: String,
    pub(crate) namespaced: bool,
    pub(crate) form: Form,
    /// The namespaces listed, when not all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) namespaces: Option<Vec<String>>,
    pub(crate) objects: usize,
    pub(crate) file: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FailedResource {
    pub(crate) group_version: String,
    pub(crate) resource: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) namespace: Option<String>,
    /// The HTTP status, when the server answered.
    pub(crate) status: Option<u16>,
    pub(crate) error: String,
}
