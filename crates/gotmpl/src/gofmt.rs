//! Go's `fmt` and `strconv` formatting, as far as template values need it:
//! `%v` printing of values (`1e+06`, `[a b]`, `map[k:v]`), `Sprint`, `Sprintln`,
//! `Sprintf` with flags, width, precision and Go's `%!verb(type=value)` complaints,
//! and `strconv.Quote`.

use crate::value::{ElemType, Value};
use std::fmt::Write;

/// Decimal digits of a float: `0.digits × 10^dp`, trailing zeros removed.
struct Digits {
    digits: Vec<u8>,
    dp: i32,
}

fn parse_sci(text: &str) -> Digits {
    // `text` is Rust's `{:e}` output for a non-negative finite number: `d.ddde±x`.
    let (mantissa, exponent) = text.split_once('e').unwrap_or((text, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let mut digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
    while digits.last() == Some(&b'0') {
        digits.pop();
    }
    if digits.is_empty() {
        return Digits { digits, dp: 0 };
    }
    Digits {
        digits,
        dp: exponent + 1,
    }
}

fn shortest_digits(x: f64) -> Digits {
    parse_sci(&format!("{:e}", x.abs()))
}

fn precision_digits(x: f64, significant: usize) -> Digits {
    parse_sci(&format!("{:.*e}", significant.saturating_sub(1), x.abs()))
}

fn write_exp(out: &mut String, digits: &Digits, frac_digits: usize, upper: bool) {
    out.push(digits.digits.first().map_or('0', |d| *d as char));
    if frac_digits > 0 {
        out.push('.');
        for index in 1..=frac_digits {
            out.push(digits.digits.get(index).map_or('0', |d| *d as char));
        }
    }
    out.push(if upper { 'E' } else { 'e' });
    let exp = if digits.digits.is_empty() {
        0
    } else {
        digits.dp - 1
    };
    out.push(if exp < 0 { '-' } else { '+' });
    let exp = exp.unsigned_abs();
    if exp < 10 {
        out.push('0');
    }
    let _ = write!(out, "{exp}");
}

fn write_fixed(out: &mut String, digits: &Digits, frac_digits: usize) {
    let nd = digits.digits.len() as i32;
    if digits.dp > 0 {
        for index in 0..digits.dp {
            out.push(if index < nd {
                digits.digits[index as usize] as char
            } else {
                '0'
            });
        }
    } else {
        out.push('0');
    }
    if frac_digits > 0 {
        out.push('.');
        for i in 1..=frac_digits as i32 {
            let j = digits.dp + i - 1;
            out.push(if j >= 0 && j < nd {
                digits.digits[j as usize] as char
            } else {
                '0'
            });
        }
    }
}

/// `strconv.FormatFloat(x, fmt, prec, 64)` for the formats `e E f F g G`.
pub(crate) fn format_float(x: f64, fmt: char, prec: i32) -> String {
    let mut out = String::new();
    if x.is_nan() {
        return "NaN".to_string();
    }
    if x.is_infinite() {
        return if x > 0.0 { "+Inf" } else { "-Inf" }.to_string();
    }
    if x.is_sign_negative() {
        out.push('-');
    }
    let shortest = prec < 0;
    match fmt {
        'e' | 'E' => {
            if shortest {
                let digits = shortest_digits(x);
                let frac = digits.digits.len().saturating_sub(1);
                write_exp(&mut out, &digits, frac, fmt == 'E');
            } else {
                let digits = precision_digits(x, prec as usize + 1);
                write_exp(&mut out, &digits, prec as usize, fmt == 'E');
            }
        }
        'f' | 'F' => {
            if shortest {
                let digits = shortest_digits(x);
                let frac = (digits.digits.len() as i32 - digits.dp).max(0) as usize;
                write_fixed(&mut out, &digits, frac);
            } else {
                let _ = write!(out, "{:.*}", prec as usize, x.abs());
            }
        }
        _ => {
            // 'g' / 'G'
            let (digits, mut eprec) = if shortest {
                (shortest_digits(x), 6)
            } else {
                let significant = if prec == 0 { 1 } else { prec as usize };
                (precision_digits(x, significant), significant as i32)
            };
            let nd = digits.digits.len() as i32;
            if !shortest && eprec > nd && nd >= digits.dp {
                eprec = nd;
            }
            let exp = digits.dp - 1;
            if exp < -4 || exp >= eprec {
                let frac = (nd - 1).max(0) as usize;
                write_exp(&mut out, &digits, frac, fmt == 'G');
            } else {
                let frac = (nd - digits.dp).max(0) as usize;
                write_fixed(&mut out, &digits, frac);
            }
        }
    }
    out
}

/// `strconv.FormatFloat(x, 'x', prec, 64)`: hexadecimal mantissa and binary exponent.
pub(crate) fn hex_float(x: f64, prec: i32, upper: bool) -> String {
    if !x.is_finite() {
        return format_float(x, 'g', -1);
    }
    let mut out = String::new();
    if x.is_sign_negative() {
        out.push('-');
    }
    let bits = x.abs().to_bits();
    let mut exponent = ((bits >> 52) & 0x7ff) as i32;
    let mut mantissa = bits & ((1u64 << 52) - 1);
    if exponent == 0 && mantissa == 0 {
        exponent = 0;
    } else if exponent == 0 {
        // Subnormal: normalise so that the leading digit is 1.
        exponent = -1022;
        while mantissa & (1u64 << 52) == 0 {
            mantissa <<= 1;
            exponent -= 1;
        }
        mantissa &= (1u64 << 52) - 1;
    } else {
        exponent -= 1023;
    }
    let lead = if bits == 0 { 0 } else { 1 };
    // 52 mantissa bits are 13 hex digits.
    let mut digits: Vec<u8> = (0..13)
        .map(|i| ((mantissa >> (48 - 4 * i)) & 0xf) as u8)
        .collect();
    let mut lead_digit = lead;
    if prec >= 0 && (prec as usize) < 13 {
        let keep = prec as usize;
        let dropped: Vec<u8> = digits[keep..].to_vec();
        digits.truncate(keep);
        let half = dropped.first().is_some_and(|d| *d > 8)
            || dropped.first() == Some(&8)
                && (dropped[1..].iter().any(|d| *d != 0)
                    || digits.last().map_or(lead_digit & 1 == 1, |d| d & 1 == 1));
        if half {
            let mut carry = true;
            for digit in digits.iter_mut().rev() {
                if *digit == 15 {
                    *digit = 0;
                } else {
                    *digit += 1;
                    carry = false;
                    break;
                }
            }
            if carry {
                lead_digit += 1;
                if lead_digit == 2 {
                    lead_digit = 1;
                    exponent += 1;
                }
            }
        }
    } else if prec < 0 {
        while digits.last() == Some(&0) {
            digits.pop();
        }
    } else {
        digits.resize(prec as usize, 0);
    }
    let hex = |d: u8| {
        let c = char::from_digit(u32::from(d), 16).unwrap_or('0');
        if upper {
            c.to_ascii_uppercase()
        } else {
            c
        }
    };
    out.push_str(if upper { "0X" } else { "0x" });
    out.push(hex(lead_digit));
    if !digits.is_empty() {
        out.push('.');
        for digit in &digits {
            out.push(hex(*digit));
        }
    }
    out.push(if upper { 'P' } else { 'p' });
    out.push(if exponent < 0 { '-' } else { '+' });
    let magnitude = exponent.unsigned_abs();
    if magnitude < 10 {
        out.push('0');
    }
    let _ = write!(out, "{magnitude}");
    out
}

/// `%v` of a float64.
pub(crate) fn float_v(x: f64) -> String {
    format_float(x, 'g', -1)
}

/// Go's `unicode.IsPrint`, approximated with Rust's character classes.
pub(crate) fn is_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    !matches!(c as u32,
        0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x180E | 0x200B..=0x200F
        | 0x202A..=0x202E | 0x2060..=0x206F | 0xFEFF | 0xFFF9..=0xFFFB
        | 0xE000..=0xF8FF | 0xFFFE | 0xFFFF | 0xF0000..=0x10FFFF)
}

/// `strconv.Quote` (or `QuoteASCII` when `ascii_only`).
pub(crate) fn quote_with(text: &str, quote: char, ascii_only: bool) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for c in text.chars() {
        if c == quote || c == '\\' {
            out.push('\\');
            out.push(c);
            continue;
        }
        if ascii_only {
            if (c as u32) < 0x80 && is_print(c) {
                out.push(c);
                continue;
            }
        } else if is_print(c) {
            out.push(c);
            continue;
        }
        match c {
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if (c as u32) < 0x10000 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08x}", c as u32);
            }
        }
    }
    out.push(quote);
    out
}

pub(crate) fn quote(text: &str) -> String {
    quote_with(text, '"', false)
}

/// `%v` of a value, the way `fmt.Print` shows it (nil is `<nil>`).
pub(crate) fn write_v(out: &mut String, value: &Value) {
    match value {
        Value::Missing | Value::Nil => out.push_str("<nil>"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i, _) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => out.push_str(&float_v(*f)),
        Value::Str(s) => out.push_str(s),
        Value::Time(t) => out.push_str(&t.go_string()),
        Value::Semver(v) => out.push_str(&v.canonical()),
        Value::List(items, _) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(' ');
                }
                write_v(out, item);
            }
            out.push(']');
        }
        Value::Map(map, _) => {
            out.push_str("map[");
            for (index, (key, item)) in map.borrow().iter().enumerate() {
                if index > 0 {
                    out.push(' ');
                }
                out.push_str(key);
                out.push(':');
                write_v(out, item);
            }
            out.push(']');
        }
    }
}

pub(crate) fn to_v(value: &Value) -> String {
    match value {
        Value::Str(s) => s.to_string(),
        other => {
            let mut out = String::new();
            write_v(&mut out, other);
            out
        }
    }
}

/// `fmt.Sprint`: spaces between operands when neither side is a string.
pub(crate) fn sprint(args: &[Value]) -> String {
    let mut out = String::new();
    let mut prev_string = false;
    for (index, arg) in args.iter().enumerate() {
        let is_string = matches!(arg, Value::Str(_));
        if index > 0 && !is_string && !prev_string {
            out.push(' ');
        }
        write_v(&mut out, arg);
        prev_string = is_string;
    }
    out
}

/// `fmt.Sprintln`: always spaces, and a final newline.
pub(crate) fn sprintln(args: &[Value]) -> String {
    let mut out = String::new();
    for (index, arg) in args.iter().enumerate() {
        if index > 0 {
            out.push(' ');
        }
        write_v(&mut out, arg);
    }
    out.push('\n');
    out
}

#[derive(Default, Clone, Copy)]
struct Flags {
    plus: bool,
    minus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    plus_v: bool,
    sharp_v: bool,
    wid: Option<usize>,
    prec: Option<usize>,
}

struct Printer {
    buf: String,
    flags: Flags,
}

impl Printer {
    fn write_padding(&mut self, count: usize) {
        let pad = if self.flags.zero { '0' } else { ' ' };
        for _ in 0..count {
            self.buf.push(pad);
        }
    }

    fn pad(&mut self, text: &str) {
        let Some(wid) = self.flags.wid else {
            self.buf.push_str(text);
            return;
        };
        let width = wid.saturating_sub(text.chars().count());
        if self.flags.minus {
            self.buf.push_str(text);
            let saved = self.flags.zero;
            self.flags.zero = false;
            self.write_padding(width);
            self.flags.zero = saved;
        } else {
            self.write_padding(width);
            self.buf.push_str(text);
        }
    }

    fn bad_verb(&mut self, verb: char, value: &Value) {
        self.buf.push_str("%!");
        self.buf.push(verb);
        self.buf.push('(');
        if value.is_nilish() {
            self.buf.push_str("<nil>");
        } else {
            self.buf.push_str(value.type_name());
            self.buf.push('=');
            self.print_value(value, 'v', 0);
        }
        self.buf.push(')');
    }

    fn fmt_integer(&mut self, value: i64, base: u32, verb: char, upper: bool) {
        let negative = value < 0;
        let magnitude = value.unsigned_abs();
        let mut prec = 0usize;
        if let Some(p) = self.flags.prec {
            prec = p;
            if p == 0 && magnitude == 0 {
                let saved = self.flags.zero;
                self.flags.zero = false;
                let wid = self.flags.wid.unwrap_or(0);
                self.write_padding(wid);
                self.flags.zero = saved;
                return;
            }
        } else if self.flags.zero && self.flags.wid.is_some() {
            prec = self.flags.wid.unwrap_or(0);
            if negative || self.flags.plus || self.flags.space {
                prec = prec.saturating_sub(1);
            }
        }
        let mut digits = match base {
            2 => format!("{magnitude:b}"),
            8 => format!("{magnitude:o}"),
            16 if upper => format!("{magnitude:X}"),
            16 => format!("{magnitude:x}"),
            _ => format!("{magnitude}"),
        };
        while digits.len() < prec {
            digits.insert(0, '0');
        }
        let mut prefix = String::new();
        if self.flags.sharp {
            match base {
                2 => prefix.push_str("0b"),
                8 if !digits.starts_with('0') => prefix.push('0'),
                16 => prefix.push_str(if upper { "0X" } else { "0x" }),
                _ => {}
            }
        }
        if verb == 'O' {
            prefix.insert_str(0, "0o");
        }
        if negative {
            prefix.insert(0, '-');
        } else if self.flags.plus {
            prefix.insert(0, '+');
        } else if self.flags.space {
            prefix.insert(0, ' ');
        }
        prefix.push_str(&digits);
        let saved = self.flags.zero;
        self.flags.zero = false;
        self.pad(&prefix);
        self.flags.zero = saved;
    }

    fn fmt_float(&mut self, value: f64, verb: char, default_prec: i32) {
        let prec = self.flags.prec.map_or(default_prec, |p| p as i32);
        let text = format_float(value, verb, prec);
        let mut num = if text.starts_with('-') || text.starts_with('+') {
            text
        } else {
            format!("+{text}")
        };
        if self.flags.space && num.starts_with('+') && !self.flags.plus {
            num.replace_range(0..1, " ");
        }
        if num[1..].starts_with('I') || num[1..].starts_with('N') {
            let saved = self.flags.zero;
            self.flags.zero = false;
            if num[1..].starts_with('N') && !self.flags.space && !self.flags.plus {
                num.remove(0);
            }
            self.pad(&num);
            self.flags.zero = saved;
            return;
        }
        if self.flags.plus || !num.starts_with('+') {
            let wid = self.flags.wid.unwrap_or(0);
            if self.flags.zero && self.flags.wid.is_some() && wid > num.len() {
                self.buf.push_str(&num[..1]);
                self.write_padding(wid - num.len());
                self.buf.push_str(&num[1..]);
                return;
            }
            self.pad(&num);
            return;
        }
        self.pad(&num[1..]);
    }

    fn fmt_string(&mut self, text: &str, verb: char) {
        match verb {
            'v' if self.flags.sharp_v => self.pad(&quote(text)),
            'v' | 's' => {
                let truncated = self.truncate(text);
                self.pad(&truncated);
            }
            'q' => {
                let truncated = self.truncate(text);
                let quoted = if self.flags.sharp && can_backquote(&truncated) {
                    format!("`{truncated}`")
                } else {
                    quote_with(&truncated, '"', self.flags.plus)
                };
                self.pad(&quoted);
            }
            'x' | 'X' => {
                let bytes = text.as_bytes();
                let bytes = match self.flags.prec {
                    Some(p) if p < bytes.len() => &bytes[..p],
                    _ => bytes,
                };
                let mut hex = String::new();
                for (index, byte) in bytes.iter().enumerate() {
                    if self.flags.space && index > 0 {
                        hex.push(' ');
                    }
                    if self.flags.sharp && (self.flags.space || index == 0) {
                        hex.push_str(if verb == 'x' { "0x" } else { "0X" });
                    }
                    if verb == 'x' {
                        let _ = write!(hex, "{byte:02x}");
                    } else {
                        let _ = write!(hex, "{byte:02X}");
                    }
                }
                self.pad(&hex);
            }
            _ => self.bad_verb(verb, &Value::str(text)),
        }
    }

    fn truncate(&self, text: &str) -> String {
        match self.flags.prec {
            Some(p) => text.chars().take(p).collect(),
            None => text.to_string(),
        }
    }

    fn print_value(&mut self, value: &Value, verb: char, depth: usize) {
        match value {
            Value::Missing | Value::Nil => {
                if depth > 0 {
                    self.buf.push_str("<nil>");
                } else if verb == 'v' || verb == 'T' {
                    self.pad("<nil>");
                } else {
                    self.bad_verb(verb, value);
                }
            }
            Value::Bool(b) => match verb {
                't' | 'v' => self.pad(if *b { "true" } else { "false" }),
                _ => self.bad_verb(verb, value),
            },
            Value::Int(i, _) => match verb {
                'v' | 'd' => self.fmt_integer(*i, 10, verb, false),
                'b' => self.fmt_integer(*i, 2, verb, false),
                'o' | 'O' => self.fmt_integer(*i, 8, verb, false),
                'x' => self.fmt_integer(*i, 16, verb, false),
                'X' => self.fmt_integer(*i, 16, verb, true),
                'c' => {
                    let c = u32::try_from(*i)
                        .ok()
                        .and_then(char::from_u32)
                        .unwrap_or('\u{FFFD}');
                    self.pad(&c.to_string());
                }
                'q' => {
                    let c = u32::try_from(*i)
                        .ok()
                        .and_then(char::from_u32)
                        .unwrap_or('\u{FFFD}');
                    self.pad(&quote_with(&c.to_string(), '\'', self.flags.plus));
                }
                'U' => {
                    let mut text = format!("U+{:04X}", i);
                    if self.flags.sharp {
                        if let Some(c) = u32::try_from(*i).ok().and_then(char::from_u32) {
                            if is_print(c) {
                                let _ = write!(text, " '{c}'");
                            }
                        }
                    }
                    self.pad(&text);
                }
                _ => self.bad_verb(verb, value),
            },
            Value::Float(f) => match verb {
                'x' | 'X' => {
                    let prec = self.flags.prec.map_or(-1, |p| p as i32);
                    let mut text = hex_float(*f, prec, verb == 'X');
                    if self.flags.plus && !text.starts_with('-') {
                        text.insert(0, '+');
                    } else if self.flags.space && !text.starts_with('-') {
                        text.insert(0, ' ');
                    }
                    self.pad(&text);
                }
                'v' => self.fmt_float(*f, 'g', -1),
                'g' | 'G' => self.fmt_float(*f, verb, -1),
                'f' | 'F' | 'e' | 'E' => self.fmt_float(*f, verb, 6),
                _ => self.bad_verb(verb, value),
            },
            Value::Str(s) => self.fmt_string(s, verb),
            // Stringers: fmt calls `String()` for these verbs; other verbs would
            // print the struct's private fields, which this model does not have.
            Value::Time(_) | Value::Semver(_) => {
                if verb == 'T' {
                    self.pad(value.type_name());
                    return;
                }
                let text = match value {
                    Value::Time(t) => t.go_string(),
                    Value::Semver(v) => v.canonical(),
                    _ => String::new(),
                };
                match verb {
                    'v' | 's' | 'x' | 'X' | 'q' => self.fmt_string(&text, verb),
                    _ => self.bad_verb(verb, &Value::string(text)),
                }
            }
            Value::List(items, elem) => {
                if verb == 'T' {
                    self.pad(value.type_name());
                    return;
                }
                let _ = elem == &ElemType::Any;
                self.buf.push('[');
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        self.buf.push(' ');
                    }
                    self.print_value(item, verb, depth + 1);
                }
                self.buf.push(']');
            }
            Value::Map(map, _) => {
                if verb == 'T' {
                    self.pad(value.type_name());
                    return;
                }
                self.buf.push_str("map[");
                for (index, (key, item)) in map.borrow().iter().enumerate() {
                    if index > 0 {
                        self.buf.push(' ');
                    }
                    self.fmt_string(key, verb);
                    self.buf.push(':');
                    self.print_value(item, verb, depth + 1);
                }
                self.buf.push(']');
            }
        }
    }

    fn print_arg(&mut self, value: &Value, verb: char) {
        if verb == 'T' {
            let name = if value.is_nilish() {
                "<nil>"
            } else {
                value.type_name()
            };
            self.fmt_string(name, 's');
            return;
        }
        if verb == 'p' {
            self.bad_verb(verb, value);
            return;
        }
        self.print_value(value, verb, 0);
    }
}

fn can_backquote(text: &str) -> bool {
    text.chars()
        .all(|c| c != '`' && c != '\u{FEFF}' && (c == '\t' || !c.is_control()))
}

/// Go's `parsenum`: a decimal number at `format[*index..end]`. A number over a
/// million is none, and Go then skips to `end`.
fn parse_num(format: &[char], index: &mut usize, end: usize) -> Option<usize> {
    let start = *index;
    let mut number: usize = 0;
    while *index < end && format[*index].is_ascii_digit() {
        if number > 1_000_000 {
            *index = end;
            return None;
        }
        number = number * 10 + (format[*index] as usize - '0' as usize);
        *index += 1;
    }
    (*index > start).then_some(number)
}

/// Go's `parseArgNumber` for `format` starting with `[`: how many characters the
/// index takes, and the zero-based index if `[n]` parsed (`[0]` gives -1).
fn parse_arg_number(format: &[char]) -> (usize, Option<i64>) {
    if format.len() < 3 {
        return (1, None);
    }
    let Some(close) = format.iter().position(|c| *c == ']') else {
        return (1, None);
    };
    let mut index = 1;
    match parse_num(format, &mut index, close) {
        Some(number) if index == close => (close + 1, Some(number as i64 - 1)),
        _ => (close + 1, None),
    }
}

/// Go's `intFromArg`: a `*` width or precision taken from the argument at
/// `*arg_num`, which is used up if it exists; an integer within a million or none.
fn int_from_arg(args: &[Value], arg_num: &mut usize) -> Option<i64> {
    let arg = args.get(*arg_num)?;
    *arg_num += 1;
    match arg {
        Value::Int(n, _) if (-1_000_000..=1_000_000).contains(n) => Some(*n),
        _ => None,
    }
}

/// The state of one `fmt.Sprintf` directive that explicit argument indexes change.
struct ArgCursor {
    arg_num: usize,
    num_args: usize,
    reordered: bool,
    good_arg_num: bool,
}

impl ArgCursor {
    /// Go's `argNumber`: an explicit argument index `[n]` at `chars[*i..]`. Moves
    /// `*i` past it and returns whether one parsed (an out-of-range one makes the
    /// directive a BADINDEX).
    fn arg_number(&mut self, chars: &[char], i: &mut usize) -> bool {
        if chars.get(*i) != Some(&'[') {
            return false;
        }
        self.reordered = true;
        let (width, index) = parse_arg_number(&chars[*i..]);
        *i += width;
        match index {
            Some(index) if (0..self.num_args as i64).contains(&index) => {
                self.arg_num = index as usize;
            }
            _ => self.good_arg_num = false,
        }
        index.is_some()
    }
}

/// `fmt.Sprintf`.
pub(crate) fn sprintf(format: &str, args: &[Value]) -> String {
    let chars: Vec<char> = format.chars().collect();
    let mut printer = Printer {
        buf: String::with_capacity(format.len() + 16),
        flags: Flags::default(),
    };
    let end = chars.len();
    let mut cursor = ArgCursor {
        arg_num: 0,
        num_args: args.len(),
        reordered: false,
        good_arg_num: true,
    };
    let mut i = 0usize;
    while i < end {
        cursor.good_arg_num = true;
        let literal_start = i;
        while i < end && chars[i] != '%' {
            i += 1;
        }
        if i > literal_start {
            printer.buf.extend(&chars[literal_start..i]);
        }
        if i >= end {
            break;
        }
        i += 1; // skip '%'
        printer.flags = Flags::default();
        while i < end {
            match chars[i] {
                '#' => printer.flags.sharp = true,
                '0' => printer.flags.zero = !printer.flags.minus,
                '+' => printer.flags.plus = true,
                '-' => {
                    printer.flags.minus = true;
                    printer.flags.zero = false;
                }
                ' ' => printer.flags.space = true,
                _ => break,
            }
            i += 1;
        }
        // Argument index, width and precision, in Go's order (`doPrintf`).
        let mut after_index = cursor.arg_number(&chars, &mut i);
        if i < end && chars[i] == '*' {
            i += 1;
            match int_from_arg(args, &mut cursor.arg_num) {
                Some(width) => {
                    if width < 0 {
                        printer.flags.minus = true;
                        printer.flags.zero = false;
                    }
                    printer.flags.wid = Some(width.unsigned_abs() as usize);
                }
                None => printer.buf.push_str("%!(BADWIDTH)"),
            }
            after_index = false;
        } else {
            printer.flags.wid = parse_num(&chars, &mut i, end);
            if after_index && printer.flags.wid.is_some() {
                cursor.good_arg_num = false;
            }
        }
        if i + 1 < end && chars[i] == '.' {
            i += 1;
            if after_index {
                cursor.good_arg_num = false;
            }
            after_index = cursor.arg_number(&chars, &mut i);
            if i < end && chars[i] == '*' {
                i += 1;
                match int_from_arg(args, &mut cursor.arg_num) {
                    Some(precision) if precision >= 0 => {
                        printer.flags.prec = Some(precision as usize);
                    }
                    _ => printer.buf.push_str("%!(BADPREC)"),
                }
                after_index = false;
            } else {
                printer.flags.prec = Some(parse_num(&chars, &mut i, end).unwrap_or(0));
            }
        }
        if !after_index {
            cursor.arg_number(&chars, &mut i);
        }
        if i >= end {
            printer.buf.push_str("%!(NOVERB)");
            break;
        }
        let verb = chars[i];
        i += 1;
        if verb == '%' {
            printer.buf.push('%');
            continue;
        }
        if !cursor.good_arg_num {
            printer.buf.push_str("%!");
            printer.buf.push(verb);
            printer.buf.push_str("(BADINDEX)");
            continue;
        }
        if cursor.arg_num >= args.len() {
            printer.buf.push_str("%!");
            printer.buf.push(verb);
            printer.buf.push_str("(MISSING)");
            continue;
        }
        if verb == 'v' {
            if printer.flags.sharp {
                printer.flags.sharp = false;
                printer.flags.sharp_v = true;
            }
            if printer.flags.plus {
                printer.flags.plus = false;
                printer.flags.plus_v = true;
            }
        }
        if verb == 'w' {
            printer.bad_verb('w', &args[cursor.arg_num]);
        } else {
            printer.print_arg(&args[cursor.arg_num], verb);
        }
        cursor.arg_num += 1;
    }
    if !cursor.reordered && cursor.arg_num < args.len() {
        printer.flags = Flags::default();
        printer.buf.push_str("%!(EXTRA ");
        for (index, arg) in args[cursor.arg_num..].iter().enumerate() {
            if index > 0 {
                printer.buf.push_str(", ");
            }
            if arg.is_nilish() {
                printer.buf.push_str("<nil>");
            } else {
                printer.buf.push_str(arg.type_name());
                printer.buf.push('=');
                printer.print_arg(arg, 'v');
            }
        }
        printer.buf.push(')');
    }
    printer.buf
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check_float(x: f64, fmt: char, prec: i32, expected: &str) {
        assert_eq!(format_float(x, fmt, prec), expected);
    }

    #[test]
    fn floats_print_like_go() {
        check_float(1e6, 'g', -1, "1e+06");
        check_float(123456.0, 'g', -1, "123456");
        check_float(1.5, 'g', -1, "1.5");
        check_float(0.0001, 'g', -1, "0.0001");
        check_float(0.00001, 'g', -1, "1e-05");
        check_float(0.0, 'g', -1, "0");
        check_float(1234567.0, 'g', -1, "1.234567e+06");
        check_float(2.34567, 'f', 2, "2.35");
        check_float(1e21, 'e', -1, "1e+21");
        check_float(100.0, 'e', 3, "1.000e+02");
        check_float(100.0, 'g', 2, "1e+02");
        check_float(123.456, 'g', 4, "123.5");
    }

    #[test]
    fn sprintf_star_and_index_like_go() {
        // Outputs recorded from Go 1.19's fmt.Sprintf.
        let (three, four) = (Value::int(3), Value::int(4));
        let args = [three.clone(), four.clone()];
        assert_eq!(sprintf("%[5]*d", &args), "%!d(BADINDEX)");
        assert_eq!(sprintf("%[9].*d", &args), "%!d(BADINDEX)");
        assert_eq!(sprintf("%[5][1]d", &args), "%![(BADINDEX)1]d");
        assert_eq!(sprintf("%[1]*d", &args), "  4");
        assert_eq!(
            sprintf("%.*d", &[Value::int(-1), four.clone()]),
            "%!(BADPREC)4"
        );
        assert_eq!(
            sprintf("%.*d", &[Value::int(10_000_000), four]),
            "%!(BADPREC)4"
        );
        assert_eq!(sprintf("%[", std::slice::from_ref(&three)), "%!(NOVERB)");
        assert_eq!(
            sprintf("%12345678d|x", std::slice::from_ref(&three)),
            "%!(NOVERB)%!(EXTRA int=3)"
        );
    }

    #[test]
    fn sprintf_complaints() {
        let args = [Value::int(3), Value::int(4)];
        assert_eq!(sprintf("%d %s", &args), "3 %!s(int=4)");
        assert_eq!(sprintf("%s", &[]), "%!s(MISSING)");
        assert_eq!(
            sprintf("%s", &[Value::int(1), Value::int(2)]),
            "%!s(int=1)%!(EXTRA int=2)"
        );
        assert_eq!(
            sprintf("%5.2f|%-4s|", &[Value::Float(1.23456), Value::str("ab")]),
            " 1.23|ab  |"
        );
    }
}
