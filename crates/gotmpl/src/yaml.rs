//! YAML for `toYaml`, `fromYaml` and `fromYamlArray`.
//!
//! Writing follows what Argo CD's `toYaml` produces: the value goes through JSON and
//! then yaml.v2's emitter (block style, 2-space mappings, sequences not indented
//! under their key, yaml.v2's quoting rules and its 80-column folding of long plain
//! scalars). Reading uses serde-saphyr and converts to JSON-like values (numbers
//! become float64, as sigs.k8s.io/yaml makes them).

use crate::value::{from_json, Value};
use std::fmt::Write;

const BEST_WIDTH: usize = 80;

pub(crate) fn parse(text: &str) -> Result<Value, String> {
    if text.trim().is_empty() {
        return Ok(Value::Nil);
    }
    let json: serde_json::Value = serde_saphyr::from_str(text).map_err(|error| {
        let detail = error.to_string();
        let first = detail
            .lines()
            .next()
            .unwrap_or("")
            .trim_start_matches("error: ");
        format!("yaml: {first}")
    })?;
    Ok(from_json(&normalize_numbers(json)))
}

fn normalize_numbers(json: serde_json::Value) -> serde_json::Value {
    match json {
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.into_iter().map(normalize_numbers).collect())
        }
        serde_json::Value::Object(entries) => serde_json::Value::Object(
            entries
                .into_iter()
                .map(|(k, v)| (k, normalize_numbers(v)))
                .collect(),
        ),
        other => other,
    }
}

pub(crate) fn emit(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Map(map, _) if !map.borrow().is_empty() => emit_map(&mut out, value, 0),
        Value::List(items, _) if !items.is_empty() => emit_list(&mut out, value, 0),
        other => {
            write_scalar(&mut out, other, 2, false);
            out.push('\n');
        }
    }
    out
}

fn indent(out: &mut String, level: usize) {
    for _ in 0..level {
        out.push(' ');
    }
}

fn is_collection(value: &Value) -> bool {
    match value {
        Value::Map(map, _) => !map.borrow().is_empty(),
        Value::List(items, _) => !items.is_empty(),
        _ => false,
    }
}

fn emit_map(out: &mut String, value: &Value, level: usize) {
    let Value::Map(map, _) = value else { return };
    for (index, (key, item)) in map.borrow().iter().enumerate() {
        if index > 0 {
            indent(out, level);
        }
        write_string(out, key, level, true);
        out.push(':');
        match item {
            Value::Map(..) if is_collection(item) => {
                out.push('\n');
                indent(out, level + 2);
                emit_map(out, item, level + 2);
            }
            Value::List(..) if is_collection(item) => {
                out.push('\n');
                indent(out, level);
                emit_list(out, item, level);
            }
            scalar => {
                out.push(' ');
                write_scalar(out, scalar, level + 2, false);
                out.push('\n');
            }
        }
    }
}

fn emit_list(out: &mut String, value: &Value, level: usize) {
    let Value::List(items, _) = value else { return };
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            indent(out, level);
        }
        out.push_str("- ");
        match item {
            Value::Map(..) if is_collection(item) => emit_map(out, item, level + 2),
            Value::List(..) if is_collection(item) => emit_list(out, item, level + 2),
            scalar => {
                write_scalar(out, scalar, level + 2, false);
                out.push('\n');
            }
        }
    }
}

fn write_scalar(out: &mut String, value: &Value, level: usize, simple_key: bool) {
    match value {
        Value::Missing | Value::Nil => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i, _) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => {
            // JSON writes integral floats as integers, which YAML then reads as ints.
            if f.fract() == 0.0 && f.abs() < 1e21 && f.abs() <= i64::MAX as f64 {
                let _ = write!(out, "{}", *f as i64);
            } else {
                let text = match crate::funcs::json_float(*f) {
                    Ok(text) => text,
                    Err(_) => crate::gofmt::float_v(*f),
                };
                // The JSON text is read back as a float and written with %g.
                let reparsed: f64 = text.parse().unwrap_or(*f);
                out.push_str(&crate::gofmt::format_float(reparsed, 'g', -1));
            }
        }
        Value::Str(s) => write_string(out, s, level, simple_key),
        Value::Time(t) => write_string(out, &t.rfc3339().unwrap_or_default(), level, simple_key),
        Value::Semver(v) => write_string(out, &v.canonical(), level, simple_key),
        Value::Map(..) => out.push_str("{}"),
        Value::List(_, crate::value::ElemType::NilStr) => out.push_str("null"),
        Value::List(..) => out.push_str("[]"),
    }
}

/// yaml.v2's resolver: would this plain text read back as something other than a
/// string?
fn resolves_to_non_string(text: &str) -> bool {
    match text {
        "" | "~" | "null" | "Null" | "NULL" | "true" | "True" | "TRUE" | "false" | "False"
        | "FALSE" | "yes" | "Yes" | "YES" | "no" | "No" | "NO" | "on" | "On" | "ON" | "off"
        | "Off" | "OFF" | "y" | "Y" | "n" | "N" | ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf"
        | "+.INF" | "-.inf" | "-.Inf" | "-.INF" | ".nan" | ".NaN" | ".NAN" => {
            return true;
        }
        _ => {}
    }
    let first = text.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'.')) {
        return false;
    }
    let plain = text.replace('_', "");
    if crate::parse::parse_go_int(&plain).is_some() {
        return true;
    }
    if is_yaml_float(&plain) {
        return true;
    }
    if crate::funcs::time::is_yaml_timestamp(text) {
        return true;
    }
    // Base-60 floats such as 1:20 are quoted too.
    let base60 = text.contains(':')
        && text
            .trim_start_matches(['+', '-'])
            .split(':')
            .enumerate()
            .all(|(index, part)| {
                !part.is_empty()
                    && part
                        .bytes()
                        .all(|b| b.is_ascii_digit() || b == b'.' || b == b'_')
                    && (index == 0 || part.len() <= 2 || part.contains('.'))
            });
    base60
}

fn is_yaml_float(text: &str) -> bool {
    let body = text.strip_prefix(['+', '-']).unwrap_or(text);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(index) => (&body[..index], Some(&body[index + 1..])),
        None => (body, None),
    };
    let mantissa_ok = if let Some(frac) = mantissa.strip_prefix('.') {
        !frac.is_empty() && frac.bytes().all(|b| b.is_ascii_digit())
    } else {
        let (int_part, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        !int_part.is_empty()
            && int_part.bytes().all(|b| b.is_ascii_digit())
            && frac.bytes().all(|b| b.is_ascii_digit())
    };
    let exponent_ok = match exponent {
        None => true,
        Some(e) => {
            let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
            !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
        }
    };
    mantissa_ok && exponent_ok
}

struct Analysis {
    plain_allowed: bool,
    single_allowed: bool,
    block_allowed: bool,
}

fn is_blank(c: Option<char>) -> bool {
    matches!(c, None | Some(' ' | '\t' | '\n' | '\r'))
}

fn is_printable(c: char) -> bool {
    matches!(c, '\n' | '\u{85}')
        || (' '..='~').contains(&c)
        || ('\u{A0}'..='\u{D7FF}').contains(&c)
        || ('\u{E000}'..='\u{FFFD}').contains(&c) && c != '\u{FEFF}'
        || ('\u{10000}'..='\u{10FFFF}').contains(&c)
}

/// libyaml's `yaml_emitter_analyze_scalar`, in block context.
fn analyze(text: &str) -> Analysis {
    if text.is_empty() {
        return Analysis {
            plain_allowed: false,
            single_allowed: true,
            block_allowed: false,
        };
    }
    let chars: Vec<char> = text.chars().collect();
    let mut block_indicators = false;
    let mut flow_indicators = false;
    let mut line_breaks = false;
    let mut special = false;
    let mut leading_space = false;
    let mut leading_break = false;
    let mut trailing_space = false;
    let mut trailing_break = false;
    let mut break_space = false;
    let mut space_break = false;
    let mut previous_space = false;
    let mut previous_break = false;
    if text.starts_with("---") || text.starts_with("...") {
        block_indicators = true;
        flow_indicators = true;
    }
    let mut preceded_by_whitespace = true;
    for (index, &c) in chars.iter().enumerate() {
        let next = chars.get(index + 1).copied();
        let followed_by_whitespace = is_blank(next);
        if index == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => {
                    flow_indicators = true;
                    block_indicators = true;
                }
                '?' | ':' => {
                    flow_indicators = true;
                    if followed_by_whitespace {
                        block_indicators = true;
                    }
                }
                '-' if followed_by_whitespace => {
                    flow_indicators = true;
                    block_indicators = true;
                }
                _ => {}
            }
        } else {
            match c {
                ',' | '?' | '[' | ']' | '{' | '}' => flow_indicators = true,
                ':' => {
                    flow_indicators = true;
                    if followed_by_whitespace {
                        block_indicators = true;
                    }
                }
                '#' if preceded_by_whitespace => {
                    flow_indicators = true;
                    block_indicators = true;
                }
                _ => {}
            }
        }
        if !is_printable(c) || (!c.is_ascii() && c == '\u{FEFF}') {
            special = true;
        }
        if c == '\n' || c == '\r' || c == '\u{85}' || c == '\u{2028}' || c == '\u{2029}' {
            line_breaks = true;
        }
        if c == ' ' {
            if index == 0 {
                leading_space = true;
            }
            if index == chars.len() - 1 {
                trailing_space = true;
            }
            if previous_break {
                break_space = true;
            }
            previous_space = true;
            previous_break = false;
        } else if matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}') {
            if index == 0 {
                leading_break = true;
            }
            if index == chars.len() - 1 {
                trailing_break = true;
            }
            if previous_space {
                space_break = true;
            }
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = is_blank(Some(c));
    }
    let mut analysis = Analysis {
        plain_allowed: true,
        single_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        analysis.plain_allowed = false;
    }
    if trailing_space {
        analysis.block_allowed = false;
    }
    if break_space {
        analysis.plain_allowed = false;
        analysis.single_allowed = false;
    }
    if space_break || special {
        analysis.plain_allowed = false;
        analysis.single_allowed = false;
        analysis.block_allowed = false;
    }
    if line_breaks {
        analysis.plain_allowed = false;
    }
    if block_indicators {
        analysis.plain_allowed = false;
    }
    let _ = flow_indicators;
    analysis
}

fn write_string(out: &mut String, text: &str, level: usize, simple_key: bool) {
    let analysis = analyze(text);
    let wants_plain = !resolves_to_non_string(text);
    let wants_literal = text.contains('\n');
    if wants_literal {
        if analysis.block_allowed && !simple_key {
            write_literal(out, text, level);
            return;
        }
        write_double(out, text, level, simple_key);
        return;
    }
    if wants_plain && analysis.plain_allowed && !(text.is_empty() && simple_key) {
        write_folded_plain(out, text, level, simple_key);
        return;
    }
    if !wants_plain {
        write_double(out, text, level, simple_key);
        return;
    }
    if analysis.single_allowed {
        write_single(out, text, level, simple_key);
    } else {
        write_double(out, text, level, simple_key);
    }
}

fn column(out: &str) -> usize {
    match out.rfind('\n') {
        Some(index) => out[index + 1..].chars().count(),
        None => out.chars().count(),
    }
}

fn write_folded_plain(out: &mut String, text: &str, level: usize, simple_key: bool) {
    let chars: Vec<char> = text.chars().collect();
    let mut spaces = false;
    for (index, &c) in chars.iter().enumerate() {
        if c == ' ' {
            let next_is_space = chars.get(index + 1) == Some(&' ');
            if !simple_key && !spaces && column(out) > BEST_WIDTH && !next_is_space {
                out.push('\n');
                indent(out, level);
            } else {
                out.push(c);
            }
            spaces = true;
        } else {
            out.push(c);
            spaces = false;
        }
    }
}

fn write_single(out: &mut String, text: &str, level: usize, simple_key: bool) {
    out.push('\'');
    let chars: Vec<char> = text.chars().collect();
    let mut spaces = false;
    for (index, &c) in chars.iter().enumerate() {
        if c == ' ' {
            let next_is_space = chars.get(index + 1) == Some(&' ');
            if !simple_key
                && !spaces
                && column(out) > BEST_WIDTH
                && index != 0
                && index != chars.len() - 1
                && !next_is_space
            {
                out.push('\n');
                indent(out, level);
            } else {
                out.push(c);
            }
            spaces = true;
        } else {
            if c == '\'' {
                out.push('\'');
            }
            out.push(c);
            spaces = false;
        }
    }
    out.push('\'');
}

fn write_double(out: &mut String, text: &str, level: usize, simple_key: bool) {
    out.push('"');
    let chars: Vec<char> = text.chars().collect();
    let mut spaces = false;
    for (index, &c) in chars.iter().enumerate() {
        let escaped = match c {
            '\0' => Some("\\0".to_string()),
            '\u{7}' => Some("\\a".to_string()),
            '\u{8}' => Some("\\b".to_string()),
            '\t' => Some("\\t".to_string()),
            '\n' => Some("\\n".to_string()),
            '\u{b}' => Some("\\v".to_string()),
            '\u{c}' => Some("\\f".to_string()),
            '\r' => Some("\\r".to_string()),
            '\u{1b}' => Some("\\e".to_string()),
            '"' => Some("\\\"".to_string()),
            '\\' => Some("\\\\".to_string()),
            '\u{85}' => Some("\\N".to_string()),
            '\u{A0}' => Some("\\_".to_string()),
            '\u{2028}' => Some("\\L".to_string()),
            '\u{2029}' => Some("\\P".to_string()),
            c if !is_printable(c) || c == '\u{FEFF}' => Some(if (c as u32) <= 0xFF {
                format!("\\x{:02X}", c as u32)
            } else if (c as u32) <= 0xFFFF {
                format!("\\u{:04X}", c as u32)
            } else {
                format!("\\U{:08X}", c as u32)
            }),
            _ => None,
        };
        if let Some(escaped) = escaped {
            out.push_str(&escaped);
            spaces = false;
            continue;
        }
        if c == ' ' {
            if !simple_key
                && !spaces
                && column(out) > BEST_WIDTH
                && index != 0
                && index != chars.len() - 1
            {
                out.push('\n');
                indent(out, level);
                if chars.get(index + 1) == Some(&' ') {
                    out.push('\\');
                }
            } else {
                out.push(c);
            }
            spaces = true;
        } else {
            out.push(c);
            spaces = false;
        }
    }
    out.push('"');
}

fn write_literal(out: &mut String, text: &str, level: usize) {
    out.push('|');
    if text.starts_with(' ') || text.starts_with('\n') {
        out.push('2');
    }
    let trailing_newlines = text.len() - text.trim_end_matches('\n').len();
    match trailing_newlines {
        0 => out.push('-'),
        1 => {}
        _ => out.push('+'),
    }
    let body = if trailing_newlines > 0 {
        &text[..text.len() - 1]
    } else {
        text
    };
    for line in body.split('\n') {
        out.push('\n');
        if !line.is_empty() {
            indent(out, level.max(2));
            out.push_str(line);
        }
    }
}
