//! `capture`: the `preflight-capture` crate behind clap arguments, progress on stderr
//! (a line per cluster redrawn in place on a terminal, plain log lines otherwise) and
//! the command's exit code.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Result;
use clap::Args;

use preflight_capture::{
    capture, parse_duration, CaptureOptions, ClusterProgress, ClusterStatus, ContextArg, Log,
    ProgressSink,
};

#[derive(Args)]
pub(crate) struct CaptureArgs {
    /// The snapshot directory to write (missing or empty).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// The kubeconfig (default: `KUBECONFIG`, else `~/.kube/config`).
    #[arg(long, value_name = "FILE")]
    kubeconfig: Option<PathBuf>,
    /// A context to capture, optionally with the Argo CD name of its cluster when no
    /// cluster secret has its server; repeatable.
    #[arg(long = "context", value_name = "CTX[=CLUSTER]")]
    contexts: Vec<ContextArg>,
    /// Capture every context of the kubeconfig.
    #[arg(long)]
    all_contexts: bool,
    /// The context of the cluster Argo CD runs in (default: the current context).
    #[arg(long, value_name = "CTX")]
    argocd_context: Option<String>,
    /// A namespace Argo CD watches for Applications (default `argocd`; the first, a name,
    /// holds its configuration and cluster secrets; the others may be globs such as
    /// `team-*` or `/regular expressions/`, as `application.namespaces`); repeatable.
    #[arg(long = "argocd-namespace", value_name = "NS")]
    argocd_namespaces: Vec<String>,
    /// Privileged: reach every cluster Argo CD knows with the credentials of its cluster
    /// secret (bearer token, TLS client config, exec provider on PATH), in memory only.
    #[arg(long)]
    via_argocd: bool,
    /// Clusters captured at the same time.
    #[arg(long, value_name = "N", default_value_t = 4)]
    concurrency: usize,
    /// The longest wait for one answer of the API server (per attempt).
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    request_timeout: Duration,
    /// Exit 1 instead of 2 when some lists failed but the snapshot is usable.
    #[arg(long)]
    allow_partial: bool,
}

pub(crate) fn run(args: &CaptureArgs) -> Result<ExitCode> {
    let mut options = CaptureOptions::new(args.out.clone());
    options.kubeconfig = args.kubeconfig.clone();
    options.contexts = args.contexts.clone();
    options.all_contexts = args.all_contexts;
    options.argocd_context = args.argocd_context.clone();
    options.argocd_namespaces = args.argocd_namespaces.clone();
    options.via_argocd = args.via_argocd;
    options.concurrency = args.concurrency;
    options.request_timeout = args.request_timeout;
    let log: Log = if std::io::stderr().is_terminal() {
        let board = Arc::new(ProgressBoard::new(std::io::stderr()));
        let sink = Arc::clone(&board);
        options.progress = Some(ProgressSink(Arc::new(move |progress| {
            sink.update(progress)
        })));
        Arc::new(move |line: &str| board.log(line))
    } else {
        Arc::new(|line: &str| eprintln!("{line}"))
    };
    let summary = capture(&options, log)?;
    for cluster in &summary.clusters {
        let status = match &cluster.status {
            ClusterStatus::Complete => "complete".to_string(),
            ClusterStatus::Partial { failed } => format!(
                "partial, {} list(s) failed (see {}/capture.json)",
                failed.len(),
                args.out.join(&cluster.folder).display()
            ),
            ClusterStatus::Failed { reason } => format!("not captured: {reason}"),
        };
        eprintln!("{} ({}): {status}", cluster.folder, cluster.reached_as);
    }
    let code = summary.exit_code(args.allow_partial);
    if code == 2
        && summary
            .clusters
            .iter()
            .all(|c| !matches!(c.status, ClusterStatus::Failed { .. }))
    {
        eprintln!("some lists failed: pass --allow-partial to accept this snapshot (exit 1)");
    }
    Ok(ExitCode::from(code))
}

/// The progress lines of a terminal: one per cluster, below the log lines, redrawn in
/// place with ANSI cursor movements whenever a cluster progresses or a line is logged.
struct ProgressBoard<W: Write> {
    state: Mutex<BoardState<W>>,
}

struct BoardState<W> {
    out: W,
    /// The line of each cluster, by folder name.
    lines: BTreeMap<String, String>,
    /// How many progress lines are on the screen below the log.
    drawn: usize,
}

/// Width of the bar, in characters.
const BAR_WIDTH: usize = 24;
/// DECAWM: the terminal clips lines at its width instead of wrapping them.
const AUTOWRAP_OFF: &str = "\x1b[?7l";
const AUTOWRAP_ON: &str = "\x1b[?7h";

impl<W: Write> ProgressBoard<W> {
    fn new(out: W) -> ProgressBoard<W> {
        ProgressBoard {
            state: Mutex::new(BoardState {
                out,
                lines: BTreeMap::new(),
                drawn: 0,
            }),
        }
    }

    fn update(&self, progress: &ClusterProgress) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state
            .lines
            .insert(progress.cluster.clone(), progress_line(progress));
        state.redraw(None);
    }

    /// A log line goes above the progress lines, which are drawn again below it.
    fn log(&self, line: &str) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.redraw(Some(line));
    }

    #[cfg(test)]
    fn into_inner(self) -> W {
        self.state
            .into_inner()
            .unwrap_or_else(|e| e.into_inner())
            .out
    }
}

impl<W: Write> BoardState<W> {
    /// Moves to the first progress line, clears to the end of the screen, writes `log`
    /// if given, then every progress line with autowrap off, so that a line wider than
    /// the terminal is clipped rather than wrapped (a wrapped line would throw off the
    /// count of lines to move up). Write errors are ignored: progress is decoration, and
    /// stderr going away must not stop the capture.
    fn redraw(&mut self, log: Option<&str>) {
        let mut text = String::new();
        if self.drawn > 0 {
            text.push_str(&format!("\x1b[{}A", self.drawn));
        }
        text.push_str("\r\x1b[J");
        if let Some(line) = log {
            text.push_str(line);
            text.push('\n');
        }
        text.push_str(AUTOWRAP_OFF);
        for line in self.lines.values() {
            text.push_str(line);
            text.push('\n');
        }
        text.push_str(AUTOWRAP_ON);
        self.drawn = self.lines.len();
        let _ = self.out.write_all(text.as_bytes());
        let _ = self.out.flush();
    }
}

/// `lab-a  [##########--------------]  14/33 resources, 19 left, 2048 objects`.
fn progress_line(progress: &ClusterProgress) -> String {
    let total = progress.resources_total.max(1);
    let filled = (progress.resources_listed.min(total) * BAR_WIDTH) / total;
    let mut line = format!(
        "{}  [{}{}]  {}/{} resources, {} left, {} objects",
        progress.cluster,
        "#".repeat(filled),
        "-".repeat(BAR_WIDTH - filled),
        progress.resources_listed,
        progress.resources_total,
        progress.resources_left(),
        progress.objects_listed
    );
    if progress.failed > 0 {
        line.push_str(&format!(", {} failed", progress.failed));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn progress(cluster: &str, listed: usize, objects: usize, failed: usize) -> ClusterProgress {
        ClusterProgress {
            cluster: cluster.to_string(),
            resources_listed: listed,
            resources_total: 8,
            objects_listed: objects,
            failed,
        }
    }

    /// Issue 11: on a terminal, one line per cluster (objects listed, resources left),
    /// redrawn in place; log lines scroll above them.
    #[test]
    fn a_terminal_shows_a_line_per_cluster_redrawn_in_place_below_the_log() {
        let board = ProgressBoard::new(Vec::new());
        board.update(&progress("lab-b", 0, 0, 0));
        board.update(&progress("lab-a", 2, 40, 0));
        board.log("capture: lab-a: cannot list leases: 403");
        board.update(&progress("lab-a", 8, 120, 1));
        let screen = String::from_utf8(board.into_inner()).unwrap();
        let expected = [
            "\r\x1b[J\x1b[?7l",
            "lab-b  [------------------------]  0/8 resources, 8 left, 0 objects\n",
            "\x1b[?7h\x1b[1A\r\x1b[J\x1b[?7l",
            "lab-a  [######------------------]  2/8 resources, 6 left, 40 objects\n",
            "lab-b  [------------------------]  0/8 resources, 8 left, 0 objects\n",
            "\x1b[?7h\x1b[2A\r\x1b[J",
            "capture: lab-a: cannot list leases: 403\n\x1b[?7l",
            "lab-a  [######------------------]  2/8 resources, 6 left, 40 objects\n",
            "lab-b  [------------------------]  0/8 resources, 8 left, 0 objects\n",
            "\x1b[?7h\x1b[2A\r\x1b[J\x1b[?7l",
            "lab-a  [########################]  8/8 resources, 0 left, 120 objects, 1 failed\n",
            "lab-b  [------------------------]  0/8 resources, 8 left, 0 objects\n",
            "\x1b[?7h",
        ]
        .concat();
        assert_eq!(screen, expected);
    }
}
