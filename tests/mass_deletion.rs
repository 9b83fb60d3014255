//! `plan --max-deletions` end to end (issue 15): the blast-radius gate turns a change that
//! deletes more of one ApplicationSet's live Applications than allowed into a `high`
//! finding `mass-deletion`, with the Applications listed (folded in Markdown, cut short
//! in text, in full in JSON). The incident's rename is the case: its four ApplicationSets
//! each delete all three of their Applications (appset rulebook §11.1, R-ARGO-1).

use std::process::Command;

use serde_json::Value;

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

/// `plan` of a scenario of `tests/scenarios/`, with `extra` options.
fn plan(scenario: &str, format: &str, extra: &[&str]) -> Run {
    let dir = format!("tests/scenarios/{scenario}");
    let mut args = vec![
        "plan".to_string(),
        "--snapshot".to_string(),
        format!("{dir}/snapshot"),
        "--base".to_string(),
        format!("{dir}/base"),
        "--head".to_string(),
        format!("{dir}/head"),
        "--format".to_string(),
        format.to_string(),
    ];
    args.extend(extra.iter().map(|a| a.to_string()));
    run(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

fn plan_json(scenario: &str, extra: &[&str]) -> Value {
    let run = plan(scenario, "json", extra);
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{scenario}: the report is JSON: {e}\n{}", run.stderr))
}

fn mass_deletion_findings(report: &Value) -> Vec<&Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "mass-deletion")
        .collect()
}

const INCIDENT: &str = "rud-incident";
const SETS: [&str; 4] = [
    "kube-contour",
    "kube-log",
    "kube-metrics-ns",
    "kube-metrics-server",
];

#[test]
fn a_rename_that_deletes_more_than_allowed_is_a_high_mass_deletion() {
    let report = plan_json(INCIDENT, &["--max-deletions", "2"]);
    assert_eq!(report["kind"], "plan");
    let findings = mass_deletion_findings(&report);
    assert_eq!(findings.len(), 4, "one per ApplicationSet");
    for finding in &findings {
        assert_eq!(finding["severity"], "high");
        assert_eq!(
            finding["clusters"],
            serde_json::json!(["e1-k8s-lab-a", "e1-k8s-lab-b", "e1-k8s-test-a"])
        );
        let message = finding["message"].as_str().unwrap();
        assert!(
            message.contains(
                "deletes 3 of its 3 live Applications (100%), more than `--max-deletions 2` allows"
            ),
            "{message}"
        );
    }
    let listed = report["massDeletions"].as_array().unwrap();
    let sets: Vec<&str> = listed
        .iter()
        .map(|m| m["applicationSet"].as_str().unwrap())
        .collect();
    assert_eq!(sets, SETS);
    for mass in listed {
        assert_eq!(mass["limit"], "2");
        assert_eq!(mass["live"], 3);
        let deleted = mass["deleted"].as_array().unwrap();
        assert_eq!(deleted.len(), 3);
        assert!(deleted
            .iter()
            .all(|a| a["cascade"] == true && a["replacedBy"].is_string()));
    }
}

#[test]
fn a_share_counts_against_each_applicationsets_live_applications() {
    let flagged = plan_json(INCIDENT, &["--max-deletions", "66%"]);
    assert_eq!(mass_deletion_findings(&flagged).len(), 4);
    assert_eq!(flagged["massDeletions"][0]["limit"], "66%");
    let none_allowed = plan_json(INCIDENT, &["--max-deletions", "0"]);
    assert_eq!(mass_deletion_findings(&none_allowed).len(), 4);
}

/// The negative: the same rename under a limit it stays within reports exactly what the
/// plan without the gate reports.
#[test]
fn a_change_within_the_limit_reports_nothing_more() {
    let without = plan(INCIDENT, "json", &[]);
    for limit in ["3", "100%"] {
        let within = plan(INCIDENT, "json", &["--max-deletions", limit]);
        assert_eq!(within.code, without.code, "{limit}");
        assert_eq!(within.stdout, without.stdout, "{limit}");
    }
    let report: Value = serde_json::from_str(&without.stdout).unwrap();
    assert!(report.get("massDeletions").is_none());
    assert!(mass_deletion_findings(&report).is_empty());
}

/// A limit is about deletions: a fleet whose change creates and updates only never
/// reaches it, even at zero.
#[test]
fn a_change_that_deletes_nothing_never_reaches_the_limit() {
    let report = plan_json("create-update-policy", &["--max-deletions", "0"]);
    assert!(mass_deletion_findings(&report).is_empty());
    assert!(report.get("massDeletions").is_none());
}

#[test]
fn the_text_report_cuts_a_long_list_and_the_json_report_keeps_it_whole() {
    let text = plan(
        "rud-incident-30-clusters",
        "text",
        &["--max-deletions", "10%"],
    );
    assert!(text.stdout.contains("Applications beyond --max-deletions"));
    assert!(
        text.stdout
            .contains("… and 20 more (`--format json` lists them all)"),
        "{}",
        text.stdout
    );
    let json = plan_json("rud-incident-30-clusters", &["--max-deletions", "10%"]);
    for mass in json["massDeletions"].as_array().unwrap() {
        assert_eq!(mass["deleted"].as_array().unwrap().len(), 30);
    }
    let markdown = plan(
        "rud-incident-30-clusters",
        "markdown",
        &["--max-deletions", "10%"],
    );
    assert!(markdown
        .stdout
        .contains("<details><summary>ApplicationSet <code>argocd/kube-log</code> deletes 30 of its 30 live Applications"));
}

#[test]
fn bad_limits_are_usage_errors() {
    for (value, expected) in [
        ("-1", "`-1` is not a limit"),
        ("abc", "`abc` is not a limit"),
        ("2.5%", "`2.5%` is not a limit"),
        ("150%", "`150%` is more than all Applications"),
    ] {
        let on_plan = plan(INCIDENT, "text", &["--max-deletions", value]);
        assert_eq!(on_plan.code, 2, "{value}: {}", on_plan.stderr);
        assert!(on_plan.stderr.contains(expected), "{}", on_plan.stderr);
        assert!(
            on_plan.stderr.contains("--max-deletions"),
            "{}",
            on_plan.stderr
        );
        assert!(on_plan.stdout.is_empty());
        let on_comment = run(&[
            "comment",
            "--snapshot",
            "tests/scenarios/rud-incident/snapshot",
            "--dry-run",
            "--max-deletions",
            value,
        ]);
        assert_eq!(on_comment.code, 2, "{value}: {}", on_comment.stderr);
        assert!(
            on_comment.stderr.contains(expected),
            "{}",
            on_comment.stderr
        );
    }
}

#[test]
fn mass_deletion_reports() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        for (format, extension) in [("text", "txt"), ("markdown", "md"), ("json", "json")] {
            let run = plan(INCIDENT, format, &["--max-deletions", "2"]);
            insta::assert_snapshot!(
                format!("mass_deletion__rud_incident_max_2__{extension}"),
                run.stdout
            );
        }
    });
}
