//! `mass-deletion-exposure`: ApplicationSets whose generators can come back smaller
//! without a change in git (SCM provider, pull request, cluster decision resource, plugin,
//! or a cluster generator on labels, also inside matrix and merge) under a policy that
//! deletes, with how many of their live Applications carry the resources finalizer, the
//! objects they track and their clusters.

use std::collections::{BTreeMap, BTreeSet};

use preflight_model::argocd::{ARGOCD_GROUP, RESOURCES_FINALIZER};

use super::{count_of, deleting_policy, quoted, FleetFacts, LiveApp, NAMES_SHOWN};
use crate::outcome::{Finding, FindingCode, Severity};

/// Why a generator's output can shrink without a change in git, if it can: it asks an
/// outside system, or selects clusters by the labels of their secrets.
fn shrinks_without_git(generator: &serde_json::Value) -> Vec<&'static str> {
    let Some(fields) = generator.as_object() else {
        return Vec::new();
    };
    let mut why = Vec::new();
    for (kind, spec) in fields {
        match kind.as_str() {
            "scmProvider" => why.push("an SCM provider generator (repositories come and go)"),
            "pullRequest" => why.push("a pull request generator (pull requests close)"),
            "clusterDecisionResource" => {
                why.push("a cluster decision resource generator (its resource decides)")
            }
            "plugin" => why.push("a plugin generator (the plugin answers)"),
            "clusters" => {
                let selector = spec.get("selector");
                let selects = |field: &str| {
                    selector.and_then(|s| s.get(field)).is_some_and(|v| {
                        v.as_object().is_some_and(|m| !m.is_empty())
                            || v.as_array().is_some_and(|a| !a.is_empty())
                    })
                };
                if selects("matchLabels") || selects("matchExpressions") {
                    why.push(
                        "a cluster generator on labels (a relabelled or removed cluster secret)",
                    );
                }
            }
            "matrix" | "merge" => {
                for child in spec
                    .get("generators")
                    .and_then(|g| g.as_array())
                    .into_iter()
                    .flatten()
                {
                    why.extend(shrinks_without_git(child));
                }
            }
            _ => {}
        }
    }
    why
}

/// ApplicationSets whose generators can come back smaller without a change in git,
/// under a policy that deletes, with the cascading Applications they would take along.
pub(super) fn find(facts: &FleetFacts) -> Vec<Finding> {
    let (fleet, argocd_namespace, apps) = (facts.fleet, facts.argocd_namespace, facts.apps);
    let Some(argocd) = fleet.argocd() else {
        return Vec::new();
    };
    /// One exposed ApplicationSet: its name, its cascading Applications, and the objects
    /// they track.
    struct Exposed<'s> {
        name: &'s str,
        applications: usize,
        objects: usize,
    }
    // ApplicationSets exposed for the same reasons under the same policy share one
    // finding: at fleet size one per ApplicationSet buries the rest of the report.
    /// The generator reasons and the policy that expose an ApplicationSet.
    type Cause<'s> = (Vec<&'static str>, &'s str);
    let mut by_cause: BTreeMap<Cause, (Vec<Exposed>, BTreeSet<String>)> = BTreeMap::new();
    for set in argocd.of_kind(ARGOCD_GROUP, "ApplicationSet") {
        let set_namespace = set.namespace().unwrap_or(argocd_namespace);
        let Some(policy) = deleting_policy(fleet, set) else {
            continue;
        };
        let mut why: Vec<&str> = set
            .value_at(&["spec", "generators"])
            .and_then(|g| g.as_array())
            .into_iter()
            .flatten()
            .flat_map(shrinks_without_git)
            .collect();
        why.sort_unstable();
        why.dedup();
        if why.is_empty() {
            continue;
        }
        let cascading: Vec<&LiveApp> = apps
            .iter()
            .filter(|app| {
                app.namespace == set_namespace
                    && app.application_set.as_deref() == Some(set.name())
                    && app.cascades
            })
            .collect();
        if cascading.is_empty() {
            continue;
        }
        let (sets, clusters) = by_cause.entry((why, policy.as_str())).or_default();
        clusters.extend(cascading.iter().filter_map(|app| app.cluster.clone()));
        sets.push(Exposed {
            name: set.name(),
            applications: cascading.len(),
            objects: cascading.iter().map(|app| app.managed.len()).sum(),
        });
    }
    by_cause
        .into_iter()
        .map(|((why, policy), (mut sets, clusters))| {
            sets.sort_by(|a, b| a.name.cmp(b.name));
            let clusters: Vec<String> = clusters.into_iter().collect();
            let applications: usize = sets.iter().map(|s| s.applications).sum();
            let objects: usize = sets.iter().map(|s| s.objects).sum();
            let names: Vec<&str> = sets.iter().map(|s| s.name).collect();
            let (subject, per_set) = match sets.as_slice() {
                [one] => (format!("ApplicationSet `{}` generates", one.name), String::new()),
                _ => {
                    let counts: Vec<String> = sets
                        .iter()
                        .take(NAMES_SHOWN)
                        .map(|s| format!("`{}` {}", s.name, s.applications))
                        .collect();
                    let more = sets.len().saturating_sub(NAMES_SHOWN);
                    let more = if more > 0 { format!(" and {more} more") } else { String::new() };
                    (
                        format!("{} ApplicationSets generate", sets.len()),
                        format!("; Applications per ApplicationSet: {}{more}", counts.join(", ")),
                    )
                }
            };
            let message = format!(
                "{subject} from {}, whose output can shrink without a change in git, and the policy `{policy}` deletes the Applications they stop generating: {} carry `{RESOURCES_FINALIZER}` and would take their resources with them ({} tracked now{per_set})",
                why.join(" and "),
                count_of(applications, "Application", "Applications"),
                count_of(objects, "object", "objects"),
            );
            Finding {
                remediation: vec![
                    format!(
                        "# safe alternatives for {} {}:",
                        if names.len() == 1 { "ApplicationSet" } else { "ApplicationSets" },
                        quoted(names.iter().copied())
                    ),
                    "# - `spec.syncPolicy.applicationsSync: create-update`: Applications the generators stop producing are kept".to_string(),
                    "# - `spec.syncPolicy.preserveResourcesOnDeletion: true`, synced until the live Applications no longer carry the resources finalizer".to_string(),
                    "# - `argocd.argoproj.io/sync-options: Delete=confirm` on the objects that must never go unattended".to_string(),
                ],
                ..super::fleet_finding(
                    Severity::Warning,
                    FindingCode::MassDeletionExposure,
                    clusters,
                    message,
                )
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generators_that_shrink_without_git() {
        let why = |generator: serde_json::Value| shrinks_without_git(&generator).len();
        assert_eq!(why(serde_json::json!({"clusters": {}})), 0, "every cluster");
        assert_eq!(
            why(serde_json::json!({"clusters": {"selector": {"matchLabels": {}}}})),
            0,
            "an empty selector selects every cluster"
        );
        assert_eq!(
            why(serde_json::json!({"clusters": {"selector": {"matchLabels": {"stage": "lab"}}}})),
            1
        );
        assert_eq!(
            why(serde_json::json!({"git": {"repoURL": "x", "directories": []}})),
            0
        );
        assert_eq!(why(serde_json::json!({"list": {"elements": []}})), 0);
        let nested = serde_json::json!({"matrix": {"generators": [
            {"git": {"repoURL": "x"}},
            {"merge": {"generators": [{"scmProvider": {}}, {"pullRequest": {}}]}},
        ]}});
        assert_eq!(
            shrinks_without_git(&nested),
            [
                "an SCM provider generator (repositories come and go)",
                "a pull request generator (pull requests close)"
            ]
        );
    }
}
