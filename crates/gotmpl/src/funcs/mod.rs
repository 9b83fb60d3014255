//! The function table: Go's builtins, Sprig's generic functions (minus `env`,
//! `expandenv` and `getHostByName`) and Argo CD's additions, each with the Go
//! parameter types that text/template checks arguments against.

mod builtin;
mod collections;
mod encoding;
mod misc;
mod numbers;
pub(crate) mod semver;
mod strings;
pub(crate) mod time;
mod url;

use crate::value::{IntType, MapType, Value};
use crate::Env;
use std::collections::HashMap;
use std::sync::OnceLock;

/// A Go parameter type, as far as argument checking needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ty {
    Str,
    Int,
    Float,
    Bool,
    /// `interface{}`
    Any,
    /// `reflect.Value` (the builtins)
    Reflect,
    /// `map[string]interface{}`
    MapAny,
    /// `time.Time`
    Time,
}

impl Ty {
    pub(crate) fn go_name(self) -> &'static str {
        match self {
            Ty::Str => "string",
            Ty::Int => "int",
            Ty::Float => "float64",
            Ty::Bool => "bool",
            Ty::Any => "interface {}",
            Ty::Reflect => "reflect.Value",
            Ty::MapAny => "map[string]interface {}",
            Ty::Time => "time.Time",
        }
    }

    /// Go's assignability of a (non-nil) value to a parameter of this type.
    pub(crate) fn accepts(self, value: &Value) -> bool {
        match self {
            Ty::Str => matches!(value, Value::Str(_)),
            Ty::Int => matches!(value, Value::Int(_, IntType::Int)),
            Ty::Float => matches!(value, Value::Float(_)),
            Ty::Bool => matches!(value, Value::Bool(_)),
            Ty::MapAny => matches!(value, Value::Map(_, MapType::Any)),
            Ty::Time => matches!(value, Value::Time(_)),
            Ty::Any | Ty::Reflect => true,
        }
    }
}

/// What a function gets besides its arguments: the caller's clock and randomness.
pub(crate) struct Ctx<'e> {
    /// The clock of the date functions.
    pub(crate) env: &'e Env,
    pub(crate) rng: u64,
}

impl Ctx<'_> {
    /// A small xorshift generator seeded by the caller: deterministic, not secure.
    pub(crate) fn next_u64(&mut self) -> u64 {
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng = x;
        x
    }
}

pub(crate) type FnResult = Result<Value, String>;
pub(crate) type FnImpl = fn(&mut Ctx<'_>, Vec<Value>) -> FnResult;

pub(crate) struct Func {
    pub(crate) name: &'static str,
    pub(crate) params: &'static [Ty],
    pub(crate) variadic: Option<Ty>,
    pub(crate) call: FnImpl,
}

pub(crate) const fn f(
    name: &'static str,
    params: &'static [Ty],
    variadic: Option<Ty>,
    call: FnImpl,
) -> Func {
    Func {
        name,
        params,
        variadic,
        call,
    }
}

struct Table {
    funcs: Vec<Func>,
    by_name: HashMap<&'static str, usize>,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut funcs = Vec::new();
        // Later entries win, as Argo CD's map assignments and the function map over
        // the builtins do.
        funcs.extend(builtin::funcs());
        funcs.extend(strings::funcs());
        funcs.extend(numbers::funcs());
        funcs.extend(collections::funcs());
        funcs.extend(encoding::funcs());
        funcs.extend(misc::funcs());
        funcs.extend(time::funcs());
        funcs.extend(semver::funcs());
        funcs.extend(url::funcs());
        let mut by_name = HashMap::new();
        for (index, func) in funcs.iter().enumerate() {
            by_name.insert(func.name, index);
        }
        Table { funcs, by_name }
    })
}

pub(crate) fn lookup(name: &str) -> Option<usize> {
    table().by_name.get(name).copied()
}

pub(crate) fn get(index: usize) -> &'static Func {
    &table().funcs[index]
}

/// The names of every function a template may call, sorted.
pub(crate) fn names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = table().by_name.keys().copied().collect();
    names.sort_unstable();
    names
}

/// text/template's `truth` of a `reflect.Value` argument.
pub(crate) fn truth_reflect(value: &Value) -> bool {
    value.truth()
}

// Conversions shared by the Sprig functions.

/// Sprig's `strval`: strings as they are, everything else with `%v`.
pub(crate) fn strval(value: &Value) -> String {
    crate::gofmt::to_v(value)
}

/// The string inside an argument checked as `string` by the executor.
pub(crate) fn arg_str(value: &Value) -> &str {
    value.as_str().unwrap_or("")
}

pub(crate) fn arg_int(value: &Value) -> i64 {
    match value {
        Value::Int(i, _) => *i,
        Value::Float(f) => *f as i64,
        _ => 0,
    }
}

pub(crate) fn arg_bool(value: &Value) -> bool {
    matches!(value, Value::Bool(true))
}

/// spf13/cast's `ToInt64E`.
pub(crate) fn cast_int64(value: &Value) -> Result<i64, String> {
    match value {
        Value::Missing | Value::Nil => Ok(0),
        Value::Int(i, _) => Ok(*i),
        Value::Float(f) => Ok(go_float_to_int(*f)),
        Value::Bool(b) => Ok(i64::from(*b)),
        Value::Str(s) => {
            let trimmed = trim_zero_decimal(s);
            match crate::parse::parse_go_int(trimmed) {
                Some(Ok(v)) if v >= i64::MIN as i128 && v <= i64::MAX as i128 => Ok(v as i64),
                _ => Err(format!(
                    "unable to cast {} of type string to int64",
                    crate::gofmt::quote(s)
                )),
            }
        }
        other => Err(format!(
            "unable to cast {} of type {} to int64",
            crate::gofmt::to_v(other),
            other.type_name()
        )),
    }
}

/// Go's float-to-int conversion (what amd64 does for out-of-range values).
pub(crate) fn go_float_to_int(f: f64) -> i64 {
    if f.is_nan() || !(-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f) {
        i64::MIN
    } else {
        f as i64
    }
}

fn trim_zero_decimal(s: &str) -> &str {
    // cast trims a decimal part made only of zeros ("1.0" → "1").
    let mut found_zero = false;
    for (index, c) in s.char_indices().rev() {
        match c {
            '.' => {
                if found_zero {
                    return &s[..index];
                }
                return s;
            }
            '0' => found_zero = true,
            _ => return s,
        }
    }
    s
}

/// spf13/cast's `ToFloat64E`.
pub(crate) fn cast_float64(value: &Value) -> f64 {
    match value {
        Value::Int(i, _) => *i as f64,
        Value::Float(f) => *f,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Str(s) => parse_go_float(s).unwrap_or(0.0),
        _ => 0.0,
    }
}

/// `strconv.ParseFloat(s, 64)` for the decimal forms.
pub(crate) fn parse_go_float(s: &str) -> Option<f64> {
    let lower = s.to_ascii_lowercase();
    match lower.trim_start_matches(['+', '-']) {
        "inf" | "infinity" => {
            return Some(if s.starts_with('-') {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            });
        }
        "nan" => return Some(f64::NAN),
        _ => {}
    }
    if s.is_empty() || s.contains(['x', 'X']) || s.contains("__") {
        return None;
    }
    let valid = s
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-' | '_'));
    if !valid {
        return None;
    }
    s.replace('_', "").parse::<f64>().ok()
}

/// The items of a list-like value (Sprig uses reflection on any slice).
pub(crate) fn as_list(value: &Value) -> Option<&[Value]> {
    match value {
        Value::List(items, _) => Some(items),
        _ => None,
    }
}

#[cfg(test)]
pub(crate) use encoding::hex as encoding_hex;
pub(crate) use encoding::json_float;
