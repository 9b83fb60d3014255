//! Whether a Service has a ready endpoint, read from its EndpointSlices (or Endpoints) and
//! the pods they point at, as the EndpointSlice controller keeps them
//! (`pkg/controller/endpointslice/`): what an APIService's availability and a webhook's
//! reachability depend on.

use std::collections::BTreeMap;

use preflight_model::ObjectKey;

use super::Cluster;

impl Cluster<'_> {
    /// Ready endpoints of a Service, from EndpointSlices (≥ 1.34) or Endpoints, falling
    /// back to the pods its selector matches when the snapshot holds neither.
    pub(super) fn ready_endpoints(
        &self,
        namespace: &str,
        service: &str,
        port_name: &str,
        slices: bool,
    ) -> Endpoints {
        let content = self.in_namespace(namespace);
        let endpoint_objects: Vec<usize> = content
            .iter()
            .copied()
            .filter(|&i| {
                let key = self.key(i);
                if slices {
                    key.group == "discovery.k8s.io"
                        && key.kind == "EndpointSlice"
                        && self.object(i).label("kubernetes.io/service-name") == Some(service)
                } else {
                    key.group.is_empty() && key.kind == "Endpoints" && key.name == service
                }
            })
            .collect();
        if !endpoint_objects.is_empty() {
            let live: Vec<usize> = endpoint_objects
                .iter()
                .copied()
                .filter(|&i| self.alive(i))
                .collect();
            if live.is_empty() {
                return Endpoints::NotFound(endpoint_objects.first().copied());
            }
            let mut lost = None;
            for &e in &live {
                let addresses = if slices {
                    self.slice_addresses(e, port_name)
                } else {
                    self.endpoints_addresses(e, port_name)
                };
                for target in addresses {
                    match target {
                        None => return Endpoints::Ready,
                        Some(pod) if self.alive(pod) => return Endpoints::Ready,
                        Some(pod) => lost = lost.or(Some(pod)),
                    }
                }
            }
            return Endpoints::NoneReady(lost);
        }
        // No endpoint object for this Service. Missing data is no proof of a live
        // backend (issue 13): follow what the snapshot shows of the cluster. The
        // endpoint controllers write an EndpointSlice (and, before 1.33's deprecation,
        // an Endpoints object) for every Service with a selector, empty when no pod is
        // ready, and the aggregator's availability controller
        // (kube-aggregator `pkg/controllers/status/remote/remote_available_controller.go`)
        // reads them: no ready address is `MissingEndpoints`, no object at all
        // `EndpointsNotFound` (R-APISVC-1).
        let endpoints_captured = !self.of_kind_in_cluster(slices).is_empty();
        let pods_captured = !self.of_kind("", "Pod").is_empty();
        let selector = self
            .position(&ObjectKey::new("", "Service", Some(namespace), service))
            .and_then(|s| self.object(s).value_at(&["spec", "selector"]))
            .and_then(|s| s.as_object())
            .cloned();
        let Some(selector) = selector.filter(|s| !s.is_empty()) else {
            // A Service without a selector has only the endpoints someone writes.
            return if endpoints_captured {
                Endpoints::NotFound(None)
            } else {
                Endpoints::Unknown
            };
        };
        let selects = |labels: &BTreeMap<String, String>| {
            selector.iter().all(|(k, v)| {
                v.as_str()
                    .is_some_and(|v| labels.get(k).map(String::as_str) == Some(v))
            })
        };
        let pods: Vec<usize> = content
            .iter()
            .copied()
            .filter(|&i| self.is_pod(i))
            .filter(|&i| selects(&self.object(i).labels()))
            .collect();
        if pods.iter().any(|&p| self.alive(p) && self.pod_ready(p)) {
            return Endpoints::Ready;
        }
        if let Some(&pod) = pods.iter().find(|&&p| !self.alive(p)) {
            return Endpoints::NoneReady(Some(pod));
        }
        if !pods.is_empty() || endpoints_captured || pods_captured {
            return Endpoints::NoneReady(None);
        }
        // Neither pods nor endpoints captured: a selected workload scaled to zero still
        // shows that no pod can be ready.
        let scaled_to_zero = content.iter().any(|&w| {
            self.workloads.contains(&w)
                && self.key(w).kind != "DaemonSet"
                && self
                    .object(w)
                    .value_at(&["spec", "replicas"])
                    .and_then(|r| r.as_i64())
                    == Some(0)
                && self
                    .object(w)
                    .value_at(&["spec", "template", "metadata", "labels"])
                    .and_then(|l| l.as_object())
                    .is_some_and(|labels| {
                        selects(
                            &labels
                                .iter()
                                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                                .collect(),
                        )
                    })
        });
        if scaled_to_zero {
            Endpoints::NoneReady(None)
        } else {
            Endpoints::Unknown
        }
    }

    /// The endpoint objects of the kind the cluster's version reads (EndpointSlices from
    /// 1.34, Endpoints before), anywhere in the cluster.
    pub(super) fn of_kind_in_cluster(&self, slices: bool) -> std::ops::Range<usize> {
        if slices {
            self.of_kind("discovery.k8s.io", "EndpointSlice")
        } else {
            self.of_kind("", "Endpoints")
        }
    }

    /// Whether a pod is ready: its `Ready` condition is `True`, or the snapshot records
    /// no condition (a pod captured without status counts as ready).
    pub(super) fn pod_ready(&self, pod: usize) -> bool {
        self.object(pod)
            .value_at(&["status", "conditions"])
            .and_then(|c| c.as_array())
            .and_then(|conditions| {
                conditions
                    .iter()
                    .find(|c| c.get("type").and_then(|t| t.as_str()) == Some("Ready"))
            })
            .and_then(|c| c.get("status").and_then(|s| s.as_str()))
            .is_none_or(|status| status == "True")
    }

    /// Ready addresses with the named port: `None` for an address without a pod target,
    /// `Some(pod)` for one backed by a pod of the snapshot.
    pub(super) fn slice_addresses(&self, slice: usize, port_name: &str) -> Vec<Option<usize>> {
        let object = self.object(slice);
        let has_port = object
            .value_at(&["ports"])
            .and_then(|p| p.as_array())
            .is_some_and(|ports| {
                ports
                    .iter()
                    .any(|p| p.get("name").and_then(|n| n.as_str()).unwrap_or("") == port_name)
            });
        if !has_port {
            return Vec::new();
        }
        let namespace = self.key(slice).namespace.clone();
        object
            .value_at(&["endpoints"])
            .and_then(|e| e.as_array())
            .map(|endpoints| {
                endpoints
                    .iter()
                    .filter(|e| {
                        e.pointer("/conditions/ready").and_then(|r| r.as_bool()) != Some(false)
                    })
                    .map(|e| self.pod_target(e.get("targetRef"), namespace.as_deref()))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub(super) fn endpoints_addresses(
        &self,
        endpoints: usize,
        port_name: &str,
    ) -> Vec<Option<usize>> {
        let namespace = self.key(endpoints).namespace.clone();
        let mut found = Vec::new();
        let subsets = self
            .object(endpoints)
            .value_at(&["subsets"])
            .and_then(|s| s.as_array())
            .cloned()
            .unwrap_or_default();
        for subset in subsets {
            let has_port = subset
                .get("ports")
                .and_then(|p| p.as_array())
                .is_some_and(|ports| {
                    ports
                        .iter()
                        .any(|p| p.get("name").and_then(|n| n.as_str()).unwrap_or("") == port_name)
                });
            if !has_port {
                continue;
            }
            for address in subset
                .get("addresses")
                .and_then(|a| a.as_array())
                .into_iter()
                .flatten()
            {
                found.push(self.pod_target(address.get("targetRef"), namespace.as_deref()));
            }
        }
        found
    }

    pub(super) fn pod_target(
        &self,
        target: Option<&serde_json::Value>,
        namespace: Option<&str>,
    ) -> Option<usize> {
        let target = target?;
        if target.get("kind").and_then(|k| k.as_str()) != Some("Pod") {
            return None;
        }
        let name = target.get("name").and_then(|n| n.as_str())?;
        let namespace = target
            .get("namespace")
            .and_then(|n| n.as_str())
            .or(namespace)?;
        self.position(&ObjectKey::new("", "Pod", Some(namespace), name))
    }
}

pub(super) enum Endpoints {
    /// The snapshot holds nothing to judge by.
    Unknown,
    NotFound(Option<usize>),
    NoneReady(Option<usize>),
    Ready,
}
