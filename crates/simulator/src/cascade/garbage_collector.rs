//! The garbage collector (R-GC-2..8): dependents whose owners are all gone are collected,
//! those of an owner in foreground deletion at once, orphans are left, and a
//! cluster-scoped dependent of a namespaced owner never
//! (`pkg/controller/garbagecollector/garbagecollector.go`, `attemptToDeleteItem`).

use super::finalizers::{FOREGROUND, ORPHAN};
use super::{Cluster, Propagation, State};
use crate::causes::DeleteCause;

impl Cluster<'_> {
    /// R-GC-2..6: dependents whose owners are all gone are collected; dependents of an
    /// owner in foreground deletion are deleted right away.
    pub(super) fn garbage_collector(&mut self) -> bool {
        let mut changed = false;
        for i in 0..self.len() {
            if self.state[i] != State::Present {
                continue;
            }
            let refs = self.object(i).owner_references();
            if refs.is_empty() {
                continue;
            }
            let mut resolved = 0;
            let mut absent = 0;
            let mut foreground_owner = None;
            let mut orphaned_by = 0;
            let mut first_owner = None;
            for owner in refs.iter() {
                let Some(o) = self.position_of_uid(owner.uid.as_str()) else {
                    continue;
                };
                if !self.owner_reference_valid(i, o) {
                    continue;
                }
                resolved += 1;
                first_owner.get_or_insert(o);
                match self.state[o] {
                    State::Gone => {
                        if self.propagation[o] == Propagation::Orphan {
                            orphaned_by += 1;
                        } else {
                            absent += 1;
                        }
                    }
                    State::Deleting if self.finalizers[o].iter().any(|f| f == FOREGROUND) => {
                        foreground_owner.get_or_insert(o);
                        absent += 1;
                    }
                    State::Deleting if self.propagation[o] == Propagation::Orphan => {
                        orphaned_by += 1
                    }
                    _ => {}
                }
            }
            // Owners that the snapshot does not hold are not judged: the snapshot may be
            // partial, and a real dangling reference would already have been collected.
            if resolved == 0 || absent == 0 || absent + orphaned_by < resolved || orphaned_by > 0 {
                continue;
            }
            let owner = foreground_owner.or(first_owner).expect("resolved > 0");
            let cause = DeleteCause::GarbageCollected {
                owner: self.key(owner).clone(),
            };
            // R-GC-3: a dependent that has dependents of its own is deleted in the
            // foreground when an owner waits for it, so the owner keeps waiting until the
            // whole subtree is gone; otherwise its own GC finalizer decides.
            let propagation = if foreground_owner.is_some() && self.has_dependents(i) {
                Propagation::Foreground
            } else if self.finalizers[i].iter().any(|f| f == ORPHAN) {
                Propagation::Orphan
            } else if self.finalizers[i].iter().any(|f| f == FOREGROUND) {
                Propagation::Foreground
            } else {
                Propagation::Background
            };
            // The GC retries a refused DELETE forever; the object stays meanwhile.
            if self
                .api_delete(i, propagation, &cause, Some(self.key(owner).clone()))
                .is_ok()
            {
                changed = true;
            }
        }
        changed
    }

    /// R-GC-8: a namespaced owner is looked up in the dependent's own namespace; a
    /// cluster-scoped dependent can only have cluster-scoped owners.
    pub(super) fn owner_reference_valid(&self, dependent: usize, owner: usize) -> bool {
        match (&self.key(dependent).namespace, &self.key(owner).namespace) {
            (_, None) => true,
            (Some(dn), Some(on)) => dn == on,
            (None, Some(_)) => false,
        }
    }

    /// Dependents of `owner` in the garbage collector's graph that still exist: those
    /// whose reference to it is valid (R-GC-8).
    pub(super) fn has_dependents(&self, owner: usize) -> bool {
        let Some(uid) = self.object(owner).uid() else {
            return false;
        };
        self.dependents(uid)
            .iter()
            .any(|&d| self.state[d] != State::Gone && self.owner_reference_valid(d, owner))
    }

    pub(super) fn blocking_dependents(&self, owner: usize) -> Vec<usize> {
        let Some(uid) = self.object(owner).uid() else {
            return Vec::new();
        };
        self.dependents(uid)
            .iter()
            .copied()
            .filter(|&d| self.state[d] != State::Gone)
            // R-GC-8: a dependent whose reference cannot point at this owner (another
            // namespace, or a cluster-scoped dependent) is not its dependent at all.
            .filter(|&d| self.owner_reference_valid(d, owner))
            .filter(|&d| {
                self.object(d)
                    .owner_references()
                    .iter()
                    .any(|r| r.uid == uid && r.block_owner_deletion)
            })
            .collect()
    }
}
