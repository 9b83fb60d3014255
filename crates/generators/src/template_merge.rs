//! Merging a generator's inline `template` with the ApplicationSet's `spec.template`
//! (rulebook 6.1, `mergeGeneratorTemplate`, which calls `mergo.Merge` without override).

use serde_json::{Map, Value};

use crate::fields::is_go_zero;

/// The template one generator renders: its own inline template as the base, with every
/// empty field filled from `spec.template`.
///
/// Mergo's rules over Argo CD's typed template, restated for JSON: a non-empty value of
/// the generator template wins; an empty one (absent, null, `""`, `false`, `0`, `[]`) is
/// replaced by the spec template's; objects (structs and maps alike) are merged key by
/// key, recursively; non-empty lists are kept whole. `spec.source.helm.valuesObject` is a
/// raw JSON blob in Argo CD, so a non-null one is kept whole too.
pub(crate) fn merge_template(generator_template: &Value, spec_template: &Value) -> Value {
    let mut path = Vec::new();
    merge(generator_template, spec_template, &mut path)
}

fn merge<'a>(base: &'a Value, fill: &'a Value, path: &mut Vec<&'a str>) -> Value {
    if is_raw_json_field(path) && !base.is_null() {
        return base.clone();
    }
    match (base, fill) {
        (Value::Object(base_map), Value::Object(fill_map)) => {
            let mut merged = Map::new();
            for (key, base_value) in base_map {
                path.push(key);
                let value = match fill_map.get(key) {
                    Some(fill_value) => merge(base_value, fill_value, path),
                    None => base_value.clone(),
                };
                path.pop();
                merged.insert(key.clone(), value);
            }
            for (key, fill_value) in fill_map {
                if !base_map.contains_key(key) {
                    merged.insert(key.clone(), fill_value.clone());
                }
            }
            Value::Object(merged)
        }
        (base, fill) if is_go_zero(base) => fill.clone(),
        (base, _) => base.clone(),
    }
}

fn is_raw_json_field(path: &[&str]) -> bool {
    path == ["spec", "source", "helm", "valuesObject"]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[track_caller]
    fn check(generator_template: Value, spec_template: Value, expected: Value) {
        assert_eq!(
            merge_template(&generator_template, &spec_template),
            expected
        );
    }

    #[test]
    fn generator_template_wins_for_non_empty_fields() {
        check(
            json!({"metadata": {"name": "gen"}}),
            json!({"metadata": {"name": "spec", "namespace": "argocd"}}),
            json!({"metadata": {"name": "gen", "namespace": "argocd"}}),
        );
    }

    #[test]
    fn empty_fields_are_filled_from_the_spec_template() {
        check(
            json!({"metadata": {"name": ""}, "spec": {"project": "", "syncPolicy": {"automated": {"prune": false}}}}),
            json!({"metadata": {"name": "spec"}, "spec": {"project": "p", "syncPolicy": {"automated": {"prune": true}}}}),
            json!({"metadata": {"name": "spec"}, "spec": {"project": "p", "syncPolicy": {"automated": {"prune": true}}}}),
        );
        check(json!(null), json!({"a": 1}), json!({"a": 1}));
        check(json!({"n": 0}), json!({"n": 5}), json!({"n": 5}));
    }

    #[test]
    fn maps_are_unioned_with_generator_keys_winning() {
        check(
            json!({"metadata": {"labels": {"a": "gen", "b": ""}}}),
            json!({"metadata": {"labels": {"a": "spec", "b": "spec", "c": "spec"}}}),
            json!({"metadata": {"labels": {"a": "gen", "b": "spec", "c": "spec"}}}),
        );
    }

    #[test]
    fn non_empty_lists_are_kept_whole() {
        check(
            json!({"metadata": {"finalizers": ["x"]}, "spec": {"sources": []}}),
            json!({"metadata": {"finalizers": ["y", "z"]}, "spec": {"sources": [{"path": "p"}]}}),
            json!({"metadata": {"finalizers": ["x"]}, "spec": {"sources": [{"path": "p"}]}}),
        );
    }

    #[test]
    fn helm_values_object_is_not_merged() {
        check(
            json!({"spec": {"source": {"helm": {"valuesObject": {"a": 1}}}}}),
            json!({"spec": {"source": {"helm": {"valuesObject": {"b": 2}, "releaseName": "r"}}}}),
            json!({"spec": {"source": {"helm": {"valuesObject": {"a": 1}, "releaseName": "r"}}}}),
        );
    }
}
