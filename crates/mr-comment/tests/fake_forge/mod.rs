//! A fake GitLab or GitHub on 127.0.0.1 that speaks the merge-request notes, discussions
//! and issue-comments endpoints with state: list with pagination, create, update, 404
//! for what is gone, 401 for a wrong token, and scripted faults (403, 429, 5xx).
//!
//! The token acts as one identity, which writes every comment the client creates and
//! may edit only its own: GitLab's `GET /user` names it; GitHub's answers for a personal
//! access token ([`FakeForge::github_as_user`]) and refuses with 403 for the workflow's
//! installation token (the default), whose comments are `github-actions[bot]`'s.
//!
//! One thread serves one connection at a time with minimal HTTP/1.1 (`Content-Length`
//! bodies, `Connection: close`). Shared by the crate's tests and the binary's end-to-end
//! tests (`#[path]`), so not every helper is used by each.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use serde_json::{json, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    GitLab,
    GitHub,
}

/// The user every request with the right token acts as on GitLab (a project access
/// token's bot user).
pub const BOT_USER: &str = "preflight-bot";

/// The author of what a GitHub Actions workflow's `GITHUB_TOKEN` writes.
pub const GITHUB_ACTIONS_BOT: &str = "github-actions[bot]";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub id: u64,
    pub body: String,
    pub author: String,
    pub system: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Thread {
    pub id: String,
    pub note: Note,
    pub resolved: bool,
}

/// A scripted answer to the next request that matches `method` (and `path`, when set).
#[derive(Clone, Debug)]
pub struct Fault {
    pub method: &'static str,
    pub path_contains: Option<String>,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// Carry the request out first, then answer with the fault: a create that the forge
    /// stored although the client saw a 502.
    pub after_applying: bool,
}

impl Fault {
    pub fn new(method: &'static str, status: u16, body: &str) -> Fault {
        Fault {
            method,
            path_contains: None,
            status,
            headers: Vec::new(),
            body: body.to_string(),
            after_applying: false,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Fault {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn on_path(mut self, fragment: &str) -> Fault {
        self.path_contains = Some(fragment.to_string());
        self
    }

    pub fn after_applying(mut self) -> Fault {
        self.after_applying = true;
        self
    }
}

struct State {
    flavor: Flavor,
    token: String,
    /// Who the token acts as: the author of what it creates.
    login: String,
    /// GitHub: `GET /user` answers 403, as for an installation token.
    installation_token: bool,
    /// GitLab: the token has the Reporter role, which may write notes and open threads
    /// but not resolve them (that takes Developer, or authoring the merge request).
    reporter: bool,
    /// `/api/v4/projects/{project}/merge_requests/{iid}` or `/repos/{owner}/{repo}`.
    scope: String,
    number: u64,
    per_page: usize,
    notes: Vec<Note>,
    threads: Vec<Thread>,
    next_id: u64,
    faults: VecDeque<Fault>,
    requests: Vec<String>,
    vanish_after_list: Option<u64>,
}

pub struct FakeForge {
    address: SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl FakeForge {
    /// A GitLab whose merge request `iid` lives in project `project` (as it appears in
    /// the URL: `42` or `group%2Fproject`).
    pub fn gitlab(token: &str, project: &str, iid: u64) -> FakeForge {
        FakeForge::start(
            Flavor::GitLab,
            token,
            format!("/api/v4/projects/{project}/merge_requests/{iid}"),
            iid,
        )
    }

    /// A GitHub whose pull request `number` lives in `owner/repo`.
    pub fn github(token: &str, repository: &str, number: u64) -> FakeForge {
        FakeForge::start(
            Flavor::GitHub,
            token,
            format!("/repos/{repository}"),
            number,
        )
    }

    /// A GitHub whose token is a person's (a personal access token): `GET /user` names
    /// `login`, who writes the comments the client creates.
    pub fn github_as_user(token: &str, repository: &str, number: u64, login: &str) -> FakeForge {
        let forge = FakeForge::github(token, repository, number);
        {
            let mut state = forge.state.lock().unwrap();
            state.login = login.to_string();
            state.installation_token = false;
        }
        forge
    }

    /// GitLab: the token has the Reporter role only.
    pub fn as_reporter(&self) {
        self.state.lock().unwrap().reporter = true;
    }

    /// A GitHub whose installation token belongs to another GitHub App than the
    /// workflow's: `GET /user` answers 403, and its comments are `login`'s.
    pub fn github_app(token: &str, repository: &str, number: u64, login: &str) -> FakeForge {
        let forge = FakeForge::github(token, repository, number);
        forge.state.lock().unwrap().login = login.to_string();
        forge
    }

    /// The login or username the token acts as.
    pub fn login(&self) -> String {
        self.state.lock().unwrap().login.clone()
    }

    fn start(flavor: Flavor, token: &str, scope: String, number: u64) -> FakeForge {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let address = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State {
            flavor,
            token: token.to_string(),
            login: match flavor {
                Flavor::GitLab => BOT_USER.to_string(),
                Flavor::GitHub => GITHUB_ACTIONS_BOT.to_string(),
            },
            installation_token: flavor == Flavor::GitHub,
            reporter: false,
            scope,
            number,
            per_page: 100,
            notes: Vec::new(),
            threads: Vec::new(),
            next_id: 1_000,
            faults: VecDeque::new(),
            requests: Vec::new(),
            vanish_after_list: None,
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let state = Arc::clone(&state);
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    if let Ok(stream) = stream {
                        let _ = serve(stream, &state, address);
                    }
                }
            })
        };
        FakeForge {
            address,
            state,
            stop,
            thread: Some(thread),
        }
    }

    /// `CI_API_V4_URL` or `GITHUB_API_URL` for this server.
    pub fn api_url(&self) -> String {
        match self.state.lock().unwrap().flavor {
            Flavor::GitLab => format!("http://{}/api/v4", self.address),
            Flavor::GitHub => format!("http://{}", self.address),
        }
    }

    /// Serve at most this many comments per page, whatever the client asks for.
    pub fn set_per_page(&self, per_page: usize) {
        self.state.lock().unwrap().per_page = per_page;
    }

    /// A comment written by someone else (or by `author`), oldest last.
    pub fn seed(&self, author: &str, body: &str) -> u64 {
        let mut state = self.state.lock().unwrap();
        let id = state.allocate();
        state.notes.push(Note {
            id,
            body: body.to_string(),
            author: author.to_string(),
            system: false,
        });
        id
    }

    /// A GitLab system note ("added 1 commit").
    pub fn seed_system(&self, body: &str) -> u64 {
        let id = self.seed("root", body);
        let mut state = self.state.lock().unwrap();
        state.notes.last_mut().unwrap().system = true;
        id
    }

    pub fn notes(&self) -> Vec<Note> {
        self.state.lock().unwrap().notes.clone()
    }

    pub fn threads(&self) -> Vec<Thread> {
        self.state.lock().unwrap().threads.clone()
    }

    /// A resolvable thread opened by `author`, as a person would.
    pub fn seed_thread(&self, author: &str, body: &str) -> String {
        let mut state = self.state.lock().unwrap();
        let id = state.allocate();
        let thread = Thread {
            id: format!("{id:040x}"),
            note: Note {
                id,
                body: body.to_string(),
                author: author.to_string(),
                system: false,
            },
            resolved: false,
        };
        state.threads.push(thread);
        format!("{id:040x}")
    }

    pub fn resolve_thread(&self, id: &str) {
        let mut state = self.state.lock().unwrap();
        let thread = state.threads.iter_mut().find(|t| t.id == id).unwrap();
        thread.resolved = true;
    }

    pub fn delete(&self, id: u64) {
        self.state
            .lock()
            .unwrap()
            .notes
            .retain(|note| note.id != id);
    }

    /// Delete comment `id` right after the next listing is served, as a person deleting
    /// it between the bot's list and its update would.
    pub fn vanish_after_list(&self, id: u64) {
        self.state.lock().unwrap().vanish_after_list = Some(id);
    }

    pub fn fail_next(&self, fault: Fault) {
        self.state.lock().unwrap().faults.push_back(fault);
    }

    /// `METHOD /path?query` of every request served, in order.
    pub fn requests(&self) -> Vec<String> {
        self.state.lock().unwrap().requests.clone()
    }

    pub fn clear_requests(&self) {
        self.state.lock().unwrap().requests.clear();
    }
}

impl Drop for FakeForge {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so that it sees the flag.
        let _ = TcpStream::connect(self.address);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl State {
    fn allocate(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }
}

struct HttpRequest {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: String,
}

impl HttpRequest {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    fn json_body(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

struct HttpResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl HttpResponse {
    fn json(status: u16, body: Value) -> HttpResponse {
        HttpResponse {
            status,
            headers: Vec::new(),
            body: body.to_string(),
        }
    }
}

fn serve(stream: TcpStream, state: &Mutex<State>, address: SocketAddr) -> std::io::Result<()> {
    stream.set_read_timeout(Some(std::time::Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(());
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let target = parts.next().unwrap_or_default().to_string();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    let length: usize = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .and_then(|(_, value)| value.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path.to_string(), query.to_string()),
        None => (target.clone(), String::new()),
    };
    let query = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((key, value)) => (key.to_string(), value.to_string()),
            None => (pair.to_string(), String::new()),
        })
        .collect();
    let request = HttpRequest {
        method,
        path,
        query,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    let response = {
        let mut state = state.lock().unwrap();
        state.requests.push(format!("{} {target}", request.method));
        respond(&mut state, &request, address)
    };
    let mut stream = stream;
    let reason = match response.status {
        200 => "OK",
        201 => "Created",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Whatever",
    };
    let mut head = format!(
        "HTTP/1.1 {} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
        response.status,
        response.body.len()
    );
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(response.body.as_bytes())?;
    stream.flush()
}

fn respond(state: &mut State, request: &HttpRequest, address: SocketAddr) -> HttpResponse {
    let fault_index = state.faults.iter().position(|fault| {
        fault.method == request.method
            && fault
                .path_contains
                .as_deref()
                .is_none_or(|fragment| request.path.contains(fragment))
    });
    if let Some(index) = fault_index {
        let fault = state.faults.remove(index).unwrap();
        if fault.after_applying {
            let _ = route(state, request, address);
        }
        return HttpResponse {
            status: fault.status,
            headers: fault.headers,
            body: fault.body,
        };
    }
    route(state, request, address)
}

fn route(state: &mut State, request: &HttpRequest, address: SocketAddr) -> HttpResponse {
    match state.flavor {
        Flavor::GitLab => gitlab(state, request, address),
        Flavor::GitHub => github(state, request, address),
    }
}

fn gitlab(state: &mut State, request: &HttpRequest, address: SocketAddr) -> HttpResponse {
    if request.header("private-token") != Some(state.token.as_str()) {
        return HttpResponse::json(401, json!({"message": "401 Unauthorized"}));
    }
    let not_found = || HttpResponse::json(404, json!({"message": "404 Not found"}));
    if request.method == "GET" && request.path == "/api/v4/user" {
        return HttpResponse::json(
            200,
            json!({"id": 7, "username": state.login, "name": "argocd-preflight", "bot": true}),
        );
    }
    let Some(rest) = request.path.strip_prefix(&state.scope) else {
        return HttpResponse::json(404, json!({"message": "404 Project Not Found"}));
    };
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    match (request.method.as_str(), segments.as_slice()) {
        ("GET", ["notes"]) => {
            let notes: Vec<Value> = state.notes.iter().map(gitlab_note).collect();
            let response = paginate_gitlab(state, request, address, notes);
            if let Some(id) = state.vanish_after_list.take() {
                state.notes.retain(|note| note.id != id);
            }
            response
        }
        ("POST", ["notes"]) => {
            let Some(body) = request.json_body()["body"].as_str().map(str::to_string) else {
                return HttpResponse::json(
                    400,
                    json!({"message": "400 Bad request - body is missing"}),
                );
            };
            if let Some(too_long) = gitlab_too_long(&body) {
                return too_long;
            }
            let id = state.allocate();
            let note = Note {
                id,
                body,
                author: state.login.clone(),
                system: false,
            };
            state.notes.push(note.clone());
            HttpResponse::json(201, gitlab_note(&note))
        }
        ("PUT", ["notes", id]) => {
            let body = request.json_body()["body"].as_str().map(str::to_string);
            if let Some(too_long) = body.as_deref().and_then(gitlab_too_long) {
                return too_long;
            }
            let login = state.login.clone();
            match state
                .notes
                .iter_mut()
                .find(|note| id.parse() == Ok(note.id))
            {
                Some(note) if note.author != login => {
                    HttpResponse::json(403, json!({"message": "403 Forbidden"}))
                }
                Some(note) => {
                    if let Some(body) = body {
                        note.body = body;
                    }
                    HttpResponse::json(200, gitlab_note(note))
                }
                None => not_found(),
            }
        }
        ("GET", ["discussions"]) => {
            let mut discussions: Vec<Value> = state
                .notes
                .iter()
                .map(|note| {
                    json!({"id": format!("d{}", note.id), "individual_note": true, "notes": [gitlab_note(note)]})
                })
                .collect();
            discussions.extend(state.threads.iter().map(gitlab_thread));
            paginate_gitlab(state, request, address, discussions)
        }
        ("POST", ["discussions"]) => {
            let Some(body) = request.json_body()["body"].as_str().map(str::to_string) else {
                return HttpResponse::json(
                    400,
                    json!({"message": "400 Bad request - body is missing"}),
                );
            };
            let id = state.allocate();
            let thread = Thread {
                id: format!("{id:040x}"),
                note: Note {
                    id,
                    body,
                    author: state.login.clone(),
                    system: false,
                },
                resolved: false,
            };
            state.threads.push(thread.clone());
            HttpResponse::json(201, gitlab_thread(&thread))
        }
        ("PUT", ["discussions", discussion, "notes", note]) => {
            let body = request.json_body()["body"].as_str().map(str::to_string);
            let login = state.login.clone();
            match state
                .threads
                .iter_mut()
                .find(|t| t.id == *discussion && note.parse() == Ok(t.note.id))
            {
                Some(thread) if thread.note.author != login => {
                    HttpResponse::json(403, json!({"message": "403 Forbidden"}))
                }
                Some(thread) => {
                    if let Some(body) = body {
                        thread.note.body = body;
                    }
                    HttpResponse::json(200, gitlab_note(&thread.note))
                }
                None => not_found(),
            }
        }
        ("PUT", ["discussions", _]) if state.reporter => {
            HttpResponse::json(403, json!({"message": "403 Forbidden"}))
        }
        ("PUT", ["discussions", discussion]) => {
            match state.threads.iter_mut().find(|t| t.id == *discussion) {
                Some(thread) => {
                    thread.resolved = request.query("resolved") == Some("true");
                    HttpResponse::json(200, gitlab_thread(thread))
                }
                None => not_found(),
            }
        }
        _ => not_found(),
    }
}

/// GitLab counts a note's characters: "Note is too long (maximum is 1000000 characters)".
fn gitlab_too_long(body: &str) -> Option<HttpResponse> {
    (body.chars().count() > 1_000_000).then(|| {
        HttpResponse::json(
            400,
            json!({"message": {"note": ["is too long (maximum is 1000000 characters)"]}}),
        )
    })
}

/// GitHub counts a comment's characters: 422 "Body is too long (maximum is 65536
/// characters)".
fn github_too_long(body: &str) -> Option<HttpResponse> {
    (body.chars().count() > 65_536).then(|| {
        HttpResponse::json(
            422,
            json!({"message": "Validation Failed", "errors": [{"resource": "IssueComment", "code": "custom", "field": "body", "message": "body is too long (maximum is 65536 characters)"}]}),
        )
    })
}

fn gitlab_note(note: &Note) -> Value {
    json!({
        "id": note.id,
        "type": null,
        "body": note.body,
        "author": {"id": 7, "username": note.author},
        "system": note.system,
        "noteable_type": "MergeRequest",
        "resolvable": false,
    })
}

fn gitlab_thread(thread: &Thread) -> Value {
    let mut note = gitlab_note(&thread.note);
    note["type"] = json!("DiscussionNote");
    note["resolvable"] = json!(true);
    note["resolved"] = json!(thread.resolved);
    json!({"id": thread.id, "individual_note": false, "notes": [note]})
}

fn page_bounds(state: &State, request: &HttpRequest, total: usize) -> (usize, usize, usize) {
    let asked: usize = request
        .query("per_page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(20);
    let per_page = asked.clamp(1, 100).min(state.per_page);
    let page: usize = request
        .query("page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1)
        .max(1);
    let pages = total.div_ceil(per_page).max(1);
    (page, per_page, pages)
}

fn paginate_gitlab(
    state: &State,
    request: &HttpRequest,
    address: SocketAddr,
    items: Vec<Value>,
) -> HttpResponse {
    let (page, per_page, pages) = page_bounds(state, request, items.len());
    let slice: Vec<Value> = items
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .cloned()
        .collect();
    let next = if page < pages {
        (page + 1).to_string()
    } else {
        String::new()
    };
    let url = |p: usize| {
        format!(
            "http://{address}{}?per_page={per_page}&page={p}",
            request.path
        )
    };
    let mut link = vec![format!("<{}>; rel=\"first\"", url(1))];
    if page < pages {
        link.push(format!("<{}>; rel=\"next\"", url(page + 1)));
    }
    link.push(format!("<{}>; rel=\"last\"", url(pages)));
    HttpResponse {
        status: 200,
        headers: vec![
            ("x-page".to_string(), page.to_string()),
            ("x-per-page".to_string(), per_page.to_string()),
            ("x-next-page".to_string(), next),
            ("x-total".to_string(), items.len().to_string()),
            ("x-total-pages".to_string(), pages.to_string()),
            ("link".to_string(), link.join(", ")),
        ],
        body: Value::Array(slice).to_string(),
    }
}

fn github(state: &mut State, request: &HttpRequest, address: SocketAddr) -> HttpResponse {
    if request.header("user-agent").is_none_or(str::is_empty) {
        return HttpResponse::json(
            403,
            json!({"message": "Request forbidden by administrative rules. Please make sure your request has a User-Agent header"}),
        );
    }
    let authorized = request.header("authorization").is_some_and(|value| {
        value == format!("Bearer {}", state.token) || value == format!("token {}", state.token)
    });
    if !authorized {
        return HttpResponse::json(
            401,
            json!({"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401"}),
        );
    }
    let not_found = || {
        HttpResponse::json(
            404,
            json!({"message": "Not Found", "documentation_url": "https://docs.github.com/rest", "status": "404"}),
        )
    };
    if request.method == "GET" && request.path == "/user" {
        if state.installation_token {
            return HttpResponse::json(
                403,
                json!({"message": "Resource not accessible by integration", "documentation_url": "https://docs.github.com/rest/users/users#get-the-authenticated-user", "status": "403"}),
            );
        }
        return HttpResponse::json(
            200,
            json!({"login": state.login, "id": 583231, "type": "User"}),
        );
    }
    // GitHub's own next-page links name the repository by id.
    let Some(rest) = request
        .path
        .strip_prefix(&state.scope)
        .or_else(|| request.path.strip_prefix("/repositories/1296269"))
    else {
        return not_found();
    };
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let number = state.number.to_string();
    match (request.method.as_str(), segments.as_slice()) {
        ("GET", ["issues", n, "comments"]) if *n == number => {
            let comments: Vec<Value> = state
                .notes
                .iter()
                .map(|note| github_comment(note, address))
                .collect();
            let (page, per_page, pages) = page_bounds(state, request, comments.len());
            let slice: Vec<Value> = comments
                .iter()
                .skip((page - 1) * per_page)
                .take(per_page)
                .cloned()
                .collect();
            // GitHub's links name the repository by id, not by name.
            let url = |p: usize| {
                format!("http://{address}/repositories/1296269/issues/{number}/comments?per_page={per_page}&page={p}")
            };
            let mut links = Vec::new();
            if page > 1 {
                links.push(format!("<{}>; rel=\"prev\"", url(page - 1)));
            }
            if page < pages {
                links.push(format!("<{}>; rel=\"next\"", url(page + 1)));
                links.push(format!("<{}>; rel=\"last\"", url(pages)));
            }
            if page > 1 {
                links.push(format!("<{}>; rel=\"first\"", url(1)));
            }
            if let Some(id) = state.vanish_after_list.take() {
                state.notes.retain(|note| note.id != id);
            }
            let mut headers = vec![("x-ratelimit-remaining".to_string(), "4999".to_string())];
            if !links.is_empty() {
                headers.push(("link".to_string(), links.join(", ")));
            }
            HttpResponse {
                status: 200,
                headers,
                body: Value::Array(slice).to_string(),
            }
        }
        ("POST", ["issues", n, "comments"]) if *n == number => {
            let Some(body) = request.json_body()["body"].as_str().map(str::to_string) else {
                return HttpResponse::json(
                    422,
                    json!({"message": "Invalid request.\n\n\"body\" wasn't supplied."}),
                );
            };
            if let Some(too_long) = github_too_long(&body) {
                return too_long;
            }
            let id = state.allocate();
            let note = Note {
                id,
                body,
                author: state.login.clone(),
                system: false,
            };
            state.notes.push(note.clone());
            HttpResponse::json(201, github_comment(&note, address))
        }
        ("PATCH", ["issues", "comments", id]) => {
            let body = request.json_body()["body"].as_str().map(str::to_string);
            if let Some(too_long) = body.as_deref().and_then(github_too_long) {
                return too_long;
            }
            let login = state.login.clone();
            match state
                .notes
                .iter_mut()
                .find(|note| id.parse() == Ok(note.id))
            {
                // A token without the repository's write role may edit only its own.
                Some(note) if note.author != login => HttpResponse::json(
                    403,
                    json!({"message": "Resource not accessible by integration", "status": "403"}),
                ),
                Some(note) => {
                    if let Some(body) = body {
                        note.body = body;
                    }
                    HttpResponse::json(200, github_comment(note, address))
                }
                None => not_found(),
            }
        }
        _ => not_found(),
    }
}

fn github_comment(note: &Note, address: SocketAddr) -> Value {
    json!({
        "id": note.id,
        "node_id": format!("IC_{}", note.id),
        "html_url": format!("http://{address}/o/r/pull/1#issuecomment-{}", note.id),
        "body": note.body,
        "user": {"login": note.author, "type": if note.author.ends_with("[bot]") { "Bot" } else { "User" }},
    })
}
