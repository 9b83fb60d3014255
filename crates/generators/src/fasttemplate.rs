//! Argo CD's legacy template mode (`goTemplate: false`, rulebook 2.3): `{{ key }}` tags
//! replaced by string parameters through `valyala/fasttemplate`, over every string value
//! and every map key of a JSON document.

use std::borrow::Cow;

use serde_json::Value;

use crate::params::ParamSet;
#[cfg(test)]
use crate::render::{walk, RenderFailure};

const START_TAG: &str = "{{";
const END_TAG: &str = "}}";

/// Renders one string (`Render.Replace` with `useGoTemplate=false`).
///
/// * Only a string with some single line holding `{{` and a later `}}` is processed
///   (Argo CD checks `.*{{.*}}.*`, whose `.` does not match a newline); any other string
///   is returned unchanged, unclosed `{{` included.
/// * Each `{{ tag }}` is trimmed and looked up verbatim as a key; a missing key, an empty
///   tag or a non-string value writes the tag back exactly as it was.
/// * Substitution is a single pass: replaced text is never expanded again.
/// * A `{{` with no later `}}` anywhere after it is an error (fasttemplate's parser).
pub(crate) fn render_str<'a>(template: &'a str, params: &ParamSet) -> Result<Cow<'a, str>, String> {
    if !is_templated(template) {
        return Ok(Cow::Borrowed(template));
    }
    let mut rendered = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find(START_TAG) {
        rendered.push_str(&rest[..start]);
        let after_start = &rest[start + START_TAG.len()..];
        let Some(end) = after_start.find(END_TAG) else {
            return Err(format!(
                "cannot find end tag `{END_TAG}` in `{}` starting from `{}`",
                template.escape_debug(),
                after_start.escape_debug()
            ));
        };
        let tag = &after_start[..end];
        let key = tag.trim();
        match params.get(key) {
            Some(Value::String(replacement)) if !key.is_empty() => rendered.push_str(replacement),
            _ => {
                rendered.push_str(START_TAG);
                rendered.push_str(tag);
                rendered.push_str(END_TAG);
            }
        }
        rest = &after_start[end + END_TAG.len()..];
    }
    rendered.push_str(rest);
    Ok(Cow::Owned(rendered))
}

/// Whether some line holds `{{` followed later on the same line by `}}`.
fn is_templated(text: &str) -> bool {
    text.split('\n').any(|line| {
        line.find(START_TAG)
            .is_some_and(|start| line[start + START_TAG.len()..].contains(END_TAG))
    })
}

/// Renders every string value and every map key of `value` (`deeplyReplace`); generation
/// goes through [`crate::render::Bound`], which does the same.
#[cfg(test)]
pub(crate) fn render_value(value: &Value, params: &ParamSet) -> Result<Value, RenderFailure> {
    walk(value, &|text| render_str(text, params))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Segment;
    use serde_json::json;

    fn params(pairs: &[(&str, Value)]) -> ParamSet {
        pairs
            .iter()
            .map(|(key, value)| (key.to_string(), value.clone()))
            .collect()
    }

    fn standard_params() -> ParamSet {
        params(&[
            ("cluster", json!("prod")),
            ("url", json!("https://1.2.3.4")),
            ("metadata.labels.env", json!("staging")),
            ("path[0]", json!("apps")),
            ("Cluster", json!("upper")),
            ("nested", json!("{{cluster}}")),
            ("number", json!(42)),
            ("list", json!(["a"])),
            ("map", json!({"a": "b"})),
            ("empty", json!("")),
        ])
    }

    #[track_caller]
    fn check(template: &str, expected: &str) {
        assert_eq!(
            render_str(template, &standard_params()).as_deref(),
            Ok(expected),
            "rendering {template:?}"
        );
    }

    #[track_caller]
    fn check_error(template: &str, expected: &str) {
        assert_eq!(
            render_str(template, &standard_params()),
            Err(expected.to_string()),
            "rendering {template:?}"
        );
    }

    #[test]
    fn tags_are_trimmed_and_looked_up_verbatim() {
        check("{{cluster}}", "prod");
        check("{{ cluster }}", "prod");
        check("{{\tcluster\t}}", "prod");
        check("app-{{cluster}}-{{ url }}", "app-prod-https://1.2.3.4");
        check("{{metadata.labels.env}}", "staging");
        check("{{path[0]}}", "apps");
        check("{{empty}}x", "x");
    }

    #[test]
    fn lookup_is_case_sensitive() {
        check("{{Cluster}}/{{cluster}}", "upper/prod");
        check("{{CLUSTER}}", "{{CLUSTER}}");
    }

    #[test]
    fn unknown_keys_stay_with_their_whitespace() {
        check("{{ missing }}", "{{ missing }}");
        check("a-{{missing  }}-{{cluster}}", "a-{{missing  }}-prod");
        check("{{}}", "{{}}");
        check("{{   }}", "{{   }}");
    }

    #[test]
    fn non_string_values_are_not_substituted() {
        check("{{number}}", "{{number}}");
        check("{{ list }}", "{{ list }}");
        check("{{map}}", "{{map}}");
    }

    #[test]
    fn substitution_is_single_pass() {
        check("{{nested}}", "{{cluster}}");
    }

    #[test]
    fn strings_without_a_tag_on_one_line_are_untouched() {
        check("plain", "plain");
        check("{{cluster", "{{cluster");
        check("cluster}}", "cluster}}");
        check("{{cluster\n}}", "{{cluster\n}}");
        check("}} {{cluster", "}} {{cluster");
    }

    #[test]
    fn tags_may_span_lines_once_one_line_qualifies() {
        check("{{cluster}}\n{{ url\n}}", "prod\nhttps://1.2.3.4");
    }

    #[test]
    fn an_unclosed_tag_after_the_line_check_is_an_error() {
        check_error(
            "{{cluster}} {{url",
            "cannot find end tag `}}` in `{{cluster}} {{url` starting from `url`",
        );
        check_error(
            "{{ cluster }}\n{{ x",
            r"cannot find end tag `}}` in `{{ cluster }}\n{{ x` starting from ` x`",
        );
    }

    #[test]
    fn walk_renders_values_and_keys_and_drops_null_entries() {
        let template = json!({
            "metadata": {"labels": {"{{cluster}}": "{{url}}", "keep": null}},
            "spec": {"source": {"helm": {"valuesObject": {"{{ cluster }}": ["{{cluster}}", null, 3, true]}}}},
            "count": 2,
        });
        let rendered = render_value(&template, &standard_params()).unwrap();
        assert_eq!(
            rendered,
            json!({
                "metadata": {"labels": {"prod": "https://1.2.3.4"}},
                "spec": {"source": {"helm": {"valuesObject": {"prod": ["prod", null, 3, true]}}}},
                "count": 2,
            })
        );
    }

    #[test]
    fn walk_reports_where_the_bad_string_is() {
        let template = json!({"spec": {"sources": [{"path": "ok"}, {"path": "{{a}} {{b"}]}});
        let failure = render_value(&template, &standard_params()).unwrap_err();
        assert_eq!(
            failure.segments,
            vec![
                Segment::Key("spec".into()),
                Segment::Key("sources".into()),
                Segment::Index(1),
                Segment::Key("path".into()),
            ]
        );
        assert!(!failure.in_key);
        let key_template = json!({"labels": {"{{a}} {{b": "x"}});
        let failure = render_value(&key_template, &standard_params()).unwrap_err();
        assert!(failure.in_key);
        assert_eq!(failure.segments.len(), 2);
    }
}
