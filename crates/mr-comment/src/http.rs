//! The one HTTP client of the comment bot: ureq over rustls, with timeouts, retries with
//! exponential backoff on 429 and 5xx (honouring `Retry-After` and GitHub's rate-limit
//! headers), and no redirects, so that a token never follows a request elsewhere.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ureq::http;
use ureq::tls::{PemItem, RootCerts, TlsConfig};
use ureq::{Agent, Proxy};

use crate::error::{Error, Request as RequestLabel};
use crate::Forge;

/// An API token. It is sent in a header and nowhere else: its `Debug` output is redacted,
/// it has no `Display`, and no error carries it.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    pub fn new(value: impl Into<String>) -> Token {
        Token(value.into())
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// How long to wait, and how to wait: `std::thread::sleep` unless a test records the
/// waits instead.
pub type Sleep = Arc<dyn Fn(Duration) + Send + Sync>;

/// Timeouts, retries and TLS roots of the [`HttpClient`].
#[derive(Clone)]
pub struct HttpConfig {
    /// The whole of one request, response body included.
    pub timeout: Duration,
    /// Connecting, TLS handshake included.
    pub connect_timeout: Duration,
    /// Retries after the first attempt, for 429, 5xx and connection failures.
    pub retries: u32,
    /// The first backoff; each retry doubles it, up to `max_backoff`.
    pub backoff_base: Duration,
    pub max_backoff: Duration,
    /// The longest wait a `Retry-After` or rate-limit reset may ask for; a longer one
    /// fails at once rather than holding the CI job.
    pub max_wait: Duration,
    pub user_agent: String,
    /// Use `HTTPS_PROXY`, `ALL_PROXY`, `HTTP_PROXY` and `NO_PROXY` from the environment.
    pub proxy_from_env: bool,
    /// PEM certificates to trust instead of the bundled Mozilla roots, for a self-managed
    /// forge with its own certificate authority.
    pub ca_certificates_pem: Option<Vec<u8>>,
    pub sleep: Sleep,
}

impl Default for HttpConfig {
    fn default() -> HttpConfig {
        HttpConfig {
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            retries: 4,
            backoff_base: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            max_wait: Duration::from_secs(120),
            user_agent: format!("argocd-preflight/{}", env!("CARGO_PKG_VERSION")),
            proxy_from_env: true,
            ca_certificates_pem: None,
            sleep: Arc::new(std::thread::sleep),
        }
    }
}

impl fmt::Debug for HttpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpConfig")
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("retries", &self.retries)
            .field("backoff_base", &self.backoff_base)
            .field("max_backoff", &self.max_backoff)
            .field("max_wait", &self.max_wait)
            .field("user_agent", &self.user_agent)
            .field("proxy_from_env", &self.proxy_from_env)
            .field(
                "ca_certificates_pem",
                &self.ca_certificates_pem.as_ref().map(Vec::len),
            )
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    Post,
    Put,
    Patch,
}

impl Method {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
        }
    }

    /// Whether sending it twice has the effect of sending it once. A POST that failed
    /// with a 5xx or a broken connection may have created its comment: only the caller,
    /// who can look, may try it again.
    fn idempotent(self) -> bool {
        !matches!(self, Method::Post)
    }
}

pub(crate) struct Request {
    pub(crate) forge: Forge,
    pub(crate) method: Method,
    pub(crate) url: String,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: Option<String>,
}

impl Request {
    pub(crate) fn label(&self) -> RequestLabel {
        RequestLabel {
            forge: self.forge,
            method: self.method.as_str(),
            url: self.url.clone(),
        }
    }
}

#[derive(Debug)]
pub(crate) struct Response {
    pub(crate) status: u16,
    /// How many times the request was sent to get this response.
    pub(crate) attempts: u32,
    /// Lower-case names.
    headers: Vec<(String, String)>,
    pub(crate) body: String,
}

impl Response {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// A blocking HTTP client shared by both forges.
#[derive(Clone, Debug)]
pub struct HttpClient {
    agent: Agent,
    config: HttpConfig,
}

/// The largest response body read: a page of 100 comments of 1,000,000 characters each
/// would be more, but no forge sends that much in one page in practice.
const MAX_RESPONSE_BYTES: u64 = 64 * 1024 * 1024;

impl HttpClient {
    pub fn new(config: HttpConfig) -> Result<HttpClient, Error> {
        let mut tls = TlsConfig::builder();
        if let Some(pem) = &config.ca_certificates_pem {
            let mut certificates = Vec::new();
            for item in ureq::tls::parse_pem(pem) {
                match item.map_err(|error| Error::Certificates(error.to_string()))? {
                    PemItem::Certificate(certificate) => certificates.push(certificate),
                    _ => continue,
                }
            }
            if certificates.is_empty() {
                return Err(Error::Certificates(
                    "the PEM data holds no certificate".to_string(),
                ));
            }
            tls = tls.root_certs(RootCerts::from(certificates));
        }
        let proxy = if config.proxy_from_env {
            Proxy::try_from_env()
        } else {
            None
        };
        let agent: Agent = Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(config.timeout))
            .timeout_connect(Some(config.connect_timeout))
            .user_agent(config.user_agent.as_str())
            .max_redirects(0)
            .max_redirects_will_error(false)
            .proxy(proxy)
            .tls_config(tls.build())
            .build()
            .into();
        Ok(HttpClient { agent, config })
    }

    /// Sends `request`, retrying what a retry can fix, and returns the final response
    /// whatever its status (the caller maps statuses to errors), or the transport error.
    pub(crate) fn send(&self, request: &Request) -> Result<Response, Error> {
        let mut attempt: u32 = 0;
        loop {
            let attempts = attempt + 1;
            let result = self.execute(request).map(|mut response| {
                response.attempts = attempts;
                response
            });
            let wait = match &result {
                Ok(response) => match rate_limit_wait(response, SystemTime::now()) {
                    Some(asked) => Some(Retry::RateLimited(asked)),
                    None if response.status >= 500 && request.method.idempotent() => {
                        Some(Retry::Backoff)
                    }
                    None => None,
                },
                Err(error) if request.method.idempotent() || never_sent(error) => {
                    Some(Retry::Backoff)
                }
                Err(_) => None,
            };
            let Some(retry) = wait else {
                return result.map_err(|source| Error::Transport {
                    request: request.label(),
                    attempts,
                    source: Box::new(source),
                });
            };
            if attempt >= self.config.retries {
                return match (result, retry) {
                    (Ok(_), Retry::RateLimited(asked)) => Err(Error::RateLimited {
                        request: request.label(),
                        attempts,
                        asked,
                    }),
                    (Ok(response), _) => Ok(response),
                    (Err(source), _) => Err(Error::Transport {
                        request: request.label(),
                        attempts,
                        source: Box::new(source),
                    }),
                };
            }
            let delay = match retry {
                Retry::RateLimited(Some(asked)) if asked > self.config.max_wait => {
                    return Err(Error::RateLimited {
                        request: request.label(),
                        attempts,
                        asked: Some(asked),
                    });
                }
                Retry::RateLimited(Some(asked)) => asked,
                Retry::RateLimited(None) | Retry::Backoff => self.backoff(attempt),
            };
            (self.config.sleep)(delay);
            attempt += 1;
        }
    }

    /// Sends `request` and maps a final error status to its [`Error`].
    pub(crate) fn call(&self, request: &Request) -> Result<Response, Error> {
        let response = self.send(request)?;
        crate::error::check(request.label(), response)
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let factor = 1u32.checked_shl(attempt.min(16)).unwrap_or(u32::MAX);
        self.config
            .backoff_base
            .saturating_mul(factor)
            .min(self.config.max_backoff)
    }

    fn execute(&self, request: &Request) -> Result<Response, ureq::Error> {
        let mut builder = http::Request::builder()
            .method(request.method.as_str())
            .uri(&request.url);
        for (name, value) in &request.headers {
            builder = builder.header(*name, value);
        }
        let response = match &request.body {
            Some(body) => self.agent.run(builder.body(body.clone())?)?,
            None => self.agent.run(builder.body(())?)?,
        };
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = response
            .into_body()
            .with_config()
            .limit(MAX_RESPONSE_BYTES)
            .read_to_string()?;
        Ok(Response {
            status,
            attempts: 1,
            headers,
            body,
        })
    }
}

enum Retry {
    /// The forge said to slow down, and maybe for how long.
    RateLimited(Option<Duration>),
    Backoff,
}

/// A failure before the request left this machine: retrying cannot duplicate anything.
fn never_sent(error: &ureq::Error) -> bool {
    match error {
        ureq::Error::Io(io) => io.kind() == std::io::ErrorKind::ConnectionRefused,
        ureq::Error::ConnectionFailed | ureq::Error::HostNotFound => true,
        _ => false,
    }
}

/// `Some` when the response is a rate limit: 429, or GitHub's 403 with `Retry-After` or
/// an exhausted `X-RateLimit-Remaining`. The inner wait is what the forge asked for.
fn rate_limit_wait(response: &Response, now: SystemTime) -> Option<Option<Duration>> {
    let retry_after = response.header("retry-after").and_then(parse_retry_after);
    let exhausted = response.header("x-ratelimit-remaining") == Some("0");
    let limited =
        response.status == 429 || (response.status == 403 && (retry_after.is_some() || exhausted));
    if !limited {
        return None;
    }
    if retry_after.is_some() {
        return Some(retry_after);
    }
    let reset = response
        .header("x-ratelimit-reset")
        .or_else(|| response.header("ratelimit-reset"))
        .and_then(|value| value.trim().parse::<u64>().ok())
        .map(|reset| {
            let now = now
                .duration_since(UNIX_EPOCH)
                .map(|since| since.as_secs())
                .unwrap_or(0);
            // GitHub sends an epoch time; GitLab's `RateLimit-Reset` is one too.
            Duration::from_secs(reset.saturating_sub(now))
        });
    Some(reset.filter(|_| exhausted || response.status == 429))
}

impl Response {
    /// The body as JSON.
    pub(crate) fn json(&self, request: &Request) -> Result<serde_json::Value, Error> {
        serde_json::from_str(&self.body).map_err(|error| Error::InvalidResponse {
            request: request.label(),
            reason: format!("the body is not JSON: {error}"),
        })
    }
}

/// Checks that an API URL is HTTP(S) and drops a trailing slash.
pub(crate) fn api_base(forge: Forge, url: &str) -> Result<String, Error> {
    let trimmed = url.trim().trim_end_matches('/');
    if !(trimmed.starts_with("https://") || trimmed.starts_with("http://")) || trimmed.len() < 9 {
        return Err(Error::InvalidApiUrl {
            forge,
            url: url.to_string(),
        });
    }
    Ok(trimmed.to_string())
}

/// A next-page URL the forge gave, if it stays on the API's origin: the token must never
/// be sent anywhere else.
pub(crate) fn same_origin_page(
    request: &Request,
    api_url: &str,
    url: String,
) -> Result<String, Error> {
    if origin(&url) == origin(api_url) {
        Ok(url)
    } else {
        Err(Error::ForeignPage {
            request: request.label(),
            url,
            api_url: api_url.to_string(),
        })
    }
}

/// `Retry-After` in seconds. The HTTP-date form is not worth a date parser here: the
/// backoff stands in for it.
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// The `rel="next"` URL of a `Link` header.
pub(crate) fn next_link(link: &str) -> Option<String> {
    link.split(',').find_map(|part| {
        let mut pieces = part.split(';');
        let target = pieces.next()?.trim();
        let is_next = pieces.any(|parameter| {
            let parameter = parameter.trim();
            let Some(value) = parameter.strip_prefix("rel=") else {
                return false;
            };
            value
                .trim_matches('"')
                .split_ascii_whitespace()
                .any(|rel| rel == "next")
        });
        let url = target.strip_prefix('<')?.strip_suffix('>')?;
        is_next.then(|| url.to_string())
    })
}

/// `scheme://host[:port]` of a URL.
pub(crate) fn origin(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |index| index + 3);
    match url[after_scheme..].find(['/', '?', '#']) {
        Some(end) => &url[..after_scheme + end],
        None => url,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, headers: &[(&str, &str)]) -> Response {
        Response {
            status,
            attempts: 1,
            headers: headers
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect(),
            body: String::new(),
        }
    }

    #[track_caller]
    fn check_wait(status: u16, headers: &[(&str, &str)], expected: Option<Option<u64>>) {
        let now = UNIX_EPOCH + Duration::from_secs(1_000);
        let wait = rate_limit_wait(&response(status, headers), now);
        assert_eq!(
            wait,
            expected.map(|asked| asked.map(Duration::from_secs)),
            "{status} {headers:?}"
        );
    }

    #[test]
    fn rate_limits() {
        check_wait(429, &[], Some(None));
        check_wait(429, &[("retry-after", "7")], Some(Some(7)));
        check_wait(
            429,
            &[("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")],
            Some(None),
        );
        check_wait(403, &[], None);
        check_wait(403, &[("retry-after", "60")], Some(Some(60)));
        check_wait(
            403,
            &[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "1030"),
            ],
            Some(Some(30)),
        );
        check_wait(
            403,
            &[
                ("x-ratelimit-remaining", "12"),
                ("x-ratelimit-reset", "1030"),
            ],
            None,
        );
        check_wait(500, &[("retry-after", "1")], None);
    }

    #[test]
    fn link_headers() {
        let github = r#"<https://api.github.com/repositories/1/issues/2/comments?page=2>; rel="next", <https://api.github.com/repositories/1/issues/2/comments?page=5>; rel="last""#;
        assert_eq!(
            next_link(github).as_deref(),
            Some("https://api.github.com/repositories/1/issues/2/comments?page=2")
        );
        let last = r#"<https://x/a?page=1>; rel="first", <https://x/a?page=1>; rel="prev""#;
        assert_eq!(next_link(last), None);
        assert_eq!(
            next_link(r#"<http://x/n?page=3>; rel="prev next""#).as_deref(),
            Some("http://x/n?page=3")
        );
    }

    #[test]
    fn origins() {
        assert_eq!(
            origin("https://gitlab.example.com/api/v4"),
            "https://gitlab.example.com"
        );
        assert_eq!(origin("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
        assert_eq!(
            origin("http://127.0.0.1:8080?page=2"),
            "http://127.0.0.1:8080"
        );
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let client = HttpClient::new(HttpConfig {
            backoff_base: Duration::from_millis(100),
            max_backoff: Duration::from_millis(700),
            ..HttpConfig::default()
        })
        .unwrap();
        let waits: Vec<u128> = (0..5).map(|a| client.backoff(a).as_millis()).collect();
        assert_eq!(waits, [100, 200, 400, 700, 700]);
        assert_eq!(client.backoff(40), Duration::from_millis(700));
    }

    #[test]
    fn tokens_never_show() {
        let token = Token::new("glpat-SECRET");
        assert_eq!(format!("{token:?}"), "Token(<redacted>)");
    }
}
