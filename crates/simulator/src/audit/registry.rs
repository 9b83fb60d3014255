//! The one list of the audit's finding rules, in the order they run: first per cluster
//! (what is already broken, then what one deletion would jam), then over the fleet.
//! Each finding a rule returns carries the rule's code (checked in debug builds); the
//! report's order is [`super::rank`]'s, not this one.

use super::{
    apiservice_backend_exposed, apiservice_unavailable_now, controller_backend_exposed,
    mass_deletion_exposure, namespace_terminating_now, object_stuck_now, rename_exposure,
    safety_features, webhook_backend_exposed, webhook_unavailable_now, ClusterFacts, Exposure,
    FleetFacts,
};
use crate::findings::ClusterFinding;
use crate::outcome::{Finding, FindingCode};

/// A rule about one cluster.
pub(super) enum ClusterRule {
    /// What is already broken, from the cluster settled with no deletion.
    Now(fn(&ClusterFacts) -> Vec<ClusterFinding>),
    /// What one deletion would jam, simulated with the what-if cascade, with its reach.
    Exposure(fn(&ClusterFacts) -> Vec<Exposure>),
}

pub(super) const CLUSTER_RULES: &[(FindingCode, ClusterRule)] = &[
    (
        FindingCode::ApiserviceUnavailableNow,
        ClusterRule::Now(apiservice_unavailable_now::find),
    ),
    (
        FindingCode::NamespaceTerminatingNow,
        ClusterRule::Now(namespace_terminating_now::find),
    ),
    (
        FindingCode::ObjectStuckNow,
        ClusterRule::Now(object_stuck_now::find),
    ),
    (
        FindingCode::WebhookUnavailableNow,
        ClusterRule::Now(webhook_unavailable_now::find),
    ),
    (
        FindingCode::ApiserviceBackendExposed,
        ClusterRule::Exposure(apiservice_backend_exposed::find),
    ),
    (
        FindingCode::WebhookBackendExposed,
        ClusterRule::Exposure(webhook_backend_exposed::find),
    ),
    (
        FindingCode::ControllerBackendExposed,
        ClusterRule::Exposure(controller_backend_exposed::find),
    ),
];

/// A rule about the fleet's ApplicationSets.
pub(super) type FleetRule = fn(&FleetFacts) -> Vec<Finding>;

pub(super) const FLEET_RULES: &[(FindingCode, FleetRule)] = &[
    (FindingCode::RenameExposure, rename_exposure::find),
    (
        FindingCode::MassDeletionExposure,
        mass_deletion_exposure::find,
    ),
    (FindingCode::SafetyFeatures, safety_features::find),
];
