//! Validation of generated Applications (rulebook 8), as the ApplicationSet controller
//! states its errors; used by `generate` to say which Applications Argo CD would refuse.

use std::collections::BTreeSet;

use preflight_model::argocd::{IN_CLUSTER_NAME, IN_CLUSTER_SERVER};
use preflight_model::{DestinationError, Object, ValidationError};

use crate::{Generated, GenerationContext};

/// A generated Application Argo CD would not write, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidApplication {
    pub name: String,
    pub reason: ValidationError,
}

/// Checks generated Applications in order: empty name, duplicate name, AppProject
/// (when the context lists AppProjects), destination. The first failure of each
/// Application is reported.
pub fn validate_applications(
    appset_name: &str,
    applications: &[Object],
    ctx: &GenerationContext,
) -> Vec<InvalidApplication> {
    check_all(appset_name, applications, &BTreeSet::new(), ctx)
}

/// [`validate_applications`] over a generation's result, which also knows the
/// Applications whose rendered project was empty: the controller validates before it
/// normalizes the spec (`validateGeneratedApplications` runs before
/// `NormalizeApplicationSpec`), so it looks up the AppProject named `` and refuses them.
pub fn validate_generated(
    appset_name: &str,
    generated: &Generated,
    ctx: &GenerationContext,
) -> Vec<InvalidApplication> {
    check_all(
        appset_name,
        &generated.applications,
        &generated.empty_projects,
        ctx,
    )
}

fn check_all(
    appset_name: &str,
    applications: &[Object],
    empty_projects: &BTreeSet<usize>,
    ctx: &GenerationContext,
) -> Vec<InvalidApplication> {
    let projects = ctx.app_project_names();
    let mut seen = BTreeSet::new();
    let mut invalid = Vec::new();
    for (index, app) in applications.iter().enumerate() {
        let name = app.name();
        let reason = if name.is_empty() {
            Some(ValidationError::EmptyName)
        } else if !seen.insert(name) {
            Some(ValidationError::DuplicateName {
                application_set: appset_name.to_string(),
                name: name.to_string(),
            })
        } else {
            let project = if empty_projects.contains(&index) {
                ""
            } else {
                app.str_at(&["spec", "project"]).unwrap_or("default")
            };
            // No AppProject has an empty name, whatever the snapshot holds.
            if project.is_empty() || (!projects.is_empty() && !projects.contains(project)) {
                Some(ValidationError::ProjectNotFound(project.to_string()))
            } else {
                destination_error(app, ctx).map(ValidationError::Destination)
            }
        };
        if let Some(reason) = reason {
            invalid.push(InvalidApplication {
                name: name.to_string(),
                reason,
            });
        }
    }
    invalid
}

fn destination_error(app: &Object, ctx: &GenerationContext) -> Option<DestinationError> {
    let server = app.str_at(&["spec", "destination", "server"]).unwrap_or("");
    let name = app.str_at(&["spec", "destination", "name"]).unwrap_or("");
    let in_cluster = ctx.settings.in_cluster_enabled;
    if !name.is_empty() && !server.is_empty() {
        return Some(DestinationError::NameAndServer {
            name: name.to_string(),
            server: server.to_string(),
        });
    }
    if !server.is_empty() {
        let trimmed = server.trim_end_matches('/');
        let known = ctx
            .clusters
            .iter()
            .any(|c| c.server.trim_end_matches('/') == trimmed)
            || (trimmed == IN_CLUSTER_SERVER && in_cluster);
        return (!known).then(|| DestinationError::ServerNotFound(server.to_string()));
    }
    if !name.is_empty() {
        let servers: Vec<&str> = ctx
            .clusters
            .iter()
            .filter(|c| c.name == name)
            .map(|c| c.server.as_str())
            .collect();
        return match servers.len() {
            0 if name == IN_CLUSTER_NAME && in_cluster => None,
            0 => Some(DestinationError::NameNotFound(name.to_string())),
            1 => None,
            _ => Some(DestinationError::NameAmbiguous(
                servers.iter().map(ToString::to_string).collect(),
            )),
        };
    }
    Some(DestinationError::ServerMissing)
}
