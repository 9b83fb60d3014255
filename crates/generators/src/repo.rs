//! Repository contents, as the git generators see them through Argo CD's repo server.
//!
//! The generators never read a repository themselves: the caller implements
//! [`RepoFiles`] (the binary with the `git` command line, tests in memory), and every
//! matching rule (directories, pathspecs, doublestar) runs here, over the listing.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// Read access to repositories at a revision: the seam between this pure crate and git.
///
/// `repo_url` is the generator's `repoURL` and `revision` its `revision` (possibly empty,
/// meaning the default branch), both after interpolation. An `Err` is a message for the
/// user, such as "no checkout of this repository was given"; generation then fails for
/// that ApplicationSet, as a repo-server error does in Argo CD.
pub trait RepoFiles: Send + Sync {
    /// Every file of the tree at `revision` (symbolic links included), as paths relative
    /// to the repository root with `/` separators, in any order.
    fn files(&self, repo_url: &str, revision: &str) -> Result<Vec<String>, String>;

    /// The contents of `paths` at `revision`, in the same order.
    fn read(&self, repo_url: &str, revision: &str, paths: &[&str]) -> Result<Vec<Vec<u8>>, String>;
}

impl fmt::Debug for dyn RepoFiles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RepoFiles")
    }
}

/// No repository at all: every git generator fails with a message saying so.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoRepositories;

impl RepoFiles for NoRepositories {
    fn files(&self, repo_url: &str, _revision: &str) -> Result<Vec<String>, String> {
        Err(format!(
            "no checkout of repository `{repo_url}` is available, so its files cannot be read offline"
        ))
    }

    fn read(
        &self,
        repo_url: &str,
        revision: &str,
        _paths: &[&str],
    ) -> Result<Vec<Vec<u8>>, String> {
        self.files(repo_url, revision).map(|_| Vec::new())
    }
}

/// Repositories held in memory, for tests and for embedding: files by repository URL,
/// each either at one revision or at every revision.
#[derive(Debug, Clone, Default)]
pub struct InMemoryRepos {
    /// (URL, revision or `None` for any) to path to contents.
    trees: BTreeMap<(String, Option<String>), BTreeMap<String, Vec<u8>>>,
}

impl InMemoryRepos {
    pub fn new() -> InMemoryRepos {
        InMemoryRepos::default()
    }

    /// Adds a file seen at every revision of `repo_url`.
    pub fn with_file(mut self, repo_url: &str, path: &str, contents: &str) -> InMemoryRepos {
        self.insert(repo_url, None, path, contents);
        self
    }

    /// Adds a file seen at `revision` of `repo_url` only.
    pub fn with_file_at(
        mut self,
        repo_url: &str,
        revision: &str,
        path: &str,
        contents: &str,
    ) -> InMemoryRepos {
        self.insert(repo_url, Some(revision), path, contents);
        self
    }

    fn insert(&mut self, repo_url: &str, revision: Option<&str>, path: &str, contents: &str) {
        self.trees
            .entry((repo_url.to_string(), revision.map(str::to_string)))
            .or_default()
            .insert(path.to_string(), contents.as_bytes().to_vec());
    }

    fn tree(&self, repo_url: &str, revision: &str) -> Result<&BTreeMap<String, Vec<u8>>, String> {
        self.trees
            .get(&(repo_url.to_string(), Some(revision.to_string())))
            .or_else(|| self.trees.get(&(repo_url.to_string(), None)))
            .ok_or_else(|| format!("no checkout of repository `{repo_url}` is available"))
    }
}

impl RepoFiles for InMemoryRepos {
    fn files(&self, repo_url: &str, revision: &str) -> Result<Vec<String>, String> {
        Ok(self.tree(repo_url, revision)?.keys().cloned().collect())
    }

    fn read(&self, repo_url: &str, revision: &str, paths: &[&str]) -> Result<Vec<Vec<u8>>, String> {
        let tree = self.tree(repo_url, revision)?;
        paths
            .iter()
            .map(|path| {
                tree.get(*path)
                    .cloned()
                    .ok_or_else(|| format!("`{path}` does not exist at `{revision}`"))
            })
            .collect()
    }
}

/// A listed tree: its files sorted by path, and its directories in the repo server's
/// order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RepoTree {
    pub(crate) files: Vec<String>,
    pub(crate) directories: Vec<String>,
    /// Every directory, hidden ones included (what a file glob can run into).
    pub(crate) all_directories: BTreeSet<String>,
}

impl RepoTree {
    pub(crate) fn new(mut files: Vec<String>) -> RepoTree {
        files.sort();
        files.dedup();
        let mut all_directories = BTreeSet::new();
        for file in &files {
            let mut end = 0;
            while let Some(slash) = file[end..].find('/') {
                end += slash;
                all_directories.insert(file[..end].to_string());
                end += 1;
            }
        }
        // The repo server walks the checkout depth first, each directory's entries in
        // lexical order, and never enters a directory whose name starts with `.`.
        let mut directories: Vec<String> = all_directories
            .iter()
            .filter(|dir| !dir.split('/').any(|part| part.starts_with('.')))
            .cloned()
            .collect();
        directories.sort_by(|a, b| a.split('/').cmp(b.split('/')));
        RepoTree {
            files,
            directories,
            all_directories,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_follow_the_walk_order_and_skip_hidden_ones() {
        let tree = RepoTree::new(
            [
                "a-c/x",
                "a/b/y",
                "a/z",
                ".github/workflows/ci.yaml",
                "b/.hidden/q",
                "b/p",
                "root.txt",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        );
        assert_eq!(tree.directories, ["a", "a/b", "a-c", "b"]);
        assert!(tree.all_directories.contains(".github/workflows"));
        assert_eq!(tree.files[0], ".github/workflows/ci.yaml");
    }
}
