//! Which cluster an Application's destination resolves to (rulebook §8 rule 4): by
//! `server` or `name` through the cluster secrets, as the controller validates it.

use preflight_cluster_snapshot::Fleet;
use preflight_model::{ClusterInfo, Object};

/// The cluster an Application's destination resolves to (§8 rule 4): none when both
/// `server` and `name` are set, when neither is, or when no cluster secret matches.
pub fn resolve_destination(fleet: &Fleet, app: &Object) -> Option<ClusterInfo> {
    let server = app
        .str_at(&["spec", "destination", "server"])
        .filter(|s| !s.is_empty());
    let name = app
        .str_at(&["spec", "destination", "name"])
        .filter(|s| !s.is_empty());
    match (server, name) {
        (Some(_), Some(_)) | (None, None) => None,
        (Some(server), None) => fleet.cluster_for_server(server).cloned(),
        (None, Some(name)) => fleet.cluster_by_name(name),
    }
}
