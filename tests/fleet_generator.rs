//! `scripts/generate-fleet.py`, the fleet of the benchmark (README, Performance): at a
//! small scale it writes the same bytes whatever the number of processes, the shape its
//! documentation promises, Applications that match what their ApplicationSets generate,
//! and a head revision in which `plan` predicts the incident's deadlock.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// A temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir =
            std::env::temp_dir().join(format!("preflight-fleet-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Runs the generator at scale 0.02 (one thinned cluster) into `out`.
fn generate(out: &Path, jobs: &str) {
    generate_with(out, jobs, &[]);
}

/// [`generate`] with more options of the generator.
fn generate_with(out: &Path, jobs: &str, options: &[&str]) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/generate-fleet.py");
    let output = Command::new("python3")
        .arg(&script)
        .arg(out)
        .args(["--scale", "0.02", "--jobs", jobs])
        .args(options)
        .output()
        .expect("python3 runs (the fleet generator needs Python 3.11 or newer)");
    assert!(
        output.status.success(),
        "generate-fleet.py failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Every file under `dir` by relative path, with its bytes.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let bytes = fs::read(&path).unwrap();
                out.insert(path.strip_prefix(root).unwrap().to_path_buf(), bytes);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

#[test]
fn the_fleet_generator_is_deterministic_and_plans_the_incident() {
    let first = TempDir::new("a");
    let second = TempDir::new("b");
    generate(&first.0, "1");
    generate(&second.0, "2");
    let (a, b) = (files(&first.0), files(&second.0));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (path, bytes) in &a {
        assert!(
            bytes == &b[path],
            "{} differs between two runs",
            path.display()
        );
    }

    // The shape the script documents, thinned to one cluster: 4 system, 9 platform and
    // 8 tenant namespaces; 19 ApplicationSets; head renames one template.
    let fleet: Value = serde_json::from_slice(&a[Path::new("fleet.json")]).unwrap();
    assert_eq!(fleet["clusters"], 1);
    assert_eq!(fleet["namespaces"], 21);
    assert_eq!(fleet["applicationSets"], 19);
    assert_eq!(fleet["applications"], 48);
    assert_eq!(fleet["kinds"]["APIService"], 25);
    let side = |name: &str| -> BTreeMap<&PathBuf, &Vec<u8>> {
        a.iter()
            .filter(|(path, _)| path.starts_with(name))
            .collect()
    };
    let (base, head) = (side("base"), side("head"));
    assert_eq!(base.len(), 19);
    let changed: Vec<_> = base
        .iter()
        .zip(&head)
        .filter(|((_, before), (_, after))| before != after)
        .map(|((path, _), _)| path.file_name().unwrap().to_str().unwrap())
        .collect();
    assert_eq!(changed, ["platform-namespaces.yaml"]);

    let dir = &first.0;
    let output = Command::new(env!("CARGO_BIN_EXE_argocd-preflight"))
        .arg("plan")
        .arg("--snapshot")
        .arg(dir.join("snapshot"))
        .arg("--base")
        .arg(dir.join("base"))
        .arg("--head")
        .arg(dir.join("head"))
        .args(["--format", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    // The live Applications are what the ApplicationSets generate: only the renamed
    // template's nine are replaced, nothing else changes.
    let summary = &report["summary"];
    assert_eq!(summary["replaced"], 9, "{summary}");
    assert_eq!(summary["updated"], 0, "{summary}");
    assert_eq!(summary["unchanged"], 39, "{summary}");
    assert_eq!(summary["errors"], 0, "{summary}");
    assert_eq!(summary["stuckNamespaces"], 9, "{summary}");
    let cluster = &report["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "e1-k8s-lab-000")
        .unwrap();
    let kube_metrics = cluster["namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["name"] == "kube-metrics")
        .expect("kube-metrics is deleted");
    assert_eq!(kube_metrics["outcome"], "stuck");
    // A finding tells its consequences too: every code the report tells about counts.
    let codes: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| {
            std::iter::once(&f["code"]).chain(f["consequences"].as_array().unwrap().iter())
        })
        .map(|code| code.as_str().unwrap())
        .collect();
    assert!(codes.contains(&"stuck-namespace"), "{codes:?}");
    assert!(codes.contains(&"apiservice-unavailable"), "{codes:?}");
}

/// The benchmark's large ApplicationSet (scripts/bench-big-appset.py) generates what it
/// is sized for, from every cluster of the fleet, and `generate` accepts all of them.
#[test]
fn the_large_benchmark_application_set_generates_its_size() {
    let dir = TempDir::new("large");
    generate(&dir.0, "1");
    let appset = dir.0.join("large.yaml");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/bench-big-appset.py");
    let status = Command::new("python3")
        .arg(&script)
        .arg(dir.0.join("fleet.json"))
        .arg(&appset)
        .args(["--applications", "100"])
        .status()
        .unwrap();
    assert!(status.success());
    let output = Command::new(env!("CARGO_BIN_EXE_argocd-preflight"))
        .arg("generate")
        .arg(&appset)
        .arg("--snapshot")
        .arg(dir.0.join("snapshot"))
        .args(["-o", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let generated: Value = serde_json::from_slice(&output.stdout).unwrap();
    let names: Vec<&str> = generated["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|app| app["metadata"]["name"].as_str().unwrap())
        .collect();
    // One cluster secret and the local cluster, 50 list elements each.
    assert_eq!(names.len(), 100);
    assert!(names.contains(&"in-cluster-app-00049"), "{names:?}");
    assert!(names.contains(&"e1-k8s-lab-000-app-00000"), "{names:?}");
}

/// The benchmark's capture form (what `capture` writes: compact JSON, no managedFields,
/// no last-applied-configuration, no Events) predicts exactly what the kubectl-style form
/// does: the loader drops those fields and kinds anyway, so the two benchmark rows
/// measure the same work on different inputs.
#[test]
fn the_capture_form_plans_as_the_kubectl_form() {
    let kubectl = TempDir::new("kubectl");
    let capture = TempDir::new("capture");
    generate(&kubectl.0, "1");
    // Two jobs: the compact form must reach the worker processes too.
    generate_with(
        &capture.0,
        "2",
        &["--no-managed-fields", "--no-events", "--compact"],
    );
    let written = files(&capture.0);
    for (path, bytes) in &written {
        let is_list = path.starts_with("snapshot") && path.extension() == Some("json".as_ref());
        if is_list && !path.ends_with("version.json") {
            // One line, no indentation: the form `capture` writes.
            assert_eq!(
                bytes.iter().filter(|b| **b == b'\n').count(),
                1,
                "{} is not compact",
                path.display()
            );
        }
    }
    assert!(
        !written.keys().any(|path| path.ends_with("events.json")),
        "no events file in the capture form"
    );
    let fleet: Value = serde_json::from_slice(&written[Path::new("fleet.json")]).unwrap();
    assert!(fleet["kinds"].get("Event").is_none(), "{}", fleet["kinds"]);
    assert!(fleet["kinds"]["Pod"].as_u64().unwrap() > 0);
    let plan = |dir: &Path| -> Value {
        let output = Command::new(env!("CARGO_BIN_EXE_argocd-preflight"))
            .arg("plan")
            .arg("--snapshot")
            .arg(dir.join("snapshot"))
            .arg("--base")
            .arg(dir.join("base"))
            .arg("--head")
            .arg(dir.join("head"))
            .args(["--format", "json"])
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).unwrap()
    };
    let (a, b) = (plan(&kubectl.0), plan(&capture.0));
    for field in ["summary", "applications", "clusters", "findings"] {
        assert_eq!(a[field], b[field], "{field} differs between the two forms");
    }
}
