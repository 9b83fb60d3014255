//! Repository contents for git generators, read from local checkouts with the `git`
//! command line: the plan's own repository at the base or head revision, and other
//! repositories given as `--git-repo URL=DIR[@REV]`.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{bail, Context, Result};

use preflight_generators::RepoFiles;

use crate::git::git;

/// One `--git-repo URL=DIR[@REV]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkout {
    /// The `repoURL` as written, and normalised for matching.
    pub url: String,
    key: String,
    pub dir: PathBuf,
    /// Read this revision whatever the generator asks for.
    pub revision: Option<String>,
}

impl Checkout {
    /// Parses `URL=DIR[@REV]`.
    pub fn parse(text: &str) -> Result<Checkout> {
        let Some((url, rest)) = text.split_once('=') else {
            bail!("`--git-repo {text}`: expected `URL=DIR` or `URL=DIR@REV`");
        };
        let (dir, revision) = match rest.rsplit_once('@') {
            Some((dir, revision)) if !dir.is_empty() && !revision.is_empty() => {
                (dir, Some(revision.to_string()))
            }
            _ => (rest, None),
        };
        if url.is_empty() || dir.is_empty() {
            bail!("`--git-repo {text}`: expected `URL=DIR` or `URL=DIR@REV`");
        }
        Ok(Checkout {
            url: url.to_string(),
            key: normalize_url(url),
            dir: PathBuf::from(dir),
            revision,
        })
    }
}

/// The plan's own repository, read at one side's revision.
#[derive(Debug, Clone)]
pub struct PlanRepo {
    pub dir: PathBuf,
    /// Normalised URLs that name it (`origin`'s, and `--git-repo` entries pointing at it).
    keys: Vec<String>,
    /// The revision of this side (`--base-ref` or `--head-ref`).
    pub revision: String,
    /// The branch the change merges into, from `--base-ref` (`origin/main` gives `main`):
    /// a generator revision naming it reads this side's revision.
    target_branch: String,
}

impl PlanRepo {
    /// The repository in `dir`, named by its `origin` URL, read at `revision`; `base_ref`
    /// names the branch the change merges into.
    pub fn new(dir: &Path, revision: &str, base_ref: &str) -> PlanRepo {
        let mut keys = Vec::new();
        if let Ok(url) = git(dir, &["remote", "get-url", "origin"]) {
            let url = String::from_utf8_lossy(&url).trim().to_string();
            if !url.is_empty() {
                keys.push(normalize_url(&url));
            }
        }
        let target_branch = base_ref
            .trim_start_matches("refs/remotes/")
            .trim_start_matches("refs/heads/")
            .trim_start_matches("origin/")
            .to_string();
        PlanRepo {
            dir: dir.to_path_buf(),
            keys,
            revision: revision.to_string(),
            target_branch,
        }
    }
}

/// [`RepoFiles`] over local checkouts.
pub struct GitRepos {
    plan_repo: Option<PlanRepo>,
    checkouts: Vec<Checkout>,
    cache: Arc<Mutex<Cache>>,
}

#[derive(Default)]
struct Cache {
    /// (checkout, revision as asked) to commit.
    commits: HashMap<(PathBuf, String), String>,
    /// (checkout, commit) to its files.
    trees: HashMap<(PathBuf, String), Arc<Tree>>,
    /// (checkout, commit, path) to contents.
    blobs: HashMap<(PathBuf, String, String), Arc<Vec<u8>>>,
}

struct Tree {
    files: Vec<String>,
    symlinks: HashSet<String>,
}

impl GitRepos {
    /// `plan_repo` serves its URLs at its revision; `checkouts` serve theirs. Two values
    /// made with [`GitRepos::sharing`] share what they read.
    pub fn new(plan_repo: Option<PlanRepo>, checkouts: Vec<Checkout>) -> GitRepos {
        let mut plan_repo = plan_repo;
        let mut others = Vec::new();
        for checkout in checkouts {
            match plan_repo.as_mut() {
                Some(plan) if same_dir(&checkout.dir, &plan.dir) && checkout.revision.is_none() => {
                    plan.keys.push(checkout.key.clone());
                }
                _ => others.push(checkout),
            }
        }
        GitRepos {
            plan_repo,
            checkouts: others,
            cache: Arc::default(),
        }
    }

    /// The same checkouts, the plan repository read at `revision`, sharing the cache.
    pub fn sharing(&self, revision: &str) -> GitRepos {
        GitRepos {
            plan_repo: self.plan_repo.clone().map(|mut plan| {
                plan.revision = revision.to_string();
                plan
            }),
            checkouts: self.checkouts.clone(),
            cache: Arc::clone(&self.cache),
        }
    }

    /// The checkout and the revision to read for a generator's `repoURL` and `revision`.
    fn locate(&self, repo_url: &str, revision: &str) -> Result<(PathBuf, String), String> {
        let key = normalize_url(repo_url);
        if let Some(checkout) = self.checkouts.iter().find(|c| c.key == key) {
            let wanted = checkout
                .revision
                .clone()
                .unwrap_or_else(|| revision.to_string());
            return Ok((checkout.dir.clone(), wanted));
        }
        if let Some(plan) = self.plan_repo.as_ref().filter(|p| p.keys.contains(&key)) {
            let merges =
                revision.is_empty() || revision == "HEAD" || revision == plan.target_branch;
            let wanted = if merges {
                plan.revision.clone()
            } else {
                revision.to_string()
            };
            return Ok((plan.dir.clone(), wanted));
        }
        Err(format!(
            "no checkout of repository `{repo_url}` was given; pass `--git-repo {repo_url}=DIR` with a local clone of it"
        ))
    }

    /// Resolves a revision to a commit in `dir`, as Argo CD would: empty and `HEAD` are
    /// the checked-out commit; a branch may exist only as `origin/<branch>`.
    fn commit(&self, dir: &Path, revision: &str) -> Result<String, String> {
        let key = (dir.to_path_buf(), revision.to_string());
        if let Some(commit) = self.lock().commits.get(&key) {
            return Ok(commit.clone());
        }
        let wanted = if revision.is_empty() {
            "HEAD"
        } else {
            revision
        };
        let candidates = [
            wanted.to_string(),
            format!("origin/{wanted}"),
            format!("refs/tags/{wanted}"),
        ];
        for candidate in &candidates {
            let spec = format!("{candidate}^{{commit}}");
            if let Ok(out) = git(dir, &["rev-parse", "--verify", "--quiet", &spec]) {
                let commit = String::from_utf8_lossy(&out).trim().to_string();
                if !commit.is_empty() {
                    self.lock().commits.insert(key, commit.clone());
                    return Ok(commit);
                }
            }
        }
        Err(format!(
            "revision `{wanted}` does not exist in the checkout `{}`",
            dir.display()
        ))
    }

    fn tree(&self, dir: &Path, commit: &str) -> Result<Arc<Tree>, String> {
        let key = (dir.to_path_buf(), commit.to_string());
        if let Some(tree) = self.lock().trees.get(&key) {
            return Ok(Arc::clone(tree));
        }
        let listing = git(dir, &["ls-tree", "-r", "-z", "--full-tree", commit])
            .map_err(|error| format!("{error:#}"))?;
        let mut files = Vec::new();
        let mut symlinks = HashSet::new();
        for entry in listing.split(|b| *b == 0).filter(|e| !e.is_empty()) {
            let entry = String::from_utf8_lossy(entry);
            // `<mode> <type> <object>\t<path>`; submodules (`commit`) are not files.
            let Some((meta, path)) = entry.split_once('\t') else {
                continue;
            };
            let mut fields = meta.split(' ');
            let (mode, kind) = (fields.next().unwrap_or(""), fields.next().unwrap_or(""));
            if kind != "blob" {
                continue;
            }
            if mode == "120000" {
                symlinks.insert(path.to_string());
            }
            files.push(path.to_string());
        }
        let tree = Arc::new(Tree { files, symlinks });
        self.lock().trees.insert(key, Arc::clone(&tree));
        Ok(tree)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Cache> {
        self.cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl RepoFiles for GitRepos {
    fn files(&self, repo_url: &str, revision: &str) -> Result<Vec<String>, String> {
        let (dir, wanted) = self.locate(repo_url, revision)?;
        let commit = self.commit(&dir, &wanted)?;
        Ok(self.tree(&dir, &commit)?.files.clone())
    }

    fn read(&self, repo_url: &str, revision: &str, paths: &[&str]) -> Result<Vec<Vec<u8>>, String> {
        let (dir, wanted) = self.locate(repo_url, revision)?;
        let commit = self.commit(&dir, &wanted)?;
        let tree = self.tree(&dir, &commit)?;
        // A symbolic link is read through, as the repo server reads the checkout.
        let mut targets = Vec::with_capacity(paths.len());
        for path in paths {
            let mut target = path.to_string();
            for _ in 0..8 {
                if !tree.symlinks.contains(&target) {
                    break;
                }
                let link = read_blobs(&dir, &commit, std::slice::from_ref(&target))?.remove(0);
                target =
                    resolve_link(&target, &String::from_utf8_lossy(&link)).ok_or_else(|| {
                        format!("`{path}` is a symbolic link that leaves the repository")
                    })?;
            }
            targets.push(target);
        }
        let missing: Vec<String> = {
            let cache = self.lock();
            targets
                .iter()
                .filter(|t| {
                    !cache
                        .blobs
                        .contains_key(&(dir.clone(), commit.clone(), (*t).clone()))
                })
                .cloned()
                .collect()
        };
        if !missing.is_empty() {
            let contents = read_blobs(&dir, &commit, &missing)?;
            let mut cache = self.lock();
            for (path, bytes) in missing.into_iter().zip(contents) {
                cache
                    .blobs
                    .insert((dir.clone(), commit.clone(), path), Arc::new(bytes));
            }
        }
        let cache = self.lock();
        Ok(targets
            .iter()
            .map(|t| {
                cache
                    .blobs
                    .get(&(dir.clone(), commit.clone(), t.clone()))
                    .map(|bytes| bytes.as_ref().clone())
                    .unwrap_or_default()
            })
            .collect())
    }
}

/// [`crate::git::read_blobs`] with the error as the generators take it.
fn read_blobs(dir: &Path, commit: &str, paths: &[String]) -> Result<Vec<Vec<u8>>, String> {
    crate::git::read_blobs(dir, commit, paths).map_err(|error| format!("{error:#}"))
}

/// The repository path a symbolic link at `link` pointing at `target` names.
fn resolve_link(link: &str, target: &str) -> Option<String> {
    if target.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = link.split('/').collect();
    parts.pop();
    for part in target.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// A repository URL reduced to what identifies the repository: no scheme, no user, no
/// trailing `/` or `.git`, `host:path` written `host/path`, lowercase.
pub fn normalize_url(url: &str) -> String {
    let mut text = url.trim().to_ascii_lowercase();
    let had_scheme = text.contains("://");
    if let Some((_, rest)) = text.split_once("://") {
        text = rest.to_string();
    }
    let (authority, path) = match text.find('/') {
        Some(slash) => (text[..slash].to_string(), text[slash..].to_string()),
        None => (text.clone(), String::new()),
    };
    let mut authority = match authority.rsplit_once('@') {
        Some((_, host)) => host.to_string(),
        None => authority,
    };
    let mut path = path;
    if !had_scheme {
        // scp-like `git@host:org/repo`.
        if let Some((host, first)) = authority.split_once(':') {
            path = format!("/{first}{path}");
            authority = host.to_string();
        }
    }
    let mut normalized = format!("{authority}{path}");
    while normalized.ends_with('/') {
        normalized.pop();
    }
    if let Some(stripped) = normalized.strip_suffix(".git") {
        normalized = stripped.to_string();
    }
    normalized
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_normalise() {
        for (a, b) in [
            ("https://github.com/Acme/Infra.git", "github.com/acme/infra"),
            ("git@github.com:acme/infra.git", "github.com/acme/infra"),
            ("ssh://git@github.com/acme/infra", "github.com/acme/infra"),
            (
                "https://user:token@gitlab.example.com/a/b/",
                "gitlab.example.com/a/b",
            ),
        ] {
            assert_eq!(normalize_url(a), b, "{a}");
        }
    }

    #[test]
    fn checkouts_parse() {
        let plain = Checkout::parse("https://x/y.git=../y").unwrap();
        assert_eq!((plain.dir.to_str(), plain.revision), (Some("../y"), None));
        let pinned = Checkout::parse("git@x:y=/tmp/y@v1.2").unwrap();
        assert_eq!(pinned.revision.as_deref(), Some("v1.2"));
        assert!(Checkout::parse("nodir").is_err());
    }

    #[test]
    fn links_resolve_inside_the_repository() {
        assert_eq!(
            resolve_link("a/b/link", "../c/x.json").as_deref(),
            Some("a/c/x.json")
        );
        assert_eq!(resolve_link("link", "../x"), None);
        assert_eq!(resolve_link("a/link", "/etc/passwd"), None);
    }
}

/// The options `plan` and `generate` share for generators.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct GenerationArgs {
    /// A local clone of a repository git generators read: `URL=DIR`, or `URL=DIR@REV` to
    /// read REV whatever revision the generator asks for; repeatable.
    #[arg(long = "git-repo", value_name = "URL=DIR[@REV]")]
    pub git_repos: Vec<String>,
    /// Recorded answers for the SCM provider, pull request and plugin generators (YAML
    /// or JSON; the format is in the README).
    #[arg(long = "generator-response", value_name = "FILE")]
    pub generator_response: Option<PathBuf>,
    /// The most Applications one ApplicationSet may generate (and parameter sets one
    /// generator may produce); more is an error for that ApplicationSet.
    #[arg(long, value_name = "N", default_value_t = preflight_generators::DEFAULT_MAX_APPLICATIONS,
          value_parser = positive_count)]
    pub max_applications: usize,
}

/// A count of one or more, as `--max-applications` takes it.
fn positive_count(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("must be at least 1".to_string()),
        Ok(count) => Ok(count),
        Err(_) => Err(format!("expected a whole number, found `{text}`")),
    }
}

impl GenerationArgs {
    pub fn checkouts(&self) -> Result<Vec<Checkout>> {
        self.git_repos
            .iter()
            .map(|text| Checkout::parse(text))
            .collect()
    }

    pub fn responses(&self) -> Result<preflight_generators::GeneratorResponses> {
        let Some(path) = &self.generator_response else {
            return Ok(preflight_generators::GeneratorResponses::new());
        };
        let text = preflight_cluster_snapshot::read_text_file(
            path,
            preflight_cluster_snapshot::FileLimit::MANIFEST,
        )?;
        let value: serde_json::Value = serde_saphyr::from_str(&text)
            .with_context(|| format!("{}: not YAML or JSON", path.display()))?;
        preflight_generators::GeneratorResponses::from_value(&value)
            .map_err(|error| anyhow::anyhow!("{}: {error}", path.display()))
    }

    /// What a plan's generators read: with git refs, the plan repository `(repo,
    /// base_ref, head_ref)` at `base_ref` for base and at `head_ref` for head; the
    /// `--git-repo` clones for both.
    pub fn plan_inputs(
        &self,
        plan_repo: Option<(&Path, &str, &str)>,
    ) -> Result<preflight_generators::GenerationInputs> {
        let checkouts = self.checkouts()?;
        let (base, head) = match plan_repo {
            Some((repo, base_ref, head_ref)) => {
                let base = GitRepos::new(Some(PlanRepo::new(repo, base_ref, base_ref)), checkouts);
                let head = base.sharing(head_ref);
                (base, head)
            }
            None => {
                let base = GitRepos::new(None, checkouts);
                let head = base.sharing("");
                (base, head)
            }
        };
        Ok(preflight_generators::GenerationInputs {
            repos_at_base: Some(Arc::new(base)),
            repos_at_head: Some(Arc::new(head)),
            responses: Arc::new(self.responses()?),
            max_applications: self.max_applications,
        })
    }
}
