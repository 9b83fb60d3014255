//! End-to-end tests of `comment`: the built binary runs as the README's GitLab job and
//! GitHub workflow would, in shallow clones of a git repository made from the incident
//! scenario, against a fake forge on 127.0.0.1 (`crates/mr-comment/tests/fake_forge`).
//! Golden comments of the incident live in `snapshots/`.

#[path = "../crates/mr-comment/tests/fake_forge/mod.rs"]
mod fake_forge;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use fake_forge::{FakeForge, Note};

const MARKER: &str = "<!-- argocd-preflight -->";
const THREAD_MARKER: &str = "<!-- argocd-preflight critical -->";
const TOKEN: &str = "glpat-SECRET-e2e";

fn scenario(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/scenarios/rud-incident")
        .join(sub)
}

/// A temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir =
            std::env::temp_dir().join(format!("preflight-comment-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs git with a fixed identity and fixed dates, so that commit ids (which the
/// comment's footer shows) are the same on every machine.
#[track_caller]
fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=preflight",
            "-c",
            "user.email=preflight@example.invalid",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .env("GIT_AUTHOR_DATE", "2024-05-01T12:00:00Z")
        .env("GIT_COMMITTER_DATE", "2024-05-01T12:00:00Z")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}

fn copy_revision(revision: &str, to: &Path, only: Option<&str>) {
    std::fs::create_dir_all(to.join("appsets")).unwrap();
    for entry in std::fs::read_dir(scenario(revision)).unwrap() {
        let entry = entry.unwrap();
        if only.is_some_and(|name| entry.file_name() != name) {
            continue;
        }
        std::fs::copy(entry.path(), to.join("appsets").join(entry.file_name())).unwrap();
    }
}

/// The history of a merge request, pushed to a bare "origin":
///
/// ```text
/// main:     base ── main_tip (removes kube-contour.yaml: a base that is not the merge base)
///              \
/// feature:      first (head's kube-log.yaml) ── head (all of head)
/// ```
struct Repository {
    dir: TempDir,
    origin: PathBuf,
    base: String,
    first: String,
    head: String,
    main_tip: String,
}

impl Repository {
    fn new(name: &str) -> Repository {
        let dir = TempDir::new(name);
        let work = dir.0.join("work");
        std::fs::create_dir_all(&work).unwrap();
        git(&work, &["init", "-q"]);
        copy_revision("base", &work, None);
        std::fs::write(work.join("README.md"), "fleet\n").unwrap();
        git(&work, &["add", "."]);
        git(&work, &["commit", "-q", "-m", "base"]);
        let base = git(&work, &["rev-parse", "HEAD"]);
        git(&work, &["checkout", "-q", "-b", "feature"]);
        copy_revision("head", &work, Some("kube-log.yaml"));
        git(&work, &["commit", "-q", "-am", "rename kube-log"]);
        let first = git(&work, &["rev-parse", "HEAD"]);
        copy_revision("head", &work, None);
        git(
            &work,
            &["commit", "-q", "-am", "rename every ApplicationSet"],
        );
        let head = git(&work, &["rev-parse", "HEAD"]);
        git(&work, &["checkout", "-q", "main"]);
        git(&work, &["rm", "-q", "appsets/kube-contour.yaml"]);
        git(&work, &["commit", "-q", "-m", "retire contour"]);
        let main_tip = git(&work, &["rev-parse", "HEAD"]);
        let origin = dir.0.join("origin.git");
        git(&dir.0, &["init", "-q", "--bare", origin.to_str().unwrap()]);
        git(&work, &["push", "-q", origin.to_str().unwrap(), "main"]);
        Repository {
            dir,
            origin,
            base,
            first,
            head,
            main_tip,
        }
    }

    /// Points origin's `feature` at `commit` and checks it out as CI does: a fresh,
    /// shallow, single-branch clone.
    /// A commit on top of head that writes `files` (paths in the repository) as they
    /// are given.
    fn commit_on_head(&self, files: &[(&str, &str)], message: &str) -> String {
        let work = self.dir.0.join("work");
        git(&work, &["checkout", "-q", "feature"]);
        for (path, content) in files {
            std::fs::write(work.join(path), content).unwrap();
        }
        git(&work, &["add", "."]);
        git(&work, &["commit", "-q", "-m", message]);
        let commit = git(&work, &["rev-parse", "HEAD"]);
        git(&work, &["checkout", "-q", "main"]);
        commit
    }

    fn ci_checkout(&self, commit: &str, name: &str) -> PathBuf {
        let work = self.dir.0.join("work");
        git(
            &work,
            &[
                "push",
                "-q",
                "--force",
                self.origin.to_str().unwrap(),
                &format!("{commit}:refs/heads/feature"),
            ],
        );
        let checkout = self.dir.0.join(name);
        let _ = std::fs::remove_dir_all(&checkout);
        git(
            &self.dir.0,
            &[
                "clone",
                "-q",
                "--depth",
                "1",
                "--branch",
                "feature",
                &format!("file://{}", self.origin.display()),
                checkout.to_str().unwrap(),
            ],
        );
        assert_eq!(
            git(&checkout, &["rev-parse", "--is-shallow-repository"]),
            "true"
        );
        checkout
    }
}

fn short(sha: &str) -> &str {
    &sha[..12]
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs the binary in `dir` with exactly `env` (plus `PATH`), as a CI job would.
fn run(dir: &Path, env: &BTreeMap<&str, String>, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_argocd-preflight"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .envs(env)
        .output()
        .expect("the binary runs");
    Run {
        code: output.status.code().expect("exited normally"),
        stdout: String::from_utf8(output.stdout).expect("utf-8 output"),
        stderr: String::from_utf8(output.stderr).expect("utf-8 errors"),
    }
}

/// The job line of the README, with the scenario's snapshot.
fn job_args(extra: &[&'static str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "comment",
        "--snapshot",
        scenario("snapshot").to_str().unwrap(),
        "--path",
        "appsets/**",
    ]
    .iter()
    .map(|arg| arg.to_string())
    .collect();
    args.extend(extra.iter().map(|arg| arg.to_string()));
    args
}

fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

fn marked(notes: &[Note]) -> Vec<&Note> {
    notes
        .iter()
        .filter(|note| note.body.starts_with(MARKER))
        .collect()
}

/// The comment without its footer line, which names the commits.
fn without_footer(body: &str) -> &str {
    let footer = body.rfind("<sub>Planned from ").expect("a footer");
    &body[..footer]
}

/// The plan of the scenario's directories, as `plan --format markdown` prints it.
fn plan_of_directories() -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_argocd-preflight"))
        .args(["plan", "--format", "markdown", "--snapshot"])
        .arg(scenario("snapshot"))
        .arg("--base")
        .arg(scenario("base"))
        .arg("--head")
        .arg(scenario("head"))
        .output()
        .unwrap();
    String::from_utf8(output.stdout).unwrap()
}

fn gitlab_env(
    forge: &FakeForge,
    checkout: &Path,
    repository: &Repository,
    head: &str,
) -> BTreeMap<&'static str, String> {
    BTreeMap::from([
        ("CI", "true".to_string()),
        ("GITLAB_CI", "true".to_string()),
        ("CI_PIPELINE_SOURCE", "merge_request_event".to_string()),
        ("CI_API_V4_URL", forge.api_url()),
        ("CI_PROJECT_ID", "42".to_string()),
        ("CI_MERGE_REQUEST_PROJECT_ID", "42".to_string()),
        ("CI_MERGE_REQUEST_IID", "7".to_string()),
        ("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main".to_string()),
        ("CI_MERGE_REQUEST_DIFF_BASE_SHA", repository.base.clone()),
        ("CI_COMMIT_SHA", head.to_string()),
        (
            "CI_JOB_URL",
            "https://gitlab.example.com/platform/fleet/-/jobs/901".to_string(),
        ),
        ("CI_PROJECT_DIR", checkout.display().to_string()),
        ("GITLAB_TOKEN", TOKEN.to_string()),
    ])
}

#[test]
fn the_gitlab_job_twice_leaves_one_comment_with_the_latest_report() {
    let repository = Repository::new("gitlab");
    let forge = FakeForge::gitlab(TOKEN, "42", 7);
    forge.set_per_page(2);
    forge.seed("alice", "Could someone review the renames?");
    forge.seed_system("added 1 commit");
    forge.seed("renovate-bot", "<!-- renovate -->\nDependency dashboard");
    let job = job_args(&[
        "--report-file",
        "preflight-report.md",
        "--gitlab-thread-on-critical",
    ]);

    // The first pipeline: only kube-log renamed so far.
    let checkout = repository.ci_checkout(&repository.first, "first");
    let env = gitlab_env(&forge, &checkout, &repository, &repository.first);
    let first = run(&checkout, &env, &strs(&job));
    assert_eq!(first.code, 0, "no --fail-on: {}", first.stderr);
    assert!(first.stderr.contains("created comment"), "{}", first.stderr);
    assert_eq!(marked(&forge.notes()).len(), 1);
    forge.seed("bob", "Looks risky");

    // The second pipeline: the whole change, in a fresh shallow checkout.
    let checkout = repository.ci_checkout(&repository.head, "second");
    let env = gitlab_env(&forge, &checkout, &repository, &repository.head);
    let second = run(&checkout, &env, &strs(&job));
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert!(
        second.stderr.contains("updated comment"),
        "{}",
        second.stderr
    );
    assert!(
        second.stdout.starts_with("CRITICAL: 9 namespaces"),
        "{}",
        second.stdout
    );
    assert!(!format!("{}{}", second.stdout, second.stderr).contains(TOKEN));

    let mut dry_run_args = job.clone();
    dry_run_args.push("--dry-run".to_string());
    let latest = run(&checkout, &env, &strs(&dry_run_args));
    assert_eq!(latest.code, 0, "{}", latest.stderr);

    let notes = forge.notes();
    let ours = marked(&notes);
    assert_eq!(ours.len(), 1, "exactly one comment: {notes:#?}");
    assert_eq!(
        ours[0].body, latest.stdout,
        "the comment is the latest report"
    );
    assert_eq!(notes.len(), 5, "three seeded, one by bob, ours");
    assert_eq!(
        without_footer(&latest.stdout),
        plan_of_directories(),
        "the merge base is the base, not main's tip"
    );
    assert!(latest.stdout.ends_with(&format!(
        "<sub>Planned from `{}` (merge base with `main`) to `{}`.</sub>\n",
        short(&repository.base),
        short(&repository.head)
    )));
    let report = std::fs::read_to_string(checkout.join("preflight-report.md")).unwrap();
    assert_eq!(
        report, latest.stdout,
        "the full report fits a GitLab note whole"
    );

    let threads = forge.threads();
    assert_eq!(threads.len(), 1, "{threads:#?}");
    assert!(!threads[0].resolved);
    assert!(threads[0].note.body.starts_with(THREAD_MARKER));
    assert!(threads[0]
        .note
        .body
        .contains("`apiservice-unavailable` on `e1-k8s-lab-a`, `e1-k8s-lab-b`, `e1-k8s-test-a`"));

    // With --fail-on the job fails on the plan, and still leaves one comment.
    let mut failing = job.clone();
    failing.extend(["--fail-on".to_string(), "critical".to_string()]);
    let third = run(&checkout, &env, &strs(&failing));
    assert_eq!(third.code, 1, "{}", third.stderr);
    assert!(third.stderr.contains("left unchanged"), "{}", third.stderr);
    assert_eq!(marked(&forge.notes()).len(), 1);
    assert_eq!(forge.threads().len(), 1);
}

fn github_env(
    forge: &FakeForge,
    dir: &Path,
    repository: &Repository,
    head: &str,
) -> BTreeMap<&'static str, String> {
    let event = dir.join("event.json");
    std::fs::write(
        &event,
        serde_json::json!({
            "action": "synchronize",
            "number": 12,
            "pull_request": {
                "number": 12,
                "base": {"ref": "main", "sha": repository.main_tip},
                "head": {"ref": "feature", "sha": head},
            },
        })
        .to_string(),
    )
    .unwrap();
    BTreeMap::from([
        ("CI", "true".to_string()),
        ("GITHUB_ACTIONS", "true".to_string()),
        ("GITHUB_EVENT_NAME", "pull_request".to_string()),
        ("GITHUB_EVENT_PATH", event.display().to_string()),
        ("GITHUB_REPOSITORY", "platform/fleet".to_string()),
        ("GITHUB_API_URL", forge.api_url()),
        ("GITHUB_SERVER_URL", "https://github.com".to_string()),
        ("GITHUB_RUN_ID", "4242".to_string()),
        (
            "GITHUB_STEP_SUMMARY",
            dir.join("summary.md").display().to_string(),
        ),
        ("GITHUB_BASE_REF", "main".to_string()),
        ("GITHUB_TOKEN", TOKEN.to_string()),
    ])
}

#[test]
fn the_github_workflow_twice_leaves_one_comment_with_the_latest_report() {
    let repository = Repository::new("github");
    let forge = FakeForge::github(TOKEN, "platform/fleet", 12);
    forge.set_per_page(2);
    forge.seed("alice", "Please review");
    forge.seed("other-bot", "<!-- coverage -->\n98%");
    let job = job_args(&[]);

    let checkout = repository.ci_checkout(&repository.first, "first");
    let env = github_env(&forge, &repository.dir.0, &repository, &repository.first);
    let first = run(&checkout, &env, &strs(&job));
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(first.stderr.contains("created comment"), "{}", first.stderr);

    let checkout = repository.ci_checkout(&repository.head, "second");
    let env = github_env(&forge, &repository.dir.0, &repository, &repository.head);
    let second = run(&checkout, &env, &strs(&job));
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert!(
        second.stderr.contains("updated comment"),
        "{}",
        second.stderr
    );

    let mut dry_run_args = job.clone();
    dry_run_args.push("--dry-run".to_string());
    let latest = run(&checkout, &env, &strs(&dry_run_args));
    assert_eq!(latest.code, 0, "{}", latest.stderr);

    let notes = forge.notes();
    let ours = marked(&notes);
    assert_eq!(ours.len(), 1, "exactly one comment: {notes:#?}");
    assert_eq!(
        ours[0].body, latest.stdout,
        "the comment is the latest report"
    );
    assert_eq!(notes.len(), 3);
    assert_eq!(without_footer(&latest.stdout), plan_of_directories());

    let summary = std::fs::read_to_string(repository.dir.0.join("summary.md")).unwrap();
    assert_eq!(
        summary.matches(MARKER).count(),
        3,
        "each run appends the full report to the job summary"
    );
    assert!(summary.contains("CRITICAL: 9 namespaces"));
}

/// Anyone can post the marker (issue #14): on either forge the job leaves a marked
/// comment by someone else as it is and keeps its own one comment.
#[test]
fn a_planted_marker_comment_is_left_alone() {
    let repository = Repository::new("planted");
    let checkout = repository.ci_checkout(&repository.head, "checkout");
    let planted_body = format!("{MARKER}\n## ✅ OK: no Application changes\n");
    for forge in [
        FakeForge::gitlab(TOKEN, "42", 7),
        FakeForge::github(TOKEN, "platform/fleet", 12),
    ] {
        let planted = forge.seed("mallory", &planted_body);
        let env = match forge.api_url().ends_with("/api/v4") {
            true => gitlab_env(&forge, &checkout, &repository, &repository.head),
            false => github_env(&forge, &repository.dir.0, &repository, &repository.head),
        };
        for expected in ["created comment", "left unchanged"] {
            let result = run(&checkout, &env, &strs(&job_args(&[])));
            assert_eq!(result.code, 0, "{}", result.stderr);
            assert!(result.stderr.contains(expected), "{}", result.stderr);
        }
        let notes = forge.notes();
        assert_eq!(notes.len(), 2, "{notes:#?}");
        assert_eq!(
            notes[0].body, planted_body,
            "mallory's comment is untouched"
        );
        assert_eq!(notes[1].author, forge.login());
        assert!(notes[1].body.contains("CRITICAL: 9 namespaces"));
        assert!(
            !forge
                .requests()
                .iter()
                .any(|request| request.contains(&planted.to_string())),
            "{:?}",
            forge.requests()
        );
    }
}

/// A head that cannot be planned at all (issue #14): the job replaces the old verdict
/// with the failure for that commit, naming the file, leaves the critical-findings
/// thread open (nothing says the findings are gone), and fails with 2.
#[test]
fn a_head_that_does_not_parse_replaces_the_verdict_with_the_failure() {
    let repository = Repository::new("broken-yaml");
    let broken = repository.commit_on_head(
        &[(
            "appsets/broken.yaml",
            "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: broken\nspec: [\n",
        )],
        "a typo",
    );
    let forge = FakeForge::gitlab(TOKEN, "42", 7);
    let job = job_args(&["--gitlab-thread-on-critical", "--report-file", "report.md"]);

    let checkout = repository.ci_checkout(&repository.head, "good");
    let env = gitlab_env(&forge, &checkout, &repository, &repository.head);
    let good = run(&checkout, &env, &strs(&job));
    assert_eq!(good.code, 0, "{}", good.stderr);
    let comment = marked(&forge.notes())[0].clone();
    assert!(comment.body.contains("CRITICAL: 9 namespaces"));
    assert_eq!(forge.threads().len(), 1);

    let checkout = repository.ci_checkout(&broken, "broken");
    let env = gitlab_env(&forge, &checkout, &repository, &broken);
    let failed = run(&checkout, &env, &strs(&job));
    assert_eq!(failed.code, 2, "{}", failed.stderr);
    assert!(
        failed.stderr.contains("appsets/broken.yaml"),
        "{}",
        failed.stderr
    );
    assert!(
        failed.stderr.contains("updated comment"),
        "{}",
        failed.stderr
    );

    let notes = forge.notes();
    let ours = marked(&notes);
    assert_eq!(ours.len(), 1, "{notes:#?}");
    assert_eq!(ours[0].id, comment.id, "the one comment, updated");
    let body = &ours[0].body;
    assert!(
        body.starts_with(&format!(
            "{MARKER}\n## ❌ FAILED: no plan for `{}`\n",
            short(&broken)
        )),
        "{body}"
    );
    assert!(body.contains("appsets/broken.yaml"), "{body}");
    assert!(!body.contains("CRITICAL"), "no old verdict: {body}");
    assert_balanced(body);
    assert_eq!(
        std::fs::read_to_string(checkout.join("report.md")).unwrap(),
        *body
    );
    let threads = forge.threads();
    assert_eq!(threads.len(), 1);
    assert!(!threads[0].resolved, "a failed plan resolves nothing");
}

/// A head that does not resolve is a failed plan for that revision; a base nobody named
/// is a usage error, said before anything is posted.
#[test]
fn a_head_that_does_not_resolve_is_a_failed_plan() {
    let repository = Repository::new("no-head");
    let checkout = repository.ci_checkout(&repository.head, "checkout");
    let missing = run(
        &checkout,
        &BTreeMap::new(),
        &strs(&job_args(&[
            "--provider",
            "github",
            "--target-branch",
            "main",
            "--head-ref",
            "no-such-branch",
            "--dry-run",
        ])),
    );
    assert_eq!(missing.code, 2, "{}", missing.stderr);
    assert!(
        missing.stdout.starts_with(&format!(
            "{MARKER}\n## ❌ FAILED: no plan for `no-such-branch`\n"
        )),
        "{}",
        missing.stdout
    );
    assert!(missing
        .stdout
        .ends_with("<sub>Could not plan `no-such-branch`.</sub>\n"));
    assert_balanced(&missing.stdout);

    let unnamed = run(
        &checkout,
        &BTreeMap::new(),
        &strs(&job_args(&["--provider", "github", "--dry-run"])),
    );
    assert_eq!(unnamed.code, 2);
    assert!(unnamed.stdout.is_empty(), "{}", unnamed.stdout);
    assert!(
        unnamed.stderr.contains("pass `--target-branch BRANCH`"),
        "{}",
        unnamed.stderr
    );
}

/// An ApplicationSet that cannot be evaluated fails the plan (issue #14): the comment
/// opens with the failure for the head commit — file, ApplicationSet and field — then
/// the plan of the rest, and the job fails with 2 even without `--fail-on`.
#[test]
fn an_applicationset_that_cannot_be_evaluated_is_a_failed_plan() {
    let repository = Repository::new("unevaluable");
    let invalid = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/scenarios/generator-error/head/kube-log.yaml"),
    )
    .unwrap();
    let head = repository.commit_on_head(&[("appsets/kube-log.yaml", &invalid)], "Gt");
    let forge = FakeForge::github(TOKEN, "platform/fleet", 12);
    let checkout = repository.ci_checkout(&repository.head, "good");
    let env = github_env(&forge, &repository.dir.0, &repository, &repository.head);
    assert_eq!(run(&checkout, &env, &strs(&job_args(&[]))).code, 0);

    let checkout = repository.ci_checkout(&head, "unevaluable");
    let env = github_env(&forge, &repository.dir.0, &repository, &head);
    let failed = run(&checkout, &env, &strs(&job_args(&[])));
    assert_eq!(failed.code, 2, "{}", failed.stderr);
    assert!(
        failed.stderr.contains("updated comment"),
        "{}",
        failed.stderr
    );
    let notes = forge.notes();
    let ours = marked(&notes);
    assert_eq!(ours.len(), 1, "{notes:#?}");
    let body = &ours[0].body;
    assert!(
        body.starts_with(&format!(
            "{MARKER}\n## ❌ FAILED: the plan of `{}` is incomplete: 1 ApplicationSet could not be evaluated\n",
            short(&head)
        )),
        "{body}"
    );
    assert!(
        body.contains(&format!("- `{}:appsets/kube-log.yaml`, ApplicationSet `kube-log`: spec.generators\\[0\\].clusters.selector.matchExpressions\\[0\\].operator: `Gt` is not a valid label selector operator", short(&head))),
        "{body}"
    );
    assert!(
        body.contains("The plan of everything else:\n\n## "),
        "{body}"
    );
    assert_eq!(body.matches(MARKER).count(), 1, "{body}");
    assert!(body.len() <= 65_536);
    let summary = std::fs::read_to_string(repository.dir.0.join("summary.md")).unwrap();
    assert!(summary.contains("## ❌ FAILED: the plan of"), "{summary}");
}

/// The forges limit comments in characters (issue #14): a comment of exactly the
/// limit is posted whole, though it has more bytes than that; one character less
/// and it is shortened to fit.
#[test]
fn the_comment_limit_counts_characters() {
    let repository = Repository::new("limit");
    let checkout = repository.ci_checkout(&repository.head, "checkout");
    let dry_run = |max_chars: usize| {
        let max_chars = max_chars.to_string();
        let mut args = job_args(&[
            "--provider",
            "github",
            "--target-branch",
            "main",
            "--dry-run",
        ]);
        args.extend(["--max-chars".to_string(), max_chars]);
        let result = run(&checkout, &BTreeMap::new(), &strs(&args));
        assert_eq!(result.code, 0, "{}", result.stderr);
        result.stdout
    };
    let whole = dry_run(1_000_000);
    let characters = whole.chars().count();
    assert!(
        whole.len() > characters,
        "the comment has non-ASCII characters"
    );
    assert_eq!(dry_run(characters), whole, "exactly the limit: whole");
    let shortened = dry_run(characters - 1);
    assert!(shortened.chars().count() < characters);
    assert!(
        shortened.contains("Shortened to fit the comment size limit"),
        "{shortened}"
    );
    assert!(
        shortened.chars().count() > characters - 8_000,
        "only the diffs went: {} characters",
        shortened.chars().count()
    );
}

/// GitHub takes 1 MiB of job summary per step, counting what the step wrote before
/// (issue #14): the report is shortened to the room that is left.
#[test]
fn the_job_summary_stays_within_one_mebibyte() {
    const MIB: usize = 1_048_576;
    let repository = Repository::new("summary");
    let forge = FakeForge::github(TOKEN, "platform/fleet", 12);
    let checkout = repository.ci_checkout(&repository.head, "checkout");
    let env = github_env(&forge, &repository.dir.0, &repository, &repository.head);
    let summary = repository.dir.0.join("summary.md");
    let earlier = "x".repeat(99) + "\n";
    std::fs::write(&summary, earlier.repeat((MIB - 30_000) / 100)).unwrap();
    let before = std::fs::metadata(&summary).unwrap().len() as usize;

    let result = run(&checkout, &env, &strs(&job_args(&[])));
    assert_eq!(result.code, 0, "{}", result.stderr);
    let after = std::fs::read_to_string(&summary).unwrap();
    assert!(after.len() <= MIB, "{} bytes", after.len());
    let appended = &after[before..];
    assert!(appended.starts_with(MARKER), "{}", &appended[..200]);
    assert!(appended.contains("CRITICAL: 9 namespaces"));
    assert!(
        appended.len() > 20_000,
        "the room was used: {} bytes",
        appended.len()
    );
    assert_balanced(appended);

    // No room left: the summary is left as it is, and the comment still posted.
    std::fs::write(&summary, earlier.repeat(MIB / 100)).unwrap();
    let full = run(&checkout, &env, &strs(&job_args(&[])));
    assert_eq!(full.code, 0, "{}", full.stderr);
    assert!(
        full.stderr.contains("the report is not added"),
        "{}",
        full.stderr
    );
    assert_eq!(
        std::fs::metadata(&summary).unwrap().len() as usize,
        MIB / 100 * 100
    );
}

/// GitLab lets a Reporter open the critical-findings thread but not resolve it (issue
/// #14): once the findings are gone the job fails, saying the Developer role is needed.
#[test]
fn a_reporter_token_cannot_resolve_the_thread_and_says_why() {
    let repository = Repository::new("reporter");
    let forge = FakeForge::gitlab(TOKEN, "42", 7);
    forge.as_reporter();
    let job = job_args(&["--gitlab-thread-on-critical"]);
    let checkout = repository.ci_checkout(&repository.head, "critical");
    let env = gitlab_env(&forge, &checkout, &repository, &repository.head);
    let critical = run(&checkout, &env, &strs(&job));
    assert_eq!(critical.code, 0, "{}", critical.stderr);
    assert!(
        critical.stderr.contains("opened thread"),
        "{}",
        critical.stderr
    );

    // The merge request now changes nothing: no critical finding any more.
    let checkout = repository.ci_checkout(&repository.base, "fixed");
    let env = gitlab_env(&forge, &checkout, &repository, &repository.base);
    let fixed = run(&checkout, &env, &strs(&job));
    assert_eq!(fixed.code, 2, "{}", fixed.stderr);
    assert!(
        fixed.stderr.contains("cannot update the critical-findings thread (`--gitlab-thread-on-critical`) on merge request !7"),
        "{}",
        fixed.stderr
    );
    assert!(
        fixed.stderr.contains("403 Forbidden")
            && fixed
                .stderr
                .contains("resolving a merge-request thread needs at least the Developer role"),
        "{}",
        fixed.stderr
    );
    assert!(!forge.threads()[0].resolved);
    let notes = forge.notes();
    let body = &marked(&notes)[0].body;
    assert!(
        body.contains("0 deleted") && !body.contains("CRITICAL"),
        "the comment is updated first: {body}"
    );
}

/// Another GitHub App's installation token cannot ask who it is either, and does not
/// write as `github-actions[bot]`: the job says which `--comment-author` to pass, and
/// with it keeps one comment.
#[test]
fn another_github_apps_token_is_named_with_comment_author() {
    let repository = Repository::new("github-app");
    let forge = FakeForge::github_app(TOKEN, "platform/fleet", 12, "preflight-app[bot]");
    let checkout = repository.ci_checkout(&repository.head, "checkout");
    let env = github_env(&forge, &repository.dir.0, &repository, &repository.head);
    let first = run(&checkout, &env, &strs(&job_args(&[])));
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(
        first.stderr.contains(
            "warning: the comment was written by `preflight-app[bot]`, not `github-actions[bot]`: pass `--comment-author preflight-app[bot]`"
        ),
        "{}",
        first.stderr
    );
    let named = run(
        &checkout,
        &env,
        &strs(&job_args(&["--comment-author", "preflight-app[bot]"])),
    );
    assert_eq!(named.code, 0, "{}", named.stderr);
    assert!(named.stderr.contains("left unchanged"), "{}", named.stderr);
    assert!(!named.stderr.contains("warning"), "{}", named.stderr);
    assert_eq!(marked(&forge.notes()).len(), 1);
}

#[test]
fn a_read_only_token_fails_the_job_with_the_reason() {
    let repository = Repository::new("forbidden");
    let forge = FakeForge::github(TOKEN, "platform/fleet", 12);
    forge.fail_next(fake_forge::Fault::new(
        "POST",
        403,
        r#"{"message":"Resource not accessible by integration","status":"403"}"#,
    ));
    let checkout = repository.ci_checkout(&repository.head, "checkout");
    let env = github_env(&forge, &repository.dir.0, &repository, &repository.head);
    let result = run(&checkout, &env, &strs(&job_args(&[])));
    assert_eq!(result.code, 2, "{}", result.stderr);
    assert!(
        result.stderr.contains(
            "cannot comment on pull request #12 of `platform/fleet` (token from `GITHUB_TOKEN`)"
        ),
        "{}",
        result.stderr
    );
    assert!(result
        .stderr
        .contains("Resource not accessible by integration"));
    assert!(result.stderr.contains("fork"), "{}", result.stderr);
    assert!(!result.stderr.contains(TOKEN));
    assert!(forge.notes().is_empty());
}

#[test]
fn a_missing_token_is_named() {
    let repository = Repository::new("no-token");
    let forge = FakeForge::gitlab(TOKEN, "42", 7);
    let checkout = repository.ci_checkout(&repository.head, "checkout");
    let mut env = gitlab_env(&forge, &checkout, &repository, &repository.head);
    env.remove("GITLAB_TOKEN");
    let result = run(&checkout, &env, &strs(&job_args(&[])));
    assert_eq!(result.code, 2);
    assert!(
        result
            .stderr
            .contains("the token variable `GITLAB_TOKEN` is not set"),
        "{}",
        result.stderr
    );
    assert!(forge.requests().is_empty());
}

/// A shallow single-branch checkout has neither the target branch nor the merge base:
/// `comment` fetches the branch and deepens until the histories meet.
#[test]
fn a_shallow_checkout_fetches_the_target_branch_and_the_merge_base() {
    let repository = Repository::new("shallow");
    let checkout = repository.ci_checkout(&repository.head, "checkout");
    let missing = Command::new("git")
        .arg("-C")
        .arg(&checkout)
        .args(["cat-file", "-e", &format!("{}^{{commit}}", repository.base)])
        .status()
        .unwrap();
    assert!(!missing.success(), "the merge base is not in the clone yet");
    let env = BTreeMap::new();
    let result = run(
        &checkout,
        &env,
        &strs(&job_args(&[
            "--provider",
            "gitlab",
            "--target-branch",
            "main",
            "--dry-run",
        ])),
    );
    assert_eq!(result.code, 0, "{}", result.stderr);
    assert!(
        result.stdout.ends_with(&format!(
            "<sub>Planned from `{}` (merge base with `main`) to `{}`.</sub>\n",
            short(&repository.base),
            short(&repository.head)
        )),
        "{}",
        result.stdout
    );
    assert_eq!(without_footer(&result.stdout), plan_of_directories());
}

#[test]
fn outside_ci_the_provider_is_asked_for() {
    let repository = Repository::new("outside");
    let checkout = repository.ci_checkout(&repository.head, "checkout");
    let result = run(
        &checkout,
        &BTreeMap::new(),
        &strs(&job_args(&["--dry-run"])),
    );
    assert_eq!(result.code, 2);
    assert!(
        result.stderr.contains("pass `--provider gitlab`"),
        "{}",
        result.stderr
    );
}

fn snapshot(name: &str, body: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!(name, body));
}

/// The incident's comment as each forge gets it, and shortened to a small budget.
#[test]
fn incident_comments_are_stable() {
    let repository = Repository::new("golden");
    let checkout = repository.ci_checkout(&repository.head, "checkout");
    let dry_run = |extra: &[&'static str], env: &BTreeMap<&str, String>| {
        let mut args = job_args(&["--target-branch", "main", "--dry-run"]);
        args.extend(extra.iter().map(|arg| arg.to_string()));
        let result = run(&checkout, env, &strs(&args));
        assert_eq!(result.code, 0, "{}", result.stderr);
        result.stdout
    };
    let none = BTreeMap::new();

    let github = dry_run(&["--provider", "github"], &none);
    assert!(github.len() <= 65_536);
    assert!(github.starts_with(&format!(
        "{MARKER}\n## 🛑 CRITICAL: 9 namespaces will stay Terminating on 3 clusters because APIService `v1beta1.metrics.k8s.io` loses its backend\n"
    )));
    assert!(
        github.contains("```mermaid\nflowchart TD"),
        "the deadlock diagram"
    );
    assert!(
        github.contains("for ctx in e1-k8s-lab-a e1-k8s-lab-b e1-k8s-test-a; do kubectl --context \"$ctx\" delete apiservice v1beta1.metrics.k8s.io; done")
    );
    snapshot("comment__rud-incident__github", &github);

    let gitlab = dry_run(&["--provider", "gitlab"], &none);
    assert!(gitlab.len() <= 1_000_000);
    snapshot("comment__rud-incident__gitlab", &gitlab);

    // Small budgets. In a GitHub workflow the note points at the job summary; whole
    // sections go, and the note names them.
    let forge = FakeForge::github(TOKEN, "platform/fleet", 12);
    let env = github_env(&forge, &repository.dir.0, &repository, &repository.head);
    let sections_cut = dry_run(&["--max-chars", "16000"], &env);
    let characters = sections_cut.chars().count();
    assert!(characters <= 16_000, "{characters} characters");
    assert!(sections_cut.contains("> **Shortened to fit the comment size limit**; the full report is in the job summary of [this workflow run](https://github.com/platform/fleet/actions/runs/4242). Left out: the diffs of 12 Applications;"), "{sections_cut}");
    assert_balanced(&sections_cut);
    snapshot("comment__rud-incident__16000", &sections_cut);
    assert!(forge.requests().is_empty(), "a dry run posts nothing");

    // In a GitLab job with a report file, it points at the job artifact; this budget
    // is smaller than the verdict with its findings, so the comment is cut between
    // them, outside any code block.
    let gitlab_forge = FakeForge::gitlab(TOKEN, "42", 7);
    let env = gitlab_env(&gitlab_forge, &checkout, &repository, &repository.head);
    let hard_cut = dry_run(
        &[
            "--max-chars",
            "8000",
            "--report-file",
            "preflight-report.md",
        ],
        &env,
    );
    let characters = hard_cut.chars().count();
    assert!(characters <= 8_000, "{characters} characters");
    assert!(hard_cut.contains("the full report is in the job artifact [`preflight-report.md`](https://gitlab.example.com/platform/fleet/-/jobs/901/artifacts/file/preflight-report.md)"), "{hard_cut}");
    assert_balanced(&hard_cut);
    snapshot("comment__rud-incident__8000", &hard_cut);
    assert!(
        gitlab_forge.requests().is_empty(),
        "a dry run posts nothing"
    );
}

#[track_caller]
fn assert_balanced(body: &str) {
    assert_eq!(
        body.matches("<details>").count(),
        body.matches("</details>").count()
    );
    assert_eq!(body.matches("```").count() % 2, 0);
}
