//! End-to-end tests of [`generate`]: an ApplicationSet written as YAML, the cluster
//! secrets, and the Applications (or the error) Argo CD would produce.

use std::collections::BTreeMap;

use preflight_model::{ApplicationsSyncPolicy, ArgoSettings, ClusterInfo, Object};
use serde_json::{json, Value};

use crate::{effective_policy, generate, GenerateError, Generated, GenerationContext};

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
        cluster("dev", "https://dev.example.com", &[("env", "dev")]),
    ]
}

fn run(appset_yaml: &str, clusters: &[ClusterInfo]) -> Result<Generated, GenerateError> {
    let settings = ArgoSettings::default();
    let ctx = GenerationContext::new(clusters, &settings);
    generate(&Object::from_value(yaml(appset_yaml)), &ctx)
}

/// An ApplicationSet around the given generators and template, in namespace `argocd`.
fn appset(generators: &str, template: &str) -> String {
    let indent = |text: &str, by: usize| {
        text.lines()
            .map(|line| format!("{}{line}\n", " ".repeat(by)))
            .collect::<String>()
    };
    format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: infra\n  namespace: argocd\n  uid: u-1\nspec:\n  generators:\n{}  template:\n{}",
        indent(generators, 2),
        indent(template, 4)
    )
}

const TEMPLATE: &str = "
metadata:
  name: '{{cluster}}-app'
spec:
  project: infra
  source: {repoURL: 'https://git.example.com/infra', path: 'apps/{{cluster}}'}
  destination: {server: '{{url}}', namespace: apps}
";

/// Compares the whole list of generated Applications to YAML.
#[track_caller]
fn check(appset_yaml: &str, clusters: &[ClusterInfo], expected_yaml: &str) {
    let generated = run(appset_yaml, clusters).expect("generation succeeds");
    let actual: Vec<Value> = generated
        .applications
        .into_iter()
        .map(Object::into_raw)
        .collect();
    assert_eq!(Value::Array(actual), yaml(expected_yaml));
}

/// Compares one field (a path of keys) of every generated Application, in order.
#[track_caller]
fn check_field(appset_yaml: &str, clusters: &[ClusterInfo], field: &[&str], expected: Value) {
    let generated = run(appset_yaml, clusters).expect("generation succeeds");
    let actual: Vec<Value> = generated
        .applications
        .iter()
        .map(|app| app.value_at(field).cloned().unwrap_or(Value::Null))
        .collect();
    assert_eq!(Value::Array(actual), expected, "field {field:?}");
}

#[track_caller]
fn check_names(appset_yaml: &str, clusters: &[ClusterInfo], expected: &[&str]) {
    let generated = run(appset_yaml, clusters).expect("generation succeeds");
    let names: Vec<&str> = generated.applications.iter().map(Object::name).collect();
    assert_eq!(names, expected);
}

#[track_caller]
fn check_error(appset_yaml: &str, expected: &str) {
    let error = run(appset_yaml, &fleet()).expect_err("generation fails");
    assert_eq!(error.to_string(), expected);
}

#[test]
fn list_generator_builds_full_applications() {
    let source = appset(
        "- list:\n    elements:\n    - {cluster: a, url: 'https://a'}\n    - {cluster: b, url: 'https://b'}",
        "metadata:
  name: '{{cluster}}-app'
  namespace: somewhere-else
  labels: {team: '{{cluster}}', '{{cluster}}-label': x}
  annotations: {note: 'for {{ cluster }} and {{ unknown }}'}
spec:
  project: ''
  source: {repoURL: 'https://git.example.com/infra', path: 'apps/{{cluster}}', helm: {releaseName: ''}}
  destination: {server: '{{url}}', namespace: apps}
  syncPolicy: {syncOptions: []}",
    );
    check(
        &source,
        &[],
        "
- apiVersion: argoproj.io/v1alpha1
  kind: Application
  metadata:
    name: a-app
    namespace: argocd
    labels: {team: a, a-label: x}
    annotations: {note: 'for a and {{ unknown }}'}
    finalizers: [resources-finalizer.argocd.argoproj.io]
    ownerReferences:
    - {apiVersion: argoproj.io/v1alpha1, kind: ApplicationSet, name: infra, uid: u-1, controller: true, blockOwnerDeletion: true}
  spec:
    project: default
    source: {repoURL: 'https://git.example.com/infra', path: apps/a}
    destination: {server: 'https://a', namespace: apps}
- apiVersion: argoproj.io/v1alpha1
  kind: Application
  metadata:
    name: b-app
    namespace: argocd
    labels: {team: b, b-label: x}
    annotations: {note: 'for b and {{ unknown }}'}
    finalizers: [resources-finalizer.argocd.argoproj.io]
    ownerReferences:
    - {apiVersion: argoproj.io/v1alpha1, kind: ApplicationSet, name: infra, uid: u-1, controller: true, blockOwnerDeletion: true}
  spec:
    project: default
    source: {repoURL: 'https://git.example.com/infra', path: apps/b}
    destination: {server: 'https://b', namespace: apps}
",
    );
}

#[test]
fn owner_reference_omits_a_missing_uid_and_namespace_follows_the_appset() {
    let source = appset("- list: {elements: [{cluster: a, url: u}]}", TEMPLATE)
        .replace("  uid: u-1\n", "")
        .replace("namespace: argocd", "namespace: team-a");
    check_field(
        &source,
        &[],
        &["metadata", "ownerReferences"],
        json!([[{"apiVersion": "argoproj.io/v1alpha1", "kind": "ApplicationSet", "name": "infra", "controller": true, "blockOwnerDeletion": true}]]),
    );
    check_field(&source, &[], &["metadata", "namespace"], json!(["team-a"]));
}

#[test]
fn finalizer_injection() {
    let list = "- list: {elements: [{cluster: a, url: u}]}";
    let injected = json!([["resources-finalizer.argocd.argoproj.io"]]);
    let finalizers = &["metadata", "finalizers"];
    check_field(&appset(list, TEMPLATE), &[], finalizers, injected.clone());
    let preserve = appset(list, TEMPLATE).replace(
        "spec:\n  generators",
        "spec:\n  syncPolicy: {preserveResourcesOnDeletion: true}\n  generators",
    );
    check_field(&preserve, &[], finalizers, json!([null]));
    let not_preserve = preserve.replace("true}", "false}");
    check_field(&not_preserve, &[], finalizers, injected);
    let background = TEMPLATE.replace(
        "  name: '{{cluster}}-app'",
        "  name: '{{cluster}}-app'\n  finalizers: [resources-finalizer.argocd.argoproj.io/background]",
    );
    check_field(
        &appset(list, &background),
        &[],
        finalizers,
        json!([["resources-finalizer.argocd.argoproj.io/background"]]),
    );
    let unrelated = TEMPLATE.replace(
        "  name: '{{cluster}}-app'",
        "  name: '{{cluster}}-app'\n  finalizers: [example.com/keep]",
    );
    check_field(
        &appset(list, &unrelated),
        &[],
        finalizers,
        json!([["example.com/keep"]]),
    );
}

#[test]
fn empty_param_set_returns_the_template_untouched() {
    let source = appset("- list: {elements: [{}, {cluster: a, url: u}]}", TEMPLATE);
    check_names(&source, &[], &["{{cluster}}-app", "a-app"]);
    check_field(
        &source,
        &[],
        &["metadata", "finalizers"],
        json!([null, ["resources-finalizer.argocd.argoproj.io"]]),
    );
    check_field(
        &source,
        &[],
        &["metadata", "namespace"],
        json!(["argocd", "argocd"]),
    );
    check_field(
        &source,
        &[],
        &["spec", "source", "path"],
        json!(["apps/{{cluster}}", "apps/a"]),
    );
}

#[test]
fn list_values_and_elements_yaml() {
    let template =
        "metadata: {name: '{{cluster}}-{{values.env}}-{{replicas}}'}\nspec: {project: p}";
    let generators = "- list:
    elements: [{cluster: a, values: {env: prod}}]
    elementsYaml: |
      - {cluster: b, replicas: 3}";
    check_names(
        &appset(generators, template),
        &[],
        &["a-prod-{{replicas}}", "b-{{values.env}}-{{replicas}}"],
    );
}

#[test]
fn map_keys_and_helm_values_object_are_rendered() {
    let template = "metadata: {name: '{{cluster}}'}
spec:
  project: p
  source:
    helm:
      valuesObject:
        '{{cluster}}': {region: '{{ region }}', replicas: 2, dropped: null}";
    let source = appset("- list: {elements: [{cluster: a, region: eu}]}", template);
    check_field(
        &source,
        &[],
        &["spec", "source", "helm", "valuesObject"],
        json!([{"a": {"region": "eu", "replicas": 2}}]),
    );
}

#[test]
fn clusters_generator() {
    let template = "metadata: {name: '{{name}}-{{values.tier}}-{{metadata.labels.env}}'}
spec: {project: p, destination: {server: '{{server}}'}}";
    let all = appset(
        "- clusters: {values: {tier: 'gold-{{nameNormalized}}', copy: '{{values.tier}}'}}",
        template,
    );
    check_names(
        &all,
        &fleet(),
        &[
            "dev-gold-dev-dev",
            "prod-eu-gold-prod-eu-prod",
            "in-cluster-gold-in-cluster-{{metadata.labels.env}}",
        ],
    );
    check_field(
        &all,
        &fleet(),
        &["spec", "destination", "server"],
        json!([
            "https://dev.example.com",
            "https://eu.example.com",
            "https://kubernetes.default.svc"
        ]),
    );
    let prod = appset(
        "- clusters: {selector: {matchLabels: {env: prod}}, values: {tier: t}}",
        template,
    );
    check_names(&prod, &fleet(), &["prod-eu-t-prod"]);
    let by_type = appset(
        "- clusters: {selector: {matchLabels: {argocd.argoproj.io/secret-type: cluster}}, values: {tier: t}}",
        template,
    );
    check_names(&by_type, &fleet(), &["dev-t-dev", "prod-eu-t-prod"]);
}

#[test]
fn cluster_values_see_only_their_own_param_set() {
    let template = "metadata: {name: '{{values.copy}}'}\nspec: {project: p}";
    let source = appset(
        "- clusters: {values: {a: '{{name}}', copy: '{{values.a}}'}}",
        template,
    );
    check_names(
        &source,
        &fleet(),
        &["{{values.a}}", "{{values.a}}", "{{values.a}}"],
    );
}

#[test]
fn flat_list_yields_one_application_with_tags_untouched() {
    let template = "metadata: {name: 'all-{{clusters}}'}\nspec: {project: p}";
    let source = appset("- clusters: {flatList: true}", template);
    check_names(&source, &fleet(), &["all-{{clusters}}"]);
}

#[test]
fn generator_template_is_merged_over_the_spec_template() {
    let generators = "- list:
    elements: [{cluster: a, url: u}]
    template:
      metadata: {name: 'gen-{{cluster}}', labels: {from: generator}}
      spec: {project: '', destination: {namespace: other}}";
    let template = "metadata: {name: spec-name, labels: {from: spec, extra: 'yes'}}
spec:
  project: infra
  destination: {server: '{{url}}', namespace: apps}";
    let source = appset(generators, template);
    check_names(&source, &[], &["gen-a"]);
    check_field(
        &source,
        &[],
        &["metadata", "labels"],
        json!([{"from": "generator", "extra": "yes"}]),
    );
    check_field(
        &source,
        &[],
        &["spec"],
        json!([{"project": "infra", "destination": {"server": "u", "namespace": "other"}}]),
    );
}

#[test]
fn post_selector_filters_flattened_params() {
    let list = "- list:
    elements: [{cluster: a, values: {env: prod}}, {cluster: b, values: {env: dev}}]
    elementsYaml: '[{cluster: c, replicas: 3}]'
  selector: SELECTOR";
    let template = "metadata: {name: '{{cluster}}'}\nspec: {project: p}";
    let with = |selector: &str| appset(&list.replace("SELECTOR", selector), template);
    check_names(&with("{matchLabels: {values.env: prod}}"), &[], &["a"]);
    check_names(
        &with("{matchExpressions: [{key: values.env, operator: NotIn, values: [prod]}]}"),
        &[],
        &["b", "c"],
    );
    check_names(&with("{matchLabels: {replicas: '3'}}"), &[], &["c"]);
    check_names(&with("{}"), &[], &["a", "b", "c"]);
    check_names(&with("null"), &[], &["a", "b", "c"]);
    let clusters = appset(
        "- clusters: {}\n  selector: {matchLabels: {metadata.labels.env: dev}}",
        "metadata: {name: '{{name}}'}\nspec: {project: p}",
    );
    check_names(&clusters, &fleet(), &["dev"]);
    let by_server = appset(
        "- clusters: {}\n  selector: {matchLabels: {server: 'https://kubernetes.default.svc'}}",
        "metadata: {name: '{{name}}'}\nspec: {project: p}",
    );
    check_names(&by_server, &fleet(), &["in-cluster"]);
    // A flat list is one typed Go slice: the selector sees it whole, not `clusters.0.name`.
    let flat = |selector: &str| {
        appset(
            &format!("- clusters: {{flatList: true}}\n  selector: {selector}"),
            "metadata: {name: all}\nspec: {project: p}",
        )
    };
    check_names(
        &flat("{matchExpressions: [{key: clusters.0.name, operator: Exists}]}"),
        &fleet(),
        &[],
    );
    check_names(
        &flat("{matchExpressions: [{key: clusters, operator: Exists}]}"),
        &fleet(),
        &["all"],
    );
}

#[test]
fn entries_and_generators_keep_argo_cd_order() {
    let generators = "- clusters: {selector: {matchLabels: {env: dev}}}
  list: {elements: [{name: from-list}]}
- list: {elements: [{name: second-entry}]}";
    let source = appset(
        generators,
        "metadata: {name: '{{name}}'}\nspec: {project: p}",
    );
    check_names(&source, &fleet(), &["from-list", "dev", "second-entry"]);
}

#[test]
fn unknown_generator_entries_produce_nothing_but_a_warning() {
    let generators =
        "- lists: {elements: [{cluster: a}]}\n- list: {elements: [{cluster: b, url: u}]}\n- {}";
    let generated = run(&appset(generators, TEMPLATE), &[]).unwrap();
    let names: Vec<&str> = generated.applications.iter().map(Object::name).collect();
    assert_eq!(names, ["b-app"]);
    assert_eq!(
        generated.warnings,
        [
            "spec.generators[0]: no generator Argo CD recognizes (found `lists`); Argo CD ignores this entry and generates nothing from it",
            "spec.generators[2]: no generator Argo CD recognizes (found nothing); Argo CD ignores this entry and generates nothing from it",
        ]
    );
}

#[test]
fn empty_generators_fail() {
    let list = "- list: {elements: [{cluster: a}]}";
    let patch = appset(list, TEMPLATE).replace(
        "spec:\n  generators",
        "spec:\n  templatePatch: 'x'\n  generators",
    );
    check_error(
        &patch,
        "spec.templatePatch: error applying the patch: the patch must be an object",
    );
    for (kind, message) in [
        ("matrix", "spec.generators[0].matrix.generators: found less than two generators, Matrix support only two"),
        ("merge", "spec.generators[0].merge.generators: found less than two generators, Merge requires two or more"),
        ("scmProvider", "spec.generators[0].scmProvider: the SCM provider generator asks the network, so it cannot be evaluated offline; record its answer in a `--generator-response` file"),
        ("pullRequest", "spec.generators[0].pullRequest: the pull request generator asks the network, so it cannot be evaluated offline; record its answer in a `--generator-response` file"),
        ("plugin", "spec.generators[0].plugin: the plugin generator asks the network, so it cannot be evaluated offline; record its answer in a `--generator-response` file"),
        ("clusterDecisionResource", "spec.generators[0].clusterDecisionResource.configMapRef: error reading configMapRef: configmaps \"\" not found (namespace `argocd` of the Argo CD cluster in the snapshot)"),
        ("git", "spec.generators[0].git: error getting project infra: the snapshot holds no AppProject"),
    ] {
        let source = appset(&format!("- {kind}: {{}}"), TEMPLATE);
        let error = run(&source, &fleet()).map(|_| ()).unwrap_err().to_string();
        if kind == "git" {
            // Without AppProjects in the context the check is skipped; the empty
            // generator then fails.
            assert_eq!(error, "spec.generators[0].git: generator is empty: give `directories` or `files`");
        } else {
            assert_eq!(error, message, "{kind}");
        }
    }
}

#[test]
fn errors_name_the_field() {
    check_error(
        &appset("- list: {elements: [{cluster: a}]}\n- list: {elements: [{cluster: 5}]}", TEMPLATE),
        "spec.generators[1].list.elements[0].cluster: value must be a string in fasttemplate mode, found number",
    );
    check_error(
        &appset("- list: {elements: [{cluster: a}]}", "metadata: {name: '{{cluster}} {{x'}\nspec: {}"),
        "spec.template.metadata.name: invalid template: cannot find end tag `}}` in `{{cluster}} {{x` starting from `x`",
    );
    check_error(
        &appset(
            "- list:\n    elements: [{cluster: a}]\n    template: {metadata: {labels: {'{{a}} {{b': x}}}",
            TEMPLATE,
        ),
        r#"spec.generators[0].list.template.metadata.labels["{{a}} {{b"]: invalid template: cannot find end tag `}}` in `{{a}} {{b` starting from `b` (in a map key)"#,
    );
    check_error(
        &appset(
            "- list: {elements: [{cluster: a}]}",
            "metadata: {name: x, labels: {n: 1}}\nspec: {}",
        ),
        "spec.template.metadata.labels.n: must be a string, found number",
    );
    check_error(
        &appset(
            "- list: {elements: [{cluster: a}]}\n  selector: {matchLabels: {'path[0]': x}}",
            TEMPLATE,
        ),
        r#"spec.generators[0].selector.matchLabels["path[0]"]: `path[0]` is not a valid label key: the name part must consist of alphanumeric characters, `-`, `_` or `.`, and start and end with an alphanumeric character"#,
    );
    check_error(
        &appset("- list: []", TEMPLATE),
        "spec.generators[0].list: must be an object, found list",
    );
    check_error(
        &appset("- 3", TEMPLATE),
        "spec.generators[0]: must be an object, found number",
    );
    check_error(
        "apiVersion: v1\nkind: ApplicationSet\nmetadata: {name: x}",
        "spec: is required",
    );
    check_error(
        "apiVersion: v1\nkind: ApplicationSet\nmetadata: {name: x}\nspec: {template: {}}",
        "spec.generators: is required",
    );
    check_error(
        "apiVersion: v1\nkind: ApplicationSet\nmetadata: {name: x}\nspec: {generators: []}",
        "spec.template: is required",
    );
    check_error(
        &appset("- list: {elements: [{cluster: a}]}", TEMPLATE).replace(
            "spec:\n  generators",
            "spec:\n  syncPolicy: {preserveResourcesOnDeletion: 'yes'}\n  generators",
        ),
        "spec.syncPolicy.preserveResourcesOnDeletion: must be a boolean, found string",
    );
}

#[test]
fn render_errors_only_happen_when_rendering() {
    // Argo CD never renders for an empty parameter set, so a broken template is harmless.
    let source = appset(
        "- list: {elements: [{}]}",
        "metadata: {name: '{{a}} {{b'}\nspec: {}",
    );
    check_names(&source, &[], &["{{a}} {{b"]);
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let mut deep = json!("leaf");
    for _ in 0..1000 {
        deep = json!([deep]);
    }
    let mut source = yaml(&appset("- list: {elements: [{cluster: a}]}", TEMPLATE));
    source["spec"]["template"]["spec"]["deep"] = deep;
    let settings = ArgoSettings::default();
    let ctx = GenerationContext::new(&[], &settings);
    let error = generate(&Object::from_value(source), &ctx).unwrap_err();
    assert_eq!(
        error.to_string(),
        "(appset): is nested deeper than 200 levels"
    );
}

/// Replaces every node of a valid ApplicationSet, one at a time, by values of every JSON
/// type: generation may fail, but never panic.
#[test]
fn wrong_types_anywhere_never_panic() {
    let base = yaml(&appset(
        "- list:\n    elements: [{cluster: a, values: {env: prod}}]\n    elementsYaml: '[{cluster: b}]'\n    template: {metadata: {labels: {a: b}}}\n  selector: {matchExpressions: [{key: cluster, operator: In, values: [a]}]}\n- clusters: {selector: {matchLabels: {env: prod}}, values: {v: x}, flatList: false}",
        "metadata: {name: '{{cluster}}', labels: {k: v}, finalizers: [f]}\nspec: {project: p, syncPolicy: {automated: {}}, source: {helm: {valuesObject: {a: 1}}}, sources: [{directory: {include: x}}]}",
    ));
    let replacements = [
        json!(null),
        json!(true),
        json!(0),
        json!("{{x"),
        json!([]),
        json!({}),
        json!([1, {"a": null}]),
    ];
    let mut paths = Vec::new();
    collect_pointers(&base, String::new(), &mut paths);
    let settings = ArgoSettings::default();
    let clusters = fleet();
    let ctx = GenerationContext::new(&clusters, &settings);
    for pointer in &paths {
        for replacement in &replacements {
            let mut mutated = base.clone();
            *mutated.pointer_mut(pointer).unwrap() = replacement.clone();
            let object = Object::from_value(mutated);
            let _ = generate(&object, &ctx);
            let _ = effective_policy(&object);
        }
    }
    assert!(paths.len() > 50);
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

#[track_caller]
fn check_policy(sync_policy: &str, expected: Result<ApplicationsSyncPolicy, &str>) {
    let source = format!("apiVersion: v1\nkind: ApplicationSet\nmetadata: {{name: x}}\nspec: {{syncPolicy: {sync_policy}}}");
    let actual = effective_policy(&Object::from_value(yaml(&source))).map_err(|e| e.to_string());
    assert_eq!(
        actual,
        expected.map_err(str::to_string),
        "syncPolicy {sync_policy}"
    );
}

#[test]
fn applications_sync_policy() {
    check_policy("null", Ok(ApplicationsSyncPolicy::Sync));
    check_policy("{}", Ok(ApplicationsSyncPolicy::Sync));
    check_policy("{applicationsSync: sync}", Ok(ApplicationsSyncPolicy::Sync));
    check_policy(
        "{applicationsSync: create-only}",
        Ok(ApplicationsSyncPolicy::CreateOnly),
    );
    check_policy(
        "{applicationsSync: create-update}",
        Ok(ApplicationsSyncPolicy::CreateUpdate),
    );
    check_policy(
        "{applicationsSync: create-delete}",
        Ok(ApplicationsSyncPolicy::CreateDelete),
    );
    check_policy(
        "{applicationsSync: delete-all}",
        Err("spec.syncPolicy.applicationsSync: unknown policy `delete-all`, expected `create-only`, `create-update`, `create-delete` or `sync`"),
    );
    check_policy(
        "{applicationsSync: 1}",
        Err("spec.syncPolicy.applicationsSync: must be a string, found number"),
    );
    check_policy("[]", Err("spec.syncPolicy: must be an object, found list"));
}

// goTemplate mode (rulebook 2.4, 4.0, 4.5, 4.6, 5, 6.3).

/// An ApplicationSet in goTemplate mode with `options` as `goTemplateOptions`, one
/// generator entry and a template whose name is `name`.
fn go_appset(options: &str, generators: &str, name: &str) -> String {
    appset(
        generators,
        &format!("metadata: {{name: '{name}'}}\nspec: {{project: p}}"),
    )
    .replace(
        "spec:\n  generators",
        &format!("spec:\n  goTemplate: true\n  goTemplateOptions: {options}\n  generators"),
    )
}

/// One goTemplate case: the names generated (from [`fleet`] clusters).
#[track_caller]
fn check_go(options: &str, generators: &str, name: &str, expected: &[&str]) {
    check_names(&go_appset(options, generators, name), &fleet(), expected);
}

/// One goTemplate case that fails, with the whole error message.
#[track_caller]
fn check_go_error(options: &str, generators: &str, name: &str, expected: &str) {
    let error = run(&go_appset(options, generators, name), &fleet()).expect_err("fails");
    assert_eq!(error.to_string(), expected, "{generators} {name}");
}

const ERROR: &str = "[missingkey=error]";

#[test]
fn go_templates_render_with_go_semantics() {
    let list =
        "- list: {elements: [{cluster: Prod_A, n: 1000000, ok: true, tags: [a, b], cfg: {k: v}}]}";
    check_go("[]", list, "{{ .cluster | normalize }}", &["prod-a"]);
    check_go(
        "[]",
        list,
        "{{ .n }}-{{ .ok }}-{{ .tags }}-{{ .cfg }}",
        &["1e+06-true-[a b]-map[k:v]"],
    );
    check_go(
        "[]",
        list,
        "{{ .missing }}-{{ .cfg.missing }}",
        &["<no value>-<no value>"],
    );
    check_go("[missingkey=zero]", list, "{{ .missing }}", &["<no value>"]);
    check_go(
        "[]",
        list,
        "{{ .cfg | toJson }}|{{ .cfg | toYaml }}|{{ .tags | toJson }}",
        &[r#"{"k":"v"}|k: v|["a","b"]"#],
    );
    check_go(
        "[]",
        list,
        "{{ if .ok }}{{ .cluster | lower }}{{ else }}no{{ end }}",
        &["prod_a"],
    );
    check_go(
        "[]",
        list,
        "{{ printf \"%s-%d\" .cluster (len .tags) }}",
        &["Prod_A-2"],
    );
    check_go(
        "[]",
        list,
        "{{ range $i, $t := .tags }}{{ $i }}{{ $t }}{{ end }}",
        &["0a1b"],
    );
    // A string without `{{` is the same text; fasttemplate tags are just text too.
    check_go("[]", list, "plain-{cluster}", &["plain-{cluster}"]);
    // The empty parameter set shortcut holds in goTemplate mode too.
    check_go("[]", "- list: {elements: [{}]}", "{{ .a }}", &["{{ .a }}"]);
}

#[test]
fn go_template_errors_freeze_the_appset_and_name_the_field() {
    // Since Argo CD 3.3 every string is parsed into a clone of `template.New("base")`, so
    // Go's messages name the template `base` (argo-cd applicationset/utils/utils.go,
    // `baseTemplate`, `Render.Replace`).
    let list = "- list: {elements: [{cluster: a}, {cluster: b, extra: x}]}";
    check_go_error(
        ERROR,
        list,
        "{{ .extra }}",
        r#"spec.template.metadata.name: invalid template: failed to execute go template {{ .extra }}: template: base:1:3: executing "base" at <.extra>: map has no entry for key "extra""#,
    );
    check_go_error(
        "[]",
        list,
        "{{ .cluster | nope }}",
        r#"spec.template.metadata.name: invalid template: failed to parse template {{ .cluster | nope }}: template: base:1: function "nope" not defined"#,
    );
    check_go_error(
        "[]",
        list,
        "{{ .cluster.x }}",
        r#"spec.template.metadata.name: invalid template: failed to execute go template {{ .cluster.x }}: template: base:1:11: executing "base" at <.cluster.x>: can't evaluate field x in type interface {}"#,
    );
    check_go_error(
        "[]",
        list,
        "{{ now }}",
        r#"spec.template.metadata.name: invalid template: failed to execute go template {{ now }}: template: base:1:3: executing "base" at <now>: error calling now: the clock is not available: templates are evaluated offline, without the current time"#,
    );
    check_go_error(
        "[missingkey=maybe]",
        list,
        "x",
        "spec.goTemplateOptions: unrecognized option: missingkey=maybe",
    );
    check_go_error(
        "[1]",
        list,
        "x",
        "spec.goTemplateOptions[0]: must be a string, found number",
    );
    // A map key is rendered, and its failure says so.
    let source = go_appset(ERROR, list, "x").replace(
        "metadata: {name: 'x'}",
        "metadata: {name: 'x', labels: {'{{ .extra }}': v}}",
    );
    assert_eq!(
        run(&source, &[]).unwrap_err().to_string(),
        r#"spec.template.metadata.labels["{{ .extra }}"]: invalid template: failed to execute go template {{ .extra }}: template: base:1:3: executing "base" at <.extra>: map has no entry for key "extra" (in a map key)"#
    );
}

#[test]
fn go_templates_render_map_keys_and_raw_values() {
    let template = "metadata:
  name: '{{ .cluster }}'
  labels: {'{{ .cluster }}-key': '{{ .cluster | upper }}'}
spec:
  project: p
  source:
    helm:
      valuesObject:
        '{{ .cluster }}': {region: '{{ .region | default \"eu\" }}', replicas: 2, list: ['{{ .cluster }}']}";
    let source = appset("- list: {elements: [{cluster: a}]}", template).replace(
        "spec:\n  generators",
        "spec:\n  goTemplate: true\n  generators",
    );
    check_field(
        &source,
        &[],
        &["metadata", "labels"],
        json!([{"a-key": "A"}]),
    );
    check_field(
        &source,
        &[],
        &["spec", "source", "helm", "valuesObject"],
        json!([{"a": {"region": "eu", "replicas": 2, "list": ["a"]}}]),
    );
}

#[test]
fn go_cluster_generator_sees_typed_labels() {
    let clusters = "- clusters: {}";
    check_go(
        "[]",
        clusters,
        "{{ .name }}-{{ .metadata.labels.env }}",
        &["dev-dev", "prod-eu-prod", "in-cluster-<no value>"],
    );
    // Labels are a `map[string]string`: a missing key indexes as "".
    check_go("[]", "- clusters: {selector: {matchLabels: {env: dev}}}", "{{ .name }}-{{ index .metadata.labels \"region\" }}-{{ index .metadata.labels \"region\" | default \"eu\" }}", &["dev--eu"]);
    // The implicit in-cluster entry has no labels at all: `index` fails on it (rulebook 11.5).
    check_go_error(
        "[]",
        clusters,
        "{{ index .metadata.labels \"env\" }}",
        r#"spec.template.metadata.name: invalid template: failed to execute go template {{ index .metadata.labels "env" }}: template: base:1:3: executing "base" at <index .metadata.labels "env">: error calling index: index of untyped nil"#,
    );
    // Values are rendered with the cluster's own parameters and nested under `values`.
    check_go("[]", "- clusters: {values: {rev: '{{ .name }}/{{ .metadata.labels.env }}', self: '{{ .values.rev }}'}}", "{{ .values.rev | replace \"/\" \"-\" }}.{{ .values.self }}", &["dev-dev.<no value>", "prod-eu-prod.<no value>", "in-cluster-<no value>.<no value>"]);
    check_go_error(
        ERROR,
        "- clusters: {values: {rev: '{{ .metadata.labels.env }}'}}",
        "x",
        r#"spec.generators[0].clusters.values.rev: invalid template: failed to execute go template {{ .metadata.labels.env }}: template: base:1:12: executing "base" at <.metadata.labels.env>: map has no entry for key "metadata""#,
    );
    // The post-selector sees flattened labels and values (Argo CD 3.4).
    check_go("[]", "- clusters: {values: {tier: '{{ .metadata.labels.env }}'}}\n  selector: {matchLabels: {values.tier: prod, metadata.labels.env: prod}}", "{{ .name }}", &["prod-eu"]);
    // A flat list is one typed slice for the selector, and `range`s in the template.
    check_go(
        "[]",
        "- clusters: {flatList: true}",
        "{{ range .clusters }}{{ .name }}.{{ end }}",
        &["dev.prod-eu.in-cluster."],
    );
}

#[test]
fn go_matrix_interpolates_and_deep_merges() {
    // Child 2 is rendered with each parameter set of child 1, in Go.
    check_go("[]", "- matrix: {generators: [{list: {elements: [{env: prod}, {env: dev}]}}, {clusters: {selector: {matchLabels: {env: '{{ .env }}'}}}}]}", "{{ .env }}-{{ .name }}", &["prod-prod-eu", "dev-dev"]);
    // Combination is a deep merge where child 1 wins, even with false or empty values.
    check_go("[]", "- matrix: {generators: [{list: {elements: [{a: {x: '1', y: '1'}, f: false}]}}, {list: {elements: [{a: {y: '2', z: '2'}, f: true, b: '2'}]}}]}", "{{ .a }}-{{ .f }}-{{ .b }}", &["map[x:1 y:1 z:2]-false-2"]);
    // Values of child 2 mix child 1's parameters (resolved first, missingkey=error) with
    // child 2's own (kept as written until child 2 renders them).
    check_go("[]", "- matrix: {generators: [{list: {elements: [{env: prod}]}}, {clusters: {selector: {matchLabels: {env: prod}}, values: {env: '{{ .env | upper }}', name: '{{ .name }}'}}}]}", "{{ .values.env }}-{{ .values.name }}", &["PROD-prod-eu"]);
    // One value naming both children's parameters fails on child 2's key at first, so it
    // is kept and rendered with child 2's parameters only.
    check_go("[]", "- matrix: {generators: [{list: {elements: [{env: prod}]}}, {clusters: {selector: {matchLabels: {env: prod}}, values: {id: '{{ .env }}/{{ .name }}'}}}]}", "{{ .values.id }}", &["<no value>/prod-eu"]);
    // Other fields of child 2 render with the ApplicationSet's options: a missing key
    // prints `<no value>`, or fails with missingkey=error.
    check_go("[]", "- matrix: {generators: [{list: {elements: [{env: prod}]}}, {list: {elements: [{x: '{{ .nope }}'}]}}]}", "{{ .x }}", &["<no value>"]);
    check_go_error(ERROR, "- matrix: {generators: [{list: {elements: [{env: prod}]}}, {list: {elements: [{x: '{{ .nope }}'}]}}]}", "{{ .x }}", r#"spec.generators[0].matrix.generators[1].list.elements[0].x: invalid template: failed to replace parameters in generator: failed to execute go template {{ .nope }}: template: base:1:3: executing "base" at <.nope>: map has no entry for key "nope""#);
    // A value failing for another reason than a missing key fails the matrix, naming the
    // key (argo-cd applicationset/utils/utils.go, `RenderGeneratorParams`).
    check_go_error("[]", "- matrix: {generators: [{list: {elements: [{env: prod}]}}, {clusters: {values: {id: '{{ .env.x }}'}}}]}", "x", r#"spec.generators[0].matrix.generators[1].clusters.values.id: invalid template: failed to replace parameters in generator: failed to pre-resolve Values key "id": failed to execute go template {{ .env.x }}: template: base:1:7: executing "base" at <.env.x>: can't evaluate field x in type interface {}"#);
    // elementsYaml of child 2 is rendered with child 1's parameters, then parsed.
    check_go("[]", "- matrix: {generators: [{list: {elements: [{env: prod, apps: [{app: a}, {app: b, n: 2}]}]}}, {list: {elementsYaml: '{{ .apps | toJson }}'}}]}", "{{ .env }}-{{ .app }}-{{ .n }}", &["prod-a-<no value>", "prod-b-2"]);
    check_go("[]", "- matrix: {generators: [{list: {elements: [{env: prod, apps: [{app: a}]}]}}, {list: {elementsYaml: '{{ .apps | toYaml }}'}}]}", "{{ .env }}-{{ .app }}", &["prod-a"]);
}

#[test]
fn go_merge_deep_merges_later_children() {
    check_go("[]", "- merge: {mergeKeys: [k], generators: [{list: {elements: [{k: a, m: {x: '1', y: '1'}}, {k: b}]}}, {list: {elements: [{k: a, m: {y: '2'}, extra: e}]}}]}", "{{ .k }}-{{ .m }}-{{ .extra }}", &["a-map[x:1 y:2]-e", "b-<no value>-<no value>"]);
}

#[test]
fn go_post_selector_flattens_nested_params() {
    let list = "- list: {elements: [{app: a, cfg: {tier: gold}, tags: [x, z]}, {app: b, cfg: {tier: silver}, tags: []}]}\n  selector: SELECTOR";
    let with = |selector: &str| list.replace("SELECTOR", selector);
    check_go(
        "[]",
        &with("{matchLabels: {cfg.tier: gold}}"),
        "{{ .app }}",
        &["a"],
    );
    // A JSON list is entered item by item; an empty one has no key.
    check_go(
        "[]",
        &with("{matchLabels: {tags.1: z}}"),
        "{{ .app }}",
        &["a"],
    );
    check_go(
        "[]",
        &with("{matchExpressions: [{key: tags, operator: DoesNotExist}]}"),
        "{{ .app }}",
        &["a", "b"],
    );
}

#[test]
fn go_template_patch() {
    let source = go_appset("[]", "- list: {elements: [{cluster: a, auto: true}, {cluster: b, auto: false}]}", "{{ .cluster }}").replace(
        "  template:",
        "  templatePatch: |\n    {{- if .auto }}\n    spec:\n      syncPolicy: {automated: {prune: true}}\n    {{- end }}\n    metadata:\n      labels: {'{{ .cluster }}': '{{ .auto | toString }}'}\n  template:",
    );
    check_field(
        &source,
        &[],
        &["spec", "syncPolicy"],
        json!([{"automated": {"prune": true}}, null]),
    );
    check_field(
        &source,
        &[],
        &["metadata", "labels"],
        json!([{"a": "true"}, {"b": "false"}]),
    );
    let broken = go_appset(ERROR, "- list: {elements: [{cluster: a}]}", "x").replace(
        "  template:",
        "  templatePatch: 'metadata: {labels: {a: \"{{ .nope }}\"}}'\n  template:",
    );
    assert_eq!(
        run(&broken, &[]).unwrap_err().to_string(),
        r#"spec.templatePatch: invalid template: error replacing values in templatePatch: failed to execute go template metadata: {labels: {a: "{{ .nope }}"}}: template: base:1:27: executing "base" at <.nope>: map has no entry for key "nope""#
    );
}

/// A `list` generator of `count` elements `{cluster: c<i>, url: https://c<i>}`.
fn long_list(count: usize) -> Value {
    let elements: Vec<Value> = (0..count)
        .map(|i| json!({"cluster": format!("c{i}"), "url": format!("https://c{i}")}))
        .collect();
    json!({"list": {"elements": elements}})
}

fn appset_with(generators: Value) -> Object {
    let mut document = yaml(&appset("- list: {elements: []}\n", TEMPLATE));
    document["spec"]["generators"] = generators;
    Object::from_value(document)
}

fn generate_with_limit(appset: &Object, limit: usize) -> Result<Generated, GenerateError> {
    let settings = ArgoSettings::default();
    let clusters = fleet();
    let mut ctx = GenerationContext::new(&clusters, &settings);
    ctx.max_applications = limit;
    generate(appset, &ctx)
}

/// Issue 14: a matrix of two lists of 2,000 elements grew to 7.8 GB before aborting.
/// The product is refused before any combined parameter set is built.
#[test]
fn issue_14_matrix_product_is_refused_before_it_is_built() {
    let matrix = json!([{"matrix": {"generators": [long_list(2_000), {"list": {"elements": (0..2_000).map(|i| json!({"n": i.to_string()})).collect::<Vec<_>>()}}]}}]);
    let started = std::time::Instant::now();
    let error = generate_with_limit(&appset_with(matrix), crate::DEFAULT_MAX_APPLICATIONS)
        .expect_err("four million Applications are over the default limit");
    assert_eq!(
        error.to_string(),
        "spec.generators[0].matrix: generates at least 4000000 Applications, more than the limit of 100000; if that many are intended, raise the limit with `--max-applications`"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}

#[test]
fn issue_14_a_list_longer_than_the_limit_is_refused_by_its_length() {
    let error = generate_with_limit(&appset_with(json!([long_list(11)])), 10).unwrap_err();
    assert_eq!(
        error,
        GenerateError::TooManyApplications {
            path: "spec.generators[0].list.elements".into(),
            count: 11,
            limit: 10
        }
    );
    let generated = generate_with_limit(&appset_with(json!([long_list(10)])), 10).unwrap();
    assert_eq!(generated.applications.len(), 10);
}

#[test]
fn issue_14_the_limit_counts_every_generator_entry_together() {
    let entries = json!([long_list(6), long_list(5)]);
    let error = generate_with_limit(&appset_with(entries.clone()), 10).unwrap_err();
    assert_eq!(error.path(), "spec.generators");
    assert_eq!(
        generate_with_limit(&appset_with(entries), 11)
            .unwrap()
            .applications
            .len(),
        11
    );
}

#[test]
fn issue_14_a_matrix_whose_second_child_reads_the_first_is_counted_as_it_grows() {
    // The second child uses the first's parameters, so it is evaluated once per set of
    // the first: the running total is what stops it.
    let second = json!({"list": {"elements": [{"n": "{{cluster}}-a"}, {"n": "{{cluster}}-b"}, {"n": "{{cluster}}-c"}]}});
    let matrix = json!([{"matrix": {"generators": [long_list(4), second]}}]);
    let error = generate_with_limit(&appset_with(matrix.clone()), 11).unwrap_err();
    assert_eq!(error.path(), "spec.generators[0].matrix");
    assert_eq!(
        generate_with_limit(&appset_with(matrix), 12)
            .unwrap()
            .applications
            .len(),
        12
    );
}

/// Issue 14: an alias bomb in `elementsYaml` is refused in the project's words, not
/// with the parser's `budget breached: Nodes { … }`.
#[test]
fn issue_14_an_alias_bomb_in_elements_yaml_is_refused_in_our_words() {
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for level in 1..10 {
        let aliases = vec![format!("*a{}", level - 1); 10].join(", ");
        bomb.push_str(&format!("a{level}: &a{level} [{aliases}]\n"));
    }
    let error = generate_with_limit(
        &appset_with(json!([{"list": {"elementsYaml": bomb}}])),
        crate::DEFAULT_MAX_APPLICATIONS,
    )
    .unwrap_err()
    .to_string();
    assert!(
        error.starts_with("spec.generators[0].list.elementsYaml: "),
        "{error}"
    );
    assert!(
        error.ends_with("it is larger than the loader reads")
            || error.ends_with(
                "its aliases expand to more than the loader reads (a YAML alias bomb is refused)"
            ),
        "{error}"
    );
    assert!(!error.contains("budget breached"), "{error}");
}
