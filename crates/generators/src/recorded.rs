//! The generators that ask the network — SCM provider (rulebook 4.7), pull request (4.8)
//! and plugin (4.10) — evaluated from recorded answers ([`GeneratorResponses`]) with the
//! filters and parameters Argo CD applies. Without a matching answer the generator
//! cannot be evaluated offline, which is an error for the ApplicationSet.
//!
//! # The `--generator-response` file
//!
//! YAML or JSON, one object:
//!
//! ```yaml
//! responses:
//! - generator: pullRequest        # scmProvider | pullRequest | plugin
//!   applicationSet: previews      # optional: NAME or NAMESPACE/NAME
//!   request:                      # optional: fields the generator must have (after
//!     github: {owner: acme, repo: web}   # matrix interpolation); absent matches all
//!   pullRequests:                 # the open pull requests the provider lists
//!   - {number: 12, title: Fix, branch: fix-1, targetBranch: main,
//!      headSha: 0123456789abcdef, author: alice, labels: [preview]}
//! - generator: scmProvider
//!   repositories:                 # the repositories the provider lists
//!   - organization: acme
//!     repository: web
//!     repositoryId: 42            # number, string or null, as the provider types it
//!     url: https://github.com/acme/web.git   # the clone URL for `cloneProtocol`
//!     labels: [team-a]
//!     defaultBranch: main         # optional, else the first branch
//!     branches:
//!     - {name: main, sha: 0123456789abcdef, paths: [charts/web/Chart.yaml]}
//! - generator: plugin
//!   request: {configMapRef: {name: my-plugin}}
//!   output: {parameters: [{cluster: a}]}   # the plugin's response body
//! - generator: pullRequest
//!   request: {github: {repo: gone}}
//!   repositoryNotFound: true      # the provider answered "repository not found"
//! - generator: scmProvider
//!   error: rate limited           # the provider failed: the generator fails
//! ```
//!
//! The first response whose `generator`, `applicationSet` and `request` match answers.
//! `paths` lists every file of a branch (directories are implied), for `pathsExist` and
//! `pathsDoNotExist`.
//!
//! Filter patterns are compiled as Go's `regexp.Compile` reads them, through
//! [`preflight_gotmpl::regexp`] (the translation the template engine's regex functions
//! use). A pull request's `labels` follow each provider's service (see
//! `provider_labels`): a nil slice where GitHub's and Gitea's clients leave one.

use regex::Regex;
use serde_json::{Map, Value};

use crate::error::{type_name, FieldPath, GenerateError};
use crate::eval::Evaluator;
use crate::fields::list_of;
use crate::params::{flatten_object, sanitize_name, Mode, ParamSet};
use crate::slug::slug;
use crate::values::GeneratorValues;

/// Recorded answers of network generators, read from a `--generator-response` file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GeneratorResponses {
    responses: Vec<Response>,
}

#[derive(Debug, Clone, PartialEq)]
struct Response {
    generator: String,
    application_set: Option<String>,
    request: Value,
    answer: Value,
}

const KINDS: [&str; 3] = ["scmProvider", "pullRequest", "plugin"];

impl GeneratorResponses {
    /// No recorded answer at all.
    pub const fn new() -> GeneratorResponses {
        GeneratorResponses {
            responses: Vec::new(),
        }
    }

    /// Reads the file format documented in this module; the error names the field.
    pub fn from_value(value: &Value) -> Result<GeneratorResponses, String> {
        crate::check_depth(value, &crate::error::FieldPath::default())
            .map_err(|_| format!("nested deeper than {} levels", crate::MAX_DEPTH))?;
        let items = match value.get("responses") {
            Some(Value::Array(items)) => items,
            Some(other) => {
                return Err(format!(
                    "`responses` must be a list, found {}",
                    type_name(other)
                ))
            }
            None => return Err("expected an object with a `responses` list".to_string()),
        };
        let mut responses = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            let Value::Object(map) = item else {
                return Err(format!("responses[{index}]: must be an object"));
            };
            let generator = match map.get("generator") {
                Some(Value::String(kind)) if KINDS.contains(&kind.as_str()) => kind.clone(),
                _ => {
                    return Err(format!(
                        "responses[{index}].generator: must be `scmProvider`, `pullRequest` or `plugin`"
                    ))
                }
            };
            let application_set = match map.get("applicationSet") {
                None | Some(Value::Null) => None,
                Some(Value::String(name)) => Some(name.clone()),
                Some(_) => {
                    return Err(format!(
                        "responses[{index}].applicationSet: must be a string"
                    ))
                }
            };
            responses.push(Response {
                generator,
                application_set,
                request: map.get("request").cloned().unwrap_or(Value::Null),
                answer: item.clone(),
            });
        }
        Ok(GeneratorResponses { responses })
    }

    pub fn is_empty(&self) -> bool {
        self.responses.is_empty()
    }

    fn find(
        &self,
        kind: &str,
        appset: &str,
        namespace: Option<&str>,
        spec: &Value,
    ) -> Option<&Value> {
        self.responses
            .iter()
            .find(|response| {
                response.generator == kind
                    && response.application_set.as_deref().is_none_or(|wanted| {
                        wanted == appset
                            || namespace.is_some_and(|ns| wanted == format!("{ns}/{appset}"))
                    })
                    && (response.request.is_null() || is_subset(&response.request, spec))
            })
            .map(|response| &response.answer)
    }
}

/// Whether every field of `wanted` is in `actual` with the same value (objects
/// recursively, anything else equal).
fn is_subset(wanted: &Value, actual: &Value) -> bool {
    match (wanted, actual) {
        (Value::Object(wanted), Value::Object(actual)) => wanted.iter().all(|(key, value)| {
            actual
                .get(key)
                .is_some_and(|actual_value| is_subset(value, actual_value))
        }),
        (wanted, actual) => wanted == actual,
    }
}

/// The recorded answer for a generator, or the error that it cannot be evaluated offline.
fn answer<'e>(
    eval: &'e Evaluator,
    kind: &str,
    noun: &str,
    generator: &Map<String, Value>,
    path: &FieldPath,
) -> Result<&'e Value, GenerateError> {
    let spec = Value::Object(generator.clone());
    let found = eval
        .ctx
        .responses
        .find(kind, eval.appset.name, eval.appset.namespace, &spec)
        .ok_or_else(|| GenerateError::NotOffline {
            path: path.to_string(),
            message: format!(
                "the {noun} generator asks the network, so it cannot be evaluated offline; record its answer in a `--generator-response` file"
            ),
        })?;
    if let Some(error) = found.get("error").and_then(Value::as_str) {
        return Err(GenerateError::generator(
            path,
            format!("the recorded {noun} answer is an error: {error}"),
        ));
    }
    Ok(found)
}

/// A list in a recorded answer, absent or null meaning none; every recorded generator
/// reads its answer's list this way, and refuses anything else with the same message.
fn answer_list<'a>(
    list: Option<&'a Value>,
    noun: &str,
    field: &str,
    path: &FieldPath,
) -> Result<&'a [Value], GenerateError> {
    match list {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(GenerateError::generator(
            path,
            format!("the recorded {noun} answer's `{field}` is not a list"),
        )),
    }
}

/// A filter's regular expression, compiled as Go's `regexp.Compile` reads it (RE2, through
/// the template engine's one translation). The error is Argo CD's: the filter services
/// name the field and quote the pattern, and the generator adds `error listing repos: `
/// (argo-cd applicationset/services/scm_provider/utils.go and
/// services/pull_request/utils.go `compileFilters`; generators/scm_provider.go and
/// pull_request.go `GenerateParams`).
fn compile(
    pattern: Option<&Value>,
    go_field: &str,
    path: &FieldPath,
) -> Result<Option<Regex>, GenerateError> {
    match pattern {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => {
            preflight_gotmpl::regexp::compile(text)
                .map(Some)
                .map_err(|error| {
                    GenerateError::generator(
                        path,
                        format!(
                            "error listing repos: error compiling {go_field} regexp {}: {error}",
                            preflight_gotmpl::go_quote(text)
                        ),
                    )
                })
        }
        Some(other) => Err(GenerateError::wrong_type(path, "a string", other)),
    }
}

fn text_of(value: &Value, field: &str) -> String {
    match value.get(field) {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Number(number)) => number.to_string(),
        _ => String::new(),
    }
}

/// The strings of a list field, absent or anything else meaning none.
fn strings_of(list: Option<&Value>) -> Vec<String> {
    match list {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|item| item.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

/// The one provider block of an SCM provider or pull request generator.
fn provider<'g>(
    generator: &'g Map<String, Value>,
    providers: &[&str],
) -> Option<&'g Map<String, Value>> {
    providers
        .iter()
        .find_map(|name| generator.get(*name).and_then(Value::as_object))
}

fn first_chars(text: &str, count: usize) -> String {
    text.chars().take(count).collect()
}

const SCM_PROVIDERS: [&str; 7] = [
    "github",
    "gitlab",
    "gitea",
    "bitbucket",
    "bitbucketServer",
    "azureDevOps",
    "awsCodeCommit",
];

#[derive(Debug)]
struct ScmFilter {
    repository: Option<Regex>,
    label: Option<Regex>,
    branch: Option<Regex>,
    paths_exist: Vec<String>,
    paths_do_not_exist: Vec<String>,
    is_branch_filter: bool,
    is_repo_filter: bool,
}

/// One repository at one branch, as the SCM provider service returns it.
struct ScmRepo<'r> {
    record: &'r Value,
    branch: String,
    sha: String,
    paths: Vec<String>,
}

impl ScmFilter {
    fn matches(&self, repo: &ScmRepo) -> bool {
        let name = text_of(repo.record, "repository");
        if self
            .repository
            .as_ref()
            .is_some_and(|re| !re.is_match(&name))
        {
            return false;
        }
        if self
            .branch
            .as_ref()
            .is_some_and(|re| !re.is_match(&repo.branch))
        {
            return false;
        }
        if let Some(label) = &self.label {
            if !strings_of(repo.record.get("labels"))
                .iter()
                .any(|l| label.is_match(l))
            {
                return false;
            }
        }
        // The provider is asked for the path with trailing `/` trimmed
        // (services/scm_provider/utils.go `matchFilter`); the repository root (an empty
        // path) always exists.
        let has_path = |wanted: &str| {
            let wanted = wanted.trim_end_matches('/');
            wanted.is_empty()
                || repo.paths.iter().any(|path| {
                    path == wanted
                        || path
                            .strip_prefix(wanted)
                            .is_some_and(|rest| rest.starts_with('/'))
                })
        };
        self.paths_exist.iter().all(|p| has_path(p))
            && !self.paths_do_not_exist.iter().any(|p| has_path(p))
    }
}

pub(crate) fn scm_provider_params(
    eval: &Evaluator,
    generator: &Map<String, Value>,
    path: &FieldPath,
) -> Result<Vec<ParamSet>, GenerateError> {
    let values = GeneratorValues::read(eval, "scmProvider", generator, path)?;
    let filters = list_of(
        generator.get("filters"),
        &path.key("filters"),
        |item, item_path| {
            let present = |field: &str| item.get(field).is_some_and(|v| !v.is_null());
            Ok(ScmFilter {
                repository: compile(
                    item.get("repositoryMatch"),
                    "RepositoryMatch",
                    &item_path.key("repositoryMatch"),
                )?,
                label: compile(
                    item.get("labelMatch"),
                    "LabelMatch",
                    &item_path.key("labelMatch"),
                )?,
                branch: compile(
                    item.get("branchMatch"),
                    "BranchMatch",
                    &item_path.key("branchMatch"),
                )?,
                paths_exist: strings_of(item.get("pathsExist")),
                paths_do_not_exist: strings_of(item.get("pathsDoNotExist")),
                is_branch_filter: present("branchMatch")
                    || present("pathsExist")
                    || present("pathsDoNotExist"),
                is_repo_filter: present("repositoryMatch") || present("labelMatch"),
            })
        },
    )?;
    let all_branches = provider(generator, &SCM_PROVIDERS)
        .and_then(|block| block.get("allBranches"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let recorded = answer(eval, "scmProvider", "SCM provider", generator, path)?;
    let repositories = answer_list(
        recorded.get("repositories"),
        "SCM provider",
        "repositories",
        path,
    )?;

    // Repository filters first (any one matches), then branch filters on each branch.
    let repo_filters: Vec<&ScmFilter> = filters
        .iter()
        .filter(|f| f.is_repo_filter && !f.is_branch_filter)
        .collect();
    let branch_filters: Vec<&ScmFilter> = filters.iter().filter(|f| f.is_branch_filter).collect();
    let mut selected = Vec::new();
    for record in repositories {
        let branches: Vec<&Value> = record
            .get("branches")
            .and_then(Value::as_array)
            .map(|items| items.iter().collect())
            .unwrap_or_default();
        let default_branch = record
            .get("defaultBranch")
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| branches.first().map(|b| text_of(b, "name")))
            .unwrap_or_default();
        let listed = ScmRepo {
            record,
            branch: default_branch.clone(),
            sha: String::new(),
            paths: Vec::new(),
        };
        if !repo_filters.is_empty() && !repo_filters.iter().any(|f| f.matches(&listed)) {
            continue;
        }
        for branch in branches {
            let name = text_of(branch, "name");
            if !all_branches && name != default_branch {
                continue;
            }
            let repo = ScmRepo {
                record,
                branch: name,
                sha: text_of(branch, "sha"),
                paths: strings_of(branch.get("paths")),
            };
            if !branch_filters.is_empty() && !branch_filters.iter().any(|f| f.matches(&repo)) {
                continue;
            }
            selected.push(repo);
        }
    }

    let mut param_sets = Vec::with_capacity(selected.len());
    for repo in selected {
        let mut params = ParamSet::new();
        params.insert(
            "organization".into(),
            text_of(repo.record, "organization").into(),
        );
        params.insert(
            "repository".into(),
            text_of(repo.record, "repository").into(),
        );
        params.insert(
            "repository_id".into(),
            repo.record
                .get("repositoryId")
                .cloned()
                .unwrap_or(Value::Null),
        );
        params.insert("url".into(), text_of(repo.record, "url").into());
        params.insert(
            "branchNormalized".into(),
            sanitize_name(&repo.branch).into(),
        );
        params.insert("branch".into(), repo.branch.into());
        params.insert("short_sha".into(), first_chars(&repo.sha, 8).into());
        params.insert("short_sha_7".into(), first_chars(&repo.sha, 7).into());
        params.insert("sha".into(), repo.sha.into());
        params.insert(
            "labels".into(),
            strings_of(repo.record.get("labels")).join(",").into(),
        );
        values.append_to(&mut params)?;
        param_sets.push(params);
    }
    Ok(param_sets)
}

const PULL_REQUEST_PROVIDERS: [&str; 6] = [
    "github",
    "gitlab",
    "gitea",
    "bitbucketServer",
    "bitbucket",
    "azuredevops",
];

pub(crate) fn pull_request_params(
    eval: &Evaluator,
    generator: &Map<String, Value>,
    path: &FieldPath,
) -> Result<Vec<ParamSet>, GenerateError> {
    let values = GeneratorValues::read(eval, "pullRequest", generator, path)?;
    let filters: Vec<[Option<Regex>; 3]> = list_of(
        generator.get("filters"),
        &path.key("filters"),
        |item, item_path| {
            Ok([
                compile(
                    item.get("branchMatch"),
                    "BranchMatch",
                    &item_path.key("branchMatch"),
                )?,
                compile(
                    item.get("targetBranchMatch"),
                    "TargetBranchMatch",
                    &item_path.key("targetBranchMatch"),
                )?,
                compile(
                    item.get("titleMatch"),
                    "TitleMatch",
                    &item_path.key("titleMatch"),
                )?,
            ])
        },
    )?;
    let continue_on_not_found = generator
        .get("continueOnRepoNotFoundError")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let required_labels: Vec<String> = provider(generator, &PULL_REQUEST_PROVIDERS)
        .map(|block| strings_of(block.get("labels")))
        .unwrap_or_default();
    let pr_provider = PULL_REQUEST_PROVIDERS
        .iter()
        .copied()
        .find(|name| generator.get(*name).is_some_and(Value::is_object))
        .unwrap_or("github");

    let recorded = answer(eval, "pullRequest", "pull request", generator, path)?;
    if recorded.get("repositoryNotFound").and_then(Value::as_bool) == Some(true) {
        if continue_on_not_found {
            return Ok(Vec::new());
        }
        return Err(GenerateError::generator(
            path,
            "error listing repos: the recorded answer is \"repository not found\" and `continueOnRepoNotFoundError` is not set",
        ));
    }
    let pulls = answer_list(
        recorded.get("pullRequests"),
        "pull request",
        "pullRequests",
        path,
    )?;
    let mut param_sets = Vec::new();
    for pull in pulls {
        let branch = text_of(pull, "branch");
        let target = text_of(pull, "targetBranch");
        let title = text_of(pull, "title");
        let labels = strings_of(pull.get("labels"));
        // Providers that filter by labels list only pull requests carrying all of them.
        if !required_labels.iter().all(|wanted| labels.contains(wanted)) {
            continue;
        }
        let passes = filters.is_empty()
            || filters.iter().any(|[branch_re, target_re, title_re]| {
                branch_re.as_ref().is_none_or(|re| re.is_match(&branch))
                    && target_re.as_ref().is_none_or(|re| re.is_match(&target))
                    && title_re.as_ref().is_none_or(|re| re.is_match(&title))
            });
        if !passes {
            continue;
        }
        let sha = text_of(pull, "headSha");
        let number = match pull.get("number") {
            Some(Value::Number(number)) => number
                .as_i64()
                .map(|n| n.to_string())
                .unwrap_or_else(|| number.to_string()),
            Some(Value::String(text)) => text.clone(),
            _ => String::new(),
        };
        let mut params = ParamSet::new();
        params.insert("number".into(), number.into());
        params.insert("title".into(), title.into());
        params.insert("branch_slug".into(), slug(&branch).into());
        params.insert("branch".into(), branch.into());
        params.insert("target_branch_slug".into(), slug(&target).into());
        params.insert("target_branch".into(), target.into());
        params.insert("head_short_sha".into(), first_chars(&sha, 8).into());
        params.insert("head_short_sha_7".into(), first_chars(&sha, 7).into());
        params.insert("head_sha".into(), sha.into());
        params.insert("author".into(), text_of(pull, "author").into());
        // Pull request labels are given to goTemplate ApplicationSets only.
        if eval.mode() == Mode::Go {
            params.insert("labels".into(), provider_labels(pr_provider, pull, labels));
        }
        values.append_to(&mut params)?;
        param_sets.push(params);
    }
    Ok(param_sets)
}

/// A pull request's `labels` as each provider's service builds the Go slice
/// (argo-cd applicationset/services/pull_request/*.go): GitHub and Gitea append label
/// names to a nil slice, which stays nil (`null`) without labels; Bitbucket Cloud never
/// sets labels (nil); Bitbucket Server always gives an empty slice; Azure DevOps gives
/// an empty slice when the pull request has no tags; GitLab decodes the API's list as it
/// is. A nil `[]string` prints `[]` and marshals as `null` in templates.
fn provider_labels(provider: &str, pull: &Value, labels: Vec<String>) -> Value {
    let list = |labels: Vec<String>| Value::Array(labels.into_iter().map(Value::from).collect());
    match provider {
        "github" | "gitea" if labels.is_empty() => Value::Null,
        "bitbucket" => Value::Null,
        "bitbucketServer" => list(Vec::new()),
        "gitlab" if !matches!(pull.get("labels"), Some(Value::Array(_))) => Value::Null,
        _ => list(labels),
    }
}

pub(crate) fn plugin_params(
    eval: &Evaluator,
    generator: &Map<String, Value>,
    path: &FieldPath,
) -> Result<Vec<ParamSet>, GenerateError> {
    let values = GeneratorValues::read(eval, "plugin", generator, path)?;
    let input_parameters = generator
        .get("input")
        .and_then(|input| input.get("parameters"))
        .cloned()
        .unwrap_or(Value::Null);
    let recorded = answer(eval, "plugin", "plugin", generator, path)?;
    let objects = answer_list(
        recorded
            .get("output")
            .and_then(|output| output.get("parameters")),
        "plugin",
        "output.parameters",
        path,
    )?;
    let mut param_sets = Vec::with_capacity(objects.len());
    for object in objects {
        let Value::Object(map) = object else {
            return Err(GenerateError::generator(
                path,
                format!(
                    "the recorded plugin answer's `output.parameters` holds a {}, not an object",
                    type_name(object)
                ),
            ));
        };
        let mut params = match eval.mode() {
            Mode::Fast => flatten_object(map),
            Mode::Go => map.clone().into_iter().collect(),
        };
        let mut input = Map::new();
        input.insert("parameters".into(), input_parameters.clone());
        let mut generator_param = Map::new();
        generator_param.insert("input".into(), Value::Object(input));
        params.insert("generator".into(), Value::Object(generator_param));
        values.append_to(&mut params)?;
        param_sets.push(params);
    }
    Ok(param_sets)
}

#[cfg(test)]
mod tests {
    use super::*;
    use preflight_model::{ArgoSettings, Object};

    const RESPONSES: &str = r#"
responses:
- generator: pullRequest
  request: {github: {repo: web}}
  pullRequests:
  - {number: 1, title: "Fix ١٢ bugs", branch: "fix-١٢", targetBranch: main, headSha: "0123456789", author: a, labels: [preview]}
  - {number: 2, title: "Fix 12 bugs", branch: "fix-12", targetBranch: "release&&1", headSha: "abc", author: b}
  - {number: 3, title: "plan: café", branch: "feat_Ünïcode/x", targetBranch: "main", headSha: "fedcba9876543210", author: c, labels: []}
- generator: pullRequest
  request: {gitlab: {project: web}}
  pullRequests:
  - {number: 4, title: t, branch: b, targetBranch: main, headSha: "1", author: d, labels: []}
  - {number: 5, title: t, branch: c, targetBranch: main, headSha: "2", author: d}
- generator: pullRequest
  request: {bitbucketServer: {repo: web}}
  pullRequests:
  - {number: 6, title: t, branch: b, targetBranch: main, headSha: "1", author: d, labels: [x]}
- generator: pullRequest
  request: {azuredevops: {repo: web}}
  pullRequests:
  - {number: 7, title: t, branch: b, targetBranch: main, headSha: "1", author: d}
- generator: scmProvider
  request: {github: {organization: acme}}
  repositories:
  - {organization: acme, repository: "wéb", repositoryId: 1, url: u1, labels: ["team-١"],
     branches: [{name: main, sha: "0123456789abcdef", paths: [charts/web/Chart.yaml]}]}
  - {organization: acme, repository: "api2", repositoryId: 2, url: u2, labels: [team-2],
     branches: [{name: "rel-٣", sha: "abc", paths: []}, {name: main, sha: "def", paths: []}]}
"#;

    /// The names of the Applications a one-generator ApplicationSet generates from
    /// [`RESPONSES`], or its error.
    fn names(generator: &str, go_template: bool, name: &str) -> Result<Vec<String>, String> {
        let responses = GeneratorResponses::from_value(
            &serde_saphyr::from_str::<Value>(RESPONSES).expect("responses"),
        )
        .expect("response file");
        let appset = format!(
            "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {{name: set, namespace: argocd}}\nspec:\n  goTemplate: {go_template}\n  generators:\n  - {generator}\n  template:\n    metadata: {{name: '{name}'}}\n    spec: {{project: infra, destination: {{server: https://kubernetes.default.svc, namespace: x}}}}\n"
        );
        let settings = ArgoSettings::default();
        let mut ctx = crate::GenerationContext::new(&[], &settings);
        ctx.responses = &responses;
        let appset = Object::from_value(serde_saphyr::from_str(&appset).expect("appset"));
        crate::generate(&appset, &ctx)
            .map(|generated| {
                generated
                    .applications
                    .iter()
                    .map(|app| app.name().to_string())
                    .collect()
            })
            .map_err(|error| error.to_string())
    }

    #[track_caller]
    fn check(generator: &str, name: &str, expected: &[&str]) {
        let got = names(generator, true, name).unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(got, expected, "{generator}");
    }

    /// Filters are Go RE2 (`regexp.Compile` in argo-cd
    /// applicationset/services/pull_request/utils.go and scm_provider/utils.go): `\d`,
    /// `\w`, `\s`, `\b` are ASCII-only, `\Q…\E` is literal text, `&&` in a class is
    /// two characters.
    #[test]
    fn filters_read_go_regular_expressions() {
        let pr =
            |filter: &str| format!("pullRequest: {{github: {{repo: web}}, filters: [{filter}]}}");
        check(
            &pr(r"{branchMatch: '^fix-\d+$'}"),
            "pr-{{ .number }}",
            &["pr-2"],
        );
        check(&pr(r"{titleMatch: '^\w+: \w+$'}"), "pr-{{ .number }}", &[]);
        check(&pr(r"{titleMatch: '\bcaf'}"), "pr-{{ .number }}", &["pr-3"]);
        check(
            &pr(r"{titleMatch: '\Qplan:\E'}"),
            "pr-{{ .number }}",
            &["pr-3"],
        );
        check(
            &pr(r"{targetBranchMatch: '^release[&]&1$'}"),
            "pr-{{ .number }}",
            &["pr-2"],
        );
        check(
            &pr(r"{targetBranchMatch: '^release[a&&b]+1$'}"),
            "pr-{{ .number }}",
            &["pr-2"],
        );
        let scm = |filter: &str| {
            format!("scmProvider: {{github: {{organization: acme, allBranches: true}}, filters: [{filter}]}}")
        };
        check(
            &scm(r"{repositoryMatch: '^\w+$'}"),
            "{{ .repository }}-{{ .branch }}",
            &["api2-rel-٣", "api2-main"],
        );
        check(
            &scm(r"{labelMatch: 'team-\d'}"),
            "{{ .repository }}-{{ .branch }}",
            &["api2-rel-٣", "api2-main"],
        );
        check(
            &scm(r"{branchMatch: '-\d$'}"),
            "{{ .repository }}-{{ .branch }}",
            &[],
        );
    }

    /// A pattern Go cannot compile fails the generator with Argo CD's message
    /// (services/*/utils.go `compileFilters`, generators `error listing repos`).
    #[test]
    fn filter_compile_errors_read_as_argo_cd_writes_them() {
        assert_eq!(
            names("pullRequest: {github: {repo: web}, filters: [{titleMatch: '[a--b]'}]}", true, "x").unwrap_err(),
            "spec.generators[0].pullRequest.filters[0].titleMatch: error listing repos: error compiling TitleMatch regexp \"[a--b]\": error parsing regexp: invalid character class range: `[a--b]`"
        );
        assert_eq!(
            names("scmProvider: {github: {organization: acme}, filters: [{repositoryMatch: '(x'}]}", true, "x").unwrap_err(),
            "spec.generators[0].scmProvider.filters[0].repositoryMatch: error listing repos: error compiling RepositoryMatch regexp \"(x\": error parsing regexp: missing closing ): `(x`"
        );
    }

    /// `labels` as each provider's service builds the slice (argo-cd
    /// applicationset/services/pull_request/github.go `getGithubPRLabelNames`: nil without
    /// labels; gitlab.go: the API's list; bitbucket_server.go: always empty;
    /// azure_devops.go `convertLabels`: empty without tags).
    #[test]
    fn pull_request_labels_are_the_providers_slices() {
        let labels = "{{ .number }}-{{ toJson .labels }}-{{ len .labels }}-{{ .labels }}";
        check(
            "pullRequest: {github: {repo: web}}",
            labels,
            &[r#"1-["preview"]-1-[preview]"#, "2-null-0-[]", "3-null-0-[]"],
        );
        check(
            "pullRequest: {gitlab: {project: web}}",
            labels,
            &["4-[]-0-[]", "5-null-0-[]"],
        );
        check(
            "pullRequest: {bitbucketServer: {repo: web}}",
            labels,
            &["6-[]-0-[]"],
        );
        check(
            "pullRequest: {azuredevops: {repo: web}}",
            labels,
            &["7-[]-0-[]"],
        );
        // A post-selector sees the nil slice as Go's `%v` prints it.
        check(
            "pullRequest: {github: {repo: web}}\n    selector: {matchLabels: {labels: '[]'}}",
            "{{ .number }}",
            &["2", "3"],
        );
    }

    /// Parameters as generators/pull_request.go and scm_provider.go build them: slugs of
    /// at most 50 characters with `_` as `-`, short SHAs of at most 8 and 7 bytes.
    #[test]
    fn parameters_as_argo_cd_builds_them() {
        check(
            "pullRequest: {github: {repo: web}, filters: [{branchMatch: '^(fix-12|feat)'}]}",
            "{{ .branch_slug }}.{{ .head_short_sha }}.{{ .head_short_sha_7 }}.{{ .head_sha }}",
            &[
                "fix-12.abc.abc.abc",
                "feat-unicode-x.fedcba98.fedcba9.fedcba9876543210",
            ],
        );
        let scm = "scmProvider: {github: {organization: acme}}";
        check(
            scm,
            "{{ .repository }}.{{ .branchNormalized }}.{{ .short_sha }}.{{ .short_sha_7 }}.{{ .labels }}.{{ .repository_id }}",
            &["wéb.main.01234567.0123456.team-١.1", "api2.rel.abc.abc.team-2.2"],
        );
        // The repository root always exists (an empty path after trimming `/`).
        check(
            "scmProvider: {github: {organization: acme}, filters: [{pathsExist: ['/']}]}",
            "{{ .repository }}",
            &["wéb", "api2"],
        );
    }

    #[test]
    fn subset_matching() {
        let spec = serde_json::json!({"github": {"owner": "acme", "repo": "web"}, "requeueAfterSeconds": 30});
        assert!(is_subset(
            &serde_json::json!({"github": {"repo": "web"}}),
            &spec
        ));
        assert!(!is_subset(
            &serde_json::json!({"github": {"repo": "api"}}),
            &spec
        ));
        assert!(!is_subset(&serde_json::json!({"gitlab": {}}), &spec));
    }

    #[test]
    fn response_file_errors() {
        assert!(GeneratorResponses::from_value(&serde_json::json!({})).is_err());
        assert!(GeneratorResponses::from_value(
            &serde_json::json!({"responses": [{"generator": "git"}]})
        )
        .is_err());
        let ok = GeneratorResponses::from_value(
            &serde_json::json!({"responses": [{"generator": "plugin"}]}),
        )
        .unwrap();
        assert!(!ok.is_empty());
    }
}
