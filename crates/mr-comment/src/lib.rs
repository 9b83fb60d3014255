//! Keeps exactly one argocd-preflight comment on a GitLab merge request or a GitHub pull
//! request up to date.
//!
//! The bot's comment starts with a hidden marker (`<!-- argocd-preflight -->`) and is
//! written by the token's own identity ([`CommentApi::author`]). [`upsert_comment`] pages
//! through every comment to find the marked one the token wrote, updates it, and creates
//! it only when there is none or when the update answers 404 (someone deleted it
//! meanwhile); it never posts a second one, and never touches a marked comment someone
//! else wrote: anyone can type the marker. The forges meet it at the
//! [`CommentApi`] trait: [`GitLab`] (merge-request notes, and resolvable discussions for
//! critical findings) and [`GitHub`] (issue comments of a pull request).
//!
//! All HTTP goes through [`HttpClient`]: blocking ureq over rustls (the `ring` provider,
//! as kube's `rustls-tls` uses), timeouts, retries with exponential backoff on 429 and
//! 5xx honouring `Retry-After`, no redirects. Errors ([`Error`]) name the request and
//! say what to do about a 401 or 403. The [`Token`] is sent in a header only and
//! redacted from `Debug`.
//!
//! This crate knows nothing of plans or reports: the caller renders the body. It depends
//! on no other workspace crate and on no async runtime.

mod error;
mod github;
mod gitlab;
mod http;

use std::fmt;

pub use error::{Error, Request};
pub use github::{GitHub, GITHUB_ACTIONS_LOGIN};
pub use gitlab::{GitLab, ThreadOutcome};
pub use http::{HttpClient, HttpConfig, Sleep, Token};

/// The forges the bot comments on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Forge {
    GitLab,
    GitHub,
}

impl Forge {
    /// The longest comment the forge accepts, in characters: GitLab rejects a longer
    /// note ("Note is too long (maximum is 1000000 characters)"), GitHub answers 422
    /// ("Body is too long (maximum is 65536 characters)").
    pub const fn comment_limit(self) -> usize {
        match self {
            Forge::GitLab => 1_000_000,
            Forge::GitHub => 65_536,
        }
    }

    pub const fn name(self) -> &'static str {
        match self {
            Forge::GitLab => "GitLab",
            Forge::GitHub => "GitHub",
        }
    }
}

impl fmt::Display for Forge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A comment (a GitLab note, a GitHub issue comment) as the bot sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    pub id: u64,
    pub body: String,
    /// The author's username or login, when the forge says.
    pub author: Option<String>,
    /// A link to the comment for people, when the forge gives one.
    pub url: Option<String>,
}

/// One page of comments, oldest first.
#[derive(Clone, Debug, Default)]
pub struct Page {
    pub comments: Vec<Comment>,
    /// The URL of the next page, if any.
    pub next: Option<String>,
}

/// The comment endpoints of one merge request or pull request.
pub trait CommentApi {
    fn forge(&self) -> Forge;
    /// The username (GitLab) or login (GitHub) the token writes comments as: the bot's
    /// comment is a marked comment by this author.
    fn author(&self) -> Result<String, Error>;
    /// The first page for `None`, else the page at a URL a previous page named as next.
    fn comments_page(&self, page: Option<&str>) -> Result<Page, Error>;
    fn create_comment(&self, body: &str) -> Result<Comment, Error>;
    /// Replaces the body of comment `id`; [`Error::NotFound`] when it is gone.
    fn update_comment(&self, id: u64, body: &str) -> Result<Comment, Error>;
}

/// What [`upsert_comment`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Upserted {
    /// No marked comment existed.
    Created(Comment),
    Updated(Comment),
    /// The marked comment already had this body; nothing was sent.
    Unchanged(Comment),
    /// The marked comment `missing` vanished between listing and updating (404), so a
    /// new one was created.
    Recreated {
        comment: Comment,
        missing: u64,
    },
}

impl Upserted {
    pub fn comment(&self) -> &Comment {
        match self {
            Upserted::Created(comment)
            | Upserted::Updated(comment)
            | Upserted::Unchanged(comment)
            | Upserted::Recreated { comment, .. } => comment,
        }
    }
}

/// A listing longer than this is a forge bug or a loop, not a merge request.
const MAX_PAGES: usize = 1_000;

/// How often a create that may have failed half-way is looked for and sent again.
const CREATE_ATTEMPTS: u32 = 3;

/// True when `body` is a comment of the bot that uses `marker`.
pub fn is_marked(body: &str, marker: &str) -> bool {
    body.trim_start().starts_with(marker)
}

/// True when `comment` is the bot's: marked, and written by `author` (usernames and
/// logins are case-insensitive on both forges).
pub fn is_own(comment: &Comment, marker: &str, author: &str) -> bool {
    is_marked(&comment.body, marker)
        && comment
            .author
            .as_deref()
            .is_some_and(|written_by| written_by.eq_ignore_ascii_case(author))
}

/// The oldest comment by `author` that starts with `marker`, searching every page.
/// Marked comments by anyone else are passed over.
pub fn find_comment(
    api: &dyn CommentApi,
    marker: &str,
    author: &str,
) -> Result<Option<Comment>, Error> {
    let mut next: Option<String> = None;
    let mut seen_pages: Vec<String> = Vec::new();
    for _ in 0..MAX_PAGES {
        let page = api.comments_page(next.as_deref())?;
        if let Some(found) = page
            .comments
            .into_iter()
            .find(|comment| is_own(comment, marker, author))
        {
            return Ok(Some(found));
        }
        match page.next {
            Some(url) if !seen_pages.contains(&url) => {
                seen_pages.push(url.clone());
                next = Some(url);
            }
            _ => return Ok(None),
        }
    }
    Err(Error::TooManyPages {
        forge: api.forge(),
        pages: MAX_PAGES,
    })
}

/// Makes the bot's one comment read `body`: updates the comment by the token's author
/// that starts with `marker`, or creates it when there is none or it was deleted since
/// it was listed. `body` must start with `marker` itself, or the next run could not find
/// it.
pub fn upsert_comment(api: &dyn CommentApi, marker: &str, body: &str) -> Result<Upserted, Error> {
    if !is_marked(body, marker) {
        return Err(Error::UnmarkedBody {
            marker: marker.to_string(),
        });
    }
    let author = api.author()?;
    let Some(existing) = find_comment(api, marker, &author)? else {
        return create_once(api, marker, &author, body).map(Upserted::Created);
    };
    if existing.body == body {
        return Ok(Upserted::Unchanged(existing));
    }
    match api.update_comment(existing.id, body) {
        Ok(comment) => Ok(Upserted::Updated(comment)),
        Err(error) if error.is_not_found() => {
            let comment = create_once(api, marker, &author, body)?;
            Ok(Upserted::Recreated {
                comment,
                missing: existing.id,
            })
        }
        Err(error) => Err(error),
    }
}

/// Creates the comment, and when the create fails in a way that may have created it
/// anyway (a 5xx, a timeout), looks for it before sending it again.
fn create_once(
    api: &dyn CommentApi,
    marker: &str,
    author: &str,
    body: &str,
) -> Result<Comment, Error> {
    let mut attempt = 1;
    loop {
        match api.create_comment(body) {
            Ok(comment) => return Ok(comment),
            Err(error) if error.may_have_been_applied() && attempt < CREATE_ATTEMPTS => {
                attempt += 1;
                if let Some(found) = find_comment(api, marker, author)? {
                    if found.body == body {
                        return Ok(found);
                    }
                    return api.update_comment(found.id, body);
                }
            }
            Err(error) => return Err(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;

    /// Comments in memory, two to a page; `vanish` deletes a comment right after it has
    /// been listed, `fail_creates` answers 502 to that many creates after storing them.
    #[derive(Default)]
    struct Memory {
        comments: RefCell<Vec<Comment>>,
        vanish: RefCell<Option<u64>>,
        fail_creates: RefCell<u32>,
        calls: RefCell<Vec<String>>,
    }

    impl Memory {
        fn with(bodies: &[&str]) -> Memory {
            let memory = Memory::default();
            for body in bodies {
                memory.insert(body);
            }
            memory
        }

        fn insert(&self, body: &str) -> Comment {
            self.insert_by(BOT, body)
        }

        fn insert_by(&self, author: &str, body: &str) -> Comment {
            let mut comments = self.comments.borrow_mut();
            let id = comments.iter().map(|c| c.id).max().unwrap_or(100) + 1;
            let comment = Comment {
                id,
                body: body.to_string(),
                author: Some(author.to_string()),
                url: None,
            };
            comments.push(comment.clone());
            comment
        }

        fn bodies(&self) -> Vec<String> {
            self.comments
                .borrow()
                .iter()
                .map(|c| c.body.clone())
                .collect()
        }

        fn request(&self) -> Request {
            Request {
                forge: Forge::GitHub,
                method: "POST",
                url: "memory".to_string(),
            }
        }
    }

    impl CommentApi for Memory {
        fn forge(&self) -> Forge {
            Forge::GitHub
        }

        fn author(&self) -> Result<String, Error> {
            Ok(BOT.to_string())
        }

        fn comments_page(&self, page: Option<&str>) -> Result<Page, Error> {
            let index: usize = page.map_or(0, |p| p.parse().unwrap());
            self.calls.borrow_mut().push(format!("list {index}"));
            let comments: Vec<Comment> = self
                .comments
                .borrow()
                .iter()
                .skip(index * 2)
                .take(2)
                .cloned()
                .collect();
            let more = self.comments.borrow().len() > (index + 1) * 2;
            if let Some(id) = self.vanish.borrow_mut().take() {
                self.comments.borrow_mut().retain(|c| c.id != id);
            }
            Ok(Page {
                comments,
                next: more.then(|| (index + 1).to_string()),
            })
        }

        fn create_comment(&self, body: &str) -> Result<Comment, Error> {
            self.calls.borrow_mut().push("create".to_string());
            let comment = self.insert(body);
            let mut failures = self.fail_creates.borrow_mut();
            if *failures > 0 {
                *failures -= 1;
                return Err(Error::Status {
                    request: self.request(),
                    status: 502,
                    message: "Bad Gateway".to_string(),
                    attempts: 1,
                });
            }
            Ok(comment)
        }

        fn update_comment(&self, id: u64, body: &str) -> Result<Comment, Error> {
            self.calls.borrow_mut().push(format!("update {id}"));
            let mut comments = self.comments.borrow_mut();
            match comments.iter_mut().find(|c| c.id == id) {
                Some(comment) => {
                    comment.body = body.to_string();
                    Ok(comment.clone())
                }
                None => Err(Error::NotFound {
                    request: self.request(),
                    message: "Not Found".to_string(),
                }),
            }
        }
    }

    const MARKER: &str = "<!-- m -->";
    const BOT: &str = "Preflight-Bot";

    #[test]
    fn a_marked_comment_by_someone_else_is_left_alone() {
        let memory = Memory::default();
        memory.insert_by("mallory", "<!-- m -->\nplanted");
        let upserted = upsert_comment(&memory, MARKER, "<!-- m -->\nours").unwrap();
        assert!(matches!(upserted, Upserted::Created(_)), "{upserted:?}");
        let again = upsert_comment(&memory, MARKER, "<!-- m -->\nours, later").unwrap();
        assert!(matches!(again, Upserted::Updated(_)), "{again:?}");
        assert_eq!(
            memory.bodies(),
            ["<!-- m -->\nplanted", "<!-- m -->\nours, later"]
        );
        assert!(
            !memory.calls.borrow().contains(&"update 101".to_string()),
            "never sent an update of mallory's comment: {:?}",
            memory.calls.borrow()
        );
    }

    #[test]
    fn authors_match_without_case() {
        let comment = |author: Option<&str>| Comment {
            id: 1,
            body: "<!-- m -->\nx".to_string(),
            author: author.map(str::to_string),
            url: None,
        };
        assert!(is_own(&comment(Some("preflight-bot")), MARKER, BOT));
        assert!(!is_own(&comment(Some("preflight-bot2")), MARKER, BOT));
        assert!(!is_own(&comment(None), MARKER, BOT));
    }

    #[test]
    fn creates_then_updates_the_marked_comment_on_a_later_page() {
        let memory = Memory::with(&["lgtm", "<!-- other bot -->", "nit"]);
        let first = upsert_comment(&memory, MARKER, "<!-- m -->\none").unwrap();
        assert!(matches!(first, Upserted::Created(_)), "{first:?}");
        let second = upsert_comment(&memory, MARKER, "<!-- m -->\ntwo").unwrap();
        assert!(matches!(second, Upserted::Updated(_)), "{second:?}");
        let third = upsert_comment(&memory, MARKER, "<!-- m -->\ntwo").unwrap();
        assert!(matches!(third, Upserted::Unchanged(_)), "{third:?}");
        assert_eq!(
            memory.bodies(),
            ["lgtm", "<!-- other bot -->", "nit", "<!-- m -->\ntwo"]
        );
    }

    #[test]
    fn a_comment_deleted_after_listing_is_created_again() {
        let memory = Memory::with(&["<!-- m -->\nold"]);
        *memory.vanish.borrow_mut() = Some(101);
        let upserted = upsert_comment(&memory, MARKER, "<!-- m -->\nnew").unwrap();
        assert!(
            matches!(upserted, Upserted::Recreated { missing: 101, .. }),
            "{upserted:?}"
        );
        assert_eq!(memory.bodies(), ["<!-- m -->\nnew"]);
    }

    #[test]
    fn a_create_that_failed_half_way_is_not_sent_twice() {
        let memory = Memory::with(&["hello"]);
        *memory.fail_creates.borrow_mut() = 1;
        let upserted = upsert_comment(&memory, MARKER, "<!-- m -->\nbody").unwrap();
        assert_eq!(upserted.comment().body, "<!-- m -->\nbody");
        assert_eq!(memory.bodies(), ["hello", "<!-- m -->\nbody"]);
        assert_eq!(
            *memory.calls.borrow(),
            ["list 0", "create", "list 0"],
            "looked before creating again"
        );
    }

    #[test]
    fn an_unmarked_body_is_refused() {
        let memory = Memory::default();
        let error = upsert_comment(&memory, MARKER, "no marker").unwrap_err();
        assert!(matches!(error, Error::UnmarkedBody { .. }), "{error}");
        assert!(memory.bodies().is_empty());
    }

    #[test]
    fn limits_are_the_forges_in_characters() {
        assert_eq!(Forge::GitHub.comment_limit(), 65_536);
        assert_eq!(Forge::GitLab.comment_limit(), 1_000_000);
    }

    #[test]
    fn marker_matching() {
        assert!(is_marked("<!-- m -->\nx", MARKER));
        assert!(is_marked("\n  <!-- m -->", MARKER));
        assert!(!is_marked("> <!-- m -->", MARKER));
        assert!(!is_marked("see <!-- m -->", MARKER));
    }
}
