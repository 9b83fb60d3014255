//! The simulator: plans what the ApplicationSet controller does to Applications
//! ([`plan::plan`]) and predicts the Kubernetes deletion cascade that follows on each
//! destination cluster ([`cascade`]), with findings that explain every problem and how
//! to break it ([`findings`]).
//!
//! Its results are the types of [`outcome`], which the report crate renders.
//! This crate is pure: no I/O, no clock, no environment; it never depends on tokio,
//! kube or an HTTP client.

pub mod apiserver;
pub mod audit;
pub mod cascade;
pub mod controller;
pub mod deadlock;
pub mod findings;
pub mod ignore;
pub mod plan;
pub mod progressive;

/// The result types, from their own crate (`preflight-outcome`) so that the report
/// depends on them and not on the simulator; re-exported so that the simulator's paths
/// (`outcome::Finding`, `causes::StuckCause`) stay as they were.
pub use preflight_outcome as outcome;
pub use preflight_outcome::causes;

pub use audit::audit;
pub use cascade::{DeclaredController, KubeVersion, Propagation};
pub use findings::mass_deletion;
pub use mass_deletion::{DeletedApplication, DeletionLimit, MassDeletion};
pub use outcome::*;
pub use plan::{
    plan, plan_applications, plan_cascades, plan_clusters, plan_with_inputs, what_if, what_if_read,
    PlanConfig, PlannedApplications,
};
