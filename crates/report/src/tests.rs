//! Outcomes built by hand: one shaped like the incident of design.md (two clusters,
//! Applications replaced with cascade, `kube-metrics` deleted, every deleted namespace
//! stuck on discovery), and one where nothing goes wrong.

use preflight_model::{ApplicationsSyncPolicy, ObjectKey};
use preflight_outcome::causes::{
    ControllerEvidence, DeleteCause, FinalizerBlocker, NamespaceBlocker, StuckCause,
};
use preflight_outcome::{
    Action, ApiServiceOutcome, ApplicationChange, AvailabilityReason, ClusterOutcome, Destination,
    Drift, DriftCause, EvaluationError, Fate, Finding, FindingCode, NamespaceCondition,
    NamespaceOutcome, Note, ObjectOutcome, ObjectReason, Outcome, Severity,
};
use serde_json::{json, Value};

use crate::{
    exceeds, render_json, render_markdown, render_markdown_comment, render_markdown_limited,
    render_text, COMMENT_MARKER, SCHEMA_VERSION,
};

#[track_caller]
fn snapshot(name: &str, rendered: &str) {
    insta::with_settings!({
        snapshot_path => "../../../snapshots",
        prepend_module_to_snapshot => false,
    }, {
        insta::assert_snapshot!(name, rendered);
    });
}

const LAB_A: &str = "e1-k8s-lab-a";
const LAB_B: &str = "e1-k8s-lab-b";

fn destination(cluster: &str, namespace: &str) -> Destination {
    Destination {
        cluster: Some(cluster.to_string()),
        server: Some(format!("https://{cluster}.example.internal:6443")),
        namespace: Some(namespace.to_string()),
    }
}

fn manifest(name: &str, cluster: &str, namespace: &str, revision: &str) -> Value {
    json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {
            "name": name,
            "namespace": "argocd",
            "finalizers": ["resources-finalizer.argocd.argoproj.io"],
            "labels": {"app.kubernetes.io/part-of": "platform"},
        },
        "spec": {
            "project": "platform",
            "destination": {"name": cluster, "namespace": namespace},
            "source": {
                "repoURL": "https://git.example.internal/platform/charts.git",
                "path": namespace,
                "targetRevision": revision,
            },
            "syncPolicy": {"automated": {"prune": true}, "syncOptions": ["CreateNamespace=true"]},
        },
    })
}

/// The live form of a manifest: what the API server and the controller add.
fn live(mut manifest: Value) -> Value {
    manifest["metadata"]["resourceVersion"] = json!("48213");
    manifest["metadata"]["uid"] = json!("0d1f7a52-5c1e-4c55-9a43-1b2b0e0c3f10");
    manifest["status"] = json!({"sync": {"status": "Synced"}, "health": {"status": "Healthy"}});
    manifest
}

fn application(name: &str, application_set: Option<&str>, action: Action) -> ApplicationChange {
    ApplicationChange {
        name: name.to_string(),
        namespace: "argocd".to_string(),
        application_set: application_set.map(str::to_string),
        action,
        replaced_by: None,
        replaces: None,
        destination: Destination::default(),
        cascade: false,
        policy: application_set.map(|_| ApplicationsSyncPolicy::Sync),
        notes: Vec::new(),
        before: None,
        after: None,
        progressive: None,
        rolling_step: None,
    }
}

/// The old Application `old` deleted with cascade and `new` created in its place.
fn replacement(
    application_set: &str,
    old: &str,
    new: &str,
    cluster: &str,
    namespace: &str,
) -> [ApplicationChange; 2] {
    let mut deleted = application(old, Some(application_set), Action::Delete);
    deleted.replaced_by = Some(new.to_string());
    deleted.destination = destination(cluster, namespace);
    deleted.cascade = true;
    deleted.before = Some(live(manifest(old, cluster, namespace, "v1.4.0")));
    let mut created = application(new, Some(application_set), Action::Create);
    created.replaces = Some(old.to_string());
    created.destination = destination(cluster, namespace);
    created.after = Some(manifest(new, cluster, namespace, "v1.4.0"));
    [deleted, created]
}

const DISCOVERY_MESSAGE: &str = "Discovery failed for some groups, 1 failing: unable to retrieve the complete list of server APIs: metrics.k8s.io/v1beta1: the server is currently unable to handle the request";

/// The five conditions of a namespace stuck on discovery, in the controller's order.
fn discovery_failure() -> Vec<NamespaceCondition> {
    let condition = |type_: &str, status: &str, reason: &str, message: &str| NamespaceCondition {
        type_: type_.to_string(),
        status: status.to_string(),
        reason: reason.to_string(),
        message: message.to_string(),
    };
    vec![
        condition(
            "NamespaceDeletionDiscoveryFailure",
            "True",
            "DiscoveryFailed",
            DISCOVERY_MESSAGE,
        ),
        condition(
            "NamespaceDeletionGroupVersionParsingFailure",
            "False",
            "ParsedGroupVersions",
            "All legacy kube types successfully parsed",
        ),
        condition(
            "NamespaceDeletionContentFailure",
            "False",
            "ContentDeleted",
            "All content successfully deleted, may be waiting on finalization",
        ),
        condition(
            "NamespaceContentRemaining",
            "False",
            "ContentRemoved",
            "All content successfully removed",
        ),
        condition(
            "NamespaceFinalizersRemaining",
            "False",
            "ContentHasNoFinalizers",
            "All content-preserving finalizers finished",
        ),
    ]
}

fn stuck_namespace(name: &str, deleted_by: &str) -> NamespaceOutcome {
    NamespaceOutcome {
        already_terminating: false,
        name: name.to_string(),
        outcome: Fate::Stuck,
        conditions: discovery_failure(),
        reason: cascade(deleted_by),
    }
}

fn object(
    api_version: &str,
    kind: &str,
    namespace: Option<&str>,
    name: &str,
    outcome: Fate,
    reason: ObjectReason,
) -> ObjectOutcome {
    ObjectOutcome {
        api_version: api_version.to_string(),
        kind: kind.to_string(),
        namespace: namespace.map(str::to_string),
        name: name.to_string(),
        outcome,
        reason,
    }
}

/// Deleted by Argo CD as a resource of `application`.
fn cascade(application: &str) -> ObjectReason {
    ObjectReason::Deleted(DeleteCause::Application(application.to_string()))
}

/// A namespace that stays because discovery of `metrics.k8s.io/v1beta1` fails.
fn discovery_fails() -> ObjectReason {
    ObjectReason::Stuck(vec![StuckCause::Namespace(NamespaceBlocker::Discovery(
        vec!["metrics.k8s.io/v1beta1".to_string()],
    ))])
}

fn metrics_api_service() -> ApiServiceOutcome {
    ApiServiceOutcome {
        name: "v1beta1.metrics.k8s.io".to_string(),
        group_version: "metrics.k8s.io/v1beta1".to_string(),
        service: "kube-metrics/metrics-server".to_string(),
        available: false,
        condition: AvailabilityReason::Condition {
            reason: "ServiceNotFound".to_string(),
            message: "service/metrics-server in \"kube-metrics\" is not present".to_string(),
        },
    }
}

fn apiservice_finding(cluster: &str) -> Finding {
    Finding {
        clusters: vec![cluster.to_string()],
        consequences: Vec::new(),
        cycle: false,
        root_cause: None,
        severity: Severity::Critical,
        code: FindingCode::ApiserviceUnavailable,
        cluster: Some(cluster.to_string()),
        message: "APIService `v1beta1.metrics.k8s.io` loses its backing Service `kube-metrics/metrics-server`: API discovery fails and no namespace can finish deleting".to_string(),
        remediation: vec![format!(
            "kubectl --context {cluster} delete apiservice v1beta1.metrics.k8s.io"
        )],
        chain: vec![
            "namespaces stay Terminating (NamespaceDeletionDiscoveryFailure)".to_string(),
            "API discovery fails for metrics.k8s.io/v1beta1".to_string(),
            "APIService v1beta1.metrics.k8s.io has no backing Service".to_string(),
            "namespace kube-metrics deleted, with Service metrics-server".to_string(),
            format!("Application metrics-server-{cluster} deleted with cascade"),
        ],
    }
}

fn incident() -> Outcome {
    let mut applications = Vec::new();
    applications.extend(replacement(
        "metrics-server",
        &format!("metrics-server-{LAB_A}"),
        &format!("{LAB_A}-metrics-server"),
        LAB_A,
        "kube-metrics",
    ));
    applications.extend(replacement(
        "metrics-server",
        &format!("metrics-server-{LAB_B}"),
        &format!("{LAB_B}-metrics-server"),
        LAB_B,
        "kube-metrics",
    ));
    applications.extend(replacement(
        "logging",
        &format!("logging-{LAB_A}"),
        &format!("{LAB_A}-logging"),
        LAB_A,
        "logging",
    ));
    let mut updated = application(&format!("logging-{LAB_B}"), Some("logging"), Action::Update);
    updated.destination = destination(LAB_B, "logging");
    updated.cascade = true;
    updated.before = Some(live(manifest(&updated.name, LAB_B, "logging", "v2.0.0")));
    updated.after = Some(manifest(&updated.name, LAB_B, "logging", "v2.1.0"));
    updated.notes = vec![Note::Adopted];
    applications.push(updated);
    let mut plain = application("argocd-self", None, Action::Unchanged);
    plain.destination = Destination {
        cluster: Some("in-cluster".to_string()),
        server: Some("https://kubernetes.default.svc".to_string()),
        namespace: Some("argocd".to_string()),
    };
    applications.push(plain);
    applications.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));

    let metrics_a = format!("metrics-server-{LAB_A}");
    let metrics_b = format!("metrics-server-{LAB_B}");
    let logging_a = format!("logging-{LAB_A}");
    let clusters = vec![
        ClusterOutcome {
            name: LAB_A.to_string(),
            objects: vec![
                object(
                    "v1",
                    "Namespace",
                    None,
                    "kube-metrics",
                    Fate::Stuck,
                    discovery_fails(),
                ),
                object(
                    "v1",
                    "Namespace",
                    None,
                    "logging",
                    Fate::Stuck,
                    discovery_fails(),
                ),
                object(
                    "apps/v1",
                    "Deployment",
                    Some("kube-metrics"),
                    "metrics-server",
                    Fate::Deleted,
                    cascade(&metrics_a),
                ),
                object(
                    "v1",
                    "Service",
                    Some("kube-metrics"),
                    "metrics-server",
                    Fate::Deleted,
                    cascade(&metrics_a),
                ),
                object(
                    "apps/v1",
                    "DaemonSet",
                    Some("logging"),
                    "fluent-bit",
                    Fate::Deleted,
                    cascade(&logging_a),
                ),
                object(
                    "example.com/v1",
                    "Pipeline",
                    Some("logging"),
                    "fluent|bit",
                    Fate::Stuck,
                    ObjectReason::Stuck(vec![StuckCause::Finalizer {
                        finalizer: "example.com/cleanup".to_string(),
                        blocker: FinalizerBlocker::ControllerDeleted {
                            workloads: vec![ObjectKey::new(
                                "apps",
                                "Deployment",
                                Some("logging"),
                                "pipeline-controller",
                            )],
                            how: ControllerEvidence::Rbac,
                        },
                    }]),
                ),
            ],
            namespaces: vec![
                stuck_namespace("kube-metrics", &metrics_a),
                stuck_namespace("logging", &logging_a),
            ],
            api_services: vec![metrics_api_service()],
            volumes: Vec::new(),
        },
        ClusterOutcome {
            name: LAB_B.to_string(),
            objects: vec![
                object(
                    "v1",
                    "Namespace",
                    None,
                    "kube-metrics",
                    Fate::Stuck,
                    discovery_fails(),
                ),
                object(
                    "apps/v1",
                    "Deployment",
                    Some("kube-metrics"),
                    "metrics-server",
                    Fate::Deleted,
                    cascade(&metrics_b),
                ),
                object(
                    "v1",
                    "Service",
                    Some("kube-metrics"),
                    "metrics-server",
                    Fate::Deleted,
                    cascade(&metrics_b),
                ),
            ],
            namespaces: vec![stuck_namespace("kube-metrics", &metrics_b)],
            api_services: vec![metrics_api_service()],
            volumes: Vec::new(),
        },
    ];

    let findings = vec![
        apiservice_finding(LAB_A),
        apiservice_finding(LAB_B),
        Finding {
            clusters: Vec::new(),
            consequences: Vec::new(),
            cycle: false,
            root_cause: None,
            severity: Severity::High,
            code: FindingCode::StuckNamespace,
            cluster: Some(LAB_A.to_string()),
            message: "namespace `logging` stays Terminating".to_string(),
            remediation: vec![format!(
                "kubectl --context {LAB_A} delete apiservice v1beta1.metrics.k8s.io"
            )],
            chain: vec![
                "namespace \"logging\" [Terminating]".to_string(),
                "discovery of {metrics.k8s.io/v1beta1} fails <503> | #1".to_string(),
            ],
        },
        Finding {
            clusters: Vec::new(),
            consequences: Vec::new(),
            cycle: false,
            root_cause: None,
            severity: Severity::Warning,
            code: FindingCode::ApplicationReplaced,
            cluster: None,
            message: "3 Applications are deleted and re-created under new names: the name template of ApplicationSets `logging` and `metrics-server` changed".to_string(),
            remediation: vec![
                "set spec.syncPolicy.preserveResourcesOnDeletion: true on the live ApplicationSets before merging".to_string(),
            ],
            chain: Vec::new(),
        },
    ];

    Outcome {
        applications,
        clusters,
        findings,
        errors: vec![EvaluationError {
            file: Some("appsets/ingress.yaml".to_string()),
            application_set: Some("ingress-nginx".to_string()),
            message: "the `scmProvider` generator cannot be evaluated offline".to_string(),
            freezes: true,
        }],
        drift: vec![Drift {
            application_set: "logging".to_string(),
            namespace: "argocd".to_string(),
            cause: DriftCause::SpecDiffers {
                fields: vec!["spec.template".to_string()],
            },
        }],
        application_sets: Vec::new(),
        clusters_read: vec![
            "e1-k8s-lab-a".to_string(),
            "e1-k8s-lab-b".to_string(),
            "in-cluster".to_string(),
        ],
        clusters_not_read: Vec::new(),
        audit: false,
        ..Outcome::default()
    }
}

fn all_clear() -> Outcome {
    let mut created = application("ingress-e1-k8s-lab-c", Some("ingress"), Action::Create);
    created.destination = destination("e1-k8s-lab-c", "ingress");
    created.after = Some(manifest(&created.name, "e1-k8s-lab-c", "ingress", "v4.0.0"));
    let mut updated = application("ingress-e1-k8s-lab-a", Some("ingress"), Action::Update);
    updated.destination = destination(LAB_A, "ingress");
    updated.cascade = true;
    updated.before = Some(live(manifest(&updated.name, LAB_A, "ingress", "v3.9.0")));
    updated.after = Some(manifest(&updated.name, LAB_A, "ingress", "v4.0.0"));
    let mut unchanged = application("ingress-e1-k8s-lab-b", Some("ingress"), Action::Unchanged);
    unchanged.destination = destination(LAB_B, "ingress");
    unchanged.cascade = true;
    let mut applications = vec![created, updated, unchanged];
    applications.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    Outcome {
        applications,
        ..Outcome::default()
    }
}

#[test]
fn incident_snapshots() {
    let outcome = incident();
    snapshot("report__incident_text", &render_text(&outcome));
    snapshot("report__incident_markdown", &render_markdown(&outcome));
    snapshot("report__incident_json", &render_json(&outcome));
}

#[test]
fn all_clear_snapshots() {
    let outcome = all_clear();
    snapshot("report__all_clear_text", &render_text(&outcome));
    snapshot("report__all_clear_markdown", &render_markdown(&outcome));
    snapshot("report__all_clear_json", &render_json(&outcome));
}

#[test]
fn verdict_is_the_first_line() {
    let text = render_text(&incident());
    assert_eq!(
        text.lines().next(),
        Some("CRITICAL: 3 namespaces will stay Terminating on 2 clusters (1 evaluation error)")
    );
    let text = render_text(&all_clear());
    assert_eq!(
        text.lines().next(),
        Some("OK: 2 Application changes, nothing gets stuck")
    );
    let nothing = render_text(&Outcome::default());
    assert_eq!(nothing.lines().next(), Some("OK: no Application changes"));
}

#[test]
fn an_audit_says_what_it_found_not_what_changes() {
    let clean = Outcome {
        audit: true,
        ..Outcome::default()
    };
    let text = render_text(&clean);
    assert_eq!(text.lines().next(), Some("OK: no standing risk found"));
    assert!(!text.contains("Applications:"), "{text}");
    let markdown = render_markdown(&clean);
    assert!(markdown.contains("no standing risk found"), "{markdown}");
    assert!(!markdown.contains("Applications:"), "{markdown}");
    // A plan keeps its Applications line.
    assert!(render_text(&Outcome::default()).contains("Applications: 0 created"));
}

#[test]
fn an_error_alone_makes_the_verdict_incomplete() {
    let outcome = Outcome {
        errors: incident().errors,
        ..Outcome::default()
    };
    let text = render_text(&outcome);
    assert!(text.starts_with("INCOMPLETE: 1 evaluation error"), "{text}");
}

#[test]
fn text_names_the_fix_and_the_conditions() {
    let text = render_text(&incident());
    assert!(
        text.contains("1. kubectl --context e1-k8s-lab-a delete apiservice v1beta1.metrics.k8s.io")
    );
    assert!(text.contains("NamespaceDeletionDiscoveryFailure (DiscoveryFailed): Discovery failed"));
    assert!(text.contains("(replaced by e1-k8s-lab-a-metrics-server, cascade)"));
    assert!(text.contains("changes: spec.source.targetRevision"));
}

#[test]
fn markdown_starts_with_the_marker_then_the_verdict() {
    let markdown = render_markdown(&incident());
    let mut lines = markdown.lines();
    assert_eq!(lines.next(), Some(COMMENT_MARKER));
    assert_eq!(
        lines.next(),
        Some(
            "## 🛑 CRITICAL: 3 namespaces will stay Terminating on 2 clusters (1 evaluation error)"
        )
    );
    assert!(markdown.contains("```mermaid\nflowchart TD\n"));
    // The same finding on two clusters is told once, with both commands in one block.
    assert!(markdown.contains(
        "🛑 **critical** `apiservice-unavailable` on `e1-k8s-lab-a`, `e1-k8s-lab-b`: APIService `v1beta1.metrics.k8s.io`"
    ));
    assert!(markdown.contains(
        "```sh\nkubectl --context e1-k8s-lab-a delete apiservice v1beta1.metrics.k8s.io\nkubectl --context e1-k8s-lab-b delete apiservice v1beta1.metrics.k8s.io\n```"
    ));
    assert!(markdown.contains("```diff\n"));
    assert!(markdown.contains("<details><summary>ApplicationSet metrics-server:"));
    // A `|` in user text must not end a table cell.
    assert!(markdown.contains("`fluent\\|bit`"));
}

#[test]
fn mermaid_labels_escape_syntax() {
    let markdown = render_markdown(&incident());
    assert!(markdown.contains("n0[\"namespace #quot;logging#quot; #91;Terminating#93;\"]"));
    assert!(markdown.contains("#123;metrics.k8s.io/v1beta1#125; fails #lt;503#gt; #124; #35;1"));
    assert!(markdown.contains("    n0 --> n1\n"));
}

#[test]
fn json_keeps_the_contract() {
    let report: Value = serde_json::from_str(&render_json(&incident())).expect("valid JSON");
    assert_eq!(report["schemaVersion"], json!(SCHEMA_VERSION));
    let first_key = render_json(&incident())
        .lines()
        .nth(1)
        .map(str::trim)
        .map(str::to_string);
    assert_eq!(first_key.as_deref(), Some("\"schemaVersion\": 2,"));

    let plain = report["applications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|application| application["name"] == "argocd-self")
        .expect("the plain Application is listed");
    for field in ["applicationSet", "replacedBy", "replaces"] {
        assert!(plain.get(field).is_some_and(Value::is_null), "{field}");
    }
    let deleted = report["applications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|application| application["name"] == "metrics-server-e1-k8s-lab-a")
        .unwrap();
    assert_eq!(deleted["action"], "delete");
    assert_eq!(deleted["replacedBy"], "e1-k8s-lab-a-metrics-server");
    assert_eq!(deleted["cascade"], true);
    assert_eq!(deleted["destination"]["cluster"], "e1-k8s-lab-a");
    assert!(deleted.get("before").is_none() && deleted.get("after").is_none());

    let namespace = &report["clusters"][0]["namespaces"][0];
    assert_eq!(namespace["outcome"], "stuck");
    assert_eq!(
        namespace["conditions"][0]["type"],
        "NamespaceDeletionDiscoveryFailure"
    );
    assert!(report["clusters"][0]["objects"][0]["namespace"].is_null());
    assert_eq!(report["findings"][0]["severity"], "critical");
    assert_eq!(report["findings"][0]["code"], "apiservice-unavailable");
    assert_eq!(
        report["findings"][0]["remediation"][0],
        "kubectl --context e1-k8s-lab-a delete apiservice v1beta1.metrics.k8s.io"
    );
    assert!(report["findings"][3]["cluster"].is_null());
    assert_eq!(report["errors"][0]["applicationSet"], "ingress-nginx");
    assert_eq!(report["summary"]["stuckNamespaces"], 3);
    assert_eq!(report["summary"]["replaced"], 3);
    assert_eq!(report["summary"]["clusters"][0]["name"], "e1-k8s-lab-a");
    assert!(render_json(&incident()).ends_with("}\n"));
}

#[test]
fn json_lists_changed_paths_of_updates() {
    let report: Value = serde_json::from_str(&render_json(&all_clear())).unwrap();
    let updated = &report["applications"][0];
    assert_eq!(updated["action"], "update");
    // Server-populated fields (`status`, `metadata.uid`) are not changes.
    assert_eq!(updated["changes"], json!(["spec.source.targetRevision"]));
}

#[test]
fn changed_paths_quote_keys_that_are_not_plain() {
    let before = json!({"metadata": {"labels": {"app.kubernetes.io/name": "a"}}});
    let after = json!({"metadata": {"labels": {"app.kubernetes.io/name": "b"}}});
    assert_eq!(
        crate::changes::changed_paths(&before, &after),
        vec!["metadata.labels[\"app.kubernetes.io/name\"]".to_string()]
    );
}

#[test]
fn exceeds_is_at_or_above() {
    let outcome = incident();
    assert!(exceeds(&outcome, Severity::Critical));
    assert!(exceeds(&outcome, Severity::Info));
    let warning_only = Outcome {
        findings: vec![outcome.findings[3].clone()],
        ..Outcome::default()
    };
    assert!(exceeds(&warning_only, Severity::Warning));
    assert!(!exceeds(&warning_only, Severity::High));
    assert!(!exceeds(&all_clear(), Severity::Info));
}

#[test]
fn rendering_is_deterministic() {
    let outcome = incident();
    assert_eq!(render_text(&outcome), render_text(&outcome.clone()));
    assert_eq!(render_markdown(&outcome), render_markdown(&outcome.clone()));
    assert_eq!(render_json(&outcome), render_json(&outcome.clone()));
}

#[test]
fn a_long_comment_keeps_its_verdict() {
    let mut outcome = incident();
    for index in 0..400 {
        outcome.clusters[0].objects.push(object(
            "v1",
            "ConfigMap",
            Some("logging"),
            &format!("config-{index:03}"),
            Fate::Deleted,
            cascade("logging-e1-k8s-lab-a"),
        ));
    }
    let full = render_markdown(&outcome);
    assert!(full.contains("And 303 more; `--format json` lists them all."));

    let limit = 6_000;
    let cut = render_markdown_limited(&outcome, limit);
    assert!(cut.len() <= limit, "{} bytes", cut.len());
    assert!(cut.starts_with(&format!(
        "{COMMENT_MARKER}\n## 🛑 CRITICAL: 3 namespaces will stay Terminating on 2 clusters"
    )));
    assert!(cut.contains("left out to fit the comment size limit"));
    assert!(cut.contains("### Could not be evaluated"));

    assert_eq!(
        cut.matches("<details>").count(),
        cut.matches("</details>").count()
    );

    let tiny = render_markdown_limited(&outcome, 1_200);
    assert!(tiny.len() <= 1_200, "{} bytes", tiny.len());
    assert!(tiny.starts_with(COMMENT_MARKER));
    assert!(tiny.contains("CRITICAL: 3 namespaces"));
    assert_eq!(tiny.matches("```").count() % 2, 0, "{tiny}");
}

#[test]
fn markdown_text_keeps_code_and_escapes_the_rest() {
    use crate::markdown::{cell, code, fence, text};
    assert_eq!(text("a `b|c` *d*"), "a `b|c` \\*d\\*");
    assert_eq!(cell("a `b|c` | d"), "a `b\\|c` \\| d");
    assert_eq!(text("odd ` tick"), "odd \\` tick");
    assert_eq!(
        text("<details> & more\nlines"),
        "\\<details\\> &amp; more lines"
    );
    assert_eq!(code("a`b"), "``a`b``");
    assert_eq!(fence("sh", "echo ```"), "````sh\necho ```\n````\n");
}

#[test]
fn a_stuck_namespace_without_finding_is_never_ok() {
    let mut outcome = incident();
    outcome.findings.clear();
    outcome.errors.clear();
    let text = render_text(&outcome);
    assert!(
        text.starts_with("WARNING: 3 namespaces will stay Terminating on 2 clusters\n"),
        "{text}"
    );
}

#[test]
fn diagrams_beyond_the_first_three_fold_away() {
    let mut outcome = incident();
    for cluster in ["e1-k8s-lab-c", "e1-k8s-lab-d", "e1-k8s-lab-e"] {
        outcome.findings.push(apiservice_finding(cluster));
    }
    let markdown = render_markdown(&outcome);
    assert_eq!(markdown.matches("```mermaid").count(), 6);
    assert!(
        markdown.contains("<details><summary>3 more diagrams</summary>"),
        "{markdown}"
    );
    assert_eq!(
        markdown.matches("<details>").count(),
        markdown.matches("</details>").count()
    );
}

#[test]
fn a_shortened_comment_says_what_was_cut_and_where_the_full_report_is() {
    let outcome = incident();
    let pointer = "in [the job summary](https://ci.example/run/1)";
    let full = render_markdown(&outcome);
    assert_eq!(
        render_markdown_comment(&outcome, 65_536, pointer),
        full,
        "a comment that fits is the plain one"
    );

    for limit in [full.len() - 1, 6_000, 4_000] {
        let cut = render_markdown_comment(&outcome, limit, pointer);
        assert!(cut.len() <= limit, "{limit}: {} bytes", cut.len());
        assert!(cut.starts_with(&format!(
            "{COMMENT_MARKER}\n## 🛑 CRITICAL: 3 namespaces will stay Terminating on 2 clusters"
        )));
        assert!(
            cut.contains(&format!(
                "> **Shortened to fit the comment size limit**; the full report is {pointer}."
            )),
            "{limit}: {cut}"
        );
        assert!(cut.contains("Left out: the diffs of "), "{limit}: {cut}");
        assert_eq!(
            cut.matches("<details>").count(),
            cut.matches("</details>").count(),
            "{limit}"
        );
        assert_eq!(cut.matches("```").count() % 2, 0, "{limit}");
        assert!(cut.contains("### Could not be evaluated"), "{limit}");
    }
    let small = render_markdown_comment(&outcome, 4_000, pointer);
    assert!(
        small.contains("the sections of clusters `e1-k8s-lab-a`, `e1-k8s-lab-b`"),
        "{small}"
    );

    let tiny = render_markdown_comment(&outcome, 1_200, pointer);
    assert!(tiny.len() <= 1_200, "{} bytes", tiny.len());
    assert!(tiny.contains("CRITICAL: 3 namespaces"));
    assert!(tiny.contains(pointer), "{tiny}");
    assert_eq!(tiny.matches("```").count() % 2, 0, "{tiny}");
}

/// Names, label values and messages come from whoever wrote the manifests: an outcome
/// full of hostile ones (issue #14).
fn hostile() -> Outcome {
    const RLO: &str = "\u{202e}";
    let mut outcome = incident();
    let set = format!("kube-log{RLO}lmth.exe @admins");
    let mut updated = application(
        "[click](https://evil.example/login) <img src=x onerror=alert(1)> | @platform/sre",
        Some(&set),
        Action::Update,
    );
    updated.destination = destination(&format!("lab{RLO}a"), "kube-log");
    let mut before = manifest("x", LAB_A, "kube-log", "v1");
    before["metadata"]["labels"]["team"] = json!(format!("sre{RLO}\u{2066}ops"));
    let mut after = before.clone();
    after["metadata"]["labels"]["team"] = json!("```\n</details> @everyone");
    updated.before = Some(before);
    updated.after = Some(after);
    updated.notes = vec![Note::NotPredicted(
        "see www.evil.example and #1, !2, ~bug, ping @oncall".to_string(),
    )];
    outcome.applications.push(updated);
    outcome.findings.push(Finding {
        clusters: Vec::new(),
        consequences: Vec::new(),
        cycle: false,
        root_cause: None,
        severity: Severity::Critical,
        code: FindingCode::StuckNamespace,
        cluster: Some(format!("lab{RLO}a")),
        message: format!(
            "namespace `kube{RLO}log` stays: @security-team read https://evil.example/x </details><script>x</script> \u{1b}[2J"
        ),
        remediation: vec![format!("kubectl delete ns kube{RLO}log")],
        chain: vec![format!("a{RLO}b @c"), "d".to_string()],
    });
    outcome.errors.push(EvaluationError {
        file: Some(format!("appsets/{RLO}evil.yaml")),
        application_set: Some(set.clone()),
        message: format!("spec.generators[0]: `@here` {RLO}mailto:a@b.c"),
        freezes: true,
    });
    outcome.clusters[0].namespaces[0].conditions[0].message =
        format!("@ns-owner {RLO} www.evil.example | x");
    outcome
}

fn has_bidi_control(text: &str) -> bool {
    text.chars()
        .any(|c| matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'))
}

/// The rendered text of Markdown where forges look for mentions, links and
/// references: outside fences, code spans and `<code>` elements.
fn outside_code(markdown: &str) -> String {
    let mut prose = String::new();
    let mut fence: Option<String> = None;
    for line in markdown.lines() {
        let ticks: String = line.trim().chars().take_while(|&c| c == '`').collect();
        match &fence {
            Some(open) if ticks.len() >= open.len() && line.trim() == ticks => fence = None,
            Some(_) => {}
            None if ticks.len() >= 3 => fence = Some(ticks),
            None => {
                prose.push_str(line);
                prose.push('\n');
            }
        }
    }
    // Code spans: a run of backticks up to the same run, unless escaped.
    let mut out = String::new();
    let chars: Vec<char> = prose.chars().collect();
    let mut index = 0;
    while index < chars.len() {
        if chars[index] == '\\' && index + 1 < chars.len() {
            out.push(chars[index]);
            out.push(chars[index + 1]);
            index += 2;
            continue;
        }
        if chars[index] == '`' {
            let run = chars[index..].iter().take_while(|&&c| c == '`').count();
            let closing = (index + run..chars.len()).find(|&at| {
                chars[at..].iter().take_while(|&&c| c == '`').count() == run
                    && (at == 0 || chars[at - 1] != '`')
            });
            if let Some(at) = closing {
                index = at + run;
                continue;
            }
        }
        out.push(chars[index]);
        index += 1;
    }
    let mut rest = out.as_str();
    let mut without = String::new();
    while let Some(start) = rest.find("<code>") {
        without.push_str(&rest[..start]);
        let end = rest[start..].find("</code>").expect("closed") + start;
        rest = &rest[end + "</code>".len()..];
    }
    without.push_str(rest);
    without
}

#[test]
fn hostile_names_are_inert_in_every_format() {
    let outcome = hostile();
    let markdown = render_markdown_limited(&outcome, usize::MAX);
    let text = render_text(&outcome);
    let json = render_json(&outcome);
    for (format, rendered) in [("markdown", &markdown), ("text", &text), ("json", &json)] {
        assert!(!has_bidi_control(rendered), "{format}: {rendered}");
        assert!(!rendered.contains('\u{1b}'), "{format}: {rendered}");
    }
    assert!(markdown.contains("kube-log\\u{202e}lmth.exe"), "{markdown}");
    assert!(text.contains("kube-log\\u{202e}lmth.exe"), "{text}");
    assert!(text.contains("\\u{1b}[2J"), "{text}");
    assert!(json.contains("kube-log\\u202elmth.exe"), "{json}");
    let decoded: Value = serde_json::from_str(&json).unwrap();
    assert!(
        decoded.to_string().contains("kube-log\u{202e}lmth.exe"),
        "JSON escapes decode to the original"
    );

    // An escaped `\<` is text.
    let prose = outside_code(&markdown).replace("\\<", "");
    for live in [
        "@", "://", "www.", "#1", "!2", "~bug", "<img", "<script", "](",
    ] {
        assert!(!prose.contains(live), "`{live}` outside code:\n{prose}");
    }
    assert_eq!(
        prose.matches("<details>").count(),
        prose.matches("</details>").count(),
        "every </details> outside code is ours"
    );
    // Every row of a table has as many cells as its header.
    let mut columns = None;
    for line in markdown.lines() {
        if !line.starts_with('|') {
            columns = None;
            continue;
        }
        let cells = line.replace("\\|", "").matches('|').count();
        match columns {
            None => columns = Some(cells),
            Some(expected) => assert_eq!(cells, expected, "{line}"),
        }
    }
    let comment = render_markdown_comment(&outcome, 3_000, "in the job summary");
    assert!(!has_bidi_control(&comment));
    assert_eq!(comment.matches("```").count() % 2, 0, "{comment}");
}

#[test]
fn words_forges_act_on_are_code() {
    use crate::markdown::{cell, html, text};
    assert_eq!(text("ping @sre now"), "ping `@sre` now");
    assert_eq!(text("see https://x.example/a"), "see `https://x.example/a`");
    assert_eq!(text("www.x.example #12 !3"), "`www.x.example` `#12` `!3`");
    assert_eq!(text("100% of a & b"), "100% of a &amp; b");
    assert_eq!(text("#"), "\\#");
    assert_eq!(cell("a|@b|c"), "`a|@b|c`".replace('|', "\\|"));
    assert_eq!(
        html("ApplicationSet @x: 1 <b>"),
        "ApplicationSet <code>@x:</code> 1 &lt;b&gt;"
    );
}

#[test]
fn progressive_sync_and_application_set_facts_are_rendered_in_every_format() {
    let mut outcome = all_clear();
    outcome.applications[0].progressive =
        Some(preflight_outcome::ProgressiveSync::AutomatedSyncDisabled);
    let mut kept = application("web-a", Some("web"), Action::Unchanged);
    kept.progressive = Some(preflight_outcome::ProgressiveSync::AutomatedSyncDisabled);
    outcome.applications.push(kept);
    outcome
        .application_sets
        .push(preflight_outcome::ApplicationSetChange {
            namespace: "argocd".to_string(),
            name: "web".to_string(),
            fate: preflight_outcome::ApplicationSetFate::Refused {
                errors: vec![preflight_model::FieldError::new(
                    "spec.template.spec.project",
                    "Required value",
                )],
                live: true,
            },
        });
    let text = render_text(&outcome);
    assert!(
        text.contains("note: progressive sync (RollingSync): written with automated sync disabled"),
        "{text}"
    );
    // An unchanged Application with a progressive note is listed by name.
    assert!(text.contains("web-a"), "{text}");
    assert!(
        text.contains("ApplicationSet argocd/web: the API server refuses head's manifest (spec.template.spec.project: Required value)"),
        "{text}"
    );
    let markdown = render_markdown(&outcome);
    assert!(
        markdown.contains("written with automated sync disabled"),
        "{markdown}"
    );
    assert!(
        markdown.contains("### ApplicationSets removed, refused or left alone"),
        "{markdown}"
    );
    let json: Value = serde_json::from_str(&render_json(&outcome)).unwrap();
    let progressive: Vec<&Value> = json["applications"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a.get("progressiveSync"))
        .collect();
    assert_eq!(progressive, [&json!("automated-sync-disabled"); 2]);
    assert_eq!(json["applicationSets"][0]["fate"], "refused");
    assert_eq!(
        json["applicationSets"][0]["errors"],
        json!(["spec.template.spec.project: Required value"])
    );
}

/// Issue 13: a volume whose claim the change deletes but whose `Retain` reclaim policy
/// keeps it is listed, briefly, in the text and Markdown reports (R-VOL-3); destroyed and
/// leaked volumes have findings of their own and are not repeated there.
#[test]
fn retained_volumes_are_listed_in_text_and_markdown() {
    use preflight_outcome::{VolumeFate, VolumeOutcome};
    let volume = |name: &str, outcome: VolumeFate, policy: &str| VolumeOutcome {
        name: name.to_string(),
        capacity: Some("50Gi".to_string()),
        storage_class: Some("gp3".to_string()),
        reclaim_policy: policy.to_string(),
        claim: format!("team-a/data-{name}"),
        used_by: vec!["StatefulSet team-a/postgres".to_string()],
        outcome,
    };
    let mut outcome = all_clear();
    outcome.clusters = vec![ClusterOutcome {
        name: LAB_A.to_string(),
        volumes: vec![
            volume("pv-kept", VolumeFate::Retained, "Retain"),
            volume("pv-gone", VolumeFate::Deleted, "Delete"),
        ],
        ..ClusterOutcome::default()
    }];
    let text = render_text(&outcome);
    assert!(
        text.contains(
            "\nVolumes kept on e1-k8s-lab-a\n  persistentvolume pv-kept (50Gi, storage class gp3)"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "reclaim policy `Retain` keeps the volume `Released` with its data (R-VOL-3)"
        ),
        "{text}"
    );
    assert!(!text.contains("pv-gone"), "{text}");
    let markdown = render_markdown(&outcome);
    assert!(
        markdown.contains("**Volumes kept**\n\n| Volume | Size | Why it stays |\n| --- | --- | --- |\n| `pv-kept` | 50Gi, storage class gp3 | its claim team-a/data-pv-kept is deleted; reclaim policy `Retain` keeps the volume `Released` with its data (R-VOL-3) |"),
        "{markdown}"
    );
    assert!(!markdown.contains("pv-gone"), "{markdown}");
}

/// Issue 12: the RollingSync step of each Application (`progressive_sync.go`,
/// `buildAppDependencyList`/`getAppStep`: 1-based, -1 for none) and the unknown fields
/// the API server prunes from an ApplicationSet, in every format.
#[test]
fn rolling_sync_steps_and_pruned_fields_are_rendered_in_every_format() {
    use preflight_outcome::RollingStep;
    let mut outcome = all_clear();
    outcome.applications[0].rolling_step = Some(RollingStep::Step { number: 2, of: 3 });
    let mut stray = application("web-stray", Some("web"), Action::Unchanged);
    stray.rolling_step = Some(RollingStep::NoStep);
    outcome.applications.push(stray);
    let plain = application("web-plain", Some("web"), Action::Unchanged);
    outcome.applications.push(plain);
    outcome
        .application_sets
        .push(preflight_outcome::ApplicationSetChange {
            namespace: "argocd".to_string(),
            name: "web".to_string(),
            fate: preflight_outcome::ApplicationSetFate::UnknownFieldsPruned {
                fields: vec!["spec.syncPolicy.automatd".to_string()],
            },
        });
    let text = render_text(&outcome);
    assert!(text.contains("note: RollingSync step 2 of 3"), "{text}");
    assert!(text.contains("web-stray"), "{text}");
    assert!(
        text.contains("no step's `matchExpressions` match its labels"),
        "{text}"
    );
    // An unchanged Application without progressive facts is only counted.
    assert!(!text.contains("web-plain"), "{text}");
    assert!(
        text.contains("the API server drops the fields its CRD schema does not know (`spec.syncPolicy.automatd`)"),
        "{text}"
    );
    let markdown = render_markdown(&outcome);
    assert!(markdown.contains("RollingSync step 2 of 3"), "{markdown}");
    assert!(markdown.contains("never syncs it"), "{markdown}");
    let json: Value = serde_json::from_str(&render_json(&outcome)).unwrap();
    let steps: Vec<(&Value, &Value)> = json["applications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (&a["name"], a.get("rollingSyncStep").unwrap_or(&Value::Null)))
        .collect();
    assert!(
        steps.contains(&(&json!("web-stray"), &json!(-1))),
        "{steps:?}"
    );
    assert!(
        steps.contains(&(&json!("web-plain"), &Value::Null)),
        "{steps:?}"
    );
    assert!(
        steps.iter().any(|(_, step)| **step == json!(2)),
        "{steps:?}"
    );
    assert_eq!(json["applicationSets"][0]["fate"], "unknown-fields-pruned");
    assert_eq!(
        json["applicationSets"][0]["unknownFields"],
        json!(["spec.syncPolicy.automatd"])
    );
}
