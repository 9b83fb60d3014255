//! Sprig's `urlParse` and `urlJoin`, on a model of Go's `net/url` parsing and
//! printing (percent-decoding, host and userinfo checks, re-escaping).

use super::{arg_str, f, FnResult, Func, Ty};
use crate::value::{lossy_utf8, Value};
use std::collections::BTreeMap;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Path,
    Host,
    Zone,
    UserPassword,
    Fragment,
}

#[derive(Default)]
struct Url {
    scheme: String,
    opaque: String,
    /// (username, password)
    user: Option<(Vec<u8>, Option<Vec<u8>>)>,
    host: Vec<u8>,
    path: Vec<u8>,
    force_query: bool,
    raw_query: String,
    fragment: Vec<u8>,
}

fn should_escape(c: u8, mode: Mode) -> bool {
    if c.is_ascii_alphanumeric() {
        return false;
    }
    if matches!(mode, Mode::Host | Mode::Zone)
        && matches!(
            c,
            b'!' | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b':'
                | b'['
                | b']'
                | b'<'
                | b'>'
                | b'"'
        )
    {
        return false;
    }
    match c {
        b'-' | b'_' | b'.' | b'~' => return false,
        b'$' | b'&' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'?' | b'@' => {
            return match mode {
                Mode::Path => c == b'?',
                Mode::UserPassword => matches!(c, b'@' | b'/' | b'?' | b':'),
                Mode::Fragment => false,
                Mode::Host | Mode::Zone => true,
            }
        }
        _ => {}
    }
    if mode == Mode::Fragment && matches!(c, b'!' | b'(' | b')' | b'*') {
        return false;
    }
    true
}

fn unhex(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => c - b'A' + 10,
    }
}

fn unescape(s: &str, mode: Mode) -> Result<Vec<u8>, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                if i + 2 >= b.len()
                    || !b[i + 1].is_ascii_hexdigit()
                    || !b[i + 2].is_ascii_hexdigit()
                {
                    let end = (i + 3).min(b.len());
                    return Err(format!(
                        "invalid URL escape {}",
                        crate::gofmt::quote(&lossy_utf8(&b[i..end]))
                    ));
                }
                let bad_host = mode == Mode::Host && unhex(b[i + 1]) < 8 && &b[i..i + 3] != b"%25";
                let bad_zone = mode == Mode::Zone && {
                    let v = unhex(b[i + 1]) << 4 | unhex(b[i + 2]);
                    &b[i..i + 3] != b"%25" && v != b' ' && should_escape(v, Mode::Host)
                };
                if bad_host || bad_zone {
                    return Err(format!(
                        "invalid URL escape {}",
                        crate::gofmt::quote(&lossy_utf8(&b[i..i + 3]))
                    ));
                }
                out.push(unhex(b[i + 1]) << 4 | unhex(b[i + 2]));
                i += 3;
            }
            c => {
                if matches!(mode, Mode::Host | Mode::Zone) && c < 0x80 && should_escape(c, mode) {
                    return Err(format!(
                        "invalid character {} in host name",
                        crate::gofmt::quote(&lossy_utf8(&[c]))
                    ));
                }
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(out)
}

fn escape(s: &[u8], mode: Mode) -> String {
    let mut out = String::with_capacity(s.len());
    for &c in s {
        if should_escape(c, mode) {
            out.push_str(&format!("%{c:02X}"));
        } else {
            out.push(char::from(c));
        }
    }
    out
}

fn valid_optional_port(port: &str) -> bool {
    port.is_empty()
        || port
            .strip_prefix(':')
            .is_some_and(|digits| digits.bytes().all(|c| c.is_ascii_digit()))
}

fn parse_host(host: &str) -> Result<Vec<u8>, String> {
    if host.starts_with('[') {
        let Some(i) = host.rfind(']') else {
            return Err("missing ']' in host".to_string());
        };
        let port = &host[i + 1..];
        if !valid_optional_port(port) {
            return Err(format!(
                "invalid port {} after host",
                crate::gofmt::quote(port)
            ));
        }
        if let Some(zone) = host[..i].find("%25") {
            let mut out = unescape(&host[..zone], Mode::Host)?;
            out.extend(unescape(&host[zone..i], Mode::Zone)?);
            out.extend(unescape(&host[i..], Mode::Host)?);
            return Ok(out);
        }
    } else if let Some(i) = host.rfind(':') {
        let port = &host[i..];
        if !valid_optional_port(port) {
            return Err(format!(
                "invalid port {} after host",
                crate::gofmt::quote(port)
            ));
        }
    }
    unescape(host, Mode::Host)
}

type User = (Vec<u8>, Option<Vec<u8>>);

fn parse_authority(authority: &str) -> Result<(Option<User>, Vec<u8>), String> {
    let at = authority.rfind('@');
    let host = parse_host(&authority[at.map_or(0, |i| i + 1)..])?;
    let Some(at) = at else {
        return Ok((None, host));
    };
    let userinfo = &authority[..at];
    let valid = userinfo.chars().all(|c| {
        c.is_ascii_alphanumeric()
            || matches!(
                c,
                '-' | '.'
                    | '_'
                    | ':'
                    | '~'
                    | '!'
                    | '$'
                    | '&'
                    | '\''
                    | '('
                    | ')'
                    | '*'
                    | '+'
                    | ','
                    | ';'
                    | '='
                    | '%'
                    | '@'
            )
    });
    if !valid {
        return Err("net/url: invalid userinfo".to_string());
    }
    let user = match userinfo.split_once(':') {
        None => (unescape(userinfo, Mode::UserPassword)?, None),
        Some((name, password)) => (
            unescape(name, Mode::UserPassword)?,
            Some(unescape(password, Mode::UserPassword)?),
        ),
    };
    Ok((Some(user), host))
}

fn get_scheme(raw: &str) -> Result<(&str, &str), String> {
    for (i, c) in raw.bytes().enumerate() {
        match c {
            b'a'..=b'z' | b'A'..=b'Z' => {}
            b'0'..=b'9' | b'+' | b'-' | b'.' if i > 0 => {}
            b':' if i == 0 => return Err("missing protocol scheme".to_string()),
            b':' => return Ok((&raw[..i], &raw[i + 1..])),
            _ => return Ok(("", raw)),
        }
    }
    Ok(("", raw))
}

fn parse_no_fragment(raw: &str) -> Result<Url, String> {
    if raw.bytes().any(|c| c < 0x20 || c == 0x7f) {
        return Err("net/url: invalid control character in URL".to_string());
    }
    let mut url = Url::default();
    if raw == "*" {
        url.path = b"*".to_vec();
        return Ok(url);
    }
    let (scheme, mut rest) = get_scheme(raw)?;
    url.scheme = scheme.to_ascii_lowercase();
    if rest.ends_with('?') && rest.matches('?').count() == 1 {
        url.force_query = true;
        rest = &rest[..rest.len() - 1];
    } else if let Some((before, query)) = rest.split_once('?') {
        url.raw_query = query.to_string();
        rest = before;
    }
    if !rest.starts_with('/') {
        if !url.scheme.is_empty() {
            url.opaque = rest.to_string();
            return Ok(url);
        }
        if rest.split('/').next().unwrap_or("").contains(':') {
            return Err("first path segment in URL cannot contain colon".to_string());
        }
    }
    if (!url.scheme.is_empty() || !rest.starts_with("///")) && rest.starts_with("//") {
        let authority = &rest[2..];
        let (authority, path) = match authority.find('/') {
            Some(i) => (&authority[..i], &authority[i..]),
            None => (authority, ""),
        };
        (url.user, url.host) = parse_authority(authority)?;
        rest = path;
    }
    url.path = unescape(rest, Mode::Path)?;
    Ok(url)
}

/// Go's `url.Parse`, with its `parse "…": …` errors.
fn parse(raw: &str) -> Result<Url, String> {
    let (before, fragment) = match raw.split_once('#') {
        Some((before, fragment)) => (before, Some(fragment)),
        None => (raw, None),
    };
    let wrap = |url: &str, error: String| format!("parse {}: {error}", crate::gofmt::quote(url));
    let mut url = parse_no_fragment(before).map_err(|error| wrap(before, error))?;
    if let Some(fragment) = fragment.filter(|f| !f.is_empty()) {
        url.fragment = unescape(fragment, Mode::Fragment).map_err(|error| wrap(raw, error))?;
    }
    Ok(url)
}

impl Url {
    fn user_string(&self) -> Option<String> {
        self.user.as_ref().map(|(name, password)| {
            let mut out = escape(name, Mode::UserPassword);
            if let Some(password) = password {
                out.push(':');
                out.push_str(&escape(password, Mode::UserPassword));
            }
            out
        })
    }

    /// Go's `URL.String`.
    fn to_go_string(&self) -> String {
        let mut out = String::new();
        if !self.scheme.is_empty() {
            out.push_str(&self.scheme);
            out.push(':');
        }
        if !self.opaque.is_empty() {
            out.push_str(&self.opaque);
        } else {
            if !self.scheme.is_empty() || !self.host.is_empty() || self.user.is_some() {
                if !self.host.is_empty() || !self.path.is_empty() || self.user.is_some() {
                    out.push_str("//");
                }
                if let Some(user) = self.user_string() {
                    out.push_str(&user);
                    out.push('@');
                }
                out.push_str(&escape(&self.host, Mode::Host));
            }
            let path = if self.path == b"*" {
                "*".to_string()
            } else {
                escape(&self.path, Mode::Path)
            };
            if !path.is_empty() && !path.starts_with('/') && !self.host.is_empty() {
                out.push('/');
            }
            if out.is_empty() && path.split('/').next().unwrap_or("").contains(':') {
                out.push_str("./");
            }
            out.push_str(&path);
        }
        if self.force_query || !self.raw_query.is_empty() {
            out.push('?');
            out.push_str(&self.raw_query);
        }
        if !self.fragment.is_empty() {
            out.push('#');
            out.push_str(&escape(&self.fragment, Mode::Fragment));
        }
        out
    }

    /// `URL.Hostname`: the host without port and IPv6 brackets.
    fn hostname(&self) -> Vec<u8> {
        let host = &self.host;
        let colon = host.iter().rposition(|&c| c == b':');
        let (host, _) = match colon {
            Some(i) if host.starts_with(b"[") && host[..i].ends_with(b"]") => host.split_at(i),
            Some(i) if !host.starts_with(b"[") => host.split_at(i),
            _ => (&host[..], &[][..]),
        };
        let host = host.strip_prefix(b"[").unwrap_or(host);
        host.strip_suffix(b"]").unwrap_or(host).to_vec()
    }
}

fn url_parse(text: &str) -> FnResult {
    let url = parse(text).map_err(|error| format!("unable to parse url: {error}"))?;
    let s = |bytes: &[u8]| Value::string(lossy_utf8(bytes));
    let mut dict = BTreeMap::new();
    dict.insert("scheme".to_string(), Value::str(&url.scheme));
    dict.insert("host".to_string(), s(&url.host));
    dict.insert("hostname".to_string(), s(&url.hostname()));
    dict.insert("path".to_string(), s(&url.path));
    dict.insert("query".to_string(), Value::str(&url.raw_query));
    dict.insert("opaque".to_string(), Value::str(&url.opaque));
    dict.insert("fragment".to_string(), s(&url.fragment));
    dict.insert(
        "userinfo".to_string(),
        Value::string(url.user_string().unwrap_or_default()),
    );
    Ok(Value::map(dict))
}

fn url_join(dict: &Value) -> FnResult {
    let Value::Map(map, _) = dict else {
        return Ok(Value::str(""));
    };
    let map = map.borrow();
    let get = |key: &str| -> Result<String, String> {
        match map.get(key) {
            None => Ok(String::new()),
            Some(Value::Str(s)) => Ok(s.to_string()),
            Some(Value::Nil | Value::Missing) => {
                Err("runtime error: invalid memory address or nil pointer dereference".to_string())
            }
            Some(other) => Err(format!(
                "unable to parse {key} key, must be of type string, but {} found",
                other.kind_name()
            )),
        }
    };
    let mut url = Url {
        scheme: get("scheme")?,
        host: get("host")?.into_bytes(),
        path: get("path")?.into_bytes(),
        raw_query: get("query")?,
        opaque: get("opaque")?,
        fragment: get("fragment")?.into_bytes(),
        ..Url::default()
    };
    let userinfo = get("userinfo")?;
    if !userinfo.is_empty() {
        let temp = parse(&format!("proto://{userinfo}@host"))
            .map_err(|error| format!("unable to parse userinfo in dict: {error}"))?;
        url.user = temp.user;
    }
    Ok(Value::string(url.to_go_string()))
}

pub(crate) fn funcs() -> Vec<Func> {
    vec![
        f("urlParse", &[Ty::Str], None, |_, a| {
            url_parse(arg_str(&a[0]))
        }),
        f("urlJoin", &[Ty::MapAny], None, |_, a| url_join(&a[0])),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for text in [
            "https://user:p%40ss@example.com:8443/a%20b/c?x=1&y=2#frag%20x",
            "mailto:someone@example.com",
            "/relative/path?q",
            "//host/path",
        ] {
            let url = parse(text).unwrap();
            assert_eq!(url.to_go_string(), text);
        }
        assert_eq!(
            parse("http://[::1]:80/").unwrap().hostname(),
            b"::1".to_vec()
        );
        assert!(parse("a:b/c:d").is_ok());
        assert!(parse(":x").is_err());
        assert!(parse("http://a b/").is_err());
    }
}
