//! The public API: options, parameters, errors, environment.

use preflight_gotmpl::{
    function_names, render, Env, ErrorKind, GoType, MissingKey, Options, Params, PathStep,
    Template, TypeHint,
};
use serde_json::json;

#[track_caller]
fn check(template: &str, params: serde_json::Value, expected: &str) {
    assert_eq!(render(template, &params, &[]).expect("renders"), expected);
}

#[test]
fn renders_like_argo_cd() {
    check("{{ .name | upper }}", json!({"name": "a"}), "A");
    check("{{ .n }}", json!({"n": 1000000}), "1e+06");
    check("{{ .missing }}", json!({"a": 1}), "<no value>");
    check(
        "{{ .cluster.name | normalize }}",
        json!({"cluster": {"name": "In_Cluster"}}),
        "in-cluster",
    );
    check(
        "{{ slugify 10 true \"Hello World Again\" }}",
        json!({"a": 1}),
        "hello",
    );
}

#[test]
fn errors_carry_go_messages_and_argo_cd_wrapping() {
    let error = render("{{ foo }}", &json!({"a": 1}), &[]).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Parse);
    assert_eq!(
        error.message(),
        "failed to parse template {{ foo }}: template: :1: function \"foo\" not defined"
    );
    let options = Options::default();
    let template = Template::parse("t", "{{ .a.b }}", &options).expect("parses");
    let error = template
        .execute(&json!({"a": "x"}), &Env::default())
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "template: t:1:5: executing \"t\" at <.a.b>: can't evaluate field b in type interface {}"
    );
}

#[test]
fn go_template_options() {
    let options = Options::from_go_options(&["missingkey=error"]).expect("valid");
    assert_eq!(options.missing_key, MissingKey::Error);
    let error = Options::from_go_options(&["missingkey=maybe"]).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Option);
    assert_eq!(error.message(), "unrecognized option: missingkey=maybe");
}

#[test]
fn params_are_shared_like_go_maps() {
    let params = Params::from_json(&json!({"a": 1}));
    let options = Options::default();
    let set = Template::parse("", "{{ $_ := set . \"b\" 2 }}", &options).expect("parses");
    let get = Template::parse("", "{{ .b }}", &options).expect("parses");
    let env = Env::default();
    assert_eq!(
        get.execute_params(&params, &env).expect("runs"),
        "<no value>"
    );
    set.execute_params(&params, &env).expect("runs");
    assert_eq!(get.execute_params(&params, &env).expect("runs"), "2");
}

#[test]
fn randomness_comes_from_the_environment() {
    let options = Options::default();
    let template = Template::parse("", "{{ randAlphaNum 12 }}", &options).expect("parses");
    let params = json!({"a": 1});
    let first = Env {
        seed: 7,
        ..Env::default()
    };
    let a = template.execute(&params, &first).expect("runs");
    let b = template.execute(&params, &first).expect("runs");
    assert_eq!(a, b);
    let other = Env {
        seed: 8,
        ..Env::default()
    };
    assert_ne!(a, template.execute(&params, &other).expect("runs"));
}

#[test]
fn templates_can_be_shared_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Template>();
    let names = function_names();
    for name in [
        "toYaml",
        "fromYaml",
        "normalize",
        "slugify",
        "printf",
        "and",
    ] {
        assert!(names.contains(&name), "{name}");
    }
    for removed in ["env", "expandenv", "getHostByName"] {
        assert!(!names.contains(&removed), "{removed}");
    }
}

#[test]
fn typed_params_behave_like_the_controllers_go_types() {
    let json = json!({"metadata": {"labels": {"env": "prod"}}, "path": {"segments": ["a", "b"]}, "mixed": {"n": 1}});
    let entries = json.as_object().unwrap();
    let step = |key: &str| PathStep::Key(key.to_string());
    let hints = [
        TypeHint {
            path: vec![step("metadata"), step("labels")],
            go_type: GoType::StringMap,
        },
        TypeHint {
            path: vec![step("path"), step("segments")],
            go_type: GoType::StringSlice,
        },
        // Not an object of strings: the hint does not apply.
        TypeHint {
            path: vec![step("mixed")],
            go_type: GoType::StringMap,
        },
    ];
    let params = Params::from_entries_typed(entries.iter().map(|(k, v)| (k.as_str(), v)), &hints);
    let render = |text: &str| {
        Template::parse("", text, &Options::default())
            .unwrap()
            .execute_params(&params, &Env::default())
            .unwrap()
    };
    // A missing key of a `map[string]string` indexes as "", of a `map[string]any` as nil.
    assert_eq!(
        render(r#"{{ index .metadata.labels "x" }}|{{ index .mixed "x" }}"#),
        "|<no value>"
    );
    assert_eq!(
        render("{{ typeOf .metadata.labels }} {{ typeOf .path.segments }} {{ typeOf .mixed }}"),
        "map[string]string []string map[string]interface {}"
    );
    assert_eq!(render("{{ .path.segments }}"), "[a b]");
}

#[test]
fn clock_comes_from_the_env() {
    let options = Options::default();
    let template = Template::parse(
        "",
        "{{ now | date \"2006-01-02T15:04:05Z07:00\" }} {{ now | unixEpoch }} {{ ago 1714521600 }}",
        &options,
    )
    .unwrap();
    let env = Env {
        now: Some(preflight_gotmpl::Timestamp {
            unix_seconds: 1_714_525_261,
            nanos: 0,
        }),
        seed: 0,
    };
    assert_eq!(
        template.execute(&serde_json::json!({}), &env).unwrap(),
        "2024-05-01T01:01:01Z 1714525261 1h1m1s"
    );
    let error = template
        .execute(&serde_json::json!({}), &Env::default())
        .unwrap_err();
    assert!(
        error.message().contains("clock is not available"),
        "{error}"
    );
}

/// A `[]string` hint on a JSON `null` is Go's nil slice, which Argo CD's GitHub and Gitea
/// pull request services hand over for a pull request without labels (argo-cd
/// applicationset/services/pull_request/github.go `getGithubPRLabelNames`, gitea.go
/// `getGiteaPRLabelNames`: appending to a nil slice that stays nil). It prints and ranges
/// as an empty slice, and JSON/YAML write it as `null`.
#[test]
fn a_string_slice_hint_on_null_is_a_nil_slice() {
    let entries = [("labels".to_string(), json!(null))];
    let hints = [TypeHint {
        path: vec![PathStep::Key("labels".into())],
        go_type: GoType::StringSlice,
    }];
    let params = Params::from_entries_typed(entries.iter().map(|(k, v)| (k.as_str(), v)), &hints);
    let render = |text: &str| {
        Template::parse("", text, &Options::default())
            .unwrap()
            .execute_params(&params, &Env::default())
            .unwrap()
    };
    assert_eq!(
        render("{{ .labels }}|{{ len .labels }}|{{ typeOf .labels }}|{{ join \",\" .labels }}|{{ range .labels }}x{{ else }}none{{ end }}"),
        "[]|0|[]string||none"
    );
    assert_eq!(
        render("{{ toJson .labels }}|{{ toYaml .labels }}"),
        "null|null"
    );
    assert_eq!(render("{{ toJson . }}"), r#"{"labels":null}"#);
}
