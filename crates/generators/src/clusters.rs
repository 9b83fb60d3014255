//! The Cluster generator (rulebook 4.2, `gen/cluster.go`).

use std::collections::BTreeMap;

use preflight_model::argocd::{IN_CLUSTER_NAME, IN_CLUSTER_SERVER, SECRET_TYPE_LABEL};
use preflight_model::ClusterInfo;
use serde_json::{Map, Value};

use crate::error::{FieldPath, GenerateError};
use crate::eval::{type_hints, Level};
use crate::fields::optional_bool;
use crate::params::{sanitize_name, Mode, ParamSet};
use crate::render::Renderer;
use crate::selector::{parse_selector, selector_fields, SelectorRules};
use crate::values::{append_values, string_map};

/// Value of the secret-type label on every cluster secret.
const SECRET_TYPE_CLUSTER: &str = "cluster";

/// The parameter sets of a `clusters` generator over the cluster secrets Argo CD knows.
///
/// `clusters` must hold only clusters declared by secrets: the implicit `in-cluster`
/// entry is this function's to add. The secret-type label is treated as present on
/// every secret, whether or not [`ClusterInfo::labels`] repeats it.
///
/// Argo CD emits clusters in Go map order, which is unspecified; they come out sorted by
/// name here so that results are reproducible. Secrets that declare the same cluster name
/// collapse to one, as in Argo CD (the last one in `clusters` order is kept, and a
/// warning says so).
pub(crate) fn cluster_params(
    generator: &Map<String, Value>,
    path: &FieldPath,
    clusters: &[ClusterInfo],
    renderer: &Renderer,
    warnings: &mut Vec<String>,
) -> Result<Vec<ParamSet>, GenerateError> {
    let mode = renderer.mode();
    // The parameters of one cluster, before the flat list wraps them.
    let hints = type_hints("clusters", &Map::new(), Level::Terminal, mode);
    let selector_path = path.key("selector");
    let selector_value = generator.get("selector").unwrap_or(&Value::Null);
    let fields = selector_fields(selector_value, &selector_path)?;
    // A selector with any entry drops the implicit local cluster, since it has no secret
    // and so no labels; that holds even for a selector on the secret-type label alone.
    let includes_local_cluster = fields.is_empty();
    let selector = parse_selector(
        &fields,
        &[(SECRET_TYPE_LABEL, SECRET_TYPE_CLUSTER)],
        &selector_path,
        SelectorRules::Kubernetes,
    )?;
    let values = string_map(generator.get("values"), &path.key("values"))?;
    let flat_list = optional_bool(generator, "flatList", path)?;

    let mut matched: BTreeMap<&str, &ClusterInfo> = BTreeMap::new();
    for cluster in clusters {
        if !selector.matches(&secret_labels(cluster)) {
            continue;
        }
        if let Some(previous) = matched.insert(cluster.name.as_str(), cluster) {
            warnings.push(format!(
                "{path}: cluster secrets `{}` and `{}` both declare cluster `{}`; Argo CD keeps one of them, unspecified which, and this evaluation keeps `{}`",
                previous.secret_name, cluster.secret_name, cluster.name, cluster.secret_name
            ));
        }
    }

    let mut param_sets = Vec::with_capacity(matched.len() + 1);
    for cluster in matched.values() {
        let mut params = secret_params(cluster, mode);
        append_values(&mut params, &values, &path.key("values"), renderer, &hints)?;
        param_sets.push(params);
    }
    let has_local_secret = matched
        .values()
        .any(|cluster| cluster.server == IN_CLUSTER_SERVER);
    if includes_local_cluster && !has_local_secret {
        let mut params = ParamSet::new();
        params.insert("name".into(), IN_CLUSTER_NAME.into());
        params.insert("nameNormalized".into(), IN_CLUSTER_NAME.into());
        params.insert("server".into(), IN_CLUSTER_SERVER.into());
        params.insert("project".into(), "".into());
        append_values(&mut params, &values, &path.key("values"), renderer, &hints)?;
        param_sets.push(params);
    }

    if flat_list {
        let clusters = param_sets
            .into_iter()
            .map(|params| Value::Object(params.into_iter().collect()))
            .collect();
        let mut wrapped = ParamSet::new();
        wrapped.insert("clusters".into(), Value::Array(clusters));
        return Ok(vec![wrapped]);
    }
    Ok(param_sets)
}

/// The labels of the cluster's secret, which always carry the secret-type label.
fn secret_labels(cluster: &ClusterInfo) -> BTreeMap<String, String> {
    let mut labels = cluster.labels.clone();
    labels.insert(
        SECRET_TYPE_LABEL.to_string(),
        SECRET_TYPE_CLUSTER.to_string(),
    );
    labels
}

fn secret_params(cluster: &ClusterInfo, mode: Mode) -> ParamSet {
    let mut params = ParamSet::new();
    params.insert("name".into(), cluster.name.clone().into());
    params.insert("nameNormalized".into(), sanitize_name(&cluster.name).into());
    params.insert("server".into(), cluster.server.clone().into());
    params.insert("project".into(), cluster.project.clone().into());
    match mode {
        Mode::Fast => {
            for (key, value) in &cluster.annotations {
                params.insert(format!("metadata.annotations.{key}"), value.clone().into());
            }
            for (key, value) in secret_labels(cluster) {
                params.insert(format!("metadata.labels.{key}"), value.into());
            }
        }
        Mode::Go => {
            // `metadata` is always there; `labels` and `annotations` only when not empty.
            let mut metadata = Map::new();
            let as_object = |map: &BTreeMap<String, String>| {
                Value::Object(
                    map.iter()
                        .map(|(key, value)| (key.clone(), Value::String(value.clone())))
                        .collect(),
                )
            };
            metadata.insert("labels".into(), as_object(&secret_labels(cluster)));
            if !cluster.annotations.is_empty() {
                metadata.insert("annotations".into(), as_object(&cluster.annotations));
            }
            params.insert("metadata".into(), Value::Object(metadata));
        }
    }
    params
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cluster(name: &str, server: &str, labels: &[(&str, &str)]) -> ClusterInfo {
        ClusterInfo {
            name: name.to_string(),
            server: server.to_string(),
            project: String::new(),
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            annotations: BTreeMap::new(),
            secret_name: format!("cluster-{name}"),
        }
    }

    fn fleet() -> Vec<ClusterInfo> {
        vec![
            cluster("prod-b", "https://b", &[("env", "prod"), ("region", "eu")]),
            cluster("prod-a", "https://a", &[("env", "prod"), ("region", "us")]),
            cluster("dev", "https://d", &[("env", "dev")]),
            cluster("legacy", "https://l", &[]),
        ]
    }

    fn names(generator: Value, clusters: &[ClusterInfo]) -> Vec<String> {
        let mut warnings = Vec::new();
        cluster_params(
            generator.as_object().unwrap(),
            &FieldPath::of("clusters"),
            clusters,
            &Renderer::Fast,
            &mut warnings,
        )
        .unwrap()
        .into_iter()
        .map(|params| params["name"].as_str().unwrap().to_string())
        .collect()
    }

    /// One line per selector case: the generator and the cluster names it yields.
    #[track_caller]
    fn check(generator: Value, expected: &[&str]) {
        assert_eq!(names(generator, &fleet()), expected);
    }

    #[test]
    fn selectors_pick_cluster_secrets() {
        check(
            json!({}),
            &["dev", "legacy", "prod-a", "prod-b", "in-cluster"],
        );
        check(
            json!({"selector": {}}),
            &["dev", "legacy", "prod-a", "prod-b", "in-cluster"],
        );
        check(
            json!({"selector": {"matchLabels": {"env": "prod"}}}),
            &["prod-a", "prod-b"],
        );
        check(
            json!({"selector": {"matchExpressions": [{"key": "region", "operator": "In", "values": ["eu", "ap"]}]}}),
            &["prod-b"],
        );
        check(
            json!({"selector": {"matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["prod"]}]}}),
            &["dev", "legacy"],
        );
        check(
            json!({"selector": {"matchExpressions": [{"key": "region", "operator": "Exists"}]}}),
            &["prod-a", "prod-b"],
        );
        check(
            json!({"selector": {"matchExpressions": [{"key": "env", "operator": "DoesNotExist"}]}}),
            &["legacy"],
        );
    }

    #[test]
    fn in_cluster_rule() {
        // A selector on the secret-type label alone matches every secret but still drops
        // the implicit local cluster.
        check(
            json!({"selector": {"matchLabels": {"argocd.argoproj.io/secret-type": "cluster"}}}),
            &["dev", "legacy", "prod-a", "prod-b"],
        );
        // A secret for the local server replaces the implicit entry.
        let with_local = vec![
            cluster("a", "https://a", &[]),
            cluster("local", IN_CLUSTER_SERVER, &[]),
        ];
        assert_eq!(names(json!({}), &with_local), ["a", "local"]);
        // A trailing slash is not the same server.
        let almost = vec![cluster("local", "https://kubernetes.default.svc/", &[])];
        assert_eq!(names(json!({}), &almost), ["local", "in-cluster"]);
        assert_eq!(names(json!({}), &[]), ["in-cluster"]);
    }

    #[test]
    fn params_carry_secret_metadata_and_values() {
        let mut prod = cluster("Prod_EU", "https://eu", &[("env", "prod")]);
        prod.project = "infra".to_string();
        prod.annotations
            .insert("team".to_string(), "platform".to_string());
        let generator = json!({"values": {
            "revision": "{{metadata.labels.env}}-{{name}}",
            "echo": "{{values.revision}}",
        }});
        let mut warnings = Vec::new();
        let params = cluster_params(
            generator.as_object().unwrap(),
            &FieldPath::of("clusters"),
            &[prod],
            &Renderer::Fast,
            &mut warnings,
        )
        .unwrap();
        let actual: Vec<Value> = params
            .into_iter()
            .map(|set| Value::Object(set.into_iter().collect()))
            .collect();
        assert_eq!(
            actual,
            vec![
                json!({
                    "name": "Prod_EU",
                    "nameNormalized": "prod-eu",
                    "server": "https://eu",
                    "project": "infra",
                    "metadata.annotations.team": "platform",
                    "metadata.labels.env": "prod",
                    "metadata.labels.argocd.argoproj.io/secret-type": "cluster",
                    "values.revision": "prod-Prod_EU",
                    "values.echo": "{{values.revision}}",
                }),
                json!({
                    "name": "in-cluster",
                    "nameNormalized": "in-cluster",
                    "server": "https://kubernetes.default.svc",
                    "project": "",
                    "values.revision": "{{metadata.labels.env}}-in-cluster",
                    "values.echo": "{{values.revision}}",
                }),
            ]
        );
    }

    #[test]
    fn flat_list_wraps_every_cluster_in_one_param_set() {
        let mut warnings = Vec::new();
        let params = cluster_params(
            json!({"flatList": true, "selector": {"matchLabels": {"env": "prod"}}})
                .as_object()
                .unwrap(),
            &FieldPath::of("clusters"),
            &fleet(),
            &Renderer::Fast,
            &mut warnings,
        )
        .unwrap();
        assert_eq!(params.len(), 1);
        let clusters = params[0]["clusters"].as_array().unwrap();
        let names: Vec<&str> = clusters
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["prod-a", "prod-b"]);
    }

    #[test]
    fn duplicate_cluster_names_collapse_with_a_warning() {
        let mut second = cluster("dup", "https://two", &[]);
        second.secret_name = "second".to_string();
        let clusters = vec![cluster("dup", "https://one", &[]), second];
        let mut warnings = Vec::new();
        let params = cluster_params(
            json!({"selector": {"matchLabels": {"argocd.argoproj.io/secret-type": "cluster"}}})
                .as_object()
                .unwrap(),
            &FieldPath::of("clusters"),
            &clusters,
            &Renderer::Fast,
            &mut warnings,
        )
        .unwrap();
        assert_eq!(params.len(), 1);
        assert_eq!(params[0]["server"], "https://two");
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("`cluster-dup` and `second` both declare cluster `dup`"));
    }

    /// Secrets are keyed by cluster name (argo-cd applicationset/generators/cluster.go,
    /// `getSecretsByClusterName`): two names on one server are two clusters, one
    /// parameter set each, with no warning.
    #[test]
    fn duplicate_servers_give_one_param_set_per_secret() {
        let clusters = vec![
            cluster("blue", "https://shared", &[]),
            cluster("green", "https://shared", &[]),
        ];
        let mut warnings = Vec::new();
        let params = cluster_params(
            json!({"selector": {"matchLabels": {"argocd.argoproj.io/secret-type": "cluster"}}})
                .as_object()
                .unwrap(),
            &FieldPath::of("clusters"),
            &clusters,
            &Renderer::Fast,
            &mut warnings,
        )
        .unwrap();
        let names: Vec<&str> = params.iter().map(|p| p["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["blue", "green"]);
        assert!(params.iter().all(|p| p["server"] == "https://shared"));
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[track_caller]
    fn check_error(generator: Value, expected: &str) {
        let mut warnings = Vec::new();
        let error = cluster_params(
            generator.as_object().unwrap(),
            &FieldPath::of("clusters"),
            &fleet(),
            &Renderer::Fast,
            &mut warnings,
        )
        .unwrap_err();
        assert_eq!(error.to_string(), expected);
    }

    #[test]
    fn invalid_inputs_are_errors() {
        check_error(
            json!({"values": {"a": 1}}),
            "clusters.values.a: must be a string, found number",
        );
        check_error(
            json!({"flatList": "yes"}),
            "clusters.flatList: must be a boolean, found string",
        );
        check_error(
            json!({"values": {"a": "{{name}} {{x"}}),
            "clusters.values.a: invalid template: cannot find end tag `}}` in `{{name}} {{x` starting from `x`",
        );
        check_error(
            json!({"selector": {"matchLabels": {"server": "https://a"}}}),
            "clusters.selector.matchLabels.server: `https://a` is not a valid label value: it must be at most 63 characters of alphanumerics, `-`, `_` or `.`, starting and ending with an alphanumeric character",
        );
    }
}
