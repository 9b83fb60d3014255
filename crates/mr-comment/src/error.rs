//! What can go wrong talking to a forge, named after the step that failed, with the
//! request (method and URL, never a header) and what to do about it.

use std::fmt;
use std::time::Duration;

use crate::http::Response;
use crate::Forge;

/// A request, as errors name it: the forge, the method and the URL. Tokens travel in
/// headers, so nothing here is secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub forge: Forge,
    pub method: &'static str,
    pub url: String,
}

impl fmt::Display for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.url)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{} rejected the token (401 Unauthorized{}) for `{request}`: {}", request.forge, detail(message), unauthorized_hint(request.forge))]
    Unauthorized { request: Request, message: String },

    #[error("{} refused `{request}` (403 Forbidden{}): {}", request.forge, detail(message), forbidden_hint(request, message))]
    Forbidden { request: Request, message: String },

    #[error("{} answered 404 Not Found{} for `{request}`: {}", request.forge, detail(message), not_found_hint(request.forge))]
    NotFound { request: Request, message: String },

    #[error("{} is rate-limiting `{request}`{}", request.forge, rate_limit_detail(*attempts, *asked))]
    RateLimited {
        request: Request,
        attempts: u32,
        /// How long the forge asked to wait, when it said.
        asked: Option<Duration>,
    },

    #[error("{} answered {status} for `{request}`{}{}", request.forge, detail(message), attempts_note(*attempts))]
    Status {
        request: Request,
        status: u16,
        message: String,
        attempts: u32,
    },

    #[error("cannot reach {} for `{request}`{}", request.forge, attempts_note(*attempts))]
    Transport {
        request: Request,
        attempts: u32,
        #[source]
        source: Box<ureq::Error>,
    },

    #[error("{} answered `{request}` with unexpected content: {reason}", request.forge)]
    InvalidResponse { request: Request, reason: String },

    #[error("{} named a next page `{url}` outside `{api_url}`; the token is not sent there", request.forge)]
    ForeignPage {
        request: Request,
        url: String,
        api_url: String,
    },

    #[error("{forge} kept listing comments past {pages} pages")]
    TooManyPages { forge: Forge, pages: usize },

    #[error("the comment does not start with the marker `{marker}`, so it could never be found again to update")]
    UnmarkedBody { marker: String },

    #[error("invalid {forge} API URL `{url}`: expected `http://` or `https://`")]
    InvalidApiUrl { forge: Forge, url: String },

    #[error("cannot use the CA certificates: {0}")]
    Certificates(String),
}

impl Error {
    /// The comment (or note) is gone: deleted since it was listed.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::NotFound { .. })
    }

    /// A request that may or may not have reached the forge's database: a 5xx, a timeout
    /// or a broken connection. A create that failed so must be looked for before it is
    /// sent again.
    pub fn may_have_been_applied(&self) -> bool {
        match self {
            Error::Status { status, .. } => *status >= 500,
            Error::Transport { .. } => true,
            _ => false,
        }
    }
}

/// Maps a final response to the error of its status, or passes a success through.
pub(crate) fn check(request: Request, response: Response) -> Result<Response, Error> {
    if (200..300).contains(&response.status) {
        return Ok(response);
    }
    let message = without_status(message_of(&response.body), response.status);
    Err(match response.status {
        401 => Error::Unauthorized { request, message },
        403 => Error::Forbidden { request, message },
        404 => Error::NotFound { request, message },
        status => Error::Status {
            request,
            status,
            message,
            attempts: response.attempts,
        },
    })
}

/// The human part of an error body: GitHub's and GitLab's `message` (a string, or for
/// GitLab's validation errors an object of lists), GitLab's `error`, or the start of the
/// raw body.
fn message_of(body: &str) -> String {
    let text = match serde_json::from_str::<serde_json::Value>(body) {
        Ok(json) => match json.get("message").or_else(|| json.get("error")) {
            Some(serde_json::Value::String(message)) => message.clone(),
            Some(other) => other.to_string(),
            None => body.to_string(),
        },
        Err(_) => body.to_string(),
    };
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match text.char_indices().nth(300) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text,
    }
}

/// GitLab's messages repeat the status ("401 Unauthorized", "404 Project Not Found"):
/// keep what they add to it.
fn without_status(message: String, status: u16) -> String {
    let Some(rest) = message.strip_prefix(&format!("{status} ")) else {
        return message;
    };
    let reason = rest.to_ascii_lowercase();
    if matches!(reason.as_str(), "unauthorized" | "forbidden" | "not found") {
        String::new()
    } else {
        rest.to_string()
    }
}

fn detail(message: &str) -> String {
    if message.is_empty() {
        String::new()
    } else {
        format!(": {message}")
    }
}

fn attempts_note(attempts: u32) -> String {
    if attempts > 1 {
        format!(" (after {attempts} attempts)")
    } else {
        String::new()
    }
}

fn rate_limit_detail(attempts: u32, asked: Option<Duration>) -> String {
    match asked {
        Some(wait) => format!(
            " and asks to wait {} s; giving up after {attempts} {}",
            wait.as_secs(),
            if attempts == 1 { "attempt" } else { "attempts" }
        ),
        None => attempts_note(attempts),
    }
}

fn unauthorized_hint(forge: Forge) -> &'static str {
    match forge {
        Forge::GitLab => "the token is missing, expired or revoked; use a project, group or personal access token with the `api` scope (the job token `CI_JOB_TOKEN` cannot write merge-request notes)",
        Forge::GitHub => "the token is missing, expired or revoked; pass `GITHUB_TOKEN` to the step with `env: GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}`",
    }
}

/// True for GitLab's `PUT …/discussions/:id?resolved=…`.
fn resolves_a_thread(request: &Request) -> bool {
    request.forge == Forge::GitLab
        && request.method == "PUT"
        && request.url.contains("/discussions/")
        && request.url.contains("resolved=")
}

fn forbidden_hint(request: &Request, message: &str) -> &'static str {
    match request.forge {
        // GitLab lets Reporters write notes and open threads, but resolving a thread
        // takes the Developer role, or authoring the merge request.
        Forge::GitLab if resolves_a_thread(request) => "resolving a merge-request thread needs at least the Developer role in the project (a Reporter may open threads but not resolve them); give the token the Developer role",
        Forge::GitLab => "the token needs the `api` scope and at least the Reporter role in the project (Developer to resolve threads)",
        Forge::GitHub if message.contains("Resource not accessible by integration") => {
            "the token may not write comments: give the workflow `permissions: pull-requests: write`; on a pull request from a fork GitHub's token is read-only, so post from a `workflow_run` job or use `pull_request_target` without running the fork's code"
        }
        Forge::GitHub => "the token may not write comments on this pull request: it needs `pull-requests: write` (or `issues: write`)",
    }
}

fn not_found_hint(forge: Forge) -> &'static str {
    match forge {
        Forge::GitLab => "the project or merge request does not exist, or the token cannot see it",
        Forge::GitHub => "the repository or pull request does not exist, or the token cannot see it (GitHub answers 404 rather than 403 for what a token may not read)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(forge: Forge) -> Request {
        Request {
            forge,
            method: "POST",
            url: "http://127.0.0.1:1/x".to_string(),
        }
    }

    #[test]
    fn messages_come_from_the_body() {
        assert_eq!(
            message_of(
                r#"{"message":"Resource not accessible by integration","documentation_url":"x"}"#
            ),
            "Resource not accessible by integration"
        );
        assert_eq!(
            message_of(r#"{"message":{"note":["is too long (maximum is 1000000 characters)"]}}"#),
            r#"{"note":["is too long (maximum is 1000000 characters)"]}"#
        );
        assert_eq!(
            message_of(r#"{"error":"insufficient_scope"}"#),
            "insufficient_scope"
        );
        assert_eq!(
            message_of("<html>\n bad gateway </html>"),
            "<html> bad gateway </html>"
        );
        assert_eq!(message_of(&"x".repeat(400)).chars().count(), 301);
    }

    #[test]
    fn gitlab_messages_lose_the_repeated_status() {
        assert_eq!(without_status("401 Unauthorized".to_string(), 401), "");
        assert_eq!(
            without_status("404 Project Not Found".to_string(), 404),
            "Project Not Found"
        );
        assert_eq!(
            without_status("Bad credentials".to_string(), 401),
            "Bad credentials"
        );
    }

    #[test]
    fn a_fork_token_says_why() {
        let error = Error::Forbidden {
            request: request(Forge::GitHub),
            message: "Resource not accessible by integration".to_string(),
        };
        let text = error.to_string();
        assert!(text.starts_with("GitHub refused `POST http://127.0.0.1:1/x` (403 Forbidden: Resource not accessible by integration): "), "{text}");
        assert!(text.contains("fork"), "{text}");
        assert!(text.contains("pull-requests: write"), "{text}");
    }

    #[test]
    fn a_gitlab_403_on_resolving_names_the_developer_role() {
        let error = Error::Forbidden {
            request: Request {
                forge: Forge::GitLab,
                method: "PUT",
                url: "http://127.0.0.1:1/api/v4/projects/42/merge_requests/7/discussions/ab12?resolved=true".to_string(),
            },
            message: String::new(),
        };
        let text = error.to_string();
        assert!(text.contains("needs at least the Developer role"), "{text}");
        let writing = Error::Forbidden {
            request: request(Forge::GitLab),
            message: String::new(),
        };
        assert!(writing.to_string().contains("Reporter role"), "{writing}");
    }

    #[test]
    fn gitlab_401_names_the_scope() {
        let error = Error::Unauthorized {
            request: request(Forge::GitLab),
            message: "401 Unauthorized".to_string(),
        };
        assert!(error.to_string().contains("`api` scope"), "{error}");
    }
}
