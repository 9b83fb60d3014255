//! What to list of each discovered resource: the whole objects, their metadata only, or
//! nothing (and why).

use crate::discovery::ResourceType;

/// The resources whose spec or status the model reads, by group and resource name: the
/// objects the cascade, the APIService availability checks, webhooks, RBAC-inferred
/// controllers and volume protection look into. Everything else is captured as metadata
/// (name, labels, finalizers, ownerReferences, deletion state), which is what namespace
/// deletion and garbage collection act on.
const FULL_OBJECTS: &[(&str, &str)] = &[
    ("", "configmaps"),
    ("", "endpoints"),
    ("", "namespaces"),
    ("", "nodes"),
    ("", "persistentvolumeclaims"),
    ("", "persistentvolumes"),
    ("", "pods"),
    ("", "serviceaccounts"),
    ("", "services"),
    (
        "admissionregistration.k8s.io",
        "mutatingwebhookconfigurations",
    ),
    (
        "admissionregistration.k8s.io",
        "validatingwebhookconfigurations",
    ),
    ("apiextensions.k8s.io", "customresourcedefinitions"),
    ("apiregistration.k8s.io", "apiservices"),
    ("apps", "daemonsets"),
    ("apps", "deployments"),
    ("apps", "replicasets"),
    ("apps", "statefulsets"),
    ("discovery.k8s.io", "endpointslices"),
    ("rbac.authorization.k8s.io", "clusterrolebindings"),
    ("rbac.authorization.k8s.io", "clusterroles"),
    ("rbac.authorization.k8s.io", "rolebindings"),
    ("rbac.authorization.k8s.io", "roles"),
];

/// Argo CD's own resources: read whole, in the namespaces Argo CD watches, on the cluster
/// it runs in.
const ARGOCD_GROUP: &str = "argoproj.io";
const ARGOCD_RESOURCES: [&str; 3] = ["applications", "applicationsets", "appprojects"];

/// Metrics are computed, not stored: nothing to delete, nothing to wait for.
const METRICS_GROUP: &str = "metrics.k8s.io";

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) enum Form {
    /// Whole objects (minus managedFields and the last-applied annotation).
    Full,
    /// `PartialObjectMetadata`: metadata only.
    Metadata,
}

/// How one resource is listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ListPlan {
    pub(crate) resource: ResourceType,
    pub(crate) form: Form,
    /// `None`: every namespace at once; else each of these namespaces.
    pub(crate) namespaces: Option<Vec<String>>,
}

/// A resource left out on purpose, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Skipped {
    pub(crate) group_version: String,
    pub(crate) resource: String,
    pub(crate) reason: String,
}

/// Where the Argo CD objects are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ArgoCdScope {
    pub(crate) namespaces: Vec<String>,
}

/// Decides how to list each resource. `argocd` is set for the cluster Argo CD runs in.
pub(crate) fn plan_lists(
    resources: &[ResourceType],
    argocd: Option<&ArgoCdScope>,
) -> (Vec<ListPlan>, Vec<Skipped>) {
    let mut plans = Vec::new();
    let mut skipped = Vec::new();
    for resource in resources {
        let skip = |reason: &str| Skipped {
            group_version: resource.api_version(),
            resource: resource.resource.clone(),
            reason: reason.to_string(),
        };
        let group = resource.group.as_str();
        let name = resource.resource.as_str();
        if group == METRICS_GROUP {
            skipped.push(skip("metrics are computed on request, not stored objects"));
            continue;
        }
        if name == "events" && (group.is_empty() || group == "events.k8s.io") {
            skipped.push(skip("events are neither deleted by nor block a deletion"));
            continue;
        }
        if group == ARGOCD_GROUP && ARGOCD_RESOURCES.contains(&name) {
            match argocd {
                Some(scope) => plans.push(ListPlan {
                    resource: resource.clone(),
                    form: Form::Full,
                    namespaces: Some(scope.namespaces.clone()),
                }),
                None => plans.push(ListPlan {
                    resource: resource.clone(),
                    form: Form::Metadata,
                    namespaces: None,
                }),
            }
            continue;
        }
        let form = if FULL_OBJECTS.contains(&(group, name)) {
            Form::Full
        } else {
            Form::Metadata
        };
        plans.push(ListPlan {
            resource: resource.clone(),
            form,
            namespaces: None,
        });
    }
    (plans, skipped)
}

/// Secrets are read as metadata like any other resource; on the Argo CD cluster its
/// cluster secrets are read whole as well, to keep their non-credential fields.
pub(crate) fn is_secrets(resource: &ResourceType) -> bool {
    resource.group.is_empty() && resource.resource == "secrets"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resource(group: &str, name: &str) -> ResourceType {
        ResourceType {
            group: group.to_string(),
            version: "v1".to_string(),
            resource: name.to_string(),
            kind: "K".to_string(),
            namespaced: true,
        }
    }

    #[track_caller]
    fn check(group: &str, name: &str, argocd: bool, expected: &str) {
        let scope = ArgoCdScope {
            namespaces: vec!["argocd".to_string()],
        };
        let (plans, skipped) = plan_lists(&[resource(group, name)], argocd.then_some(&scope));
        let actual = match (plans.first(), skipped.first()) {
            (Some(plan), None) => match (&plan.form, &plan.namespaces) {
                (Form::Full, None) => "full".to_string(),
                (Form::Full, Some(ns)) => format!("full in {}", ns.join(",")),
                (Form::Metadata, _) => "metadata".to_string(),
            },
            (None, Some(_)) => "skipped".to_string(),
            _ => unreachable!(),
        };
        assert_eq!(actual, expected, "{group}/{name}");
    }

    #[test]
    fn each_resource_is_listed_as_the_model_needs_it() {
        check("", "namespaces", false, "full");
        check("apiregistration.k8s.io", "apiservices", false, "full");
        check("apps", "deployments", false, "full");
        check("", "secrets", true, "metadata");
        check("networking.k8s.io", "ingresses", false, "metadata");
        check("cert-manager.io", "certificates", false, "metadata");
        check("", "events", false, "skipped");
        check("events.k8s.io", "events", false, "skipped");
        check("metrics.k8s.io", "pods", false, "skipped");
        check("argoproj.io", "applications", true, "full in argocd");
        check("argoproj.io", "applications", false, "metadata");
        check("argoproj.io", "appprojects", true, "full in argocd");
    }
}
