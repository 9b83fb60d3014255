//! Progressive syncs (`spec.strategy.type: RollingSync`), as
//! `applicationset/progressivesync/progressive_sync.go` runs them when the controller has
//! `--enable-progressive-syncs` (`applicationsetcontroller.enable.progressive.syncs`).

use serde_json::Value;

use preflight_model::Object;

use crate::outcome::RollingStep;

/// `RollingSyncStrategyEnabled`: type `RollingSync` with at least one step.
pub fn rolling_sync_enabled(appset: &Object) -> bool {
    appset.str_at(&["spec", "strategy", "type"]) == Some("RollingSync")
        && appset
            .value_at(&["spec", "strategy", "rollingSync", "steps"])
            .and_then(Value::as_array)
            .is_some_and(|steps| !steps.is_empty())
}

/// `IsDeletionOrderReversed`: rolling sync with `deletionOrder: Reverse` (any case).
pub fn deletion_order_reversed(appset: &Object) -> bool {
    rolling_sync_enabled(appset)
        && appset
            .str_at(&["spec", "strategy", "deletionOrder"])
            .is_some_and(|order| order.eq_ignore_ascii_case("Reverse"))
}

/// `disableAutomatedSync`: an Application with automated sync is written with
/// `automated.enabled: false`, since the ApplicationSet controller triggers its syncs
/// itself, step by step. Returns whether it changed anything.
pub fn disable_automated_sync(application: &mut Object) -> bool {
    let Some(Value::Object(spec)) = application.raw_mut().get_mut("spec") else {
        return false;
    };
    let Some(Value::Object(sync_policy)) = spec.get_mut("syncPolicy") else {
        return false;
    };
    let Some(Value::Object(automated)) = sync_policy.get_mut("automated") else {
        return false;
    };
    automated.insert("enabled".to_string(), Value::Bool(false));
    true
}

/// The RollingSync step that selects `application`, as `buildAppDependencyList` assigns
/// it: the first step all of whose `matchExpressions` match the Application's labels
/// (`In`: the label is present with one of the values; `NotIn`: absent, or present with
/// none of them; another operator never matches a present label, and is skipped for an
/// absent one; no expressions select everything). `None` when the ApplicationSet does
/// not use RollingSync with steps.
pub fn rolling_step(appset: &Object, application: &Object) -> Option<RollingStep> {
    if !rolling_sync_enabled(appset) {
        return None;
    }
    let steps = appset
        .value_at(&["spec", "strategy", "rollingSync", "steps"])
        .and_then(Value::as_array)?;
    let labels = application.value_at(&["metadata", "labels"]);
    let label = |key: &str| labels.and_then(|l| l.get(key)).and_then(Value::as_str);
    for (index, step) in steps.iter().enumerate() {
        let expressions = step
            .get("matchExpressions")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let selected = expressions.iter().all(|expression| {
            let key = expression.get("key").and_then(Value::as_str).unwrap_or("");
            let operator = expression
                .get("operator")
                .and_then(Value::as_str)
                .unwrap_or("");
            let values = expression.get("values").and_then(Value::as_array);
            match label(key) {
                Some(value) => {
                    let listed =
                        values.is_some_and(|vs| vs.iter().any(|v| v.as_str() == Some(value)));
                    match operator {
                        "In" => listed,
                        "NotIn" => !listed,
                        _ => false,
                    }
                }
                None => operator != "In",
            }
        });
        if selected {
            return Some(RollingStep::Step {
                number: index + 1,
                of: steps.len(),
            });
        }
    }
    Some(RollingStep::NoStep)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn appset(strategy: Value) -> Object {
        Object::from_value(
            json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "ApplicationSet",
            "metadata": {"name": "a"}, "spec": {"strategy": strategy}}),
        )
    }

    /// `IsRollingSyncStrategy`, `RollingSyncStrategyEnabled`, `IsDeletionOrderReversed`.
    #[test]
    fn rolling_sync_needs_steps_and_reverse_is_case_insensitive() {
        let steps = json!({"steps": [{"matchExpressions": []}]});
        assert!(rolling_sync_enabled(&appset(
            json!({"type": "RollingSync", "rollingSync": steps})
        )));
        assert!(!rolling_sync_enabled(&appset(
            json!({"type": "RollingSync", "rollingSync": {"steps": []}})
        )));
        assert!(!rolling_sync_enabled(&appset(
            json!({"type": "AllAtOnce", "rollingSync": steps})
        )));
        assert!(deletion_order_reversed(&appset(
            json!({"type": "RollingSync", "rollingSync": steps, "deletionOrder": "reverse"})
        )));
        assert!(!deletion_order_reversed(&appset(
            json!({"type": "RollingSync", "rollingSync": steps, "deletionOrder": "AllAtOnce"})
        )));
    }

    #[test]
    fn automated_sync_is_written_disabled_only_when_set() {
        let mut app =
            Object::from_value(json!({"spec": {"syncPolicy": {"automated": {"prune": true}}}}));
        assert!(disable_automated_sync(&mut app));
        assert_eq!(
            app.raw()["spec"]["syncPolicy"]["automated"],
            json!({"prune": true, "enabled": false})
        );
        let mut manual = Object::from_value(json!({"spec": {"syncPolicy": {"syncOptions": []}}}));
        assert!(!disable_automated_sync(&mut manual));
        assert_eq!(
            manual.raw(),
            &json!({"spec": {"syncPolicy": {"syncOptions": []}}})
        );
    }

    /// `buildAppDependencyList` (`applicationset/progressivesync/progressive_sync.go`):
    /// the first matching step wins; `In` needs the label, `NotIn` takes its absence;
    /// an Application no step selects is in no step (`getAppStep` gives -1), and
    /// `getAppsToSync` never lists it, so the controller never syncs it.
    #[test]
    fn steps_are_assigned_as_build_app_dependency_list_does() {
        let set = appset(json!({"type": "RollingSync", "rollingSync": {"steps": [
            {"matchExpressions": [{"key": "env", "operator": "In", "values": ["dev"]}]},
            {"matchExpressions": [{"key": "env", "operator": "In", "values": ["qa", "dev"]},
                {"key": "tier", "operator": "NotIn", "values": ["db"]}]},
            {"matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["dev", "qa"]}]},
        ]}}));
        let app = |labels: Value| {
            Object::from_value(json!({"metadata": {"name": "a", "labels": labels}}))
        };
        let step = |number| Some(RollingStep::Step { number, of: 3 });
        assert_eq!(rolling_step(&set, &app(json!({"env": "dev"}))), step(1));
        assert_eq!(rolling_step(&set, &app(json!({"env": "qa"}))), step(2));
        assert_eq!(
            rolling_step(&set, &app(json!({"env": "qa", "tier": "db"}))),
            Some(RollingStep::NoStep)
        );
        assert_eq!(rolling_step(&set, &app(json!({"env": "prod"}))), step(3));
        // `NotIn` takes an absent label.
        assert_eq!(rolling_step(&set, &app(json!({}))), step(3));
        // An unknown operator never matches a present label.
        let odd = appset(json!({"type": "RollingSync", "rollingSync": {"steps": [
            {"matchExpressions": [{"key": "env", "operator": "Exists"}]}, {}]}}));
        assert_eq!(
            rolling_step(&odd, &app(json!({"env": "x"}))),
            Some(RollingStep::Step { number: 2, of: 2 })
        );
        assert_eq!(
            rolling_step(&odd, &app(json!({}))),
            Some(RollingStep::Step { number: 1, of: 2 })
        );
        // Not RollingSync: no step at all.
        assert_eq!(
            rolling_step(&appset(json!({"type": "AllAtOnce"})), &app(json!({}))),
            None
        );
    }
}
