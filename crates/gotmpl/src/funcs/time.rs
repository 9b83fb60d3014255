//! Sprig's date functions and the pieces of Go's `time` package they need: layout
//! formatting and parsing (`Mon Jan 2 15:04:05 MST 2006`), duration printing and
//! parsing (`1h2m3.5s`), and a few locations.
//!
//! The clock is the caller's ([`crate::Env::now`]); without one, the functions that
//! read it (`now`, `ago`, and `date`… given something that is not a time) fail.
//! Locations: `UTC`, `Local` (treated as UTC, what the controller's container has),
//! `GMT`, `Etc/UTC`, `Etc/GMT`, `Etc/GMT±N`, and the fixed offsets parsed from input;
//! other IANA names need the time zone database and fail with a clear error.

use super::{f, Ctx, FnResult, Func, Ty};
use crate::value::{IntType, Value};
use std::rc::Rc;

const A: Ty = Ty::Any;
const S: Ty = Ty::Str;
const T: Ty = Ty::Time;

const NANOS: i64 = 1_000_000_000;
/// Seconds from 0001-01-01 to 1970-01-01 (Go's zero time is year 1).
const ZERO_UNIX: i64 = -62_135_596_800;

/// A Go `time.Time`: an instant and the zone it is shown in.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct GoTime {
    pub(crate) unix: i64,
    pub(crate) nanos: u32,
    /// Seconds east of UTC.
    pub(crate) offset: i32,
    /// The zone abbreviation; empty prints as `+hhmm`.
    pub(crate) zone: Rc<str>,
}

impl GoTime {
    pub(crate) fn utc(unix: i64, nanos: u32) -> GoTime {
        GoTime {
            unix,
            nanos,
            offset: 0,
            zone: Rc::from("UTC"),
        }
    }

    fn zero() -> GoTime {
        GoTime::utc(ZERO_UNIX, 0)
    }

    fn in_zone(&self, zone: &Zone) -> GoTime {
        GoTime {
            unix: self.unix,
            nanos: self.nanos,
            offset: zone.offset,
            zone: Rc::from(zone.name.as_str()),
        }
    }

    fn civil(&self) -> Civil {
        let local = self.unix + i64::from(self.offset);
        let days = local.div_euclid(86_400);
        let secs = local.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        Civil {
            year,
            month,
            day,
            hour: (secs / 3600) as u32,
            minute: (secs / 60 % 60) as u32,
            second: (secs % 60) as u32,
            nanos: self.nanos,
            weekday: (days + 4).rem_euclid(7) as usize,
            yday: (days - days_from_civil(year, 1, 1) + 1) as u32,
        }
    }

    /// Go's `Time.String`.
    pub(crate) fn go_string(&self) -> String {
        format_layout(self, "2006-01-02 15:04:05.999999999 -0700 MST")
    }

    /// Go's `Time.MarshalJSON` without the quotes (RFC 3339 with nanoseconds).
    pub(crate) fn rfc3339(&self) -> Result<String, String> {
        let year = self.civil().year;
        if !(0..=9999).contains(&year) {
            return Err("Time.MarshalJSON: year outside of range [0,9999]".to_string());
        }
        Ok(format_layout(self, "2006-01-02T15:04:05.999999999Z07:00"))
    }

    fn add_nanos(&self, d: i64) -> GoTime {
        let total = i128::from(self.nanos) + i128::from(d % NANOS);
        let mut unix = self.unix.saturating_add(d / NANOS);
        let nanos = total.rem_euclid(i128::from(NANOS)) as u32;
        unix = unix.saturating_add(total.div_euclid(i128::from(NANOS)) as i64);
        GoTime {
            unix,
            nanos,
            ..self.clone()
        }
    }

    /// `t.Sub(u)` in nanoseconds, saturating like Go.
    fn sub(&self, other: &GoTime) -> i64 {
        let d = (i128::from(self.unix) - i128::from(other.unix)) * i128::from(NANOS)
            + i128::from(self.nanos)
            - i128::from(other.nanos);
        d.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
    }

    /// A zero-argument method called from a template (`.Year`, `.Unix`, …).
    pub(crate) fn method(&self, name: &str) -> Option<Value> {
        let c = self.civil();
        let int = |n: i64| Some(Value::int(n));
        match name {
            "Year" => int(c.year),
            "Month" => Some(Value::str(MONTHS[c.month as usize - 1])),
            "Day" => int(i64::from(c.day)),
            "Hour" => int(i64::from(c.hour)),
            "Minute" => int(i64::from(c.minute)),
            "Second" => int(i64::from(c.second)),
            "Nanosecond" => int(i64::from(c.nanos)),
            "YearDay" => int(i64::from(c.yday)),
            "Weekday" => Some(Value::str(DAYS[c.weekday])),
            "Unix" => Some(Value::int64(self.unix)),
            "UnixMilli" => Some(Value::int64(
                self.unix
                    .wrapping_mul(1000)
                    .wrapping_add(i64::from(self.nanos / 1_000_000)),
            )),
            "UnixMicro" => Some(Value::int64(
                self.unix
                    .wrapping_mul(1_000_000)
                    .wrapping_add(i64::from(self.nanos / 1000)),
            )),
            "UnixNano" => Some(Value::int64(
                self.unix
                    .wrapping_mul(NANOS)
                    .wrapping_add(i64::from(self.nanos)),
            )),
            "IsZero" => Some(Value::Bool(self.unix == ZERO_UNIX && self.nanos == 0)),
            "String" => Some(Value::string(self.go_string())),
            "UTC" | "Local" => Some(Value::Time(GoTime::utc(self.unix, self.nanos))),
            _ => None,
        }
    }
}

struct Civil {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    nanos: u32,
    weekday: usize,
    yday: u32,
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    // Count from March so that the leap day ends the year.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let m = i64::from(month);
    let day_of_year = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in(month: u32, year: i64) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// One element of a Go layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Std {
    LongMonth,
    Month,
    NumMonth,
    ZeroMonth,
    LongWeekDay,
    WeekDay,
    Day,
    UnderDay,
    ZeroDay,
    UnderYearDay,
    ZeroYearDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    LongYear,
    Year,
    PM,
    Pm,
    Tz,
    /// `Z0700` and friends: `Z` for UTC. (colon, seconds, short)
    Iso(bool, bool, bool),
    /// `-0700` and friends. (colon, seconds, short)
    Num(bool, bool, bool),
    /// `.000` (fixed digits) or `.999` (trimmed); separator and digit count.
    Frac0(u8, usize),
    Frac9(u8, usize),
}

fn starts_lower(rest: &[u8]) -> bool {
    rest.first().is_some_and(u8::is_ascii_lowercase)
}

/// Splits `layout` at its first element: (literal prefix, element, rest).
fn next_std(layout: &str) -> (&str, Option<Std>, &str) {
    let b = layout.as_bytes();
    let has = |i: usize, s: &str| layout[i..].starts_with(s);
    for i in 0..b.len() {
        let found: Option<(Std, usize)> = match b[i] {
            b'J' if has(i, "Jan") => {
                if has(i, "January") {
                    Some((Std::LongMonth, 7))
                } else if !starts_lower(&b[i + 3..]) {
                    Some((Std::Month, 3))
                } else {
                    None
                }
            }
            b'M' if has(i, "Mon") => {
                if has(i, "Monday") {
                    Some((Std::LongWeekDay, 6))
                } else if !starts_lower(&b[i + 3..]) {
                    Some((Std::WeekDay, 3))
                } else {
                    None
                }
            }
            b'M' if has(i, "MST") => Some((Std::Tz, 3)),
            b'0' if i + 1 < b.len() && (b'1'..=b'6').contains(&b[i + 1]) => Some((
                [
                    Std::ZeroMonth,
                    Std::ZeroDay,
                    Std::ZeroHour12,
                    Std::ZeroMinute,
                    Std::ZeroSecond,
                    Std::Year,
                ][usize::from(b[i + 1] - b'1')],
                2,
            )),
            b'0' if has(i, "002") => Some((Std::ZeroYearDay, 3)),
            b'1' if has(i, "15") => Some((Std::Hour, 2)),
            b'1' => Some((Std::NumMonth, 1)),
            b'2' if has(i, "2006") => Some((Std::LongYear, 4)),
            b'2' => Some((Std::Day, 1)),
            b'_' if has(i, "_2") => {
                if has(i, "_2006") {
                    // A literal underscore followed by the year.
                    return (&layout[..i + 1], Some(Std::LongYear), &layout[i + 5..]);
                }
                Some((Std::UnderDay, 2))
            }
            b'_' if has(i, "__2") => Some((Std::UnderYearDay, 3)),
            b'3' => Some((Std::Hour12, 1)),
            b'4' => Some((Std::Minute, 1)),
            b'5' => Some((Std::Second, 1)),
            b'P' if has(i, "PM") => Some((Std::PM, 2)),
            b'p' if has(i, "pm") => Some((Std::Pm, 2)),
            b'-' => [
                ("-07:00:00", Std::Num(true, true, false)),
                ("-070000", Std::Num(false, true, false)),
                ("-07:00", Std::Num(true, false, false)),
                ("-0700", Std::Num(false, false, false)),
                ("-07", Std::Num(false, false, true)),
            ]
            .iter()
            .find(|(text, _)| has(i, text))
            .map(|(text, std)| (*std, text.len())),
            b'Z' => [
                ("Z07:00:00", Std::Iso(true, true, false)),
                ("Z070000", Std::Iso(false, true, false)),
                ("Z07:00", Std::Iso(true, false, false)),
                ("Z0700", Std::Iso(false, false, false)),
                ("Z07", Std::Iso(false, false, true)),
            ]
            .iter()
            .find(|(text, _)| has(i, text))
            .map(|(text, std)| (*std, text.len())),
            b'.' | b',' if i + 1 < b.len() && matches!(b[i + 1], b'0' | b'9') => {
                let digit = b[i + 1];
                let mut j = i + 1;
                while j < b.len() && b[j] == digit {
                    j += 1;
                }
                if j < b.len() && b[j].is_ascii_digit() {
                    None
                } else if digit == b'0' {
                    Some((Std::Frac0(b[i], j - i - 1), j - i))
                } else {
                    Some((Std::Frac9(b[i], j - i - 1), j - i))
                }
            }
            _ => None,
        };
        if let Some((std, len)) = found {
            return (&layout[..i], Some(std), &layout[i + len..]);
        }
    }
    (layout, None, "")
}

fn push_num(out: &mut String, n: i64, width: usize) {
    if n < 0 {
        out.push('-');
    }
    let digits = n.unsigned_abs().to_string();
    for _ in digits.len()..width {
        out.push('0');
    }
    out.push_str(&digits);
}

fn push_offset(out: &mut String, offset: i32, colon: bool, seconds: bool, short: bool) {
    let abs = offset.unsigned_abs();
    out.push(if offset < 0 { '-' } else { '+' });
    push_num(out, i64::from(abs / 3600), 2);
    if !short {
        if colon {
            out.push(':');
        }
        push_num(out, i64::from(abs / 60 % 60), 2);
    }
    if seconds {
        if colon {
            out.push(':');
        }
        push_num(out, i64::from(abs % 60), 2);
    }
}

/// Go's `Time.Format`.
pub(crate) fn format_layout(t: &GoTime, layout: &str) -> String {
    let c = t.civil();
    let mut out = String::with_capacity(layout.len() + 10);
    let mut rest = layout;
    loop {
        let (prefix, std, after) = next_std(rest);
        out.push_str(prefix);
        let Some(std) = std else { break };
        rest = after;
        let hour12 = match c.hour % 12 {
            0 => 12,
            h => h,
        };
        match std {
            Std::LongYear => push_num(&mut out, c.year, 4),
            Std::Year => push_num(&mut out, c.year.rem_euclid(100), 2),
            Std::LongMonth => out.push_str(MONTHS[c.month as usize - 1]),
            Std::Month => out.push_str(&MONTHS[c.month as usize - 1][..3]),
            Std::NumMonth => push_num(&mut out, i64::from(c.month), 1),
            Std::ZeroMonth => push_num(&mut out, i64::from(c.month), 2),
            Std::LongWeekDay => out.push_str(DAYS[c.weekday]),
            Std::WeekDay => out.push_str(&DAYS[c.weekday][..3]),
            Std::Day => push_num(&mut out, i64::from(c.day), 1),
            Std::UnderDay => {
                if c.day < 10 {
                    out.push(' ');
                }
                push_num(&mut out, i64::from(c.day), 1);
            }
            Std::ZeroDay => push_num(&mut out, i64::from(c.day), 2),
            Std::UnderYearDay => {
                for _ in c.yday.to_string().len()..3 {
                    out.push(' ');
                }
                push_num(&mut out, i64::from(c.yday), 1);
            }
            Std::ZeroYearDay => push_num(&mut out, i64::from(c.yday), 3),
            Std::Hour => push_num(&mut out, i64::from(c.hour), 2),
            Std::Hour12 => push_num(&mut out, i64::from(hour12), 1),
            Std::ZeroHour12 => push_num(&mut out, i64::from(hour12), 2),
            Std::Minute => push_num(&mut out, i64::from(c.minute), 1),
            Std::ZeroMinute => push_num(&mut out, i64::from(c.minute), 2),
            Std::Second => push_num(&mut out, i64::from(c.second), 1),
            Std::ZeroSecond => push_num(&mut out, i64::from(c.second), 2),
            Std::PM => out.push_str(if c.hour >= 12 { "PM" } else { "AM" }),
            Std::Pm => out.push_str(if c.hour >= 12 { "pm" } else { "am" }),
            Std::Tz => {
                if t.zone.is_empty() {
                    push_offset(&mut out, t.offset, false, false, false);
                } else {
                    out.push_str(&t.zone);
                }
            }
            Std::Iso(colon, seconds, short) => {
                if t.offset == 0 {
                    out.push('Z');
                } else {
                    push_offset(&mut out, t.offset, colon, seconds, short);
                }
            }
            Std::Num(colon, seconds, short) => {
                push_offset(&mut out, t.offset, colon, seconds, short)
            }
            Std::Frac0(sep, n) => {
                out.push(char::from(sep));
                let digits = format!("{:09}", c.nanos);
                out.push_str(&digits[..n.min(9)]);
            }
            Std::Frac9(sep, n) => {
                let digits = format!("{:09}", c.nanos);
                let kept = digits[..n.min(9)].trim_end_matches('0');
                if !kept.is_empty() {
                    out.push(char::from(sep));
                    out.push_str(kept);
                }
            }
        }
    }
    out
}

/// Go's `time.ParseError` message.
fn parse_error(layout: &str, value: &str, layout_elem: &str, value_elem: &str) -> String {
    use crate::gofmt::quote;
    format!(
        "parsing time {} as {}: cannot parse {} as {}",
        quote(value),
        quote(layout),
        quote(value_elem),
        quote(layout_elem)
    )
}

fn range_error(value: &str, what: &str) -> String {
    format!(
        "parsing time {}: {what} out of range",
        crate::gofmt::quote(value)
    )
}

/// Two digits (one when `fixed` is false and only one is there).
fn getnum(s: &str, fixed: bool) -> Option<(i64, &str)> {
    let b = s.as_bytes();
    if !b.first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    if !b.get(1).is_some_and(u8::is_ascii_digit) {
        if fixed {
            return None;
        }
        return Some((i64::from(b[0] - b'0'), &s[1..]));
    }
    Some((
        i64::from(b[0] - b'0') * 10 + i64::from(b[1] - b'0'),
        &s[2..],
    ))
}

fn getnum3(s: &str, fixed: bool) -> Option<(i64, &str)> {
    let b = s.as_bytes();
    let mut n = 0;
    let mut i = 0;
    while i < 3 && b.get(i).is_some_and(u8::is_ascii_digit) {
        n = n * 10 + i64::from(b[i] - b'0');
        i += 1;
    }
    if i == 0 || (fixed && i != 3) {
        return None;
    }
    Some((n, &s[i..]))
}

/// Go's `atoi` for the time parser: optional sign, decimal digits.
fn time_atoi(s: &str) -> Option<i64> {
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let n: i64 = digits.parse().ok()?;
    Some(if neg { -n } else { n })
}

fn lookup<'v>(names: &[&str], value: &'v str, len: Option<usize>) -> Option<(usize, &'v str)> {
    for (index, name) in names.iter().enumerate() {
        let name = match len {
            Some(n) => &name[..n],
            None => name,
        };
        if value.len() >= name.len()
            && value.is_char_boundary(name.len())
            && value[..name.len()].eq_ignore_ascii_case(name)
        {
            return Some((index, &value[name.len()..]));
        }
    }
    None
}

fn skip<'v>(mut value: &'v str, mut prefix: &str) -> Result<&'v str, ()> {
    while let Some(&p) = prefix.as_bytes().first() {
        if p == b' ' {
            if value.as_bytes().first().is_some_and(|&c| c != b' ') {
                return Err(());
            }
            prefix = prefix.trim_start_matches(' ');
            value = value.trim_start_matches(' ');
            continue;
        }
        if value.as_bytes().first() != Some(&p) {
            return Err(());
        }
        prefix = &prefix[1..];
        value = &value[1..];
    }
    Ok(value)
}

fn parse_signed_offset(value: &str) -> usize {
    let b = value.as_bytes();
    if !matches!(b.first(), Some(b'+' | b'-')) {
        return 0;
    }
    let digits = b[1..].iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 {
        return 0;
    }
    match value[1..1 + digits].parse::<u64>() {
        Ok(x) if x <= 12 => 1 + digits,
        _ => 0,
    }
}

/// The length of a zone abbreviation at the start of `value`.
fn parse_time_zone(value: &str) -> Option<usize> {
    let b = value.as_bytes();
    if b.len() < 3 {
        return None;
    }
    if value.starts_with("ChST") || value.starts_with("MeST") {
        return Some(4);
    }
    if let Some(rest) = value.strip_prefix("GMT") {
        return Some(3 + parse_signed_offset(rest));
    }
    if matches!(b[0], b'+' | b'-') {
        let n = parse_signed_offset(value);
        return (n > 0).then_some(n);
    }
    let upper = b
        .iter()
        .take(6)
        .take_while(|c| c.is_ascii_uppercase())
        .count();
    match upper {
        3 => Some(3),
        4 if b[3] == b'T' || value.starts_with("WITA") => Some(4),
        5 if b[4] == b'T' => Some(5),
        _ => None,
    }
}

/// `value` holds digits after a separator at 0; `n` bytes in all.
fn parse_nanos(value: &str, n: usize) -> Result<i64, Option<&'static str>> {
    if !matches!(value.as_bytes().first(), Some(b'.' | b',')) {
        return Err(None);
    }
    let n = n.min(10);
    let ns = time_atoi(value.get(1..n).ok_or(None)?).ok_or(None)?;
    if ns < 0 {
        return Err(Some("fractional second"));
    }
    Ok(ns * 10_i64.pow((10 - n) as u32))
}

/// yaml.v2's timestamp check: would this plain scalar read back as a time?
pub(crate) fn is_yaml_timestamp(text: &str) -> bool {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    digits == 4
        && text.as_bytes().get(4) == Some(&b'-')
        && [
            "2006-1-2T15:4:5.999999999Z07:00",
            "2006-1-2t15:4:5.999999999Z07:00",
            "2006-1-2 15:4:5.999999999",
            "2006-1-2",
        ]
        .iter()
        .any(|layout| parse_time(layout, text).is_ok())
}

/// Go's `time.ParseInLocation(layout, value, time.Local)` with Local being UTC.
pub(crate) fn parse_time(layout: &str, value: &str) -> Result<GoTime, String> {
    let (full_layout, full_value) = (layout, value);
    let mut layout = layout;
    let mut value = value;
    let (mut year, mut month, mut day, mut yday) = (0i64, -1i64, -1i64, -1i64);
    let (mut hour, mut minute, mut second, mut nanos) = (0i64, 0i64, 0i64, 0i64);
    let (mut pm, mut am) = (false, false);
    let mut utc = false;
    let mut zone_offset: Option<i64> = None;
    let mut zone_name = String::new();
    loop {
        let (prefix, std, suffix) = next_std(layout);
        let std_text = &layout[prefix.len()..layout.len() - suffix.len()];
        value = skip(value, prefix)
            .map_err(|()| parse_error(full_layout, full_value, prefix, value))?;
        let Some(std) = std else {
            if !value.is_empty() {
                return Err(format!(
                    "parsing time {}: extra text: {}",
                    crate::gofmt::quote(full_value),
                    crate::gofmt::quote(value)
                ));
            }
            break;
        };
        layout = suffix;
        let hold = value;
        let mut range: Option<&str> = None;
        let ok: Option<()> = (|| {
            match std {
                Std::Year => {
                    let p = value.get(..2)?;
                    year = time_atoi(p)?;
                    year += if year >= 69 { 1900 } else { 2000 };
                    value = &value[2..];
                }
                Std::LongYear => {
                    if !value.as_bytes().first()?.is_ascii_digit() {
                        return None;
                    }
                    year = time_atoi(value.get(..4)?)?;
                    value = &value[4..];
                }
                Std::Month | Std::LongMonth => {
                    let (index, rest) = lookup(&MONTHS, value, (std == Std::Month).then_some(3))?;
                    month = index as i64 + 1;
                    value = rest;
                }
                Std::NumMonth | Std::ZeroMonth => {
                    (month, value) = getnum(value, std == Std::ZeroMonth)?;
                    if !(1..=12).contains(&month) {
                        range = Some("month");
                    }
                }
                Std::WeekDay | Std::LongWeekDay => {
                    let (_, rest) = lookup(&DAYS, value, (std == Std::WeekDay).then_some(3))?;
                    value = rest;
                }
                Std::Day | Std::UnderDay | Std::ZeroDay => {
                    if std == Std::UnderDay && value.starts_with(' ') {
                        value = &value[1..];
                    }
                    (day, value) = getnum(value, std == Std::ZeroDay)?;
                }
                Std::UnderYearDay | Std::ZeroYearDay => {
                    for _ in 0..2 {
                        if std == Std::UnderYearDay && value.starts_with(' ') {
                            value = &value[1..];
                        }
                    }
                    (yday, value) = getnum3(value, std == Std::ZeroYearDay)?;
                }
                Std::Hour => {
                    (hour, value) = getnum(value, false)?;
                    if hour >= 24 {
                        range = Some("hour");
                    }
                }
                Std::Hour12 | Std::ZeroHour12 => {
                    (hour, value) = getnum(value, std == Std::ZeroHour12)?;
                    if hour > 12 {
                        range = Some("hour");
                    }
                }
                Std::Minute | Std::ZeroMinute => {
                    (minute, value) = getnum(value, std == Std::ZeroMinute)?;
                    if minute >= 60 {
                        range = Some("minute");
                    }
                }
                Std::Second | Std::ZeroSecond => {
                    (second, value) = getnum(value, std == Std::ZeroSecond)?;
                    if second >= 60 {
                        range = Some("second");
                        return Some(());
                    }
                    let b = value.as_bytes();
                    if b.len() >= 2 && matches!(b[0], b'.' | b',') && b[1].is_ascii_digit() {
                        if matches!(next_std(layout).1, Some(Std::Frac0(..) | Std::Frac9(..))) {
                            return Some(());
                        }
                        let n = 2 + b[2..].iter().take_while(|c| c.is_ascii_digit()).count();
                        match parse_nanos(value, n) {
                            Ok(ns) => nanos = ns,
                            Err(Some(what)) => range = Some(what),
                            Err(None) => return None,
                        }
                        value = &value[n..];
                    }
                }
                Std::PM | Std::Pm => {
                    let p = value.get(..2)?;
                    let (upper, lower) = if std == Std::PM {
                        ("PM", "AM")
                    } else {
                        ("pm", "am")
                    };
                    if p == upper {
                        pm = true;
                    } else if p == lower {
                        am = true;
                    } else {
                        return None;
                    }
                    value = &value[2..];
                }
                Std::Iso(..) | Std::Num(..) => {
                    let (colon, seconds, short) = match std {
                        Std::Iso(c, s, h) | Std::Num(c, s, h) => (c, s, h),
                        _ => (false, false, false),
                    };
                    if matches!(std, Std::Iso(..)) && value.starts_with('Z') {
                        value = &value[1..];
                        utc = true;
                        return Some(());
                    }
                    let b = value.as_bytes();
                    let (sign, hh, mm, ss, used);
                    if colon && !seconds {
                        if b.len() < 6 || b[3] != b':' {
                            return None;
                        }
                        (sign, hh, mm, ss, used) = (b[0], &value[1..3], &value[4..6], "00", 6);
                    } else if short {
                        if b.len() < 3 {
                            return None;
                        }
                        (sign, hh, mm, ss, used) = (b[0], &value[1..3], "00", "00", 3);
                    } else if colon {
                        if b.len() < 9 || b[3] != b':' || b[6] != b':' {
                            return None;
                        }
                        (sign, hh, mm, ss, used) =
                            (b[0], &value[1..3], &value[4..6], &value[7..9], 9);
                    } else if seconds {
                        if b.len() < 7 {
                            return None;
                        }
                        (sign, hh, mm, ss, used) =
                            (b[0], &value[1..3], &value[3..5], &value[5..7], 7);
                    } else {
                        if b.len() < 5 {
                            return None;
                        }
                        (sign, hh, mm, ss, used) = (b[0], &value[1..3], &value[3..5], "00", 5);
                    }
                    let (h, _) = getnum(hh, true)?;
                    let (m, _) = getnum(mm, true)?;
                    let (s, _) = getnum(ss, true)?;
                    let offset = (h * 60 + m) * 60 + s;
                    zone_offset = Some(match sign {
                        b'+' => offset,
                        b'-' => -offset,
                        _ => return None,
                    });
                    value = &value[used..];
                }
                Std::Tz => {
                    if value.starts_with("UTC") {
                        utc = true;
                        value = &value[3..];
                        return Some(());
                    }
                    let n = parse_time_zone(value)?;
                    zone_name = value[..n].to_string();
                    value = &value[n..];
                }
                Std::Frac0(_, digits) => {
                    let n = 1 + digits;
                    if value.len() < n {
                        return None;
                    }
                    match parse_nanos(value, n) {
                        Ok(ns) => nanos = ns,
                        Err(Some(what)) => range = Some(what),
                        Err(None) => return None,
                    }
                    value = &value[n..];
                }
                Std::Frac9(..) => {
                    let b = value.as_bytes();
                    if b.len() < 2 || !matches!(b[0], b'.' | b',') || !b[1].is_ascii_digit() {
                        return Some(());
                    }
                    let n = 1 + b[1..].iter().take_while(|c| c.is_ascii_digit()).count();
                    match parse_nanos(value, n) {
                        Ok(ns) => nanos = ns,
                        Err(Some(what)) => range = Some(what),
                        Err(None) => return None,
                    }
                    value = &value[n..];
                }
            }
            Some(())
        })();
        if let Some(what) = range {
            return Err(range_error(full_value, what));
        }
        if ok.is_none() {
            return Err(parse_error(full_layout, full_value, std_text, hold));
        }
    }
    if pm && hour < 12 {
        hour += 12;
    } else if am && hour == 12 {
        hour = 0;
    }
    if yday >= 0 {
        let mut d = 0;
        let mut m = 0;
        if is_leap(year) {
            if yday == 31 + 29 {
                m = 2;
                d = 29;
            } else if yday > 31 + 29 {
                yday -= 1;
            }
        }
        if !(1..=365).contains(&yday) {
            return Err(range_error(full_value, "day-of-year"));
        }
        if m == 0 {
            const BEFORE: [i64; 13] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];
            m = (yday - 1) / 31 + 1;
            if BEFORE[m as usize] < yday {
                m += 1;
            }
            d = yday - BEFORE[m as usize - 1];
        }
        let quoted = crate::gofmt::quote(full_value);
        if month >= 0 && month != m {
            return Err(format!(
                "parsing time {quoted}: day-of-year does not match month"
            ));
        }
        month = m;
        if day >= 0 && day != d {
            return Err(format!(
                "parsing time {quoted}: day-of-year does not match day"
            ));
        }
        day = d;
    } else {
        if month < 0 {
            month = 1;
        }
        if day < 0 {
            day = 1;
        }
    }
    if day < 1 || day > i64::from(days_in(month as u32, year)) {
        return Err(range_error(full_value, "day"));
    }
    let days = days_from_civil(year, month as u32, day as u32);
    let wall = days * 86_400 + hour * 3600 + minute * 60 + second;
    let base = GoTime::utc(wall, nanos as u32);
    if utc {
        return Ok(base);
    }
    if let Some(offset) = zone_offset {
        let mut t = base;
        t.unix -= offset;
        // The local zone (UTC) is used when the offset and name agree with it.
        if offset == 0 && (zone_name.is_empty() || zone_name == "UTC") {
            return Ok(t);
        }
        t.offset = offset as i32;
        t.zone = Rc::from(zone_name.as_str());
        return Ok(t);
    }
    if !zone_name.is_empty() {
        if zone_name == "UTC" {
            return Ok(base);
        }
        let mut offset = 0;
        if zone_name.len() > 3 && zone_name.starts_with("GMT") {
            offset = time_atoi(&zone_name[3..]).unwrap_or(0) * 3600;
        }
        // Go keeps the clock reading as UTC here and only labels it with the offset.
        let mut t = base;
        t.offset = offset as i32;
        t.zone = Rc::from(zone_name.as_str());
        return Ok(t);
    }
    Ok(base)
}

/// Go's `Duration.String`.
pub(crate) fn format_duration(d: i64) -> String {
    let u = d.unsigned_abs();
    let sign = if d < 0 { "-" } else { "" };
    let frac = |value: u64, digits: u32| -> String {
        let scale = 10_u64.pow(digits);
        let whole = value / scale;
        let rest = value % scale;
        if rest == 0 {
            whole.to_string()
        } else {
            let text = format!("{rest:0width$}", width = digits as usize);
            format!("{whole}.{}", text.trim_end_matches('0'))
        }
    };
    if u < NANOS as u64 {
        return match u {
            0 => "0s".to_string(),
            1..=999 => format!("{sign}{u}ns"),
            1000..=999_999 => format!("{sign}{}µs", frac(u, 3)),
            _ => format!("{sign}{}ms", frac(u, 6)),
        };
    }
    let nanos = u % NANOS as u64;
    let secs = u / NANOS as u64;
    let mut out = String::from(sign);
    let hours = secs / 3600;
    let minutes = secs / 60 % 60;
    if hours > 0 {
        out.push_str(&format!("{hours}h"));
    }
    if secs >= 60 {
        out.push_str(&format!("{minutes}m"));
    }
    out.push_str(&frac((secs % 60) * NANOS as u64 + nanos, 9));
    out.push('s');
    out
}

/// Go's `time.ParseDuration`.
pub(crate) fn parse_duration(text: &str) -> Result<i64, String> {
    let invalid = || format!("time: invalid duration {}", crate::gofmt::quote(text));
    let mut s = text;
    let mut neg = false;
    if let Some(rest) = s.strip_prefix('-') {
        neg = true;
        s = rest;
    } else if let Some(rest) = s.strip_prefix('+') {
        s = rest;
    }
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total: u64 = 0;
    while !s.is_empty() {
        let b = s.as_bytes();
        if !(b[0] == b'.' || b[0].is_ascii_digit()) {
            return Err(invalid());
        }
        let int_len = b.iter().take_while(|c| c.is_ascii_digit()).count();
        let mut v: u64 = 0;
        for &c in &b[..int_len] {
            if v > (1 << 63) / 10 {
                return Err(invalid());
            }
            v = v * 10 + u64::from(c - b'0');
            if v > 1 << 63 {
                return Err(invalid());
            }
        }
        let mut rest = &s[int_len..];
        let mut f: u64 = 0;
        let mut scale: f64 = 1.0;
        let mut post = false;
        if let Some(after) = rest.strip_prefix('.') {
            let frac_len = after.bytes().take_while(|c| c.is_ascii_digit()).count();
            post = frac_len > 0;
            let mut overflow = false;
            for c in after[..frac_len].bytes() {
                if overflow || f > (1 << 63) / 10 {
                    overflow = true;
                    continue;
                }
                let y = f * 10 + u64::from(c - b'0');
                if y > 1 << 63 {
                    overflow = true;
                    continue;
                }
                f = y;
                scale *= 10.0;
            }
            rest = &after[frac_len..];
        }
        if int_len == 0 && !post {
            return Err(invalid());
        }
        let unit_len = rest
            .char_indices()
            .find(|(_, c)| *c == '.' || c.is_ascii_digit())
            .map_or(rest.len(), |(i, _)| i);
        if unit_len == 0 {
            return Err(format!(
                "time: missing unit in duration {}",
                crate::gofmt::quote(text)
            ));
        }
        let unit_text = &rest[..unit_len];
        let unit: u64 = match unit_text {
            "ns" => 1,
            "us" | "µs" | "μs" => 1000,
            "ms" => 1_000_000,
            "s" => NANOS as u64,
            "m" => 60 * NANOS as u64,
            "h" => 3600 * NANOS as u64,
            _ => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    crate::gofmt::quote(unit_text),
                    crate::gofmt::quote(text)
                ))
            }
        };
        s = &rest[unit_len..];
        if v > (1 << 63) / unit {
            return Err(invalid());
        }
        v *= unit;
        if f > 0 {
            v += (f as f64 * (unit as f64 / scale)) as u64;
            if v > 1 << 63 {
                return Err(invalid());
            }
        }
        total += v;
        if total > 1 << 63 {
            return Err(invalid());
        }
    }
    if neg {
        return Ok((total as i64).wrapping_neg());
    }
    if total > (1 << 63) - 1 {
        return Err(invalid());
    }
    Ok(total as i64)
}

/// A location Go's `time.LoadLocation` knows, as far as this crate can tell.
struct Zone {
    name: String,
    offset: i32,
}

/// Names of the time zone database outside the `Area/Location` form.
const LEGACY_ZONES: &[&str] = &[
    "CET",
    "CST6CDT",
    "Cuba",
    "EET",
    "EST",
    "EST5EDT",
    "Egypt",
    "Eire",
    "Factory",
    "GB",
    "GB-Eire",
    "HST",
    "Hongkong",
    "Iceland",
    "Iran",
    "Israel",
    "Jamaica",
    "Japan",
    "Kwajalein",
    "Libya",
    "MET",
    "MST",
    "MST7MDT",
    "NZ",
    "NZ-CHAT",
    "Navajo",
    "PRC",
    "PST8PDT",
    "Poland",
    "Portugal",
    "ROC",
    "ROK",
    "Singapore",
    "Turkey",
    "W-SU",
    "WET",
];
const ZONE_AREAS: &[&str] = &[
    "Africa",
    "America",
    "Antarctica",
    "Arctic",
    "Asia",
    "Atlantic",
    "Australia",
    "Brazil",
    "Canada",
    "Chile",
    "Europe",
    "Indian",
    "Mexico",
    "Pacific",
    "US",
];

/// Sprig's zone lookup: `time.LoadLocation`, falling back to UTC for names the time
/// zone database does not have. Names it has are only known here when they are UTC or
/// a whole-hour `Etc/GMT±N`; the others fail, as their rules need the database.
fn load_zone(name: &str) -> Result<Zone, String> {
    let zone = |name: &str, offset: i32| {
        Ok(Zone {
            name: name.to_string(),
            offset,
        })
    };
    let bare = name.strip_prefix("Etc/").unwrap_or(name);
    match bare {
        "" | "UTC" | "Local" | "UCT" | "Universal" | "Zulu" => return zone("UTC", 0),
        "GMT" | "GMT0" | "GMT+0" | "GMT-0" | "Greenwich" => return zone("GMT", 0),
        _ => {}
    }
    if let Some(hours) = name.strip_prefix("Etc/GMT") {
        if let Some(n) = hours
            .strip_prefix(['+', '-'])
            .filter(|n| !n.is_empty() && n.len() <= 2 && !n.starts_with('0'))
            .and_then(|n| n.parse::<i32>().ok())
        {
            let east = if hours.starts_with('-') { n } else { -n };
            if (-12..=14).contains(&east) {
                let abbrev = format!("{}{:02}", if east < 0 { '-' } else { '+' }, east.abs());
                return zone(&abbrev, east * 3600);
            }
        }
    }
    let area = name.split_once('/').map(|(area, _)| area);
    let in_database = LEGACY_ZONES.contains(&name)
        || area.is_some_and(|area| ZONE_AREAS.contains(&area)) && !name.contains("..");
    if in_database {
        return Err(format!(
            "time zone {} is not supported by preflight-gotmpl (it knows UTC, Local as UTC, GMT and Etc/GMT±N)",
            crate::gofmt::quote(name)
        ));
    }
    zone("UTC", 0)
}

fn now(ctx: &Ctx<'_>) -> Result<GoTime, String> {
    match ctx.env.now {
        Some(now) => Ok(GoTime::utc(now.unix_seconds, now.nanos.min(999_999_999))),
        None => Err(
            "the clock is not available: templates are evaluated offline, without the current time"
                .to_string(),
        ),
    }
}

/// The time Sprig's `date` functions take: a time, or Unix seconds as int/int64;
/// anything else means now.
fn date_arg(ctx: &Ctx<'_>, value: &Value) -> Result<GoTime, String> {
    match value {
        Value::Time(t) => Ok(t.clone()),
        Value::Int(n, IntType::Int | IntType::Int64) => Ok(GoTime::utc(*n, 0)),
        _ => now(ctx),
    }
}

fn date_in_zone(ctx: &Ctx<'_>, layout: &Value, date: &Value, zone: &str) -> FnResult {
    let t = date_arg(ctx, date)?;
    let zone = load_zone(zone)?;
    Ok(Value::string(format_layout(
        &t.in_zone(&zone),
        super::arg_str(layout),
    )))
}

fn time_arg(value: &Value) -> GoTime {
    match value {
        Value::Time(t) => t.clone(),
        _ => GoTime::zero(),
    }
}

fn date_modify(args: &[Value]) -> Result<Value, String> {
    let t = time_arg(&args[1]);
    let d = parse_duration(super::arg_str(&args[0]))?;
    Ok(Value::Time(t.add_nanos(d)))
}

/// Go's `Duration.Round(time.Second)`: halves away from zero, saturating.
fn round_seconds(d: i64) -> i64 {
    let m = NANOS;
    let r = d % m;
    if d < 0 {
        let r = -r;
        if r + r < m {
            return d + r;
        }
        d.checked_sub(m - r)
            .filter(|&d1| d1 < d)
            .unwrap_or(i64::MIN)
    } else {
        if r + r < m {
            return d - r;
        }
        d.checked_add(m - r)
            .filter(|&d1| d1 > d)
            .unwrap_or(i64::MAX)
    }
}

fn duration_round(ctx: &Ctx<'_>, value: &Value) -> FnResult {
    let d = match value {
        Value::Str(s) => parse_duration(s).unwrap_or(0),
        Value::Int(n, IntType::Int64) => *n,
        Value::Time(t) => now(ctx)?.sub(t),
        _ => 0,
    };
    let u = d.unsigned_abs();
    let hour = 3600 * NANOS as u64;
    let units: [(u64, &str); 6] = [
        (hour * 24 * 365, "y"),
        (hour * 24 * 30, "mo"),
        (hour * 24, "d"),
        (hour, "h"),
        (60 * NANOS as u64, "m"),
        (NANOS as u64, "s"),
    ];
    for (size, suffix) in units {
        if u > size {
            return Ok(Value::string(format!("{}{suffix}", u / size)));
        }
    }
    Ok(Value::str("0s"))
}

fn duration(value: &Value) -> FnResult {
    let n = match value {
        Value::Str(s) => parse_int_saturating(s),
        Value::Int(n, IntType::Int64) => *n,
        _ => 0,
    };
    Ok(Value::string(format_duration(n.wrapping_mul(NANOS))))
}

/// `strconv.ParseInt(s, 10, 64)` keeping the value Go returns on error (0 on bad
/// syntax, the nearest bound on overflow).
fn parse_int_saturating(s: &str) -> i64 {
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return 0;
    }
    match s.parse::<i64>() {
        Ok(n) => n,
        Err(_) if neg => i64::MIN,
        Err(_) => i64::MAX,
    }
}

fn ago(ctx: &Ctx<'_>, value: &Value) -> FnResult {
    let now = now(ctx)?;
    let t = match value {
        Value::Time(t) => t.clone(),
        Value::Int(n, IntType::Int | IntType::Int64) => GoTime::utc(*n, 0),
        _ => now.clone(),
    };
    Ok(Value::string(format_duration(round_seconds(now.sub(&t)))))
}

fn to_date(args: &[Value]) -> Result<GoTime, String> {
    parse_time(super::arg_str(&args[0]), super::arg_str(&args[1]))
}

pub(crate) fn funcs() -> Vec<Func> {
    fn html_date(ctx: &mut Ctx<'_>, a: Vec<Value>) -> FnResult {
        date_in_zone(ctx, &Value::str("2006-01-02"), &a[0], "Local")
    }
    fn date(ctx: &mut Ctx<'_>, a: Vec<Value>) -> FnResult {
        date_in_zone(ctx, &a[0], &a[1], "Local")
    }
    fn date_zone(ctx: &mut Ctx<'_>, a: Vec<Value>) -> FnResult {
        date_in_zone(ctx, &a[0], &a[1], super::arg_str(&a[2]))
    }
    fn modify(_: &mut Ctx<'_>, a: Vec<Value>) -> FnResult {
        Ok(date_modify(&a).unwrap_or_else(|_| Value::Time(time_arg(&a[1]))))
    }
    fn must_modify(_: &mut Ctx<'_>, a: Vec<Value>) -> FnResult {
        date_modify(&a)
    }
    vec![
        f("ago", &[A], None, |ctx, a| ago(ctx, &a[0])),
        f("date", &[S, A], None, date),
        f("date_in_zone", &[S, A, S], None, date_zone),
        f("dateInZone", &[S, A, S], None, date_zone),
        f("date_modify", &[S, T], None, modify),
        f("dateModify", &[S, T], None, modify),
        f("must_date_modify", &[S, T], None, must_modify),
        f("mustDateModify", &[S, T], None, must_modify),
        f("duration", &[A], None, |_, a| duration(&a[0])),
        f("durationRound", &[A], None, |ctx, a| {
            duration_round(ctx, &a[0])
        }),
        f("htmlDate", &[A], None, html_date),
        f("htmlDateInZone", &[A, S], None, |ctx, a| {
            date_in_zone(ctx, &Value::str("2006-01-02"), &a[0], super::arg_str(&a[1]))
        }),
        f("now", &[], None, |ctx, _| Ok(Value::Time(now(ctx)?))),
        f("toDate", &[S, S], None, |_, a| {
            Ok(Value::Time(to_date(&a).unwrap_or_else(|_| GoTime::zero())))
        }),
        f("mustToDate", &[S, S], None, |_, a| {
            Ok(Value::Time(to_date(&a)?))
        }),
        f("unixEpoch", &[T], None, |_, a| {
            Ok(Value::string(time_arg(&a[0]).unix.to_string()))
        }),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Env, Timestamp};

    fn ctx(env: &Env) -> Ctx<'_> {
        Ctx { env, rng: 1 }
    }

    #[test]
    fn civil_round_trip() {
        for days in [-719_162, -1, 0, 1, 59, 365, 11_016, 19_844, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(days_from_civil(1, 1, 1) * 86_400, ZERO_UNIX);
    }

    #[test]
    fn formats_like_go() {
        let t = parse_time(
            "2006-01-02T15:04:05.999999999Z07:00",
            "2024-03-05T07:08:09.0123-02:30",
        )
        .unwrap();
        assert_eq!(t.go_string(), "2024-03-05 07:08:09.0123 -0230 -0230");
        assert_eq!(
            format_layout(&t, "Monday Mon January Jan 1 01 2 _2 02 __2 002 3 03 15 4 04 5 05 06 2006 PM pm .000 ,9 Z07 -07:00:00"),
            "Tuesday Tue March Mar 3 03 5  5 05  65 065 7 07 07 8 08 9 09 24 2024 AM am .012  -02 -02:30:00"
        );
    }

    #[test]
    fn durations_like_go() {
        for (d, text) in [
            (0, "0s"),
            (1, "1ns"),
            (1500, "1.5µs"),
            (-2_000_000, "-2ms"),
            (NANOS, "1s"),
            (3661 * NANOS, "1h1m1s"),
            (90 * NANOS + 5, "1m30.000000005s"),
            (i64::MIN, "-2562047h47m16.854775808s"),
        ] {
            assert_eq!(format_duration(d), text);
        }
        assert_eq!(parse_duration("1.5h"), Ok(5400 * NANOS));
        assert_eq!(parse_duration("-1m30s"), Ok(-90 * NANOS));
        assert!(parse_duration("1").unwrap_err().contains("missing unit"));
    }

    #[test]
    fn clock_functions_use_the_injected_clock() {
        let env = Env {
            now: Some(Timestamp {
                unix_seconds: 1_714_521_600 + 3661,
                nanos: 600_000_000,
            }),
            seed: 0,
        };
        let c = ctx(&env);
        let t = Value::Time(GoTime::utc(1_714_521_600, 0));
        assert_eq!(
            ago(&c, &t).unwrap().as_str(),
            Some("1h1m2s"),
            "rounded to seconds"
        );
        assert_eq!(
            date_in_zone(
                &c,
                &Value::str("2006-01-02 15:04"),
                &Value::Float(1.0),
                "UTC"
            )
            .unwrap()
            .as_str(),
            Some("2024-05-01 01:01")
        );
        assert_eq!(duration_round(&c, &t).unwrap().as_str(), Some("1h"));
        let none = Env::default();
        assert!(ago(&ctx(&none), &t).is_err());
    }
}
