//! A Kubernetes object as read from a snapshot or a manifest, with typed accessors for
//! the metadata every stage needs, and the keys objects are indexed by.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

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

/// Which paths of a slim document the loader kept (see the snapshot crate's table).
///
/// A snapshot loader that drops fields while parsing marks the object with what it kept;
/// in debug builds [`Object::value_at`] then refuses to read any other path, so a rule
/// that needs a dropped field fails every test instead of silently reading nothing.
#[derive(Clone, Copy)]
pub struct KeptPaths(&'static dyn PathFilter);

/// A table of kept paths: whether `path`, from the document root, survived loading.
pub trait PathFilter: Sync + Send {
    fn keeps(&self, path: &[&str]) -> bool;
}

impl KeptPaths {
    pub const fn new(filter: &'static dyn PathFilter) -> KeptPaths {
        KeptPaths(filter)
    }

    pub fn keeps(&self, path: &[&str]) -> bool {
        self.0.keeps(path)
    }
}

impl fmt::Debug for KeptPaths {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeptPaths")
    }
}

/// A Kubernetes object: a JSON document plus accessors for its metadata.
///
/// Objects are kept as JSON rather than typed structs because the tool must carry fields
/// it does not know (custom resources, newer API versions) through unchanged, and because
/// ApplicationSet templates are rendered over arbitrary string fields and map keys.
///
/// Snapshot objects are slim ([`Object::slim`]): their metadata is typed, parsed once at
/// load, and they hold only the kind's fields the rules read (`spec.nodeName` of a Pod,
/// `webhooks` of a webhook configuration), as compact JSON text parsed the first time a
/// rule reads one, so a fleet of hundreds of thousands of objects stays small. Manifests, Argo CD's own objects and everything the tool writes
/// are whole documents ([`Object::from_value`]).
#[derive(Debug, Clone)]
pub struct Object {
    /// The whole document; `null` for a slim object, whose fields are in its [`Body`].
    raw: Value,
    slim: Option<Box<SlimMeta>>,
}

/// The fields of a slim object beside `apiVersion`, `kind` and `metadata`, as compact
/// JSON text, parsed the first time a rule reads one of them. Most snapshot objects are
/// never read beyond their metadata, and a small JSON mapping costs several times its
/// text once parsed.
#[derive(Debug, Clone, Default)]
struct Body {
    /// Empty when the kind keeps nothing beside the metadata.
    text: Box<str>,
    parsed: OnceLock<Value>,
}

impl Body {
    fn value(&self) -> &Value {
        self.parsed.get_or_init(|| {
            if self.text.is_empty() {
                return Value::Object(Map::new());
            }
            // The loader wrote the text from parsed JSON; it parses.
            serde_json::from_str(&self.text).unwrap_or_else(|_| Value::Object(Map::new()))
        })
    }
}

/// The typed identity and metadata of a slim object, as a loader hands them to
/// [`Object::from_slim_parts`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SlimParts {
    pub api_version: Box<str>,
    pub kind: Box<str>,
    pub name: Box<str>,
    pub namespace: Option<Box<str>>,
    pub uid: Option<Box<str>>,
    /// Sorted by key, each key once.
    pub labels: Vec<(Box<str>, Box<str>)>,
    /// The annotations kept, sorted by key, each key once.
    pub annotations: Vec<(Box<str>, Box<str>)>,
    pub finalizers: Vec<Box<str>>,
    pub owner_references: Vec<OwnerReference>,
    pub deletion_timestamp: Option<Box<str>>,
}

/// The typed identity and metadata of a slim object, and which paths of its JSON the
/// loader kept.
#[derive(Debug, Clone)]
struct SlimMeta {
    api_version: Box<str>,
    kind: Box<str>,
    name: Box<str>,
    namespace: Option<Box<str>>,
    uid: Option<Box<str>>,
    labels: Box<[(Box<str>, Box<str>)]>,
    annotations: Box<[(Box<str>, Box<str>)]>,
    finalizers: Box<[Box<str>]>,
    owner_references: Box<[OwnerReference]>,
    deletion_timestamp: Option<Box<str>>,
    kept: KeptPaths,
    body: Body,
}

impl PartialEq for Object {
    fn eq(&self, other: &Object) -> bool {
        match (&self.slim, &other.slim) {
            (None, None) => self.raw == other.raw,
            _ => self.to_value() == other.to_value(),
        }
    }
}

impl Serialize for Object {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.slim {
            None => self.raw.serialize(serializer),
            Some(_) => self.to_value().serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for Object {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Object, D::Error> {
        Value::deserialize(deserializer).map(Object::from_value)
    }
}

impl Object {
    /// Wraps a JSON document. The caller has checked that it is an object with
    /// `apiVersion`, `kind` and `metadata.name` (see [`Object::validate`]).
    pub fn from_value(raw: Value) -> Object {
        Object { raw, slim: None }
    }

    /// A slim object from a validated document of which the loader kept only the paths
    /// `kept` accepts: its metadata becomes typed, the rest stays JSON.
    pub fn slim(document: Value, kept: KeptPaths) -> Object {
        Object::slim_with_body(document, None, kept)
    }

    /// [`Object::slim`] of a document whose fields beside `apiVersion`, `kind` and
    /// `metadata` the loader already wrote as compact JSON text: `body`, a mapping
    /// (empty for none). Fields of that kind left in `document` are moved into it.
    pub fn slim_with_body(document: Value, body: Option<String>, kept: KeptPaths) -> Object {
        let Value::Object(mut fields) = document else {
            return Object::from_value(document);
        };
        let text = |value: Option<Value>| match value {
            Some(Value::String(text)) => Some(text.into_boxed_str()),
            _ => None,
        };
        let api_version = text(fields.remove("apiVersion")).unwrap_or_default();
        let kind = text(fields.remove("kind")).unwrap_or_default();
        let mut metadata = match fields.remove("metadata") {
            Some(Value::Object(metadata)) => metadata,
            _ => Map::new(),
        };
        let string_pairs = |value: Option<Value>| -> Vec<(Box<str>, Box<str>)> {
            match value {
                Some(Value::Object(map)) => map
                    .into_iter()
                    .filter_map(|(key, value)| match value {
                        Value::String(value) => {
                            Some((key.into_boxed_str(), value.into_boxed_str()))
                        }
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            }
        };
        let finalizers = match metadata.remove("finalizers") {
            Some(Value::Array(list)) => list
                .into_iter()
                .filter_map(|value| match value {
                    Value::String(value) => Some(value.into_boxed_str()),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        let owner_references = match metadata.get("ownerReferences") {
            Some(Value::Array(list)) => list.iter().filter_map(owner_reference).collect(),
            _ => Vec::new(),
        };
        let parts = SlimParts {
            api_version,
            kind,
            name: text(metadata.remove("name")).unwrap_or_default(),
            namespace: text(metadata.remove("namespace")),
            uid: text(metadata.remove("uid")),
            labels: string_pairs(metadata.remove("labels")),
            annotations: string_pairs(metadata.remove("annotations")),
            finalizers,
            owner_references,
            deletion_timestamp: text(metadata.remove("deletionTimestamp")),
        };
        let text = match body {
            Some(text) if fields.is_empty() => text,
            Some(text) => {
                // Both: merge (only the tests build objects this way).
                let mut merged: Map<String, Value> =
                    serde_json::from_str(&text).unwrap_or_default();
                merged.extend(fields);
                Value::Object(merged).to_string()
            }
            None if fields.is_empty() => String::new(),
            None => Value::Object(fields).to_string(),
        };
        Object::from_slim_parts(parts, text, kept)
    }

    /// A slim object from its typed metadata and the compact JSON text of its other
    /// fields (a mapping; empty or `{}` for none), as the loader parses the usual
    /// document: without building its metadata as JSON first. An empty namespace or uid
    /// is none.
    pub fn from_slim_parts(parts: SlimParts, body: String, kept: KeptPaths) -> Object {
        let body = if body == "{}" { String::new() } else { body };
        Object {
            raw: Value::Null,
            slim: Some(Box::new(SlimMeta {
                api_version: parts.api_version,
                kind: parts.kind,
                name: parts.name,
                namespace: parts.namespace.filter(|ns| !ns.is_empty()),
                uid: parts.uid.filter(|uid| !uid.is_empty()),
                labels: parts.labels.into_boxed_slice(),
                annotations: parts.annotations.into_boxed_slice(),
                finalizers: parts.finalizers.into_boxed_slice(),
                owner_references: parts.owner_references.into_boxed_slice(),
                deletion_timestamp: parts.deletion_timestamp,
                kept,
                body: Body {
                    text: body.into_boxed_str(),
                    parsed: OnceLock::new(),
                },
            })),
        }
    }

    /// Whether the loader dropped what no rule reads (see [`Object::slim`]).
    pub fn is_slim(&self) -> bool {
        self.slim.is_some()
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

    /// The whole document. For a slim object, only its kind's fields beside the
    /// metadata (see [`Object::to_value`]).
    pub fn raw(&self) -> &Value {
        match &self.slim {
            Some(slim) => slim.body.value(),
            None => &self.raw,
        }
    }

    /// The whole document, to change it. Slim objects come from snapshots, which no
    /// stage changes.
    pub fn raw_mut(&mut self) -> &mut Value {
        debug_assert!(self.slim.is_none(), "slim snapshot objects are not changed");
        &mut self.raw
    }

    pub fn into_raw(self) -> Value {
        match self.slim {
            None => self.raw,
            Some(_) => self.to_value(),
        }
    }

    /// The document as JSON: for a slim object, what the loader kept of it.
    pub fn to_value(&self) -> Value {
        let Some(slim) = &self.slim else {
            return self.raw.clone();
        };
        let mut metadata = Map::new();
        metadata.insert("name".into(), Value::String(slim.name.to_string()));
        if let Some(namespace) = &slim.namespace {
            metadata.insert("namespace".into(), Value::String(namespace.to_string()));
        }
        if let Some(uid) = &slim.uid {
            metadata.insert("uid".into(), Value::String(uid.to_string()));
        }
        let pairs = |pairs: &[(Box<str>, Box<str>)]| {
            Value::Object(
                pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
                    .collect(),
            )
        };
        if !slim.labels.is_empty() {
            metadata.insert("labels".into(), pairs(&slim.labels));
        }
        if !slim.annotations.is_empty() {
            metadata.insert("annotations".into(), pairs(&slim.annotations));
        }
        if !slim.finalizers.is_empty() {
            let list = slim.finalizers.iter().map(|f| Value::String(f.to_string()));
            metadata.insert("finalizers".into(), Value::Array(list.collect()));
        }
        if !slim.owner_references.is_empty() {
            let list = slim.owner_references.iter().map(|r| {
                serde_json::json!({
                    "apiVersion": r.api_version, "kind": r.kind, "name": r.name, "uid": r.uid,
                    "controller": r.controller, "blockOwnerDeletion": r.block_owner_deletion,
                })
            });
            metadata.insert("ownerReferences".into(), Value::Array(list.collect()));
        }
        if let Some(timestamp) = &slim.deletion_timestamp {
            metadata.insert(
                "deletionTimestamp".into(),
                Value::String(timestamp.to_string()),
            );
        }
        let mut document = slim.body.value().as_object().cloned().unwrap_or_default();
        document.insert(
            "apiVersion".into(),
            Value::String(slim.api_version.to_string()),
        );
        document.insert("kind".into(), Value::String(slim.kind.to_string()));
        document.insert("metadata".into(), Value::Object(metadata));
        Value::Object(document)
    }

    pub fn api_version(&self) -> &str {
        match &self.slim {
            Some(slim) => &slim.api_version,
            None => self.raw_str(&["apiVersion"]).unwrap_or(""),
        }
    }

    pub fn group(&self) -> &str {
        split_api_version(self.api_version()).0
    }

    pub fn kind(&self) -> &str {
        match &self.slim {
            Some(slim) => &slim.kind,
            None => self.raw_str(&["kind"]).unwrap_or(""),
        }
    }

    pub fn name(&self) -> &str {
        match &self.slim {
            Some(slim) => &slim.name,
            None => self.raw_str(&["metadata", "name"]).unwrap_or(""),
        }
    }

    /// The namespace, `None` when absent or empty (cluster-scoped objects).
    pub fn namespace(&self) -> Option<&str> {
        match &self.slim {
            Some(slim) => slim.namespace.as_deref(),
            None => self
                .raw_str(&["metadata", "namespace"])
                .filter(|ns| !ns.is_empty()),
        }
    }

    pub fn uid(&self) -> Option<&str> {
        match &self.slim {
            Some(slim) => slim.uid.as_deref(),
            None => self
                .raw_str(&["metadata", "uid"])
                .filter(|uid| !uid.is_empty()),
        }
    }

    pub fn key(&self) -> ObjectKey {
        ObjectKey::new(self.group(), self.kind(), self.namespace(), self.name())
    }

    pub fn labels(&self) -> BTreeMap<String, String> {
        match &self.slim {
            Some(slim) => to_map(&slim.labels),
            None => raw_string_map(&self.raw, &["metadata", "labels"]),
        }
    }

    pub fn label(&self, key: &str) -> Option<&str> {
        match &self.slim {
            Some(slim) => find_pair(&slim.labels, key),
            None => self.raw_str(&["metadata", "labels", key]),
        }
    }

    pub fn annotations(&self) -> BTreeMap<String, String> {
        match &self.slim {
            Some(slim) => to_map(&slim.annotations),
            None => raw_string_map(&self.raw, &["metadata", "annotations"]),
        }
    }

    pub fn annotation(&self, key: &str) -> Option<&str> {
        match &self.slim {
            Some(slim) => find_pair(&slim.annotations, key),
            None => self.raw_str(&["metadata", "annotations", key]),
        }
    }

    /// `metadata.finalizers`, in order.
    pub fn finalizers(&self) -> Vec<String> {
        match &self.slim {
            Some(slim) => slim.finalizers.iter().map(|f| f.to_string()).collect(),
            None => raw_string_list(&self.raw, &["metadata", "finalizers"]),
        }
    }

    pub fn has_finalizer(&self, finalizer: &str) -> bool {
        match &self.slim {
            Some(slim) => slim.finalizers.iter().any(|f| &**f == finalizer),
            None => self.finalizers().iter().any(|f| f == finalizer),
        }
    }

    pub fn deletion_timestamp(&self) -> Option<&str> {
        match &self.slim {
            Some(slim) => slim.deletion_timestamp.as_deref(),
            None => self.raw_str(&["metadata", "deletionTimestamp"]),
        }
    }

    /// `metadata.ownerReferences`: borrowed from a slim object, built from a whole one.
    pub fn owner_references(&self) -> std::borrow::Cow<'_, [OwnerReference]> {
        match &self.slim {
            Some(slim) => std::borrow::Cow::Borrowed(&slim.owner_references),
            None => std::borrow::Cow::Owned(
                match value_at(&self.raw, &["metadata", "ownerReferences"]) {
                    Some(Value::Array(list)) => list.iter().filter_map(owner_reference).collect(),
                    _ => Vec::new(),
                },
            ),
        }
    }

    /// The uids `metadata.ownerReferences` names, without building the references.
    pub fn owner_uids(&self) -> impl Iterator<Item = &str> + '_ {
        let (slim, whole) = match &self.slim {
            Some(slim) => (
                Some(slim.owner_references.iter().map(|r| r.uid.as_str())),
                None,
            ),
            None => {
                let list = match value_at(&self.raw, &["metadata", "ownerReferences"]) {
                    Some(Value::Array(list)) => list.as_slice(),
                    _ => &[],
                };
                let uids = list
                    .iter()
                    .filter_map(|entry| entry.get("uid").and_then(Value::as_str));
                (None, Some(uids))
            }
        };
        slim.into_iter()
            .flatten()
            .chain(whole.into_iter().flatten())
    }

    /// The owner reference marked `controller: true`, if any.
    pub fn controller_reference(&self) -> Option<OwnerReference> {
        match &self.slim {
            Some(slim) => slim.owner_references.iter().find(|r| r.controller).cloned(),
            None => self
                .raw_owner_references()
                .iter()
                .filter(|entry| entry.get("controller").and_then(Value::as_bool) == Some(true))
                .find_map(owner_reference),
        }
    }

    /// Whether the controller owner reference names `name`, of `kind` in API `group`;
    /// asked of every live Application for every ApplicationSet, so it builds nothing.
    pub fn is_controlled_by(&self, group: &str, kind: &str, name: &str) -> bool {
        let matches = |api_version: &str, owner_kind: &str, owner_name: &str| {
            split_api_version(api_version).0 == group && owner_kind == kind && owner_name == name
        };
        match &self.slim {
            Some(slim) => slim
                .owner_references
                .iter()
                .find(|r| r.controller)
                .is_some_and(|r| matches(&r.api_version, &r.kind, &r.name)),
            None => self
                .raw_owner_references()
                .iter()
                .find(|entry| entry.get("controller").and_then(Value::as_bool) == Some(true))
                .is_some_and(|entry| {
                    let text = |field: &str| entry.get(field).and_then(Value::as_str).unwrap_or("");
                    matches(text("apiVersion"), text("kind"), text("name"))
                }),
        }
    }

    fn raw_owner_references(&self) -> &[Value] {
        match value_at(&self.raw, &["metadata", "ownerReferences"]) {
            Some(Value::Array(list)) => list,
            _ => &[],
        }
    }

    /// The value at a path of object keys.
    ///
    /// Of a slim object only the kind's fields the loader kept can be read this way
    /// (its metadata through the accessors above). In debug builds, reading anything else
    /// is a bug in the rule that reads it, and panics: add the field to the loader's
    /// table instead.
    pub fn value_at(&self, path: &[&str]) -> Option<&Value> {
        if let Some(slim) = &self.slim {
            let identity = matches!(path.first(), Some(&("apiVersion" | "kind" | "metadata")));
            debug_assert!(
                !identity && slim.kept.keeps(path),
                "a rule reads `{}` of {}, which the snapshot loader drops or types: read metadata through the accessors, and add other fields to the table in cluster-snapshot's slim.rs",
                path.join("."),
                self.key()
            );
            if identity {
                return None;
            }
            return value_at(slim.body.value(), path);
        }
        value_at(&self.raw, path)
    }

    pub fn str_at(&self, path: &[&str]) -> Option<&str> {
        self.value_at(path).and_then(Value::as_str)
    }

    /// A map of strings at `path`; non-string values are skipped (Kubernetes would have
    /// rejected them).
    pub fn string_map(&self, path: &[&str]) -> BTreeMap<String, String> {
        self.value_at(path)
            .map(|value| raw_string_map(value, &[]))
            .unwrap_or_default()
    }

    pub fn string_list(&self, path: &[&str]) -> Vec<String> {
        self.value_at(path)
            .map(|value| raw_string_list(value, &[]))
            .unwrap_or_default()
    }

    /// The `metadata` map, created when missing.
    pub fn metadata_mut(&mut self) -> &mut Map<String, Value> {
        debug_assert!(self.slim.is_none(), "slim snapshot objects are not changed");
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

    fn raw_str(&self, path: &[&str]) -> Option<&str> {
        value_at(&self.raw, path).and_then(Value::as_str)
    }
}

fn owner_reference(entry: &Value) -> Option<OwnerReference> {
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
}

fn to_map(pairs: &[(Box<str>, Box<str>)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The value of `key` in pairs sorted by key (as a JSON map gives them).
fn find_pair<'a>(pairs: &'a [(Box<str>, Box<str>)], key: &str) -> Option<&'a str> {
    pairs
        .binary_search_by(|(k, _)| (**k).cmp(key))
        .ok()
        .map(|at| &*pairs[at].1)
}

fn raw_string_map(value: &Value, path: &[&str]) -> BTreeMap<String, String> {
    value_at(value, path)
        .and_then(Value::as_object)
        .map(|map| {
            map.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

fn raw_string_list(value: &Value, path: &[&str]) -> Vec<String> {
    value_at(value, path)
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
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
        assert!(object.is_controlled_by("argoproj.io", "ApplicationSet", "s"));
        assert!(!object.is_controlled_by("argoproj.io", "ApplicationSet", "t"));
        assert!(!object.is_controlled_by("", "ApplicationSet", "s"));
    }

    #[test]
    fn only_the_controller_reference_controls() {
        let metadata = json!({"name": "a", "ownerReferences": [
            {"apiVersion": "argoproj.io/v1alpha1", "kind": "ApplicationSet", "name": "s", "uid": "1"},
            {"apiVersion": "argoproj.io/v1alpha1", "kind": "ApplicationSet", "name": "t", "uid": "2",
             "controller": true}
        ]});
        let document = json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
                              "metadata": metadata});
        let whole = Object::from_value(document.clone());
        let slim = Object::slim(document, KeptPaths::new(&AllPaths));
        for object in [whole, slim] {
            assert_eq!(object.controller_reference().unwrap().name, "t");
            assert!(object.is_controlled_by("argoproj.io", "ApplicationSet", "t"));
            assert!(!object.is_controlled_by("argoproj.io", "ApplicationSet", "s"));
        }
    }

    struct AllPaths;
    impl PathFilter for AllPaths {
        fn keeps(&self, _: &[&str]) -> bool {
            true
        }
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
