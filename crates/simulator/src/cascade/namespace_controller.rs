//! The namespace controller (R-NSC-3..8): it deletes every object of a terminating
//! namespace, keeps the namespace while content remains or while discovery of any group
//! fails (NamespaceDeletionDiscoveryFailure, R-DISC-4), and writes the five status
//! conditions (`pkg/controller/namespace/deletion/namespaced_resources_deleter.go`).

use std::collections::BTreeMap;

use preflight_model::ObjectKey;

use super::{Cluster, Propagation, State};
use crate::causes::{DeleteCause, DiscoveryFailure, NamespaceBlocker};
use crate::outcome::NamespaceCondition;

impl Cluster<'_> {
    /// R-NSC-3/4: the namespace controller deletes all content of every terminating
    /// namespace, with Background propagation, whether or not discovery fails for other
    /// groups (R-NSC-3 step 1).
    pub(super) fn namespace_controller_deletes_content(&mut self) -> bool {
        let mut changed = false;
        let terminating: Vec<usize> = (0..self.len())
            .filter(|&i| self.is_namespace(i) && self.state[i] == State::Deleting)
            .collect();
        for ns in terminating {
            let name = self.key(ns).name.clone();
            let previous_errors = self.content_errors.remove(&ns).unwrap_or_default();
            let mut content: Vec<usize> = self.in_namespace(&name).to_vec();
            // R-NSC-3 step 3 (OrderedNamespaceDeletion, on from 1.33): pods go first, and
            // while any pod remains nothing else in the namespace is deleted.
            if self.version.at_least(33) {
                let pods: Vec<usize> = content
                    .iter()
                    .copied()
                    .filter(|&i| self.is_pod(i))
                    .collect();
                for &pod in &pods {
                    changed |= self.namespace_controller_deletes(pod, ns, &name);
                }
                if pods.iter().any(|&pod| self.state[pod] != State::Gone) {
                    let errors = self.content_errors.get(&ns).cloned().unwrap_or_default();
                    changed |= errors != previous_errors;
                    continue;
                }
                content.retain(|&i| !self.is_pod(i));
            }
            for i in content {
                changed |= self.namespace_controller_deletes(i, ns, &name);
            }
            let errors = self.content_errors.get(&ns).cloned().unwrap_or_default();
            changed |= errors != previous_errors;
        }
        changed
    }

    /// One Background DELETE of the namespace controller (R-NSC-4, R-NSC-6).
    pub(super) fn namespace_controller_deletes(&mut self, i: usize, ns: usize, name: &str) -> bool {
        if self.state[i] == State::Gone {
            return false;
        }
        let resource = format!("{}.{}", self.plural_of(i), self.key(i).group);
        // R-CRD-5: reading objects that need conversion fails while the conversion
        // webhook is unreachable, so the resource type fails as a whole.
        let conversion = self
            .crd_of(&self.key(i).group, &self.key(i).kind)
            .and_then(|crd| self.conversion_error(crd));
        if let Some(error) = conversion {
            if self.cause[i].is_none() {
                self.cause[i] = Some(DeleteCause::NamespaceContent(name.to_string()));
                self.cause_key[i] = Some(self.key(ns).clone());
            }
            self.refused[i] = Some(error.clone());
            self.content_errors
                .entry(ns)
                .or_default()
                .insert(resource, error);
            return false;
        }
        let before = (self.state[i], self.finalizers[i].clone());
        let cause = DeleteCause::NamespaceContent(name.to_string());
        if let Err(error) = self.api_delete(
            i,
            Propagation::Background,
            &cause,
            Some(self.key(ns).clone()),
        ) {
            self.content_errors
                .entry(ns)
                .or_default()
                .insert(resource, error);
            return false;
        }
        (self.state[i], self.finalizers[i].clone()) != before
    }

    pub(super) fn namespace_terminating(&self, i: usize) -> bool {
        let Some(ns) = &self.key(i).namespace else {
            return false;
        };
        self.position(&ObjectKey::namespace_object(ns))
            .is_some_and(|n| self.state[n] != State::Present)
    }

    /// Why the namespace controller cannot remove `kubernetes` from namespace `i`.
    pub(super) fn namespace_blocker(
        &self,
        i: usize,
        failures: &[DiscoveryFailure],
    ) -> Option<NamespaceBlocker> {
        if !failures.is_empty() {
            return Some(NamespaceBlocker::Discovery(
                failures.iter().map(|f| f.group_version.clone()).collect(),
            ));
        }
        if let Some(errors) = self.content_errors.get(&i).filter(|e| !e.is_empty()) {
            return Some(NamespaceBlocker::ContentRefused(
                errors.values().cloned().collect(),
            ));
        }
        let remaining = self.remaining_content(&self.key(i).name);
        if !remaining.is_empty() {
            return Some(NamespaceBlocker::ContentRemains(
                remaining.iter().map(|&r| self.key(r).clone()).collect(),
            ));
        }
        let spec_tokens: Vec<String> = self
            .object(i)
            .string_list(&["spec", "finalizers"])
            .into_iter()
            .filter(|t| t != "kubernetes")
            .collect();
        if !spec_tokens.is_empty() {
            return Some(NamespaceBlocker::SpecFinalizers(spec_tokens));
        }
        None
    }

    pub(super) fn remaining_content(&self, namespace: &str) -> Vec<usize> {
        self.in_namespace(namespace)
            .iter()
            .copied()
            .filter(|&c| self.state[c] != State::Gone)
            .collect()
    }

    /// R-NSC-8: the five conditions of a namespace that stays Terminating.
    pub(super) fn namespace_conditions(
        &self,
        i: usize,
        failures: &[DiscoveryFailure],
    ) -> Vec<NamespaceCondition> {
        let condition =
            |type_: &str, status: bool, reason: &str, message: String| NamespaceCondition {
                type_: type_.to_string(),
                status: if status { "True" } else { "False" }.to_string(),
                reason: reason.to_string(),
                message,
            };
        let mut conditions = Vec::with_capacity(5);
        conditions.push(if failures.is_empty() {
            condition(
                "NamespaceDeletionDiscoveryFailure",
                false,
                "ResourcesDiscovered",
                "All resources successfully discovered".to_string(),
            )
        } else {
            condition(
                "NamespaceDeletionDiscoveryFailure",
                true,
                "DiscoveryFailed",
                format!(
                    "Discovery failed for some groups, {} failing: unable to retrieve the complete list of server APIs: {}",
                    failures.len(),
                    failures
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        });
        conditions.push(condition(
            "NamespaceDeletionGroupVersionParsingFailure",
            false,
            "ParsedGroupVersions",
            "All legacy kube types successfully parsed".to_string(),
        ));
        let mut errors: BTreeMap<String, String> = self
            .content_errors
            .get(&i)
            .into_iter()
            .flatten()
            .map(|(resource, refusal)| (resource.clone(), refusal.to_string()))
            .collect();
        // R-NSC-4 step 3: pods that remain without finalizers once their grace period is
        // over are an error for the pods resource (they stay counted as remaining).
        let namespace_name = self.key(i).name.clone();
        let unconfirmed_pods = self
            .remaining_content(&namespace_name)
            .into_iter()
            .any(|r| self.finalizers[r].is_empty() && self.pod_node_down(r).is_some());
        let pods_error = unconfirmed_pods.then(|| {
            format!(
                "unexpected items still remain in namespace: {namespace_name} for gvr: /v1, Resource=pods"
            )
        });
        if let Some(error) = &pods_error {
            errors.insert("pods.".to_string(), error.clone());
        }
        conditions.push(if errors.is_empty() {
            condition(
                "NamespaceDeletionContentFailure",
                false,
                "ContentDeleted",
                "All content successfully deleted, may be waiting on finalization".to_string(),
            )
        } else {
            let mut messages: Vec<String> = errors.values().cloned().collect();
            messages.sort();
            condition(
                "NamespaceDeletionContentFailure",
                true,
                "ContentDeletionFailed",
                format!(
                    "Failed to delete all resource types, {} remaining: {}",
                    errors.len(),
                    messages.join(", ")
                ),
            )
        });
        let mut remaining = self.remaining_content(&self.key(i).name);
        // A resource type whose deletion failed is not counted (R-NSC-4 step 2 returns
        // before counting; R-NSC-8).
        remaining.retain(|&r| {
            let resource = format!("{}.{}", self.plural_of(r), self.key(r).group);
            pods_error.is_some() && resource == "pods." || !errors.contains_key(&resource)
        });
        // R-NSC-8 quirk of ordered deletion (1.33+, kubernetes/kubernetes#138208): while
        // pods remain, the controller returns before counting, so both remaining-content
        // conditions read `False ContentRemoved`.
        if self.version.at_least(33) && remaining.iter().any(|&r| self.is_pod(r)) {
            remaining.clear();
        }
        let mut per_resource: BTreeMap<String, usize> = BTreeMap::new();
        let mut per_finalizer: BTreeMap<String, usize> = BTreeMap::new();
        for &r in &remaining {
            let resource = format!("{}.{}", self.plural_of(r), self.key(r).group);
            *per_resource.entry(resource).or_default() += 1;
            for finalizer in &self.finalizers[r] {
                *per_finalizer.entry(finalizer.clone()).or_default() += 1;
            }
        }
        conditions.push(counted_condition(
            "NamespaceContentRemaining",
            "SomeResourcesRemain",
            "Some resources are remaining",
            &per_resource,
            |resource, n| format!("{resource} has {n} resource instances"),
        ));
        conditions.push(counted_condition(
            "NamespaceFinalizersRemaining",
            "SomeFinalizerRemain",
            "Some finalizers are remaining",
            &per_finalizer,
            |finalizer, n| format!("{finalizer} in {n} resource instances"),
        ));
        conditions
    }
}

/// A remaining-content condition (R-NSC-8): `True` with the sorted counts, or the
/// `False ContentRemoved` form when nothing is counted.
pub(super) fn counted_condition(
    type_: &str,
    reason: &str,
    prefix: &str,
    counts: &BTreeMap<String, usize>,
    entry: impl Fn(&str, usize) -> String,
) -> NamespaceCondition {
    if counts.is_empty() {
        return NamespaceCondition {
            type_: type_.to_string(),
            status: "False".to_string(),
            reason: "ContentRemoved".to_string(),
            message: "All content successfully removed".to_string(),
        };
    }
    let mut entries: Vec<String> = counts.iter().map(|(name, n)| entry(name, *n)).collect();
    entries.sort();
    NamespaceCondition {
        type_: type_.to_string(),
        status: "True".to_string(),
        reason: reason.to_string(),
        message: format!("{prefix}: {}", entries.join(", ")),
    }
}
