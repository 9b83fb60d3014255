//! The terminal report, for someone reading it under pressure: the verdict on the first
//! line, then per-cluster counts, findings with the commands that fix them, the
//! Applications that change, what gets stuck where, and what could not be evaluated.

use std::fmt::Write as _;

use preflight_simulator::{Action, ApplicationChange, Fate, Outcome};

use crate::changes::changed_paths;
use crate::escape::visible;
use crate::summary::{
    applications_line, counts_of, destination_label, group_counts_phrase, is_namespace,
    snapshot_line, sorted_findings, true_conditions, ApplicationGroups, Tally, Verdict,
};

/// How many changed field paths an update lists before summarising the rest.
const MAX_CHANGED_PATHS: usize = 6;

pub(crate) fn render(outcome: &Outcome) -> String {
    let tally = Tally::of(outcome);
    let verdict = Verdict::of(outcome, &tally);
    let mut out = String::new();
    line(&mut out, &verdict.line());
    line(&mut out, &applications_line(&tally.total));

    if tally.clusters.values().any(|counts| !counts.is_quiet()) {
        out.push('\n');
        cluster_table(&mut out, &tally);
    }
    findings(&mut out, outcome);
    applications(&mut out, outcome);
    stuck(&mut out, outcome);
    errors_and_drift(&mut out, outcome);
    if let Some(snapshot) = snapshot_line(outcome) {
        out.push('\n');
        line(&mut out, &snapshot);
    }
    // Names and messages enter this report in many places; none of our own text has a
    // control character but newlines, so one pass over the whole shows every
    // bidirectional or terminal control character of theirs as an escape.
    visible(&out).into_owned()
}

fn line(out: &mut String, text: &str) {
    out.push_str(text);
    out.push('\n');
}

fn cluster_table(out: &mut String, tally: &Tally) {
    let header = [
        "cluster",
        "created",
        "updated",
        "deleted",
        "replaced",
        "objects deleted",
        "objects stuck",
        "namespaces stuck",
    ];
    let rows: Vec<[String; 8]> = tally
        .clusters
        .iter()
        .filter(|(_, counts)| !counts.is_quiet())
        .map(|(name, counts)| {
            [
                name.clone(),
                counts.created.to_string(),
                counts.updated.to_string(),
                counts.deleted.to_string(),
                counts.replaced.to_string(),
                counts.deleted_objects.to_string(),
                counts.stuck_objects.to_string(),
                counts.stuck_namespaces.to_string(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let format_row = |cells: [&str; 8]| {
        let mut text = String::new();
        for (index, (cell, width)) in cells.iter().zip(widths).enumerate() {
            if index == 0 {
                let _ = write!(text, "{cell:<width$}");
            } else {
                let _ = write!(text, "  {cell:>width$}");
            }
        }
        text
    };
    line(out, &format_row(header));
    for row in &rows {
        line(out, &format_row(row.each_ref().map(String::as_str)));
    }
}

fn findings(out: &mut String, outcome: &Outcome) {
    let findings = sorted_findings(outcome);
    if findings.is_empty() {
        return;
    }
    out.push_str("\nFindings\n");
    for finding in findings {
        out.push('\n');
        let mut heading = format!(
            "{} {}",
            finding.severity.as_str().to_uppercase(),
            finding.code
        );
        match finding.clusters.as_slice() {
            [] => {}
            [one] => {
                let _ = write!(heading, " on {one}");
            }
            many => {
                let _ = write!(heading, " on {} clusters: {}", many.len(), many.join(", "));
            }
        }
        if !finding.consequences.is_empty() {
            let consequences: Vec<&str> = finding.consequences.iter().map(|c| c.as_str()).collect();
            let _ = write!(heading, " (with {})", consequences.join(", "));
        }
        line(out, &heading);
        line(out, &format!("  {}", one_line(&finding.message)));
        if !finding.chain.is_empty() {
            line(out, "  why:");
            for (index, step) in finding.chain.iter().enumerate() {
                let arrow = if index == 0 { "  " } else { "<-" };
                line(out, &format!("    {arrow} {}", one_line(step)));
            }
        }
        if !finding.remediation.is_empty() {
            line(out, "  fix:");
            for (index, command) in finding.remediation.iter().enumerate() {
                line(out, &format!("    {}. {}", index + 1, one_line(command)));
            }
        }
    }
}

fn applications(out: &mut String, outcome: &Outcome) {
    if outcome.applications.is_empty() {
        return;
    }
    out.push_str("\nApplications\n");
    let groups = ApplicationGroups::of(outcome);
    for group in &groups.listed {
        out.push('\n');
        let counts = counts_of(&group.applications);
        let mut heading = match group.key {
            Some(name) => format!("ApplicationSet {name}"),
            None => "Applications without an ApplicationSet".to_string(),
        };
        if let Some(policy) = group
            .applications
            .iter()
            .find_map(|application| application.policy)
        {
            let _ = write!(heading, " (applicationsSync: {})", policy.as_str());
        }
        let _ = write!(heading, ": {}", group_counts_phrase(&counts));
        line(out, &heading);
        let widths = Widths {
            action: group
                .listed
                .iter()
                .map(|application| application.action.as_str().len())
                .max()
                .unwrap_or(0),
            name: group
                .listed
                .iter()
                .map(|application| application.name.chars().count())
                .max()
                .unwrap_or(0),
        };
        for application in &group.listed {
            application_line(out, application, widths);
        }
    }
    if let Some(unchanged) = groups.unchanged_phrase(str::to_string) {
        out.push('\n');
        line(out, &format!("Unchanged: {unchanged}"));
    }
}

/// Column widths of one group's Application lines.
#[derive(Clone, Copy)]
struct Widths {
    action: usize,
    name: usize,
}

fn application_line(out: &mut String, application: &ApplicationChange, widths: Widths) {
    let mut details = Vec::new();
    if let Some(replacement) = &application.replaced_by {
        details.push(format!("replaced by {replacement}"));
    }
    if let Some(previous) = &application.replaces {
        details.push(format!("replaces {previous}"));
    }
    if application.action == Action::Delete {
        details.push(if application.cascade {
            "cascade".to_string()
        } else {
            "keeps its resources".to_string()
        });
    }
    let (action_width, name_width) = (widths.action, widths.name);
    let mut text = format!(
        "  - {:<action_width$}  {:<name_width$}  -> {}",
        application.action.as_str(),
        application.name,
        destination_label(application),
    );
    if !details.is_empty() {
        let _ = write!(text, "  ({})", details.join(", "));
    }
    line(out, &text);
    if let (Action::Update, Some(before), Some(after)) =
        (application.action, &application.before, &application.after)
    {
        let paths = changed_paths(before, after);
        if !paths.is_empty() {
            let shown: Vec<&str> = paths
                .iter()
                .take(MAX_CHANGED_PATHS)
                .map(String::as_str)
                .collect();
            let mut changes = format!("      changes: {}", shown.join(", "));
            if paths.len() > MAX_CHANGED_PATHS {
                let _ = write!(changes, " and {} more", paths.len() - MAX_CHANGED_PATHS);
            }
            line(out, &changes);
        }
    }
    for note in &application.notes {
        line(out, &format!("      note: {}", one_line(&note.to_string())));
    }
    if let Some(progressive) = application.progressive {
        line(
            out,
            &format!("      note: {}", crate::progressive::note(progressive)),
        );
    }
}

fn stuck(out: &mut String, outcome: &Outcome) {
    for cluster in &outcome.clusters {
        let namespaces: Vec<_> = cluster
            .namespaces
            .iter()
            .filter(|namespace| namespace.outcome == Fate::Stuck)
            .collect();
        let objects: Vec<_> = cluster
            .objects
            .iter()
            .filter(|object| object.outcome.remains() && !is_namespace(&object.kind))
            .collect();
        let api_services: Vec<_> = cluster
            .api_services
            .iter()
            .filter(|api_service| !api_service.available)
            .collect();
        if namespaces.is_empty() && objects.is_empty() && api_services.is_empty() {
            continue;
        }
        let _ = write!(out, "\nStuck on {}\n", cluster.name);
        for api_service in api_services {
            line(
                out,
                &format!(
                    "  apiservice {}  Available={} ({}): {}",
                    api_service.name,
                    if api_service.available {
                        "True"
                    } else {
                        "False"
                    },
                    api_service.reason,
                    one_line(&api_service.message)
                ),
            );
        }
        for namespace in namespaces {
            let mut text = format!("  namespace {}  Terminating", namespace.name);
            if !namespace.reason.is_empty() {
                let _ = write!(text, "  ({})", one_line(&namespace.reason));
            }
            line(out, &text);
            for condition in true_conditions(namespace) {
                line(
                    out,
                    &format!(
                        "    {} ({}): {}",
                        condition.type_,
                        condition.reason,
                        one_line(&condition.message)
                    ),
                );
            }
        }
        for object in objects {
            let namespace = object
                .namespace
                .as_deref()
                .map(|namespace| format!("{namespace}/"))
                .unwrap_or_default();
            line(
                out,
                &format!(
                    "  {} {}{}  stuck: {}",
                    object.kind.to_lowercase(),
                    namespace,
                    object.name,
                    one_line(&object.reason)
                ),
            );
        }
    }
}

fn errors_and_drift(out: &mut String, outcome: &Outcome) {
    if !outcome.application_sets.is_empty() {
        let _ = writeln!(out, "\n{}", crate::appsets::TITLE);
        for change in &outcome.application_sets {
            line(
                out,
                &format!(
                    "  - ApplicationSet {}/{}: {}",
                    change.namespace,
                    change.name,
                    one_line(&crate::appsets::describe(change))
                ),
            );
        }
    }
    if !outcome.errors.is_empty() {
        out.push_str("\nCould not be evaluated (left as it is)\n");
        for error in &outcome.errors {
            let mut place = Vec::new();
            if let Some(file) = &error.file {
                place.push(file.clone());
            }
            if let Some(application_set) = &error.application_set {
                place.push(format!("ApplicationSet {application_set}"));
            }
            let mut text = if place.is_empty() {
                format!("  - {}", one_line(&error.message))
            } else {
                format!("  - {}: {}", place.join(", "), one_line(&error.message))
            };
            if !error.freezes {
                text.push_str(" (Argo CD acts on it; the plan predicts nothing for it)");
            }
            line(out, &text);
        }
    }
    if !outcome.drift.is_empty() {
        out.push_str("\nLive differs from base (merging applies this too)\n");
        for drift in &outcome.drift {
            line(
                out,
                &format!(
                    "  - ApplicationSet {}/{}: {}",
                    drift.namespace,
                    drift.application_set,
                    one_line(&drift.message)
                ),
            );
        }
    }
}

/// User text on one line, so that a message cannot break the layout.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
