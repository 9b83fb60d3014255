//! Validation of generated Applications (rulebook 8), as the ApplicationSet controller
//! states its errors; used by `generate` to say which Applications Argo CD would refuse.

use std::collections::BTreeSet;

use preflight_model::argocd::{IN_CLUSTER_NAME, IN_CLUSTER_SERVER};
use preflight_model::Object;

use crate::{Generated, GenerationContext};

/// A generated Application Argo CD would not write, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidApplication {
    pub name: String,
    pub message: String,
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
        let message = if name.is_empty() {
            Some("application name is empty".to_string())
        } else if !seen.insert(name) {
            Some(format!(
                "ApplicationSet {appset_name} contains applications with duplicate name: {name}"
            ))
        } else {
            let project = if empty_projects.contains(&index) {
                ""
            } else {
                app.str_at(&["spec", "project"]).unwrap_or("default")
            };
            // No AppProject has an empty name, whatever the snapshot holds.
            if project.is_empty() || (!projects.is_empty() && !projects.contains(project)) {
                Some(format!(
                    "application references project {project} which does not exist"
                ))
            } else {
                destination_error(app, ctx)
                    .map(|error| format!("application destination spec is invalid: {error}"))
            }
        };
        if let Some(message) = message {
            invalid.push(InvalidApplication {
                name: name.to_string(),
                message,
            });
        }
    }
    invalid
}

fn destination_error(app: &Object, ctx: &GenerationContext) -> Option<String> {
    let server = app.str_at(&["spec", "destination", "server"]).unwrap_or("");
    let name = app.str_at(&["spec", "destination", "name"]).unwrap_or("");
    let in_cluster = ctx.settings.in_cluster_enabled;
    if !name.is_empty() && !server.is_empty() {
        return Some(format!(
            "application destination can't have both name and server defined: {name} {server}"
        ));
    }
    if !server.is_empty() {
        let trimmed = server.trim_end_matches('/');
        let known = ctx
            .clusters
            .iter()
            .any(|c| c.server.trim_end_matches('/') == trimmed)
            || (trimmed == IN_CLUSTER_SERVER && in_cluster);
        return (!known).then(|| {
            format!("error getting cluster by server \"{server}\": cluster \"{server}\" not found")
        });
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
            0 => Some(format!("there are no clusters with this name: {name}")),
            1 => None,
            count => Some(format!(
                "there are {count} clusters with the same name: [{}]",
                servers.join(" ")
            )),
        };
    }
    Some("Destination server missing from app spec".to_string())
}
