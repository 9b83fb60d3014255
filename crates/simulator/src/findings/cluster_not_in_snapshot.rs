//! `cluster-not-in-snapshot`: a destination cluster that has no folder in the snapshot,
//! so what the cascade deletes there cannot be predicted. The plan raises it where it
//! resolves destinations, not through the registry.

use super::{list_names, plan_finding};
use crate::outcome::{Finding, FindingCode, Severity};

/// A destination cluster that has no folder in the snapshot: its cascade is unknown.
pub fn missing_cluster<'a>(cluster: &str, applications: impl Iterator<Item = &'a str>) -> Finding {
    let applications: Vec<&str> = applications.collect();
    let mut finding = plan_finding(
        Severity::Warning,
        FindingCode::ClusterNotInSnapshot,
        format!(
            "the snapshot has no folder for cluster `{cluster}`, so what the cascade of {} deletes there cannot be predicted",
            list_names(applications)
        ),
    );
    finding.cluster = Some(cluster.to_string());
    finding.remediation = vec![format!(
        "add the cluster's objects under `<snapshot>/{cluster}/` (e.g. `kubectl --context {cluster} get all,namespaces,apiservices -A -o yaml`)"
    )];
    finding
}
