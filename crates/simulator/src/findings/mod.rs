//! Findings: what a reviewer must know about a plan, with the causal chain and the
//! commands that break or avoid each problem.
//!
//! One module per finding rule, named after the [`FindingCode`] it produces, each with
//! one entry point, `find`; `registry` is the one list that runs them, in order. Rules
//! read data only: the plan's Applications and [`Note`]s, the cascade's typed causes and
//! the deadlock graph, never another stage's text.
//!
//! - About Applications and ApplicationSets, from the plan: [`application_findings`]
//!   runs the rules of `registry::APPLICATION_RULES` over `ApplicationFacts`.
//! - About one settled destination cluster: [`cluster_findings`] runs the rules of
//!   `registry::CLUSTER_RULES` over `ClusterFacts` (what several rules share is
//!   computed there once); each finding is worded without the cluster's name, and
//!   [`fleet_findings`] merges the clusters that say the same into one finding.
//! - [`missing_cluster`]: a destination the snapshot does not hold, found by the plan
//!   where it looks for the cluster's folder.
//! - [`mass_deletion`]: the `plan --max-deletions` gate, run after the other rules with
//!   the limit the command was given (the only rule that takes an option).
//!
//! [`FindingCode`]: crate::outcome::FindingCode
//! [`Note`]: crate::outcome::Note

mod facts;
mod fleet;
mod registry;
mod remedies;
mod trace;

mod apiservice_unavailable;
mod application_deleted;
mod application_not_written;
mod application_replaced;
mod applicationset_drift;
mod applicationset_frozen;
mod applicationset_not_evaluated;
mod cluster_not_in_snapshot;
mod deadlock;
mod deletion_suppressed;
mod leaked_object;
mod leaked_volume;
pub mod mass_deletion;
mod preserve_added_too_late;
mod replacement_blocked;
mod stuck_namespace;
mod stuck_object;
mod volume_data_loss;

pub use cluster_not_in_snapshot::missing_cluster;
pub use fleet::{fleet_findings, ClusterFinding, Step};
pub use registry::{application_findings, cluster_findings};
pub(crate) use remedies::finalizer_patch;

use crate::outcome::{Finding, FindingCode, Severity};

/// `1 namespace`, `3 namespaces`.
fn count_of(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// How many names a message lists before it says "and N more".
const NAMES_IN_MESSAGE: usize = 5;

fn list_names<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let names: Vec<&str> = names.into_iter().collect();
    let shown: Vec<String> = names
        .iter()
        .take(NAMES_IN_MESSAGE)
        .map(|n| format!("`{n}`"))
        .collect();
    if names.len() > NAMES_IN_MESSAGE {
        format!(
            "{} and {} more",
            shown.join(", "),
            names.len() - NAMES_IN_MESSAGE
        )
    } else {
        shown.join(", ")
    }
}

/// A finding about Applications and ApplicationSets, with no cluster, commands or chain
/// yet.
pub(crate) fn plan_finding(severity: Severity, code: FindingCode, message: String) -> Finding {
    Finding {
        severity,
        code,
        cluster: None,
        clusters: Vec::new(),
        consequences: Vec::new(),
        message,
        remediation: Vec::new(),
        chain: Vec::new(),
        cycle: false,
        root_cause: None,
    }
}
