//! `capture`: the `preflight-capture` crate behind clap arguments, progress lines on
//! stderr and the command's exit code.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use clap::Args;

use preflight_capture::{capture, parse_duration, CaptureOptions, ClusterStatus, ContextArg};

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
    /// A namespace Argo CD watches for Applications (default `argocd`; the first holds
    /// its configuration and cluster secrets); repeatable.
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
    let summary = capture(&options, Arc::new(|line: &str| eprintln!("{line}")))?;
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
