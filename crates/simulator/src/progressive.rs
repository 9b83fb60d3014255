//! Progressive syncs (`spec.strategy.type: RollingSync`), as
//! `applicationset/progressivesync/progressive_sync.go` runs them when the controller has
//! `--enable-progressive-syncs` (`applicationsetcontroller.enable.progressive.syncs`).

use serde_json::Value;

use preflight_model::Object;

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
}
