//! Renders 15,000 Applications from a typical ApplicationSet template (10 templated
//! fields, a few pipelines), the way the controller renders every string field.
//! Run with `cargo bench -p preflight-gotmpl`.

use preflight_gotmpl::{Env, Options, Params, Template};
use serde_json::json;
use std::time::Instant;

const FIELDS: &[&str] = &[
    "{{ .cluster.name }}-{{ .path.basename | lower }}",
    "{{ .metadata.labels.env | default \"dev\" }}",
    "https://github.com/example/{{ .repo }}.git",
    "{{ .path.path }}",
    "{{ .branch | replace \"/\" \"-\" | trunc 40 }}",
    "{{ .cluster.server }}",
    "{{ printf \"%s-%s\" .metadata.labels.team .path.basename | normalize }}",
    "{{ if eq .metadata.labels.env \"prod\" }}automated{{ else }}manual{{ end }}",
    "{{ .values.replicas | default 1 }}",
    "{{ index .metadata.labels \"app.kubernetes.io/part-of\" | default \"none\" | upper }}",
];

fn params(index: usize) -> serde_json::Value {
    json!({
        "cluster": {"name": format!("cluster-{}", index % 50), "server": format!("https://10.0.{}.1:6443", index % 250)},
        "path": {"path": format!("apps/team-{}/svc-{index}", index % 20), "basename": format!("Svc-{index}")},
        "metadata": {"labels": {"env": if index.is_multiple_of(3) { "prod" } else { "staging" }, "team": format!("team-{}", index % 20)}},
        "repo": "platform-apps",
        "branch": format!("feature/JIRA-{index}_improve-things"),
        "values": {"replicas": (index % 5) as f64},
    })
}

fn main() {
    let apps = 15_000;
    let inputs: Vec<serde_json::Value> = (0..apps).map(params).collect();
    let env = Env::default();
    let options = Options::default();

    // Parse each field once, execute it for every Application.
    let start = Instant::now();
    let templates: Vec<Template> = FIELDS
        .iter()
        .map(|text| Template::parse("", text, &options).expect("template parses"))
        .collect();
    let mut bytes = 0;
    for input in &inputs {
        let params = Params::from_json(input);
        for template in &templates {
            bytes += template
                .execute_params(&params, &env)
                .expect("renders")
                .len();
        }
    }
    let cached = start.elapsed();

    // Parse every field for every Application, as the controller does.
    let start = Instant::now();
    let mut bytes_reparsed = 0;
    for input in &inputs {
        let params = Params::from_json(input);
        for text in FIELDS {
            let template = Template::parse("", text, &options).expect("template parses");
            bytes_reparsed += template
                .execute_params(&params, &env)
                .expect("renders")
                .len();
        }
    }
    let reparsed = start.elapsed();
    assert_eq!(bytes, bytes_reparsed);
    println!(
        "{apps} applications x {} fields: {:.3} s parsing once, {:.3} s parsing every field ({bytes} bytes)",
        FIELDS.len(),
        cached.as_secs_f64(),
        reparsed.as_secs_f64()
    );
}
