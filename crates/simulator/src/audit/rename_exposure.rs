//! `rename-exposure`: ApplicationSets whose policy deletes Applications, whose live
//! Applications carry the resources finalizer and manage namespaces (not those whose own
//! sync options say `Delete=false`: they stay), or a backend the simulation found jamming
//! (`FleetFacts::jams`): a template rename deletes them with those objects, as in the talk
//! (appset rulebook §11.1, R-ARGO-1). The remediation lists the safe alternatives.

use preflight_model::argocd::{ARGOCD_GROUP, RESOURCES_FINALIZER};
use preflight_model::ObjectKey;
use std::collections::BTreeSet;

use super::safety_features::{awaits_approval, kept_on_delete};
use super::{count_of, deleting_policy, quoted, FleetFacts, SYNC_OPTIONS_DELETE_FALSE};
use crate::outcome::{Finding, FindingCode, Severity};

/// ApplicationSets whose Applications cascade through namespaces, or through APIService
/// backends (`jams`: where deleting one of its Applications was simulated to jam the
/// APIService), when the ApplicationSet controller deletes them (a rename does).
pub(super) fn find(facts: &FleetFacts) -> Vec<Finding> {
    let (fleet, argocd_namespace, apps, jams) =
        (facts.fleet, facts.argocd_namespace, facts.apps, facts.jams);
    let Some(argocd) = fleet.argocd() else {
        return Vec::new();
    };
    let mut findings = Vec::new();
    for set in argocd.of_kind(ARGOCD_GROUP, "ApplicationSet") {
        let set_namespace = set.namespace().unwrap_or(argocd_namespace);
        let Some(policy) = deleting_policy(fleet, set) else {
            continue;
        };
        let preserve = set
            .value_at(&["spec", "syncPolicy", "preserveResourcesOnDeletion"])
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        let mut clusters = BTreeSet::new();
        let mut namespaces = BTreeSet::new();
        let api_services = jams
            .get(&(set_namespace.to_string(), set.name().to_string()))
            .cloned()
            .unwrap_or_default();
        let mut cascading = 0;
        let mut approval = 0;
        for app in apps.iter().filter(|app| {
            app.namespace == set_namespace
                && app.application_set.as_deref() == Some(set.name())
                && app.cascades
        }) {
            let Some(cluster) = app.cluster.as_deref() else {
                continue;
            };
            let kept = |key: &ObjectKey| kept_on_delete(fleet, app, key);
            let managed_namespaces: Vec<&str> = app
                .managed
                .iter()
                .filter(|k| k.group.is_empty() && k.kind == "Namespace" && !kept(k))
                .map(|k| k.name.as_str())
                .collect();
            namespaces.extend(managed_namespaces.iter().map(|n| n.to_string()));
            if !managed_namespaces.is_empty() || !api_services.is_empty() {
                clusters.insert(cluster.to_string());
                cascading += 1;
                if awaits_approval(fleet, app) {
                    approval += 1;
                }
            }
        }
        if cascading == 0 {
            continue;
        }
        let mut what = Vec::new();
        if !namespaces.is_empty() {
            what.push(format!(
                "{} {}",
                if namespaces.len() == 1 {
                    "namespace"
                } else {
                    "namespaces"
                },
                quoted(namespaces.iter().map(String::as_str))
            ));
        }
        if !api_services.is_empty() {
            what.push(format!(
                "the backend of {} {}",
                if api_services.len() == 1 {
                    "APIService"
                } else {
                    "APIServices"
                },
                quoted(api_services.iter().map(String::as_str))
            ));
        }
        let preserve_note = if preserve {
            " (`preserveResourcesOnDeletion: true` is set, but the live Applications still carry the finalizer, which decides)"
        } else {
            ""
        };
        // The guard that holds such a deletion for a person, not one that avoids it.
        let approval_note = match approval {
            0 => String::new(),
            n => format!(
                "; {} {} for deletion approval (`Delete=confirm` or `Prune=confirm` on an object {} manage), so {} deletion waits until someone annotates {} `argocd.argoproj.io/deletion-approved`, and then goes ahead",
                if n == cascading { "all of them".to_string() } else { count_of(n, "of them", "of them") },
                if n == 1 && n != cascading { "asks" } else { "ask" },
                if n == 1 && n != cascading { "it" } else { "they" },
                if n == 1 && n != cascading { "its" } else { "their" },
                if n == 1 && n != cascading { "it" } else { "them" },
            ),
        };
        let clusters: Vec<String> = clusters.into_iter().collect();
        let message = format!(
            "ApplicationSet `{}` deletes the Applications it no longer generates (policy `{}`), and {} carry `{RESOURCES_FINALIZER}`{preserve_note} and manage {}: a template change that renames them deletes the old Applications and these objects with them, before the new ones can recreate them{approval_note}",
            set.name(),
            policy.as_str(),
            count_of(cascading, "of its Applications", "of its Applications"),
            what.join(" and ")
        );
        findings.push(Finding {
            remediation: vec![
                format!("# safe alternatives for ApplicationSet `{}`, each applied before any rename:", set.name()),
                "# - `spec.syncPolicy.preserveResourcesOnDeletion: true`, synced until the live Applications no longer carry the resources finalizer".to_string(),
                "# - `spec.syncPolicy.applicationsSync: create-update`: the controller never deletes Applications".to_string(),
                format!("# - `{SYNC_OPTIONS_DELETE_FALSE}` on the namespaces and backend objects in git"),
                "# - manage the namespaces outside these Applications (`syncOptions: [CreateNamespace=true]`, whose namespaces Argo CD never deletes)".to_string(),
            ],
            ..super::fleet_finding(
                Severity::Warning,
                FindingCode::RenameExposure,
                clusters,
                message,
            )
        });
    }
    findings
}
