//! What the finding rules read, gathered once: for the plan, the Applications by
//! ApplicationSet; for a settled cluster, the cascade's result with the facts several
//! rules share (the story of unavailable APIServices, the replacements that cannot sync,
//! the cycles of the waits-for graph).

use std::cell::OnceCell;
use std::collections::BTreeMap;

use preflight_cluster_snapshot::Fleet;
use preflight_model::ObjectKey;

use super::apiservice_unavailable::Discovery;
use super::replacement_blocked::Replacements;
use crate::cascade::{ApiServiceResult, CascadeResult, NamespaceResult, ObjectResult};
use crate::causes::{CreateRefusal, SyncFailure};
use crate::deadlock::{Deadlock, WaitNode};
use crate::outcome::{ApplicationChange, Fate, Outcome};

/// The plan, as the rules about Applications and ApplicationSets read it.
pub(super) struct ApplicationFacts<'a> {
    pub fleet: &'a Fleet,
    pub argocd_namespace: &'a str,
    pub outcome: &'a Outcome,
    /// The Applications of each ApplicationSet, by the set's name.
    pub by_set: BTreeMap<&'a str, Vec<&'a ApplicationChange>>,
}

impl<'a> ApplicationFacts<'a> {
    pub fn new(fleet: &'a Fleet, argocd_namespace: &'a str, outcome: &'a Outcome) -> Self {
        let mut by_set: BTreeMap<&str, Vec<&ApplicationChange>> = BTreeMap::new();
        for app in &outcome.applications {
            if let Some(set) = &app.application_set {
                by_set.entry(set.as_str()).or_default().push(app);
            }
        }
        ApplicationFacts {
            fleet,
            argocd_namespace,
            outcome,
            by_set,
        }
    }
}

/// A cycle of the cluster's waits-for graph, with its causal chain.
pub(super) struct Cycle {
    /// The cycle's steps, and its first step again.
    pub chain: Vec<String>,
    pub deadlock: Deadlock,
    /// Whether it runs through discovery or an APIService, so that it belongs to the
    /// story of the unavailable APIServices.
    pub through_discovery: bool,
}

/// One settled destination cluster, as the rules about it read it.
pub(super) struct ClusterFacts<'a> {
    pub fleet: &'a Fleet,
    pub cluster: &'a str,
    pub result: &'a CascadeResult,
    pub applications: &'a [ApplicationChange],
    pub argocd_namespace: &'a str,
    /// The replacements' sync failures on this cluster.
    pub sync_failures: Vec<&'a SyncFailure>,
    /// The objects the cascade touched, by key.
    pub objects: BTreeMap<&'a ObjectKey, &'a ObjectResult>,
    /// Namespaces that stay Terminating.
    pub stuck_namespaces: Vec<&'a str>,
    /// Namespaces that stay Terminating because discovery fails.
    pub discovery_blocked: Vec<&'a NamespaceResult>,
    /// Aggregated APIServices that are unavailable once the cluster settles.
    pub unavailable: Vec<&'a ApiServiceResult>,
    /// What the unavailable APIServices cause and how to break it, once asked.
    discovery: OnceCell<Discovery>,
    /// Replacement Applications that cannot sync into their terminating namespace, once
    /// asked.
    replacements: OnceCell<Replacements>,
    /// The cycles of the waits-for graph.
    pub cycles: Vec<Cycle>,
}

impl<'a> ClusterFacts<'a> {
    pub fn new(
        fleet: &'a Fleet,
        cluster: &'a str,
        result: &'a CascadeResult,
        applications: &'a [ApplicationChange],
        argocd_namespace: &'a str,
        sync_failures: &'a [SyncFailure],
    ) -> Self {
        let sync_failures: Vec<&SyncFailure> = sync_failures
            .iter()
            .filter(|f| f.cluster == cluster)
            .collect();
        let objects: BTreeMap<&ObjectKey, &ObjectResult> =
            result.objects.iter().map(|o| (&o.key, o)).collect();
        let stuck_namespaces: Vec<&str> = result
            .namespaces
            .iter()
            .filter(|n| n.fate == Fate::Stuck)
            .map(|n| n.name.as_str())
            .collect();
        let discovery_blocked: Vec<&NamespaceResult> = result
            .namespaces
            .iter()
            .filter(|n| n.fate == Fate::Stuck && !n.blocked_by_discovery.is_empty())
            .collect();
        let unavailable: Vec<&ApiServiceResult> = result
            .api_services
            .iter()
            .filter(|a| !a.outcome.available)
            .collect();
        let refused: Vec<(ObjectKey, String)> = sync_failures
            .iter()
            .filter(|f| matches!(f.refusal, CreateRefusal::NamespaceTerminating { .. }))
            .filter_map(|f| Some((f.object.clone(), f.object.namespace.clone()?)))
            .collect();
        let cycles = crate::deadlock::find(result, &refused)
            .into_iter()
            .map(|deadlock| {
                let mut chain: Vec<String> =
                    deadlock.steps.iter().map(ToString::to_string).collect();
                if let Some(first) = deadlock.steps.first() {
                    chain.push(format!("(back to the start) {first}"));
                }
                let through_discovery = deadlock
                    .nodes
                    .iter()
                    .any(|n| matches!(n, WaitNode::Discovery(_) | WaitNode::ApiService(_)));
                Cycle {
                    chain,
                    deadlock,
                    through_discovery,
                }
            })
            .collect();
        ClusterFacts {
            fleet,
            cluster,
            result,
            applications,
            argocd_namespace,
            sync_failures,
            objects,
            stuck_namespaces,
            discovery_blocked,
            unavailable,
            discovery: OnceCell::new(),
            replacements: OnceCell::new(),
            cycles,
        }
    }

    /// What the unavailable APIServices cause and how to break it.
    pub fn discovery(&self) -> &Discovery {
        self.discovery.get_or_init(|| Discovery::of(self))
    }

    /// Replacement Applications that cannot sync into their terminating namespace.
    pub fn replacements(&self) -> &Replacements {
        self.replacements.get_or_init(|| Replacements::of(self))
    }

    /// The first cycle through discovery while APIServices are unavailable: it is told
    /// in the APIServices' finding, not as a deadlock of its own.
    pub fn discovery_cycle(&self) -> Option<&Cycle> {
        self.cycles
            .iter()
            .find(|cycle| self.belongs_to_discovery(cycle))
    }

    /// Whether a cycle belongs to the story of the unavailable APIServices.
    pub fn belongs_to_discovery(&self, cycle: &Cycle) -> bool {
        cycle.through_discovery && !self.unavailable.is_empty()
    }
}
