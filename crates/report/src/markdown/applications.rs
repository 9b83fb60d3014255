//! The Applications, one `<details>` section per ApplicationSet: what the controller
//! does to each, why, and the unified diff of what it writes.

use std::fmt::Write as _;

use similar::TextDiff;

use preflight_outcome::{Action, ApplicationChange, Outcome};

use super::user_text::{cell, code, code_cell, fence, html};
use super::{Block, Diffs, Rank};
use crate::changes::{changed_paths, yamlish};
use crate::summary::{
    counts_of, destination_label, group_counts_phrase, plural, ApplicationGroups, ListedGroup,
};

pub(super) fn application_set_blocks(blocks: &mut Vec<Block>, outcome: &Outcome, diffs: Diffs) {
    let groups = ApplicationGroups::of(outcome);
    let mut first = true;
    for group in &groups.listed {
        let ListedGroup {
            key: application_set,
            applications,
            listed,
        } = group;
        let mut out = String::new();
        if first {
            out.push_str("### Applications\n\n");
            first = false;
        }
        let counts = counts_of(applications);
        let title = match application_set {
            Some(name) => format!("ApplicationSet {name}"),
            None => "Applications without an ApplicationSet".to_string(),
        };
        let _ = writeln!(
            out,
            "<details><summary>{}: {}</summary>\n",
            html(&title),
            html(&group_counts_phrase(&counts))
        );
        if let Some(policy) = applications
            .iter()
            .find_map(|application| application.policy)
        {
            let _ = writeln!(out, "applicationsSync: {}\n", code(policy.as_str()));
        }
        out.push_str("| Action | Application | Destination | Details |\n");
        out.push_str("| --- | --- | --- | --- |\n");
        for application in listed {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                action_cell(application.action),
                code_cell(&application.name),
                code_cell(&destination_label(application)),
                details_cell(application)
            );
        }
        let quiet = applications.len() - listed.len();
        if quiet > 0 {
            let _ = writeln!(out, "\nAnd {} unchanged.", plural(quiet, "Application"));
        }
        out.push('\n');
        let mut diffs_left_out = 0;
        for application in listed {
            if write_application_diff(&mut out, application, applications, diffs) {
                diffs_left_out += 1;
            }
        }
        if diffs_left_out > 0 {
            // Said once for the ApplicationSet: at fleet size a line per Application
            // would fill the comment.
            let _ = writeln!(
                out,
                "_The diffs of {} are left out to fit the comment size limit._\n",
                plural(diffs_left_out, "Application")
            );
        }
        out.push_str("</details>\n\n");
        blocks.push(Block {
            text: out,
            rank: Rank::ApplicationSet,
            label: match application_set {
                Some(name) => code(name),
                None => "the Applications without an ApplicationSet".to_string(),
            },
            diffs_left_out,
        });
    }
    if let Some(unchanged) = groups.unchanged_phrase(code) {
        let mut out = String::new();
        if first {
            out.push_str("### Applications\n\n");
        }
        let _ = writeln!(out, "Unchanged: {unchanged}.\n");
        blocks.push(Block {
            text: out,
            rank: Rank::ApplicationSet,
            label: "the list of unchanged Applications".to_string(),
            diffs_left_out: 0,
        });
    }
}

pub(super) fn action_cell(action: Action) -> &'static str {
    match action {
        Action::Delete => "**delete**",
        other => other.as_str(),
    }
}

pub(super) fn details_cell(application: &ApplicationChange) -> String {
    let mut details = Vec::new();
    if let Some(replacement) = &application.replaced_by {
        details.push(format!("replaced by {}", code_cell(replacement)));
    }
    if let Some(previous) = &application.replaces {
        details.push(format!("replaces {}", code_cell(previous)));
    }
    if application.action == Action::Delete {
        details.push(if application.cascade {
            "**cascade**: its resources are deleted".to_string()
        } else {
            "keeps its resources".to_string()
        });
    }
    if let (Action::Update, Some(before), Some(after)) =
        (application.action, &application.before, &application.after)
    {
        let paths = changed_paths(before, after);
        if !paths.is_empty() {
            let paths: Vec<String> = paths.iter().map(|path| code_cell(path)).collect();
            details.push(format!("changes {}", paths.join(", ")));
        }
    }
    details.extend(application.notes.iter().map(|note| cell(&note.to_string())));
    if let Some(progressive) = application.progressive {
        details.push(cell(crate::progressive::note(progressive)));
    }
    if let Some(step) = application.rolling_step {
        details.push(cell(&crate::progressive::step_note(step)));
    }
    details.join("<br>")
}

/// A unified diff for an update, and for a created Application that replaces a deleted
/// one (which shows why Argo CD sees a new Application rather than a changed one).
/// Writes the diff of one Application, or nothing when `diffs` leaves them out; returns
/// whether it had a diff to leave out.
pub(super) fn write_application_diff(
    out: &mut String,
    application: &ApplicationChange,
    group: &[&ApplicationChange],
    diffs: Diffs,
) -> bool {
    let (before, after, title) = match application.action {
        Action::Update => (
            application.before.as_ref(),
            application.after.as_ref(),
            format!("{} changes:", code(&application.name)),
        ),
        Action::Create => {
            let Some(previous) = &application.replaces else {
                return false;
            };
            let replaced = group
                .iter()
                .find(|other| other.name == *previous && other.namespace == application.namespace);
            (
                replaced.and_then(|replaced| replaced.before.as_ref()),
                application.after.as_ref(),
                format!("{} replaces {}:", code(&application.name), code(previous)),
            )
        }
        Action::Delete | Action::Unchanged => return false,
    };
    let (Some(before), Some(after)) = (before, after) else {
        return false;
    };
    if diffs == Diffs::LeftOut {
        return true;
    }
    let _ = writeln!(out, "{title}\n");
    let before_text = yamlish(before);
    let after_text = yamlish(after);
    let diff = TextDiff::from_lines(&before_text, &after_text)
        .unified_diff()
        .context_radius(3)
        .header("live", "after merge")
        .to_string();
    out.push_str(&fence("diff", diff.trim_end_matches('\n')));
    out.push('\n');
    false
}
