//! What the loader keeps of each snapshot object, decided while parsing.
//!
//! A live cluster's objects are mostly bytes no rule reads: `managedFields`, the
//! `kubectl.kubernetes.io/last-applied-configuration` copy of the object, pod templates,
//! container lists, `ConfigMap` and `Secret` data, CRD schemas. The loader deserializes
//! every snapshot document straight into the slim form below ([`Slim`], a
//! `DeserializeSeed` that skips everything else with `serde::de::IgnoredAny`), so those
//! bytes are never materialised. YAML, and JSON the fast paths cannot parse, is parsed
//! whole and pruned with the same table ([`prune`]); every path gives the same value.
//! The kept fields beside the metadata are written straight to compact JSON text
//! ([`Write`]), which the object parses only when a rule reads them.
//!
//! Every kind keeps `apiVersion`, `kind` and this `metadata`: `name`, `generateName`,
//! `namespace`, `uid`, `labels`, `finalizers`, `ownerReferences`, `deletionTimestamp`,
//! `deletionGracePeriodSeconds`, `creationTimestamp`, and of the annotations only
//! `argocd.argoproj.io/*` (tracking id, sync options, sync wave) and
//! `helm.sh/resource-policy`. Beyond that:
//!
//! | kind | also keeps |
//! | --- | --- |
//! | Application | the whole document but, of `status`, only `resources` |
//! | ApplicationSet, AppProject (and other `argoproj.io` kinds) | the whole document |
//! | Secrets, ConfigMaps and custom resources in the Argo CD cluster | the whole document (cluster secrets are decoded, then their values dropped) |
//! | Namespace | `spec.finalizers`, `status` |
//! | Node | `spec.taints`, `spec.unschedulable`, `status.conditions` |
//! | Pod | `spec.nodeName`, `spec.serviceAccountName`, `spec.volumes[].name`, `spec.volumes[].persistentVolumeClaim`, `status.phase`, `status.conditions` |
//! | Service | `spec.type`, `spec.selector`, `spec.ports`, `spec.externalName` |
//! | Endpoints | `subsets` |
//! | EndpointSlice | `addressType`, `endpoints`, `ports` |
//! | APIService | `spec.group`, `spec.version`, `spec.service`, `status` |
//! | CustomResourceDefinition | `spec.group`, `spec.names`, `spec.scope`, `spec.versions[].name`/`served`/`storage`, `spec.conversion.strategy`, `spec.conversion.webhook.clientConfig.service`/`url`, `status.storedVersions` |
//! | Validating/MutatingWebhookConfiguration | `webhooks[]`: `name`, `clientConfig.service`/`url`, `rules`, `failurePolicy`, `matchPolicy`, `namespaceSelector`, `objectSelector`, `timeoutSeconds` |
//! | ClusterRole, Role | `rules`, `aggregationRule` |
//! | ClusterRoleBinding, RoleBinding | `roleRef`, `subjects` |
//! | Deployment, StatefulSet, DaemonSet, ReplicaSet | `spec.replicas`, `spec.selector`, `spec.serviceName`, `spec.template.metadata.labels`, `spec.template.spec.serviceAccountName`/`serviceAccount`, `spec.persistentVolumeClaimRetentionPolicy`, `spec.volumeClaimTemplates[].metadata.name`, `status.replicas`/`readyReplicas`/`availableReplicas` |
//! | PersistentVolume | `spec.claimRef`, `spec.persistentVolumeReclaimPolicy`, `spec.storageClassName`, `spec.capacity`, `spec.csi.driver`, `status.phase` |
//! | PersistentVolumeClaim | `spec.volumeName`, `spec.storageClassName`, `spec.resources.requests`, `status.phase`, `status.capacity` |
//! | Event (`v1` and `events.k8s.io/v1`) | nothing: not loaded (no deletion waits for an event; `capture` skips them too) |
//! | every other kind | metadata only |
//!
//! A rule that needs a field not in this table must add it here first: in debug builds
//! (every test run) [`preflight_model::Object::value_at`] refuses to read a path the
//! loader dropped, so a rule cannot silently read nothing.

use std::fmt;

use preflight_model::{split_api_version, KeptPaths, PathFilter};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Number, Value};

use crate::reader::{plain_run, skip_whitespace};

/// kubectl's copy of the applied object, values and all.
pub(crate) const LAST_APPLIED_ANNOTATION: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// What to keep of a value.
#[derive(Debug)]
pub(crate) enum Keep {
    /// The whole value.
    All,
    /// Of a mapping, these fields; of a list, these fields of each element. A scalar is
    /// kept as it is (it is what the rules would have seen).
    Fields(&'static [(&'static str, Keep)]),
    /// A whole document but `metadata.managedFields` and the last-applied annotation.
    Document,
    /// An Application: as [`Keep::Document`], but of its `status` only `resources` (what
    /// Argo CD last saw it manage); the sync history and operation state are most of a
    /// live Application's bytes and no rule reads them.
    Application,
    /// The metadata every kind keeps (see the module docs).
    Metadata,
    /// All of `metadata` but `managedFields` and the last-applied annotation.
    WholeMetadata,
    /// The annotations rules read: `argocd.argoproj.io/*` and `helm.sh/resource-policy`.
    ToolAnnotations,
    /// Every annotation but the last-applied copy.
    AnnotationsButLastApplied,
    /// Nothing: the document is not loaded at all.
    Nothing,
}

/// A readable way to write a [`Keep::Fields`] tree: `keep!({ spec: { nodeName } })`.
macro_rules! keep {
    ({ $($field:ident $(: $sub:tt)?),* $(,)? }) => {
        Keep::Fields(&[ $( (stringify!($field), keep!(@ $($sub)?)) ),* ])
    };
    (@) => { Keep::All };
    (@ $sub:tt) => { keep!($sub) };
}

const METADATA_FIELDS: &[&str] = &[
    "creationTimestamp",
    "deletionGracePeriodSeconds",
    "deletionTimestamp",
    "finalizers",
    "generateName",
    "name",
    "namespace",
    "ownerReferences",
    "uid",
];

/// A document of a kind with no entry: identity and metadata.
const METADATA_ONLY: Keep = Keep::Fields(&[]);

const APPLICATION_STATUS: Keep = keep!({ resources });
const NAMESPACE: Keep = keep!({ spec: { finalizers }, status });
const NODE: Keep = keep!({ spec: { taints, unschedulable }, status: { conditions } });
const POD: Keep = keep!({
    spec: { nodeName, serviceAccountName, volumes: { name, persistentVolumeClaim } },
    status: { phase, conditions },
});
const SERVICE: Keep = keep!({ spec: { type, selector, ports, externalName } });
const ENDPOINTS: Keep = keep!({ subsets });
const ENDPOINT_SLICE: Keep = keep!({ addressType, endpoints, ports });
const API_SERVICE: Keep = keep!({ spec: { group, version, service }, status });
const CRD: Keep = keep!({
    spec: {
        group,
        names,
        scope,
        versions: { name, served, storage },
        conversion: { strategy, webhook: { clientConfig: { service, url } } },
    },
    status: { storedVersions },
});
const WEBHOOK_CONFIGURATION: Keep = keep!({
    webhooks: {
        name,
        clientConfig: { service, url },
        rules,
        failurePolicy,
        matchPolicy,
        namespaceSelector,
        objectSelector,
        timeoutSeconds,
    },
});
const ROLE: Keep = keep!({ rules, aggregationRule });
const ROLE_BINDING: Keep = keep!({ roleRef, subjects });
const WORKLOAD: Keep = keep!({
    spec: {
        replicas,
        selector,
        serviceName,
        template: { metadata: { labels }, spec: { serviceAccountName, serviceAccount } },
        persistentVolumeClaimRetentionPolicy,
        volumeClaimTemplates: { metadata: { name } },
    },
    status: { replicas, readyReplicas, availableReplicas },
});
const PERSISTENT_VOLUME: Keep = keep!({
    spec: { claimRef, persistentVolumeReclaimPolicy, storageClassName, capacity, csi: { driver } },
    status: { phase },
});
const PERSISTENT_VOLUME_CLAIM: Keep = keep!({
    spec: { volumeName, storageClassName, resources: { requests } },
    status: { phase, capacity },
});

/// What is kept of a document of `api_version` and `kind`, in the Argo CD cluster or
/// another one. The returned tree describes the fields beside `apiVersion`, `kind` and
/// `metadata` (see [`Keep::child`] for the top level).
pub(crate) fn keep_for(api_version: &str, kind: &str, argocd_cluster: bool) -> &'static Keep {
    let group = split_api_version(api_version).0;
    match (group, kind) {
        // Events record what happened; no deletion waits for one and none is needed to
        // tell what a deletion does (`capture` does not record them either). They are
        // half the objects of a busy cluster.
        ("" | "events.k8s.io", "Event") => &Keep::Nothing,
        ("argoproj.io", "Application") => &Keep::Application,
        ("argoproj.io", _) => &Keep::Document,
        ("", "Secret" | "ConfigMap") if argocd_cluster => &Keep::Document,
        ("", "Namespace") => &NAMESPACE,
        ("", "Node") => &NODE,
        ("", "Pod") => &POD,
        ("", "Service") => &SERVICE,
        ("", "Endpoints") => &ENDPOINTS,
        ("discovery.k8s.io", "EndpointSlice") => &ENDPOINT_SLICE,
        ("apiregistration.k8s.io", "APIService") => &API_SERVICE,
        ("apiextensions.k8s.io", "CustomResourceDefinition") => &CRD,
        (
            "admissionregistration.k8s.io",
            "ValidatingWebhookConfiguration" | "MutatingWebhookConfiguration",
        ) => &WEBHOOK_CONFIGURATION,
        ("rbac.authorization.k8s.io", "ClusterRole" | "Role") => &ROLE,
        ("rbac.authorization.k8s.io", "ClusterRoleBinding" | "RoleBinding") => &ROLE_BINDING,
        ("apps", "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet") => &WORKLOAD,
        ("", "PersistentVolume") => &PERSISTENT_VOLUME,
        ("", "PersistentVolumeClaim") => &PERSISTENT_VOLUME_CLAIM,
        // The clusterDecisionResource generator reads custom resources of the Argo CD
        // cluster by a status key the user names.
        _ if argocd_cluster => &Keep::Document,
        _ => &METADATA_ONLY,
    }
}

impl Keep {
    /// What to keep of field `key` of a mapping kept by `self`; `None` drops the field.
    /// A document-level tree (from [`keep_for`]) also keeps identity and metadata.
    pub(crate) fn child(&self, key: &str, top_level: bool) -> Option<&Keep> {
        if top_level {
            match key {
                "apiVersion" | "kind" => return Some(&Keep::All),
                "metadata" => {
                    return Some(match self {
                        Keep::Document | Keep::Application => &Keep::WholeMetadata,
                        _ => &Keep::Metadata,
                    })
                }
                "status" if matches!(self, Keep::Application) => return Some(&APPLICATION_STATUS),
                _ => {}
            }
        }
        match self {
            Keep::All | Keep::Document | Keep::Application => Some(&Keep::All),
            Keep::Fields(fields) => fields
                .iter()
                .find(|(name, _)| *name == key)
                .map(|(_, keep)| keep),
            Keep::Metadata => match key {
                "labels" => Some(&Keep::All),
                "annotations" => Some(&Keep::ToolAnnotations),
                _ if METADATA_FIELDS.contains(&key) => Some(&Keep::All),
                _ => None,
            },
            Keep::WholeMetadata => match key {
                "managedFields" => None,
                "annotations" => Some(&Keep::AnnotationsButLastApplied),
                _ => Some(&Keep::All),
            },
            Keep::ToolAnnotations => (key.starts_with("argocd.argoproj.io/")
                || key == "helm.sh/resource-policy")
                .then_some(&Keep::All),
            Keep::AnnotationsButLastApplied => {
                (key != LAST_APPLIED_ANNOTATION).then_some(&Keep::All)
            }
            Keep::Nothing => None,
        }
    }

    /// Whether a rule may read `path` (below the document root) of a document kept with
    /// `self`: every step is kept, or the path runs into a kept whole value.
    pub(crate) fn keeps_path(&self, path: &[&str]) -> bool {
        let mut keep: &Keep = self;
        for (depth, segment) in path.iter().enumerate() {
            if matches!(keep, Keep::All) {
                return true;
            }
            match keep.child(segment, depth == 0) {
                Some(next) => keep = next,
                None => return false,
            }
        }
        true
    }
}

impl PathFilter for Keep {
    fn keeps(&self, path: &[&str]) -> bool {
        self.keeps_path(path)
    }
}

/// The [`KeptPaths`] of a slim document, for the model's debug check.
impl Keep {
    /// Whether documents kept with `self` are not loaded at all.
    pub(crate) fn skips_document(&self) -> bool {
        matches!(self, Keep::Nothing)
    }

    /// Whether documents kept with `self` become slim objects, whose fields beside the
    /// metadata are kept as text (see [`Write`]); the others are whole documents.
    pub(crate) fn is_slim(&self) -> bool {
        !matches!(self, Keep::Document | Keep::Application | Keep::Nothing)
    }
}

pub(crate) fn kept_paths(keep: &'static Keep) -> Option<KeptPaths> {
    match keep {
        Keep::Document | Keep::Application => None,
        _ => Some(KeptPaths::new(keep)),
    }
}

/// Prunes a parsed document with the table: the slow path's equivalent of [`Slim`].
pub(crate) fn prune_document(value: Value, keep: &'static Keep) -> Value {
    prune(value, keep, true)
}

fn prune(value: Value, keep: &'static Keep, top_level: bool) -> Value {
    if matches!(keep, Keep::All) {
        return value;
    }
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter_map(|(key, value)| {
                    let child = keep.child(&key, top_level)?;
                    Some((key, prune(value, child, false)))
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|item| prune(item, keep, false))
                .collect(),
        ),
        scalar => scalar,
    }
}

/// Deserializes a document straight into its slim form.
pub(crate) struct Slim {
    pub keep: &'static Keep,
    pub top_level: bool,
}

impl<'de> DeserializeSeed<'de> for Slim {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        if matches!(self.keep, Keep::All) {
            return Value::deserialize(deserializer);
        }
        deserializer.deserialize_any(self)
    }
}

/// A map key, borrowed from the input when it has no escapes.
pub(crate) enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Key<'_> {
    pub(crate) fn as_str(&self) -> &str {
        match self {
            Key::Borrowed(key) => key,
            Key::Owned(key) => key,
        }
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E>(self, key: &'de str) -> Result<Key<'de>, E> {
                Ok(Key::Borrowed(key))
            }
            fn visit_str<E>(self, key: &str) -> Result<Key<'de>, E> {
                Ok(Key::Owned(key.to_string()))
            }
            fn visit_string<E>(self, key: String) -> Result<Key<'de>, E> {
                Ok(Key::Owned(key))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

impl<'de> Visitor<'de> for Slim {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(key) = access.next_key::<Key<'de>>()? {
            match self.keep.child(key.as_str(), self.top_level) {
                Some(child) => {
                    let value = access.next_value_seed(Slim {
                        keep: child,
                        top_level: false,
                    })?;
                    let key = match key {
                        Key::Borrowed(key) => key.to_string(),
                        Key::Owned(key) => key,
                    };
                    map.insert(key, value);
                }
                None => {
                    access.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Value::Object(map))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(access.size_hint().unwrap_or(0).min(1024));
        while let Some(item) = access.next_element_seed(Slim {
            keep: self.keep,
            top_level: false,
        })? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Value, E> {
        Ok(Number::from_f64(value).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_string()))
    }

    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        de::Deserializer::deserialize_any(deserializer, self)
    }
}

/// Writes what `keep` keeps of a value as compact JSON to `out`, without building it:
/// the form slim objects keep their fields in (see `preflight_model::Object`).
pub(crate) struct Write<'o> {
    pub keep: &'static Keep,
    pub out: &'o mut Vec<u8>,
}

/// Writes a scalar or a key as JSON; writing to memory cannot fail.
fn write_json<T: serde::Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    let _ = serde_json::to_writer(out, value);
}

/// Writes the next value of `access` as `keep` says: a value kept whole is copied from
/// the input text as it is (without the whitespace between tokens) instead of being
/// written again token by token.
pub(crate) fn write_value<'de, A: MapAccess<'de>>(
    access: &mut A,
    keep: &'static Keep,
    out: &mut Vec<u8>,
) -> Result<(), A::Error> {
    if matches!(keep, Keep::All) {
        let raw = access.next_value::<&'de RawValue>()?;
        if copy_raw(raw.get(), out) {
            return Ok(());
        }
        // An escape in a string: parsed and written again, which checks it (the copy
        // would carry a lone surrogate that the body's later parse rejects).
        let mut deserializer = serde_json::Deserializer::from_str(raw.get());
        return Write { keep, out }
            .deserialize(&mut deserializer)
            .map_err(de::Error::custom);
    }
    access.next_value_seed(Write { keep, out })
}

/// How deep a value copied whole may nest; a deeper one is written token by token, so
/// that the parser's nesting limit (which skipping does not apply) judges it as on every
/// other path.
const MAX_COPIED_DEPTH: usize = 32;

/// Appends the JSON text `raw` (one value, as serde_json checked it) to `out` without
/// its insignificant whitespace; `false`, appending nothing, when a string in it has an
/// escape or it nests deeper than [`MAX_COPIED_DEPTH`].
pub(crate) fn copy_raw(raw: &str, out: &mut Vec<u8>) -> bool {
    let bytes = raw.as_bytes();
    let start = out.len();
    out.reserve(bytes.len());
    let mut depth = 0usize;
    let mut at = 0;
    while let Some(&byte) = bytes.get(at) {
        match byte {
            b'"' => {
                // A string without escapes ends at the next quote.
                let end = plain_run(bytes, at + 1);
                if bytes.get(end) != Some(&b'"') {
                    out.truncate(start);
                    return false;
                }
                out.extend_from_slice(&bytes[at..=end]);
                at = end + 1;
                continue;
            }
            b' ' | b'\n' | b'\r' | b'\t' => {
                at = skip_whitespace(bytes, at);
                continue;
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_COPIED_DEPTH {
                    out.truncate(start);
                    return false;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        out.push(byte);
        at += 1;
    }
    true
}

impl<'de> DeserializeSeed<'de> for Write<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Write<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<(), A::Error> {
        self.out.push(b'{');
        let mut first = true;
        while let Some(key) = access.next_key::<Key<'de>>()? {
            match self.keep.child(key.as_str(), false) {
                Some(child) => {
                    if !first {
                        self.out.push(b',');
                    }
                    first = false;
                    write_json(self.out, key.as_str());
                    self.out.push(b':');
                    write_value(&mut access, child, self.out)?;
                }
                None => {
                    access.next_value::<IgnoredAny>()?;
                }
            }
        }
        self.out.push(b'}');
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut access: A) -> Result<(), A::Error> {
        self.out.push(b'[');
        let mut first = true;
        loop {
            let mark = self.out.len();
            if !first {
                self.out.push(b',');
            }
            let seed = Write {
                keep: self.keep,
                out: &mut *self.out,
            };
            if access.next_element_seed(seed)?.is_none() {
                self.out.truncate(mark);
                break;
            }
            first = false;
        }
        self.out.push(b']');
        Ok(())
    }

    fn visit_bool<E>(self, value: bool) -> Result<(), E> {
        write_json(self.out, &value);
        Ok(())
    }

    fn visit_i64<E>(self, value: i64) -> Result<(), E> {
        write_json(self.out, &value);
        Ok(())
    }

    fn visit_u64<E>(self, value: u64) -> Result<(), E> {
        write_json(self.out, &value);
        Ok(())
    }

    fn visit_f64<E>(self, value: f64) -> Result<(), E> {
        write_json(
            self.out,
            &Number::from_f64(value).map_or(Value::Null, Value::Number),
        );
        Ok(())
    }

    fn visit_str<E>(self, value: &str) -> Result<(), E> {
        write_json(self.out, value);
        Ok(())
    }

    fn visit_none<E>(self) -> Result<(), E> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }

    fn visit_some<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        de::Deserializer::deserialize_any(deserializer, self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_value_kept_whole_is_copied_compact_or_left_to_the_writer() {
        let copy = |raw: &str| {
            let mut out = b"x".to_vec();
            copy_raw(raw, &mut out).then(|| String::from_utf8(out).unwrap())
        };
        assert_eq!(
            copy("{\n    \"a b\": [1, 2.5e3],\n    \"c\": \" {x} \"\n}").as_deref(),
            Some("x{\"a b\":[1,2.5e3],\"c\":\" {x} \"}")
        );
        assert_eq!(copy("true").as_deref(), Some("xtrue"));
        // Spaces inside strings are kept, runs of them and long strings included.
        assert_eq!(
            copy("[\n                \"a         long string, with spaces\" ,  -1 ]").as_deref(),
            Some("x[\"a         long string, with spaces\",-1]")
        );
        // An escape late in a long string.
        assert_eq!(copy(r#"["a long string before its \"escape\""]"#), None);
        // An escape, or nesting past the limit: nothing copied, the writer decides.
        assert_eq!(copy(r#"{"a": "\ud800"}"#), None);
        let deep = format!(
            "{}1{}",
            "[".repeat(MAX_COPIED_DEPTH + 1),
            "]".repeat(MAX_COPIED_DEPTH + 1)
        );
        assert_eq!(copy(&deep), None);
        let shallow = format!(
            "{}1{}",
            "[".repeat(MAX_COPIED_DEPTH),
            "]".repeat(MAX_COPIED_DEPTH)
        );
        assert_eq!(copy(&shallow), Some(format!("x{shallow}")));
    }

    fn slim_parse(text: &str, keep: &'static Keep) -> Value {
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let value = Slim {
            keep,
            top_level: true,
        }
        .deserialize(&mut deserializer)
        .unwrap();
        deserializer.end().unwrap();
        value
    }

    #[track_caller]
    fn check(document: Value, argocd_cluster: bool, expected: Value) {
        let keep = keep_for(
            document["apiVersion"].as_str().unwrap(),
            document["kind"].as_str().unwrap(),
            argocd_cluster,
        );
        let slim = slim_parse(&document.to_string(), keep);
        assert_eq!(slim, expected, "parsed slim");
        // Written as text, the same value.
        let pretty = serde_json::to_string_pretty(&document).unwrap();
        let mut out = Vec::new();
        let mut deserializer = serde_json::Deserializer::from_str(&pretty);
        Write {
            keep: &Keep::All,
            out: &mut out,
        }
        .deserialize(&mut deserializer)
        .unwrap();
        let written: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(written, document, "written whole");
        assert!(!out.contains(&b'\n'), "compact");
        assert_eq!(prune_document(document, keep), expected, "pruned");
    }

    fn managed() -> Value {
        json!([{"manager": "kubectl", "fieldsV1": {"f:spec": {}}}])
    }

    #[test]
    fn pods_keep_node_volumes_and_phase_only() {
        check(
            json!({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {
                    "name": "p", "namespace": "ns", "uid": "u", "resourceVersion": "7",
                    "labels": {"app": "x"}, "managedFields": managed(),
                    "annotations": {
                        "kubectl.kubernetes.io/last-applied-configuration": "{}",
                        "argocd.argoproj.io/tracking-id": "app:/Pod:ns/p",
                        "other": "dropped"
                    },
                    "finalizers": ["f"],
                    "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "r", "uid": "ru"}]
                },
                "spec": {
                    "nodeName": "n1",
                    "containers": [{"name": "c", "image": "i", "env": [{"name": "A", "value": "B"}]}],
                    "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "c"}},
                                {"name": "token", "projected": {"sources": []}}]
                },
                "status": {"phase": "Running", "podIP": "10.0.0.1", "conditions": [{"type": "Ready", "status": "True"}]}
            }),
            false,
            json!({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {
                    "name": "p", "namespace": "ns", "uid": "u", "labels": {"app": "x"},
                    "annotations": {"argocd.argoproj.io/tracking-id": "app:/Pod:ns/p"},
                    "finalizers": ["f"],
                    "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "r", "uid": "ru"}]
                },
                "spec": {
                    "nodeName": "n1",
                    "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "c"}}, {"name": "token"}]
                },
                "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}
            }),
        );
    }

    #[test]
    fn config_map_data_is_dropped_outside_the_argocd_cluster() {
        let config_map = json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "data": {"big": "x"},
            "metadata": {"name": "argocd-cm", "namespace": "argocd", "managedFields": managed(),
                         "annotations": {"a": "b"}}
        });
        check(
            config_map.clone(),
            false,
            json!({"apiVersion": "v1", "kind": "ConfigMap",
                   "metadata": {"name": "argocd-cm", "namespace": "argocd", "annotations": {}}}),
        );
        check(
            config_map,
            true,
            json!({
                "apiVersion": "v1", "kind": "ConfigMap", "data": {"big": "x"},
                "metadata": {"name": "argocd-cm", "namespace": "argocd", "annotations": {"a": "b"}}
            }),
        );
    }

    #[test]
    fn argo_cd_objects_are_whole_but_managed_fields() {
        check(
            json!({
                "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
                "metadata": {"name": "a", "managedFields": managed(),
                             "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}", "x": "y"}},
                "spec": {"project": "default", "destination": {"server": "s"}},
                "status": {"resources": [{"kind": "Namespace", "name": "n"}],
                           "history": [{"id": 1, "revision": "abc"}],
                           "operationState": {"phase": "Succeeded"}}
            }),
            false,
            json!({
                "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
                "metadata": {"name": "a", "annotations": {"x": "y"}},
                "spec": {"project": "default", "destination": {"server": "s"}},
                "status": {"resources": [{"kind": "Namespace", "name": "n"}]}
            }),
        );
    }

    #[test]
    fn crd_schemas_are_dropped() {
        check(
            json!({
                "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
                "metadata": {"name": "gadgets.example.com"},
                "spec": {
                    "group": "example.com", "scope": "Namespaced",
                    "names": {"kind": "Gadget", "plural": "gadgets"},
                    "versions": [{"name": "v1", "served": true, "storage": true,
                                  "schema": {"openAPIV3Schema": {"type": "object"}}}],
                    "conversion": {"strategy": "Webhook", "webhook": {
                        "clientConfig": {"service": {"name": "s", "namespace": "n"}, "caBundle": "Q0E="},
                        "conversionReviewVersions": ["v1"]}}
                },
                "status": {"storedVersions": ["v1"], "acceptedNames": {"kind": "Gadget"}}
            }),
            false,
            json!({
                "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
                "metadata": {"name": "gadgets.example.com"},
                "spec": {
                    "group": "example.com", "scope": "Namespaced",
                    "names": {"kind": "Gadget", "plural": "gadgets"},
                    "versions": [{"name": "v1", "served": true, "storage": true}],
                    "conversion": {"strategy": "Webhook", "webhook": {
                        "clientConfig": {"service": {"name": "s", "namespace": "n"}}}}
                },
                "status": {"storedVersions": ["v1"]}
            }),
        );
    }

    #[test]
    fn unknown_kinds_keep_metadata_and_mistyped_fields_stay_visible() {
        check(
            json!({"apiVersion": "example.com/v1", "kind": "Gadget",
                   "metadata": {"name": "g", "finalizers": 5}, "spec": {"size": 3}}),
            false,
            json!({"apiVersion": "example.com/v1", "kind": "Gadget",
                   "metadata": {"name": "g", "finalizers": 5}}),
        );
        // A scalar where the table expects a mapping is kept for the rules to judge.
        check(
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": "odd"}),
            false,
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": "odd"}),
        );
    }

    #[test]
    fn kept_paths_follow_the_table() {
        let pod = keep_for("v1", "Pod", false);
        assert!(pod.keeps_path(&["spec", "nodeName"]));
        assert!(pod.keeps_path(&["metadata", "ownerReferences"]));
        assert!(pod.keeps_path(&["status", "conditions"]));
        assert!(pod.keeps_path(&["spec", "volumes", "persistentVolumeClaim", "claimName"]));
        assert!(!pod.keeps_path(&["spec", "containers"]));
        assert!(!pod.keeps_path(&["metadata", "managedFields"]));
        assert!(!pod.keeps_path(&["metadata", "annotations", "other"]));
        assert!(pod.keeps_path(&["metadata", "annotations", "argocd.argoproj.io/sync-wave"]));
        let application = keep_for("argoproj.io/v1alpha1", "Application", false);
        assert!(application.keeps_path(&["spec", "anything", "at", "all"]));
        assert!(!application.keeps_path(&["metadata", "managedFields"]));
        assert!(application.keeps_path(&["status", "resources"]));
        assert!(!application.keeps_path(&["status", "history"]));
        let application_set = keep_for("argoproj.io/v1alpha1", "ApplicationSet", false);
        assert!(application_set.keeps_path(&["status", "conditions"]));
    }
}
