//! The speed target of the generators: a matrix of 300 clusters by 50 git directories
//! (15,000 Applications) evaluated in well under 0.3 s.
//!
//! Run with `cargo bench -p preflight-generators --bench matrix`; it prints the best and
//! median time of several evaluations.

use std::collections::BTreeMap;

/// The allocator the `argocd-preflight` binary uses.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::time::{Duration, Instant};

use preflight_generators::{generate, GenerationContext, InMemoryRepos};
use preflight_model::{ArgoSettings, ClusterInfo, Object};
use serde_json::json;

const REPO: &str = "https://git.example.com/platform/deploy.git";

fn main() {
    let clusters: Vec<ClusterInfo> = (0..300)
        .map(|index| ClusterInfo {
            name: format!("cluster-{index:03}"),
            server: format!("https://cluster-{index:03}.example.com:6443"),
            project: String::new(),
            labels: BTreeMap::from([
                ("env".to_string(), "prod".to_string()),
                ("region".to_string(), format!("region-{}", index % 7)),
            ]),
            annotations: BTreeMap::new(),
            secret_name: format!("cluster-{index:03}"),
        })
        .collect();
    let mut repos = InMemoryRepos::new();
    for index in 0..50 {
        repos = repos.with_file(
            REPO,
            &format!("addons/addon-{index:02}/kustomization.yaml"),
            "",
        );
    }
    let appset = Object::from_value(json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "ApplicationSet",
        "metadata": {"name": "addons", "namespace": "argocd"},
        "spec": {
            "generators": [{"matrix": {"generators": [
                {"clusters": {"selector": {"matchLabels": {"env": "prod"}}}},
                {"git": {"repoURL": REPO, "revision": "HEAD", "directories": [{"path": "addons/*"}]}}
            ]}}],
            "template": {
                "metadata": {
                    "name": "{{name}}-{{path.basename}}",
                    "labels": {"addon": "{{path.basename}}", "region": "{{metadata.labels.region}}"}
                },
                "spec": {
                    "project": "{{path.basename}}",
                    "source": {"repoURL": REPO, "targetRevision": "main", "path": "{{path}}"},
                    "destination": {"server": "{{server}}", "namespace": "{{path.basenameNormalized}}"},
                    "syncPolicy": {"automated": {"prune": true}, "syncOptions": ["CreateNamespace=true"]}
                }
            }
        }
    }));
    let settings = ArgoSettings::default();
    let mut ctx = GenerationContext::new(&clusters, &settings);
    // Both cores, as the CLI uses them (the target is stated for 2 cores).
    ctx.workers = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    ctx.repos = &repos;

    let mut times: Vec<Duration> = Vec::new();
    let mut count = 0;
    for _ in 0..7 {
        let start = Instant::now();
        let generated = generate(&appset, &ctx).expect("the benchmark ApplicationSet generates");
        times.push(start.elapsed());
        count = generated.applications.len();
    }
    times.sort();
    println!(
        "matrix 300 clusters x 50 git directories: {count} Applications, best {:.1} ms, median {:.1} ms",
        times[0].as_secs_f64() * 1000.0,
        times[times.len() / 2].as_secs_f64() * 1000.0
    );
    assert_eq!(count, 15_000);
}
