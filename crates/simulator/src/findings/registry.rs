//! The one list of finding rules, in the order they run. A rule is a module named after
//! the code it produces, with one entry point, `find`, from the facts it reads to the
//! findings it raises. Adding a rule is adding its module and a line here.
//!
//! The order is the order of the rules' findings before the outcome sorts them (by
//! severity, then [`FindingCode`], cluster and message), so it decides nothing shown;
//! it follows the causal story: what the plan does, then per cluster what leaks, what
//! is destroyed, what jams and what stays.

use preflight_cluster_snapshot::Fleet;

use super::facts::{ApplicationFacts, ClusterFacts};
use super::fleet::ClusterFinding;
use super::{
    apiservice_unavailable, application_deleted, application_not_written, application_replaced,
    applicationset_drift, applicationset_frozen, applicationset_not_evaluated, deadlock,
    deletion_suppressed, leaked_object, leaked_volume, preserve_added_too_late,
    replacement_blocked, stuck_namespace, stuck_object, volume_data_loss,
};
use crate::cascade::CascadeResult;
use crate::causes::SyncFailure;
use crate::outcome::{ApplicationChange, Finding, FindingCode, Outcome};

/// A rule about Applications and ApplicationSets, from the plan. Every finding it
/// returns carries its `code` (checked in debug builds).
pub(super) struct ApplicationRule {
    /// The code its findings carry.
    pub code: FindingCode,
    pub find: fn(&ApplicationFacts<'_>) -> Vec<Finding>,
}

/// A rule about one settled destination cluster; its findings are worded without the
/// cluster's name.
pub(super) struct ClusterRule {
    /// The code its findings carry (a finding may list others as its consequences).
    pub code: FindingCode,
    pub find: fn(&ClusterFacts<'_>) -> Vec<ClusterFinding>,
}

pub(super) const APPLICATION_RULES: &[ApplicationRule] = &[
    ApplicationRule {
        code: FindingCode::ApplicationReplaced,
        find: application_replaced::find,
    },
    ApplicationRule {
        code: FindingCode::ApplicationDeleted,
        find: application_deleted::find,
    },
    ApplicationRule {
        code: FindingCode::PreserveAddedTooLate,
        find: preserve_added_too_late::find,
    },
    ApplicationRule {
        code: FindingCode::DeletionSuppressed,
        find: deletion_suppressed::find,
    },
    ApplicationRule {
        code: FindingCode::ApplicationNotWritten,
        find: application_not_written::find,
    },
    ApplicationRule {
        code: FindingCode::ApplicationsetNotEvaluated,
        find: applicationset_not_evaluated::find,
    },
    ApplicationRule {
        code: FindingCode::ApplicationsetFrozen,
        find: applicationset_frozen::find,
    },
    ApplicationRule {
        code: FindingCode::ApplicationsetDrift,
        find: applicationset_drift::find,
    },
];

pub(super) const CLUSTER_RULES: &[ClusterRule] = &[
    ClusterRule {
        code: FindingCode::LeakedObject,
        find: leaked_object::find,
    },
    ClusterRule {
        code: FindingCode::LeakedVolume,
        find: leaked_volume::find,
    },
    ClusterRule {
        code: FindingCode::VolumeDataLoss,
        find: volume_data_loss::find,
    },
    ClusterRule {
        code: FindingCode::Deadlock,
        find: deadlock::find,
    },
    ClusterRule {
        code: FindingCode::ApiserviceUnavailable,
        find: apiservice_unavailable::find,
    },
    ClusterRule {
        code: FindingCode::ReplacementBlocked,
        find: replacement_blocked::find,
    },
    ClusterRule {
        code: FindingCode::StuckNamespace,
        find: stuck_namespace::find,
    },
    ClusterRule {
        code: FindingCode::StuckObject,
        find: stuck_object::find,
    },
];

/// Findings about Applications and ApplicationSets, from the planned changes, added to
/// the outcome's findings.
pub fn application_findings(fleet: &Fleet, argocd_namespace: &str, outcome: &mut Outcome) {
    let facts = ApplicationFacts::new(fleet, argocd_namespace, outcome);
    let findings: Vec<Finding> = APPLICATION_RULES
        .iter()
        .flat_map(|rule| {
            let findings = (rule.find)(&facts);
            debug_assert!(findings.iter().all(|f| f.code == rule.code));
            findings
        })
        .collect();
    outcome.findings.extend(findings);
}

/// Findings about one destination cluster after its cascade settled, worded without
/// the cluster's name.
pub fn cluster_findings(
    fleet: &Fleet,
    cluster: &str,
    result: &CascadeResult,
    applications: &[ApplicationChange],
    argocd_namespace: &str,
    sync_failures: &[SyncFailure],
) -> Vec<ClusterFinding> {
    let facts = ClusterFacts::new(
        fleet,
        cluster,
        result,
        applications,
        argocd_namespace,
        sync_failures,
    );
    CLUSTER_RULES
        .iter()
        .flat_map(|rule| {
            let findings = (rule.find)(&facts);
            debug_assert!(findings.iter().all(|f| f.code == rule.code));
            findings
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// One rule per code: a code's findings come from one module, which is where a
    /// reader looks for them.
    #[test]
    fn each_code_has_one_rule() {
        let codes: Vec<FindingCode> = APPLICATION_RULES
            .iter()
            .map(|rule| rule.code)
            .chain(CLUSTER_RULES.iter().map(|rule| rule.code))
            .chain([FindingCode::ClusterNotInSnapshot])
            .collect();
        let distinct: BTreeSet<FindingCode> = codes.iter().copied().collect();
        assert_eq!(distinct.len(), codes.len(), "{codes:?}");
    }
}
