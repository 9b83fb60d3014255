//! Secrets: what is kept of them (nothing of their values) and how Argo CD cluster secrets
//! become [`ClusterInfo`]s.

use base64::Engine;
use preflight_model::argocd::SECRET_TYPE_LABEL;
use preflight_model::{ClusterInfo, Object};
use serde_json::Value;

use crate::error::ClusterSecretProblem;

/// kubectl copies the whole applied object, values included, into this annotation.
const LAST_APPLIED_ANNOTATION: &str = "kubectl.kubernetes.io/last-applied-configuration";

pub(crate) fn is_secret(object: &Object) -> bool {
    object.api_version() == "v1" && object.kind() == "Secret"
}

/// A Secret labelled `argocd.argoproj.io/secret-type: cluster`.
pub(crate) fn is_cluster_secret(object: &Object) -> bool {
    is_secret(object) && object.label(SECRET_TYPE_LABEL) == Some("cluster")
}

/// Removes everything of a Secret that may hold a secret value: `data`, `stringData` and
/// the last-applied copy of the object. Other objects are left alone.
pub(crate) fn strip_secret_values(object: &mut Object) {
    // A slim Secret never had its values loaded (see `slim.rs`).
    if !is_secret(object) || object.is_slim() {
        return;
    }
    if let Some(map) = object.raw_mut().as_object_mut() {
        map.remove("data");
        map.remove("stringData");
    }
    let metadata = object.metadata_mut();
    if let Some(Value::Object(annotations)) = metadata.get_mut("annotations") {
        annotations.remove(LAST_APPLIED_ANNOTATION);
    }
}

/// The cluster an Argo CD cluster secret declares, as Argo CD's `SecretToCluster` reads it:
/// `name` and `project` may be absent (empty), `server` may not.
pub(crate) fn cluster_info(secret: &Object) -> Result<ClusterInfo, ClusterSecretProblem> {
    let server = secret_field(secret, "server")?
        .filter(|server| !server.is_empty())
        .ok_or(ClusterSecretProblem::MissingServer)?;
    let mut annotations = secret.annotations();
    annotations.remove(LAST_APPLIED_ANNOTATION);
    Ok(ClusterInfo {
        name: secret_field(secret, "name")?.unwrap_or_default(),
        server,
        project: secret_field(secret, "project")?.unwrap_or_default(),
        labels: secret.labels(),
        annotations,
        secret_name: secret.name().to_string(),
    })
}

/// A value of the secret: `stringData` wins over `data`, as when the API server merges them.
fn secret_field(secret: &Object, field: &str) -> Result<Option<String>, ClusterSecretProblem> {
    match secret.value_at(&["stringData", field]) {
        None | Some(Value::Null) => {}
        Some(Value::String(text)) => return Ok(Some(text.clone())),
        Some(_) => {
            return Err(ClusterSecretProblem::NotAString {
                field: format!("stringData.{field}"),
            })
        }
    }
    let encoded = match secret.value_at(&["data", field]) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(text)) => text,
        Some(_) => {
            return Err(ClusterSecretProblem::NotAString {
                field: format!("data.{field}"),
            })
        }
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|error| ClusterSecretProblem::InvalidBase64 {
            field: format!("data.{field}"),
            message: error.to_string(),
        })?;
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| ClusterSecretProblem::NotUtf8 {
            field: format!("data.{field}"),
        })
}
