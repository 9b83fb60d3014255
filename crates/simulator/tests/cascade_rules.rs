//! Rule-by-rule tests of the deletion cascade (`k8s-deletion-semantics.md`), written as
//! data: each case is a fixture (one cluster's objects plus the requests sent to it) and
//! the settled state it must produce. Test names carry the rule id they pin.
//!
//! A fixture is YAML documents interleaved with directive lines, run in order:
//!
//! * `//- kube 1.28`: the Kubernetes version whose behaviour and texts apply (default:
//!   the newest);
//! * `//- delete <propagation> <ref>`: a DELETE request; consecutive requests are sent
//!   together before the cluster settles (the pessimistic order of §14.4);
//! * `//- hold` / `//- release`: hold or release namespace finalization;
//! * `//- reapply <ref>`: a replacement Application applies the object again;
//! * `//- controller <ref> <finalizer>`: a controller declared with `--controllers` (the
//!   workload `<ref>` removes `<finalizer>`); `//- external-controller <ref> <finalizer>`
//!   declares it `external: true` (it runs outside the cluster);
//! * `//- unavailable <group/version> <reason>`: `capture` recorded the group/version's
//!   discovery as failing (`capture.json`, issue 11).
//!
//! `<ref>` is `Kind[.group] [namespace/]name`, the way the expectation prints keys.
//!
//! The expectation lists, in order: every object the change touched (`deleted <key> <-
//! <what deleted it>` or `stuck <key>: <why>`), every namespace whose deletion started
//! with its `True` conditions, every affected APIService, the discovery failures and the
//! answers to `reapply`. The helper also checks on every case that a stuck namespace
//! carries all five conditions of R-NSC-8, in order, with the exact "OK" texts for those
//! that are `False`.

use preflight_model::{Object, ObjectKey};
use preflight_simulator::cascade::{
    DeclaredController, DeletionRequest, KubeVersion, Propagation, Simulation,
};
use preflight_simulator::causes::DeleteCause;
use preflight_simulator::Fate;

#[track_caller]
fn check(fixture: &str, expected: &str) {
    let fixture = trim_indent(fixture);
    let mut version = KubeVersion::NEWEST;
    let mut declared = Vec::new();
    let mut recorded = std::collections::BTreeMap::new();
    let mut yaml = String::new();
    let mut steps = Vec::new();
    for line in fixture.lines() {
        match line.strip_prefix("//- ") {
            Some(directive) => {
                let words: Vec<&str> = directive.split_whitespace().collect();
                match words.as_slice() {
                    ["kube", v] => version = KubeVersion::parse(v).expect("a version"),
                    [directive @ ("controller" | "external-controller"), kind, name, finalizer] => {
                        declared.push(DeclaredController {
                            workload: parse_ref(&[kind, name]),
                            removes_finalizers: vec![finalizer.to_string()],
                            external: *directive == "external-controller",
                        })
                    }
                    ["unavailable", group_version, reason @ ..] => {
                        recorded.insert(group_version.to_string(), reason.join(" "));
                    }
                    _ => steps.push(words.iter().map(|w| w.to_string()).collect::<Vec<_>>()),
                }
            }
            None => {
                yaml.push_str(line);
                yaml.push('\n');
            }
        }
    }
    let objects: Vec<Object> = serde_saphyr::from_multiple::<serde_json::Value>(&yaml)
        .expect("fixture is YAML")
        .into_iter()
        .filter(|v| !v.is_null())
        .map(Object::from_value)
        .collect();

    let mut simulation = Simulation::new(&objects, version)
        .with_controllers(&declared)
        .with_unavailable_group_versions(&recorded);
    let mut batch = Vec::new();
    let mut answers = Vec::new();
    let flush = |simulation: &mut Simulation, batch: &mut Vec<DeletionRequest>| {
        if !batch.is_empty() {
            simulation.delete_and_settle(batch);
            batch.clear();
        }
    };
    for step in &steps {
        let words: Vec<&str> = step.iter().map(String::as_str).collect();
        match words.as_slice() {
            ["delete", propagation, reference @ ..] => batch.push(DeletionRequest {
                key: parse_ref(reference),
                propagation: match *propagation {
                    "background" => Propagation::Background,
                    "foreground" => Propagation::Foreground,
                    "orphan" => Propagation::Orphan,
                    other => panic!("unknown propagation `{other}`"),
                },
                cause: DeleteCause::ByHand,
            }),
            other => {
                flush(&mut simulation, &mut batch);
                match other {
                    ["hold"] => simulation.hold_namespaces(true),
                    ["release"] => simulation.hold_namespaces(false),
                    ["reapply", reference @ ..] => {
                        let key = parse_ref(reference);
                        let answer = simulation.reapply(&key, "replacement");
                        answers.push(format!(
                            "reapply {key}: {}",
                            answer
                                .err()
                                .map_or("ok".to_string(), |refusal| refusal.to_string())
                        ));
                    }
                    _ => panic!("unknown directive `{}`", other.join(" ")),
                }
            }
        }
    }
    flush(&mut simulation, &mut batch);
    let result = simulation.finish();

    let mut actual = Vec::new();
    for object in &result.objects {
        match object.fate {
            Fate::Deleted => actual.push(format!(
                "deleted {} <- {}",
                object.key,
                object
                    .deleted_with
                    .as_ref()
                    .map_or("request".to_string(), ToString::to_string)
            )),
            Fate::Stuck => actual.push(format!("stuck {}: {}", object.key, object.reason())),
            Fate::Refused => actual.push(format!("refused {}: {}", object.key, object.reason())),
        }
    }
    for released in &result.released_volumes {
        let used_by: Vec<String> = released.used_by.iter().map(ToString::to_string).collect();
        actual.push(format!(
            "volume {} {:?} ({}): claim {}, used by [{}]",
            released.volume.name,
            released.reclaim,
            released.reclaim_policy,
            released.claim,
            used_by.join(", ")
        ));
    }
    for namespace in &result.namespaces {
        let mut line = format!("namespace {} {}", namespace.name, namespace.fate.as_str());
        if namespace.already_terminating {
            line.push_str(", already terminating");
        }
        if !namespace.blocked_by_discovery.is_empty() {
            line.push_str(&format!(
                ", blocked by discovery of {}",
                namespace.blocked_by_discovery.join(", ")
            ));
        }
        actual.push(line);
        check_conditions(&namespace.name, namespace.fate, &namespace.conditions);
        for condition in namespace.conditions.iter().filter(|c| c.status == "True") {
            actual.push(format!(
                "  {} {}: {}",
                condition.type_, condition.reason, condition.message
            ));
        }
    }
    for api_service in &result.api_services {
        let outcome = &api_service.outcome;
        let mut line = format!(
            "apiservice {} ({} -> {}) available={} {}: {}",
            outcome.name,
            outcome.group_version,
            outcome.service,
            if outcome.available { "True" } else { "False" },
            outcome.condition.reason(),
            outcome.condition
        );
        if !api_service.was_available {
            line.push_str(", unavailable before");
        }
        if let Some(lost) = &api_service.lost_backend {
            line.push_str(&format!(", lost {lost}"));
        }
        if let Some(by) = &api_service.recreated_by {
            line.push_str(&format!(", recreated by {by}"));
        }
        actual.push(line);
    }
    for failure in &result.discovery_failures {
        actual.push(format!("discovery {failure}"));
    }
    actual.extend(answers);
    let actual = actual.join("\n");
    let expected = trim_indent(expected);
    assert!(
        actual.trim() == expected.trim(),
        "\n--- expected\n{}\n--- actual\n{}\n",
        expected.trim(),
        actual.trim()
    );
}

/// R-NSC-8: all five conditions, in the order the controller first writes them, with the
/// exact texts of the "OK" variant when they are `False`; none when the namespace is gone.
#[track_caller]
fn check_conditions(
    namespace: &str,
    fate: Fate,
    conditions: &[preflight_simulator::NamespaceCondition],
) {
    if fate == Fate::Deleted {
        assert!(
            conditions.is_empty(),
            "namespace {namespace} is gone but has conditions"
        );
        return;
    }
    let ok = [
        (
            "NamespaceDeletionDiscoveryFailure",
            "ResourcesDiscovered",
            "All resources successfully discovered",
        ),
        (
            "NamespaceDeletionGroupVersionParsingFailure",
            "ParsedGroupVersions",
            "All legacy kube types successfully parsed",
        ),
        (
            "NamespaceDeletionContentFailure",
            "ContentDeleted",
            "All content successfully deleted, may be waiting on finalization",
        ),
        (
            "NamespaceContentRemaining",
            "ContentRemoved",
            "All content successfully removed",
        ),
        (
            "NamespaceFinalizersRemaining",
            "ContentRemoved",
            "All content successfully removed",
        ),
    ];
    let types: Vec<&str> = conditions.iter().map(|c| c.type_.as_str()).collect();
    let expected_types: Vec<&str> = ok.iter().map(|(t, _, _)| *t).collect();
    assert_eq!(types, expected_types, "conditions of namespace {namespace}");
    for (condition, (_, reason, message)) in conditions.iter().zip(ok) {
        if condition.status == "False" {
            assert_eq!(
                (condition.reason.as_str(), condition.message.as_str()),
                (reason, message),
                "{} of namespace {namespace}",
                condition.type_
            );
        } else {
            assert_eq!(
                condition.status, "True",
                "{} of {namespace}",
                condition.type_
            );
        }
    }
}

/// `Kind[.group] [namespace/]name`.
fn parse_ref(words: &[&str]) -> ObjectKey {
    let [kind, name] = words else {
        panic!(
            "a reference is `Kind[.group] [namespace/]name`, got `{}`",
            words.join(" ")
        );
    };
    let (kind, group) = kind.split_once('.').unwrap_or((kind, ""));
    match name.split_once('/') {
        Some((namespace, name)) => ObjectKey::new(group, kind, Some(namespace), name),
        None => ObjectKey::new(group, kind, None, name),
    }
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

/// A namespace `web` running a Deployment → ReplicaSet → Pod chain, each reference with
/// `blockOwnerDeletion: true` (as controllers write them).
const WEB: &str = r#"
    apiVersion: v1
    kind: Namespace
    metadata: {name: web, uid: ns-web}
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web, namespace: web, uid: deploy-web}
    ---
    apiVersion: apps/v1
    kind: ReplicaSet
    metadata:
      name: web-1
      namespace: web
      uid: rs-web-1
      ownerReferences:
      - {apiVersion: apps/v1, kind: Deployment, name: web, uid: deploy-web, controller: true, blockOwnerDeletion: true}
    ---
    apiVersion: v1
    kind: Pod
    metadata:
      name: web-1-a
      namespace: web
      uid: pod-web-1-a
      ownerReferences:
      - {apiVersion: apps/v1, kind: ReplicaSet, name: web-1, uid: rs-web-1, controller: true, blockOwnerDeletion: true}
    spec: {nodeName: node-1}
"#;

/// An aggregated APIService backed by `kube-metrics/metrics-server`: Service, EndpointSlice
/// and Endpoints pointing at one pod of a Deployment.
const METRICS: &str = r#"
    apiVersion: apiregistration.k8s.io/v1
    kind: APIService
    metadata: {name: v1beta1.metrics.k8s.io, uid: apisvc-metrics}
    spec:
      group: metrics.k8s.io
      version: v1beta1
      service: {namespace: kube-metrics, name: metrics-server, port: 443}
    ---
    apiVersion: v1
    kind: Namespace
    metadata: {name: kube-metrics, uid: ns-kube-metrics}
    ---
    apiVersion: v1
    kind: Service
    metadata: {name: metrics-server, namespace: kube-metrics, uid: svc-metrics}
    spec:
      type: ClusterIP
      selector: {app: metrics-server}
      ports: [{name: https, port: 443, targetPort: 10250}]
    ---
    apiVersion: discovery.k8s.io/v1
    kind: EndpointSlice
    metadata:
      name: metrics-server-abcde
      namespace: kube-metrics
      uid: slice-metrics
      labels: {kubernetes.io/service-name: metrics-server}
    ports: [{name: https, port: 10250}]
    endpoints:
    - addresses: [10.0.0.7]
      conditions: {ready: true}
      targetRef: {kind: Pod, name: metrics-server-1-a, namespace: kube-metrics}
    ---
    apiVersion: v1
    kind: Endpoints
    metadata: {name: metrics-server, namespace: kube-metrics, uid: ep-metrics}
    subsets:
    - addresses:
      - ip: 10.0.0.7
        targetRef: {kind: Pod, name: metrics-server-1-a, namespace: kube-metrics}
      ports: [{name: https, port: 10250}]
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: metrics-server, namespace: kube-metrics, uid: deploy-metrics}
    ---
    apiVersion: apps/v1
    kind: ReplicaSet
    metadata:
      name: metrics-server-1
      namespace: kube-metrics
      uid: rs-metrics
      ownerReferences:
      - {apiVersion: apps/v1, kind: Deployment, name: metrics-server, uid: deploy-metrics, controller: true, blockOwnerDeletion: true}
    ---
    apiVersion: v1
    kind: Pod
    metadata:
      name: metrics-server-1-a
      namespace: kube-metrics
      uid: pod-metrics
      labels: {app: metrics-server}
      ownerReferences:
      - {apiVersion: apps/v1, kind: ReplicaSet, name: metrics-server-1, uid: rs-metrics, controller: true, blockOwnerDeletion: true}
    spec: {nodeName: node-1}
"#;

/// A namespace that has nothing to do with any APIService.
const TEAM: &str = r#"
    apiVersion: v1
    kind: Namespace
    metadata: {name: team, uid: ns-team}
    ---
    apiVersion: v1
    kind: ConfigMap
    metadata: {name: settings, namespace: team, uid: cm-team}
"#;

fn with(parts: &[&str]) -> String {
    parts
        .iter()
        .map(|p| trim_indent(p))
        .collect::<Vec<_>>()
        .join("\n---\n")
}

#[test]
fn r_gc_4_background_deletes_owner_at_once_and_collects_dependents() {
    check(
        &with(&["//- delete background Deployment.apps web/web", WEB]),
        r#"
            deleted Pod web/web-1-a <- ReplicaSet.apps web/web-1
            deleted Deployment.apps web/web <- request
            deleted ReplicaSet.apps web/web-1 <- Deployment.apps web/web
        "#,
    );
}

#[test]
fn r_gc_5_foreground_deletes_dependents_then_the_owner() {
    check(
        &with(&["//- delete foreground Deployment.apps web/web", WEB]),
        r#"
            deleted Pod web/web-1-a <- ReplicaSet.apps web/web-1
            deleted Deployment.apps web/web <- request
            deleted ReplicaSet.apps web/web-1 <- Deployment.apps web/web
        "#,
    );
}

/// R-GC-3 as well: the ReplicaSet has dependents and its owner waits for it, so it is
/// deleted in the foreground too and the whole chain waits for the stuck pod.
#[test]
fn r_gc_5_foreground_waits_for_blocking_dependents() {
    check(
        &with(&[
            "//- delete foreground Deployment.apps web/web",
            WEB,
            r#"
            apiVersion: v1
            kind: Pod
            metadata:
              name: web-1-b
              namespace: web
              uid: pod-web-1-b
              finalizers: [example.com/drain]
              ownerReferences:
              - {apiVersion: apps/v1, kind: ReplicaSet, name: web-1, uid: rs-web-1, controller: true, blockOwnerDeletion: true}
            spec: {nodeName: node-1}
            "#,
        ]),
        r#"
            deleted Pod web/web-1-a <- ReplicaSet.apps web/web-1
            stuck Pod web/web-1-b: finalizer `example.com/drain` is never removed: no controller known to remove it (declare it with `--controllers`)
            stuck Deployment.apps web/web: `foregroundDeletion` waits for blocking dependents: ReplicaSet `web/web-1`
            stuck ReplicaSet.apps web/web-1: `foregroundDeletion` waits for blocking dependents: Pod `web/web-1-b`
        "#,
    );
}

#[test]
fn r_gc_5_foreground_does_not_wait_for_non_blocking_dependents() {
    check(
        r#"
        //- delete foreground ConfigMap web/owner
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: owner, namespace: web, uid: cm-owner}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: held
          namespace: web
          uid: cm-held
          finalizers: [example.com/keep]
          ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: owner, uid: cm-owner}]
        "#,
        r#"
            stuck ConfigMap web/held: finalizer `example.com/keep` is never removed: no controller known to remove it (declare it with `--controllers`)
            deleted ConfigMap web/owner <- request
        "#,
    );
}

#[test]
fn r_gc_6_orphan_keeps_dependents() {
    check(
        &with(&["//- delete orphan ReplicaSet.apps web/web-1", WEB]),
        r#"
            deleted ReplicaSet.apps web/web-1 <- request
        "#,
    );
}

#[test]
fn r_gc_2_dependent_with_a_solid_owner_survives() {
    check(
        r#"
        //- delete background ConfigMap web/first
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: first, namespace: web, uid: cm-first}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: second, namespace: web, uid: cm-second}
        ---
        apiVersion: v1
        kind: Secret
        metadata:
          name: shared
          namespace: web
          uid: secret-shared
          ownerReferences:
          - {apiVersion: v1, kind: ConfigMap, name: first, uid: cm-first}
          - {apiVersion: v1, kind: ConfigMap, name: second, uid: cm-second}
        "#,
        r#"
            deleted ConfigMap web/first <- request
        "#,
    );
}

#[test]
fn r_gc_8_owner_in_another_namespace_is_ignored() {
    check(
        r#"
        //- delete foreground ConfigMap a/owner
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: owner, namespace: a, uid: cm-owner}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: elsewhere
          namespace: b
          uid: cm-elsewhere
          ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: owner, uid: cm-owner, blockOwnerDeletion: true}]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata:
          name: cluster-wide
          uid: cr-cluster-wide
          ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: owner, uid: cm-owner, blockOwnerDeletion: true}]
        "#,
        r#"
            deleted ConfigMap a/owner <- request
        "#,
    );
}

#[test]
fn r_obj_2_unknown_finalizer_keeps_the_object() {
    check(
        r#"
        //- delete background Widget.example.com web/w
        apiVersion: example.com/v1
        kind: Widget
        metadata: {name: w, namespace: web, uid: w, finalizers: [example.com/cleanup]}
        "#,
        r#"
            stuck Widget.example.com web/w: finalizer `example.com/cleanup` is never removed: no controller known to remove it (declare it with `--controllers`)
        "#,
    );
}

#[test]
fn r_nsc_3_namespace_deletion_deletes_its_content_and_goes_when_empty() {
    check(
        &with(&["//- delete foreground Namespace web", WEB]),
        r#"
            deleted Namespace web <- request
            deleted Pod web/web-1-a <- Namespace web
            deleted Deployment.apps web/web <- Namespace web
            deleted ReplicaSet.apps web/web-1 <- Namespace web
            namespace web deleted
        "#,
    );
}

#[test]
fn r_nsc_8_unknown_finalizer_keeps_content_and_namespace_with_remaining_conditions() {
    check(
        &with(&[
            "//- delete background Namespace web",
            WEB,
            r#"
            apiVersion: example.com/v1
            kind: Widget
            metadata: {name: w, namespace: web, uid: w, finalizers: [example.com/cleanup]}
            "#,
        ]),
        r#"
            stuck Namespace web: content remains: Widget `web/w`
            deleted Pod web/web-1-a <- Namespace web
            deleted Deployment.apps web/web <- Namespace web
            deleted ReplicaSet.apps web/web-1 <- Namespace web
            stuck Widget.example.com web/w: finalizer `example.com/cleanup` is never removed: no controller known to remove it (declare it with `--controllers`)
            namespace web stuck
              NamespaceContentRemaining SomeResourcesRemain: Some resources are remaining: widgets.example.com has 1 resource instances
              NamespaceFinalizersRemaining SomeFinalizerRemain: Some finalizers are remaining: example.com/cleanup in 1 resource instances
        "#,
    );
}

#[test]
fn r_nsc_8_remaining_counts_per_resource_and_per_finalizer_sorted() {
    check(
        r#"
        //- delete background Namespace web
        apiVersion: v1
        kind: Namespace
        metadata: {name: web, uid: ns-web}
        ---
        apiVersion: example.com/v1
        kind: Widget
        metadata: {name: w1, namespace: web, uid: w1, finalizers: [example.com/cleanup]}
        ---
        apiVersion: example.com/v1
        kind: Widget
        metadata: {name: w2, namespace: web, uid: w2, finalizers: [example.com/cleanup, example.com/audit]}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: c, namespace: web, uid: c, finalizers: [example.com/audit]}
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: i, namespace: web, uid: i, finalizers: [example.com/lb]}
        "#,
        r#"
            stuck ConfigMap web/c: finalizer `example.com/audit` is never removed: no controller known to remove it (declare it with `--controllers`)
            stuck Namespace web: content remains: ConfigMap `web/c`, Widget `web/w1`, Widget `web/w2`, Ingress `web/i`
            stuck Widget.example.com web/w1: finalizer `example.com/cleanup` is never removed: no controller known to remove it (declare it with `--controllers`)
            stuck Widget.example.com web/w2: finalizer `example.com/cleanup` is never removed: no controller known to remove it (declare it with `--controllers`); finalizer `example.com/audit` is never removed: no controller known to remove it (declare it with `--controllers`)
            stuck Ingress.networking.k8s.io web/i: finalizer `example.com/lb` is never removed: no controller known to remove it (declare it with `--controllers`)
            namespace web stuck
              NamespaceContentRemaining SomeResourcesRemain: Some resources are remaining: configmaps. has 1 resource instances, ingresses.networking.k8s.io has 1 resource instances, widgets.example.com has 2 resource instances
              NamespaceFinalizersRemaining SomeFinalizerRemain: Some finalizers are remaining: example.com/audit in 2 resource instances, example.com/cleanup in 2 resource instances, example.com/lb in 1 resource instances
        "#,
    );
}

#[test]
fn r_obj_5_namespace_controller_strips_foreground_deletion_from_content() {
    check(
        r#"
        //- delete foreground Deployment.apps web/web
        //- delete background Namespace web
        apiVersion: v1
        kind: Namespace
        metadata: {name: web, uid: ns-web}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: web, uid: deploy-web}
        ---
        apiVersion: apps/v1
        kind: ReplicaSet
        metadata:
          name: web-1
          namespace: web
          uid: rs-web-1
          finalizers: [example.com/drain]
          ownerReferences:
          - {apiVersion: apps/v1, kind: Deployment, name: web, uid: deploy-web, controller: true, blockOwnerDeletion: true}
        "#,
        r#"
            stuck Namespace web: content remains: ReplicaSet `web/web-1`
            deleted Deployment.apps web/web <- request
            stuck ReplicaSet.apps web/web-1: finalizer `example.com/drain` is never removed: no controller known to remove it (declare it with `--controllers`)
            namespace web stuck
              NamespaceContentRemaining SomeResourcesRemain: Some resources are remaining: replicasets.apps has 1 resource instances
              NamespaceFinalizersRemaining SomeFinalizerRemain: Some finalizers are remaining: example.com/drain in 1 resource instances
        "#,
    );
}

#[test]
fn r_nsc_2_foreign_namespace_finalizers_keep_an_empty_namespace_with_ok_conditions() {
    check(
        r#"
        //- delete background Namespace rancher
        //- delete background Namespace openshift
        apiVersion: v1
        kind: Namespace
        metadata: {name: rancher, uid: ns-rancher, finalizers: [controller.cattle.io/namespace-auth]}
        spec: {finalizers: [kubernetes]}
        ---
        apiVersion: v1
        kind: Namespace
        metadata: {name: openshift, uid: ns-openshift}
        spec: {finalizers: [kubernetes, openshift.io/origin]}
        "#,
        r#"
            stuck Namespace openshift: spec.finalizers `openshift.io/origin` must be removed by their owner
            stuck Namespace rancher: finalizer `controller.cattle.io/namespace-auth` is never removed: its controller (Deployment `rancher`) is not running in this cluster's snapshot
            namespace openshift stuck
            namespace rancher stuck
        "#,
    );
}

#[test]
fn r_vol_1_pvc_protection_released_once_the_pod_using_the_claim_is_deleted() {
    check(
        r#"
        //- delete background PersistentVolumeClaim db/data
        //- delete background Pod db/db-0
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: data, namespace: db, uid: pvc-data, finalizers: [kubernetes.io/pvc-protection]}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: db-0, namespace: db, uid: pod-db-0}
        spec:
          nodeName: node-1
          volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]
        "#,
        r#"
            deleted PersistentVolumeClaim db/data <- request
            deleted Pod db/db-0 <- request
        "#,
    );
}

#[test]
fn r_vol_1_pvc_protection_holds_the_claim_while_a_pod_uses_it() {
    check(
        r#"
        //- delete background PersistentVolumeClaim db/data
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: data, namespace: db, uid: pvc-data, finalizers: [kubernetes.io/pvc-protection]}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: db-0, namespace: db, uid: pod-db-0}
        spec:
          nodeName: node-1
          volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]
        "#,
        r#"
            stuck PersistentVolumeClaim db/data: `kubernetes.io/pvc-protection` waits for pods still using the claim: Pod `db/db-0`
        "#,
    );
}

/// Before ordered namespace deletion (1.33, R-NSC-3 step 3), the claim is deleted in the
/// same pass as the pod and waits for it.
#[test]
fn r_vol_1_stuck_pod_keeps_the_claim_and_its_namespace() {
    check(
        r#"
        //- kube 1.32
        //- delete background Namespace db
        apiVersion: v1
        kind: Namespace
        metadata: {name: db, uid: ns-db}
        ---
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: data, namespace: db, uid: pvc-data, finalizers: [kubernetes.io/pvc-protection]}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: db-0, namespace: db, uid: pod-db-0, finalizers: [example.com/backup]}
        spec:
          nodeName: node-1
          volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]
        "#,
        r#"
            stuck Namespace db: content remains: PersistentVolumeClaim `db/data`, Pod `db/db-0`
            stuck PersistentVolumeClaim db/data: `kubernetes.io/pvc-protection` waits for pods still using the claim: Pod `db/db-0`
            stuck Pod db/db-0: finalizer `example.com/backup` is never removed: no controller known to remove it (declare it with `--controllers`)
            namespace db stuck
              NamespaceContentRemaining SomeResourcesRemain: Some resources are remaining: persistentvolumeclaims. has 1 resource instances, pods. has 1 resource instances
              NamespaceFinalizersRemaining SomeFinalizerRemain: Some finalizers are remaining: example.com/backup in 1 resource instances, kubernetes.io/pvc-protection in 1 resource instances
        "#,
    );
}

#[test]
fn r_apisvc_1_service_not_found_when_the_backend_namespace_is_deleted() {
    check(
        &with(&["//- delete foreground Namespace kube-metrics", METRICS]),
        r#"
            deleted Endpoints kube-metrics/metrics-server <- Namespace kube-metrics
            stuck Namespace kube-metrics: API discovery fails for metrics.k8s.io/v1beta1 (R-DISC-4: no namespace can finish deleting while any aggregated API is unavailable)
            deleted Pod kube-metrics/metrics-server-1-a <- Namespace kube-metrics
            deleted Service kube-metrics/metrics-server <- Namespace kube-metrics
            deleted Deployment.apps kube-metrics/metrics-server <- Namespace kube-metrics
            deleted ReplicaSet.apps kube-metrics/metrics-server-1 <- Namespace kube-metrics
            deleted EndpointSlice.discovery.k8s.io kube-metrics/metrics-server-abcde <- Namespace kube-metrics
            namespace kube-metrics stuck, blocked by discovery of metrics.k8s.io/v1beta1
              NamespaceDeletionDiscoveryFailure DiscoveryFailed: Discovery failed for some groups, 1 failing: unable to retrieve the complete list of server APIs: metrics.k8s.io/v1beta1: stale GroupVersion discovery: metrics.k8s.io/v1beta1
            apiservice v1beta1.metrics.k8s.io (metrics.k8s.io/v1beta1 -> kube-metrics/metrics-server) available=False ServiceNotFound: service/metrics-server in "kube-metrics" is not present, lost Service kube-metrics/metrics-server
            discovery metrics.k8s.io/v1beta1: stale GroupVersion discovery: metrics.k8s.io/v1beta1
        "#,
    );
}

#[test]
fn r_apisvc_1_missing_endpoints_when_the_pods_behind_the_endpointslice_are_deleted() {
    check(
        &with(&[
            "//- delete background Deployment.apps kube-metrics/metrics-server",
            METRICS,
        ]),
        r#"
            deleted Pod kube-metrics/metrics-server-1-a <- ReplicaSet.apps kube-metrics/metrics-server-1
            deleted Deployment.apps kube-metrics/metrics-server <- request
            deleted ReplicaSet.apps kube-metrics/metrics-server-1 <- Deployment.apps kube-metrics/metrics-server
            apiservice v1beta1.metrics.k8s.io (metrics.k8s.io/v1beta1 -> kube-metrics/metrics-server) available=False MissingEndpoints: endpointslices for service/metrics-server in "kube-metrics" have no addresses with port name "https", lost Pod kube-metrics/metrics-server-1-a
            discovery metrics.k8s.io/v1beta1: stale GroupVersion discovery: metrics.k8s.io/v1beta1
        "#,
    );
}

#[test]
fn r_apisvc_1_endpoints_not_found_when_the_endpointslice_is_deleted() {
    check(
        &with(&[
            "//- delete background EndpointSlice.discovery.k8s.io kube-metrics/metrics-server-abcde",
            METRICS,
        ]),
        r#"
            deleted EndpointSlice.discovery.k8s.io kube-metrics/metrics-server-abcde <- request
            apiservice v1beta1.metrics.k8s.io (metrics.k8s.io/v1beta1 -> kube-metrics/metrics-server) available=False EndpointsNotFound: cannot find endpointslices for service/metrics-server in "kube-metrics", lost EndpointSlice.discovery.k8s.io kube-metrics/metrics-server-abcde
            discovery metrics.k8s.io/v1beta1: stale GroupVersion discovery: metrics.k8s.io/v1beta1
        "#,
    );
}

#[test]
fn r_apisvc_1_up_to_1_33_reads_endpoints_and_says_endpoints() {
    check(
        &with(&[
            "//- kube 1.28",
            "//- delete background Deployment.apps kube-metrics/metrics-server",
            "//- delete background Namespace team",
            METRICS,
            TEAM,
        ]),
        r#"
            deleted ConfigMap team/settings <- Namespace team
            stuck Namespace team: API discovery fails for metrics.k8s.io/v1beta1 (R-DISC-4: no namespace can finish deleting while any aggregated API is unavailable)
            deleted Pod kube-metrics/metrics-server-1-a <- ReplicaSet.apps kube-metrics/metrics-server-1
            deleted Deployment.apps kube-metrics/metrics-server <- request
            deleted ReplicaSet.apps kube-metrics/metrics-server-1 <- Deployment.apps kube-metrics/metrics-server
            namespace team stuck, blocked by discovery of metrics.k8s.io/v1beta1
              NamespaceDeletionDiscoveryFailure DiscoveryFailed: Discovery failed for some groups, 1 failing: unable to retrieve the complete list of server APIs: metrics.k8s.io/v1beta1: stale GroupVersion discovery: metrics.k8s.io/v1beta1
            apiservice v1beta1.metrics.k8s.io (metrics.k8s.io/v1beta1 -> kube-metrics/metrics-server) available=False MissingEndpoints: endpoints for service/metrics-server in "kube-metrics" have no addresses with port name "https", lost Pod kube-metrics/metrics-server-1-a
            discovery metrics.k8s.io/v1beta1: stale GroupVersion discovery: metrics.k8s.io/v1beta1
        "#,
    );
}

#[test]
fn r_disc_3_up_to_1_26_discovery_fails_with_server_unable_to_handle_the_request() {
    check(
        &with(&[
            "//- kube 1.26",
            "//- delete background Service kube-metrics/metrics-server",
            "//- delete background Namespace team",
            METRICS,
            TEAM,
        ]),
        r#"
            deleted ConfigMap team/settings <- Namespace team
            stuck Namespace team: API discovery fails for metrics.k8s.io/v1beta1 (R-DISC-4: no namespace can finish deleting while any aggregated API is unavailable)
            deleted Service kube-metrics/metrics-server <- request
            namespace team stuck, blocked by discovery of metrics.k8s.io/v1beta1
              NamespaceDeletionDiscoveryFailure DiscoveryFailed: Discovery failed for some groups, 1 failing: unable to retrieve the complete list of server APIs: metrics.k8s.io/v1beta1: the server is currently unable to handle the request
            apiservice v1beta1.metrics.k8s.io (metrics.k8s.io/v1beta1 -> kube-metrics/metrics-server) available=False ServiceNotFound: service/metrics-server in "kube-metrics" is not present, lost Service kube-metrics/metrics-server
            discovery metrics.k8s.io/v1beta1: the server is currently unable to handle the request
        "#,
    );
}

#[test]
fn r_disc_4_unrelated_namespace_is_stuck_while_an_apiservice_is_unavailable() {
    check(
        &with(&[
            "//- delete background Service kube-metrics/metrics-server",
            "//- delete background Namespace team",
            METRICS,
            TEAM,
        ]),
        r#"
            deleted ConfigMap team/settings <- Namespace team
            stuck Namespace team: API discovery fails for metrics.k8s.io/v1beta1 (R-DISC-4: no namespace can finish deleting while any aggregated API is unavailable)
            deleted Service kube-metrics/metrics-server <- request
            namespace team stuck, blocked by discovery of metrics.k8s.io/v1beta1
              NamespaceDeletionDiscoveryFailure DiscoveryFailed: Discovery failed for some groups, 1 failing: unable to retrieve the complete list of server APIs: metrics.k8s.io/v1beta1: stale GroupVersion discovery: metrics.k8s.io/v1beta1
            apiservice v1beta1.metrics.k8s.io (metrics.k8s.io/v1beta1 -> kube-metrics/metrics-server) available=False ServiceNotFound: service/metrics-server in "kube-metrics" is not present, lost Service kube-metrics/metrics-server
            discovery metrics.k8s.io/v1beta1: stale GroupVersion discovery: metrics.k8s.io/v1beta1
        "#,
    );
}

#[test]
fn r_disc_6_deleting_the_apiservice_with_its_backend_leaves_nothing_stuck() {
    check(
        &with(&[
            "//- delete foreground APIService.apiregistration.k8s.io v1beta1.metrics.k8s.io",
            "//- delete foreground Namespace kube-metrics",
            "//- delete foreground Namespace team",
            METRICS,
            TEAM,
        ]),
        r#"
            deleted ConfigMap team/settings <- Namespace team
            deleted Endpoints kube-metrics/metrics-server <- Namespace kube-metrics
            deleted Namespace kube-metrics <- request
            deleted Namespace team <- request
            deleted Pod kube-metrics/metrics-server-1-a <- Namespace kube-metrics
            deleted Service kube-metrics/metrics-server <- Namespace kube-metrics
            deleted APIService.apiregistration.k8s.io v1beta1.metrics.k8s.io <- request
            deleted Deployment.apps kube-metrics/metrics-server <- Namespace kube-metrics
            deleted ReplicaSet.apps kube-metrics/metrics-server-1 <- Namespace kube-metrics
            deleted EndpointSlice.discovery.k8s.io kube-metrics/metrics-server-abcde <- Namespace kube-metrics
            namespace kube-metrics deleted
            namespace team deleted
        "#,
    );
}

#[test]
fn r_disc_4_already_terminating_namespace_is_reported_and_held_by_discovery() {
    check(
        &with(&[
            "//- delete background Service kube-metrics/metrics-server",
            METRICS,
            r#"
            apiVersion: v1
            kind: Namespace
            metadata: {name: old, uid: ns-old, deletionTimestamp: "2026-01-01T00:00:00Z"}
            spec: {finalizers: [kubernetes]}
            status: {phase: Terminating}
            "#,
        ]),
        r#"
            deleted Service kube-metrics/metrics-server <- request
            namespace old stuck, already terminating, blocked by discovery of metrics.k8s.io/v1beta1
              NamespaceDeletionDiscoveryFailure DiscoveryFailed: Discovery failed for some groups, 1 failing: unable to retrieve the complete list of server APIs: metrics.k8s.io/v1beta1: stale GroupVersion discovery: metrics.k8s.io/v1beta1
            apiservice v1beta1.metrics.k8s.io (metrics.k8s.io/v1beta1 -> kube-metrics/metrics-server) available=False ServiceNotFound: service/metrics-server in "kube-metrics" is not present, lost Service kube-metrics/metrics-server
            discovery metrics.k8s.io/v1beta1: stale GroupVersion discovery: metrics.k8s.io/v1beta1
        "#,
    );
}

/// Issue 11: a group/version `capture` recorded as stale is an APIService already
/// unavailable, although its backend looks healthy in the snapshot and its object has no
/// condition saying so; a namespace the change deletes is held (R-DISC-4).
#[test]
fn r_disc_4_recorded_stale_group_version_holds_a_namespace_deleted_later() {
    check(
        &with(&[
            "//- unavailable metrics.k8s.io/v1beta1 stale GroupVersion discovery: metrics.k8s.io/v1beta1",
            "//- delete background Namespace team",
            METRICS,
            TEAM,
        ]),
        r#"
            deleted ConfigMap team/settings <- Namespace team
            stuck Namespace team: API discovery fails for metrics.k8s.io/v1beta1 (R-DISC-4: no namespace can finish deleting while any aggregated API is unavailable)
            namespace team stuck, blocked by discovery of metrics.k8s.io/v1beta1
              NamespaceDeletionDiscoveryFailure DiscoveryFailed: Discovery failed for some groups, 1 failing: unable to retrieve the complete list of server APIs: metrics.k8s.io/v1beta1: stale GroupVersion discovery: metrics.k8s.io/v1beta1
            apiservice v1beta1.metrics.k8s.io (metrics.k8s.io/v1beta1 -> kube-metrics/metrics-server) available=False UnavailableAtCapture: its discovery failed when the cluster was captured: stale GroupVersion discovery: metrics.k8s.io/v1beta1, unavailable before
            discovery metrics.k8s.io/v1beta1: stale GroupVersion discovery: metrics.k8s.io/v1beta1
        "#,
    );
}

/// Issue 11: a namespace already terminating at capture time stays stuck while the
/// recorded group/version fails, even when the change deletes nothing in it.
#[test]
fn r_disc_4_recorded_stale_group_version_holds_an_already_terminating_namespace() {
    check(
        &with(&[
            "//- unavailable metrics.k8s.io/v1beta1 stale GroupVersion discovery: metrics.k8s.io/v1beta1",
            "//- delete background ConfigMap team/settings",
            METRICS,
            TEAM,
            r#"
            apiVersion: v1
            kind: Namespace
            metadata: {name: old, uid: ns-old, deletionTimestamp: "2026-01-01T00:00:00Z"}
            spec: {finalizers: [kubernetes]}
            status: {phase: Terminating}
            "#,
        ]),
        r#"
            deleted ConfigMap team/settings <- request
            namespace old stuck, already terminating, blocked by discovery of metrics.k8s.io/v1beta1
              NamespaceDeletionDiscoveryFailure DiscoveryFailed: Discovery failed for some groups, 1 failing: unable to retrieve the complete list of server APIs: metrics.k8s.io/v1beta1: stale GroupVersion discovery: metrics.k8s.io/v1beta1
            apiservice v1beta1.metrics.k8s.io (metrics.k8s.io/v1beta1 -> kube-metrics/metrics-server) available=False UnavailableAtCapture: its discovery failed when the cluster was captured: stale GroupVersion discovery: metrics.k8s.io/v1beta1, unavailable before
            discovery metrics.k8s.io/v1beta1: stale GroupVersion discovery: metrics.k8s.io/v1beta1
        "#,
    );
}

/// Issue 11, R-DISC-6: deleting the recorded-unavailable APIService lifts the block, as
/// on a real cluster.
#[test]
fn r_disc_6_deleting_a_recorded_unavailable_apiservice_leaves_nothing_stuck() {
    check(
        &with(&[
            "//- unavailable metrics.k8s.io/v1beta1 stale GroupVersion discovery: metrics.k8s.io/v1beta1",
            "//- delete background APIService.apiregistration.k8s.io v1beta1.metrics.k8s.io",
            "//- delete background Namespace team",
            METRICS,
            TEAM,
        ]),
        r#"
            deleted ConfigMap team/settings <- Namespace team
            deleted Namespace team <- request
            deleted APIService.apiregistration.k8s.io v1beta1.metrics.k8s.io <- request
            namespace team deleted
        "#,
    );
}

/// Issue 11: a recorded group/version whose APIService the snapshot lacks still fails
/// discovery (R-DISC-4 holds for every failing group/version), with the recorded words.
#[test]
fn r_disc_4_recorded_group_version_without_its_apiservice_object_still_fails_discovery() {
    check(
        &with(&[
            "//- kube 1.26",
            "//- unavailable custom.metrics.k8s.io/v1beta2 the server is currently unable to handle the request",
            "//- delete background Namespace team",
            TEAM,
        ]),
        r#"
            deleted ConfigMap team/settings <- Namespace team
            stuck Namespace team: API discovery fails for custom.metrics.k8s.io/v1beta2 (R-DISC-4: no namespace can finish deleting while any aggregated API is unavailable)
            namespace team stuck, blocked by discovery of custom.metrics.k8s.io/v1beta2
              NamespaceDeletionDiscoveryFailure DiscoveryFailed: Discovery failed for some groups, 1 failing: unable to retrieve the complete list of server APIs: custom.metrics.k8s.io/v1beta2: the server is currently unable to handle the request
            discovery custom.metrics.k8s.io/v1beta2: the server is currently unable to handle the request
        "#,
    );
}

#[test]
fn r_nsc_2_already_terminating_namespace_finishes_when_nothing_holds_it() {
    check(
        r#"
        //- delete background ConfigMap team/unrelated
        apiVersion: v1
        kind: Namespace
        metadata: {name: old, uid: ns-old, deletionTimestamp: "2026-01-01T00:00:00Z"}
        spec: {finalizers: [kubernetes]}
        status: {phase: Terminating}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: unrelated, namespace: team, uid: cm-unrelated}
        "#,
        r#"
            deleted ConfigMap team/unrelated <- request
            namespace old deleted, already terminating
        "#,
    );
}

#[test]
fn r_obj_9_reapply_into_a_terminating_namespace_is_refused() {
    check(
        &with(&[
            "//- hold",
            "//- delete foreground APIService.apiregistration.k8s.io v1beta1.metrics.k8s.io",
            "//- delete foreground Namespace kube-metrics",
            "//- reapply APIService.apiregistration.k8s.io v1beta1.metrics.k8s.io",
            "//- reapply Service kube-metrics/metrics-server",
            "//- reapply Deployment.apps kube-metrics/metrics-server",
            "//- release",
            METRICS,
        ]),
        r#"
            deleted Endpoints kube-metrics/metrics-server <- Namespace kube-metrics
            stuck Namespace kube-metrics: API discovery fails for metrics.k8s.io/v1beta1 (R-DISC-4: no namespace can finish deleting while any aggregated API is unavailable)
            deleted Pod kube-metrics/metrics-server-1-a <- Namespace kube-metrics
            deleted Service kube-metrics/metrics-server <- Namespace kube-metrics
            deleted Deployment.apps kube-metrics/metrics-server <- Namespace kube-metrics
            deleted ReplicaSet.apps kube-metrics/metrics-server-1 <- Namespace kube-metrics
            deleted EndpointSlice.discovery.k8s.io kube-metrics/metrics-server-abcde <- Namespace kube-metrics
            namespace kube-metrics stuck, blocked by discovery of metrics.k8s.io/v1beta1
              NamespaceDeletionDiscoveryFailure DiscoveryFailed: Discovery failed for some groups, 1 failing: unable to retrieve the complete list of server APIs: metrics.k8s.io/v1beta1: stale GroupVersion discovery: metrics.k8s.io/v1beta1
            apiservice v1beta1.metrics.k8s.io (metrics.k8s.io/v1beta1 -> kube-metrics/metrics-server) available=False ServiceNotFound: service/metrics-server in "kube-metrics" is not present, lost Service kube-metrics/metrics-server, recreated by replacement
            discovery metrics.k8s.io/v1beta1: stale GroupVersion discovery: metrics.k8s.io/v1beta1
            reapply APIService.apiregistration.k8s.io v1beta1.metrics.k8s.io: ok
            reapply Service kube-metrics/metrics-server: services "metrics-server" is forbidden: unable to create new content in namespace kube-metrics because it is being terminated
            reapply Deployment.apps kube-metrics/metrics-server: deployments "metrics-server" is forbidden: unable to create new content in namespace kube-metrics because it is being terminated
        "#,
    );
}

#[test]
fn r_obj_9_reapply_into_a_deleted_namespace_finds_no_namespace() {
    check(
        &with(&[
            "//- delete foreground Namespace web",
            "//- reapply Deployment.apps web/web",
            WEB,
        ]),
        r#"
            deleted Namespace web <- request
            deleted Pod web/web-1-a <- Namespace web
            deleted Deployment.apps web/web <- Namespace web
            deleted ReplicaSet.apps web/web-1 <- Namespace web
            namespace web deleted
            reapply Deployment.apps web/web: namespaces "web" not found
        "#,
    );
}

#[test]
fn r_disc_2_apiservice_without_service_never_fails_discovery() {
    check(
        &with(&[
            "//- delete background Namespace team",
            r#"
            apiVersion: apiregistration.k8s.io/v1
            kind: APIService
            metadata: {name: v1.widgets.example.com, uid: apisvc-local}
            spec: {group: widgets.example.com, version: v1}
            status:
              conditions: [{type: Available, status: "False", reason: Unknown, message: broken}]
            "#,
            TEAM,
        ]),
        r#"
            deleted ConfigMap team/settings <- Namespace team
            deleted Namespace team <- request
            namespace team deleted
        "#,
    );
}

#[test]
fn r_vol_1_unscheduled_pod_does_not_hold_the_claim() {
    check(
        r#"
        //- delete background PersistentVolumeClaim db/data
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: data, namespace: db, uid: pvc-data, finalizers: [kubernetes.io/pvc-protection]}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: db-0, namespace: db, uid: pod-db-0}
        spec:
          volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]
        "#,
        r#"
            deleted PersistentVolumeClaim db/data <- request
        "#,
    );
}

/// §14.4: the backend's pods are collected rounds after the namespace's content is gone;
/// the namespace must still see the discovery failure they cause.
#[test]
fn r_disc_4_backend_lost_late_in_the_cascade_still_blocks_a_namespace_deleted_with_it() {
    check(
        &with(&[
            "//- delete background Deployment.apps kube-metrics/metrics-server",
            "//- delete background Namespace team",
            METRICS,
            TEAM,
        ]),
        r#"
            deleted ConfigMap team/settings <- Namespace team
            stuck Namespace team: API discovery fails for metrics.k8s.io/v1beta1 (R-DISC-4: no namespace can finish deleting while any aggregated API is unavailable)
            deleted Pod kube-metrics/metrics-server-1-a <- ReplicaSet.apps kube-metrics/metrics-server-1
            deleted Deployment.apps kube-metrics/metrics-server <- request
            deleted ReplicaSet.apps kube-metrics/metrics-server-1 <- Deployment.apps kube-metrics/metrics-server
            namespace team stuck, blocked by discovery of metrics.k8s.io/v1beta1
              NamespaceDeletionDiscoveryFailure DiscoveryFailed: Discovery failed for some groups, 1 failing: unable to retrieve the complete list of server APIs: metrics.k8s.io/v1beta1: stale GroupVersion discovery: metrics.k8s.io/v1beta1
            apiservice v1beta1.metrics.k8s.io (metrics.k8s.io/v1beta1 -> kube-metrics/metrics-server) available=False MissingEndpoints: endpointslices for service/metrics-server in "kube-metrics" have no addresses with port name "https", lost Pod kube-metrics/metrics-server-1-a
            discovery metrics.k8s.io/v1beta1: stale GroupVersion discovery: metrics.k8s.io/v1beta1
        "#,
    );
}

#[test]
fn r_disc_3_several_failing_group_versions_are_sorted_and_counted() {
    check(
        &with(&[
            "//- delete background Namespace kube-metrics",
            METRICS,
            r#"
            apiVersion: apiregistration.k8s.io/v1
            kind: APIService
            metadata: {name: v1beta1.custom.metrics.k8s.io, uid: apisvc-custom}
            spec:
              group: custom.metrics.k8s.io
              version: v1beta1
              service: {namespace: kube-metrics, name: adapter}
            "#,
        ]),
        r#"
            deleted Endpoints kube-metrics/metrics-server <- Namespace kube-metrics
            stuck Namespace kube-metrics: API discovery fails for custom.metrics.k8s.io/v1beta1, metrics.k8s.io/v1beta1 (R-DISC-4: no namespace can finish deleting while any aggregated API is unavailable)
            deleted Pod kube-metrics/metrics-server-1-a <- Namespace kube-metrics
            deleted Service kube-metrics/metrics-server <- Namespace kube-metrics
            deleted Deployment.apps kube-metrics/metrics-server <- Namespace kube-metrics
            deleted ReplicaSet.apps kube-metrics/metrics-server-1 <- Namespace kube-metrics
            deleted EndpointSlice.discovery.k8s.io kube-metrics/metrics-server-abcde <- Namespace kube-metrics
            namespace kube-metrics stuck, blocked by discovery of custom.metrics.k8s.io/v1beta1, metrics.k8s.io/v1beta1
              NamespaceDeletionDiscoveryFailure DiscoveryFailed: Discovery failed for some groups, 2 failing: unable to retrieve the complete list of server APIs: custom.metrics.k8s.io/v1beta1: stale GroupVersion discovery: custom.metrics.k8s.io/v1beta1, metrics.k8s.io/v1beta1: stale GroupVersion discovery: metrics.k8s.io/v1beta1
            apiservice v1beta1.custom.metrics.k8s.io (custom.metrics.k8s.io/v1beta1 -> kube-metrics/adapter) available=False ServiceNotFound: service/adapter in "kube-metrics" is not present, unavailable before
            apiservice v1beta1.metrics.k8s.io (metrics.k8s.io/v1beta1 -> kube-metrics/metrics-server) available=False ServiceNotFound: service/metrics-server in "kube-metrics" is not present, lost Service kube-metrics/metrics-server
            discovery custom.metrics.k8s.io/v1beta1: stale GroupVersion discovery: custom.metrics.k8s.io/v1beta1
            discovery metrics.k8s.io/v1beta1: stale GroupVersion discovery: metrics.k8s.io/v1beta1
        "#,
    );
}

/// A namespace `web` holding a `Widget` whose finalizer an operator in `ops` removes.
const WIDGET: &str = r#"
apiVersion: v1
kind: Namespace
metadata: {name: web, uid: ns-web}
spec: {finalizers: [kubernetes]}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w, namespace: web, uid: w, finalizers: [example.com/cleanup]}
---
apiVersion: v1
kind: Namespace
metadata: {name: ops, uid: ns-ops}
spec: {finalizers: [kubernetes]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: widget-operator, namespace: ops, uid: op}
spec: {template: {spec: {serviceAccountName: widget-operator}}}
"#;

/// RBAC that lets the operator's service account update widgets, naming them.
const WIDGET_RBAC: &str = r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: widget-operator, uid: cr}
rules: [{apiGroups: [example.com], resources: [widgets, widgets/status], verbs: [get, list, watch, update, patch]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: widget-operator, uid: crb}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: widget-operator}
subjects: [{kind: ServiceAccount, name: widget-operator, namespace: ops}]
"#;

#[test]
fn r_fin_1_declared_controller_alive_removes_its_finalizer() {
    check(
        &with(&[
            "//- controller Deployment.apps ops/widget-operator example.com/cleanup",
            "//- delete background Namespace web",
            WIDGET,
        ]),
        r#"
            deleted Namespace web <- request
            deleted Widget.example.com web/w <- Namespace web
            namespace web deleted
        "#,
    );
}

#[test]
fn r_fin_1_declared_controller_deleted_in_the_same_cascade_leaves_its_objects_stuck() {
    check(
        &with(&[
            "//- controller Deployment.apps ops/widget-operator example.com/cleanup",
            "//- delete background Namespace web",
            "//- delete background Namespace ops",
            WIDGET,
        ]),
        r#"
            deleted Namespace ops <- request
            stuck Namespace web: content remains: Widget `web/w`
            deleted Deployment.apps ops/widget-operator <- Namespace ops
            stuck Widget.example.com web/w: finalizer `example.com/cleanup` is never removed: its controller Deployment `ops/widget-operator` (declared in --controllers) is deleted in the same cascade (R-FIN-1)
            namespace ops deleted
            namespace web stuck
              NamespaceContentRemaining SomeResourcesRemain: Some resources are remaining: widgets.example.com has 1 resource instances
              NamespaceFinalizersRemaining SomeFinalizerRemain: Some finalizers are remaining: example.com/cleanup in 1 resource instances
        "#,
    );
}

/// §14.2: a controller is alive only while its workload exists. A declared workload the
/// snapshot does not show is not running in the cluster; nothing removes its finalizer.
#[test]
fn r_fin_1_declared_controller_absent_from_the_snapshot_is_dead() {
    check(
        &with(&[
            "//- controller Deployment.apps gadgets/gadget-operator example.com/cleanup",
            "//- delete background Namespace web",
            WIDGET,
        ]),
        r#"
            stuck Namespace web: content remains: Widget `web/w`
            stuck Widget.example.com web/w: finalizer `example.com/cleanup` is never removed: its controller Deployment `gadgets/gadget-operator` (declared in --controllers) is not in this cluster's snapshot; declare it `external: true` if it runs elsewhere
            namespace web stuck
              NamespaceContentRemaining SomeResourcesRemain: Some resources are remaining: widgets.example.com has 1 resource instances
              NamespaceFinalizersRemaining SomeFinalizerRemain: Some finalizers are remaining: example.com/cleanup in 1 resource instances
        "#,
    );
}

/// Negative of the above: declared `external: true`, the controller runs outside the
/// cluster, so no deletion in the cluster can stop it and the finalizer is removed.
#[test]
fn r_fin_1_declared_external_controller_removes_its_finalizer() {
    check(
        &with(&[
            "//- external-controller Deployment.apps gadgets/gadget-operator example.com/cleanup",
            "//- delete background Namespace web",
            WIDGET,
        ]),
        r#"
            deleted Namespace web <- request
            deleted Widget.example.com web/w <- Namespace web
            namespace web deleted
        "#,
    );
}

#[test]
fn r_fin_1_controller_inferred_from_rbac_serves_while_it_runs() {
    check(
        &with(&[
            "//- delete background Namespace web",
            WIDGET,
            "---",
            WIDGET_RBAC,
        ]),
        r#"
            deleted Namespace web <- request
            deleted Widget.example.com web/w <- Namespace web
            namespace web deleted
        "#,
    );
}

#[test]
fn r_fin_1_controller_inferred_from_rbac_deleted_with_its_namespace() {
    check(
        &with(&[
            "//- delete background Namespace ops",
            "//- delete background Namespace web",
            WIDGET,
            "---",
            WIDGET_RBAC,
        ]),
        r#"
            deleted Namespace ops <- request
            stuck Namespace web: content remains: Widget `web/w`
            deleted Deployment.apps ops/widget-operator <- Namespace ops
            stuck Widget.example.com web/w: finalizer `example.com/cleanup` is never removed: its controller Deployment `ops/widget-operator` (inferred from RBAC) is deleted in the same cascade (R-FIN-1)
            namespace ops deleted
            namespace web stuck
              NamespaceContentRemaining SomeResourcesRemain: Some resources are remaining: widgets.example.com has 1 resource instances
              NamespaceFinalizersRemaining SomeFinalizerRemain: Some finalizers are remaining: example.com/cleanup in 1 resource instances
        "#,
    );
}

#[test]
fn r_fin_1_well_known_cert_manager_deleted_with_its_challenges() {
    check(
        r#"
        //- delete background Namespace cert-manager
        //- delete background Namespace web
        apiVersion: v1
        kind: Namespace
        metadata: {name: web, uid: ns-web}
        spec: {finalizers: [kubernetes]}
        ---
        apiVersion: acme.cert-manager.io/v1
        kind: Challenge
        metadata: {name: c, namespace: web, uid: c, finalizers: [finalizer.acme.cert-manager.io]}
        ---
        apiVersion: v1
        kind: Namespace
        metadata: {name: cert-manager, uid: ns-cm}
        spec: {finalizers: [kubernetes]}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: cert-manager, namespace: cert-manager, uid: cm}
        "#,
        r#"
            deleted Namespace cert-manager <- request
            stuck Namespace web: content remains: Challenge `web/c`
            stuck Challenge.acme.cert-manager.io web/c: finalizer `finalizer.acme.cert-manager.io` is never removed: its controller Deployment `cert-manager/cert-manager` (well-known controller) is deleted in the same cascade (R-FIN-1)
            deleted Deployment.apps cert-manager/cert-manager <- Namespace cert-manager
            namespace cert-manager deleted
            namespace web stuck
              NamespaceContentRemaining SomeResourcesRemain: Some resources are remaining: challenges.acme.cert-manager.io has 1 resource instances
              NamespaceFinalizersRemaining SomeFinalizerRemain: Some finalizers are remaining: finalizer.acme.cert-manager.io in 1 resource instances
        "#,
    );
}

/// A CRD whose instances the CRD finalizer deletes.
const WIDGET_CRD: &str = r#"
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gadgets.example.com, uid: crd, finalizers: [customresourcecleanup.apiextensions.k8s.io]}
spec:
  group: example.com
  names: {kind: Gadget, plural: gadgets}
  scope: Namespaced
"#;

#[test]
fn r_crd_2_deleting_a_crd_deletes_its_instances_then_the_crd() {
    check(
        &with(&[
            "//- delete background CustomResourceDefinition.apiextensions.k8s.io gadgets.example.com",
            WIDGET_CRD,
            "---\napiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: g, namespace: web, uid: g}",
        ]),
        r#"
            deleted CustomResourceDefinition.apiextensions.k8s.io gadgets.example.com <- request
            deleted Gadget.example.com web/g <- CustomResourceDefinition.apiextensions.k8s.io gadgets.example.com
        "#,
    );
}

#[test]
fn r_crd_3_instances_with_an_orphaned_finalizer_keep_the_crd_terminating() {
    check(
        &with(&[
            "//- delete background CustomResourceDefinition.apiextensions.k8s.io gadgets.example.com",
            WIDGET_CRD,
            "---\napiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: g, namespace: web, uid: g, finalizers: [example.com/cleanup]}",
        ]),
        r#"
            stuck CustomResourceDefinition.apiextensions.k8s.io gadgets.example.com: `customresourcecleanup.apiextensions.k8s.io` waits for 1 custom resource to be deleted: Gadget `web/g`
            stuck Gadget.example.com web/g: finalizer `example.com/cleanup` is never removed: no controller known to remove it (declare it with `--controllers`)
        "#,
    );
}

/// A namespace `web` with a ConfigMap, and a webhook whose backend lives in `policy`.
fn webhook_fixture(rules: &str, failure_policy: &str, extra: &str) -> String {
    format!(
        r#"
apiVersion: v1
kind: Namespace
metadata: {{name: web, uid: ns-web, labels: {{kubernetes.io/metadata.name: web}}}}
spec: {{finalizers: [kubernetes]}}
---
apiVersion: v1
kind: ConfigMap
metadata: {{name: settings, namespace: web, uid: cm}}
---
apiVersion: v1
kind: Namespace
metadata: {{name: policy, uid: ns-policy}}
spec: {{finalizers: [kubernetes]}}
---
apiVersion: v1
kind: Service
metadata: {{name: policy-webhook, namespace: policy, uid: svc}}
spec: {{ports: [{{name: https, port: 443}}], selector: {{app: policy}}}}
---
apiVersion: v1
kind: Pod
metadata: {{name: policy-0, namespace: policy, uid: pod, labels: {{app: policy}}}}
spec: {{nodeName: node-1}}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {{name: policy, uid: vwc}}
webhooks:
- name: validate.policy.example.com
  failurePolicy: {failure_policy}
  clientConfig: {{service: {{name: policy-webhook, namespace: policy, path: /validate}}}}
  rules: [{rules}]
  namespaceSelector: {{matchExpressions: [{{key: kubernetes.io/metadata.name, operator: NotIn, values: [policy, kube-system]}}]}}
{extra}
"#
    )
}

#[test]
fn c_03_delete_webhook_without_backend_fails_content_deletion() {
    let fixture = webhook_fixture(
        "{operations: [DELETE], apiGroups: [\"\"], apiVersions: [v1], resources: [configmaps]}",
        "Fail",
        "",
    );
    check(
        &with(&[
            "//- delete background Namespace policy",
            "//- delete background Namespace web",
            &fixture,
        ]),
        r#"
            refused ConfigMap web/settings: Internal error occurred: failed calling webhook "validate.policy.example.com": failed to call webhook: Post "https://policy-webhook.policy.svc:443/validate?timeout=10s": service "policy-webhook" not found
            deleted Namespace policy <- request
            stuck Namespace web: deleting its content fails: Internal error occurred: failed calling webhook "validate.policy.example.com": failed to call webhook: Post "https://policy-webhook.policy.svc:443/validate?timeout=10s": service "policy-webhook" not found
            deleted Pod policy/policy-0 <- Namespace policy
            deleted Service policy/policy-webhook <- Namespace policy
            namespace policy deleted
            namespace web stuck
              NamespaceDeletionContentFailure ContentDeletionFailed: Failed to delete all resource types, 1 remaining: Internal error occurred: failed calling webhook "validate.policy.example.com": failed to call webhook: Post "https://policy-webhook.policy.svc:443/validate?timeout=10s": service "policy-webhook" not found
        "#,
    );
}

#[test]
fn r_wh_4_ignore_policy_lets_the_request_through() {
    let fixture = webhook_fixture(
        "{operations: [DELETE], apiGroups: [\"\"], apiVersions: [v1], resources: [configmaps]}",
        "Ignore",
        "",
    );
    check(
        &with(&[
            "//- delete background Namespace policy",
            "//- delete background Namespace web",
            &fixture,
        ]),
        r#"
            deleted ConfigMap web/settings <- Namespace web
            deleted Namespace policy <- request
            deleted Namespace web <- request
            deleted Pod policy/policy-0 <- Namespace policy
            deleted Service policy/policy-webhook <- Namespace policy
            namespace policy deleted
            namespace web deleted
        "#,
    );
}

#[test]
fn r_wh_1_deleting_the_webhook_configuration_with_its_backend_blocks_nothing() {
    let fixture = webhook_fixture(
        "{operations: [\"*\"], apiGroups: [\"*\"], apiVersions: [\"*\"], resources: [\"*\"]}",
        "Fail",
        "",
    );
    check(
        &with(&[
            "//- delete background ValidatingWebhookConfiguration.admissionregistration.k8s.io policy",
            "//- delete background Namespace policy",
            "//- delete background Namespace web",
            &fixture,
        ]),
        r#"
            deleted ConfigMap web/settings <- Namespace web
            deleted Namespace policy <- request
            deleted Namespace web <- request
            deleted Pod policy/policy-0 <- Namespace policy
            deleted Service policy/policy-webhook <- Namespace policy
            deleted ValidatingWebhookConfiguration.admissionregistration.k8s.io policy <- request
            namespace policy deleted
            namespace web deleted
        "#,
    );
}

#[test]
fn c_04_update_webhook_without_backend_keeps_foreground_deletion() {
    let fixture = webhook_fixture(
        "{operations: [CREATE, UPDATE], apiGroups: [\"\"], apiVersions: [v1], resources: [configmaps]}",
        "Fail",
        "",
    );
    check(
        &with(&[
            "//- delete background Namespace policy",
            "//- delete foreground ConfigMap web/settings",
            &fixture,
        ]),
        r#"
            stuck ConfigMap web/settings: no finalizer can be removed, the UPDATE is refused: Internal error occurred: failed calling webhook "validate.policy.example.com": failed to call webhook: Post "https://policy-webhook.policy.svc:443/validate?timeout=10s": service "policy-webhook" not found
            deleted Namespace policy <- request
            deleted Pod policy/policy-0 <- Namespace policy
            deleted Service policy/policy-webhook <- Namespace policy
            namespace policy deleted
        "#,
    );
}

#[test]
fn c_05_namespace_delete_webhook_without_backend_keeps_the_namespace_active() {
    let fixture = webhook_fixture(
        "{operations: [DELETE], apiGroups: [\"\"], apiVersions: [v1], resources: [namespaces]}",
        "Fail",
        "",
    );
    check(
        &with(&[
            "//- delete background Namespace policy",
            "//- release",
            "//- delete background Namespace web",
            &fixture,
        ]),
        r#"
            deleted Namespace policy <- request
            refused Namespace web: Internal error occurred: failed calling webhook "validate.policy.example.com": failed to call webhook: Post "https://policy-webhook.policy.svc:443/validate?timeout=10s": service "policy-webhook" not found
            deleted Pod policy/policy-0 <- Namespace policy
            deleted Service policy/policy-webhook <- Namespace policy
            namespace policy deleted
        "#,
    );
}

#[test]
fn r_wh_2_namespace_selector_exempts_excluded_namespaces() {
    let fixture = webhook_fixture(
        "{operations: [DELETE], apiGroups: [\"\"], apiVersions: [v1], resources: [configmaps]}",
        "Fail",
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: own, namespace: policy, uid: own}",
    );
    check(
        &with(&["//- delete background Namespace policy", &fixture]),
        r#"
            deleted ConfigMap policy/own <- Namespace policy
            deleted Namespace policy <- request
            deleted Pod policy/policy-0 <- Namespace policy
            deleted Service policy/policy-webhook <- Namespace policy
            namespace policy deleted
        "#,
    );
}

#[test]
fn c_06_conversion_webhook_without_backend_fails_content_deletion() {
    check(
        r#"
        //- delete background Namespace policy
        //- delete background Namespace web
        apiVersion: v1
        kind: Namespace
        metadata: {name: web, uid: ns-web}
        spec: {finalizers: [kubernetes]}
        ---
        apiVersion: example.com/v2
        kind: Gadget
        metadata: {name: g, namespace: web, uid: g}
        ---
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata: {name: gadgets.example.com, uid: crd}
        spec:
          group: example.com
          names: {kind: Gadget, plural: gadgets}
          scope: Namespaced
          versions: [{name: v1, served: true, storage: false}, {name: v2, served: true, storage: true}]
          conversion:
            strategy: Webhook
            webhook: {clientConfig: {service: {name: convert, namespace: policy, path: /convert}}}
        status: {storedVersions: [v1, v2]}
        ---
        apiVersion: v1
        kind: Namespace
        metadata: {name: policy, uid: ns-policy}
        spec: {finalizers: [kubernetes]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: convert, namespace: policy, uid: svc}
        spec: {ports: [{name: https, port: 443}]}
        "#,
        r#"
            deleted Namespace policy <- request
            stuck Namespace web: deleting its content fails: conversion webhook for example.com/v1, Kind=Gadget failed: Post "https://convert.policy.svc:443/convert?timeout=30s": service "convert" not found
            deleted Service policy/convert <- Namespace policy
            refused Gadget.example.com web/g: conversion webhook for example.com/v1, Kind=Gadget failed: Post "https://convert.policy.svc:443/convert?timeout=30s": service "convert" not found
            namespace policy deleted
            namespace web stuck
              NamespaceDeletionContentFailure ContentDeletionFailed: Failed to delete all resource types, 1 remaining: conversion webhook for example.com/v1, Kind=Gadget failed: Post "https://convert.policy.svc:443/convert?timeout=30s": service "convert" not found
        "#,
    );
}

/// A namespace whose only pod runs on `node-1`, in the given node state.
fn pod_on_node(node_spec: &str) -> String {
    format!(
        r#"
apiVersion: v1
kind: Node
metadata: {{name: node-1, uid: node-1}}
{node_spec}
---
apiVersion: v1
kind: Namespace
metadata: {{name: web, uid: ns-web}}
spec: {{finalizers: [kubernetes]}}
---
apiVersion: v1
kind: Pod
metadata: {{name: p, namespace: web, uid: p}}
spec: {{nodeName: node-1}}
"#
    )
}

#[test]
fn r_pod_1_pod_on_a_node_that_is_not_ready_is_never_confirmed_gone() {
    check(
        &with(&[
            "//- kube 1.32",
            "//- delete background Namespace web",
            &pod_on_node("status: {conditions: [{type: Ready, status: Unknown}]}"),
        ]),
        r#"
            stuck Namespace web: content remains: Pod `web/p`
            stuck Pod web/p: node `node-1` is not Ready, so no kubelet confirms the pod gone (R-POD-1)
            namespace web stuck
              NamespaceDeletionContentFailure ContentDeletionFailed: Failed to delete all resource types, 1 remaining: unexpected items still remain in namespace: web for gvr: /v1, Resource=pods
              NamespaceContentRemaining SomeResourcesRemain: Some resources are remaining: pods. has 1 resource instances
        "#,
    );
}

#[test]
fn r_pod_2_out_of_service_taint_lets_the_pod_garbage_collector_finish() {
    check(
        &with(&[
            "//- delete background Namespace web",
            &pod_on_node(
                "spec: {taints: [{key: node.kubernetes.io/out-of-service, effect: NoExecute}]}\nstatus: {conditions: [{type: Ready, status: \"False\"}]}",
            ),
        ]),
        r#"
            deleted Namespace web <- request
            deleted Pod web/p <- Namespace web
            namespace web deleted
        "#,
    );
}

/// R-VOL-2: the PV protection controller holds a volume while it is `Bound` (its claim
/// exists), and lets a `Released` one go.
#[test]
fn r_vol_2_pv_protection_holds_a_bound_volume_and_releases_a_released_one() {
    let volume = |phase: &str| {
        format!(
            r#"
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {{name: data, namespace: web, uid: pvc}}
---
apiVersion: v1
kind: PersistentVolume
metadata: {{name: pv, uid: pv, finalizers: [kubernetes.io/pv-protection]}}
spec: {{claimRef: {{namespace: web, name: data}}}}
status: {{phase: {phase}}}
"#
        )
    };
    check(
        &with(&[
            "//- delete background PersistentVolume pv",
            &volume("Bound"),
        ]),
        r#"
            stuck PersistentVolume pv: `kubernetes.io/pv-protection` waits while the volume is bound to claim PersistentVolumeClaim `web/data`
        "#,
    );
    check(
        &with(&[
            "//- delete background PersistentVolume pv",
            &volume("Released"),
        ]),
        r#"
            deleted PersistentVolume pv <- request
        "#,
    );
}

/// A StatefulSet with `persistentVolumeClaimRetentionPolicy.whenDeleted: Delete` owns
/// its claims; the garbage collector deletes them with it.
fn stateful_set_with_claim(reclaim_policy: &str) -> String {
    format!(
        r#"
apiVersion: apps/v1
kind: StatefulSet
metadata: {{name: db, namespace: web, uid: sts}}
spec: {{persistentVolumeClaimRetentionPolicy: {{whenDeleted: Delete, whenScaled: Retain}}}}
---
apiVersion: v1
kind: Pod
metadata:
  name: db-0
  namespace: web
  uid: pod
  ownerReferences: [{{apiVersion: apps/v1, kind: StatefulSet, name: db, uid: sts, controller: true, blockOwnerDeletion: true}}]
spec:
  nodeName: node-1
  volumes: [{{name: data, persistentVolumeClaim: {{claimName: data-db-0}}}}]
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data-db-0
  namespace: web
  uid: pvc
  finalizers: [kubernetes.io/pvc-protection]
  ownerReferences: [{{apiVersion: apps/v1, kind: StatefulSet, name: db, uid: sts, blockOwnerDeletion: true}}]
spec: {{volumeName: pv-db, storageClassName: gp3}}
---
apiVersion: v1
kind: PersistentVolume
metadata:
  name: pv-db
  uid: pv
  finalizers: [kubernetes.io/pv-protection, external-provisioner.volume.kubernetes.io/finalizer]
spec:
  capacity: {{storage: 20Gi}}
  storageClassName: gp3
  persistentVolumeReclaimPolicy: {reclaim_policy}
  csi: {{driver: ebs.csi.aws.com, volumeHandle: vol-0abc}}
  claimRef: {{namespace: web, name: data-db-0, uid: pvc}}
status: {{phase: Bound}}
"#
    )
}

/// R-VOL-3 (`pkg/controller/volume/persistentvolume/pv_controller.go`,
/// `deleteVolumeOperation`; the CSI external provisioner for CSI volumes): the garbage
/// collector deletes the StatefulSet's claim, the volume is `Released`, and with reclaim
/// policy `Delete` the provisioner deletes the backend disk and then the PV, removing
/// its own finalizer. The PV is reported deleted, with the workload that used it.
#[test]
fn r_vol_3_reclaim_policy_delete_destroys_the_volume_of_a_collected_claim() {
    check(
        &with(&[
            "//- delete background StatefulSet.apps web/db",
            &stateful_set_with_claim("Delete"),
        ]),
        r#"
            deleted PersistentVolume pv-db <- PersistentVolumeClaim web/data-db-0
            deleted PersistentVolumeClaim web/data-db-0 <- StatefulSet.apps web/db
            deleted Pod web/db-0 <- StatefulSet.apps web/db
            deleted StatefulSet.apps web/db <- request
            volume pv-db Deleted (Delete): claim PersistentVolumeClaim web/data-db-0, used by [StatefulSet.apps web/db]
        "#,
    );
}

/// R-VOL-3: reclaim policy `Retain` keeps the volume `Released`, with its data; it is
/// not deleted, and the result says it is retained.
#[test]
fn r_vol_3_reclaim_policy_retain_keeps_the_volume_of_a_collected_claim() {
    check(
        &with(&[
            "//- delete background StatefulSet.apps web/db",
            &stateful_set_with_claim("Retain"),
        ]),
        r#"
            deleted PersistentVolumeClaim web/data-db-0 <- StatefulSet.apps web/db
            deleted Pod web/db-0 <- StatefulSet.apps web/db
            deleted StatefulSet.apps web/db <- request
            volume pv-db Retained (Retain): claim PersistentVolumeClaim web/data-db-0, used by [StatefulSet.apps web/db]
        "#,
    );
}

/// R-CRD-5 (apiextensions-apiserver `pkg/controller/finalizer/crd_finalizer.go`,
/// `deleteInstances`): the CRD finalizer LISTs the instances at the storage version
/// before deleting any; objects stored at `v1` need the conversion webhook, whose
/// backend goes with namespace `policy`, so the LIST fails, the CRD stays Terminating
/// with `InstanceDeletionFailed`, and its instances are untouched (issue 13).
#[test]
fn r_crd_5_unlistable_instances_keep_the_crd_and_stay_untouched() {
    check(
        r#"
        //- delete background Namespace policy
        //- delete background CustomResourceDefinition.apiextensions.k8s.io gadgets.example.com
        apiVersion: example.com/v2
        kind: Gadget
        metadata: {name: g, namespace: web, uid: g}
        ---
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata: {name: gadgets.example.com, uid: crd, finalizers: [customresourcecleanup.apiextensions.k8s.io]}
        spec:
          group: example.com
          names: {kind: Gadget, plural: gadgets}
          scope: Namespaced
          versions: [{name: v1, served: true, storage: false}, {name: v2, served: true, storage: true}]
          conversion:
            strategy: Webhook
            webhook: {clientConfig: {service: {name: convert, namespace: policy, path: /convert}}}
        status: {storedVersions: [v1, v2]}
        ---
        apiVersion: v1
        kind: Namespace
        metadata: {name: policy, uid: ns-policy}
        spec: {finalizers: [kubernetes]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: convert, namespace: policy, uid: svc}
        spec: {ports: [{name: https, port: 443}]}
        "#,
        r#"
            deleted Namespace policy <- request
            deleted Service policy/convert <- Namespace policy
            stuck CustomResourceDefinition.apiextensions.k8s.io gadgets.example.com: the CRD finalizer could not list instances: conversion webhook for example.com/v1, Kind=Gadget failed: Post "https://convert.policy.svc:443/convert?timeout=30s": service "convert" not found (InstanceDeletionFailed)
            namespace policy deleted
        "#,
    );
}

/// Negative of R-CRD-5: every instance is stored at the storage version
/// (`storedVersions: [v2]`), so the LIST needs no conversion; the CRD finalizer deletes
/// the instances and then the CRD although the conversion webhook is gone.
#[test]
fn r_crd_5_instances_at_the_storage_version_need_no_conversion() {
    check(
        r#"
        //- delete background Namespace policy
        //- delete background CustomResourceDefinition.apiextensions.k8s.io gadgets.example.com
        apiVersion: example.com/v2
        kind: Gadget
        metadata: {name: g, namespace: web, uid: g}
        ---
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata: {name: gadgets.example.com, uid: crd, finalizers: [customresourcecleanup.apiextensions.k8s.io]}
        spec:
          group: example.com
          names: {kind: Gadget, plural: gadgets}
          scope: Namespaced
          versions: [{name: v1, served: true, storage: false}, {name: v2, served: true, storage: true}]
          conversion:
            strategy: Webhook
            webhook: {clientConfig: {service: {name: convert, namespace: policy, path: /convert}}}
        status: {storedVersions: [v2]}
        ---
        apiVersion: v1
        kind: Namespace
        metadata: {name: policy, uid: ns-policy}
        spec: {finalizers: [kubernetes]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: convert, namespace: policy, uid: svc}
        spec: {ports: [{name: https, port: 443}]}
        "#,
        r#"
            deleted Namespace policy <- request
            deleted Service policy/convert <- Namespace policy
            deleted CustomResourceDefinition.apiextensions.k8s.io gadgets.example.com <- request
            deleted Gadget.example.com web/g <- CustomResourceDefinition.apiextensions.k8s.io gadgets.example.com
            namespace policy deleted
        "#,
    );
}

/// An APIService whose backend is the Service `metrics/metrics-server` selecting
/// `app: metrics-server`, a namespace `web` to delete, and `extra` objects.
fn apiservice_backend(extra: &str) -> String {
    format!(
        r#"
//- delete background Namespace web
apiVersion: v1
kind: Namespace
metadata: {{name: web, uid: ns-web}}
spec: {{finalizers: [kubernetes]}}
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: {{name: v1beta1.metrics.k8s.io, uid: apiservice}}
spec: {{group: metrics.k8s.io, version: v1beta1, service: {{namespace: metrics, name: metrics-server, port: 443}}}}
status: {{conditions: [{{type: Available, status: "True", reason: Passed, message: all checks passed}}]}}
---
apiVersion: v1
kind: Service
metadata: {{name: metrics-server, namespace: metrics, uid: svc}}
spec: {{type: ClusterIP, selector: {{app: metrics-server}}, ports: [{{name: https, port: 443}}]}}
{extra}"#
    )
}

const DISCOVERY_BLOCKS_WEB: &str = r#"
    stuck Namespace web: API discovery fails for metrics.k8s.io/v1beta1 (R-DISC-4: no namespace can finish deleting while any aggregated API is unavailable)
    namespace web stuck, blocked by discovery of metrics.k8s.io/v1beta1
      NamespaceDeletionDiscoveryFailure DiscoveryFailed: Discovery failed for some groups, 1 failing: unable to retrieve the complete list of server APIs: metrics.k8s.io/v1beta1: stale GroupVersion discovery: metrics.k8s.io/v1beta1
    apiservice v1beta1.metrics.k8s.io (metrics.k8s.io/v1beta1 -> metrics/metrics-server) available=False MissingEndpoints: endpointslices for service/metrics-server in "metrics" have no addresses with port name "https", unavailable before
    discovery metrics.k8s.io/v1beta1: stale GroupVersion discovery: metrics.k8s.io/v1beta1
"#;

/// Issue 13, R-APISVC-1 (kube-aggregator `remote_available_controller.go`): the
/// snapshot holds EndpointSlices, none for the backend's Service, and no pod it selects:
/// missing endpoint data is no proof of a live backend. The APIService is unavailable
/// before the change, so the namespace deleted stays Terminating (R-DISC-4).
#[test]
fn r_apisvc_1_no_endpoints_and_no_selected_pod_is_an_unavailable_backend() {
    check(
        &apiservice_backend(
            r#"---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: other-abcde, namespace: default, uid: eps, labels: {kubernetes.io/service-name: other}}
endpoints: []
"#,
        ),
        DISCOVERY_BLOCKS_WEB,
    );
}

/// Issue 13: a selected pod that is not `Ready` is no endpoint either.
#[test]
fn r_apisvc_1_a_selected_pod_that_is_not_ready_is_no_backend() {
    check(
        &apiservice_backend(
            r#"---
apiVersion: v1
kind: Pod
metadata: {name: metrics-server-x1, namespace: metrics, uid: pod, labels: {app: metrics-server}}
spec: {nodeName: node-1}
status: {phase: Running, conditions: [{type: Ready, status: "False"}]}
"#,
        ),
        DISCOVERY_BLOCKS_WEB,
    );
}

/// Issue 13: with neither pods nor endpoints in the snapshot, a selected Deployment
/// scaled to zero still shows that no pod can be ready.
#[test]
fn r_apisvc_1_a_selected_workload_scaled_to_zero_is_no_backend() {
    check(
        &apiservice_backend(
            r#"---
apiVersion: apps/v1
kind: Deployment
metadata: {name: metrics-server, namespace: metrics, uid: deploy}
spec: {replicas: 0, selector: {matchLabels: {app: metrics-server}}, template: {metadata: {labels: {app: metrics-server}}}}
"#,
        ),
        DISCOVERY_BLOCKS_WEB,
    );
}

/// Negative: a snapshot that holds neither pods nor endpoints of any kind shows nothing
/// about the backend (a workload with replicas), so the APIService's own status stands
/// and the namespace is deleted.
#[test]
fn r_apisvc_1_a_snapshot_without_pods_or_endpoints_keeps_the_recorded_status() {
    check(
        &apiservice_backend(
            r#"---
apiVersion: apps/v1
kind: Deployment
metadata: {name: metrics-server, namespace: metrics, uid: deploy}
spec: {replicas: 1, selector: {matchLabels: {app: metrics-server}}, template: {metadata: {labels: {app: metrics-server}}}}
"#,
        ),
        r#"
            deleted Namespace web <- request
            namespace web deleted
        "#,
    );
}

/// Issue 13 before 1.34: the aggregator reads Endpoints, so a snapshot holding Endpoints
/// objects but none for the backend's Service, and no pod its selector matches, shows an
/// unavailable backend, in the Endpoints wording.
#[test]
fn r_apisvc_1_up_to_1_33_no_endpoints_object_and_no_selected_pod() {
    check(
        &format!(
            "//- kube 1.30\n{}",
            apiservice_backend(
                r#"---
apiVersion: v1
kind: Endpoints
metadata: {name: other, namespace: default, uid: ep}
subsets: []
"#,
            )
        ),
        r#"
            stuck Namespace web: API discovery fails for metrics.k8s.io/v1beta1 (R-DISC-4: no namespace can finish deleting while any aggregated API is unavailable)
            namespace web stuck, blocked by discovery of metrics.k8s.io/v1beta1
              NamespaceDeletionDiscoveryFailure DiscoveryFailed: Discovery failed for some groups, 1 failing: unable to retrieve the complete list of server APIs: metrics.k8s.io/v1beta1: stale GroupVersion discovery: metrics.k8s.io/v1beta1
            apiservice v1beta1.metrics.k8s.io (metrics.k8s.io/v1beta1 -> metrics/metrics-server) available=False MissingEndpoints: endpoints for service/metrics-server in "metrics" have no addresses with port name "https", unavailable before
            discovery metrics.k8s.io/v1beta1: stale GroupVersion discovery: metrics.k8s.io/v1beta1
        "#,
    );
}
