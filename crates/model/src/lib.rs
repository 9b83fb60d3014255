//! Types shared by every argocd-preflight crate: Kubernetes objects and their keys
//! ([`Object`], [`ObjectKey`], [`OwnerReference`]) and Argo CD's vocabulary
//! ([`ClusterInfo`], [`TrackingId`], [`CascadeMode`], [`ApplicationsSyncPolicy`],
//! [`ArgoSettings`]).
//!
//! This crate is pure: it does no I/O, reads no clock or environment, and depends on
//! nothing but serde. Every other crate may depend on it; it depends on none of them.

pub mod argocd;
pub mod object;

pub use argocd::{
    ApplicationsSyncPolicy, ArgoSettings, CascadeMode, ClusterInfo, TrackingId, TrackingMethod,
};
pub use object::{
    split_api_version, value_at, GroupKind, KeptPaths, Object, ObjectKey, OwnerReference,
    PathFilter,
};
