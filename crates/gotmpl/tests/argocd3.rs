//! Behaviour that changed between the Go and Sprig versions the first golden corpus was
//! recorded with (Go 1.19, Sprig 3.2.3) and the ones Argo CD 3.x builds with (Go 1.26,
//! Sprig 3.3.0 with xstrings 1.5.0; argo-cd `go.mod` and `.github/workflows/release.yaml`).
//! Each case names the upstream source it follows.

use preflight_gotmpl::render;
use serde_json::json;

#[track_caller]
fn check(template: &str, expected: &str) {
    let params = json!({"name": "k8s", "replicas": 3, "list": ["a", "b"]});
    assert_eq!(render(template, &params, &[]).expect("renders"), expected);
}

#[track_caller]
fn check_error(template: &str, expected_suffix: &str) {
    let params = json!({"name": "k8s", "n": 42, "list": ["a", "b"]});
    let error = render(template, &params, &[])
        .expect_err("fails")
        .to_string();
    assert!(
        error.ends_with(expected_suffix),
        "{template}: got {error:?}, expected it to end with {expected_suffix:?}"
    );
}

/// huandu/xstrings `convert.go` (`camelCaseToLowerCase`, `nextWord`): digits followed
/// by lower-case letters start a word, digits followed by a capital end one.
#[test]
fn snakecase_and_kebabcase_split_digits_as_xstrings_does() {
    check("{{ snakecase .name }}", "k_8s");
    check("{{ snakecase \"K8sCluster\" }}", "k_8s_cluster");
    check("{{ snakecase \"http2xx\" }}", "http_2xx");
    check("{{ snakecase \"HTTP20xOK\" }}", "http_20x_ok");
    check("{{ snakecase \"Bld4Floor3rd\" }}", "bld4_floor_3rd");
    check("{{ snakecase \"ABC_123_DEF\" }}", "abc_123_def");
    check("{{ kebabcase \"LogShipper2Loki\" }}", "log-shipper2-loki");
    check("{{ kebabcase \"HTTPServer\" }}", "http-server");
}

/// Sprig 3.3.0 `camelcase` = xstrings `ToPascalCase`, which keeps letters inside words
/// as written (xstrings commit 1707565, "ToCamelCase preserves cases").
#[test]
fn camelcase_keeps_the_case_of_inner_letters() {
    check("{{ camelcase \"GOLANG_IS_GREAT\" }}", "GOLANGISGREAT");
    check("{{ camelcase \"some_words\" }}", "SomeWords");
    check("{{ camelcase \"http_SERVER\" }}", "HttpSERVER");
}

/// Go 1.22 text/template `exec.go` (`walkRange`): an integer n ranges over 0..n-1 with
/// one variable; two variables are an error. JSON numbers are float64 and do not range.
#[test]
fn range_over_an_integer() {
    check("{{ range 3 }}{{ . }}{{ end }}", "012");
    check("{{ range $i := 2 }}{{ $i }}{{ end }}", "01");
    check("{{ range 0 }}x{{ else }}none{{ end }}", "none");
    check("{{ range int .replicas }}{{ . }}{{ end }}", "012");
    check_error(
        "{{ range $i, $v := 3 }}{{ end }}",
        "can't use 3 to iterate over more than one variable",
    );
    check_error("{{ range .n }}{{ end }}", "range can't iterate over 42");
}

/// Go 1.25 text/template `funcs.go` (`eq`, `lt`) names both types.
#[test]
fn comparison_errors_name_both_types() {
    check_error(
        "{{ eq .n 42 }}",
        "error calling eq: incompatible types for comparison: float64 and int",
    );
    check_error(
        "{{ lt 1 .name }}",
        "error calling lt: incompatible types for comparison: int and string",
    );
}

/// Go text/template `funcs.go` (`call`) names the callee; `parse/lex.go` rejects an
/// unmatched `)` itself.
#[test]
fn call_and_paren_messages() {
    check_error(
        "{{ call .name }}",
        "error calling call: non-function .name of type string",
    );
    check_error(
        "{{ call (atoi \"3\") }}",
        "error calling call: non-function atoi \"3\" of type int",
    );
    check_error("{{ .name) }}", "template: :1: unexpected right paren");
}

/// Go's `time.FixedZone` shares one location per whole-hour offset (time/zoneinfo.go),
/// so `eq` finds two parses of the same instant and offset equal.
#[test]
fn parsed_times_with_the_same_hour_offset_are_equal() {
    check(
        "{{ eq (toDate \"2006-01-02T15:04:05Z07:00\" \"2024-05-01T10:00:00+02:00\") (toDate \"2006-01-02T15:04:05Z07:00\" \"2024-05-01T10:00:00+02:00\") }}",
        "true",
    );
    check(
        "{{ eq (toDate \"2006-01-02T15:04:05Z07:00\" \"2024-05-01T10:00:00+05:30\") (toDate \"2006-01-02T15:04:05Z07:00\" \"2024-05-01T10:00:00+05:30\") }}",
        "false",
    );
}

/// Argo CD's `fromYaml`/`fromYamlArray` (argo-cd `applicationset/utils/template_functions.go`)
/// call `sigs.k8s.io/yaml.Unmarshal`, which prefixes its errors (kubernetes-sigs/yaml
/// `yaml.go`, `unmarshal` and `jsonUnmarshal`).
#[test]
fn from_yaml_errors_carry_the_sigs_yaml_prefixes() {
    check_error(
        "{{ fromYaml \"- a\" }}",
        "error calling fromYaml: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type map[string]interface {}",
    );
    check_error(
        "{{ fromYamlArray \"a: 1\" }}",
        "error calling fromYamlArray: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal object into Go value of type []interface {}",
    );
    let params = json!({"a": 1});
    let error = render("{{ fromYaml \"a: [\" }}", &params, &[])
        .expect_err("fails")
        .to_string();
    assert!(
        error.contains("error calling fromYaml: error converting YAML to JSON: yaml: "),
        "{error}"
    );
}
