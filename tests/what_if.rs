//! The deletion scenarios (`tests/scenarios/<name>/what-if.args`, written by
//! `tests/scenarios/generate_deletions.py`): each case is one line stating the facts a
//! user relies on — exit code, the finding codes, the namespaces that stay
//! `Terminating` — and the text and JSON reports are pinned as insta snapshots.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

struct Report {
    code: i32,
    text: String,
    json_text: String,
    json: Value,
}

fn run_scenario(name: &str) -> Report {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = format!("tests/scenarios/{name}");
    let args_file = root.join(&dir).join("what-if.args");
    let args: Vec<String> = std::fs::read_to_string(&args_file)
        .unwrap_or_else(|e| panic!("{}: {e}", args_file.display()))
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            l.replace("{dir}", &dir)
                .replace("{scenarios}", "tests/scenarios")
        })
        .collect();
    let run = |format: &str| {
        let output = Command::new(env!("CARGO_BIN_EXE_argocd-preflight"))
            .args(&args)
            .args(["--format", format])
            .current_dir(root)
            .output()
            .expect("the binary runs");
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        (
            output.status.code().expect("exited"),
            String::from_utf8(output.stdout).expect("utf-8"),
            stderr,
        )
    };
    let (code, text, stderr) = run("text");
    let (json_code, json, _) = run("json");
    assert_eq!(code, json_code, "{name}: same exit code in every format");
    let json_text = json;
    let json: Value =
        serde_json::from_str(&json_text).unwrap_or_else(|e| panic!("{name}: {e}\n{stderr}"));
    assert_eq!(
        json["kind"], "what-if",
        "{name}: the report says which command made it"
    );
    Report {
        code,
        text,
        json_text,
        json,
    }
}

/// One scenario: the exit code, the finding codes (sorted, deduplicated) and the
/// namespaces that stay Terminating (`cluster/namespace`, sorted).
#[track_caller]
fn check(name: &str, exit: i32, codes: &[&str], stuck: &[&str]) {
    let report = run_scenario(name);
    assert_eq!(report.code, exit, "{name}: exit code\n{}", report.text);
    // A finding tells its consequences too (an unavailable APIService keeps namespaces
    // Terminating): every code the report tells about counts.
    let mut actual_codes: Vec<&str> = report.json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| {
            std::iter::once(&f["code"]).chain(f["consequences"].as_array().unwrap().iter())
        })
        .map(|code| code.as_str().unwrap())
        .collect();
    actual_codes.sort();
    actual_codes.dedup();
    assert_eq!(
        actual_codes, codes,
        "{name}: finding codes\n{}",
        report.text
    );
    let mut actual_stuck = Vec::new();
    for cluster in report.json["clusters"].as_array().unwrap() {
        for namespace in cluster["namespaces"].as_array().unwrap() {
            if namespace["outcome"] == "stuck" {
                actual_stuck.push(format!(
                    "{}/{}",
                    cluster["name"].as_str().unwrap(),
                    namespace["name"].as_str().unwrap()
                ));
            }
        }
    }
    actual_stuck.sort();
    assert_eq!(
        actual_stuck, stuck,
        "{name}: stuck namespaces\n{}",
        report.text
    );
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        insta::assert_snapshot!(format!("what_if__{name}__txt"), report.text);
        insta::assert_snapshot!(format!("what_if__{name}__json"), report.json_text);
    });
}

/// The condition `type` of a stuck namespace, as JSON.
fn condition<'a>(report: &'a Report, cluster: &str, namespace: &str, type_: &str) -> &'a Value {
    report.json["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == cluster)
        .and_then(|c| {
            c["namespaces"]
                .as_array()
                .unwrap()
                .iter()
                .find(|n| n["name"] == namespace)
        })
        .and_then(|n| {
            n["conditions"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["type"] == type_)
        })
        .unwrap_or_else(|| panic!("{cluster}/{namespace} has condition {type_}"))
}

#[test]
fn c01_aggregated_apiservice_loses_its_backend() {
    check(
        "c01-apiservice-self-lock",
        1,
        &["apiservice-unavailable", "stuck-namespace"],
        &["lab/kube-metrics"],
    );
    check(
        "c01-unrelated-namespace-held",
        1,
        &["apiservice-unavailable", "stuck-namespace"],
        &["lab/kube-metrics", "lab/team-a"],
    );
    check("c01-negative-apiservice-first", 0, &[], &[]);
    check(
        "c01-backend-deployment-deleted",
        1,
        &["apiservice-unavailable", "stuck-namespace"],
        &["lab/team-a"],
    );
    check(
        "c01-kube-1-26",
        1,
        &["apiservice-unavailable", "stuck-namespace"],
        &["lab/kube-metrics"],
    );
}

#[test]
fn c01_messages_follow_the_kubernetes_version() {
    let newest = run_scenario("c01-apiservice-self-lock");
    assert_eq!(
        condition(&newest, "lab", "kube-metrics", "NamespaceDeletionDiscoveryFailure")["message"],
        "Discovery failed for some groups, 1 failing: unable to retrieve the complete list of server APIs: metrics.k8s.io/v1beta1: stale GroupVersion discovery: metrics.k8s.io/v1beta1"
    );
    let old = run_scenario("c01-kube-1-26");
    let old_message = "Discovery failed for some groups, 1 failing: unable to retrieve the complete list of server APIs: metrics.k8s.io/v1beta1: the server is currently unable to handle the request";
    assert_eq!(
        condition(
            &old,
            "lab",
            "kube-metrics",
            "NamespaceDeletionDiscoveryFailure"
        )["message"],
        old_message
    );
    // Without --kube-version, a snapshot that records its version gets that version's texts.
    check(
        "c01-snapshot-records-its-version",
        1,
        &["apiservice-unavailable", "stuck-namespace"],
        &["lab/kube-metrics"],
    );
    let recorded = run_scenario("c01-snapshot-records-its-version");
    assert_eq!(
        condition(
            &recorded,
            "lab",
            "kube-metrics",
            "NamespaceDeletionDiscoveryFailure"
        )["message"],
        old_message
    );
    let deployment = run_scenario("c01-backend-deployment-deleted");
    let api_service = &deployment.json["clusters"][0]["apiServices"][0];
    assert_eq!(api_service["reason"], "MissingEndpoints");
    assert_eq!(
        api_service["message"],
        "endpointslices for service/metrics-server in \"kube-metrics\" have no addresses with port name \"https\""
    );
}

#[test]
fn c02_operator_deleted_with_the_objects_carrying_its_finalizer() {
    check(
        "c02-operator-deleted-with-its-crs",
        1,
        &["stuck-namespace", "stuck-object"],
        &["lab/team-a"],
    );
    check("c02-negative-operator-alive", 0, &[], &[]);
    check(
        "c02-declared-controller",
        1,
        &["stuck-namespace", "stuck-object"],
        &["lab/team-a"],
    );
    let report = run_scenario("c02-operator-deleted-with-its-crs");
    assert_eq!(
        condition(&report, "lab", "team-a", "NamespaceFinalizersRemaining")["message"],
        "Some finalizers are remaining: example.com/cleanup in 1 resource instances"
    );
}

/// Issue 13: a declared controller whose workload the snapshot does not show is not
/// running (§14.2), unless it is declared `external: true`.
#[test]
fn c02_declared_controller_absent_from_the_snapshot_is_dead_unless_external() {
    check(
        "c02-declared-controller-not-in-snapshot",
        1,
        &["stuck-namespace", "stuck-object"],
        &["lab/team-a"],
    );
    check("c02-negative-declared-external-controller", 0, &[], &[]);
}

/// Issue 13: state already broken when the cluster was captured. An APIService whose
/// status says `Available=False` is unavailable before the change, whatever its endpoints
/// show; a namespace already Terminating is reported as such, with its cause, not as
/// deleted by the change.
#[test]
fn issue_13_state_already_broken_at_capture_time() {
    check(
        "already-broken-apiservice-failed-discovery-check",
        1,
        &["apiservice-unavailable", "stuck-namespace"],
        &["lab/old-team", "lab/team-a"],
    );
    let report = run_scenario("already-broken-apiservice-failed-discovery-check");
    let message = report.json["findings"][0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("APIService `v1beta1.metrics.k8s.io` (metrics.k8s.io/v1beta1) is already unavailable before the change: FailedDiscoveryCheck"),
        "{message}"
    );
    assert!(
        message.ends_with("so 1 namespace stays Terminating: `team-a`; 1 namespace already Terminating before the change stays so: `old-team`"),
        "{message}"
    );
    check("already-broken-negative-apiservice-available", 0, &[], &[]);
    // The namespace the change deletes is stuck because of it; the old one is counted
    // apart, as already stuck.
    assert_eq!(report.json["findings"][0]["severity"], "critical");
    assert_eq!(report.json["summary"]["stuckNamespaces"], 1);
    assert_eq!(report.json["summary"]["alreadyStuckNamespaces"], 1);
    check(
        "already-terminating-namespace-held-by-a-finalizer",
        0,
        &["stuck-namespace"],
        &["lab/old-team"],
    );
    let report = run_scenario("already-terminating-namespace-held-by-a-finalizer");
    let finding = &report.json["findings"][0];
    assert!(
        finding["message"].as_str().unwrap().starts_with(
            "namespace `old-team` is already Terminating before the change and stays so: finalizer `controller.cattle.io/namespace-auth` is never removed"
        ),
        "{finding}"
    );
    // Standing state, reported but not caused by the change.
    assert_eq!(finding["severity"], "warning");
    assert_eq!(
        report.json["clusters"][0]["namespaces"][0]["alreadyTerminating"],
        true
    );
    assert_eq!(report.json["summary"]["stuckNamespaces"], 0);
    assert_eq!(report.json["summary"]["alreadyStuckNamespaces"], 1);
    assert!(report.text.starts_with("WARNING: "), "{}", report.text);
    // A harmless change on the cluster whose discovery is already broken: the APIService
    // and `old-team` are standing state, so the run warns and exits 0.
    check(
        "already-broken-harmless-change",
        0,
        &["apiservice-unavailable", "stuck-namespace"],
        &["lab/old-team"],
    );
    let report = run_scenario("already-broken-harmless-change");
    assert_eq!(report.json["findings"][0]["severity"], "warning");
    assert_eq!(report.json["summary"]["stuckNamespaces"], 0);
    assert_eq!(report.json["summary"]["alreadyStuckNamespaces"], 1);
}

/// A `--controllers` file is read strictly: `external` must be a boolean, and an unknown
/// field (a misspelt `external`) is refused rather than ignored. Exit code 2.
#[test]
fn controllers_file_errors_name_the_file_the_controller_and_the_field() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let workload = "- workload: {apiVersion: apps/v1, kind: Deployment, namespace: ops, name: op}\n  removesFinalizers: [example.com/cleanup]\n";
    for (extra, expected) in [
        (
            "  external: \"yes\"\n",
            "field `external` must be `true` or `false`",
        ),
        (
            "  externl: true\n",
            "field `externl`: unknown field (expected `workload`, `removesFinalizers`, `serves` or `external`)",
        ),
    ] {
        let file = dir.path().join("controllers.yaml");
        std::fs::write(&file, format!("{workload}{extra}")).unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_argocd-preflight"))
            .args([
                "what-if",
                "--snapshot",
                "tests/scenarios/c02-declared-controller-not-in-snapshot/snapshot",
                "--cluster",
                "lab",
                "--delete",
                "namespace/team-a",
                "--controllers",
            ])
            .arg(&file)
            .current_dir(root)
            .output()
            .expect("the binary runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert_eq!(
            stderr,
            format!(
                "error: {}: controller 1: {expected}\n",
                file.display()
            )
        );
    }
}

#[test]
fn c03_to_c05_admission_webhooks_without_backend() {
    check(
        "c03-delete-webhook-backend-gone",
        1,
        &["stuck-namespace", "stuck-object"],
        &["lab/team-a"],
    );
    check("c03-negative-ignore-policy", 0, &[], &[]);
    check("c03-negative-webhook-config-deleted", 0, &[], &[]);
    check("c04-update-webhook-foreground", 0, &["stuck-object"], &[]);
    check("c05-namespace-delete-webhook", 0, &["stuck-object"], &[]);
    let report = run_scenario("c03-delete-webhook-backend-gone");
    let failure = condition(&report, "lab", "team-a", "NamespaceDeletionContentFailure");
    assert_eq!(failure["status"], "True");
    assert!(failure["message"]
        .as_str()
        .unwrap()
        .starts_with("Failed to delete all resource types, 1 remaining: Internal error occurred: failed calling webhook \"kyverno-resource.example.com\""));
    // A resource type whose deletion failed is not counted as remaining (R-NSC-8).
    assert_eq!(
        condition(&report, "lab", "team-a", "NamespaceContentRemaining")["status"],
        "False"
    );
}

#[test]
fn c06_to_c13_crds_controllers_and_volumes() {
    check(
        "c06-conversion-webhook-backend-gone",
        1,
        &["stuck-namespace", "stuck-object"],
        &["lab/team-a"],
    );
    check(
        "c07-crd-with-orphaned-finalizers",
        0,
        &["stuck-object"],
        &[],
    );
    check(
        "c08-foreground-blocking-dependent",
        0,
        &["stuck-object"],
        &[],
    );
    check(
        "c09-ordered-deletion-pod-remains",
        1,
        &["stuck-namespace", "stuck-object"],
        &["lab/team-a"],
    );
    check(
        "c10-namespace-finalizer-of-removed-controller",
        1,
        &["stuck-namespace"],
        &["lab/team-a"],
    );
    check(
        "c11-argocd-deletes-its-own-namespace",
        1,
        &["stuck-namespace", "stuck-object"],
        &["in-cluster/argocd"],
    );
    check("c12-negative-pvc-protection", 0, &[], &[]);
    check(
        "c12-provisioner-deleted-with-its-claims",
        0,
        &["leaked-volume"],
        &[],
    );
    check(
        "c13-negative-cluster-scoped-owned-by-namespaced",
        0,
        &["leaked-object"],
        &[],
    );
    check(
        "c09-node-not-ready",
        1,
        &["stuck-namespace", "stuck-object"],
        &["lab/team-a"],
    );
    check(
        "c09-node-not-ready-1-32",
        1,
        &["stuck-namespace", "stuck-object"],
        &["lab/team-a"],
    );
    let unconfirmed = run_scenario("c09-node-not-ready-1-32");
    assert_eq!(
        condition(&unconfirmed, "lab", "team-a", "NamespaceDeletionContentFailure")["message"],
        "Failed to delete all resource types, 1 remaining: unexpected items still remain in namespace: team-a for gvr: /v1, Resource=pods"
    );
    assert_eq!(
        condition(&unconfirmed, "lab", "team-a", "NamespaceContentRemaining")["message"],
        "Some resources are remaining: pods. has 1 resource instances"
    );
    // Ordered deletion: while a pod remains the other content is left alone and the
    // remaining-content conditions read False (kubernetes/kubernetes#138208).
    let report = run_scenario("c09-ordered-deletion-pod-remains");
    assert_eq!(
        condition(&report, "lab", "team-a", "NamespaceContentRemaining")["status"],
        "False"
    );
}

/// Applications deleted as namespace content while the application controller runs
/// elsewhere still cascade to their resources (R-ARGO-1).
#[test]
fn c11_negative_applications_deleted_with_their_namespace_still_cascade() {
    check(
        "c11-negative-applications-namespace-controller-alive",
        0,
        &[],
        &[],
    );
    let report = run_scenario("c11-negative-applications-namespace-controller-alive");
    let apps = report.json["applications"].as_array().unwrap();
    assert_eq!(apps.len(), 1);
    assert_eq!(apps[0]["name"], "guestbook");
    assert_eq!(apps[0]["action"], "delete");
    assert_eq!(apps[0]["cascade"], true);
    let objects = report.json["clusters"][0]["objects"].as_array().unwrap();
    let ui = objects
        .iter()
        .find(|o| o["name"] == "guestbook-ui")
        .expect("the Application's ConfigMap is deleted");
    assert_eq!(ui["outcome"], "deleted");
    assert_eq!(ui["reason"], "deleted by Application `guestbook` (cascade)");
}

#[test]
fn argo_cd_deletions_through_what_if() {
    check(
        "argo-application-delete-cascades",
        1,
        &["apiservice-unavailable", "stuck-namespace"],
        &["e1-k8s-lab-a/kube-metrics"],
    );
    check("argo-applicationset-orphan", 0, &[], &[]);
}

/// The fate of object `kind name` on cluster `lab`, from the JSON report.
fn object_outcome(report: &Report, kind: &str, name: &str) -> Option<String> {
    report.json["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|cluster| cluster["name"] == "lab")
        .flat_map(|cluster| cluster["objects"].as_array().unwrap())
        .find(|object| object["kind"] == kind && object["name"] == name)
        .map(|object| object["outcome"].as_str().unwrap().to_string())
}

/// Issue 13 (R-VOL-3, `pv_controller.go` `deleteVolumeOperation`): a claim deleted with
/// reclaim policy `Delete` destroys its volume, which the report lists as deleted with a
/// `volume-data-loss` finding; with `Retain` the volume stays and is listed as retained.
#[test]
fn issue_13_volumes_destroyed_with_their_data_are_reported() {
    check(
        "c12-volume-destroyed-with-its-data",
        0,
        &["volume-data-loss"],
        &[],
    );
    let destroyed = run_scenario("c12-volume-destroyed-with-its-data");
    assert_eq!(
        object_outcome(&destroyed, "PersistentVolume", "pvc-7d3e9a41").as_deref(),
        Some("deleted")
    );
    let volume = &destroyed.json["clusters"][0]["volumes"][0];
    assert_eq!(volume["outcome"], "deleted");
    assert_eq!(volume["capacity"], "50Gi");
    assert_eq!(volume["storageClass"], "gp3");
    assert_eq!(volume["claim"], "team-a/data-postgres-0");
    assert_eq!(volume["usedBy"][0], "StatefulSet team-a/postgres");

    check("c12-negative-volume-retained", 0, &[], &[]);
    let retained = run_scenario("c12-negative-volume-retained");
    assert_eq!(
        object_outcome(&retained, "PersistentVolume", "pvc-7d3e9a41"),
        None
    );
    assert_eq!(
        retained.json["clusters"][0]["volumes"][0]["outcome"],
        "retained"
    );
}

/// Issue 13 (R-CRD-5, apiextensions-apiserver `crd_finalizer.go` `deleteInstances`):
/// when the CRD finalizer cannot list the instances (conversion webhook unreachable for
/// a stored version), the CRD stays Terminating with `InstanceDeletionFailed` and the
/// instances are untouched; the report no longer says they are deleted. When every
/// instance is stored at the storage version, the LIST needs no webhook and both go.
#[test]
fn issue_13_a_crd_whose_instances_cannot_be_listed_keeps_them() {
    check(
        "c06-crd-instances-cannot-be-listed",
        0,
        &["stuck-object"],
        &[],
    );
    let unlistable = run_scenario("c06-crd-instances-cannot-be-listed");
    assert_eq!(
        object_outcome(
            &unlistable,
            "CustomResourceDefinition",
            "certificates.example.com"
        )
        .as_deref(),
        Some("stuck")
    );
    assert_eq!(object_outcome(&unlistable, "Certificate", "tls"), None);

    check("c06-negative-crd-instances-at-storage-version", 0, &[], &[]);
    let listable = run_scenario("c06-negative-crd-instances-at-storage-version");
    assert_eq!(
        object_outcome(&listable, "Certificate", "tls").as_deref(),
        Some("deleted")
    );
    assert_eq!(
        object_outcome(
            &listable,
            "CustomResourceDefinition",
            "certificates.example.com"
        )
        .as_deref(),
        Some("deleted")
    );
}

/// Issue 13 (R-APISVC-1, kube-aggregator `remote_available_controller.go`): missing
/// endpoint data is no proof of a live backend. With no EndpointSlice for the Service,
/// no pod its selector matches and the workload scaled to 0, the APIService is
/// unavailable before the change and the namespace deleted stays Terminating; with a
/// `Ready` pod the selector matches, the backend is live and nothing gets stuck.
#[test]
fn issue_13_missing_endpoint_data_is_not_a_live_backend() {
    check(
        "c01-backend-scaled-to-zero",
        1,
        &["apiservice-unavailable", "stuck-namespace"],
        &["lab/team-a"],
    );
    let scaled = run_scenario("c01-backend-scaled-to-zero");
    let api_service = &scaled.json["clusters"][0]["apiServices"][0];
    assert_eq!(api_service["available"], "False");
    assert_eq!(api_service["reason"], "MissingEndpoints");

    check("c01-negative-ready-pod-without-endpointslice", 0, &[], &[]);
}

/// Issue 13 (`namespaced_resources_deleter.go`: `deleteAllContent` keeps the discovery
/// error and `Delete` returns before finalizing): `what-if` keeps the order given. An
/// Application deleted first takes an aggregated API's backend away, so a namespace
/// deleted afterwards stays Terminating; deleted the other way round, the namespace
/// finishes before the backend goes.
#[test]
fn issue_13_what_if_keeps_the_order_given() {
    check(
        "what-if-order-application-then-namespace",
        1,
        &["apiservice-unavailable", "stuck-namespace"],
        &["in-cluster/team-a"],
    );
    check(
        "what-if-order-namespace-then-application",
        0,
        &["apiservice-unavailable"],
        &[],
    );
}
