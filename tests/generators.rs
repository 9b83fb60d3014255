//! Generators, table-driven: each case is one line, an ApplicationSet fragment and what
//! Argo CD generates from it (rulebook `argocd-appset-semantics.md` §2–§9, written from
//! the rules and Argo CD's documented examples). Then the same generators through the
//! `generate` command over real git checkouts, with insta snapshots of
//! `tests/scenarios/generate-*/`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use preflight_generators::{
    generate, GenerationContext, GeneratorResponses, InMemoryRepos, RepoFiles,
};
use preflight_model::{ArgoSettings, ClusterInfo, Object};
use serde_json::Value;

const REPO: &str = "https://git.example.com/platform/deploy.git";

fn yaml(text: &str) -> Value {
    serde_saphyr::from_str(text).expect("test fixture is valid YAML")
}

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
        cluster("prod-eu", "https://eu.example.com", &[("env", "prod")]),
        cluster(
            "staging",
            "https://staging.example.com",
            &[("env", "staging")],
        ),
    ]
}

/// The repository every git case reads.
fn repo() -> InMemoryRepos {
    InMemoryRepos::new()
        .with_file(REPO, "apps/guestbook/kustomization.yaml", "")
        .with_file(REPO, "apps/helm-guestbook/Chart.yaml", "")
        .with_file(REPO, "apps/helm-guestbook/templates/x.yaml", "")
        .with_file(REPO, "apps/Legacy_App/x.yaml", "")
        .with_file(REPO, "apps/.hidden/x.yaml", "")
        .with_file(REPO, "apps-old/x/y.yaml", "")
        .with_file(REPO, "infra/metrics-server/Chart.yaml", "")
        .with_file(REPO, "config/clusters/eu/config.json", r#"{"cluster": {"name": "prod-eu", "address": "https://eu.example.com", "replicas": 3}, "tier": "gold"}"#)
        .with_file(REPO, "config/clusters/us/config.json", r#"{"cluster": {"name": "prod-us", "address": "https://us.example.com", "replicas": 1000000}}"#)
        .with_file(REPO, "config/clusters/us/extra/config.json", r#"{"cluster": {"name": "prod-us-2"}}"#)
        .with_file(REPO, "config/list.yaml", "- cluster: {name: a}\n- cluster: {name: b}\n  enabled: yes\n")
        .with_file(REPO, "config/empty.yaml", "")
        .with_file(REPO, "config/broken.yaml", "a: [")
        .with_file(REPO, "config/scalar.yaml", "just text")
        .with_file(REPO, "root.json", r#"{"cluster": {"name": "root"}}"#)
        .with_file_at(REPO, "v2", "apps/only-in-v2/x.yaml", "")
}

fn objects() -> Vec<Object> {
    let documents = r#"
- {apiVersion: argoproj.io/v1alpha1, kind: AppProject, metadata: {name: infra, namespace: argocd}}
- {apiVersion: argoproj.io/v1alpha1, kind: AppProject, metadata: {name: default, namespace: argocd}}
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: ocm-placement, namespace: argocd}
  data: {apiVersion: cluster.open-cluster-management.io/v1beta1, kind: placementdecisions, statusListKey: decisions, matchKey: clusterName}
- apiVersion: cluster.open-cluster-management.io/v1beta1
  kind: PlacementDecision
  metadata: {name: placement-a, namespace: argocd, labels: {placement: a}}
  status:
    decisions:
    - {clusterName: prod-eu, reason: chosen}
    - {clusterName: unknown, reason: chosen}
    - {clusterName: in-cluster, weight: 2}
- apiVersion: cluster.open-cluster-management.io/v1beta1
  kind: PlacementDecision
  metadata: {name: placement-empty, namespace: argocd, labels: {placement: empty}}
"#;
    let value: Value = yaml(documents);
    value
        .as_array()
        .unwrap()
        .iter()
        .cloned()
        .map(Object::from_value)
        .collect()
}

fn responses() -> GeneratorResponses {
    GeneratorResponses::from_value(&yaml(
        r#"
responses:
- generator: pullRequest
  request: {github: {owner: acme, repo: web}}
  pullRequests:
  - number: 12
    title: Fix login
    branch: fix/Login_Page
    targetBranch: main
    headSha: 0123456789abcdef
    author: alice
    labels: [preview]
  - number: 13
    title: WIP docs
    branch: docs
    targetBranch: release-1
    headSha: fedcba9876543210
    author: bob
    labels: []
- generator: pullRequest
  request: {github: {repo: gone}}
  repositoryNotFound: true
- generator: scmProvider
  request: {github: {organization: acme}}
  repositories:
  - organization: acme
    repository: web
    repositoryId: 42
    url: https://github.com/acme/web.git
    labels: [team-a, frontend]
    branches:
    - {name: main, sha: aaaaaaaaaaaa, paths: [charts/web/Chart.yaml]}
    - {name: feature-x, sha: bbbbbbbbbbbb, paths: []}
  - organization: acme
    repository: api
    repositoryId: 43
    url: https://github.com/acme/api.git
    labels: [team-b]
    defaultBranch: trunk
    branches:
    - {name: trunk, sha: cccccccccccc, paths: [deploy/kustomization.yaml]}
- generator: plugin
  request: {configMapRef: {name: my-plugin}}
  output: {parameters: [{cluster: {name: p1}, region: eu}, {cluster: {name: p2}, region: us}]}
- generator: scmProvider
  request: {gitlab: {group: broken}}
  error: rate limited
- generator: plugin
  request: {configMapRef: {name: with-values}}
  output: {parameters: [{app: a, values: {from: plugin}}]}
"#,
    ))
    .unwrap()
}

struct Env {
    clusters: Vec<ClusterInfo>,
    settings: ArgoSettings,
    objects: Vec<Object>,
    repos: InMemoryRepos,
    responses: GeneratorResponses,
}

impl Env {
    fn new() -> Env {
        Env {
            clusters: fleet(),
            settings: ArgoSettings::default(),
            objects: objects(),
            repos: repo(),
            responses: responses(),
        }
    }

    fn run(&self, appset: &str) -> Result<Vec<Object>, String> {
        let objects: Vec<&Object> = self.objects.iter().collect();
        let ctx = GenerationContext {
            clusters: &self.clusters,
            settings: &self.settings,
            argocd_objects: &objects,
            argocd_namespace: Some("argocd"),
            repos: &self.repos as &dyn RepoFiles,
            responses: &self.responses,
            workers: 1,
            max_applications: preflight_generators::DEFAULT_MAX_APPLICATIONS,
        };
        generate(&Object::from_value(yaml(appset)), &ctx)
            .map(|generated| generated.applications)
            .map_err(|error| error.to_string())
    }
}

/// An ApplicationSet with one generator entry (flow YAML) and a template whose name is
/// `name`.
fn appset(generator: &str, name: &str) -> String {
    format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {{name: set, namespace: argocd}}\nspec:\n  generators:\n  - {generator}\n  template:\n    metadata: {{name: '{name}'}}\n    spec: {{project: infra, destination: {{server: https://kubernetes.default.svc, namespace: x}}}}\n"
    )
}

/// One case: a generator entry, a template name, and the names generated.
#[track_caller]
fn check(generator: &str, name: &str, expected: &[&str]) {
    let applications = Env::new()
        .run(&appset(generator, name))
        .unwrap_or_else(|error| panic!("{generator}: {error}"));
    let names: Vec<&str> = applications.iter().map(Object::name).collect();
    assert_eq!(names, expected, "{generator}");
}

/// One case that fails, with the whole error message.
#[track_caller]
fn check_error(generator: &str, expected: &str) {
    let error = Env::new()
        .run(&appset(generator, "x"))
        .map(|apps| apps.len())
        .unwrap_err();
    assert_eq!(error, expected, "{generator}");
}

fn git_dirs(patterns: &str) -> String {
    format!("git: {{repoURL: '{REPO}', revision: HEAD, directories: [{patterns}]}}")
}

fn git_files(patterns: &str) -> String {
    format!("git: {{repoURL: '{REPO}', revision: HEAD, files: [{patterns}]}}")
}

#[test]
fn git_directory_generator() {
    let name = "{{path.basename}}";
    check(
        &git_dirs("{path: 'apps/*'}"),
        name,
        &["Legacy_App", "guestbook", "helm-guestbook"],
    );
    check(
        &git_dirs("{path: '*'}"),
        name,
        &["apps", "apps-old", "config", "infra"],
    );
    check(
        &git_dirs("{path: 'apps/**'}"),
        name,
        &["Legacy_App", "guestbook", "helm-guestbook"],
    );
    check(&git_dirs("{path: 'apps/*/*'}"), name, &["templates"]);
    check(
        &git_dirs("{path: 'apps/*'}, {path: apps/guestbook, exclude: true}"),
        name,
        &["Legacy_App", "helm-guestbook"],
    );
    check(
        &git_dirs("{path: apps/guestbook, exclude: true}, {path: 'apps/*'}"),
        name,
        &["Legacy_App", "helm-guestbook"],
    );
    check(
        &git_dirs("{path: 'apps/[gh]*'}"),
        name,
        &["guestbook", "helm-guestbook"],
    );
    check(&git_dirs("{path: 'apps/?uestbook'}"), name, &["guestbook"]);
    check(
        &git_dirs("{path: 'apps/[^g]*'}"),
        name,
        &["Legacy_App", "helm-guestbook"],
    );
    check(&git_dirs("{path: 'apps/[a-'}"), name, &[]);
    check(&git_dirs("{path: 'apps/.hidden'}"), name, &[]);
    check(&git_dirs("{path: apps}"), name, &["apps"]);
    check(
        &git_dirs("{path: 'apps/*'}"),
        "{{path.basenameNormalized}}",
        &["legacy-app", "guestbook", "helm-guestbook"],
    );
    check(
        &git_dirs("{path: 'apps/*'}"),
        "{{path[0]}}-{{path[1]}}",
        &["apps-Legacy_App", "apps-guestbook", "apps-helm-guestbook"],
    );
    check(
        &git_dirs("{path: 'infra/*'}"),
        "{{path}}",
        &["infra/metrics-server"],
    );
    let prefixed = format!(
        "git: {{repoURL: '{REPO}', pathParamPrefix: app, directories: [{{path: 'infra/*'}}]}}"
    );
    check(
        &prefixed,
        "{{app.path.basename}}-{{path.basename}}",
        &["metrics-server-{{path.basename}}"],
    );
    let at_v2 =
        format!("git: {{repoURL: '{REPO}', revision: v2, directories: [{{path: 'apps/*'}}]}}");
    check(&at_v2, name, &["only-in-v2"]);
    let values = format!("git: {{repoURL: '{REPO}', directories: [{{path: 'infra/*'}}], values: {{ns: 'ns-{{{{path.basename}}}}'}}}}");
    check(&values, "{{values.ns}}", &["ns-metrics-server"]);
}

#[test]
fn git_file_generator() {
    let name = "{{cluster.name}}";
    check(
        &git_files("{path: 'config/clusters/*/config.json'}"),
        name,
        &["prod-eu", "prod-us", "prod-us-2"],
    );
    check(
        &git_files("{path: 'config/clusters/**/config.json'}"),
        name,
        &["prod-eu", "prod-us", "prod-us-2"],
    );
    check(&git_files("{path: 'config/clusters/*/config.json'}, {path: 'config/clusters/us/extra/*', exclude: true}"), name, &["prod-eu", "prod-us"]);
    check(
        &git_files("{path: 'config/clusters'}"),
        name,
        &["prod-eu", "prod-us", "prod-us-2"],
    );
    check(
        &git_files("{path: '*.json'}"),
        name,
        &["prod-eu", "prod-us", "prod-us-2", "root"],
    );
    check(&git_files("{path: '**/root.json'}"), name, &[]);
    check(
        &git_files("{path: 'root.json'}"),
        "{{path}}|{{path.basename}}|{{path.filename}}|{{path.basenameNormalized}}",
        &[".|.|root.json|"],
    );
    check(
        &git_files("{path: 'config/list.yaml'}"),
        "{{cluster.name}}-{{enabled}}",
        &["a-{{enabled}}", "b-true"],
    );
    check(
        &git_files("{path: 'config/empty.yaml'}"),
        "{{path.filenameNormalized}}",
        &["empty.yaml"],
    );
    check(
        &git_files("{path: 'config/clusters/us/config.json'}"),
        "{{cluster.replicas}}",
        &["1e+06"],
    );
    check(
        &git_files("{path: 'config/clusters/eu/config.json'}"),
        "{{cluster.replicas}}-{{tier}}-{{path[1]}}-{{path[2]}}",
        &["3-gold-clusters-eu"],
    );
    check(&git_files("{path: 'nothing/*'}"), name, &[]);
    let prefixed = format!("git: {{repoURL: '{REPO}', pathParamPrefix: cfg, files: [{{path: 'config/clusters/eu/config.json'}}]}}");
    check(
        &prefixed,
        "{{cfg.path.basename}}-{{cluster.name}}",
        &["eu-prod-eu"],
    );
}

/// Argo CD's messages (argo-cd applicationset/generators/git.go: `GenerateParams` wraps
/// every repository failure in `error generating params from git: `,
/// `generateParamsForGitFiles` names the file and repository; files are read with
/// sigs.k8s.io/yaml, whose errors carry its prefixes).
#[test]
fn git_errors() {
    check_error(
        &git_files("{path: 'config/broken.yaml'}"),
        "spec.generators[0].git: error generating params from git: unable to process file 'config/broken.yaml' from repository 'https://git.example.com/platform/deploy.git': unable to parse file: error converting YAML to JSON: error: line 1 column 4: unclosed bracket '['",
    );
    check_error(
        &git_files("{path: 'config/scalar.yaml'}"),
        "spec.generators[0].git: error generating params from git: unable to process file 'config/scalar.yaml' from repository 'https://git.example.com/platform/deploy.git': unable to parse file: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal string into Go value of type []map[string]interface {}",
    );
    check_error(
        "git: {repoURL: 'https://elsewhere.example.com/x.git', directories: [{path: '*'}]}",
        "spec.generators[0].git: error generating params from git: error getting directories from repo: no checkout of repository `https://elsewhere.example.com/x.git` is available",
    );
    check_error(
        &format!("git: {{repoURL: '{REPO}'}}"),
        "spec.generators[0].git: generator is empty: give `directories` or `files`",
    );
    check_error(
        &git_files("{path: '../x'}"),
        "spec.generators[0].git.files[0].path: error generating params from git: unable to list files. repo https://git.example.com/platform/deploy.git with revision HEAD pattern ../x: ../x: '../x' is outside repository",
    );
    let missing_project =
        appset(&git_dirs("{path: '*'}"), "x").replace("project: infra", "project: ghost");
    assert_eq!(
        Env::new().run(&missing_project).unwrap_err(),
        "spec.generators[0].git: error getting project ghost: appprojects.argoproj.io \"ghost\" not found"
    );
    let templated_project = appset(&git_dirs("{path: 'infra/*'}"), "x")
        .replace("project: infra", "project: '{{path.basename}}'");
    assert_eq!(Env::new().run(&templated_project).unwrap().len(), 1);
}

#[test]
fn matrix() {
    let clusters_by_dirs = format!("matrix: {{generators: [{{clusters: {{selector: {{matchLabels: {{env: prod}}}}}}}}, {{{}}}]}}", git_dirs("{path: 'apps/*'}, {path: apps/Legacy_App, exclude: true}"));
    check(
        &clusters_by_dirs,
        "{{name}}-{{path.basename}}",
        &["prod-eu-guestbook", "prod-eu-helm-guestbook"],
    );
    // The second child is interpolated with each parameter set of the first.
    check(
        "matrix: {generators: [{list: {elements: [{app: guestbook}, {app: metrics-server}]}}, {git: {repoURL: 'https://git.example.com/platform/deploy.git', directories: [{path: '*/{{app}}'}]}}]}",
        "{{app}}:{{path}}",
        &["guestbook:apps/guestbook", "metrics-server:infra/metrics-server"],
    );
    check(
        "matrix: {generators: [{list: {elements: [{env: prod}, {env: staging}]}}, {clusters: {selector: {matchLabels: {env: '{{env}}'}}}}]}",
        "{{env}}-{{name}}",
        &["prod-prod-eu", "staging-staging"],
    );
    // Equal keys with equal values combine; an empty first set skips interpolation.
    check(
        "matrix: {generators: [{list: {elements: [{a: '1'}, {}]}}, {list: {elements: [{a: '1', b: '{{a}}'}]}}]}",
        "{{a}}-{{b}}",
        &["1-1", "1-{{a}}"],
    );
    // Child post-selectors apply.
    check(
        "matrix: {generators: [{clusters: {}, selector: {matchLabels: {name: staging}}}, {list: {elements: [{x: a}, {x: b}]}, selector: {matchLabels: {x: b}}}]}",
        "{{name}}-{{x}}",
        &["staging-b"],
    );
    // One level of nesting.
    check(
        "matrix: {generators: [{list: {elements: [{a: x}]}}, {matrix: {generators: [{list: {elements: [{b: '1'}, {b: '2'}]}}, {list: {elements: [{c: '{{a}}{{b}}'}]}}]}}]}",
        "{{a}}-{{b}}-{{c}}",
        &["x-1-x1", "x-2-x2"],
    );
    // Values of the second child may use both children's params.
    check(
        &format!("matrix: {{generators: [{{list: {{elements: [{{env: prod}}]}}}}, {{git: {{repoURL: '{REPO}', directories: [{{path: 'infra/*'}}], values: {{name: '{{{{env}}}}-{{{{path.basename}}}}'}}}}}}]}}"),
        "{{values.name}}",
        &["prod-metrics-server"],
    );
    // Non-string values are printed with `%v` when combined.
    check(
        "matrix: {generators: [{list: {elementsYaml: '[{n: 3, m: {k: v}}]'}}, {list: {elements: [{x: a}]}}]}",
        "{{n}}-{{m}}-{{x}}",
        &["3-map[k:v]-a"],
    );
}

/// A product large enough to be merged and rendered on several threads gives, on any
/// number of them, the Applications one thread gives, in the same order: nested maps
/// deep-merged with the first child winning, the second child interpolated per set.
#[test]
fn large_matrix_is_the_same_on_any_number_of_threads() {
    let elements: Vec<String> = (0..150)
        .map(|i| {
            format!(
                "{{app: app-{i:03}, meta: {{tier: t{}, keep: e{i}}}}}",
                i % 7
            )
        })
        .collect();
    let source = format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {{name: set, namespace: argocd}}\nspec:\n  goTemplate: true\n  generators:\n  - matrix:\n      generators:\n      - list: {{elements: [{{env: prod, meta: {{tier: gold, region: eu}}}}, {{env: staging, meta: {{tier: bronze}}}}]}}\n      - list: {{elements: [{}]}}\n  template:\n    metadata: {{name: '{{{{.env}}}}-{{{{.app}}}}'}}\n    spec: {{project: '{{{{.meta.tier}}}}-{{{{.meta.keep}}}}-{{{{.meta.region | default \"none\"}}}}', destination: {{server: https://kubernetes.default.svc, namespace: x}}}}\n",
        elements.join(", ")
    );
    let appset = Object::from_value(yaml(&source));
    let env = Env::new();
    let objects: Vec<&Object> = env.objects.iter().collect();
    let on = |workers: usize| -> Vec<Value> {
        let ctx = GenerationContext {
            clusters: &env.clusters,
            settings: &env.settings,
            argocd_objects: &objects,
            argocd_namespace: Some("argocd"),
            repos: &env.repos as &dyn RepoFiles,
            responses: &env.responses,
            workers,
            max_applications: preflight_generators::DEFAULT_MAX_APPLICATIONS,
        };
        generate(&appset, &ctx)
            .expect("the matrix generates")
            .applications
            .into_iter()
            .map(Object::into_raw)
            .collect()
    };
    let one = on(1);
    assert_eq!(one.len(), 300);
    // Argo CD's order: every element for the first cluster set, then the second.
    assert_eq!(one[0]["metadata"]["name"], "prod-app-000");
    assert_eq!(one[150]["metadata"]["name"], "staging-app-000");
    // The first child's `meta` wins key by key; keys only the second has are kept.
    assert_eq!(one[1]["spec"]["project"], "gold-e1-eu");
    assert_eq!(one[152]["spec"]["project"], "bronze-e2-none");
    for workers in [2, 3] {
        assert!(on(workers) == one, "{workers} threads");
    }
}

#[test]
fn matrix_errors() {
    check_error(
        "matrix: {generators: [{list: {elements: [{a: '1'}]}}]}",
        "spec.generators[0].matrix.generators: found less than two generators, Matrix support only two",
    );
    check_error(
        "matrix: {generators: [{list: {}}, {list: {}}, {list: {}}]}",
        "spec.generators[0].matrix.generators: found more than two generators, Matrix support only two",
    );
    check_error(
        "matrix: {generators: [{list: {elements: [{a: '1'}]}}, {list: {elements: [{a: '2'}]}}]}",
        "spec.generators[0].matrix: failed to combine string maps with merging params for the matrix generator: found duplicate key `a` with different value, a: `1`, b: `2`",
    );
    check_error(
        "matrix: {generators: [{list: {elements: [{a: '1'}]}, clusters: {}}, {list: {elements: [{b: '2'}]}}]}",
        "spec.generators[0].matrix.generators[0]: found more than one generator in matrix.Generators",
    );
    check_error(
        "matrix: {generators: [{lists: {}}, {list: {elements: [{b: '2'}]}}]}",
        "spec.generators[0].matrix.generators[0]: child generator generated no parameters (no generator Argo CD recognizes here)",
    );
    // A matrix nested twice: the inner matrix key is not recognized.
    check_error(
        "matrix: {generators: [{list: {elements: [{a: x}]}}, {matrix: {generators: [{list: {elements: [{b: '1'}]}}, {matrix: {generators: [{list: {}}, {list: {}}]}}]}}]}",
        "spec.generators[0].matrix.generators[1].matrix.generators[1]: child generator generated no parameters (no generator Argo CD recognizes here)",
    );
}

#[test]
fn merge() {
    let base = "{clusters: {}}";
    let overrides =
        "{list: {elements: [{name: prod-eu, tier: gold}, {name: nowhere, tier: none}]}}";
    check(
        &format!("merge: {{mergeKeys: [name], generators: [{base}, {overrides}]}}"),
        "{{name}}-{{tier}}",
        &["prod-eu-gold", "staging-{{tier}}", "in-cluster-{{tier}}"],
    );
    check(
        "merge: {mergeKeys: [a, b], generators: [{list: {elements: [{a: '1', b: p, v: base}, {a: '1', b: q, v: base}]}}, {list: {elements: [{a: '1', b: q, v: over}]}}, {list: {elements: [{a: '1', b: p, w: third}]}}]}",
        "{{a}}{{b}}-{{v}}-{{w}}",
        &["1p-base-third", "1q-over-{{w}}"],
    );
    check_error(
        "merge: {mergeKeys: [a], generators: [{list: {elements: [{a: '1'}, {a: '1'}]}}, {list: {elements: []}}]}",
        "spec.generators[0].merge.generators[0]: the parameters from a generator were not unique by the given mergeKeys, Merge requires all param sets to be unique. Duplicate key was {\"a\":\"1\"}",
    );
    check_error(
        "merge: {generators: [{list: {}}, {list: {}}]}",
        "spec.generators[0].merge.mergeKeys: no merge keys were specified, Merge requires at least one",
    );
    check_error(
        "merge: {mergeKeys: [a], generators: [{list: {}}]}",
        "spec.generators[0].merge.generators: found less than two generators, Merge requires two or more",
    );
}

#[test]
fn cluster_decision_resource() {
    let by_label = "clusterDecisionResource: {configMapRef: ocm-placement, labelSelector: {matchLabels: {placement: a}}, values: {owner: '{{name}}'}}";
    check(
        by_label,
        "{{name}}-{{reason}}-{{server}}-{{values.owner}}",
        &[
            "prod-eu-chosen-https://eu.example.com-{{name}}",
            "in-cluster-{{reason}}-https://kubernetes.default.svc-{{name}}",
        ],
    );
    check(
        "clusterDecisionResource: {configMapRef: ocm-placement, name: placement-a}",
        "{{clusterName}}-{{weight}}",
        &["prod-eu-{{weight}}", "in-cluster-2"],
    );
    check(
        "clusterDecisionResource: {configMapRef: ocm-placement, name: placement-empty}",
        "{{name}}",
        &[],
    );
    check_error(
        "clusterDecisionResource: {configMapRef: ocm-placement, name: nope}",
        "spec.generators[0].clusterDecisionResource: no clusterDecisionResources found (no `placementdecisions.cluster.open-cluster-management.io` in namespace `argocd` of the Argo CD cluster in the snapshot matches)",
    );
    check_error(
        "clusterDecisionResource: {configMapRef: ocm-placement, name: placement-a, labelSelector: {matchLabels: {placement: a}}}",
        "spec.generators[0].clusterDecisionResource: there is a problem with the definition of the ClusterDecisionResource generator: give exactly one of `name` and `labelSelector`",
    );
    check_error(
        "clusterDecisionResource: {configMapRef: missing, name: x}",
        "spec.generators[0].clusterDecisionResource.configMapRef: error reading configMapRef: configmaps \"missing\" not found (namespace `argocd` of the Argo CD cluster in the snapshot)",
    );
}

#[test]
fn post_selectors_and_values() {
    check("clusters: {values: {tier: gold}}\n    selector: {matchLabels: {values.tier: gold, metadata.labels.env: prod}}", "{{name}}", &["prod-eu"]);
    check(
        &format!(
            "{}\n    selector: {{matchLabels: {{path.basename: guestbook}}}}",
            git_dirs("{path: 'apps/*'}")
        ),
        "{{path}}",
        &["apps/guestbook"],
    );
    check(&format!("{}\n    selector: {{matchExpressions: [{{key: cluster.replicas, operator: In, values: ['1e+06']}}]}}", git_files("{path: 'config/clusters/*/config.json'}")), "{{cluster.name}}", &["prod-us"]);
}

#[test]
fn recorded_network_generators() {
    let pr = "pullRequest: {github: {owner: acme, repo: web}}";
    check(
        pr,
        "pr-{{number}}-{{branch_slug}}-{{head_short_sha}}-{{head_short_sha_7}}",
        &[
            "pr-12-fix-login-page-01234567-0123456",
            "pr-13-docs-fedcba98-fedcba9",
        ],
    );
    check(
        "pullRequest: {github: {owner: acme, repo: web, labels: [preview]}}",
        "{{number}}",
        &["12"],
    );
    check("pullRequest: {github: {owner: acme, repo: web}, filters: [{targetBranchMatch: '^release-'}, {titleMatch: '^Fix'}]}", "{{number}}-{{target_branch_slug}}", &["12-main", "13-release-1"]);
    check("pullRequest: {github: {owner: acme, repo: web}, filters: [{branchMatch: '^fix/', titleMatch: WIP}]}", "{{number}}", &[]);
    check(
        "pullRequest: {github: {owner: acme, repo: gone}, continueOnRepoNotFoundError: true}",
        "{{number}}",
        &[],
    );
    check_error(
        "pullRequest: {github: {owner: acme, repo: gone}}",
        "spec.generators[0].pullRequest: error listing repos: the recorded answer is \"repository not found\" and `continueOnRepoNotFoundError` is not set",
    );
    let scm = "scmProvider: {github: {organization: acme";
    check(
        &format!("{scm}}}}}"),
        "{{repository}}-{{branch}}-{{short_sha}}-{{labels}}-{{repository_id}}",
        &[
            "web-main-aaaaaaaa-team-a,frontend-{{repository_id}}",
            "api-trunk-cccccccc-team-b-{{repository_id}}",
        ],
    );
    check(
        &format!("{scm}, allBranches: true}}}}"),
        "{{repository}}-{{branchNormalized}}",
        &["web-main", "web-feature-x", "api-trunk"],
    );
    check(
        &format!("{scm}}}, filters: [{{repositoryMatch: ^w}}]}}"),
        "{{repository}}",
        &["web"],
    );
    check(
        &format!("{scm}}}, filters: [{{labelMatch: team-b}}]}}"),
        "{{repository}}",
        &["api"],
    );
    check(
        &format!("{scm}}}, filters: [{{pathsExist: [charts/web]}}]}}"),
        "{{repository}}",
        &["web"],
    );
    check(
        &format!("{scm}}}, filters: [{{pathsDoNotExist: [charts/web/]}}]}}"),
        "{{repository}}",
        &["api"],
    );
    check(
        &format!("{scm}, allBranches: true}}, filters: [{{branchMatch: feature}}]}}"),
        "{{repository}}-{{branch}}",
        &["web-feature-x"],
    );
    check_error(
        "scmProvider: {gitlab: {group: broken}}",
        "spec.generators[0].scmProvider: the recorded SCM provider answer is an error: rate limited",
    );
    check_error(
        "scmProvider: {bitbucket: {owner: nobody}}",
        "spec.generators[0].scmProvider: the SCM provider generator asks the network, so it cannot be evaluated offline; record its answer in a `--generator-response` file",
    );
    check_error(
        &format!("{scm}}}, filters: [{{repositoryMatch: '('}}]}}"),
        "spec.generators[0].scmProvider.filters[0].repositoryMatch: error listing repos: error compiling RepositoryMatch regexp \"(\": error parsing regexp: missing closing ): `(`",
    );
    check("plugin: {configMapRef: {name: my-plugin}, input: {parameters: {a: b}}, values: {r: 'r-{{region}}'}}", "{{cluster.name}}-{{region}}-{{values.r}}", &["p1-eu-r-eu", "p2-us-r-us"]);
}

#[test]
fn template_patch() {
    let source = appset("list: {elements: [{cluster: a, auto: 'true'}, {cluster: b}]}", "{{cluster}}").replace(
        "  template:",
        "  templatePatch: |\n    metadata:\n      labels: {cluster: '{{cluster}}'}\n      finalizers: [extra]\n    spec:\n      project: other\n      syncPolicy:\n        automated: {prune: true}\n      destination: {namespace: '{{cluster}}'}\n  template:",
    );
    let applications = Env::new().run(&source).unwrap();
    let app = applications[0].raw();
    assert_eq!(app["metadata"]["labels"], yaml("{cluster: a}"));
    assert_eq!(
        app["metadata"]["finalizers"],
        yaml("[resources-finalizer.argocd.argoproj.io, extra]")
    );
    assert_eq!(app["spec"]["project"], "infra");
    assert_eq!(
        app["spec"]["destination"],
        yaml("{server: https://kubernetes.default.svc, namespace: a}")
    );
    assert_eq!(
        app["spec"]["syncPolicy"],
        yaml("{automated: {prune: true}}")
    );
    let bad = appset("list: {elements: [{cluster: a}]}", "x").replace(
        "  template:",
        "  templatePatch: 'a: {{cluster}} {{x'\n  template:",
    );
    assert_eq!(
        Env::new().run(&bad).unwrap_err(),
        "spec.templatePatch: invalid template: error replacing values in templatePatch: cannot find end tag `}}` in `a: {{cluster}} {{x` starting from `x`"
    );
    let typed = appset("list: {elements: [{cluster: a}]}", "x").replace(
        "  template:",
        "  templatePatch: 'metadata: {labels: {a: 1}}'\n  template:",
    );
    assert_eq!(
        Env::new().run(&typed).unwrap_err(),
        "spec.templatePatch.metadata.labels.a: must be a string, found number"
    );
}

/// `applyTemplatePatch` (`applicationset/controllers/template/patch.go`) decodes the
/// rendered patch into Argo CD's Go `Application` type first: a quoted boolean (what a
/// template writes as `prune: '{{prune}}'`) fails the whole generation, an unknown field
/// is dropped by the decoder, and an int-or-string or a `valuesObject` takes anything.
#[test]
fn template_patch_is_decoded_into_the_application_type() {
    let patched = |patch: &str| {
        appset(
            "list: {elements: [{cluster: a, prune: 'true'}]}",
            "{{cluster}}",
        )
        .replace(
            "  template:",
            &format!("  templatePatch: |\n{patch}\n  template:"),
        )
    };
    assert_eq!(
        Env::new()
            .run(&patched("    spec:\n      syncPolicy:\n        automated: {prune: '{{prune}}'}"))
            .unwrap_err(),
        "spec.templatePatch: invalid templatePatch: json: cannot unmarshal string into Go struct field `spec.syncPolicy.automated.prune` of type bool"
    );
    assert_eq!(
        Env::new()
            .run(&patched("    spec:\n      revisionHistoryLimit: '3'"))
            .unwrap_err(),
        "spec.templatePatch: invalid templatePatch: json: cannot unmarshal string into Go struct field `spec.revisionHistoryLimit` of type int64"
    );
    let fine = Env::new()
        .run(&patched("    spec:\n      syncPolicy:\n        automated: {prune: {{prune}}}\n        retry: {limit: 2, backoff: {duration: 5s}}\n      source:\n        repoURL: https://g\n        helm: {valuesObject: {any: [1, x]}}"))
        .unwrap();
    assert_eq!(
        fine[0].raw()["spec"]["syncPolicy"]["automated"],
        yaml("{prune: true}")
    );
}

/// [`appset`] in goTemplate mode with `missingkey=error`.
fn go_appset(generator: &str, name: &str) -> String {
    appset(generator, name).replace(
        "spec:\n  generators",
        "spec:\n  goTemplate: true\n  goTemplateOptions: [missingkey=error]\n  generators",
    )
}

/// One goTemplate case: a generator entry, a template name, and the names generated.
#[track_caller]
fn check_go(generator: &str, name: &str, expected: &[&str]) {
    let applications = Env::new()
        .run(&go_appset(generator, name))
        .unwrap_or_else(|error| panic!("{generator}: {error}"));
    let names: Vec<&str> = applications.iter().map(Object::name).collect();
    assert_eq!(names, expected, "{generator}");
}

#[track_caller]
fn check_go_error(generator: &str, name: &str, expected: &str) {
    let error = Env::new().run(&go_appset(generator, name)).unwrap_err();
    assert_eq!(error, expected, "{generator}");
}

#[test]
fn go_template_generators() {
    // Git directories: nested `path`, `segments` a `[]string` printed `[a b]`.
    check_go(
        &git_dirs("{path: 'apps/*'}"),
        "{{ .path.basenameNormalized }}-{{ index .path.segments 1 }}",
        &[
            "legacy-app-Legacy_App",
            "guestbook-guestbook",
            "helm-guestbook-helm-guestbook",
        ],
    );
    check_go(
        &git_dirs("{path: 'infra/*'}"),
        "{{ .path.segments }}|{{ .path.path }}",
        &["[infra metrics-server]|infra/metrics-server"],
    );
    check_go(
        &format!(
            "{}\n    selector: {{matchLabels: {{path.segments: '[apps guestbook]'}}}}",
            git_dirs("{path: 'apps/*'}")
        ),
        "{{ .path.basename }}",
        &["guestbook"],
    );
    check_go(
        &git_dirs("{path: 'infra/*'}")
            .replace("revision: HEAD", "revision: HEAD, pathParamPrefix: my.p"),
        "{{ .my.p.path.basename }}-{{ .my.p.path.segments }}",
        &["metrics-server-[infra metrics-server]"],
    );
    // Git files: the file as it is (numbers are float64), plus `path`.
    check_go(
        &git_files("{path: 'config/clusters/**/config.json'}"),
        "{{ .cluster.name }}-{{ dig \"replicas\" 0 .cluster }}-{{ .path.filename }}",
        &[
            "prod-eu-3-config.json",
            "prod-us-1e+06-config.json",
            "prod-us-2-0-config.json",
        ],
    );
    // Values: rendered with the generator's own parameters, nested under `values`.
    check_go(
        &git_dirs("{path: 'infra/*'}").replace(
            "revision: HEAD",
            "revision: HEAD, values: {ns: '{{ .path.basename | upper }}'}",
        ),
        "{{ .values.ns }}",
        &["METRICS-SERVER"],
    );
    // A `values` key of the parameters is replaced only when the generator has values.
    check_go(
        "plugin: {configMapRef: {name: with-values}}",
        "{{ .app }}-{{ .values.from }}",
        &["a-plugin"],
    );
    check_go(
        "plugin: {configMapRef: {name: with-values}, values: {to: x}}",
        "{{ .app }}-{{ .values.to }}-{{ index .values \"from\" }}",
        &["a-x-"],
    );
    // Pull requests: `labels` is a `[]string`, one leaf for the post-selector.
    check_go(
        "pullRequest: {github: {owner: acme, repo: web}}",
        "{{ .number }}-{{ .branch_slug }}-{{ .labels }}",
        &["12-fix-login-page-[preview]", "13-docs-[]"],
    );
    check_go("pullRequest: {github: {owner: acme, repo: web}}\n    selector: {matchLabels: {labels: '[preview]'}}", "{{ .number }}", &["12"]);
    check_go(
        "scmProvider: {github: {organization: acme}}",
        "{{ .repository }}-{{ .repository_id }}-{{ .branch }}",
        &["web-42-main", "api-43-trunk"],
    );
    check_go("clusterDecisionResource: {configMapRef: ocm-placement, labelSelector: {matchLabels: {placement: a}}, values: {v: '{{ .name }}'}}", "{{ .name }}-{{ dig \"reason\" \"none\" . }}-{{ .values.v }}", &["prod-eu-chosen-{{ .name }}", "in-cluster-none-{{ .name }}"]);
    // A matrix of git and clusters: child 2's values mix both children's parameters.
    check_go(&format!("matrix: {{generators: [{{{}}}, {{clusters: {{selector: {{matchLabels: {{env: prod}}}}, values: {{addon: '{{{{ .path.basename }}}}', cluster: '{{{{ .name }}}}'}}}}}}]}}", git_dirs("{path: 'infra/*'}")), "{{ .values.cluster }}-{{ .values.addon }}-{{ .path.segments }}", &["prod-eu-metrics-server-[infra metrics-server]"]);
    // The implicit in-cluster entry has no `metadata` (rulebook 11.5); with
    // missingkey=error the lookup fails before `index` would.
    check_go_error(
        "clusters: {}",
        "{{ index .metadata.labels \"env\" }}",
        r#"spec.template.metadata.name: invalid template: failed to execute go template {{ index .metadata.labels "env" }}: template: base:1:18: executing "base" at <.metadata.labels>: map has no entry for key "metadata""#,
    );
    check_go_error(
        &git_dirs("{path: 'infra/*'}"),
        "{{ .path.nope }}",
        r#"spec.template.metadata.name: invalid template: failed to execute go template {{ .path.nope }}: template: base:1:8: executing "base" at <.path.nope>: map has no entry for key "nope""#,
    );
}

// The `generate` command over real git checkouts.

fn scenario_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("scenarios")
        .join(name)
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        status.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&status.stderr)
    );
}

/// Copies `from` into a fresh git repository and commits it; returns the repository.
fn git_repo_from(from: &Path, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("preflight-gen-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_tree(from, &dir);
    git(&dir, &["init", "-q", "-b", "main"]);
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-q", "-m", "fixture"]);
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    let mut entries: Vec<_> = std::fs::read_dir(from)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run_binary(args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_argocd-preflight"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs");
    Run {
        code: output.status.code().expect("exited normally"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// Runs `generate` on `tests/scenarios/<name>/appset.yaml` with its `snapshot/`, its
/// `repo/` as a git checkout of the repository the scenario's README names, and its
/// `responses.yaml`, and snapshots what it prints.
fn snapshot_generate(name: &str) {
    let dir = scenario_dir(name);
    let relative = |sub: &str| format!("tests/scenarios/{name}/{sub}");
    let mut args: Vec<String> = vec!["generate".into(), relative("appset.yaml")];
    if dir.join("snapshot").is_dir() {
        args.extend(["--snapshot".into(), relative("snapshot")]);
    }
    let mut repo = None;
    if dir.join("repo").is_dir() {
        let checkout = git_repo_from(&dir.join("repo"), name);
        args.extend([
            "--git-repo".into(),
            format!("{REPO}={}", checkout.display()),
        ]);
        repo = Some(checkout);
    }
    if dir.join("responses.yaml").is_file() {
        args.extend(["--generator-response".into(), relative("responses.yaml")]);
    }
    let arg_refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = run_binary(&arg_refs);
    let mut stderr = run.stderr.clone();
    if let Some(checkout) = &repo {
        stderr = stderr.replace(&checkout.display().to_string(), "[CHECKOUT]");
        let _ = std::fs::remove_dir_all(checkout);
    }
    let report = format!(
        "exit code: {}\n--- stderr\n{stderr}--- stdout\n{}",
        run.code, run.stdout
    );
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!(format!("generate__{name}"), report));
}

#[test]
fn generate_matrix_of_clusters_and_git_directories() {
    snapshot_generate("generate-matrix-git");
}

#[test]
fn generate_merge_with_git_files_and_template_patch() {
    snapshot_generate("generate-merge-files");
}

#[test]
fn generate_go_template_matrix_and_merge() {
    snapshot_generate("generate-gotemplate-matrix");
}

#[test]
fn generate_reports_a_repository_without_checkout() {
    let run = run_binary(&[
        "generate",
        "tests/scenarios/generate-matrix-git/appset.yaml",
        "--snapshot",
        "tests/scenarios/generate-matrix-git/snapshot",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("no checkout of repository `https://git.example.com/platform/deploy.git` was given; pass `--git-repo https://git.example.com/platform/deploy.git=DIR`"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty());
}

#[test]
fn generate_json_is_a_list_and_network_generators_need_answers() {
    let dir = scenario_dir("generate-pull-requests");
    let without = run_binary(&[
        "generate",
        "tests/scenarios/generate-pull-requests/appset.yaml",
    ]);
    assert_eq!(without.code, 2);
    assert!(
        without.stderr.contains("cannot be evaluated offline"),
        "{}",
        without.stderr
    );
    let with = run_binary(&[
        "generate",
        "tests/scenarios/generate-pull-requests/appset.yaml",
        "--generator-response",
        "tests/scenarios/generate-pull-requests/responses.yaml",
        "-o",
        "json",
    ]);
    assert_eq!(with.code, 0, "{}", with.stderr);
    let list: Value = serde_json::from_str(&with.stdout).unwrap();
    assert_eq!(list["kind"], "List");
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["preview-12", "preview-15"]);
    assert!(dir.join("README.md").is_file());
}

/// `plan --base-ref/--head-ref`: a git generator whose repository is the plan's own reads
/// it at base for live and at head for the merge, so a directory renamed in the change
/// replaces its Application.
#[test]
fn plan_reads_the_plan_repository_at_base_and_at_head() {
    let dir = std::env::temp_dir().join(format!("preflight-gen-plan-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("apps/guestbook")).unwrap();
    std::fs::create_dir_all(dir.join("apps/metrics-server")).unwrap();
    std::fs::create_dir_all(dir.join("appsets")).unwrap();
    std::fs::write(dir.join("apps/guestbook/x.yaml"), "a: 1\n").unwrap();
    std::fs::write(dir.join("apps/metrics-server/x.yaml"), "a: 1\n").unwrap();
    std::fs::write(
        dir.join("appsets/apps.yaml"),
        format!("apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {{name: apps, namespace: argocd}}\nspec:\n  generators:\n  - git: {{repoURL: '{REPO}', revision: HEAD, directories: [{{path: 'apps/*'}}]}}\n  template:\n    metadata: {{name: '{{{{path.basename}}}}'}}\n    spec: {{project: default, source: {{repoURL: '{REPO}', path: '{{{{path}}}}'}}, destination: {{server: https://kubernetes.default.svc, namespace: '{{{{path.basename}}}}'}}}}\n"),
    )
    .unwrap();
    git(&dir, &["init", "-q", "-b", "main"]);
    git(
        &dir,
        &[
            "remote",
            "add",
            "origin",
            "git@git.example.com:platform/deploy.git",
        ],
    );
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-q", "-m", "base"]);
    git(&dir, &["mv", "apps/metrics-server", "apps/metrics"]);
    git(&dir, &["commit", "-q", "-m", "head"]);
    let snapshot = dir.join("snapshot-dir");
    std::fs::create_dir_all(snapshot.join("in-cluster")).unwrap();
    std::fs::write(snapshot.join("in-cluster/argocd-cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: argocd-cm, namespace: argocd}\ndata: {}\n").unwrap();
    let repo_arg = dir.display().to_string();
    let snapshot_arg = snapshot.display().to_string();
    let run = run_binary(&[
        "plan",
        "--snapshot",
        &snapshot_arg,
        "--repo",
        &repo_arg,
        "--base-ref",
        "HEAD~1",
        "--head-ref",
        "HEAD",
        "--path",
        "appsets/*.yaml",
        "--format",
        "json",
        "--fail-on",
        "never",
    ]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(run.code, 0, "{}\n{}", run.stderr, run.stdout);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let actions: BTreeMap<String, String> = report["applications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["name"].as_str().unwrap().to_string(),
                a["action"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected: BTreeMap<String, String> = [
        ("guestbook", "unchanged"),
        ("metrics", "create"),
        ("metrics-server", "delete"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(actions, expected);
}

/// Replaces every node of ApplicationSets using each generator, one at a time, by values
/// of every JSON type: generation may fail, but never panics.
#[test]
fn wrong_types_anywhere_never_panic() {
    let sources = [
        appset(&format!("matrix: {{generators: [{{clusters: {{selector: {{matchLabels: {{env: prod}}}}, values: {{a: b}}}}, selector: {{matchLabels: {{name: x}}}}}}, {{git: {{repoURL: '{REPO}', revision: HEAD, pathParamPrefix: p, directories: [{{path: 'apps/*'}}, {{path: apps/x, exclude: true}}]}}}}]}}"), "{{name}}"),
        appset(&format!("merge: {{mergeKeys: [name], generators: [{{clusters: {{}}}}, {{git: {{repoURL: '{REPO}', files: [{{path: 'config/**'}}], values: {{v: '{{{{name}}}}'}}}}}}]}}"), "{{name}}"),
        appset("clusterDecisionResource: {configMapRef: ocm-placement, labelSelector: {matchLabels: {placement: a}}, values: {a: b}}", "{{name}}"),
        appset("pullRequest: {github: {owner: acme, repo: web, labels: [preview]}, filters: [{branchMatch: x}], continueOnRepoNotFoundError: true}", "{{number}}"),
        appset("scmProvider: {github: {organization: acme, allBranches: true}, filters: [{repositoryMatch: w, pathsExist: [a]}]}", "{{repository}}"),
        appset("plugin: {configMapRef: {name: my-plugin}, input: {parameters: {a: b}}, values: {x: y}}", "{{region}}").replace("  template:", "  templatePatch: 'metadata: {labels: {a: b}}'\n  template:"),
    ];
    let replacements = [
        serde_json::json!(null),
        serde_json::json!(true),
        serde_json::json!(0),
        serde_json::json!("{{x"),
        serde_json::json!([]),
        serde_json::json!({}),
        serde_json::json!([1, {"a": null}]),
    ];
    let env = Env::new();
    let objects: Vec<&Object> = env.objects.iter().collect();
    let ctx = GenerationContext {
        clusters: &env.clusters,
        settings: &env.settings,
        argocd_objects: &objects,
        argocd_namespace: Some("argocd"),
        repos: &env.repos as &dyn RepoFiles,
        responses: &env.responses,
        workers: 1,
        max_applications: preflight_generators::DEFAULT_MAX_APPLICATIONS,
    };
    let mut mutations = 0;
    for source in &sources {
        let base = yaml(source);
        let mut pointers = Vec::new();
        collect_pointers(&base, String::new(), &mut pointers);
        for pointer in &pointers {
            for replacement in &replacements {
                let mut mutated = base.clone();
                *mutated.pointer_mut(pointer).unwrap() = replacement.clone();
                let _ = generate(&Object::from_value(mutated), &ctx);
                mutations += 1;
            }
        }
    }
    assert!(mutations > 500);
}

fn collect_pointers(value: &Value, pointer: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let escaped = key.replace('~', "~0").replace('/', "~1");
                collect_pointers(child, format!("{pointer}/{escaped}"), out);
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                collect_pointers(child, format!("{pointer}/{index}"), out);
            }
        }
        _ => {}
    }
    if !pointer.is_empty() {
        out.push(pointer);
    }
}
