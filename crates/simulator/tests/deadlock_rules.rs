//! Deadlocks as cycles (rulebook §12, §14.7): the waits-for graph of a settled cluster,
//! its cycles, and the cut that is safe.

use preflight_model::{Object, ObjectKey};
use preflight_simulator::cascade::{DeletionRequest, KubeVersion, Propagation, Simulation};
use preflight_simulator::causes::DeleteCause;
use preflight_simulator::deadlock::{self, Cut, Deadlock, WaitNode};

fn objects(yaml: &str) -> Vec<Object> {
    serde_saphyr::from_multiple::<serde_json::Value>(yaml)
        .expect("fixture is YAML")
        .into_iter()
        .filter(|v| !v.is_null())
        .map(Object::from_value)
        .collect()
}

/// Deletes namespace `namespace`, lets a replacement Application try to re-create
/// `reapply` while it terminates (the pessimistic order), and returns the cycles.
fn deadlocks(yaml: &str, namespace: &str, reapply: &[ObjectKey]) -> Vec<Deadlock> {
    let objects = objects(yaml);
    let mut simulation = Simulation::new(&objects, KubeVersion::NEWEST);
    simulation.hold_namespaces(true);
    simulation.delete_and_settle(&[DeletionRequest {
        key: ObjectKey::namespace_object(namespace),
        propagation: Propagation::Foreground,
        cause: DeleteCause::ByHand,
    }]);
    let mut refused = Vec::new();
    for key in reapply {
        if simulation.reapply(key, "replacement").is_err() {
            refused.push((key.clone(), key.namespace.clone().unwrap_or_default()));
        }
    }
    simulation.hold_namespaces(false);
    deadlock::find(&simulation.finish(), &refused)
}

/// C-03 + C-14 + R-WH-8: a webhook that does not exclude its own namespace refuses the
/// deletion of that namespace's ConfigMaps once its backend is gone, and the backend
/// cannot come back into the terminating namespace. The safe cut is the webhook
/// configuration (R-WH-1).
#[test]
fn c03_webhook_without_self_exclusion_locks_its_own_namespace() {
    let fixture = r#"
apiVersion: v1
kind: Namespace
metadata: {name: policy, uid: ns-policy}
spec: {finalizers: [kubernetes]}
---
apiVersion: v1
kind: Service
metadata: {name: policy-webhook, namespace: policy, uid: svc}
spec: {ports: [{name: https, port: 443}], selector: {app: policy}}
---
apiVersion: v1
kind: Pod
metadata: {name: policy-0, namespace: policy, uid: pod, labels: {app: policy}}
spec: {nodeName: node-1}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: policy-config, namespace: policy, uid: cm}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: policy, uid: vwc}
webhooks:
- name: validate.policy.example.com
  clientConfig: {service: {name: policy-webhook, namespace: policy, path: /validate}}
  rules: [{operations: [DELETE], apiGroups: [""], apiVersions: [v1], resources: [configmaps]}]
"#;
    let service = ObjectKey::new("", "Service", Some("policy"), "policy-webhook");
    let found = deadlocks(fixture, "policy", std::slice::from_ref(&service));
    assert_eq!(found.len(), 1, "{found:#?}");
    let cycle = &found[0];
    let config_map = ObjectKey::new("", "ConfigMap", Some("policy"), "policy-config");
    assert_eq!(
        cycle.nodes,
        [
            WaitNode::Namespace("policy".to_string()),
            WaitNode::Object(config_map.clone()),
            WaitNode::Object(service.clone()),
        ]
    );
    assert_eq!(
        cycle.nodes[cycle.break_at].to_string(),
        "ConfigMap `policy/policy-config`"
    );
    assert_eq!(
        cycle.cut,
        Cut::DeleteWebhookConfiguration {
            webhook: "validate.policy.example.com".to_string(),
            object: config_map,
        }
    );
    assert_eq!(
        cycle.cut.to_string(),
        "delete the configuration of webhook `validate.policy.example.com`"
    );
}

/// Negative: without anything trying to re-create the backend there is a chain, not a
/// cycle — the namespace is stuck, but nothing waits for the namespace.
#[test]
fn a_stuck_namespace_is_not_a_deadlock_without_a_way_back() {
    let fixture = r#"
apiVersion: v1
kind: Namespace
metadata: {name: policy, uid: ns-policy}
spec: {finalizers: [kubernetes]}
---
apiVersion: v1
kind: Service
metadata: {name: policy-webhook, namespace: policy, uid: svc}
spec: {ports: [{name: https, port: 443}], selector: {app: policy}}
---
apiVersion: v1
kind: Pod
metadata: {name: policy-0, namespace: policy, uid: pod, labels: {app: policy}}
spec: {nodeName: node-1}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: policy-config, namespace: policy, uid: cm}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: policy, uid: vwc}
webhooks:
- name: validate.policy.example.com
  clientConfig: {service: {name: policy-webhook, namespace: policy, path: /validate}}
  rules: [{operations: [DELETE], apiGroups: [""], apiVersions: [v1], resources: [configmaps]}]
"#;
    assert!(deadlocks(fixture, "policy", &[]).is_empty());
}

/// C-02 + C-14: an operator whose custom resources live in its own namespace (Rook's
/// CephCluster in `rook-ceph`, say). Deleting the namespace deletes the operator, its
/// CRs keep their finalizer, and the operator cannot come back into the terminating
/// namespace. No cut loses nothing: the finalizers must go by hand.
#[test]
fn c02_operator_in_the_namespace_of_its_resources_locks_it() {
    let fixture = r#"
apiVersion: v1
kind: Namespace
metadata: {name: rook-ceph, uid: ns}
spec: {finalizers: [kubernetes]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: rook-ceph-operator, namespace: rook-ceph, uid: op}
---
apiVersion: ceph.rook.io/v1
kind: CephCluster
metadata: {name: ceph, namespace: rook-ceph, uid: cc, finalizers: [cephcluster.ceph.rook.io]}
"#;
    let operator = ObjectKey::new(
        "apps",
        "Deployment",
        Some("rook-ceph"),
        "rook-ceph-operator",
    );
    let found = deadlocks(fixture, "rook-ceph", &[operator]);
    assert_eq!(found.len(), 1, "{found:#?}");
    let cycle = &found[0];
    let labels: Vec<String> = cycle.nodes.iter().map(ToString::to_string).collect();
    assert_eq!(
        labels,
        [
            "Namespace `rook-ceph` (Terminating)",
            "CephCluster `rook-ceph/ceph`",
            "Deployment `rook-ceph/rook-ceph-operator`",
        ]
    );
    assert_eq!(
        cycle.cut,
        Cut::RemoveFinalizers {
            object: ObjectKey::new("ceph.rook.io", "CephCluster", Some("rook-ceph"), "ceph"),
            skips: "its owner's",
        }
    );
}
