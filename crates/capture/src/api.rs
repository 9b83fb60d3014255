//! One GET against a cluster's API server, with the timeout and retries chosen here
//! rather than kube's defaults.
//!
//! kube's client retries 429, 503 and 504 on its own (`Config::default_retry`); a dead
//! aggregated API answers 503 to every request, and the capture must record that at
//! once instead of waiting it out. So kube's retry layer is off and this module decides:
//! a bounded number of retries with exponential backoff, honouring `Retry-After`, and a
//! timeout for every attempt, body included.

use std::fmt;
use std::time::Duration;

use http::header::{ACCEPT, RETRY_AFTER};
use http::{Request, StatusCode};
use kube::client::Body;

use crate::redact::Redactor;

/// How often and how long to retry a request the server asked us to repeat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryConfig {
    /// Retries after the first attempt (so `3` means at most four attempts).
    pub max_retries: u32,
    /// The first backoff; each further retry waits twice as long, up to `max_backoff`.
    pub initial_backoff: Duration,
    /// The longest backoff, and the longest `Retry-After` honoured.
    pub max_backoff: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            max_retries: 3,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(30),
        }
    }
}

/// Which answers are worth asking again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RetryOn {
    /// Only 429: discovery of an unavailable APIService answers 503 and stays so; that is
    /// the state to record, as client-go's discovery does without retrying.
    Throttling,
    /// 429 and every 5xx: a list that fails transiently is worth a few more attempts.
    ThrottlingAndServerErrors,
}

/// Why a request failed, in words a user can act on. Never holds a credential: the
/// transport error text is passed through the [`Redactor`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RequestError {
    /// The server answered with this status (after any retries).
    Status { code: u16, message: String },
    /// No complete answer within the request timeout.
    Timeout { after: Duration },
    /// No answer at all: connection refused, TLS, authentication plugin, …
    Transport { message: String },
    /// The answer was not the JSON we asked for.
    Decode { message: String },
}

impl RequestError {
    pub(crate) fn status(&self) -> Option<u16> {
        match self {
            RequestError::Status { code, .. } => Some(*code),
            _ => None,
        }
    }
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestError::Status { code, message } if message.is_empty() => {
                write!(f, "the server answered {code}")
            }
            RequestError::Status { code, message } => {
                write!(f, "the server answered {code}: {message}")
            }
            RequestError::Timeout { after } => {
                write!(f, "no answer within {}", crate::format_duration(*after))
            }
            RequestError::Transport { message } => write!(f, "{message}"),
            RequestError::Decode { message } => write!(f, "unexpected answer: {message}"),
        }
    }
}

/// A cluster's API server, as the capture talks to it.
#[derive(Clone)]
pub(crate) struct Api {
    client: kube::Client,
    timeout: Duration,
    retry: RetryConfig,
    redactor: Redactor,
}

impl Api {
    /// A client for `config` with kube's own retries turned off; `timeout` bounds each
    /// attempt here, body included, so kube's read timeout is left off (it would fire at
    /// the same moment and read as a transport error).
    pub(crate) fn new(
        mut config: kube::Config,
        timeout: Duration,
        retry: RetryConfig,
        redactor: Redactor,
    ) -> Result<Api, RequestError> {
        config.default_retry = false;
        config.read_timeout = None;
        config.connect_timeout = Some(timeout);
        let client = kube::Client::try_from(config).map_err(|error| RequestError::Transport {
            message: redactor.redact(&format!("cannot build a client: {error}")),
        })?;
        Ok(Api {
            client,
            timeout,
            retry,
            redactor,
        })
    }

    /// GETs `path_and_query` with `accept`, retrying as `retry_on` says; the body of a
    /// 2xx answer.
    pub(crate) async fn get(
        &self,
        path_and_query: &str,
        accept: &str,
        retry_on: RetryOn,
    ) -> Result<Vec<u8>, RequestError> {
        let mut attempt = 0;
        loop {
            match self.attempt(path_and_query, accept).await? {
                Answer::Body(body) => return Ok(body),
                Answer::Failed {
                    code,
                    message,
                    retry_after,
                } => {
                    let retryable = code == StatusCode::TOO_MANY_REQUESTS.as_u16()
                        || (retry_on == RetryOn::ThrottlingAndServerErrors && code >= 500);
                    if !retryable || attempt >= self.retry.max_retries {
                        return Err(RequestError::Status { code, message });
                    }
                    let wait = retry_after
                        .unwrap_or_else(|| backoff(&self.retry, attempt))
                        .min(self.retry.max_backoff);
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
            }
        }
    }

    async fn attempt(&self, path_and_query: &str, accept: &str) -> Result<Answer, RequestError> {
        let request = Request::get(path_and_query)
            .header(ACCEPT, accept)
            .body(Body::from(Vec::new()))
            .map_err(|error| RequestError::Transport {
                message: format!("invalid request `{path_and_query}`: {error}"),
            })?;
        let exchange = async {
            let response = self.client.send(request).await?;
            let status = response.status();
            let retry_after = response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|value| value.to_str().ok())
                .and_then(parse_retry_after);
            let body = response.into_body().collect_bytes().await?;
            Ok::<_, kube::Error>((status, retry_after, body))
        };
        let (status, retry_after, body) = match tokio::time::timeout(self.timeout, exchange).await {
            Err(_) => {
                return Err(RequestError::Timeout {
                    after: self.timeout,
                })
            }
            Ok(Err(error)) => {
                return Err(RequestError::Transport {
                    message: self.redactor.redact(&transport_message(&error)),
                })
            }
            Ok(Ok(answer)) => answer,
        };
        if status.is_success() {
            return Ok(Answer::Body(body.to_vec()));
        }
        Ok(Answer::Failed {
            code: status.as_u16(),
            message: self.redactor.redact(&status_message(&body)),
            retry_after,
        })
    }
}

enum Answer {
    Body(Vec<u8>),
    Failed {
        code: u16,
        message: String,
        retry_after: Option<Duration>,
    },
}

/// The error and its sources in one line; a timeout deep in hyper reads as one.
fn transport_message(error: &kube::Error) -> String {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

/// The `message` of a `Status` body, else nothing: an error page is no use in a report.
fn status_message(body: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|status| {
            status
                .get("message")
                .and_then(|message| message.as_str())
                .map(str::to_string)
        })
        .unwrap_or_default()
}

/// `Retry-After` in seconds; the HTTP-date form is not used by the API server.
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// Exponential backoff for the `attempt`-th retry (0-based), capped.
pub(crate) fn backoff(retry: &RetryConfig, attempt: u32) -> Duration {
    let factor = 1u32.checked_shl(attempt.min(16)).unwrap_or(u32::MAX);
    retry
        .initial_backoff
        .saturating_mul(factor)
        .min(retry.max_backoff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_whole_seconds() {
        assert_eq!(parse_retry_after("2"), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after(" 0 "), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let retry = RetryConfig {
            max_retries: 10,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(1),
        };
        let waits: Vec<u128> = (0..6).map(|n| backoff(&retry, n).as_millis()).collect();
        assert_eq!(waits, [100, 200, 400, 800, 1000, 1000]);
    }

    #[test]
    fn a_status_body_gives_its_message() {
        let body = br#"{"kind":"Status","message":"secrets is forbidden","code":403}"#;
        assert_eq!(status_message(body), "secrets is forbidden");
        assert_eq!(status_message(b"<html>bad gateway</html>"), "");
    }
}
