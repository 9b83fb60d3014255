//! GitHub pull-request comments, which are the comments of the pull request's issue.

use std::sync::OnceLock;

use serde_json::{json, Value};

use crate::error::Error;
use crate::http::{api_base, next_link, same_origin_page, HttpClient, Method, Request};
use crate::{Comment, CommentApi, Forge, Page, Token};

/// The API version whose shapes this module reads; supported until at least 2028.
const API_VERSION: &str = "2022-11-28";

/// The author of what a GitHub Actions workflow's `GITHUB_TOKEN` writes. Such an
/// installation token cannot ask who it is: `GET /user` answers 403 "Resource not
/// accessible by integration".
pub const GITHUB_ACTIONS_LOGIN: &str = "github-actions[bot]";

/// The comments of one pull request: `{api}/repos/{owner}/{repo}/issues/{number}/comments`.
#[derive(Clone, Debug)]
pub struct GitHub {
    http: HttpClient,
    token: Token,
    api_url: String,
    repository: String,
    pull_request: u64,
    /// The login the token comments as, once known.
    author: OnceLock<String>,
}

impl GitHub {
    /// `api_url` is `GITHUB_API_URL` (`https://api.github.com`, or
    /// `https://HOST/api/v3` on GitHub Enterprise Server); `repository` is
    /// `owner/name`.
    pub fn new(
        http: HttpClient,
        token: Token,
        api_url: &str,
        repository: &str,
        pull_request: u64,
    ) -> Result<GitHub, Error> {
        Ok(GitHub {
            http,
            token,
            api_url: api_base(Forge::GitHub, api_url)?,
            repository: repository.trim_matches('/').to_string(),
            pull_request,
            author: OnceLock::new(),
        })
    }

    /// Comments as `login` without asking GitHub: for a GitHub App's installation token
    /// other than the workflow's, whose comments are `APP-SLUG[bot]`'s.
    pub fn with_author(self, login: &str) -> GitHub {
        GitHub {
            author: OnceLock::from(login.to_string()),
            ..self
        }
    }

    fn request(&self, method: Method, url: String, body: Option<Value>) -> Request {
        let mut headers = vec![
            ("authorization", format!("Bearer {}", self.token.expose())),
            ("accept", "application/vnd.github+json".to_string()),
            ("x-github-api-version", API_VERSION.to_string()),
        ];
        if body.is_some() {
            headers.push(("content-type", "application/json".to_string()));
        }
        Request {
            forge: Forge::GitHub,
            method,
            url,
            headers,
            body: body.map(|body| body.to_string()),
        }
    }

    fn issue_comments_url(&self) -> String {
        format!(
            "{}/repos/{}/issues/{}/comments",
            self.api_url, self.repository, self.pull_request
        )
    }
}

impl CommentApi for GitHub {
    fn forge(&self) -> Forge {
        Forge::GitHub
    }

    /// `GET /user` for a person's token; an installation token may not ask (403), and
    /// is taken to be the workflow's, which writes as [`GITHUB_ACTIONS_LOGIN`].
    fn author(&self) -> Result<String, Error> {
        if let Some(login) = self.author.get() {
            return Ok(login.clone());
        }
        let request = self.request(Method::Get, format!("{}/user", self.api_url), None);
        let login = match self.http.call(&request) {
            Ok(response) => response.json(&request)?["login"]
                .as_str()
                .ok_or_else(|| Error::InvalidResponse {
                    request: request.label(),
                    reason: "a user without a `login`".to_string(),
                })?
                .to_string(),
            Err(Error::Forbidden { .. }) => GITHUB_ACTIONS_LOGIN.to_string(),
            Err(error) => return Err(error),
        };
        Ok(self.author.get_or_init(|| login).clone())
    }

    fn comments_page(&self, page: Option<&str>) -> Result<Page, Error> {
        let url = page.map_or_else(
            || format!("{}?per_page=100", self.issue_comments_url()),
            str::to_string,
        );
        let request = self.request(Method::Get, url, None);
        let response = self.http.call(&request)?;
        let json = response.json(&request)?;
        let items = json.as_array().ok_or_else(|| Error::InvalidResponse {
            request: request.label(),
            reason: "expected a JSON list".to_string(),
        })?;
        let comments = items
            .iter()
            .map(|item| comment(&request, item))
            .collect::<Result<Vec<_>, _>>()?;
        // GitHub's next page may name the repository by id
        // (`/repositories/1296269/issues/…`): follow it as given, on the same origin.
        let next = match response.header("link").and_then(next_link) {
            Some(url) => Some(same_origin_page(&request, &self.api_url, url)?),
            None => None,
        };
        Ok(Page { comments, next })
    }

    fn create_comment(&self, body: &str) -> Result<Comment, Error> {
        let request = self.request(
            Method::Post,
            self.issue_comments_url(),
            Some(json!({"body": body})),
        );
        let response = self.http.call(&request)?;
        comment(&request, &response.json(&request)?)
    }

    fn update_comment(&self, id: u64, body: &str) -> Result<Comment, Error> {
        // No pull-request number here: comment ids are unique in the repository.
        let url = format!(
            "{}/repos/{}/issues/comments/{id}",
            self.api_url, self.repository
        );
        let request = self.request(Method::Patch, url, Some(json!({"body": body})));
        let response = self.http.call(&request)?;
        comment(&request, &response.json(&request)?)
    }
}

fn comment(request: &Request, item: &Value) -> Result<Comment, Error> {
    let id = item["id"].as_u64().ok_or_else(|| Error::InvalidResponse {
        request: request.label(),
        reason: "a comment without a numeric `id`".to_string(),
    })?;
    Ok(Comment {
        id,
        body: item["body"].as_str().unwrap_or_default().to_string(),
        author: item["user"]["login"].as_str().map(str::to_string),
        url: item["html_url"].as_str().map(str::to_string),
    })
}
