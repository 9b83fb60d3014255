//! The capture against fake API servers on 127.0.0.1 (`fake_apiserver/`): every fault a
//! live cluster can throw is survived and recorded in `capture.json`.

mod fake_apiserver;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fake_apiserver::{kubeconfig, read_objects, FakeApiServer, Faults, TestCa};
use preflight_capture::{capture, CaptureOptions, CaptureSummary, ClusterStatus, RetryConfig};
use serde_json::Value;

const TOKEN: &str = "kubeconfig-token-PLANTED-8c1f2e";

fn scenario_cluster(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/scenarios/rud-incident/snapshot")
        .join(name)
}

/// Options for a quick test: a short timeout for the request that never answers, short
/// backoffs, small pages.
fn options(out: &Path, kubeconfig: &Path) -> CaptureOptions {
    let mut options = CaptureOptions::new(out.to_path_buf());
    options.kubeconfig = Some(kubeconfig.to_path_buf());
    options.request_timeout = Duration::from_secs(1);
    options.retry = RetryConfig {
        max_retries: 2,
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_secs(2),
    };
    options
}

struct Run {
    summary: CaptureSummary,
    log: Vec<String>,
    _dir: tempfile::TempDir,
    out: PathBuf,
}

fn run(
    ca: &TestCa,
    contexts: &[(&str, &str, &str)],
    configure: impl FnOnce(&mut CaptureOptions),
) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("kubeconfig");
    std::fs::write(&config, kubeconfig(ca, contexts, contexts[0].0)).unwrap();
    let out = dir.path().join("snapshot");
    let mut options = options(&out, &config);
    configure(&mut options);
    let log = Arc::new(Mutex::new(Vec::new()));
    let sink = log.clone();
    let summary = capture(
        &options,
        Arc::new(move |line: &str| sink.lock().unwrap().push(line.to_string())),
    )
    .unwrap();
    let log = log.lock().unwrap().clone();
    Run {
        summary,
        log,
        _dir: dir,
        out,
    }
}

fn record(out: &Path, cluster: &str) -> Value {
    let text = std::fs::read_to_string(out.join(cluster).join("capture.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

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

fn resource<'a>(record: &'a Value, group_version: &str, name: &str) -> &'a Value {
    record["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["groupVersion"] == group_version && r["resource"] == name)
        .unwrap_or_else(|| panic!("{group_version} {name} not in the record"))
}

#[test]
fn every_fault_is_survived_and_recorded() {
    let ca = TestCa::new();
    let server = FakeApiServer::start(
        &ca,
        TOKEN,
        read_objects(&scenario_cluster("e1-k8s-lab-a")),
        Faults::all(),
    );
    let run = run(&ca, &[("lab-a", &server.url, TOKEN)], |_| {});

    // 403 and the request that never answers make it partial, not failed.
    let [cluster] = run.summary.clusters.as_slice() else {
        panic!()
    };
    assert_eq!(cluster.folder, "in-cluster");
    let ClusterStatus::Partial { failed } = &cluster.status else {
        panic!("{:?}", cluster.status)
    };
    assert_eq!(failed.len(), 2, "{failed:?}");
    assert_eq!(run.summary.exit_code(true), 1);
    assert_eq!(run.summary.exit_code(false), 2);

    let record = record(&run.out, "in-cluster");
    assert_eq!(record["schemaVersion"], 1);
    assert_eq!(record["complete"], false);
    assert_eq!(record["discovery"], "aggregated");
    assert_eq!(record["serverVersion"], "v1.31.4");
    assert_eq!(
        record["unavailableGroupVersions"],
        serde_json::json!([{"groupVersion": "metrics.k8s.io/v1beta1",
            "reason": "stale GroupVersion discovery: metrics.k8s.io/v1beta1"}])
    );
    let failed = record["failedResources"].as_array().unwrap();
    assert_eq!(failed.len(), 2);
    assert_eq!(failed[0]["resource"], "poddisruptionbudgets");
    assert_eq!(failed[0]["status"], 403);
    assert!(
        failed[0]["error"]
            .as_str()
            .unwrap()
            .contains("cannot list resource"),
        "{failed:?}"
    );
    assert_eq!(failed[1]["resource"], "priorityclasses");
    assert_eq!(failed[1]["status"], Value::Null);
    assert_eq!(failed[1]["error"], "no answer within 1s");

    // 429 with Retry-After, 500 once: retried and listed.
    assert_eq!(
        resource(&record, "networking.k8s.io/v1", "ingresses")["objects"],
        0
    );
    let requests = server.requests();
    let count = |prefix: &str| requests.iter().filter(|r| r.starts_with(prefix)).count();
    assert_eq!(count("GET /apis/networking.k8s.io/v1/ingresses?"), 2);
    assert_eq!(count("GET /apis/batch/v1/jobs?"), 2);
    // 403 is not retried.
    assert_eq!(count("GET /apis/policy/v1/poddisruptionbudgets?"), 1);
    // Pages of two; the 410 on the first continue starts the list over once.
    let namespaces = resource(&record, "v1", "namespaces");
    assert_eq!(namespaces["objects"], 6);
    assert_eq!(namespaces["form"], "full");
    assert_eq!(count("GET /api/v1/namespaces?limit=500&continue="), 3);
    assert_eq!(count("GET /api/v1/namespaces?limit=500"), 5);
    // Skipped on purpose, and said so.
    let skipped: Vec<String> = record["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            format!(
                "{} {}",
                s["groupVersion"].as_str().unwrap(),
                s["resource"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(skipped, ["v1 events", "events.k8s.io/v1 events"]);
    // metrics.k8s.io is stale: never listed.
    assert_eq!(count("GET /apis/metrics.k8s.io"), 0);

    // The slim form: no managedFields, no last-applied copy, metadata only where asked.
    let snapshot = all_text(&run.out);
    assert!(!snapshot.contains("managedFields"));
    assert!(!snapshot.contains("last-applied-configuration"));
    assert_eq!(resource(&record, "v1", "secrets")["form"], "metadata");
    let log = run.log.join("\n");
    assert!(log.contains("in-cluster: discovery failed for 1 group/version(s), so namespace deletions on this cluster stay Terminating until it is fixed: metrics.k8s.io/v1beta1: stale GroupVersion discovery: metrics.k8s.io/v1beta1"), "{log}");
    assert!(!log.contains(TOKEN) && !snapshot.contains(TOKEN));
}

#[test]
fn legacy_discovery_records_the_group_version_that_answers_503() {
    let ca = TestCa::new();
    let faults = Faults {
        legacy_only: true,
        stale: vec!["metrics.k8s.io/v1beta1".to_string()],
        ..Faults::default()
    };
    let server = FakeApiServer::start(
        &ca,
        TOKEN,
        read_objects(&scenario_cluster("e1-k8s-lab-a")),
        faults,
    );
    let run = run(&ca, &[("lab-a", &server.url, TOKEN)], |_| {});
    assert_eq!(run.summary.exit_code(false), 0);
    let record = record(&run.out, "in-cluster");
    assert_eq!(record["discovery"], "legacy");
    assert_eq!(
        record["unavailableGroupVersions"],
        serde_json::json!([{"groupVersion": "metrics.k8s.io/v1beta1",
            "reason": "the server is currently unable to handle the request"}])
    );
    // The preferred version of autoscaling (v2 before v1) is the one listed.
    assert_eq!(
        resource(&record, "autoscaling/v2", "horizontalpodautoscalers")["objects"],
        0
    );
    assert_eq!(resource(&record, "apps/v1", "deployments")["objects"], 3);
}

#[test]
fn an_unreachable_cluster_is_named_with_the_reason_and_the_others_are_captured() {
    let ca = TestCa::new();
    let argocd = FakeApiServer::start(&ca, TOKEN, Vec::new(), Faults::default());
    // A server that is gone: its port is closed.
    let gone = FakeApiServer::start(&ca, TOKEN, Vec::new(), Faults::default());
    let gone_url = gone.url.clone();
    drop(gone);
    let config = kubeconfig(
        &ca,
        &[("argocd", &argocd.url, TOKEN), ("lab-b", &gone_url, TOKEN)],
        "argocd",
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kubeconfig"), config).unwrap();
    let out = dir.path().join("snapshot");
    let mut options = options(&out, &dir.path().join("kubeconfig"));
    options.contexts = vec!["lab-b=e1-k8s-lab-b".parse().unwrap()];
    let summary = capture(&options, Arc::new(|_: &str| {})).unwrap();
    assert_eq!(summary.exit_code(true), 2);
    let statuses: Vec<(String, bool)> = summary
        .clusters
        .iter()
        .map(|c| {
            (
                c.folder.clone(),
                matches!(c.status, ClusterStatus::Failed { .. }),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [
            ("e1-k8s-lab-b".to_string(), true),
            ("in-cluster".to_string(), false)
        ]
    );
    let ClusterStatus::Failed { reason } = &summary.clusters[0].status else {
        panic!()
    };
    assert!(reason.starts_with("`/version`: "), "{reason}");
    // Nothing is written for it: an empty folder would read as a cluster without objects.
    assert!(!out.join("e1-k8s-lab-b").exists());
}

/// Issue 11: with a progress sink (a terminal), each cluster reports after discovery and
/// after each list — resources listed and left, objects listed, failures — and the plain
/// quarter lines are left out of the log.
#[test]
fn a_progress_sink_gets_every_step_and_replaces_the_quarter_lines() {
    let ca = TestCa::new();
    let server = FakeApiServer::start(
        &ca,
        TOKEN,
        read_objects(&scenario_cluster("e1-k8s-lab-a")),
        Faults::all(),
    );
    let reports = Arc::new(Mutex::new(Vec::new()));
    let sink = reports.clone();
    let run = run(&ca, &[("lab-a", &server.url, TOKEN)], |options| {
        options.progress = Some(preflight_capture::ProgressSink(Arc::new(move |progress| {
            sink.lock().unwrap().push(progress.clone())
        })));
    });
    let reports = reports.lock().unwrap().clone();
    // The only context is the Argo CD cluster's: `in-cluster`.
    let record = record(&run.out, "in-cluster");
    let resources = record["resources"].as_array().unwrap();
    let failed = record["failedResources"].as_array().unwrap().len();
    let objects: u64 = resources
        .iter()
        .map(|r| r["objects"].as_u64().unwrap())
        .sum();
    // Every resource planned is reported, listed or failed, one report each.
    let total = reports[0].resources_total;
    assert_eq!(reports.len(), total + 1, "{reports:?}");
    assert_eq!(
        (reports[0].resources_listed, reports[0].objects_listed),
        (0, 0)
    );
    assert!(reports.iter().all(|r| r.cluster == "in-cluster"));
    for (step, report) in reports.iter().enumerate() {
        assert_eq!(report.resources_listed, step);
        assert_eq!(report.resources_left(), total - step);
    }
    let last = reports.last().unwrap();
    assert_eq!(last.objects_listed as u64, objects);
    assert_eq!(last.failed, failed);
    assert!(failed > 0, "the faults fail some lists");
    assert!(
        !run.log
            .iter()
            .any(|line| line.contains(" resources listed, ")),
        "{:?}",
        run.log
    );
}

/// Issue 11: `--argocd-namespace` takes the patterns Argo CD's `application.namespaces`
/// takes (argoproj/argo-cd `util/glob/list.go`, `MatchStringInList` with `REGEXP`, as
/// `util/security/application_namespaces.go` calls it): Applications are captured in
/// every namespace of the Argo CD cluster a glob or `/regular expression/` matches.
#[test]
fn argocd_namespace_patterns_select_the_namespaces_of_the_argocd_cluster() {
    let ca = TestCa::new();
    let mut objects = Vec::new();
    for namespace in ["argocd", "team-a", "team-b", "teams", "prod-apps", "other"] {
        objects.push(serde_json::json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": namespace, "uid": format!("ns-{namespace}")}}));
        objects.push(serde_json::json!({"apiVersion": "argoproj.io/v1alpha1",
            "kind": "Application",
            "metadata": {"name": format!("app-{namespace}"), "namespace": namespace,
                "uid": format!("app-{namespace}")},
            "spec": {"project": "default"}}));
    }
    let server = FakeApiServer::start(&ca, TOKEN, objects, Faults::default());
    let run = run(&ca, &[("argocd", &server.url, TOKEN)], |options| {
        options.argocd_namespaces = ["argocd", "team-?", "/^prod-/", "missing-*"]
            .map(str::to_string)
            .to_vec();
    });
    assert_eq!(run.summary.exit_code(false), 0, "{:?}", run.log);
    let record = record(&run.out, "in-cluster");
    let applications = resource(&record, "argoproj.io/v1alpha1", "applications");
    assert_eq!(
        applications["namespaces"],
        serde_json::json!(["argocd", "team-a", "team-b", "prod-apps"])
    );
    assert_eq!(applications["objects"], 4);
    assert!(
        run.log
            .iter()
            .any(|line| line == "capture: warning: `--argocd-namespace` `missing-*` matches no namespace of the Argo CD cluster"),
        "{:?}",
        run.log
    );
    assert!(
        run.log
            .iter()
            .any(|line| line
                == "capture: Argo CD namespaces: `argocd`, `team-a`, `team-b`, `prod-apps`"),
        "{:?}",
        run.log
    );
}

/// Argo CD's own namespace holds its cluster secrets and `argocd-cm`: it is a name, and a
/// pattern Argo CD could not match the same way is refused before anything is read.
#[test]
fn argocd_namespace_patterns_that_cannot_be_used_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for (entries, expected) in [
        (
            vec!["team-*"],
            "`--argocd-namespace` `team-*`: the first `--argocd-namespace` is Argo CD's own namespace, which holds its cluster secrets and `argocd-cm`: give its name, and patterns after it",
        ),
        (
            vec!["argocd", "team-[a"],
            "`--argocd-namespace` `team-[a`: has a `[` without its `]`",
        ),
    ] {
        let mut options = options(&dir.path().join("out"), &dir.path().join("kubeconfig"));
        options.argocd_namespaces = entries.into_iter().map(str::to_string).collect();
        let error = capture(&options, Arc::new(|_: &str| {})).unwrap_err();
        assert_eq!(error.to_string(), expected);
        assert!(!dir.path().join("out").exists(), "nothing is written");
    }
}
