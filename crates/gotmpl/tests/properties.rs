//! Property tests of the template engine: no template or parameters make it panic or
//! hang, and rendering is deterministic. Bounded for CI; set `PROPTEST_CASES` for a
//! longer run (CONTRIBUTING.md). `robustness.rs` holds the hand-picked hostile cases.

use std::sync::mpsc;
use std::time::Duration;

use preflight_gotmpl::{render, Env, Options, Template};
use proptest::prelude::*;
use serde_json::{json, Value};

fn config(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(default);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Runs `work` on its own thread and fails when it takes longer than `limit`.
fn within<T: Send + 'static>(limit: Duration, work: impl FnOnce() -> T + Send + 'static) -> T {
    let (send, receive) = mpsc::channel();
    let handle = std::thread::spawn(move || {
        let result = work();
        let _ = send.send(());
        result
    });
    match receive.recv_timeout(limit) {
        Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => match handle.join() {
            Ok(result) => result,
            Err(panic) => std::panic::resume_unwind(panic),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("did not finish within {limit:?}"),
    }
}

const LIMIT: Duration = Duration::from_secs(20);

/// Template tokens: actions, control structures, literals and the functions whose
/// inputs are most varied (regexes, YAML, numbers, nesting).
const PIECES: &[&str] = &[
    "{{",
    "}}",
    "{{-",
    "-}}",
    " ",
    "\n",
    ".",
    ".name",
    ".list",
    ".map.a",
    ".n",
    "$",
    "$x",
    ":=",
    "=",
    "|",
    "(",
    ")",
    "\"s\"",
    "`r`",
    "'c'",
    "1",
    "-2",
    "1.5",
    "0x1f",
    "1e3",
    "if",
    "else",
    "end",
    "range",
    "with",
    "define",
    "template",
    "block",
    "break",
    "continue",
    "nil",
    "true",
    "and",
    "or",
    "not",
    "eq",
    "lt",
    "len",
    "index",
    "slice",
    "printf",
    "\"%v %d %q %x %08.3f\"",
    "upper",
    "default",
    "toJson",
    "toYaml",
    "fromYaml",
    "fromJson",
    "list",
    "dict",
    "until",
    "repeat",
    "indent",
    "nindent",
    "trunc",
    "substr",
    "regexReplaceAll",
    "regexFind",
    "\"(a|b)*\"",
    "\"[\"",
    "\"\\\\Q.\\\\E\"",
    "split",
    "splitList",
    "join",
    "merge",
    "set",
    "dig",
    "keys",
    "sortAlpha",
    "b64dec",
    "b64enc",
    "sha256sum",
    "semverCompare",
    "\"^1.2\"",
    "add",
    "div",
    "mod",
    "mul",
    "int",
    "float64",
    "toString",
    "quote",
    "replace",
    "trimSuffix",
    "normalize",
    "slugify",
    "ternary",
    "empty",
    "coalesce",
    "/*",
    "*/",
    ",",
    "#",
    "{",
    "}",
    "é",
    "\u{0}",
    "\u{202e}",
];

fn template() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(prop::sample::select(PIECES), 1..30)
            .prop_map(|pieces| pieces.concat()),
        // A well-formed action around random content reaches the executor more often.
        prop::collection::vec(prop::sample::select(PIECES), 1..12).prop_map(|pieces| {
            format!(
                "{{{{ {} }}}}",
                pieces.concat().replace("{{", "").replace("}}", "")
            )
        }),
        ".{0,80}",
    ]
}

fn params() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(Value::from),
        (-4000i32..4000).prop_map(|n| Value::from(f64::from(n) / 4.0)),
        ".{0,10}".prop_map(Value::String),
    ];
    let value = leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z]{1,4}", inner, 0..4)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    });
    (value.clone(), value, ".{0,12}")
        .prop_map(|(list, map, name)| json!({"name": name, "list": list, "map": map, "n": 1e6}))
}

proptest! {
    #![proptest_config(config(1024))]

    #[test]
    fn rendering_never_panics_and_is_deterministic(text in template(), params in params(), strict in any::<bool>()) {
        let (first, second) = within(LIMIT, move || {
            let options: Vec<String> = if strict { vec!["missingkey=error".into()] } else { Vec::new() };
            let once = render(&text, &params, &options).map_err(|error| error.to_string());
            let twice = Template::parse("t", &text, &Options::from_go_options(&options).unwrap())
                .and_then(|template| template.execute(&params, &Env::default()))
                .map_err(|error| error.to_string());
            (once, twice)
        });
        // `render` wraps errors as Argo CD does; only the outcome and output must agree.
        prop_assert_eq!(first.is_ok(), second.is_ok());
        if let (Ok(first), Ok(second)) = (first, second) {
            prop_assert_eq!(first, second);
        }
    }
}
