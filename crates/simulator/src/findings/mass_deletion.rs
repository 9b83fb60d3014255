//! The blast-radius gate of `plan --max-deletions` (issue 15): a change that deletes more
//! of one ApplicationSet's live Applications than the team allows becomes a `high`
//! finding `mass-deletion`, with the Applications it deletes listed in full
//! ([`MassDeletion`]).
//!
//! The rule reads the planned Applications only (their actions and owning
//! ApplicationSet), never the cascades or another finding's text, so it runs after the
//! plan has decided what the ApplicationSet controller does.

use std::collections::BTreeMap;

use preflight_model::argocd::RESOURCES_FINALIZER;

use crate::outcome::{Action, Finding, FindingCode, Outcome, Severity};

pub use preflight_outcome::mass_deletion::{
    DeletedApplication, DeletionLimit, DeletionLimitError, MassDeletion,
};

/// The ApplicationSets whose planned deletions exceed `limit`, sorted by namespace and
/// name; ApplicationSets the plan deletes nothing of never exceed it.
pub fn exceeding(outcome: &Outcome, limit: DeletionLimit) -> Vec<MassDeletion> {
    let mut by_set: BTreeMap<(&str, &str), (usize, Vec<DeletedApplication>)> = BTreeMap::new();
    for application in &outcome.applications {
        let Some(set) = application.application_set.as_deref() else {
            continue;
        };
        if application.action == Action::Create {
            continue;
        }
        let (live, deleted) = by_set
            .entry((application.namespace.as_str(), set))
            .or_default();
        *live += 1;
        if application.action == Action::Delete {
            deleted.push(DeletedApplication {
                name: application.name.clone(),
                cluster: application.destination.cluster.clone(),
                cascade: application.cascade,
                replaced_by: application.replaced_by.clone(),
            });
        }
    }
    by_set
        .into_iter()
        .filter(|(_, (live, deleted))| {
            !deleted.is_empty() && limit.is_exceeded_by(deleted.len(), *live)
        })
        .map(|((namespace, set), (live, mut deleted))| {
            deleted.sort();
            let mut clusters: Vec<String> =
                deleted.iter().filter_map(|a| a.cluster.clone()).collect();
            clusters.sort();
            clusters.dedup();
            MassDeletion {
                namespace: namespace.to_string(),
                application_set: set.to_string(),
                limit,
                live,
                deleted,
                clusters,
            }
        })
        .collect()
}

/// The `mass-deletion` finding of one ApplicationSet. The Applications are not named in
/// the message: the report lists them from [`MassDeletion::deleted`].
pub fn finding(mass: &MassDeletion, argocd_context: &str) -> Finding {
    let deleted = mass.deleted.len();
    let cascading = mass.deleted.iter().filter(|a| a.cascade).count();
    let replaced = mass
        .deleted
        .iter()
        .filter(|a| a.replaced_by.is_some())
        .count();
    let mut message = format!(
        "ApplicationSet `{}` deletes {deleted} of its {} live Applications ({}%), more than `--max-deletions {}` allows",
        mass.application_set,
        mass.live,
        deleted * 100 / mass.live.max(1),
        mass.limit
    );
    if replaced > 0 {
        message.push_str(&format!(
            "; {replaced} of them {} replaced under a new name",
            if replaced == 1 { "is" } else { "are" }
        ));
    }
    if cascading > 0 {
        message.push_str(&format!(
            "; {cascading} {} `{RESOURCES_FINALIZER}`, so everything {} deployed is deleted with {}",
            if cascading == 1 { "carries" } else { "carry" },
            if cascading == 1 { "it" } else { "they" },
            if cascading == 1 { "it" } else { "them" },
        ));
    }
    let mut remediation = vec![
        "# if the deletions are not intended, check what the generators read (cluster labels, the SCM provider, pull requests, files in git) before merging; if they are, rerun with a higher `--max-deletions`".to_string(),
    ];
    if cascading > 0 {
        remediation.push(format!(
            "kubectl --context {argocd_context} -n {} patch applicationset {} --type merge -p '{{\"spec\":{{\"syncPolicy\":{{\"preserveResourcesOnDeletion\":true}}}}}}'",
            mass.namespace, mass.application_set
        ));
        remediation.push("# merge that first to keep the resources of the deleted Applications, wait until the controller has removed the finalizer from the live Applications, then merge this change".to_string());
    }
    Finding {
        severity: Severity::High,
        code: FindingCode::MassDeletion,
        cluster: match mass.clusters.as_slice() {
            [one] => Some(one.clone()),
            _ => None,
        },
        clusters: mass.clusters.clone(),
        consequences: Vec::new(),
        message,
        remediation,
        chain: Vec::new(),
        cycle: false,
        root_cause: None,
    }
}

/// Applies the gate to a planned `outcome`: records every ApplicationSet that exceeds
/// `limit` and adds its finding. Nothing happens without a limit.
pub fn check(limit: Option<DeletionLimit>, argocd_context: &str, outcome: &mut Outcome) {
    let Some(limit) = limit else {
        return;
    };
    let exceeding = exceeding(outcome, limit);
    outcome
        .findings
        .extend(exceeding.iter().map(|mass| finding(mass, argocd_context)));
    outcome.mass_deletions = exceeding;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn parses(text: &str, expected: DeletionLimit) {
        assert_eq!(text.parse::<DeletionLimit>(), Ok(expected), "{text}");
    }

    #[track_caller]
    fn rejects(text: &str, expected: &str) {
        let error = text.parse::<DeletionLimit>().unwrap_err();
        assert_eq!(error.to_string(), expected, "{text}");
    }

    #[test]
    fn limits_are_counts_or_shares() {
        parses("0", DeletionLimit::Count(0));
        parses("12", DeletionLimit::Count(12));
        parses("0%", DeletionLimit::Percent(0));
        parses("20%", DeletionLimit::Percent(20));
        parses("100%", DeletionLimit::Percent(100));
    }

    #[test]
    fn bad_limits_are_named() {
        let not_a_limit = |text: &str| {
            format!("`{text}` is not a limit: expected a number of Applications such as `5`, or a share of an ApplicationSet's live Applications such as `20%`")
        };
        for text in ["-1", "abc", "", "%", "+3", "2.5%", "5 %", "1e3", "-5%"] {
            rejects(text, &not_a_limit(text));
        }
        rejects(
            "150%",
            "`150%` is more than all Applications: expected a share from `0%` to `100%`",
        );
        rejects(
            "99999999999%",
            "`99999999999%` is more than all Applications: expected a share from `0%` to `100%`",
        );
    }

    #[test]
    fn a_limit_is_exceeded_only_by_more() {
        let count = DeletionLimit::Count(3);
        assert!(!count.is_exceeded_by(3, 10));
        assert!(count.is_exceeded_by(4, 10));
        let share = DeletionLimit::Percent(33);
        assert!(!share.is_exceeded_by(33, 100));
        assert!(share.is_exceeded_by(1, 3), "1 of 3 is 33.3%, more than 33%");
        assert!(!DeletionLimit::Percent(100).is_exceeded_by(3, 3));
        assert!(DeletionLimit::Percent(0).is_exceeded_by(1, 50));
        assert!(!DeletionLimit::Count(0).is_exceeded_by(0, 50));
    }
}
