//! `capture.json`: what `argocd-preflight capture` recorded of a cluster beside its
//! objects, read for the state the objects cannot show.
//!
//! Only `unavailableGroupVersions` matters to the model: a group/version whose discovery
//! was stale or failing when the cluster was captured is an aggregated APIService that
//! was already unavailable, whatever the APIService object's status says (the status may
//! lag, or the backend may answer its availability check and still fail discovery,
//! k8s deletion semantics R-DISC-5). The rest of the record is for people.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::error::LoadError;
use crate::manifests::{read_text_file, FileLimit};

/// The only `schemaVersion` of `capture.json` there is; fields are added without a new
/// version, so a different number is a record this loader cannot read.
const SCHEMA_VERSION: u64 = 1;

/// What the model takes from a cluster's `capture.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaptureRecord {
    /// Each group/version (`metrics.k8s.io/v1beta1`) whose discovery was stale or
    /// failing at capture time, with client-go's words for why (`stale GroupVersion
    /// discovery: metrics.k8s.io/v1beta1`).
    pub unavailable_group_versions: BTreeMap<String, String>,
}

/// Reads the `capture.json` at `file`; every problem names the file and the field.
pub(crate) fn read_capture_record(file: &Path) -> Result<CaptureRecord, LoadError> {
    let text = read_text_file(file, FileLimit::SNAPSHOT)?;
    let documents = crate::parse::parse_documents(file, &text)?;
    let invalid = |field: &str, problem: &str| LoadError::CaptureRecord {
        path: file.to_path_buf(),
        field: field.to_string(),
        problem: problem.to_string(),
    };
    let Some(record) = documents.first().and_then(Value::as_object) else {
        return Err(invalid(
            "schemaVersion",
            "is missing: the file must hold one JSON object, as `capture` writes it",
        ));
    };
    match record.get("schemaVersion") {
        None => return Err(invalid("schemaVersion", "is missing")),
        Some(version) if version.as_u64() == Some(SCHEMA_VERSION) => {}
        Some(version) => {
            return Err(invalid(
                "schemaVersion",
                &format!("is `{version}`; this version of argocd-preflight reads `capture.json` of schema version {SCHEMA_VERSION}"),
            ))
        }
    }
    let entries = match record.get("unavailableGroupVersions") {
        None => return Err(invalid("unavailableGroupVersions", "is missing")),
        Some(Value::Array(entries)) => entries,
        Some(_) => return Err(invalid("unavailableGroupVersions", "must be a list")),
    };
    let mut unavailable = BTreeMap::new();
    for (index, entry) in entries.iter().enumerate() {
        let field = |name: &str| format!("unavailableGroupVersions[{index}].{name}");
        let text_of = |name: &str| match entry.get(name) {
            Some(Value::String(text)) => Ok(text.clone()),
            Some(_) => Err(invalid(&field(name), "must be a string")),
            None => Err(invalid(&field(name), "is missing")),
        };
        if !entry.is_object() {
            return Err(invalid(
                &format!("unavailableGroupVersions[{index}]"),
                "must be an object with `groupVersion` and `reason`",
            ));
        }
        let group_version = text_of("groupVersion")?;
        if !is_group_version(&group_version) {
            return Err(invalid(
                &field("groupVersion"),
                &format!("is `{group_version}`; expected `group/version`, as in `metrics.k8s.io/v1beta1`"),
            ));
        }
        let reason = text_of("reason")?;
        unavailable.entry(group_version).or_insert(reason);
    }
    Ok(CaptureRecord {
        unavailable_group_versions: unavailable,
    })
}

/// `group/version` with both parts present: only an APIService of a named group can be
/// unavailable (the core group is served by the API server itself).
fn is_group_version(text: &str) -> bool {
    text.split_once('/').is_some_and(|(group, version)| {
        !group.is_empty() && !version.is_empty() && !version.contains('/')
    })
}
