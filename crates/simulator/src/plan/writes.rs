//! What the ApplicationSet controller writes over a live Application
//! (`applicationset/utils/createOrUpdate.go`, `CreateOrUpdate`, rulebook §9.3): the
//! annotations and labels it preserves, `ignoreApplicationDifferences`, and the semantic
//! comparison that decides whether it writes at all.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use preflight_generators::normalize_application_spec;
use preflight_model::argocd::{POST_DELETE_FINALIZER_PREFIX, PRE_DELETE_FINALIZER_PREFIX};
use preflight_model::Object;

use crate::ignore::{apply_merge_patch, merge_patch, IgnoreRules};

/// Annotations the ApplicationSet controller always copies from the live Application.
pub(super) const ALWAYS_PRESERVED_ANNOTATIONS: &[&str] = &[
    "notified.notifications.argoproj.io",
    "argocd.argoproj.io/refresh",
    "argocd.argoproj.io/hydrate",
];

/// The live Application as the controller rewrites it (§9.3 step 3).
pub(super) fn mutate_live(
    live: &Object,
    generated: &Object,
    preserved: &(Vec<String>, Vec<String>),
) -> Object {
    // The live object but its spec, which the generated one replaces, and its status,
    // which the controller does not write (the caller adds it back where it shows,
    // `with_live_status`): copying a fleet's worth of live Applications only to find
    // most of them unchanged was most of planning's work.
    let mut after = match live.raw() {
        Value::Object(fields) if !live.is_slim() => Object::from_value(Value::Object(
            fields
                .iter()
                .filter(|(key, _)| !matches!(key.as_str(), "spec" | "status"))
                .map(|(key, value)| (key.clone(), value.clone()))
                .collect(),
        )),
        _ => live.clone(),
    };
    let generated_annotations = generated.annotations();
    let live_annotations = live.annotations();
    let mut annotations: BTreeMap<String, String> = generated_annotations;
    for key in ALWAYS_PRESERVED_ANNOTATIONS {
        if let Some(value) = live_annotations.get(*key) {
            annotations.insert((*key).to_string(), value.clone());
        }
    }
    for key in &preserved.0 {
        if let Some(value) = live_annotations.get(key) {
            annotations.insert(key.clone(), value.clone());
        }
    }
    let mut labels = generated.labels();
    let live_labels = live.labels();
    for key in &preserved.1 {
        if let Some(value) = live_labels.get(key) {
            labels.insert(key.clone(), value.clone());
        }
    }
    let mut finalizers = generated.finalizers();
    for finalizer in live.finalizers() {
        if (finalizer.starts_with(PRE_DELETE_FINALIZER_PREFIX)
            || finalizer.starts_with(POST_DELETE_FINALIZER_PREFIX))
            && !finalizers.contains(&finalizer)
        {
            finalizers.push(finalizer);
        }
    }
    let metadata = after.metadata_mut();
    set_or_remove(metadata, "annotations", string_map(&annotations));
    set_or_remove(metadata, "labels", string_map(&labels));
    set_or_remove(
        metadata,
        "finalizers",
        (!finalizers.is_empty()).then(|| json!(finalizers)),
    );
    if let Some(owners) = generated.value_at(&["metadata", "ownerReferences"]) {
        metadata.insert("ownerReferences".to_string(), owners.clone());
    }
    let mut spec = generated
        .value_at(&["spec"])
        .cloned()
        .unwrap_or(Value::Null);
    normalize_application_spec(&mut spec);
    after
        .raw_mut()
        .as_object_mut()
        .expect("objects are maps")
        .insert("spec".to_string(), spec);
    after
}

/// `after`, as [`mutate_live`] made it from `live`, with the live status: what the
/// Application is once written (the status is not the controller's to write).
pub(super) fn with_live_status(mut after: Object, live: &Object) -> Object {
    if let (Some(status), Some(fields)) =
        (live.value_at(&["status"]), after.raw_mut().as_object_mut())
    {
        fields.insert("status".to_string(), status.clone());
    }
    after
}

/// What the controller writes when the ApplicationSet has `ignoreApplicationDifferences`
/// (`applicationset/utils/createOrUpdate.go`, `CreateOrUpdate` and
/// `applyIgnoreDifferences`): both sides lose the ignored fields and are renormalized;
/// equal means no write (`None`); otherwise the live object receives the JSON merge patch
/// between them, so ignored fields keep their live values (and a list that differs
/// elsewhere is replaced whole, ignored parts included).
pub(super) fn write_ignoring(
    live: &Object,
    mutated: &Object,
    ignore: &IgnoreRules,
    name: &str,
) -> Option<Object> {
    let prepare = |object: &Object| {
        let mut raw = object.raw().clone();
        if let Some(spec) = raw.get_mut("spec") {
            normalize_application_spec(spec);
        }
        ignore.remove_ignored(&mut raw, name);
        if let Some(spec) = raw.get_mut("spec") {
            normalize_application_spec(spec);
        }
        Object::from_value(raw)
    };
    let live_ignoring = prepare(live);
    let mutated_ignoring = prepare(mutated);
    if same_application(&live_ignoring, &mutated_ignoring) {
        return None;
    }
    let patch = merge_patch(live_ignoring.raw(), mutated_ignoring.raw());
    let mut written = live.raw().clone();
    apply_merge_patch(&mut written, &patch);
    Some(Object::from_value(written))
}

/// `spec.preservedFields` of an ApplicationSet: (annotation keys, label keys).
pub(super) fn preserved_fields(appset: &Object) -> (Vec<String>, Vec<String>) {
    (
        appset.string_list(&["spec", "preservedFields", "annotations"]),
        appset.string_list(&["spec", "preservedFields", "labels"]),
    )
}

pub(super) fn string_map(map: &BTreeMap<String, String>) -> Option<Value> {
    (!map.is_empty()).then(|| json!(map))
}

pub(super) fn set_or_remove(
    map: &mut serde_json::Map<String, Value>,
    key: &str,
    value: Option<Value>,
) {
    match value {
        Some(value) => {
            map.insert(key.to_string(), value);
        }
        None => {
            map.remove(key);
        }
    }
}

/// Semantic equality of what the ApplicationSet controller compares (§9.3 step 5).
pub(super) fn same_application(live: &Object, after: &Object) -> bool {
    let mut live_spec = live.value_at(&["spec"]).cloned().unwrap_or(Value::Null);
    normalize_application_spec(&mut live_spec);
    let after_spec = after.value_at(&["spec"]).cloned().unwrap_or(Value::Null);
    live_spec == after_spec
        && live.labels() == after.labels()
        && live.annotations() == after.annotations()
        && live.finalizers() == after.finalizers()
        && live.owner_references() == after.owner_references()
}
