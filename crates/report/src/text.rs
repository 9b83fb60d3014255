//! The terminal report, for someone reading it under pressure: the verdict on the first
//! line, then per-cluster counts, findings with the commands that fix them, the
//! Applications that change, what gets stuck where, and what could not be evaluated.

use std::fmt::Write as _;

use std::collections::BTreeMap;

use preflight_outcome::{Action, ApplicationChange, ClusterOutcome, Fate, Outcome};

use crate::changes::changed_paths;
use crate::escape::visible;
use crate::summary::{
    applications_line, counts_of, destination_label, group_counts_phrase, is_namespace,
    snapshot_line, sorted_findings, stuck_applications, stuck_applications_line, true_conditions,
    ApplicationGroups, Tally, Verdict,
};

/// How many changed field paths an update lists before summarising the rest.
const MAX_CHANGED_PATHS: usize = 6;
/// How many Applications of one ApplicationSet are listed before the rest are counted.
const MAX_APPLICATIONS_PER_SET: usize = 12;
/// How many names a line of objects that stay for the same reason lists.
const MAX_NAMES_PER_LINE: usize = 3;

pub(crate) fn render(outcome: &Outcome) -> String {
    let tally = Tally::of(outcome);
    let verdict = Verdict::of(outcome, &tally);
    let mut out = String::new();
    line(&mut out, &verdict.line());
    if !outcome.audit {
        line(&mut out, &applications_line(&tally.total));
    }

    // An audit's clusters hold what is stuck already, which its findings tell: the
    // counts are for the JSON summary.
    if !outcome.audit && tally.clusters.values().any(|counts| !counts.is_quiet()) {
        out.push('\n');
        cluster_table(&mut out, &tally);
        for (cluster, count) in stuck_applications(outcome) {
            wrapped(&mut out, "", "  ", &stuck_applications_line(cluster, count));
        }
    }
    findings(&mut out, outcome);
    out.push_str(&crate::mass_deletion::text(outcome));
    applications(&mut out, outcome);
    if !outcome.audit {
        stuck(&mut out, outcome);
    }
    retained_volumes(&mut out, outcome);
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
                format!(
                    "{}{}",
                    counts.stuck_namespaces,
                    counts.already_stuck_suffix()
                ),
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
        wrapped(out, "", "    ", &heading);
        wrapped(out, "  ", "  ", &finding.message);
        if !finding.chain.is_empty() {
            line(out, "  why:");
            for (index, step) in finding.chain.iter().enumerate() {
                let arrow = if index == 0 { "  " } else { "<-" };
                wrapped(out, &format!("    {arrow} "), "       ", step);
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
        for application in group.listed.iter().take(MAX_APPLICATIONS_PER_SET) {
            application_line(out, application, widths);
        }
        if group.listed.len() > MAX_APPLICATIONS_PER_SET {
            line(
                out,
                &format!(
                    "  ... and {} more (`--format json` lists them all)",
                    group.listed.len() - MAX_APPLICATIONS_PER_SET
                ),
            );
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
    if let Some(step) = application.rolling_step {
        line(
            out,
            &format!("      note: {}", crate::progressive::step_note(step)),
        );
    }
}

/// What stays on one cluster, as the report's lines: `with_reasons` adds who deleted
/// each namespace, which names per-cluster Applications and so is left out where
/// clusters are told together.
fn stuck_lines(cluster: &ClusterOutcome, with_reasons: bool) -> Vec<String> {
    let mut lines = Vec::new();
    for api_service in cluster.api_services.iter().filter(|a| !a.available) {
        lines.push(format!(
            "  apiservice {}  Available=False ({}): {}",
            api_service.name,
            api_service.condition.reason(),
            one_line(&api_service.condition.to_string())
        ));
    }
    for namespace in cluster
        .namespaces
        .iter()
        .filter(|namespace| namespace.outcome == Fate::Stuck)
    {
        let mut text = format!("  namespace {}  Terminating", namespace.name);
        let reason = namespace.reason.to_string();
        if with_reasons && !reason.is_empty() {
            let _ = write!(text, "  ({})", one_line(&reason));
        }
        lines.push(text);
        for condition in true_conditions(namespace) {
            lines.push(format!(
                "    {} ({}): {}",
                condition.type_,
                condition.reason,
                one_line(&condition.message)
            ));
        }
    }
    // Objects that stay for the same reason are one line: the Argo CD cluster holds one
    // stuck Application per deleted Application, and they wait for the same things.
    let mut by_reason: BTreeMap<(String, &str, String), Vec<String>> = BTreeMap::new();
    for object in cluster
        .objects
        .iter()
        .filter(|object| object.outcome.remains() && !is_namespace(&object.kind))
    {
        let namespace = object
            .namespace
            .as_deref()
            .map(|namespace| format!("{namespace}/"))
            .unwrap_or_default();
        by_reason
            .entry((
                object.kind.to_lowercase(),
                object.outcome.as_str(),
                object.reason.to_string(),
            ))
            .or_default()
            .push(format!("{namespace}{}", object.name));
    }
    for ((kind, fate, reason), names) in by_reason {
        let shown = names.len().min(MAX_NAMES_PER_LINE);
        let mut listed = names[..shown].join(", ");
        if names.len() > shown {
            let _ = write!(listed, " and {} more", names.len() - shown);
        }
        let kind = if names.len() == 1 {
            kind
        } else {
            format!("{} {kind}s", names.len())
        };
        lines.push(format!("  {kind} {listed}  {fate}: {}", one_line(&reason)));
    }
    lines
}

fn stuck(out: &mut String, outcome: &Outcome) {
    // Clusters where the same things stay are told once.
    let mut groups: BTreeMap<Vec<String>, Vec<&ClusterOutcome>> = BTreeMap::new();
    let mut order = Vec::new();
    for cluster in &outcome.clusters {
        let key = stuck_lines(cluster, false);
        if key.is_empty() {
            continue;
        }
        if !groups.contains_key(&key) {
            order.push(key.clone());
        }
        groups.entry(key).or_default().push(cluster);
    }
    for key in order {
        let clusters = &groups[&key];
        match clusters.as_slice() {
            [one] => {
                let _ = write!(out, "\nStuck on {}\n", one.name);
                for text in stuck_lines(one, true) {
                    wrap_indented(out, &text);
                }
            }
            many => {
                let names: Vec<&str> = many.iter().map(|c| c.name.as_str()).collect();
                out.push('\n');
                wrapped(
                    out,
                    &format!("Stuck on each of {} clusters: ", many.len()),
                    "  ",
                    &names.join(", "),
                );
                for text in &key {
                    wrap_indented(out, text);
                }
            }
        }
    }
}

/// Volumes whose claim the change deletes but whose `Retain` policy keeps them.
fn retained_volumes(out: &mut String, outcome: &Outcome) {
    for cluster in &outcome.clusters {
        let kept = crate::volumes::retained(&cluster.volumes);
        if kept.is_empty() {
            continue;
        }
        let _ = write!(out, "\nVolumes kept on {}\n", cluster.name);
        for volume in kept {
            let size = crate::volumes::size(volume);
            let size = if size.is_empty() {
                String::new()
            } else {
                format!(" ({size})")
            };
            wrap_indented(
                out,
                &format!(
                    "  persistentvolume {}{size}  retained: {}",
                    volume.name,
                    crate::volumes::why_retained(volume)
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
                    one_line(&drift.cause.to_string())
                ),
            );
        }
    }
}

/// User text on one line, so that a message cannot break the layout.
/// Lines of prose wrap at this width; commands, tables and the verdict do not, so that
/// they can be copied whole.
const WIDTH: usize = 100;

/// `text` on one or more lines of at most [`WIDTH`] columns (a word longer than that
/// keeps its own line): the first starts with `first`, the others with `rest`.
fn wrapped(out: &mut String, first: &str, rest: &str, text: &str) {
    let mut current = first.to_string();
    let mut empty = true;
    for word in text.split_whitespace() {
        let width = current.chars().count() + 1 + word.chars().count();
        if !empty && width > WIDTH {
            line(out, &current);
            current = rest.to_string();
            empty = true;
        }
        if !empty {
            current.push(' ');
        }
        current.push_str(word);
        empty = false;
    }
    line(out, &current);
}

/// A line of the stuck section, wrapped under its own indentation.
fn wrap_indented(out: &mut String, text: &str) {
    let indent = text.len() - text.trim_start().len();
    let first = &text[..indent];
    let rest = " ".repeat(indent + 2);
    wrapped(out, first, &rest, text.trim_start());
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
