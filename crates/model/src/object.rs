//! A Kubernetes object as read from a snapshot or a manifest, with typed accessors for
//! the metadata every stage needs, and the keys objects are indexed by.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Identity of an object inside one cluster: API group, kind, namespace and name.
///
/// The version is deliberately absent: `apps/v1` and `apps/v1beta2` Deployments are the
/// same object, as they are to the garbage collector and to Argo CD's tracking id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ObjectKey {
    /// API group, empty for the core group.
    pub group: String,
    pub kind: String,
    /// `None` for cluster-scoped objects.
    pub namespace: Option<String>,
    pub name: String,
}

impl ObjectKey {
    pub fn new(group: &str, kind: &str, namespace: Option<&str>, name: &str) -> ObjectKey {
        ObjectKey {
            group: group.to_string(),
            kind: kind.to_string(),
            namespace: namespace.filter(|ns| !ns.is_empty()).map(str::to_string),
            name: name.to_string(),
        }
    }

    /// The key of a namespace object.
    pub fn namespace_object(name: &str) -> ObjectKey {
        ObjectKey::new("", "Namespace", None, name)
    }

    pub fn group_kind(&self) -> GroupKind {
        GroupKind {
            group: self.group.clone(),
            kind: self.kind.clone(),
        }
    }
}

impl fmt::Display for ObjectKey {
    /// `kind.group namespace/name`, the way kubectl users read an object reference.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.group.is_empty() {
            write!(f, "{}", self.kind)?;
        } else {
            write!(f, "{}.{}", self.kind, self.group)?;
        }
        match &self.namespace {
            Some(ns) => write!(f, " {}/{}", ns, self.name),
            None => write!(f, " {}", self.name),
        }
    }
}

/// An API group and kind, without version.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct GroupKind {
    pub group: String,
    pub kind: String,
}

/// Splits an `apiVersion` into group and version (`v1` is the core group).
pub fn split_api_version(api_version: &str) -> (&str, &str) {
    match api_version.rsplit_once('/') {
        Some((group, version)) => (group, version),
        None => ("", api_version),
    }
}

/// One entry of `metadata.ownerReferences`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct OwnerReference {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub uid: String,
    pub controller: bool,
    pub block_owner_deletion: bool,
}

impl OwnerReference {
    pub fn group(&self) -> &str {
        split_api_version(&self.api_version).0
    }
}

/// A Kubernetes object: the raw JSON document plus accessors for its metadata.
///
/// Objects are kept as JSON rather than typed structs because the tool must carry fields
/// it does not know (custom resources, newer API versions) through unchanged, and because
/// ApplicationSet templates are rendered over arbitrary string fields and map keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Object {
    raw: Value,
}

impl Object {
    /// Wraps a JSON document. The caller has checked that it is an object with
    /// `apiVersion`, `kind` and `metadata.name` (see [`Object::validate`]).
    pub fn from_value(raw: Value) -> Object {
        Object { raw }
    }

    /// Checks the fields every object must have, returning the name of the first
    /// missing or mistyped field.
    pub fn validate(raw: &Value) -> Result<(), &'static str> {
        let Some(map) = raw.as_object() else {
            return Err("(document)");
        };
        if !map.get("apiVersion").is_some_and(Value::is_string) {
            return Err("apiVersion");
        }
        if !map.get("kind").is_some_and(Value::is_string) {
            return Err("kind");
        }
        let Some(metadata) = map.get("metadata").and_then(Value::as_object) else {
            return Err("metadata");
        };
        if !metadata.get("name").is_some_and(Value::is_string) {
            return Err("metadata.name");
        }
        Ok(())
    }

    pub fn raw(&self) -> &Value {
        &self.raw
    }

    pub fn raw_mut(&mut self) -> &mut Value {
        &mut self.raw
    }

    pub fn into_raw(self) -> Value {
        self.raw
    }

    pub fn api_version(&self) -> &str {
        self.str_at(&["apiVersion"]).unwrap_or("")
    }

    pub fn group(&self) -> &str {
        split_api_version(self.api_version()).0
    }

    pub fn kind(&self) -> &str {
        self.str_at(&["kind"]).unwrap_or("")
    }

    pub fn name(&self) -> &str {
        self.str_at(&["metadata", "name"]).unwrap_or("")
    }

    /// The namespace, `None` when absent or empty (cluster-scoped objects).
    pub fn namespace(&self) -> Option<&str> {
        self.str_at(&["metadata", "namespace"])
            .filter(|ns| !ns.is_empty())
    }

    pub fn uid(&self) -> Option<&str> {
        self.str_at(&["metadata", "uid"])
            .filter(|uid| !uid.is_empty())
    }

    pub fn key(&self) -> ObjectKey {
        ObjectKey::new(self.group(), self.kind(), self.namespace(), self.name())
    }

    pub fn labels(&self) -> BTreeMap<String, String> {
        self.string_map(&["metadata", "labels"])
    }

    pub fn label(&self, key: &str) -> Option<&str> {
        self.str_at(&["metadata", "labels", key])
    }

    pub fn annotations(&self) -> BTreeMap<String, String> {
        self.string_map(&["metadata", "annotations"])
    }

    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.str_at(&["metadata", "annotations", key])
    }

    /// `metadata.finalizers`, in order.
    pub fn finalizers(&self) -> Vec<String> {
        self.string_list(&["metadata", "finalizers"])
    }

    pub fn has_finalizer(&self, finalizer: &str) -> bool {
        self.finalizers().iter().any(|f| f == finalizer)
    }

    pub fn deletion_timestamp(&self) -> Option<&str> {
        self.str_at(&["metadata", "deletionTimestamp"])
    }

    pub fn owner_references(&self) -> Vec<OwnerReference> {
        let Some(list) = self
            .value_at(&["metadata", "ownerReferences"])
            .and_then(Value::as_array)
        else {
            return Vec::new();
        };
        list.iter()
            .filter_map(|entry| {
                let entry = entry.as_object()?;
                let text = |field: &str| {
                    entry
                        .get(field)
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string()
                };
                let flag = |field: &str| entry.get(field).and_then(Value::as_bool).unwrap_or(false);
                Some(OwnerReference {
                    api_version: text("apiVersion"),
                    kind: text("kind"),
                    name: text("name"),
                    uid: text("uid"),
                    controller: flag("controller"),
                    block_owner_deletion: flag("blockOwnerDeletion"),
                })
            })
            .collect()
    }

    /// The owner reference marked `controller: true`, if any.
    pub fn controller_reference(&self) -> Option<OwnerReference> {
        self.owner_references().into_iter().find(|r| r.controller)
    }

    /// The value at a path of object keys.
    pub fn value_at(&self, path: &[&str]) -> Option<&Value> {
        value_at(&self.raw, path)
    }

    pub fn str_at(&self, path: &[&str]) -> Option<&str> {
        self.value_at(path).and_then(Value::as_str)
    }

    /// A map of strings at `path`; non-string values are skipped (Kubernetes would have
    /// rejected them, and labels and annotations are the only callers).
    pub fn string_map(&self, path: &[&str]) -> BTreeMap<String, String> {
        self.value_at(path)
            .and_then(Value::as_object)
            .map(|map| {
                map.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn string_list(&self, path: &[&str]) -> Vec<String> {
        self.value_at(path)
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The `metadata` map, created when missing.
    pub fn metadata_mut(&mut self) -> &mut Map<String, Value> {
        let root = self
            .raw
            .as_object_mut()
            .expect("an Object always wraps a JSON object");
        let metadata = root
            .entry("metadata")
            .or_insert_with(|| Value::Object(Map::new()));
        if !metadata.is_object() {
            *metadata = Value::Object(Map::new());
        }
        metadata.as_object_mut().expect("just made an object")
    }
}

/// The value at a path of object keys inside any JSON value.
pub fn value_at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a Value> {
    let mut current = value;
    for segment in path {
        current = current.as_object()?.get(*segment)?;
    }
    Some(current)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn accessors_read_metadata() {
        let object = Object::from_value(json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {
                "name": "metrics-server",
                "namespace": "kube-metrics",
                "uid": "u1",
                "labels": {"app": "metrics-server"},
                "finalizers": ["a", "b"],
                "ownerReferences": [{"apiVersion": "argoproj.io/v1alpha1", "kind": "ApplicationSet",
                    "name": "s", "uid": "u0", "controller": true, "blockOwnerDeletion": true}]
            }
        }));
        assert_eq!(
            object.key(),
            ObjectKey::new("apps", "Deployment", Some("kube-metrics"), "metrics-server")
        );
        assert_eq!(object.label("app"), Some("metrics-server"));
        assert_eq!(object.finalizers(), vec!["a", "b"]);
        let owner = object.controller_reference().unwrap();
        assert_eq!(owner.group(), "argoproj.io");
        assert!(owner.block_owner_deletion);
    }

    #[test]
    fn core_group_and_empty_namespace() {
        let object = Object::from_value(json!({
            "apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x", "namespace": ""}
        }));
        assert_eq!(object.group(), "");
        assert_eq!(object.namespace(), None);
        assert_eq!(object.key().to_string(), "Namespace x");
    }

    #[test]
    fn validate_names_the_missing_field() {
        assert_eq!(Object::validate(&json!([])), Err("(document)"));
        assert_eq!(Object::validate(&json!({"kind": "A"})), Err("apiVersion"));
        assert_eq!(
            Object::validate(&json!({"apiVersion": "v1", "kind": "A", "metadata": {}})),
            Err("metadata.name")
        );
    }
}
