//! text/template's builtin functions.

use super::{f, Ctx, FnResult, Func, Ty};
use crate::gofmt;
use crate::value::{IntType, Value};
use std::fmt::Write;

const R: Ty = Ty::Reflect;

pub(crate) fn funcs() -> Vec<Func> {
    vec![
        // `and` and `or` short-circuit inside the executor; these bodies are not called.
        f("and", &[R], Some(R), |_, args| {
            Ok(args.into_iter().next().unwrap_or(Value::Missing))
        }),
        f("or", &[R], Some(R), |_, args| {
            Ok(args.into_iter().next().unwrap_or(Value::Missing))
        }),
        f("not", &[R], None, |_, args| {
            Ok(Value::Bool(!args[0].truth()))
        }),
        f("len", &[R], None, len),
        f("index", &[R], Some(R), index),
        f("eq", &[R], Some(R), |_, args| {
            eq(&args[0], &args[1..]).map(Value::Bool)
        }),
        f("ne", &[R, R], None, |_, args| {
            eq(&args[0], &args[1..]).map(|b| Value::Bool(!b))
        }),
        f("lt", &[R, R], None, |_, args| {
            lt(&args[0], &args[1]).map(Value::Bool)
        }),
        f("le", &[R, R], None, |_, args| {
            le(&args[0], &args[1]).map(Value::Bool)
        }),
        f("gt", &[R, R], None, |_, args| {
            le(&args[0], &args[1]).map(|b| Value::Bool(!b))
        }),
        f("ge", &[R, R], None, |_, args| {
            lt(&args[0], &args[1]).map(|b| Value::Bool(!b))
        }),
        f("print", &[], Some(Ty::Any), |_, args| {
            Ok(Value::string(gofmt::sprint(&args)))
        }),
        f("printf", &[Ty::Str], Some(Ty::Any), |_, args| {
            Ok(Value::string(gofmt::sprintf(
                super::arg_str(&args[0]),
                &args[1..],
            )))
        }),
        f("println", &[], Some(Ty::Any), |_, args| {
            Ok(Value::string(gofmt::sprintln(&args)))
        }),
        f("html", &[], Some(Ty::Any), |_, args| {
            Ok(Value::string(html_escape(&eval_args(&args))))
        }),
        f("js", &[], Some(Ty::Any), |_, args| {
            Ok(Value::string(js_escape(&eval_args(&args))))
        }),
        f("urlquery", &[], Some(Ty::Any), |_, args| {
            Ok(Value::string(query_escape(&eval_args(&args))))
        }),
        f("call", &[R], Some(R), call),
    ]
}

fn call(_: &mut Ctx<'_>, args: Vec<Value>) -> FnResult {
    match &args[0] {
        Value::Missing | Value::Nil => Err("call of nil".to_string()),
        other => Err(format!("non-function of type {}", other.type_name())),
    }
}

fn len(_: &mut Ctx<'_>, args: Vec<Value>) -> FnResult {
    match &args[0] {
        Value::Nil => Err("len of nil pointer".to_string()),
        Value::Missing => Err("reflect: call of reflect.Value.Type on zero Value".to_string()),
        Value::Str(s) => Ok(Value::int(s.len() as i64)),
        Value::List(items, _) => Ok(Value::int(items.len() as i64)),
        Value::Map(map, _) => Ok(Value::int(map.borrow().len() as i64)),
        Value::Semver(_) => Err("len of type semver.Version".to_string()),
        other => Err(format!("len of type {}", other.type_name())),
    }
}

fn index_arg(index: &Value, cap: usize) -> Result<usize, String> {
    let x = match index {
        Value::Int(i, _) => *i,
        Value::Missing | Value::Nil => return Err("cannot index slice/array with nil".to_string()),
        other => {
            return Err(format!(
                "cannot index slice/array with type {}",
                other.type_name()
            ))
        }
    };
    if x < 0 || x as u64 > cap as u64 {
        return Err(format!("index out of range: {x}"));
    }
    Ok(x as usize)
}

fn index(_: &mut Ctx<'_>, args: Vec<Value>) -> FnResult {
    let mut item = args[0].clone();
    if item.is_nilish() {
        return Err("index of untyped nil".to_string());
    }
    for index in &args[1..] {
        item = match &item {
            Value::Nil => return Err("index of nil pointer".to_string()),
            Value::List(items, elem) => {
                let x = index_arg(index, items.len())?;
                if x == items.len() {
                    return Err("reflect: slice index out of range".to_string());
                }
                let _ = elem;
                items[x].clone()
            }
            Value::Str(s) => {
                let x = index_arg(index, s.len())?;
                if x == s.len() {
                    return Err("reflect: string index out of range".to_string());
                }
                Value::Int(i64::from(s.as_bytes()[x]), IntType::Uint8)
            }
            Value::Map(map, map_type) => {
                let key = match index {
                    Value::Str(key) => key.clone(),
                    Value::Missing | Value::Nil => {
                        return Err("value is nil; should be of type string".to_string())
                    }
                    other => {
                        return Err(format!(
                            "value has type {}; should be string",
                            other.type_name()
                        ))
                    }
                };
                let found = map.borrow().get(&*key).cloned();
                found.unwrap_or_else(|| Value::zero_of_map(*map_type))
            }
            other => return Err(format!("can't index item of type {}", other.type_name())),
        };
    }
    Ok(item)
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum Kind {
    Invalid,
    Bool,
    Int,
    Float,
    Str,
}

fn basic_kind(value: &Value) -> Kind {
    match value {
        Value::Bool(_) => Kind::Bool,
        Value::Int(..) => Kind::Int,
        Value::Float(_) => Kind::Float,
        Value::Str(_) => Kind::Str,
        _ => Kind::Invalid,
    }
}

fn is_valid(value: &Value) -> bool {
    !value.is_nilish()
}

fn eq(arg1: &Value, rest: &[Value]) -> Result<bool, String> {
    if rest.is_empty() {
        return Err("missing argument for comparison".to_string());
    }
    let k1 = basic_kind(arg1);
    for arg in rest {
        let k2 = basic_kind(arg);
        let truth = if k1 != k2 {
            if is_valid(arg1) && is_valid(arg) {
                return Err(incompatible(arg1, arg));
            }
            false
        } else {
            match (arg1, arg) {
                (Value::Bool(a), Value::Bool(b)) => a == b,
                (Value::Int(a, _), Value::Int(b, _)) => a == b,
                (Value::Float(a), Value::Float(b)) => a == b,
                (Value::Str(a), Value::Str(b)) => a == b,
                // Go compares the location pointers too: every parsed time shares
                // Local, while each parsed offset gets a zone of its own.
                (Value::Time(a), Value::Time(b)) => a == b && same_location(a, b),
                (Value::Semver(a), Value::Semver(b)) => std::rc::Rc::ptr_eq(a, b),
                _ => {
                    let comparable =
                        !is_valid(arg1) || !is_valid(arg) || arg1.type_name() == arg.type_name();
                    if !comparable {
                        return Err(format!(
                            "non-comparable types {}: {}, {}: {}",
                            gofmt::sprintf("%s", std::slice::from_ref(arg1)),
                            arg1.type_name(),
                            arg.type_name(),
                            gofmt::to_v(arg)
                        ));
                    }
                    if !is_valid(arg1) || !is_valid(arg) {
                        !is_valid(arg1) && !is_valid(arg)
                    } else {
                        return Err(format!(
                            "non-comparable type {}: {}",
                            gofmt::sprintf("%s", std::slice::from_ref(arg)),
                            arg.type_name()
                        ));
                    }
                }
            }
        };
        if truth {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Since Go 1.25 the comparison functions name both types
/// (text/template/funcs.go, `eq` and `lt`).
fn incompatible(arg1: &Value, arg2: &Value) -> String {
    format!(
        "incompatible types for comparison: {} and {}",
        arg1.type_name(),
        arg2.type_name()
    )
}

/// Go's `eq` on two `time.Time` compares their `*Location` pointers. Every parsed time
/// without an offset shares `Local` (UTC here), and since Go 1.21 `time.FixedZone`
/// hands out one shared location per whole-hour offset from -12h to +14h for unnamed
/// zones (time/zoneinfo.go, `FixedZone`); any other zone is a location of its own.
fn same_location(a: &super::time::GoTime, b: &super::time::GoTime) -> bool {
    if &*a.zone == "UTC" {
        return &*b.zone == "UTC";
    }
    let shared_hour =
        a.zone.is_empty() && a.offset % 3600 == 0 && (-12 * 3600..=14 * 3600).contains(&a.offset);
    shared_hour && b.zone.is_empty() && a.offset == b.offset
}

fn lt(arg1: &Value, arg2: &Value) -> Result<bool, String> {
    let k1 = basic_kind(arg1);
    if k1 == Kind::Invalid {
        return Err("invalid type for comparison".to_string());
    }
    let k2 = basic_kind(arg2);
    if k2 == Kind::Invalid {
        return Err("invalid type for comparison".to_string());
    }
    if k1 != k2 {
        return Err(incompatible(arg1, arg2));
    }
    Ok(match (arg1, arg2) {
        (Value::Int(a, _), Value::Int(b, _)) => a < b,
        (Value::Float(a), Value::Float(b)) => a < b,
        (Value::Str(a), Value::Str(b)) => a < b,
        _ => return Err("invalid type for comparison".to_string()),
    })
}

fn le(arg1: &Value, arg2: &Value) -> Result<bool, String> {
    let less = lt(arg1, arg2)?;
    if less {
        return Ok(true);
    }
    eq(arg1, std::slice::from_ref(arg2))
}

/// The text the escaping builtins work on: one string as is, otherwise `fmt.Sprint`.
fn eval_args(args: &[Value]) -> String {
    if let [Value::Str(s)] = args {
        return s.to_string();
    }
    let printable: Vec<Value> = args
        .iter()
        .map(|arg| {
            if arg.is_nilish() {
                Value::str("<no value>")
            } else {
                arg.clone()
            }
        })
        .collect();
    gofmt::sprint(&printable)
}

pub(crate) fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\0' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn js_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            '=' => out.push_str("\\u003D"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u00{:02X}", c as u32);
            }
            c if (c as u32) < 0x80 => out.push(c),
            c if gofmt::is_print(c) => out.push(c),
            c => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
        }
    }
    out
}

/// Go's `url.QueryEscape`.
pub(crate) fn query_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            b' ' => out.push('+'),
            other => {
                let _ = write!(out, "%{other:02X}");
            }
        }
    }
    out
}
