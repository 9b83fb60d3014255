//! `safety-features`: the inventory of Argo CD's deletion guards (issue 15). For the
//! ApplicationSets where a deletion would reach namespaces — their policy deletes
//! Applications, and their live Applications carry the resources finalizer and manage
//! namespaces — which of Argo CD's guards are in use. One `info` finding for the fleet,
//! never one per object.
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
//!
//! The same options on single objects count too: the annotation
//! `argocd.argoproj.io/sync-options` (a comma-separated list, entries trimmed:
//! gitops-engine `pkg/sync/resource/annotations.go` `GetAnnotationCSVs`) on the live
//! objects the Applications manage (tracked as the plan finds them, [`LiveApp::managed`]):
//! - `Delete=confirm` or `Prune=confirm`: the object's own first `Delete=` / `Prune=`
//!   entry (`GetAnnotationOptionValue`) wins over the Application's, and either set to
//!   `confirm` makes the deletion wait for approval (`controller/state.go`
//!   `isObjRequiresDeletionConfirmation`);
//! - `Delete=false`: deleting the Application leaves the object
//!   (`controller/appcontroller.go` `shouldBeDeleted`, `HasAnnotationOption` with
//!   `SyncOptionDisableDeletion`);
//! - `Prune=false`: a sync does not prune the object (gitops-engine
//!   `pkg/sync/sync_context.go` `pruneObject`, "ignored (no prune)"), but deleting the
//!   Application still deletes it: `shouldBeDeleted` does not read it.

use std::collections::BTreeSet;

use preflight_cluster_snapshot::Fleet;
use preflight_model::argocd::{
    annotation_sync_option, object_sync_option, sync_options, ARGOCD_GROUP,
    DELETION_APPROVED_ANNOTATION, SYNC_OPTIONS_ANNOTATION,
};
use preflight_model::{Object, ObjectKey};

use super::{count_of, deleting_policy, quoted, FleetFacts, LiveApp};
use crate::outcome::{Finding, FindingCode, Severity};

/// What one ApplicationSet where the guards matter uses.
struct Guards<'s> {
    name: &'s str,
    preserve: bool,
    confirm: bool,
    reverse_deletion: bool,
    /// The template retries failed syncs without limit (`syncPolicy.retry.limit` < 0).
    retry: bool,
    /// What the objects its Applications manage carry in their own sync options.
    objects: ObjectGuards,
}

/// The per-object sync options of one object, as Argo CD reads its annotation.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct ObjectOptions {
    /// `Delete=confirm` or `Prune=confirm`: its deletion waits for approval.
    confirm: bool,
    /// `Delete=false`: deleting the Application leaves it.
    pub(super) keep_on_delete: bool,
    /// `Prune=false`: a sync does not prune it.
    no_prune: bool,
}

impl ObjectOptions {
    /// Reads the value of `argocd.argoproj.io/sync-options`.
    pub(super) fn of(annotation: &str) -> ObjectOptions {
        // The object's own first `Delete=` / `Prune=` entry, as Argo CD 3.4 and later read
        // `Delete=false` and `Prune=false` too (`shouldBeDeleted` in
        // controller/appcontroller.go, `isPruningDisabled` in gitops-engine's
        // sync_context.go); before, any entry equal to them counted.
        let value = |option: &str| annotation_sync_option(annotation, option);
        ObjectOptions {
            confirm: value("Delete") == Some("confirm") || value("Prune") == Some("confirm"),
            keep_on_delete: value("Delete") == Some("false"),
            no_prune: value("Prune") == Some("false"),
        }
    }
}

/// The sync-options annotation of `app`'s object `key` on its destination ("" without).
fn own_options<'f>(fleet: &'f Fleet, app: &LiveApp, key: &ObjectKey) -> &'f str {
    app.cluster
        .as_deref()
        .and_then(|cluster| fleet.cluster(cluster))
        .and_then(|snapshot| snapshot.get(key))
        .and_then(|object| object.annotation(SYNC_OPTIONS_ANNOTATION))
        .unwrap_or("")
}

/// Whether deleting `app` leaves its object `key` in place: `Delete=false` as Argo CD
/// reads it for that object (`object_sync_option`), as the plan does.
pub(super) fn kept_on_delete(fleet: &Fleet, app: &LiveApp, key: &ObjectKey) -> bool {
    let application = app
        .object
        .string_list(&["spec", "syncPolicy", "syncOptions"]);
    object_sync_option(own_options(fleet, app, key), &application, "Delete") == Some("false")
}

/// Whether deleting `app` waits for approval: an object it manages asks for it with
/// `Delete=confirm` or `Prune=confirm` as Argo CD reads them (`object_sync_option`), and
/// the Application is not annotated `argocd.argoproj.io/deletion-approved`
/// (`isObjRequiresDeletionConfirmation` in controller/state.go; the plan holds such a
/// deletion the same way).
pub(super) fn awaits_approval(fleet: &Fleet, app: &LiveApp) -> bool {
    if app
        .object
        .annotation(DELETION_APPROVED_ANNOTATION)
        .is_some()
    {
        return false;
    }
    let application = app
        .object
        .string_list(&["spec", "syncPolicy", "syncOptions"]);
    app.managed.iter().any(|key| {
        let own = own_options(fleet, app, key);
        ["Delete", "Prune"]
            .iter()
            .any(|option| object_sync_option(own, &application, option) == Some("confirm"))
    })
}

/// The objects (per cluster) that carry each per-object guard, with the names of the
/// namespaces among them.
#[derive(Default)]
struct ObjectGuards {
    confirm: Counted,
    keep_on_delete: Counted,
    no_prune: Counted,
}

#[derive(Default)]
struct Counted {
    objects: usize,
    namespaces: BTreeSet<String>,
}

impl Counted {
    fn add(&mut self, object: &Object) {
        self.objects += 1;
        if object.group().is_empty() && object.kind() == "Namespace" {
            self.namespaces.insert(object.name().to_string());
        }
    }
}

/// The per-object guards on what `apps` manage, each object once per cluster.
fn object_guards(fleet: &Fleet, apps: &[&LiveApp]) -> ObjectGuards {
    let mut guards = ObjectGuards::default();
    let mut seen = BTreeSet::new();
    for app in apps {
        let Some(cluster) = app.cluster.as_deref() else {
            continue;
        };
        let Some(snapshot) = fleet.cluster(cluster) else {
            continue;
        };
        for key in &app.managed {
            if !seen.insert((cluster, key)) {
                continue;
            }
            let Some(object) = snapshot.get(key) else {
                continue;
            };
            let options =
                ObjectOptions::of(object.annotation(SYNC_OPTIONS_ANNOTATION).unwrap_or(""));
            if options.confirm {
                guards.confirm.add(object);
            }
            if options.keep_on_delete {
                guards.keep_on_delete.add(object);
            }
            if options.no_prune {
                guards.no_prune.add(object);
            }
        }
    }
    guards
}

fn guards_of<'s>(set: &'s Object, objects: ObjectGuards) -> Guards<'s> {
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
        objects,
    }
}

/// The inventory, or nothing when no ApplicationSet's deletions reach namespaces.
pub(super) fn find(facts: &FleetFacts) -> Vec<Finding> {
    inventory(facts.fleet, facts.argocd_namespace, facts.apps)
        .into_iter()
        .collect()
}

fn inventory(fleet: &Fleet, argocd_namespace: &str, apps: &[LiveApp]) -> Option<Finding> {
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
        where_it_matters.push(guards_of(set, object_guards(fleet, &reaching)));
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
    let on_objects = |counted: fn(&ObjectGuards) -> &Counted| -> String {
        let users: Vec<String> = where_it_matters
            .iter()
            .filter(|g| counted(&g.objects).objects > 0)
            .map(|g| format!("`{}` {}", g.name, counted(&g.objects).objects))
            .collect();
        if users.is_empty() {
            return "none".to_string();
        }
        let total: usize = where_it_matters
            .iter()
            .map(|g| counted(&g.objects).objects)
            .sum();
        let namespaces: BTreeSet<&str> = where_it_matters
            .iter()
            .flat_map(|g| counted(&g.objects).namespaces.iter().map(String::as_str))
            .collect();
        let namespaces = match namespaces.len() {
            0 => String::new(),
            1 => format!(", namespace {}", quoted(namespaces.into_iter())),
            _ => format!(", namespaces {}", quoted(namespaces.into_iter())),
        };
        format!(
            "{} ({}{namespaces})",
            count_of(total, "object", "objects"),
            users.join(", ")
        )
    };
    let per_object = format!(
        "on the objects their Applications manage (annotation `{SYNC_OPTIONS_ANNOTATION}`), `Delete=confirm` or `Prune=confirm` (deleting the object waits for approval) on {}, `Delete=false` (deleting the Application leaves the object) on {}, `Prune=false` (a sync does not prune the object, but deleting the Application still deletes it) on {}",
        on_objects(|o| &o.confirm),
        on_objects(|o| &o.keep_on_delete),
        on_objects(|o| &o.no_prune),
    );
    let clusters: Vec<String> = clusters.into_iter().collect();
    let message = format!(
        "Safety features of the {total} ApplicationSet{} whose Applications manage namespaces and delete what they manage with them: `preserveResourcesOnDeletion` on {}; `Delete=confirm` or `Prune=confirm` on {}; `strategy.deletionOrder: Reverse` on {}; {per_object}; {retry}",
        if total == 1 { "" } else { "s" },
        in_use(|g| g.preserve),
        in_use(|g| g.confirm),
        in_use(|g| g.reverse_deletion),
    );
    Some(Finding {
        remediation: vec![
            "# in the ApplicationSet: `spec.syncPolicy.preserveResourcesOnDeletion: true` keeps the resources of the Applications it deletes".to_string(),
            "# in its template: `syncPolicy.syncOptions: [Delete=confirm]` makes every deletion wait for `argocd.argoproj.io/deletion-approved`".to_string(),
            "# in its template: `syncPolicy.retry: {limit: -1, backoff: {duration: 30s, factor: 2, maxDuration: 5m}}` retries a sync that fails while a namespace is still Terminating until it succeeds".to_string(),
        ],
        ..super::fleet_finding(
            Severity::Info,
            FindingCode::SafetyFeatures,
            clusters,
            message,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Argo CD reads the annotation as a comma-separated list with entries trimmed
    /// (gitops-engine `GetAnnotationCSVs`); `isObjRequiresDeletionConfirmation` takes the
    /// first `Delete=` / `Prune=` entry (`GetAnnotationOptionValue`), and so do
    /// `shouldBeDeleted` (controller/appcontroller.go) and `isPruningDisabled`
    /// (gitops-engine sync_context.go) for `Delete=false` / `Prune=false` in v3.5.1.
    #[test]
    fn per_object_sync_options_as_argo_cd_reads_the_annotation() {
        let options = |text: &str| ObjectOptions::of(text);
        let none = ObjectOptions::default();
        assert_eq!(
            options("Delete=confirm"),
            ObjectOptions {
                confirm: true,
                ..ObjectOptions::default()
            }
        );
        assert!(options(" ServerSideApply=true , Prune=confirm ").confirm);
        assert_eq!(
            options("Prune=false,Delete=false"),
            ObjectOptions {
                confirm: false,
                keep_on_delete: true,
                no_prune: true,
            }
        );
        // Negatives: other values, other options, the first entry wins.
        assert_eq!(options(""), none);
        assert_eq!(options("Delete=true"), none);
        assert_eq!(options("Delete=confirmed,Prune=true"), none);
        assert_eq!(options("NoDelete=confirm,PruneLast=true"), none);
        assert!(!options("Delete=true,Delete=confirm").confirm);
        assert!(!options("Delete=true,Delete=false").keep_on_delete);
        assert!(options("Delete=false,Delete=true").keep_on_delete);
        assert!(!options("Prune=true,Prune=false").no_prune);
    }
}
