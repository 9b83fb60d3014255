//! The data of `plan --max-deletions` (issue 15): the limit as given, and each
//! ApplicationSet whose change deletes more of its live Applications than it allows.

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

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
