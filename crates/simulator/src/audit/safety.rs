//! The safety-features inventory of `audit` (issue 15): for the ApplicationSets where a
//! deletion would reach namespaces — their policy deletes Applications, and their live
//! Applications carry the resources finalizer and manage namespaces — which of Argo CD's
//! guards are in use. One `info` finding for the fleet, never one per object.
//!
//! What each guard does, in Argo CD's terms (appset rulebook §9.8–§10;
//! `controller/state.go` `isObjRequiresDeletionConfirmation`,
//! `applicationset/controllers/applicationset_controller.go`,
//! `controller/appcontroller.go` `autoSync`):
//! - `spec.syncPolicy.preserveResourcesOnDeletion: true`: the Applications the
//!   ApplicationSet deletes no longer carry the resources finalizer, so their resources stay;
//! - `Delete=confirm` / `Prune=confirm` in the template's `syncPolicy.syncOptions`: deleting
//!   an Application waits until it carries `argocd.argoproj.io/deletion-approved`;
//! - `spec.strategy.deletionOrder: Reverse` (RollingSync): deleting the ApplicationSet
//!   deletes its Applications step by step in reverse;
//! - `spec.syncPolicy.retry.limit: -1` in the template: an automated sync that fails —
//!   into a namespace still Terminating, say (R-OBJ-9) — is retried until it succeeds.
//!   Without it `autoSync` gives the sync Argo CD's default `Retry{Limit: 5}` (or the
//!   limit set), and once that operation has failed `alreadyAttemptedSync` keeps the
//!   revision from being synced again, so the Application stays failed.

use std::collections::BTreeSet;

use preflight_cluster_snapshot::Fleet;
use preflight_model::argocd::{sync_options, ARGOCD_GROUP};
use preflight_model::Object;

use super::{deleting_policy, quoted, LiveApp};
use crate::outcome::{Finding, FindingCode, Severity};

/// What one ApplicationSet where the guards matter uses.
struct Guards<'s> {
    name: &'s str,
    preserve: bool,
    confirm: bool,
    reverse_deletion: bool,
    /// The template retries failed syncs without limit (`syncPolicy.retry.limit` < 0).
    retry: bool,
}

fn guards_of(set: &Object) -> Guards<'_> {
    let template_sync = |field: &str| {
        set.value_at(&["spec", "template", "spec", "syncPolicy", field])
            .cloned()
    };
    let confirm = template_sync("syncOptions")
        .and_then(|options| options.as_array().cloned())
        .into_iter()
        .flatten()
        .filter_map(|option| option.as_str().map(str::to_string))
        .any(|option| {
            sync_options(&option).any(|entry| entry == "Delete=confirm" || entry == "Prune=confirm")
        });
    Guards {
        name: set.name(),
        preserve: set.value_at(&["spec", "syncPolicy", "preserveResourcesOnDeletion"])
            == Some(&serde_json::Value::Bool(true)),
        confirm,
        reverse_deletion: set.str_at(&["spec", "strategy", "deletionOrder"]) == Some("Reverse"),
        // Read as the plan reads an Application's retry policy (issue 13).
        retry: !crate::causes::SyncRetry::of(template_sync("retry").as_ref()).gives_up(),
    }
}

/// The inventory, or nothing when no ApplicationSet's deletions reach namespaces.
pub(super) fn safety_features(
    fleet: &Fleet,
    argocd_namespace: &str,
    apps: &[LiveApp],
) -> Option<Finding> {
    let argocd = fleet.argocd()?;
    let mut where_it_matters: Vec<Guards> = Vec::new();
    let mut clusters: BTreeSet<String> = BTreeSet::new();
    for set in argocd.of_kind(ARGOCD_GROUP, "ApplicationSet") {
        if deleting_policy(fleet, set).is_none() {
            continue;
        }
        let set_namespace = set.namespace().unwrap_or(argocd_namespace);
        let reaching: Vec<&LiveApp> = apps
            .iter()
            .filter(|app| {
                app.namespace == set_namespace
                    && app.application_set.as_deref() == Some(set.name())
                    && app.cascades
                    && app
                        .managed
                        .iter()
                        .any(|key| key.group.is_empty() && key.kind == "Namespace")
            })
            .collect();
        if reaching.is_empty() {
            continue;
        }
        clusters.extend(reaching.iter().filter_map(|app| app.cluster.clone()));
        where_it_matters.push(guards_of(set));
    }
    if where_it_matters.is_empty() {
        return None;
    }
    where_it_matters.sort_by(|a, b| a.name.cmp(b.name));
    let total = where_it_matters.len();
    let in_use = |uses: fn(&Guards) -> bool| -> String {
        let users: Vec<&str> = where_it_matters
            .iter()
            .filter(|g| uses(g))
            .map(|g| g.name)
            .collect();
        if users.is_empty() {
            "none".to_string()
        } else {
            format!("{} ({})", users.len(), quoted(users.iter().copied()))
        }
    };
    let without_retry: Vec<&str> = where_it_matters
        .iter()
        .filter(|g| !g.retry)
        .map(|g| g.name)
        .collect();
    let retry = if without_retry.is_empty() {
        "every one retries failed syncs until they succeed (`syncPolicy.retry.limit: -1`)"
            .to_string()
    } else {
        format!(
            "no unlimited `syncPolicy.retry` (`limit: -1`) on {} ({}): their automated syncs give up after a few retries (Argo CD's default is 5) and do not sync that revision again, so a sync into a namespace still Terminating stays failed",
            without_retry.len(),
            quoted(without_retry.iter().copied())
        )
    };
    let clusters: Vec<String> = clusters.into_iter().collect();
    Some(Finding {
        severity: Severity::Info,
        code: FindingCode::SafetyFeatures,
        cluster: match clusters.as_slice() {
            [one] => Some(one.clone()),
            _ => None,
        },
        clusters,
        consequences: Vec::new(),
        message: format!(
            "Safety features of the {total} ApplicationSet{} whose Applications delete namespaces with them: `preserveResourcesOnDeletion` on {}; `Delete=confirm` or `Prune=confirm` on {}; `strategy.deletionOrder: Reverse` on {}; {retry}",
            if total == 1 { "" } else { "s" },
            in_use(|g| g.preserve),
            in_use(|g| g.confirm),
            in_use(|g| g.reverse_deletion),
        ),
        remediation: vec![
            "# in the ApplicationSet: `spec.syncPolicy.preserveResourcesOnDeletion: true` keeps the resources of the Applications it deletes".to_string(),
            "# in its template: `syncPolicy.syncOptions: [Delete=confirm]` makes every deletion wait for `argocd.argoproj.io/deletion-approved`".to_string(),
            "# in its template: `syncPolicy.retry: {limit: -1, backoff: {duration: 30s, factor: 2, maxDuration: 5m}}` retries a sync that fails while a namespace is still Terminating until it succeeds".to_string(),
        ],
        chain: Vec::new(),
        cycle: false,
        root_cause: None,
    })
}
