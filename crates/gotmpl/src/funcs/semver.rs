//! Sprig's `semver` and `semverCompare`, with the version and constraint syntax of
//! Masterminds/semver v3 (written from its documentation and observed behaviour).

use super::{arg_str, f, FnResult, Func, Ty};
use crate::value::{IntType, Value};
use regex::Regex;
use std::cmp::Ordering;
use std::rc::Rc;
use std::sync::OnceLock;

const S: Ty = Ty::Str;

/// A parsed `*semver.Version`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    pre: String,
    metadata: String,
    original: String,
}

const INVALID: &str = "Invalid Semantic Version";

/// A version: optional `v`, one to three numbers, prerelease, metadata.
const VERSION: &str = r"v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(?:-([0-9A-Za-z\-]+(?:\.[0-9A-Za-z\-]+)*))?(?:\+([0-9A-Za-z\-]+(?:\.[0-9A-Za-z\-]+)*))?";
/// The version of a constraint: its numbers may be wildcards (the character class
/// also admits `|`, as the library's does).
const CONSTRAINT_VERSION: &str = r"v?([0-9|xX*]+)(\.[0-9|xX*]+)?(\.[0-9|xX*]+)?(?:-([0-9A-Za-z\-]+(?:\.[0-9A-Za-z\-]+)*))?(?:\+(?:[0-9A-Za-z\-]+(?:\.[0-9A-Za-z\-]+)*))?";
const OPS: &str = r"=||!=|>|<|>=|=>|<=|=<|~|~>|\^";

struct Patterns {
    version: Regex,
    one: Regex,
    find: Regex,
    valid: Regex,
    range: Regex,
}

fn patterns() -> &'static Patterns {
    static PATTERNS: OnceLock<Patterns> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        let cv = CONSTRAINT_VERSION;
        // Capture groups are only wanted for the numbers and the prerelease.
        let cv_plain = cv.replace("([", "(?:[").replace(r"(\.", r"(?:\.");
        let build = |pattern: String| Regex::new(&pattern).expect("semver pattern");
        Patterns {
            version: build(format!("^{VERSION}$")),
            one: build(format!(r"^\s*({OPS})\s*({cv})\s*$")),
            find: build(format!(r"(?:{OPS})\s*(?:{cv_plain})")),
            valid: build(format!(r"^(?:\s*(?:{OPS})\s*(?:{cv_plain})\s*,?)+$")),
            range: build(format!(r"\s*({cv_plain})\s+-\s+({cv_plain})\s*")),
        }
    })
}

fn parse_segment(text: &str) -> Result<u64, String> {
    text.parse::<u64>().map_err(|_| {
        format!(
            "Error parsing version segment: strconv.ParseUint: parsing {}: value out of range",
            crate::gofmt::quote(text)
        )
    })
}

impl Version {
    pub(crate) fn parse(text: &str) -> Result<Version, String> {
        let caps = patterns()
            .version
            .captures(text)
            .ok_or_else(|| INVALID.to_string())?;
        let group = |i: usize| caps.get(i).map_or("", |m| m.as_str());
        let number = |i: usize| -> Result<u64, String> {
            match group(i).trim_start_matches('.') {
                "" => Ok(0),
                digits => parse_segment(digits),
            }
        };
        let version = Version {
            major: number(1)?,
            minor: number(2)?,
            patch: number(3)?,
            pre: group(4).to_string(),
            metadata: group(5).to_string(),
            original: text.to_string(),
        };
        for part in version.pre.split('.').filter(|_| !version.pre.is_empty()) {
            if part.len() > 1 && part.starts_with('0') && part.parse::<u64>().is_ok() {
                return Err("Version segment starts with 0".to_string());
            }
        }
        Ok(version)
    }

    /// `Version.String`: the canonical form.
    pub(crate) fn canonical(&self) -> String {
        let mut out = format!("{}.{}.{}", self.major, self.minor, self.patch);
        if !self.pre.is_empty() {
            out.push('-');
            out.push_str(&self.pre);
        }
        if !self.metadata.is_empty() {
            out.push('+');
            out.push_str(&self.metadata);
        }
        out
    }

    /// A zero-argument method called from a template (`.Major`, `.Original`, …).
    pub(crate) fn method(&self, name: &str) -> Option<Value> {
        let uint = |n: u64| Some(Value::Int(n as i64, IntType::Uint64));
        match name {
            "Major" => uint(self.major),
            "Minor" => uint(self.minor),
            "Patch" => uint(self.patch),
            "Prerelease" => Some(Value::str(&self.pre)),
            "Metadata" => Some(Value::str(&self.metadata)),
            "Original" => Some(Value::str(&self.original)),
            "String" => Some(Value::string(self.canonical())),
            _ => None,
        }
    }

    /// True for the names of the struct's unexported fields.
    pub(crate) fn is_field(name: &str) -> bool {
        matches!(
            name,
            "major" | "minor" | "patch" | "pre" | "metadata" | "original"
        )
    }

    fn compare(&self, other: &Version) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => compare_prerelease(&self.pre, &other.pre),
            })
    }
}

fn compare_prerelease(a: &str, b: &str) -> Ordering {
    let a: Vec<&str> = a.split('.').collect();
    let b: Vec<&str> = b.split('.').collect();
    for i in 0..a.len().max(b.len()) {
        let order = compare_part(
            a.get(i).copied().unwrap_or(""),
            b.get(i).copied().unwrap_or(""),
        );
        if order != Ordering::Equal {
            return order;
        }
    }
    Ordering::Equal
}

/// One dot-separated prerelease identifier: numbers sort before words, numbers
/// numerically, and a missing identifier sorts first.
fn compare_part(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    if a.is_empty() {
        return Ordering::Less;
    }
    if b.is_empty() {
        return Ordering::Greater;
    }
    match (a.parse::<u64>(), b.parse::<u64>()) {
        (Err(_), Err(_)) => {
            if a > b {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
        (Ok(_), Err(_)) => Ordering::Less,
        (Err(_), Ok(_)) => Ordering::Greater,
        (Ok(x), Ok(y)) => {
            if x > y {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    TildeOrEqual,
    NotEqual,
    Greater,
    Less,
    GreaterEqual,
    LessEqual,
    Tilde,
    Caret,
}

struct Constraint {
    op: Op,
    version: Version,
    /// The minor number was missing or a wildcard (so was the patch).
    minor_dirty: bool,
    /// The patch number was missing or a wildcard.
    patch_dirty: bool,
    dirty: bool,
}

fn is_wildcard(text: &str) -> bool {
    matches!(text, "x" | "X" | "*")
}

fn parse_constraint(text: &str) -> Result<Constraint, String> {
    let caps = patterns()
        .one
        .captures(text)
        .ok_or_else(|| format!("improper constraint: {text}"))?;
    let group = |i: usize| caps.get(i).map_or("", |m| m.as_str());
    let op = match group(1) {
        "" | "=" => Op::TildeOrEqual,
        "!=" => Op::NotEqual,
        ">" => Op::Greater,
        "<" => Op::Less,
        ">=" | "=>" => Op::GreaterEqual,
        "<=" | "=<" => Op::LessEqual,
        "~" | "~>" => Op::Tilde,
        _ => Op::Caret,
    };
    let (major, minor, patch) = (group(3), group(4), group(5));
    let pre = match group(6) {
        "" => String::new(),
        pre => format!("-{pre}"),
    };
    let (mut minor_dirty, mut patch_dirty, mut dirty) = (false, false, false);
    let text = if is_wildcard(major) {
        dirty = true;
        "0.0.0".to_string()
    } else if minor.is_empty() || is_wildcard(&minor[1..]) {
        (minor_dirty, dirty) = (true, true);
        format!("{major}.0.0{pre}")
    } else if patch.is_empty() || is_wildcard(&patch[1..]) {
        (patch_dirty, dirty) = (true, true);
        format!("{major}{minor}.0{pre}")
    } else {
        group(2).to_string()
    };
    let version = Version::parse(&text).map_err(|_| "constraint Parser Error".to_string())?;
    Ok(Constraint {
        op,
        version,
        minor_dirty,
        patch_dirty,
        dirty,
    })
}

/// The OR-groups of AND-ed constraints of a constraint string.
fn parse_constraints(text: &str) -> Result<Vec<Vec<Constraint>>, String> {
    let p = patterns();
    // Hyphen ranges become `>= a, <= b` first.
    let mut rewritten = text.to_string();
    for caps in p.range.captures_iter(text) {
        let replacement = format!(">= {}, <= {}", &caps[1], &caps[2]);
        rewritten = rewritten.replace(&caps[0], &replacement);
    }
    let mut groups = Vec::new();
    for part in rewritten.split("||") {
        if !p.valid.is_match(part) {
            return Err(format!("improper constraint: {part}"));
        }
        let mut group = Vec::new();
        for found in p.find.find_iter(part) {
            group.push(parse_constraint(found.as_str())?);
        }
        groups.push(group);
    }
    Ok(groups)
}

impl Constraint {
    fn check(&self, v: &Version) -> bool {
        let c = &self.version;
        // A prerelease only satisfies constraints that mention one.
        if !v.pre.is_empty() && c.pre.is_empty() {
            return false;
        }
        match self.op {
            Op::TildeOrEqual if self.dirty => self.tilde(v),
            Op::TildeOrEqual => v.compare(c) == Ordering::Equal,
            Op::NotEqual => self.not_equal(v),
            Op::Greater => {
                if !self.dirty {
                    return v.compare(c) == Ordering::Greater;
                }
                match v.major.cmp(&c.major) {
                    Ordering::Greater => true,
                    Ordering::Less => false,
                    Ordering::Equal if self.minor_dirty => false,
                    Ordering::Equal if self.patch_dirty => v.minor > c.minor,
                    Ordering::Equal => v.compare(c) == Ordering::Greater,
                }
            }
            Op::Less => v.compare(c) == Ordering::Less,
            Op::GreaterEqual => v.compare(c) != Ordering::Less,
            Op::LessEqual => {
                if !self.dirty {
                    return v.compare(c) != Ordering::Greater;
                }
                !(v.major > c.major
                    || (v.major == c.major && v.minor > c.minor && !self.minor_dirty))
            }
            Op::Tilde => self.tilde(v),
            Op::Caret => self.caret(v),
        }
    }

    fn not_equal(&self, v: &Version) -> bool {
        let c = &self.version;
        if self.dirty {
            if c.major != v.major {
                return true;
            }
            if c.minor != v.minor && !self.minor_dirty {
                return true;
            }
            if self.minor_dirty {
                return false;
            }
            if c.patch != v.patch && !self.patch_dirty {
                return true;
            }
            if self.patch_dirty {
                if !v.pre.is_empty() || !c.pre.is_empty() {
                    return compare_prerelease(&v.pre, &c.pre) != Ordering::Equal;
                }
                return false;
            }
        }
        v.compare(c) != Ordering::Equal
    }

    fn tilde(&self, v: &Version) -> bool {
        let c = &self.version;
        if v.compare(c) == Ordering::Less {
            return false;
        }
        if c.major == 0 && c.minor == 0 && c.patch == 0 && !self.minor_dirty && !self.patch_dirty {
            return true;
        }
        if v.major != c.major {
            return false;
        }
        v.minor == c.minor || self.minor_dirty
    }

    fn caret(&self, v: &Version) -> bool {
        let c = &self.version;
        if v.compare(c) == Ordering::Less {
            return false;
        }
        if c.major > 0 || self.minor_dirty {
            return v.major == c.major;
        }
        if v.major > 0 {
            return false;
        }
        if c.minor > 0 || self.patch_dirty {
            return v.minor == c.minor;
        }
        if v.minor > 0 {
            return false;
        }
        c.patch == v.patch
    }
}

fn semver_compare(constraint: &str, version: &str) -> FnResult {
    let groups = parse_constraints(constraint)?;
    let version = Version::parse(version)?;
    let ok = groups
        .iter()
        .any(|group| group.iter().all(|c| c.check(&version)));
    Ok(Value::Bool(ok))
}

pub(crate) fn funcs() -> Vec<Func> {
    vec![
        f("semver", &[S], None, |_, a| {
            Ok(Value::Semver(Rc::new(Version::parse(arg_str(&a[0]))?)))
        }),
        f("semverCompare", &[S, S], None, |_, a| {
            semver_compare(arg_str(&a[0]), arg_str(&a[1]))
        }),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(constraint: &str, version: &str) -> bool {
        matches!(semver_compare(constraint, version), Ok(Value::Bool(true)))
    }

    #[test]
    fn versions() {
        let v = Version::parse("v1.2-rc.1+b").unwrap();
        assert_eq!(v.canonical(), "1.2.0-rc.1+b");
        assert!(Version::parse("1.2.3.4").is_err());
        assert!(Version::parse("1.0.0-01").is_err());
        let order = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0",
        ];
        for pair in order.windows(2) {
            let (a, b) = (
                Version::parse(pair[0]).unwrap(),
                Version::parse(pair[1]).unwrap(),
            );
            assert_eq!(a.compare(&b), Ordering::Less, "{pair:?}");
        }
    }

    #[test]
    fn constraints() {
        assert!(check("^1.2", "1.9.0"));
        assert!(!check("^1.2", "2.0.0"));
        assert!(check("~1.2.3", "1.2.9"));
        assert!(!check("~1.2.3", "1.3.0"));
        assert!(check("1.2 - 1.4", "1.4.9"));
        assert!(check(">1, <2 || 3.x", "3.1.0"));
        assert!(!check(">=1.0.0", "1.1.0-alpha"));
        assert!(check(">=1.0.0-0", "1.0.0-alpha"));
        assert!(semver_compare("bad constraint", "1.0.0").is_err());
    }
}
