//! Commands that break what keeps an object: the configuration of an unreachable
//! webhook, a CRD's conversion webhook, a finalizer removed by hand; and who would undo
//! a fix (an Application that self-heals).

use preflight_cluster_snapshot::Fleet;
use preflight_model::argocd::ARGOCD_GROUP;
use preflight_model::ObjectKey;

use super::fleet::Step;
use crate::cascade::ObjectResult;
use crate::causes::{Refusal, StuckCause};

pub(super) fn resource_of(key: &ObjectKey) -> String {
    if key.group.is_empty() {
        key.kind.to_ascii_lowercase()
    } else {
        format!("{}.{}", key.kind.to_ascii_lowercase(), key.group)
    }
}

/// The Application with automated self-heal that manages an APIService, if any: deleting
/// the APIService is undone within seconds while it is (R-DISC-6, R-ARGO-5).
pub(super) fn self_healing_manager(
    fleet: &Fleet,
    cluster: &str,
    api_service: &str,
    argocd_namespace: &str,
) -> Option<(String, String, Option<String>)> {
    let snapshot = fleet.clusters.get(cluster)?;
    let key = ObjectKey::new("apiregistration.k8s.io", "APIService", None, api_service);
    let object = snapshot.get(&key)?;
    let tracking = object.annotation(preflight_model::argocd::TRACKING_ID_ANNOTATION)?;
    let id = preflight_model::TrackingId::parse(tracking)?;
    let (namespace, name) = match id.application.split_once('_') {
        Some((ns, name)) => (ns.to_string(), name.to_string()),
        None => (argocd_namespace.to_string(), id.application.clone()),
    };
    let argocd = fleet.argocd()?;
    let app = argocd.get(&ObjectKey::new(
        ARGOCD_GROUP,
        "Application",
        Some(&namespace),
        &name,
    ))?;
    let self_heal = app
        .value_at(&["spec", "syncPolicy", "automated", "selfHeal"])
        .and_then(serde_json::Value::as_bool)
        .unwrap_or(false);
    let owner = app
        .controller_reference()
        .filter(|r| r.group() == ARGOCD_GROUP && r.kind == "ApplicationSet")
        .map(|r| r.name);
    self_heal.then_some((namespace, name, owner))
}

/// Whether a pod stays because its node is not Ready (R-POD-1).
pub(super) fn node_not_ready(object: &ObjectResult) -> bool {
    object
        .stuck
        .iter()
        .any(|cause| matches!(cause, StuckCause::NodeNotReady(_)))
}

/// Commands that remove the first webhook refusal and the first conversion failure
/// among `causes`: the configuration of the unreachable webhook (R-WH-9), or the
/// conversion webhook of the CRD (R-CRD-5, only safe when the versions' schemas are
/// compatible).
pub(super) fn break_commands(fleet: &Fleet, cluster: &str, causes: &[StuckCause]) -> Vec<Step> {
    let Some(snapshot) = fleet.clusters.get(cluster) else {
        return Vec::new();
    };
    let refusals: Vec<&Refusal> = causes.iter().flat_map(StuckCause::refusals).collect();
    let mut commands = Vec::new();
    let webhook = refusals.iter().find_map(|refusal| match refusal {
        Refusal::Webhook { webhook, .. } => Some(webhook),
        Refusal::Conversion { .. } => None,
    });
    if let Some(webhook) = webhook {
        for config in snapshot.objects().filter(|o| {
            o.group() == "admissionregistration.k8s.io"
                && matches!(
                    o.kind(),
                    "ValidatingWebhookConfiguration" | "MutatingWebhookConfiguration"
                )
        }) {
            let names_it = config
                .value_at(&["webhooks"])
                .and_then(serde_json::Value::as_array)
                .is_some_and(|hooks| {
                    hooks.iter().any(|h| {
                        h.get("name").and_then(serde_json::Value::as_str) == Some(webhook.as_str())
                    })
                });
            if names_it {
                commands.push(Step::OnCluster(format!(
                    "delete {} {}  # webhook `{webhook}` cannot be reached",
                    config.kind().to_ascii_lowercase(),
                    config.name()
                )));
            }
        }
    }
    let conversion = refusals.iter().find_map(|refusal| match refusal {
        Refusal::Conversion { group, kind, .. } => Some((group, kind)),
        Refusal::Webhook { .. } => None,
    });
    if let Some((group, kind)) = conversion {
        for crd in snapshot.objects().filter(|o| {
            o.kind() == "CustomResourceDefinition"
                && o.str_at(&["spec", "group"]) == Some(group.as_str())
                && o.str_at(&["spec", "names", "kind"]) == Some(kind.as_str())
        }) {
            commands.push(Step::OnCluster(format!(
                "patch customresourcedefinition {} --type merge -p '{{\"spec\":{{\"conversion\":{{\"strategy\":\"None\"}}}}}}'  # only if the versions' schemas are compatible",
                crd.name()
            )));
        }
    }
    commands
}

pub(crate) fn finalizer_patch(key: &ObjectKey) -> Step {
    let namespace = key
        .namespace
        .as_ref()
        .map(|ns| format!("-n {ns} "))
        .unwrap_or_default();
    Step::OnCluster(format!(
        "{namespace}patch {} {} --type merge -p '{{\"metadata\":{{\"finalizers\":null}}}}'  # skips the owner's cleanup",
        resource_of(key),
        key.name
    ))
}
