//! Encodings: JSON as Go's `encoding/json` writes it, YAML as Argo CD's `toYaml`
//! (sigs.k8s.io/yaml over yaml.v2) writes it, base64/base32, and the hash functions.

use super::{arg_str, f, FnResult, Func, Ty};
use crate::hash;
use crate::value::{from_json, ElemType, Value};
use std::fmt::Write;

const A: Ty = Ty::Any;
const S: Ty = Ty::Str;

pub(crate) fn funcs() -> Vec<Func> {
    vec![
        f("toJson", &[A], None, |_, a| {
            Ok(Value::string(
                to_json(&a[0], true, false).unwrap_or_default(),
            ))
        }),
        f("mustToJson", &[A], None, |_, a| {
            to_json(&a[0], true, false).map(Value::string)
        }),
        f("toPrettyJson", &[A], None, |_, a| {
            Ok(Value::string(
                to_json(&a[0], true, true).unwrap_or_default(),
            ))
        }),
        f("mustToPrettyJson", &[A], None, |_, a| {
            to_json(&a[0], true, true).map(Value::string)
        }),
        f("toRawJson", &[A], None, |_, a| {
            Ok(Value::string(
                to_json(&a[0], false, false).unwrap_or_default(),
            ))
        }),
        f("mustToRawJson", &[A], None, |_, a| {
            to_json(&a[0], false, false).map(Value::string)
        }),
        f("fromJson", &[S], None, |_, a| {
            Ok(from_json_text(arg_str(&a[0])).unwrap_or(Value::Nil))
        }),
        f("mustFromJson", &[S], None, |_, a| {
            from_json_text(arg_str(&a[0]))
        }),
        f("b64enc", &[S], None, |_, a| {
            Ok(Value::string(base64_encode(arg_str(&a[0]).as_bytes())))
        }),
        f("b64dec", &[S], None, |_, a| {
            Ok(Value::string(match base64_decode(arg_str(&a[0])) {
                Ok(bytes) => crate::value::lossy_utf8(&bytes),
                Err(error) => error,
            }))
        }),
        f("b32enc", &[S], None, |_, a| {
            Ok(Value::string(base32_encode(arg_str(&a[0]).as_bytes())))
        }),
        f("b32dec", &[S], None, |_, a| {
            Ok(Value::string(match base32_decode(arg_str(&a[0])) {
                Ok(bytes) => crate::value::lossy_utf8(&bytes),
                Err(error) => error,
            }))
        }),
        f("sha1sum", &[S], None, |_, a| {
            Ok(Value::string(hex(&hash::sha1(arg_str(&a[0]).as_bytes()))))
        }),
        f("sha256sum", &[S], None, |_, a| {
            Ok(Value::string(hex(&hash::sha256(arg_str(&a[0]).as_bytes()))))
        }),
        f("adler32sum", &[S], None, |_, a| {
            Ok(Value::string(
                hash::adler32(arg_str(&a[0]).as_bytes()).to_string(),
            ))
        }),
        f("toYaml", &[A], None, |_, a| {
            to_yaml(&a[0]).map(Value::string)
        }),
        f("fromYaml", &[S], None, |_, a| {
            let value = parse_sigs_yaml(arg_str(&a[0]))?;
            match value {
                Value::Map(..) => Ok(value),
                Value::Nil => Ok(Value::map(Default::default())),
                other => Err(sigs_yaml_decode_error(&other, "map[string]interface {}")),
            }
        }),
        f("fromYamlArray", &[S], None, |_, a| {
            let value = parse_sigs_yaml(arg_str(&a[0]))?;
            match value {
                Value::List(..) => Ok(value),
                Value::Nil => Ok(Value::list(Vec::new())),
                other => Err(sigs_yaml_decode_error(&other, "[]interface {}")),
            }
        }),
    ]
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Map(..) => "object",
        Value::List(..) => "array",
        Value::Str(_) => "string",
        Value::Bool(_) => "bool",
        _ => "number",
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

fn from_json_text(text: &str) -> FnResult {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(json) => Ok(from_json(&json)),
        Err(error) => Err(go_json_error(text, &error)),
    }
}

/// Words a JSON syntax error the way Go's `encoding/json` does, for the usual cases.
fn go_json_error(text: &str, error: &serde_json::Error) -> String {
    if error.is_eof() {
        return "unexpected end of JSON input".to_string();
    }
    let line_start: usize = text
        .split_inclusive('\n')
        .take(error.line().saturating_sub(1))
        .map(str::len)
        .sum();
    let offset = line_start + error.column().saturating_sub(1);
    let c = text[offset.min(text.len())..].chars().next().unwrap_or(' ');
    let quoted = crate::gofmt::quote_with(&c.to_string(), '\'', false);
    let message = error.to_string();
    if message.starts_with("trailing characters") {
        format!("invalid character {quoted} after top-level value")
    } else if message.starts_with("expected value") || message.starts_with("trailing comma") {
        format!("invalid character {quoted} looking for beginning of value")
    } else if message.starts_with("key must be a string") {
        format!("invalid character {quoted} looking for beginning of object key string")
    } else if message.starts_with("expected `,` or `}`") {
        format!("invalid character {quoted} after object key:value pair")
    } else if message.starts_with("expected `,` or `]`") {
        format!("invalid character {quoted} after array element")
    } else if message.starts_with("expected `:`") {
        format!("invalid character {quoted} after object key")
    } else {
        format!("invalid character {quoted} in JSON input")
    }
}

/// Go's `encoding/json` float format.
pub(crate) fn json_float(value: f64) -> Result<String, String> {
    if !value.is_finite() {
        return Err(format!(
            "json: unsupported value: {}",
            crate::gofmt::float_v(value)
        ));
    }
    let abs = value.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let text = crate::gofmt::format_float(value, 'e', -1);
        // Go cleans up e-09 to e-9.
        if let Some(index) = text.find("e-0") {
            return Ok(format!("{}e-{}", &text[..index], &text[index + 3..]));
        }
        return Ok(text);
    }
    Ok(crate::gofmt::format_float(value, 'f', -1))
}

fn json_string(out: &mut String, text: &str, escape_html: bool) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' if escape_html => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn write_json(
    out: &mut String,
    value: &Value,
    escape_html: bool,
    indent: Option<usize>,
) -> Result<(), String> {
    let newline = |out: &mut String, level: usize| {
        if indent.is_some() {
            out.push('\n');
            for _ in 0..level {
                out.push_str("  ");
            }
        }
    };
    let level = indent.unwrap_or(0);
    match value {
        Value::Missing | Value::Nil => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i, _) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => out.push_str(&json_float(*f)?),
        Value::Str(s) => json_string(out, s, escape_html),
        Value::Time(t) => {
            let text = t.rfc3339().map_err(|error| {
                format!("json: error calling MarshalJSON for type time.Time: {error}")
            })?;
            json_string(out, &text, escape_html);
        }
        Value::Semver(v) => json_string(out, &v.canonical(), escape_html),
        Value::List(_, ElemType::NilStr) => out.push_str("null"),
        Value::List(items, _) => {
            if items.is_empty() {
                out.push_str("[]");
                return Ok(());
            }
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                newline(out, level + 1);
                write_json(out, item, escape_html, indent.map(|l| l + 1))?;
            }
            newline(out, level);
            out.push(']');
        }
        Value::Map(map, _) => {
            let map = map.borrow();
            if map.is_empty() {
                out.push_str("{}");
                return Ok(());
            }
            out.push('{');
            for (index, (key, item)) in map.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                newline(out, level + 1);
                json_string(out, key, escape_html);
                out.push(':');
                if indent.is_some() {
                    out.push(' ');
                }
                write_json(out, item, escape_html, indent.map(|l| l + 1))?;
            }
            newline(out, level);
            out.push('}');
        }
    }
    Ok(())
}

pub(crate) fn to_json(value: &Value, escape_html: bool, pretty: bool) -> Result<String, String> {
    let mut out = String::new();
    write_json(&mut out, value, escape_html, pretty.then_some(0))?;
    Ok(out)
}

fn to_yaml(value: &Value) -> Result<String, String> {
    // Argo CD's toYaml goes through JSON first, so JSON's errors apply.
    to_json(value, false, false)?;
    let mut out = crate::yaml::emit(value);
    if out.ends_with('\n') {
        out.pop();
    }
    Ok(out)
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

pub(crate) fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        out.push(B64[(n >> 18) as usize & 63] as char);
        out.push(B64[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 {
            B64[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if chunk.len() > 2 {
            B64[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

/// Go's `base64.StdEncoding.DecodeString`, with its `illegal base64 data at input
/// byte N` error.
pub(crate) fn base64_decode(text: &str) -> Result<Vec<u8>, String> {
    let src = text.as_bytes();
    let illegal = |index: usize| format!("illegal base64 data at input byte {index}");
    let skip_newlines = |mut si: usize| {
        while si < src.len() && (src[si] == b'\n' || src[si] == b'\r') {
            si += 1;
        }
        si
    };
    let mut out = Vec::with_capacity(src.len() / 4 * 3);
    let mut si = 0usize;
    loop {
        let mut dbuf = [0u32; 4];
        let mut dlen = 4;
        let mut j = 0usize;
        let mut finished = false;
        while j < 4 {
            if si == src.len() {
                if j == 0 {
                    return Ok(out);
                }
                return Err(illegal(si - j));
            }
            let byte = src[si];
            si += 1;
            if let Some(decoded) = B64.iter().position(|c| *c == byte) {
                dbuf[j] = decoded as u32;
                j += 1;
                continue;
            }
            if byte == b'\n' || byte == b'\r' {
                continue;
            }
            if byte != b'=' {
                return Err(illegal(si - 1));
            }
            match j {
                0 | 1 => return Err(illegal(si - 1)),
                2 => {
                    si = skip_newlines(si);
                    if si == src.len() {
                        return Err(illegal(src.len()));
                    }
                    if src[si] != b'=' {
                        return Err(illegal(si - 1));
                    }
                    si += 1;
                }
                _ => {}
            }
            si = skip_newlines(si);
            if si < src.len() {
                return Err(illegal(si));
            }
            dlen = j;
            finished = true;
            break;
        }
        let n = (dbuf[0] << 18) | (dbuf[1] << 12) | (dbuf[2] << 6) | dbuf[3];
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..dlen - 1]);
        if finished {
            return Ok(out);
        }
    }
}

fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(5) {
        let mut buf = [0u8; 5];
        buf[..chunk.len()].copy_from_slice(chunk);
        let n = buf.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        let chars = match chunk.len() {
            1 => 2,
            2 => 4,
            3 => 5,
            4 => 7,
            _ => 8,
        };
        for index in 0..8 {
            if index < chars {
                out.push(B32[((n >> (35 - index * 5)) & 31) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base32_decode(text: &str) -> Result<Vec<u8>, String> {
    let cleaned: Vec<(usize, u8)> = text
        .bytes()
        .enumerate()
        .filter(|(_, b)| *b != b'\n' && *b != b'\r')
        .collect();
    let illegal = |index: usize| format!("illegal base32 data at input byte {index}");
    if !cleaned.len().is_multiple_of(8) {
        return Err(illegal(cleaned.len() / 8 * 8));
    }
    let mut out = Vec::new();
    for (block_index, block) in cleaned.chunks(8).enumerate() {
        let mut n = 0u64;
        let mut count = 0;
        for (index, byte) in block {
            if *byte == b'=' {
                break;
            }
            let Some(decoded) = B32.iter().position(|c| c == byte) else {
                return Err(illegal(*index));
            };
            n = (n << 5) | decoded as u64;
            count += 1;
        }
        let is_last = block_index == cleaned.len() / 8 - 1;
        if count < 8 && !is_last {
            return Err(illegal(block_index * 8 + count));
        }
        n <<= 5 * (8 - count);
        let bytes = match count {
            8 => 5,
            7 => 4,
            5 => 3,
            4 => 2,
            2 => 1,
            _ => return Err(illegal(block_index * 8 + count)),
        };
        for index in 0..bytes {
            out.push((n >> (32 - index * 8)) as u8);
        }
    }
    Ok(out)
}

/// Argo CD's `fromYaml`/`fromYamlArray` call `sigs.k8s.io/yaml.Unmarshal`
/// (argo-cd `applicationset/utils/template_functions.go`), which wraps a YAML error as
/// `error converting YAML to JSON: …` (kubernetes-sigs/yaml `yaml.go`, `unmarshal`).
fn parse_sigs_yaml(text: &str) -> Result<Value, String> {
    crate::yaml::parse(text).map_err(|error| format!("error converting YAML to JSON: {error}"))
}

/// The JSON half of `sigs.k8s.io/yaml.Unmarshal`: a document of the wrong shape fails
/// in `encoding/json`, wrapped twice (`jsonUnmarshal`, then `unmarshal`).
fn sigs_yaml_decode_error(value: &Value, go_type: &str) -> String {
    format!(
        "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type {go_type}",
        json_kind(value)
    )
}
