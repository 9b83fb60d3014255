//! CustomResourceDefinitions (R-CRD-2, R-CRD-5): the apiextensions server's CRD finalizer
//! deletes every instance of a deleted CRD before the CRD goes, and deletes none when it
//! cannot list them (apiextensions-apiserver `pkg/controller/finalizer/crd_finalizer.go`,
//! `deleteInstances`).

use super::{Cluster, Propagation, State};
use crate::causes::DeleteCause;

impl Cluster<'_> {
    /// R-CRD-2: the CRD finalizer deletes every instance of a CRD being deleted, straight
    /// from storage (no admission).
    pub(super) fn crd_finalizer_deletes_instances(&mut self) -> bool {
        let mut changed = false;
        let deleting: Vec<usize> = (0..self.len())
            .filter(|&c| {
                self.state[c] == State::Deleting
                    && self.key(c).group == "apiextensions.k8s.io"
                    && self.key(c).kind == "CustomResourceDefinition"
            })
            .collect();
        for crd in deleting {
            // R-CRD-5: `deleteInstances` (apiextensions-apiserver
            // `pkg/controller/finalizer/crd_finalizer.go`) LISTs every instance first and
            // returns `InstanceDeletionFailed` when the LIST fails, before any delete: an
            // unreachable conversion webhook leaves every instance untouched.
            if self.instance_listing_error(crd).is_some() {
                continue;
            }
            let cause = DeleteCause::CustomResourceDefinition(self.key(crd).name.clone());
            for instance in self.instances_of_crd(crd) {
                if self.state[instance] == State::Present {
                    self.start_deletion(
                        instance,
                        Propagation::Background,
                        &cause,
                        Some(self.key(crd).clone()),
                    );
                    changed = true;
                }
            }
        }
        changed
    }

    /// Instances of CRD `crd` that still exist.
    pub(super) fn instances_of_crd(&self, crd: usize) -> Vec<usize> {
        let object = self.object(crd);
        let group = object.str_at(&["spec", "group"]).unwrap_or("");
        let kind = object.str_at(&["spec", "names", "kind"]).unwrap_or("");
        self.of_kind(group, kind)
            .filter(|&i| self.state[i] != State::Gone)
            .collect()
    }
}
