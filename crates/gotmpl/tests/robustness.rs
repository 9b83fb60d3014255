//! Hostile input must come back as an error value, never as a panic, a stack
//! overflow or unbounded work. A deterministic pseudo-random template generator serves
//! as a cheap fuzz smoke test.

use preflight_gotmpl::{render, Env, ErrorKind, Limits, Options, Template};
use serde_json::json;

/// A small deterministic generator (xorshift), so the test needs no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

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
    "len",
    "index",
    "slice",
    "printf",
    "\"%v %d\"",
    "upper",
    "default",
    "toJson",
    "toYaml",
    "list",
    "dict",
    "until",
    "repeat",
    "indent",
    "regexReplaceAll",
    "\"x*\"",
    "fromJson",
    "fromYaml",
    "split",
    "merge",
    "set",
    "dig",
    "/*",
    "*/",
    ",",
    "#",
    "{",
    "}",
    "é",
    "\u{0}",
];

fn params() -> serde_json::Value {
    json!({"name": "guestbook", "list": ["a", 1, null, {"k": "v"}], "map": {"a": 1.5}, "n": 1e6})
}

#[test]
fn random_templates_never_panic() {
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let params = params();
    let mut outcomes = [0usize; 2];
    for _ in 0..4000 {
        let length = 1 + rng.next() % 24;
        let mut text = String::new();
        for _ in 0..length {
            text.push_str(rng.pick(PIECES));
        }
        // Also a well-formed frame around random content, to reach the executor.
        let framed = format!("{{{{ {} }}}}", text.replace("{{", "").replace("}}", ""));
        for template in [&text, &framed] {
            let result = render(template, &params, &[]);
            outcomes[usize::from(result.is_ok())] += 1;
        }
    }
    assert!(outcomes[0] > 0 && outcomes[1] > 0, "{outcomes:?}");
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let parens = format!("{{{{ {}1{} }}}}", "(".repeat(50_000), ")".repeat(50_000));
    let error = render(&parens, &json!({"a": 1}), &[]).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Parse);
    let ifs = format!(
        "{}x{}",
        "{{ if 1 }}".repeat(20_000),
        "{{ end }}".repeat(20_000)
    );
    let error = render(&ifs, &json!({"a": 1}), &[]).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Parse);
}

#[test]
fn runaway_execution_hits_limits() {
    let params = json!({"a": 1});
    let recursive = r#"{{ define "r" }}{{ template "r" . }}{{ end }}{{ template "r" . }}"#;
    let error = render(recursive, &params, &[]).unwrap_err();
    assert!(
        error.message().contains("exceeded maximum template depth"),
        "{error}"
    );

    let few_steps = Options {
        limits: Limits {
            max_steps: 100_000,
            ..Limits::default()
        },
        ..Options::default()
    };
    let loops = "{{ range until 100000 }}{{ range until 100000 }}{{ end }}{{ end }}";
    let template = Template::parse("", loops, &few_steps).expect("parses");
    let error = template.execute(&params, &Env::default()).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Limit);

    let options = Options {
        limits: Limits {
            max_output_bytes: 1000,
            ..Limits::default()
        },
        ..Options::default()
    };
    let template =
        Template::parse("", "{{ range until 1000 }}xxxxxxxxxx{{ end }}", &options).expect("parses");
    let error = template.execute(&params, &Env::default()).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Limit);

    let huge = r#"{{ repeat 1000000000 "abc" }}"#;
    assert!(render(huge, &params, &[]).is_err());
    let doubling =
        r#"{{ $s := "0123456789" }}{{ range until 40 }}{{ $s = printf "%s%s" $s $s }}{{ end }}"#;
    assert!(render(doubling, &params, &[]).is_err());
}
