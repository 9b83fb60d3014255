//! The Applications behind each `mass-deletion` finding (`plan --max-deletions`): the
//! finding says how many, these lists say which. The text report shows the first few of
//! each ApplicationSet, the comment folds them in `<details>`, the JSON report has them
//! all (`massDeletions`).

use std::fmt::Write as _;

use serde::Serialize;

use preflight_outcome::mass_deletion::{DeletedApplication, MassDeletion};
use preflight_outcome::Outcome;

use crate::markdown::{code, html};

/// How many Applications the text report lists per ApplicationSet before it counts the
/// rest.
const SHOWN_IN_TEXT: usize = 10;

/// One deleted Application in words: `name (cluster; renamed to `new`; keeps its
/// resources)`, with `quote` around user values.
fn describe(application: &DeletedApplication, quote: impl Fn(&str) -> String) -> String {
    let mut details = Vec::new();
    if let Some(cluster) = &application.cluster {
        details.push(format!("on {}", quote(cluster)));
    }
    if let Some(new_name) = &application.replaced_by {
        details.push(format!("replaced by {}", quote(new_name)));
    }
    details.push(
        if application.cascade {
            "with its resources"
        } else {
            "its resources stay"
        }
        .to_string(),
    );
    format!("{} ({})", quote(&application.name), details.join(", "))
}

fn heading(mass: &MassDeletion, quote: impl Fn(&str) -> String) -> String {
    format!(
        "ApplicationSet {} deletes {} of its {} live Applications (limit {})",
        quote(&format!("{}/{}", mass.namespace, mass.application_set)),
        mass.deleted.len(),
        mass.live,
        quote(&mass.limit.to_string())
    )
}

/// The text report's section, empty when no ApplicationSet exceeds the limit.
pub(crate) fn text(outcome: &Outcome) -> String {
    let mut out = String::new();
    if outcome.mass_deletions.is_empty() {
        return out;
    }
    out.push_str("\nApplications beyond --max-deletions\n");
    let plain = |value: &str| value.to_string();
    for mass in &outcome.mass_deletions {
        let _ = writeln!(out, "\n{}:", heading(mass, plain));
        for application in mass.deleted.iter().take(SHOWN_IN_TEXT) {
            let _ = writeln!(out, "  {}", describe(application, plain));
        }
        if mass.deleted.len() > SHOWN_IN_TEXT {
            let _ = writeln!(
                out,
                "  … and {} more (`--format json` lists them all)",
                mass.deleted.len() - SHOWN_IN_TEXT
            );
        }
    }
    out
}

/// The comment's section: one folded list per ApplicationSet, empty when none exceeds
/// the limit.
pub(crate) fn markdown(outcome: &Outcome) -> String {
    let mut out = String::new();
    for mass in &outcome.mass_deletions {
        let _ = writeln!(
            out,
            "<details><summary>{}</summary>\n",
            heading(mass, |value| format!("<code>{}</code>", html(value)))
        );
        for application in &mass.deleted {
            let _ = writeln!(out, "- {}", describe(application, code));
        }
        out.push_str("\n</details>\n\n");
    }
    out
}

/// The JSON report's `massDeletions`: every ApplicationSet beyond the limit with every
/// Application it deletes.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MassDeletionJson<'a> {
    namespace: &'a str,
    application_set: &'a str,
    /// The limit as given: `N` Applications or `N%` of the live ones.
    limit: String,
    live: usize,
    clusters: &'a [String],
    deleted: Vec<DeletedJson<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DeletedJson<'a> {
    name: &'a str,
    cluster: Option<&'a str>,
    /// Deleting it deletes its resources.
    cascade: bool,
    /// The created Application that takes over from it, when it is renamed.
    replaced_by: Option<&'a str>,
}

impl<'a> MassDeletionJson<'a> {
    pub(crate) fn of(mass: &'a MassDeletion) -> MassDeletionJson<'a> {
        MassDeletionJson {
            namespace: &mass.namespace,
            application_set: &mass.application_set,
            limit: mass.limit.to_string(),
            live: mass.live,
            clusters: &mass.clusters,
            deleted: mass
                .deleted
                .iter()
                .map(|application| DeletedJson {
                    name: &application.name,
                    cluster: application.cluster.as_deref(),
                    cascade: application.cascade,
                    replaced_by: application.replaced_by.as_deref(),
                })
                .collect(),
        }
    }
}
