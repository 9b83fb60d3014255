//! Where the comment goes and which revisions to compare: read from the CI environment
//! (GitLab merge-request pipelines, GitHub `pull_request` workflows), then resolved to
//! commits with the `git` command line, fetching what a shallow checkout lacks.
//!
//! Reading the environment is pure: the functions take the variables as a map (and
//! GitHub's event payload as text), so tests need no CI.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde_json::Value;

use preflight_mr_comment::Forge;

/// Environment variables, empty values left out.
pub type Env = BTreeMap<String, String>;

/// The process environment, with non-UTF-8 values dropped and empty values left out
/// (CI systems set many variables to "" when they do not apply).
pub fn process_env() -> Env {
    std::env::vars_os()
        .filter_map(|(name, value)| Some((name.into_string().ok()?, value.into_string().ok()?)))
        .filter(|(_, value)| !value.is_empty())
        .collect()
}

/// What a CI job knows about the merge request it runs for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CiContext {
    pub api_url: Option<String>,
    /// GitLab: the project id (or path) the merge request belongs to; GitHub:
    /// `owner/name`.
    pub project: Option<String>,
    /// The merge request's IID, or the pull request's number.
    pub number: Option<u64>,
    pub target_branch: Option<String>,
    /// Commits of the target branch to take the merge base with, best first.
    pub base_candidates: Vec<String>,
    pub head: Option<String>,
    /// GitHub's `GITHUB_STEP_SUMMARY` file.
    pub step_summary: Option<PathBuf>,
    /// GitHub: this workflow run; GitLab: this job.
    pub run_url: Option<String>,
    /// GitLab: the job's project directory, where artifact paths start.
    pub project_dir: Option<PathBuf>,
    /// GitLab: the certificate authority of a self-managed instance.
    pub ca_file: Option<PathBuf>,
}

/// The forge of this CI job and what it says. Outside a merge-request pipeline or a
/// pull-request workflow the context has no number: [`why_no_number`] says how to run
/// the job for merge requests.
pub fn detect(env: &Env, github_event: Option<&str>) -> Result<Option<(Forge, CiContext)>> {
    if env.contains_key("GITLAB_CI") || env.contains_key("CI_MERGE_REQUEST_IID") {
        return gitlab(env).map(|context| Some((Forge::GitLab, context)));
    }
    if env.contains_key("GITHUB_ACTIONS") || env.contains_key("GITHUB_EVENT_NAME") {
        return github(env, github_event).map(|context| Some((Forge::GitHub, context)));
    }
    Ok(None)
}

/// What the CI of `forge` says; empty when the job runs elsewhere (flags then say all).
pub fn context_for(env: &Env, github_event: Option<&str>, forge: Forge) -> Result<CiContext> {
    match (forge, detect(env, github_event)?) {
        (_, Some((detected, context))) if detected == forge => Ok(context),
        _ => Ok(CiContext::default()),
    }
}

/// Why there is no merge-request number, and how to get one.
pub fn why_no_number(forge: Forge, env: &Env) -> String {
    match forge {
        Forge::GitLab if env.contains_key("GITLAB_CI") => format!(
            "this GitLab pipeline is not a merge-request pipeline (`CI_PIPELINE_SOURCE` is `{}`): run the job with `rules: - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"`, or pass `--mr`",
            env.get("CI_PIPELINE_SOURCE").map_or("unset", String::as_str)
        ),
        Forge::GitHub if env.contains_key("GITHUB_ACTIONS") => format!(
            "this GitHub workflow runs for `{}`, not for a pull request: trigger it `on: pull_request`, or pass `--pr`",
            env.get("GITHUB_EVENT_NAME").map_or("unset", String::as_str)
        ),
        Forge::GitLab => "not in a GitLab merge-request pipeline: pass `--mr IID`".to_string(),
        Forge::GitHub => "not in a GitHub pull-request workflow: pass `--pr NUMBER`".to_string(),
    }
}

/// A GitLab merge-request pipeline (`CI_PIPELINE_SOURCE=merge_request_event`), or
/// another GitLab pipeline, without a number.
pub fn gitlab(env: &Env) -> Result<CiContext> {
    let get = |name: &str| env.get(name).cloned();
    let number = parse_number("CI_MERGE_REQUEST_IID", env)?;
    // Merged-results pipelines and merge trains test the merge of source into target:
    // the target's tip is then the exact base. Otherwise the diff base is the merge base
    // GitLab computed when the merge request was last updated.
    let base_candidates = [
        "CI_MERGE_REQUEST_TARGET_BRANCH_SHA",
        "CI_MERGE_REQUEST_DIFF_BASE_SHA",
    ]
    .iter()
    .filter_map(|name| get(name))
    .collect();
    Ok(CiContext {
        api_url: get("CI_API_V4_URL"),
        project: get("CI_MERGE_REQUEST_PROJECT_ID").or_else(|| get("CI_PROJECT_ID")),
        number,
        target_branch: get("CI_MERGE_REQUEST_TARGET_BRANCH_NAME"),
        base_candidates,
        head: get("CI_COMMIT_SHA"),
        step_summary: None,
        run_url: get("CI_JOB_URL"),
        project_dir: get("CI_PROJECT_DIR").map(PathBuf::from),
        ca_file: get("CI_SERVER_TLS_CA_FILE").map(PathBuf::from),
    })
}

/// A GitHub `pull_request` or `pull_request_target` workflow, with its event payload
/// (the file `GITHUB_EVENT_PATH` names); for other events, what the environment says
/// without a number.
pub fn github(env: &Env, event: Option<&str>) -> Result<CiContext> {
    let get = |name: &str| env.get(name).cloned();
    let event_name = get("GITHUB_EVENT_NAME").unwrap_or_default();
    let for_pull_request = matches!(event_name.as_str(), "pull_request" | "pull_request_target");
    let payload: Value = match event {
        Some(text) if for_pull_request => serde_json::from_str(text)
            .context("cannot read the GitHub event payload (`GITHUB_EVENT_PATH`)")?,
        _ => Value::Null,
    };
    let pull_request = &payload["pull_request"];
    let text = |value: &Value| value.as_str().map(str::to_string);
    let run_url = match (
        get("GITHUB_SERVER_URL"),
        get("GITHUB_REPOSITORY"),
        get("GITHUB_RUN_ID"),
    ) {
        (Some(server), Some(repository), Some(run)) => Some(format!(
            "{}/{repository}/actions/runs/{run}",
            server.trim_end_matches('/')
        )),
        _ => None,
    };
    Ok(CiContext {
        api_url: get("GITHUB_API_URL"),
        project: get("GITHUB_REPOSITORY"),
        number: pull_request["number"]
            .as_u64()
            .or_else(|| payload["number"].as_u64()),
        target_branch: text(&pull_request["base"]["ref"]).or_else(|| get("GITHUB_BASE_REF")),
        base_candidates: text(&pull_request["base"]["sha"]).into_iter().collect(),
        head: text(&pull_request["head"]["sha"]),
        step_summary: get("GITHUB_STEP_SUMMARY").map(PathBuf::from),
        run_url,
        project_dir: None,
        ca_file: None,
    })
}

fn parse_number(name: &str, env: &Env) -> Result<Option<u64>> {
    match env.get(name) {
        Some(value) => value
            .trim()
            .parse()
            .map(Some)
            .with_context(|| format!("`{name}` is `{value}`, not a number")),
        None => Ok(None),
    }
}

/// The base revision: a revision as given, or the merge base of the target branch and
/// head (what the merge request changes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Base {
    Exact(String),
    MergeBase {
        /// Target-branch commits known from CI, best first.
        candidates: Vec<String>,
        target_branch: Option<String>,
    },
}

/// The two commits to compare.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revisions {
    pub base: String,
    pub head: String,
    /// Abbreviated, unambiguous in the repository: what reports show.
    pub base_short: String,
    pub head_short: String,
}

/// How much history each attempt fetches when a shallow checkout lacks the merge base;
/// the last resort is the whole history.
const DEEPEN_STEPS: [u32; 2] = [50, 500];

/// Resolves `base` and `head` to commits of `repo`, fetching from `remote` what a
/// shallow or single-branch checkout lacks.
pub fn resolve_revisions(repo: &Path, remote: &str, base: &Base, head: &str) -> Result<Revisions> {
    let git = Git { repo, remote };
    let head = git.ensure_commit(head)?;
    let base = match base {
        Base::Exact(revision) => git.ensure_commit(revision)?,
        Base::MergeBase {
            candidates,
            target_branch,
        } => {
            let tip = git.target_tip(candidates, target_branch.as_deref())?;
            git.merge_base(&tip, &head, target_branch.as_deref())?
        }
    };
    Ok(Revisions {
        base_short: git.short(&base)?,
        head_short: git.short(&head)?,
        base,
        head,
    })
}

struct Git<'a> {
    repo: &'a Path,
    remote: &'a str,
}

impl Git<'_> {
    fn run(&self, args: &[&str]) -> Result<String> {
        let output = crate::git::git(self.repo, args)?;
        Ok(String::from_utf8_lossy(&output).trim().to_string())
    }

    fn commit(&self, revision: &str) -> Option<String> {
        self.run(&[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{revision}^{{commit}}"),
        ])
        .ok()
        .filter(|sha| !sha.is_empty())
    }

    fn short(&self, sha: &str) -> Result<String> {
        self.run(&["rev-parse", "--short=12", sha])
    }

    fn is_shallow(&self) -> Result<bool> {
        Ok(self.run(&["rev-parse", "--is-shallow-repository"])? == "true")
    }

    /// `git fetch` without tags; shallow checkouts stay shallow (`--depth`).
    fn fetch(&self, refspec: &str) -> Result<()> {
        let mut args = vec!["fetch", "--quiet", "--no-tags"];
        if self.is_shallow()? {
            args.push("--depth=50");
        }
        args.extend([self.remote, refspec]);
        self.run(&args).map(|_| ())
    }

    /// The commit of `revision`, fetched from the remote when the checkout lacks it (a
    /// commit id, or a branch of the remote).
    fn ensure_commit(&self, revision: &str) -> Result<String> {
        if let Some(sha) = self.commit(revision) {
            return Ok(sha);
        }
        self.fetch(revision).with_context(|| {
            format!(
                "the checkout has no commit `{revision}` and cannot fetch it from `{}`",
                self.remote
            )
        })?;
        self.commit(revision)
            .or_else(|| self.commit("FETCH_HEAD"))
            .with_context(|| format!("`{revision}` is not a commit of `{}`", self.repo.display()))
    }

    /// The target branch's commit to take the merge base with: the first CI-provided
    /// commit the checkout has or can fetch, else the remote-tracking branch, fetched.
    fn target_tip(&self, candidates: &[String], target_branch: Option<&str>) -> Result<String> {
        for candidate in candidates {
            if let Some(sha) = self.commit(candidate) {
                return Ok(sha);
            }
        }
        if let Some(branch) = target_branch {
            let tracking = format!("refs/remotes/{}/{branch}", self.remote);
            if let Some(sha) = self.commit(&tracking) {
                if candidates.is_empty() {
                    return Ok(sha);
                }
            }
            self.fetch(&format!("+refs/heads/{branch}:{tracking}"))
                .with_context(|| format!("cannot fetch the target branch `{branch}`"))?;
            for candidate in candidates {
                if let Some(sha) = self.commit(candidate) {
                    return Ok(sha);
                }
            }
            if let Some(sha) = self.commit(&tracking) {
                return Ok(sha);
            }
        }
        for candidate in candidates {
            if self.fetch(candidate).is_ok() {
                if let Some(sha) = self.commit(candidate) {
                    return Ok(sha);
                }
            }
        }
        bail!("cannot tell the base revision: give `--target-branch` or `--base-ref`")
    }

    /// `git merge-base`, deepening a shallow checkout until the histories meet.
    fn merge_base(&self, tip: &str, head: &str, target_branch: Option<&str>) -> Result<String> {
        let refspec = target_branch
            .map(|branch| format!("+refs/heads/{branch}:refs/remotes/{}/{branch}", self.remote));
        let mut deepen = DEEPEN_STEPS.iter();
        loop {
            if let Ok(base) = self.run(&["merge-base", tip, head]) {
                if !base.is_empty() {
                    return Ok(base);
                }
            }
            if !self.is_shallow()? {
                bail!(
                    "`{tip}` and `{head}` have no common ancestor in `{}`",
                    self.repo.display()
                );
            }
            let mut args = vec![
                "fetch".to_string(),
                "--quiet".to_string(),
                "--no-tags".to_string(),
            ];
            match deepen.next() {
                Some(step) => args.push(format!("--deepen={step}")),
                None => args.push("--unshallow".to_string()),
            }
            args.push(self.remote.to_string());
            args.extend(refspec.clone());
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            self.run(&args)
                .context("cannot fetch the history that holds the merge base")?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        pairs
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect()
    }

    const GITLAB_MR: &[(&str, &str)] = &[
        ("GITLAB_CI", "true"),
        ("CI_PIPELINE_SOURCE", "merge_request_event"),
        ("CI_API_V4_URL", "https://gitlab.example.com/api/v4"),
        ("CI_PROJECT_ID", "7"),
        ("CI_MERGE_REQUEST_PROJECT_ID", "42"),
        ("CI_MERGE_REQUEST_IID", "17"),
        ("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main"),
        ("CI_MERGE_REQUEST_DIFF_BASE_SHA", "b0b0"),
        ("CI_COMMIT_SHA", "4e4d"),
        ("CI_JOB_URL", "https://gitlab.example.com/g/p/-/jobs/9"),
        ("CI_PROJECT_DIR", "/builds/g/p"),
    ];

    #[test]
    fn gitlab_merge_request_pipelines() {
        let (forge, context) = detect(&env(GITLAB_MR), None).unwrap().unwrap();
        assert_eq!(forge, Forge::GitLab);
        assert_eq!(
            context,
            CiContext {
                api_url: Some("https://gitlab.example.com/api/v4".to_string()),
                project: Some("42".to_string()),
                number: Some(17),
                target_branch: Some("main".to_string()),
                base_candidates: vec!["b0b0".to_string()],
                head: Some("4e4d".to_string()),
                step_summary: None,
                run_url: Some("https://gitlab.example.com/g/p/-/jobs/9".to_string()),
                project_dir: Some(PathBuf::from("/builds/g/p")),
                ca_file: None,
            }
        );

        let mut merged_results = env(GITLAB_MR);
        merged_results.insert("CI_MERGE_REQUEST_TARGET_BRANCH_SHA".into(), "7a7a".into());
        let (_, context) = detect(&merged_results, None).unwrap().unwrap();
        assert_eq!(context.base_candidates, ["7a7a", "b0b0"]);
    }

    #[test]
    fn a_branch_pipeline_says_how_to_run_for_merge_requests() {
        let push = env(&[("GITLAB_CI", "true"), ("CI_PIPELINE_SOURCE", "push")]);
        let (forge, context) = detect(&push, None).unwrap().unwrap();
        assert_eq!((forge, context.number), (Forge::GitLab, None));
        let why = why_no_number(forge, &push);
        assert!(why.contains("`push`"), "{why}");
        assert!(why.contains("merge_request_event"), "{why}");
    }

    const GITHUB_PR: &[(&str, &str)] = &[
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_EVENT_NAME", "pull_request"),
        ("GITHUB_API_URL", "https://api.github.com"),
        ("GITHUB_SERVER_URL", "https://github.com"),
        ("GITHUB_REPOSITORY", "platform/fleet"),
        ("GITHUB_RUN_ID", "123"),
        ("GITHUB_STEP_SUMMARY", "/tmp/summary.md"),
        ("GITHUB_BASE_REF", "main"),
    ];

    const EVENT: &str = r#"{"action":"synchronize","number":5,"pull_request":{"number":5,
        "base":{"ref":"main","sha":"ba5e"},"head":{"ref":"feature","sha":"4ead"}}}"#;

    #[test]
    fn github_pull_request_workflows() {
        let (forge, context) = detect(&env(GITHUB_PR), Some(EVENT)).unwrap().unwrap();
        assert_eq!(forge, Forge::GitHub);
        assert_eq!(
            context,
            CiContext {
                api_url: Some("https://api.github.com".to_string()),
                project: Some("platform/fleet".to_string()),
                number: Some(5),
                target_branch: Some("main".to_string()),
                base_candidates: vec!["ba5e".to_string()],
                head: Some("4ead".to_string()),
                step_summary: Some(PathBuf::from("/tmp/summary.md")),
                run_url: Some("https://github.com/platform/fleet/actions/runs/123".to_string()),
                project_dir: None,
                ca_file: None,
            }
        );
        let mut target = env(GITHUB_PR);
        target.insert("GITHUB_EVENT_NAME".into(), "pull_request_target".into());
        assert!(detect(&target, Some(EVENT)).unwrap().is_some());
    }

    #[test]
    fn a_push_workflow_says_how_to_run_for_pull_requests() {
        let mut push = env(GITHUB_PR);
        push.insert("GITHUB_EVENT_NAME".into(), "push".into());
        let (forge, context) = detect(&push, Some(r#"{"ref":"refs/heads/main"}"#))
            .unwrap()
            .unwrap();
        assert_eq!((forge, context.number), (Forge::GitHub, None));
        let why = why_no_number(forge, &push);
        assert!(why.contains("on: pull_request"), "{why}");
    }

    #[test]
    fn outside_ci_nothing_is_detected() {
        assert_eq!(detect(&env(&[("HOME", "/root")]), None).unwrap(), None);
        let context = context_for(&env(GITLAB_MR), None, Forge::GitHub).unwrap();
        assert_eq!(
            context,
            CiContext::default(),
            "flags say all for another forge"
        );
    }
}
