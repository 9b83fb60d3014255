//! Which cluster an Application's destination resolves to (rulebook §8 rule 4): by
//! `server` or `name` through the cluster secrets, as the controller validates it.

use preflight_cluster_snapshot::Fleet;
use preflight_model::{ClusterInfo, Object};

/// The cluster an Application's destination resolves to (§8 rule 4).
pub fn resolve_destination(fleet: &Fleet, app: &Object) -> Option<ClusterInfo> {
    check_destination(fleet, app).ok()
}

pub(super) fn check_destination(fleet: &Fleet, app: &Object) -> Result<ClusterInfo, String> {
    let server = app
        .str_at(&["spec", "destination", "server"])
        .filter(|s| !s.is_empty());
    let name = app
        .str_at(&["spec", "destination", "name"])
        .filter(|s| !s.is_empty());
    match (server, name) {
        (Some(_), Some(_)) => {
            Err("application destination can't have both name and server defined".to_string())
        }
        (None, None) => Err("application destination server and/or name must be set".to_string()),
        (Some(server), None) => fleet
            .cluster_for_server(server)
            .cloned()
            .ok_or_else(|| format!("there are no clusters with this URL: {server}")),
        (None, Some(name)) => fleet
            .cluster_by_name(name)
            .ok_or_else(|| format!("there are no clusters with this name: {name}")),
    }
}
