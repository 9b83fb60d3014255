//! The `comment` command: in a GitLab merge-request pipeline or a GitHub pull-request
//! workflow, run the plan between the merge base and the head of the merge request,
//! keep the full report in the job summary or a file, and create or update the one
//! argocd-preflight comment (`preflight-mr-comment`) with as much of it as the forge
//! accepts.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};

use preflight_mr_comment::{
    upsert_comment, CommentApi, Forge, GitHub, GitLab, HttpClient, HttpConfig, ThreadOutcome,
    Token, Upserted,
};
use preflight_report::{
    markdown_code, markdown_code_block, markdown_text, MarkdownReport, COMMENT_MARKER,
};
use preflight_simulator::{Outcome, Severity};

use crate::ci::{self, Base, CiContext, Env, Revisions};
use crate::FailOn;

/// The first line of the resolvable GitLab thread for critical findings. It does not
/// start with [`COMMENT_MARKER`], so the comment and the thread never match each other.
const THREAD_MARKER: &str = "<!-- argocd-preflight critical -->";

/// What the job summary takes: GitHub accepts up to 1 MiB per step (and aborts the
/// upload of a larger one), counting everything the step wrote to it.
const STEP_SUMMARY_MAX_BYTES: usize = 1_048_576;

/// Less room than this left in the job summary, and the report is not appended.
const STEP_SUMMARY_MIN_ROOM: usize = 4_096;

/// How many critical findings the GitLab thread lists before it counts the rest.
const THREAD_FINDINGS: usize = 30;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Provider {
    Gitlab,
    Github,
}

impl From<Provider> for Forge {
    fn from(provider: Provider) -> Forge {
        match provider {
            Provider::Gitlab => Forge::GitLab,
            Provider::Github => Forge::GitHub,
        }
    }
}

#[derive(Args)]
pub(crate) struct CommentArgs {
    /// Snapshot directory: one folder per cluster (a capture job's artifact, or files
    /// committed to a repository).
    #[arg(long, value_name = "DIR")]
    snapshot: PathBuf,
    /// The forge; detected from the CI environment when left out.
    #[arg(long, value_enum)]
    provider: Option<Provider>,
    /// The environment variable that holds the API token [default: `GITLAB_TOKEN` or
    /// `GITHUB_TOKEN`].
    #[arg(long, value_name = "NAME")]
    token_env: Option<String>,
    /// The username (GitLab) or login (GitHub) the token comments as; only its marked
    /// comment is updated [default: asked from the forge with `GET /user`; for GitHub's
    /// workflow token, which may not ask, `github-actions[bot]`].
    #[arg(long, value_name = "LOGIN")]
    comment_author: Option<String>,
    /// The forge's API [default: `CI_API_V4_URL` or `GITHUB_API_URL`].
    #[arg(long, value_name = "URL")]
    api_url: Option<String>,
    /// GitLab project id or path, or GitHub `owner/name` [default:
    /// `CI_MERGE_REQUEST_PROJECT_ID` or `GITHUB_REPOSITORY`].
    #[arg(long, visible_alias = "repository", value_name = "PROJECT")]
    project: Option<String>,
    /// Merge-request IID or pull-request number [default: from the pipeline or the
    /// event].
    #[arg(long = "mr", visible_alias = "pr", value_name = "NUMBER")]
    number: Option<u64>,
    /// The target branch whose merge base with head is the base [default: the merge
    /// request's].
    #[arg(long, value_name = "BRANCH", conflicts_with = "base_ref")]
    target_branch: Option<String>,
    /// Compare from this revision exactly, instead of the merge base.
    #[arg(long, value_name = "REV")]
    base_ref: Option<String>,
    /// The head revision [default: the merge request's head commit, else `HEAD`].
    #[arg(long, value_name = "REV")]
    head_ref: Option<String>,
    /// The git checkout to read revisions from.
    #[arg(long, value_name = "DIR", default_value = ".")]
    repo: PathBuf,
    /// The remote to fetch missing history from, when the checkout is shallow.
    #[arg(long, value_name = "NAME", default_value = "origin")]
    remote: String,
    /// Only read files whose path in the repository matches this glob; may be repeated.
    #[arg(long = "path", value_name = "GLOB")]
    paths: Vec<String>,
    #[command(flatten)]
    simulation: crate::SimulationArgs,
    #[command(flatten)]
    generation: crate::repos::GenerationArgs,
    /// A blast-radius gate: a change that deletes more than `N` of an ApplicationSet's
    /// live Applications (or more than `N%` of them) becomes a `high` finding
    /// `mass-deletion` that lists them.
    #[arg(long, value_name = "N|N%", allow_hyphen_values = true)]
    max_deletions: Option<preflight_simulator::DeletionLimit>,
    /// Fail the job (exit 1) when a finding has this severity or a higher one, and
    /// with 2 when an ApplicationSet cannot be evaluated; without it the job passes
    /// whatever the plan says.
    #[arg(long, value_enum)]
    fail_on: Option<FailOn>,
    /// On GitLab, also keep a resolvable thread open while there are critical
    /// findings (with "All threads must be resolved", it blocks the merge).
    #[arg(long)]
    gitlab_thread_on_critical: bool,
    /// Also write the full Markdown report here (for a job artifact).
    #[arg(long, value_name = "FILE")]
    report_file: Option<PathBuf>,
    /// The longest comment to post, in characters as the forges count them [default:
    /// the forge's limit, 1,000,000 on GitLab and 65,536 on GitHub].
    #[arg(long, value_name = "CHARS")]
    max_chars: Option<usize>,
    /// PEM certificates of a self-managed forge's certificate authority [default:
    /// `CI_SERVER_TLS_CA_FILE` on GitLab].
    #[arg(long, value_name = "FILE")]
    ca_file: Option<PathBuf>,
    /// Print the comment instead of posting it; no token needed.
    #[arg(long)]
    dry_run: bool,
}

pub(crate) fn run(args: &CommentArgs) -> Result<ExitCode> {
    let env = ci::process_env();
    let event = match env.get("GITHUB_EVENT_PATH") {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the GitHub event payload `{path}`"))?,
        ),
        None => None,
    };
    let forge = match args.provider {
        Some(provider) => Forge::from(provider),
        None => match ci::detect(&env, event.as_deref())? {
            Some((forge, _)) => forge,
            None => bail!(
                "cannot tell the forge: this is neither a GitLab merge-request pipeline nor a GitHub pull-request workflow; pass `--provider gitlab` or `--provider github`"
            ),
        },
    };
    let context = ci::context_for(&env, event.as_deref(), forge)?;

    let base = requested_base(args, &context)?;
    let head = requested_head(args, &context);

    // From here on a failure is a verdict too: the comment says the plan failed for
    // this commit, so that no earlier verdict stands for new code.
    let revisions = match ci::resolve_revisions(&args.repo, &args.remote, &base, &head) {
        Ok(revisions) => revisions,
        Err(error) => return report_failure(args, &env, forge, &context, None, &error),
    };
    let outcome = match plan(args, &revisions) {
        Ok(outcome) => outcome,
        Err(error) => return report_failure(args, &env, forge, &context, Some(&revisions), &error),
    };
    let footer = footer(args, &context, &revisions);
    // An ApplicationSet that cannot be evaluated fails the plan: the comment opens with
    // what could not be evaluated, then the plan of everything else.
    let heading = (!outcome.errors.is_empty())
        .then(|| evaluation_failure_heading(&outcome, &revisions.head_short));
    let heading_len = heading.as_deref().map_or(0, str::len);
    let with_heading = |report: String| match &heading {
        Some(heading) => {
            let rest = report
                .strip_prefix(COMMENT_MARKER)
                .map_or(report.as_str(), |rest| rest.trim_start_matches('\n'));
            format!("{heading}{rest}")
        }
        None => report,
    };

    let markdown = MarkdownReport::new(&outcome);

    if let Some(path) = &args.report_file {
        let full = with_footer(with_heading(markdown.limited(usize::MAX)), &footer);
        std::fs::write(path, full)
            .with_context(|| format!("cannot write the report to `{}`", path.display()))?;
    }
    let summary = match (forge, &context.step_summary) {
        (Forge::GitHub, Some(path)) => Some(path),
        _ => None,
    };
    // The report is rendered to a budget of bytes; the whole is at most that long.
    let render = |max_bytes: usize, pointer: &str| {
        with_footer(
            with_heading(markdown.comment(
                max_bytes.saturating_sub(heading_len + footer.len() + 1),
                pointer,
            )),
            &footer,
        )
    };
    if let Some(path) = summary {
        let pointer = full_report_pointer(forge, &context, args.report_file.as_deref(), false);
        // The limit counts what earlier commands of the step wrote too.
        let written = std::fs::metadata(path).map_or(0, |metadata| metadata.len());
        let room =
            STEP_SUMMARY_MAX_BYTES.saturating_sub(usize::try_from(written).unwrap_or(usize::MAX));
        if room < STEP_SUMMARY_MIN_ROOM {
            eprintln!(
                "warning: the job summary `{}` already holds {written} bytes of GitHub's 1 MiB; the report is not added to it",
                path.display()
            );
        } else {
            append(path, &render(room, &pointer))
                .with_context(|| format!("cannot write the job summary `{}`", path.display()))?;
        }
    }

    let pointer = full_report_pointer(
        forge,
        &context,
        args.report_file.as_deref(),
        summary.is_some(),
    );
    let limit = args.max_chars.unwrap_or(forge.comment_limit());
    let body = longest_within_characters(limit, |max_bytes| render(max_bytes, &pointer));

    if args.dry_run {
        print_comment(&body)?;
    } else {
        let mut stdout = std::io::stdout().lock();
        stdout
            .write_all(preflight_report::render_text(&outcome).as_bytes())
            .and_then(|()| stdout.flush())
            .context("cannot write the report to standard output")?;
        drop(stdout);
        // A failed plan cannot tell that the critical findings are gone: the thread is
        // updated while there are some, never resolved.
        let thread = match critical_thread(&outcome) {
            Some(thread) => Thread::Open(thread),
            None if outcome.errors.is_empty() => Thread::Resolve,
            None => Thread::LeaveAsIs,
        };
        post(args, &env, forge, &context, &body, thread)?;
    }

    Ok(match args.fail_on {
        Some(fail_on) => crate::exit_code(&outcome, fail_on),
        None if !outcome.errors.is_empty() => ExitCode::from(2),
        None => ExitCode::SUCCESS,
    })
}

/// The longest rendering that has at most `limit` characters, `render` being given a
/// budget of bytes. The forges count characters and the report counts bytes, so a
/// budget of `limit` bytes always fits but leaves room unused for every character
/// beyond ASCII; a character has at most 4 bytes, so the budget that fits best lies
/// between `limit` and four times it.
fn longest_within_characters(limit: usize, render: impl Fn(usize) -> String) -> String {
    let fits = |text: &str| text.chars().count() <= limit;
    let mut high = limit.saturating_mul(4);
    let widest = render(high);
    if fits(&widest) {
        return widest;
    }
    let mut low = limit;
    let mut best = render(low);
    high -= 1;
    while low < high {
        let middle = low + (high - low).div_ceil(2);
        let text = render(middle);
        if fits(&text) {
            low = middle;
            best = text;
        } else {
            high = middle - 1;
        }
    }
    best
}

fn print_comment(body: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(body.as_bytes())
        .and_then(|()| stdout.flush())
        .context("cannot write the comment to standard output")
}

/// How many evaluation errors the heading of a failed plan lists; all of them are
/// listed again at the end of the report.
const ERRORS_IN_HEADING: usize = 20;

/// The opening of a comment whose plan has ApplicationSets that could not be
/// evaluated: the failure is the verdict, with each file, ApplicationSet and message
/// (which names the field).
fn evaluation_failure_heading(outcome: &Outcome, head: &str) -> String {
    let count = outcome.errors.len();
    let mut heading = format!(
        "{COMMENT_MARKER}\n## ❌ FAILED: the plan of {} is incomplete: {count} {} could not be evaluated\n\n",
        markdown_code(head),
        if count == 1 { "ApplicationSet" } else { "ApplicationSets" },
    );
    heading.push_str(
        "Argo CD creates, updates and deletes nothing for an ApplicationSet it cannot evaluate, so this plan cannot say what merging does to it:\n\n",
    );
    for error in outcome.errors.iter().take(ERRORS_IN_HEADING) {
        let mut place = Vec::new();
        if let Some(file) = &error.file {
            place.push(markdown_code(file));
        }
        if let Some(application_set) = &error.application_set {
            place.push(format!("ApplicationSet {}", markdown_code(application_set)));
        }
        if place.is_empty() {
            heading.push_str(&format!("- {}\n", markdown_text(&error.message)));
        } else {
            heading.push_str(&format!(
                "- {}: {}\n",
                place.join(", "),
                markdown_text(&error.message)
            ));
        }
    }
    if count > ERRORS_IN_HEADING {
        heading.push_str(&format!(
            "- and {} more, listed at the end\n",
            count - ERRORS_IN_HEADING
        ));
    }
    heading.push_str("\nThe plan of everything else:\n\n");
    heading
}

/// The longest error text a failure comment quotes; the job log has all of it.
const MAX_ERROR_CHARS: usize = 20_000;

/// The plan could not be made at all (a revision that cannot be read, a manifest that
/// does not parse, a snapshot that cannot be loaded): the comment says so for the head
/// commit, with the error, and the job fails with 2.
fn report_failure(
    args: &CommentArgs,
    env: &Env,
    forge: Forge,
    context: &CiContext,
    revisions: Option<&Revisions>,
    error: &anyhow::Error,
) -> Result<ExitCode> {
    eprintln!("error: {}", crate::error_message(error));
    let (head, footer) = match revisions {
        Some(revisions) => (
            revisions.head_short.clone(),
            footer(args, context, revisions).replacen("Planned from", "Tried to plan from", 1),
        ),
        None => {
            let head = abbreviated(&requested_head(args, context));
            let footer = format!("<sub>Could not plan {}.</sub>\n", markdown_code(&head));
            (head, footer)
        }
    };
    let limit = args.max_chars.unwrap_or(forge.comment_limit());
    let mut body = format!(
        "{COMMENT_MARKER}\n## ❌ FAILED: no plan for {}\n\nargocd-preflight could not plan this merge request at {}, so nothing here predicts what merging it does, and no earlier verdict applies to it. Fix the error and push again:\n\n",
        markdown_code(&head),
        markdown_code(&head),
    );
    let room = limit.saturating_sub(body.chars().count() + footer.chars().count() + 64);
    let mut text = crate::error_message(error);
    let cut = room.min(MAX_ERROR_CHARS);
    if let Some((end, _)) = text.char_indices().nth(cut) {
        text.truncate(end);
        text.push('…');
    }
    body.push_str(&markdown_code_block("text", &text));
    body = with_footer(body, &footer);

    if let Some(path) = &args.report_file {
        std::fs::write(path, &body)
            .with_context(|| format!("cannot write the report to `{}`", path.display()))?;
    }
    if let (Forge::GitHub, Some(path)) = (forge, &context.step_summary) {
        append(path, &body)
            .with_context(|| format!("cannot write the job summary `{}`", path.display()))?;
    }
    if args.dry_run {
        print_comment(&body)?;
    } else {
        post(args, env, forge, context, &body, Thread::LeaveAsIs)
            .context("the plan failed, and the comment could not say so either")?;
    }
    Ok(ExitCode::from(2))
}

/// A full commit id shortened as the reports show commits; any other revision as given.
fn abbreviated(revision: &str) -> String {
    if revision.len() == 40 && revision.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        revision[..12].to_string()
    } else {
        revision.to_string()
    }
}

/// The head revision as asked for: the flag, the merge request's head commit, or `HEAD`.
fn requested_head(args: &CommentArgs, context: &CiContext) -> String {
    args.head_ref
        .clone()
        .or_else(|| context.head.clone())
        .unwrap_or_else(|| "HEAD".to_string())
}

/// Which base to compare from: a usage error when neither the flags nor the CI say.
fn requested_base(args: &CommentArgs, context: &CiContext) -> Result<Base> {
    Ok(match (&args.base_ref, &args.target_branch) {
        (Some(revision), _) => Base::Exact(revision.clone()),
        // A target branch given by hand wins over the commits the CI named.
        (None, Some(branch)) => Base::MergeBase {
            candidates: Vec::new(),
            target_branch: Some(branch.clone()),
        },
        (None, None) => {
            if context.base_candidates.is_empty() && context.target_branch.is_none() {
                bail!(
                    "cannot tell the base revision: not in a merge-request pipeline or pull-request workflow; pass `--target-branch BRANCH` or `--base-ref REV`"
                );
            }
            Base::MergeBase {
                candidates: context.base_candidates.clone(),
                target_branch: context.target_branch.clone(),
            }
        }
    })
}

fn plan(args: &CommentArgs, revisions: &Revisions) -> Result<Outcome> {
    crate::plan(
        &args.snapshot,
        &args.simulation,
        &args.generation,
        &crate::PlanRevisions::Git {
            repo: &args.repo,
            base: &revisions.base_short,
            head: &revisions.head_short,
            paths: &args.paths,
        },
        args.max_deletions,
    )
}

/// Which commits the comment is about: a comment updated in place must say how fresh
/// it is.
fn footer(args: &CommentArgs, context: &CiContext, revisions: &Revisions) -> String {
    let base = match (&args.base_ref, &args.target_branch, &context.target_branch) {
        (Some(_), _, _) => format!("`{}`", revisions.base_short),
        // A branch name may hold a backtick or an `@`: it is shown as code, escaped.
        (None, Some(branch), _) | (None, None, Some(branch)) => format!(
            "`{}` (merge base with {})",
            revisions.base_short,
            markdown_code(branch)
        ),
        (None, None, None) => format!("`{}` (merge base)", revisions.base_short),
    };
    format!(
        "<sub>Planned from {base} to `{}`.</sub>\n",
        revisions.head_short
    )
}

/// The report, a blank line (a footer right under a quoted line would continue the
/// quote), and the footer.
fn with_footer(mut report: String, footer: &str) -> String {
    if !report.ends_with("\n\n") {
        report.push('\n');
    }
    report.push_str(footer);
    report
}

/// Where the full report is, completing "the full report is …".
fn full_report_pointer(
    forge: Forge,
    context: &CiContext,
    report_file: Option<&Path>,
    in_step_summary: bool,
) -> String {
    if in_step_summary {
        return match &context.run_url {
            Some(url) => format!("in the job summary of [this workflow run]({url})"),
            None => "in this workflow run's job summary".to_string(),
        };
    }
    if let Some(path) = report_file {
        let relative = match &context.project_dir {
            Some(dir) if path.is_absolute() => path.strip_prefix(dir).ok(),
            _ if path.is_relative() => Some(path),
            _ => None,
        };
        let shown = relative.unwrap_or(path).display().to_string();
        return match (forge, &context.run_url, relative) {
            (Forge::GitLab, Some(job), Some(relative)) => format!(
                "in the job artifact [`{shown}`]({job}/artifacts/file/{})",
                relative.display()
            ),
            (Forge::GitLab, _, _) => format!("in the job artifact `{shown}`"),
            (Forge::GitHub, _, _) => format!("in `{shown}`, which this job writes"),
        };
    }
    "printed by `argocd-preflight plan --format markdown` with the same inputs".to_string()
}

fn append(path: &Path, text: &str) -> std::io::Result<()> {
    let mut file = OpenOptions::new().create(true).append(true).open(path)?;
    file.write_all(text.as_bytes())
}

/// What the GitLab thread for critical findings says after this run.
enum Thread {
    /// There are critical findings: this.
    Open(String),
    /// None any more: resolve it.
    Resolve,
    /// The plan failed and cannot tell.
    LeaveAsIs,
}

fn post(
    args: &CommentArgs,
    env: &Env,
    forge: Forge,
    context: &CiContext,
    body: &str,
    thread: Thread,
) -> Result<()> {
    let token_env = args.token_env.clone().unwrap_or_else(|| {
        match forge {
            Forge::GitLab => "GITLAB_TOKEN",
            Forge::GitHub => "GITHUB_TOKEN",
        }
        .to_string()
    });
    let Some(token) = env.get(&token_env) else {
        bail!(
            "the token variable `{token_env}` is not set: {}",
            match forge {
                Forge::GitLab => "add a masked CI/CD variable with a project access token (`api` scope; Reporter role, Developer with `--gitlab-thread-on-critical`), or name another variable with `--token-env`",
                Forge::GitHub => "pass it to the step with `env: GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}`, or name another variable with `--token-env`",
            }
        );
    };
    let token = Token::new(token.trim());
    let api_url = match (&args.api_url, &context.api_url, forge) {
        (Some(url), _, _) | (None, Some(url), _) => url.clone(),
        (None, None, Forge::GitHub) => "https://api.github.com".to_string(),
        (None, None, Forge::GitLab) => {
            bail!("cannot tell the GitLab API: pass `--api-url https://HOST/api/v4`")
        }
    };
    let project = match (&args.project, &context.project) {
        (Some(project), _) | (None, Some(project)) => project.clone(),
        (None, None) => bail!(
            "cannot tell the {}: pass `--project`",
            match forge {
                Forge::GitLab => "GitLab project",
                Forge::GitHub => "GitHub repository",
            }
        ),
    };
    let Some(number) = args.number.or(context.number) else {
        bail!("{}", ci::why_no_number(forge, env));
    };
    let ca_file = args.ca_file.clone().or_else(|| context.ca_file.clone());
    let ca_certificates_pem = match &ca_file {
        Some(path) => Some(
            std::fs::read(path)
                .with_context(|| format!("cannot read the CA certificates `{}`", path.display()))?,
        ),
        None => None,
    };
    let http = HttpClient::new(HttpConfig {
        ca_certificates_pem,
        ..HttpConfig::default()
    })?;
    let place = match forge {
        Forge::GitLab => format!("merge request !{number} of `{project}`"),
        Forge::GitHub => format!("pull request #{number} of `{project}`"),
    };
    let context_message = || format!("cannot comment on {place} (token from `{token_env}`)");
    match forge {
        Forge::GitLab => {
            let mut api = GitLab::new(http, token, &api_url, &project, number)?;
            if let Some(author) = &args.comment_author {
                api = api.with_author(author);
            }
            upsert(&api, body, &place).with_context(context_message)?;
            let thread = match thread {
                Thread::Open(body) => Some(body),
                Thread::Resolve => None,
                Thread::LeaveAsIs => return Ok(()),
            };
            if args.gitlab_thread_on_critical {
                let result = api
                    .sync_thread(THREAD_MARKER, thread.as_deref())
                    .with_context(|| {
                        format!("cannot update the critical-findings thread (`--gitlab-thread-on-critical`) on {place}")
                    })?;
                report_thread(&result);
            }
        }
        Forge::GitHub => {
            if args.gitlab_thread_on_critical {
                eprintln!("warning: `--gitlab-thread-on-critical` does nothing on GitHub");
            }
            let mut api = GitHub::new(http, token, &api_url, &project, number)?;
            if let Some(author) = &args.comment_author {
                api = api.with_author(author);
            }
            upsert(&api, body, &place).with_context(context_message)?;
        }
    }
    Ok(())
}

fn upsert(api: &dyn CommentApi, body: &str, place: &str) -> Result<()> {
    let upserted = upsert_comment(api, COMMENT_MARKER, body)?;
    let (what, comment) = match &upserted {
        Upserted::Created(comment) => ("created", comment),
        Upserted::Updated(comment) => ("updated", comment),
        Upserted::Unchanged(comment) => ("left unchanged", comment),
        Upserted::Recreated { comment, .. } => ("re-created (the old one was deleted)", comment),
    };
    let link = comment
        .url
        .as_deref()
        .map(|url| format!(": {url}"))
        .unwrap_or_default();
    eprintln!(
        "argocd-preflight: {what} comment {} on {place}{link}",
        comment.id
    );
    // The author is assumed for a GitHub installation token; another GitHub App's
    // comments are not `github-actions[bot]`'s, and the next run would not find this one.
    if let (Some(written_by), Ok(assumed)) = (&comment.author, api.author()) {
        if !written_by.eq_ignore_ascii_case(&assumed) {
            eprintln!(
                "warning: the comment was written by `{written_by}`, not `{assumed}`: pass `--comment-author {written_by}`, or the next run cannot find it and posts another"
            );
        }
    }
    Ok(())
}

/// The body of the GitLab thread while there are critical findings, else `None`.
fn critical_thread(outcome: &Outcome) -> Option<String> {
    let critical: Vec<_> = outcome
        .findings
        .iter()
        .filter(|finding| finding.severity == Severity::Critical)
        .collect();
    if critical.is_empty() {
        return None;
    }
    let mut body = format!(
        "{THREAD_MARKER}\n🛑 **argocd-preflight: {} critical {}.** Read them in the argocd-preflight comment, then resolve this thread.\n\n",
        critical.len(),
        if critical.len() == 1 { "finding" } else { "findings" }
    );
    // Cluster names and messages come from the manifests and the snapshot: escaped as
    // in the comment.
    for finding in critical.iter().take(THREAD_FINDINGS) {
        let message = markdown_text(&finding.message);
        let code = markdown_code(finding.code.as_str());
        if finding.clusters.is_empty() {
            body.push_str(&format!("- {code}: {message}\n"));
        } else {
            let clusters: Vec<String> = finding
                .clusters
                .iter()
                .map(|cluster| markdown_code(cluster))
                .collect();
            body.push_str(&format!("- {code} on {}: {message}\n", clusters.join(", ")));
        }
    }
    if critical.len() > THREAD_FINDINGS {
        body.push_str(&format!(
            "- and {} more\n",
            critical.len() - THREAD_FINDINGS
        ));
    }
    Some(body)
}

fn report_thread(outcome: &ThreadOutcome) {
    let text = match outcome {
        ThreadOutcome::Opened { discussion } => format!("opened thread {discussion}"),
        ThreadOutcome::Updated { discussion } => format!("updated thread {discussion}"),
        ThreadOutcome::Unchanged { discussion } => format!("left thread {discussion} unchanged"),
        ThreadOutcome::AlreadyResolved { discussion } => {
            format!("thread {discussion} was resolved with these findings; left it resolved")
        }
        ThreadOutcome::Resolved { discussions } => {
            format!(
                "resolved {} (no critical finding any more)",
                discussions.join(", ")
            )
        }
        ThreadOutcome::Nothing => return,
    };
    eprintln!("argocd-preflight: {text}");
}

#[cfg(test)]
mod tests {
    use preflight_simulator::{Finding, FindingCode, Outcome, Severity};

    use super::{critical_thread, longest_within_characters};

    #[test]
    fn the_critical_thread_shows_hostile_names_inert() {
        let outcome = Outcome {
            findings: vec![Finding {
                clusters: vec!["lab`a\u{202e}".to_string()],
                consequences: Vec::new(),
                cycle: false,
                root_cause: None,
                severity: Severity::Critical,
                code: FindingCode::StuckNamespace,
                cluster: Some("lab`a\u{202e}".to_string()),
                message: "@sre-team see https://evil.example [x](y) <b>".to_string(),
                remediation: Vec::new(),
                chain: Vec::new(),
            }],
            ..Outcome::default()
        };
        let thread = critical_thread(&outcome).unwrap();
        assert!(
            thread.ends_with("- `stuck-namespace` on ``lab`a\\u{202e}``: `@sre-team` see `https://evil.example` \\[x\\](y) \\<b\\>\n"),
            "{thread}"
        );
    }

    /// A report of `sections` sections of ten `é` (two bytes, one character) each,
    /// keeping the whole sections that fit `max_bytes`.
    fn sections(max_bytes: usize) -> String {
        let section = "é".repeat(10);
        (0..100)
            .map(|_| section.as_str())
            .take(max_bytes / section.len())
            .collect()
    }

    #[test]
    fn a_comment_fills_the_limit_in_characters_not_bytes() {
        // 100 sections are 1,000 characters and 2,000 bytes.
        assert_eq!(
            longest_within_characters(1_000, sections).chars().count(),
            1_000
        );
        assert_eq!(
            longest_within_characters(999, sections).chars().count(),
            990
        );
        assert_eq!(
            longest_within_characters(5_000, sections).chars().count(),
            1_000
        );
        assert_eq!(longest_within_characters(0, sections), "");
    }
}
