//! Finalizers (R-FIN-1): which controller removes each one and when it lets go (the
//! garbage collector's `foregroundDeletion` and `orphan`, PVC/PV protection, the CRD
//! cleanup finalizer, the control plane's own; third-party ones through
//! `controllers.rs`), and the removal of objects left without any.

use super::webhooks::Operation;
use super::{Cluster, State};
use crate::causes::FinalizerBlocker;

impl Cluster<'_> {
    /// Removes every finalizer whose controller lets go, and removes objects that are
    /// left without any.
    pub(super) fn finalize(&mut self, namespaces: bool) -> bool {
        let mut changed = false;
        let failures = self.discovery_failures();
        for i in 0..self.len() {
            if self.state[i] != State::Deleting {
                continue;
            }
            let before = self.finalizers[i].len();
            let finalizers = self.finalizers[i].clone();
            let mut kept: Vec<String> = finalizers
                .iter()
                .filter(|f| self.finalizer_blocker(i, f).is_some())
                .cloned()
                .collect();
            // Removing a finalizer is an UPDATE: a fail-closed webhook that cannot be
            // reached keeps every finalizer in place (R-OBJ-8, R-WH-6).
            if kept.len() != before && self.admission_error(Operation::Update, i).is_some() {
                kept = finalizers;
            }
            if kept.len() != before {
                changed = true;
            }
            self.finalizers[i] = kept;
            let gone = if self.is_namespace(i) {
                namespaces
                    && !self.hold_namespaces
                    && self.finalizers[i].is_empty()
                    && self.namespace_blocker(i, &failures).is_none()
            } else {
                self.finalizers[i].is_empty() && self.pod_node_down(i).is_none()
            };
            if gone {
                self.state[i] = State::Gone;
                changed = true;
            }
        }
        changed
    }

    /// Why finalizer `finalizer` stays on object `i`, or `None` when it is removed.
    pub(super) fn finalizer_blocker(&self, i: usize, finalizer: &str) -> Option<FinalizerBlocker> {
        match finalizer {
            FOREGROUND => {
                // The namespace controller's Background DELETE strips it from content
                // (R-OBJ-5, R-NSC-6).
                if !self.is_namespace(i) && self.namespace_terminating(i) {
                    return None;
                }
                let blocking = self.blocking_dependents(i);
                if blocking.is_empty() {
                    None
                } else {
                    Some(FinalizerBlocker::BlockingDependents(
                        blocking.iter().map(|&d| self.key(d).clone()).collect(),
                    ))
                }
            }
            ORPHAN => None,
            PVC_PROTECTION => {
                let users = self.pods_using_claim(i);
                if users.is_empty() {
                    None
                } else {
                    Some(FinalizerBlocker::ClaimInUse(users))
                }
            }
            PV_PROTECTION => self
                .claim_bound_to_volume(i)
                .map(FinalizerBlocker::VolumeBound),
            CRD_CLEANUP => {
                if let Some(refusal) = self.instance_listing_error(i) {
                    return Some(FinalizerBlocker::InstancesUnreadable(refusal));
                }
                let left = self.instances_of_crd(i);
                if left.is_empty() {
                    None
                } else {
                    Some(FinalizerBlocker::InstancesRemain {
                        count: left.len(),
                        first: left.iter().take(5).map(|&c| self.key(c).clone()).collect(),
                    })
                }
            }
            f if ALWAYS_SERVED.contains(&f) => None,
            f => self.controller_blocker(i, f),
        }
    }
}

/// Finalizers whose controller is part of Kubernetes itself and always runs, with the
/// rule that decides when it lets go. Anything else needs a controller the snapshot can
/// reveal (a later stage) and is treated as never removed.
pub(super) const FOREGROUND: &str = "foregroundDeletion";

pub(super) const ORPHAN: &str = "orphan";

pub(super) const PVC_PROTECTION: &str = "kubernetes.io/pvc-protection";

pub(super) const PV_PROTECTION: &str = "kubernetes.io/pv-protection";

/// Put on a PersistentVolume by the CSI external provisioner, which removes it once it
/// has deleted the backend volume.
pub(super) const EXTERNAL_PROVISIONER: &str = "external-provisioner.volume.kubernetes.io/finalizer";

/// Finalizers removed by controllers of the control plane (kube-controller-manager,
/// cloud-controller-manager) that no deletion cascade can stop.
pub(super) const ALWAYS_SERVED: &[&str] = &[
    "batch.kubernetes.io/job-tracking",
    "service.kubernetes.io/load-balancer-cleanup",
    "kubernetes.io/pv-controller",
];

/// The CRD finalizer of the apiextensions server: removed once no instance is left.
pub(super) const CRD_CLEANUP: &str = "customresourcecleanup.apiextensions.k8s.io";
