//! `spec.templatePatch` (rulebook 6.3): a Kubernetes strategic merge patch over the
//! rendered Application, with the patch strategies the Application type declares.
//!
//! Restated: objects merge key by key and a key set to `null` is removed; lists are
//! replaced whole, except `metadata.finalizers`, which is a set (the patch's items are
//! added after the original's, without duplicates), and `metadata.ownerReferences`,
//! merged by `uid`. The directives `$patch: replace` and `$patch: delete` in an object,
//! `$deleteFromPrimitiveList/<list>` and `$setElementOrder/<list>` (accepted and ignored:
//! order comes from the merge) are understood. Argo CD then restores `spec.project`.

use serde_json::{Map, Value};

/// Applies `patch` (already rendered and parsed) to `application`.
pub(crate) fn apply(application: &Value, patch: &Value) -> Result<Value, String> {
    let Value::Object(patch) = patch else {
        return Err("the patch must be an object".to_string());
    };
    let mut path = Vec::new();
    match merge_object(application.as_object(), patch, &mut path)? {
        Some(merged) => Ok(Value::Object(merged)),
        None => Err("the patch deletes the whole Application".to_string()),
    }
}

/// Merges a patch object into an original object (absent counts as empty). `None` means
/// `$patch: delete`.
fn merge_object(
    original: Option<&Map<String, Value>>,
    patch: &Map<String, Value>,
    path: &mut Vec<String>,
) -> Result<Option<Map<String, Value>>, String> {
    match patch.get("$patch").and_then(Value::as_str) {
        Some("delete") => return Ok(None),
        Some("replace") => {
            let mut replaced = patch.clone();
            replaced.remove("$patch");
            return Ok(Some(strip_directives(replaced)));
        }
        Some("merge") | None => {}
        Some(other) => return Err(format!("unknown patch directive `$patch: {other}`")),
    }
    let mut merged = original.cloned().unwrap_or_default();
    for (key, value) in patch {
        if key == "$patch" || key.starts_with("$setElementOrder/") || key == "$retainKeys" {
            continue;
        }
        if let Some(list) = key.strip_prefix("$deleteFromPrimitiveList/") {
            if let (Some(Value::Array(items)), Value::Array(remove)) = (merged.get_mut(list), value)
            {
                items.retain(|item| !remove.contains(item));
            }
            continue;
        }
        if value.is_null() {
            merged.remove(key);
            continue;
        }
        path.push(key.clone());
        let result = match (merged.get(key), value) {
            (existing, Value::Object(patch_map)) => {
                let existing_map = existing.and_then(Value::as_object);
                merge_object(existing_map, patch_map, path)?.map(Value::Object)
            }
            (Some(Value::Array(existing)), Value::Array(items)) => {
                Some(Value::Array(merge_list(existing, items, path)))
            }
            (_, other) => Some(strip_value(other.clone())),
        };
        path.pop();
        match result {
            Some(value) => {
                merged.insert(key.clone(), value);
            }
            None => {
                merged.remove(key);
            }
        }
    }
    Ok(Some(merged))
}

fn merge_list(existing: &[Value], items: &[Value], path: &[String]) -> Vec<Value> {
    let at = |expected: &[&str]| path.iter().map(String::as_str).eq(expected.iter().copied());
    if at(&["metadata", "finalizers"]) {
        let mut merged = existing.to_vec();
        for item in items {
            if !merged.contains(item) {
                merged.push(item.clone());
            }
        }
        return merged;
    }
    if at(&["metadata", "ownerReferences"]) {
        let mut merged = existing.to_vec();
        for item in items {
            let uid = item.get("uid");
            match merged
                .iter_mut()
                .find(|candidate| uid.is_some() && candidate.get("uid") == uid)
            {
                Some(slot) => *slot = item.clone(),
                None => merged.push(item.clone()),
            }
        }
        return merged;
    }
    items.iter().cloned().map(strip_value).collect()
}

fn strip_value(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(strip_directives(map)),
        Value::Array(items) => Value::Array(items.into_iter().map(strip_value).collect()),
        other => other,
    }
}

/// Removes directive keys (and nulls, which mean "absent") from a replacement value.
fn strip_directives(map: Map<String, Value>) -> Map<String, Value> {
    map.into_iter()
        .filter(|(key, value)| !key.starts_with('$') && !value.is_null())
        .map(|(key, value)| (key, strip_value(value)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[track_caller]
    fn check(original: Value, patch: Value, expected: Value) {
        assert_eq!(apply(&original, &patch).unwrap(), expected);
    }

    #[test]
    fn maps_merge_and_null_removes() {
        check(
            json!({"metadata": {"name": "a", "labels": {"x": "1", "y": "2"}}, "spec": {"project": "p"}}),
            json!({"metadata": {"labels": {"x": null, "z": "3"}}, "spec": {"syncPolicy": {"automated": {}}}}),
            json!({"metadata": {"name": "a", "labels": {"y": "2", "z": "3"}}, "spec": {"project": "p", "syncPolicy": {"automated": {}}}}),
        );
    }

    #[test]
    fn lists_are_replaced_but_finalizers_are_a_set() {
        check(
            json!({"metadata": {"finalizers": ["a", "b"]}, "spec": {"sources": [{"path": "x"}, {"path": "y"}]}}),
            json!({"metadata": {"finalizers": ["b", "c"]}, "spec": {"sources": [{"path": "z"}]}}),
            json!({"metadata": {"finalizers": ["a", "b", "c"]}, "spec": {"sources": [{"path": "z"}]}}),
        );
        check(
            json!({"metadata": {"finalizers": ["a", "b"]}}),
            json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"], "$setElementOrder/finalizers": ["b"]}}),
            json!({"metadata": {"finalizers": ["b"]}}),
        );
    }

    #[test]
    fn directives() {
        check(
            json!({"spec": {"source": {"helm": {"valueFiles": ["a"]}, "path": "p"}}}),
            json!({"spec": {"source": {"$patch": "replace", "repoURL": "r"}}}),
            json!({"spec": {"source": {"repoURL": "r"}}}),
        );
        check(
            json!({"spec": {"syncPolicy": {"automated": {}}, "project": "p"}}),
            json!({"spec": {"syncPolicy": {"$patch": "delete"}}}),
            json!({"spec": {"project": "p"}}),
        );
        assert!(apply(&json!({}), &json!({"$patch": "bogus"})).is_err());
        assert!(apply(&json!({}), &json!([1])).is_err());
    }
}
