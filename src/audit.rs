//! `audit`: the fleet's standing risks before anyone changes anything — what is already
//! broken, which single deletion would jam a cluster, and which ApplicationSets a rename
//! would cascade through (issue 15). The engine is `preflight_simulator::audit`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use preflight_cluster_snapshot::ClusterSelection;

use crate::{exit_code, keep_until_exit, load_fleet, print_report, FailOn, Format, SimulationArgs};

#[derive(Args)]
pub(crate) struct AuditArgs {
    /// Snapshot directory: one folder per cluster, named as Argo CD names the cluster.
    #[arg(long, value_name = "DIR")]
    snapshot: PathBuf,
    #[command(flatten)]
    simulation: SimulationArgs,
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Exit 1 when a finding has this severity or a higher one.
    #[arg(long, value_enum, default_value = "critical")]
    fail_on: FailOn,
}

pub(crate) fn run(args: &AuditArgs) -> Result<ExitCode> {
    let config = args.simulation.config()?;
    let fleet = load_fleet(
        &args.snapshot,
        &args.simulation.argocd_cluster,
        ClusterSelection::All,
    )?;
    let outcome = preflight_simulator::audit(&fleet, &config);
    keep_until_exit(fleet);
    print_report(&outcome, args.format)?;
    Ok(exit_code(&outcome, args.fail_on))
}
