//! `git ls-files -- <pathspec>`, which the git file generator runs by default (rulebook
//! 4.4): git's pathspec matching, restated.
//!
//! A pathspec matches a file when it equals the file's path, when it names a directory
//! the file is in (`apps` and `apps/` both match `apps/x.json`), or, if it holds a
//! wildcard (`*`, `?`, `[` or `\`), when it matches as a glob in which `*` and `?` also
//! match `/` (so `apps/*.yaml` matches `apps/a/b.yaml`, and `**/x.json` needs at least one
//! directory). Classes are `[abc]`, `[a-z]`, `[!a]` or `[^a]`, with `]` literal when it
//! comes first and POSIX names such as `[[:digit:]]`. A malformed class matches nothing.
//!
//! The magic prefixes `:(glob)` (`*` stays within a directory, `**/` and `/**` span
//! directories), `:(literal)`, `:(icase)`, `:(exclude)` (also `:!` and `:^`) and `:(top)`
//! (also `:/`) are understood; a pathspec of only exclusions lists everything else, as git
//! does. Paths are normalised like git's (`./`, `a/../b`, doubled `/`), and a path leaving
//! the repository is an error.

use std::fmt;

/// A parsed pathspec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pathspec {
    /// Normalised, relative to the repository root; empty for the whole repository.
    path: String,
    magic: Magic,
    /// The wildcard pattern, when `path` holds one and `literal` is off.
    pattern: Option<Vec<Token>>,
    /// A class could not be parsed: the pattern matches nothing (git aborts the match).
    broken: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Magic {
    glob: bool,
    literal: bool,
    icase: bool,
    exclude: bool,
}

/// Why git refuses a pathspec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PathspecError(pub(crate) String);

impl fmt::Display for PathspecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Byte(u8),
    /// `?`.
    AnyByte,
    /// A run of `*`; `crosses` when it may match `/`.
    Star {
        crosses: bool,
    },
    /// `**/` as a whole segment in glob mode: zero or more directories.
    Directories,
    Class {
        negated: bool,
        items: Vec<ClassItem>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum ClassItem {
    Byte(u8),
    Range(u8, u8),
    Named(NamedClass),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NamedClass {
    Alnum,
    Alpha,
    Blank,
    Cntrl,
    Digit,
    Graph,
    Lower,
    Print,
    Punct,
    Space,
    Upper,
    Xdigit,
}

impl Pathspec {
    pub(crate) fn parse(spec: &str) -> Result<Pathspec, PathspecError> {
        let (magic, rest) = parse_magic(spec)?;
        let path = normalize(rest, spec)?;
        let has_wildcard = path
            .bytes()
            .any(|b| matches!(b, b'*' | b'?' | b'[' | b'\\'));
        let (pattern, broken) = if has_wildcard && !magic.literal {
            match tokenize(path.as_bytes(), magic.glob) {
                Some(tokens) => (Some(tokens), false),
                None => (None, true),
            }
        } else {
            (None, false)
        };
        Ok(Pathspec {
            path,
            magic,
            pattern,
            broken,
        })
    }

    pub(crate) fn is_exclude(&self) -> bool {
        self.magic.exclude
    }

    /// Whether the pathspec (ignoring `exclude`) selects the file `file`.
    pub(crate) fn matches(&self, file: &str) -> bool {
        if self.path.is_empty() {
            return true;
        }
        let fold = |text: &str| {
            if self.magic.icase {
                text.to_ascii_lowercase()
            } else {
                text.to_string()
            }
        };
        let (path, file_text) = (fold(&self.path), fold(file));
        if let Some(rest) = file_text.strip_prefix(path.as_str()) {
            if rest.is_empty() || path.ends_with('/') || rest.starts_with('/') {
                return true;
            }
        }
        if self.broken {
            return false;
        }
        match &self.pattern {
            Some(tokens) => wildmatch(tokens, file.as_bytes(), 0, self.magic),
            None => false,
        }
    }
}

/// The files `git ls-files -- <spec>` lists out of `files`, in their order.
pub(crate) fn ls_files(spec: &str, files: &[String]) -> Result<Vec<String>, PathspecError> {
    let pathspec = Pathspec::parse(spec)?;
    Ok(files
        .iter()
        .filter(|file| {
            if pathspec.is_exclude() {
                // Only exclusions: git lists everything else.
                !pathspec.matches(file)
            } else {
                pathspec.matches(file)
            }
        })
        .cloned()
        .collect())
}

fn parse_magic(spec: &str) -> Result<(Magic, &str), PathspecError> {
    let mut magic = Magic::default();
    let Some(after_colon) = spec.strip_prefix(':') else {
        return Ok((magic, spec));
    };
    if let Some(long) = after_colon.strip_prefix('(') {
        let Some(end) = long.find(')') else {
            return Err(PathspecError(format!(
                "Missing ')' at the end of pathspec magic in '{spec}'"
            )));
        };
        for word in long[..end].split(',') {
            match word.trim() {
                "glob" => magic.glob = true,
                "literal" => magic.literal = true,
                "icase" => magic.icase = true,
                "exclude" => magic.exclude = true,
                "top" | "" => {}
                other => {
                    return Err(PathspecError(format!(
                        "Invalid pathspec magic '{other}' in '{spec}'"
                    )))
                }
            }
        }
        if magic.glob && magic.literal {
            return Err(PathspecError(
                "global 'glob' and 'noglob' pathspec settings are incompatible".to_string(),
            ));
        }
        return Ok((magic, &long[end + 1..]));
    }
    // Short form: magic characters up to an optional `:`. git reserves the punctuation
    // below for magic and refuses the ones it does not implement.
    let mut rest = after_colon;
    while let Some(first) = rest.chars().next() {
        match first {
            '!' | '^' => magic.exclude = true,
            '/' => {}
            ':' => {
                rest = &rest[1..];
                break;
            }
            '"' | '#' | '%' | '&' | '\'' | ',' | '-' | ';' | '<' | '=' | '>' | '@' | '_' | '`'
            | '~' => {
                return Err(PathspecError(format!(
                    "Unimplemented pathspec magic '{first}' in '{spec}'"
                )))
            }
            _ => break,
        }
        rest = &rest[1..];
    }
    Ok((magic, rest))
}

/// git's normalisation of a pathspec given at the top of the work tree.
fn normalize(path: &str, spec: &str) -> Result<String, PathspecError> {
    if path.starts_with('/') {
        return Err(PathspecError(format!(
            "{spec}: '{path}' is outside repository"
        )));
    }
    // A trailing `/` (or `/.`) keeps meaning "a directory".
    let trailing_slash = (path.ends_with('/') || path.ends_with("/.")) && path.len() > 1;
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(PathspecError(format!(
                        "{spec}: '{path}' is outside repository"
                    )));
                }
            }
            other => parts.push(other),
        }
    }
    let mut normalized = parts.join("/");
    if trailing_slash && !normalized.is_empty() {
        normalized.push('/');
    }
    Ok(normalized)
}

/// Tokenizes a wildcard pattern; `None` when a class is malformed.
fn tokenize(pattern: &[u8], glob: bool) -> Option<Vec<Token>> {
    let mut tokens = Vec::new();
    let mut at = 0;
    while at < pattern.len() {
        match pattern[at] {
            b'\\' => {
                // A trailing backslash matches nothing, as in git.
                let escaped = *pattern.get(at + 1)?;
                tokens.push(Token::Byte(escaped));
                at += 2;
            }
            b'?' => {
                tokens.push(Token::AnyByte);
                at += 1;
            }
            b'*' => {
                let start = at;
                while pattern.get(at) == Some(&b'*') {
                    at += 1;
                }
                let double = at - start >= 2;
                if !glob {
                    tokens.push(Token::Star { crosses: true });
                    continue;
                }
                let segment_start = start == 0 || pattern[start - 1] == b'/';
                let segment_end = at == pattern.len()
                    || pattern[at] == b'/'
                    || (pattern[at] == b'\\' && pattern.get(at + 1) == Some(&b'/'));
                if double && segment_start && segment_end {
                    if at < pattern.len() && pattern[at] == b'/' {
                        tokens.push(Token::Directories);
                        at += 1;
                    } else {
                        tokens.push(Token::Star { crosses: true });
                    }
                } else {
                    tokens.push(Token::Star { crosses: false });
                }
            }
            b'[' => {
                let (token, used) = class(&pattern[at + 1..])?;
                tokens.push(token);
                at += 1 + used;
            }
            byte => {
                tokens.push(Token::Byte(byte));
                at += 1;
            }
        }
    }
    Some(tokens)
}

/// Parses a class after its `[`; returns it and the bytes used, `]` included.
fn class(text: &[u8]) -> Option<(Token, usize)> {
    let mut at = 0;
    let negated = matches!(text.first(), Some(b'!') | Some(b'^'));
    if negated {
        at += 1;
    }
    let mut items = Vec::new();
    let mut first = true;
    loop {
        let byte = *text.get(at)?;
        if byte == b']' && !first {
            return Some((Token::Class { negated, items }, at + 1));
        }
        first = false;
        if byte == b'\\' {
            let escaped = *text.get(at + 1)?;
            items.push(ClassItem::Byte(escaped));
            at += 2;
        } else if byte == b'[' && text.get(at + 1) == Some(&b':') {
            let name_start = at + 2;
            let close = text[name_start..].iter().position(|b| *b == b']')? + name_start;
            if close > name_start && text[close - 1] == b':' {
                let named = named_class(&text[name_start..close - 1])?;
                items.push(ClassItem::Named(named));
                at = close + 1;
            } else {
                // Not `[:name:]`: the `[` is an ordinary member.
                items.push(ClassItem::Byte(b'['));
                at += 1;
            }
        } else if text.get(at + 1) == Some(&b'-') && text.get(at + 2).is_some_and(|b| *b != b']') {
            let (high, used) = match text[at + 2] {
                b'\\' => (*text.get(at + 3)?, 2),
                other => (other, 1),
            };
            items.push(ClassItem::Range(byte, high));
            at += 2 + used;
        } else {
            items.push(ClassItem::Byte(byte));
            at += 1;
        }
    }
}

fn named_class(name: &[u8]) -> Option<NamedClass> {
    Some(match name {
        b"alnum" => NamedClass::Alnum,
        b"alpha" => NamedClass::Alpha,
        b"blank" => NamedClass::Blank,
        b"cntrl" => NamedClass::Cntrl,
        b"digit" => NamedClass::Digit,
        b"graph" => NamedClass::Graph,
        b"lower" => NamedClass::Lower,
        b"print" => NamedClass::Print,
        b"punct" => NamedClass::Punct,
        b"space" => NamedClass::Space,
        b"upper" => NamedClass::Upper,
        b"xdigit" => NamedClass::Xdigit,
        _ => return None,
    })
}

impl NamedClass {
    fn contains(self, byte: u8, icase: bool) -> bool {
        match self {
            NamedClass::Alnum => byte.is_ascii_alphanumeric(),
            NamedClass::Alpha => byte.is_ascii_alphabetic(),
            NamedClass::Blank => byte == b' ' || byte == b'\t',
            NamedClass::Cntrl => byte.is_ascii_control(),
            NamedClass::Digit => byte.is_ascii_digit(),
            NamedClass::Graph => byte.is_ascii_graphic(),
            NamedClass::Lower => byte.is_ascii_lowercase(),
            NamedClass::Print => byte.is_ascii_graphic() || byte == b' ',
            NamedClass::Punct => byte.is_ascii_punctuation(),
            NamedClass::Space => byte.is_ascii_whitespace() || byte == 0x0b,
            NamedClass::Upper => byte.is_ascii_uppercase() || (icase && byte.is_ascii_lowercase()),
            NamedClass::Xdigit => byte.is_ascii_hexdigit(),
        }
    }
}

fn class_matches(items: &[ClassItem], byte: u8, icase: bool) -> bool {
    let candidates: &[u8] = if icase {
        &[byte.to_ascii_lowercase(), byte.to_ascii_uppercase()]
    } else {
        std::slice::from_ref(&byte)
    };
    items.iter().any(|item| match item {
        ClassItem::Byte(member) => candidates.contains(member),
        ClassItem::Range(low, high) => candidates.iter().any(|b| low <= b && b <= high),
        ClassItem::Named(named) => named.contains(byte, icase),
    })
}

fn same_byte(pattern: u8, text: u8, icase: bool) -> bool {
    if icase {
        pattern.eq_ignore_ascii_case(&text)
    } else {
        pattern == text
    }
}

/// Backtracking glob match of `tokens` against `text[at..]`.
fn wildmatch(tokens: &[Token], text: &[u8], at: usize, magic: Magic) -> bool {
    let Some((token, rest)) = tokens.split_first() else {
        return at == text.len();
    };
    match token {
        Token::Byte(byte) => {
            at < text.len()
                && same_byte(*byte, text[at], magic.icase)
                && wildmatch(rest, text, at + 1, magic)
        }
        Token::AnyByte => {
            at < text.len()
                && !(magic.glob && text[at] == b'/')
                && wildmatch(rest, text, at + 1, magic)
        }
        Token::Star { crosses } => {
            let mut position = at;
            loop {
                if wildmatch(rest, text, position, magic) {
                    return true;
                }
                if position == text.len() || (!crosses && text[position] == b'/') {
                    return false;
                }
                position += 1;
            }
        }
        Token::Directories => {
            // Zero directories, or any run that ends with a `/`.
            if wildmatch(rest, text, at, magic) {
                return true;
            }
            (at..text.len())
                .filter(|position| text[*position] == b'/')
                .any(|slash| wildmatch(rest, text, slash + 1, magic))
        }
        Token::Class { negated, items } => {
            at < text.len()
                && !(magic.glob && text[at] == b'/')
                && class_matches(items, text[at], magic.icase) != *negated
                && wildmatch(rest, text, at + 1, magic)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILES: &[&str] = &[
        "README.md",
        "apps/a/config.json",
        "apps/a/deep/config.json",
        "apps/b.yaml",
        "apps/b/values.yaml",
        "apps-old/c.json",
        "clusters/Prod/config.json",
        "clusters/dev/config.json",
        "x.json",
    ];

    /// One line per case: the pathspec and the files `git ls-files` lists.
    #[track_caller]
    fn check(spec: &str, expected: &[&str]) {
        let files: Vec<String> = FILES.iter().map(|f| f.to_string()).collect();
        assert_eq!(
            ls_files(spec, &files).unwrap(),
            expected,
            "pathspec {spec:?}"
        );
    }

    #[test]
    fn literal_paths_and_directories() {
        check("x.json", &["x.json"]);
        check("apps/b.yaml", &["apps/b.yaml"]);
        check(
            "apps",
            &[
                "apps/a/config.json",
                "apps/a/deep/config.json",
                "apps/b.yaml",
                "apps/b/values.yaml",
            ],
        );
        check(
            "apps/",
            &[
                "apps/a/config.json",
                "apps/a/deep/config.json",
                "apps/b.yaml",
                "apps/b/values.yaml",
            ],
        );
        check("app", &[]);
        check("./apps/../x.json", &["x.json"]);
        check(".", FILES);
        check("", FILES);
    }

    #[test]
    fn stars_cross_directories_by_default() {
        check("apps/*.yaml", &["apps/b.yaml", "apps/b/values.yaml"]);
        check(
            "apps/*/config.json",
            &["apps/a/config.json", "apps/a/deep/config.json"],
        );
        check(
            "**/config.json",
            &[
                "apps/a/config.json",
                "apps/a/deep/config.json",
                "clusters/Prod/config.json",
                "clusters/dev/config.json",
            ],
        );
        check(
            "*.json",
            &[
                "apps/a/config.json",
                "apps/a/deep/config.json",
                "apps-old/c.json",
                "clusters/Prod/config.json",
                "clusters/dev/config.json",
                "x.json",
            ],
        );
        check("clusters/?ev/config.json", &["clusters/dev/config.json"]);
        check("clusters/[a-z]*/config.json", &["clusters/dev/config.json"]);
        check(
            "clusters/[!a-z]*/config.json",
            &["clusters/Prod/config.json"],
        );
        check("clusters/[^d]*", &["clusters/Prod/config.json"]);
        check("clusters/[[:upper:]]*", &["clusters/Prod/config.json"]);
        check("clusters/[]d]ev/config.json", &["clusters/dev/config.json"]);
        check("clusters/[[:nope:]]*", &[]);
        check("clusters/[d", &[]);
        check("apps\\/b.yaml", &["apps/b.yaml"]);
    }

    #[test]
    fn magic() {
        check(":(glob)apps/*.yaml", &["apps/b.yaml"]);
        check(
            ":(glob)apps/**/config.json",
            &["apps/a/config.json", "apps/a/deep/config.json"],
        );
        check(":(glob)**/b.yaml", &["apps/b.yaml"]);
        check(
            ":(glob)apps/**",
            &[
                "apps/a/config.json",
                "apps/a/deep/config.json",
                "apps/b.yaml",
                "apps/b/values.yaml",
            ],
        );
        check(":(icase)clusters/prod", &["clusters/Prod/config.json"]);
        check(":(literal)apps/*.yaml", &[]);
        check(
            ":!apps",
            &[
                "README.md",
                "apps-old/c.json",
                "clusters/Prod/config.json",
                "clusters/dev/config.json",
                "x.json",
            ],
        );
        check(
            ":(exclude)*.json",
            &["README.md", "apps/b.yaml", "apps/b/values.yaml"],
        );
        check(":/x.json", &["x.json"]);
        check("**/.", &[]);
        check(
            "apps/.",
            &[
                "apps/a/config.json",
                "apps/a/deep/config.json",
                "apps/b.yaml",
                "apps/b/values.yaml",
            ],
        );
    }

    #[test]
    fn errors() {
        let files: Vec<String> = Vec::new();
        assert_eq!(
            ls_files("../x", &files).unwrap_err().0,
            "../x: '../x' is outside repository"
        );
        assert!(ls_files("/etc/passwd", &files).is_err());
        assert!(ls_files(":(attr:x)a", &files).is_err());
        assert!(ls_files(":(glob", &files).is_err());
        assert_eq!(
            ls_files(":!-x", &files).unwrap_err().0,
            "Unimplemented pathspec magic '-' in ':!-x'"
        );
    }
}
