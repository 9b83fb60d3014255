//! The merge-request comment. The first screen is the verdict: the marker, a heading, the
//! per-cluster counts, the stuck namespaces and why, and the critical and high findings
//! with their commands. Everything else sits in `<details>` sections below, and that is
//! what gives way when the comment would exceed the forge's size limit: diffs first, then
//! cluster sections, then ApplicationSet sections, then diagrams, then lower-severity
//! findings. The head (and the errors and drift at the end) are never dropped.

use std::cell::OnceCell;
use std::collections::BTreeMap;
use std::fmt::Write as _;

use similar::TextDiff;

use preflight_simulator::{
    Action, ApplicationChange, ClusterOutcome, Fate, Finding, ObjectOutcome, Outcome, Severity,
};

use crate::changes::{changed_paths, yamlish};
use crate::escape::visible;
use crate::summary::{
    applications_line, counts_of, destination_label, group_counts_phrase, is_namespace, plural,
    snapshot_line, sorted_findings, stuck_applications, stuck_applications_line, stuck_groups,
    true_conditions, ApplicationGroups, Level, ListedGroup, Tally, Verdict,
};
use crate::COMMENT_MARKER;

/// How many namespaces a stuck-namespace bullet names before it counts the rest.
const MAX_NAMESPACES_PER_GROUP: usize = 12;

/// How many deadlock diagrams show before the rest fold away.
const DIAGRAMS_SHOWN: usize = 3;

/// How many objects of one fate a cluster section lists before it counts the rest; the
/// JSON report has them all.
const MAX_OBJECT_ROWS: usize = 100;

/// The comment of one outcome, built once and rendered at any size: the whole report
/// with its diffs is built up front, the shortened one (diffs left out) the first time a
/// size needs it.
pub(crate) struct Report<'a> {
    outcome: &'a Outcome,
    full: Document,
    shortened: OnceCell<Document>,
}

impl<'a> Report<'a> {
    pub(crate) fn new(outcome: &'a Outcome) -> Report<'a> {
        Report {
            outcome,
            full: Document::build(outcome, Diffs::Shown),
            shortened: OnceCell::new(),
        }
    }

    /// At most `max_bytes` long.
    pub(crate) fn render(&self, max_bytes: usize) -> String {
        if self.full.len() <= max_bytes {
            return self.full.join(None);
        }
        self.shortened().fit(max_bytes)
    }

    /// Like [`Report::render`], but when the comment must be shortened, the note says
    /// which sections were left out and where the full report is (`full_report`
    /// completes "the full report is …").
    pub(crate) fn render_comment(&self, max_bytes: usize, full_report: &str) -> String {
        if self.full.len() <= max_bytes {
            return self.full.join(None);
        }
        self.shortened()
            .fit_saying_what_was_cut(max_bytes, full_report)
    }

    fn shortened(&self) -> Document {
        self.shortened
            .get_or_init(|| Document::build(self.outcome, Diffs::LeftOut))
            .clone()
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Diffs {
    Shown,
    LeftOut,
}

/// Sections in the order they are dropped when the comment is too long: lowest first.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Rank {
    Cluster,
    ApplicationSet,
    Diagram,
    LesserFindings,
}

#[derive(Clone)]
struct Block {
    text: String,
    rank: Rank,
    /// What the section is about, as Markdown, for the note that says what was cut.
    label: String,
    /// How many Applications' diffs the section leaves out (a document built to fit).
    diffs_left_out: usize,
}

#[derive(Clone)]
struct Document {
    /// Never cut: marker, verdict, counts, stuck namespaces, critical and high findings.
    head: String,
    /// Droppable sections, in display order.
    blocks: Vec<Block>,
    /// Errors and drift: small, and the reader must not miss them.
    tail: String,
}

impl Document {
    fn build(outcome: &Outcome, diffs: Diffs) -> Document {
        let tally = Tally::of(outcome);
        let verdict = Verdict::of(outcome, &tally);
        let findings = sorted_findings(outcome);
        let (serious, lesser): (Vec<&Finding>, Vec<&Finding>) = findings
            .iter()
            .partition(|finding| finding.severity >= Severity::High);

        let mut head = String::new();
        write_head(&mut head, outcome, &tally, &verdict);
        write_serious_findings(&mut head, &serious);

        let mut blocks = Vec::new();
        if !lesser.is_empty() {
            blocks.push(Block {
                text: lesser_findings(&lesser),
                rank: Rank::LesserFindings,
                label: "findings below high".to_string(),
                diffs_left_out: 0,
            });
        }
        application_set_blocks(&mut blocks, outcome, diffs);
        cluster_blocks(&mut blocks, outcome);
        diagram_blocks(&mut blocks, &findings);

        let mut tail = String::new();
        write_errors_and_drift(&mut tail, outcome);
        if let Some(snapshot) = snapshot_line(outcome) {
            tail.push_str(&snapshot);
            tail.push('\n');
        }
        Document { head, blocks, tail }
    }

    fn len(&self) -> usize {
        self.head.len()
            + self
                .blocks
                .iter()
                .map(|block| block.text.len())
                .sum::<usize>()
            + self.tail.len()
    }

    fn join(&self, note: Option<&str>) -> String {
        let mut out = self.head.clone();
        if let Some(note) = note {
            out.push_str(note);
        }
        for block in &self.blocks {
            out.push_str(&block.text);
        }
        out.push_str(&self.tail);
        out
    }

    /// Drops sections, lowest rank and last first, until the comment fits; cuts the
    /// remainder at a line boundary only if the head and tail alone are too long.
    fn fit(mut self, max_bytes: usize) -> String {
        let mut dropped = 0;
        let mut total = self.len() + left_out_note(1).len();
        while total > max_bytes {
            let Some(block) = self.drop_next() else {
                break;
            };
            total -= block.text.len();
            dropped += 1;
        }
        let note = (dropped > 0).then(|| left_out_note(dropped));
        let text = self.join(note.as_deref());
        if text.len() <= max_bytes {
            return text;
        }
        hard_cut(&text, max_bytes, CUT_NOTICE)
    }

    /// Like [`Document::fit`], with a note that names the sections left out (diffs
    /// included) and where the full report is. The note is always there: a document
    /// built to be fitted has left its diffs out.
    fn fit_saying_what_was_cut(mut self, max_bytes: usize, full_report: &str) -> String {
        let diffs = self
            .blocks
            .iter()
            .map(|block| block.diffs_left_out)
            .sum::<usize>();
        let mut dropped: Vec<Block> = Vec::new();
        let mut total = self.len();
        loop {
            let note = what_was_cut_note(diffs, &dropped, full_report);
            if total + note.len() > max_bytes {
                if let Some(block) = self.drop_next() {
                    total -= block.text.len();
                    dropped.push(block);
                    continue;
                }
            }
            let text = self.join(Some(&note));
            if text.len() <= max_bytes {
                return text;
            }
            let notice = format!(
                "\n> The report is cut here to fit the comment size limit; the full report is {full_report}.\n"
            );
            return hard_cut(&text, max_bytes, &notice);
        }
    }

    /// Removes the section that goes first: the lowest rank, the last of its rank.
    fn drop_next(&mut self) -> Option<Block> {
        let victim = (0..self.blocks.len())
            .min_by_key(|&index| (self.blocks[index].rank, std::cmp::Reverse(index)))?;
        Some(self.blocks.remove(victim))
    }
}

/// How many names of one kind the note lists before it counts the rest.
const NAMES_IN_NOTE: usize = 8;

/// "> **Shortened to fit the comment size limit**; the full report is …. Left out: …"
fn what_was_cut_note(diffs: usize, dropped: &[Block], full_report: &str) -> String {
    let mut parts = Vec::new();
    if diffs > 0 {
        parts.push(format!("the diffs of {}", plural(diffs, "Application")));
    }
    // Labels that are code spans are names; the others are phrases of their own.
    let names = |rank: Rank| -> Vec<&str> {
        let mut names: Vec<&str> = dropped
            .iter()
            .filter(|block| block.rank == rank && block.label.starts_with('`'))
            .map(|block| block.label.as_str())
            .collect();
        names.sort_unstable();
        names
    };
    let listed = |title: &str, names: Vec<&str>| -> Option<String> {
        if names.is_empty() {
            return None;
        }
        let shown = names.len().min(NAMES_IN_NOTE);
        let mut text = format!("{title} {}", names[..shown].join(", "));
        if names.len() > shown {
            let _ = write!(text, " and {} more", names.len() - shown);
        }
        Some(text)
    };
    parts.extend(listed(
        "the Applications of ApplicationSets",
        names(Rank::ApplicationSet),
    ));
    parts.extend(
        dropped
            .iter()
            .filter(|block| block.rank == Rank::ApplicationSet && !block.label.starts_with('`'))
            .map(|block| block.label.clone()),
    );
    parts.extend(listed("the sections of clusters", names(Rank::Cluster)));
    let diagrams: usize = dropped
        .iter()
        .filter(|block| block.rank == Rank::Diagram)
        .map(|block| block.text.matches("```mermaid").count())
        .sum();
    if diagrams > 0 {
        parts.push(plural(diagrams, "deadlock diagram"));
    }
    if dropped
        .iter()
        .any(|block| block.rank == Rank::LesserFindings)
    {
        parts.push("the findings below high".to_string());
    }
    let mut note =
        format!("> **Shortened to fit the comment size limit**; the full report is {full_report}.");
    if !parts.is_empty() {
        let _ = write!(note, " Left out: {}.", parts.join("; "));
    }
    note.push_str("\n\n");
    note
}

fn left_out_note(sections: usize) -> String {
    format!(
        "> {} left out to fit the comment size limit; run `argocd-preflight plan --format markdown` for the full report, or `--format json` for every object.\n\n",
        plural(sections, "section")
    )
}

const CUT_NOTICE: &str =
    "\n> The report is cut here to fit the comment size limit; run `argocd-preflight plan` for the rest.\n";

/// Cuts at the last blank line outside a code fence that leaves room for the notice, so
/// that no command list is cut short; at a line boundary, closing the open fence, only
/// when there is no such blank line.
fn hard_cut(text: &str, max_bytes: usize, notice: &str) -> String {
    // Room for the notice and for closing a fence of up to 16 backticks.
    let room = max_bytes.saturating_sub(notice.len() + 17);
    let mut open_fence: Option<&str> = None;
    let mut last_blank_outside = None;
    let mut last_line_end = 0;
    let mut fence_at_line_end: Option<&str> = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let end = offset + line.len();
        if end > room {
            break;
        }
        let trimmed = line.trim();
        let ticks = &trimmed[..trimmed.len() - trimmed.trim_start_matches('`').len()];
        match open_fence {
            None if ticks.len() >= 3 => open_fence = Some(ticks),
            Some(open) if ticks.len() >= open.len() && trimmed == ticks => open_fence = None,
            _ => {}
        }
        if trimmed.is_empty() && open_fence.is_none() {
            last_blank_outside = Some(end);
        }
        last_line_end = end;
        fence_at_line_end = open_fence;
        offset = end;
    }
    let mut out = match last_blank_outside {
        Some(end) => text[..end].to_string(),
        None => {
            let mut out = text[..last_line_end].to_string();
            if let Some(ticks) = fence_at_line_end {
                out.push_str(ticks);
                out.push('\n');
            }
            out
        }
    };
    out.push_str(notice);
    out
}

fn icon(level: Level) -> &'static str {
    match level {
        Level::Ok => "✅",
        Level::Incomplete => "❔",
        Level::Finding(severity) => severity_icon(severity),
    }
}

fn severity_icon(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "🛑",
        Severity::High => "🔴",
        Severity::Warning => "⚠️",
        Severity::Info => "ℹ️",
    }
}

fn write_head(out: &mut String, outcome: &Outcome, tally: &Tally, verdict: &Verdict) {
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

    // Clusters where only unchanged Applications live are left out of the table.
    if tally.clusters.values().any(|counts| !counts.is_quiet()) {
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

    let groups = stuck_groups(outcome);
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

fn member_list(by_cluster: BTreeMap<&str, Vec<&str>>, total: usize) -> String {
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

fn bold_if_positive(count: usize) -> String {
    if count > 0 {
        format!("**{count}**")
    } else {
        count.to_string()
    }
}

/// Findings that say the same thing on several clusters, told once: the clusters in the
/// title and every cluster's commands in one block, ready to paste.
struct FindingGroup<'a> {
    severity: Severity,
    code: &'a str,
    message: &'a str,
    clusters: Vec<&'a str>,
    remediation: Vec<&'a str>,
}

fn group_findings<'a>(findings: &[&'a Finding]) -> Vec<FindingGroup<'a>> {
    let mut groups: Vec<FindingGroup<'a>> = Vec::new();
    let mut index_of: BTreeMap<(Severity, &str, &str), usize> = BTreeMap::new();
    for finding in findings {
        let key = (
            finding.severity,
            finding.code.as_str(),
            finding.message.as_str(),
        );
        let index = *index_of.entry(key).or_insert_with(|| {
            groups.push(FindingGroup {
                severity: finding.severity,
                code: finding.code.as_str(),
                message: &finding.message,
                clusters: Vec::new(),
                remediation: Vec::new(),
            });
            groups.len() - 1
        });
        let group = &mut groups[index];
        for cluster in &finding.clusters {
            if !group.clusters.contains(&cluster.as_str()) {
                group.clusters.push(cluster);
            }
        }
        for command in &finding.remediation {
            if !group.remediation.contains(&command.as_str()) {
                group.remediation.push(command);
            }
        }
    }
    groups
}

fn write_serious_findings(out: &mut String, findings: &[&Finding]) {
    if findings.is_empty() {
        return;
    }
    out.push_str("### Findings\n\n");
    for group in group_findings(findings) {
        write_finding_group(out, &group);
    }
}

fn write_finding_group(out: &mut String, group: &FindingGroup<'_>) {
    let clusters: Vec<String> = group.clusters.iter().map(|cluster| code(cluster)).collect();
    let _ = writeln!(
        out,
        "{}: {}\n",
        title(group.severity, group.code, &clusters),
        text(group.message)
    );
    if !group.remediation.is_empty() {
        out.push_str(&fence("sh", &group.remediation.join("\n")));
        out.push('\n');
    }
}

/// ``🛑 **critical** `apiservice-unavailable` on `e1-k8s-lab-a`, `e1-k8s-lab-b` ``
fn title(severity: Severity, finding_code: &str, clusters: &[String]) -> String {
    let mut title = format!(
        "{} **{}** {}",
        severity_icon(severity),
        severity.as_str(),
        code(finding_code)
    );
    if !clusters.is_empty() {
        let _ = write!(title, " on {}", clusters.join(", "));
    }
    title
}

fn lesser_findings(findings: &[&Finding]) -> String {
    let mut by_severity: Vec<(Severity, usize)> = Vec::new();
    for finding in findings {
        match by_severity.last_mut() {
            Some((severity, count)) if *severity == finding.severity => *count += 1,
            _ => by_severity.push((finding.severity, 1)),
        }
    }
    let breakdown = by_severity
        .iter()
        .map(|(severity, count)| format!("{count} {}", severity.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    let mut out = format!("<details><summary>Lower-severity findings: {breakdown}</summary>\n\n");
    for group in group_findings(findings) {
        write_finding_group(&mut out, &group);
    }
    out.push_str("</details>\n\n");
    out
}

fn application_set_blocks(blocks: &mut Vec<Block>, outcome: &Outcome, diffs: Diffs) {
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

fn action_cell(action: Action) -> &'static str {
    match action {
        Action::Delete => "**delete**",
        other => other.as_str(),
    }
}

fn details_cell(application: &ApplicationChange) -> String {
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
    details.join("<br>")
}

/// A unified diff for an update, and for a created Application that replaces a deleted
/// one (which shows why Argo CD sees a new Application rather than a changed one).
/// Writes the diff of one Application, or nothing when `diffs` leaves them out; returns
/// whether it had a diff to leave out.
fn write_application_diff(
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

fn cluster_blocks(blocks: &mut Vec<Block>, outcome: &Outcome) {
    // Clusters where the same things happen are one section. Who deleted each object
    // names per-cluster Applications, so a shared section leaves that column out.
    let mut groups: Vec<(String, Vec<&ClusterOutcome>)> = Vec::new();
    for cluster in &outcome.clusters {
        if cluster.objects.is_empty()
            && cluster.namespaces.is_empty()
            && cluster.api_services.is_empty()
            && crate::volumes::retained(&cluster.volumes).is_empty()
        {
            continue;
        }
        let mut body = String::new();
        write_cluster_body(&mut body, cluster, false);
        match groups.iter_mut().find(|(key, _)| *key == body) {
            Some((_, members)) => members.push(cluster),
            None => groups.push((body, vec![cluster])),
        }
    }
    let mut first = true;
    for (body, members) in groups {
        let mut out = String::new();
        if first {
            out.push_str("### Clusters\n\n");
            first = false;
        }
        let names: Vec<String> = members.iter().map(|c| code(&c.name)).collect();
        match members.as_slice() {
            [one] => {
                let _ = writeln!(
                    out,
                    "<details><summary>{}</summary>\n",
                    html(&format!("Cluster {}: {}", one.name, cluster_counts(one)))
                );
                write_cluster_body(&mut out, one, true);
            }
            many => {
                let listed: Vec<&str> = many.iter().map(|c| c.name.as_str()).collect();
                let _ = writeln!(
                    out,
                    "<details><summary>{}</summary>\n",
                    html(&format!(
                        "{} clusters, each: {}",
                        many.len(),
                        cluster_counts(many[0])
                    ))
                );
                let _ = writeln!(
                    out,
                    "The same on each of {}.\n",
                    listed
                        .iter()
                        .map(|name| code(name))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                out.push_str(&body);
            }
        }
        out.push_str("</details>\n\n");
        blocks.push(Block {
            text: out,
            rank: Rank::Cluster,
            label: names.join(", "),
            diffs_left_out: 0,
        });
    }
}

/// `3 namespaces stuck, 0 deleted; 0 objects stuck, 14 deleted`
fn cluster_counts(cluster: &ClusterOutcome) -> String {
    let stuck_namespaces = cluster
        .namespaces
        .iter()
        .filter(|namespace| namespace.outcome == Fate::Stuck && !namespace.already_terminating)
        .count();
    let already = cluster
        .namespaces
        .iter()
        .filter(|namespace| namespace.outcome == Fate::Stuck && namespace.already_terminating)
        .count();
    let deleted_namespaces = count_namespaces(cluster, Fate::Deleted);
    let objects = || {
        cluster
            .objects
            .iter()
            .filter(|object| !is_namespace(&object.kind))
    };
    let stuck = objects().filter(|object| object.outcome.remains()).count();
    let deleted = objects().count() - stuck;
    let already = if already > 0 {
        format!(" (+{already} already Terminating before the change)")
    } else {
        String::new()
    };
    format!(
        "{} stuck{already}, {} deleted; {} stuck, {} deleted",
        plural(stuck_namespaces, "namespace"),
        deleted_namespaces,
        plural(stuck, "object"),
        deleted
    )
}

/// The tables of one cluster; `with_causes` adds who deleted each namespace and object.
fn write_cluster_body(out: &mut String, cluster: &ClusterOutcome, with_causes: bool) {
    let (stuck, deleted): (Vec<&ObjectOutcome>, Vec<&ObjectOutcome>) = cluster
        .objects
        .iter()
        .filter(|object| !is_namespace(&object.kind))
        .partition(|object| object.outcome.remains());

    if !cluster.api_services.is_empty() {
        out.push_str("**APIServices**\n\n");
        out.push_str("| APIService | Service | Available | Why |\n");
        out.push_str("| --- | --- | --- | --- |\n");
        for api_service in &cluster.api_services {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {}: {} |",
                code_cell(&api_service.name),
                code_cell(&api_service.service),
                if api_service.available {
                    "True"
                } else {
                    "False"
                },
                cell(&api_service.reason),
                cell(&api_service.message)
            );
        }
        out.push('\n');
    }

    if !cluster.namespaces.is_empty() {
        out.push_str("**Namespaces**\n\n");
        if with_causes {
            out.push_str("| Namespace | Outcome | Conditions that are True | Deleted because |\n");
            out.push_str("| --- | --- | --- | --- |\n");
        } else {
            out.push_str("| Namespace | Outcome | Conditions that are True |\n");
            out.push_str("| --- | --- | --- |\n");
        }
        for namespace in &cluster.namespaces {
            let conditions = true_conditions(namespace)
                .iter()
                .map(|condition| {
                    format!(
                        "{} ({}): {}",
                        code_cell(&condition.type_),
                        cell(&condition.reason),
                        cell(&condition.message)
                    )
                })
                .collect::<Vec<_>>()
                .join("<br>");
            let _ = write!(
                out,
                "| {} | {} | {} |",
                code_cell(&namespace.name),
                fate_cell(namespace.outcome),
                conditions,
            );
            if with_causes {
                let _ = write!(out, " {} |", cell(&namespace.reason));
            }
            out.push('\n');
        }
        out.push('\n');
    }

    write_objects(out, "Objects that stay stuck", &stuck, true);
    write_objects(out, "Objects deleted", &deleted, with_causes);
    write_retained_volumes(out, cluster);
}

/// Volumes whose claim the change deletes but whose `Retain` policy keeps them (the
/// destroyed and leaked ones have findings of their own).
fn write_retained_volumes(out: &mut String, cluster: &ClusterOutcome) {
    let kept = crate::volumes::retained(&cluster.volumes);
    if kept.is_empty() {
        return;
    }
    out.push_str("**Volumes kept**\n\n");
    out.push_str("| Volume | Size | Why it stays |\n");
    out.push_str("| --- | --- | --- |\n");
    for volume in kept {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            code_cell(&volume.name),
            cell(&crate::volumes::size(volume)),
            cell(&crate::volumes::why_retained(volume))
        );
    }
    out.push('\n');
}

fn count_namespaces(cluster: &ClusterOutcome, fate: Fate) -> usize {
    cluster
        .namespaces
        .iter()
        .filter(|namespace| namespace.outcome == fate)
        .count()
}

fn fate_cell(fate: Fate) -> &'static str {
    match fate {
        Fate::Stuck => "**stuck**",
        Fate::Refused => "**refused**",
        Fate::Deleted => "deleted",
    }
}

fn write_objects(out: &mut String, title: &str, objects: &[&ObjectOutcome], with_why: bool) {
    if objects.is_empty() {
        return;
    }
    let _ = writeln!(out, "**{title}** ({})\n", objects.len());
    if with_why {
        out.push_str("| Kind | Namespace | Name | Why |\n");
        out.push_str("| --- | --- | --- | --- |\n");
    } else {
        out.push_str("| Kind | Namespace | Name |\n");
        out.push_str("| --- | --- | --- |\n");
    }
    for object in objects.iter().take(MAX_OBJECT_ROWS) {
        let _ = write!(
            out,
            "| {} | {} | {} |",
            code_cell(&format!("{} {}", object.api_version, object.kind)),
            object
                .namespace
                .as_deref()
                .map(code_cell)
                .unwrap_or_default(),
            code_cell(&object.name),
        );
        if with_why {
            let _ = write!(out, " {} |", cell(&object.reason));
        }
        out.push('\n');
    }
    if objects.len() > MAX_OBJECT_ROWS {
        let _ = writeln!(
            out,
            "\nAnd {} more; `--format json` lists them all.",
            objects.len() - MAX_OBJECT_ROWS
        );
    }
    out.push('\n');
}

fn diagram_blocks(blocks: &mut Vec<Block>, findings: &[&Finding]) {
    let with_chain: Vec<&Finding> = findings
        .iter()
        .copied()
        .filter(|finding| !finding.chain.is_empty())
        .collect();
    for (index, finding) in with_chain.iter().enumerate() {
        let mut out = String::new();
        if index == 0 {
            out.push_str("### Why it gets stuck\n\nEach arrow reads \"because\".\n\n");
        }
        if index == DIAGRAMS_SHOWN {
            let more = with_chain.len() - DIAGRAMS_SHOWN;
            let noun = if more == 1 { "diagram" } else { "diagrams" };
            let _ = writeln!(out, "<details><summary>{more} more {noun}</summary>\n");
        }
        let clusters: Vec<String> = finding
            .clusters
            .iter()
            .map(|cluster| code(cluster))
            .collect();
        let _ = writeln!(
            out,
            "{}\n",
            title(finding.severity, finding.code.as_str(), &clusters)
        );
        out.push_str(&fence("mermaid", &mermaid(&finding.chain, finding.cycle)));
        out.push('\n');
        if index >= DIAGRAMS_SHOWN && index == with_chain.len() - 1 {
            out.push_str("</details>\n\n");
        }
        if index > DIAGRAMS_SHOWN {
            // The folded diagrams stay one section, so that dropping it never leaves
            // an unclosed `<details>`.
            let folded = blocks.last_mut().expect("the folded section comes first");
            folded.text.push_str(&out);
        } else {
            blocks.push(Block {
                text: out,
                rank: Rank::Diagram,
                label: String::new(),
                diffs_left_out: 0,
            });
        }
    }
}

/// A top-down flowchart: the symptom first, each step caused by the next.
pub(crate) fn mermaid(chain: &[String], cycle: bool) -> String {
    let mut out = String::from("flowchart TD\n");
    // A chain that ends back at its start is a cycle: draw the edge back, not the
    // start twice.
    let cycle = cycle && chain.len() > 2;
    let nodes = if cycle {
        &chain[..chain.len() - 1]
    } else {
        chain
    };
    for (index, step) in nodes.iter().enumerate() {
        let _ = writeln!(out, "    n{index}[\"{}\"]", mermaid_label(step));
    }
    for index in 1..nodes.len() {
        let _ = writeln!(out, "    n{} --> n{index}", index - 1);
    }
    if cycle {
        let _ = writeln!(out, "    n{} --> n0", nodes.len() - 1);
    }
    out.push_str("    classDef symptom fill:#fdd,stroke:#c00\n");
    out.push_str("    class n0 symptom");
    out
}

/// A label inside `["…"]`: characters that Mermaid would read as syntax or markup become
/// its `#code;` entities, and line breaks become spaces.
fn mermaid_label(step: &str) -> String {
    let step = visible(step);
    let mut label = String::with_capacity(step.len());
    for character in step.chars() {
        match character {
            '"' => label.push_str("#quot;"),
            '#' => label.push_str("#35;"),
            '&' => label.push_str("#38;"),
            '<' => label.push_str("#lt;"),
            '>' => label.push_str("#gt;"),
            '[' => label.push_str("#91;"),
            ']' => label.push_str("#93;"),
            '{' => label.push_str("#123;"),
            '}' => label.push_str("#125;"),
            '|' => label.push_str("#124;"),
            '`' => label.push_str("#96;"),
            '\n' | '\r' | '\t' => label.push(' '),
            other => label.push(other),
        }
    }
    label
}

fn write_errors_and_drift(out: &mut String, outcome: &Outcome) {
    if !outcome.application_sets.is_empty() {
        let _ = writeln!(out, "### {}\n", crate::appsets::TITLE);
        for change in &outcome.application_sets {
            let _ = writeln!(
                out,
                "- ApplicationSet {}: {}",
                code(&format!("{}/{}", change.namespace, change.name)),
                text(&crate::appsets::describe(change))
            );
        }
        out.push('\n');
    }
    if !outcome.errors.is_empty() {
        out.push_str("### Could not be evaluated\n\n");
        out.push_str(
            "Argo CD leaves what these cover as it is, and so does this plan: nothing above includes them.\n\n",
        );
        for error in &outcome.errors {
            let mut place = Vec::new();
            if let Some(file) = &error.file {
                place.push(code(file));
            }
            if let Some(application_set) = &error.application_set {
                place.push(format!("ApplicationSet {}", code(application_set)));
            }
            let caveat = if error.freezes {
                ""
            } else {
                " (Argo CD acts on it; the plan predicts nothing for it)"
            };
            if place.is_empty() {
                let _ = writeln!(out, "- {}{caveat}", text(&error.message));
            } else {
                let _ = writeln!(
                    out,
                    "- {}: {}{caveat}",
                    place.join(", "),
                    text(&error.message)
                );
            }
        }
        out.push('\n');
    }
    if !outcome.drift.is_empty() {
        out.push_str("### Live differs from base\n\n");
        out.push_str("Merging applies these differences too:\n\n");
        for drift in &outcome.drift {
            let _ = writeln!(
                out,
                "- ApplicationSet {}: {}",
                code(&format!("{}/{}", drift.namespace, drift.application_set)),
                text(&drift.message)
            );
        }
        out.push('\n');
    }
}

/// User text as Markdown on one line. Pairs of backticks keep their meaning (messages
/// put user values in backticks); everything else renders literally, and nothing in it
/// mentions, links or references anyone.
pub(crate) fn text(value: &str) -> String {
    inline(value, false)
}

/// [`text`] inside a table cell, where `|` would end the cell even inside code.
pub(crate) fn cell(value: &str) -> String {
    inline(value, true)
}

fn inline(value: &str, in_table: bool) -> String {
    let value = visible(value);
    let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
    let parts: Vec<&str> = value.split('`').collect();
    let mut out = String::with_capacity(value.len());
    for (index, part) in parts.iter().enumerate() {
        let inside_backticks = index % 2 == 1;
        let unpaired = inside_backticks && index == parts.len() - 1;
        if !inside_backticks {
            out.push_str(&escape(part, in_table));
        } else if unpaired || part.trim().is_empty() {
            out.push_str("\\`");
            out.push_str(&escape(part, in_table));
            if !unpaired {
                out.push_str("\\`");
            }
        } else if in_table {
            out.push_str(&code_cell(part));
        } else {
            out.push_str(&code(part));
        }
    }
    out
}

/// Backslash-escapes what Markdown or HTML would read as markup, and shows each word
/// that a forge would turn into a mention, a link or a reference as code, where
/// neither GitHub nor GitLab looks for them: a backslash keeps Markdown from reading
/// `[x](y)`, but mentions, bare URLs and `#1` references are found in the rendered
/// text, escaped or not.
fn escape(value: &str, in_table: bool) -> String {
    let mut out = String::with_capacity(value.len());
    for (index, word) in value.split(' ').enumerate() {
        if index > 0 {
            out.push(' ');
        }
        if is_live(word) {
            out.push_str(&if in_table {
                code_cell(word)
            } else {
                code(word)
            });
            continue;
        }
        for character in word.chars() {
            match character {
                '\\' | '`' | '*' | '_' | '~' | '|' | '[' | ']' | '<' | '>' | '#' => {
                    out.push('\\');
                    out.push(character);
                }
                '&' => out.push_str("&amp;"),
                other => out.push(other),
            }
        }
    }
    out
}

/// A word GitHub or GitLab would act on in rendered text: a mention (`@user`,
/// `@org/team`) or an email address, a URL of any scheme or a `www.` address, and the
/// references `#1`, `!1`, `~label`, `%milestone`, `$snippet`, `&epic`, `^alert`.
fn is_live(word: &str) -> bool {
    word.contains('@')
        || word.contains("://")
        || word.to_ascii_lowercase().contains("www.")
        || word.char_indices().any(|(at, character)| {
            matches!(character, '#' | '!' | '~' | '%' | '$' | '&' | '^')
                && word[at + character.len_utf8()..]
                    .chars()
                    .next()
                    .is_some_and(|next| next.is_alphanumeric() || next == '"')
        })
}

/// User text as an inline code span, on one line. Nothing inside a code span is
/// markup, a mention or a link.
pub(crate) fn code(value: &str) -> String {
    let value = visible(value);
    let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
    let longest_run = value
        .split(|character| character != '`')
        .map(str::len)
        .max()
        .unwrap_or(0);
    let ticks = "`".repeat(longest_run + 1);
    // A span that starts or ends with a backtick needs a space of padding, which
    // CommonMark strips again.
    if value.starts_with('`') || value.ends_with('`') {
        format!("{ticks} {value} {ticks}")
    } else {
        format!("{ticks}{value}{ticks}")
    }
}

/// An inline code span inside a table cell, where `|` would end the cell even in code.
pub(crate) fn code_cell(value: &str) -> String {
    code(value).replace('|', "\\|")
}

/// Text inside an HTML element such as `<summary>`, where Markdown is not rendered but
/// mentions, references and (on GitLab) bare URLs still are: such words go in `<code>`.
pub(crate) fn html(value: &str) -> String {
    let value = visible(value);
    let mut out = String::with_capacity(value.len());
    for (index, word) in value.split(' ').enumerate() {
        if index > 0 {
            out.push(' ');
        }
        let live = is_live(word);
        if live {
            out.push_str("<code>");
        }
        for character in word.chars() {
            match character {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\n' | '\r' => out.push(' '),
                other => out.push(other),
            }
        }
        if live {
            out.push_str("</code>");
        }
    }
    out
}

/// A fenced code block whose fence is longer than any backtick run in the body.
pub(crate) fn fence(language: &str, body: &str) -> String {
    let body = visible(body);
    let longest_run = body
        .split(|character| character != '`')
        .map(str::len)
        .max()
        .unwrap_or(0);
    let ticks = "`".repeat(longest_run.max(2) + 1);
    format!("{ticks}{language}\n{body}\n{ticks}\n")
}
