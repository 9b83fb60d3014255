//! The metadata of a slim document read straight into its typed form.
//!
//! The general path reads `metadata` as JSON (the fields [`Keep::Metadata`] keeps),
//! judges it ([`crate::manifests::check_object`]) and then moves each field into the
//! object's typed metadata: a mapping, a string and a tree node per field, built only to
//! be taken apart. [`MetaSeed`] reads the usual metadata into [`SlimParts`] directly and
//! accepts only what that path accepts unchanged: strings where strings are expected,
//! RFC 3339 times, whole numbers, labels and kept annotations that are strings, owner
//! references that name their owner, at most one controller, not both `orphan` and
//! `foregroundDeletion`, each kept field once. Anything else — a `null`, a mistyped or
//! repeated field, an invalid reference — is refused, and the caller falls back to the
//! general path, which gives the same object or the precise error.
//!
//! [`Keep::Metadata`]: crate::slim::Keep::Metadata

use std::fmt;

use preflight_model::{OwnerReference, SlimParts};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};

use crate::manifests::{has_version, is_banned_owner, is_rfc3339, orphan_and_foreground};
use crate::slim::{Keep, Key};

/// Reads a slim document's `metadata` into [`SlimParts`] (its `apiVersion` and `kind`
/// left empty for the caller).
pub(crate) struct MetaSeed;

/// Why the metadata is left to the general path (never shown: the fallback reports).
fn unusual<E: de::Error>() -> E {
    E::custom("metadata for the general path")
}

impl<'de> DeserializeSeed<'de> for MetaSeed {
    type Value = SlimParts;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<SlimParts, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for MetaSeed {
    type Value = SlimParts;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("object metadata")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<SlimParts, A::Error> {
        let mut parts = SlimParts::default();
        let mut name = None;
        // Each kept field once: of repeated keys the general path keeps the last.
        let mut seen = 0u16;
        while let Some(key) = access.next_key::<Key<'de>>()? {
            let key = key.as_str();
            let bit = match key {
                "name" => 0,
                "generateName" => 1,
                "namespace" => 2,
                "uid" => 3,
                "creationTimestamp" => 4,
                "deletionTimestamp" => 5,
                "deletionGracePeriodSeconds" => 6,
                "labels" => 7,
                "annotations" => 8,
                "finalizers" => 9,
                "ownerReferences" => 10,
                _ => {
                    access.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            if seen & (1 << bit) != 0 {
                return Err(unusual());
            }
            seen |= 1 << bit;
            match key {
                "name" => name = Some(access.next_value::<Text>()?.0),
                "generateName" => {
                    access.next_value::<Text>()?;
                }
                "namespace" => parts.namespace = Some(access.next_value::<Text>()?.0),
                "uid" => parts.uid = Some(access.next_value::<Text>()?.0),
                "creationTimestamp" | "deletionTimestamp" => {
                    let time = access.next_value::<Text>()?.0;
                    if !is_rfc3339(&time) {
                        return Err(unusual());
                    }
                    if key == "deletionTimestamp" {
                        parts.deletion_timestamp = Some(time);
                    }
                }
                "deletionGracePeriodSeconds" => {
                    access.next_value::<WholeNumber>()?;
                }
                "labels" => parts.labels = access.next_value_seed(Pairs(&Keep::All))?,
                "annotations" => {
                    parts.annotations = access.next_value_seed(Pairs(&Keep::ToolAnnotations))?;
                }
                "finalizers" => {
                    let finalizers = access.next_value::<Vec<Text>>()?;
                    parts.finalizers = finalizers.into_iter().map(|text| text.0).collect();
                }
                _ => {
                    let references = access.next_value::<Vec<Reference>>()?;
                    parts.owner_references = references.into_iter().map(|r| r.0).collect();
                }
            }
        }
        parts.name = name.ok_or_else(unusual)?;
        if orphan_and_foreground(parts.finalizers.iter().map(|f| &**f)) {
            return Err(unusual());
        }
        if parts
            .owner_references
            .iter()
            .filter(|r| r.controller)
            .count()
            > 1
        {
            return Err(unusual());
        }
        Ok(parts)
    }
}

/// A JSON string, and nothing else.
struct Text(Box<str>);

impl<'de> serde::Deserialize<'de> for Text {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Text, D::Error> {
        struct TextVisitor;
        impl Visitor<'_> for TextVisitor {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Text, E> {
                Ok(Text(text.into()))
            }
            fn visit_string<E: de::Error>(self, text: String) -> Result<Text, E> {
                Ok(Text(text.into_boxed_str()))
            }
        }
        deserializer.deserialize_str(TextVisitor)
    }
}

/// A JSON number that is an `int64`, as `metav1.ObjectMeta` decodes one.
struct WholeNumber;

impl<'de> serde::Deserialize<'de> for WholeNumber {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<WholeNumber, D::Error> {
        struct NumberVisitor;
        impl Visitor<'_> for NumberVisitor {
            type Value = WholeNumber;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a whole number")
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<WholeNumber, E> {
                Ok(WholeNumber)
            }
            fn visit_u64<E: de::Error>(self, number: u64) -> Result<WholeNumber, E> {
                i64::try_from(number)
                    .map(|_| WholeNumber)
                    .map_err(|_| unusual())
            }
        }
        deserializer.deserialize_any(NumberVisitor)
    }
}

/// A mapping of strings to strings, sorted by key; the keys `keep` drops are skipped
/// unread, as the general path prunes them before judging.
struct Pairs(&'static Keep);

impl<'de> DeserializeSeed<'de> for Pairs {
    type Value = Vec<(Box<str>, Box<str>)>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Pairs {
    type Value = Vec<(Box<str>, Box<str>)>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a mapping of strings")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        let mut pairs: Vec<(Box<str>, Box<str>)> = Vec::new();
        while let Some(key) = access.next_key::<Key<'de>>()? {
            let kept = matches!(self.0, Keep::All) || self.0.child(key.as_str(), false).is_some();
            if !kept {
                access.next_value::<IgnoredAny>()?;
                continue;
            }
            let value = access.next_value::<Text>()?.0;
            pairs.push((key.as_str().into(), value));
        }
        if !pairs.is_sorted_by(|a, b| a.0 < b.0) {
            pairs.sort_by(|a, b| a.0.cmp(&b.0));
            if pairs.windows(2).any(|pair| pair[0].0 == pair[1].0) {
                return Err(unusual());
            }
        }
        Ok(pairs)
    }
}

/// One entry of `metadata.ownerReferences`, naming its owner.
struct Reference(OwnerReference);

impl<'de> serde::Deserialize<'de> for Reference {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Reference, D::Error> {
        deserializer.deserialize_map(ReferenceVisitor)
    }
}

struct ReferenceVisitor;

impl<'de> Visitor<'de> for ReferenceVisitor {
    type Value = Reference;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an owner reference")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Reference, A::Error> {
        let (mut api_version, mut kind, mut name, mut uid) = (None, None, None, None);
        let (mut controller, mut block_owner_deletion) = (None, None);
        while let Some(key) = access.next_key::<Key<'de>>()? {
            let text = match key.as_str() {
                "apiVersion" => &mut api_version,
                "kind" => &mut kind,
                "name" => &mut name,
                "uid" => &mut uid,
                "controller" | "blockOwnerDeletion" => {
                    let flag = if key.as_str() == "controller" {
                        &mut controller
                    } else {
                        &mut block_owner_deletion
                    };
                    if flag.is_some() {
                        return Err(unusual());
                    }
                    *flag = Some(access.next_value::<bool>()?);
                    continue;
                }
                _ => {
                    access.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            if text.is_some() {
                return Err(unusual());
            }
            let value = access.next_value::<Text>()?.0;
            if value.is_empty() {
                return Err(unusual());
            }
            *text = Some(value);
        }
        let (Some(api_version), Some(kind), Some(name), Some(uid)) = (api_version, kind, name, uid)
        else {
            return Err(unusual());
        };
        if !has_version(&api_version) || is_banned_owner(&api_version, &kind) {
            return Err(unusual());
        }
        Ok(Reference(OwnerReference {
            api_version: api_version.into(),
            kind: kind.into(),
            name: name.into(),
            uid: uid.into(),
            controller: controller.unwrap_or(false),
            block_owner_deletion: block_owner_deletion.unwrap_or(false),
        }))
    }
}
