//! Fitting a forge's size limit: the note that says what a shortened comment left out
//! and where the full report is, and the last-resort cut that never leaves a command
//! list cut short.

use std::fmt::Write as _;

use super::{Block, Rank};
use crate::summary::plural;

/// How many names of one kind the note lists before it counts the rest.
pub(super) const NAMES_IN_NOTE: usize = 8;

/// "> **Shortened to fit the comment size limit**; the full report is …. Left out: …"
pub(super) fn what_was_cut_note(diffs: usize, dropped: &[Block], full_report: &str) -> String {
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

pub(super) fn left_out_note(sections: usize) -> String {
    format!(
        "> {} left out to fit the comment size limit; run `argocd-preflight plan --format markdown` for the full report, or `--format json` for every object.\n\n",
        plural(sections, "section")
    )
}

pub(super) const CUT_NOTICE: &str =
    "\n> The report is cut here to fit the comment size limit; run `argocd-preflight plan` for the rest.\n";

/// Cuts at the last blank line outside a code fence that leaves room for the notice, so
/// that no command list is cut short; at a line boundary, closing the open fence, only
/// when there is no such blank line.
pub(super) fn hard_cut(text: &str, max_bytes: usize, notice: &str) -> String {
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
