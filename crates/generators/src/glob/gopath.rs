//! Go's `path.Match`, which the git directory generator applies to every directory of
//! the repository (rulebook 4.3).
//!
//! The rules, restated: a pattern is a sequence of chunks, each optionally preceded by
//! `*`. `*` matches any run of bytes except `/`; `?` matches one character except `/`;
//! `[...]` matches one character in (or, with `^`, not in) the listed characters and
//! ranges, `/` included; `\` makes the next character literal, also inside a class. A
//! class must list at least one character, `-` and `]` must be escaped inside it, and a
//! range needs both ends. A malformed pattern matches nothing.
//!
//! Go matches each chunk at the leftmost position where it fits and never reconsiders an
//! earlier star, and its stars step through the name byte by byte (so a chunk may start
//! inside a multi-byte character, where `?` and classes see one invalid byte). This port
//! keeps both behaviours, since they decide what matches.

/// A parsed `path.Match` pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GoPattern {
    chunks: Vec<Chunk>,
}

/// The pattern is malformed (Go's `ErrBadPattern`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BadPattern;

#[derive(Debug, Clone, PartialEq, Eq)]
struct Chunk {
    /// Preceded by one or more `*`.
    star: bool,
    tokens: Vec<Token>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Byte(u8),
    /// `?`: one character that is not `/`.
    AnyChar,
    Class {
        negated: bool,
        ranges: Vec<(u32, u32)>,
    },
}

/// Go's `utf8.RuneError`, what an invalid byte decodes to.
const REPLACEMENT: u32 = 0xFFFD;

impl GoPattern {
    pub(crate) fn parse(pattern: &str) -> Result<GoPattern, BadPattern> {
        let chunks = split_chunks(pattern.as_bytes())
            .into_iter()
            .map(|(star, text)| {
                Ok(Chunk {
                    star,
                    tokens: parse_chunk(text)?,
                })
            })
            .collect::<Result<Vec<_>, BadPattern>>()?;
        Ok(GoPattern { chunks })
    }

    pub(crate) fn matches(&self, name: &str) -> bool {
        let name = name.as_bytes();
        let mut position = 0;
        let count = self.chunks.len();
        'chunks: for (index, chunk) in self.chunks.iter().enumerate() {
            let last = index + 1 == count;
            if chunk.star && chunk.tokens.is_empty() {
                // A trailing star takes the rest of the name, unless it holds a `/`.
                return !name[position..].contains(&b'/');
            }
            if let Some(end) = match_chunk(&chunk.tokens, name, position) {
                if end == name.len() || !last {
                    position = end;
                    continue;
                }
            }
            if chunk.star {
                let mut skip = position;
                while skip < name.len() && name[skip] != b'/' {
                    if let Some(end) = match_chunk(&chunk.tokens, name, skip + 1) {
                        if !(last && end < name.len()) {
                            position = end;
                            continue 'chunks;
                        }
                    }
                    skip += 1;
                }
            }
            return false;
        }
        position == name.len()
    }
}

/// Go's `path.Match`: whether `name` matches `pattern`, or why the pattern is malformed.
#[cfg(test)]
pub(crate) fn go_path_match(pattern: &str, name: &str) -> Result<bool, BadPattern> {
    Ok(GoPattern::parse(pattern)?.matches(name))
}

/// Cuts a pattern into chunks the way Go scans it: leading stars, then everything up to
/// the next star outside brackets. An escaped character never ends a chunk.
fn split_chunks(mut pattern: &[u8]) -> Vec<(bool, &[u8])> {
    let mut chunks = Vec::new();
    while !pattern.is_empty() {
        let mut star = false;
        while let Some((b'*', rest)) = pattern.split_first() {
            pattern = rest;
            star = true;
        }
        let mut in_class = false;
        let mut end = 0;
        while end < pattern.len() {
            match pattern[end] {
                b'\\' if end + 1 < pattern.len() => end += 1,
                b'[' => in_class = true,
                b']' => in_class = false,
                b'*' if !in_class => break,
                _ => {}
            }
            end += 1;
        }
        chunks.push((star, &pattern[..end]));
        pattern = &pattern[end..];
    }
    chunks
}

fn parse_chunk(chunk: &[u8]) -> Result<Vec<Token>, BadPattern> {
    let mut tokens = Vec::new();
    let mut at = 0;
    while at < chunk.len() {
        match chunk[at] {
            b'[' => {
                at += 1;
                let negated = chunk.get(at) == Some(&b'^');
                if negated {
                    at += 1;
                }
                let mut ranges = Vec::new();
                loop {
                    if chunk.get(at) == Some(&b']') && !ranges.is_empty() {
                        at += 1;
                        break;
                    }
                    let (low, used) = class_char(&chunk[at..])?;
                    at += used;
                    let mut high = low;
                    // `class_char` guarantees something follows.
                    if chunk[at] == b'-' {
                        let (end, used) = class_char(&chunk[at + 1..])?;
                        high = end;
                        at += 1 + used;
                    }
                    ranges.push((low, high));
                }
                tokens.push(Token::Class { negated, ranges });
            }
            b'?' => {
                tokens.push(Token::AnyChar);
                at += 1;
            }
            b'\\' => {
                let Some(&escaped) = chunk.get(at + 1) else {
                    return Err(BadPattern);
                };
                tokens.push(Token::Byte(escaped));
                at += 2;
            }
            byte => {
                tokens.push(Token::Byte(byte));
                at += 1;
            }
        }
    }
    Ok(tokens)
}

/// One character of a class (Go's `getEsc`): not `-` or `]` unless escaped, and never
/// the last thing in the chunk (a class must be closed). Returns it and the bytes used.
fn class_char(text: &[u8]) -> Result<(u32, usize), BadPattern> {
    let mut at = 0;
    match text.first() {
        None | Some(b'-') | Some(b']') => return Err(BadPattern),
        Some(b'\\') => {
            at = 1;
            if text.len() == 1 {
                return Err(BadPattern);
            }
        }
        Some(_) => {}
    }
    let (character, width) = decode(text, at);
    if character == REPLACEMENT && width == 1 {
        return Err(BadPattern);
    }
    if at + width >= text.len() {
        return Err(BadPattern);
    }
    Ok((character, at + width))
}

/// Matches one chunk at `start`; returns where it ends.
fn match_chunk(tokens: &[Token], name: &[u8], start: usize) -> Option<usize> {
    let mut position = start;
    for token in tokens {
        if position >= name.len() {
            return None;
        }
        match token {
            Token::Byte(byte) => {
                if name[position] != *byte {
                    return None;
                }
                position += 1;
            }
            Token::AnyChar => {
                if name[position] == b'/' {
                    return None;
                }
                position += decode(name, position).1;
            }
            Token::Class { negated, ranges } => {
                let (character, width) = decode(name, position);
                let inside = ranges
                    .iter()
                    .any(|(low, high)| *low <= character && character <= *high);
                if inside == *negated {
                    return None;
                }
                position += width;
            }
        }
    }
    Some(position)
}

/// Decodes the character at `at` like Go's `utf8.DecodeRune`: an invalid or truncated
/// sequence is one byte of [`REPLACEMENT`].
pub(crate) fn decode(bytes: &[u8], at: usize) -> (u32, usize) {
    let first = bytes[at];
    if first < 0x80 {
        return (u32::from(first), 1);
    }
    let width = match first {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return (REPLACEMENT, 1),
    };
    match bytes
        .get(at..at + width)
        .and_then(|sequence| std::str::from_utf8(sequence).ok())
        .and_then(|text| text.chars().next())
    {
        Some(character) => (u32::from(character), width),
        None => (REPLACEMENT, 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Go's own table for `path.Match` (`src/path/match_test.go`), transcribed as data:
    /// pattern, name, whether it matches, whether the pattern is malformed.
    const GO_MATCH_TESTS: &[(&str, &str, bool, bool)] = &[
        ("abc", "abc", true, false),
        ("*", "abc", true, false),
        ("*c", "abc", true, false),
        ("a*", "a", true, false),
        ("a*", "abc", true, false),
        ("a*", "ab/c", false, false),
        ("a*/b", "abc/b", true, false),
        ("a*/b", "a/c/b", false, false),
        ("a*b*c*d*e*/f", "axbxcxdxe/f", true, false),
        ("a*b*c*d*e*/f", "axbxcxdxexxx/f", true, false),
        ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false, false),
        ("a*b*c*d*e*/f", "axbxcxdxexxx/fff", false, false),
        ("a*b?c*x", "abxbbxdbxebxczzx", true, false),
        ("a*b?c*x", "abxbbxdbxebxczzy", false, false),
        ("ab[c]", "abc", true, false),
        ("ab[b-d]", "abc", true, false),
        ("ab[e-g]", "abc", false, false),
        ("ab[^c]", "abc", false, false),
        ("ab[^b-d]", "abc", false, false),
        ("ab[^e-g]", "abc", true, false),
        ("a\\*b", "a*b", true, false),
        ("a\\*b", "ab", false, false),
        ("a?b", "a☺b", true, false),
        ("a[^a]b", "a☺b", true, false),
        ("a???b", "a☺b", false, false),
        ("a[^a][^a][^a]b", "a☺b", false, false),
        ("[a-ζ]*", "α", true, false),
        ("*[a-ζ]", "A", false, false),
        ("a?b", "a/b", false, false),
        ("a*b", "a/b", false, false),
        ("[\\]a]", "]", true, false),
        ("[\\-]", "-", true, false),
        ("[x\\-]", "x", true, false),
        ("[x\\-]", "-", true, false),
        ("[x\\-]", "z", false, false),
        ("[\\-x]", "x", true, false),
        ("[\\-x]", "-", true, false),
        ("[\\-x]", "a", false, false),
        ("[]a]", "]", false, true),
        ("[-]", "-", false, true),
        ("[x-]", "x", false, true),
        ("[x-]", "-", false, true),
        ("[x-]", "z", false, true),
        ("[-x]", "x", false, true),
        ("[-x]", "-", false, true),
        ("[-x]", "a", false, true),
        ("\\", "a", false, true),
        ("[a-b-c]", "a", false, true),
        ("[", "a", false, true),
        ("[^", "a", false, true),
        ("[^bc", "a", false, true),
        ("a[", "a", false, true),
        ("a[", "ab", false, true),
        ("a[", "x", false, true),
        ("a/b[", "x", false, true),
        ("*x", "xxx", true, false),
    ];

    #[test]
    fn go_match_table() {
        for &(pattern, name, matches, malformed) in GO_MATCH_TESTS {
            let expected = if malformed {
                Err(BadPattern)
            } else {
                Ok(matches)
            };
            assert_eq!(
                go_path_match(pattern, name),
                expected,
                "Match({pattern:?}, {name:?})"
            );
        }
    }

    #[track_caller]
    fn check(pattern: &str, name: &str, expected: bool) {
        assert_eq!(
            go_path_match(pattern, name),
            Ok(expected),
            "Match({pattern:?}, {name:?})"
        );
    }

    #[test]
    fn directory_generator_cases() {
        check("apps/*", "apps/a", true);
        check("apps/*", "apps/a/b", false);
        check("apps/*", "apps", false);
        check("apps/**", "apps/a", true);
        check("apps/**", "apps/a/b", false);
        check("*", "apps", true);
        check("*/*", "apps/a", true);
        check("", "", true);
        check("", "a", false);
        check("a[^x]b", "a/b", true);
        check("a[/]b", "a/b", true);
        check("[*]", "*", true);
        check("apps/[ab]*", "apps/beta", true);
        check("apps/[!a]*", "apps/beta", false);
        // Stars step through bytes, so a chunk can start inside a multi-byte character.
        check("*??", "☺", true);
        check("??", "☺", false);
        assert_eq!(go_path_match("a\\", "a"), Err(BadPattern));
        assert_eq!(go_path_match("a[\\", "x"), Err(BadPattern));
        assert_eq!(go_path_match("x*[", "xyz"), Err(BadPattern));
    }
}
