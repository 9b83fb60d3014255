//! The blast-radius gate of `plan --max-deletions` (issue 15): a change that deletes more
//! of one ApplicationSet's live Applications than the team allows becomes a `high`
//! finding `mass-deletion`, with the Applications it deletes listed in full
//! ([`MassDeletion`]).
//!
//! The rule reads the planned Applications only (their actions and owning
//! ApplicationSet), never the cascades or another finding's text, so it runs after the
//! plan has decided what the ApplicationSet controller does.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

use preflight_model::argocd::RESOURCES_FINALIZER;

use crate::outcome::{Action, Finding, FindingCode, Outcome, Severity};

/// How many of an ApplicationSet's live Applications one change may delete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DeletionLimit {
    /// At most this many Applications.
    Count(usize),
    /// At most this share of the live Applications, in percent (0 to 100).
    Percent(u8),
}

impl DeletionLimit {
    /// True when deleting `deleted` of `live` Applications is more than the limit allows.
    pub fn is_exceeded_by(self, deleted: usize, live: usize) -> bool {
        match self {
            DeletionLimit::Count(limit) => deleted > limit,
            // `deleted / live > percent / 100`, in integers so that 1 of 3 against 33%
            // is decided exactly.
            DeletionLimit::Percent(percent) => deleted * 100 > usize::from(percent) * live,
        }
    }
}

impl fmt::Display for DeletionLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeletionLimit::Count(count) => write!(f, "{count}"),
            DeletionLimit::Percent(percent) => write!(f, "{percent}%"),
        }
    }
}

impl Serialize for DeletionLimit {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Why a `--max-deletions` value is not a limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeletionLimitError {
    /// Neither a whole number nor a whole number followed by `%`.
    NotANumber(String),
    /// A percentage above 100: no change can delete more than all Applications, so the
    /// gate could never close (most likely a typo).
    PercentAboveHundred(String),
}

impl fmt::Display for DeletionLimitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeletionLimitError::NotANumber(text) => write!(
                f,
                "`{text}` is not a limit: expected a number of Applications such as `5`, or a share of an ApplicationSet's live Applications such as `20%`"
            ),
            DeletionLimitError::PercentAboveHundred(text) => write!(
                f,
                "`{text}` is more than all Applications: expected a share from `0%` to `100%`"
            ),
        }
    }
}

impl std::error::Error for DeletionLimitError {}

impl FromStr for DeletionLimit {
    type Err = DeletionLimitError;

    fn from_str(text: &str) -> Result<DeletionLimit, DeletionLimitError> {
        let not_a_number = || DeletionLimitError::NotANumber(text.to_string());
        // `usize::from_str` takes a leading `+`; a limit is written as digits only.
        let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
        match text.strip_suffix('%') {
            Some(number) if digits(number) => match number.parse::<u32>() {
                Ok(percent) if percent <= 100 => Ok(DeletionLimit::Percent(percent as u8)),
                _ => Err(DeletionLimitError::PercentAboveHundred(text.to_string())),
            },
            Some(_) => Err(not_a_number()),
            None if digits(text) => text
                .parse::<usize>()
                .map(DeletionLimit::Count)
                .map_err(|_| not_a_number()),
            None => Err(not_a_number()),
        }
    }
}

/// One ApplicationSet whose change deletes more Applications than the limit allows: the
/// data behind its `mass-deletion` finding, with every deleted Application (the report
/// folds the list; the JSON report gives it in full).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MassDeletion {
    /// The namespace of the ApplicationSet (and of its Applications).
    pub namespace: String,
    pub application_set: String,
    /// The limit it exceeds, as given.
    pub limit: DeletionLimit,
    /// How many Applications the ApplicationSet has live: those the change deletes,
    /// updates or leaves as they are.
    pub live: usize,
    /// The Applications the change deletes, sorted by name.
    pub deleted: Vec<DeletedApplication>,
    /// The destination clusters of the deleted Applications, sorted.
    pub clusters: Vec<String>,
}

/// An Application a mass deletion takes away.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeletedApplication {
    pub name: String,
    /// Its destination cluster, when it resolves to one.
    pub cluster: Option<String>,
    /// Deleting it deletes its resources (it carries the resources finalizer).
    pub cascade: bool,
    /// The created Application that takes over from it (a rename).
    pub replaced_by: Option<String>,
}

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
