//! One pass over a JSON file: documents and `List` items straight into their slim form.
//!
//! The split path ([`crate::scan`], then items parsed on all threads) reads every byte
//! twice: once to find the items and their kinds, once to parse them. A file that does
//! not need splitting (one thread parses it while the others parse other files) is read
//! once here instead. The kind of a document is not known until its `kind` field, which
//! Go writes after `apiVersion` and before `metadata`, `spec` and `status` (it sorts the
//! keys of unstructured objects); the few fields that come before it (`data` of a
//! ConfigMap) are held as borrowed raw text and parsed once the kind is known. The
//! `items` of a top-level document are parsed as objects as soon as they come, before
//! the document's own `kind` (which sorts after `items`) says whether it is a `List`.
//!
//! Anything unusual — a syntax error, a duplicate `apiVersion` or `kind`, a mistyped one,
//! a document with `items` that turns out not to be a list — gives `None`, and the caller
//! parses the file whole, which reports errors precisely and judges odd shapes.

use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use preflight_model::{KeptPaths, SlimParts};

use crate::load::{finished_object, SnapshotFile};
use crate::manifests::SourcedObject;
use crate::meta::MetaSeed;
use crate::reader::{Reader, Refused};
use crate::slim::{copy_raw, kept_paths, write_value, Keep, Key, Slim, Write};

/// The slim objects of the JSON `text` of `file`, or `None` when the file needs the
/// whole-file parser. The fast reader reads the text; serde_json reads it again when the
/// reader refuses it.
pub(crate) fn parse_file(file: &SnapshotFile, text: &str) -> Option<Vec<SourcedObject>> {
    match documents(file, &mut Reader::new(text), Reader::end) {
        Ok(objects) => objects,
        Err(Refused) => documents(
            file,
            &mut serde_json::Deserializer::from_str(text),
            |deserializer| deserializer.end().is_ok(),
        )
        .ok()
        .flatten(),
    }
}

/// The slim objects of the documents `deserializer` reads until `end` says the text is
/// over. `Err` when the deserializer fails, `Ok(None)` when a document needs the
/// whole-file parser.
fn documents<'de, D>(
    file: &SnapshotFile,
    deserializer: &mut D,
    end: impl Fn(&mut D) -> bool,
) -> Result<Option<Vec<SourcedObject>>, Refused>
where
    for<'a> &'a mut D: de::Deserializer<'de>,
{
    let mut objects = Vec::new();
    let mut document = 0;
    while !end(deserializer) {
        document += 1;
        let parsed = Item {
            file,
            top_level: true,
        }
        .deserialize(&mut *deserializer)
        .map_err(|_| Refused)?;
        let Some(fields) = parsed else {
            continue;
        };
        if collect(file, document, fields, &mut objects).is_none() {
            return Ok(None);
        }
    }
    Ok(Some(objects))
}

/// What one mapping of the file held, as far as it was parsed.
#[derive(Default)]
pub(crate) struct Fields<'de> {
    api_version: Option<Value>,
    kind: Option<Value>,
    /// What is kept of the document, known once `apiVersion` and `kind` are.
    keep: Option<&'static Keep>,
    /// The fields parsed with `keep`: all of a whole document, the metadata of a slim one.
    kept: Map<String, Value>,
    /// The other fields of a slim document, written as `"key":value` entries separated
    /// by commas.
    body: Vec<u8>,
    /// The fields that came before `keep` was known.
    pending: Vec<(String, &'de RawValue)>,
    /// A top-level `items` array, parsed as objects (`None` for a `null` element).
    pub(crate) items: Option<Vec<Option<Fields<'de>>>>,
    /// The metadata of a slim document, read typed when it came after `apiVersion` and
    /// `kind` (see [`crate::meta`]).
    meta: Option<SlimParts>,
}

impl Fields<'_> {
    fn kind_str(&self) -> Option<&str> {
        self.kind.as_ref().and_then(Value::as_str)
    }

    /// Whether the document's own `apiVersion` and `kind` say what is kept of it, so
    /// that [`finish`] needs no list defaults.
    pub(crate) fn knows_kind(&self) -> bool {
        self.keep.is_some()
    }
}

/// Turns one top-level document into objects: the items of a list, or the document.
fn collect(
    file: &SnapshotFile,
    document: usize,
    mut fields: Fields<'_>,
    objects: &mut Vec<SourcedObject>,
) -> Option<()> {
    let Some(items) = fields.items.take() else {
        if let Some(finished) = finish(file, fields, None)? {
            objects.extend(finished_object(file, finished, document, None).ok()?);
        }
        return Some(());
    };
    let defaults = list_defaults(&fields)?;
    objects.reserve(items.len());
    for (index, item) in items.into_iter().enumerate() {
        let Some(item) = item else {
            continue;
        };
        if let Some(finished) = finish(file, item, defaults.as_ref())? {
            objects.extend(finished_object(file, finished, document, Some(index + 1)).ok()?);
        }
    }
    Some(())
}

/// What the items of a document with `items` take from it: `None` when it is not a list
/// this parser reads (only a `List`, or a typed list such as `PodList` without a name;
/// a custom resource whose kind ends in `List` is for the whole-file parser), else the
/// `apiVersion` and kind a typed list's items leave out, as the API server writes them.
pub(crate) fn list_defaults(fields: &Fields<'_>) -> Option<Option<(Option<Value>, String)>> {
    let kind = fields.kind_str()?;
    if !kind.ends_with("List") || (kind != "List" && is_named(fields)?) {
        return None;
    }
    Some(
        kind.strip_suffix("List")
            .filter(|kind| !kind.is_empty())
            .map(|kind| (fields.api_version.clone(), kind.to_string())),
    )
}

/// Whether a document's `metadata.name` is a non-empty string; `None` when the metadata
/// cannot be judged here.
fn is_named(fields: &Fields<'_>) -> Option<bool> {
    let metadata = match fields.kept.get("metadata") {
        Some(metadata) => metadata.clone(),
        None => match fields
            .pending
            .iter()
            .rev()
            .find(|(key, _)| key == "metadata")
        {
            Some((_, raw)) => serde_json::from_str(raw.get()).ok()?,
            None => Value::Null,
        },
    };
    Some(
        metadata
            .get("name")
            .and_then(Value::as_str)
            .is_some_and(|name| !name.is_empty()),
    )
}

/// What [`finish`] makes of a document.
pub(crate) enum Finished {
    /// Its identity and metadata as JSON (all of a whole document), and for a slim
    /// document the text of its other fields.
    Json(Value, Option<String>),
    /// A slim document whose metadata was read typed (identity included), the text of
    /// its other fields, and what its kind keeps.
    Typed(SlimParts, String, KeptPaths),
}

/// The slim document of `fields`: pending fields parsed now that the kind is known.
/// `Some(None)` for a kind the loader does not load; `None` when the document needs the
/// whole-document parser.
pub(crate) fn finish(
    file: &SnapshotFile,
    mut fields: Fields<'_>,
    defaults: Option<&(Option<Value>, String)>,
) -> Option<Option<Finished>> {
    if let Some((api_version, kind)) = defaults {
        if fields.kind.is_none() {
            fields.kind = Some(Value::String(kind.clone()));
        }
        if fields.api_version.is_none() {
            fields.api_version = api_version.clone();
        }
    }
    let keep = match fields.keep {
        Some(keep) => keep,
        None => file.keep(fields.api_version.as_ref()?.as_str()?, fields.kind_str()?),
    };
    if keep.skips_document() {
        return Some(None);
    }
    // Metadata read typed, and again before the kind: for the whole-file parser.
    if fields.meta.is_some() && fields.pending.iter().any(|(key, _)| key == "metadata") {
        return None;
    }
    let slim = keep.is_slim();
    let mut map = fields.kept;
    // The pending fields came first: written first, so that of duplicate keys the last
    // wins, as in the whole-file parse.
    let mut body = Vec::new();
    if slim {
        body.push(b'{');
    }
    for (key, raw) in fields.pending {
        let Some(child) = keep.child(&key, true).filter(|_| !map.contains_key(&key)) else {
            continue;
        };
        let mut deserializer = serde_json::Deserializer::from_str(raw.get());
        if slim && !is_identity(&key) {
            if body.len() > 1 {
                body.push(b',');
            }
            let _ = serde_json::to_writer(&mut body, &key);
            body.push(b':');
            if !(matches!(child, Keep::All) && copy_raw(raw.get(), &mut body)) {
                Write {
                    keep: child,
                    out: &mut body,
                }
                .deserialize(&mut deserializer)
                .ok()?;
            }
        } else {
            let value = Slim {
                keep: child,
                top_level: false,
            }
            .deserialize(&mut deserializer)
            .ok()?;
            map.insert(key, value);
        }
    }
    let body = if slim {
        if !fields.body.is_empty() {
            if body.len() > 1 {
                body.push(b',');
            }
            body.extend_from_slice(&fields.body);
        }
        body.push(b'}');
        Some(String::from_utf8(body).ok()?)
    } else {
        None
    };
    if let Some(mut parts) = fields.meta {
        let (Some(Value::String(api_version)), Some(Value::String(kind))) =
            (fields.api_version, fields.kind)
        else {
            return None;
        };
        parts.api_version = api_version.into_boxed_str();
        parts.kind = kind.into_boxed_str();
        return Some(Some(Finished::Typed(
            parts,
            body.unwrap_or_default(),
            kept_paths(keep)?,
        )));
    }
    map.insert("apiVersion".to_string(), fields.api_version?);
    map.insert("kind".to_string(), fields.kind?);
    Some(Some(Finished::Json(Value::Object(map), body)))
}

/// The fields every document keeps as they are: identity and metadata.
fn is_identity(key: &str) -> bool {
    matches!(key, "apiVersion" | "kind" | "metadata")
}

/// A document of the file (`top_level`) or an element of a top-level `items` array
/// (also one unit of a split file): a mapping, or `null` (skipped).
pub(crate) struct Item<'f> {
    pub file: &'f SnapshotFile,
    /// Whether an `items` array in it may make it a `List`.
    pub top_level: bool,
}

impl<'de> DeserializeSeed<'de> for Item<'_> {
    type Value = Option<Fields<'de>>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Item<'_> {
    type Value = Option<Fields<'de>>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a mapping or null")
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_map<A: MapAccess<'de>>(self, access: A) -> Result<Self::Value, A::Error> {
        read_mapping(access, self.file, self.top_level).map(Some)
    }
}

/// A top-level `items` array of mappings.
struct Items<'f> {
    file: &'f SnapshotFile,
}

impl<'de> DeserializeSeed<'de> for Items<'_> {
    type Value = Vec<Option<Fields<'de>>>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Items<'_> {
    type Value = Vec<Option<Fields<'de>>>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(access.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = access.next_element_seed(Item {
            file: self.file,
            top_level: false,
        })? {
            items.push(item);
        }
        Ok(items)
    }
}

/// Reads a document's mapping, parsing each field with the kind's table once `apiVersion`
/// and `kind` are known and holding the earlier ones as raw text.
fn read_mapping<'de, A: MapAccess<'de>>(
    mut access: A,
    file: &SnapshotFile,
    top_level: bool,
) -> Result<Fields<'de>, A::Error> {
    let mut fields = Fields::default();
    while let Some(key) = access.next_key::<Key<'de>>()? {
        let key = key.as_str();
        match key {
            "apiVersion" | "kind" => {
                let slot = if key == "kind" {
                    &mut fields.kind
                } else {
                    &mut fields.api_version
                };
                if slot.is_some() {
                    return Err(de::Error::custom("duplicate apiVersion or kind"));
                }
                *slot = Some(access.next_value::<Value>()?);
                if let (Some(Value::String(api_version)), Some(Value::String(kind))) =
                    (&fields.api_version, &fields.kind)
                {
                    fields.keep = Some(file.keep(api_version, kind));
                }
                continue;
            }
            "items"
                if top_level
                    && fields.items.is_none()
                    && fields.kind_str().is_none_or(|kind| kind.ends_with("List")) =>
            {
                fields.items = Some(access.next_value_seed(Items { file })?);
                continue;
            }
            _ => {}
        }
        // Typed metadata for the items of a list (a top-level document may be a list,
        // whose own metadata has no name).
        if let Some(keep) = fields.keep.filter(|_| !top_level) {
            if key == "metadata" && matches!(keep.child(key, true), Some(Keep::Metadata)) {
                if fields.meta.is_some() || fields.kept.contains_key(key) {
                    return Err(de::Error::custom("duplicate metadata"));
                }
                fields.meta = Some(access.next_value_seed(MetaSeed)?);
                continue;
            }
        }
        match fields.keep {
            Some(keep) => match keep.child(key, true) {
                Some(child) if keep.is_slim() && !is_identity(key) => {
                    if !fields.body.is_empty() {
                        fields.body.push(b',');
                    }
                    let _ = serde_json::to_writer(&mut fields.body, key);
                    fields.body.push(b':');
                    write_value(&mut access, child, &mut fields.body)?;
                }
                Some(child) => {
                    let value = access.next_value_seed(Slim {
                        keep: child,
                        top_level: false,
                    })?;
                    fields.kept.insert(key.to_string(), value);
                }
                None => {
                    access.next_value::<IgnoredAny>()?;
                }
            },
            None => {
                let raw = access.next_value::<&'de RawValue>()?;
                fields.pending.push((key.to_string(), raw));
            }
        }
    }
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::whole_object;
    use crate::parse::parse_located;

    fn file(argocd_cluster: bool) -> SnapshotFile {
        SnapshotFile::for_tests("cluster/objects.json", argocd_cluster)
    }

    /// The one-pass parse gives what the whole-file parse and the table give, read by the
    /// fast reader and by serde_json alike.
    #[track_caller]
    fn same_as_whole(text: &str, argocd_cluster: bool) -> Vec<SourcedObject> {
        let file = file(argocd_cluster);
        let fast = documents(&file, &mut Reader::new(text), Reader::end)
            .expect("the fast reader reads it")
            .expect("parsed in one pass");
        let by_serde_json = documents(
            &file,
            &mut serde_json::Deserializer::from_str(text),
            |deserializer| deserializer.end().is_ok(),
        )
        .unwrap()
        .unwrap();
        assert_eq!(fast, by_serde_json);
        let whole: Vec<SourcedObject> = parse_located(&file.path, text)
            .unwrap()
            .into_iter()
            .filter_map(|parsed| {
                whole_object(&file, parsed.value, parsed.document, parsed.item).unwrap()
            })
            .collect();
        assert_eq!(fast.len(), whole.len());
        for (fast, whole) in fast.iter().zip(&whole) {
            assert_eq!(fast.object.to_value(), whole.object.to_value());
            assert_eq!((fast.document, fast.item), (whole.document, whole.item));
        }
        fast
    }

    /// Every object of every scenario snapshot of the repository, written as kubectl
    /// writes a list (four-space indent) and as `capture` does (compact): the fast reader
    /// reads each file, to the same objects serde_json gives.
    #[test]
    fn the_reader_reads_every_scenario_snapshot_as_serde_json_does() {
        let scenarios =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/scenarios");
        let mut folders = Vec::new();
        for scenario in std::fs::read_dir(&scenarios).unwrap() {
            let snapshot = scenario.unwrap().path().join("snapshot");
            if snapshot.is_dir() {
                for cluster in std::fs::read_dir(&snapshot).unwrap() {
                    folders.push(cluster.unwrap().path());
                }
            }
        }
        folders.sort();
        let mut objects = 0;
        for folder in folders {
            let files =
                crate::manifests::manifest_files(&folder, crate::FileLimit::SNAPSHOT).unwrap();
            for path in files {
                let text = std::fs::read_to_string(&path).unwrap();
                let Ok(parsed) = parse_located(&path, &text) else {
                    // A scenario of a broken file: its error is the loader's tests' matter.
                    continue;
                };
                let items: Vec<Value> = parsed.into_iter().map(|d| d.value).collect();
                let list = serde_json::json!({"apiVersion": "v1", "items": items, "kind": "List", "metadata": {}});
                let mut pretty = Vec::new();
                let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
                let mut serializer = serde_json::Serializer::with_formatter(&mut pretty, formatter);
                serde::Serialize::serialize(&list, &mut serializer).unwrap();
                let pretty = String::from_utf8(pretty).unwrap();
                let compact = serde_json::to_string(&list).unwrap();
                for argocd_cluster in [false, true] {
                    let file = SnapshotFile::for_tests("cluster/objects.json", argocd_cluster);
                    for text in [&pretty, &compact] {
                        let by_reader = documents(&file, &mut Reader::new(text), Reader::end)
                            .unwrap_or_else(|_| {
                                panic!("{}: refused by the reader", path.display())
                            });
                        let by_serde_json = documents(
                            &file,
                            &mut serde_json::Deserializer::from_str(text),
                            |deserializer| deserializer.end().is_ok(),
                        )
                        .unwrap();
                        assert_eq!(by_reader, by_serde_json, "{}", path.display());
                        objects += by_reader.map_or(0, |objects| objects.len());
                    }
                }
            }
        }
        assert!(objects > 1000, "{objects} objects compared");
    }

    /// What the fast reader refuses is read by serde_json: the same objects, not an
    /// error and not the slower whole-file parser.
    #[test]
    fn a_text_the_reader_refuses_is_read_by_serde_json() {
        // Nested deeper than the reader goes, within serde_json's limit.
        let deep = format!("{}{}", "[".repeat(124), "]".repeat(124));
        let text = format!(
            r#"{{"apiVersion": "v1", "kind": "Pod", "metadata": {{"name": "p", "namespace": "n"}},
                "spec": {{"nodeName": "node-1", "unread": {deep}}}}}"#
        );
        let file = file(false);
        assert!(matches!(
            documents(&file, &mut Reader::new(&text), Reader::end),
            Err(Refused)
        ));
        let objects = parse_file(&file, &text).expect("read by serde_json");
        assert_eq!(objects.len(), 1);
        assert_eq!(
            objects[0].object.str_at(&["spec", "nodeName"]),
            Some("node-1")
        );
    }

    #[test]
    fn lists_and_documents_in_any_key_order() {
        let text = r#"{"apiVersion": "v1", "items": [
            {"data": {"k": "v"}, "kind": "ConfigMap", "apiVersion": "v1",
             "metadata": {"name": "c", "namespace": "n", "managedFields": [{"manager": "m"}]}},
            null,
            {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "n"},
             "spec": {"nodeName": "a", "containers": [{"name": "x"}]}, "status": {"phase": "Running"}}
        ], "kind": "List", "metadata": {"resourceVersion": ""}}
        null
        {"spec": {"finalizers": ["kubernetes"]}, "metadata": {"name": "ns"}, "kind": "Namespace", "apiVersion": "v1"}"#;
        let objects = same_as_whole(text, false);
        assert_eq!(objects.len(), 3);
        assert_eq!((objects[1].document, objects[1].item), (1, Some(3)));
        assert_eq!(objects[1].object.str_at(&["spec", "nodeName"]), Some("a"));
        assert_eq!((objects[2].document, objects[2].item), (3, None));
        // The Argo CD cluster keeps ConfigMap data, even when it comes before the kind.
        let objects = same_as_whole(text, true);
        assert_eq!(objects[0].object.str_at(&["data", "k"]), Some("v"));
    }

    /// One Pod with `metadata` in a List, parsed in one pass (`None`: left to the
    /// whole-file parser) and by the whole-file parser.
    #[allow(clippy::type_complexity)]
    fn both_ways(
        metadata: &str,
    ) -> (
        Option<Vec<SourcedObject>>,
        Result<Vec<SourcedObject>, String>,
    ) {
        let text = format!(
            r#"{{"apiVersion": "v1", "items": [{{"apiVersion": "v1", "kind": "Pod", "metadata": {metadata}, "spec": {{"nodeName": "a"}}}}], "kind": "List", "metadata": {{}}}}"#
        );
        let file = file(false);
        let whole = parse_located(&file.path, &text)
            .map_err(|e| e.to_string())
            .and_then(|parsed| {
                parsed
                    .into_iter()
                    .filter_map(|parsed| {
                        whole_object(&file, parsed.value, parsed.document, parsed.item)
                            .map_err(|e| e.to_string())
                            .transpose()
                    })
                    .collect()
            });
        (parse_file(&file, &text), whole)
    }

    #[test]
    fn typed_metadata_gives_what_the_json_path_gives() {
        // Taken typed, and the same object as the JSON path makes.
        for metadata in [
            r#"{"name": "p", "namespace": "n", "uid": "u1", "creationTimestamp": "2024-05-01T12:00:00Z",
                "labels": {"b": "2", "a": "1"},
                "annotations": {"argocd.argoproj.io/sync-wave": "1", "other": {"x": 1}, "helm.sh/resource-policy": "keep",
                                "kubectl.kubernetes.io/last-applied-configuration": "{}"},
                "finalizers": ["f1", "f2"],
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": "u0",
                                     "controller": true, "blockOwnerDeletion": true, "extra": 5}],
                "managedFields": [{"manager": "m"}], "resourceVersion": "12", "generation": 3,
                "deletionTimestamp": "2024-05-01T12:00:00.5+02:00", "deletionGracePeriodSeconds": 30,
                "generateName": "p-"}"#,
            r#"{"name": "p", "namespace": "", "uid": ""}"#,
            r#"{"name": "p", "ownerReferences": [{"apiVersion": "v1", "kind": "A", "name": "a", "uid": "1"},
                {"apiVersion": "v1", "kind": "B", "name": "b", "uid": "2", "controller": false}]}"#,
            // Only the core group's Event is refused as an owner.
            r#"{"name": "p", "ownerReferences": [{"apiVersion": "events.k8s.io/v1", "kind": "Event", "name": "e", "uid": "1"},
                {"apiVersion": "v1", "kind": "event", "name": "f", "uid": "2"}]}"#,
            r#"{"name": "p", "generation": "dropped unread", "annotations": {"other": 5}}"#,
            r#"{"name": "p\u0041", "labels": {"k\"ey": "v\nalue"}, "deletionGracePeriodSeconds": -1}"#,
        ] {
            let (fast, whole) = both_ways(metadata);
            let (fast, whole) = (fast.expect(metadata), whole.expect(metadata));
            assert_eq!(fast.len(), 1);
            assert_eq!(
                fast[0].object.to_value(),
                whole[0].object.to_value(),
                "{metadata}"
            );
            assert_eq!(
                fast[0].object.owner_references(),
                whole[0].object.owner_references()
            );
        }
        // Accepted by the JSON path but not read typed: left to it, or the same object.
        for metadata in [
            r#"{"name": "p", "labels": null, "namespace": null}"#,
            r#"{"name": "p", "labels": {"a": null}}"#,
            r#"{"name": "p", "ownerReferences": [{"apiVersion": "v1", "kind": "A", "name": "a", "uid": "1", "controller": null}]}"#,
            r#"{"name": "p", "name": "q"}"#,
            r#"{"name": "p", "labels": {"a": "1", "a": "2"}}"#,
            r#"{"name": "p", "annotations": {"argocd.argoproj.io/x": "1", "argocd.argoproj.io/x": "2"}}"#,
        ] {
            let (fast, whole) = both_ways(metadata);
            let whole = whole.expect(metadata);
            if let Some(fast) = fast {
                assert_eq!(
                    fast[0].object.to_value(),
                    whole[0].object.to_value(),
                    "{metadata}"
                );
            }
        }
        // Refused by the JSON path: never taken typed, so that it reports the error.
        for metadata in [
            r#"{"namespace": "n"}"#,
            r#"{"name": 5}"#,
            r#"{"name": "p", "uid": 5}"#,
            r#"{"name": "p", "generateName": 5}"#,
            r#"{"name": "p", "creationTimestamp": "yesterday"}"#,
            r#"{"name": "p", "deletionTimestamp": 5}"#,
            r#"{"name": "p", "deletionGracePeriodSeconds": 1.5}"#,
            r#"{"name": "p", "deletionGracePeriodSeconds": 18446744073709551615}"#,
            r#"{"name": "p", "labels": {"a": 1}}"#,
            r#"{"name": "p", "labels": []}"#,
            r#"{"name": "p", "annotations": {"argocd.argoproj.io/sync-wave": 1}}"#,
            r#"{"name": "p", "finalizers": ["orphan", "foregroundDeletion"]}"#,
            r#"{"name": "p", "finalizers": "x"}"#,
            r#"{"name": "p", "finalizers": [1]}"#,
            r#"{"name": "p", "ownerReferences": {}}"#,
            r#"{"name": "p", "ownerReferences": [5]}"#,
            r#"{"name": "p", "ownerReferences": [{"apiVersion": "apps/", "kind": "A", "name": "a", "uid": "1"}]}"#,
            r#"{"name": "p", "ownerReferences": [{"apiVersion": "a/b/v1", "kind": "A", "name": "a", "uid": "1"}]}"#,
            r#"{"name": "p", "ownerReferences": [{"apiVersion": "v1", "kind": "Event", "name": "e", "uid": "1"}]}"#,
            r#"{"name": "p", "ownerReferences": [{"apiVersion": "/v1", "kind": "Event", "name": "e", "uid": "1"}]}"#,
            r#"{"name": "p", "ownerReferences": [{"apiVersion": "v1", "kind": "A", "name": "a", "uid": ""}]}"#,
            r#"{"name": "p", "ownerReferences": [{"apiVersion": "v1", "kind": "A", "name": "a"}]}"#,
            r#"{"name": "p", "ownerReferences": [{"apiVersion": "v1", "kind": "A", "name": "a", "uid": "1", "controller": "yes"}]}"#,
            r#"{"name": "p", "ownerReferences": [{"apiVersion": "v1", "kind": "A", "name": "a", "uid": "1", "controller": true},
                {"apiVersion": "v1", "kind": "B", "name": "b", "uid": "2", "controller": true}]}"#,
            "[]",
            "null",
        ] {
            let (fast, whole) = both_ways(metadata);
            assert!(whole.is_err(), "{metadata}");
            assert!(fast.is_none(), "{metadata}");
        }
    }

    #[test]
    fn typed_list_items_take_the_list_kind() {
        let text = r#"{"apiVersion": "v1", "items": [
            {"metadata": {"name": "p", "namespace": "n"}, "spec": {"nodeName": "a"}}
        ], "kind": "PodList", "metadata": {}}"#;
        let objects = same_as_whole(text, false);
        assert_eq!(objects[0].object.kind(), "Pod");
        assert_eq!(objects[0].object.str_at(&["spec", "nodeName"]), Some("a"));
    }

    #[test]
    fn odd_shapes_go_to_the_whole_file_parser() {
        for text in [
            // A custom resource whose kind ends in List, with a name and items.
            r#"{"apiVersion": "example.com/v1", "items": [{"a": 1}], "kind": "ShoppingList", "metadata": {"name": "s"}}"#,
            // Duplicate and mistyped kinds.
            r#"{"apiVersion": "v1", "kind": "Pod", "kind": "Node", "metadata": {"name": "p"}}"#,
            r#"{"apiVersion": "v1", "kind": 5, "metadata": {"name": "p"}}"#,
            // Not an object, a syntax error, a missing name.
            r#"[1, 2]"#,
            r#"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}"#,
            r#"{"apiVersion": "v1", "kind": "Pod", "metadata": {}}"#,
            r#"{"apiVersion": "v1", "items": [7], "kind": "List"}"#,
        ] {
            assert!(parse_file(&file(false), text).is_none(), "{text}");
        }
    }
}
