//! The slim form of a captured object: what the model reads, never a secret value.

use base64::Engine;
use preflight_model::argocd::SECRET_TYPE_LABEL;
use serde_json::{Map, Value};

/// kubectl copies the whole applied object, Secret values included, into it.
const LAST_APPLIED_ANNOTATION: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// The fields of an Argo CD cluster secret that say which cluster it is and nothing of how
/// to log in to it (`config` holds the credentials and is never kept).
const CLUSTER_SECRET_FIELDS: [&str; 4] = ["name", "server", "project", "namespaces"];

/// Removes `metadata.managedFields` and the last-applied annotation, and sets
/// `apiVersion` and `kind`, which list items of built-in types come without.
pub(crate) fn slim_object(mut item: Value, api_version: &str, kind: &str) -> Value {
    if let Some(map) = item.as_object_mut() {
        map.insert("apiVersion".into(), Value::String(api_version.into()));
        map.insert("kind".into(), Value::String(kind.into()));
        if let Some(Value::Object(metadata)) = map.get_mut("metadata") {
            slim_metadata(metadata);
        }
    }
    item
}

/// An object of which only the metadata was read (a `PartialObjectMetadata`, or an item
/// of a server that ignored the request for one), as an object of its own kind.
pub(crate) fn metadata_object(item: Value, api_version: &str, kind: &str) -> Value {
    let mut metadata = match item {
        Value::Object(mut map) => match map.remove("metadata") {
            Some(Value::Object(metadata)) => metadata,
            _ => Map::new(),
        },
        _ => Map::new(),
    };
    slim_metadata(&mut metadata);
    let mut object = Map::new();
    object.insert("apiVersion".into(), Value::String(api_version.into()));
    object.insert("kind".into(), Value::String(kind.into()));
    object.insert("metadata".into(), Value::Object(metadata));
    Value::Object(object)
}

fn slim_metadata(metadata: &mut Map<String, Value>) {
    metadata.remove("managedFields");
    if let Some(Value::Object(annotations)) = metadata.get_mut("annotations") {
        annotations.remove(LAST_APPLIED_ANNOTATION);
        if annotations.is_empty() {
            metadata.remove("annotations");
        }
    }
}

/// Whether a Secret (as listed, full) is an Argo CD cluster secret.
pub(crate) fn is_cluster_secret(secret: &Value) -> bool {
    secret
        .pointer("/metadata/labels")
        .and_then(|labels| labels.get(SECRET_TYPE_LABEL))
        .and_then(Value::as_str)
        == Some("cluster")
}

/// An Argo CD cluster secret as read, with its credentials, kept in memory only. Its
/// `Debug` shows no value of `config`.
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct ClusterSecret {
    pub(crate) secret_name: String,
    pub(crate) name: String,
    pub(crate) server: String,
    /// The `config` JSON (bearer token, TLS client config, exec provider); used to reach
    /// the cluster with `--via-argocd`, never written.
    pub(crate) config: Option<Value>,
}

impl std::fmt::Debug for ClusterSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterSecret")
            .field("secret_name", &self.secret_name)
            .field("name", &self.name)
            .field("server", &self.server)
            .field("config", &self.config.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

/// Splits a full cluster secret into what is written — metadata and the non-credential
/// fields as `stringData` — and what is kept in memory.
pub(crate) fn split_cluster_secret(secret: &Value) -> (Value, ClusterSecret) {
    let field = |name: &str| secret_field(secret, name);
    let mut string_data = Map::new();
    for name in CLUSTER_SECRET_FIELDS {
        if let Some(value) = field(name) {
            string_data.insert(name.into(), Value::String(value));
        }
    }
    let mut written = metadata_object(secret.clone(), "v1", "Secret");
    if let Some(map) = written.as_object_mut() {
        if let Some(kind) = secret.get("type") {
            map.insert("type".into(), kind.clone());
        }
        map.insert("stringData".into(), Value::Object(string_data));
    }
    let config = field("config").and_then(|text| serde_json::from_str(&text).ok());
    let kept = ClusterSecret {
        secret_name: secret
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        name: field("name").unwrap_or_default(),
        server: field("server").unwrap_or_default(),
        config,
    };
    (written, kept)
}

/// `stringData` wins over `data` (base64), as when the API server merges them.
fn secret_field(secret: &Value, name: &str) -> Option<String> {
    if let Some(text) = secret
        .pointer(&format!("/stringData/{name}"))
        .and_then(Value::as_str)
    {
        return Some(text.to_string());
    }
    let encoded = secret
        .pointer(&format!("/data/{name}"))
        .and_then(Value::as_str)?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn managed_fields_and_last_applied_are_never_kept() {
        let item = json!({"metadata": {"name": "a", "managedFields": [{}],
            "annotations": {LAST_APPLIED_ANNOTATION: "{}", "keep": "me"}}, "spec": {"x": 1}});
        let slim = slim_object(item, "apps/v1", "Deployment");
        assert_eq!(
            slim,
            json!({"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "a", "annotations": {"keep": "me"}}, "spec": {"x": 1}})
        );
    }

    #[test]
    fn metadata_only_objects_keep_their_own_kind() {
        let item = json!({"apiVersion": "meta.k8s.io/v1", "kind": "PartialObjectMetadata",
            "metadata": {"name": "s", "finalizers": ["f"],
                "annotations": {LAST_APPLIED_ANNOTATION: "{\"data\":{\"k\":\"c2VjcmV0\"}}"}}});
        assert_eq!(
            metadata_object(item, "v1", "Secret"),
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "finalizers": ["f"]}})
        );
    }

    #[test]
    fn a_cluster_secret_keeps_its_names_and_never_its_config() {
        let b64 = |text: &str| base64::engine::general_purpose::STANDARD.encode(text);
        let secret = json!({"metadata": {"name": "cluster-a", "namespace": "argocd",
                "labels": {SECRET_TYPE_LABEL: "cluster"}},
            "type": "Opaque",
            "data": {"name": b64("a"), "server": b64("https://a:6443"),
                "config": b64(r#"{"bearerToken":"planted-token"}"#)}});
        assert!(is_cluster_secret(&secret));
        let (written, kept) = split_cluster_secret(&secret);
        assert_eq!(
            written,
            json!({"apiVersion": "v1", "kind": "Secret",
                "metadata": {"name": "cluster-a", "namespace": "argocd",
                    "labels": {SECRET_TYPE_LABEL: "cluster"}},
                "type": "Opaque",
                "stringData": {"name": "a", "server": "https://a:6443"}})
        );
        assert_eq!(kept.name, "a");
        assert_eq!(kept.config, Some(json!({"bearerToken": "planted-token"})));
        assert!(!format!("{kept:?}").contains("planted-token"));
    }
}
