//! The comment bot against a fake GitLab and a fake GitHub on 127.0.0.1: pagination,
//! create, update, 404 after deletion, 401, 403, 429 and 5xx, on both forges.

mod fake_forge;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use fake_forge::{FakeForge, Fault, Flavor};
use preflight_mr_comment::{
    find_comment, upsert_comment, CommentApi, Error, GitHub, GitLab, HttpClient, HttpConfig,
    ThreadOutcome, Token, Upserted,
};

const MARKER: &str = "<!-- argocd-preflight -->";
const TOKEN: &str = "tok-SECRET-0123";
const PROJECT: &str = "platform/fleet";
const PROJECT_IN_URL: &str = "platform%2Ffleet";
const REPOSITORY: &str = "platform/fleet";
const NUMBER: u64 = 17;

/// Waits the client asked for, recorded instead of slept.
type Waits = Arc<Mutex<Vec<Duration>>>;

fn http(waits: &Waits) -> HttpClient {
    let waits = Arc::clone(waits);
    HttpClient::new(HttpConfig {
        timeout: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(2),
        retries: 3,
        backoff_base: Duration::from_millis(1),
        max_backoff: Duration::from_millis(4),
        max_wait: Duration::from_secs(60),
        proxy_from_env: false,
        sleep: Arc::new(move |wait| waits.lock().unwrap().push(wait)),
        ..HttpConfig::default()
    })
    .unwrap()
}

struct Setup {
    forge: FakeForge,
    api: Box<dyn CommentApi>,
    waits: Waits,
}

fn setup(flavor: Flavor) -> Setup {
    setup_with_token(flavor, TOKEN)
}

fn setup_with_token(flavor: Flavor, client_token: &str) -> Setup {
    let waits = Waits::default();
    let (forge, api): (FakeForge, Box<dyn CommentApi>) = match flavor {
        Flavor::GitLab => {
            let forge = FakeForge::gitlab(TOKEN, PROJECT_IN_URL, NUMBER);
            let api = GitLab::new(
                http(&waits),
                Token::new(client_token),
                &forge.api_url(),
                PROJECT,
                NUMBER,
            )
            .unwrap();
            (forge, Box::new(api))
        }
        Flavor::GitHub => {
            let forge = FakeForge::github(TOKEN, REPOSITORY, NUMBER);
            let api = GitHub::new(
                http(&waits),
                Token::new(client_token),
                &forge.api_url(),
                REPOSITORY,
                NUMBER,
            )
            .unwrap();
            (forge, Box::new(api))
        }
    };
    Setup { forge, api, waits }
}

fn gitlab_setup() -> (FakeForge, GitLab) {
    let waits = Waits::default();
    let forge = FakeForge::gitlab(TOKEN, PROJECT_IN_URL, NUMBER);
    let api = GitLab::new(
        http(&waits),
        Token::new(TOKEN),
        &forge.api_url(),
        PROJECT,
        NUMBER,
    )
    .unwrap();
    (forge, api)
}

fn marked(forge: &FakeForge) -> Vec<String> {
    forge
        .notes()
        .into_iter()
        .filter(|note| note.body.starts_with(MARKER))
        .map(|note| note.body)
        .collect()
}

fn body(text: &str) -> String {
    format!("{MARKER}\n## {text}\n")
}

fn both(test: impl Fn(Flavor)) {
    test(Flavor::GitLab);
    test(Flavor::GitHub);
}

#[test]
fn two_runs_leave_one_comment_with_the_latest_body() {
    both(|flavor| {
        let Setup { forge, api, .. } = setup(flavor);
        forge.set_per_page(2);
        forge.seed("alice", "Please have a look");
        forge.seed("other-bot", "<!-- terraform-plan -->\nplan: 1 to add");
        if flavor == Flavor::GitLab {
            forge.seed_system("added 1 commit");
        }

        let first = upsert_comment(api.as_ref(), MARKER, &body("first")).unwrap();
        assert!(
            matches!(first, Upserted::Created(_)),
            "{flavor:?}: {first:?}"
        );
        forge.seed("bob", "LGTM");

        forge.clear_requests();
        let second = upsert_comment(api.as_ref(), MARKER, &body("second")).unwrap();
        assert!(
            matches!(second, Upserted::Updated(_)),
            "{flavor:?}: {second:?}"
        );
        assert_eq!(second.comment().id, first.comment().id);
        assert_eq!(marked(&forge), [body("second")], "{flavor:?}");
        assert_eq!(
            forge.notes().len(),
            if flavor == Flavor::GitLab { 5 } else { 4 }
        );

        let requests = forge.requests();
        assert!(
            requests
                .iter()
                .any(|r| r.starts_with("GET ") && r.contains("page=2")),
            "{flavor:?}: our comment is on page 2: {requests:?}"
        );
        assert!(
            !requests.iter().any(|r| r.starts_with("POST ")),
            "{flavor:?}: no second comment: {requests:?}"
        );

        let third = upsert_comment(api.as_ref(), MARKER, &body("second")).unwrap();
        assert!(
            matches!(third, Upserted::Unchanged(_)),
            "{flavor:?}: {third:?}"
        );
    });
}

#[test]
fn requests_use_each_forges_paths() {
    let Setup { forge, api, .. } = setup(Flavor::GitLab);
    // The token's identity is asked once.
    upsert_comment(api.as_ref(), MARKER, &body("one")).unwrap();
    upsert_comment(api.as_ref(), MARKER, &body("two")).unwrap();
    let id = forge.notes()[0].id;
    assert_eq!(
        forge.requests(),
        [
            "GET /api/v4/user".to_string(),
            format!("GET /api/v4/projects/{PROJECT_IN_URL}/merge_requests/17/notes?sort=asc&order_by=created_at&per_page=100&page=1"),
            format!("POST /api/v4/projects/{PROJECT_IN_URL}/merge_requests/17/notes"),
            format!("GET /api/v4/projects/{PROJECT_IN_URL}/merge_requests/17/notes?sort=asc&order_by=created_at&per_page=100&page=1"),
            format!("PUT /api/v4/projects/{PROJECT_IN_URL}/merge_requests/17/notes/{id}"),
        ]
    );

    let Setup { forge, api, .. } = setup(Flavor::GitHub);
    // The token's identity is asked once.
    upsert_comment(api.as_ref(), MARKER, &body("one")).unwrap();
    upsert_comment(api.as_ref(), MARKER, &body("two")).unwrap();
    let id = forge.notes()[0].id;
    assert_eq!(
        forge.requests(),
        [
            "GET /user".to_string(),
            format!("GET /repos/{REPOSITORY}/issues/17/comments?per_page=100"),
            format!("POST /repos/{REPOSITORY}/issues/17/comments"),
            format!("GET /repos/{REPOSITORY}/issues/17/comments?per_page=100"),
            format!("PATCH /repos/{REPOSITORY}/issues/comments/{id}"),
        ]
    );
}

/// Anyone can type the marker: a marked comment someone else wrote is never updated
/// (issue #14), on both forges, and the bot keeps its own one comment beside it.
#[test]
fn a_marked_comment_by_someone_else_is_never_updated() {
    both(|flavor| {
        let Setup { forge, api, .. } = setup(flavor);
        let planted = forge.seed("mallory", &body("planted: all clear"));
        let first = upsert_comment(api.as_ref(), MARKER, &body("one")).unwrap();
        assert!(
            matches!(first, Upserted::Created(_)),
            "{flavor:?}: {first:?}"
        );
        let second = upsert_comment(api.as_ref(), MARKER, &body("two")).unwrap();
        assert!(
            matches!(second, Upserted::Updated(_)),
            "{flavor:?}: {second:?}"
        );
        assert_eq!(second.comment().id, first.comment().id);
        assert_eq!(
            marked(&forge),
            [body("planted: all clear"), body("two")],
            "{flavor:?}"
        );
        let ours = forge
            .notes()
            .into_iter()
            .find(|n| n.body == body("two"))
            .unwrap();
        assert_eq!(ours.author, forge.login(), "{flavor:?}");
        assert!(
            !forge
                .requests()
                .iter()
                .any(|r| r.ends_with(&format!("/notes/{planted}"))
                    || r.ends_with(&format!("/comments/{planted}"))),
            "{flavor:?}: the planted comment was never sent an update: {:?}",
            forge.requests()
        );
    });
}

/// A personal access token on GitHub asks `GET /user` who it is; the workflow token
/// cannot (403) and writes as `github-actions[bot]`.
#[test]
fn github_identity_comes_from_the_user_or_the_actions_bot() {
    let waits = Waits::default();
    let forge = FakeForge::github_as_user(TOKEN, REPOSITORY, NUMBER, "Platform-Robot");
    // A comment of the workflow token's, from before the switch to a personal token:
    // not this token's.
    forge.seed("github-actions[bot]", &body("old"));
    let api = GitHub::new(
        http(&waits),
        Token::new(TOKEN),
        &forge.api_url(),
        REPOSITORY,
        NUMBER,
    )
    .unwrap();
    assert_eq!(api.author().unwrap(), "Platform-Robot");
    forge.seed("Platform-Robot", &body("ours"));
    let upserted = upsert_comment(&api, MARKER, &body("new")).unwrap();
    assert!(matches!(upserted, Upserted::Updated(_)), "{upserted:?}");
    assert_eq!(marked(&forge), [body("old"), body("new")]);

    let Setup { api, forge, .. } = setup(Flavor::GitHub);
    assert_eq!(api.author().unwrap(), "github-actions[bot]");
    assert_eq!(api.author().unwrap(), "github-actions[bot]");
    assert_eq!(
        forge.requests(),
        ["GET /user"],
        "asked once, and the 403 is not an error"
    );
}

#[test]
fn a_comment_deleted_meanwhile_is_created_again() {
    both(|flavor| {
        let Setup { forge, api, .. } = setup(flavor);
        let old = forge.seed(&forge.login(), &body("old"));
        forge.vanish_after_list(old);
        let upserted = upsert_comment(api.as_ref(), MARKER, &body("new")).unwrap();
        assert!(
            matches!(upserted, Upserted::Recreated { missing, .. } if missing == old),
            "{flavor:?}: {upserted:?}"
        );
        assert_eq!(marked(&forge), [body("new")], "{flavor:?}");
    });
}

#[test]
fn a_deleted_comment_is_simply_created() {
    both(|flavor| {
        let Setup { forge, api, .. } = setup(flavor);
        let first = upsert_comment(api.as_ref(), MARKER, &body("one")).unwrap();
        forge.delete(first.comment().id);
        let second = upsert_comment(api.as_ref(), MARKER, &body("two")).unwrap();
        assert!(matches!(second, Upserted::Created(_)), "{second:?}");
        assert_eq!(marked(&forge), [body("two")], "{flavor:?}");
    });
}

#[test]
fn a_read_only_fork_token_says_why() {
    let Setup { forge, api, .. } = setup(Flavor::GitHub);
    forge.fail_next(Fault::new(
        "POST",
        403,
        r#"{"message":"Resource not accessible by integration","documentation_url":"https://docs.github.com/rest/issues/comments#create-an-issue-comment","status":"403"}"#,
    ));
    let error = upsert_comment(api.as_ref(), MARKER, &body("one")).unwrap_err();
    assert!(matches!(error, Error::Forbidden { .. }), "{error:?}");
    let text = error.to_string();
    assert!(
        text.contains("Resource not accessible by integration"),
        "{text}"
    );
    assert!(text.contains("fork"), "{text}");
    assert!(text.contains("pull-requests: write"), "{text}");
    assert!(marked(&forge).is_empty());
}

#[test]
fn a_gitlab_403_names_the_role() {
    let Setup { forge, api, .. } = setup(Flavor::GitLab);
    forge.fail_next(Fault::new("POST", 403, r#"{"message":"403 Forbidden"}"#));
    let error = upsert_comment(api.as_ref(), MARKER, &body("one")).unwrap_err();
    let text = error.to_string();
    assert!(text.contains("Reporter"), "{text}");
    assert!(text.contains("`api` scope"), "{text}");
}

/// GitLab lets a Reporter write notes and open threads but not resolve them: the 403
/// says the Developer role is needed (issue #14).
#[test]
fn resolving_with_a_reporter_token_names_the_developer_role() {
    let (forge, api) = gitlab_setup();
    let marker = "<!-- argocd-preflight critical -->";
    let opened = api
        .sync_thread(marker, Some(&format!("{marker}\n3 stuck")))
        .unwrap();
    assert!(matches!(opened, ThreadOutcome::Opened { .. }), "{opened:?}");
    forge.as_reporter();
    let error = api.sync_thread(marker, None).unwrap_err();
    assert!(matches!(error, Error::Forbidden { .. }), "{error:?}");
    let text = error.to_string();
    assert!(text.contains("needs at least the Developer role"), "{text}");
    assert!(!forge.threads()[0].resolved);
}

#[test]
fn a_wrong_token_is_a_clear_401_that_never_shows_it() {
    both(|flavor| {
        let wrong = "wrong-SECRET-token";
        let Setup { forge, api, .. } = setup_with_token(flavor, wrong);
        let error = upsert_comment(api.as_ref(), MARKER, &body("one")).unwrap_err();
        assert!(matches!(error, Error::Unauthorized { .. }), "{error:?}");
        let shown = format!("{error} {error:?}");
        assert!(shown.contains("401"), "{shown}");
        assert!(!shown.contains("SECRET"), "{shown}");
        assert!(forge.notes().is_empty());
    });
}

#[test]
fn rate_limits_are_waited_out_as_asked() {
    both(|flavor| {
        let Setup { forge, api, waits } = setup(flavor);
        forge.fail_next(
            Fault::new("GET", 429, r#"{"message":"Too Many Requests"}"#).header("retry-after", "3"),
        );
        forge.fail_next(Fault::new(
            "POST",
            429,
            r#"{"message":"Too Many Requests"}"#,
        ));
        let upserted = upsert_comment(api.as_ref(), MARKER, &body("one")).unwrap();
        assert!(matches!(upserted, Upserted::Created(_)), "{upserted:?}");
        assert_eq!(
            *waits.lock().unwrap(),
            [Duration::from_secs(3), Duration::from_millis(1)],
            "{flavor:?}: Retry-After, then the backoff"
        );
        assert_eq!(marked(&forge), [body("one")]);
    });
}

#[test]
fn github_secondary_rate_limit_403_is_retried() {
    let Setup { forge, api, waits } = setup(Flavor::GitHub);
    forge.fail_next(
        Fault::new(
            "GET",
            403,
            r#"{"message":"You have exceeded a secondary rate limit."}"#,
        )
        .header("retry-after", "2"),
    );
    upsert_comment(api.as_ref(), MARKER, &body("one")).unwrap();
    assert_eq!(*waits.lock().unwrap(), [Duration::from_secs(2)]);
}

#[test]
fn a_wait_longer_than_allowed_fails_at_once() {
    let Setup { forge, api, waits } = setup(Flavor::GitHub);
    forge.fail_next(Fault::new("GET", 429, "{}").header("retry-after", "3600"));
    let error = upsert_comment(api.as_ref(), MARKER, &body("one")).unwrap_err();
    assert!(matches!(error, Error::RateLimited { .. }), "{error:?}");
    assert!(error.to_string().contains("3600 s"), "{error}");
    assert!(waits.lock().unwrap().is_empty());
}

#[test]
fn server_errors_are_retried_with_backoff_for_reads_and_updates() {
    both(|flavor| {
        let Setup { forge, api, waits } = setup(flavor);
        upsert_comment(api.as_ref(), MARKER, &body("one")).unwrap();
        forge.fail_next(Fault::new("GET", 502, "<html>Bad Gateway</html>"));
        forge.fail_next(Fault::new("GET", 503, "{}"));
        let update = if flavor == Flavor::GitLab {
            "PUT"
        } else {
            "PATCH"
        };
        forge.fail_next(Fault::new(update, 500, "{}"));
        upsert_comment(api.as_ref(), MARKER, &body("two")).unwrap();
        assert_eq!(
            *waits.lock().unwrap(),
            [
                Duration::from_millis(1),
                Duration::from_millis(2),
                Duration::from_millis(1)
            ],
            "{flavor:?}"
        );
        assert_eq!(marked(&forge), [body("two")]);
    });
}

#[test]
fn retries_run_out() {
    let Setup { forge, api, waits } = setup(Flavor::GitLab);
    for _ in 0..4 {
        forge.fail_next(Fault::new(
            "GET",
            503,
            r#"{"message":"503 Service Unavailable"}"#,
        ));
    }
    let error = find_comment(api.as_ref(), MARKER, "preflight-bot").unwrap_err();
    assert!(
        matches!(
            error,
            Error::Status {
                status: 503,
                attempts: 4,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("after 4 attempts"), "{error}");
    assert_eq!(waits.lock().unwrap().len(), 3);
}

#[test]
fn a_create_stored_despite_a_502_is_not_posted_twice() {
    both(|flavor| {
        let Setup { forge, api, .. } = setup(flavor);
        forge.fail_next(Fault::new("POST", 502, "bad gateway").after_applying());
        let upserted = upsert_comment(api.as_ref(), MARKER, &body("one")).unwrap();
        assert_eq!(upserted.comment().body, body("one"));
        assert_eq!(marked(&forge), [body("one")], "{flavor:?}");
        let posts = forge
            .requests()
            .iter()
            .filter(|r| r.starts_with("POST "))
            .count();
        assert_eq!(posts, 1, "{flavor:?}");
    });
}

#[test]
fn a_next_page_elsewhere_is_not_followed() {
    let Setup { forge, api, .. } = setup(Flavor::GitHub);
    forge.fail_next(
        Fault::new("GET", 200, "[]")
            .header("link", "<http://198.51.100.7/steal?page=2>; rel=\"next\""),
    );
    let error = find_comment(api.as_ref(), MARKER, "preflight-bot").unwrap_err();
    assert!(matches!(error, Error::ForeignPage { .. }), "{error:?}");
    assert_eq!(forge.requests().len(), 1);
}

#[test]
fn a_closed_port_is_a_transport_error() {
    let waits = Waits::default();
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let api = GitHub::new(
        http(&waits),
        Token::new(TOKEN),
        &format!("http://127.0.0.1:{port}"),
        REPOSITORY,
        NUMBER,
    )
    .unwrap();
    let error = find_comment(&api, MARKER, "preflight-bot").unwrap_err();
    assert!(
        matches!(error, Error::Transport { attempts: 4, .. }),
        "{error:?}"
    );
    assert!(
        error.to_string().starts_with("cannot reach GitHub"),
        "{error}"
    );
}

#[test]
fn a_thread_someone_else_opened_with_the_marker_is_left_alone() {
    let (forge, api) = gitlab_setup();
    let marker = "<!-- argocd-preflight critical -->";
    let planted = forge.seed_thread("mallory", &format!("{marker}\nnothing to see"));
    let opened = api
        .sync_thread(marker, Some(&format!("{marker}\n3 stuck")))
        .unwrap();
    assert!(matches!(opened, ThreadOutcome::Opened { .. }), "{opened:?}");
    let resolved = api.sync_thread(marker, None).unwrap();
    let ThreadOutcome::Resolved { discussions } = resolved else {
        panic!("{resolved:?}");
    };
    assert!(!discussions.contains(&planted), "{discussions:?}");
    let threads = forge.threads();
    assert_eq!(threads.len(), 2);
    assert_eq!(threads[0].note.body, format!("{marker}\nnothing to see"));
    assert!(
        !threads[0].resolved,
        "mallory's thread is not the bot's to resolve"
    );
    assert!(threads[1].resolved);
}

#[test]
fn critical_threads_open_once_update_and_resolve() {
    let (forge, api) = gitlab_setup();
    forge.set_per_page(2);
    forge.seed("alice", "hello");
    forge.seed("bob", "hi");
    let thread_marker = "<!-- argocd-preflight critical -->";
    let critical = |text: &str| format!("{thread_marker}\n{text}");

    let opened = api
        .sync_thread(thread_marker, Some(&critical("3 stuck")))
        .unwrap();
    let ThreadOutcome::Opened { discussion } = opened else {
        panic!("{opened:?}");
    };
    assert_eq!(
        api.sync_thread(thread_marker, Some(&critical("3 stuck")))
            .unwrap(),
        ThreadOutcome::Unchanged {
            discussion: discussion.clone()
        }
    );
    assert_eq!(
        api.sync_thread(thread_marker, Some(&critical("9 stuck")))
            .unwrap(),
        ThreadOutcome::Updated {
            discussion: discussion.clone()
        }
    );
    assert_eq!(forge.threads().len(), 1);
    assert_eq!(forge.threads()[0].note.body, critical("9 stuck"));

    // A reviewer resolves it: the same findings leave it resolved.
    forge.resolve_thread(&discussion);
    assert_eq!(
        api.sync_thread(thread_marker, Some(&critical("9 stuck")))
            .unwrap(),
        ThreadOutcome::AlreadyResolved {
            discussion: discussion.clone()
        }
    );
    // New critical findings open a new thread.
    let reopened = api
        .sync_thread(thread_marker, Some(&critical("12 stuck")))
        .unwrap();
    assert!(
        matches!(reopened, ThreadOutcome::Opened { .. }),
        "{reopened:?}"
    );
    assert_eq!(forge.threads().len(), 2);

    // Nothing critical any more: the open thread is resolved.
    let cleared = api.sync_thread(thread_marker, None).unwrap();
    assert!(
        matches!(cleared, ThreadOutcome::Resolved { ref discussions } if discussions.len() == 1),
        "{cleared:?}"
    );
    assert!(forge.threads().iter().all(|thread| thread.resolved));
    assert_eq!(
        api.sync_thread(thread_marker, None).unwrap(),
        ThreadOutcome::Nothing
    );
}
