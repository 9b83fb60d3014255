//! The git file generator's "new globbing" (`--enable-new-git-file-globbing`, rulebook
//! 4.4): `doublestar.FilepathGlob` over the checkout, restated.
//!
//! The pattern is first cleaned like Go's `filepath.Join(root, pattern)` (`.` and doubled
//! `/` removed, `..` resolved, trailing `/` dropped; a pattern leaving the repository
//! matches nothing). `{a,b}` alternatives are expanded. A path component that is exactly
//! `**` matches zero or more directories; every other component matches one path
//! component with Go's `path.Match` rules (`*`, `?`, `[...]`, `\`), where `**` inside a
//! component is a plain `*`. Hidden files and directories are matched like any other.
//! Directories match as well as files; the caller decides what a matched directory means.

use super::gopath::GoPattern;

/// A pattern expanded into its alternatives, each cut into components.
#[derive(Debug, Clone)]
pub(crate) struct DoublestarPattern {
    alternatives: Vec<Vec<Component>>,
}

#[derive(Debug, Clone)]
enum Component {
    Globstar,
    Segment(GoPattern),
}

/// More alternatives than this is refused rather than expanded.
const MAX_ALTERNATIVES: usize = 4096;

impl DoublestarPattern {
    /// Parses a pattern; `Err` carries doublestar's complaint.
    pub(crate) fn parse(pattern: &str) -> Result<DoublestarPattern, String> {
        let expanded = expand_braces(pattern)?;
        let mut alternatives = Vec::with_capacity(expanded.len());
        for alternative in expanded {
            let Some(cleaned) = clean(&alternative) else {
                // Leaves the repository: nothing inside it matches.
                continue;
            };
            let mut components = Vec::new();
            if !cleaned.is_empty() {
                for part in cleaned.split('/') {
                    if part == "**" {
                        components.push(Component::Globstar);
                    } else {
                        let parsed = GoPattern::parse(part)
                            .map_err(|_| "syntax error in pattern".to_string())?;
                        components.push(Component::Segment(parsed));
                    }
                }
            }
            alternatives.push(components);
        }
        Ok(DoublestarPattern { alternatives })
    }

    /// Whether `path` (relative to the repository root, `""` for the root itself) matches.
    pub(crate) fn matches(&self, path: &str) -> bool {
        let parts: Vec<&str> = if path.is_empty() {
            Vec::new()
        } else {
            path.split('/').collect()
        };
        self.alternatives
            .iter()
            .any(|components| match_components(components, &parts))
    }
}

fn match_components(components: &[Component], parts: &[&str]) -> bool {
    match components.split_first() {
        None => parts.is_empty(),
        Some((Component::Globstar, rest)) => {
            (0..=parts.len()).any(|skip| match_components(rest, &parts[skip..]))
        }
        Some((Component::Segment(pattern), rest)) => match parts.split_first() {
            Some((part, others)) => pattern.matches(part) && match_components(rest, others),
            None => false,
        },
    }
}

/// Go's `path.Clean` of a path under the repository root, as the root-relative result;
/// `None` when `..` climbs above the root.
fn clean(pattern: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in pattern.split('/') {
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

/// Expands `{a,b}` alternatives (nested, with `\` escapes kept for the matcher).
fn expand_braces(pattern: &str) -> Result<Vec<String>, String> {
    let bytes = pattern.as_bytes();
    let mut at = 0;
    let mut in_class = false;
    while at < bytes.len() {
        match bytes[at] {
            b'\\' => at += 1,
            b'[' => in_class = true,
            b']' => in_class = false,
            b'{' if !in_class => {
                let (alternatives, end) = split_alternatives(pattern, at)?;
                let prefix = &pattern[..at];
                let suffixes = expand_braces(&pattern[end + 1..])?;
                let mut expanded = Vec::new();
                for alternative in alternatives {
                    for inner in expand_braces(&alternative)? {
                        for suffix in &suffixes {
                            expanded.push(format!("{prefix}{inner}{suffix}"));
                            if expanded.len() > MAX_ALTERNATIVES {
                                return Err(format!(
                                    "the pattern expands to more than {MAX_ALTERNATIVES} alternatives"
                                ));
                            }
                        }
                    }
                }
                return Ok(expanded);
            }
            b'}' if !in_class => return Err("syntax error in pattern".to_string()),
            _ => {}
        }
        at += 1;
    }
    if in_class {
        return Err("syntax error in pattern".to_string());
    }
    Ok(vec![pattern.to_string()])
}

/// The alternatives of the brace group opening at `open`, and where it closes.
fn split_alternatives(pattern: &str, open: usize) -> Result<(Vec<String>, usize), String> {
    let bytes = pattern.as_bytes();
    let mut depth = 0;
    let mut start = open + 1;
    let mut alternatives = Vec::new();
    let mut at = open + 1;
    while at < bytes.len() {
        match bytes[at] {
            b'\\' => at += 1,
            b'{' => depth += 1,
            b'}' if depth > 0 => depth -= 1,
            b'}' => {
                alternatives.push(pattern[start..at].to_string());
                return Ok((alternatives, at));
            }
            b',' if depth == 0 => {
                alternatives.push(pattern[start..at].to_string());
                start = at + 1;
            }
            _ => {}
        }
        at += 1;
    }
    Err("syntax error in pattern".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(pattern: &str, path: &str, expected: bool) {
        let parsed = DoublestarPattern::parse(pattern).unwrap();
        assert_eq!(parsed.matches(path), expected, "{pattern:?} on {path:?}");
    }

    #[test]
    fn components() {
        check("apps/*.json", "apps/a.json", true);
        check("apps/*.json", "apps/x/a.json", false);
        check("apps/**/*.json", "apps/a.json", true);
        check("apps/**/*.json", "apps/x/y/a.json", true);
        check("**/config.json", "config.json", true);
        check("**/config.json", "a/b/config.json", true);
        check("**", "", true);
        check("**", "a/b", true);
        check("apps/**", "apps", true);
        check("apps/**", "apps/a/b", true);
        check("apps**.json", "apps-x.json", true);
        check("apps**.json", "apps/x.json", false);
        check("*.json", ".hidden.json", true);
        check("./apps//a.json/", "apps/a.json", true);
        check("apps/x/../a.json", "apps/a.json", true);
        check("../a.json", "a.json", false);
        check("apps/{a,b}.json", "apps/b.json", true);
        check("apps/{a,b/c}.json", "apps/b/c.json", true);
        check("apps/{a,{b,c}d}.json", "apps/cd.json", true);
        check("apps/{a,}.json", "apps/.json", true);
        check("apps/[ab].json", "apps/b.json", true);
        check("apps/[^ab].json", "apps/c.json", true);
        check("apps/\\*.json", "apps/*.json", true);
        check("apps/\\*.json", "apps/a.json", false);
    }

    #[test]
    fn malformed_patterns_are_errors() {
        for pattern in ["apps/[a", "apps/{a,b", "apps/a}", "a\\"] {
            assert!(
                DoublestarPattern::parse(pattern).is_err(),
                "{pattern:?} should be refused"
            );
        }
    }
}
