//! Rule-by-rule tests of the Application plan (`argocd-appset-semantics.md` §7–§11 and
//! R-ARGO-1..5 of `k8s-deletion-semantics.md`), written as data: each case is a
//! multi-file fixture and the plan it must produce. Test names carry the rule id (or
//! rulebook section) they pin.
//!
//! A fixture is YAML split into files by `//- <path>` headers, rust-analyzer style. The
//! first path segment says where the file goes: `base/…` and `head/…` are the two
//! revisions of the ApplicationSets, anything else is the snapshot folder of the cluster
//! it names. Argo CD runs in `in-cluster`, whose folder always starts with `argocd-cm`
//! and the cluster secret of `lab-a` (server `https://lab-a.example`): the file
//! `in-cluster/prelude.yaml`, which a fixture may replace.
//!
//! The expectation prints, in order: each Application change (`<action> <namespace>/<name>
//! set=<ApplicationSet> policy=<policy> -> <cluster>` with `cascade`, `replaces=` and
//! `replaced-by=` when they apply, then its notes), each object and namespace the
//! cascade touches per cluster, the APIServices it affects, the evaluation errors, the
//! drift entries, what happens to ApplicationSet objects and the set of finding codes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use preflight_cluster_snapshot::{Fleet, SourcedObject};
use preflight_model::{FieldError, Object};
use preflight_simulator::{plan, ApplicationSetFate, PlanConfig};

const ARGOCD_CLUSTER: &str = "in-cluster";

/// What every fixture's Argo CD cluster holds.
const PRELUDE: &str = r#"
apiVersion: v1
kind: ConfigMap
metadata: {name: argocd-cm, namespace: argocd}
---
apiVersion: v1
kind: Secret
metadata:
  name: cluster-lab-a
  namespace: argocd
  labels: {argocd.argoproj.io/secret-type: cluster}
data: {name: bGFiLWE=, server: aHR0cHM6Ly9sYWItYS5leGFtcGxl}
"#;

#[track_caller]
fn check(fixture: &str, expected: &str) {
    let outcome = outcome_of(fixture);
    check_outcome(&outcome, expected);
}

/// The field errors of ApplicationSet `argocd/<name>`'s refused manifest.
#[track_caller]
fn refused_errors<'a>(outcome: &'a preflight_simulator::Outcome, name: &str) -> &'a [FieldError] {
    let set = outcome
        .application_sets
        .iter()
        .find(|set| set.namespace == "argocd" && set.name == name)
        .unwrap_or_else(|| panic!("ApplicationSet {name} has a fate"));
    match &set.fate {
        ApplicationSetFate::Refused { errors, .. } => errors,
        fate => panic!("ApplicationSet {name} is not refused: {fate:?}"),
    }
}

/// The plan of a fixture.
fn outcome_of(fixture: &str) -> preflight_simulator::Outcome {
    let mut files: Vec<(String, String)> = vec![(
        format!("{ARGOCD_CLUSTER}/prelude.yaml"),
        PRELUDE.to_string(),
    )];
    for line in trim_indent(fixture).lines() {
        match line.strip_prefix("//- ") {
            Some(path) => files.push((path.trim().to_string(), String::new())),
            None => {
                let (_, text) = files
                    .last_mut()
                    .expect("fixture starts with a `//- <path>` header");
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    // A fixture may replace the prelude by giving a file of the same path.
    if files[1..].iter().any(|(path, _)| *path == files[0].0) {
        files.remove(0);
    }
    let mut clusters: BTreeMap<String, Vec<SourcedObject>> = BTreeMap::new();
    let mut base = Vec::new();
    let mut head = Vec::new();
    for (path, text) in &files {
        let documents: Vec<serde_json::Value> =
            serde_saphyr::from_multiple(text).unwrap_or_else(|e| panic!("{path} is YAML: {e}"));
        let objects = documents
            .into_iter()
            .filter(|d| !d.is_null())
            .enumerate()
            .map(|(i, document)| SourcedObject {
                object: Object::from_value(document),
                file: PathBuf::from(path).into(),
                document: i + 1,
                item: None,
            });
        match path
            .split_once('/')
            .map_or(path.as_str(), |(first, _)| first)
        {
            "base" => base.extend(objects),
            "head" => head.extend(objects),
            cluster => clusters
                .entry(cluster.to_string())
                .or_default()
                .extend(objects),
        }
    }
    let fleet = Fleet::from_sourced(clusters, ARGOCD_CLUSTER).expect("the snapshot loads");
    plan(&fleet, &base, &head, &PlanConfig::default())
}

#[track_caller]
fn check_outcome(outcome: &preflight_simulator::Outcome, expected: &str) {
    let mut actual = Vec::new();
    for app in &outcome.applications {
        let mut line = format!("{} {}/{}", app.action.as_str(), app.namespace, app.name);
        if let Some(set) = &app.application_set {
            line.push_str(&format!(" set={set}"));
        }
        if let Some(policy) = app.policy {
            line.push_str(&format!(" policy={}", policy.as_str()));
        }
        line.push_str(&format!(
            " -> {}",
            app.destination.cluster.as_deref().unwrap_or("?")
        ));
        if app.cascade {
            line.push_str(" cascade");
        }
        if let Some(replaces) = &app.replaces {
            line.push_str(&format!(" replaces={replaces}"));
        }
        if let Some(replaced_by) = &app.replaced_by {
            line.push_str(&format!(" replaced-by={replaced_by}"));
        }
        actual.push(line);
        actual.extend(app.notes.iter().map(|n| format!("  {n}")));
        if let Some(progressive) = app.progressive {
            actual.push(format!("  progressive: {progressive:?}"));
        }
    }
    for cluster in &outcome.clusters {
        for object in &cluster.objects {
            let name = match &object.namespace {
                Some(ns) => format!("{ns}/{}", object.name),
                None => object.name.clone(),
            };
            actual.push(format!(
                "{}: {} {} {name}: {}",
                cluster.name,
                object.outcome.as_str(),
                object.kind,
                object.reason
            ));
        }
        for namespace in &cluster.namespaces {
            actual.push(format!(
                "{}: namespace {} {}",
                cluster.name,
                namespace.name,
                namespace.outcome.as_str()
            ));
        }
        for api_service in &cluster.api_services {
            actual.push(format!(
                "{}: apiservice {} available={} {}: {}",
                cluster.name,
                api_service.name,
                if api_service.available {
                    "True"
                } else {
                    "False"
                },
                api_service.condition.reason(),
                api_service.condition
            ));
        }
    }
    for error in &outcome.errors {
        actual.push(format!(
            "error {} ({}): {}",
            error.file.as_deref().unwrap_or("-"),
            error.application_set.as_deref().unwrap_or("-"),
            error.message
        ));
    }
    for drift in &outcome.drift {
        actual.push(format!(
            "drift {}/{}: {}",
            drift.namespace, drift.application_set, drift.cause
        ));
    }
    for set in &outcome.application_sets {
        // A refusal's field errors are data: the tests assert on them with
        // `refused_errors`, not on this line.
        let fate = match &set.fate {
            ApplicationSetFate::Refused { errors, live } => {
                format!("Refused {{ {} field errors, live: {live} }}", errors.len())
            }
            fate => format!("{fate:?}"),
        };
        actual.push(format!("appset {}/{}: {fate}", set.namespace, set.name));
    }
    // A finding tells its consequences too: every code the outcome tells about counts.
    let codes: BTreeSet<&str> = outcome
        .findings
        .iter()
        .flat_map(|f| std::iter::once(&f.code).chain(&f.consequences))
        .map(|code| code.as_str())
        .collect();
    if !codes.is_empty() {
        actual.push(format!(
            "findings: {}",
            codes.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    let actual = actual.join("\n");
    let expected = trim_indent(expected);
    assert!(
        actual.trim() == expected.trim(),
        "\n--- expected\n{}\n--- actual\n{}\n",
        expected.trim(),
        actual.trim()
    );
}

fn trim_indent(text: &str) -> String {
    let indent = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    text.lines()
        .map(|l| {
            if l.len() >= indent {
                &l[indent..]
            } else {
                l.trim_start()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The ApplicationSet `web` generating one Application per list element `{app, path}` on
/// `lab-a`, namespace `<app>`, with `extra` appended to its `spec` (indented two spaces).
fn web(elements: &[(&str, &str)], extra: &str) -> String {
    let elements: Vec<String> = elements
        .iter()
        .map(|(app, path)| format!("{{app: {app}, path: {path}}}"))
        .collect();
    format!(
        "apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {{name: web, namespace: argocd}}
spec:
  generators: [{{list: {{elements: [{}]}}}}]
  template:
    metadata: {{name: '{{{{app}}}}'}}
    spec:
      project: default
      source: {{repoURL: 'https://git.example/web.git', path: '{{{{path}}}}'}}
      destination: {{server: 'https://lab-a.example', namespace: '{{{{app}}}}'}}
{extra}",
        elements.join(", ")
    )
}

/// A live Application `name` as `web` writes it, with `finalizers` and owned by
/// ApplicationSet `owner` (none when empty).
fn live_app(name: &str, path: &str, finalizers: &str, owner: &str) -> String {
    let owner = if owner.is_empty() {
        String::new()
    } else {
        format!(
            "\n  ownerReferences: [{{apiVersion: argoproj.io/v1alpha1, kind: ApplicationSet, name: {owner}, controller: true, blockOwnerDeletion: true}}]"
        )
    };
    format!(
        "apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {name}
  namespace: argocd
  finalizers: [{finalizers}]{owner}
spec:
  project: default
  source: {{repoURL: 'https://git.example/web.git', path: {path}}}
  destination: {{server: 'https://lab-a.example', namespace: {name}}}
---
"
    )
}

/// Joins fixture parts, each with its own indentation removed.
fn fixture(parts: &[&str]) -> String {
    parts
        .iter()
        .map(|p| trim_indent(p))
        .collect::<Vec<_>>()
        .join("\n")
}

const RESOURCES: &str = "resources-finalizer.argocd.argoproj.io";

/// Namespace `<app>` on `lab-a`, tracked by Application `<app>`, with a ConfigMap.
fn tracked_namespace(app: &str) -> String {
    format!(
        "apiVersion: v1
kind: Namespace
metadata: {{name: {app}, annotations: {{argocd.argoproj.io/tracking-id: '{app}:/Namespace:/{app}'}}}}
---
apiVersion: v1
kind: ConfigMap
metadata: {{name: settings, namespace: {app}}}
---
"
    )
}

#[test]
fn s1_create_update_delete_and_unchanged_by_name() {
    check(
        &fixture(&[
            "//- base/web.yaml",
            &web(&[("a", "a"), ("b", "b"), ("c", "c")], ""),
            "//- head/web.yaml",
            &web(&[("a", "a"), ("b", "b2"), ("d", "d")], ""),
            "//- lab-a/objects.yaml",
            &tracked_namespace("c"),
        ]),
        r#"
            unchanged argocd/a set=web policy=sync -> lab-a
            update argocd/b set=web policy=sync -> lab-a
            delete argocd/c set=web policy=sync -> lab-a cascade
            create argocd/d set=web policy=sync -> lab-a
            in-cluster: deleted Application argocd/c: deleted by the ApplicationSet controller (ApplicationSet `web`)
            lab-a: deleted Namespace c: deleted by Application `c` (cascade)
            lab-a: deleted ConfigMap c/settings: content of namespace `c`, deleted by the namespace controller
            lab-a: namespace c deleted
            findings: application-deleted
        "#,
    );
}

#[test]
fn s11_1_rename_is_delete_plus_create_paired_by_destination_and_source() {
    check(
        &fixture(&[
            "//- base/web.yaml",
            &web(&[("a", "shared")], ""),
            "//- head/web.yaml",
            &web(&[("a2", "shared")], "").replace("namespace: '{{app}}'", "namespace: a"),
            "//- lab-a/objects.yaml",
            &tracked_namespace("a"),
        ]),
        r#"
            delete argocd/a set=web policy=sync -> lab-a cascade replaced-by=a2
            create argocd/a2 set=web policy=sync -> lab-a replaces=a
            in-cluster: deleted Application argocd/a: deleted by the ApplicationSet controller (ApplicationSet `web`)
            lab-a: deleted Namespace a: deleted by Application `a` (cascade)
            lab-a: deleted ConfigMap a/settings: content of namespace `a`, deleted by the namespace controller
            lab-a: namespace a deleted
            findings: application-replaced
        "#,
    );
}

#[test]
fn r_argo_1_cascade_only_when_the_live_application_has_the_resources_finalizer() {
    check(
        &fixture(&[
            "//- base/web.yaml",
            &web(&[("a", "a"), ("b", "b")], ""),
            "//- head/web.yaml",
            &web(&[], ""),
            "//- in-cluster/apps.yaml",
            &live_app("a", "a", "", "web"),
            &live_app("b", "b", RESOURCES, "web"),
            "//- lab-a/objects.yaml",
            &tracked_namespace("a"),
            &tracked_namespace("b"),
        ]),
        r#"
            delete argocd/a set=web policy=sync -> lab-a
            delete argocd/b set=web policy=sync -> lab-a cascade
            in-cluster: deleted Application argocd/a: deleted by the ApplicationSet controller (ApplicationSet `web`)
            in-cluster: deleted Application argocd/b: deleted by the ApplicationSet controller (ApplicationSet `web`)
            lab-a: deleted Namespace b: deleted by Application `b` (cascade)
            lab-a: deleted ConfigMap b/settings: content of namespace `b`, deleted by the namespace controller
            lab-a: namespace b deleted
            findings: application-deleted
        "#,
    );
}

/// A Deployment in namespace `web` tracked by Application `<app>`, whose ReplicaSet waits
/// on a pod held by a finalizer nobody removes: Foreground deletion waits for it (R-GC-5),
/// Background does not.
fn deployment_with_stuck_pod(app: &str) -> String {
    format!(
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: {app}
  namespace: web
  uid: deploy-{app}
  annotations: {{argocd.argoproj.io/tracking-id: '{app}:apps/Deployment:web/{app}'}}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: {app}-1
  namespace: web
  uid: rs-{app}
  ownerReferences: [{{apiVersion: apps/v1, kind: Deployment, name: {app}, uid: deploy-{app}, controller: true, blockOwnerDeletion: true}}]
---
apiVersion: v1
kind: Pod
metadata:
  name: {app}-1-a
  namespace: web
  uid: pod-{app}
  finalizers: [example.com/drain]
  ownerReferences: [{{apiVersion: apps/v1, kind: ReplicaSet, name: {app}-1, uid: rs-{app}, controller: true, blockOwnerDeletion: true}}]
spec: {{nodeName: node-1}}
---
"
    )
}

#[test]
fn r_argo_4_background_finalizer_cascades_with_background_propagation() {
    check(
        &fixture(&[
            "//- base/web.yaml",
            &web(&[("fg", "fg"), ("bg", "bg")], ""),
            "//- head/web.yaml",
            &web(&[], ""),
            "//- in-cluster/apps.yaml",
            &live_app("fg", "fg", RESOURCES, "web"),
            &live_app(
                "bg",
                "bg",
                "resources-finalizer.argocd.argoproj.io/background",
                "web",
            ),
            "//- lab-a/objects.yaml",
            &deployment_with_stuck_pod("fg"),
            &deployment_with_stuck_pod("bg"),
        ]),
        r#"
            delete argocd/bg set=web policy=sync -> lab-a cascade
            delete argocd/fg set=web policy=sync -> lab-a cascade
            in-cluster: deleted Application argocd/bg: deleted by the ApplicationSet controller (ApplicationSet `web`)
            in-cluster: stuck Application argocd/fg: the Application stays in deletion: it waits for Deployment `web/fg` to finish deleting before it deletes anything else (Argo CD deletes wave by wave)
            lab-a: deleted Deployment web/bg: deleted by Application `bg` (cascade)
            lab-a: stuck Deployment web/fg: `foregroundDeletion` waits for blocking dependents: ReplicaSet `web/fg-1`
            lab-a: stuck Pod web/bg-1-a: finalizer `example.com/drain` is never removed: no controller known to remove it (declare it with `--controllers`)
            lab-a: stuck Pod web/fg-1-a: finalizer `example.com/drain` is never removed: no controller known to remove it (declare it with `--controllers`)
            lab-a: deleted ReplicaSet web/bg-1: garbage collected: owner Deployment `web/bg` deleted
            lab-a: stuck ReplicaSet web/fg-1: `foregroundDeletion` waits for blocking dependents: Pod `web/fg-1-a`
            findings: application-deleted, stuck-object
        "#,
    );
}

/// ApplicationSet `web` live as `live` (at base too, with its Applications `a` and `b`),
/// changed to `head`.
fn live_web_to(live: &str, head: &str) -> String {
    fixture(&[
        "//- base/web.yaml",
        live,
        "//- head/web.yaml",
        head,
        "//- in-cluster/sets.yaml",
        live,
        "//- in-cluster/apps.yaml",
        &live_app("a", "a", RESOURCES, "web"),
        &live_app("b", "b", RESOURCES, "web"),
    ])
}

/// The ApplicationSet `web` with policy `policy`: base generates `a` and `b`, head
/// generates `a` from another path and `c`; everything is live.
fn policy_case(policy: &str) -> String {
    let sync_policy = format!("  syncPolicy: {{applicationsSync: {policy}}}\n");
    fixture(&[
        "//- base/web.yaml",
        &web(&[("a", "a"), ("b", "b")], &sync_policy),
        "//- head/web.yaml",
        &web(&[("a", "a2"), ("c", "c")], &sync_policy),
        "//- in-cluster/apps.yaml",
        &live_app("a", "a", RESOURCES, "web"),
        &live_app("b", "b", RESOURCES, "web"),
        "//- lab-a/objects.yaml",
        &tracked_namespace("b"),
    ])
}

#[test]
fn s9_2_policy_sync_creates_updates_and_deletes() {
    check(
        &policy_case("sync"),
        r#"
            update argocd/a set=web policy=sync -> lab-a
            delete argocd/b set=web policy=sync -> lab-a cascade
            create argocd/c set=web policy=sync -> lab-a
            in-cluster: deleted Application argocd/b: deleted by the ApplicationSet controller (ApplicationSet `web`)
            lab-a: deleted Namespace b: deleted by Application `b` (cascade)
            lab-a: deleted ConfigMap b/settings: content of namespace `b`, deleted by the namespace controller
            lab-a: namespace b deleted
            findings: application-deleted
        "#,
    );
}

#[test]
fn s9_2_policy_create_only_creates_only() {
    check(
        &policy_case("create-only"),
        r#"
            unchanged argocd/a set=web policy=create-only -> lab-a
              not updated: policy `create-only` forbids updates
            unchanged argocd/b set=web policy=create-only -> lab-a
              no longer generated but kept: policy `create-only` forbids deletion
            create argocd/c set=web policy=create-only -> lab-a
            findings: deletion-suppressed
        "#,
    );
}

#[test]
fn s9_2_policy_create_update_never_deletes() {
    check(
        &policy_case("create-update"),
        r#"
            update argocd/a set=web policy=create-update -> lab-a
            unchanged argocd/b set=web policy=create-update -> lab-a
              no longer generated but kept: policy `create-update` forbids deletion
            create argocd/c set=web policy=create-update -> lab-a
            findings: deletion-suppressed
        "#,
    );
}

#[test]
fn s9_2_policy_create_delete_never_updates() {
    check(
        &policy_case("create-delete"),
        r#"
            unchanged argocd/a set=web policy=create-delete -> lab-a
              not updated: policy `create-delete` forbids updates
            delete argocd/b set=web policy=create-delete -> lab-a cascade
            create argocd/c set=web policy=create-delete -> lab-a
            in-cluster: deleted Application argocd/b: deleted by the ApplicationSet controller (ApplicationSet `web`)
            lab-a: deleted Namespace b: deleted by Application `b` (cascade)
            lab-a: deleted ConfigMap b/settings: content of namespace `b`, deleted by the namespace controller
            lab-a: namespace b deleted
            findings: application-deleted
        "#,
    );
}

/// The controller's own policy (`argocd-cmd-params-cm` `applicationsetcontroller.policy`)
/// wins over the ApplicationSet's unless overrides are enabled; setting it turns the
/// override default off (`applicationset/utils/policy.go`, `DefaultPolicy`;
/// `cmd/argocd-applicationset-controller/commands/applicationset_controller.go`).
#[test]
fn s9_2_controller_policy_from_argocd_cmd_params_cm() {
    let cmd_params = |data: &str| {
        format!(
            "//- in-cluster/cmd-params.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: argocd-cmd-params-cm, namespace: argocd}}\ndata: {data}\n"
        )
    };
    check(
        &format!(
            "{}\n{}",
            policy_case("sync"),
            cmd_params("{applicationsetcontroller.policy: create-only}")
        ),
        r#"
            unchanged argocd/a set=web policy=create-only -> lab-a
              not updated: policy `create-only` forbids updates
            unchanged argocd/b set=web policy=create-only -> lab-a
              no longer generated but kept: policy `create-only` forbids deletion
            create argocd/c set=web policy=create-only -> lab-a
            findings: deletion-suppressed
        "#,
    );
    check(
        &format!(
            "{}\n{}",
            policy_case("create-update"),
            cmd_params("{applicationsetcontroller.policy: create-only, applicationsetcontroller.enable.policy.override: 'true'}")
        ),
        r#"
            update argocd/a set=web policy=create-update -> lab-a
            unchanged argocd/b set=web policy=create-update -> lab-a
              no longer generated but kept: policy `create-update` forbids deletion
            create argocd/c set=web policy=create-update -> lab-a
            findings: deletion-suppressed
        "#,
    );
    check(
        &format!(
            "{}\n{}",
            policy_case("sync"),
            cmd_params("{applicationsetcontroller.policy: upsert}")
        ),
        // The controller exits on an unknown policy: it does nothing at all.
        r#"
            error in-cluster/cmd-params.yaml: document 1 (-): ConfigMap `argocd-cmd-params-cm`: field `data.applicationsetcontroller.policy`: unknown policy `upsert`, the ApplicationSet controller does not start; expected `sync`, `create-only`, `create-update` or `create-delete`
        "#,
    );
}

#[test]
fn s9_4_create_only_still_adopts_an_unowned_existing_application() {
    check(
        &fixture(&[
            "//- head/web.yaml",
            &web(
                &[("a", "a2")],
                "  syncPolicy: {applicationsSync: create-only}\n",
            ),
            "//- base/web.yaml",
            &web(&[], "  syncPolicy: {applicationsSync: create-only}\n"),
            "//- in-cluster/apps.yaml",
            &live_app("a", "a", RESOURCES, ""),
        ]),
        r#"
            update argocd/a set=web policy=create-only -> lab-a
              adopted: the live Application has no controller and is taken over
        "#,
    );
}

#[test]
fn s7_generation_error_freezes_the_application_set() {
    check(
        &fixture(&[
            "//- base/web.yaml",
            &web(&[("a", "a"), ("b", "b")], ""),
            "//- head/web.yaml",
            &web(&[("a", "a")], "").replace("name: '{{app}}'", "name: '{{app}}-{{oops'"),
            "//- in-cluster/apps.yaml",
            &live_app("a", "a", RESOURCES, "web"),
            &live_app("b", "b", RESOURCES, "web"),
        ]),
        r#"
            unchanged argocd/a set=web -> lab-a
              frozen: the ApplicationSet fails to generate, so the controller creates, updates and deletes nothing (spec.template.metadata.name: invalid template: cannot find end tag `}}` in `{{app}}-{{oops` starting from `oops`)
            unchanged argocd/b set=web -> lab-a
              frozen: the ApplicationSet fails to generate, so the controller creates, updates and deletes nothing (spec.template.metadata.name: invalid template: cannot find end tag `}}` in `{{app}}-{{oops` starting from `oops`)
            error head/web.yaml (web): spec.template.metadata.name: invalid template: cannot find end tag `}}` in `{{app}}-{{oops` starting from `oops`
            findings: applicationset-frozen
        "#,
    );
}

#[test]
fn s9_6_duplicate_generated_names_write_neither_and_keep_the_existing_one() {
    check(
        &fixture(&[
            "//- base/web.yaml",
            &web(&[("a", "a"), ("b", "b")], ""),
            "//- head/web.yaml",
            &web(&[("a", "a"), ("a", "other")], ""),
            "//- in-cluster/apps.yaml",
            &live_app("a", "a", RESOURCES, "web"),
            &live_app("b", "b", RESOURCES, "web"),
        ]),
        r#"
            unchanged argocd/a set=web policy=sync -> lab-a
              not written: ApplicationSet web contains applications with duplicate name: a
            delete argocd/b set=web policy=sync -> lab-a cascade
            in-cluster: deleted Application argocd/b: deleted by the ApplicationSet controller (ApplicationSet `web`)
            findings: application-deleted, application-not-written, cluster-not-in-snapshot
        "#,
    );
}

#[test]
fn s8_3_unknown_app_project_is_not_written_when_the_snapshot_has_app_projects() {
    check(
        &fixture(&[
            "//- base/web.yaml",
            &web(&[], ""),
            "//- head/web.yaml",
            &web(&[("a", "a")], "").replace("project: default", "project: missing"),
            "//- in-cluster/projects.yaml",
            "apiVersion: argoproj.io/v1alpha1\nkind: AppProject\nmetadata: {name: default, namespace: argocd}",
        ]),
        r#"
            unchanged argocd/a set=web policy=sync -> lab-a
              not written: application references project missing which does not exist
            findings: application-not-written
        "#,
    );
}

/// `validateGeneratedApplications` (applicationset_controller.go) looks the project up
/// as rendered; `NormalizeApplicationSpec` turns an empty one into `default` only later,
/// when writing. An empty project is therefore refused, whether or not the snapshot lists
/// AppProjects.
#[test]
fn s8_3_empty_project_is_refused_not_read_as_default() {
    check(
        &fixture(&[
            "//- base/web.yaml",
            &web(&[("a", "a")], ""),
            "//- head/web.yaml",
            &web(&[("a", "a"), ("b", "b")], "").replace("project: default", "project: ''"),
            "//- in-cluster/apps.yaml",
            &live_app("a", "a", RESOURCES, "web"),
        ]),
        r#"
            unchanged argocd/a set=web policy=sync -> lab-a
              not written: application references project  which does not exist
            unchanged argocd/b set=web policy=sync -> lab-a
              not written: application references project  which does not exist
            findings: application-not-written
        "#,
    );
}

#[test]
fn s8_3_app_projects_are_not_checked_when_the_snapshot_has_none() {
    check(
        &fixture(&[
            "//- base/web.yaml",
            &web(&[], ""),
            "//- head/web.yaml",
            &web(&[("a", "a")], "").replace("project: default", "project: missing"),
        ]),
        r#"
            create argocd/a set=web policy=sync -> lab-a
        "#,
    );
}

#[test]
fn s8_4_unresolvable_destination_is_not_written() {
    check(
        &fixture(&[
            "//- base/web.yaml",
            &web(&[], ""),
            "//- head/web.yaml",
            &web(&[("a", "a")], "").replace("https://lab-a.example", "https://gone.example"),
        ]),
        r#"
            unchanged argocd/a set=web policy=sync -> ?
              not written: application destination spec is invalid: error getting cluster by server "https://gone.example": cluster "https://gone.example" not found
            findings: application-not-written
        "#,
    );
}

#[test]
fn s9_5_deleted_application_whose_destination_does_not_resolve_loses_the_resources_finalizer_first()
{
    check(
        &fixture(&[
            "//- base/web.yaml",
            &web(&[("a", "a"), ("b", "b")], ""),
            "//- head/web.yaml",
            &web(&[], ""),
            "//- in-cluster/apps.yaml",
            &live_app("a", "a", RESOURCES, "web")
                .replace("https://lab-a.example", "https://gone.example"),
            &live_app(
                "b",
                "b",
                "resources-finalizer.argocd.argoproj.io/background",
                "web",
            )
            .replace("https://lab-a.example", "https://gone.example"),
        ]),
        r#"
            delete argocd/a set=web policy=sync -> ?
              its destination does not resolve to a known cluster, so the controller removes `resources-finalizer.argocd.argoproj.io` first and the resources are left in place
            delete argocd/b set=web policy=sync -> ?
              its destination does not resolve to a known cluster, so the application controller removes its resources finalizer without deleting any resource
            in-cluster: deleted Application argocd/a: deleted by the ApplicationSet controller (ApplicationSet `web`)
            in-cluster: deleted Application argocd/b: deleted by the ApplicationSet controller (ApplicationSet `web`)
        "#,
    );
}

#[test]
fn s9_6_application_owned_by_another_application_set_is_not_written_and_skips_the_delete_step() {
    check(
        &fixture(&[
            "//- base/web.yaml",
            &web(&[("old", "old")], ""),
            "//- head/web.yaml",
            &web(&[("shared", "shared")], ""),
            "//- in-cluster/apps.yaml",
            &live_app("old", "old", RESOURCES, "web"),
            &live_app("shared", "shared", RESOURCES, "other"),
        ]),
        r#"
            unchanged argocd/old set=web policy=sync -> lab-a
              no longer generated but kept: a write error in the same reconcile skips the delete step
            unchanged argocd/shared set=web policy=sync -> lab-a
              not written: Application `shared` is already owned by ApplicationSet `other`; this error also skips the delete step of the ApplicationSet
            findings: application-not-written
        "#,
    );
}

/// `web` live as in `set`, tracked (annotation tracking, the default) by the Application
/// `appsets`, which deploys it with `sync_policy` (YAML flow map of `spec.syncPolicy`).
/// `extra_annotations` and `extra_metadata` continue the annotations and metadata maps
/// (`, key: value`).
fn managed_set(
    set: &str,
    extra_annotations: &str,
    extra_metadata: &str,
    sync_policy: &str,
) -> String {
    format!(
        "{}---\n{}",
        set.replace(
            "metadata: {name: web, namespace: argocd}",
            &format!("metadata: {{name: web, namespace: argocd, annotations: {{argocd.argoproj.io/tracking-id: 'appsets:argoproj.io/ApplicationSet:argocd/web'{extra_annotations}}}{extra_metadata}}}"),
        ),
        manager_app(sync_policy)
    )
}

fn manager_app(sync_policy: &str) -> String {
    format!(
        "apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {{name: appsets, namespace: argocd}}
spec:
  project: default
  source: {{repoURL: 'https://git.example/appsets.git', path: appsets}}
  destination: {{server: 'https://kubernetes.default.svc', namespace: argocd}}
  syncPolicy: {sync_policy}
"
    )
}

#[test]
fn s9_8_application_set_removed_from_head_deletes_its_applications() {
    let set = web(
        &[("a", "a")],
        "  syncPolicy: {applicationsSync: create-only}\n",
    );
    check(
        &fixture(&[
            "//- base/web.yaml",
            &set,
            "//- head/other.yaml",
            "",
            "//- in-cluster/sets.yaml",
            &managed_set(&set, "", "", "{automated: {prune: true}}"),
            "//- in-cluster/apps.yaml",
            &live_app("a", "a", RESOURCES, "web"),
            "//- lab-a/objects.yaml",
            &tracked_namespace("a"),
        ]),
        r#"
            delete argocd/a set=web policy=create-only -> lab-a cascade
              the ApplicationSet `web` is removed from git and Application `appsets` prunes it: garbage collection deletes every Application it owns (its `applicationsSync` policy does not prevent this)
            in-cluster: deleted Application argocd/a: deleted by the ApplicationSet controller (ApplicationSet `web`)
            lab-a: deleted Namespace a: deleted by Application `a` (cascade)
            lab-a: deleted ConfigMap a/settings: content of namespace `a`, deleted by the namespace controller
            lab-a: namespace a deleted
            appset argocd/web: Pruned { manager: Manager { namespace: "argocd", name: "appsets" } }
            findings: application-deleted
        "#,
    );
}

/// Removing a manifest from git is a prune of the live object, which only happens when
/// the Application that tracks it prunes: automated sync enabled
/// (`pkg/apis/application/v1alpha1/types.go`, `IsAutomatedSyncEnabled`) with
/// `prune: true` (`GetPrune`), and no `Prune=false` / `Prune=confirm` sync option on the
/// object, else on the Application (`gitops-engine/pkg/sync/sync_context.go`,
/// `isPruningDisabled`, `objRequiresPruneConfirmation`). Otherwise the Application goes
/// OutOfSync and nothing is deleted.
#[track_caller]
fn check_not_pruned(extra_annotations: &str, sync_policy: &str, expected_fate: &str) {
    let set = web(&[("a", "a")], "");
    check(
        &fixture(&[
            "//- base/web.yaml",
            &set,
            "//- head/other.yaml",
            "",
            "//- in-cluster/sets.yaml",
            &managed_set(&set, extra_annotations, "", sync_policy),
            "//- in-cluster/apps.yaml",
            &live_app("a", "a", RESOURCES, "web"),
            "//- lab-a/objects.yaml",
            &tracked_namespace("a"),
        ]),
        &format!(
            "{}appset argocd/web: {expected_fate}",
            if expected_fate.starts_with("Pruned") {
                concat!(
                    "delete argocd/a set=web policy=sync -> lab-a cascade\n",
                    "  the ApplicationSet `web` is removed from git and Application `appsets` prunes it: garbage collection deletes every Application it owns (its `applicationsSync` policy does not prevent this)\n",
                    "in-cluster: deleted Application argocd/a: deleted by the ApplicationSet controller (ApplicationSet `web`)\n",
                    "lab-a: deleted Namespace a: deleted by Application `a` (cascade)\n",
                    "lab-a: deleted ConfigMap a/settings: content of namespace `a`, deleted by the namespace controller\n",
                    "lab-a: namespace a deleted\n",
                )
            } else {
                ""
            }
        ),
    );
}

#[test]
fn s9_8_application_set_removed_from_git_is_deleted_only_when_its_manager_prunes() {
    let not_pruned = |why: &str| {
        format!(
            "NotPruned {{ manager: Some(Manager {{ namespace: \"argocd\", name: \"appsets\" }}), why: {why} }}"
        )
    };
    check_not_pruned("", "{}", &not_pruned("ManualSync"));
    check_not_pruned(
        "",
        "{automated: {prune: true, enabled: false}}",
        &not_pruned("ManualSync"),
    );
    check_not_pruned(
        "",
        "{automated: {selfHeal: true}}",
        &not_pruned("PruneDisabled"),
    );
    check_not_pruned(
        ", argocd.argoproj.io/sync-options: 'Prune=false'",
        "{automated: {prune: true}}",
        &not_pruned("PruneFalseOption"),
    );
    check_not_pruned(
        "",
        "{automated: {prune: true}, syncOptions: [Prune=confirm]}",
        &not_pruned("PruneNeedsConfirmation"),
    );
    // A resource-level option wins over the Application's.
    check_not_pruned(
        ", argocd.argoproj.io/sync-options: 'Prune=true'",
        "{automated: {prune: true}, syncOptions: [Prune=false]}",
        "Pruned { manager: Manager { namespace: \"argocd\", name: \"appsets\" } }\nfindings: application-deleted",
    );
}

#[test]
fn s9_8_application_set_removed_from_git_without_a_live_manager_is_not_pruned() {
    let set = web(&[("a", "a")], "");
    // Tracked by an Application the snapshot does not hold.
    check(
        &fixture(&[
            "//- base/web.yaml",
            &set,
            "//- head/other.yaml",
            "",
            "//- in-cluster/sets.yaml",
            &set.replace(
                "metadata: {name: web, namespace: argocd}",
                "metadata: {name: web, namespace: argocd, annotations: {argocd.argoproj.io/tracking-id: 'gone:argoproj.io/ApplicationSet:argocd/web'}}",
            ),
            "//- in-cluster/apps.yaml",
            &live_app("a", "a", RESOURCES, "web"),
        ]),
        r#"appset argocd/web: NotPruned { manager: Some(Manager { namespace: "argocd", name: "gone" }), why: ManagerMissing }"#,
    );
    // Not tracked at all, or a tracking id copied from another object.
    check(
        &fixture(&[
            "//- base/web.yaml",
            &set,
            "//- head/other.yaml",
            "",
            "//- in-cluster/sets.yaml",
            &set.replace(
                "metadata: {name: web, namespace: argocd}",
                "metadata: {name: web, namespace: argocd, annotations: {argocd.argoproj.io/tracking-id: 'appsets:argoproj.io/ApplicationSet:argocd/other'}}",
            ),
            "---",
            &manager_app("{automated: {prune: true}}"),
            "//- in-cluster/apps.yaml",
            &live_app("a", "a", RESOURCES, "web"),
        ]),
        "appset argocd/web: NotPruned { manager: None, why: NoManager }",
    );
}

/// With `application.resourceTrackingMethod: label` the instance label names the
/// manager (`util/argo/resource_tracking.go`, `GetAppName`).
/// Without the ApplicationSet live in the snapshot, nothing is known to prune it.
#[test]
fn s9_8_application_set_removed_from_git_but_not_live_is_not_pruned() {
    check(
        &fixture(&[
            "//- base/web.yaml",
            &web(&[("a", "a")], ""),
            "//- head/other.yaml",
            "",
            "//- in-cluster/apps.yaml",
            &live_app("a", "a", RESOURCES, "web"),
        ]),
        "appset argocd/web: NotPruned { manager: None, why: NotLive }",
    );
}

#[test]
fn s9_8_label_tracking_finds_the_manager_by_its_instance_label() {
    let set = web(&[("a", "a")], "");
    check(
        &fixture(&[
            "//- base/web.yaml",
            &set,
            "//- head/other.yaml",
            "",
            "//- in-cluster/prelude.yaml",
            &PRELUDE.replace(
                "metadata: {name: argocd-cm, namespace: argocd}",
                "metadata: {name: argocd-cm, namespace: argocd}\ndata: {application.resourceTrackingMethod: label}",
            ),
            "//- in-cluster/sets.yaml",
            &set.replace(
                "metadata: {name: web, namespace: argocd}",
                "metadata: {name: web, namespace: argocd, labels: {app.kubernetes.io/instance: appsets}}",
            ),
            "---",
            &manager_app("{automated: {selfHeal: true}}"),
            "//- in-cluster/apps.yaml",
            &live_app("a", "a", RESOURCES, "web"),
        ]),
        r#"appset argocd/web: NotPruned { manager: Some(Manager { namespace: "argocd", name: "appsets" }), why: PruneDisabled }"#,
    );
}

#[test]
fn s9_8_application_set_removed_with_a_finalizer_under_create_only_orphans_its_applications() {
    let set = web(
        &[("a", "a")],
        "  syncPolicy: {applicationsSync: create-only}\n",
    );
    check(
        &fixture(&[
            "//- base/web.yaml",
            &set,
            "//- in-cluster/sets.yaml",
            &managed_set(
                &set,
                "",
                ", finalizers: [resources-finalizer.argocd.argoproj.io]",
                "{automated: {prune: true}}",
            ),
            "//- in-cluster/apps.yaml",
            &live_app("a", "a", RESOURCES, "web"),
            "//- lab-a/objects.yaml",
            &tracked_namespace("a"),
        ]),
        r#"
            unchanged argocd/a set=web policy=create-only -> lab-a
              the ApplicationSet is removed from git; its finalizer and policy `create-only` make the controller orphan this Application instead of deleting it
            appset argocd/web: Pruned { manager: Manager { namespace: "argocd", name: "appsets" } }
        "#,
    );
}

#[test]
fn s1_without_live_applications_base_stands_in_for_live() {
    check(
        &fixture(&[
            "//- base/web.yaml",
            &web(&[("a", "a")], ""),
            "//- head/web.yaml",
            &web(&[("a", "a")], ""),
        ]),
        r#"
            unchanged argocd/a set=web policy=sync -> lab-a
        "#,
    );
}

#[test]
/// A live ApplicationSet in neither revision is managed elsewhere: not drift, and not
/// removed (issue #12).
fn s1_live_application_set_differing_from_base_is_reported_as_drift() {
    check(
        &fixture(&[
            "//- base/web.yaml",
            &web(&[("a", "a")], ""),
            "//- head/web.yaml",
            &web(&[("a", "a")], ""),
            "//- in-cluster/sets.yaml",
            &web(&[("a", "a"), ("b", "b")], ""),
            "---",
            &web(&[], "").replace("name: web,", "name: stray,"),
        ]),
        r#"
            unchanged argocd/a set=web policy=sync -> lab-a
            drift argocd/web: the live spec differs from the base revision in `spec.generators`; merging applies that difference too
            appset argocd/stray: NotInRevisions
            findings: applicationset-drift
        "#,
    );
}

#[test]
fn s9_3_preserved_fields_and_always_preserved_annotations_cause_no_update() {
    let extra =
        "  preservedFields: {labels: [team.example/owner], annotations: [team.example/note]}\n";
    check(
        &fixture(&[
            "//- base/web.yaml",
            &web(&[("a", "a"), ("b", "b")], extra),
            "//- head/web.yaml",
            &web(&[("a", "a"), ("b", "b")], extra),
            "//- in-cluster/apps.yaml",
            &live_app("a", "a", RESOURCES, "web").replace(
                "  name: a\n",
                "  name: a\n  labels: {team.example/owner: ops}\n  annotations: {team.example/note: hi, notified.notifications.argoproj.io: '{}'}\n",
            ),
            &live_app("b", "b", RESOURCES, "web").replace(
                "  name: b\n",
                "  name: b\n  annotations: {team.example/other: manual-edit}\n",
            ),
        ]),
        r#"
            unchanged argocd/a set=web policy=sync -> lab-a
            update argocd/b set=web policy=sync -> lab-a
        "#,
    );
}

#[test]
fn r_argo_2_delete_false_helm_keep_and_crds_are_never_deleted_by_the_cascade() {
    check(
        &fixture(&[
            "//- base/web.yaml",
            &web(&[("a", "a")], ""),
            "//- head/web.yaml",
            &web(&[], ""),
            "//- lab-a/objects.yaml",
            r#"
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: deleted, namespace: kept, annotations: {argocd.argoproj.io/tracking-id: 'a:/ConfigMap:kept/deleted'}}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: delete-false
              namespace: kept
              annotations: {argocd.argoproj.io/tracking-id: 'a:/ConfigMap:kept/delete-false', argocd.argoproj.io/sync-options: 'Prune=false,Delete=false'}
            ---
            apiVersion: v1
            kind: Secret
            metadata:
              name: helm-keep
              namespace: kept
              annotations: {argocd.argoproj.io/tracking-id: 'a:/Secret:kept/helm-keep', helm.sh/resource-policy: keep}
            ---
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata:
              name: widgets.example.com
              annotations: {argocd.argoproj.io/tracking-id: 'a:apiextensions.k8s.io/CustomResourceDefinition:/widgets.example.com'}
            "#,
        ]),
        r#"
            delete argocd/a set=web policy=sync -> lab-a cascade
            in-cluster: deleted Application argocd/a: deleted by the ApplicationSet controller (ApplicationSet `web`)
            lab-a: deleted ConfigMap kept/deleted: deleted by Application `a` (cascade)
            findings: application-deleted
        "#,
    );
}

#[test]
fn r_argo_3_a_stuck_higher_wave_keeps_lower_waves_and_the_application() {
    check(
        &fixture(&[
            "//- base/web.yaml",
            &web(&[("a", "a")], ""),
            "//- head/web.yaml",
            &web(&[], ""),
            "//- lab-a/objects.yaml",
            r#"
            apiVersion: example.com/v1
            kind: Widget
            metadata:
              name: late
              namespace: a
              finalizers: [example.com/cleanup]
              annotations: {argocd.argoproj.io/tracking-id: 'a:example.com/Widget:a/late', argocd.argoproj.io/sync-wave: '5'}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: early
              namespace: a
              annotations: {argocd.argoproj.io/tracking-id: 'a:/ConfigMap:a/early'}
            "#,
        ]),
        r#"
            delete argocd/a set=web policy=sync -> lab-a cascade
            in-cluster: stuck Application argocd/a: the Application stays in deletion: it waits for Widget `a/late` to finish deleting before it deletes anything else (Argo CD deletes wave by wave)
            lab-a: stuck Widget a/late: finalizer `example.com/cleanup` is never removed: no controller known to remove it (declare it with `--controllers`)
            findings: application-deleted, stuck-object
        "#,
    );
}

#[test]
fn s11_22_preserve_added_in_the_same_change_does_not_protect_live_applications() {
    check(
        &fixture(&[
            "//- base/web.yaml",
            &web(&[("a", "a")], ""),
            "//- head/web.yaml",
            &web(&[], "  syncPolicy: {preserveResourcesOnDeletion: true}\n"),
            "//- in-cluster/apps.yaml",
            &live_app("a", "a", RESOURCES, "web"),
            "//- lab-a/objects.yaml",
            &tracked_namespace("a"),
        ]),
        r#"
            delete argocd/a set=web policy=sync -> lab-a cascade
              `preserveResourcesOnDeletion: true` is added in this change but does not protect this Application: the controller deletes the live Application, which still carries `resources-finalizer.argocd.argoproj.io`
            in-cluster: deleted Application argocd/a: deleted by the ApplicationSet controller (ApplicationSet `web`)
            lab-a: deleted Namespace a: deleted by Application `a` (cascade)
            lab-a: deleted ConfigMap a/settings: content of namespace `a`, deleted by the namespace controller
            lab-a: namespace a deleted
            findings: application-deleted, preserve-added-too-late
        "#,
    );
}

/// The seed incident in small (C-01 + C-14): a rename deletes the APIService's backend
/// namespace; the automated replacement re-creates the cluster-scoped APIService but cannot
/// re-create its Service in the terminating namespace, which discovery keeps terminating.
#[test]
fn r_argo_5_replacement_cannot_recreate_the_backend_in_the_terminating_namespace() {
    let set = |name: &str| {
        web(&[(name, "metrics")], "")
            .replace("namespace: '{{app}}'", "namespace: kube-metrics")
            .replace(
                "project: default",
                "project: default\n      syncPolicy: {automated: {selfHeal: true}}",
            )
    };
    check(
        &fixture(&[
            "//- base/web.yaml",
            &set("a"),
            "//- head/web.yaml",
            &set("a2"),
            "//- lab-a/objects.yaml",
            r#"
            apiVersion: apiregistration.k8s.io/v1
            kind: APIService
            metadata:
              name: v1beta1.metrics.k8s.io
              annotations: {argocd.argoproj.io/tracking-id: 'a:apiregistration.k8s.io/APIService:/v1beta1.metrics.k8s.io'}
            spec:
              group: metrics.k8s.io
              version: v1beta1
              service: {namespace: kube-metrics, name: metrics-server}
            ---
            apiVersion: v1
            kind: Namespace
            metadata:
              name: kube-metrics
              annotations: {argocd.argoproj.io/tracking-id: 'a:/Namespace:/kube-metrics'}
            ---
            apiVersion: v1
            kind: Service
            metadata:
              name: metrics-server
              namespace: kube-metrics
              annotations: {argocd.argoproj.io/tracking-id: 'a:/Service:kube-metrics/metrics-server'}
            spec:
              selector: {app: metrics-server}
              ports: [{name: https, port: 443}]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: metrics-server-1, namespace: kube-metrics, labels: {app: metrics-server}}
            spec: {nodeName: node-1}
            "#,
        ]),
        r#"
            delete argocd/a set=web policy=sync -> lab-a cascade replaced-by=a2
            create argocd/a2 set=web policy=sync -> lab-a replaces=a
            in-cluster: stuck Application argocd/a: the Application stays in deletion: it waits for Namespace `kube-metrics` to finish deleting before it deletes anything else (Argo CD deletes wave by wave)
            lab-a: stuck Namespace kube-metrics: API discovery fails for metrics.k8s.io/v1beta1 (R-DISC-4: no namespace can finish deleting while any aggregated API is unavailable)
            lab-a: deleted Pod kube-metrics/metrics-server-1: content of namespace `kube-metrics`, deleted by the namespace controller
            lab-a: deleted Service kube-metrics/metrics-server: deleted by Application `a` (cascade)
            lab-a: namespace kube-metrics stuck
            lab-a: apiservice v1beta1.metrics.k8s.io available=False ServiceNotFound: service/metrics-server in "kube-metrics" is not present
            findings: apiservice-unavailable, application-replaced, deadlock, replacement-blocked, stuck-namespace
        "#,
    );
}

/// §10: an object whose sync options ask for `Delete=confirm` holds the whole deletion
/// until the Application carries `argocd.argoproj.io/deletion-approved`; nothing of it
/// is deleted meanwhile.
#[test]
fn s10_delete_confirm_waits_for_approval() {
    check(
        &fixture(&[
            "//- base/web.yaml",
            &web(&[("a", "a")], ""),
            "//- head/web.yaml",
            &web(&[], ""),
            "//- lab-a/objects.yaml",
            r#"
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: precious
              namespace: a
              annotations: {argocd.argoproj.io/tracking-id: 'a:/ConfigMap:a/precious', argocd.argoproj.io/sync-options: Delete=confirm}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: plain
              namespace: a
              annotations: {argocd.argoproj.io/tracking-id: 'a:/ConfigMap:a/plain'}
            "#,
        ]),
        r#"
            delete argocd/a set=web policy=sync -> lab-a cascade
            in-cluster: stuck Application argocd/a: the Application waits for deletion approval: ConfigMap `a/precious` asks for confirmation (`Delete=confirm` or `Prune=confirm`), so nothing is deleted until the Application is annotated `argocd.argoproj.io/deletion-approved`
            findings: application-deleted
        "#,
    );
}

/// The ApplicationSet `web` with `ignoreApplicationDifferences` (YAML flow list) over a
/// live Application `a` whose `targetRevision` someone pinned by hand.
fn ignore_case(rules: &str, head_path: &str) -> String {
    let extra = format!("  ignoreApplicationDifferences: {rules}\n");
    fixture(&[
        "//- base/web.yaml",
        &web(&[("a", "a")], &extra),
        "//- head/web.yaml",
        &web(&[("a", head_path)], &extra),
        "//- in-cluster/apps.yaml",
        &live_app("a", "a", RESOURCES, "web")
            .replace("path: a}", "path: a, targetRevision: pinned}"),
    ])
}

/// `ignoreApplicationDifferences`: ignored fields are removed from both sides before
/// comparing, and the write is a merge patch between them
/// (`applicationset/utils/createOrUpdate.go`, `CreateOrUpdate`, `applyIgnoreDifferences`;
/// `util/argo/normalizers/diff_normalizer.go`), so the live value of an ignored field stays
/// and no update is written for it alone.
#[test]
fn s9_3_ignore_application_differences_keeps_live_values_and_writes_nothing_for_them() {
    // Without a rule, the hand-pinned revision is reverted.
    check(
        &ignore_case("[]", "a"),
        "update argocd/a set=web policy=sync -> lab-a",
    );
    for rules in [
        "[{jsonPointers: [/spec/source/targetRevision]}]",
        "[{jqPathExpressions: [.spec.source.targetRevision]}]",
        "[{name: a, jqPathExpressions: ['.spec.source | select(.repoURL | contains(\"web\")) | .targetRevision']}]",
    ] {
        check(
            &ignore_case(rules, "a"),
            "unchanged argocd/a set=web policy=sync -> lab-a",
        );
    }
    // A rule for another Application does not apply.
    check(
        &ignore_case(
            "[{name: b, jsonPointers: [/spec/source/targetRevision]}]",
            "a",
        ),
        "update argocd/a set=web policy=sync -> lab-a",
    );
    // Another change is written, and the ignored field keeps its live value.
    let outcome = outcome_of(&ignore_case(
        "[{jsonPointers: [/spec/source/targetRevision]}]",
        "a2",
    ));
    let app = &outcome.applications[0];
    assert_eq!(app.action, preflight_simulator::Action::Update);
    let after = app.after.as_ref().unwrap();
    assert_eq!(after["spec"]["source"]["path"], "a2");
    assert_eq!(after["spec"]["source"]["targetRevision"], "pinned");
}

/// A jq expression the plan cannot evaluate is an error for its ApplicationSet, never
/// ignored: nothing is predicted for it.
#[test]
fn s9_3_unsupported_jq_in_ignore_rules_is_an_error_not_a_silent_skip() {
    check(
        &ignore_case("[{jqPathExpressions: ['.spec | map(.x)']}]", "a2"),
        r#"
            unchanged argocd/a set=web -> lab-a
              not predicted: the plan cannot evaluate its ApplicationSet (field `spec.ignoreApplicationDifferences[0].jqPathExpressions[0]`: `.spec | map(.x)`: unsupported expression at character 9: `map(.x)`; the plan evaluates paths, pipes and `select` with `==`, `!=`, `contains`, `startswith` or `endswith` only)
            error head/web.yaml (web): the plan cannot evaluate this ApplicationSet: field `spec.ignoreApplicationDifferences[0].jqPathExpressions[0]`: `.spec | map(.x)`: unsupported expression at character 9: `map(.x)`; the plan evaluates paths, pipes and `select` with `==`, `!=`, `contains`, `startswith` or `endswith` only
            findings: applicationset-not-evaluated
        "#,
    );
}

/// Two ApplicationSets of one merge generating the same new Application: the first write
/// creates it with its owner reference, the second fails with "already owned by another
/// controller", and that error skips the second ApplicationSet's delete step
/// (`applicationset_controller.go`: `createOrUpdateInCluster` returns the error before
/// `deleteInCluster`; rulebook §9.6).
#[test]
fn s9_6_two_application_sets_generating_the_same_new_application() {
    let web2 = |elements: &[(&str, &str)]| web(elements, "").replace("name: web,", "name: web2,");
    check(
        &fixture(&[
            "//- base/web.yaml",
            &web(&[("a", "a")], ""),
            "//- base/web2.yaml",
            &web2(&[("old", "old")]),
            "//- head/web.yaml",
            &web(&[("a", "a"), ("shared", "shared")], ""),
            "//- head/web2.yaml",
            &web2(&[("shared", "shared")]),
            "//- in-cluster/apps.yaml",
            &live_app("a", "a", RESOURCES, "web"),
            &live_app("old", "old", RESOURCES, "web2"),
        ]),
        r#"
            unchanged argocd/a set=web policy=sync -> lab-a
            unchanged argocd/old set=web2 policy=sync -> lab-a
              no longer generated but kept: a write error in the same reconcile skips the delete step
            create argocd/shared set=web policy=sync -> lab-a
            unchanged argocd/shared set=web2 policy=sync -> lab-a
              not written: ApplicationSet `web` also generates Application `shared` in this merge and writes it first, so this write fails (already owned by another controller) and the error also skips the delete step of the ApplicationSet; Argo CD does not order the two reconciles, the plan assumes `web` goes first
            findings: application-not-written
        "#,
    );
}

/// The API server refuses to create an Application whose name is not a DNS subdomain
/// (custom resources validate `metadata.name` with apimachinery's `IsDNS1123Subdomain`);
/// the failed write is an error of the ApplicationSet, which skips its delete step
/// (`applicationset_controller.go`, `createOrUpdateInCluster` before `deleteInCluster`).
#[test]
fn s9_3_application_name_the_api_server_refuses_skips_the_delete_step() {
    check(
        &fixture(&[
            "//- base/web.yaml",
            &web(&[("a", "a"), ("old", "old")], ""),
            "//- head/web.yaml",
            &web(&[("a", "a"), ("Lab_B", "b")], ""),
            "//- in-cluster/apps.yaml",
            &live_app("a", "a", RESOURCES, "web"),
            &live_app("old", "old", RESOURCES, "web"),
        ]),
        r#"
            unchanged argocd/Lab_B set=web policy=sync -> lab-a
              not written: Application.argoproj.io "Lab_B" is invalid: metadata.name: Invalid value: "Lab_B": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*'); this error also skips the delete step of the ApplicationSet
            unchanged argocd/a set=web policy=sync -> lab-a
            unchanged argocd/old set=web policy=sync -> lab-a
              no longer generated but kept: a write error in the same reconcile skips the delete step
            findings: application-not-written
        "#,
    );
}

/// An ApplicationSet that breaks its CRD schema (Argo CD's
/// `manifests/crds/applicationset-crd.yaml`: the `applicationsSync` enum, the required
/// `template.spec.project` and `destination`) is refused by the API server: it is never
/// applied and the live one goes on as it is.
#[test]
fn s9_2_application_set_breaking_its_schema_is_refused_and_live_stays() {
    let live = web(&[("a", "a"), ("b", "b")], "");
    let head = web(&[("a", "a")], "  syncPolicy: {applicationsSync: upsert}\n");
    let outcome = outcome_of(&live_web_to(&live, &head));
    check_outcome(
        &outcome,
        r#"
            unchanged argocd/a set=web policy=sync -> lab-a
            unchanged argocd/b set=web policy=sync -> lab-a
            appset argocd/web: Refused { 1 field errors, live: true }
        "#,
    );
    assert_eq!(
        refused_errors(&outcome, "web"),
        [FieldError::new(
            "spec.syncPolicy.applicationsSync",
            "Unsupported value: \"upsert\": supported values: \"create-only\", \"create-update\", \"create-delete\", \"sync\"",
        )]
    );
    // A new ApplicationSet without a project is not created at all.
    let outcome = outcome_of(&fixture(&[
        "//- base/other.yaml",
        "",
        "//- head/web.yaml",
        &web(&[("a", "a")], "").replace("      project: default\n", ""),
    ]));
    check_outcome(
        &outcome,
        r#"
            appset argocd/web: Refused { 1 field errors, live: false }
        "#,
    );
    assert_eq!(
        refused_errors(&outcome, "web"),
        [FieldError::new(
            "spec.template.spec.project",
            "Required value"
        )]
    );
}

/// The rest of the CRD schema (`manifests/crds/applicationset-crd.yaml` of Argo CD 3.5):
/// a field of the wrong type anywhere refuses the apply, so the live ApplicationSet goes
/// on and nothing of head's change (here the removal of `b`) happens.
#[test]
fn s9_2_application_set_with_a_field_of_the_wrong_type_is_refused_and_live_stays() {
    let live = web(&[("a", "a"), ("b", "b")], "");
    let head = web(&[("a", "a")], "").replace(
        "      project: default\n",
        "      project: default\n      revisionHistoryLimit: '3'\n      syncPolicy: {automated: {prune: 'yes'}}\n",
    );
    let outcome = outcome_of(&live_web_to(&live, &head));
    check_outcome(
        &outcome,
        r#"
            unchanged argocd/a set=web policy=sync -> lab-a
            unchanged argocd/b set=web policy=sync -> lab-a
            appset argocd/web: Refused { 2 field errors, live: true }
        "#,
    );
    assert_eq!(
        refused_errors(&outcome, "web"),
        [
            FieldError::new(
                "spec.template.spec.revisionHistoryLimit",
                "Invalid value: \"string\": spec.template.spec.revisionHistoryLimit in body must be of type integer: \"string\"",
            ),
            FieldError::new(
                "spec.template.spec.syncPolicy.automated.prune",
                "Invalid value: \"string\": spec.template.spec.syncPolicy.automated.prune in body must be of type boolean: \"string\"",
            ),
        ]
    );
}

/// Unknown fields are not refused: Argo CD's sync applies without `fieldValidation`
/// (`gitops-engine/pkg/utils/kube/resource_ops.go`, `newApplyOptions` leaves kubectl's
/// `ValidationDirective` empty), the API server's default is `Warn`
/// (`apiserver/pkg/endpoints/handlers/rest.go`, `fieldValidation`), and structural
/// pruning drops them. A misspelt `automated` never reaches the Applications; a
/// `valuesObject` (`x-kubernetes-preserve-unknown-fields`) keeps everything.
#[test]
fn s9_2_unknown_fields_of_an_application_set_are_pruned_not_refused() {
    let head = web(&[("a", "a")], "")
        .replace(
            "      project: default\n",
            "      project: default\n      syncPolicy: {automatd: {prune: true}}\n",
        )
        .replace(
            "path: '{{app}}'}",
            "path: '{{app}}', helm: {valuesObject: {free: {form: 1}}}}",
        );
    check(
        &fixture(&["//- base/other.yaml", "", "//- head/web.yaml", &head]),
        r#"
            create argocd/a set=web policy=sync -> lab-a
            appset argocd/web: UnknownFieldsPruned { fields: ["spec.template.spec.syncPolicy.automatd"] }
        "#,
    );
}

/// `rollingSync` with steps and `deletionOrder: Reverse`, automated sync in the template.
const ROLLING_SYNC: &str = "  strategy: {type: RollingSync, deletionOrder: Reverse, rollingSync: {steps: [{matchExpressions: [{key: env, operator: In, values: [dev]}]}]}}\n";

fn progressive_syncs_enabled() -> &'static str {
    "//- in-cluster/cmd-params.yaml
apiVersion: v1
kind: ConfigMap
metadata: {name: argocd-cmd-params-cm, namespace: argocd}
data: {applicationsetcontroller.enable.progressive.syncs: 'true'}
"
}

/// Progressive sync (`applicationset/progressivesync/progressive_sync.go`,
/// `SyncDesiredApplications` and `disableAutomatedSync`): with the controller flag on,
/// a RollingSync ApplicationSet writes its Applications with automated sync disabled;
/// with it off the strategy is ignored.
#[test]
fn s9_9_rolling_sync_writes_automated_sync_disabled_when_enabled() {
    let head = web(&[("a", "a"), ("b", "b")], ROLLING_SYNC).replace(
        "      project: default\n",
        "      project: default\n      syncPolicy: {automated: {prune: true}}\n",
    );
    let base = web(&[("a", "a")], "");
    let live = live_app("a", "a", RESOURCES, "web");
    let with_flag = fixture(&[
        "//- base/web.yaml",
        &base,
        "//- head/web.yaml",
        &head,
        "//- in-cluster/apps.yaml",
        &live,
        progressive_syncs_enabled(),
    ]);
    check(
        &with_flag,
        r#"
            update argocd/a set=web policy=sync -> lab-a
              progressive: AutomatedSyncDisabled
            create argocd/b set=web policy=sync -> lab-a
              progressive: AutomatedSyncDisabled
        "#,
    );
    let outcome = outcome_of(&with_flag);
    for app in &outcome.applications {
        assert_eq!(
            app.after.as_ref().unwrap()["spec"]["syncPolicy"]["automated"],
            serde_json::json!({"prune": true, "enabled": false})
        );
    }
    check(
        &fixture(&[
            "//- base/web.yaml",
            &base,
            "//- head/web.yaml",
            &head,
            "//- in-cluster/apps.yaml",
            &live,
        ]),
        r#"
            update argocd/a set=web policy=sync -> lab-a
            create argocd/b set=web policy=sync -> lab-a
        "#,
    );
}

/// `deletionOrder: Reverse`: the controller keeps its finalizer on the ApplicationSet
/// and, once it is deleted, deletes the Applications step by step in reverse order
/// (`applicationset_controller.go` `Reconcile`, `PerformReverseDeletion`).
#[test]
fn s9_8_pruned_application_set_with_reverse_deletion_order() {
    let set = web(&[("a", "a")], ROLLING_SYNC);
    check(
        &fixture(&[
            "//- base/web.yaml",
            &set,
            "//- head/other.yaml",
            "",
            "//- in-cluster/sets.yaml",
            &managed_set(
                &set,
                "",
                ", finalizers: [resources-finalizer.argocd.argoproj.io]",
                "{automated: {prune: true}}",
            ),
            "//- in-cluster/apps.yaml",
            &live_app("a", "a", "", "web"),
            progressive_syncs_enabled(),
        ]),
        r#"
            delete argocd/a set=web policy=sync -> lab-a
              the ApplicationSet `web` is removed from git and Application `appsets` prunes it: the ApplicationSet controller deletes every Application it owns (its `applicationsSync` policy does not prevent this)
              progressive: ReverseDeletion
            in-cluster: deleted Application argocd/a: deleted by the ApplicationSet controller (ApplicationSet `web`)
            appset argocd/web: Pruned { manager: Manager { namespace: "argocd", name: "appsets" } }
        "#,
    );
}

/// Two cluster secrets for one server: the cluster generator keys secrets by name and
/// yields one parameter set per secret (`applicationset/generators/cluster.go`,
/// `getSecretsByClusterName`), so both Applications are generated, and both resolve.
#[test]
fn s4_2_cluster_secrets_sharing_a_server_each_generate_an_application() {
    check(
        &fixture(&[
            "//- base/web.yaml",
            "",
            "//- head/web.yaml",
            "apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: web, namespace: argocd}
spec:
  generators: [{clusters: {selector: {matchLabels: {argocd.argoproj.io/secret-type: cluster}}}}]
  template:
    metadata: {name: '{{name}}-web'}
    spec:
      project: default
      source: {repoURL: 'https://git.example/web.git', path: web}
      destination: {server: '{{server}}', namespace: web}
",
            "//- in-cluster/alias.yaml",
            "apiVersion: v1
kind: Secret
metadata:
  name: cluster-lab-a-alias
  namespace: argocd
  labels: {argocd.argoproj.io/secret-type: cluster}
stringData: {name: lab-a-alias, server: 'https://lab-a.example/'}
",
        ]),
        r#"
            create argocd/lab-a-alias-web set=web policy=sync -> lab-a
            create argocd/lab-a-web set=web policy=sync -> lab-a
        "#,
    );
}
