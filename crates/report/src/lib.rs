//! Renderers of a simulation's [`Outcome`]: a terminal report ([`render_text`]), the
//! merge-request comment ([`render_markdown`], with Mermaid diagrams of each deadlock and
//! unified diffs of changed Applications) and the versioned JSON report ([`render_json`]).
//!
//! Every renderer is a pure function of the outcome: the same outcome gives byte-identical
//! output, because everything rendered iterates sorted vectors or `BTreeMap`s. The JSON
//! report is a compatibility boundary, so it is built from this crate's own serialization
//! types (`json.rs`), never by serializing the simulator's types directly.
//!
//! This crate depends on the outcome types only (`preflight-outcome`), not on the
//! simulator. It must not depend on I/O, the clock, the environment, tokio, kube or an
//! HTTP client.

mod appsets;
mod changes;
mod escape;
mod json;
mod markdown;
mod mass_deletion;
mod progressive;
mod summary;
mod text;
mod volumes;

#[cfg(test)]
mod tests;

use preflight_outcome::{Outcome, Severity};

/// The version of the JSON report's shape; bumped only when a contract field changes.
///
/// 2: objects whose DELETE the API server refuses have the outcome `refused` (they were
/// `stuck`); findings list every cluster they concern in `clusters`.
pub const SCHEMA_VERSION: u32 = 2;

/// The hidden first line of the merge-request comment, by which the bot finds its own
/// comment to update instead of adding another.
pub const COMMENT_MARKER: &str = "<!-- argocd-preflight -->";

/// The largest comment [`render_markdown`] produces, in bytes. GitHub accepts 65,536
/// characters and GitLab 1,000,000; counting bytes keeps well inside both.
pub const MARKDOWN_MAX_BYTES: usize = 65_536;

/// The plain-text report for a terminal: the verdict on the first line, then what matters
/// most under pressure.
pub fn render_text(outcome: &Outcome) -> String {
    text::render(outcome)
}

/// The merge-request comment, at most [`MARKDOWN_MAX_BYTES`] long.
pub fn render_markdown(outcome: &Outcome) -> String {
    render_markdown_limited(outcome, MARKDOWN_MAX_BYTES)
}

/// The merge-request comment, at most `max_bytes` long. Diffs go first, then the detail
/// sections; the marker, the verdict and the summary table are never cut.
pub fn render_markdown_limited(outcome: &Outcome, max_bytes: usize) -> String {
    MarkdownReport::new(outcome).limited(max_bytes)
}

/// The merge-request comment, at most `max_bytes` long, for a bot that keeps the full
/// report elsewhere. When the comment fits it is [`render_markdown_limited`]'s; when it
/// must be shortened, whole sections go as there (never the verdict, never inside a code
/// fence), and the note under the verdict names what was left out and says that the
/// full report is `full_report`: Markdown that completes "the full report is …", such as
/// "in [the job summary](https://…)" or "the job artifact `preflight-report.md`".
pub fn render_markdown_comment(outcome: &Outcome, max_bytes: usize, full_report: &str) -> String {
    MarkdownReport::new(outcome).comment(max_bytes, full_report)
}

/// The Markdown report of one outcome, built once for rendering at several sizes (the
/// comment, a job summary, a report file): [`render_markdown_limited`] and
/// [`render_markdown_comment`] without building the report again for each.
pub struct MarkdownReport<'a>(markdown::Report<'a>);

impl<'a> MarkdownReport<'a> {
    pub fn new(outcome: &'a Outcome) -> MarkdownReport<'a> {
        MarkdownReport(markdown::Report::new(outcome))
    }

    /// [`render_markdown_limited`].
    pub fn limited(&self, max_bytes: usize) -> String {
        self.0.render(max_bytes)
    }

    /// [`render_markdown_comment`].
    pub fn comment(&self, max_bytes: usize, full_report: &str) -> String {
        self.0.render_comment(max_bytes, full_report)
    }
}

/// Untrusted text (a name, a message) as inert Markdown on one line, for a caller that
/// writes its own Markdown around a report: what the comment's renderer uses.
pub fn markdown_text(value: &str) -> String {
    markdown::text(value)
}

/// Untrusted text as an inline code span on one line.
pub fn markdown_code(value: &str) -> String {
    markdown::code(value)
}

/// Untrusted text, several lines, as a fenced code block no line of it can close.
pub fn markdown_code_block(language: &str, body: &str) -> String {
    markdown::fence(language, body)
}

/// The JSON report (the contract of `--format json`), pretty-printed with a trailing
/// newline.
pub fn render_json(outcome: &Outcome) -> String {
    json::render(outcome)
}

/// True when any finding is at or above `fail_on`: what `--fail-on` turns into exit code 1.
pub fn exceeds(outcome: &Outcome, fail_on: Severity) -> bool {
    outcome
        .findings
        .iter()
        .any(|finding| finding.severity >= fail_on)
}
