//! `argocd-preflight`: predicts what an Argo CD ApplicationSet change creates, updates,
//! deletes and replaces, what Kubernetes then deletes on which cluster, and what gets
//! stuck — before the merge, without touching a cluster.
//!
//! The binary is thin: it parses arguments, reads files and git revisions, calls the
//! pure crates, prints a report and maps the result to an exit code (0 nothing at or
//! above `--fail-on`, 1 findings at or above it, 2 the tool could not do its job).

/// Loading and rendering allocate many small JSON values, and the rendering threads
/// contend for glibc's allocator; mimalloc halves the time of the goTemplate benchmark.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod audit;
mod capture;
mod ci;
mod comment;
mod git;
mod output;
mod repos;
mod whatif;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};

use preflight_cluster_snapshot::{
    load_manifests, load_snapshot, ClusterSelection, Fleet, LoadOptions, SourcedObject,
};
use preflight_simulator::{DeletionLimit, KubeVersion, Outcome, PlanConfig, Severity};

#[derive(Parser)]
#[command(name = "argocd-preflight", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Predict what merging head does: Applications created, updated, deleted or
    /// replaced, what Kubernetes deletes on each cluster, and what gets stuck.
    Plan(PlanArgs),
    /// Print the Applications an ApplicationSet generates, offline.
    Generate(GenerateArgs),
    /// Predict what Kubernetes and Argo CD do after hand-made deletions on one cluster
    /// ("what happens if I delete this namespace?").
    WhatIf(WhatIfArgs),
    /// The fleet's standing risks before any change: what is already broken, which one
    /// deletion would jam a cluster, which ApplicationSets a rename would cascade through.
    Audit(audit::AuditArgs),
    /// In CI, plan the merge request and create or update its one comment (GitLab
    /// merge requests, GitHub pull requests).
    Comment(comment::CommentArgs),
    /// Write a snapshot of live clusters (kubeconfig contexts, or Argo CD's cluster
    /// secrets) for `plan`, `what-if`, `generate` and `comment`.
    Capture(capture::CaptureArgs),
    /// Measurements for the benchmark (`scripts/bench-fleet.sh`); not a stable interface.
    #[command(subcommand, hide = true)]
    Debug(DebugCommand),
}

#[derive(Subcommand)]
enum DebugCommand {
    /// Parse every manifest file of a snapshot into nothing: the floor of loading.
    SkipParse {
        #[arg(long, value_name = "DIR")]
        snapshot: PathBuf,
        /// Parse JSON with the loader's own reader instead of serde_json.
        #[arg(long)]
        fast_reader: bool,
    },
    /// Load a snapshot as `plan` does and print what was kept, with the time it took.
    Load {
        #[arg(long, value_name = "DIR")]
        snapshot: PathBuf,
        #[arg(long, value_name = "NAME", default_value = "in-cluster")]
        argocd_cluster: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum CascadeArg {
    Background,
    Foreground,
    Orphan,
}

#[derive(Args)]
struct WhatIfArgs {
    /// Snapshot directory: one folder per cluster.
    #[arg(long, value_name = "DIR")]
    snapshot: PathBuf,
    /// The cluster (snapshot folder) the deletions are sent to.
    #[arg(long, value_name = "NAME")]
    cluster: String,
    /// What to delete: `KIND/NAME` or `KIND/NAMESPACE/NAME`, KIND as kubectl accepts it
    /// (`namespace`, `apiservice`, `deployment.apps`, `application`); repeatable, applied
    /// in order, each after the cluster settled from the one before.
    #[arg(long = "delete", value_name = "REF", required = true)]
    deletes: Vec<String>,
    /// Namespace of namespaced objects given as `KIND/NAME` (default `default`).
    #[arg(short = 'n', long, value_name = "NAMESPACE")]
    namespace: Option<String>,
    /// Deletion propagation, as `kubectl delete --cascade`.
    #[arg(long, value_enum, default_value = "background")]
    cascade: CascadeArg,
    #[command(flatten)]
    simulation: SimulationArgs,
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Exit 1 when a finding has this severity or a higher one.
    #[arg(long, value_enum, default_value = "critical")]
    fail_on: FailOn,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Markdown,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum FailOn {
    Info,
    Warning,
    High,
    Critical,
    /// Never fail on findings (exit 0 unless the tool itself fails).
    Never,
}

#[derive(Args)]
struct PlanArgs {
    /// Snapshot directory: one folder per cluster, named as Argo CD names the cluster.
    #[arg(long, value_name = "DIR")]
    snapshot: PathBuf,
    /// ApplicationSet manifests at the base revision (file or directory).
    #[arg(long, value_name = "PATH", requires = "head", conflicts_with_all = ["base_ref", "head_ref"])]
    base: Option<PathBuf>,
    /// ApplicationSet manifests at the head revision (file or directory).
    #[arg(long, value_name = "PATH", requires = "base")]
    head: Option<PathBuf>,
    /// Base git revision of `--repo` to read manifests from.
    #[arg(long, value_name = "REV", requires = "head_ref")]
    base_ref: Option<String>,
    /// Head git revision of `--repo` to read manifests from.
    #[arg(long, value_name = "REV", requires = "base_ref")]
    head_ref: Option<String>,
    /// The git checkout to read `--base-ref`/`--head-ref` from.
    #[arg(long, value_name = "DIR", default_value = ".")]
    repo: PathBuf,
    /// Only read files whose path in the repository matches this glob (`*` stays within
    /// a path segment, `**` crosses segments); may be repeated.
    #[arg(long = "path", value_name = "GLOB")]
    paths: Vec<String>,
    #[command(flatten)]
    simulation: SimulationArgs,
    #[command(flatten)]
    generation: repos::GenerationArgs,
    /// A blast-radius gate: a change that deletes more than `N` of an ApplicationSet's
    /// live Applications (or more than `N%` of them) becomes a `high` finding
    /// `mass-deletion` that lists them.
    #[arg(long, value_name = "N|N%", allow_hyphen_values = true)]
    max_deletions: Option<DeletionLimit>,
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Exit 1 when a finding has this severity or a higher one.
    #[arg(long, value_enum, default_value = "critical")]
    fail_on: FailOn,
}

/// The options every command that simulates a cluster shares (`plan`, `what-if`,
/// `comment`).
#[derive(Args)]
pub(crate) struct SimulationArgs {
    /// The snapshot folder of the cluster Argo CD runs in.
    #[arg(long, value_name = "NAME", default_value = "in-cluster")]
    pub(crate) argocd_cluster: String,
    /// Kubernetes version whose behaviour and messages to reproduce (e.g. `1.28`);
    /// default: the version each cluster's snapshot records, else the newest.
    #[arg(long, value_name = "VERSION")]
    kube_version: Option<String>,
    /// Third-party controllers: which workload removes which finalizers (YAML).
    #[arg(long, value_name = "FILE")]
    controllers: Option<PathBuf>,
}

impl SimulationArgs {
    /// The simulator's settings these options describe.
    pub(crate) fn config(&self) -> Result<PlanConfig> {
        Ok(PlanConfig {
            kube_version: parse_kube_version(self.kube_version.as_deref())?,
            force_kube_version: self.kube_version.is_some(),
            controllers: load_controllers(self.controllers.as_deref())?,
            workers: workers(),
            max_deletions: None,
        })
    }
}

#[derive(Args)]
struct GenerateArgs {
    /// The ApplicationSet manifest.
    file: PathBuf,
    /// Snapshot directory providing cluster secrets and Argo CD settings.
    #[arg(long, value_name = "DIR")]
    snapshot: Option<PathBuf>,
    #[arg(long, value_name = "NAME", default_value = "in-cluster")]
    argocd_cluster: String,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "yaml")]
    output: Output,
    #[command(flatten)]
    generation: repos::GenerationArgs,
}

#[derive(Clone, Copy, ValueEnum)]
enum Output {
    Yaml,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Plan(args) => run_plan(&args),
        Command::Generate(args) => run_generate(&args),
        Command::WhatIf(args) => run_what_if(&args),
        Command::Audit(args) => audit::run(&args),
        Command::Comment(args) => comment::run(&args),
        Command::Debug(command) => run_debug(&command),
        Command::Capture(args) => capture::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            if is_broken_pipe(&error) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {}", error_message(&error));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes, `: `-separated, each cause once: the loaders' errors
/// already end with the I/O error they keep as their source, which `{:#}` would print a
/// second time (`(os error 2): … (os error 2)`). The YAML parser's messages that name
/// its own configuration are reworded ([`preflight_cluster_snapshot::plain_parser_message`]).
pub(crate) fn error_message(error: &anyhow::Error) -> String {
    let mut message = String::new();
    for cause in error.chain() {
        let text = preflight_cluster_snapshot::plain_parser_message(&cause.to_string());
        if message.ends_with(&text) {
            continue;
        }
        if !message.is_empty() {
            message.push_str(": ");
        }
        message.push_str(&text);
    }
    message
}

fn run_debug(command: &DebugCommand) -> Result<ExitCode> {
    let started = std::time::Instant::now();
    match command {
        DebugCommand::SkipParse {
            snapshot,
            fast_reader,
        } => {
            let documents = preflight_cluster_snapshot::skip_parse(snapshot, *fast_reader)?;
            println!(
                "skip-parse: {documents} documents in {:.3} s",
                started.elapsed().as_secs_f64()
            );
        }
        DebugCommand::Load {
            snapshot,
            argocd_cluster,
        } => {
            let fleet = load_fleet(snapshot, argocd_cluster, ClusterSelection::All)?;
            let objects: usize = fleet.clusters.values().map(|c| c.len()).sum();
            println!(
                "load: {} clusters, {objects} objects in {:.3} s",
                fleet.clusters.len(),
                started.elapsed().as_secs_f64()
            );
            keep_until_exit(fleet);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Reads the snapshot's Argo CD cluster and the cluster folders `clusters` selects; the
/// others wait until a command asks for them ([`Fleet::load_clusters`]).
fn load_fleet(snapshot: &Path, argocd_cluster: &str, clusters: ClusterSelection) -> Result<Fleet> {
    load_fleet_with(snapshot, argocd_cluster, clusters, false)
}

/// [`load_fleet`], leaving Argo CD's Applications out when `without_applications`.
fn load_fleet_with(
    snapshot: &Path,
    argocd_cluster: &str,
    clusters: ClusterSelection,
    without_applications: bool,
) -> Result<Fleet> {
    let options = LoadOptions {
        // The default needs no folder of its own: a snapshot of clusters without Argo CD
        // (for `what-if`) is fine; a name given explicitly must exist.
        argocd_cluster: (argocd_cluster != preflight_model::argocd::IN_CLUSTER_NAME)
            .then(|| argocd_cluster.to_string()),
        clusters,
        without_applications,
    };
    let fleet = load_snapshot(snapshot, &options)?;
    for duplicate in fleet.duplicate_cluster_names() {
        eprintln!("warning: {duplicate}");
    }
    Ok(fleet)
}

/// Only the Argo CD cluster's folder, and `names`.
fn argocd_and<'n>(names: impl IntoIterator<Item = &'n str>) -> ClusterSelection {
    ClusterSelection::ArgoCdAnd(names.into_iter().map(str::to_string).collect())
}

/// How many threads the generators may render Applications with: the machine's cores.
fn workers() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// `--kube-version`: a Kubernetes 1.x version (every release so far is one; `0.1` or
/// `2.0` is a typo, not a version to simulate).
fn parse_kube_version(text: Option<&str>) -> Result<KubeVersion> {
    let Some(text) = text else {
        return Ok(KubeVersion::NEWEST);
    };
    match KubeVersion::parse(text) {
        Some(version) if version.major == 1 => Ok(version),
        _ => bail!("invalid `--kube-version` `{text}`: expected a Kubernetes version such as `1.28` or `v1.28.3`"),
    }
}

fn load_controllers(path: Option<&Path>) -> Result<Vec<preflight_simulator::DeclaredController>> {
    path.map(whatif::load_controllers)
        .transpose()
        .map(Option::unwrap_or_default)
}

fn run_what_if(args: &WhatIfArgs) -> Result<ExitCode> {
    let config = args.simulation.config()?;
    let mut fleet = load_fleet(
        &args.snapshot,
        &args.simulation.argocd_cluster,
        argocd_and([args.cluster.as_str()]),
    )?;
    let cluster = whatif::cluster(&fleet, &args.cluster)?;
    let propagation = match args.cascade {
        CascadeArg::Background => preflight_simulator::Propagation::Background,
        CascadeArg::Foreground => preflight_simulator::Propagation::Foreground,
        CascadeArg::Orphan => preflight_simulator::Propagation::Orphan,
    };
    let deletions = args
        .deletes
        .iter()
        .map(|reference| {
            whatif::resolve(cluster, reference, args.namespace.as_deref()).map(|k| (k, propagation))
        })
        .collect::<Result<Vec<_>>>()?;
    // Planned once when the deletions reach no cluster beyond those read; else again
    // after reading the destinations of the Applications they delete.
    let outcome =
        match preflight_simulator::what_if_read(&fleet, &args.cluster, &deletions, &config) {
            Ok(outcome) => outcome,
            Err(unread) => {
                fleet.load_clusters(unread.iter().map(String::as_str))?;
                preflight_simulator::what_if(&fleet, &args.cluster, &deletions, &config)
            }
        };
    keep_until_exit(fleet);
    print_report(&outcome, args.format)?;
    Ok(exit_code(&outcome, args.fail_on))
}

fn run_plan(args: &PlanArgs) -> Result<ExitCode> {
    let revisions = match (&args.base, &args.head, &args.base_ref, &args.head_ref) {
        (Some(base), Some(head), None, None) => PlanRevisions::Paths { base, head },
        (None, None, Some(base), Some(head)) => PlanRevisions::Git {
            repo: &args.repo,
            base,
            head,
            paths: &args.paths,
        },
        _ => bail!("give the two revisions either as `--base PATH --head PATH` or as `--base-ref REV --head-ref REV`"),
    };
    let outcome = plan(
        &args.snapshot,
        &args.simulation,
        &args.generation,
        &revisions,
        args.max_deletions,
    )?;
    print_report(&outcome, args.format)?;
    Ok(exit_code(&outcome, args.fail_on))
}

/// Where a plan reads the manifests of its two revisions.
pub(crate) enum PlanRevisions<'a> {
    /// Files or directories.
    Paths { base: &'a Path, head: &'a Path },
    /// Two revisions of a git checkout, the files whose paths match `paths` (all when
    /// empty). Git generators whose `repoURL` is this repository read it at the same two
    /// revisions.
    Git {
        repo: &'a Path,
        base: &'a str,
        head: &'a str,
        paths: &'a [String],
    },
}

/// The plan from base to head against the snapshot: the engine of `plan` and `comment`.
pub(crate) fn plan(
    snapshot: &Path,
    simulation: &SimulationArgs,
    generation: &repos::GenerationArgs,
    revisions: &PlanRevisions<'_>,
    max_deletions: Option<DeletionLimit>,
) -> Result<Outcome> {
    let config = PlanConfig {
        max_deletions,
        ..simulation.config()?
    };
    let mut fleet = load_fleet(snapshot, &simulation.argocd_cluster, argocd_and([]))?;
    // Planning the Applications keeps one core busy; the others read destination
    // clusters meanwhile, before the plan says which it needs.
    let ahead = fleet.read_ahead();
    let (base, head, base_name, head_name) = match revisions {
        PlanRevisions::Paths { base, head } => (
            load_manifests(base)?,
            load_manifests(head)?,
            base.display().to_string(),
            head.display().to_string(),
        ),
        PlanRevisions::Git {
            repo,
            base,
            head,
            paths,
        } => {
            let at_base = git::manifests_at(repo, base, paths)?;
            let at_head = git::manifests_at(repo, head, paths)?;
            // A glob that matches nothing at either revision is a typo (`*.yml` for
            // `.yaml` files): planning without those files would read as "everything
            // they held is gone".
            let unmatched: Vec<String> = paths
                .iter()
                .enumerate()
                .filter(|(i, _)| !at_base.glob_matched[*i] && !at_head.glob_matched[*i])
                .map(|(_, glob)| format!("`{glob}`"))
                .collect();
            if !unmatched.is_empty() {
                bail!(
                    "`--path` {} matches no `.yaml`, `.yml` or `.json` file at `{base}` nor at `{head}` in `{}`",
                    unmatched.join(", "),
                    repo.display()
                );
            }
            (
                at_base.manifests,
                at_head.manifests,
                base.to_string(),
                head.to_string(),
            )
        }
    };
    let live_sets: Vec<&str> = fleet
        .argocd()
        .map(|snapshot| {
            snapshot
                .of_kind(preflight_model::argocd::ARGOCD_GROUP, "ApplicationSet")
                .iter()
                .map(|o| o.name())
                .collect()
        })
        .unwrap_or_default();
    let is_appset = |manifest: &SourcedObject| {
        manifest.object.group() == preflight_model::argocd::ARGOCD_GROUP
            && manifest.object.kind() == "ApplicationSet"
    };
    // Live ApplicationSets but none at base: the base files were not found (wrong
    // `--path` or `--base`), and every live one would look removed.
    if !live_sets.is_empty() && !base.iter().any(is_appset) {
        let shown: Vec<String> = live_sets.iter().take(5).map(|n| format!("`{n}`")).collect();
        let more = live_sets.len().saturating_sub(shown.len());
        bail!(
            "the base revision `{base_name}` holds no ApplicationSet, but the snapshot shows {} live ({}{}); point `--base` or `--path` at the files that define them",
            live_sets.len(),
            shown.join(", "),
            if more > 0 { format!(" and {more} more") } else { String::new() }
        );
    }
    // An empty revision is legitimate (everything added or removed) but is far more
    // often a wrong path, and it reads as "delete everything": say so.
    for (manifests, name) in [(&base, &base_name), (&head, &head_name)] {
        let has_argo_objects = manifests.iter().any(|manifest| {
            manifest.object.group() == preflight_model::argocd::ARGOCD_GROUP
                && matches!(manifest.object.kind(), "ApplicationSet" | "Application")
        });
        if !has_argo_objects {
            eprintln!("warning: no ApplicationSet or Application found in `{name}`");
        }
    }
    let plan_repo = match revisions {
        PlanRevisions::Paths { .. } => None,
        PlanRevisions::Git {
            repo, base, head, ..
        } => Some((*repo, *base, *head)),
    };
    let generation = generation.plan_inputs(plan_repo)?;
    // Plan the Applications on the Argo CD cluster alone, then read the destination
    // clusters their deletions reach.
    let planned =
        preflight_simulator::plan_applications(&fleet, &base, &head, &config, &generation);
    fleet.load_clusters_read_ahead(planned.clusters().iter().map(String::as_str), ahead)?;
    let outcome = preflight_simulator::plan_cascades(&fleet, &config, planned);
    keep_until_exit(fleet);
    Ok(outcome)
}

/// Leaves the fleet to the end of the process: it is hundreds of thousands of small
/// allocations, freeing them one by one took a tenth of `plan`'s time on a large fleet,
/// and the process exits once the report is written.
fn keep_until_exit(fleet: Fleet) {
    std::mem::forget(fleet);
}

fn print_report(outcome: &Outcome, format: Format) -> Result<()> {
    let rendered = match format {
        Format::Text => preflight_report::render_text(outcome),
        Format::Markdown => preflight_report::render_markdown(outcome),
        Format::Json => preflight_report::render_json(outcome),
    };
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(rendered.as_bytes())
        .context("cannot write the report to standard output")?;
    stdout
        .flush()
        .context("cannot write the report to standard output")?;
    Ok(())
}

fn exit_code(outcome: &Outcome, fail_on: FailOn) -> ExitCode {
    if !outcome.errors.is_empty() {
        return ExitCode::from(2);
    }
    let threshold = match fail_on {
        FailOn::Info => Severity::Info,
        FailOn::Warning => Severity::Warning,
        FailOn::High => Severity::High,
        FailOn::Critical => Severity::Critical,
        FailOn::Never => return ExitCode::SUCCESS,
    };
    if preflight_report::exceeds(outcome, threshold) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn run_generate(args: &GenerateArgs) -> Result<ExitCode> {
    let fleet = match &args.snapshot {
        // Generating reads cluster secrets, settings and custom resources, never the
        // live Applications.
        Some(snapshot) => Some(load_fleet_with(
            snapshot,
            &args.argocd_cluster,
            argocd_and([]),
            true,
        )?),
        None => None,
    };
    let manifests = load_manifests(&args.file)?;
    let appsets: Vec<&SourcedObject> = manifests
        .iter()
        .filter(|m| m.object.group() == "argoproj.io" && m.object.kind() == "ApplicationSet")
        .collect();
    let [appset] = appsets.as_slice() else {
        bail!(
            "{}: expected exactly one ApplicationSet, found {}",
            args.file.display(),
            appsets.len()
        );
    };
    let clusters = fleet
        .as_ref()
        .map(|f| f.cluster_infos.clone())
        .unwrap_or_default();
    let settings = fleet
        .as_ref()
        .map(|f| f.settings.clone())
        .unwrap_or_default();
    let argocd_objects: Vec<&preflight_model::Object> = fleet
        .as_ref()
        .and_then(|f| f.argocd())
        .map(|snapshot| snapshot.objects().collect())
        .unwrap_or_default();
    let repos = repos::GitRepos::new(None, args.generation.checkouts()?);
    let responses = args.generation.responses()?;
    let context = preflight_generators::GenerationContext {
        clusters: &clusters,
        settings: &settings,
        argocd_objects: &argocd_objects,
        argocd_namespace: fleet.as_ref().and_then(|f| f.argocd_namespace()),
        repos: &repos,
        responses: &responses,
        workers: workers(),
        max_applications: args.generation.max_applications,
    };
    let controller = preflight_simulator::controller::ControllerSettings::read(
        argocd_objects.iter().copied(),
        context.argocd_namespace,
    )
    .map_err(|error| {
        anyhow::anyhow!(
            "ConfigMap `{}`: field `data.{}`: {}",
            preflight_simulator::controller::CMD_PARAMS_CONFIG_MAP,
            error.field,
            error.problem
        )
    })?;
    let mut generated = match preflight_generators::generate(&appset.object, &context) {
        Ok(generated) => generated,
        Err(error) => {
            eprintln!(
                "error: {}: ApplicationSet `{}`: {error}",
                appset.file.display(),
                appset.object.name()
            );
            return Ok(ExitCode::from(2));
        }
    };
    for warning in &generated.warnings {
        eprintln!("warning: {warning}");
    }
    if preflight_simulator::progressive::rolling_sync_enabled(&appset.object) {
        let name = appset.object.name();
        if controller.progressive_syncs {
            // `SyncDesiredApplications` writes them with automated sync disabled.
            for app in &mut generated.applications {
                preflight_simulator::progressive::disable_automated_sync(app);
                match preflight_simulator::progressive::rolling_step(&appset.object, app) {
                    Some(preflight_simulator::RollingStep::Step { number, of }) => eprintln!(
                        "note: Application `{}`: RollingSync step {number} of {of}",
                        app.name()
                    ),
                    Some(preflight_simulator::RollingStep::NoStep) => eprintln!(
                        "note: Application `{}`: no RollingSync step selects it, so the ApplicationSet controller never syncs it",
                        app.name()
                    ),
                    None => {}
                }
            }
            eprintln!("note: ApplicationSet `{name}` uses progressive sync (RollingSync): its Applications are written with automated sync disabled, and the ApplicationSet controller syncs them step by step");
            if preflight_simulator::progressive::deletion_order_reversed(&appset.object) {
                eprintln!("note: ApplicationSet `{name}` has `deletionOrder: Reverse`: deleting it deletes its Applications in reverse step order");
            }
        } else {
            eprintln!("note: ApplicationSet `{name}` asks for progressive sync (RollingSync), which the controller ignores unless `argocd-cmd-params-cm` sets `applicationsetcontroller.enable.progressive.syncs: \"true\"`{}",
                if fleet.is_some() { "" } else { " (give `--snapshot` to read it)" });
        }
    }
    // Without a snapshot nothing is known of clusters and AppProjects: only names are
    // checked then.
    // (name, why) of the Applications that would not be written.
    let mut invalid: Vec<(String, String)> =
        preflight_generators::validate_generated(appset.object.name(), &generated, &context)
            .into_iter()
            .filter(|problem| {
                fleet.is_some()
                    || !matches!(
                        problem.reason,
                        preflight_model::ValidationError::Destination(_)
                    )
            })
            .map(|problem| (problem.name, problem.reason.to_string()))
            .collect();
    // What passes the controller's validation may still be refused by the API server,
    // checked on all cores (15,000 schema walks). A name refused here is never one a
    // later Application shares: two Applications of one name are both invalid already.
    let already: std::collections::BTreeSet<&str> =
        invalid.iter().map(|(name, _)| name.as_str()).collect();
    let refused: Vec<Vec<(String, String)>> =
        preflight_model::parallel::in_chunks(&generated.applications, workers(), |apps| {
            apps.iter()
                .filter(|app| !already.contains(app.name()))
                .filter_map(|app| {
                    preflight_simulator::apiserver::application_name_error(app.name())
                        .or_else(|| preflight_simulator::apiserver::application_schema_error(app))
                        .map(|refusal| (app.name().to_string(), refusal.to_string()))
                })
                .collect()
        });
    drop(already);
    invalid.extend(refused.into_iter().flatten());
    for (name, why) in &invalid {
        eprintln!(
            "error: ApplicationSet `{}`: Application `{name}` would not be written: {why}",
            appset.object.name(),
        );
    }
    let items: Vec<serde_json::Value> = generated
        .applications
        .into_iter()
        .map(|a| a.into_raw())
        .collect();
    // Written as it is rendered: 15,000 Applications make tens of megabytes.
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    match args.output {
        Output::Json => {
            let written = output::write_pretty_list(&mut stdout, &items, workers());
            // As `plan` leaves its fleet: freeing 15,000 Applications one map at a time
            // costs more than writing them, and the process is about to exit.
            std::mem::forget(items);
            written.context("cannot write to standard output")?;
            stdout
                .write_all(b"\n")
                .context("cannot write to standard output")?;
        }
        Output::Yaml => {
            for item in &items {
                let document = serde_saphyr::to_string(item).context("cannot render YAML")?;
                stdout
                    .write_all(b"---\n")
                    .and_then(|()| stdout.write_all(document.as_bytes()))
                    .context("cannot write to standard output")?;
            }
            std::mem::forget(items);
        }
    }
    stdout.flush().context("cannot write to standard output")?;
    if let Some(fleet) = fleet {
        keep_until_exit(fleet);
    }
    Ok(if invalid.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
