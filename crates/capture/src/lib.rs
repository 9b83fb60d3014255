//! `preflight-capture`: writes a snapshot of live clusters — the directory `plan`,
//! `what-if`, `generate` and `comment` read — with kube-rs.
//!
//! [`capture`] reaches each cluster through a kubeconfig context (or, with
//! [`CaptureOptions::via_argocd`], through Argo CD's cluster secrets), discovers what it
//! serves without letting a dead aggregated API stop it (`discovery`), lists every
//! listable resource page by page (`list`) — whole objects for the kinds the model reads,
//! metadata for the rest (`select`) — in the slim form (`slim`), and writes one folder
//! per cluster, named as Argo CD names it (`targets`), with `version.json` and the
//! capture's own record `capture.json` (`record`).
//!
//! This is the only library crate that knows kube, k8s-openapi and tokio; it depends on
//! no workspace crate but `preflight-model`. Credentials stay in memory: no token, key or
//! certificate from a kubeconfig or a cluster secret is written, logged or put in an
//! error (`redact` is the second line behind never formatting them).

mod api;
mod discovery;
mod list;
mod namespaces;
mod record;
mod redact;
mod select;
mod slim;
mod targets;

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

pub use api::RetryConfig;
pub use namespaces::NamespacePatternError;
pub use targets::ContextArg;

use api::{Api, RequestError, RetryOn};
use discovery::{discover, ResourceType};
use list::{list_all, ListRequest};
use namespaces::NamespacePattern;
use record::{CaptureRecord, FailedResource, ResourceRecord, SCHEMA_VERSION};
use redact::Redactor;
use select::{is_secrets, plan_lists, ArgoCdScope, Form, ListPlan};
use slim::{is_cluster_secret, split_cluster_secret, ClusterSecret};
use targets::{Source, Target};

/// The label of Argo CD cluster secrets, as a list selector.
const CLUSTER_SECRET_SELECTOR: &str = "argocd.argoproj.io/secret-type=cluster";
/// Lists in flight per cluster: enough to hide latency, few enough to spare the server.
const LISTS_PER_CLUSTER: usize = 4;
/// The capture's own record in each cluster folder (the loader skips it).
pub const RECORD_FILE: &str = "capture.json";

/// What to capture and how (the `capture` command's options).
#[derive(Debug, Clone)]
pub struct CaptureOptions {
    /// The snapshot directory to write; must be missing or empty.
    pub out: PathBuf,
    /// The kubeconfig (default: `KUBECONFIG`, else `~/.kube/config`).
    pub kubeconfig: Option<PathBuf>,
    /// Further contexts to capture, each maybe with its Argo CD cluster name.
    pub contexts: Vec<ContextArg>,
    /// Capture every context of the kubeconfig.
    pub all_contexts: bool,
    /// The context of the cluster Argo CD runs in (default: the current context).
    pub argocd_context: Option<String>,
    /// The namespaces Argo CD watches (default: `argocd`); the first is its own, a name;
    /// the others may be patterns as `application.namespaces` accepts them (globs, or
    /// regular expressions between `/`), matched against the Argo CD cluster's
    /// namespaces.
    pub argocd_namespaces: Vec<String>,
    /// Reach every cluster Argo CD knows with the credentials of its cluster secret.
    pub via_argocd: bool,
    /// Clusters captured at the same time.
    pub concurrency: usize,
    /// The longest wait for one answer (per attempt, body included).
    pub request_timeout: Duration,
    pub retry: RetryConfig,
    /// Objects per page (`limit`).
    pub page_size: u32,
    /// Where per-cluster progress goes, for a display that redraws it (a terminal).
    /// Without it, progress is logged as plain lines: each quarter of the resources.
    pub progress: Option<ProgressSink>,
}

/// How far the capture of one cluster is: one report after discovery and one per
/// resource listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterProgress {
    /// The folder, as Argo CD names the cluster.
    pub cluster: String,
    /// Resources whose lists have ended (written or failed).
    pub resources_listed: usize,
    /// Every resource to list on the cluster.
    pub resources_total: usize,
    /// Objects written so far.
    pub objects_listed: usize,
    /// Lists that failed so far.
    pub failed: usize,
}

impl ClusterProgress {
    /// Resources still to list.
    pub fn resources_left(&self) -> usize {
        self.resources_total.saturating_sub(self.resources_listed)
    }
}

/// Receives [`ClusterProgress`] reports, from the capture's threads.
#[derive(Clone)]
pub struct ProgressSink(pub Arc<dyn Fn(&ClusterProgress) + Send + Sync>);

impl std::fmt::Debug for ProgressSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProgressSink")
    }
}

impl CaptureOptions {
    /// Defaults for everything but the output directory.
    pub fn new(out: PathBuf) -> CaptureOptions {
        CaptureOptions {
            out,
            kubeconfig: None,
            contexts: Vec::new(),
            all_contexts: false,
            argocd_context: None,
            argocd_namespaces: Vec::new(),
            via_argocd: false,
            concurrency: 4,
            request_timeout: Duration::from_secs(30),
            retry: RetryConfig::default(),
            page_size: 500,
            progress: None,
        }
    }

    fn argocd_namespaces(&self) -> Vec<String> {
        if self.argocd_namespaces.is_empty() {
            vec!["argocd".to_string()]
        } else {
            self.argocd_namespaces.clone()
        }
    }
}

/// Why nothing (or nothing trustworthy) could be captured.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("cannot read the kubeconfig: {message}")]
    Kubeconfig { message: String },
    #[error("the kubeconfig has no context `{context}`")]
    UnknownContext { context: String },
    #[error("the kubeconfig has no current context: name the Argo CD cluster's context with `--argocd-context`")]
    NoCurrentContext,
    #[error("`{}` is not empty: capture writes a new snapshot into a missing or empty directory", path.display())]
    OutputNotEmpty { path: PathBuf },
    #[error("cannot write `{}`: {source}", path.display())]
    Write { path: PathBuf, source: io::Error },
    #[error("two clusters would be written to the folder `{folder}`: {first} and {second}")]
    DuplicateFolder {
        folder: String,
        first: String,
        second: String,
    },
    #[error("cannot read the Argo CD cluster (context `{context}`): {message}")]
    ArgoCdCluster { context: String, message: String },
    #[error("cannot start the async runtime: {0}")]
    Runtime(io::Error),
    #[error(transparent)]
    ArgoCdNamespace(#[from] NamespacePatternError),
}

/// How the capture of one cluster went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClusterStatus {
    /// Every listable resource listed.
    Complete,
    /// Written, but these lists failed (their objects are missing).
    Partial { failed: Vec<String> },
    /// Nothing written: the cluster could not be reached or read.
    Failed { reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterSummary {
    /// The folder, as Argo CD names the cluster.
    pub folder: String,
    /// The context, or the server for a cluster reached through its cluster secret.
    pub reached_as: String,
    pub status: ClusterStatus,
}

/// What [`capture`] did, cluster by cluster (sorted by folder).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureSummary {
    pub clusters: Vec<ClusterSummary>,
}

impl CaptureSummary {
    /// 0 complete; 1 partial (only with `allow_partial`); 2 a cluster failed, or partial
    /// without `allow_partial`.
    pub fn exit_code(&self, allow_partial: bool) -> u8 {
        let statuses = self.clusters.iter().map(|cluster| &cluster.status);
        if statuses
            .clone()
            .any(|s| matches!(s, ClusterStatus::Failed { .. }))
        {
            return 2;
        }
        if statuses
            .clone()
            .any(|s| matches!(s, ClusterStatus::Partial { .. }))
        {
            return if allow_partial { 1 } else { 2 };
        }
        0
    }
}

/// Where progress lines go (stderr in the binary). Lines never hold a credential.
pub type Log = Arc<dyn Fn(&str) + Send + Sync>;

/// Captures the clusters `options` name into `options.out`. Blocks; runs its own tokio
/// runtime.
pub fn capture(options: &CaptureOptions, log: Log) -> Result<CaptureSummary, CaptureError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(CaptureError::Runtime)?;
    runtime.block_on(capture_async(options, log))
}

async fn capture_async(options: &CaptureOptions, log: Log) -> Result<CaptureSummary, CaptureError> {
    let patterns = argocd_namespace_patterns(&options.argocd_namespaces())?;
    prepare_output(&options.out)?;
    let redactor = Redactor::default();
    let logger = Logger {
        log,
        progress: options.progress.clone(),
        redactor: redactor.clone(),
    };
    // The Argo CD cluster first: its cluster secrets name the others.
    let kubeconfig = targets::read_kubeconfig(options.kubeconfig.as_deref(), &redactor);
    let (kubeconfig, argocd_context, argocd_config) = match kubeconfig {
        Ok(kubeconfig) => {
            let context = match &options.argocd_context {
                Some(context) => context.clone(),
                None => kubeconfig
                    .current_context
                    .clone()
                    .filter(|context| !context.is_empty())
                    .ok_or(CaptureError::NoCurrentContext)?,
            };
            let config = context_config(&kubeconfig, &context, &redactor).await?;
            (Some(kubeconfig), Some(context), config)
        }
        // A scheduled job inside the Argo CD cluster has no kubeconfig: its service
        // account reaches its own cluster, and `--via-argocd` the others.
        Err(error) if in_cluster_usable(options) => match kube::Config::incluster() {
            Ok(config) => (None, None, config),
            Err(_) => return Err(error),
        },
        Err(error) => return Err(error),
    };
    let argocd_server = argocd_config.cluster_url.to_string();
    let argocd_api = Api::new(
        argocd_config.clone(),
        options.request_timeout,
        options.retry,
        redactor.clone(),
    )
    .map_err(|error| CaptureError::ArgoCdCluster {
        context: argocd_context.clone().unwrap_or_default(),
        message: error.to_string(),
    })?;
    let namespaces = match expand_namespaces(&argocd_api, &patterns, &logger).await {
        Ok(namespaces) => namespaces,
        Err(error) => {
            return Err(CaptureError::ArgoCdCluster {
                context: argocd_context.clone().unwrap_or_default(),
                message: format!(
                    "cannot list namespaces to match the `--argocd-namespace` patterns: {error}"
                ),
            })
        }
    };
    // Argo CD reads cluster secrets in its own namespace only (the first one).
    let secrets = read_cluster_secrets(&argocd_api, &namespaces[..1]).await;
    let (secret_objects, cluster_secrets) = match secrets {
        Ok(found) => found,
        Err((namespace, error)) if matches!(error.status(), Some(401 | 403)) => {
            logger.line(&format!(
                "warning: cannot read Argo CD's cluster secrets in `{namespace}`: {error}; folders are named from --context and context names"
            ));
            (Err((namespace, error)), Vec::new())
        }
        Err((_, error)) => {
            return Err(CaptureError::ArgoCdCluster {
                context: argocd_context.clone().unwrap_or_default(),
                message: error.to_string(),
            })
        }
    };

    if cluster_secrets.is_empty() && secret_objects.is_ok() {
        logger.line(&format!(
            "warning: no Argo CD cluster secret in `{}` of {}: if Argo CD does not run there, name its context with --argocd-context",
            namespaces[0],
            argocd_context
                .as_ref()
                .map_or("this cluster".to_string(), |c| format!("context `{c}`"))
        ));
    }
    let mut all_targets = vec![Target {
        folder: targets::argocd_folder(&cluster_secrets),
        context: argocd_context.clone(),
        server: argocd_server,
        source: if kubeconfig.is_some() {
            Source::Kubeconfig
        } else {
            Source::ServiceAccount
        },
        config: argocd_config,
        is_argocd: true,
        warnings: Vec::new(),
    }];
    let mut unreachable = Vec::new();
    if let Some(kubeconfig) = &kubeconfig {
        // Named contexts first, then (with --all-contexts) the rest, marked as implicit.
        let mut contexts: Vec<(ContextArg, bool)> =
            options.contexts.iter().map(|c| (c.clone(), true)).collect();
        if options.all_contexts {
            for named in &kubeconfig.contexts {
                if !contexts.iter().any(|(c, _)| c.context == named.name) {
                    let context = ContextArg {
                        context: named.name.clone(),
                        cluster: None,
                    };
                    contexts.push((context, false));
                }
            }
        }
        for (context, explicit) in contexts {
            if Some(&context.context) == argocd_context.as_ref() {
                continue;
            }
            if !kubeconfig
                .contexts
                .iter()
                .any(|c| c.name == context.context)
            {
                return Err(CaptureError::UnknownContext {
                    context: context.context,
                });
            }
            let server = targets::context_server(kubeconfig, &context.context);
            let (folder, warning) =
                targets::context_folder(&context, server.as_deref(), &cluster_secrets);
            if let Some(first) = all_targets.iter().find(|t| t.folder == folder) {
                if explicit {
                    return Err(CaptureError::DuplicateFolder {
                        folder,
                        first: reached_as(first),
                        second: format!("context `{}`", context.context),
                    });
                }
                // Several contexts of one cluster (other users, namespaces): the first
                // one captures it.
                logger.line(&format!(
                    "warning: context `{}` is the cluster `{folder}` too ({}); captured once",
                    context.context,
                    reached_as(first)
                ));
                continue;
            }
            match targets::context_config(kubeconfig, &context.context, &redactor).await {
                Ok(config) => all_targets.push(Target {
                    folder,
                    context: Some(context.context),
                    server: server.unwrap_or_else(|| config.cluster_url.to_string()),
                    source: Source::Kubeconfig,
                    config,
                    is_argocd: false,
                    warnings: warning.into_iter().collect(),
                }),
                Err(message) => unreachable.push(ClusterSummary {
                    folder,
                    reached_as: format!("context `{}`", context.context),
                    status: ClusterStatus::Failed {
                        reason: format!("cannot use the context: {message}"),
                    },
                }),
            }
        }
    }
    if options.via_argocd {
        for secret in &cluster_secrets {
            let folder = if secret.name.is_empty() {
                secret.server.clone()
            } else {
                secret.name.clone()
            };
            if all_targets.iter().any(|target| target.folder == folder)
                || secret.server.trim_end_matches('/') == preflight_model::argocd::IN_CLUSTER_SERVER
            {
                continue;
            }
            match targets::cluster_secret_config(secret, &redactor).await {
                Ok(config) => all_targets.push(Target {
                    folder,
                    context: None,
                    server: secret.server.clone(),
                    source: Source::ArgoCdClusterSecret,
                    config,
                    is_argocd: false,
                    warnings: Vec::new(),
                }),
                Err(message) => unreachable.push(ClusterSummary {
                    folder,
                    reached_as: secret.server.clone(),
                    status: ClusterStatus::Failed {
                        reason: format!(
                            "cannot use the credentials of cluster secret `{}`: {message}",
                            secret.secret_name
                        ),
                    },
                }),
            }
        }
    }
    let mut folders: BTreeMap<&str, String> = BTreeMap::new();
    for target in &all_targets {
        let described = reached_as(target);
        if let Some(first) = folders.insert(&target.folder, described.clone()) {
            return Err(CaptureError::DuplicateFolder {
                folder: target.folder.clone(),
                first,
                second: described,
            });
        }
    }

    let semaphore = Arc::new(Semaphore::new(options.concurrency.max(1)));
    let mut captures = JoinSet::new();
    let shared = Arc::new(Shared {
        options: options.clone(),
        namespaces,
        secret_objects,
        logger: logger.clone(),
        redactor: redactor.clone(),
    });
    for target in all_targets {
        let semaphore = semaphore.clone();
        let shared = shared.clone();
        captures.spawn(async move {
            let _permit = semaphore.acquire_owned().await;
            capture_cluster(target, &shared).await
        });
    }
    let mut clusters = unreachable;
    while let Some(joined) = captures.join_next().await {
        match joined {
            Ok(summary) => clusters.push(summary?),
            Err(error) => clusters.push(ClusterSummary {
                folder: String::new(),
                reached_as: String::new(),
                status: ClusterStatus::Failed {
                    reason: format!("the capture task failed: {error}"),
                },
            }),
        }
    }
    clusters.sort_by(|a, b| a.folder.cmp(&b.folder));
    for cluster in &clusters {
        if let ClusterStatus::Failed { reason } = &cluster.status {
            logger.line(&format!(
                "{}: FAILED ({}): {reason}",
                cluster.folder, cluster.reached_as
            ));
        }
    }
    Ok(CaptureSummary { clusters })
}

/// In-cluster credentials are worth trying only when nothing asked for a kubeconfig.
fn in_cluster_usable(options: &CaptureOptions) -> bool {
    options.kubeconfig.is_none()
        && options.contexts.is_empty()
        && !options.all_contexts
        && options.argocd_context.is_none()
}

async fn context_config(
    kubeconfig: &kube::config::Kubeconfig,
    context: &str,
    redactor: &Redactor,
) -> Result<kube::Config, CaptureError> {
    if !kubeconfig
        .contexts
        .iter()
        .any(|named| named.name == context)
    {
        return Err(CaptureError::UnknownContext {
            context: context.to_string(),
        });
    }
    targets::context_config(kubeconfig, context, redactor)
        .await
        .map_err(|message| CaptureError::Kubeconfig {
            message: format!("context `{context}`: {message}"),
        })
}

fn reached_as(target: &Target) -> String {
    match &target.context {
        Some(context) => format!("context `{context}`"),
        None => format!("server `{}`", target.server),
    }
}

/// The output directory must be missing or empty: files of an earlier capture would be
/// loaded as objects of this one.
fn prepare_output(out: &Path) -> Result<(), CaptureError> {
    let write_error = |source| CaptureError::Write {
        path: out.to_path_buf(),
        source,
    };
    match fs::read_dir(out) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(CaptureError::OutputNotEmpty {
                    path: out.to_path_buf(),
                });
            }
            Ok(())
        }
        // Created with the first file written.
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(write_error(error)),
    }
}

/// The `--argocd-namespace` entries, parsed; the first, Argo CD's own namespace, must be
/// a name.
fn argocd_namespace_patterns(
    entries: &[String],
) -> Result<Vec<NamespacePattern>, NamespacePatternError> {
    let patterns = entries
        .iter()
        .map(|entry| NamespacePattern::parse(entry))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(NamespacePattern::Pattern { text, .. }) = patterns.first() {
        return Err(NamespacePatternError {
            pattern: text.clone(),
            problem: "the first `--argocd-namespace` is Argo CD's own namespace, which holds its cluster secrets and `argocd-cm`: give its name, and patterns after it".to_string(),
        });
    }
    Ok(patterns)
}

/// The namespaces Argo CD watches: its own first, then every other entry's matches
/// among the Argo CD cluster's namespaces (listed only when some entry is a pattern),
/// each once, in the order given (a pattern's matches sorted).
async fn expand_namespaces(
    api: &Api,
    patterns: &[NamespacePattern],
    logger: &Logger,
) -> Result<Vec<String>, RequestError> {
    let mut namespaces: Vec<String> = Vec::new();
    let add = |namespace: &str, namespaces: &mut Vec<String>| {
        if !namespaces.iter().any(|n| n == namespace) {
            namespaces.push(namespace.to_string());
        }
    };
    if patterns
        .iter()
        .all(|p| matches!(p, NamespacePattern::Name(_)))
    {
        for pattern in patterns {
            add(pattern.text(), &mut namespaces);
        }
        return Ok(namespaces);
    }
    let resource = ResourceType {
        group: String::new(),
        version: "v1".to_string(),
        resource: "namespaces".to_string(),
        kind: "Namespace".to_string(),
        namespaced: false,
    };
    let request = ListRequest {
        resource: &resource,
        namespace: None,
        label_selector: None,
        form: Form::Metadata,
        page_size: 500,
    };
    let mut existing: Vec<String> = list_all(api, &request)
        .await?
        .iter()
        .filter_map(|item| item.pointer("/metadata/name")?.as_str().map(str::to_string))
        .collect();
    existing.sort();
    for pattern in patterns {
        match pattern {
            NamespacePattern::Name(name) => add(name, &mut namespaces),
            NamespacePattern::Pattern { text, .. } => {
                let matched: Vec<&String> =
                    existing.iter().filter(|n| pattern.matches(n)).collect();
                if matched.is_empty() {
                    logger.line(&format!(
                        "warning: `--argocd-namespace` `{text}` matches no namespace of the Argo CD cluster"
                    ));
                }
                for namespace in matched {
                    add(namespace, &mut namespaces);
                }
            }
        }
    }
    logger.line(&format!(
        "Argo CD namespaces: {}",
        namespaces
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    Ok(namespaces)
}

/// Progress lines, redacted, prefixed with `capture: `.
#[derive(Clone)]
struct Logger {
    log: Log,
    progress: Option<ProgressSink>,
    redactor: Redactor,
}

impl Logger {
    fn line(&self, text: &str) {
        (self.log)(&format!("capture: {}", self.redactor.redact(text)));
    }

    /// Reports progress to the sink, or, without one, logs it as a line at each
    /// quarter of the resources (never the last: the total follows it).
    fn progress(&self, progress: &ClusterProgress) {
        if let Some(sink) = &self.progress {
            (sink.0)(progress);
            return;
        }
        let (done, total) = (progress.resources_listed, progress.resources_total);
        if total >= 8 && done > 0 && (done * 4) % total < 4 && done < total {
            self.line(&format!(
                "{}: {done}/{total} resources listed, {} objects, {} resources left",
                progress.cluster,
                progress.objects_listed,
                progress.resources_left()
            ));
        }
    }
}

/// What every cluster's capture shares.
struct Shared {
    options: CaptureOptions,
    namespaces: Vec<String>,
    /// The written form of Argo CD's cluster secrets (for the Argo CD cluster's folder),
    /// or the namespace and error that kept them from being read.
    secret_objects: Result<Vec<Value>, (String, RequestError)>,
    logger: Logger,
    redactor: Redactor,
}

/// Argo CD's cluster secrets in its namespaces: the written form and the in-memory one.
async fn read_cluster_secrets(
    api: &Api,
    namespaces: &[String],
) -> Result<
    (
        Result<Vec<Value>, (String, RequestError)>,
        Vec<ClusterSecret>,
    ),
    (String, RequestError),
> {
    let secrets = ResourceType {
        group: String::new(),
        version: "v1".to_string(),
        resource: "secrets".to_string(),
        kind: "Secret".to_string(),
        namespaced: true,
    };
    let mut written = Vec::new();
    let mut kept = Vec::new();
    for namespace in namespaces {
        let request = ListRequest {
            resource: &secrets,
            namespace: Some(namespace),
            label_selector: Some(CLUSTER_SECRET_SELECTOR),
            form: Form::Full,
            page_size: 500,
        };
        let items = list_all(api, &request)
            .await
            .map_err(|error| (namespace.clone(), error))?;
        for item in items.iter().filter(|item| is_cluster_secret(item)) {
            let (object, secret) = split_cluster_secret(item);
            written.push(object);
            kept.push(secret);
        }
    }
    kept.sort_by(|a, b| (&a.name, &a.server).cmp(&(&b.name, &b.server)));
    Ok((Ok(written), kept))
}

async fn capture_cluster(target: Target, shared: &Shared) -> Result<ClusterSummary, CaptureError> {
    let started_at = now();
    let options = &shared.options;
    let logger = &shared.logger;
    let folder = target.folder.clone();
    let reached = reached_as(&target);
    let failed = |reason: String| {
        Ok(ClusterSummary {
            folder: folder.clone(),
            reached_as: reached.clone(),
            status: ClusterStatus::Failed {
                reason: shared.redactor.redact(&reason),
            },
        })
    };
    for warning in &target.warnings {
        logger.line(&format!("warning: {warning}"));
    }
    let api = match Api::new(
        target.config.clone(),
        options.request_timeout,
        options.retry,
        shared.redactor.clone(),
    ) {
        Ok(api) => api,
        Err(error) => return failed(error.to_string()),
    };
    let version = match api
        .get("/version", "application/json", RetryOn::Throttling)
        .await
    {
        Ok(body) => serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null),
        Err(error) => return failed(format!("`/version`: {error}")),
    };
    let discovery = match discover(&api).await {
        Ok(discovery) => discovery,
        Err(error) => return failed(error.to_string()),
    };
    let scope = target.is_argocd.then(|| ArgoCdScope {
        namespaces: shared.namespaces.clone(),
    });
    let (plans, skipped) = plan_lists(&discovery.resources, scope.as_ref());
    logger.line(&format!(
        "{folder} ({reached}): {} resources to list ({} discovery)",
        plans.len(),
        match discovery.mode {
            discovery::DiscoveryMode::Aggregated => "aggregated",
            discovery::DiscoveryMode::Legacy => "legacy",
        },
    ));
    if !discovery.unavailable.is_empty() {
        let unavailable: Vec<String> = discovery
            .unavailable
            .iter()
            .map(|gv| format!("{}: {}", gv.group_version, gv.reason))
            .collect();
        logger.line(&format!(
            "{folder}: discovery failed for {} group/version(s), so namespace deletions on this cluster stay Terminating until it is fixed: {}",
            unavailable.len(),
            unavailable.join(", ")
        ));
    }

    let cluster_dir = options.out.join(&folder);
    write_json(
        &cluster_dir.join("version.json"),
        &json!({"serverVersion": version}),
    )?;
    let semaphore = Arc::new(Semaphore::new(LISTS_PER_CLUSTER));
    let mut lists = JoinSet::new();
    for (index, plan) in plans.iter().cloned().enumerate() {
        let api = api.clone();
        let semaphore = semaphore.clone();
        let page_size = options.page_size;
        lists.spawn(async move {
            let _permit = semaphore.acquire_owned().await;
            let (items, failures) = list_plan(&api, &plan, page_size).await;
            (index, items, failures)
        });
    }
    let mut records: Vec<Option<ResourceRecord>> = vec![None; plans.len()];
    let mut failed_resources = Vec::new();
    let mut progress = ClusterProgress {
        cluster: folder.clone(),
        resources_listed: 0,
        resources_total: plans.len(),
        objects_listed: 0,
        failed: 0,
    };
    logger.progress(&progress);
    while let Some(joined) = lists.join_next().await {
        let Ok((index, mut items, failures)) = joined else {
            continue;
        };
        let plan = &plans[index];
        if target.is_argocd && is_secrets(&plan.resource) {
            merge_cluster_secrets(&mut items, &shared.secret_objects, &mut failed_resources);
        }
        for failure in &failures {
            logger.line(&format!(
                "{folder}: cannot list {}{}: {}",
                failure.resource,
                failure
                    .namespace
                    .as_ref()
                    .map(|ns| format!(" in `{ns}`"))
                    .unwrap_or_default(),
                failure.error
            ));
        }
        failed_resources.extend(failures);
        items.sort_by_key(object_order);
        let file = if items.is_empty() {
            None
        } else {
            let group = if plan.resource.group.is_empty() {
                "core"
            } else {
                &plan.resource.group
            };
            let relative = format!("{group}/{}.json", plan.resource.resource);
            write_list(&cluster_dir.join(&relative), &items)?;
            Some(relative)
        };
        progress.resources_listed += 1;
        progress.objects_listed += items.len();
        progress.failed = failed_resources.len();
        logger.progress(&progress);
        records[index] = Some(ResourceRecord {
            group_version: plan.resource.api_version(),
            resource: plan.resource.resource.clone(),
            kind: plan.resource.kind.clone(),
            namespaced: plan.resource.namespaced,
            form: plan.form,
            namespaces: plan.namespaces.clone(),
            objects: items.len(),
            file,
        });
    }
    failed_resources.sort();
    let complete = failed_resources.is_empty();
    let record = CaptureRecord {
        schema_version: SCHEMA_VERSION,
        cluster: folder.clone(),
        context: target.context.clone(),
        server: target.server.clone(),
        credentials: target.source,
        started_at,
        finished_at: now(),
        server_version: version
            .get("gitVersion")
            .and_then(Value::as_str)
            .map(str::to_string),
        complete,
        discovery: discovery.mode,
        unavailable_group_versions: discovery.unavailable,
        resources: records.into_iter().flatten().collect(),
        failed_resources: failed_resources.clone(),
        skipped,
        warnings: target.warnings.clone(),
    };
    let record = serde_json::to_value(&record).unwrap_or(Value::Null);
    write_json(
        &cluster_dir.join(RECORD_FILE),
        &redact_value(record, &shared.redactor),
    )?;
    logger.line(&format!(
        "{folder}: {} objects written{}",
        progress.objects_listed,
        if complete {
            String::new()
        } else {
            format!(", {} lists failed (partial)", failed_resources.len())
        }
    ));
    Ok(ClusterSummary {
        folder,
        reached_as: reached,
        status: if complete {
            ClusterStatus::Complete
        } else {
            ClusterStatus::Partial {
                failed: failed_resources
                    .iter()
                    .map(|failure| format!("{}: {}", failure.resource, failure.error))
                    .collect(),
            }
        },
    })
}

/// Lists one resource in every namespace it is asked for; what was listed, and each
/// failure.
async fn list_plan(
    api: &Api,
    plan: &ListPlan,
    page_size: u32,
) -> (Vec<Value>, Vec<FailedResource>) {
    let namespaces: Vec<Option<&str>> = match &plan.namespaces {
        Some(namespaces) => namespaces.iter().map(|ns| Some(ns.as_str())).collect(),
        None => vec![None],
    };
    let mut items = Vec::new();
    let mut failures = Vec::new();
    for namespace in namespaces {
        let request = ListRequest {
            resource: &plan.resource,
            namespace,
            label_selector: None,
            form: plan.form,
            page_size,
        };
        match list_all(api, &request).await {
            Ok(listed) => items.extend(listed),
            Err(error) => failures.push(FailedResource {
                group_version: plan.resource.api_version(),
                resource: plan.resource.resource.clone(),
                namespace: namespace.map(str::to_string),
                status: error.status(),
                error: error.to_string(),
            }),
        }
    }
    (items, failures)
}

/// The Argo CD cluster's Secrets as metadata, with its cluster secrets replaced by their
/// written form (non-credential fields kept).
fn merge_cluster_secrets(
    items: &mut Vec<Value>,
    secret_objects: &Result<Vec<Value>, (String, RequestError)>,
    failed: &mut Vec<FailedResource>,
) {
    match secret_objects {
        Ok(objects) => {
            let key = |object: &Value| object_order(object);
            items.retain(|item| !objects.iter().any(|secret| key(secret) == key(item)));
            items.extend(objects.iter().cloned());
        }
        Err((namespace, error)) => failed.push(FailedResource {
            group_version: "v1".to_string(),
            resource: "secrets (Argo CD cluster secrets)".to_string(),
            namespace: Some(namespace.clone()),
            status: error.status(),
            error: error.to_string(),
        }),
    }
}

fn object_order(object: &Value) -> (String, String) {
    let field = |name: &str| {
        object
            .pointer(&format!("/metadata/{name}"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    (field("namespace"), field("name"))
}

/// Every string of `value` through the redactor (the record holds error texts).
fn redact_value(value: Value, redactor: &Redactor) -> Value {
    match value {
        Value::String(text) => Value::String(redactor.redact(&text)),
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|v| redact_value(v, redactor))
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(key, v)| (key, redact_value(v, redactor)))
                .collect(),
        ),
        other => other,
    }
}

/// A `List` of objects, compact: the loader reads it fastest.
fn write_list(path: &Path, items: &[Value]) -> Result<(), CaptureError> {
    let list = json!({"apiVersion": "v1", "kind": "List", "items": items});
    write_file(path, |writer| {
        serde_json::to_writer(writer, &list).map_err(io::Error::from)
    })
}

fn write_json(path: &Path, value: &Value) -> Result<(), CaptureError> {
    write_file(path, |writer| {
        serde_json::to_writer_pretty(&mut *writer, value).map_err(io::Error::from)?;
        writer.write_all(b"\n")
    })
}

fn write_file(
    path: &Path,
    write: impl FnOnce(&mut io::BufWriter<fs::File>) -> io::Result<()>,
) -> Result<(), CaptureError> {
    let error = |source| CaptureError::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(error)?;
    }
    let mut writer = io::BufWriter::new(fs::File::create(path).map_err(error)?);
    write(&mut writer).map_err(error)?;
    writer.flush().map_err(error)
}

/// The current time, UTC, RFC 3339 to the second: the capture's record may read the
/// clock; the snapshot's objects never depend on it.
fn now() -> String {
    k8s_openapi::jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// `30s`, `1.5s`, `250ms`.
pub fn format_duration(duration: Duration) -> String {
    let millis = duration.as_millis();
    if millis.is_multiple_of(1000) {
        format!("{}s", millis / 1000)
    } else if millis > 1000 {
        format!("{:.1}s", duration.as_secs_f64())
    } else {
        format!("{millis}ms")
    }
}

/// Parses `30s`, `1m`, `500ms`, `2m30s`, or plain seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let invalid = || format!("expected a duration such as `30s`, `1m` or `500ms`, got `{text}`");
    if let Ok(seconds) = text.parse::<u64>() {
        return Ok(Duration::from_secs(seconds));
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .ok_or_else(invalid)?;
        let number: u64 = rest[..digits].parse().map_err(|_| invalid())?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let part = match &rest[..unit_len] {
            "ms" => Duration::from_millis(number),
            "s" => Duration::from_secs(number),
            "m" => Duration::from_secs(number * 60),
            "h" => Duration::from_secs(number * 3600),
            _ => return Err(invalid()),
        };
        total += part;
        rest = &rest[unit_len..];
    }
    if total.is_zero() {
        return Err(invalid());
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_as_kubectl_writes_them() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("2m30s"), Ok(Duration::from_secs(150)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("45"), Ok(Duration::from_secs(45)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("0s").is_err());
        assert_eq!(format_duration(Duration::from_secs(30)), "30s");
        assert_eq!(format_duration(Duration::from_millis(300)), "300ms");
    }

    #[test]
    fn exit_codes_follow_the_worst_cluster() {
        let summary = |statuses: Vec<ClusterStatus>| CaptureSummary {
            clusters: statuses
                .into_iter()
                .map(|status| ClusterSummary {
                    folder: "a".into(),
                    reached_as: "context `a`".into(),
                    status,
                })
                .collect(),
        };
        let partial = ClusterStatus::Partial {
            failed: vec!["x".into()],
        };
        let failed = ClusterStatus::Failed {
            reason: "down".into(),
        };
        assert_eq!(summary(vec![ClusterStatus::Complete]).exit_code(false), 0);
        assert_eq!(
            summary(vec![ClusterStatus::Complete, partial.clone()]).exit_code(true),
            1
        );
        assert_eq!(summary(vec![partial.clone()]).exit_code(false), 2);
        assert_eq!(summary(vec![partial, failed]).exit_code(true), 2);
    }
}
