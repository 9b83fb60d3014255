//! Reading manifests at a git revision through the `git` command line.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

use preflight_cluster_snapshot::{manifests_from_text, SourcedObject};

/// Runs `git -C repo args…` and returns its standard output; a failure names the command,
/// the checkout and git's own message.
pub(crate) fn git(repo: &Path, args: &[&str]) -> Result<Vec<u8>> {
    let output = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .output()
        .with_context(|| format!("cannot run `git` in `{}`", repo.display()))?;
    if !output.status.success() {
        bail!(
            "`git {}` failed in `{}`: {}",
            args.join(" "),
            repo.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(output.stdout)
}

/// The manifests of one revision, and which `--path` globs matched a file there.
pub struct RevisionManifests {
    pub manifests: Vec<SourcedObject>,
    /// Per glob, in the order given: whether it matched at least one manifest file.
    pub glob_matched: Vec<bool>,
}

/// The manifests (`.yaml`, `.yml`, `.json`) of `repo` at `revision` whose paths match one
/// of `globs` (all when empty), in path order.
pub fn manifests_at(repo: &Path, revision: &str, globs: &[String]) -> Result<RevisionManifests> {
    check_checkout(repo, revision)?;
    let listing = git(repo, &["ls-tree", "-r", "-z", "--name-only", revision])?;
    let mut glob_matched = vec![false; globs.len()];
    let mut paths: Vec<String> = listing
        .split(|b| *b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .filter(|p| p.ends_with(".yaml") || p.ends_with(".yml") || p.ends_with(".json"))
        .filter(|p| {
            let mut any = globs.is_empty();
            for (glob, matched) in globs.iter().zip(glob_matched.iter_mut()) {
                if glob_match(glob, p) {
                    *matched = true;
                    any = true;
                }
            }
            any
        })
        .collect();
    paths.sort();
    let blobs = read_blobs(repo, revision, &paths)?;
    let mut manifests = Vec::new();
    for (path, blob) in paths.iter().zip(blobs) {
        let text = String::from_utf8(blob)
            .with_context(|| format!("{revision}:{path}: the file is not UTF-8"))?;
        let shown = PathBuf::from(format!("{revision}:{path}"));
        manifests.extend(manifests_from_text(&shown, &text)?);
    }
    Ok(RevisionManifests {
        manifests,
        glob_matched,
    })
}

/// Refuses, in the project's words, a `--repo` that is not a directory or not a git
/// checkout, and a revision the checkout does not have: git's own messages for these
/// name none of the options the user typed.
fn check_checkout(repo: &Path, revision: &str) -> Result<()> {
    if !repo.is_dir() {
        bail!(
            "`--repo {}`: no such directory; run from a git checkout or pass `--repo DIR`",
            repo.display()
        );
    }
    if git(repo, &["rev-parse", "--git-dir"]).is_err() {
        bail!(
            "`{}` is not a git repository; run from a git checkout or pass `--repo DIR`",
            repo.display()
        );
    }
    let commit = format!("{revision}^{{commit}}");
    if git(
        repo,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &commit,
        ],
    )
    .is_err()
    {
        bail!(
            "revision `{revision}` does not exist in the git repository `{}` (in a shallow CI checkout, fetch it first)",
            repo.display()
        );
    }
    Ok(())
}

/// The contents of `paths` at `revision`, read with one `git cat-file --batch`.
pub(crate) fn read_blobs(repo: &Path, revision: &str, paths: &[String]) -> Result<Vec<Vec<u8>>> {
    if paths.is_empty() {
        return Ok(Vec::new());
    }
    let mut child = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run `git` in `{}`", repo.display()))?;
    let mut stdin = child.stdin.take().context("git stdin")?;
    let requests: String = paths.iter().map(|p| format!("{revision}:{p}\n")).collect();
    let writer = std::thread::spawn(move || stdin.write_all(requests.as_bytes()));
    let mut reader = BufReader::new(child.stdout.take().context("git stdout")?);
    let mut contents = Vec::with_capacity(paths.len());
    for path in paths {
        let mut header = String::new();
        reader.read_line(&mut header)?;
        let fields: Vec<&str> = header.split_whitespace().collect();
        let size: u64 = match fields.as_slice() {
            [_, "blob", size] => size.parse().with_context(|| {
                format!("cannot read `{path}` at `{revision}`: {}", header.trim())
            })?,
            _ => bail!("cannot read `{path}` at `{revision}`: {}", header.trim()),
        };
        // The same bound as a manifest file on disk, checked before the blob is read.
        let limit = preflight_cluster_snapshot::FileLimit::MANIFEST;
        if size > limit.bytes {
            bail!(
                "cannot read `{path}` at `{revision}`: it holds {size} bytes, more than the limit of {} bytes for {}",
                limit.bytes,
                limit.what
            );
        }
        let size = usize::try_from(size)?;
        let mut bytes = vec![0; size + 1];
        reader.read_exact(&mut bytes)?;
        bytes.pop();
        contents.push(bytes);
    }
    writer
        .join()
        .map_err(|_| anyhow::anyhow!("writing to git failed"))??;
    child.wait()?;
    Ok(contents)
}

/// Matches a repository path against a glob: `*` and `?` stay within a segment, `**`
/// matches any number of segments, and a glob without wildcards matches that path or
/// anything below it.
pub fn glob_match(glob: &str, path: &str) -> bool {
    if !glob.contains(['*', '?']) {
        let prefix = glob.trim_end_matches('/');
        return path == prefix || path.starts_with(&format!("{prefix}/"));
    }
    let glob_segments: Vec<&str> = glob.split('/').collect();
    let path_segments: Vec<&str> = path.split('/').collect();
    match_segments(&glob_segments, &path_segments)
}

fn match_segments(glob: &[&str], path: &[&str]) -> bool {
    match glob.split_first() {
        None => path.is_empty(),
        Some((&"**", rest)) => (0..=path.len()).any(|skip| match_segments(rest, &path[skip..])),
        Some((first, rest)) => match path.split_first() {
            Some((segment, path_rest)) => {
                match_segment(first.as_bytes(), segment.as_bytes())
                    && match_segments(rest, path_rest)
            }
            None => false,
        },
    }
}

fn match_segment(glob: &[u8], text: &[u8]) -> bool {
    match glob.split_first() {
        None => text.is_empty(),
        Some((b'*', rest)) => (0..=text.len()).any(|skip| match_segment(rest, &text[skip..])),
        Some((b'?', rest)) => !text.is_empty() && match_segment(rest, &text[1..]),
        Some((c, rest)) => text.first() == Some(c) && match_segment(rest, &text[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[track_caller]
    fn check(glob: &str, path: &str, expected: bool) {
        assert_eq!(
            glob_match(glob, path),
            expected,
            "glob `{glob}` on `{path}`"
        );
    }

    #[test]
    fn globs() {
        check("appsets", "appsets/a.yaml", true);
        check("appsets/", "appsets/sub/a.yaml", true);
        check("appsets", "appsets-old/a.yaml", false);
        check("appsets/*.yaml", "appsets/a.yaml", true);
        check("appsets/*.yaml", "appsets/sub/a.yaml", false);
        check("appsets/**/*.yaml", "appsets/sub/a.yaml", true);
        check("appsets/**/*.yaml", "appsets/a.yaml", true);
        check("**/appset-?.yaml", "x/y/appset-1.yaml", true);
        check("**/appset-?.yaml", "x/y/appset-10.yaml", false);
    }
}
