//! Runtime values: a small model of the Go values a template sees.
//!
//! Parameters arrive as JSON, which Go decodes into `map[string]interface{}`,
//! `[]interface{}`, `float64`, `string`, `bool` and `nil`. Sprig functions add a few
//! typed values (`int`, `int64`, `[]string`, `map[string]string`), and the type matters
//! for Go's error messages and comparisons, so it is kept.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

/// The Go integer type a value carries; only used for type names and `%T`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IntType {
    Int,
    Int64,
    Uint8,
    Uint64,
}

/// The element type of a slice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ElemType {
    /// `[]interface {}`
    Any,
    /// `[]string`
    Str,
    /// A nil `[]string`: what a Go client leaves when it appends nothing (Argo CD's GitHub
    /// and Gitea pull request services for a pull request without labels). It ranges,
    /// prints (`[]`) and counts as an empty slice; JSON and YAML write it as `null`.
    NilStr,
    /// `[]int`
    Int,
    /// `[][]interface {}`
    AnyList,
}

/// The value type of a `map[string]T`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MapType {
    Any,
    Str,
}

pub(crate) type MapRef = Rc<RefCell<BTreeMap<String, Value>>>;

#[derive(Clone, Debug)]
pub(crate) enum Value {
    /// Go's invalid `reflect.Value`: a missing map key, a nil result after unwrapping.
    Missing,
    /// A nil `interface{}` held where a value was expected (JSON `null`).
    Nil,
    Bool(bool),
    Int(i64, IntType),
    Float(f64),
    Str(Rc<str>),
    List(Rc<Vec<Value>>, ElemType),
    /// Go maps are references: Sprig's `set`, `unset` and `merge` mutate them in place.
    Map(MapRef, MapType),
    /// A `time.Time` (Sprig's date functions).
    Time(crate::funcs::time::GoTime),
    /// A `*semver.Version` (Sprig's `semver`); a pointer, so equality is identity.
    Semver(Rc<crate::funcs::semver::Version>),
}

impl Value {
    pub(crate) fn str(text: &str) -> Value {
        Value::Str(Rc::from(text))
    }

    pub(crate) fn string(text: String) -> Value {
        Value::Str(Rc::from(text))
    }

    pub(crate) fn int(number: i64) -> Value {
        Value::Int(number, IntType::Int)
    }

    pub(crate) fn int64(number: i64) -> Value {
        Value::Int(number, IntType::Int64)
    }

    pub(crate) fn list(items: Vec<Value>) -> Value {
        Value::List(Rc::new(items), ElemType::Any)
    }

    pub(crate) fn str_list(items: Vec<String>) -> Value {
        Value::List(
            Rc::new(items.into_iter().map(Value::string).collect()),
            ElemType::Str,
        )
    }

    pub(crate) fn map(entries: BTreeMap<String, Value>) -> Value {
        Value::Map(Rc::new(RefCell::new(entries)), MapType::Any)
    }

    /// True for values that are not a usable Go value (missing or nil interface).
    pub(crate) fn is_nilish(&self) -> bool {
        matches!(self, Value::Missing | Value::Nil)
    }

    /// Go's type name as `%T` and error messages print it.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Value::Missing | Value::Nil => "<nil>",
            Value::Bool(_) => "bool",
            Value::Int(_, IntType::Int) => "int",
            Value::Int(_, IntType::Int64) => "int64",
            Value::Int(_, IntType::Uint8) => "uint8",
            Value::Int(_, IntType::Uint64) => "uint64",
            Value::Float(_) => "float64",
            Value::Str(_) => "string",
            Value::List(_, ElemType::Any) => "[]interface {}",
            Value::List(_, ElemType::Str | ElemType::NilStr) => "[]string",
            Value::List(_, ElemType::Int) => "[]int",
            Value::List(_, ElemType::AnyList) => "[][]interface {}",
            Value::Map(_, MapType::Any) => "map[string]interface {}",
            Value::Map(_, MapType::Str) => "map[string]string",
            Value::Time(_) => "time.Time",
            Value::Semver(_) => "*semver.Version",
        }
    }

    /// Go's `reflect.Kind` name, as Sprig's `kindOf` prints it.
    pub(crate) fn kind_name(&self) -> &'static str {
        match self {
            Value::Missing | Value::Nil => "invalid",
            Value::List(..) => "slice",
            Value::Map(..) => "map",
            Value::Time(_) => "struct",
            Value::Semver(_) => "ptr",
            // A scalar's kind is spelled as its type.
            scalar => scalar.type_name(),
        }
    }

    /// text/template's notion of truth (`isTrue`).
    pub(crate) fn truth(&self) -> bool {
        match self {
            Value::Missing | Value::Nil => false,
            Value::Bool(b) => *b,
            Value::Int(i, _) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::List(items, _) => !items.is_empty(),
            Value::Map(map, _) => !map.borrow().is_empty(),
            Value::Time(_) | Value::Semver(_) => true,
        }
    }

    /// The value held by an element of a slice or map of this type, when absent.
    pub(crate) fn zero_of_map(map_type: MapType) -> Value {
        match map_type {
            MapType::Any => Value::Nil,
            MapType::Str => Value::str(""),
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Deep copy (Go's `copystructure`), so that later mutation does not alias.
    pub(crate) fn deep_copy(&self) -> Value {
        match self {
            Value::List(items, elem) => {
                Value::List(Rc::new(items.iter().map(Value::deep_copy).collect()), *elem)
            }
            Value::Map(map, map_type) => {
                let copied = map
                    .borrow()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.deep_copy()))
                    .collect();
                Value::Map(Rc::new(RefCell::new(copied)), *map_type)
            }
            other => other.clone(),
        }
    }

    /// Go's `reflect.DeepEqual` on the values this model holds.
    pub(crate) fn deep_equal(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Missing | Value::Nil, Value::Missing | Value::Nil) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a, ta), Value::Int(b, tb)) => a == b && ta == tb,
            (Value::Float(a), Value::Float(b)) => a == b,
            (Value::Str(a), Value::Str(b)) => a == b,
            (Value::Time(a), Value::Time(b)) => a == b,
            (Value::Semver(a), Value::Semver(b)) => a == b,
            (Value::List(a, ea), Value::List(b, eb)) => {
                ea == eb
                    && a.len() == b.len()
                    && a.iter().zip(b.iter()).all(|(x, y)| x.deep_equal(y))
            }
            (Value::Map(a, ma), Value::Map(b, mb)) => {
                if ma != mb {
                    return false;
                }
                let (a, b) = (a.borrow(), b.borrow());
                a.len() == b.len()
                    && a.iter()
                        .zip(b.iter())
                        .all(|((ka, va), (kb, vb))| ka == kb && va.deep_equal(vb))
            }
            _ => false,
        }
    }
}

/// Converts JSON as Go's `encoding/json` decodes it into `interface{}`.
pub(crate) fn from_json(json: &serde_json::Value) -> Value {
    match json {
        serde_json::Value::Null => Value::Nil,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => Value::Float(n.as_f64().unwrap_or(0.0)),
        serde_json::Value::String(s) => Value::str(s),
        serde_json::Value::Array(items) => Value::list(items.iter().map(from_json).collect()),
        serde_json::Value::Object(entries) => Value::map(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), from_json(v)))
                .collect(),
        ),
    }
}

/// Gives the value at `path` the Go type `go_type` when it has that shape; values built
/// by [`from_json`] are not shared yet, so they are changed in place.
pub(crate) fn apply_type(value: &mut Value, path: &[crate::PathStep], go_type: crate::GoType) {
    let Some((step, rest)) = path.split_first() else {
        match (go_type, &mut *value) {
            (crate::GoType::StringMap, Value::Map(map, map_type))
                if map
                    .borrow()
                    .values()
                    .all(|item| matches!(item, Value::Str(_))) =>
            {
                *map_type = MapType::Str;
            }
            (crate::GoType::StringSlice, Value::List(items, elem_type))
                if items.iter().all(|item| matches!(item, Value::Str(_))) =>
            {
                *elem_type = ElemType::Str;
            }
            (crate::GoType::StringSlice, Value::Nil) => {
                *value = Value::List(Rc::new(Vec::new()), ElemType::NilStr);
            }
            _ => {}
        }
        return;
    };
    match (step, value) {
        (crate::PathStep::Key(key), Value::Map(map, _)) => {
            if let Some(child) = map.borrow_mut().get_mut(key) {
                apply_type(child, rest, go_type);
            }
        }
        (crate::PathStep::AnyItem, Value::List(items, _)) => {
            if let Some(items) = Rc::get_mut(items) {
                for item in items {
                    apply_type(item, rest, go_type);
                }
            }
        }
        _ => {}
    }
}

/// Bytes to text the way Go's JSON encoder shows a string holding invalid UTF-8: every
/// byte that is not part of a valid sequence becomes one U+FFFD.
pub(crate) fn lossy_utf8(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    let mut rest = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(valid) => {
                out.push_str(valid);
                return out;
            }
            Err(error) => {
                let (valid, after) = rest.split_at(error.valid_up_to());
                out.push_str(std::str::from_utf8(valid).unwrap_or_default());
                let invalid = error.error_len().unwrap_or(after.len()).max(1);
                for _ in 0..invalid {
                    out.push('\u{FFFD}');
                }
                rest = &after[invalid.min(after.len())..];
            }
        }
    }
}
