//! The settings of `argocd-cm` that change what the tool predicts.

use preflight_model::{ArgoSettings, Object, TrackingMethod};
use serde_json::Value;

use crate::error::{LoadError, Source};

pub(crate) const ARGOCD_CM: &str = "argocd-cm";

const TRACKING_METHOD: &str = "application.resourceTrackingMethod";
const INSTANCE_LABEL_KEY: &str = "application.instanceLabelKey";
const IN_CLUSTER_ENABLED: &str = "cluster.inClusterEnabled";

pub(crate) fn is_argocd_cm(object: &Object) -> bool {
    object.api_version() == "v1" && object.kind() == "ConfigMap" && object.name() == ARGOCD_CM
}

/// Reads the settings from `argocd-cm`; absent or empty keys keep Argo CD's defaults.
pub(crate) fn read_settings(config_map: &Object, at: &Source) -> Result<ArgoSettings, LoadError> {
    let mut settings = ArgoSettings::default();
    let field = |name: &'static str| -> Result<Option<&str>, LoadError> {
        match config_map.value_at(&["data", name]) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.as_str()).filter(|text| !text.is_empty())),
            Some(_) => Err(LoadError::InvalidArgoCdSetting {
                at: at.clone(),
                field: name,
                problem: "must be a string".to_string(),
            }),
        }
    };
    if let Some(method) = field(TRACKING_METHOD)? {
        settings.tracking_method = match method {
            "annotation" => TrackingMethod::Annotation,
            "label" => TrackingMethod::Label,
            "annotation+label" => TrackingMethod::AnnotationAndLabel,
            other => {
                return Err(LoadError::InvalidArgoCdSetting {
                    at: at.clone(),
                    field: TRACKING_METHOD,
                    problem: format!(
                        "unknown tracking method `{other}`, expected `annotation`, `label` or `annotation+label`"
                    ),
                })
            }
        };
    }
    if let Some(key) = field(INSTANCE_LABEL_KEY)? {
        settings.instance_label_key = key.to_string();
    }
    // Argo CD disables the in-cluster destination only for the exact text `false`.
    if let Some(enabled) = field(IN_CLUSTER_ENABLED)? {
        settings.in_cluster_enabled = enabled != "false";
    }
    Ok(settings)
}
