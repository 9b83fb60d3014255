//! The ApplicationSet controller's own settings, as its installation feeds them from
//! `argocd-cmd-params-cm` into environment variables
//! (`manifests/base/applicationset-controller/argocd-applicationset-controller-deployment.yaml`)
//! and its command reads them
//! (`cmd/argocd-applicationset-controller/commands/applicationset_controller.go`).

use serde_json::Value;

use preflight_generators::GenerateError;
use preflight_model::{ApplicationsSyncPolicy, Object};

/// The ConfigMap the controller's flags come from.
pub const CMD_PARAMS_CONFIG_MAP: &str = "argocd-cmd-params-cm";
const POLICY_KEY: &str = "applicationsetcontroller.policy";
const POLICY_OVERRIDE_KEY: &str = "applicationsetcontroller.enable.policy.override";
const PROGRESSIVE_SYNCS_KEY: &str = "applicationsetcontroller.enable.progressive.syncs";

/// The flags of the ApplicationSet controller that change what it writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ControllerSettings {
    /// `--policy`: the policy of every ApplicationSet that may not override it.
    pub policy: ApplicationsSyncPolicy,
    /// `--enable-policy-override`: whether `spec.syncPolicy.applicationsSync` counts.
    pub policy_override: bool,
    /// `--enable-progressive-syncs`.
    pub progressive_syncs: bool,
}

impl Default for ControllerSettings {
    /// An installation without `argocd-cmd-params-cm`: no policy, so overrides allowed.
    fn default() -> ControllerSettings {
        ControllerSettings {
            policy: ApplicationsSyncPolicy::Sync,
            policy_override: true,
            progressive_syncs: false,
        }
    }
}

/// A value of `argocd-cmd-params-cm` the controller cannot start with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsError {
    pub field: &'static str,
    pub problem: String,
}

impl ControllerSettings {
    /// Reads the settings from `argocd-cmd-params-cm` among the objects of the Argo CD
    /// cluster (in `namespace` when known); defaults without it.
    pub fn read<'o>(
        objects: impl IntoIterator<Item = &'o Object>,
        namespace: Option<&str>,
    ) -> Result<ControllerSettings, SettingsError> {
        let config_map = objects.into_iter().find(|object| {
            object.group().is_empty()
                && object.kind() == "ConfigMap"
                && object.name() == CMD_PARAMS_CONFIG_MAP
                && namespace.is_none_or(|ns| object.namespace().is_none_or(|own| own == ns))
        });
        match config_map {
            Some(config_map) => ControllerSettings::from_config_map(config_map),
            None => Ok(ControllerSettings::default()),
        }
    }

    fn from_config_map(config_map: &Object) -> Result<ControllerSettings, SettingsError> {
        let field = |field: &'static str| -> Result<&str, SettingsError> {
            match config_map.value_at(&["data", field]) {
                None | Some(Value::Null) => Ok(""),
                Some(Value::String(text)) => Ok(text.as_str()),
                Some(_) => Err(SettingsError {
                    field,
                    problem: "must be a string".to_string(),
                }),
            }
        };
        // `env.StringFromEnv`: an empty variable is the default, the empty policy.
        let policy_text = field(POLICY_KEY)?;
        // `utils.Policies` maps "" to `sync`; an unknown value stops the controller.
        let policy = ApplicationsSyncPolicy::parse(policy_text).ok_or_else(|| SettingsError {
            field: POLICY_KEY,
            problem: format!(
                "unknown policy `{policy_text}`, the ApplicationSet controller does not start; expected `sync`, `create-only`, `create-update` or `create-delete`"
            ),
        })?;
        // The override flag defaults to true exactly when no policy is set: the default
        // is computed from the policy variable right after it was read.
        let policy_override = parse_bool(field(POLICY_OVERRIDE_KEY)?, policy_text.is_empty());
        let progressive_syncs = parse_bool(field(PROGRESSIVE_SYNCS_KEY)?, false);
        Ok(ControllerSettings {
            policy,
            policy_override,
            progressive_syncs,
        })
    }

    /// The policy the controller applies to `appset` (`applicationset/utils/policy.go`,
    /// `DefaultPolicy`): the ApplicationSet's own `applicationsSync` when it sets one and
    /// overrides are allowed, else the controller's.
    pub fn effective_policy(
        &self,
        appset: &Object,
    ) -> Result<ApplicationsSyncPolicy, GenerateError> {
        let own = preflight_generators::effective_policy(appset)?;
        let sets_one = appset
            .value_at(&["spec", "syncPolicy", "applicationsSync"])
            .is_some_and(|value| !value.is_null());
        Ok(if sets_one && self.policy_override {
            own
        } else {
            self.policy
        })
    }
}

/// `env.ParseBoolFromEnv`: `true` or `false` in any case, anything else the default.
fn parse_bool(text: &str, default: bool) -> bool {
    if text.eq_ignore_ascii_case("true") {
        true
    } else if text.eq_ignore_ascii_case("false") {
        false
    } else {
        default
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn settings(data: Value) -> Result<ControllerSettings, SettingsError> {
        let config_map = Object::from_value(json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": CMD_PARAMS_CONFIG_MAP, "namespace": "argocd"},
            "data": data,
        }));
        ControllerSettings::read([&config_map], Some("argocd"))
    }

    fn appset(applications_sync: Option<&str>) -> Object {
        let mut raw = json!({
            "apiVersion": "argoproj.io/v1alpha1", "kind": "ApplicationSet",
            "metadata": {"name": "a", "namespace": "argocd"},
            "spec": {},
        });
        if let Some(policy) = applications_sync {
            raw["spec"]["syncPolicy"] = json!({"applicationsSync": policy});
        }
        Object::from_value(raw)
    }

    /// `applicationset/utils/policy.go` (`DefaultPolicy`) and the flag defaults of
    /// `cmd/argocd-applicationset-controller/commands/applicationset_controller.go`.
    #[track_caller]
    fn check(data: Value, own: Option<&str>, expected: ApplicationsSyncPolicy) {
        let settings = settings(data).unwrap();
        assert_eq!(settings.effective_policy(&appset(own)).unwrap(), expected);
    }

    #[test]
    fn controller_policy_and_override_decide_the_effective_policy() {
        use ApplicationsSyncPolicy::*;
        // No policy: overrides allowed by default.
        check(json!({}), None, Sync);
        check(json!({}), Some("create-only"), CreateOnly);
        // An explicit policy turns the override default off.
        check(json!({POLICY_KEY: "create-only"}), Some("sync"), CreateOnly);
        check(json!({POLICY_KEY: "create-update"}), None, CreateUpdate);
        // ... unless the override is enabled explicitly (any case, as ParseBoolFromEnv).
        check(
            json!({POLICY_KEY: "create-only", POLICY_OVERRIDE_KEY: "TRUE"}),
            Some("sync"),
            Sync,
        );
        check(
            json!({POLICY_KEY: "create-only", POLICY_OVERRIDE_KEY: "true"}),
            None,
            CreateOnly,
        );
        // Overrides can be turned off without a policy: every ApplicationSet syncs.
        check(
            json!({POLICY_OVERRIDE_KEY: "false"}),
            Some("create-only"),
            Sync,
        );
        // A value ParseBoolFromEnv does not understand keeps the default.
        check(
            json!({POLICY_KEY: "create-delete", POLICY_OVERRIDE_KEY: "yes"}),
            Some("sync"),
            CreateDelete,
        );
        // An empty policy is the default.
        check(json!({POLICY_KEY: ""}), Some("create-update"), CreateUpdate);
    }

    #[test]
    fn an_unknown_controller_policy_is_an_error_naming_the_field() {
        let error = settings(json!({POLICY_KEY: "upsert"})).unwrap_err();
        assert_eq!(error.field, POLICY_KEY);
        assert!(error.problem.contains("`upsert`"), "{}", error.problem);
        let error = settings(json!({POLICY_KEY: 1})).unwrap_err();
        assert_eq!(error.field, POLICY_KEY);
    }

    #[test]
    fn progressive_syncs_are_off_unless_enabled() {
        assert!(!settings(json!({})).unwrap().progressive_syncs);
        assert!(
            settings(json!({PROGRESSIVE_SYNCS_KEY: "true"}))
                .unwrap()
                .progressive_syncs
        );
        assert!(
            !ControllerSettings::read([], None)
                .unwrap()
                .progressive_syncs
        );
    }
}
