//! End-to-end scenario tests: run the built binary on `tests/scenarios/<name>/` (inputs
//! written by `tests/scenarios/generate.py`) and check both the facts a user relies on and
//! the full reports (insta snapshots in `snapshots/`).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

fn scenario_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("scenarios")
        .join(name)
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_argocd-preflight"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs");
    Run {
        code: output.status.code().expect("exited normally"),
        stdout: String::from_utf8(output.stdout).expect("utf-8 output"),
        stderr: String::from_utf8(output.stderr).expect("utf-8 errors"),
    }
}

fn plan(name: &str, format: &str) -> Run {
    let dir = scenario_dir(name);
    let relative = |sub: &str| format!("tests/scenarios/{name}/{sub}");
    assert!(dir.is_dir(), "scenario {name} exists");
    run(&[
        "plan",
        "--snapshot",
        &relative("snapshot"),
        "--base",
        &relative("base"),
        "--head",
        &relative("head"),
        "--format",
        format,
    ])
}

fn plan_json(name: &str) -> (i32, Value) {
    let run = plan(name, "json");
    let json = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{name}: report is JSON: {e}\n{}", run.stderr));
    (run.code, json)
}

fn snapshot_all_formats(name: &str) {
    let settings = {
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path("../snapshots");
        settings.set_prepend_module_to_snapshot(false);
        settings
    };
    settings.bind(|| {
        for (format, extension) in [("text", "txt"), ("markdown", "md"), ("json", "json")] {
            let run = plan(name, format);
            insta::assert_snapshot!(format!("scenario__{name}__{extension}"), run.stdout);
        }
    });
}

fn applications<'a>(report: &'a Value, action: &str) -> Vec<&'a Value> {
    report["applications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["action"] == action)
        .collect()
}

/// The findings that tell about `code`: as their own code, or as a consequence of
/// another (an unavailable APIService keeps namespaces Terminating).
fn findings<'a>(report: &'a Value, code: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["code"] == code
                || f["consequences"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|c| c == code)
        })
        .collect()
}

fn cluster<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("cluster {name} in report"))
}

#[test]
fn rud_incident_predicts_stuck_namespaces_on_every_cluster() {
    let (code, report) = plan_json("rud-incident");
    assert_eq!(
        code, 1,
        "a stuck namespace is critical and fails the default --fail-on"
    );
    assert_eq!(report["schemaVersion"], 2);
    assert_eq!(applications(&report, "create").len(), 12);
    let deleted = applications(&report, "delete");
    assert_eq!(deleted.len(), 12);
    for app in &deleted {
        assert_eq!(app["cascade"], true, "live finalizer cascades: {app}");
        assert!(
            app["replacedBy"].is_string(),
            "paired by destination and source: {app}"
        );
    }
    let lab_a = cluster(&report, "e1-k8s-lab-a");
    let namespaces = lab_a["namespaces"].as_array().unwrap();
    let names: Vec<&str> = namespaces
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["kube-contour", "kube-log", "kube-metrics"]);
    for namespace in namespaces {
        assert_eq!(namespace["outcome"], "stuck");
        let discovery = &namespace["conditions"][0];
        assert_eq!(discovery["type"], "NamespaceDeletionDiscoveryFailure");
        assert_eq!(discovery["status"], "True");
        assert_eq!(discovery["reason"], "DiscoveryFailed");
        assert_eq!(
            discovery["message"],
            "Discovery failed for some groups, 1 failing: unable to retrieve the complete list of server APIs: metrics.k8s.io/v1beta1: stale GroupVersion discovery: metrics.k8s.io/v1beta1"
        );
        assert_eq!(namespace["conditions"].as_array().unwrap().len(), 5);
    }
    // The tenant namespace nobody deletes is not touched.
    assert!(!names.contains(&"payments"));
    // One root cause, one finding: the APIService loses its backend on all three
    // clusters, which keeps every deleted namespace Terminating, which blocks the
    // replacements, which cannot bring the backend back — the snake biting its tail.
    let story = findings(&report, "apiservice-unavailable");
    assert_eq!(story.len(), 1, "one finding for the fleet");
    let story = story[0];
    assert_eq!(story["severity"], "critical");
    assert_eq!(
        story["clusters"],
        json!(["e1-k8s-lab-a", "e1-k8s-lab-b", "e1-k8s-test-a"])
    );
    assert!(story["cluster"].is_null(), "several clusters: {story}");
    assert_eq!(
        story["consequences"],
        json!(["stuck-namespace", "replacement-blocked", "deadlock"])
    );
    for code in ["stuck-namespace", "replacement-blocked", "deadlock"] {
        assert_eq!(
            findings(&report, code).len(),
            1,
            "{code} is told in the story"
        );
    }
    // The safe cut is deleting the APIService, on every cluster in one loop.
    assert_eq!(
        story["remediation"][0],
        "for ctx in e1-k8s-lab-a e1-k8s-lab-b e1-k8s-test-a; do kubectl --context \"$ctx\" delete apiservice v1beta1.metrics.k8s.io; done"
    );
    // The namespace waits for discovery, discovery for the APIService, the APIService
    // for metrics-server, which cannot come back into the terminating namespace.
    assert_eq!(story["chain"].as_array().unwrap().len(), 5);
    assert_eq!(findings(&report, "applicationset-drift").len(), 1);
    let api_service = &lab_a["apiServices"][0];
    assert_eq!(api_service["reason"], "ServiceNotFound");
}

/// The incident at the talk's size reads as one story: one finding for the cause the 30
/// clusters share, one loop to break it, a text report of a few screens, and a GitHub
/// comment (the Markdown report, at most 65,536 bytes) that keeps every critical and high
/// finding and names every affected cluster.
#[test]
fn rud_incident_at_30_clusters_reads_at_fleet_size() {
    let name = "rud-incident-30-clusters";
    let (code, report) = plan_json(name);
    assert_eq!(code, 1);
    assert_eq!(applications(&report, "create").len(), 120);
    assert_eq!(applications(&report, "delete").len(), 120);
    let clusters: Vec<&str> = report["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| !c["namespaces"].as_array().unwrap().is_empty())
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(clusters.len(), 30);
    let story = findings(&report, "apiservice-unavailable");
    assert_eq!(story.len(), 1, "one finding for the fleet");
    assert_eq!(story[0]["clusters"].as_array().unwrap().len(), 30);
    assert_eq!(story[0]["severity"], "critical");
    let serious: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "critical" || f["severity"] == "high")
        .collect();
    assert_eq!(
        serious.len(),
        5,
        "the story and one replacement per ApplicationSet"
    );

    let text = plan(name, "text").stdout;
    assert!(
        text.lines().count() < 250,
        "text report: {} lines",
        text.lines().count()
    );
    assert!(text.starts_with(
        "CRITICAL: 90 namespaces will stay Terminating on 30 clusters because APIService `v1beta1.metrics.k8s.io` loses its backend\n"
    ));

    let comment = plan(name, "markdown").stdout;
    assert!(
        comment.chars().count() <= 65_536,
        "{} characters",
        comment.chars().count()
    );
    for finding in &serious {
        let opening: String = finding["message"]
            .as_str()
            .unwrap()
            .chars()
            .take(60)
            .collect();
        let opening = opening.split('`').next().unwrap();
        assert!(
            comment.contains(&format!("`{}`", finding["code"].as_str().unwrap())),
            "{finding}"
        );
        assert!(comment.contains(opening), "{opening}");
    }
    for cluster in &clusters {
        assert!(comment.contains(&format!("`{cluster}`")), "{cluster}");
    }

    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        insta::assert_snapshot!(format!("scenario__{name}__txt"), text);
        insta::assert_snapshot!(format!("scenario__{name}__github_comment"), comment);
    });
}

#[test]
fn rud_incident_reports_are_stable() {
    snapshot_all_formats("rud-incident");
}

#[test]
fn reports_never_contain_secret_values() {
    for format in ["text", "markdown", "json"] {
        let run = plan("rud-incident", format);
        assert!(!run.stdout.contains("SECRET-TOKEN-MUST-NOT-LEAK"));
        assert!(!run.stdout.contains("bearerToken"));
    }
}

#[test]
fn same_inputs_give_byte_identical_reports() {
    let first = plan("rud-incident", "json").stdout;
    let second = plan("rud-incident", "json").stdout;
    assert_eq!(first, second);
}

#[test]
fn preserve_already_live_replaces_without_cascade() {
    let (code, report) = plan_json("preserve-already-live");
    assert_eq!(code, 0);
    let deleted = applications(&report, "delete");
    assert_eq!(deleted.len(), 12);
    assert!(deleted.iter().all(|a| a["cascade"] == false));
    for name in ["e1-k8s-lab-a", "e1-k8s-lab-b", "e1-k8s-test-a"] {
        assert!(
            report["clusters"]
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c["name"] != name),
            "nothing is deleted on {name}"
        );
    }
    assert!(findings(&report, "stuck-namespace").is_empty());
    snapshot_all_formats("preserve-already-live");
}

#[test]
fn preserve_added_in_the_same_change_still_cascades() {
    let (code, report) = plan_json("preserve-added-same-change");
    assert_eq!(code, 1);
    assert!(applications(&report, "delete")
        .iter()
        .all(|a| a["cascade"] == true));
    let too_late = findings(&report, "preserve-added-too-late");
    assert_eq!(too_late.len(), 4, "one per ApplicationSet");
    let stuck = findings(&report, "stuck-namespace");
    assert_eq!(stuck.len(), 1, "one finding for the fleet");
    assert_eq!(stuck[0]["clusters"].as_array().unwrap().len(), 3);
    snapshot_all_formats("preserve-added-same-change");
}

#[test]
fn create_update_policy_deletes_nothing() {
    let (code, report) = plan_json("create-update-policy");
    assert_eq!(code, 0);
    assert_eq!(applications(&report, "create").len(), 12);
    assert!(applications(&report, "delete").is_empty());
    assert_eq!(findings(&report, "deletion-suppressed").len(), 4);
    assert!(report["clusters"].as_array().unwrap().is_empty());
    snapshot_all_formats("create-update-policy");
}

#[test]
fn generator_error_freezes_its_applicationset() {
    let (code, report) = plan_json("generator-error");
    assert_eq!(code, 2, "an unevaluable generator is exit 2");
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["applicationSet"], "kube-log");
    assert!(errors[0]["file"]
        .as_str()
        .unwrap()
        .ends_with("kube-log.yaml"));
    assert!(errors[0]["message"].as_str().unwrap().contains("`Gt`"));
    assert!(
        applications(&report, "delete").is_empty(),
        "frozen: never zero Applications"
    );
    assert!(applications(&report, "create").is_empty());
    assert!(
        applications(&report, "update").is_empty(),
        "other ApplicationSets are unchanged"
    );
    snapshot_all_formats("generator-error");
}

#[test]
fn removed_applicationset_deletes_its_applications_and_their_resources() {
    let (code, report) = plan_json("appset-removed");
    assert_eq!(
        code, 0,
        "nothing critical: the APIService goes with its backend"
    );
    let deleted = applications(&report, "delete");
    assert_eq!(deleted.len(), 3);
    assert!(deleted
        .iter()
        .all(|a| a["applicationSet"] == "kube-metrics-server"));
    assert!(deleted.iter().all(|a| a["cascade"] == true));
    let lab_a = cluster(&report, "e1-k8s-lab-a");
    let objects = lab_a["objects"].as_array().unwrap();
    assert!(objects
        .iter()
        .any(|o| o["kind"] == "APIService" && o["outcome"] == "deleted"));
    assert!(objects.iter().all(|o| o["outcome"] == "deleted"));
    assert!(lab_a["namespaces"].as_array().unwrap().is_empty());
    assert!(findings(&report, "stuck-namespace").is_empty());
    let sets = report["applicationSets"].as_array().unwrap();
    assert_eq!(sets.len(), 1, "{sets:?}");
    assert_eq!(sets[0]["name"], "kube-metrics-server");
    assert_eq!(sets[0]["fate"], "pruned");
    assert_eq!(sets[0]["manager"]["name"], "platform-appsets");
    snapshot_all_formats("appset-removed");
}

/// Removing an ApplicationSet's file deletes it only when the Application that tracks it
/// prunes: gitops-engine `pkg/sync/sync_context.go` prunes extraneous objects only with
/// pruning on, and `pkg/apis/application/v1alpha1/types.go` `GetPrune` is false unless
/// `prune: true`.
#[test]
fn removed_applicationset_without_prune_goes_out_of_sync_and_deletes_nothing() {
    let (code, report) = plan_json("appset-removed-without-prune");
    assert_eq!(code, 0);
    assert!(applications(&report, "delete").is_empty(), "{report}");
    assert!(report["clusters"].as_array().unwrap().is_empty());
    let sets = report["applicationSets"].as_array().unwrap();
    assert_eq!(sets.len(), 1, "{sets:?}");
    assert_eq!(sets[0]["fate"], "not-pruned");
    assert_eq!(sets[0]["reason"], "prune-disabled");
    assert_eq!(sets[0]["manager"]["name"], "platform-appsets");
    snapshot_all_formats("appset-removed-without-prune");
}

/// A live ApplicationSet in neither revision is managed elsewhere: the merge leaves it
/// and its Applications alone (issue #12: `--path` missing a live ApplicationSet).
#[test]
fn live_applicationset_in_neither_revision_is_left_alone() {
    let (code, report) = plan_json("appset-not-in-revisions");
    assert_eq!(code, 0);
    assert!(applications(&report, "delete").is_empty(), "{report}");
    let sets = report["applicationSets"].as_array().unwrap();
    assert_eq!(sets.len(), 1, "{sets:?}");
    assert_eq!(sets[0]["name"], "kube-log");
    assert_eq!(sets[0]["fate"], "not-in-revisions");
    assert!(
        report["drift"].as_array().unwrap().is_empty(),
        "not reported as drift: {}",
        report["drift"]
    );
    snapshot_all_formats("appset-not-in-revisions");
}

/// Issue 11: a group/version `capture` recorded as stale makes its APIService already
/// unavailable, so the namespace the change deletes on that cluster stays terminating —
/// though the APIService object says `Available=True` — and only there.
#[test]
fn captured_stale_group_version_holds_the_namespace_deleted_on_that_cluster() {
    let (code, report) = plan_json("captured-apiservice-unavailable");
    assert_eq!(code, 1, "a stuck namespace fails the default --fail-on");
    let namespace = |cluster_name: &str| {
        cluster(&report, cluster_name)["namespaces"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["name"] == "kube-log")
            .unwrap_or_else(|| panic!("kube-log on {cluster_name}"))
            .clone()
    };
    let lab_a = namespace("e1-k8s-lab-a");
    assert_eq!(lab_a["outcome"], "stuck", "{lab_a}");
    let discovery = lab_a["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "NamespaceDeletionDiscoveryFailure")
        .unwrap();
    assert_eq!(
        discovery["message"],
        "Discovery failed for some groups, 1 failing: unable to retrieve the complete list of server APIs: metrics.k8s.io/v1beta1: stale GroupVersion discovery: metrics.k8s.io/v1beta1"
    );
    for other in ["e1-k8s-lab-b", "e1-k8s-test-a"] {
        assert_eq!(namespace(other)["outcome"], "deleted", "{other}");
    }
    let stuck = findings(&report, "stuck-namespace");
    assert_eq!(stuck.len(), 1, "{stuck:?}");
    assert_eq!(stuck[0]["cluster"], "e1-k8s-lab-a");
    let unavailable = findings(&report, "apiservice-unavailable");
    assert_eq!(unavailable.len(), 1, "{unavailable:?}");
    let message = unavailable[0]["message"].as_str().unwrap();
    assert!(
        message.contains("already unavailable before the change")
            && message.contains("stale GroupVersion discovery: metrics.k8s.io/v1beta1"),
        "{message}"
    );
    snapshot_all_formats("captured-apiservice-unavailable");
}

/// Issue 13: a replacement whose namespace stays Terminating cannot sync (NamespaceLifecycle
/// admission, R-OBJ-9). What follows is Argo CD's retry policy (`controller/appcontroller.go`,
/// `autoSync` and `alreadyAttemptedSync`): by default 5 retries and then no new sync of
/// the same revision, self-heal included, so a sync by hand is needed; with
/// `syncPolicy.retry.limit: -1` the replacement recovers by itself once the namespace is
/// freed. Where the namespace finishes (the other clusters), nothing is reported.
#[test]
fn replacement_sync_failure_follows_argo_cd_retry_policy() {
    let message_and_steps = |name: &str| {
        let (code, report) = plan_json(name);
        assert_eq!(code, 1, "{name}");
        let unavailable = findings(&report, "apiservice-unavailable");
        assert_eq!(unavailable.len(), 1, "{name}: {unavailable:?}");
        assert_eq!(unavailable[0]["cluster"], "e1-k8s-lab-a", "{name}");
        for blocked in findings(&report, "replacement-blocked") {
            assert_eq!(
                blocked["clusters"],
                serde_json::json!(["e1-k8s-lab-a"]),
                "{name}: a replacement whose namespace finishes is not blocked"
            );
        }
        let steps: Vec<String> = unavailable[0]["remediation"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect();
        (
            unavailable[0]["message"].as_str().unwrap().to_string(),
            steps,
        )
    };
    let (message, steps) = message_and_steps("captured-apiservice-unavailable");
    assert!(
        message.contains("automated sync retries the failed sync 5 times (the default without `syncPolicy.retry`), about 2.5 minutes in all, then Argo CD does not sync the same revision again by itself, and self-heal does not either"),
        "{message}"
    );
    assert!(
        steps.iter().any(|s| s.starts_with("argocd app sync")),
        "{steps:?}"
    );
    let (message, steps) = message_and_steps("replacement-retries-until-the-namespace-is-gone");
    assert!(
        message.contains("`syncPolicy.retry.limit: -1` retries the failed sync until it succeeds: they recover by themselves once the namespace is gone"),
        "{message}"
    );
    assert!(
        !steps.iter().any(|s| s.starts_with("argocd app sync")),
        "{steps:?}"
    );
    snapshot_all_formats("replacement-retries-until-the-namespace-is-gone");
}

/// Issue 11: a `capture.json` the loader cannot read stops `plan` with exit 2, naming the
/// file and the field, rather than planning as if nothing were unavailable.
#[test]
fn a_malformed_capture_record_is_exit_2_naming_file_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = dir.path().join("snapshot");
    let source = scenario_dir("captured-apiservice-unavailable").join("snapshot");
    for entry in walk(&source) {
        let target = snapshot.join(entry.strip_prefix(&source).unwrap());
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&entry, &target).unwrap();
    }
    let record = snapshot.join("e1-k8s-lab-a/capture.json");
    std::fs::write(
        &record,
        r#"{"schemaVersion": 1, "unavailableGroupVersions": [{"groupVersion": "metrics.k8s.io/v1beta1"}]}"#,
    )
    .unwrap();
    let run = run(&[
        "plan",
        "--snapshot",
        snapshot.to_str().unwrap(),
        "--base",
        "tests/scenarios/captured-apiservice-unavailable/base",
        "--head",
        "tests/scenarios/captured-apiservice-unavailable/head",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "{}: invalid capture record: field `unavailableGroupVersions[0].reason` is missing",
            record.display()
        )),
        "{}",
        run.stderr
    );
}

/// Every file under `dir`, sorted.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// A base revision without any ApplicationSet while the snapshot has live ones is a
/// wrong path, not "everything removed": exit 2 naming the revision.
#[test]
fn base_without_applicationsets_while_live_has_some_is_a_usage_error() {
    let empty = std::env::temp_dir().join(format!("preflight-empty-base-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let result = run(&[
        "plan",
        "--snapshot",
        "tests/scenarios/appset-removed/snapshot",
        "--base",
        empty.to_str().unwrap(),
        "--head",
        "tests/scenarios/appset-removed/head",
    ]);
    std::fs::remove_dir_all(&empty).unwrap();
    assert_eq!(result.code, 2, "{}", result.stdout);
    assert!(
        result.stderr.contains("holds no ApplicationSet")
            && result.stderr.contains(empty.to_str().unwrap())
            && result.stderr.contains("`kube-log`"),
        "{}",
        result.stderr
    );
    assert!(result.stdout.is_empty());
}

#[test]
fn fail_on_never_and_high_change_the_exit_code() {
    let dir = "tests/scenarios/appset-removed";
    let args = |fail_on: &str| {
        run(&[
            "plan",
            "--snapshot",
            &format!("{dir}/snapshot"),
            "--base",
            &format!("{dir}/base"),
            "--head",
            &format!("{dir}/head"),
            "--fail-on",
            fail_on,
        ])
        .code
    };
    assert_eq!(args("high"), 1);
    assert_eq!(args("never"), 0);
    assert_eq!(args("critical"), 0);
}

#[test]
fn bad_input_is_exit_2_with_the_file_named() {
    let run = run(&[
        "plan",
        "--snapshot",
        "tests/scenarios/does-not-exist",
        "--base",
        "tests/scenarios/rud-incident/base",
        "--head",
        "tests/scenarios/rud-incident/head",
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("does-not-exist"), "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"));
}

#[test]
fn the_bundled_example_is_the_incident() {
    let run = run(&[
        "plan",
        "--snapshot",
        "examples/rud-incident/snapshot",
        "--base",
        "examples/rud-incident/base",
        "--head",
        "examples/rud-incident/head",
    ]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.starts_with("CRITICAL"), "{}", run.stdout);
}

/// `--base-ref`/`--head-ref` read the manifests of a git checkout at two revisions.
#[test]
fn plan_reads_revisions_from_git() {
    let repo = std::env::temp_dir().join(format!("preflight-git-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&repo);
    std::fs::create_dir_all(repo.join("appsets")).unwrap();
    let git = |args: &[&str]| {
        let status = Command::new("git")
            .arg("-C")
            .arg(&repo)
            .args([
                "-c",
                "user.name=test",
                "-c",
                "user.email=test@example.invalid",
            ])
            .args(args)
            .status()
            .expect("git runs");
        assert!(status.success(), "git {args:?}");
    };
    let copy = |revision: &str| {
        let from = scenario_dir("rud-incident").join(revision);
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), repo.join("appsets").join(entry.file_name())).unwrap();
        }
    };
    git(&["init", "-q"]);
    copy("base");
    std::fs::write(
        repo.join("unrelated.yaml"),
        "not: [a, kubernetes, object]\n",
    )
    .unwrap();
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "base"]);
    git(&["tag", "base"]);
    copy("head");
    git(&["commit", "-q", "-am", "head"]);
    let snapshot = scenario_dir("rud-incident").join("snapshot");
    let from_git = run(&[
        "plan",
        "--snapshot",
        snapshot.to_str().unwrap(),
        "--base-ref",
        "base",
        "--head-ref",
        "HEAD",
        "--repo",
        repo.to_str().unwrap(),
        "--path",
        "appsets/*.yaml",
        "--format",
        "json",
    ]);
    // A `--path` that matches no file at either revision is a usage error naming it.
    let typo = run(&[
        "plan",
        "--snapshot",
        snapshot.to_str().unwrap(),
        "--base-ref",
        "base",
        "--head-ref",
        "HEAD",
        "--repo",
        repo.to_str().unwrap(),
        "--path",
        "appsets/*.yaml",
        "--path",
        "appsets/*.yml",
    ]);
    std::fs::remove_dir_all(&repo).unwrap();
    assert_eq!(typo.code, 2, "{}", typo.stdout);
    assert!(
        typo.stderr.contains("`appsets/*.yml` matches no")
            && !typo.stderr.contains("`appsets/*.yaml`"),
        "{}",
        typo.stderr
    );
    assert_eq!(from_git.code, 1, "{}", from_git.stderr);
    let from_dirs = plan("rud-incident", "json");
    let strip_files = |text: &str| -> Value {
        let mut json: Value = serde_json::from_str(text).unwrap();
        json["errors"] = Value::Null;
        json
    };
    assert_eq!(
        strip_files(&from_git.stdout),
        strip_files(&from_dirs.stdout)
    );
}

/// `generate` prints the Applications of one ApplicationSet, as the controller writes
/// them, in generation order.
#[test]
fn generate_prints_the_applications_of_an_applicationset() {
    let dir = "tests/scenarios/rud-incident";
    let json = run(&[
        "generate",
        &format!("{dir}/head/kube-metrics-server.yaml"),
        "--snapshot",
        &format!("{dir}/snapshot"),
        "-o",
        "json",
    ]);
    assert_eq!(json.code, 0, "{}", json.stderr);
    let list: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(list["kind"], "List");
    let items = list["items"].as_array().unwrap();
    let names: Vec<&str> = items
        .iter()
        .map(|i| i["metadata"]["name"].as_str().unwrap())
        .collect();
    // Two cluster generators in order: the lab clusters, then the test cluster.
    assert_eq!(
        names,
        [
            "metrics-server-e1-k8s-lab-a",
            "metrics-server-e1-k8s-lab-b",
            "metrics-server-e1-k8s-test-a"
        ]
    );
    assert_eq!(items[0]["spec"]["source"]["targetRevision"], "HEAD");
    assert_eq!(items[2]["spec"]["source"]["targetRevision"], "v0.1.4");
    assert_eq!(
        items[0]["metadata"]["finalizers"][0],
        "resources-finalizer.argocd.argoproj.io"
    );
    assert_eq!(
        items[0]["metadata"]["ownerReferences"][0]["kind"],
        "ApplicationSet"
    );

    let yaml = run(&[
        "generate",
        &format!("{dir}/head/kube-metrics-server.yaml"),
        "--snapshot",
        &format!("{dir}/snapshot"),
    ]);
    assert_eq!(yaml.code, 0);
    assert_eq!(
        yaml.stdout.matches("kind: Application\n").count(),
        3,
        "{}",
        yaml.stdout
    );

    let broken = run(&[
        "generate",
        "tests/scenarios/generator-error/head/kube-log.yaml",
    ]);
    assert_eq!(broken.code, 2);
    assert!(broken.stderr.contains("kube-log.yaml"), "{}", broken.stderr);
    assert!(broken.stderr.contains("`Gt`"), "{}", broken.stderr);
}

/// An empty template project is validated as empty, not as `default`:
/// `validateGeneratedApplications` (applicationset/controllers/applicationset_controller.go)
/// runs before `NormalizeApplicationSpec`, so `generate` says Argo CD refuses it, with
/// the controller's message.
#[test]
fn generate_refuses_an_empty_project() {
    let file = std::env::temp_dir().join(format!(
        "preflight-empty-project-{}.yaml",
        std::process::id()
    ));
    std::fs::write(
        &file,
        "apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: web, namespace: argocd}
spec:
  generators: [{list: {elements: [{app: a}]}}]
  template:
    metadata: {name: '{{app}}'}
    spec:
      project: ''
      source: {repoURL: 'https://git.example/web.git', path: web}
      destination: {server: 'https://kubernetes.default.svc', namespace: web}
",
    )
    .unwrap();
    let result = run(&["generate", file.to_str().unwrap(), "-o", "json"]);
    std::fs::remove_file(&file).unwrap();
    assert_eq!(result.code, 1, "{}", result.stderr);
    assert!(
        result
            .stderr
            .contains("Application `a` would not be written: application references project  which does not exist"),
        "{}",
        result.stderr
    );
    // The Application is printed as the controller would normalize it on write.
    let list: Value = serde_json::from_str(&result.stdout).unwrap();
    assert_eq!(list["items"][0]["spec"]["project"], "default");
}

/// `generate` also says when the API server refuses an Application: a name that is not a
/// DNS subdomain (apimachinery `IsDNS1123Subdomain`, as for every custom resource).
#[test]
fn generate_reports_names_the_api_server_refuses() {
    let result = generate_list("bad-name", &["ok", "Not_OK"]);
    assert_eq!(result.code, 1, "{}", result.stderr);
    assert!(
        result.stderr.contains(
            "Application `Not_OK` would not be written: Application.argoproj.io \"Not_OK\" is invalid: metadata.name: Invalid value"
        ),
        "{}",
        result.stderr
    );
    assert!(!result.stderr.contains("`ok`"), "{}", result.stderr);
}

/// `generate` of the ApplicationSet `web`: a list generator of `apps`, each the name of
/// an Application on the in-cluster destination.
fn generate_list(label: &str, apps: &[&str]) -> Run {
    let file = std::env::temp_dir().join(format!("preflight-{label}-{}.yaml", std::process::id()));
    let elements: Vec<String> = apps.iter().map(|app| format!("{{app: {app}}}")).collect();
    std::fs::write(
        &file,
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
      source: {{repoURL: 'https://git.example/web.git', path: web}}
      destination: {{server: 'https://kubernetes.default.svc', namespace: web}}
",
            elements.join(", ")
        ),
    )
    .unwrap();
    let result = run(&["generate", file.to_str().unwrap()]);
    std::fs::remove_file(&file).unwrap();
    result
}

/// Every refused Application is reported once, in order: the controller's refusals
/// (a duplicate name) first, then the API server's, in the order the Applications were
/// generated, however the checks are spread over threads.
#[test]
fn generate_reports_every_refusal_once_in_order() {
    let apps = ["Bad_A", "ok", "Dup_X", "Bad_B", "Dup_X", "fine", "Bad_C"];
    let result = generate_list("bad-names", &apps);
    assert_eq!(result.code, 1, "{}", result.stderr);
    let refused: Vec<&str> = result
        .stderr
        .lines()
        .filter_map(|line| line.strip_prefix("error: ApplicationSet `web`: Application `"))
        .filter_map(|rest| rest.split('`').next())
        .collect();
    assert_eq!(
        refused,
        ["Dup_X", "Bad_A", "Bad_B", "Bad_C"],
        "{}",
        result.stderr
    );
}

/// `generate` shows progressive sync as the controller writes it: automated sync
/// disabled when the snapshot's `argocd-cmd-params-cm` enables progressive syncs
/// (`applicationset/progressivesync/progressive_sync.go`, `disableAutomatedSync`), and
/// says what `deletionOrder: Reverse` does.
#[test]
fn generate_writes_automated_sync_disabled_under_progressive_sync() {
    let dir = std::env::temp_dir().join(format!("preflight-progressive-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("snapshot/in-cluster")).unwrap();
    std::fs::write(
        dir.join("snapshot/in-cluster/argocd.yaml"),
        "apiVersion: v1
kind: ConfigMap
metadata: {name: argocd-cm, namespace: argocd}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: argocd-cmd-params-cm, namespace: argocd}
data: {applicationsetcontroller.enable.progressive.syncs: 'true'}
",
    )
    .unwrap();
    let appset = dir.join("appset.yaml");
    std::fs::write(
        &appset,
        "apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: web, namespace: argocd}
spec:
  generators: [{list: {elements: [{app: a, env: dev}, {app: b, env: prod}]}}]
  strategy:
    type: RollingSync
    deletionOrder: Reverse
    rollingSync:
      steps: [{matchExpressions: [{key: env, operator: In, values: [dev]}]}]
  template:
    metadata: {name: '{{app}}', labels: {env: '{{env}}'}}
    spec:
      project: default
      source: {repoURL: 'https://git.example/web.git', path: web}
      destination: {server: 'https://kubernetes.default.svc', namespace: web}
      syncPolicy: {automated: {prune: true}}
",
    )
    .unwrap();
    let with = run(&[
        "generate",
        appset.to_str().unwrap(),
        "--snapshot",
        dir.join("snapshot").to_str().unwrap(),
        "-o",
        "json",
    ]);
    let without = run(&["generate", appset.to_str().unwrap(), "-o", "json"]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(with.code, 0, "{}", with.stderr);
    let list: Value = serde_json::from_str(&with.stdout).unwrap();
    assert_eq!(
        list["items"][0]["spec"]["syncPolicy"]["automated"],
        serde_json::json!({"prune": true, "enabled": false})
    );
    assert!(
        with.stderr.contains("written with automated sync disabled"),
        "{}",
        with.stderr
    );
    assert!(
        with.stderr.contains("reverse step order"),
        "{}",
        with.stderr
    );
    // Each Application's step, as `buildAppDependencyList` assigns it; `b` matches none.
    assert!(
        with.stderr
            .contains("note: Application `a`: RollingSync step 1 of 1"),
        "{}",
        with.stderr
    );
    assert!(
        with.stderr
            .contains("note: Application `b`: no RollingSync step selects it"),
        "{}",
        with.stderr
    );
    // Without the flag the controller ignores the strategy.
    assert_eq!(without.code, 0, "{}", without.stderr);
    let list: Value = serde_json::from_str(&without.stdout).unwrap();
    assert_eq!(
        list["items"][0]["spec"]["syncPolicy"]["automated"],
        serde_json::json!({"prune": true})
    );
    assert!(
        without.stderr.contains("which the controller ignores"),
        "{}",
        without.stderr
    );
}

/// Every rule ID a report cites is explained in `docs/rules.md`, and a report cites no
/// section of a document users do not have.
#[test]
fn every_rule_id_the_reports_cite_is_explained_in_the_repository() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rules = std::fs::read_to_string(root.join("docs/rules.md")).unwrap();
    let mut cited = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(root.join("snapshots")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        assert!(!text.contains('§'), "a report cites a section sign");
        for (start, _) in text.match_indices("R-") {
            let id: String = text[start..]
                .chars()
                .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '-')
                .collect();
            let id = id.trim_end_matches('-');
            let parts: Vec<&str> = id.split('-').collect();
            if parts.len() == 3 && parts[2].chars().all(|c| c.is_ascii_digit()) {
                cited.insert(id.to_string());
            }
        }
    }
    assert!(cited.contains("R-DISC-4"), "{cited:?}");
    for id in &cited {
        assert!(
            rules.contains(&format!("## {id} — ")),
            "{id} is cited but not explained in docs/rules.md"
        );
    }
}
