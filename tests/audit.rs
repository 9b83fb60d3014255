//! `audit` end to end through the binary (issue 15): the facts a user relies on — exit
//! code, finding codes, clusters — and the text and JSON reports pinned as insta
//! snapshots in `snapshots/`.

use std::process::Command;

use serde_json::Value;

struct Run {
    code: i32,
    stdout: String,
}

fn audit(snapshot: &str, extra: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_argocd-preflight"))
        .args(["audit", "--snapshot", snapshot])
        .args(extra)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs");
    Run {
        code: output.status.code().expect("exited normally"),
        stdout: String::from_utf8(output.stdout).expect("utf-8 output"),
    }
}

fn audit_json(snapshot: &str) -> (i32, Value) {
    let run = audit(snapshot, &["--format", "json"]);
    let json = serde_json::from_str(&run.stdout).expect("the report is JSON");
    (run.code, json)
}

fn findings<'a>(report: &'a Value, code: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == code)
        .collect()
}

fn clusters(finding: &Value) -> Vec<&str> {
    finding["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect()
}

fn snapshot(name: &str, snapshot_dir: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        for (format, extension) in [("text", "txt"), ("json", "json")] {
            let run = audit(snapshot_dir, &["--format", format]);
            insta::assert_snapshot!(format!("audit__{name}__{extension}"), run.stdout);
        }
    });
}

const INCIDENT: &str = "examples/rud-incident/snapshot";
const ALL_THREE: [&str; 3] = ["e1-k8s-lab-a", "e1-k8s-lab-b", "e1-k8s-test-a"];

#[test]
fn rud_incident_names_the_metrics_server_trap_on_every_cluster() {
    let (code, report) = audit_json(INCIDENT);
    assert_eq!(code, 0, "nothing is broken yet: no critical finding");
    assert_eq!(report["schemaVersion"], 2);
    assert_eq!(report["kind"], "audit", "the report says it is an audit");
    assert!(report["applications"].as_array().unwrap().is_empty());
    let exposed = findings(&report, "apiservice-backend-exposed");
    assert_eq!(
        exposed.len(),
        1,
        "one finding for the cause all clusters share"
    );
    let trap = exposed[0];
    assert_eq!(trap["severity"], "high");
    assert_eq!(clusters(trap), ALL_THREE);
    let message = trap["message"].as_str().unwrap();
    for needle in [
        "ApplicationSet `kube-metrics-ns`",
        "Namespace `kube-metrics`",
        "Service `kube-metrics/metrics-server`",
        "APIService `v1beta1.metrics.k8s.io`",
        "1 namespace then stays Terminating (`kube-metrics`)",
    ] {
        assert!(message.contains(needle), "{needle} in: {message}");
    }
    let remediation = trap["remediation"].as_array().unwrap();
    assert!(remediation.iter().any(|r| r
        .as_str()
        .unwrap()
        .ends_with("delete apiservice v1beta1.metrics.k8s.io; done")));
    // The Applications of kube-metrics-server delete the APIService together with its
    // backend: the simulation finds no jam there, and audit does not claim one.
    for code in ["apiservice-backend-exposed", "rename-exposure"] {
        for finding in findings(&report, code) {
            assert!(!finding["message"]
                .as_str()
                .unwrap()
                .contains("ApplicationSet `kube-metrics-server`"));
        }
    }
    // Nothing is broken before the change.
    assert!(findings(&report, "apiservice-unavailable-now").is_empty());
    assert!(findings(&report, "namespace-terminating-now").is_empty());
}

#[test]
fn rud_incident_rename_exposure_names_the_cascading_application_sets() {
    let (_, report) = audit_json(INCIDENT);
    let exposed = findings(&report, "rename-exposure");
    let sets: Vec<&str> = exposed
        .iter()
        .map(|f| {
            let message = f["message"].as_str().unwrap();
            let start = message.find('`').unwrap() + 1;
            let end = start + message[start..].find('`').unwrap();
            &message[start..end]
        })
        .collect();
    assert_eq!(sets, ["kube-contour", "kube-log", "kube-metrics-ns"]);
    for finding in &exposed {
        assert_eq!(finding["severity"], "warning");
        assert_eq!(clusters(finding), ALL_THREE);
        let remediation = finding["remediation"].to_string();
        for alternative in [
            "preserveResourcesOnDeletion: true",
            "applicationsSync: create-update",
            "Delete=false",
        ] {
            assert!(remediation.contains(alternative), "{alternative}");
        }
    }
    let metrics_ns = exposed[2]["message"].as_str().unwrap();
    assert!(metrics_ns.contains("the backend of APIService `v1beta1.metrics.k8s.io`"));
}

#[test]
fn rud_incident_mass_deletion_exposure_of_cluster_generators_on_labels() {
    let (_, report) = audit_json(INCIDENT);
    let exposed = findings(&report, "mass-deletion-exposure");
    assert_eq!(
        exposed.len(),
        1,
        "every ApplicationSet selects clusters by label under the same policy: one finding"
    );
    let finding = exposed[0];
    assert_eq!(finding["severity"], "warning");
    assert_eq!(clusters(finding), ALL_THREE);
    let message = finding["message"].as_str().unwrap();
    for needle in [
        "4 ApplicationSets generate from a cluster generator on labels",
        "12 Applications carry",
        "`kube-contour` 3, `kube-log` 3, `kube-metrics-ns` 3, `kube-metrics-server` 3",
    ] {
        assert!(message.contains(needle), "{needle} in: {message}");
    }
    let remediation = finding["remediation"].to_string();
    assert!(remediation.contains("applicationsSync: create-update"));
    assert!(remediation.contains(
        "ApplicationSets `kube-contour`, `kube-log`, `kube-metrics-ns`, `kube-metrics-server`"
    ));
}

#[test]
fn fail_on_high_fails_on_the_trap() {
    assert_eq!(audit(INCIDENT, &["--fail-on", "high"]).code, 1);
    assert_eq!(audit(INCIDENT, &["--fail-on", "critical"]).code, 0);
}

#[test]
fn audit_is_deterministic() {
    let first = audit(INCIDENT, &["--format", "json"]).stdout;
    let second = audit(INCIDENT, &["--format", "json"]).stdout;
    assert_eq!(first, second);
}

#[test]
fn rud_incident_reports() {
    snapshot("rud-incident", INCIDENT);
}

/// The same fleet, but every ApplicationSet already had `preserveResourcesOnDeletion`
/// and the live Applications carry no resources finalizer: no deletion of an
/// Application takes anything away, and nothing is broken.
#[test]
fn a_safe_fleet_reports_nothing() {
    let safe = "tests/scenarios/preserve-already-live/snapshot";
    let (code, report) = audit_json(safe);
    assert_eq!(code, 0);
    assert_eq!(report["findings"], Value::Array(Vec::new()));
    assert_eq!(audit(safe, &["--fail-on", "info"]).code, 0);
    snapshot("safe-fleet", safe);
}

#[test]
fn already_broken_fleet() {
    let broken = "tests/scenarios/audit-already-broken/snapshot";
    let (code, report) = audit_json(broken);
    assert_eq!(code, 1, "an unavailable APIService is critical");
    let unavailable = findings(&report, "apiservice-unavailable-now");
    assert_eq!(unavailable.len(), 1);
    assert_eq!(unavailable[0]["severity"], "critical");
    assert_eq!(clusters(unavailable[0]), ["lab-a"]);
    assert_eq!(
        unavailable[0]["consequences"],
        serde_json::json!(["namespace-terminating-now"]),
        "old-team is held by discovery and told in the APIService's finding"
    );
    assert!(unavailable[0]["message"]
        .as_str()
        .unwrap()
        .contains("(`old-team`)"));
    // An audit changes nothing: what is stuck was stuck before, and is counted so.
    assert_eq!(
        report["summary"]["alreadyStuckNamespaces"], 2,
        "old-team and team-a"
    );
    assert_eq!(report["summary"]["stuckNamespaces"], 0);
    let terminating = findings(&report, "namespace-terminating-now");
    assert_eq!(terminating.len(), 1);
    assert_eq!(clusters(terminating[0]), ["lab-b"]);
    let message = terminating[0]["message"].as_str().unwrap();
    assert!(message.contains("Namespace `team-a`"));
    assert!(message.contains("`controller.cattle.io/namespace-auth`"));
    // The backend namespace is not managed by any Application, and the APIService is
    // already unavailable: no "one deletion away" finding on top.
    assert!(findings(&report, "apiservice-backend-exposed").is_empty());
    // Gatekeeper's fail-closed webhook has no Service; its Ignore webhook is not told.
    let webhooks = findings(&report, "webhook-unavailable-now");
    assert_eq!(webhooks.len(), 1);
    assert_eq!(clusters(webhooks[0]), ["lab-b"]);
    let message = webhooks[0]["message"].as_str().unwrap();
    assert!(message.starts_with("Fail-closed admission webhook `validation.gatekeeper.sh`"));
    assert!(
        message.contains("CREATE/UPDATE of any resource"),
        "{message}"
    );
    assert!(webhooks[0]["remediation"].to_string().contains(
        "delete validatingwebhookconfiguration gatekeeper-validating-webhook-configuration"
    ));
    assert!(findings(&report, "webhook-backend-exposed").is_empty());
    snapshot("already-broken", broken);
}

/// A capture that recorded metrics.k8s.io stale on one cluster: already broken there,
/// one deletion away on the others.
#[test]
fn captured_unavailable_is_broken_now_where_recorded() {
    let (code, report) = audit_json("tests/scenarios/captured-apiservice-unavailable/snapshot");
    assert_eq!(code, 1);
    let unavailable = findings(&report, "apiservice-unavailable-now");
    assert_eq!(unavailable.len(), 1);
    assert_eq!(clusters(unavailable[0]), ["e1-k8s-lab-a"]);
    let exposed = findings(&report, "apiservice-backend-exposed");
    assert_eq!(exposed.len(), 1);
    assert_eq!(clusters(exposed[0]), ["e1-k8s-lab-b", "e1-k8s-test-a"]);
}

/// A fail-closed admission webhook whose backend namespace nothing manages: deleting that
/// namespace by hand takes the backend away while the webhook stays.
#[test]
fn webhook_backend_one_deletion_away() {
    let dir = "tests/scenarios/c03-delete-webhook-backend-gone/snapshot";
    let (code, report) = audit_json(dir);
    assert_eq!(code, 0);
    let exposed = findings(&report, "webhook-backend-exposed");
    assert_eq!(exposed.len(), 1);
    assert_eq!(exposed[0]["severity"], "high");
    assert_eq!(clusters(exposed[0]), ["lab"]);
    let message = exposed[0]["message"].as_str().unwrap();
    for needle in [
        "Deleting namespace `kyverno` by hand",
        "Service `kyverno/kyverno-svc`",
        "ValidatingWebhookConfiguration `kyverno-resource`",
        "DELETE of `configmaps`",
    ] {
        assert!(message.contains(needle), "{needle} in: {message}");
    }
    assert!(exposed[0]["remediation"]
        .to_string()
        .contains("delete validatingwebhookconfiguration kyverno-resource"));
    snapshot("webhook-backend", dir);
}

/// The same webhook with `failurePolicy: Ignore` blocks nothing without its backend.
#[test]
fn an_ignoring_webhook_is_not_exposed() {
    let (code, report) = audit_json("tests/scenarios/c03-negative-ignore-policy/snapshot");
    assert_eq!(code, 0);
    assert_eq!(report["findings"], Value::Array(Vec::new()));
}

#[test]
fn conversion_webhook_backend_one_deletion_away() {
    let (_, report) = audit_json("tests/scenarios/c06-conversion-webhook-backend-gone/snapshot");
    let exposed = findings(&report, "webhook-backend-exposed");
    assert_eq!(exposed.len(), 1);
    let message = exposed[0]["message"].as_str().unwrap();
    assert!(
        message
            .contains("conversion webhook of CustomResourceDefinition `certificates.example.com`"),
        "{message}"
    );
}

/// Objects other than namespaces already in deletion whose finalizer's controller is not
/// running (k8s rulebook §6, R-FIN-1): one finding for the objects that stay for the same
/// reason, with the finalizer patch for each.
#[test]
fn objects_already_stuck_in_deletion() {
    let dir = "tests/scenarios/audit-object-stuck-now/snapshot";
    let (code, report) = audit_json(dir);
    assert_eq!(code, 0, "high, not critical");
    assert_eq!(
        report["summary"]["stuckObjects"], 2,
        "the summary counts what is stuck already"
    );
    assert_eq!(report["clusters"][0]["objects"][0]["name"], "checkout");
    let stuck = findings(&report, "object-stuck-now");
    assert_eq!(stuck.len(), 1, "one finding for both objects: same reason");
    assert_eq!(stuck[0]["severity"], "high");
    assert_eq!(clusters(stuck[0]), ["lab"]);
    let message = stuck[0]["message"].as_str().unwrap();
    for needle in [
        "ScaledObject `shop/checkout`, ScaledObject `shop/payments` are already in deletion",
        "`finalizer.keda.sh`",
        "keda-operator",
    ] {
        assert!(message.contains(needle), "{needle} in: {message}");
    }
    let remediation = stuck[0]["remediation"].to_string();
    assert!(remediation.contains("-n shop patch"), "{remediation}");
    assert_eq!(report["findings"].as_array().unwrap().len(), 1);
    snapshot("object-stuck-now", dir);
}

/// The negative: the same objects in deletion while KEDA's operator runs; it removes
/// the finalizer, so nothing is broken.
#[test]
fn objects_in_deletion_whose_controller_runs_are_fine() {
    let (code, report) =
        audit_json("tests/scenarios/audit-negative-object-deleting-controller-alive/snapshot");
    assert_eq!(code, 0);
    assert_eq!(report["findings"], Value::Array(Vec::new()));
}

/// A fail-closed webhook whose Service exists without a ready endpoint is as broken as
/// one without its Service: the engine's reachability check (the one cascades refuse
/// requests by) says the API server cannot call it.
#[test]
fn webhook_without_ready_endpoints_is_unavailable_now() {
    let dir = "tests/scenarios/audit-webhook-no-endpoints/snapshot";
    let (code, report) = audit_json(dir);
    assert_eq!(code, 0, "high, not critical");
    let unavailable = findings(&report, "webhook-unavailable-now");
    assert_eq!(unavailable.len(), 1);
    assert_eq!(clusters(unavailable[0]), ["lab"]);
    let message = unavailable[0]["message"].as_str().unwrap();
    assert!(
        message.contains("(Service `kyverno/kyverno-svc` has no ready endpoints)"),
        "{message}"
    );
    assert!(
        message.contains("CREATE/UPDATE of `deployments`"),
        "{message}"
    );
    assert!(
        findings(&report, "webhook-backend-exposed").is_empty(),
        "already broken: not told again as one deletion away"
    );
    snapshot("webhook-no-endpoints", dir);
}

/// The negative: the same webhook with a ready endpoint is not broken now; it is only
/// one deletion away (its namespace, which nothing manages, deleted by hand), as any
/// healthy fail-closed webhook is.
#[test]
fn webhook_with_ready_endpoints_is_not_broken_now() {
    let (code, report) =
        audit_json("tests/scenarios/audit-negative-webhook-endpoints-ready/snapshot");
    assert_eq!(code, 0);
    assert!(findings(&report, "webhook-unavailable-now").is_empty());
    let codes: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["webhook-backend-exposed"]);
}

/// The inventory of Argo CD's deletion guards, one `info` finding for the fleet: on the
/// incident, none of the three ApplicationSets whose Applications delete namespaces uses
/// `preserveResourcesOnDeletion`, `Delete=confirm`/`Prune=confirm`
/// (`controller/state.go` `isObjRequiresDeletionConfirmation`) or
/// `strategy.deletionOrder: Reverse`, and none retries a failed sync without limit:
/// `controller/appcontroller.go` `autoSync` gives an automated sync `Retry{Limit: 5}`
/// unless `syncPolicy.retry` replaces it, and once that operation failed
/// `alreadyAttemptedSync` keeps the revision from being synced again ("failed previous
/// sync attempt"); only `limit: -1` outlasts a namespace that is still Terminating.
/// `kube-metrics-server` manages no namespace, so it is not counted. Its negative is the
/// safe fleet above, whose Applications delete no namespace: no inventory.
#[test]
fn rud_incident_safety_features_inventory() {
    let (_, report) = audit_json(INCIDENT);
    let inventory = findings(&report, "safety-features");
    assert_eq!(inventory.len(), 1, "one finding for the fleet");
    assert_eq!(inventory[0]["severity"], "info");
    assert_eq!(clusters(inventory[0]), ALL_THREE);
    let message = inventory[0]["message"].as_str().unwrap();
    for needle in [
        "the 3 ApplicationSets whose Applications manage namespaces and delete what they manage",
        "`preserveResourcesOnDeletion` on none",
        "`Delete=confirm` or `Prune=confirm` on none",
        "no unlimited `syncPolicy.retry` (`limit: -1`) on 3 (`kube-contour`, `kube-log`, `kube-metrics-ns`)",
        // The negative of `safety_features_count_the_sync_options_of_single_objects`: no
        // managed object carries a sync option.
        "`Delete=confirm` or `Prune=confirm` (deleting the object waits for approval) on none, `Delete=false` (deleting the Application leaves the object) on none, `Prune=false` (a sync does not prune the object, but deleting the Application still deletes it) on none",
    ] {
        assert!(message.contains(needle), "{needle} in: {message}");
    }
}

/// Sync options on single objects (their `argocd.argoproj.io/sync-options` annotation,
/// a comma-separated list, entries trimmed: gitops-engine `GetAnnotationCSVs`) count in
/// the inventory, on the objects the Applications manage: `Prune=confirm` on namespace
/// `kube-contour` (`controller/state.go` `isObjRequiresDeletionConfirmation` reads the
/// object's option before the Application's), `Delete=false` on namespace `kube-log`
/// (`controller/appcontroller.go` `shouldBeDeleted`) and `Prune=false` on its ConfigMap
/// (gitops-engine `pruneObject`; it does not keep the object from the Application's
/// deletion). `Delete=confirm` on the unmanaged `payments` objects and `Delete=true` on
/// `kube-metrics` are not counted.
#[test]
fn safety_features_count_the_sync_options_of_single_objects() {
    let dir = "tests/scenarios/audit-object-sync-options/snapshot";
    let (_, report) = audit_json(dir);
    let inventory = findings(&report, "safety-features");
    assert_eq!(inventory.len(), 1);
    assert_eq!(clusters(inventory[0]), ALL_THREE);
    let message = inventory[0]["message"].as_str().unwrap();
    for needle in [
        "`Delete=confirm` or `Prune=confirm` on none;",
        "on the objects their Applications manage (annotation `argocd.argoproj.io/sync-options`)",
        "`Delete=confirm` or `Prune=confirm` (deleting the object waits for approval) on 3 objects (`kube-contour` 3, namespace `kube-contour`)",
        "`Delete=false` (deleting the Application leaves the object) on 3 objects (`kube-log` 3, namespace `kube-log`)",
        "`Prune=false` (a sync does not prune the object, but deleting the Application still deletes it) on 3 objects (`kube-log` 3)",
    ] {
        assert!(message.contains(needle), "{needle} in: {message}");
    }
    assert!(
        !message.contains("payments"),
        "unmanaged objects: {message}"
    );
    assert!(
        !message.contains("kube-metrics`"),
        "`Delete=true`: {message}"
    );
    snapshot("object-sync-options", dir);
}

/// A namespace whose own sync options say `Delete=false` stays when its Application is
/// deleted (`controller/appcontroller.go` `shouldBeDeleted`), so a rename does not take
/// it: `kube-log`, whose only namespace carries it, is not rename-exposed, while
/// `kube-contour` (`Prune=confirm`: the deletion waits for approval, then goes) still is,
/// and says its deletions wait for approval (`isObjRequiresDeletionConfirmation`).
#[test]
fn rename_exposure_leaves_out_namespaces_marked_delete_false() {
    let (_, report) = audit_json("tests/scenarios/audit-object-sync-options/snapshot");
    let exposed: Vec<&str> = findings(&report, "rename-exposure")
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(exposed.len(), 2, "{exposed:#?}");
    assert!(exposed[0].starts_with("ApplicationSet `kube-contour` "));
    assert!(exposed[1].starts_with("ApplicationSet `kube-metrics-ns` "));
    // The confirmation holds kube-contour's deletions for a person: said, not hidden.
    assert!(
        exposed[0].ends_with("all of them ask for deletion approval (`Delete=confirm` or `Prune=confirm` on an object they manage), so their deletion waits until someone annotates them `argocd.argoproj.io/deletion-approved`, and then goes ahead"),
        "{}",
        exposed[0]
    );
    assert!(!exposed[1].contains("approval"), "{}", exposed[1]);
}

/// One deletion from a jam for a finalizer-removing controller (R-FIN-1, k8s rulebook §6):
/// the operator that removes `example.com/cleanup` (found from RBAC) lives in a namespace
/// nothing manages; deleting that namespace by hand, simulated with the cascade, deletes
/// the operator while the Widget in `team-a` keeps the finalizer and can then no longer
/// be deleted.
#[test]
fn finalizer_controller_one_deletion_away() {
    let dir = "tests/scenarios/c02-operator-deleted-with-its-crs/snapshot";
    let (code, report) = audit_json(dir);
    assert_eq!(code, 0);
    let exposed = findings(&report, "controller-backend-exposed");
    assert_eq!(exposed.len(), 1);
    assert_eq!(exposed[0]["severity"], "warning", "no namespace sticks yet");
    assert_eq!(clusters(exposed[0]), ["lab"]);
    let message = exposed[0]["message"].as_str().unwrap();
    for needle in [
        "Deleting namespace `widget-system` by hand",
        "Deployment `widget-system/widget-operator`",
        "finalizer `example.com/cleanup` (inferred from RBAC)",
        "1 object carrying it is left and can no longer be deleted (Widget `team-a/orders`), nor can namespace `team-a` that holds it",
    ] {
        assert!(message.contains(needle), "{needle} in: {message}");
    }
    snapshot("controller-backend", dir);
}

/// `--controllers` declares who removes a finalizer; without the declaration the
/// finalizer has no known controller, so no deletion can be said to take it away (the
/// negative: the same fleet reports nothing).
#[test]
fn finalizer_controller_declared_with_controllers() {
    let dir = "tests/scenarios/c02-declared-controller";
    let snapshot_dir = format!("{dir}/snapshot");
    let declared = audit(
        &snapshot_dir,
        &[
            "--controllers",
            &format!("{dir}/controllers.yaml"),
            "--format",
            "json",
        ],
    );
    let report: Value = serde_json::from_str(&declared.stdout).unwrap();
    let exposed = findings(&report, "controller-backend-exposed");
    assert_eq!(exposed.len(), 1);
    assert!(exposed[0]["message"]
        .as_str()
        .unwrap()
        .contains("`gadgets.example.com/finalizer` (declared in --controllers)"));
    let (_, undeclared) = audit_json(&snapshot_dir);
    assert_eq!(undeclared["findings"], Value::Array(Vec::new()));
}

/// Issue 15, "rank by how many clusters and namespaces would stick": the "one deletion
/// away" findings rank as one list, by clusters, then by the namespaces the simulated jam
/// leaves Terminating. The controller exposure of `lab-a` and `lab-b` (operator and Widget
/// deleted together, R-FIN-1) comes before the APIService exposure of `lab-c` (R-DISC-4),
/// each sticking one namespace per cluster; by code alone it came after.
#[test]
fn one_deletion_away_findings_rank_by_clusters_then_namespaces() {
    let dir = "tests/scenarios/audit-exposures-ranked/snapshot";
    let (code, report) = audit_json(dir);
    assert_eq!(code, 0);
    let ranked: Vec<(&str, &str, Vec<&str>)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["severity"].as_str().unwrap(),
                f["code"].as_str().unwrap(),
                clusters(f),
            )
        })
        .collect();
    assert_eq!(
        ranked,
        [
            ("high", "controller-backend-exposed", vec!["lab-a", "lab-b"]),
            ("high", "apiservice-backend-exposed", vec!["lab-c"]),
        ]
    );
    let controller = report["findings"][0]["message"].as_str().unwrap();
    for needle in [
        "1 object carrying it is deleted in the same cascade and stays in deletion (Widget `widget-system/defaults`)",
        "1 namespace then stays Terminating (`widget-system`)",
    ] {
        assert!(controller.contains(needle), "{needle} in: {controller}");
    }
    snapshot("exposures-ranked", dir);
}
