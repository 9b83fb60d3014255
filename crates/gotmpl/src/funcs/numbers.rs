//! Sprig's number functions: integer arithmetic on `int64` (spf13/cast conversions),
//! float arithmetic through decimals (shopspring/decimal), conversions and sequences.

use super::{arg_int, arg_str, cast_float64, cast_int64, f, Ctx, FnResult, Func, Ty};
use crate::value::{ElemType, Value};
use std::rc::Rc;

const A: Ty = Ty::Any;
const I: Ty = Ty::Int;

/// Longest list `until`, `untilStep` and `seq` build before giving up.
const MAX_SEQUENCE: i64 = 1_000_000;

fn int64(value: &Value) -> i64 {
    cast_int64(value).unwrap_or(0)
}

fn int64_result(value: i64) -> FnResult {
    Ok(Value::int64(value))
}

pub(crate) fn funcs() -> Vec<Func> {
    vec![
        f("add1", &[A], None, |_, a| {
            int64_result(int64(&a[0]).wrapping_add(1))
        }),
        f("add", &[], Some(A), |_, a| {
            int64_result(a.iter().fold(0i64, |sum, v| sum.wrapping_add(int64(v))))
        }),
        f("sub", &[A, A], None, |_, a| {
            int64_result(int64(&a[0]).wrapping_sub(int64(&a[1])))
        }),
        f("mul", &[A], Some(A), |_, a| {
            int64_result(
                a.iter()
                    .skip(1)
                    .fold(int64(&a[0]), |p, v| p.wrapping_mul(int64(v))),
            )
        }),
        f("div", &[A, A], None, |_, a| {
            let divisor = int64(&a[1]);
            if divisor == 0 {
                return Err("runtime error: integer divide by zero".to_string());
            }
            int64_result(int64(&a[0]).wrapping_div(divisor))
        }),
        f("mod", &[A, A], None, |_, a| {
            let divisor = int64(&a[1]);
            if divisor == 0 {
                return Err("runtime error: integer divide by zero".to_string());
            }
            int64_result(int64(&a[0]).wrapping_rem(divisor))
        }),
        f("max", &[A], Some(A), |_, a| {
            int64_result(a.iter().skip(1).fold(int64(&a[0]), |m, v| m.max(int64(v))))
        }),
        f("biggest", &[A], Some(A), |_, a| {
            int64_result(a.iter().skip(1).fold(int64(&a[0]), |m, v| m.max(int64(v))))
        }),
        f("min", &[A], Some(A), |_, a| {
            int64_result(a.iter().skip(1).fold(int64(&a[0]), |m, v| m.min(int64(v))))
        }),
        f("maxf", &[A], Some(A), |_, a| {
            Ok(Value::Float(
                a.iter()
                    .skip(1)
                    .fold(cast_float64(&a[0]), |m, v| go_max(m, cast_float64(v))),
            ))
        }),
        f("minf", &[A], Some(A), |_, a| {
            Ok(Value::Float(
                a.iter()
                    .skip(1)
                    .fold(cast_float64(&a[0]), |m, v| go_min(m, cast_float64(v))),
            ))
        }),
        f("add1f", &[A], None, |_, a| {
            Ok(Value::Float(decimal_op(&a[0], &[Value::int(1)], Op::Add)))
        }),
        f("addf", &[], Some(A), |_, a| {
            Ok(Value::Float(decimal_op(&Value::Float(0.0), &a, Op::Add)))
        }),
        f("subf", &[A], Some(A), |_, a| {
            Ok(Value::Float(decimal_op(&a[0], &a[1..], Op::Sub)))
        }),
        f("mulf", &[A], Some(A), |_, a| {
            Ok(Value::Float(decimal_op(&a[0], &a[1..], Op::Mul)))
        }),
        f("divf", &[A], Some(A), divf),
        f("ceil", &[A], None, |_, a| {
            Ok(Value::Float(cast_float64(&a[0]).ceil()))
        }),
        f("floor", &[A], None, |_, a| {
            Ok(Value::Float(cast_float64(&a[0]).floor()))
        }),
        f("round", &[A, I], Some(Ty::Float), |_, a| {
            let round_on = match a.get(2) {
                Some(Value::Float(x)) => *x,
                _ => 0.5,
            };
            Ok(Value::Float(round(
                cast_float64(&a[0]),
                arg_int(&a[1]),
                round_on,
            )))
        }),
        f("randInt", &[I, I], None, rand_int),
        f("atoi", &[Ty::Str], None, |_, a| {
            Ok(Value::int(atoi(arg_str(&a[0]))))
        }),
        f("int64", &[A], None, |_, a| int64_result(int64(&a[0]))),
        f("int", &[A], None, |_, a| Ok(Value::int(int64(&a[0])))),
        f("float64", &[A], None, |_, a| {
            Ok(Value::Float(cast_float64(&a[0])))
        }),
        f("toDecimal", &[A], None, |_, a| {
            let text = crate::gofmt::to_v(&a[0]);
            int64_result(parse_octal(&text).unwrap_or(0))
        }),
        f("until", &[I], None, |_, a| {
            let count = arg_int(&a[0]);
            let step = if count < 0 { -1 } else { 1 };
            until_step(0, count, step).map(int_list)
        }),
        f("untilStep", &[I, I, I], None, |_, a| {
            until_step(arg_int(&a[0]), arg_int(&a[1]), arg_int(&a[2])).map(int_list)
        }),
        f("seq", &[], Some(I), |_, a| {
            let params: Vec<i64> = a.iter().map(arg_int).collect();
            seq(&params).map(Value::string)
        }),
    ]
}

fn go_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}

fn go_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.min(b)
    }
}

fn int_list(items: Vec<i64>) -> Value {
    Value::List(
        Rc::new(items.into_iter().map(Value::int).collect()),
        ElemType::Int,
    )
}

fn atoi(text: &str) -> i64 {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return 0;
    }
    text.parse::<i64>().unwrap_or(0)
}

fn parse_octal(text: &str) -> Option<i64> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    if digits.is_empty() {
        return None;
    }
    let value = i64::from_str_radix(digits, 8).ok()?;
    Some(if negative { -value } else { value })
}

fn round(value: f64, places: i64, round_on: f64) -> f64 {
    let pow = 10f64.powf(places as f64);
    let digit = pow * value;
    let fraction = digit - digit.trunc();
    let rounded = if fraction >= round_on {
        digit.ceil()
    } else {
        digit.floor()
    };
    rounded / pow
}

fn rand_int(ctx: &mut Ctx<'_>, args: Vec<Value>) -> FnResult {
    let (low, high) = (arg_int(&args[0]), arg_int(&args[1]));
    let span = high.wrapping_sub(low);
    if span <= 0 {
        return Err("invalid argument to Intn".to_string());
    }
    Ok(Value::int(low + (ctx.next_u64() % span as u64) as i64))
}

pub(crate) fn until_step(start: i64, stop: i64, step: i64) -> Result<Vec<i64>, String> {
    // Sprig counts down only with a negative step and up only with a positive one.
    let before_stop = |i: i64| if stop < start { i > stop } else { i < stop };
    if (stop < start && step >= 0) || (stop >= start && step <= 0) {
        return Ok(Vec::new());
    }
    let mut items = Vec::new();
    let mut i = start;
    while before_stop(i) {
        items.push(i);
        if items.len() as i64 > MAX_SEQUENCE {
            return Err(format!("sequence longer than {MAX_SEQUENCE} items"));
        }
        i = match i.checked_add(step) {
            Some(next) => next,
            None => break,
        };
    }
    Ok(items)
}

fn seq(params: &[i64]) -> Result<String, String> {
    let items = match params {
        [end] => {
            let start = 1;
            let increment = if *end < start { -1 } else { 1 };
            until_step(start, end.wrapping_add(increment), increment)?
        }
        [start, end] => {
            let step = if end < start { -1 } else { 1 };
            until_step(*start, end.wrapping_add(step), step)?
        }
        [start, step, end] => {
            let mut increment = 1;
            if end < start {
                increment = -1;
                if *step > 0 {
                    return Ok(String::new());
                }
            }
            until_step(*start, end.wrapping_add(increment), *step)?
        }
        _ => return Ok(String::new()),
    };
    let parts: Vec<String> = items.iter().map(i64::to_string).collect();
    Ok(parts.join(" "))
}

#[derive(Clone, Copy)]
enum Op {
    Add,
    Sub,
    Mul,
    Div,
}

/// A decimal `mantissa × 10^exp`, as shopspring/decimal builds from a float's shortest
/// representation.
#[derive(Clone, Copy)]
struct Decimal {
    mantissa: i128,
    exp: i32,
}

impl Decimal {
    fn from_f64(value: f64) -> Option<Decimal> {
        if !value.is_finite() {
            return None;
        }
        let text = format!("{value:e}");
        let (mantissa, exponent) = text.split_once('e')?;
        let exponent: i32 = exponent.parse().ok()?;
        let negative = mantissa.starts_with('-');
        let mantissa = mantissa.trim_start_matches('-');
        let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let digits = format!("{int_part}{frac_part}");
        let mut value: i128 = digits.parse().ok()?;
        if negative {
            value = -value;
        }
        Some(Decimal {
            mantissa: value,
            exp: exponent - frac_part.len() as i32,
        })
    }

    fn align(a: Decimal, b: Decimal) -> Option<(i128, i128, i32)> {
        let exp = a.exp.min(b.exp);
        let scale = |d: Decimal| -> Option<i128> {
            let shift = u32::try_from(d.exp - exp).ok()?;
            d.mantissa.checked_mul(10i128.checked_pow(shift)?)
        };
        Some((scale(a)?, scale(b)?, exp))
    }

    fn apply(self, other: Decimal, op: Op) -> Option<Decimal> {
        match op {
            Op::Add | Op::Sub => {
                let (a, b, exp) = Decimal::align(self, other)?;
                let mantissa = if let Op::Add = op {
                    a.checked_add(b)?
                } else {
                    a.checked_sub(b)?
                };
                Some(Decimal { mantissa, exp })
            }
            Op::Mul => Some(Decimal {
                mantissa: self.mantissa.checked_mul(other.mantissa)?,
                exp: self.exp + other.exp,
            }),
            Op::Div => {
                if other.mantissa == 0 {
                    return None;
                }
                // Quotient rounded half away from zero to 16 decimal places.
                let shift = 16 + self.exp - other.exp;
                let (numerator, denominator) = if shift >= 0 {
                    (
                        self.mantissa
                            .checked_mul(10i128.checked_pow(shift as u32)?)?,
                        other.mantissa,
                    )
                } else {
                    (
                        self.mantissa,
                        other
                            .mantissa
                            .checked_mul(10i128.checked_pow((-shift) as u32)?)?,
                    )
                };
                let quotient = numerator / denominator;
                let remainder = numerator % denominator;
                let mut mantissa = quotient;
                if remainder.checked_mul(2)?.abs() >= denominator.abs() {
                    if (numerator < 0) != (denominator < 0) {
                        mantissa -= 1;
                    } else {
                        mantissa += 1;
                    }
                }
                Some(Decimal { mantissa, exp: -16 })
            }
        }
    }

    fn to_f64(self) -> f64 {
        format!("{}e{}", self.mantissa, self.exp)
            .parse()
            .unwrap_or(f64::NAN)
    }
}

fn float_op(a: f64, b: f64, op: Op) -> f64 {
    match op {
        Op::Add => a + b,
        Op::Sub => a - b,
        Op::Mul => a * b,
        Op::Div => a / b,
    }
}

fn decimal_op(first: &Value, rest: &[Value], op: Op) -> f64 {
    let mut float = cast_float64(first);
    let mut decimal = Decimal::from_f64(float);
    for value in rest {
        let x = cast_float64(value);
        float = float_op(float, x, op);
        decimal = match (decimal, Decimal::from_f64(x)) {
            (Some(d), Some(e)) => d.apply(e, op),
            _ => None,
        };
    }
    decimal.map_or(float, Decimal::to_f64)
}

fn divf(_: &mut Ctx<'_>, args: Vec<Value>) -> FnResult {
    if args[1..].iter().any(|v| cast_float64(v) == 0.0) {
        return Err("decimal division by 0".to_string());
    }
    Ok(Value::Float(decimal_op(&args[0], &args[1..], Op::Div)))
}
