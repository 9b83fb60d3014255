//! Pods on nodes that are down (R-POD-1, R-POD-2): a pod on a node whose kubelet does not
//! run is never confirmed gone, unless the node carries the out-of-service taint that
//! lets the pod garbage collector force-delete it (`pkg/controller/podgc/gc_controller.go`).

use preflight_model::ObjectKey;

use super::Cluster;

impl Cluster<'_> {
    pub(super) fn is_pod(&self, i: usize) -> bool {
        self.key(i).group.is_empty() && self.key(i).kind == "Pod"
    }

    /// R-POD-1: a pod on a node whose kubelet does not run (the Node is not `Ready`) is
    /// never confirmed gone, unless the node carries the out-of-service taint, which lets
    /// the pod garbage collector force-delete it (R-POD-2). A Node object that no longer
    /// exists also lets the pod garbage collector act. Returns the node's name.
    pub(super) fn pod_node_down(&self, i: usize) -> Option<String> {
        if !self.is_pod(i) {
            return None;
        }
        let node_name = self.object(i).str_at(&["spec", "nodeName"])?;
        let node = self.position(&ObjectKey::new("", "Node", None, node_name))?;
        let node = self.object(node);
        let out_of_service = node
            .value_at(&["spec", "taints"])
            .and_then(|t| t.as_array())
            .is_some_and(|taints| {
                taints.iter().any(|t| {
                    t.get("key").and_then(|k| k.as_str())
                        == Some("node.kubernetes.io/out-of-service")
                })
            });
        let ready = node
            .value_at(&["status", "conditions"])
            .and_then(|c| c.as_array())
            .and_then(|conditions| {
                conditions
                    .iter()
                    .find(|c| c.get("type").and_then(|t| t.as_str()) == Some("Ready"))
            })
            .and_then(|c| c.get("status").and_then(|s| s.as_str()))
            .unwrap_or("True");
        (ready != "True" && !out_of_service).then(|| node_name.to_string())
    }
}
