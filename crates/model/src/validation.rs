//! Why a write is refused, as data: the ApplicationSet controller's validation of a
//! generated Application (`validateGeneratedApplications`, rulebook 8) and the API
//! server's field errors. The crate that finds the problem builds these; the outcome
//! carries them; `Display` words them as Argo CD and the API server do, so no stage
//! parses another's text.

use std::fmt;

/// One field error of the API server (apimachinery's `field.Error`), as it words it:
/// `path: problem`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FieldError {
    /// The field, e.g. `spec.sourceHydrator.syncSource.path`.
    pub path: String,
    /// What is wrong with it, e.g. `Required value`.
    pub problem: String,
}

impl FieldError {
    pub fn new(path: impl Into<String>, problem: impl Into<String>) -> FieldError {
        FieldError {
            path: path.into(),
            problem: problem.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.problem)
    }
}

/// Why the ApplicationSet controller refuses a generated Application
/// (`validateGeneratedApplications`, in the order it checks).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ValidationError {
    /// `metadata.name` renders empty.
    EmptyName,
    /// Another generated Application of the same ApplicationSet has the same name.
    DuplicateName {
        application_set: String,
        name: String,
    },
    /// The AppProject it names does not exist (or its name is empty).
    ProjectNotFound(String),
    /// Its destination does not resolve to one known cluster.
    Destination(DestinationError),
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValidationError::EmptyName => f.write_str("application name is empty"),
            ValidationError::DuplicateName {
                application_set,
                name,
            } => write!(
                f,
                "ApplicationSet {application_set} contains applications with duplicate name: {name}"
            ),
            ValidationError::ProjectNotFound(project) => write!(
                f,
                "application references project {project} which does not exist"
            ),
            ValidationError::Destination(why) => {
                write!(f, "application destination spec is invalid: {why}")
            }
        }
    }
}

/// Why a generated Application's destination does not resolve (`ValidateDestination`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DestinationError {
    /// Both `name` and `server` are set.
    NameAndServer { name: String, server: String },
    /// No cluster has this server URL.
    ServerNotFound(String),
    /// No cluster has this name.
    NameNotFound(String),
    /// Several clusters have the same name: their servers.
    NameAmbiguous(Vec<String>),
    /// Neither `name` nor `server` is set.
    ServerMissing,
}

impl fmt::Display for DestinationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DestinationError::NameAndServer { name, server } => write!(
                f,
                "application destination can't have both name and server defined: {name} {server}"
            ),
            DestinationError::ServerNotFound(server) => write!(
                f,
                "error getting cluster by server \"{server}\": cluster \"{server}\" not found"
            ),
            DestinationError::NameNotFound(name) => {
                write!(f, "there are no clusters with this name: {name}")
            }
            DestinationError::NameAmbiguous(servers) => write!(
                f,
                "there are {} clusters with the same name: [{}]",
                servers.len(),
                servers.join(" ")
            ),
            DestinationError::ServerMissing => {
                f.write_str("Destination server missing from app spec")
            }
        }
    }
}
