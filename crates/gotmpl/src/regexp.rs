//! Go's `regexp` syntax (RE2) on Rust's `regex` engine: the one translation every
//! workspace crate uses, for Sprig's regex functions and for the filters of Argo CD's
//! SCM provider and pull request generators (`regexp.Compile` in argo-cd
//! `applicationset/services/*/utils.go`).
//!
//! What differs between the two syntaxes, and how it is bridged:
//! - Go's `\d`, `\w`, `\s` and `\b` are ASCII-only; Rust's are Unicode. They are
//!   rewritten to ASCII classes (`\b` to `(?-u:\b)`).
//! - Go reads `\Q…\E` as literal text (to the end of the pattern without `\E`); Rust
//!   has no such escape. The text is escaped character by character.
//! - Inside a class, Rust reserves `&&`, `--` and `~~` for set operations; in Go they
//!   are plain characters, so they are escaped.
//!
//! Not bridged (Go rejects or reads them differently, Rust accepts them): `\<`, `\>`,
//! `\b{start}` and other Rust-only escapes, the `x` flag, `{,n}` (a literal in Go),
//! repeat counts above 1000. Compile errors are worded like Go's for the common cases.

type Chars<'p> = std::iter::Peekable<std::str::Chars<'p>>;

fn translate(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(next) = chars.next() else {
                    out.push('\\');
                    break;
                };
                match next {
                    'Q' => {
                        // Go's `\Q…\E` (regexp/syntax `parse`): literal text up to `\E`.
                        while let Some(inner) = chars.next() {
                            if inner == '\\' && chars.peek() == Some(&'E') {
                                chars.next();
                                break;
                            }
                            out.push_str(&regex::escape(inner.encode_utf8(&mut [0; 4])));
                        }
                    }
                    'd' => out.push_str("[0-9]"),
                    'D' => out.push_str("[^0-9]"),
                    'w' => out.push_str("[0-9A-Za-z_]"),
                    'W' => out.push_str("[^0-9A-Za-z_]"),
                    's' => out.push_str("[\\t\\n\\f\\r ]"),
                    'S' => out.push_str("[^\\t\\n\\f\\r ]"),
                    'b' => out.push_str("(?-u:\\b)"),
                    'B' => out.push_str("(?-u:\\B)"),
                    other => {
                        out.push('\\');
                        out.push(other);
                    }
                }
            }
            '[' => translate_class(&mut chars, &mut out),
            other => out.push(other),
        }
    }
    out
}

/// A character class, read as Go's `parseClass` reads it (after its `[`): an optional
/// `^`, a leading `]` taken literally, then items, each a POSIX class, a Perl class, or
/// a character that a following `-` (not before the closing `]`) makes a range's low end.
/// Characters Rust would read as class syntax (`[`, `&&`, `--`, `~~`) are escaped.
fn translate_class(chars: &mut Chars<'_>, out: &mut String) {
    out.push('[');
    if chars.peek() == Some(&'^') {
        out.push('^');
        chars.next();
    }
    let mut first = true;
    while let Some(&c) = chars.peek() {
        if c == ']' && !first {
            chars.next();
            out.push(']');
            return;
        }
        first = false;
        if c == '[' && class_starts_posix(chars) {
            for inner in chars.by_ref() {
                out.push(inner);
                if inner == ']' {
                    break;
                }
            }
            continue;
        }
        if c == '\\' {
            let mut lookahead = chars.clone();
            lookahead.next();
            let perl = match lookahead.peek() {
                Some('d') => Some("0-9"),
                Some('D') => Some("[^0-9]"),
                Some('w') => Some("0-9A-Za-z_"),
                Some('W') => Some("[^0-9A-Za-z_]"),
                Some('s') => Some("\\t\\n\\f\\r "),
                Some('S') => Some("[^\\t\\n\\f\\r ]"),
                _ => None,
            };
            if let Some(perl) = perl {
                chars.next();
                chars.next();
                out.push_str(perl);
                continue;
            }
        }
        push_class_char(chars, out);
        let mut lookahead = chars.clone();
        if lookahead.next() == Some('-') && lookahead.peek().is_some_and(|&next| next != ']') {
            chars.next();
            out.push('-');
            push_class_char(chars, out);
        }
    }
    // An unclosed class: leave it unclosed, so that compiling reports it.
}

fn class_starts_posix(chars: &Chars<'_>) -> bool {
    let mut lookahead = chars.clone();
    lookahead.next();
    lookahead.peek() == Some(&':')
}

/// One character of a class (an escape is copied whole), escaped when Rust would read
/// it as class syntax.
fn push_class_char(chars: &mut Chars<'_>, out: &mut String) {
    let Some(c) = chars.next() else { return };
    if c == '\\' {
        out.push('\\');
        if let Some(next) = chars.next() {
            out.push(next);
            // `\x{…}`, `\p{…}` and `\P{…}` carry braces; copy them whole.
            if matches!(next, 'x' | 'p' | 'P') && chars.peek() == Some(&'{') {
                for inner in chars.by_ref() {
                    out.push(inner);
                    if inner == '}' {
                        break;
                    }
                }
            }
        }
        return;
    }
    if matches!(c, '[' | ']' | '-' | '&' | '~' | '^') {
        out.push('\\');
    }
    out.push(c);
}

/// Compiles a Go regular expression. The error reads as Go's `regexp.Compile` error
/// (`error parsing regexp: missing closing ): `(a`).
pub fn compile(pattern: &str) -> Result<regex::Regex, String> {
    regex::RegexBuilder::new(&translate(pattern))
        .size_limit(1 << 20)
        .build()
        .map_err(|error| go_regex_error(pattern, &error.to_string()))
}

/// Words a pattern error as Go's regexp/syntax does, for the usual cases.
fn go_regex_error(pattern: &str, detail: &str) -> String {
    let last = detail.lines().last().unwrap_or("").trim();
    let reason = last.trim_start_matches("error: ");
    let code = if reason.contains("unclosed group") {
        "missing closing )"
    } else if reason.contains("unclosed character class") {
        "missing closing ]"
    } else if reason.contains("unopened group") {
        "unexpected )"
    } else if reason.contains("repetition operator missing expression") {
        "missing argument to repetition operator"
    } else if reason.contains("escape sequence") {
        "invalid escape sequence"
    } else if reason.contains("class range") {
        "invalid character class range"
    } else if reason.contains("repetition quantifier") || reason.contains("decimal") {
        "invalid repeat count"
    } else {
        reason
    };
    format!("error parsing regexp: {code}: `{pattern}`")
}

#[cfg(test)]
mod tests {
    use super::compile;

    #[track_caller]
    fn check(pattern: &str, text: &str, matches: bool) {
        let regex = compile(pattern).expect("compiles");
        assert_eq!(regex.is_match(text), matches, "{pattern} on {text:?}");
    }

    /// Go's regexp/syntax (`perl_groups.go`): `\d \w \s \b` are ASCII classes.
    #[test]
    fn perl_classes_are_ascii() {
        check(r"^\d+$", "١٢٣", false);
        check(r"^\d+$", "123", true);
        check(r"^\w+$", "café", false);
        check(r"^[\w-]+$", "feature-x_1", true);
        check(r"^\s$", "\u{a0}", false);
        check(r"\bé", "é", false);
        check(r"\bfix\b", "a fix here", true);
    }

    /// Go's regexp/syntax `parse`: `\Q…\E` is literal text, to the end without `\E`.
    #[test]
    fn quoted_literal_text() {
        check(r"\Qpla\E", "plan", true);
        check(r"^\Qa.b*\E$", "a.b*", true);
        check(r"^\Qa.b*\E$", "axbb", false);
        check(r"^\Qv1.2", "v1.2.3", true);
        check(r"^\Qab\E+$", "abbb", true);
    }

    /// Set operations are Rust's; in Go `&&`, `--` and `~~` in a class are characters
    /// (regexp/syntax `parseClass`), and `-` makes a range wherever a character follows.
    #[test]
    fn class_operators_are_characters() {
        check(r"^[a&&b]+$", "a&b", true);
        check(r"^[a~~b]+$", "~", true);
        check(r"^[+--]+$", "-,", true);
        check(r"^[a-c--]+$", "-b", true);
        check(r"^[]a]+$", "]a", true);
        check(r"^[^]a]+$", "b", true);
        check(r"^[[:alpha:]-]+$", "a-b", true);
        check(r"^[\d.-]+$", "1.2-3", true);
        check(r"^[\w]+$", "é", false);
        check(r"^[\D]+$", "é", true);
        assert!(
            compile(r"[a--b]").is_err(),
            "Go: invalid character class range"
        );
    }

    #[test]
    fn errors_read_as_go_writes_them() {
        assert_eq!(
            compile("(a").unwrap_err(),
            "error parsing regexp: missing closing ): `(a`"
        );
    }
}
