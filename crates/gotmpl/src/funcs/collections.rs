//! Sprig's list and dictionary functions.

use super::misc::empty;
use super::strings::list_of;
use super::{arg_int, arg_str, strval, Ctx, FnResult, Func, Ty};
use crate::value::{ElemType, MapRef, MapType, Value};
use std::collections::BTreeMap;
use std::rc::Rc;

const A: Ty = Ty::Any;
const M: Ty = Ty::MapAny;

fn map_of(value: &Value) -> MapRef {
    match value {
        Value::Map(map, _) => map.clone(),
        _ => Rc::new(std::cell::RefCell::new(BTreeMap::new())),
    }
}

/// Registers a function and its `must` twin, which in Go differ only in returning the
/// error instead of panicking; both surface as "error calling ...".
fn both(
    name: &'static str,
    must: &'static str,
    params: &'static [Ty],
    variadic: Option<Ty>,
    call: super::FnImpl,
) -> [Func; 2] {
    [
        super::f(name, params, variadic, call),
        super::f(must, params, variadic, call),
    ]
}

pub(crate) fn funcs() -> Vec<Func> {
    let mut funcs = vec![
        super::f("list", &[], Some(A), |_, a| Ok(Value::list(a))),
        super::f("tuple", &[], Some(A), |_, a| Ok(Value::list(a))),
        super::f("dict", &[], Some(A), dict),
        super::f("get", &[M, Ty::Str], None, |_, a| {
            let map = map_of(&a[0]);
            let found = map.borrow().get(arg_str(&a[1])).cloned();
            Ok(found.unwrap_or_else(|| Value::str("")))
        }),
        super::f("set", &[M, Ty::Str, A], None, |_, a| {
            let map = map_of(&a[0]);
            map.borrow_mut()
                .insert(arg_str(&a[1]).to_string(), a[2].clone());
            Ok(Value::Map(map, MapType::Any))
        }),
        super::f("unset", &[M, Ty::Str], None, |_, a| {
            let map = map_of(&a[0]);
            map.borrow_mut().remove(arg_str(&a[1]));
            Ok(Value::Map(map, MapType::Any))
        }),
        super::f("hasKey", &[M, Ty::Str], None, |_, a| {
            Ok(Value::Bool(
                map_of(&a[0]).borrow().contains_key(arg_str(&a[1])),
            ))
        }),
        super::f("pluck", &[Ty::Str], Some(M), |_, a| {
            let name = arg_str(&a[0]);
            let found = a[1..]
                .iter()
                .filter_map(|d| map_of(d).borrow().get(name).cloned())
                .collect();
            Ok(Value::list(found))
        }),
        super::f("keys", &[], Some(M), |_, a| {
            // Go's map order is random; sorted order is one of the possible outputs.
            let keys = a
                .iter()
                .flat_map(|d| map_of(d).borrow().keys().cloned().collect::<Vec<_>>())
                .collect();
            Ok(Value::str_list(keys))
        }),
        super::f("values", &[M], None, |_, a| {
            let values = map_of(&a[0]).borrow().values().cloned().collect();
            Ok(Value::list(values))
        }),
        super::f("pick", &[M], Some(Ty::Str), |_, a| {
            let source = map_of(&a[0]);
            let source = source.borrow();
            let picked = a[1..]
                .iter()
                .filter_map(|k| {
                    let key = arg_str(k);
                    source.get(key).map(|v| (key.to_string(), v.clone()))
                })
                .collect();
            Ok(Value::map(picked))
        }),
        super::f("omit", &[M], Some(Ty::Str), |_, a| {
            let source = map_of(&a[0]);
            let omitted: Vec<&str> = a[1..].iter().map(arg_str).collect();
            let kept = source
                .borrow()
                .iter()
                .filter(|(k, _)| !omitted.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            Ok(Value::map(kept))
        }),
        super::f("concat", &[], Some(A), |_, a| {
            let mut out = Vec::new();
            for list in &a {
                match list {
                    Value::List(items, _) => out.extend(items.iter().cloned()),
                    Value::Missing | Value::Nil => {
                        return Err(
                            "runtime error: invalid memory address or nil pointer dereference"
                                .to_string(),
                        )
                    }
                    other => {
                        return Err(format!("Cannot concat type {} as list", other.kind_name()))
                    }
                }
            }
            Ok(Value::list(out))
        }),
        super::f("dig", &[], Some(A), dig),
    ];
    funcs.extend(both("merge", "mustMerge", &[M], Some(M), |_, a| {
        merge(a, false)
    }));
    funcs.extend(both(
        "mergeOverwrite",
        "mustMergeOverwrite",
        &[M],
        Some(M),
        |_, a| merge(a, true),
    ));
    funcs.extend(both("append", "mustAppend", &[A, A], None, push));
    funcs.extend(both("push", "mustPush", &[A, A], None, push));
    funcs.extend(both("prepend", "mustPrepend", &[A, A], None, |_, a| {
        let items = list_of(&a[0], "prepend")?;
        let mut out = Vec::with_capacity(items.len() + 1);
        out.push(a[1].clone());
        out.extend(items.iter().cloned());
        Ok(Value::list(out))
    }));
    funcs.extend(both("first", "mustFirst", &[A], None, |_, a| {
        let items = list_of(&a[0], "find first")?;
        Ok(items.first().cloned().unwrap_or(Value::Nil))
    }));
    funcs.extend(both("last", "mustLast", &[A], None, |_, a| {
        let items = list_of(&a[0], "find last")?;
        Ok(items.last().cloned().unwrap_or(Value::Nil))
    }));
    funcs.extend(both("rest", "mustRest", &[A], None, |_, a| {
        let items = list_of(&a[0], "find rest")?;
        if items.is_empty() {
            return Ok(a[0].clone());
        }
        Ok(same_type(&a[0], items[1..].to_vec()))
    }));
    funcs.extend(both("initial", "mustInitial", &[A], None, |_, a| {
        let items = list_of(&a[0], "find initial")?;
        if items.is_empty() {
            return Ok(a[0].clone());
        }
        Ok(same_type(&a[0], items[..items.len() - 1].to_vec()))
    }));
    funcs.extend(both("reverse", "mustReverse", &[A], None, |_, a| {
        let items = list_of(&a[0], "find reverse")?;
        Ok(Value::list(items.iter().rev().cloned().collect()))
    }));
    funcs.extend(both("uniq", "mustUniq", &[A], None, |_, a| {
        let items = list_of(&a[0], "find uniq")?;
        let mut out: Vec<Value> = Vec::new();
        for item in items {
            if !out.iter().any(|seen| seen.deep_equal(item)) {
                out.push(item.clone());
            }
        }
        Ok(Value::list(out))
    }));
    funcs.extend(both("without", "mustWithout", &[A], Some(A), |_, a| {
        let items = list_of(&a[0], "find without")?;
        let omit = &a[1..];
        Ok(Value::list(
            items
                .iter()
                .filter(|item| !omit.iter().any(|o| o.deep_equal(item)))
                .cloned()
                .collect(),
        ))
    }));
    funcs.extend(both("has", "mustHas", &[A, A], None, |_, a| {
        if a[1].is_nilish() {
            return Ok(Value::Bool(false));
        }
        let items = list_of(&a[1], "find has")?;
        Ok(Value::Bool(items.iter().any(|item| item.deep_equal(&a[0]))))
    }));
    funcs.extend(both("compact", "mustCompact", &[A], None, |_, a| {
        let items = list_of(&a[0], "compact")?;
        Ok(Value::list(
            items.iter().filter(|item| !empty(item)).cloned().collect(),
        ))
    }));
    funcs.extend(both("slice", "mustSlice", &[A], Some(A), slice));
    funcs.extend(both("chunk", "mustChunk", &[Ty::Int, A], None, chunk));
    funcs.extend(both("deepCopy", "mustDeepCopy", &[A], None, |_, a| {
        if a[0].is_nilish() {
            return Err("reflect: call of reflect.Value.Type on zero Value".to_string());
        }
        Ok(a[0].deep_copy())
    }));
    funcs
}

fn same_type(original: &Value, items: Vec<Value>) -> Value {
    match original {
        Value::List(_, elem) => Value::List(Rc::new(items), *elem),
        _ => Value::list(items),
    }
}

fn dict(_: &mut Ctx<'_>, args: Vec<Value>) -> FnResult {
    let mut map = BTreeMap::new();
    let mut index = 0;
    while index < args.len() {
        let key = strval(&args[index]);
        let value = args
            .get(index + 1)
            .cloned()
            .unwrap_or_else(|| Value::str(""));
        map.insert(key, value);
        index += 2;
    }
    Ok(Value::map(map))
}

fn push(_: &mut Ctx<'_>, args: Vec<Value>) -> FnResult {
    let items = list_of(&args[0], "push")?;
    let mut out = Vec::with_capacity(items.len() + 1);
    out.extend(items.iter().cloned());
    out.push(args[1].clone());
    Ok(Value::list(out))
}

fn type_assert_error(value: &Value, want: &str) -> String {
    let got = if value.is_nilish() {
        "nil".to_string()
    } else {
        value.type_name().to_string()
    };
    format!("interface conversion: interface {{}} is {got}, not {want}")
}

fn dig(_: &mut Ctx<'_>, args: Vec<Value>) -> FnResult {
    if args.len() < 3 {
        return Err("dig needs at least three arguments".to_string());
    }
    let Value::Map(map, MapType::Any) = &args[args.len() - 1] else {
        return Err(type_assert_error(
            &args[args.len() - 1],
            "map[string]interface {}",
        ));
    };
    let default = args[args.len() - 2].clone();
    let mut keys = Vec::new();
    for key in &args[..args.len() - 2] {
        match key {
            Value::Str(s) => keys.push(s.clone()),
            other => return Err(type_assert_error(other, "string")),
        }
    }
    let mut current = map.clone();
    for (index, key) in keys.iter().enumerate() {
        let step = current.borrow().get(&**key).cloned();
        let Some(step) = step else {
            return Ok(default);
        };
        if index == keys.len() - 1 {
            return Ok(step);
        }
        match step {
            Value::Map(next, MapType::Any) => current = next,
            other => return Err(type_assert_error(&other, "map[string]interface {}")),
        }
    }
    Ok(default)
}

/// mergo's `isEmptyValue` for the values this model holds.
fn is_empty_value(value: &Value) -> bool {
    match value {
        Value::Missing | Value::Nil => true,
        Value::Bool(b) => !b,
        Value::Int(i, _) => *i == 0,
        Value::Float(f) => *f == 0.0,
        Value::Str(s) => s.is_empty(),
        Value::List(items, _) => items.is_empty(),
        Value::Map(map, _) => map.borrow().is_empty(),
        Value::Time(_) | Value::Semver(_) => false,
    }
}

fn merge_into(dst: &MapRef, src: &MapRef, overwrite: bool, depth: usize) {
    if depth > 32 || Rc::ptr_eq(dst, src) {
        return;
    }
    let entries: Vec<(String, Value)> = src
        .borrow()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (key, src_value) in entries {
        if let Value::Nil = src_value {
            if overwrite {
                dst.borrow_mut().insert(key, src_value);
            }
            continue;
        }
        let dst_value = dst.borrow().get(&key).cloned();
        if let (Some(Value::Map(dst_map, _)), Value::Map(src_map, _)) = (&dst_value, &src_value) {
            merge_into(dst_map, src_map, overwrite, depth + 1);
        }
        if let Some(existing) = &dst_value {
            let keeps = match src_value {
                Value::Map(..) => true,
                Value::List(..) => !overwrite,
                _ => false,
            };
            if !is_empty_value(existing) && keeps {
                continue;
            }
        }
        let replace = match &dst_value {
            None => true,
            Some(existing) => overwrite || is_empty_value(existing),
        };
        if replace {
            dst.borrow_mut().insert(key, src_value);
        }
    }
}

fn merge(args: Vec<Value>, overwrite: bool) -> FnResult {
    let dst = map_of(&args[0]);
    for src in &args[1..] {
        if let Value::Map(src, _) = src {
            merge_into(&dst, src, overwrite, 0);
        }
    }
    Ok(Value::Map(dst, MapType::Any))
}

fn to_int(value: &Value) -> i64 {
    super::cast_int64(value).unwrap_or(0)
}

fn slice(_: &mut Ctx<'_>, args: Vec<Value>) -> FnResult {
    let (items, elem) = match &args[0] {
        Value::List(items, elem) => (items.clone(), *elem),
        Value::Missing | Value::Nil => {
            return Err(
                "runtime error: invalid memory address or nil pointer dereference".to_string(),
            )
        }
        other => {
            return Err(format!(
                "list should be type of slice or array but {}",
                other.kind_name()
            ))
        }
    };
    if items.is_empty() {
        return Ok(Value::Nil);
    }
    let start = args.get(1).map_or(0, to_int);
    let end = if args.len() < 3 {
        items.len() as i64
    } else {
        to_int(&args[2])
    };
    if start < 0 || end < start || end > items.len() as i64 {
        return Err("reflect.Value.Slice: slice index out of bounds".to_string());
    }
    Ok(Value::List(
        Rc::new(items[start as usize..end as usize].to_vec()),
        elem,
    ))
}

fn chunk(_: &mut Ctx<'_>, args: Vec<Value>) -> FnResult {
    let size = arg_int(&args[0]);
    let items = match &args[1] {
        Value::List(items, _) => items.clone(),
        Value::Missing | Value::Nil => {
            return Err(
                "runtime error: invalid memory address or nil pointer dereference".to_string(),
            )
        }
        other => return Err(format!("Cannot chunk type {}", other.kind_name())),
    };
    if size <= 0 {
        return Err("runtime error: makeslice: len out of range".to_string());
    }
    let chunks: Vec<Value> = items
        .chunks(size as usize)
        .map(|chunk| Value::list(chunk.to_vec()))
        .collect();
    Ok(Value::List(Rc::new(chunks), ElemType::AnyList))
}
