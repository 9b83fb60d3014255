//! Admission webhooks and CRD conversion webhooks whose backend is gone (k8s rulebook
//! §7, §8): which requests of the cascade they refuse, and with which error.

use std::collections::BTreeMap;

use serde_json::Value;

use preflight_model::{split_api_version, ObjectKey};

use super::{Cluster, Endpoints, State};
use crate::causes::{Refusal, ServiceCall, Unreachable};

/// The operation of an API request, as admission rules name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Operation {
    Create,
    Update,
    Delete,
}

impl Operation {
    fn as_str(self) -> &'static str {
        match self {
            Operation::Create => "CREATE",
            Operation::Update => "UPDATE",
            Operation::Delete => "DELETE",
        }
    }
}

/// One webhook of a Validating- or MutatingWebhookConfiguration.
pub(super) struct Webhook {
    /// The configuration object it belongs to.
    config: usize,
    name: String,
    /// `failurePolicy: Fail` (the default of `admissionregistration.k8s.io/v1`).
    fail_closed: bool,
    /// `(namespace, name, port, path)` of `clientConfig.service`; `None` for a URL.
    service: Option<(String, String, i64, String)>,
    timeout_seconds: i64,
    rules: Vec<Value>,
    namespace_selector: Option<Value>,
    object_selector: Option<Value>,
}

/// Kinds webhooks are never called for (R-WH-1).
const EXEMPT_KINDS: &[&str] = &[
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "MutatingAdmissionPolicy",
    "MutatingAdmissionPolicyBinding",
];

/// The webhooks of every configuration among `objects`.
pub(super) fn collect<'o>(
    objects: impl IntoIterator<Item = &'o preflight_model::Object>,
) -> Vec<Webhook> {
    let mut webhooks = Vec::new();
    for (config, object) in objects.into_iter().enumerate() {
        if object.group() != "admissionregistration.k8s.io"
            || !matches!(
                object.kind(),
                "ValidatingWebhookConfiguration" | "MutatingWebhookConfiguration"
            )
        {
            continue;
        }
        // The v1beta1 API defaulted to Ignore, v1 defaults to Fail.
        let default_fail = split_api_version(object.api_version()).1 != "v1beta1";
        let default_timeout = if default_fail { 10 } else { 30 };
        for webhook in object
            .value_at(&["webhooks"])
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let text = |path: &str| webhook.pointer(path).and_then(Value::as_str);
            let service = text("/clientConfig/service/name").map(|name| {
                (
                    text("/clientConfig/service/namespace")
                        .unwrap_or("default")
                        .to_string(),
                    name.to_string(),
                    webhook
                        .pointer("/clientConfig/service/port")
                        .and_then(Value::as_i64)
                        .unwrap_or(443),
                    text("/clientConfig/service/path").unwrap_or("").to_string(),
                )
            });
            webhooks.push(Webhook {
                config,
                name: text("/name").unwrap_or("").to_string(),
                fail_closed: match text("/failurePolicy") {
                    Some(policy) => policy == "Fail",
                    None => default_fail,
                },
                service,
                timeout_seconds: webhook
                    .get("timeoutSeconds")
                    .and_then(Value::as_i64)
                    .unwrap_or(default_timeout),
                rules: webhook
                    .get("rules")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default(),
                namespace_selector: webhook.get("namespaceSelector").cloned(),
                object_selector: webhook.get("objectSelector").cloned(),
            });
        }
    }
    webhooks
}

/// Kubernetes label-selector semantics (`matchLabels`, `matchExpressions`); an absent
/// or empty selector matches everything.
pub(super) fn selector_matches(
    selector: Option<&Value>,
    labels: &BTreeMap<String, String>,
) -> bool {
    let Some(selector) = selector else {
        return true;
    };
    let match_labels = selector
        .get("matchLabels")
        .and_then(Value::as_object)
        .is_none_or(|wanted| {
            wanted.iter().all(|(k, v)| {
                v.as_str()
                    .is_some_and(|v| labels.get(k).map(String::as_str) == Some(v))
            })
        });
    let expressions = selector
        .get("matchExpressions")
        .and_then(Value::as_array)
        .is_none_or(|expressions| {
            expressions.iter().all(|e| {
                let key = e.get("key").and_then(Value::as_str).unwrap_or("");
                let values: Vec<&str> = e
                    .get("values")
                    .and_then(Value::as_array)
                    .map(|v| v.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                let value = labels.get(key).map(String::as_str);
                match e.get("operator").and_then(Value::as_str).unwrap_or("") {
                    "In" => value.is_some_and(|v| values.contains(&v)),
                    "NotIn" => value.is_none_or(|v| !values.contains(&v)),
                    "Exists" => value.is_some(),
                    "DoesNotExist" => value.is_none(),
                    _ => false,
                }
            })
        });
    match_labels && expressions
}

fn list(value: &Value, field: &str) -> Vec<String> {
    value
        .get(field)
        .and_then(Value::as_array)
        .map(|v| {
            v.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

impl Cluster<'_> {
    /// The error the API server answers for `operation` on object `i` because a
    /// fail-closed webhook that matches it cannot be reached (R-WH-2, R-WH-4), if any.
    pub(super) fn admission_error(&self, operation: Operation, i: usize) -> Option<Refusal> {
        let key = self.key(i);
        if key.group == "admissionregistration.k8s.io" && EXEMPT_KINDS.contains(&key.kind.as_str())
        {
            return None;
        }
        self.webhooks
            .iter()
            .filter(|w| w.fail_closed && self.state[w.config] != State::Gone)
            .filter(|w| self.webhook_matches(w, operation, i))
            .find_map(|w| {
                let (namespace, name, port, path) = w.service.as_ref()?;
                let unreachable = self.service_unreachable(namespace, name, *port)?;
                Some(Refusal::Webhook {
                    webhook: w.name.clone(),
                    call: Box::new(ServiceCall {
                        service: ObjectKey::new("", "Service", Some(namespace), name),
                        port: *port,
                        path: path.clone(),
                        timeout_seconds: w.timeout_seconds,
                        unreachable,
                    }),
                })
            })
    }

    fn webhook_matches(&self, webhook: &Webhook, operation: Operation, i: usize) -> bool {
        let key = self.key(i);
        let version = split_api_version(self.object(i).api_version()).1;
        let resource = self.plural_of(i);
        let scope = if key.namespace.is_some() {
            "Namespaced"
        } else {
            "Cluster"
        };
        let rule_matches = webhook.rules.iter().any(|rule| {
            let any =
                |values: Vec<String>, wanted: &str| values.iter().any(|v| v == "*" || v == wanted);
            any(list(rule, "operations"), operation.as_str())
                && any(list(rule, "apiGroups"), &key.group)
                && any(list(rule, "apiVersions"), version)
                && list(rule, "resources")
                    .iter()
                    .any(|r| r == "*" || *r == resource)
                && rule
                    .get("scope")
                    .and_then(Value::as_str)
                    .is_none_or(|s| s == "*" || s == scope)
        });
        if !rule_matches {
            return false;
        }
        // Cluster-scoped objects other than namespaces always match the namespace
        // selector; a namespace is matched on its own labels.
        // Every namespace carries `kubernetes.io/metadata.name` (since 1.21), whether or
        // not the snapshot shows it.
        let labels_of_namespace = |name: &str| {
            let mut labels = self
                .position(&ObjectKey::namespace_object(name))
                .map(|n| self.object(n).labels())
                .unwrap_or_default();
            labels.insert("kubernetes.io/metadata.name".to_string(), name.to_string());
            labels
        };
        let namespace_labels = if self.is_namespace(i) {
            Some(labels_of_namespace(&key.name))
        } else {
            key.namespace.as_deref().map(labels_of_namespace)
        };
        let namespace_ok = namespace_labels
            .is_none_or(|labels| selector_matches(webhook.namespace_selector.as_ref(), &labels));
        namespace_ok && selector_matches(webhook.object_selector.as_ref(), &self.object(i).labels())
    }

    /// Why the API server cannot reach a Service's backend now.
    pub(super) fn service_unreachable(
        &self,
        namespace: &str,
        name: &str,
        port: i64,
    ) -> Option<Unreachable> {
        let service = self
            .position(&ObjectKey::new("", "Service", Some(namespace), name))
            .filter(|&s| self.state[s] == State::Present);
        let Some(service) = service else {
            return Some(Unreachable::ServiceNotFound);
        };
        let port_name = self
            .object(service)
            .value_at(&["spec", "ports"])
            .and_then(Value::as_array)
            .and_then(|ports| {
                ports
                    .iter()
                    .find(|p| p.get("port").and_then(Value::as_i64) == Some(port))
            })
            .and_then(|p| p.get("name").and_then(Value::as_str))
            .unwrap_or("")
            .to_string();
        match self.ready_endpoints(namespace, name, &port_name, self.version.at_least(34)) {
            Endpoints::Ready | Endpoints::Unknown => None,
            Endpoints::NotFound(_) | Endpoints::NoneReady(_) => Some(Unreachable::NoEndpoints),
        }
    }

    /// The error of reading objects of CRD `crd` that need conversion while its
    /// conversion webhook is unreachable (R-CRD-5), if any, at the version the namespace
    /// controller reads: the preferred one (R-CRD-4).
    pub(super) fn conversion_error(&self, crd: usize) -> Option<Refusal> {
        self.conversion_error_at(crd, preferred_version(self.object(crd))?)
    }

    /// The error of the CRD finalizer's LIST of the instances of CRD `crd`, which reads
    /// at the storage version (R-CRD-2, R-CRD-5): objects stored at any other version
    /// need the conversion webhook.
    pub(super) fn instance_listing_error(&self, crd: usize) -> Option<Refusal> {
        self.conversion_error_at(crd, storage_version(self.object(crd))?)
    }

    /// The error of reading objects of CRD `crd` at version `read_at` while its
    /// conversion webhook is unreachable, if objects stored at another version may
    /// exist (`status.storedVersions`).
    fn conversion_error_at(&self, crd: usize, read_at: String) -> Option<Refusal> {
        let object = self.object(crd);
        if object.str_at(&["spec", "conversion", "strategy"]) != Some("Webhook") {
            return None;
        }
        let config = |field: &str| {
            object
                .value_at(&[
                    "spec",
                    "conversion",
                    "webhook",
                    "clientConfig",
                    "service",
                    field,
                ])
                .cloned()
        };
        let namespace = config("namespace")?.as_str()?.to_string();
        let name = config("name")?.as_str()?.to_string();
        let port = config("port").and_then(|p| p.as_i64()).unwrap_or(443);
        let path = config("path")
            .and_then(|p| p.as_str().map(str::to_string))
            .unwrap_or_default();
        let unreachable = self.service_unreachable(&namespace, &name, port)?;
        let stored = object
            .string_list(&["status", "storedVersions"])
            .into_iter()
            .find(|v| *v != read_at)?;
        let group = object.str_at(&["spec", "group"]).unwrap_or("");
        let kind = object.str_at(&["spec", "names", "kind"]).unwrap_or("");
        Some(Refusal::Conversion {
            group: group.to_string(),
            stored_version: stored,
            kind: kind.to_string(),
            call: Box::new(ServiceCall {
                service: ObjectKey::new("", "Service", Some(&namespace), &name),
                port,
                path,
                timeout_seconds: 30,
                unreachable,
            }),
        })
    }
}

/// The served version discovery prefers: GA over beta over alpha, higher numbers first
/// (Kubernetes version priority).
fn preferred_version(crd: &preflight_model::Object) -> Option<String> {
    let versions = crd.value_at(&["spec", "versions"])?.as_array()?;
    versions
        .iter()
        .filter(|v| v.get("served").and_then(Value::as_bool).unwrap_or(true))
        .filter_map(|v| v.get("name").and_then(Value::as_str))
        .max_by_key(|name| version_priority(name))
        .map(str::to_string)
}

/// The version objects are written at (`storage: true`).
fn storage_version(crd: &preflight_model::Object) -> Option<String> {
    crd.value_at(&["spec", "versions"])?
        .as_array()?
        .iter()
        .find(|v| v.get("storage").and_then(Value::as_bool) == Some(true))
        .and_then(|v| v.get("name").and_then(Value::as_str))
        .map(str::to_string)
}

/// Sort key of a Kubernetes API version: `v2` > `v1` > `v1beta2` > `v1beta1` > `v1alpha1`
/// > anything that is not of that form.
fn version_priority(version: &str) -> (u8, u64, u64) {
    let Some(rest) = version.strip_prefix('v') else {
        return (0, 0, 0);
    };
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let Ok(major) = digits.parse::<u64>() else {
        return (0, 0, 0);
    };
    let suffix = &rest[digits.len()..];
    let level = |prefix: &str, rank: u8| {
        suffix
            .strip_prefix(prefix)
            .and_then(|n| n.parse::<u64>().ok())
            .map(|minor| (rank, major, minor))
    };
    if suffix.is_empty() {
        (3, major, 0)
    } else {
        level("beta", 2)
            .or_else(|| level("alpha", 1))
            .unwrap_or((0, 0, 0))
    }
}

#[cfg(test)]
mod tests {
    use super::version_priority;

    #[test]
    fn version_priority_orders_like_kubernetes() {
        let mut versions = ["v1alpha1", "v1beta2", "v2", "v1", "v1beta1", "foo", "v10"];
        versions.sort_by_key(|v| std::cmp::Reverse(version_priority(v)));
        assert_eq!(
            versions,
            ["v10", "v2", "v1", "v1beta2", "v1beta1", "v1alpha1", "foo"]
        );
    }
}
