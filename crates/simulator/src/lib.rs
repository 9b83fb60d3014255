//! The simulator: plans what the ApplicationSet controller does to Applications and
//! predicts the Kubernetes deletion cascade that follows on each destination cluster.
//!
//! Its results are the types of [`outcome`], which the report crate renders.
//! This crate is pure: no I/O, no clock, no environment; it never depends on tokio,
//! kube or an HTTP client.

pub mod outcome;

pub use outcome::*;
