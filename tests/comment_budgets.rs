//! The merge-request comment at the forges' size budgets (GitHub 65,536 and GitLab
//! 1,000,000 characters), on the incident scaled to a fleet large enough to exceed both:
//! the verdict is never cut, fences stay balanced, and the note says where the full report
//! is. The GitHub-sized comment is pinned as a golden file.

use std::fs;
use std::path::{Path, PathBuf};

use preflight_cluster_snapshot::{load_manifests, load_snapshot, LoadOptions};
use preflight_report::{render_markdown_comment, render_markdown_limited, COMMENT_MARKER};
use preflight_simulator::{plan, PlanConfig};

const GITHUB: usize = 65_536;
const GITLAB: usize = 1_000_000;

fn incident() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios/rud-incident")
}

/// The rud-incident fleet with `count` lab clusters, each a copy of `e1-k8s-lab-a`.
/// Without live Applications in it, the base revision stands in for what is live.
fn scaled_fleet(count: usize) -> PathBuf {
    let root =
        std::env::temp_dir().join(format!("preflight-budget-{}-{count}", std::process::id()));
    let _ = fs::remove_dir_all(&root);
    let template =
        fs::read_to_string(incident().join("snapshot/e1-k8s-lab-a/objects.yaml")).unwrap();
    let mut argocd = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: argocd-cm, namespace: argocd}\ndata: {}\n\
         ---\napiVersion: argoproj.io/v1alpha1\nkind: AppProject\nmetadata: {name: infrastructure, namespace: argocd}\n",
    );
    for index in 0..count {
        let name = format!("e1-k8s-lab-{index:03}");
        let folder = root.join(&name);
        fs::create_dir_all(&folder).unwrap();
        fs::write(
            folder.join("objects.yaml"),
            template.replace("e1-k8s-lab-a", &name),
        )
        .unwrap();
        argocd.push_str(&format!(
            "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: cluster-{name}\n  namespace: argocd\n  \
             labels: {{argocd.argoproj.io/secret-type: cluster, stage: lab}}\n\
             stringData: {{name: {name}, server: 'https://{name}.example.internal:6443'}}\n"
        ));
    }
    fs::create_dir_all(root.join("in-cluster")).unwrap();
    fs::write(root.join("in-cluster/argocd.yaml"), argocd).unwrap();
    root
}

#[test]
fn comments_fit_each_forge_budget_and_keep_the_verdict() {
    let snapshot = scaled_fleet(360);
    let fleet = load_snapshot(&snapshot, &LoadOptions::default()).unwrap();
    let base = load_manifests(&incident().join("base")).unwrap();
    let head = load_manifests(&incident().join("head")).unwrap();
    let outcome = plan(&fleet, &base, &head, &PlanConfig::default());
    fs::remove_dir_all(&snapshot).unwrap();

    let full = render_markdown_limited(&outcome, usize::MAX);
    assert!(
        full.len() > GITLAB,
        "the fleet must exceed both budgets: {} bytes",
        full.len()
    );
    let verdict = "## 🛑 CRITICAL: 1080 namespaces will stay Terminating on 360 clusters";
    let pointer = "the job artifact `preflight-report.md`";
    let mut github = String::new();
    for budget in [GITHUB, GITLAB] {
        let comment = render_markdown_comment(&outcome, budget, pointer);
        assert!(comment.len() <= budget, "{budget}: {} bytes", comment.len());
        assert!(
            comment.starts_with(&format!("{COMMENT_MARKER}\n{verdict}")),
            "{budget}: the verdict comes first"
        );
        assert!(
            comment.contains(&format!("the full report is {pointer}")),
            "{budget}: says where the full report is"
        );
        assert_eq!(
            comment.matches("```").count() % 2,
            0,
            "{budget}: fences balanced"
        );
        assert_eq!(
            comment.matches("<details>").count(),
            comment.matches("</details>").count(),
            "{budget}: details balanced"
        );
        if budget == GITHUB {
            github = comment;
        }
    }
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!("comment_budget__github_360_clusters", github));
}
