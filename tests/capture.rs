//! `capture` end to end through the binary, against fake API servers on 127.0.0.1
//! (`crates/capture/tests/fake_apiserver/`): the captured snapshot plans exactly as the
//! same objects written as files beside the same `capture.json` records, the records'
//! stale group/versions count, and it never holds a credential. Plus an opt-in capture
//! of a real cluster.

#[path = "../crates/capture/tests/fake_apiserver/mod.rs"]
mod fake_apiserver;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use base64::Engine;
use fake_apiserver::{kubeconfig, read_objects, FakeApiServer, Faults, TestCa};
use serde_json::{json, Value};

fn scenario(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/scenarios/rud-incident")
        .join(sub)
}

fn preflight(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_argocd-preflight"))
        .args(args)
        .env_remove("KUBECONFIG")
        .output()
        .unwrap()
}

fn path(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Every file under `dir`, concatenated.
fn all_text(dir: &Path) -> String {
    let mut text = String::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            text.push_str(&all_text(&path));
        } else {
            text.push_str(&std::fs::read_to_string(&path).unwrap());
        }
    }
    text
}

/// Copies the tree `from` to `to`.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

fn plan(snapshot: &Path) -> (Option<i32>, String) {
    let output = preflight(&[
        "plan",
        "--snapshot",
        path(snapshot),
        "--base",
        path(&scenario("base")),
        "--head",
        path(&scenario("head")),
        "--format",
        "json",
        "--kube-version",
        "1.31",
    ]);
    (
        output.status.code(),
        String::from_utf8(output.stdout).unwrap(),
    )
}

const PLANTED: &str = "SECRET-TOKEN-MUST-NOT-LEAK";

#[test]
fn capture_then_plan_gives_the_report_of_the_same_objects_and_records_as_files() {
    let ca = TestCa::new();
    let clusters = [
        ("argocd", "in-cluster", "kubeconfig-token-argocd-PLANTED-1"),
        ("lab-a", "e1-k8s-lab-a", "kubeconfig-token-lab-a-PLANTED-2"),
        ("lab-b", "e1-k8s-lab-b", "kubeconfig-token-lab-b-PLANTED-3"),
        (
            "test-a",
            "e1-k8s-test-a",
            "kubeconfig-token-test-a-PLANTED-4",
        ),
    ];
    // Each cluster serves its scenario objects with every fault, the incident's stale
    // metrics.k8s.io included.
    let servers: Vec<FakeApiServer> = clusters
        .iter()
        .map(|(_, folder, token)| {
            let objects = read_objects(&scenario("snapshot").join(folder));
            FakeApiServer::start(&ca, token, objects, Faults::all())
        })
        .collect();
    let contexts: Vec<(&str, &str, &str)> = clusters
        .iter()
        .zip(&servers)
        .map(|((context, _, token), server)| (*context, server.url.as_str(), *token))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("kubeconfig");
    std::fs::write(&config, kubeconfig(&ca, &contexts, "argocd")).unwrap();
    let out = dir.path().join("snapshot");
    let output = preflight(&[
        "capture",
        "--out",
        path(&out),
        "--kubeconfig",
        path(&config),
        "--argocd-context",
        "argocd",
        "--context",
        "lab-a=e1-k8s-lab-a",
        "--context",
        "lab-b=e1-k8s-lab-b",
        "--context",
        "test-a=e1-k8s-test-a",
        "--request-timeout",
        "1s",
        "--allow-partial",
    ]);
    let stderr = String::from_utf8(output.stderr).unwrap();
    // Partial (a 403 and a list that never answers on each cluster), usable.
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    for (_, folder, _) in &clusters {
        assert!(
            stderr.contains(&format!("capture: {folder}: ")),
            "{folder}: {stderr}"
        );
        // Not a terminal: progress as plain lines (no cursor movement), each quarter of
        // the resources with the objects listed and the resources left.
        assert!(!stderr.contains('\x1b'), "{stderr}");
        let quarters: Vec<&str> = stderr
            .lines()
            .filter_map(|line| line.strip_prefix(&format!("capture: {folder}: ")))
            .filter(|line| line.contains(" resources listed, "))
            .collect();
        assert_eq!(quarters.len(), 3, "{folder}: {stderr}");
        for line in quarters {
            let words: Vec<&str> = line.split(' ').collect();
            let (done, total) = words[0].split_once('/').unwrap();
            let (done, total): (usize, usize) = (done.parse().unwrap(), total.parse().unwrap());
            assert!(words[3].parse::<usize>().is_ok(), "{line}");
            assert_eq!(
                [words[2], words[4], words[5], words[6]],
                [
                    "listed,",
                    "objects,",
                    &(total - done).to_string(),
                    "resources"
                ],
                "{line}"
            );
            assert_eq!(words[7], "left", "{line}");
        }
        let record: Value = serde_json::from_str(
            &std::fs::read_to_string(out.join(folder).join("capture.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(
            record["unavailableGroupVersions"][0]["groupVersion"],
            "metrics.k8s.io/v1beta1"
        );
        assert_eq!(record["failedResources"].as_array().unwrap().len(), 2);
    }

    // The same objects as files, beside the records `capture` wrote.
    let files_and_records = dir.path().join("files-and-records");
    copy_tree(&scenario("snapshot"), &files_and_records);
    for (_, folder, _) in &clusters {
        std::fs::copy(
            out.join(folder).join("capture.json"),
            files_and_records.join(folder).join("capture.json"),
        )
        .unwrap();
    }
    let (captured_code, captured) = plan(&out);
    let (files_code, files) = plan(&files_and_records);
    assert_eq!(captured_code, files_code);
    assert_eq!(
        captured_code,
        Some(1),
        "the incident is predicted: {captured}"
    );
    let captured: Value = serde_json::from_str(&captured).unwrap();
    let files: Value = serde_json::from_str(&files).unwrap();
    assert_eq!(captured, files);
    // Issue 11: the fake servers answer `metrics.k8s.io` stale, and the plan starts from
    // that: the APIService was already unavailable on every cluster before the change,
    // which the objects alone (a healthy metrics-server) do not show.
    let (_, objects_only) = plan(&scenario("snapshot"));
    let objects_only: Value = serde_json::from_str(&objects_only).unwrap();
    let already_unavailable = |report: &Value| -> Vec<String> {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["code"] == "apiservice-unavailable")
            .filter(|f| {
                f["message"]
                    .as_str()
                    .unwrap()
                    .contains("already unavailable before the change")
            })
            // One finding for the fleet names every cluster it spans (`clusters`).
            .flat_map(|f| f["clusters"].as_array().unwrap().iter())
            .map(|cluster| cluster.as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        already_unavailable(&captured),
        ["e1-k8s-lab-a", "e1-k8s-lab-b", "e1-k8s-test-a"],
        "{captured}"
    );
    assert!(already_unavailable(&objects_only).is_empty());
    // And a hand-made deletion on one cluster.
    let what_if = |snapshot: &Path| {
        let output = preflight(&[
            "what-if",
            "--snapshot",
            path(snapshot),
            "--cluster",
            "e1-k8s-lab-a",
            "--delete",
            "namespace/kube-metrics",
            "--format",
            "json",
            "--kube-version",
            "1.31",
        ]);
        (
            output.status.code(),
            String::from_utf8(output.stdout).unwrap(),
        )
    };
    let (captured_code, captured) = what_if(&out);
    assert!(captured.contains("\"kube-metrics\""), "{captured}");
    assert!(
        captured.contains("already unavailable before the change"),
        "{captured}"
    );
    assert_eq!((captured_code, captured), what_if(&files_and_records));

    // Argo CD's cluster secrets keep their names, never their config.
    let text = all_text(&out);
    for (_, _, token) in &clusters {
        assert!(!text.contains(token) && !stderr.contains(token));
    }
    assert!(!text.contains(PLANTED) && !text.contains("\"config\""));
    assert!(!text.contains("managedFields") && !text.contains("last-applied-configuration"));
    // The captured server version is the cluster's.
    assert!(
        std::fs::read_to_string(out.join("e1-k8s-lab-a/version.json"))
            .unwrap()
            .contains("\"gitVersion\": \"v1.31.4\"")
    );
}

/// `--via-argocd` with the other credentials Argo CD's cluster secrets hold, used as
/// Argo CD uses them (`Cluster.RawRestConfig`, argoproj/argo-cd
/// `pkg/apis/application/v1alpha1/types.go`): basic auth as such, and `awsAuthConfig`
/// as `argocd-k8s-auth aws --cluster-name NAME [--role-arn ARN]`, which wins over a
/// `bearerToken` in the same secret. Without `argocd-k8s-auth` on PATH that cluster is
/// not captured, with a message saying why, and the others are. No credential is
/// written or printed either way.
#[test]
fn via_argocd_uses_basic_auth_and_aws_auth_as_argo_cd_does() {
    let b64 = |text: &str| base64::engine::general_purpose::STANDARD.encode(text);
    let ca = TestCa::new();
    let kube_token = "kubeconfig-token-PLANTED-c0ffee";
    let basic_password = "basic-password-PLANTED-41d9";
    let stale_token = "stale-bearer-token-PLANTED-77aa";
    let aws_token = "aws-exec-token-PLANTED-e5b2";
    let basic = FakeApiServer::start_with_basic_auth(
        &ca,
        "admin",
        basic_password,
        read_objects(&scenario("snapshot/e1-k8s-lab-a")),
        Faults::default(),
    );
    let aws = FakeApiServer::start(
        &ca,
        aws_token,
        read_objects(&scenario("snapshot/e1-k8s-lab-b")),
        Faults::default(),
    );
    let cluster_secret = |name: &str, server: &str, config: Value| {
        json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": {"name": format!("cluster-{name}"), "namespace": "argocd",
                "labels": {"argocd.argoproj.io/secret-type": "cluster"}},
            "data": {"name": b64(name), "server": b64(server),
                "config": b64(&config.to_string())}})
    };
    let tls = json!({"caData": b64(&ca.pem())});
    let secrets = vec![
        json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "argocd-cm", "namespace": "argocd"}, "data": {}}),
        cluster_secret(
            "e1-k8s-lab-a",
            &basic.url,
            json!({"username": "admin", "password": basic_password, "tlsClientConfig": tls}),
        ),
        cluster_secret(
            "e1-k8s-lab-b",
            &aws.url,
            json!({"bearerToken": stale_token, "tlsClientConfig": tls,
                "awsAuthConfig": {"clusterName": "lab-b-eks",
                    "roleARN": "arn:aws:iam::123456789012:role/argocd"}}),
        ),
    ];
    let argocd = FakeApiServer::start(&ca, kube_token, secrets, Faults::default());
    let dir = tempfile::tempdir().unwrap();
    // A stand-in for argocd-k8s-auth that answers only to the arguments Argo CD passes.
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let plugin = bin.join("argocd-k8s-auth");
    std::fs::write(
        &plugin,
        format!(
            "#!/bin/sh\n[ \"$*\" = 'aws --cluster-name lab-b-eks --role-arn arn:aws:iam::123456789012:role/argocd' ] || {{ echo \"unexpected arguments: $*\" >&2; exit 1; }}\nprintf '%s' '{{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"{aws_token}\"}}}}'\n"
        ),
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let kubeconfig_path = dir.path().join("kubeconfig");
    std::fs::write(
        &kubeconfig_path,
        kubeconfig(&ca, &[("argocd", &argocd.url, kube_token)], "argocd"),
    )
    .unwrap();
    let system_path = std::env::var("PATH").unwrap_or_default();
    let capture = |out: &Path, search_path: &str| {
        let output = Command::new(env!("CARGO_BIN_EXE_argocd-preflight"))
            .args(["capture", "--out", path(out), "--kubeconfig"])
            .arg(&kubeconfig_path)
            .arg("--via-argocd")
            .env_remove("KUBECONFIG")
            .env("PATH", search_path)
            .output()
            .unwrap();
        (
            output.status.code(),
            String::from_utf8(output.stderr).unwrap(),
        )
    };
    let planted = [kube_token, basic_password, stale_token, aws_token];

    let out = dir.path().join("with-plugin");
    let (code, stderr) = capture(&out, &format!("{}:{system_path}", bin.display()));
    assert_eq!(code, Some(0), "{stderr}");
    // Each destination answers only to its own credentials.
    for folder in ["e1-k8s-lab-a", "e1-k8s-lab-b"] {
        let deployments =
            std::fs::read_to_string(out.join(folder).join("apps/deployments.json")).unwrap();
        assert!(deployments.contains("metrics-server"), "{folder}");
    }
    let text = all_text(&out);
    for planted in planted {
        assert!(
            !text.contains(planted) && !stderr.contains(planted),
            "{planted}"
        );
    }

    // A PATH without `argocd-k8s-auth`, even where the machine has one.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let out = dir.path().join("without-plugin");
    let (code, stderr) = capture(&out, path(&empty));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("cannot use the credentials of cluster secret `cluster-e1-k8s-lab-b`: the cluster secret authenticates with `argocd-k8s-auth`, which is not on PATH"),
        "{stderr}"
    );
    assert!(out.join("e1-k8s-lab-a/apps/deployments.json").is_file());
    assert!(
        !out.join("e1-k8s-lab-b").exists(),
        "no folder for a cluster not read"
    );
    let text = all_text(&out);
    for planted in planted {
        assert!(
            !text.contains(planted) && !stderr.contains(planted),
            "{planted}"
        );
    }
}

#[test]
fn via_argocd_reaches_clusters_with_their_secret_and_never_writes_a_credential() {
    let b64 = |text: &str| base64::engine::general_purpose::STANDARD.encode(text);
    let ca = TestCa::new();
    let kube_token = "kubeconfig-token-PLANTED-7f3a9c";
    let secret_token = "argocd-cluster-secret-token-PLANTED-5d2a11";
    // Beside the scenario's objects, kinds captured as metadata only: a Secret with a
    // value and a finalizer, and a Lease.
    let mut objects = read_objects(&scenario("snapshot/e1-k8s-lab-b"));
    objects.push(
        json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
        "metadata": {"name": "db", "namespace": "payments", "finalizers": ["example.com/keep"]},
        "data": {"password": b64("db-password-PLANTED-0b7e")}}),
    );
    objects.push(
        json!({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
        "metadata": {"name": "leader", "namespace": "payments"},
        "spec": {"holderIdentity": "pod-a"}}),
    );
    let destination = FakeApiServer::start(&ca, secret_token, objects, Faults::default());
    let config = json!({"bearerToken": secret_token,
        "tlsClientConfig": {"insecure": false, "caData": b64(&ca.pem())}})
    .to_string();
    let cluster_secret = json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
        "metadata": {"name": "cluster-e1-k8s-lab-b", "namespace": "argocd",
            "labels": {"argocd.argoproj.io/secret-type": "cluster"}},
        "data": {"name": b64("e1-k8s-lab-b"), "server": b64(&destination.url), "config": b64(&config)}});
    // A second cluster Argo CD reaches with an exec provider (as argocd-k8s-auth is used).
    let exec_token = "exec-plugin-token-PLANTED-93ce10";
    let exec_destination = FakeApiServer::start(
        &ca,
        exec_token,
        read_objects(&scenario("snapshot/e1-k8s-test-a")),
        Faults::default(),
    );
    let exec_config = json!({"execProviderConfig": {"command": "fake-k8s-auth",
            "args": ["token"], "apiVersion": "client.authentication.k8s.io/v1beta1"},
        "tlsClientConfig": {"caData": b64(&ca.pem())}})
    .to_string();
    let exec_secret = json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
        "metadata": {"name": "cluster-e1-k8s-test-a", "namespace": "argocd",
            "labels": {"argocd.argoproj.io/secret-type": "cluster"}},
        "data": {"name": b64("e1-k8s-test-a"), "server": b64(&exec_destination.url),
            "config": b64(&exec_config)}});
    let argocd_cm = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "argocd-cm", "namespace": "argocd"}, "data": {}});
    let argocd = FakeApiServer::start(
        &ca,
        kube_token,
        vec![argocd_cm, cluster_secret, exec_secret],
        Faults::default(),
    );
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let plugin = bin.join("fake-k8s-auth");
    std::fs::write(
        &plugin,
        format!("#!/bin/sh\nprintf '%s' '{{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"{exec_token}\"}}}}'\n"),
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let search_path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let kubeconfig_path = dir.path().join("kubeconfig");
    std::fs::write(
        &kubeconfig_path,
        kubeconfig(&ca, &[("argocd", &argocd.url, kube_token)], "argocd"),
    )
    .unwrap();
    let out = dir.path().join("snapshot");
    let output = Command::new(env!("CARGO_BIN_EXE_argocd-preflight"))
        .args([
            "capture",
            "--out",
            path(&out),
            "--kubeconfig",
            path(&kubeconfig_path),
        ])
        .arg("--via-argocd")
        .env_remove("KUBECONFIG")
        .env("PATH", search_path)
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    // The destination was reached with the secret's token (the fake checks it).
    let lab_b = std::fs::read_to_string(out.join("e1-k8s-lab-b/apps/deployments.json")).unwrap();
    assert!(lab_b.contains("metrics-server"), "{lab_b}");
    let record = std::fs::read_to_string(out.join("e1-k8s-lab-b/capture.json")).unwrap();
    assert!(
        record.contains("\"credentials\": \"argoCdClusterSecret\""),
        "{record}"
    );
    let secrets = std::fs::read_to_string(out.join("in-cluster/core/secrets.json")).unwrap();
    let secrets: Value = serde_json::from_str(&secrets).unwrap();
    assert_eq!(
        secrets["items"][0]["stringData"],
        json!({"name": "e1-k8s-lab-b", "server": destination.url})
    );
    // The exec provider's token reached the second cluster.
    let test_a = std::fs::read_to_string(out.join("e1-k8s-test-a/apps/deployments.json")).unwrap();
    assert!(test_a.contains("metrics-server"), "{test_a}");

    // The metadata-only objects load, with what deletion acts on.
    let fleet = preflight_cluster_snapshot::load_snapshot(
        &out,
        &preflight_cluster_snapshot::LoadOptions::default(),
    )
    .unwrap();
    let payments: Vec<(String, String, Vec<String>)> = fleet.clusters["e1-k8s-lab-b"]
        .objects()
        .filter(|object| object.namespace() == Some("payments"))
        .map(|object| {
            (
                object.kind().to_string(),
                object.name().to_string(),
                object.finalizers(),
            )
        })
        .collect();
    let db = (
        "Secret".to_string(),
        "db".to_string(),
        vec!["example.com/keep".to_string()],
    );
    let lease = ("Lease".to_string(), "leader".to_string(), Vec::new());
    assert!(
        payments.contains(&db) && payments.contains(&lease),
        "{payments:?}"
    );
    let servers: Vec<&str> = fleet
        .cluster_infos
        .iter()
        .map(|c| c.server.as_str())
        .collect();
    assert_eq!(
        servers,
        [destination.url.as_str(), exec_destination.url.as_str()]
    );

    let text = all_text(&out);
    let ca_pem = ca.pem();
    let ca_line = ca_pem.lines().nth(1).unwrap();
    let password = b64("db-password-PLANTED-0b7e");
    for planted in [
        kube_token,
        secret_token,
        exec_token,
        &b64(&config),
        &b64(&exec_config),
        &b64(&ca_pem),
        ca_line,
        &password,
    ] {
        assert!(!text.contains(planted), "the snapshot holds `{planted}`");
        assert!(!stderr.contains(planted), "the log holds `{planted}`");
    }
}

/// Opt-in: `KUBECONFIG=... cargo test --test capture -- --ignored` captures the current
/// context of a real cluster and loads the snapshot.
#[test]
#[ignore = "needs a real cluster: set KUBECONFIG and run with --ignored"]
fn capture_a_real_cluster() {
    let kubeconfig = std::env::var("KUBECONFIG").expect("KUBECONFIG");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("snapshot");
    let output = Command::new(env!("CARGO_BIN_EXE_argocd-preflight"))
        .args([
            "capture",
            "--out",
            path(&out),
            "--kubeconfig",
            &kubeconfig,
            "--allow-partial",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(matches!(output.status.code(), Some(0 | 1)), "{stderr}");
    let fleet = preflight_cluster_snapshot::load_snapshot(
        &out,
        &preflight_cluster_snapshot::LoadOptions::default(),
    )
    .unwrap();
    assert!(!fleet.clusters.is_empty());
    assert!(fleet.server_versions.contains_key(&fleet.argocd_cluster));
}
