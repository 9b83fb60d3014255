//! Volumes (R-VOL-1..3): PVC and PV protection keep a claim while a pod uses it and a
//! volume while it is bound, and the PersistentVolume controller reclaims a released
//! volume by its reclaim policy (`pkg/controller/volume/persistentvolume/pv_controller.go`,
//! `deleteVolumeOperation`), or leaks it when its provisioner goes in the same cascade
//! (C-12).

use preflight_model::ObjectKey;

use super::finalizers::EXTERNAL_PROVISIONER;
use super::{Cluster, Propagation, State};
use crate::causes::DeleteCause;

impl Cluster<'_> {
    /// R-VOL-3: a PersistentVolume whose claim the change deleted is `Released`; with
    /// reclaim policy `Delete` its provisioner deletes the backend volume and then the
    /// PersistentVolume (`pkg/controller/volume/persistentvolume/pv_controller.go`,
    /// `deleteVolumeOperation`: it skips a volume already being deleted, calls
    /// `doDeleteVolume`, then deletes the PV object; CSI volumes go the same way through
    /// the external provisioner, which removes its own finalizer). Provisioners found
    /// through RBAC that are all deleted leak the volume instead (C-12); when the
    /// snapshot shows none, the provisioner runs outside it (the control plane, a
    /// cloud's managed driver).
    pub(super) fn provisioner_reclaims_volumes(&mut self) -> bool {
        let mut changed = false;
        for v in self.of_kind("", "PersistentVolume") {
            if self.state[v] != State::Present || self.reclaim_policy(v) != "Delete" {
                continue;
            }
            let Some(claim) = self.released_claim(v) else {
                continue;
            };
            if self.provisioners_deleted() {
                continue;
            }
            self.start_deletion(
                v,
                Propagation::Background,
                &DeleteCause::VolumeReclaimed {
                    claim: claim.clone(),
                },
                Some(claim),
            );
            self.finalizers[v].retain(|f| f != EXTERNAL_PROVISIONER);
            changed = true;
        }
        changed
    }

    /// `spec.persistentVolumeReclaimPolicy`, `Retain` when unset (the API server's
    /// default for a PersistentVolume, `pkg/apis/core/v1/defaults.go`).
    pub(super) fn reclaim_policy(&self, volume: usize) -> &str {
        self.object(volume)
            .str_at(&["spec", "persistentVolumeReclaimPolicy"])
            .unwrap_or("Retain")
    }

    /// The claim of a volume when the change deleted it (not one already being deleted
    /// before the change).
    pub(super) fn released_claim(&self, volume: usize) -> Option<ObjectKey> {
        let object = self.object(volume);
        let namespace = object.str_at(&["spec", "claimRef", "namespace"])?;
        let name = object.str_at(&["spec", "claimRef", "name"])?;
        let claim = ObjectKey::new("", "PersistentVolumeClaim", Some(namespace), name);
        let c = self.position(&claim)?;
        (self.state[c] == State::Gone && !self.preexisting[c]).then_some(claim)
    }

    /// Whether the snapshot shows provisioners (through RBAC) and the cascade deletes
    /// every one of them.
    pub(super) fn provisioners_deleted(&self) -> bool {
        let provisioners = self.volume_provisioners();
        !provisioners.is_empty() && provisioners.iter().all(|&p| !self.workload_alive(p))
    }

    /// The workloads whose pods mount claim `claim` (any pod of the snapshot, scheduled
    /// or not): the top of each pod's owner chain.
    pub(super) fn claim_users(&self, claim: &ObjectKey) -> Vec<ObjectKey> {
        let Some(namespace) = claim.namespace.as_deref() else {
            return Vec::new();
        };
        let mut users = Vec::new();
        for &p in self.in_namespace(namespace) {
            if !self.is_pod(p) {
                continue;
            }
            if !self.mounts_claim(p, &claim.name) {
                continue;
            }
            let mut top = p;
            // Owner chains are short (Pod → ReplicaSet → Deployment); the bound keeps a
            // cycle of owner references from looping.
            for _ in 0..8 {
                let next = self
                    .object(top)
                    .owner_references()
                    .iter()
                    .filter_map(|r| self.position_of_uid(r.uid.as_str()))
                    .find(|&o| self.owner_reference_valid(top, o));
                match next {
                    Some(owner) => top = owner,
                    None => break,
                }
            }
            users.push(self.key(top).clone());
        }
        users.sort();
        users.dedup();
        users
    }

    /// Whether pod `pod` mounts the claim named `claim` (of its namespace).
    fn mounts_claim(&self, pod: usize, claim: &str) -> bool {
        self.object(pod)
            .value_at(&["spec", "volumes"])
            .and_then(|v| v.as_array())
            .is_some_and(|volumes| {
                volumes.iter().any(|v| {
                    v.pointer("/persistentVolumeClaim/claimName")
                        .and_then(|c| c.as_str())
                        == Some(claim)
                })
            })
    }

    pub(super) fn pods_using_claim(&self, claim: usize) -> Vec<ObjectKey> {
        let Some(ns) = self.key(claim).namespace.as_deref() else {
            return Vec::new();
        };
        let name = &self.key(claim).name;
        let mut users = Vec::new();
        for &p in self.in_namespace(ns) {
            if self.state[p] == State::Gone
                || self.key(p).kind != "Pod"
                || !self.key(p).group.is_empty()
            {
                continue;
            }
            // R-VOL-1: only pods scheduled to a node (`spec.nodeName` set) hold the claim.
            if self
                .object(p)
                .str_at(&["spec", "nodeName"])
                .is_none_or(str::is_empty)
            {
                continue;
            }
            if self.mounts_claim(p, name) {
                users.push(self.key(p).clone());
            }
        }
        users
    }

    /// R-VOL-2: the PV protection controller lets go once the volume's phase is not
    /// `Bound`. A bound volume becomes `Released` when its claim goes, so the volume is
    /// held while it is `Bound` (or records no phase) and its claim still exists.
    pub(super) fn claim_bound_to_volume(&self, volume: usize) -> Option<ObjectKey> {
        let phase = self.object(volume).str_at(&["status", "phase"]);
        if phase.is_some_and(|phase| phase != "Bound") {
            return None;
        }
        let claim_ns = self
            .object(volume)
            .str_at(&["spec", "claimRef", "namespace"])?;
        let claim_name = self.object(volume).str_at(&["spec", "claimRef", "name"])?;
        let key = ObjectKey::new("", "PersistentVolumeClaim", Some(claim_ns), claim_name);
        let c = self.position(&key)?;
        (self.state[c] != State::Gone).then_some(key)
    }
}
