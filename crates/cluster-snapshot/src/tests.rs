//! Loader tests over fixtures: one string holds several files, each after a `//- path`
//! header, written to a temporary directory.

use std::collections::BTreeSet;
use std::fs;

use preflight_model::argocd::{IN_CLUSTER_NAME, IN_CLUSTER_SERVER};
use preflight_model::{ArgoSettings, Object, ObjectKey, TrackingMethod};
use serde_json::json;
use tempfile::TempDir;

use crate::{
    load_manifests, load_snapshot, ClusterSelection, ClusterSnapshot, Fleet, LoadError, LoadOptions,
};

fn fixture(text: &str) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    for chunk in text.split("//- ").skip(1) {
        let (path, content) = chunk.split_once('\n').unwrap();
        let path = dir.path().join(path.trim());
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }
    dir
}

/// The error message with the temporary directory removed from paths.
fn message(dir: &TempDir, error: LoadError) -> String {
    let root = dir.path().display().to_string();
    error
        .to_string()
        .replace(&format!("{root}/"), "")
        .replace(&root, "SNAPSHOT")
}

fn names(objects: impl IntoIterator<Item = impl std::borrow::Borrow<Object>>) -> Vec<String> {
    objects
        .into_iter()
        .map(|object| object.borrow().name().to_string())
        .collect()
}

#[track_caller]
fn check_manifests(files: &str, expected: &[(&str, usize, &str)]) {
    let dir = fixture(files);
    let objects = load_manifests(dir.path()).unwrap();
    let actual: Vec<(String, usize, String)> = objects
        .iter()
        .map(|sourced| {
            let file = sourced.file.strip_prefix(dir.path()).unwrap();
            (
                file.display().to_string(),
                sourced.document,
                sourced.object.name().to_string(),
            )
        })
        .collect();
    let expected: Vec<(String, usize, String)> = expected
        .iter()
        .map(|(file, document, name)| (file.to_string(), *document, name.to_string()))
        .collect();
    assert_eq!(actual, expected);
}

#[track_caller]
fn check_manifests_error(files: &str, expected: &str) {
    let dir = fixture(files);
    let error = load_manifests(dir.path()).unwrap_err();
    assert_eq!(message(&dir, error), expected);
}

#[track_caller]
fn check_snapshot_error(files: &str, options: &LoadOptions, expected: &str) {
    let dir = fixture(files);
    let error = load_snapshot(dir.path(), options).unwrap_err();
    assert_eq!(message(&dir, error), expected);
}

const NS_A: &str = "{apiVersion: v1, kind: Namespace, metadata: {name: a}}";

#[test]
fn manifests_in_every_shape() {
    check_manifests(
        &format!(
            "//- one.yaml\n{NS_A}\n\
             //- multi.yml\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: b\n---\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: c\n\
             //- list.json\n{{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [{{\"apiVersion\": \"v1\", \"kind\": \"Namespace\", \"metadata\": {{\"name\": \"d\"}}}}]}}\n\
             //- deep/er/still/e.yaml\napiVersion: v1\nkind: Namespace\nmetadata: {{name: e}}\n\
             //- empty.yaml\n---\n# nothing\n---\n\
             //- .hidden.yaml\n{NS_A}\n\
             //- .git/config.yaml\n{NS_A}\n\
             //- README.md\nnot yaml: [\n"
        ),
        &[
            ("deep/er/still/e.yaml", 1, "e"),
            ("list.json", 1, "d"),
            ("multi.yml", 1, "b"),
            ("multi.yml", 3, "c"),
            ("one.yaml", 1, "a"),
        ],
    );
}

#[test]
fn a_single_file_is_loaded_whatever_its_name() {
    let dir = fixture(&format!("//- appset.txt\n{NS_A}\n"));
    let objects = load_manifests(&dir.path().join("appset.txt")).unwrap();
    assert_eq!(names(objects.iter().map(|s| &s.object)), ["a"]);
}

#[test]
fn manifest_errors_name_file_document_and_field() {
    let cases = [
        (
            "//- x.yaml\n{apiVersion: v1, kind: Namespace, metadata: {name: a}}\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  labels: {}\n",
            "x.yaml: document 2: missing field `metadata.name`",
        ),
        (
            "//- x.yaml\nkind: Namespace\n",
            "x.yaml: document 1: missing field `apiVersion`",
        ),
        (
            "//- x.yaml\napiVersion: v1\nkind: 3\n",
            "x.yaml: document 1: field `kind` must be a string",
        ),
        (
            "//- x.yaml\napiVersion: v1\nkind: Namespace\nmetadata: a\n",
            "x.yaml: document 1: field `metadata` must be a mapping",
        ),
        (
            "//- x.yaml\n- a\n- b\n",
            "x.yaml: document 1: expected a Kubernetes object with `apiVersion`, `kind` and `metadata`, found a list",
        ),
        (
            "//- l.yaml\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Namespace, metadata: {name: a}}\n- {apiVersion: v1, metadata: {name: b}}\n",
            "l.yaml: document 1, item 2: missing field `kind`",
        ),
        (
            "//- sub/x.yaml\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels: {a: [}\n",
            "sub/x.yaml: document 1: invalid YAML at line 5, column 15: mismatched bracket '[' closed by '}'",
        ),
    ];
    for (files, expected) in cases {
        check_manifests_error(files, expected);
    }
}

#[test]
fn missing_path_is_an_error() {
    let dir = fixture("");
    let error = load_manifests(&dir.path().join("nope")).unwrap_err();
    assert!(
        message(&dir, error).starts_with("cannot read `nope`: "),
        "unexpected message"
    );
}

const CLUSTER_SECRETS: &str = "\
//- in-cluster/argocd/clusters.yaml
apiVersion: v1
kind: Secret
metadata:
  name: cluster-prod-eu
  namespace: argocd
  labels:
    argocd.argoproj.io/secret-type: cluster
    env: prod
  annotations:
    team: platform
    kubectl.kubernetes.io/last-applied-configuration: '{\"data\": {\"config\": \"c2VjcmV0\"}}'
data:
  name: cHJvZC1ldQ==
  server: aHR0cHM6Ly9wcm9kLWV1LmV4YW1wbGUuY29tLw==
  project: cGxhdGZvcm0=
  config: c2VjcmV0
---
apiVersion: v1
kind: Secret
metadata:
  name: cluster-staging
  namespace: argocd
  labels:
    argocd.argoproj.io/secret-type: cluster
data:
  name: bm90LXRoaXMtb25l
stringData:
  name: staging
  server: https://staging.example.com
  config: '{\"bearerToken\": \"secret\"}'
---
apiVersion: v1
kind: Secret
metadata:
  name: registry-credentials
  namespace: argocd
type: kubernetes.io/dockerconfigjson
data:
  .dockerconfigjson: c2VjcmV0
";

#[test]
fn cluster_secrets_are_decoded_and_no_secret_value_is_kept() {
    let dir = fixture(CLUSTER_SECRETS);
    let fleet = load_snapshot(dir.path(), &LoadOptions::default()).unwrap();

    let infos: Vec<(&str, &str, &str, &str)> = fleet
        .cluster_infos
        .iter()
        .map(|info| {
            (
                info.name.as_str(),
                info.server.as_str(),
                info.project.as_str(),
                info.secret_name.as_str(),
            )
        })
        .collect();
    assert_eq!(
        infos,
        [
            (
                "prod-eu",
                "https://prod-eu.example.com/",
                "platform",
                "cluster-prod-eu"
            ),
            (
                "staging",
                "https://staging.example.com",
                "",
                "cluster-staging"
            ),
        ]
    );
    let prod = &fleet.cluster_infos[0];
    assert_eq!(prod.labels.get("env").map(String::as_str), Some("prod"));
    assert_eq!(
        prod.annotations.keys().collect::<Vec<_>>(),
        ["team"],
        "the last-applied copy of a secret holds its values"
    );

    let argocd = fleet.argocd().unwrap();
    assert_eq!(argocd.of_kind("", "Secret").len(), 3);
    for secret in argocd.of_kind("", "Secret") {
        let raw = secret.raw().as_object().unwrap();
        assert!(!raw.contains_key("data"), "{} kept data", secret.name());
        assert!(
            !raw.contains_key("stringData"),
            "{} kept stringData",
            secret.name()
        );
        assert!(!secret.raw().to_string().contains("c2VjcmV0"));
        assert!(!secret.raw().to_string().contains("secret\""));
    }
    assert_eq!(
        fleet.argocd_namespace(),
        None,
        "no argocd-cm in this fixture"
    );
}

#[test]
fn manifests_drop_secret_values_too() {
    let dir = fixture(
        "//- s.yaml\napiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {a: c2VjcmV0}\nstringData: {b: secret}\n",
    );
    let objects = load_manifests(dir.path()).unwrap();
    assert_eq!(
        objects[0].object.raw(),
        &json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}})
    );
}

#[test]
fn cluster_secret_errors() {
    let secret = |data: &str| {
        format!(
            "//- in-cluster/c.yaml\n{NS_A}\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: c\n  namespace: argocd\n  labels: {{argocd.argoproj.io/secret-type: cluster}}\n{data}"
        )
    };
    let cases = [
        (
            secret("data:\n  name: cHJvZC1ldQ==\n"),
            "in-cluster/c.yaml: document 2: cluster secret `argocd/c`: missing field `server` in `data` or `stringData`",
        ),
        (
            secret("data:\n  server: 'not base64!'\n"),
            "in-cluster/c.yaml: document 2: cluster secret `argocd/c`: field `data.server` is not valid base64: Invalid symbol 32, offset 3.",
        ),
        (
            secret("data:\n  server: //79\n"),
            "in-cluster/c.yaml: document 2: cluster secret `argocd/c`: field `data.server` does not decode to UTF-8 text",
        ),
        (
            secret("stringData:\n  server: https://x\n  name: [a]\n"),
            "in-cluster/c.yaml: document 2: cluster secret `argocd/c`: field `stringData.name` must be a string",
        ),
    ];
    for (files, expected) in cases {
        check_snapshot_error(&files, &LoadOptions::default(), expected);
    }
}

/// Two secrets with one cluster name load: Argo CD does not refuse them. Its cluster
/// generator keys secrets by name (`applicationset/generators/cluster.go`,
/// `getSecretsByClusterName`: `res[clusterName] = cluster` over the informer's list, so
/// the last listed wins, in an order client-go does not specify). Both stay in
/// `cluster_infos` (validation then finds a destination by that name ambiguous, as
/// `util/argo/argo.go` `GetDestinationServer` does), and the fleet names the pair, with
/// the one the prediction keeps: the last in sorted order.
#[test]
fn duplicate_cluster_names_load_and_are_named() {
    let secret = |secret: &str, name: &str, server: &str| {
        format!("---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: {secret}\n  namespace: argocd\n  labels: {{argocd.argoproj.io/secret-type: cluster}}\nstringData:\n  name: {name}\n  server: {server}\n")
    };
    let dir = fixture(&format!(
        "//- in-cluster/c.yaml\n{}{}{}",
        secret("b", "prod", "https://b"),
        secret("a", "prod", "https://a"),
        secret("c", "other", "https://c"),
    ));
    let fleet = load_snapshot(dir.path(), &LoadOptions::default()).unwrap();
    let duplicates = fleet.duplicate_cluster_names();
    assert_eq!(
        duplicates,
        [crate::DuplicateClusterName {
            name: "prod".into(),
            kept: ("b".into(), "https://b".into()),
            dropped: ("a".into(), "https://a".into()),
        }]
    );
    assert_eq!(
        duplicates[0].to_string(),
        "cluster secrets `a` (server `https://a`) and `b` (server `https://b`) both declare the cluster name `prod`: Argo CD's cluster generator keeps one of them, whichever its cache lists last, which is not specified; this prediction keeps `b`, and Argo CD refuses any Application whose destination names `prod` as ambiguous"
    );
    assert_eq!(
        fleet
            .cluster_infos
            .iter()
            .filter(|c| c.name == "prod")
            .count(),
        2
    );
    // Negative: distinct names are no pair.
    let dir = fixture(&format!(
        "//- in-cluster/c.yaml\n{}{}",
        secret("a", "one", "https://a"),
        secret("b", "two", "https://a"),
    ));
    let fleet = load_snapshot(dir.path(), &LoadOptions::default()).unwrap();
    assert!(fleet.duplicate_cluster_names().is_empty());
}

/// Duplicate servers are not ambiguous: the cluster generator keys secrets by name
/// (`applicationset/generators/cluster.go`, `getSecretsByClusterName`), and a destination
/// by server resolves to that server whichever secret answers. They load, and a server
/// resolves to the name that has a snapshot folder.
#[test]
fn duplicate_cluster_servers_load() {
    let secret = |secret: &str, name: &str, server: &str| {
        format!("---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: {secret}\n  namespace: argocd\n  labels: {{argocd.argoproj.io/secret-type: cluster}}\nstringData:\n  name: {name}\n  server: {server}\n")
    };
    let dir = fixture(&format!(
        "//- in-cluster/c.yaml\n{}{}//- two/objects.yaml\napiVersion: v1\nkind: Namespace\nmetadata: {{name: x}}\n",
        secret("a", "one", "https://a/"),
        secret("b", "two", "https://a")
    ));
    let fleet = load_snapshot(dir.path(), &LoadOptions::default()).unwrap();
    let names: Vec<&str> = fleet
        .cluster_infos
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names, ["one", "two"]);
    assert_eq!(fleet.cluster_for_server("https://a").unwrap().name, "two");
}

#[test]
fn cluster_secrets_outside_the_argocd_cluster_are_only_stripped() {
    let dir = fixture(
        "//- other/s.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: c\n  labels: {argocd.argoproj.io/secret-type: cluster}\ndata: {server: '!!'}\n",
    );
    let fleet = load_snapshot(dir.path(), &LoadOptions::default()).unwrap();
    assert!(fleet.cluster_infos.is_empty());
    assert!(fleet.argocd().is_none());
    let secret = fleet.clusters["other"].objects().next().unwrap();
    assert!(secret.raw().get("data").is_none());
}

#[track_caller]
fn settings_of(argocd_cm_data: &str) -> Result<ArgoSettings, String> {
    let dir = fixture(&format!(
        "//- in-cluster/argocd-cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: argocd-cm, namespace: argocd}}\n{argocd_cm_data}"
    ));
    load_snapshot(dir.path(), &LoadOptions::default())
        .map(|fleet| {
            assert_eq!(fleet.argocd_namespace(), Some("argocd"));
            fleet.settings
        })
        .map_err(|error| message(&dir, error))
}

#[test]
fn argocd_cm_settings() {
    let settings = |tracking_method, instance_label_key: &str, in_cluster_enabled| ArgoSettings {
        tracking_method,
        instance_label_key: instance_label_key.to_string(),
        in_cluster_enabled,
    };
    let defaults = ArgoSettings::default();
    let cases = [
        ("", defaults.clone()),
        ("data: {}\n", defaults.clone()),
        (
            "data:\n  application.resourceTrackingMethod: label\n  application.instanceLabelKey: argocd.argoproj.io/instance\n",
            settings(TrackingMethod::Label, "argocd.argoproj.io/instance", true),
        ),
        (
            "data:\n  application.resourceTrackingMethod: annotation+label\n  cluster.inClusterEnabled: 'false'\n",
            settings(TrackingMethod::AnnotationAndLabel, "app.kubernetes.io/instance", false),
        ),
        (
            "data:\n  application.resourceTrackingMethod: ''\n  cluster.inClusterEnabled: 'False'\n",
            defaults.clone(),
        ),
    ];
    for (data, expected) in cases {
        assert_eq!(settings_of(data), Ok(expected), "data: {data}");
    }
    assert_eq!(
        settings_of("data:\n  application.resourceTrackingMethod: labels\n"),
        Err("in-cluster/argocd-cm.yaml: document 1: ConfigMap `argocd-cm`: field `data.application.resourceTrackingMethod`: unknown tracking method `labels`, expected `annotation`, `label` or `annotation+label`".to_string())
    );
    assert_eq!(
        settings_of("data:\n  cluster.inClusterEnabled: false\n"),
        Err("in-cluster/argocd-cm.yaml: document 1: ConfigMap `argocd-cm`: field `data.cluster.inClusterEnabled`: must be a string".to_string())
    );
}

#[test]
fn argocd_cm_is_read_from_the_argocd_cluster_only() {
    let dir = fixture(
        "//- workload/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: argocd-cm, namespace: argocd}\ndata: {application.resourceTrackingMethod: label}\n\
         //- mgmt/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: argocd-cm, namespace: gitops}\ndata: {application.resourceTrackingMethod: annotation+label}\n",
    );
    let options = LoadOptions {
        argocd_cluster: Some("mgmt".to_string()),
        ..LoadOptions::default()
    };
    let fleet = load_snapshot(dir.path(), &options).unwrap();
    assert_eq!(fleet.argocd_cluster, "mgmt");
    assert_eq!(fleet.argocd().unwrap().name, "mgmt");
    assert_eq!(fleet.argocd_namespace(), Some("gitops"));
    assert_eq!(
        fleet.settings.tracking_method,
        TrackingMethod::AnnotationAndLabel
    );

    let default = load_snapshot(dir.path(), &LoadOptions::default()).unwrap();
    assert_eq!(default.settings, ArgoSettings::default());
    assert!(default.argocd().is_none());
}

#[test]
fn cluster_folders_are_read_when_asked_for() {
    let dir = fixture(
        "//- mgmt/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: argocd-cm, namespace: argocd}\ndata: {application.resourceTrackingMethod: label}\n\
         //- lab/web.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: web, namespace: apps, labels: {app.kubernetes.io/instance: web}}\n\
         //- lab/version.json\n{\"serverVersion\": {\"gitVersion\": \"v1.29.4\"}}\n\
         //- test/broken.yaml\nkind: [\n",
    );
    let options = LoadOptions {
        argocd_cluster: Some("mgmt".to_string()),
        clusters: ClusterSelection::ArgoCdAnd(BTreeSet::new()),
        ..LoadOptions::default()
    };
    // The broken folder is never read unless asked for.
    let mut fleet = load_snapshot(dir.path(), &options).unwrap();
    assert_eq!(fleet.clusters.keys().collect::<Vec<_>>(), ["mgmt"]);
    assert_eq!(fleet.cluster_names(), ["lab", "mgmt", "test"]);
    assert!(fleet.server_versions.is_empty());

    fleet.load_clusters(["lab", "nowhere"]).unwrap();
    assert_eq!(fleet.clusters.keys().collect::<Vec<_>>(), ["lab", "mgmt"]);
    assert_eq!(fleet.unread.keys().collect::<Vec<_>>(), ["test"]);
    assert_eq!(fleet.server_versions["lab"], "v1.29.4");
    // Read later, tracked with the Argo CD cluster's settings all the same.
    assert_eq!(names(fleet.clusters["lab"].tracked_by("web")), ["web"]);

    let error = fleet.load_clusters(["test"]).unwrap_err().to_string();
    assert!(error.contains("broken.yaml"), "{error}");
}

#[test]
fn applications_are_left_out_when_asked() {
    let dir = fixture(
        "//- mgmt/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: argocd-cm, namespace: argocd}\ndata: {application.resourceTrackingMethod: label}\n\
         //- mgmt/apps.json\n{\"apiVersion\": \"argoproj.io/v1alpha1\", \"kind\": \"Application\", \"metadata\": {\"name\": \"web\", \"namespace\": \"argocd\"}}\n\
         //- mgmt/sets.yaml\napiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: web, namespace: argocd}\n",
    );
    let kinds = |fleet: &Fleet| -> Vec<String> {
        fleet.clusters["mgmt"]
            .objects()
            .map(|object| object.kind().to_string())
            .collect()
    };
    let mut options = LoadOptions {
        argocd_cluster: Some("mgmt".to_string()),
        ..LoadOptions::default()
    };
    let fleet = load_snapshot(dir.path(), &options).unwrap();
    assert_eq!(
        kinds(&fleet),
        ["ConfigMap", "Application", "ApplicationSet"]
    );
    options.without_applications = true;
    let fleet = load_snapshot(dir.path(), &options).unwrap();
    assert_eq!(kinds(&fleet), ["ConfigMap", "ApplicationSet"]);
    assert_eq!(fleet.settings.tracking_method, TrackingMethod::Label);
}

#[test]
fn snapshot_layout_errors() {
    let two_clusters =
        format!("//- b/ns.yaml\n{NS_A}\n//- a/ns.yaml\n{NS_A}\n//- notes.txt\nhello\n");
    let mgmt = LoadOptions {
        argocd_cluster: Some("mgmt".to_string()),
        ..LoadOptions::default()
    };
    check_snapshot_error(
        &two_clusters,
        &mgmt,
        "Argo CD cluster `mgmt` has no folder in snapshot `SNAPSHOT` (cluster folders: `a`, `b`)",
    );
    check_snapshot_error(
        "",
        &mgmt,
        "Argo CD cluster `mgmt` has no folder in snapshot `SNAPSHOT` (the snapshot has no cluster folders)",
    );
    check_snapshot_error(
        &format!("//- a/ns.yaml\n{NS_A}\n//- stray.yaml\n{NS_A}\n"),
        &LoadOptions::default(),
        "`stray.yaml`: objects in a snapshot must be inside a cluster folder (one folder per Argo CD cluster name)",
    );

    let dir = fixture(&format!("//- snapshot.yaml\n{NS_A}\n"));
    let error =
        load_snapshot(&dir.path().join("snapshot.yaml"), &LoadOptions::default()).unwrap_err();
    assert_eq!(
        message(&dir, error),
        "`snapshot.yaml`: single-file snapshots are not supported yet; pass a directory with one folder per cluster"
    );
}

#[test]
fn duplicate_objects_name_both_sources() {
    check_snapshot_error(
        "//- prod/all.yaml\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Namespace, metadata: {name: x}}\n- {apiVersion: apps/v1, kind: Deployment, metadata: {name: d, namespace: x}}\n\
         //- prod/deployments.yaml\n{apiVersion: v1, kind: Namespace, metadata: {name: other}}\n---\n{apiVersion: apps/v1beta2, kind: Deployment, metadata: {name: d, namespace: x}}\n",
        &LoadOptions::default(),
        "cluster `prod`: `Deployment.apps x/d` is defined twice: in prod/all.yaml: document 1, item 2 and in prod/deployments.yaml: document 2",
    );
}

fn object(value: serde_json::Value) -> Object {
    Object::from_value(value)
}

fn workload_cluster(settings: &ArgoSettings) -> ClusterSnapshot {
    let tracked = |kind: &str, namespace: Option<&str>, name: &str, id: &str, label: &str| {
        let mut metadata = json!({"name": name, "annotations": {"argocd.argoproj.io/tracking-id": id},
            "labels": {"app.kubernetes.io/instance": label}});
        if let Some(namespace) = namespace {
            metadata["namespace"] = json!(namespace);
        }
        let api_version = if kind == "Deployment" {
            "apps/v1"
        } else {
            "v1"
        };
        object(json!({"apiVersion": api_version, "kind": kind, "metadata": metadata}))
    };
    let objects = vec![
        tracked(
            "Namespace",
            None,
            "kube-metrics",
            "metrics:/Namespace:/kube-metrics",
            "metrics",
        ),
        tracked(
            "Deployment",
            Some("kube-metrics"),
            "metrics-server",
            "metrics:apps/Deployment:kube-metrics/metrics-server",
            "metrics",
        ),
        // Copied from metrics-server with its annotation: the id describes another object.
        tracked(
            "Deployment",
            Some("kube-metrics"),
            "metrics-server-copy",
            "metrics:apps/Deployment:kube-metrics/metrics-server",
            "other",
        ),
        tracked(
            "ConfigMap",
            Some("team-a"),
            "settings",
            "team-a_metrics:/ConfigMap:team-a/settings",
            "team-a_metrics",
        ),
        object(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "untracked"}})),
    ];
    ClusterSnapshot::from_objects("prod", objects, settings).unwrap()
}

#[test]
fn tracking_with_annotations() {
    for method in [
        TrackingMethod::Annotation,
        TrackingMethod::AnnotationAndLabel,
    ] {
        let settings = ArgoSettings {
            tracking_method: method,
            ..ArgoSettings::default()
        };
        let cluster = workload_cluster(&settings);
        assert_eq!(
            names(cluster.tracked_by("metrics")),
            ["settings", "kube-metrics", "metrics-server"],
            "{method:?}"
        );
        assert_eq!(names(cluster.tracked_by("team-a_metrics")), ["settings"]);
        assert_eq!(names(cluster.tracked_by("other")), Vec::<String>::new());
        assert_eq!(
            cluster.tracking_instances().collect::<Vec<_>>(),
            ["metrics", "team-a_metrics"]
        );
    }
}

#[test]
fn tracking_with_labels() {
    let settings = ArgoSettings {
        tracking_method: TrackingMethod::Label,
        ..ArgoSettings::default()
    };
    let cluster = workload_cluster(&settings);
    assert_eq!(
        names(cluster.tracked_by("metrics")),
        ["settings", "kube-metrics", "metrics-server"]
    );
    assert_eq!(names(cluster.tracked_by("other")), ["metrics-server-copy"]);

    let custom = ArgoSettings {
        tracking_method: TrackingMethod::Label,
        instance_label_key: "example.com/app".to_string(),
        ..ArgoSettings::default()
    };
    assert!(workload_cluster(&custom).tracked_by("metrics").is_empty());
}

#[test]
fn tracking_follows_the_argocd_cm_of_the_snapshot() {
    let dir = fixture(
        "//- in-cluster/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: argocd-cm, namespace: argocd}\ndata: {application.resourceTrackingMethod: label}\n\
         //- prod/ns.yaml\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: kube-metrics\n  labels: {app.kubernetes.io/instance: metrics}\n",
    );
    let fleet = load_snapshot(dir.path(), &LoadOptions::default()).unwrap();
    assert_eq!(
        names(fleet.clusters["prod"].tracked_by("metrics")),
        ["kube-metrics"]
    );
}

#[test]
fn indexes() {
    let cluster = ClusterSnapshot::from_objects(
        "prod",
        [
            json!({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "web-1", "namespace": "shop", "uid": "rs",
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": "deploy", "controller": true}]}}),
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop", "uid": "deploy"}}),
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-1-b", "namespace": "shop", "uid": "pod-b",
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-1", "uid": "rs"}]}}),
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-1-a", "namespace": "shop", "uid": "pod-a",
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-1", "uid": "rs"}]}}),
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop", "uid": "ns"}}),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "other"}}),
        ]
        .map(object),
        &ArgoSettings::default(),
    )
    .unwrap();

    let keys: Vec<String> = cluster.objects().map(|o| o.key().to_string()).collect();
    assert_eq!(
        keys,
        [
            "ConfigMap other/c",
            "Namespace shop",
            "Pod shop/web-1-a",
            "Pod shop/web-1-b",
            "Deployment.apps shop/web",
            "ReplicaSet.apps shop/web-1",
        ]
    );
    assert_eq!(cluster.len(), 6);
    let deployment = ObjectKey::new("apps", "Deployment", Some("shop"), "web");
    assert_eq!(cluster.get(&deployment).unwrap().uid(), Some("deploy"));
    assert_eq!(
        cluster.source(&deployment).unwrap().to_string(),
        "<memory>: document 2"
    );
    assert!(cluster
        .get(&ObjectKey::new("", "Deployment", Some("shop"), "web"))
        .is_none());
    assert_eq!(cluster.by_uid("rs").unwrap().name(), "web-1");
    assert!(cluster.by_uid("nope").is_none());
    assert_eq!(names(cluster.dependents_of("rs")), ["web-1-a", "web-1-b"]);
    assert_eq!(names(cluster.dependents_of("deploy")), ["web-1"]);
    assert_eq!(names(cluster.dependents_of("pod-a")), Vec::<String>::new());
    assert_eq!(
        names(cluster.in_namespace("shop")),
        ["web-1-a", "web-1-b", "web", "web-1"]
    );
    assert_eq!(
        cluster.populated_namespaces().collect::<Vec<_>>(),
        ["other", "shop"]
    );
    assert_eq!(names(cluster.of_kind("", "Pod")), ["web-1-a", "web-1-b"]);
    assert_eq!(names(cluster.of_kind("apps", "Deployment")), ["web"]);
    assert!(cluster.of_kind("apps", "StatefulSet").is_empty());
    assert!(cluster.of_kind("zzz", "Z").is_empty());
}

fn fleet_with(secrets: &[(&str, &str)], in_cluster_enabled: bool) -> Fleet {
    let mut objects = Vec::new();
    for (name, server) in secrets {
        objects.push(object(json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": format!("secret-{name}"), "namespace": "argocd",
                "labels": {"argocd.argoproj.io/secret-type": "cluster"}},
            "stringData": {"name": name, "server": server}})));
    }
    objects.push(object(json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "argocd-cm", "namespace": "argocd"},
        "data": {"cluster.inClusterEnabled": in_cluster_enabled.to_string()}})));
    let sourced = objects
        .into_iter()
        .enumerate()
        .map(|(index, object)| crate::SourcedObject {
            object,
            file: std::path::Path::new("argocd.yaml").into(),
            document: index + 1,
            item: None,
        })
        .collect();
    Fleet::from_sourced(
        [(IN_CLUSTER_NAME.to_string(), sourced)].into(),
        IN_CLUSTER_NAME,
    )
    .unwrap()
}

#[test]
fn server_and_name_resolution() {
    let fleet = fleet_with(
        &[
            ("prod", "https://prod.example.com/"),
            ("dev", "https://dev.example.com"),
        ],
        true,
    );
    let by_server = |server: &str| {
        fleet
            .cluster_for_server(server)
            .map(|info| info.name.clone())
    };
    let by_name = |name: &str| fleet.cluster_by_name(name).map(|info| info.server);
    let cases: [(&str, Option<&str>); 6] = [
        ("https://prod.example.com", Some("prod")),
        ("https://prod.example.com/", Some("prod")),
        ("https://dev.example.com//", Some("dev")),
        ("https://kubernetes.default.svc", Some("in-cluster")),
        ("https://kubernetes.default.svc/", Some("in-cluster")),
        ("https://unknown.example.com", None),
    ];
    for (server, expected) in cases {
        assert_eq!(by_server(server).as_deref(), expected, "server {server}");
    }
    assert_eq!(
        by_name("prod").as_deref(),
        Some("https://prod.example.com/")
    );
    assert_eq!(by_name("in-cluster").as_deref(), Some(IN_CLUSTER_SERVER));
    assert_eq!(by_name(""), None);
    assert_eq!(by_name("nope"), None);
    let known: Vec<String> = fleet
        .known_clusters()
        .into_iter()
        .map(|info| info.name)
        .collect();
    assert_eq!(known, ["dev", "in-cluster", "prod"]);
}

#[test]
fn a_secret_for_the_in_cluster_server_replaces_in_cluster() {
    let fleet = fleet_with(&[("local", "https://kubernetes.default.svc")], true);
    assert_eq!(
        fleet
            .cluster_for_server(IN_CLUSTER_SERVER)
            .map(|info| info.name.as_str()),
        Some("local")
    );
    assert_eq!(fleet.cluster_by_name("in-cluster"), None);
    assert_eq!(
        fleet.cluster_by_name("local").unwrap().secret_name,
        "secret-local"
    );
}

#[test]
fn in_cluster_disabled() {
    let fleet = fleet_with(&[("prod", "https://prod.example.com")], false);
    assert!(fleet.cluster_for_server(IN_CLUSTER_SERVER).is_none());
    assert!(fleet.cluster_by_name("in-cluster").is_none());
    assert!(fleet
        .cluster_for_server("https://prod.example.com")
        .is_some());

    // Argo CD also ignores a secret for the in-cluster server when in-cluster is disabled.
    let fleet = fleet_with(&[("local", IN_CLUSTER_SERVER)], false);
    assert!(fleet.cluster_for_server(IN_CLUSTER_SERVER).is_none());
    assert!(fleet.cluster_by_name("local").is_none());
    assert!(fleet.known_clusters().is_empty());
    assert_eq!(fleet.cluster_infos.len(), 1);
}

#[test]
fn secret_folders_and_cluster_folders_need_not_match() {
    let dir = fixture(&format!(
        "//- in-cluster/c.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: c\n  labels: {{argocd.argoproj.io/secret-type: cluster}}\nstringData: {{name: no-folder, server: 'https://x'}}\n\
         //- no-secret/ns.yaml\n{NS_A}\n"
    ));
    let fleet = load_snapshot(dir.path(), &LoadOptions::default()).unwrap();
    assert_eq!(
        fleet.clusters.keys().collect::<Vec<_>>(),
        ["in-cluster", "no-secret"]
    );
    assert!(fleet.cluster("no-folder").is_none());
    assert_eq!(
        fleet.cluster_by_name("no-folder").unwrap().server,
        "https://x"
    );
}

#[test]
fn the_first_failing_file_is_reported_whatever_the_scheduling() {
    let mut files = String::new();
    for index in 0..20 {
        files.push_str(&format!("//- c/{index:02}.yaml\n{NS_A}\n"));
    }
    files.push_str("//- c/05b.yaml\nkind: [\n//- c/15b.yaml\nkind: [\n");
    for _ in 0..5 {
        check_manifests_error(
            &files,
            "c/05b.yaml: document 1: invalid YAML at line 1, column 7: unclosed bracket '['",
        );
    }
}

#[test]
fn several_argocd_cm_are_an_error() {
    let cm = |namespace: &str| {
        format!("---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: argocd-cm, namespace: {namespace}}}\n")
    };
    check_snapshot_error(
        &format!("//- in-cluster/cm.yaml\n{}{}", cm("argocd"), cm("gitops")),
        &LoadOptions::default(),
        "cluster `in-cluster` holds several `argocd-cm` ConfigMaps (in in-cluster/cm.yaml: document 1 and in-cluster/cm.yaml: document 2); keep only the one of the Argo CD instance to simulate",
    );
}

#[test]
fn hostile_input_is_an_error_not_a_crash() {
    let deep = format!("{}1{}", "[".repeat(5000), "]".repeat(5000));
    let cases = [
        (
            "deep.yaml",
            "deep.yaml: document 1: invalid YAML at line 1, column 256: it is nested deeper than the loader reads",
        ),
        (
            "deep.json",
            "deep.json: document 1: invalid JSON at line 1, column 128: it is nested deeper than the loader reads",
        ),
    ];
    for (name, expected) in cases {
        let error = crate::parse_documents(std::path::Path::new(name), &deep).unwrap_err();
        assert_eq!(error.to_string(), expected);
    }
    let binary = fixture("//- a.yaml\n");
    fs::write(binary.path().join("a.yaml"), [0xff, 0xfe, 0x00, 0x80]).unwrap();
    assert!(load_manifests(binary.path()).is_err());
}

#[test]
fn server_version_is_read_from_version_files_not_loaded_as_objects() {
    let dir = fixture(
        r#"
//- lab/version.json
{"clientVersion": {"gitVersion": "v1.31.0"}, "serverVersion": {"major": "1", "minor": "28", "gitVersion": "v1.28.3"}}
//- lab/objects.yaml
apiVersion: v1
kind: Namespace
metadata: {name: web}
//- other/version.yaml
serverVersion: {major: "1", minor: "30"}
//- other/nested/version.yaml
apiVersion: v1
kind: ConfigMap
metadata: {name: version, namespace: web}
"#,
    );
    let fleet = load_snapshot(dir.path(), &LoadOptions::default()).unwrap();
    assert_eq!(
        fleet.server_versions.get("lab").map(String::as_str),
        Some("v1.28.3")
    );
    assert_eq!(
        fleet.server_versions.get("other").map(String::as_str),
        Some("v1.30")
    );
    // Only a version file at the root of a cluster folder is special.
    assert_eq!(names(fleet.clusters["other"].objects()), ["version"]);
    assert_eq!(names(fleet.clusters["lab"].objects()), ["web"]);

    let bad = fixture("//- lab/version.yaml\nserverVersion: {}\n");
    let error = load_snapshot(bad.path(), &LoadOptions::default()).unwrap_err();
    assert_eq!(
        message(&bad, error),
        "lab/version.yaml: invalid Kubernetes version: expected `serverVersion.gitVersion` (or `major` and `minor`), as `kubectl version -o json` writes"
    );
}

#[test]
fn the_capture_record_at_a_cluster_folder_root_is_not_loaded_as_objects() {
    let dir = fixture(
        r#"
//- lab/capture.json
{"schemaVersion": 1, "cluster": "lab", "unavailableGroupVersions": []}
//- lab/core/namespaces.json
{"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "web"}}]}
"#,
    );
    let fleet = load_snapshot(dir.path(), &LoadOptions::default()).unwrap();
    assert_eq!(names(fleet.clusters["lab"].objects()), ["web"]);
}

/// Issue 11: the group/versions `capture` found stale or failing are read from the
/// record, per cluster; a folder without the record has none, and a record in a deeper
/// folder is an ordinary file.
#[test]
fn the_capture_record_gives_each_cluster_its_unavailable_group_versions() {
    let dir = fixture(
        r#"
//- lab/capture.json
{"schemaVersion": 1, "cluster": "lab", "complete": false, "unavailableGroupVersions": [
  {"groupVersion": "metrics.k8s.io/v1beta1", "reason": "stale GroupVersion discovery: metrics.k8s.io/v1beta1"},
  {"groupVersion": "custom.metrics.k8s.io/v1beta2", "reason": "the server is currently unable to handle the request"}
], "someFieldAddedLater": {"x": 1}}
//- other/core/namespaces.json
{"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "web"}}]}
"#,
    );
    let fleet = load_snapshot(dir.path(), &LoadOptions::default()).unwrap();
    let lab: Vec<(&str, &str)> = fleet.capture_records["lab"]
        .unavailable_group_versions
        .iter()
        .map(|(gv, reason)| (gv.as_str(), reason.as_str()))
        .collect();
    assert_eq!(
        lab,
        [
            (
                "custom.metrics.k8s.io/v1beta2",
                "the server is currently unable to handle the request"
            ),
            (
                "metrics.k8s.io/v1beta1",
                "stale GroupVersion discovery: metrics.k8s.io/v1beta1"
            ),
        ]
    );
    assert!(!fleet.capture_records.contains_key("other"));

    // A cluster read later gets its record too.
    let options = LoadOptions {
        clusters: ClusterSelection::ArgoCdAnd(BTreeSet::new()),
        ..LoadOptions::default()
    };
    let mut fleet = load_snapshot(dir.path(), &options).unwrap();
    assert!(fleet.capture_records.is_empty());
    fleet.load_clusters(["lab"]).unwrap();
    assert_eq!(
        fleet.capture_records["lab"]
            .unavailable_group_versions
            .len(),
        2
    );
}

/// Issue 11: a record the loader cannot read is an error naming the file and the field,
/// never a record read as "nothing unavailable".
#[test]
fn a_malformed_capture_record_names_the_file_and_the_field() {
    let cases = [
        (
            "[]",
            "lab/capture.json: invalid capture record: field `schemaVersion` is missing: the file must hold one JSON object, as `capture` writes it",
        ),
        (
            r#"{"unavailableGroupVersions": []}"#,
            "lab/capture.json: invalid capture record: field `schemaVersion` is missing",
        ),
        (
            r#"{"schemaVersion": 2, "unavailableGroupVersions": []}"#,
            "lab/capture.json: invalid capture record: field `schemaVersion` is `2`; this version of argocd-preflight reads `capture.json` of schema version 1",
        ),
        (
            r#"{"schemaVersion": 1}"#,
            "lab/capture.json: invalid capture record: field `unavailableGroupVersions` is missing",
        ),
        (
            r#"{"schemaVersion": 1, "unavailableGroupVersions": {}}"#,
            "lab/capture.json: invalid capture record: field `unavailableGroupVersions` must be a list",
        ),
        (
            r#"{"schemaVersion": 1, "unavailableGroupVersions": ["metrics.k8s.io/v1beta1"]}"#,
            "lab/capture.json: invalid capture record: field `unavailableGroupVersions[0]` must be an object with `groupVersion` and `reason`",
        ),
        (
            r#"{"schemaVersion": 1, "unavailableGroupVersions": [{"groupVersion": "a/v1", "reason": "x"}, {"reason": "x"}]}"#,
            "lab/capture.json: invalid capture record: field `unavailableGroupVersions[1].groupVersion` is missing",
        ),
        (
            r#"{"schemaVersion": 1, "unavailableGroupVersions": [{"groupVersion": "v1", "reason": "x"}]}"#,
            "lab/capture.json: invalid capture record: field `unavailableGroupVersions[0].groupVersion` is `v1`; expected `group/version`, as in `metrics.k8s.io/v1beta1`",
        ),
        (
            r#"{"schemaVersion": 1, "unavailableGroupVersions": [{"groupVersion": "a/v1", "reason": 503}]}"#,
            "lab/capture.json: invalid capture record: field `unavailableGroupVersions[0].reason` must be a string",
        ),
    ];
    for (text, expected) in cases {
        let dir = fixture(&format!("//- lab/capture.json\n{text}\n"));
        let error = load_snapshot(dir.path(), &LoadOptions::default()).unwrap_err();
        assert_eq!(message(&dir, error), expected, "{text}");
    }
    let dir = fixture("//- lab/capture.json\n{\"schemaVersion\": 1,\n");
    let error = load_snapshot(dir.path(), &LoadOptions::default()).unwrap_err();
    assert!(
        message(&dir, error).starts_with("lab/capture.json: document 1: invalid JSON at line"),
        "a record that is not JSON is a JSON error naming the file"
    );
}

/// Issue 14: metadata the API server would not decode into `ObjectMeta` (or would refuse
/// in `ValidateObjectMetaAccessor`, k8s.io/apimachinery
/// `pkg/api/validation/objectmeta.go`) is an error naming file, object and field, on
/// every path: manifests, snapshot YAML, snapshot JSON documents and JSON `List` items.
/// (The snapshot's JSON fast path never materialises the metadata no rule reads —
/// `generation`, other tools' annotations — so those are checked on the other paths;
/// see [`issue_14_metadata_the_fast_path_drops_is_checked_where_it_is_read`].)
#[test]
fn issue_14_mistyped_metadata_is_refused_as_the_api_server_refuses_it() {
    let cases: &[(&str, &str)] = &[
        ("finalizers: 5", "field `metadata.finalizers` must be a list of strings, found a number"),
        ("finalizers: [a, 5]", "field `metadata.finalizers[1]` must be a string, found a number"),
        ("finalizers: [orphan, foregroundDeletion]", "field `metadata.finalizers` must not hold both `orphan` and `foregroundDeletion`"),
        ("deletionTimestamp: 7", "field `metadata.deletionTimestamp` must be an RFC 3339 time, found a number"),
        ("deletionTimestamp: yesterday", "field `metadata.deletionTimestamp` must be an RFC 3339 time such as `2024-05-01T12:00:00Z`, found `yesterday`"),
        ("deletionTimestamp: '2024-02-30T00:00:00Z'", "field `metadata.deletionTimestamp` must be an RFC 3339 time such as `2024-05-01T12:00:00Z`, found `2024-02-30T00:00:00Z`"),
        ("creationTimestamp: '2024-05-01 12:00:00'", "field `metadata.creationTimestamp` must be an RFC 3339 time such as `2024-05-01T12:00:00Z`, found `2024-05-01 12:00:00`"),
        ("labels: [a, b]", "field `metadata.labels` must be a mapping of strings, found a list"),
        ("labels: {app: {x: 1}}", "field `metadata.labels.app` must be a string, found a mapping"),
        ("annotations: {argocd.argoproj.io/sync-wave: 5}", "field `metadata.annotations.argocd.argoproj.io/sync-wave` must be a string, found a number"),
        ("annotations: [a]", "field `metadata.annotations` must be a mapping of strings, found a list"),
        ("namespace: 5", "field `metadata.namespace` must be a string, found a number"),
        ("uid: [1]", "field `metadata.uid` must be a string, found a list"),
        ("deletionGracePeriodSeconds: '30'", "field `metadata.deletionGracePeriodSeconds` must be a whole number, found a string"),
        ("ownerReferences: {kind: A}", "field `metadata.ownerReferences` must be a list of mappings, found a mapping"),
        ("ownerReferences: [x]", "field `metadata.ownerReferences[0]` must be a mapping, found a string"),
        ("ownerReferences: [{apiVersion: v1, kind: A, name: a}]", "field `metadata.ownerReferences[0].uid` must not be empty"),
        ("ownerReferences: [{apiVersion: v1, kind: A, name: a, uid: 7}]", "field `metadata.ownerReferences[0].uid` must be a string, found a number"),
        ("ownerReferences: [{apiVersion: 'apps/', kind: A, name: a, uid: u}]", "field `metadata.ownerReferences[0].apiVersion` must be `VERSION` or `GROUP/VERSION`, found `apps/`"),
        ("ownerReferences: [{apiVersion: v1, kind: Event, name: e, uid: u}]", "field `metadata.ownerReferences[0]` names a core `v1` Event as its owner, which the API server refuses"),
        ("ownerReferences: [{apiVersion: v1, kind: A, name: a, uid: u, controller: 'yes'}]", "field `metadata.ownerReferences[0].controller` must be a boolean, found a string"),
        ("ownerReferences: [{apiVersion: v1, kind: A, name: a, uid: u, controller: true}, {apiVersion: v1, kind: B, name: b, uid: v, controller: true}]", "field `metadata.ownerReferences` has more than one controller reference: `A/a` and `B/b`"),
    ];
    for (metadata, problem) in cases {
        // The namespace comes last, so that a mistyped one is the case's own.
        let namespace = if metadata.starts_with("namespace") {
            ""
        } else {
            "\n  namespace: ns"
        };
        let yaml = format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  {metadata}{namespace}\n"
        );
        let object = if namespace.is_empty() {
            "ConfigMap `c`"
        } else {
            "ConfigMap `ns/c`"
        };
        let expected = format!("{object}: {problem}");
        check_manifests_error(
            &format!("//- m.yaml\n{yaml}"),
            &format!("m.yaml: document 1: {expected}"),
        );
        check_snapshot_error(
            &format!("//- a/objects.yaml\n{yaml}"),
            &LoadOptions::default(),
            &format!("a/objects.yaml: document 1: {expected}"),
        );
        let value: serde_json::Value = serde_saphyr::from_str(&yaml).unwrap();
        check_snapshot_error(
            &format!("//- a/objects.json\n{value}"),
            &LoadOptions::default(),
            &format!("a/objects.json: document 1: {expected}"),
        );
        let list = json!({"apiVersion": "v1", "kind": "List", "items": [NS_A_JSON.clone(), value]});
        check_snapshot_error(
            &format!("//- a/list.json\n{list}"),
            &LoadOptions::default(),
            &format!("a/list.json: document 1, item 2: {expected}"),
        );
    }
}

/// Manifests are whole documents and their metadata is checked whole; a snapshot object
/// keeps only what the rules read (see `slim.rs`), and what it drops unread is judged on
/// no path, so a YAML and a JSON snapshot of the same objects load alike.
#[test]
fn issue_14_metadata_is_checked_where_it_is_read() {
    for (metadata, problem) in [
        (
            "generation: -1",
            "field `metadata.generation` must be greater than or equal to 0, found `-1`",
        ),
        (
            "annotations: {a: true}",
            "field `metadata.annotations.a` must be a string, found a boolean",
        ),
        (
            "resourceVersion: 5",
            "field `metadata.resourceVersion` must be a string, found a number",
        ),
    ] {
        let yaml = format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: ns\n  {metadata}\n"
        );
        let expected = format!("ConfigMap `ns/c`: {problem}");
        check_manifests_error(
            &format!("//- m.yaml\n{yaml}"),
            &format!("m.yaml: document 1: {expected}"),
        );
        let value: serde_json::Value = serde_saphyr::from_str(&yaml).unwrap();
        let dir = fixture(&format!(
            "//- a/objects.yaml\n{yaml}\n//- b/objects.json\n{value}\n"
        ));
        let fleet = load_snapshot(dir.path(), &LoadOptions::default()).unwrap();
        assert_eq!(
            fleet.clusters["a"].objects().next().unwrap().to_value(),
            fleet.clusters["b"].objects().next().unwrap().to_value(),
        );
    }
}

static NS_A_JSON: std::sync::LazyLock<serde_json::Value> = std::sync::LazyLock::new(
    || json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}),
);

/// What the API server accepts is accepted: `null` decodes to the zero value, times
/// may carry fractions and offsets, label values may be empty.
#[test]
fn issue_14_metadata_the_api_server_accepts_still_loads() {
    check_manifests(
        "//- m.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: ns\n  labels: {a: '', b: null}\n  finalizers: null\n  deletionTimestamp: '2024-02-29T23:59:59.123456+05:30'\n  creationTimestamp: null\n  generation: 3\n  ownerReferences: [{apiVersion: apps/v1, kind: A, name: a, uid: u, controller: true, blockOwnerDeletion: null}]\n",
        &[("m.yaml", 1, "c")],
    );
}

/// Issue 14: `--head /dev/zero` read 3.1 GB before failing. A device, a FIFO or a link
/// to one is refused before it is read, and so is a file over the documented size.
#[test]
fn issue_14_only_regular_files_of_bounded_size_are_read() {
    let error = load_manifests(std::path::Path::new("/dev/zero")).unwrap_err();
    assert_eq!(
        error.to_string(),
        "cannot read `/dev/zero`: it is not a regular file (a device, FIFO or socket is never read as manifests)"
    );
    let error =
        load_snapshot(std::path::Path::new("/dev/zero"), &LoadOptions::default()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "cannot read `/dev/zero`: it is not a regular file (a device, FIFO or socket is never read as manifests)"
    );

    let dir = fixture(&format!("//- a/ns.yaml\n{NS_A}\n"));
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("a/zero.yaml")).unwrap();
    let error = load_snapshot(dir.path(), &LoadOptions::default()).unwrap_err();
    assert_eq!(
        message(&dir, error),
        "cannot read `a/zero.yaml`: it is not a regular file (a device, FIFO or socket is never read as manifests)"
    );
    let error = load_manifests(&dir.path().join("a")).unwrap_err();
    assert_eq!(
        message(&dir, error),
        "cannot read `a/zero.yaml`: it is not a regular file (a device, FIFO or socket is never read as manifests)"
    );

    // Sparse files: as large as they say, without the disk space.
    let dir = fixture(&format!("//- a/ns.yaml\n{NS_A}\n"));
    let big = fs::File::create(dir.path().join("a/big.yaml")).unwrap();
    big.set_len(crate::MAX_SNAPSHOT_FILE_BYTES + 1).unwrap();
    let error = load_snapshot(dir.path(), &LoadOptions::default()).unwrap_err();
    assert_eq!(
        message(&dir, error),
        format!(
            "cannot read `a/big.yaml`: it holds {} bytes, more than the limit of {} bytes for a snapshot file",
            crate::MAX_SNAPSHOT_FILE_BYTES + 1,
            crate::MAX_SNAPSHOT_FILE_BYTES
        )
    );
    big.set_len(crate::MAX_MANIFEST_FILE_BYTES + 1).unwrap();
    let error = load_manifests(&dir.path().join("a/big.yaml")).unwrap_err();
    assert_eq!(
        message(&dir, error),
        format!(
            "cannot read `a/big.yaml`: it holds {} bytes, more than the limit of {} bytes for a manifest file",
            crate::MAX_MANIFEST_FILE_BYTES + 1,
            crate::MAX_MANIFEST_FILE_BYTES
        )
    );
}

/// A snapshot with an Argo CD cluster and four others, some broken in ways found at
/// each stage of reading: a folder that cannot be listed (its version file is not a
/// version), a file that does not parse, a cluster with one object twice.
const READ_AHEAD_FLEET: &str = "//- mgmt/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: argocd-cm, namespace: argocd}\ndata: {application.resourceTrackingMethod: label}\n\
     //- a/web.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: web, namespace: apps, labels: {app.kubernetes.io/instance: web}}\n\
     //- a/version.json\n{\"serverVersion\": {\"gitVersion\": \"v1.29.4\"}}\n\
     //- b/db.json\n{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [{\"apiVersion\": \"v1\", \"kind\": \"Service\", \"metadata\": {\"name\": \"db\", \"namespace\": \"data\"}}]}\n\
     //- c/ok.yaml\napiVersion: v1\nkind: Namespace\nmetadata: {name: c-ok}\n\
     //- c/zz-broken.yaml\nkind: [\n\
     //- d/version.json\n{\"serverVersion\": {}}\n\
     //- e/twice.yaml\napiVersion: v1\nkind: Namespace\nmetadata: {name: twice}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: twice}\n\
     //- f/ns.yaml\napiVersion: v1\nkind: Namespace\nmetadata: {name: f}\n";

/// What `load_clusters` made of `fleet`: each cluster's objects, versions, unread folders.
fn read_state(fleet: &Fleet) -> String {
    let clusters: Vec<String> = fleet
        .clusters
        .iter()
        .map(|(name, snapshot)| format!("{name}: {}", names(snapshot.objects()).join(",")))
        .collect();
    format!(
        "{clusters:?} versions {:?} unread {:?}",
        fleet.server_versions,
        fleet.unread.keys().collect::<Vec<_>>()
    )
}

/// The Argo CD cluster `mgmt` read, every other folder left unread.
fn mgmt_alone() -> LoadOptions {
    LoadOptions {
        argocd_cluster: Some("mgmt".to_string()),
        clusters: ClusterSelection::ArgoCdAnd(BTreeSet::new()),
        ..LoadOptions::default()
    }
}

#[test]
fn reading_ahead_changes_nothing_but_when_folders_are_read() {
    let dir = fixture(READ_AHEAD_FLEET);
    let options = mgmt_alone();
    let wanted_sets: [&[&str]; 8] = [
        &[],
        &["a"],
        &["a", "b", "f", "nowhere"],
        &["b", "c"],
        &["c", "d"],
        &["a", "d", "e"],
        &["e", "f"],
        &["a", "b", "c", "d", "e", "f"],
    ];
    for wanted in wanted_sets {
        let mut later = load_snapshot(dir.path(), &options).unwrap();
        let expected = match later.load_clusters(wanted.iter().copied()) {
            Ok(()) => read_state(&later),
            Err(error) => message(&dir, error),
        };
        // Handed over at once (the thread read little or nothing), and after the
        // thread read every folder (the broken ones included).
        for wait in [false, true] {
            let mut fleet = load_snapshot(dir.path(), &options).unwrap();
            let ahead = fleet.read_ahead();
            if wait {
                ahead.wait_for(6);
            }
            let got = match fleet.load_clusters_read_ahead(wanted.iter().copied(), ahead) {
                Ok(()) => read_state(&fleet),
                Err(error) => message(&dir, error),
            };
            assert_eq!(got, expected, "wanted {wanted:?}, waited {wait}");
        }
    }
    // The errors are those of the folders asked for, the earliest stage first: a
    // folder that cannot be listed before a file that does not parse before an object
    // twice, whichever cluster's name comes first.
    let error = |wanted: &[&str]| {
        let mut fleet = load_snapshot(dir.path(), &options).unwrap();
        let ahead = fleet.read_ahead();
        ahead.wait_for(6);
        message(
            &dir,
            fleet
                .load_clusters_read_ahead(wanted.iter().copied(), ahead)
                .unwrap_err(),
        )
    };
    assert!(error(&["c", "d", "e"]).contains("d/version.json"));
    assert!(error(&["c", "e"]).contains("zz-broken.yaml"));
    assert!(error(&["a", "e"]).contains("twice"));
}

#[test]
fn a_read_ahead_left_unused_stops() {
    let dir = fixture(READ_AHEAD_FLEET);
    let options = mgmt_alone();
    let mut fleet = load_snapshot(dir.path(), &options).unwrap();
    drop(fleet.read_ahead());
    // Nothing was taken from the fleet; a later read reads as usual.
    assert_eq!(fleet.unread.len(), 6);
    fleet.load_clusters(["f"]).unwrap();
    assert_eq!(names(fleet.clusters["f"].objects()), ["f"]);
}
