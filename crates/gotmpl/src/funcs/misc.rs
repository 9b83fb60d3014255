//! Sprig's defaults, reflection, paths, regular expressions, flow control and UUIDs,
//! plus Argo CD's `normalize` and `slugify`.

use super::{arg_bool, arg_int, arg_str, f, Ctx, FnResult, Func, Ty};
use crate::value::Value;
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Write;

const A: Ty = Ty::Any;
const S: Ty = Ty::Str;

/// Sprig's `empty`.
pub(crate) fn empty(value: &Value) -> bool {
    !value.truth()
}

fn s(text: String) -> FnResult {
    Ok(Value::string(text))
}

pub(crate) fn funcs() -> Vec<Func> {
    vec![
        f("default", &[A], Some(A), |_, a| {
            Ok(match a.get(1) {
                Some(given) if !empty(given) => given.clone(),
                _ => a[0].clone(),
            })
        }),
        f("empty", &[A], None, |_, a| Ok(Value::Bool(empty(&a[0])))),
        f("coalesce", &[], Some(A), |_, a| {
            Ok(a.iter().find(|v| !empty(v)).cloned().unwrap_or(Value::Nil))
        }),
        f("all", &[], Some(A), |_, a| {
            Ok(Value::Bool(a.iter().all(|v| !empty(v))))
        }),
        f("any", &[], Some(A), |_, a| {
            Ok(Value::Bool(a.iter().any(|v| !empty(v))))
        }),
        f("ternary", &[A, A, Ty::Bool], None, |_, a| {
            Ok(if arg_bool(&a[2]) {
                a[0].clone()
            } else {
                a[1].clone()
            })
        }),
        f("typeOf", &[A], None, |_, a| s(type_of(&a[0]).to_string())),
        f("typeIs", &[S, A], None, |_, a| {
            Ok(Value::Bool(arg_str(&a[0]) == type_of(&a[1])))
        }),
        f("typeIsLike", &[S, A], None, |_, a| {
            let target = arg_str(&a[0]);
            let actual = type_of(&a[1]);
            Ok(Value::Bool(
                target == actual || format!("*{target}") == actual,
            ))
        }),
        f("kindOf", &[A], None, |_, a| s(a[0].kind_name().to_string())),
        f("kindIs", &[S, A], None, |_, a| {
            Ok(Value::Bool(arg_str(&a[0]) == a[1].kind_name()))
        }),
        f("deepEqual", &[A, A], None, |_, a| {
            Ok(Value::Bool(a[0].deep_equal(&a[1])))
        }),
        f("base", &[S], None, |_, a| s(path_base(arg_str(&a[0])))),
        f("dir", &[S], None, |_, a| s(path_dir(arg_str(&a[0])))),
        f("clean", &[S], None, |_, a| s(path_clean(arg_str(&a[0])))),
        f("ext", &[S], None, |_, a| s(path_ext(arg_str(&a[0])))),
        f("isAbs", &[S], None, |_, a| {
            Ok(Value::Bool(arg_str(&a[0]).starts_with('/')))
        }),
        f("osBase", &[S], None, |_, a| s(path_base(arg_str(&a[0])))),
        f("osDir", &[S], None, |_, a| s(path_dir(arg_str(&a[0])))),
        f("osClean", &[S], None, |_, a| s(path_clean(arg_str(&a[0])))),
        f("osExt", &[S], None, |_, a| s(path_ext(arg_str(&a[0])))),
        f("osIsAbs", &[S], None, |_, a| {
            Ok(Value::Bool(arg_str(&a[0]).starts_with('/')))
        }),
        f("fail", &[S], None, |_, a| Err(arg_str(&a[0]).to_string())),
        f("uuidv4", &[], None, uuidv4),
        f("regexMatch", &[S, S], None, |_, a| {
            Ok(Value::Bool(
                compile(arg_str(&a[0])).is_ok_and(|re| re.is_match(arg_str(&a[1]))),
            ))
        }),
        f("mustRegexMatch", &[S, S], None, |_, a| {
            let re = compile(arg_str(&a[0]))?;
            Ok(Value::Bool(re.is_match(arg_str(&a[1]))))
        }),
        f("regexFindAll", &[S, S, Ty::Int], None, |_, a| {
            regex_find_all(&a, must_compile(arg_str(&a[0]))?)
        }),
        f("mustRegexFindAll", &[S, S, Ty::Int], None, |_, a| {
            regex_find_all(&a, compile(arg_str(&a[0]))?)
        }),
        f("regexFind", &[S, S], None, |_, a| {
            let re = must_compile(arg_str(&a[0]))?;
            s(re.find(arg_str(&a[1]))
                .map_or("", |m| m.as_str())
                .to_string())
        }),
        f("mustRegexFind", &[S, S], None, |_, a| {
            let re = compile(arg_str(&a[0]))?;
            s(re.find(arg_str(&a[1]))
                .map_or("", |m| m.as_str())
                .to_string())
        }),
        f("regexReplaceAll", &[S, S, S], None, |_, a| {
            let re = must_compile(arg_str(&a[0]))?;
            s(re.replace_all(arg_str(&a[1]), arg_str(&a[2])).into_owned())
        }),
        f("mustRegexReplaceAll", &[S, S, S], None, |_, a| {
            let re = compile(arg_str(&a[0]))?;
            s(re.replace_all(arg_str(&a[1]), arg_str(&a[2])).into_owned())
        }),
        f("regexReplaceAllLiteral", &[S, S, S], None, |_, a| {
            let re = must_compile(arg_str(&a[0]))?;
            s(
                re.replace_all(arg_str(&a[1]), regex::NoExpand(arg_str(&a[2])))
                    .into_owned(),
            )
        }),
        f("mustRegexReplaceAllLiteral", &[S, S, S], None, |_, a| {
            let re = compile(arg_str(&a[0]))?;
            s(
                re.replace_all(arg_str(&a[1]), regex::NoExpand(arg_str(&a[2])))
                    .into_owned(),
            )
        }),
        f("regexSplit", &[S, S, Ty::Int], None, |_, a| {
            let re = must_compile(arg_str(&a[0]))?;
            Ok(regex_split(
                &re,
                arg_str(&a[0]),
                arg_str(&a[1]),
                arg_int(&a[2]),
            ))
        }),
        f("mustRegexSplit", &[S, S, Ty::Int], None, |_, a| {
            let re = compile(arg_str(&a[0]))?;
            Ok(regex_split(
                &re,
                arg_str(&a[0]),
                arg_str(&a[1]),
                arg_int(&a[2]),
            ))
        }),
        f("regexQuoteMeta", &[S], None, |_, a| {
            s(quote_meta(arg_str(&a[0])))
        }),
        f("normalize", &[S], None, |_, a| s(normalize(arg_str(&a[0])))),
        f("randBytes", &[Ty::Int], None, rand_bytes),
        f("slugify", &[], Some(A), slugify),
    ]
    .into_iter()
    .chain(unsupported())
    .collect()
}

/// Functions Argo CD has that this crate does not implement (cryptography, random
/// bytes): they parse, and fail when called.
fn unsupported() -> Vec<Func> {
    fn fail(_: &mut Ctx<'_>, _: Vec<Value>) -> FnResult {
        Err("not supported by preflight-gotmpl".to_string())
    }
    let names: &[(&'static str, &'static [Ty], Option<Ty>)] = &[
        ("bcrypt", &[S], None),
        ("htpasswd", &[S, S], None),
        ("genPrivateKey", &[S], None),
        ("derivePassword", &[Ty::Int, S, S, S, S], None),
        ("buildCustomCert", &[S, S], None),
        ("genCA", &[S, Ty::Int], None),
        ("genCAWithKey", &[S, Ty::Int, S], None),
        ("genSelfSignedCert", &[S, A, A, Ty::Int], None),
        ("genSelfSignedCertWithKey", &[S, A, A, Ty::Int, S], None),
        ("genSignedCert", &[S, A, A, Ty::Int, A], None),
        ("genSignedCertWithKey", &[S, A, A, Ty::Int, A, S], None),
        ("encryptAES", &[S, S], None),
        ("decryptAES", &[S, S], None),
    ];
    names
        .iter()
        .map(|(name, params, variadic)| f(name, params, *variadic, fail))
        .collect()
}

/// Sprig's `randBytes`: base64 of `count` bytes, drawn from the caller's seed.
fn rand_bytes(ctx: &mut Ctx<'_>, a: Vec<Value>) -> FnResult {
    let count = super::arg_int(&a[0]);
    if count < 0 {
        return Err("runtime error: makeslice: len out of range".to_string());
    }
    if count as u64 > crate::MAX_VALUE_BYTES as u64 / 2 {
        return Err(format!(
            "randBytes: more than {} bytes",
            crate::MAX_VALUE_BYTES / 2
        ));
    }
    let mut bytes = Vec::with_capacity(count as usize + 8);
    while bytes.len() < count as usize {
        bytes.extend_from_slice(&ctx.next_u64().to_le_bytes());
    }
    bytes.truncate(count as usize);
    s(super::encoding::base64_encode(&bytes))
}

fn type_of(value: &Value) -> &'static str {
    if value.is_nilish() {
        "<nil>"
    } else {
        value.type_name()
    }
}

fn uuidv4(ctx: &mut Ctx<'_>, _: Vec<Value>) -> FnResult {
    let mut bytes = [0u8; 16];
    for chunk in bytes.chunks_mut(8) {
        chunk.copy_from_slice(&ctx.next_u64().to_le_bytes());
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let mut out = String::with_capacity(36);
    for (index, byte) in bytes.iter().enumerate() {
        if matches!(index, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        let _ = write!(out, "{byte:02x}");
    }
    s(out)
}

/// Argo CD's `SanitizeName`.
pub(crate) fn normalize(name: &str) -> String {
    let lowered = name.to_lowercase();
    let mut out: String = lowered
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if out.len() > 253 {
        out.truncate(253);
    }
    out.trim_matches(['-', '.']).to_string()
}

fn slugify(_: &mut Ctx<'_>, args: Vec<Value>) -> FnResult {
    let mut max_length: i64 = 50;
    let mut smart_truncate = true;
    let mut text = String::new();
    let last = args.len().wrapping_sub(1);
    for (index, arg) in args.iter().enumerate() {
        let type_error = |want: &str| {
            let got = if arg.is_nilish() {
                "nil".to_string()
            } else {
                arg.type_name().to_string()
            };
            format!("interface conversion: interface {{}} is {got}, not {want}")
        };
        if index == last {
            text = arg
                .as_str()
                .ok_or_else(|| type_error("string"))?
                .to_string();
        } else if index == 0 {
            match arg {
                Value::Int(i, crate::value::IntType::Int) => max_length = *i,
                _ => return Err(type_error("int")),
            }
        } else if index == 1 {
            match arg {
                Value::Bool(b) => smart_truncate = *b,
                _ => return Err(type_error("bool")),
            }
        }
    }
    let mut slug = normalize(&text).trim().to_lowercase();
    if !smart_truncate && max_length >= 0 && slug.len() as i64 >= max_length {
        slug.truncate(max_length as usize);
    }
    let mut cleaned = String::with_capacity(slug.len());
    for c in slug.chars() {
        let c = if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
            c
        } else {
            '-'
        };
        if c == '-' && cleaned.ends_with('-') {
            continue;
        }
        cleaned.push(c);
    }
    let mut slug = cleaned.trim_matches(['-', '_']).to_string();
    if max_length > 0 && smart_truncate && slug.len() as i64 > max_length {
        let max = max_length as usize;
        let bytes = slug.as_bytes();
        let cut = (0..=max).rev().find(|i| bytes[*i] == b'-').unwrap_or(max);
        slug.truncate(cut);
    }
    s(slug)
}

// Paths, as Go's `path` package treats them.

pub(crate) fn path_clean(path: &str) -> String {
    if path.is_empty() {
        return ".".to_string();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    if rooted {
        format!("/{joined}")
    } else if joined.is_empty() {
        ".".to_string()
    } else {
        joined
    }
}

fn path_base(path: &str) -> String {
    if path.is_empty() {
        return ".".to_string();
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/".to_string();
    }
    match trimmed.rfind('/') {
        Some(index) => trimmed[index + 1..].to_string(),
        None => trimmed.to_string(),
    }
}

fn path_dir(path: &str) -> String {
    let dir = match path.rfind('/') {
        Some(index) => &path[..=index],
        None => "",
    };
    path_clean(dir)
}

fn path_ext(path: &str) -> String {
    for (index, c) in path.char_indices().rev() {
        if c == '/' {
            break;
        }
        if c == '.' {
            return path[index..].to_string();
        }
    }
    String::new()
}

thread_local! {
    static REGEX_CACHE: RefCell<HashMap<String, Result<regex::Regex, String>>> =
        RefCell::new(HashMap::new());
}

fn compile(pattern: &str) -> Result<regex::Regex, String> {
    REGEX_CACHE.with(|cache| {
        if let Some(found) = cache.borrow().get(pattern) {
            return found.clone();
        }
        let compiled = crate::regexp::compile(pattern);
        let mut cache = cache.borrow_mut();
        if cache.len() > 256 {
            cache.clear();
        }
        cache.insert(pattern.to_string(), compiled.clone());
        compiled
    })
}

fn must_compile(pattern: &str) -> Result<regex::Regex, String> {
    compile(pattern).map_err(|error| {
        format!(
            "regexp: Compile({}): {error}",
            crate::gofmt::quote_with(pattern, '`', false)
        )
    })
}

fn regex_find_all(args: &[Value], re: regex::Regex) -> FnResult {
    let n = arg_int(&args[2]);
    if n == 0 {
        return Ok(Value::str_list(Vec::new()));
    }
    let limit = if n < 0 { usize::MAX } else { n as usize };
    let found = re
        .find_iter(arg_str(&args[1]))
        .take(limit)
        .map(|m| m.as_str().to_string())
        .collect();
    Ok(Value::str_list(found))
}

/// Go's `Regexp.Split`.
fn regex_split(re: &regex::Regex, pattern: &str, text: &str, n: i64) -> Value {
    if n == 0 {
        return Value::str_list(Vec::new());
    }
    if !pattern.is_empty() && text.is_empty() {
        return Value::str_list(vec![String::new()]);
    }
    let limit = if n < 0 { usize::MAX } else { n as usize };
    let mut parts = Vec::new();
    let mut begin = 0;
    let mut end = 0;
    for m in re.find_iter(text).take(limit) {
        if n > 0 && parts.len() as i64 == n - 1 {
            break;
        }
        end = m.start();
        if m.end() != 0 {
            parts.push(text[begin..end].to_string());
        }
        begin = m.end();
    }
    if end != text.len() {
        parts.push(text[begin..].to_string());
    }
    Value::str_list(parts)
}

fn quote_meta(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for c in text.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
