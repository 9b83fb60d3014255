//! Property tests of the manifest and snapshot loaders through their public API: no
//! input makes them panic or hang, and loading is deterministic. Bounded for CI; set
//! `PROPTEST_CASES` for a longer run (CONTRIBUTING.md).

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use preflight_cluster_snapshot::{load_manifests, load_snapshot, manifests_from_text, LoadOptions};
use preflight_model::Object;
use proptest::prelude::*;
use serde_json::{json, Value};

/// `PROPTEST_CASES` when set, else `default`.
fn config(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(default);
    ProptestConfig {
        cases,
        // Every failure becomes a named regression test instead of a file.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Runs `work` on its own thread and fails when it takes longer than `limit`: a hang
/// is a failure, not a stuck CI job. A panic inside `work` is re-raised here.
fn within<T: Send + 'static>(limit: Duration, work: impl FnOnce() -> T + Send + 'static) -> T {
    let (send, receive) = mpsc::channel();
    let handle = std::thread::spawn(move || {
        let result = work();
        let _ = send.send(());
        result
    });
    match receive.recv_timeout(limit) {
        Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => match handle.join() {
            Ok(result) => result,
            Err(panic) => std::panic::resume_unwind(panic),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("did not finish within {limit:?}"),
    }
}

const LIMIT: Duration = Duration::from_secs(20);

/// Pieces of YAML and JSON, so that random text reaches past the first line: keys of
/// Kubernetes objects, flow and block syntax, anchors, tags, document markers.
const PIECES: &[&str] = &[
    "apiVersion: v1\n",
    "kind: ConfigMap\n",
    "kind: List\n",
    "kind: Secret\n",
    "metadata:\n",
    "  name: a\n",
    "  namespace: ns\n",
    "  finalizers: [",
    "  labels: {",
    "  ownerReferences:\n",
    "  - ",
    "items:\n",
    "- ",
    "data:\n",
    "---\n",
    "...\n",
    "&a ",
    "*a",
    "<<: ",
    "!!binary ",
    "!!str ",
    "[",
    "]",
    "{",
    "}",
    ":",
    ", ",
    "\n",
    "  ",
    "\"",
    "'",
    "#",
    "|\n",
    ">-\n",
    "null",
    "~",
    "5",
    "-1",
    "1e3",
    "0x1f",
    "true",
    "yes",
    "é",
    "\u{feff}",
    "\t",
    "\\",
    "{\"apiVersion\": \"v1\", ",
    "\"kind\": \"Pod\", ",
    "\"metadata\": {\"name\": \"p\"}",
    "\"items\": [",
    "2024-05-01T12:00:00Z",
];

fn yamlish() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(prop::sample::select(PIECES), 0..40)
            .prop_map(|pieces| pieces.concat()),
        ".{0,200}",
    ]
}

/// Any JSON value, nested a few levels.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        // Quarters: serde_json (without `float_roundtrip`) may read the last digit of
        // an arbitrary float differently from the YAML parser, and no Kubernetes field
        // this tool reads holds one.
        (-4000i32..4000).prop_map(|n| Value::from(f64::from(n) / 4.0)),
        "[a-zA-Z0-9./:_-]{0,12}".prop_map(Value::String),
        Just(json!("2024-05-01T12:00:00Z")),
        Just(json!("argocd.argoproj.io/sync-wave")),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z./-]{0,10}", inner, 0..4)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

const METADATA_FIELDS: &[&str] = &[
    "name",
    "namespace",
    "uid",
    "labels",
    "annotations",
    "finalizers",
    "ownerReferences",
    "deletionTimestamp",
    "creationTimestamp",
    "deletionGracePeriodSeconds",
    "generation",
    "generateName",
    "managedFields",
];
const KINDS: &[(&str, &str)] = &[
    ("v1", "ConfigMap"),
    ("v1", "Namespace"),
    ("v1", "Secret"),
    ("v1", "Pod"),
    ("apps/v1", "Deployment"),
    ("argoproj.io/v1alpha1", "Application"),
    ("argoproj.io/v1alpha1", "ApplicationSet"),
    ("apiregistration.k8s.io/v1", "APIService"),
    ("v1", "List"),
];

/// A value the API server accepts for the metadata field `field`, or (one time in
/// ten) any value at all, so that loading succeeds often enough to compare results.
fn metadata_value(field: &'static str) -> BoxedStrategy<Value> {
    let owner = (
        prop::sample::select(vec!["v1", "apps/v1", "argoproj.io/v1alpha1"]),
        "[a-z]{1,3}",
        any::<Option<bool>>(),
    )
        .prop_map(|(api_version, name, controller)| {
            json!({"apiVersion": api_version, "kind": "Owner", "name": name, "uid": format!("u-{name}"), "controller": controller})
        });
    let valid: BoxedStrategy<Value> = match field {
        "labels" | "annotations" => prop_oneof![
            prop::collection::btree_map("[a-z./-]{1,10}", "[a-z0-9]{0,4}", 0..3)
                .prop_map(|map| json!(map)),
            Just(json!({"argocd.argoproj.io/sync-wave": "-1", "a": null})),
        ]
        .boxed(),
        "finalizers" => prop::collection::vec(
            prop::sample::select(vec!["kubernetes", "foregroundDeletion", "x.io/y", "orphan"]),
            0..3,
        )
        .prop_map(|list| json!(list))
        .boxed(),
        "ownerReferences" => prop::collection::vec(owner, 0..3)
            .prop_map(Value::Array)
            .boxed(),
        "deletionTimestamp" | "creationTimestamp" => prop_oneof![
            Just(json!("2024-05-01T12:00:00Z")),
            Just(json!("2024-02-29T23:59:59.5+01:00")),
            Just(Value::Null),
        ]
        .boxed(),
        "deletionGracePeriodSeconds" | "generation" => (0i64..100).prop_map(Value::from).boxed(),
        "managedFields" => Just(json!([])).boxed(),
        _ => "[a-z0-9-]{0,8}".prop_map(Value::String).boxed(),
    };
    prop_oneof![9 => valid, 1 => json_value()].boxed()
}

/// A Kubernetes-shaped object with arbitrary values in its metadata and spec.
fn object() -> impl Strategy<Value = Value> {
    let metadata: Vec<BoxedStrategy<Option<(&'static str, Value)>>> = METADATA_FIELDS
        .iter()
        .map(|field| {
            prop::option::weighted(
                0.3,
                metadata_value(field).prop_map(move |value| (*field, value)),
            )
            .boxed()
        })
        .collect();
    (prop::sample::select(KINDS), metadata, json_value()).prop_map(
        |((api_version, kind), metadata, spec)| {
            let mut metadata: serde_json::Map<String, Value> = metadata
                .into_iter()
                .flatten()
                .map(|(field, value)| (field.to_string(), value))
                .collect();
            metadata.entry("name").or_insert_with(|| json!("o"));
            json!({"apiVersion": api_version, "kind": kind, "metadata": metadata, "spec": spec, "items": []})
        },
    )
}

/// The outcome of a load, as a comparable value.
fn summary<T: std::fmt::Debug, E: std::fmt::Display>(
    result: Result<T, E>,
    root: &Path,
) -> Result<String, String> {
    let root = root.display().to_string();
    result
        .map(|ok| format!("{ok:?}").replace(&root, "ROOT"))
        .map_err(|error| error.to_string().replace(&root, "ROOT"))
}

fn write(dir: &Path, path: &str, text: &str) {
    let path = dir.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

proptest! {
    #![proptest_config(config(96))]

    #[test]
    fn manifest_text_never_panics(text in yamlish(), json in any::<bool>()) {
        let name = if json { "m.json" } else { "m.yaml" };
        let first = within(LIMIT, move || {
            let result = manifests_from_text(Path::new(name), &text).map(|objects| objects.len());
            let again = manifests_from_text(Path::new(name), &text).map(|objects| objects.len());
            (format!("{result:?}"), format!("{again:?}"))
        });
        prop_assert_eq!(first.0, first.1);
    }

    #[test]
    fn objects_load_the_same_from_yaml_and_json_manifests(objects in prop::collection::vec(object(), 1..4)) {
        let dir = tempfile::tempdir().unwrap();
        let yaml: String = objects
            .iter()
            .map(|object| format!("---\n{}", serde_saphyr::to_string(object).unwrap()))
            .collect();
        let json: String = objects.iter().map(|object| format!("{object}\n")).collect();
        write(dir.path(), "m.yaml", &yaml);
        write(dir.path(), "m.json", &json);
        let root = dir.path().to_path_buf();
        let (from_yaml, from_json) = within(LIMIT, move || {
            let load = |name: &str| {
                summary(
                    load_manifests(&root.join(name)).map(|objects| {
                        objects.into_iter().map(|sourced| sourced.object.into_raw()).collect::<Vec<_>>()
                    }),
                    &root,
                )
                .map_err(|error| error.replace(name, "FILE"))
            };
            (load("m.yaml"), load("m.json"))
        });
        prop_assert_eq!(from_yaml, from_json);
    }

    #[test]
    fn snapshots_never_panic(
        files in prop::collection::vec(
            (prop::sample::select(&["in-cluster/a.yaml", "in-cluster/b.json", "c1/x/y.yaml", "c1/big.json", "c1/version.json"][..]),
             prop_oneof![yamlish(), object().prop_map(|o| o.to_string()), prop::collection::vec(object(), 0..30).prop_map(|items| json!({"apiVersion": "v1", "kind": "List", "items": items}).to_string())]),
            1..5,
        )
    ) {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in &files {
            write(dir.path(), path, text);
        }
        let root = dir.path().to_path_buf();
        let (first, second) = within(LIMIT, move || {
            let load = || summary(load_snapshot(&root, &LoadOptions::default()).map(|fleet| {
                fleet.clusters.values().map(|cluster| cluster.len()).collect::<Vec<_>>()
            }), &root);
            (load(), load())
        });
        prop_assert_eq!(first, second);
    }

    /// What the simulator reads of an object is the same whether it was loaded as a
    /// manifest (whole) or from a snapshot (slim, its metadata typed at load): metadata
    /// the loader accepts is never silently read as something else.
    #[test]
    fn snapshot_objects_read_as_manifests_do(objects in prop::collection::vec(object(), 1..6)) {
        let dir = tempfile::tempdir().unwrap();
        let objects: Vec<Value> = objects
            .into_iter()
            .enumerate()
            .filter(|(_, object)| object["kind"] != "List")
            .map(|(index, mut object)| {
                object["metadata"]["name"] = json!(format!("o{index}"));
                object
            })
            .collect();
        let yaml: String = objects
            .iter()
            .map(|object| format!("---\n{}", serde_saphyr::to_string(object).unwrap()))
            .collect();
        let json: String = objects.iter().map(|object| format!("{object}\n")).collect();
        write(dir.path(), "manifests.yaml", &yaml);
        write(dir.path(), "yaml/in-cluster/objects.yaml", &yaml);
        write(dir.path(), "json/in-cluster/objects.json", &json);
        let root = dir.path().to_path_buf();
        let (manifests, from_yaml, from_json) = within(LIMIT, move || {
            let manifests = load_manifests(&root.join("manifests.yaml")).map(|objects| {
                let objects: Vec<Object> = objects.into_iter().map(|sourced| sourced.object).collect();
                read(objects.iter())
            });
            let snapshot = |folder: &str| {
                load_snapshot(&root.join(folder), &LoadOptions::default())
                    .map(|fleet| read(fleet.clusters["in-cluster"].objects()))
                    .map_err(|error| error.to_string().replace(folder, "FORMAT"))
            };
            (manifests.map_err(|error| error.to_string()), snapshot("yaml"), snapshot("json"))
        });
        // A YAML and a JSON snapshot of the same objects load alike (the same error names
        // its own file). Manifests are checked whole, snapshots on what they keep: a
        // snapshot refuses only what a manifest refuses too.
        prop_assert_eq!(from_yaml.is_ok(), from_json.is_ok(), "{:?} {:?}", from_yaml, from_json);
        if from_yaml.is_err() {
            prop_assert!(manifests.is_err(), "{:?} {:?}", manifests, from_yaml);
        }
        // Secrets lose their values, and an Argo CD cluster's Secrets and ConfigMaps are
        // read for settings: compare what succeeded on every side.
        if let (Ok(manifests), Ok(from_yaml), Ok(from_json)) = (&manifests, &from_yaml, &from_json) {
            prop_assert_eq!(manifests, from_yaml);
            prop_assert_eq!(manifests, from_json);
        }
    }
}

/// The metadata rules read, through the accessors, sorted by key.
fn read<'a>(objects: impl Iterator<Item = &'a Object>) -> Vec<String> {
    let mut read: Vec<String> = objects
        .map(|object| {
            format!(
                "{} ns={:?} uid={:?} labels={:?} finalizers={:?} owners={:?} deleting={:?} wave={:?}",
                object.key(),
                object.namespace(),
                object.uid(),
                object.labels(),
                object.finalizers(),
                object.owner_references(),
                object.deletion_timestamp(),
                object.annotation("argocd.argoproj.io/sync-wave"),
            )
        })
        .collect();
    read.sort();
    read
}
