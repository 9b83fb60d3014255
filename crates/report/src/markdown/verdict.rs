//! The head of the comment, the part never dropped: the marker, the verdict with the
//! root cause it names, the Applications line, per-cluster counts and the stuck
//! namespaces with why.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use preflight_outcome::Outcome;

use super::findings::severity_icon;
use super::user_text::{code, code_cell, text};
use crate::summary::{
    applications_line, plural, stuck_applications, stuck_applications_line, stuck_groups, Level,
    Tally, Verdict,
};
use crate::COMMENT_MARKER;

/// How many namespaces a stuck-namespace bullet names before it counts the rest.
pub(super) const MAX_NAMESPACES_PER_GROUP: usize = 12;

pub(super) fn icon(level: Level) -> &'static str {
    match level {
        Level::Ok => "✅",
        Level::Incomplete => "❔",
        Level::Finding(severity) => severity_icon(severity),
    }
}

pub(super) fn write_head(out: &mut String, outcome: &Outcome, tally: &Tally, verdict: &Verdict) {
    let _ = writeln!(out, "{COMMENT_MARKER}");
    let _ = writeln!(
        out,
        "## {} {}: {}\n",
        icon(verdict.level),
        verdict.level.label(),
        text(&verdict.headline)
    );
    if !outcome.audit {
        let _ = writeln!(out, "{}\n", applications_line(&tally.total));
    }

    // Clusters where only unchanged Applications live are left out of the table. An
    // audit's clusters hold what is stuck already, which its findings tell: their counts
    // are for the JSON summary.
    if !outcome.audit && tally.clusters.values().any(|counts| !counts.is_quiet()) {
        out.push_str("| Cluster | Created | Updated | Deleted | Replaced | Stuck namespaces |\n");
        out.push_str("| :-- | --: | --: | --: | --: | --: |\n");
        for (name, counts) in tally
            .clusters
            .iter()
            .filter(|(_, counts)| !counts.is_quiet())
        {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {}{} |",
                code_cell(name),
                counts.created,
                counts.updated,
                counts.deleted,
                counts.replaced,
                bold_if_positive(counts.stuck_namespaces),
                counts.already_stuck_suffix()
            );
        }
        for (cluster, count) in stuck_applications(outcome) {
            let _ = writeln!(out, "\n{}", text(&stuck_applications_line(cluster, count)));
        }
        out.push('\n');
    }

    let groups = if outcome.audit {
        Vec::new()
    } else {
        stuck_groups(outcome)
    };
    if !groups.is_empty() {
        out.push_str("**Stuck namespaces, and why:**\n\n");
        for group in &groups {
            let causes = if group.causes.is_empty() {
                "no condition reported".to_string()
            } else {
                group
                    .causes
                    .iter()
                    .map(|(type_, reason)| format!("{} ({})", code(type_), text(reason)))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let _ = writeln!(
                out,
                "- {}: {} on {}: {}",
                causes,
                plural(group.members.len(), "namespace"),
                plural(group.cluster_count(), "cluster"),
                member_list(group.by_cluster(), group.members.len())
            );
            for (index, message) in group.messages.iter().enumerate() {
                let prefix = if index == 0 && !group.same_messages {
                    "for example: "
                } else {
                    ""
                };
                let _ = writeln!(out, "  > {prefix}{}", text(message));
            }
        }
        out.push('\n');
    }
}

pub(super) fn member_list(by_cluster: BTreeMap<&str, Vec<&str>>, total: usize) -> String {
    let mut shown = 0;
    let mut parts = Vec::new();
    for (cluster, namespaces) in by_cluster {
        if shown >= MAX_NAMESPACES_PER_GROUP {
            break;
        }
        let take = namespaces.len().min(MAX_NAMESPACES_PER_GROUP - shown);
        shown += take;
        let names: Vec<String> = namespaces[..take].iter().map(|name| code(name)).collect();
        parts.push(format!("**{}**: {}", text(cluster), names.join(", ")));
    }
    let mut list = parts.join("; ");
    if total > shown {
        let _ = write!(list, "; and {} more", total - shown);
    }
    list
}

pub(super) fn bold_if_positive(count: usize) -> String {
    if count > 0 {
        format!("**{count}**")
    } else {
        count.to_string()
    }
}
