//! Sprig's string functions.

use super::{arg_int, arg_str, as_list, f, strval, Ctx, FnResult, Func, Ty};
use crate::gofmt;
use crate::value::{ElemType, MapType, Value};
use std::collections::BTreeMap;
use std::rc::Rc;

const S: Ty = Ty::Str;
const I: Ty = Ty::Int;
const A: Ty = Ty::Any;

fn s(text: String) -> FnResult {
    Ok(Value::string(text))
}

pub(crate) fn funcs() -> Vec<Func> {
    vec![
        f("hello", &[], None, |_, _| s("Hello!".to_string())),
        f("upper", &[S], None, |_, a| {
            s(arg_str(&a[0]).chars().map(to_upper).collect())
        }),
        f("lower", &[S], None, |_, a| {
            s(arg_str(&a[0]).chars().map(to_lower).collect())
        }),
        f("title", &[S], None, |_, a| s(title(arg_str(&a[0])))),
        f("untitle", &[S], None, |_, a| s(untitle(arg_str(&a[0])))),
        f("substr", &[I, I, S], None, |_, a| {
            substr(arg_int(&a[0]), arg_int(&a[1]), arg_str(&a[2]))
        }),
        f("repeat", &[I, S], None, |_, a| {
            repeat(arg_int(&a[0]), arg_str(&a[1]))
        }),
        f("trunc", &[I, S], None, |_, a| {
            s(trunc(arg_int(&a[0]), arg_str(&a[1])))
        }),
        f("trim", &[S], None, |_, a| {
            s(go_trim_space(arg_str(&a[0])).to_string())
        }),
        f("trimAll", &[S, S], None, |_, a| {
            s(trim_cutset(arg_str(&a[1]), arg_str(&a[0])).to_string())
        }),
        f("trimall", &[S, S], None, |_, a| {
            s(trim_cutset(arg_str(&a[1]), arg_str(&a[0])).to_string())
        }),
        f("trimSuffix", &[S, S], None, |_, a| {
            let (suffix, text) = (arg_str(&a[0]), arg_str(&a[1]));
            s(text.strip_suffix(suffix).unwrap_or(text).to_string())
        }),
        f("trimPrefix", &[S, S], None, |_, a| {
            let (prefix, text) = (arg_str(&a[0]), arg_str(&a[1]));
            s(text.strip_prefix(prefix).unwrap_or(text).to_string())
        }),
        f("nospace", &[S], None, |_, a| {
            // goutils works on bytes, each read as a rune (Latin-1).
            s(arg_str(&a[0])
                .bytes()
                .map(char::from)
                .filter(|c| !c.is_whitespace())
                .collect())
        }),
        f("initials", &[S], None, |_, a| s(initials(arg_str(&a[0])))),
        f("swapcase", &[S], None, |_, a| s(swapcase(arg_str(&a[0])))),
        f("snakecase", &[S], None, |_, a| {
            s(snakecase(arg_str(&a[0]), '_'))
        }),
        f("kebabcase", &[S], None, |_, a| {
            s(snakecase(arg_str(&a[0]), '-'))
        }),
        f("camelcase", &[S], None, |_, a| s(camelcase(arg_str(&a[0])))),
        f("shuffle", &[S], None, shuffle),
        f("randAlphaNum", &[I], None, |c, a| {
            random_string(c, &a[0], RandomKind::AlphaNum)
        }),
        f("randAlpha", &[I], None, |c, a| {
            random_string(c, &a[0], RandomKind::Alpha)
        }),
        f("randAscii", &[I], None, |c, a| {
            random_string(c, &a[0], RandomKind::Ascii)
        }),
        f("randNumeric", &[I], None, |c, a| {
            random_string(c, &a[0], RandomKind::Numeric)
        }),
        f("wrap", &[I, S], None, |_, a| {
            s(wrap_custom(arg_str(&a[1]), arg_int(&a[0]), "\n", false))
        }),
        f("wrapWith", &[I, S, S], None, |_, a| {
            s(wrap_custom(
                arg_str(&a[2]),
                arg_int(&a[0]),
                arg_str(&a[1]),
                true,
            ))
        }),
        f("contains", &[S, S], None, |_, a| {
            Ok(Value::Bool(arg_str(&a[1]).contains(arg_str(&a[0]))))
        }),
        f("hasPrefix", &[S, S], None, |_, a| {
            Ok(Value::Bool(arg_str(&a[1]).starts_with(arg_str(&a[0]))))
        }),
        f("hasSuffix", &[S, S], None, |_, a| {
            Ok(Value::Bool(arg_str(&a[1]).ends_with(arg_str(&a[0]))))
        }),
        f("quote", &[], Some(A), |_, a| {
            let parts: Vec<String> = a
                .iter()
                .filter(|v| !v.is_nilish())
                .map(|v| gofmt::quote(&strval(v)))
                .collect();
            s(parts.join(" "))
        }),
        f("squote", &[], Some(A), |_, a| {
            let parts: Vec<String> = a
                .iter()
                .filter(|v| !v.is_nilish())
                .map(|v| format!("'{}'", gofmt::to_v(v)))
                .collect();
            s(parts.join(" "))
        }),
        f("cat", &[], Some(A), |_, a| {
            let parts: Vec<String> = a
                .iter()
                .filter(|v| !v.is_nilish())
                .map(gofmt::to_v)
                .collect();
            s(parts.join(" "))
        }),
        f("indent", &[I, S], None, |_, a| {
            indent(arg_int(&a[0]), arg_str(&a[1]))
        }),
        f("nindent", &[I, S], None, |_, a| {
            indent(arg_int(&a[0]), arg_str(&a[1]))
                .map(|v| Value::string(format!("\n{}", v.as_str().unwrap_or(""))))
        }),
        f("replace", &[S, S, S], None, |_, a| {
            s(go_replace(arg_str(&a[2]), arg_str(&a[0]), arg_str(&a[1])))
        }),
        f("plural", &[S, S, I], None, |_, a| {
            Ok(if arg_int(&a[2]) == 1 {
                a[0].clone()
            } else {
                a[1].clone()
            })
        }),
        f("toString", &[A], None, |_, a| s(strval(&a[0]))),
        f("abbrev", &[I, S], None, |_, a| {
            s(abbrev(arg_int(&a[0]), arg_str(&a[1])))
        }),
        f("abbrevboth", &[I, I, S], None, |_, a| {
            s(abbrevboth(arg_int(&a[0]), arg_int(&a[1]), arg_str(&a[2])))
        }),
        f("split", &[S, S], None, |_, a| {
            let parts = go_split(arg_str(&a[1]), arg_str(&a[0]), -1);
            Ok(parts_map(parts))
        }),
        f("splitn", &[S, I, S], None, |_, a| {
            let parts = go_split(arg_str(&a[2]), arg_str(&a[0]), arg_int(&a[1]));
            Ok(parts_map(parts))
        }),
        f("splitList", &[S, S], None, |_, a| {
            Ok(Value::str_list(go_split(
                arg_str(&a[1]),
                arg_str(&a[0]),
                -1,
            )))
        }),
        f("toStrings", &[A], None, |_, a| {
            Ok(Value::str_list(strslice(&a[0])))
        }),
        f("join", &[S, A], None, |_, a| {
            s(strslice(&a[1]).join(arg_str(&a[0])))
        }),
        f("sortAlpha", &[A], None, |_, a| {
            let mut items = match &a[0] {
                Value::List(..) => strslice(&a[0]),
                other => vec![strval(other)],
            };
            items.sort();
            Ok(Value::str_list(items))
        }),
    ]
}

fn parts_map(parts: Vec<String>) -> Value {
    let map: BTreeMap<String, Value> = parts
        .into_iter()
        .enumerate()
        .map(|(index, part)| (format!("_{index}"), Value::string(part)))
        .collect();
    Value::Map(Rc::new(std::cell::RefCell::new(map)), MapType::Str)
}

/// Sprig's `strslice`: the strings of a list (nil elements dropped), or the value as
/// a one-element list.
pub(crate) fn strslice(value: &Value) -> Vec<String> {
    match value {
        Value::List(items, ElemType::Str) => items.iter().map(strval).collect(),
        Value::List(items, _) => items
            .iter()
            .filter(|item| !item.is_nilish())
            .map(strval)
            .collect(),
        Value::Missing | Value::Nil => Vec::new(),
        other => vec![strval(other)],
    }
}

/// Go's `strings.Split`/`SplitN` (n < 0: all).
pub(crate) fn go_split(text: &str, sep: &str, n: i64) -> Vec<String> {
    if n == 0 {
        return Vec::new();
    }
    if sep.is_empty() {
        let chars: Vec<String> = text.chars().map(String::from).collect();
        if n > 0 && chars.len() > n as usize {
            let mut head: Vec<String> = chars[..n as usize - 1].to_vec();
            let rest_start: usize = head.iter().map(String::len).sum();
            head.push(text[rest_start..].to_string());
            return head;
        }
        return chars;
    }
    if n < 0 {
        return text.split(sep).map(str::to_string).collect();
    }
    text.splitn(n as usize, sep).map(str::to_string).collect()
}

/// Go's `strings.Replace(s, old, new, -1)`, including the empty-`old` case.
fn go_replace(text: &str, old: &str, new: &str) -> String {
    if old.is_empty() {
        let mut out = String::with_capacity(text.len() + new.len() * (text.len() + 1));
        out.push_str(new);
        for c in text.chars() {
            out.push(c);
            out.push_str(new);
        }
        return out;
    }
    text.replace(old, new)
}

pub(crate) fn go_trim_space(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_whitespace())
}

fn trim_cutset<'a>(text: &'a str, cutset: &str) -> &'a str {
    text.trim_matches(|c: char| cutset.contains(c))
}

fn byte_slice(text: &str, start: usize, end: usize) -> String {
    crate::value::lossy_utf8(&text.as_bytes()[start..end])
}

fn slice_panic(start: i64, end: i64, len: usize) -> String {
    if end > len as i64 && start >= 0 {
        format!("runtime error: slice bounds out of range [:{end}] with length {len}")
    } else {
        format!("runtime error: slice bounds out of range [{start}:{end}]")
    }
}

fn substr(start: i64, end: i64, text: &str) -> FnResult {
    let len = text.len() as i64;
    if start < 0 {
        if end < 0 {
            return Err(format!("runtime error: slice bounds out of range [:{end}]"));
        }
        if end > len {
            return Err(slice_panic(0, end, text.len()));
        }
        return s(byte_slice(text, 0, end as usize));
    }
    if end < 0 || end > len {
        if start > len {
            return Err(format!(
                "runtime error: slice bounds out of range [{start}:{len}]"
            ));
        }
        return s(byte_slice(text, start as usize, text.len()));
    }
    if start > end {
        return Err(format!(
            "runtime error: slice bounds out of range [{start}:{end}]"
        ));
    }
    s(byte_slice(text, start as usize, end as usize))
}

fn repeat(count: i64, text: &str) -> FnResult {
    if count < 0 {
        return Err("strings: negative Repeat count".to_string());
    }
    if (count as u128) * (text.len() as u128) > crate::MAX_VALUE_BYTES as u128 {
        return Err("strings: Repeat output length overflow".to_string());
    }
    s(text.repeat(count as usize))
}

fn trunc(count: i64, text: &str) -> String {
    let len = text.len() as i64;
    if count < 0 && len + count > 0 {
        return byte_slice(text, (len + count) as usize, text.len());
    }
    if count >= 0 && len > count {
        return byte_slice(text, 0, count as usize);
    }
    text.to_string()
}

fn indent(spaces: i64, text: &str) -> FnResult {
    if spaces < 0 {
        return Err("strings: negative Repeat count".to_string());
    }
    if spaces as u64 > crate::MAX_VALUE_BYTES as u64 {
        return Err("strings: Repeat output length overflow".to_string());
    }
    let pad = " ".repeat(spaces as usize);
    let mut out = String::with_capacity(text.len() + pad.len());
    out.push_str(&pad);
    out.push_str(&text.replace('\n', &format!("\n{pad}")));
    s(out)
}

/// Go's `strings.Title`: upper-case the first letter of each word.
fn title(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut prev = ' ';
    for c in text.chars() {
        if is_separator(prev) {
            // Go uses unicode.ToTitle, which equals upper case for nearly all letters.
            out.push(to_upper(c));
        } else {
            out.push(c);
        }
        prev = c;
    }
    out
}

fn is_separator(c: char) -> bool {
    if c.is_ascii() {
        return !(c.is_ascii_alphanumeric() || c == '_');
    }
    if c.is_alphanumeric() {
        return false;
    }
    c.is_whitespace()
}

fn untitle(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at_start = true;
    for c in text.chars() {
        if c.is_whitespace() {
            at_start = true;
            out.push(c);
        } else if at_start {
            out.push(to_lower(c));
            at_start = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn initials(text: &str) -> String {
    let mut out = String::new();
    let mut at_start = true;
    // goutils works on bytes, each read as a rune (Latin-1).
    for c in text.bytes().map(char::from) {
        if c.is_whitespace() {
            at_start = true;
        } else if at_start {
            out.push(c);
            at_start = false;
        }
    }
    out
}

/// Go's `unicode.ToUpper`: one rune to one rune (so `ß` stays `ß`).
pub(crate) fn to_upper(c: char) -> char {
    let mut upper = c.to_uppercase();
    match (upper.next(), upper.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

/// Go's `unicode.ToLower`: one rune to one rune.
pub(crate) fn to_lower(c: char) -> char {
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

fn swapcase(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_uppercase() {
                to_lower(c)
            } else if c.is_lowercase() {
                to_upper(c)
            } else {
                c
            }
        })
        .collect()
}

fn is_connector(c: char) -> bool {
    c == '-' || c == '_' || c.is_whitespace()
}

/// xstrings' `ToSnakeCase` / `ToKebabCase` (xstrings 1.3.3 to 1.5.0, `convert.go`,
/// `camelCaseToLowerCase`): the text is cut into words (runs of capitals, capitalised or
/// lower-case letters, digits, connectors, punctuation, anything else), words are
/// lower-cased and joined with the connector. Digits stick to the letters before them
/// when a capital follows (`Bld4Floor` -> `bld4_floor`) and start a word of their own
/// when lower-case letters follow (`k8s` -> `k_8s`, `http2xx` -> `http_2xx`).
fn snakecase(text: &str, connector: char) -> String {
    let mut out = String::with_capacity(text.len() + 4);
    let (mut kind, mut word, mut rest) = next_word(text);
    while !rest.is_empty() {
        if kind != WordKind::Connector {
            push_lowered(&mut out, kind, word, connector);
        }
        let previous = kind;
        let previous_word = word;
        (kind, word, rest) = next_word(rest);
        match previous {
            WordKind::Number => {
                while matches!(kind, WordKind::Letters | WordKind::Number) {
                    push_lowered(&mut out, kind, word, connector);
                    (kind, word, rest) = next_word(rest);
                }
                if !matches!(kind, WordKind::End | WordKind::Punct | WordKind::Connector) {
                    out.push(connector);
                }
            }
            WordKind::Connector => push_lowered(&mut out, previous, previous_word, connector),
            WordKind::Punct => {}
            _ => {
                if kind != WordKind::Number {
                    if !matches!(kind, WordKind::Connector | WordKind::Punct) {
                        out.push(connector);
                    }
                    continue;
                }
                if rest.is_empty() {
                    continue;
                }
                let digits = word;
                (kind, word, rest) = next_word(rest);
                if kind != WordKind::Letters {
                    // Digits followed by a capital or a symbol end the word before.
                    push_lowered(&mut out, WordKind::Number, digits, connector);
                    if !matches!(kind, WordKind::Connector | WordKind::Punct) {
                        out.push(connector);
                    }
                    continue;
                }
                // Digits followed by lower-case letters start a word of their own.
                out.push(connector);
                push_lowered(&mut out, WordKind::Number, digits, connector);
                while matches!(kind, WordKind::Letters | WordKind::Number) {
                    push_lowered(&mut out, kind, word, connector);
                    (kind, word, rest) = next_word(rest);
                }
                if !matches!(kind, WordKind::End | WordKind::Connector | WordKind::Punct) {
                    out.push(connector);
                }
            }
        }
    }
    push_lowered(&mut out, kind, word, connector);
    out
}

/// The word classes of xstrings' `nextWord`; `End` is what is left of an empty text.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum WordKind {
    End,
    Number,
    /// Starts with a capital: a run of capitals, or one capital and lower-case letters.
    Capital,
    /// Lower-case (or caseless) letters.
    Letters,
    Connector,
    Punct,
    Other,
}

/// Splits the first word off `text`: (class, word, rest).
fn next_word(text: &str) -> (WordKind, &str, &str) {
    let mut chars = text.chars();
    let Some(first) = chars.next() else {
        return (WordKind::End, "", "");
    };
    let mut end = first.len_utf8();
    let extend = |end: &mut usize, keep: &dyn Fn(char) -> bool| {
        for c in text[*end..].chars() {
            if !keep(c) {
                break;
            }
            *end += c.len_utf8();
        }
    };
    let kind = if is_connector(first) {
        extend(&mut end, &is_connector);
        WordKind::Connector
    } else if is_go_punct(first) {
        extend(&mut end, &is_go_punct);
        WordKind::Punct
    } else if is_go_upper(first) {
        match text[end..].chars().next() {
            Some(second) if is_go_upper(second) => {
                // A run of capitals; when letters follow, its last capital starts
                // the next word (`HTTPServer` -> `HTTP`, `Server`).
                let mut last_len = 0;
                let mut stopped_at = None;
                for c in text[end..].chars() {
                    if !is_go_upper(c) {
                        stopped_at = Some(c);
                        break;
                    }
                    last_len = c.len_utf8();
                    end += last_len;
                }
                if stopped_at.is_some_and(is_letter) {
                    end -= last_len;
                }
            }
            Some(second) if is_letter(second) => {
                end += second.len_utf8();
                extend(&mut end, &|c| is_letter(c) && !is_go_upper(c));
            }
            _ => {}
        }
        WordKind::Capital
    } else if is_letter(first) {
        extend(&mut end, &|c| is_letter(c) && !is_go_upper(c));
        WordKind::Letters
    } else if first.is_numeric() {
        extend(&mut end, &char::is_numeric);
        WordKind::Number
    } else {
        extend(&mut end, &|c| {
            !(is_connector(c) || is_letter(c) || c.is_numeric() || is_go_punct(c))
        });
        WordKind::Other
    };
    (kind, &text[..end], &text[end..])
}

/// Writes a word lower-cased (capital words) or with its connectors replaced
/// (connector words); other words are written as they are.
fn push_lowered(out: &mut String, kind: WordKind, word: &str, connector: char) {
    if !matches!(kind, WordKind::Capital | WordKind::Connector) {
        out.push_str(word);
        return;
    }
    for c in word.chars() {
        if is_connector(c) {
            out.push(connector);
        } else if is_go_upper(c) {
            out.push(to_lower(c));
        } else {
            out.push(c);
        }
    }
}

/// Go's `unicode.IsUpper` (category Lu).
fn is_go_upper(c: char) -> bool {
    c.is_uppercase() && to_lower(c) != c
}

/// xstrings' `isAlphabet`: a letter, except the common CJK ideographs.
fn is_letter(c: char) -> bool {
    let cjk = ('\u{4E00}'..='\u{9FCC}').contains(&c)
        || ('\u{3400}'..='\u{4D85}').contains(&c)
        || ('\u{20000}'..='\u{2B81D}').contains(&c);
    c.is_alphabetic() && !c.is_numeric() && !cjk
}

/// Go's `unicode.IsPunct` (ASCII exactly; other scripts approximately).
fn is_go_punct(c: char) -> bool {
    if c.is_ascii() {
        return "!\"#%&'()*,-./:;?@[\\]_{}".contains(c);
    }
    !c.is_alphanumeric() && !c.is_whitespace()
}

/// Sprig's `camelcase` as Argo CD 3.x builds it: Sprig 3.3.0 calls xstrings 1.5.0's
/// `ToPascalCase`, kept by Sprig (its pull request #404) to return what `ToCamelCase`
/// returned since xstrings 1.4.0: connectors dropped, the letter after each connector
/// and the first letter upper-cased, every other letter left as written (xstrings
/// commit 1707565 stopped lower-casing them: `GOLANG_IS_GREAT` -> `GOLANGISGREAT`).
fn camelcase(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    let mut current = None;
    for c in chars.by_ref() {
        if !is_connector(c) {
            current = Some(to_upper(c));
            break;
        }
        out.push(c);
    }
    let Some(mut r0) = current else {
        return out;
    };
    for next in chars {
        let r1 = r0;
        r0 = next;
        if is_connector(r0) && is_connector(r1) {
            out.push(r1);
            continue;
        }
        if is_connector(r1) {
            r0 = to_upper(r0);
        } else {
            out.push(r1);
        }
    }
    out.push(r0);
    out
}

fn shuffle(ctx: &mut Ctx<'_>, args: Vec<Value>) -> FnResult {
    let mut chars: Vec<char> = arg_str(&args[0]).chars().collect();
    for index in (1..chars.len()).rev() {
        let other = (ctx.next_u64() % (index as u64 + 1)) as usize;
        chars.swap(index, other);
    }
    s(chars.into_iter().collect())
}

enum RandomKind {
    AlphaNum,
    Alpha,
    Ascii,
    Numeric,
}

fn random_string(ctx: &mut Ctx<'_>, count: &Value, kind: RandomKind) -> FnResult {
    let count = arg_int(count);
    if count < 0 {
        return Err(format!(
            "Requested random string length {count} is less than 0."
        ));
    }
    if count as u64 > crate::MAX_VALUE_BYTES as u64 {
        return Err("requested random string is too long".to_string());
    }
    let alphabet: Vec<char> = match kind {
        RandomKind::AlphaNum => ('a'..='z').chain('A'..='Z').chain('0'..='9').collect(),
        RandomKind::Alpha => ('a'..='z').chain('A'..='Z').collect(),
        RandomKind::Ascii => (' '..='~').collect(),
        RandomKind::Numeric => ('0'..='9').collect(),
    };
    let mut out = String::with_capacity(count as usize);
    for _ in 0..count {
        let index = (ctx.next_u64() % alphabet.len() as u64) as usize;
        out.push(alphabet[index]);
    }
    s(out)
}

/// goutils' `WrapCustom`.
fn wrap_custom(text: &str, width: i64, newline: &str, wrap_long: bool) -> String {
    let width = if width < 1 { 1 } else { width as usize };
    let newline = if newline.is_empty() { "\n" } else { newline };
    let chars: Vec<char> = text.chars().collect();
    let len = chars.len();
    let mut offset = 0usize;
    let mut out = String::with_capacity(text.len() + 32);
    while len - offset > width {
        if chars[offset] == ' ' {
            offset += 1;
            continue;
        }
        let window_end = (width + offset + 1).min(len);
        let window = &chars[offset..window_end];
        let space = window.iter().rposition(|c| *c == ' ');
        if let Some(space) = space {
            out.extend(&chars[offset..offset + space]);
            out.push_str(newline);
            offset += space + 1;
        } else if wrap_long {
            out.extend(&chars[offset..offset + width]);
            out.push_str(newline);
            offset += width;
        } else {
            let rest = &chars[offset + width..];
            match rest.iter().position(|c| *c == ' ') {
                Some(space) => {
                    let end = offset + width + space;
                    out.extend(&chars[offset..end]);
                    out.push_str(newline);
                    offset = end + 1;
                }
                None => {
                    out.extend(&chars[offset..]);
                    offset = len;
                }
            }
        }
    }
    out.extend(&chars[offset..]);
    out
}

fn abbrev(width: i64, text: &str) -> String {
    if width < 4 {
        return text.to_string();
    }
    abbreviate_full(text, 0, width)
}

fn abbrevboth(left: i64, right: i64, text: &str) -> String {
    if right < 4 || left > 0 && right < 7 {
        return text.to_string();
    }
    abbreviate_full(text, left, right)
}

/// goutils' `AbbreviateFull` (rune-based).
fn abbreviate_full(text: &str, offset: i64, width: i64) -> String {
    let chars: Vec<char> = text.chars().collect();
    let len = chars.len() as i64;
    if width < 4 || (offset > 0 && width < 7) || len <= width {
        return text.to_string();
    }
    let mut offset = offset.min(len);
    if len - offset < width - 3 {
        offset = len - (width - 3);
    }
    let ellipsis = "...";
    if offset <= 4 {
        let head: String = chars[..(width - 3) as usize].iter().collect();
        return head + ellipsis;
    }
    if offset + width - 3 < len {
        let rest: String = chars[offset as usize..].iter().collect();
        return format!("{ellipsis}{}", abbreviate_full(&rest, 0, width - 3));
    }
    let tail: String = chars[(len - (width - 3)) as usize..].iter().collect();
    format!("{ellipsis}{tail}")
}

/// The list of a value that should be a list, for the Sprig functions that say
/// "Cannot ... on type T".
pub(crate) fn list_of<'a>(value: &'a Value, what: &str) -> Result<&'a [Value], String> {
    as_list(value).ok_or_else(|| {
        if value.is_nilish() {
            "runtime error: invalid memory address or nil pointer dereference".to_string()
        } else {
            format!("Cannot {what} on type {}", value.kind_name())
        }
    })
}
