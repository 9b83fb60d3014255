//! Argo CD vocabulary: well-known names, the clusters Argo CD knows, resource tracking,
//! and the settings of `argocd-cm` that change behaviour.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::object::ObjectKey;

/// API group of Argo CD's own kinds.
pub const ARGOCD_GROUP: &str = "argoproj.io";
pub const ARGOCD_API_VERSION: &str = "argoproj.io/v1alpha1";

/// The resources finalizer with the default (foreground) propagation.
pub const RESOURCES_FINALIZER: &str = "resources-finalizer.argocd.argoproj.io";
pub const RESOURCES_FINALIZER_FOREGROUND: &str =
    "resources-finalizer.argocd.argoproj.io/foreground";
pub const RESOURCES_FINALIZER_BACKGROUND: &str =
    "resources-finalizer.argocd.argoproj.io/background";
pub const PRE_DELETE_FINALIZER_PREFIX: &str = "pre-delete-finalizer.argocd.argoproj.io";
pub const POST_DELETE_FINALIZER_PREFIX: &str = "post-delete-finalizer.argocd.argoproj.io";

/// Label that marks an Argo CD cluster secret.
pub const SECRET_TYPE_LABEL: &str = "argocd.argoproj.io/secret-type";
/// The server URL of the cluster Argo CD runs in.
pub const IN_CLUSTER_SERVER: &str = "https://kubernetes.default.svc";
pub const IN_CLUSTER_NAME: &str = "in-cluster";

/// Annotation written by annotation tracking (the default since Argo CD 3.0).
pub const TRACKING_ID_ANNOTATION: &str = "argocd.argoproj.io/tracking-id";
/// Default label of label tracking (`application.instanceLabelKey`).
pub const DEFAULT_INSTANCE_LABEL: &str = "app.kubernetes.io/instance";
pub const SYNC_OPTIONS_ANNOTATION: &str = "argocd.argoproj.io/sync-options";
/// Set on an Application to approve the deletions its `Delete=confirm` or `Prune=confirm`
/// objects wait for.
pub const DELETION_APPROVED_ANNOTATION: &str = "argocd.argoproj.io/deletion-approved";
pub const SYNC_WAVE_ANNOTATION: &str = "argocd.argoproj.io/sync-wave";
pub const HELM_RESOURCE_POLICY_ANNOTATION: &str = "helm.sh/resource-policy";

/// Which resources finalizer an Application carries, which decides whether and how its
/// deletion cascades to its resources (R-ARGO-1, R-ARGO-4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CascadeMode {
    /// No resources finalizer: the Application disappears, resources stay.
    None,
    Foreground,
    Background,
}

impl CascadeMode {
    /// The cascade mode from a list of finalizers, as the application controller reads it.
    pub fn from_finalizers<S: AsRef<str>>(finalizers: &[S]) -> CascadeMode {
        let mut mode = CascadeMode::None;
        for finalizer in finalizers {
            match finalizer.as_ref() {
                RESOURCES_FINALIZER | RESOURCES_FINALIZER_FOREGROUND => {
                    return CascadeMode::Foreground
                }
                RESOURCES_FINALIZER_BACKGROUND => mode = CascadeMode::Background,
                _ => {}
            }
        }
        mode
    }

    pub fn cascades(self) -> bool {
        self != CascadeMode::None
    }
}

/// A cluster Argo CD knows, from its cluster secret (credentials never kept).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ClusterInfo {
    /// `data.name` of the secret, which is also the snapshot folder name.
    pub name: String,
    /// `data.server`, verbatim.
    pub server: String,
    /// `data.project`, empty when absent.
    pub project: String,
    /// Labels of the cluster secret.
    pub labels: std::collections::BTreeMap<String, String>,
    /// Annotations of the cluster secret.
    pub annotations: std::collections::BTreeMap<String, String>,
    /// Name of the Secret object that declared the cluster (for error messages).
    pub secret_name: String,
}

/// How Argo CD tracks which Application owns a live resource (`application.resourceTrackingMethod`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TrackingMethod {
    #[default]
    Annotation,
    Label,
    AnnotationAndLabel,
}

/// The settings of `argocd-cm` that change what the tool predicts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArgoSettings {
    pub tracking_method: TrackingMethod,
    /// `application.instanceLabelKey`.
    pub instance_label_key: String,
    /// `cluster.inClusterEnabled` (default true).
    pub in_cluster_enabled: bool,
}

impl Default for ArgoSettings {
    fn default() -> ArgoSettings {
        ArgoSettings {
            tracking_method: TrackingMethod::Annotation,
            instance_label_key: DEFAULT_INSTANCE_LABEL.to_string(),
            in_cluster_enabled: true,
        }
    }
}

/// A parsed `argocd.argoproj.io/tracking-id`: `<app>:<group>/<Kind>:<namespace>/<name>`.
///
/// `<app>` is the Application name, or `<app-namespace>_<app>` for Applications outside
/// the control-plane namespace.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TrackingId {
    pub application: String,
    pub group: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl TrackingId {
    pub fn parse(text: &str) -> Option<TrackingId> {
        let (application, rest) = text.split_once(':')?;
        let (group_kind, namespace_name) = rest.split_once(':')?;
        let (group, kind) = group_kind.split_once('/')?;
        let (namespace, name) = namespace_name.split_once('/')?;
        if application.is_empty() || kind.is_empty() || name.is_empty() {
            return None;
        }
        Some(TrackingId {
            application: application.to_string(),
            group: group.to_string(),
            kind: kind.to_string(),
            namespace: namespace.to_string(),
            name: name.to_string(),
        })
    }

    /// Whether this id describes the object `key` (a stale id copied with the object
    /// does not count, which is how Argo CD itself tells them apart).
    pub fn matches(&self, key: &ObjectKey) -> bool {
        self.group == key.group
            && self.kind == key.kind
            && self.name == key.name
            && self.namespace == key.namespace.clone().unwrap_or_default()
    }
}

impl fmt::Display for TrackingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}/{}:{}/{}",
            self.application, self.group, self.kind, self.namespace, self.name
        )
    }
}

/// The ApplicationSet controller's `applicationsSync` policy (section 9.2 of the rulebook).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ApplicationsSyncPolicy {
    #[default]
    Sync,
    CreateUpdate,
    CreateDelete,
    CreateOnly,
}

impl ApplicationsSyncPolicy {
    pub fn parse(text: &str) -> Option<ApplicationsSyncPolicy> {
        match text {
            "" | "sync" => Some(ApplicationsSyncPolicy::Sync),
            "create-update" => Some(ApplicationsSyncPolicy::CreateUpdate),
            "create-delete" => Some(ApplicationsSyncPolicy::CreateDelete),
            "create-only" => Some(ApplicationsSyncPolicy::CreateOnly),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ApplicationsSyncPolicy::Sync => "sync",
            ApplicationsSyncPolicy::CreateUpdate => "create-update",
            ApplicationsSyncPolicy::CreateDelete => "create-delete",
            ApplicationsSyncPolicy::CreateOnly => "create-only",
        }
    }

    pub fn allows_update(self) -> bool {
        matches!(
            self,
            ApplicationsSyncPolicy::Sync | ApplicationsSyncPolicy::CreateUpdate
        )
    }

    pub fn allows_delete(self) -> bool {
        matches!(
            self,
            ApplicationsSyncPolicy::Sync | ApplicationsSyncPolicy::CreateDelete
        )
    }
}

/// Splits a sync-options value (`Delete=false,Prune=confirm`) into trimmed entries.
pub fn sync_options(text: &str) -> impl Iterator<Item = &str> {
    text.split(',').map(str::trim).filter(|s| !s.is_empty())
}

/// The value of sync option `name` (`Delete`, `Prune`) an object's own
/// `argocd.argoproj.io/sync-options` annotation sets: its first entry `name=…`, entries
/// trimmed (gitops-engine `GetAnnotationCSVs` and `GetAnnotationOptionValue`).
pub fn annotation_sync_option<'a>(annotation: &'a str, name: &str) -> Option<&'a str> {
    sync_options(annotation).find_map(|entry| entry.strip_prefix(name)?.strip_prefix('='))
}

/// The value of sync option `name` Argo CD applies to one object of an Application: the
/// object's own annotation ([`annotation_sync_option`]), else the first entry of the
/// Application's `spec.syncPolicy.syncOptions` that starts with `name=`, taken as
/// written (`SyncOptions.GetOptionValue`). `shouldBeDeleted` (`Delete=false`),
/// `isObjRequiresDeletionConfirmation` (`confirm`) and `isPruningDisabled` read it so
/// from Argo CD 3.4.
pub fn object_sync_option<'a>(
    annotation: &'a str,
    application: &'a [String],
    name: &str,
) -> Option<&'a str> {
    annotation_sync_option(annotation, name).or_else(|| {
        application
            .iter()
            .find_map(|entry| entry.strip_prefix(name)?.strip_prefix('='))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// gitops-engine `GetAnnotationOptionValue` trims the annotation's comma-separated
    /// entries and takes the first match; `SyncOptions.GetOptionValue` (types.go) takes
    /// the Application's entries as written, one option each.
    #[test]
    fn sync_option_values_as_argo_cd_reads_them() {
        assert_eq!(
            annotation_sync_option(" A=1 , Delete=false", "Delete"),
            Some("false")
        );
        assert_eq!(
            annotation_sync_option("Delete=true,Delete=false", "Delete"),
            Some("true")
        );
        assert_eq!(annotation_sync_option("NoDelete=confirm", "Delete"), None);
        let app = vec!["Prune=confirm".to_string(), " Delete=false".to_string()];
        assert_eq!(object_sync_option("", &app, "Prune"), Some("confirm"));
        // An entry with a leading space is not `Delete=` to Argo CD.
        assert_eq!(object_sync_option("", &app, "Delete"), None);
        // The object's own entry wins over the Application's.
        assert_eq!(
            object_sync_option("Prune=false", &app, "Prune"),
            Some("false")
        );
    }

    #[test]
    fn cascade_mode_from_finalizers() {
        assert_eq!(CascadeMode::from_finalizers::<&str>(&[]), CascadeMode::None);
        assert_eq!(
            CascadeMode::from_finalizers(&[RESOURCES_FINALIZER]),
            CascadeMode::Foreground
        );
        assert_eq!(
            CascadeMode::from_finalizers(&[RESOURCES_FINALIZER_BACKGROUND]),
            CascadeMode::Background
        );
        assert_eq!(
            CascadeMode::from_finalizers(&["example.com/other"]),
            CascadeMode::None
        );
    }

    #[test]
    fn tracking_id_round_trip() {
        let text = "e1-k8s-lab-a-kube-metrics-ns:/Namespace:/kube-metrics";
        let id = TrackingId::parse(text).unwrap();
        assert_eq!(id.group, "");
        assert_eq!(id.kind, "Namespace");
        assert_eq!(id.namespace, "");
        assert!(id.matches(&ObjectKey::namespace_object("kube-metrics")));
        assert_eq!(id.to_string(), text);
        let deployment =
            TrackingId::parse("app:apps/Deployment:kube-metrics/metrics-server").unwrap();
        assert!(deployment.matches(&ObjectKey::new(
            "apps",
            "Deployment",
            Some("kube-metrics"),
            "metrics-server"
        )));
        assert_eq!(TrackingId::parse("nonsense"), None);
    }

    #[test]
    fn policies() {
        assert!(!ApplicationsSyncPolicy::CreateUpdate.allows_delete());
        assert!(ApplicationsSyncPolicy::CreateDelete.allows_delete());
        assert!(!ApplicationsSyncPolicy::CreateDelete.allows_update());
        assert_eq!(ApplicationsSyncPolicy::parse("bogus"), None);
    }
}
