//! Types shared by every argocd-preflight crate: Kubernetes objects and their keys
//! ([`Object`], [`ObjectKey`], [`OwnerReference`]) and Argo CD's vocabulary
//! ([`ClusterInfo`], [`TrackingId`], [`CascadeMode`], [`ApplicationsSyncPolicy`],
//! [`ArgoSettings`]); [`plain_parser_message`], which rewords the YAML parser's
//! messages that name its own configuration, for the crates that parse YAML; and
//! [`parallel`], the threads every crate spreads its work on.
//!
//! This crate is pure: it does no I/O, reads no clock or environment, and depends on
//! nothing but serde. Its threads change how fast a result comes, never the result. Every other crate may depend on it; it depends on none of them.

pub mod argocd;
mod messages;
pub mod object;
pub mod parallel;
pub mod validation;

pub use argocd::{
    ApplicationsSyncPolicy, ArgoSettings, CascadeMode, ClusterInfo, TrackingId, TrackingMethod,
};
pub use messages::plain_parser_message;
pub use object::{
    split_api_version, value_at, GroupKind, KeptPaths, Object, ObjectKey, OwnerReference,
    PathFilter, SlimParts,
};
pub use validation::{DestinationError, FieldError, ValidationError};
