//! User text in Markdown: names and messages come from manifests and snapshots, so
//! nothing in them may become markup, a link, a mention or a reference on GitHub or
//! GitLab (backticks in messages keep their meaning as code).

use crate::escape::visible;

/// User text as Markdown on one line. Pairs of backticks keep their meaning (messages
/// put user values in backticks); everything else renders literally, and nothing in it
/// mentions, links or references anyone.
pub(crate) fn text(value: &str) -> String {
    inline(value, false)
}

/// [`text`] inside a table cell, where `|` would end the cell even inside code.
pub(crate) fn cell(value: &str) -> String {
    inline(value, true)
}

pub(super) fn inline(value: &str, in_table: bool) -> String {
    let value = visible(value);
    let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
    let parts: Vec<&str> = value.split('`').collect();
    let mut out = String::with_capacity(value.len());
    for (index, part) in parts.iter().enumerate() {
        let inside_backticks = index % 2 == 1;
        let unpaired = inside_backticks && index == parts.len() - 1;
        if !inside_backticks {
            out.push_str(&escape(part, in_table));
        } else if unpaired || part.trim().is_empty() {
            out.push_str("\\`");
            out.push_str(&escape(part, in_table));
            if !unpaired {
                out.push_str("\\`");
            }
        } else if in_table {
            out.push_str(&code_cell(part));
        } else {
            out.push_str(&code(part));
        }
    }
    out
}

/// Backslash-escapes what Markdown or HTML would read as markup, and shows each word
/// that a forge would turn into a mention, a link or a reference as code, where
/// neither GitHub nor GitLab looks for them: a backslash keeps Markdown from reading
/// `[x](y)`, but mentions, bare URLs and `#1` references are found in the rendered
/// text, escaped or not.
pub(super) fn escape(value: &str, in_table: bool) -> String {
    let mut out = String::with_capacity(value.len());
    for (index, word) in value.split(' ').enumerate() {
        if index > 0 {
            out.push(' ');
        }
        if is_live(word) {
            out.push_str(&if in_table {
                code_cell(word)
            } else {
                code(word)
            });
            continue;
        }
        for character in word.chars() {
            match character {
                '\\' | '`' | '*' | '_' | '~' | '|' | '[' | ']' | '<' | '>' | '#' => {
                    out.push('\\');
                    out.push(character);
                }
                '&' => out.push_str("&amp;"),
                other => out.push(other),
            }
        }
    }
    out
}

/// A word GitHub or GitLab would act on in rendered text: a mention (`@user`,
/// `@org/team`) or an email address, a URL of any scheme or a `www.` address, and the
/// references `#1`, `!1`, `~label`, `%milestone`, `$snippet`, `&epic`, `^alert`.
pub(super) fn is_live(word: &str) -> bool {
    word.contains('@')
        || word.contains("://")
        || word.to_ascii_lowercase().contains("www.")
        || word.char_indices().any(|(at, character)| {
            matches!(character, '#' | '!' | '~' | '%' | '$' | '&' | '^')
                && word[at + character.len_utf8()..]
                    .chars()
                    .next()
                    .is_some_and(|next| next.is_alphanumeric() || next == '"')
        })
}

/// User text as an inline code span, on one line. Nothing inside a code span is
/// markup, a mention or a link.
pub(crate) fn code(value: &str) -> String {
    let value = visible(value);
    let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
    let longest_run = value
        .split(|character| character != '`')
        .map(str::len)
        .max()
        .unwrap_or(0);
    let ticks = "`".repeat(longest_run + 1);
    // A span that starts or ends with a backtick needs a space of padding, which
    // CommonMark strips again.
    if value.starts_with('`') || value.ends_with('`') {
        format!("{ticks} {value} {ticks}")
    } else {
        format!("{ticks}{value}{ticks}")
    }
}

/// An inline code span inside a table cell, where `|` would end the cell even in code.
pub(crate) fn code_cell(value: &str) -> String {
    code(value).replace('|', "\\|")
}

/// Text inside an HTML element such as `<summary>`, where Markdown is not rendered but
/// mentions, references and (on GitLab) bare URLs still are: such words go in `<code>`.
pub(crate) fn html(value: &str) -> String {
    let value = visible(value);
    let mut out = String::with_capacity(value.len());
    for (index, word) in value.split(' ').enumerate() {
        if index > 0 {
            out.push(' ');
        }
        let live = is_live(word);
        if live {
            out.push_str("<code>");
        }
        for character in word.chars() {
            match character {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\n' | '\r' => out.push(' '),
                other => out.push(other),
            }
        }
        if live {
            out.push_str("</code>");
        }
    }
    out
}

/// A fenced code block whose fence is longer than any backtick run in the body.
pub(crate) fn fence(language: &str, body: &str) -> String {
    let body = visible(body);
    let longest_run = body
        .split(|character| character != '`')
        .map(str::len)
        .max()
        .unwrap_or(0);
    let ticks = "`".repeat(longest_run.max(2) + 1);
    format!("{ticks}{language}\n{body}\n{ticks}\n")
}
