//! GitLab merge-request notes (REST API v4), and the resolvable discussion the bot opens
//! for critical findings.

use std::sync::OnceLock;

use serde_json::{json, Value};

use crate::error::Error;
use crate::http::{api_base, next_link, same_origin_page, HttpClient, Method, Request, Response};
use crate::{Comment, CommentApi, Forge, Page, Token};

/// The notes of one merge request: `{api}/projects/{project}/merge_requests/{iid}`.
#[derive(Clone, Debug)]
pub struct GitLab {
    http: HttpClient,
    token: Token,
    api_url: String,
    project: String,
    merge_request: u64,
    /// The username the token writes as, once known.
    author: OnceLock<String>,
}

/// What [`GitLab::sync_thread`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ThreadOutcome {
    /// A new resolvable thread.
    Opened { discussion: String },
    /// The open thread now says the latest findings.
    Updated { discussion: String },
    /// The open thread already said this.
    Unchanged { discussion: String },
    /// A reviewer resolved a thread that said exactly this; it stays resolved.
    AlreadyResolved { discussion: String },
    /// No critical finding any more: the open threads were resolved.
    Resolved { discussions: Vec<String> },
    /// No critical finding and no open thread.
    Nothing,
}

impl GitLab {
    /// `api_url` is `CI_API_V4_URL` (`https://gitlab.example.com/api/v4`); `project` the
    /// numeric id or the `group/project` path; `merge_request` the IID.
    pub fn new(
        http: HttpClient,
        token: Token,
        api_url: &str,
        project: &str,
        merge_request: u64,
    ) -> Result<GitLab, Error> {
        Ok(GitLab {
            http,
            token,
            api_url: api_base(Forge::GitLab, api_url)?,
            project: project.to_string(),
            merge_request,
            author: OnceLock::new(),
        })
    }

    /// Comments as `username` without asking GitLab.
    pub fn with_author(self, username: &str) -> GitLab {
        GitLab {
            author: OnceLock::from(username.to_string()),
            ..self
        }
    }

    fn merge_request_url(&self) -> String {
        format!(
            "{}/projects/{}/merge_requests/{}",
            self.api_url,
            encode_segment(&self.project),
            self.merge_request
        )
    }

    fn request(&self, method: Method, url: String, body: Option<Value>) -> Request {
        let mut headers = vec![
            ("private-token", self.token.expose().to_string()),
            ("accept", "application/json".to_string()),
        ];
        if body.is_some() {
            headers.push(("content-type", "application/json".to_string()));
        }
        Request {
            forge: Forge::GitLab,
            method,
            url,
            headers,
            body: body.map(|body| body.to_string()),
        }
    }

    /// The next page: `X-Next-Page` (empty on the last page) on the same listing, else
    /// a `Link: rel="next"` on the API's origin.
    fn next_page(
        &self,
        request: &Request,
        response: &Response,
        listing: &str,
    ) -> Result<Option<String>, Error> {
        if let Some(page) = response.header("x-next-page") {
            let page = page.trim();
            if page.is_empty() {
                return Ok(None);
            }
            if let Ok(number) = page.parse::<u64>() {
                return Ok(Some(format!("{listing}&page={number}")));
            }
        }
        match response.header("link").and_then(next_link) {
            Some(url) => same_origin_page(request, &self.api_url, url).map(Some),
            None => Ok(None),
        }
    }

    /// One page of discussions (threads and single notes), and the next page's URL.
    fn discussions_page(
        &self,
        page: Option<&str>,
    ) -> Result<(Vec<Discussion>, Option<String>), Error> {
        let listing = format!("{}/discussions?per_page=100", self.merge_request_url());
        let url = page.map_or_else(|| format!("{listing}&page=1"), str::to_string);
        let request = self.request(Method::Get, url, None);
        let response = self.http.call(&request)?;
        let json = response.json(&request)?;
        let items = json.as_array().ok_or_else(|| not_a_list(&request))?;
        let discussions = items
            .iter()
            .map(|item| discussion(&request, item))
            .collect::<Result<Vec<_>, _>>()?;
        let next = self.next_page(&request, &response, &listing)?;
        Ok((discussions, next))
    }

    /// The threads the token opened whose first note starts with `marker`.
    fn marked_discussions(&self, marker: &str) -> Result<Vec<Discussion>, Error> {
        let author = self.author()?;
        let mut marked = Vec::new();
        let mut next: Option<String> = None;
        let mut seen: Vec<String> = Vec::new();
        loop {
            let (discussions, following) = self.discussions_page(next.as_deref())?;
            marked.extend(
                discussions
                    .into_iter()
                    .filter(|discussion| crate::is_own(&discussion.note, marker, &author)),
            );
            match following {
                Some(url) if !seen.contains(&url) && seen.len() < crate::MAX_PAGES => {
                    seen.push(url.clone());
                    next = Some(url);
                }
                _ => return Ok(marked),
            }
        }
    }

    /// Keeps at most one open, resolvable thread of the token's starting with `marker`
    /// (threads someone else opened are left alone): with a `body`,
    /// updates the open thread or opens one (unless a reviewer already resolved one that
    /// says exactly this); without, resolves the open threads. With "All threads must be
    /// resolved" on, an open thread blocks the merge until someone resolves it.
    pub fn sync_thread(&self, marker: &str, body: Option<&str>) -> Result<ThreadOutcome, Error> {
        let marked = self.marked_discussions(marker)?;
        let (open, resolved): (Vec<&Discussion>, Vec<&Discussion>) =
            marked.iter().partition(|discussion| !discussion.resolved);
        let Some(body) = body else {
            if open.is_empty() {
                return Ok(ThreadOutcome::Nothing);
            }
            let mut discussions = Vec::new();
            for discussion in open {
                let url = format!(
                    "{}/discussions/{}?resolved=true",
                    self.merge_request_url(),
                    encode_segment(&discussion.id)
                );
                self.http.call(&self.request(Method::Put, url, None))?;
                discussions.push(discussion.id.clone());
            }
            return Ok(ThreadOutcome::Resolved { discussions });
        };
        if !crate::is_marked(body, marker) {
            return Err(Error::UnmarkedBody {
                marker: marker.to_string(),
            });
        }
        if let Some(discussion) = open.first() {
            let id = discussion.id.clone();
            if discussion.note.body == body {
                return Ok(ThreadOutcome::Unchanged { discussion: id });
            }
            let url = format!(
                "{}/discussions/{}/notes/{}",
                self.merge_request_url(),
                encode_segment(&id),
                discussion.note.id
            );
            match self
                .http
                .call(&self.request(Method::Put, url, Some(json!({"body": body}))))
            {
                Ok(_) => return Ok(ThreadOutcome::Updated { discussion: id }),
                // Deleted since it was listed: open a new one below.
                Err(error) if error.is_not_found() => {}
                Err(error) => return Err(error),
            }
        } else if let Some(discussion) = resolved.iter().find(|d| d.note.body == body) {
            return Ok(ThreadOutcome::AlreadyResolved {
                discussion: discussion.id.clone(),
            });
        }
        let url = format!("{}/discussions", self.merge_request_url());
        let request = self.request(Method::Post, url, Some(json!({"body": body})));
        let response = self.http.call(&request)?;
        let created = discussion(&request, &response.json(&request)?)?;
        Ok(ThreadOutcome::Opened {
            discussion: created.id,
        })
    }
}

impl CommentApi for GitLab {
    fn forge(&self) -> Forge {
        Forge::GitLab
    }

    /// `GET /user`: a project or group access token answers with its bot user.
    fn author(&self) -> Result<String, Error> {
        if let Some(username) = self.author.get() {
            return Ok(username.clone());
        }
        let request = self.request(Method::Get, format!("{}/user", self.api_url), None);
        let response = self.http.call(&request)?;
        let username = response.json(&request)?["username"]
            .as_str()
            .ok_or_else(|| missing(&request, "a user without a `username`"))?
            .to_string();
        Ok(self.author.get_or_init(|| username).clone())
    }

    fn comments_page(&self, page: Option<&str>) -> Result<Page, Error> {
        let listing = format!(
            "{}/notes?sort=asc&order_by=created_at&per_page=100",
            self.merge_request_url()
        );
        let url = page.map_or_else(|| format!("{listing}&page=1"), str::to_string);
        let request = self.request(Method::Get, url, None);
        let response = self.http.call(&request)?;
        let json = response.json(&request)?;
        let items = json.as_array().ok_or_else(|| not_a_list(&request))?;
        let mut comments = Vec::new();
        for item in items {
            // System notes ("added 1 commit") are GitLab's, never the bot's.
            if item["system"].as_bool() == Some(true) {
                continue;
            }
            comments.push(note(&request, item)?);
        }
        let next = self.next_page(&request, &response, &listing)?;
        Ok(Page { comments, next })
    }

    fn create_comment(&self, body: &str) -> Result<Comment, Error> {
        let url = format!("{}/notes", self.merge_request_url());
        let request = self.request(Method::Post, url, Some(json!({"body": body})));
        let response = self.http.call(&request)?;
        note(&request, &response.json(&request)?)
    }

    fn update_comment(&self, id: u64, body: &str) -> Result<Comment, Error> {
        let url = format!("{}/notes/{id}", self.merge_request_url());
        let request = self.request(Method::Put, url, Some(json!({"body": body})));
        let response = self.http.call(&request)?;
        note(&request, &response.json(&request)?)
    }
}

#[derive(Debug)]
struct Discussion {
    id: String,
    /// Whether the thread's first note is resolved.
    resolved: bool,
    note: Comment,
}

fn discussion(request: &Request, item: &Value) -> Result<Discussion, Error> {
    let id = item["id"]
        .as_str()
        .ok_or_else(|| missing(request, "a discussion without `id`"))?;
    let first = item["notes"]
        .get(0)
        .ok_or_else(|| missing(request, "a discussion without notes"))?;
    Ok(Discussion {
        id: id.to_string(),
        resolved: first["resolved"].as_bool().unwrap_or(false),
        note: note(request, first)?,
    })
}

fn note(request: &Request, item: &Value) -> Result<Comment, Error> {
    let id = item["id"]
        .as_u64()
        .ok_or_else(|| missing(request, "a note without a numeric `id`"))?;
    Ok(Comment {
        id,
        body: item["body"].as_str().unwrap_or_default().to_string(),
        author: item["author"]["username"].as_str().map(str::to_string),
        url: None,
    })
}

fn missing(request: &Request, what: &str) -> Error {
    Error::InvalidResponse {
        request: request.label(),
        reason: what.to_string(),
    }
}

fn not_a_list(request: &Request) -> Error {
    missing(request, "expected a JSON list")
}

/// A path segment with everything but unreserved characters percent-encoded, so that
/// `group/project` becomes `group%2Fproject` as GitLab's `:id` expects.
pub(crate) fn encode_segment(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::encode_segment;

    #[test]
    fn project_paths_are_one_segment() {
        assert_eq!(encode_segment("42"), "42");
        assert_eq!(
            encode_segment("platform/argo-cd.apps"),
            "platform%2Fargo-cd.apps"
        );
        assert_eq!(encode_segment("a b/ü"), "a%20b%2F%C3%BC");
    }
}
