//! The merge-request comment. The first screen is the verdict: the marker, a heading, the
//! per-cluster counts, the stuck namespaces and why, and the critical and high findings
//! with their commands. Everything else sits in `<details>` sections below, and that is
//! what gives way when the comment would exceed the forge's size limit: diffs first, then
//! cluster sections, then ApplicationSet sections, then diagrams, then lower-severity
//! findings. The head (and the errors and drift at the end) are never dropped.
//!
//! One module per part of the comment: `verdict` (the head), `findings`, `applications`
//! (a section per ApplicationSet, with diffs), `clusters` (a section per destination
//! cluster), `diagrams` (Mermaid), `errors` (errors and drift); `budget` says what a
//! shortened comment left out, and `user_text` keeps names and messages from becoming
//! markup. This module assembles the sections and drops them to fit a size.

use std::cell::OnceCell;

use preflight_outcome::{Finding, Outcome, Severity};

use crate::summary::{snapshot_line, sorted_findings, Tally, Verdict};

mod applications;
mod budget;
mod clusters;
mod diagrams;
mod errors;
mod findings;
mod user_text;
mod verdict;

use applications::application_set_blocks;
use budget::{hard_cut, left_out_note, what_was_cut_note, CUT_NOTICE};
use clusters::cluster_blocks;
use diagrams::diagram_blocks;
use errors::write_errors_and_drift;
use findings::{lesser_findings, write_serious_findings};
use verdict::write_head;

#[cfg(test)]
pub(crate) use user_text::cell;
pub(crate) use user_text::{code, fence, html, text};

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
        let mass_deletions = crate::mass_deletion::markdown(outcome);
        if !mass_deletions.is_empty() {
            // Dropped after the lower-severity findings: it backs a high finding.
            blocks.push(Block {
                text: mass_deletions,
                rank: Rank::LesserFindings,
                label: "Applications beyond `--max-deletions`".to_string(),
                diffs_left_out: 0,
            });
        }
        if !lesser.is_empty() {
            blocks.push(Block {
                text: lesser_findings(&lesser),
                rank: Rank::LesserFindings,
                label: "findings below high".to_string(),
                diffs_left_out: 0,
            });
        }
        application_set_blocks(&mut blocks, outcome, diffs);
        if !outcome.audit {
            cluster_blocks(&mut blocks, outcome);
        }
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
