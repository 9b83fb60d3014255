//! `--argocd-namespace` patterns, matched as Argo CD matches `application.namespaces`
//! (`--application-namespaces`).
//!
//! Argo CD enables a namespace for Applications when it is its own namespace or matches
//! an entry of that list (`util/security/application_namespaces.go`, `IsNamespaceEnabled`,
//! through `glob.MatchStringInList(..., glob.REGEXP)` of `util/glob/list.go`): an entry
//! wrapped in `/` is a regular expression, matched anywhere in the name (regexp2's
//! `MatchString`, `util/regex/regex.go`); any other entry is a gobwas glob with no
//! separators (`util/glob/glob.go`): `*` any run of characters, `?` one character,
//! `[a-z]` and `[!a-z]` classes, `{a,b}` alternatives, `\` escaping, matched against the
//! whole name. A plain name is a glob that matches itself.

use regex::Regex;

/// One `--argocd-namespace` entry.
#[derive(Debug, Clone)]
pub(crate) enum NamespacePattern {
    /// No glob or regular expression syntax: that namespace, listed or not.
    Name(String),
    /// A glob or `/regular expression/`, compiled; with the text as given.
    Pattern { text: String, regex: Regex },
}

/// Why an entry cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`--argocd-namespace` `{pattern}`: {problem}")]
pub struct NamespacePatternError {
    pub pattern: String,
    pub problem: String,
}

impl NamespacePattern {
    pub(crate) fn parse(text: &str) -> Result<NamespacePattern, NamespacePatternError> {
        let error = |problem: String| NamespacePatternError {
            pattern: text.to_string(),
            problem,
        };
        if text.is_empty() {
            return Err(error("a namespace cannot be empty".to_string()));
        }
        if text.len() >= 2 && text.starts_with('/') && text.ends_with('/') {
            // regexp2 (.NET syntax) and Rust's `regex` agree on the syntax namespace
            // patterns use; what `regex` cannot compile (look-around, backreferences) is
            // refused rather than matched differently.
            let regex = Regex::new(&text[1..text.len() - 1]).map_err(|e| {
                error(format!(
                    "not a regular expression argocd-preflight can evaluate: {}",
                    e.to_string().lines().last().unwrap_or_default().trim()
                ))
            })?;
            return Ok(NamespacePattern::Pattern {
                text: text.to_string(),
                regex,
            });
        }
        if !text.contains(['*', '?', '[', ']', '{', '}', '\\']) {
            return Ok(NamespacePattern::Name(text.to_string()));
        }
        let regex = Regex::new(&glob_to_regex(text).map_err(error)?)
            .map_err(|e| error(format!("not a valid glob: {e}")))?;
        Ok(NamespacePattern::Pattern {
            text: text.to_string(),
            regex,
        })
    }

    pub(crate) fn matches(&self, namespace: &str) -> bool {
        match self {
            NamespacePattern::Name(name) => name == namespace,
            NamespacePattern::Pattern { regex, .. } => regex.is_match(namespace),
        }
    }

    pub(crate) fn text(&self) -> &str {
        match self {
            NamespacePattern::Name(name) => name,
            NamespacePattern::Pattern { text, .. } => text,
        }
    }
}

/// The anchored regular expression of a gobwas glob without separators.
fn glob_to_regex(glob: &str) -> Result<String, String> {
    let mut out = String::from("^(?:");
    let mut chars = glob.chars().peekable();
    // Open `{` alternatives: `,` separates their branches only inside one.
    let mut depth = 0usize;
    let literal = |c: char| regex::escape(c.encode_utf8(&mut [0; 4]));
    while let Some(c) = chars.next() {
        match c {
            '*' => {
                // `**` (gobwas' super-asterisk) is `*` when there are no separators.
                while chars.peek() == Some(&'*') {
                    chars.next();
                }
                out.push_str(".*");
            }
            '?' => out.push('.'),
            '\\' => match chars.next() {
                Some(escaped) => out.push_str(&literal(escaped)),
                None => return Err("ends with an unfinished escape `\\`".to_string()),
            },
            '[' => {
                out.push('[');
                if chars.peek() == Some(&'!') {
                    chars.next();
                    out.push('^');
                }
                let mut closed = false;
                let mut empty = true;
                while let Some(c) = chars.next() {
                    match c {
                        ']' => {
                            closed = true;
                            break;
                        }
                        '-' if !empty && chars.peek().is_some_and(|&next| next != ']') => {
                            out.push('-')
                        }
                        c => out.push_str(&literal(c)),
                    }
                    empty = false;
                }
                if !closed {
                    return Err("has a `[` without its `]`".to_string());
                }
                if empty {
                    return Err("has an empty character class `[]`".to_string());
                }
                out.push(']');
            }
            '{' => {
                depth += 1;
                out.push_str("(?:");
            }
            ',' if depth > 0 => out.push('|'),
            '}' if depth > 0 => {
                depth -= 1;
                out.push(')');
            }
            c => out.push_str(&literal(c)),
        }
    }
    if depth > 0 {
        return Err("has a `{` without its `}`".to_string());
    }
    out.push_str(")$");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One line per case: pattern, namespace, whether Argo CD enables it. Grounded in
    /// argoproj/argo-cd `util/glob/list.go` (`MatchStringInList` with `REGEXP`: `/…/` is
    /// a regular expression, anything else a glob) and `util/glob/glob_test.go`, and the
    /// gobwas/glob syntax it compiles with (no separators).
    #[test]
    fn argocd_namespace_patterns_match_as_application_namespaces_do() {
        let cases = [
            ("argocd", "argocd", true),
            ("argocd", "argocd-apps", false),
            ("team-*", "team-a", true),
            ("team-*", "team-", true),
            ("team-*", "my-team-a", false),
            ("*", "anything", true),
            ("**", "anything", true),
            ("team-?", "team-a", true),
            ("team-?", "team-ab", false),
            ("team-[ab]", "team-b", true),
            ("team-[ab]", "team-c", false),
            ("team-[!ab]", "team-c", true),
            ("team-[!ab]", "team-a", false),
            ("team-[a-c]", "team-b", true),
            ("team-[a-c]", "team-d", false),
            ("{dev,prod}-apps", "prod-apps", true),
            ("{dev,prod}-apps", "test-apps", false),
            ("{dev-*,prod}", "dev-1", true),
            ("a\\*b", "a*b", true),
            ("a\\*b", "axb", false),
            ("team.a", "teamxa", false),
            // Regular expressions: unanchored unless the pattern anchors them.
            ("/^team-(a|b)$/", "team-a", true),
            ("/^team-(a|b)$/", "team-c", false),
            ("/apps/", "team-apps-1", true),
            ("/^apps$/", "team-apps", false),
        ];
        for (pattern, namespace, expected) in cases {
            let parsed = NamespacePattern::parse(pattern).unwrap();
            assert_eq!(
                parsed.matches(namespace),
                expected,
                "{pattern} ~ {namespace}"
            );
        }
    }

    #[test]
    fn plain_names_are_names_and_bad_patterns_are_named() {
        assert!(matches!(
            NamespacePattern::parse("argocd").unwrap(),
            NamespacePattern::Name(_)
        ));
        let cases = [
            ("", "`--argocd-namespace` ``: a namespace cannot be empty"),
            (
                "team-[ab",
                "`--argocd-namespace` `team-[ab`: has a `[` without its `]`",
            ),
            (
                "team-[]",
                "`--argocd-namespace` `team-[]`: has an empty character class `[]`",
            ),
            (
                "{a,b",
                "`--argocd-namespace` `{a,b`: has a `{` without its `}`",
            ),
            (
                "team\\",
                "`--argocd-namespace` `team\\`: ends with an unfinished escape `\\`",
            ),
        ];
        for (pattern, expected) in cases {
            assert_eq!(
                NamespacePattern::parse(pattern).unwrap_err().to_string(),
                expected
            );
        }
        let look_around = NamespacePattern::parse("/^(?!kube-).*$/")
            .unwrap_err()
            .to_string();
        assert!(
            look_around.starts_with(
                "`--argocd-namespace` `/^(?!kube-).*$/`: not a regular expression argocd-preflight can evaluate: "
            ),
            "{look_around}"
        );
    }
}
