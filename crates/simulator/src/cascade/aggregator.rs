//! The aggregator's availability controller and API discovery (R-APISVC-1, R-DISC-2..5):
//! an APIService with `spec.service` is available while its Service has a ready endpoint
//! (kube-aggregator `pkg/controllers/status/remote/remote_available_controller.go`), or
//! as `capture.json` recorded it when the snapshot holds nothing to judge by; an
//! unavailable one fails discovery of its group/version, which the namespace controller
//! cannot get past (R-DISC-4).

use std::collections::BTreeMap;

use preflight_model::ObjectKey;

use super::endpoints::Endpoints;
use super::{Cluster, State};
use crate::causes::DiscoveryFailure;
use crate::outcome::AvailabilityReason;

impl Cluster<'_> {
    pub(super) fn api_services(&self) -> Vec<usize> {
        self.remote_api_services.clone()
    }

    /// Whether each APIService with `spec.service` is available, by name.
    pub(super) fn availability_now(&self) -> BTreeMap<String, bool> {
        self.api_services()
            .into_iter()
            .map(|i| (self.key(i).name.clone(), self.availability(i).available))
            .collect()
    }

    /// R-DISC-3: the failing group/versions of the discovery error, sorted.
    pub(super) fn discovery_failures(&self) -> Vec<DiscoveryFailure> {
        let mut failures: Vec<DiscoveryFailure> = self
            .api_services()
            .into_iter()
            .filter(|&a| self.state[a] != State::Gone)
            .filter(|&a| !self.availability(a).available)
            .map(|a| DiscoveryFailure {
                group_version: self.group_version(a),
                stale: self.version.at_least(27),
                recorded: None,
            })
            .collect();
        // A group/version recorded unavailable without an APIService object in the
        // snapshot fails discovery all the same, and nothing in the cascade can end it.
        failures.extend(
            self.recorded_unavailable
                .iter()
                .filter(|(gv, _)| {
                    !self
                        .api_services()
                        .into_iter()
                        .any(|a| self.group_version(a) == **gv)
                })
                .map(|(gv, reason)| DiscoveryFailure {
                    group_version: gv.clone(),
                    stale: self.version.at_least(27),
                    recorded: Some(reason.clone()),
                }),
        );
        failures.sort();
        failures.dedup();
        failures
    }

    pub(super) fn group_version(&self, api_service: usize) -> String {
        let object = self.object(api_service);
        let group = object.str_at(&["spec", "group"]).unwrap_or("");
        let version = object.str_at(&["spec", "version"]).unwrap_or("");
        format!("{group}/{version}")
    }

    /// Availability of an APIService with `spec.service`: what the snapshot shows
    /// (R-APISVC-1), unless discovery of its group/version was recorded as failing when
    /// the cluster was captured and nothing in the snapshot explains it — then it was
    /// already unavailable, whatever its object's status says (issue 11, R-DISC-5).
    pub(super) fn availability(&self, api_service: usize) -> Availability {
        let derived = self.derived_availability(api_service);
        if !derived.available {
            return derived;
        }
        match self
            .recorded_unavailable
            .get(&self.group_version(api_service))
        {
            Some(discovery_error) => Availability {
                available: false,
                condition: AvailabilityReason::UnavailableAtCapture {
                    discovery_error: discovery_error.clone(),
                },
                lost_backend: None,
            },
            None => self.unavailable_at_capture(api_service).unwrap_or(derived),
        }
    }

    /// An APIService whose own status in the snapshot says `Available=False` although its
    /// Service and endpoints look ready: the availability controller's last check failed
    /// for a reason the snapshot cannot show (typically `FailedDiscoveryCheck`, the GET of
    /// `/apis/<group>/<version>` on the backend; R-APISVC-1). It was already unavailable
    /// when the cluster was captured, and nothing the change deletes makes it available
    /// (issue 13).
    fn unavailable_at_capture(&self, api_service: usize) -> Option<Availability> {
        let status = self.recorded_availability(api_service);
        (!status.available).then_some(status)
    }

    /// R-APISVC-1: availability of an APIService with `spec.service`, as the remote
    /// availability controller computes it in the current state.
    pub(super) fn derived_availability(&self, api_service: usize) -> Availability {
        let object = self.object(api_service);
        let namespace = object
            .str_at(&["spec", "service", "namespace"])
            .unwrap_or("")
            .to_string();
        let name = object
            .str_at(&["spec", "service", "name"])
            .unwrap_or("")
            .to_string();
        let port = object
            .value_at(&["spec", "service", "port"])
            .and_then(|p| p.as_i64())
            .unwrap_or(443);
        let unavailable = |reason: &str, message: String, lost: Option<usize>| Availability {
            available: false,
            condition: AvailabilityReason::Condition {
                reason: reason.to_string(),
                message,
            },
            lost_backend: lost,
        };
        let service_key = ObjectKey::new("", "Service", Some(&namespace), &name);
        let service = match self.position(&service_key) {
            Some(s) if self.state[s] == State::Present => s,
            found => {
                return unavailable(
                    "ServiceNotFound",
                    format!("service/{name} in \"{namespace}\" is not present"),
                    found,
                )
            }
        };
        let service_object = self.object(service);
        let service_type = service_object
            .str_at(&["spec", "type"])
            .unwrap_or("ClusterIP");
        if service_type != "ClusterIP" {
            return self.recorded_availability(api_service);
        }
        let ports = service_object
            .value_at(&["spec", "ports"])
            .and_then(|p| p.as_array())
            .cloned()
            .unwrap_or_default();
        let Some(service_port) = ports
            .iter()
            .find(|p| p.get("port").and_then(|v| v.as_i64()) == Some(port))
        else {
            return unavailable(
                "ServicePortError",
                format!("service/{name} in \"{namespace}\" is not listening on port {port}"),
                None,
            );
        };
        let port_name = service_port
            .get("name")
            .and_then(|n| n.as_str())
            .unwrap_or("")
            .to_string();
        let slices = self.version.at_least(34);
        let noun = if slices {
            "endpointslices"
        } else {
            "endpoints"
        };
        match self.ready_endpoints(&namespace, &name, &port_name, slices) {
            Endpoints::Unknown => self.recorded_availability(api_service),
            Endpoints::NotFound(lost) => unavailable(
                "EndpointsNotFound",
                format!("cannot find {noun} for service/{name} in \"{namespace}\""),
                lost,
            ),
            Endpoints::NoneReady(lost) => unavailable(
                "MissingEndpoints",
                format!(
                    "{noun} for service/{name} in \"{namespace}\" have no addresses with port name \"{port_name}\""
                ),
                lost,
            ),
            Endpoints::Ready => Availability {
                available: true,
                condition: passed(),
                lost_backend: None,
            },
        }
    }

    /// What the snapshot's own status says, for backends the snapshot cannot judge.
    pub(super) fn recorded_availability(&self, api_service: usize) -> Availability {
        let conditions = self
            .object(api_service)
            .value_at(&["status", "conditions"])
            .and_then(|c| c.as_array())
            .cloned()
            .unwrap_or_default();
        let available = conditions
            .iter()
            .find(|c| c.get("type").and_then(|t| t.as_str()) == Some("Available"));
        match available {
            Some(condition) if condition.get("status").and_then(|s| s.as_str()) != Some("True") => {
                Availability {
                    available: false,
                    condition: AvailabilityReason::Condition {
                        reason: condition
                            .get("reason")
                            .and_then(|r| r.as_str())
                            .unwrap_or("")
                            .to_string(),
                        message: condition
                            .get("message")
                            .and_then(|r| r.as_str())
                            .unwrap_or("")
                            .to_string(),
                    },
                    lost_backend: None,
                }
            }
            _ => Availability {
                available: true,
                condition: passed(),
                lost_backend: None,
            },
        }
    }
}

pub(super) struct Availability {
    pub(super) available: bool,
    pub(super) condition: AvailabilityReason,
    pub(super) lost_backend: Option<usize>,
}

/// The condition of an available APIService, as the availability controller writes it.
fn passed() -> AvailabilityReason {
    AvailabilityReason::Condition {
        reason: "Passed".to_string(),
        message: "all checks passed".to_string(),
    }
}
