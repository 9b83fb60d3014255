//! Issue 14 through the built binary: bounded inputs, nonsense flags and error texts
//! that are the project's own. Each test fails without the fix it is named after.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SCENARIO: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/scenarios/appset-removed"
);

fn preflight(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_argocd-preflight"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[track_caller]
fn check_exit_2(args: &[&str], expected_stderr: &str) {
    let output = preflight(args);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert_eq!(stderr(&output), expected_stderr);
}

fn scenario(part: &str) -> String {
    format!("{SCENARIO}/{part}")
}

/// A list-generator ApplicationSet of `count` elements, written to `dir`.
fn list_appset(dir: &Path, count: usize) -> PathBuf {
    let elements: String = (0..count)
        .map(|i| format!("      - {{cluster: c{i}}}\n"))
        .collect();
    let path = dir.join("appset.yaml");
    std::fs::write(
        &path,
        format!(
            "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {{name: apps, namespace: argocd}}\nspec:\n  generators:\n  - list:\n      elements:\n{elements}  template:\n    metadata: {{name: '{{{{cluster}}}}-app'}}\n    spec:\n      project: default\n      source: {{repoURL: 'https://git.example.com/apps', path: apps}}\n      destination: {{server: 'https://kubernetes.default.svc', namespace: apps}}\n"
        ),
    )
    .unwrap();
    path
}

#[test]
fn issue_14_dev_zero_is_refused_before_it_is_read() {
    check_exit_2(
        &["generate", "/dev/zero"],
        "error: cannot read `/dev/zero`: it is not a regular file (a device, FIFO or socket is never read as manifests)\n",
    );
    check_exit_2(
        &[
            "plan",
            "--snapshot",
            &scenario("snapshot"),
            "--base",
            &scenario("base"),
            "--head",
            "/dev/zero",
        ],
        "error: cannot read `/dev/zero`: it is not a regular file (a device, FIFO or socket is never read as manifests)\n",
    );
}

#[test]
fn issue_14_a_fifo_is_refused_and_does_not_block() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("head.yaml");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let fifo = fifo.display().to_string();
    check_exit_2(
        &[
            "plan",
            "--snapshot",
            &scenario("snapshot"),
            "--base",
            &scenario("base"),
            "--head",
            &fifo,
        ],
        &format!("error: cannot read `{fifo}`: it is not a regular file (a device, FIFO or socket is never read as manifests)\n"),
    );
}

#[test]
fn issue_14_a_missing_file_says_os_error_once() {
    check_exit_2(
        &["generate", "/nonexistent/appset.yaml"],
        "error: cannot read `/nonexistent/appset.yaml`: No such file or directory (os error 2)\n",
    );
}

#[test]
fn issue_14_nonsense_kube_versions_are_refused() {
    for version in ["0.1", "2.0", "x", "1", ""] {
        check_exit_2(
            &[
                "plan",
                "--snapshot",
                &scenario("snapshot"),
                "--base",
                &scenario("base"),
                "--head",
                &scenario("head"),
                "--kube-version",
                version,
            ],
            &format!("error: invalid `--kube-version` `{version}`: expected a Kubernetes version such as `1.28` or `v1.28.3`\n"),
        );
    }
    let output = preflight(&[
        "plan",
        "--snapshot",
        &scenario("snapshot"),
        "--base",
        &scenario("base"),
        "--head",
        &scenario("head"),
        "--kube-version",
        "v1.28.3",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn issue_14_a_repo_that_is_not_a_git_repository_is_named_so() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().display().to_string();
    let plan = |repo: &str, base: &str| {
        preflight(&[
            "plan",
            "--snapshot",
            &scenario("snapshot"),
            &format!("--base-ref={base}"),
            "--head-ref",
            "HEAD",
            "--repo",
            repo,
        ])
    };
    let output = plan(&repo, "HEAD~1");
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        format!("error: `{repo}` is not a git repository; run from a git checkout or pass `--repo DIR`\n")
    );

    let missing = format!("{repo}/missing");
    let output = plan(&missing, "HEAD~1");
    assert_eq!(
        stderr(&output),
        format!("error: `--repo {missing}`: no such directory; run from a git checkout or pass `--repo DIR`\n")
    );

    // A git repository, but not the revision: not "not a git repository", and an
    // option-like revision is not passed to git as an option.
    let git = |args: &[&str]| {
        let status = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .arg("-C")
            .arg(dir.path())
            .args(args)
            .output()
            .unwrap();
        assert!(status.status.success(), "{status:?}");
    };
    git(&["init", "-q"]);
    git(&["commit", "-q", "--allow-empty", "-m", "one"]);
    for revision in ["no-such-branch", "--output=/tmp/x"] {
        let output = plan(&repo, revision);
        assert_eq!(output.status.code(), Some(2));
        assert_eq!(
            stderr(&output),
            format!("error: revision `{revision}` does not exist in the git repository `{repo}` (in a shallow CI checkout, fetch it first)\n")
        );
    }
}

#[test]
fn issue_14_yaml_errors_do_not_name_the_parser_options() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dup.yaml");
    std::fs::write(
        &file,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n",
    )
    .unwrap();
    let file = file.display().to_string();
    check_exit_2(
        &["generate", &file],
        &format!("error: {file}: document 1: invalid YAML at line 5, column 3: the key `name` appears twice in one mapping\n"),
    );

    // An alias bomb: ten levels of ten aliases each.
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for level in 1..10 {
        let aliases = vec![format!("*a{}", level - 1); 10].join(", ");
        bomb.push_str(&format!("a{level}: &a{level} [{aliases}]\n"));
    }
    std::fs::write(dir.path().join("bomb.yaml"), bomb).unwrap();
    let output = preflight(&["generate", &format!("{}/bomb.yaml", dir.path().display())]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.ends_with(
            "its aliases expand to more than the loader reads (a YAML alias bomb is refused)\n"
        ),
        "{message}"
    );
    assert!(!message.contains("RecordedAnchorEvents"), "{message}");
}

#[test]
fn issue_14_generate_refuses_more_applications_than_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let appset = list_appset(dir.path(), 3).display().to_string();
    let output = preflight(&["generate", &appset, "--max-applications", "2"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        format!("error: {appset}: ApplicationSet `apps`: spec.generators[0].list.elements: generates at least 3 Applications, more than the limit of 2; if that many are intended, raise the limit with `--max-applications`\n")
    );
    let output = preflight(&["generate", &appset, "--max-applications", "3", "-o", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let list: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 3);

    for nonsense in ["0", "-1", "many"] {
        let output = preflight(&[
            "generate",
            &appset,
            &format!("--max-applications={nonsense}"),
        ]);
        assert_eq!(output.status.code(), Some(2), "{nonsense}");
        assert!(
            stderr(&output).contains("invalid value"),
            "{}",
            stderr(&output)
        );
    }
}

#[test]
fn issue_14_plan_reports_an_applicationset_over_the_limit_as_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base");
    let head = dir.path().join("head");
    std::fs::create_dir_all(&base).unwrap();
    std::fs::create_dir_all(&head).unwrap();
    list_appset(&base, 2);
    list_appset(&head, 5);
    let output = preflight(&[
        "plan",
        "--snapshot",
        &scenario("snapshot"),
        "--base",
        &base.display().to_string(),
        "--head",
        &head.display().to_string(),
        "--max-applications",
        "4",
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let errors = report["errors"].to_string();
    assert!(
        errors.contains("generates at least 5 Applications, more than the limit of 4"),
        "{errors}"
    );
}

#[test]
fn issue_14_a_file_at_a_git_revision_is_bounded_like_a_file_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        let output = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .arg("-C")
            .arg(dir.path())
            .args(args)
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
    };
    git(&["init", "-q"]);
    git(&["commit", "-q", "--allow-empty", "-m", "base"]);
    // Zeros compress to almost nothing in git, and are more than the limit.
    let big = std::fs::File::create(dir.path().join("big.yaml")).unwrap();
    big.set_len(64 * 1024 * 1024 + 1).unwrap();
    git(&["add", "big.yaml"]);
    git(&["commit", "-q", "-m", "head"]);
    let output = preflight(&[
        "plan",
        "--snapshot",
        &scenario("snapshot"),
        "--base-ref",
        "HEAD~1",
        "--head-ref",
        "HEAD",
        "--repo",
        &dir.path().display().to_string(),
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert_eq!(
        stderr(&output),
        "error: cannot read `big.yaml` at `HEAD`: it holds 67108865 bytes, more than the limit of 67108864 bytes for a manifest file\n"
    );
}
