//! A fake Kubernetes API server on 127.0.0.1 for the capture tests: HTTPS with a
//! certificate from a CA made at test time, bearer-token authentication, the discovery
//! documents of `../fixtures/discovery/` (aggregated and legacy), paginated lists of the
//! objects a test gives it (full or `PartialObjectMetadata`), and the faults a capture
//! must survive: a stale aggregated group (503 on its legacy discovery), 403, 429 with
//! `Retry-After`, a 500 once, 410 Gone on a continue token, and a request that is never
//! answered.
//!
//! Plain threads and rustls, one request per connection (`Connection: close`): small
//! enough to read, and no async runtime in the tests. Shared by the crate's tests and the
//! binary's (`tests/capture.rs` includes it with `#[path]`).

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, SanType};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::{json, Map, Value};

const AGGREGATED_API: &str = include_str!("../fixtures/discovery/aggregated-api.json");
const AGGREGATED_APIS: &str = include_str!("../fixtures/discovery/aggregated-apis.json");
const LEGACY_API: &str = include_str!("../fixtures/discovery/legacy-api.json");
const LEGACY_APIS: &str = include_str!("../fixtures/discovery/legacy-apis.json");
const LEGACY_RESOURCES: &str = include_str!("../fixtures/discovery/legacy-resources.json");

const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// A certificate authority made for one test run: nothing committed can expire.
pub struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl TestCa {
    pub fn new() -> TestCa {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "fake-apiserver-ca");
        let key = KeyPair::generate().unwrap();
        TestCa {
            issuer: CertifiedIssuer::self_signed(params, key).unwrap(),
        }
    }

    pub fn pem(&self) -> String {
        self.issuer.pem()
    }

    fn server_certificate(&self) -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
        let mut params = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        params
            .subject_alt_names
            .push(SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)));
        params
            .distinguished_name
            .push(DnType::CommonName, "kube-apiserver");
        let key = KeyPair::generate().unwrap();
        let certificate = params.signed_by(&key, &self.issuer).unwrap();
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        (certificate.der().clone(), key)
    }
}

/// What the fake server gets wrong on purpose. Resources are named `group/resource`
/// (`core/pods`, `policy/poddisruptionbudgets`).
#[derive(Debug, Clone)]
pub struct Faults {
    /// Answer `/api` and `/apis` with the legacy documents whatever is asked.
    pub legacy_only: bool,
    /// Group/versions whose backend is gone: `Stale` in aggregated discovery, 503 on
    /// `/apis/<group>/<version>` and on their lists.
    pub stale: Vec<String>,
    pub forbidden: Vec<String>,
    /// 429 with `Retry-After: 1` on the first list request.
    pub throttled_once: Vec<String>,
    /// 500 on the first list request.
    pub failing_once: Vec<String>,
    /// Never answered.
    pub hanging: Vec<String>,
    /// 410 Gone on the first request that carries a continue token.
    pub gone_once: Vec<String>,
    /// The most items on one page, whatever `limit` asks.
    pub page_size: usize,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            legacy_only: false,
            stale: Vec::new(),
            forbidden: Vec::new(),
            throttled_once: Vec::new(),
            failing_once: Vec::new(),
            hanging: Vec::new(),
            gone_once: Vec::new(),
            page_size: 2,
        }
    }
}

impl Faults {
    /// Every fault at once, on resources the rud-incident scenario holds no objects of
    /// (so that a capture with them plans as the scenario's files do), plus the
    /// incident's own state: metrics.k8s.io stale.
    pub fn all() -> Faults {
        Faults {
            stale: vec!["metrics.k8s.io/v1beta1".to_string()],
            forbidden: vec!["policy/poddisruptionbudgets".to_string()],
            throttled_once: vec!["networking.k8s.io/ingresses".to_string()],
            failing_once: vec!["batch/jobs".to_string()],
            hanging: vec!["scheduling.k8s.io/priorityclasses".to_string()],
            gone_once: vec!["core/namespaces".to_string()],
            ..Faults::default()
        }
    }
}

/// A running fake API server.
pub struct FakeApiServer {
    pub url: String,
    state: Arc<State>,
}

struct State {
    objects: Vec<Value>,
    faults: Faults,
    /// The `Authorization` header a client must present.
    authorization: String,
    /// `group/version/resource` (`core/v1/pods`) → what it serves, from the legacy
    /// documents.
    resources: BTreeMap<String, Resource>,
    requests: Mutex<Vec<String>>,
    /// Faults that fire once and have fired.
    fired: Mutex<BTreeSet<String>>,
    stop: AtomicBool,
}

#[derive(Debug, Clone)]
struct Resource {
    group: String,
    version: String,
    kind: String,
    namespaced: bool,
}

impl FakeApiServer {
    /// Serves `objects` (as stored: with `apiVersion` and `kind`) to clients presenting
    /// `token`.
    pub fn start(ca: &TestCa, token: &str, objects: Vec<Value>, faults: Faults) -> FakeApiServer {
        FakeApiServer::start_with_authorization(ca, format!("Bearer {token}"), objects, faults)
    }

    /// Serves `objects` to clients presenting HTTP basic credentials.
    pub fn start_with_basic_auth(
        ca: &TestCa,
        username: &str,
        password: &str,
        objects: Vec<Value>,
        faults: Faults,
    ) -> FakeApiServer {
        use base64::Engine;
        let credentials =
            base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
        FakeApiServer::start_with_authorization(ca, format!("Basic {credentials}"), objects, faults)
    }

    /// Serves `objects` to clients whose `Authorization` header is `authorization`.
    fn start_with_authorization(
        ca: &TestCa,
        authorization: String,
        objects: Vec<Value>,
        faults: Faults,
    ) -> FakeApiServer {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let url = format!("https://{}", listener.local_addr().unwrap());
        let (certificate, key) = ca.server_certificate();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![certificate], key)
            .unwrap();
        let tls = Arc::new(tls);
        let state = Arc::new(State {
            objects,
            faults,
            authorization,
            resources: resource_index(),
            requests: Mutex::new(Vec::new()),
            fired: Mutex::new(BTreeSet::new()),
            stop: AtomicBool::new(false),
        });
        let accept_state = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if accept_state.stop.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let state = accept_state.clone();
                let tls = tls.clone();
                std::thread::spawn(move || serve_connection(stream, tls, &state));
            }
        });
        FakeApiServer { url, state }
    }

    /// Every request so far, as `METHOD path?query`, in arrival order.
    pub fn requests(&self) -> Vec<String> {
        self.state.requests.lock().unwrap().clone()
    }
}

impl Drop for FakeApiServer {
    fn drop(&mut self) {
        self.state.stop.store(true, Ordering::Relaxed);
        // Wake the accept loop so that it sees the flag.
        let _ = TcpStream::connect(self.url.trim_start_matches("https://"));
    }
}

/// A kubeconfig with one context, cluster and user per `(context, server URL, token)`.
pub fn kubeconfig(ca: &TestCa, contexts: &[(&str, &str, &str)], current: &str) -> String {
    use base64::Engine;
    let ca_data = base64::engine::general_purpose::STANDARD.encode(ca.pem());
    let mut text = String::from("apiVersion: v1\nkind: Config\nclusters:\n");
    for (context, url, _) in contexts {
        text.push_str(&format!(
            "- name: {context}-cluster\n  cluster:\n    server: {url}\n    certificate-authority-data: {ca_data}\n"
        ));
    }
    text.push_str("users:\n");
    for (context, _, token) in contexts {
        text.push_str(&format!(
            "- name: {context}-user\n  user:\n    token: {token}\n"
        ));
    }
    text.push_str("contexts:\n");
    for (context, _, _) in contexts {
        text.push_str(&format!(
            "- name: {context}\n  context:\n    cluster: {context}-cluster\n    user: {context}-user\n"
        ));
    }
    text.push_str(&format!("current-context: {current}\n"));
    text
}

/// The objects of a snapshot folder's files (JSON documents, `---`-separated, or `List`s),
/// secret values and all, as the API server would store them.
pub fn read_objects(dir: &Path) -> Vec<Value> {
    let mut files = Vec::new();
    collect_files(dir, &mut files);
    files.sort();
    let mut objects = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for document in text.split("\n---").map(|d| d.trim_start_matches("---")) {
            if document.trim().is_empty() {
                continue;
            }
            let value: Value = serde_json::from_str(document)
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            match value.get("kind").and_then(Value::as_str) {
                Some("List") => objects.extend(value["items"].as_array().unwrap().iter().cloned()),
                _ => objects.push(value),
            }
        }
    }
    objects
}

fn collect_files(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_files(&path, files);
        } else {
            files.push(path);
        }
    }
}

fn resource_index() -> BTreeMap<String, Resource> {
    let lists: BTreeMap<String, Value> = serde_json::from_str(LEGACY_RESOURCES).unwrap();
    let mut index = BTreeMap::new();
    for (group_version, list) in lists {
        let (group, version) = match group_version.split_once('/') {
            Some((group, version)) => (group.to_string(), version.to_string()),
            None => (String::new(), group_version.clone()),
        };
        for resource in list["resources"].as_array().unwrap() {
            let name = resource["name"].as_str().unwrap();
            if name.contains('/') {
                continue;
            }
            let key = format!(
                "{}/{version}/{name}",
                if group.is_empty() { "core" } else { &group }
            );
            index.insert(
                key,
                Resource {
                    group: group.clone(),
                    version: version.clone(),
                    kind: resource["kind"].as_str().unwrap().to_string(),
                    namespaced: resource["namespaced"].as_bool().unwrap(),
                },
            );
        }
    }
    index
}

struct Request {
    path: String,
    raw_query: String,
    query: BTreeMap<String, String>,
    accept: String,
    authorization: String,
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Response {
    fn json(value: &Value) -> Response {
        Response {
            status: 200,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: value.to_string(),
        }
    }

    fn status(code: u16, reason: &str, message: &str) -> Response {
        let status = json!({"kind": "Status", "apiVersion": "v1", "metadata": {},
            "status": "Failure", "message": message, "reason": reason, "code": code});
        Response {
            status: code,
            ..Response::json(&status)
        }
    }
}

fn serve_connection(stream: TcpStream, tls: Arc<rustls::ServerConfig>, state: &State) {
    let connection = rustls::ServerConnection::new(tls).unwrap();
    let mut stream = rustls::StreamOwned::new(connection, stream);
    let Some(request) = read_request(&mut stream) else {
        return;
    };
    state
        .requests
        .lock()
        .unwrap()
        .push(format!("GET {}?{}", request.path, request.raw_query));
    let Some(response) = respond(&request, state) else {
        // Never answer: hold the connection until the server stops.
        while !state.stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(50));
        }
        return;
    };
    let reason = match response.status {
        200 => "OK",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        410 => "Gone",
        429 => "Too Many Requests",
        503 => "Service Unavailable",
        _ => "Error",
    };
    let mut head = format!(
        "HTTP/1.1 {} {reason}\r\nContent-Length: {}\r\nConnection: close\r\n",
        response.status,
        response.body.len()
    );
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(response.body.as_bytes());
    let _ = stream.flush();
    stream.conn.send_close_notify();
    let _ = stream.flush();
}

fn read_request(stream: &mut impl Read) -> Option<Request> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buffer.windows(4).any(|w| w == b"\r\n\r\n") {
        let read = stream.read(&mut chunk).ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
    let text = String::from_utf8_lossy(&buffer);
    let mut lines = text.split("\r\n");
    let target = lines.next()?.split(' ').nth(1)?.to_string();
    let mut accept = String::new();
    let mut authorization = String::new();
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            match name.to_ascii_lowercase().as_str() {
                "accept" => accept = value.trim().to_string(),
                "authorization" => authorization = value.trim().to_string(),
                _ => {}
            }
        }
    }
    let (path, query_text) = target.split_once('?').unwrap_or((&target, ""));
    let query = query_text
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (key.to_string(), percent_decode(value))
        })
        .collect();
    Some(Request {
        path: path.to_string(),
        raw_query: query_text.to_string(),
        query,
        accept,
        authorization,
    })
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' && index + 2 < bytes.len() {
            if let Ok(byte) = u8::from_str_radix(&text[index + 1..index + 3], 16) {
                out.push(byte);
                index += 3;
                continue;
            }
        }
        out.push(bytes[index]);
        index += 1;
    }
    String::from_utf8(out).unwrap()
}

/// The answer to `request`, or `None` for a request never to be answered.
fn respond(request: &Request, state: &State) -> Option<Response> {
    if request.authorization != state.authorization {
        return Some(Response::status(401, "Unauthorized", "Unauthorized"));
    }
    let faults = &state.faults;
    let aggregated = request.accept.contains("as=APIGroupDiscoveryList") && !faults.legacy_only;
    let path = request.path.trim_end_matches('/');
    match path {
        "/version" => {
            return Some(Response::json(&json!({"major": "1", "minor": "31",
                "gitVersion": "v1.31.4", "gitCommit": "a78aa47129b8539636eb86a9d00e31b2720fe06b",
                "gitTreeState": "clean", "buildDate": "2024-12-10T11:36:07Z",
                "goVersion": "go1.22.9", "compiler": "gc", "platform": "linux/amd64"})))
        }
        "/api" if aggregated => {
            return Some(Response::json(&aggregated_document(AGGREGATED_API, faults)))
        }
        "/apis" if aggregated => {
            return Some(Response::json(&aggregated_document(
                AGGREGATED_APIS,
                faults,
            )))
        }
        "/api" => return Some(Response::json(&serde_json::from_str(LEGACY_API).unwrap())),
        "/apis" => return Some(Response::json(&serde_json::from_str(LEGACY_APIS).unwrap())),
        _ => {}
    }
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (group, version, rest) = match segments.as_slice() {
        ["api", version, rest @ ..] => ("", *version, rest),
        ["apis", group, version, rest @ ..] => (*group, *version, rest),
        _ => {
            return Some(Response::status(
                404,
                "NotFound",
                "the server could not find the requested resource",
            ))
        }
    };
    let group_version = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    if faults.stale.contains(&group_version) {
        return Some(Response {
            status: 503,
            headers: vec![("Content-Type".into(), "text/plain; charset=utf-8".into())],
            body: "service unavailable\n".into(),
        });
    }
    let (namespace, resource) = match rest {
        [] => {
            let lists: Value = serde_json::from_str(LEGACY_RESOURCES).unwrap();
            return Some(match lists.get(&group_version) {
                Some(list) => Response::json(list),
                None => Response::status(
                    404,
                    "NotFound",
                    "the server could not find the requested resource",
                ),
            });
        }
        [resource] => (None, *resource),
        ["namespaces", namespace, resource] => (Some(*namespace), *resource),
        _ => {
            return Some(Response::status(
                404,
                "NotFound",
                "the server could not find the requested resource",
            ))
        }
    };
    let key = format!(
        "{}/{resource}",
        if group.is_empty() { "core" } else { group }
    );
    let served_key = format!(
        "{}/{version}/{resource}",
        if group.is_empty() { "core" } else { group }
    );
    let Some(served) = state.resources.get(&served_key) else {
        return Some(Response::status(
            404,
            "NotFound",
            "the server could not find the requested resource",
        ));
    };
    if faults.hanging.contains(&key) {
        return None;
    }
    if faults.forbidden.contains(&key) {
        let scope = namespace.map_or("at the cluster scope".to_string(), |ns| {
            format!("in the namespace \"{ns}\"")
        });
        return Some(Response::status(403, "Forbidden", &format!(
            "{resource}.{group} is forbidden: User \"system:serviceaccount:ci:preflight\" cannot list resource \"{resource}\" in API group \"{group}\" {scope}"
        )));
    }
    let once = |list: &Vec<String>, tag: &str| {
        list.contains(&key) && state.fired.lock().unwrap().insert(format!("{tag}:{key}"))
    };
    if once(&faults.throttled_once, "429") {
        let mut response = Response::status(
            429,
            "TooManyRequests",
            "Too many requests, please try again later.",
        );
        response.headers.push(("Retry-After".into(), "1".into()));
        return Some(response);
    }
    if once(&faults.failing_once, "500") {
        return Some(Response::status(500, "InternalError", "an error on the server (\"etcdserver: request timed out\") has prevented the request from succeeding"));
    }
    let continue_token = request.query.get("continue").cloned();
    if continue_token.is_some() && once(&faults.gone_once, "410") {
        return Some(Response::status(410, "Expired", "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list."));
    }
    let selector = request.query.get("labelSelector").cloned();
    let matching: Vec<&Value> = state
        .objects
        .iter()
        .filter(|object| {
            let api_version = object["apiVersion"].as_str().unwrap_or_default();
            let object_group = api_version.split_once('/').map_or("", |(g, _)| g);
            object_group == served.group
                && object["kind"].as_str() == Some(served.kind.as_str())
                && namespace.is_none_or(|ns| {
                    object
                        .pointer("/metadata/namespace")
                        .and_then(Value::as_str)
                        == Some(ns)
                })
                && selector
                    .as_deref()
                    .is_none_or(|selector| matches_selector(object, selector))
        })
        .collect();
    let limit: usize = request
        .query
        .get("limit")
        .and_then(|limit| limit.parse().ok())
        .unwrap_or(usize::MAX)
        .min(faults.page_size);
    let offset: usize = continue_token
        .as_deref()
        .and_then(|token| token.strip_prefix("offset-"))
        .and_then(|offset| offset.parse().ok())
        .unwrap_or(0);
    let page: Vec<&Value> = matching.iter().skip(offset).take(limit).copied().collect();
    let next =
        (offset + page.len() < matching.len()).then(|| format!("offset-{}", offset + page.len()));
    let mut metadata = Map::new();
    metadata.insert("resourceVersion".into(), json!("48213"));
    if let Some(next) = next {
        metadata.insert("continue".into(), json!(next));
        metadata.insert(
            "remainingItemCount".into(),
            json!(matching.len() - offset - page.len()),
        );
    }
    let metadata_only = request
        .accept
        .starts_with("application/json;as=PartialObjectMetadataList");
    let items: Vec<Value> = page
        .into_iter()
        .map(|object| stored(object, &served.group))
        .map(|object| {
            if metadata_only {
                json!({"apiVersion": "meta.k8s.io/v1", "kind": "PartialObjectMetadata", "metadata": object["metadata"]})
            } else {
                object
            }
        })
        .collect();
    let list = if metadata_only {
        json!({"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1", "metadata": metadata, "items": items})
    } else {
        json!({"kind": format!("{}List", served.kind), "apiVersion": group_version, "metadata": metadata, "items": items})
    };
    Some(Response::json(&list))
}

/// The object as a real server returns it in a list: with managedFields and (as
/// `kubectl apply` leaves it) the last-applied annotation holding the whole object,
/// Secret values included; built-in types without `apiVersion` and `kind`.
fn stored(object: &Value, group: &str) -> Value {
    let mut object = object.clone();
    let applied = object.to_string();
    let metadata = object["metadata"].as_object_mut().unwrap();
    metadata.insert(
        "managedFields".into(),
        json!([{"manager": "kubectl-client-side-apply", "operation": "Update", "apiVersion": "v1",
            "time": "2024-05-02T09:14:03Z", "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {}}}]),
    );
    metadata
        .entry("annotations")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .unwrap()
        .insert(LAST_APPLIED.into(), Value::String(applied));
    if !group.ends_with("argoproj.io") {
        let map = object.as_object_mut().unwrap();
        map.remove("apiVersion");
        map.remove("kind");
    }
    object
}

fn matches_selector(object: &Value, selector: &str) -> bool {
    selector.split(',').all(|requirement| {
        let (key, value) = requirement.split_once('=').unwrap();
        object
            .pointer("/metadata/labels")
            .and_then(|labels| labels.get(key))
            .and_then(Value::as_str)
            == Some(value)
    })
}

fn aggregated_document(text: &str, faults: &Faults) -> Value {
    let mut document: Value = serde_json::from_str(text).unwrap();
    for group in document["items"].as_array_mut().unwrap() {
        let name = group
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        for version in group["versions"].as_array_mut().unwrap() {
            let group_version = format!("{name}/{}", version["version"].as_str().unwrap());
            if faults.stale.contains(&group_version) {
                version["freshness"] = json!("Stale");
                // A stale version comes without resources.
                version["resources"] = json!([]);
            }
        }
    }
    document
}
