//! Argo CD's own documented ApplicationSet examples, run through `generate -o json`.
//!
//! Each test rebuilds one example of `docs/operator-manual/applicationset/` (or of
//! `applicationset/examples/`) in argoproj/argo-cd: the ApplicationSet, a snapshot with the
//! cluster secrets and AppProjects the example assumes, and a small git repository for git
//! generators. It then asserts what the docs say Argo CD generates. Where the docs are
//! wrong or describe older behaviour, the comment says so and the test asserts what the
//! controller does (rulebook `argocd-appset-semantics.md`, Argo CD's source).
//!
//! Argo CD's order is asserted where it is defined (list elements, git paths, matrix
//! child 1 major); cluster and merge output order is unspecified, so those compare sets.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const ARGO_CD: &str = "https://github.com/argoproj/argo-cd.git";
const LOCAL: &str = "https://kubernetes.default.svc";

/// One example's inputs in a temporary directory, removed when dropped.
struct Example {
    root: PathBuf,
    objects: Vec<String>,
    repos: Vec<(String, PathBuf)>,
}

impl Example {
    /// A snapshot holding `argocd-cm` and the AppProjects `projects` (the examples use
    /// `default` and `my-project`).
    fn new(name: &str, projects: &[&str]) -> Example {
        let root =
            std::env::temp_dir().join(format!("preflight-docs-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        let mut objects = vec!["{apiVersion: v1, kind: ConfigMap, metadata: {name: argocd-cm, namespace: argocd}, data: {}}".to_string()];
        for project in projects {
            objects.push(format!("{{apiVersion: argoproj.io/v1alpha1, kind: AppProject, metadata: {{name: {project}, namespace: argocd}}, spec: {{destinations: [{{namespace: '*', server: '*'}}], sourceRepos: ['*']}}}}"));
        }
        Example {
            root,
            objects,
            repos: Vec::new(),
        }
    }

    /// A cluster secret; `metadata` is extra flow-map entries of the secret's metadata
    /// (`labels: {…}` is added to the secret-type label).
    fn cluster(mut self, name: &str, server: &str, labels: &str) -> Example {
        let comma = if labels.is_empty() { "" } else { ", " };
        self.objects.push(format!("{{apiVersion: v1, kind: Secret, metadata: {{name: cluster-{name}, namespace: argocd, labels: {{argocd.argoproj.io/secret-type: cluster{comma}{labels}}}}}, stringData: {{name: {name}, server: '{server}'}}}}"));
        self
    }

    /// A cluster secret with annotations too.
    fn annotated_cluster(
        mut self,
        name: &str,
        server: &str,
        labels: &str,
        annotations: &str,
    ) -> Example {
        self.objects.push(format!("{{apiVersion: v1, kind: Secret, metadata: {{name: cluster-{name}, namespace: argocd, labels: {{argocd.argoproj.io/secret-type: cluster, {labels}}}, annotations: {{{annotations}}}}}, stringData: {{name: {name}, server: '{server}'}}}}"));
        self
    }

    /// Any object of the Argo CD namespace (YAML, one document).
    fn object(mut self, yaml: &str) -> Example {
        self.objects.push(yaml.to_string());
        self
    }

    /// A git repository for `url` with `files` (path, content), committed on `main`.
    fn repo(mut self, url: &str, files: &[(&str, &str)]) -> Example {
        let dir = self.root.join(format!("repo-{}", self.repos.len()));
        for (path, content) in files {
            let file = dir.join(path);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(file, content).unwrap();
        }
        git(&dir, &["init", "-q", "-b", "main"]);
        git(&dir, &["add", "-A"]);
        git(&dir, &["commit", "-q", "-m", "example"]);
        self.repos.push((url.to_string(), dir));
        self
    }

    fn generate(&self, appset: &str) -> Out {
        let snapshot = self.root.join("snapshot/in-cluster");
        std::fs::create_dir_all(&snapshot).unwrap();
        std::fs::write(snapshot.join("argocd.yaml"), self.objects.join("\n---\n")).unwrap();
        let file = self.root.join("appset.yaml");
        std::fs::write(&file, appset).unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_argocd-preflight"));
        command
            .arg("generate")
            .arg(&file)
            .arg("--snapshot")
            .arg(self.root.join("snapshot"))
            .args(["-o", "json"]);
        for (url, dir) in &self.repos {
            command
                .arg("--git-repo")
                .arg(format!("{url}={}", dir.display()));
        }
        let output = command.output().expect("the binary runs");
        let stdout = String::from_utf8(output.stdout).unwrap();
        let stderr = String::from_utf8(output.stderr).unwrap();
        let code = output.status.code().expect("exited normally");
        let apps = if stdout.trim().is_empty() {
            Vec::new()
        } else {
            let list: Value = serde_json::from_str(&stdout).expect("a JSON List");
            list["items"].as_array().unwrap().clone()
        };
        Out { code, stderr, apps }
    }
}

impl Drop for Example {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

struct Out {
    code: i32,
    stderr: String,
    apps: Vec<Value>,
}

impl Out {
    /// Exit code 0, nothing refused.
    #[track_caller]
    fn ok(self) -> Out {
        assert_eq!(self.code, 0, "{}", self.stderr);
        self
    }

    /// Generation failed (exit 2) with a message containing `text`.
    #[track_caller]
    fn fails_with(self, text: &str) {
        assert_eq!(self.code, 2, "{}", self.stderr);
        assert!(
            self.stderr.contains(text),
            "{text:?} not in:\n{}",
            self.stderr
        );
        assert!(self.apps.is_empty());
    }

    fn names(&self) -> Vec<&str> {
        self.apps
            .iter()
            .map(|app| app["metadata"]["name"].as_str().unwrap())
            .collect()
    }

    /// Names sorted: for generators whose order Argo CD leaves unspecified.
    fn name_set(&self) -> Vec<&str> {
        let mut names = self.names();
        names.sort_unstable();
        names
    }

    fn app(&self, name: &str) -> &Value {
        self.apps
            .iter()
            .find(|app| app["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("no Application {name}: {:?}", self.names()))
    }

    /// A string field of Application `name` by JSON pointer.
    #[track_caller]
    fn field(&self, name: &str, pointer: &str) -> &str {
        self.app(name)
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("{name} has no string at {pointer}: {}", self.app(name)))
    }

    /// Asserts string fields, each `(application, pointer, value)`.
    #[track_caller]
    fn fields(&self, expected: &[(&str, &str, &str)]) {
        for (name, pointer, value) in expected {
            assert_eq!(self.field(name, pointer), *value, "{name} {pointer}");
        }
    }
}

/// An ApplicationSet `name` in `argocd` with `spec` (YAML, indented two spaces).
fn appset(name: &str, spec: &str) -> String {
    format!("apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {{name: {name}, namespace: argocd}}\nspec:\n{spec}")
}

const SERVER: &str = "/spec/destination/server";
const NAMESPACE: &str = "/spec/destination/namespace";
const PATH: &str = "/spec/source/path";
const REVISION: &str = "/spec/source/targetRevision";
const PROJECT: &str = "/spec/project";

// ---------------------------------------------------------------------------------------
// Generators-List.md

/// Generators-List.md, opening example: one element gives `engineering-dev-guestbook`;
/// uncommenting the second element adds `engineering-prod-guestbook`, in element order.
#[test]
fn list_generator_targets_each_element() {
    let spec = |elements: &str| {
        format!(
            r#"  goTemplate: true
  goTemplateOptions: ["missingkey=error"]
  generators:
  - list: {{elements: [{elements}]}}
  template:
    metadata: {{name: '{{{{.cluster}}}}-guestbook'}}
    spec:
      project: my-project
      source: {{repoURL: '{ARGO_CD}', targetRevision: HEAD, path: 'applicationset/examples/list-generator/guestbook/{{{{.cluster}}}}'}}
      destination: {{server: '{{{{.url}}}}', namespace: guestbook}}
"#
        )
    };
    let example = Example::new("list", &["my-project"]);
    let dev = format!("{{cluster: engineering-dev, url: '{LOCAL}'}}");
    let prod = format!("{{cluster: engineering-prod, url: '{LOCAL}'}}");
    let one = example.generate(&appset("guestbook", &spec(&dev))).ok();
    assert_eq!(one.names(), ["engineering-dev-guestbook"]);
    one.fields(&[
        (
            "engineering-dev-guestbook",
            PATH,
            "applicationset/examples/list-generator/guestbook/engineering-dev",
        ),
        ("engineering-dev-guestbook", SERVER, LOCAL),
        ("engineering-dev-guestbook", NAMESPACE, "guestbook"),
        ("engineering-dev-guestbook", PROJECT, "my-project"),
        ("engineering-dev-guestbook", "/metadata/namespace", "argocd"),
    ]);
    let two = example
        .generate(&appset("guestbook", &spec(&format!("{dev}, {prod}"))))
        .ok();
    assert_eq!(
        two.names(),
        ["engineering-dev-guestbook", "engineering-prod-guestbook"]
    );
}

/// Generators-List.md, "Dynamically generated elements": a matrix of a git file and a
/// list whose `elementsYaml` is that file's `key.components` gives one Application per
/// component, with its chart, version, release name and namespace.
#[test]
fn list_elements_yaml_from_a_git_file() {
    let file = "key:\n  components:\n  - {name: component1, chart: podinfo, version: \"6.3.2\", releaseName: component1, repoUrl: \"https://stefanprodan.github.io/podinfo\", namespace: component1}\n  - {name: component2, chart: podinfo, version: \"6.3.3\", releaseName: component2, repoUrl: \"ghcr.io/stefanprodan/charts\", namespace: component2}\n";
    let example = Example::new("elements-yaml", &["default"]).repo(
        ARGO_CD,
        &[(
            "applicationset/examples/list-generator/list-elementsYaml-example.yaml",
            file,
        )],
    );
    let out = example
        .generate(&appset(
            "elements-yaml",
            &format!(
                r#"  goTemplate: true
  goTemplateOptions: ["missingkey=error"]
  generators:
  - matrix:
      generators:
      - git: {{repoURL: '{ARGO_CD}', revision: HEAD, files: [{{path: applicationset/examples/list-generator/list-elementsYaml-example.yaml}}]}}
      - list: {{elementsYaml: "{{{{ .key.components | toJson }}}}"}}
  template:
    metadata: {{name: '{{{{.name}}}}'}}
    spec:
      project: default
      syncPolicy: {{automated: {{selfHeal: true}}, syncOptions: [CreateNamespace=true]}}
      sources:
      - {{chart: '{{{{.chart}}}}', repoURL: '{{{{.repoUrl}}}}', targetRevision: '{{{{.version}}}}', helm: {{releaseName: '{{{{.releaseName}}}}'}}}}
      destination: {{server: '{LOCAL}', namespace: '{{{{.namespace}}}}'}}
"#
            ),
        ))
        .ok();
    assert_eq!(out.names(), ["component1", "component2"]);
    out.fields(&[
        ("component1", "/spec/sources/0/chart", "podinfo"),
        (
            "component1",
            "/spec/sources/0/repoURL",
            "https://stefanprodan.github.io/podinfo",
        ),
        ("component1", "/spec/sources/0/targetRevision", "6.3.2"),
        (
            "component1",
            "/spec/sources/0/helm/releaseName",
            "component1",
        ),
        ("component1", NAMESPACE, "component1"),
        (
            "component2",
            "/spec/sources/0/repoURL",
            "ghcr.io/stefanprodan/charts",
        ),
        ("component2", "/spec/sources/0/targetRevision", "6.3.3"),
        ("component2", NAMESPACE, "component2"),
    ]);
}

// ---------------------------------------------------------------------------------------
// Generators-Cluster.md

/// A goTemplate ApplicationSet with one `clusters` generator body and `{{.name}}-guestbook`
/// to `{{.server}}`.
fn cluster_appset(generators: &str, revision: &str) -> String {
    appset(
        "guestbook",
        &format!(
            r#"  goTemplate: true
  goTemplateOptions: ["missingkey=error"]
  generators:
{generators}
  template:
    metadata: {{name: '{{{{.name}}}}-guestbook'}}
    spec:
      project: my-project
      source: {{repoURL: 'https://github.com/argoproj/argocd-example-apps/', targetRevision: '{revision}', path: guestbook}}
      destination: {{server: '{{{{.server}}}}', namespace: guestbook}}
"#
        ),
    )
}

/// Generators-Cluster.md, opening example: `clusters: {}` targets every cluster secret
/// and the local cluster. The docs' sample secret `in-cluster2` has the local server
/// URL, so it stands for the local cluster and no implicit `in-cluster` is added.
#[test]
fn cluster_generator_targets_every_cluster() {
    let base = || {
        Example::new("clusters", &["my-project"]).cluster(
            "staging",
            "https://1.2.3.4",
            "staging: 'true'",
        )
    };
    let out = base()
        .generate(&cluster_appset("  - clusters: {}", "HEAD"))
        .ok();
    assert_eq!(
        out.name_set(),
        ["in-cluster-guestbook", "staging-guestbook"]
    );
    out.fields(&[
        ("staging-guestbook", SERVER, "https://1.2.3.4"),
        ("in-cluster-guestbook", SERVER, LOCAL),
    ]);
    let renamed = base()
        .cluster("in-cluster2", LOCAL, "")
        .generate(&cluster_appset("  - clusters: {}", "HEAD"))
        .ok();
    assert_eq!(
        renamed.name_set(),
        ["in-cluster2-guestbook", "staging-guestbook"]
    );
}

/// Generators-Cluster.md, "Label selector", "Deploying to the local cluster" and "Fetch
/// clusters based on their K8s version": a selector keeps the matching secrets only,
/// and any selector (even on the secret-type label alone) drops the local cluster.
#[test]
fn cluster_generator_selectors() {
    let example = Example::new("cluster-selectors", &["my-project"])
        .cluster(
            "staging",
            "https://1.2.3.4",
            "staging: 'true', argocd.argoproj.io/kubernetes-version: v1.27.1",
        )
        .cluster(
            "production",
            "https://2.4.6.8",
            "argocd.argoproj.io/kubernetes-version: v1.28.1",
        );
    let case = |selector: &str, expected: &[&str]| {
        let out = example
            .generate(&cluster_appset(
                &format!("  - clusters: {{selector: {selector}}}"),
                "HEAD",
            ))
            .ok();
        assert_eq!(out.name_set(), expected, "{selector}");
    };
    case("{matchLabels: {staging: 'true'}}", &["staging-guestbook"]);
    case(
        "{matchExpressions: [{key: staging, operator: In, values: ['true']}]}",
        &["staging-guestbook"],
    );
    case(
        "{matchLabels: {argocd.argoproj.io/secret-type: cluster}}",
        &["production-guestbook", "staging-guestbook"],
    );
    case(
        "{matchLabels: {argocd.argoproj.io/kubernetes-version: v1.28.1}}",
        &["production-guestbook"],
    );
    case(
        "{matchExpressions: [{key: argocd.argoproj.io/kubernetes-version, operator: In, values: [v1.27.1, v1.28.1]}]}",
        &["production-guestbook", "staging-guestbook"],
    );
}

/// Generators-Cluster.md, "Pass additional key-value pairs via `values` field": staging
/// clusters get `values.revision` HEAD, production clusters `stable`; entries in spec
/// order.
#[test]
fn cluster_generator_values() {
    let out = Example::new("cluster-values", &["my-project"])
        .cluster("staging-1", "https://1.2.3.4", "type: staging")
        .cluster("prod-1", "https://2.4.6.8", "type: production")
        .generate(
            &cluster_appset(
                "  - clusters: {selector: {matchLabels: {type: staging}}, values: {revision: HEAD}}\n  - clusters: {selector: {matchLabels: {type: production}}, values: {revision: stable}}",
                "{{.values.revision}}",
            ),
        )
        .ok();
    assert_eq!(out.names(), ["staging-1-guestbook", "prod-1-guestbook"]);
    out.fields(&[
        ("staging-1-guestbook", REVISION, "HEAD"),
        ("prod-1-guestbook", REVISION, "stable"),
    ]);
}

/// Generators-Cluster.md, same section, the extended example: values interpolate the
/// cluster's parameters (an annotation, the name). The docs' comment calls
/// `server: '{{.values.clusterName}}'` "equivalent to just using {{name}}": it puts the
/// cluster's *name* in `destination.server`, which names no server, so Argo CD refuses
/// both Applications (exit 1); the intended field is `destination.name`.
#[test]
fn cluster_generator_values_interpolate_cluster_parameters() {
    let out = Example::new("cluster-values-interpolated", &["my-project"])
        .annotated_cluster("staging-1", "https://1.2.3.4", "type: staging", "my-custom-annotation: release-7")
        .cluster("prod-1", "https://2.4.6.8", "type: production")
        .generate(
            &cluster_appset(
                "  - clusters: {selector: {matchLabels: {type: staging}}, values: {revision: '{{index .metadata.annotations \"my-custom-annotation\"}}', clusterName: '{{.name}}'}}\n  - clusters: {selector: {matchLabels: {type: production}}, values: {revision: stable, clusterName: '{{.name}}'}}",
                "{{.values.revision}}",
            )
            .replace("server: '{{.server}}'", "server: '{{.values.clusterName}}'"),
        );
    assert_eq!(out.names(), ["staging-1-guestbook", "prod-1-guestbook"]);
    out.fields(&[
        ("staging-1-guestbook", REVISION, "release-7"),
        ("staging-1-guestbook", SERVER, "staging-1"),
        ("prod-1-guestbook", REVISION, "stable"),
        ("prod-1-guestbook", SERVER, "prod-1"),
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
}

/// Generators-Cluster.md, "Gather cluster information as a flat list": two matching
/// secrets give one Application whose helm values list both clusters. The docs show it
/// in namespace `guestbook`; generated Applications always live in the ApplicationSet's
/// namespace (`argocd`). Its `server: my-cluster` names no cluster (exit 1).
#[test]
fn cluster_generator_flat_list() {
    let out = Example::new("flat-list", &["my-project"])
        .cluster("cluster1", "https://1.2.3.4", "type: staging")
        .cluster("cluster2", "https://2.4.6.8", "type: staging")
        .cluster("other", "https://9.9.9.9", "type: production")
        .generate(&appset(
            "guestbook",
            r#"  goTemplate: true
  goTemplateOptions: ["missingkey=error"]
  generators:
  - clusters: {selector: {matchLabels: {type: staging}}, flatList: true}
  template:
    metadata: {name: flat-list-guestbook}
    spec:
      project: my-project
      source:
        repoURL: https://github.com/argoproj/argocd-example-apps/
        targetRevision: HEAD
        path: helm-guestbook
        helm:
          values: |
            clusters:
            {{- range .clusters }}
              - name: {{ .name }}
            {{- end }}
      destination: {server: my-cluster, namespace: guestbook}
"#,
        ));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(out.names(), ["flat-list-guestbook"]);
    out.fields(&[
        ("flat-list-guestbook", "/metadata/namespace", "argocd"),
        (
            "flat-list-guestbook",
            "/spec/source/helm/values",
            "clusters:\n  - name: cluster1\n  - name: cluster2\n",
        ),
    ]);
}

// ---------------------------------------------------------------------------------------
// Generators-Git.md

/// The directories of the docs' example repository (`applicationset/examples/` of
/// argo-cd), a file in each.
fn addons_repo(example: Example) -> Example {
    example.repo(
        ARGO_CD,
        &[
            ("applicationset/examples/git-generator-directory/cluster-addons/argo-workflows/kustomization.yaml", ""),
            ("applicationset/examples/git-generator-directory/cluster-addons/prometheus-operator/Chart.yaml", ""),
            ("applicationset/examples/git-generator-directory/excludes/cluster-addons/argo-workflows/kustomization.yaml", ""),
            ("applicationset/examples/git-generator-directory/excludes/cluster-addons/exclude-helm-guestbook/Chart.yaml", ""),
            ("applicationset/examples/git-generator-directory/excludes/cluster-addons/prometheus-operator/Chart.yaml", ""),
            ("applicationset/examples/matrix/cluster-addons/argo-workflows/kustomization.yaml", ""),
            ("applicationset/examples/matrix/cluster-addons/prometheus-operator/Chart.yaml", ""),
        ],
    )
}

/// A goTemplate git-directories ApplicationSet: `{{.path.basename}}` from `{{.path.path}}`
/// into namespace `namespace` (a template).
fn directories_appset(url: &str, directories: &str, values: &str, namespace: &str) -> String {
    appset(
        "cluster-addons",
        &format!(
            r#"  goTemplate: true
  goTemplateOptions: ["missingkey=error"]
  generators:
  - git: {{repoURL: '{url}', revision: HEAD, directories: [{directories}]{values}}}
  template:
    metadata: {{name: '{{{{.path.basename}}}}'}}
    spec:
      project: my-project
      source: {{repoURL: '{url}', targetRevision: HEAD, path: '{{{{.path.path}}}}'}}
      destination: {{server: '{LOCAL}', namespace: '{namespace}'}}
      syncPolicy: {{syncOptions: [CreateNamespace=true]}}
"#
        ),
    )
}

/// Generators-Git.md, "Git Generator: Directories" and "Exclude directories": one
/// Application per directory, named after it, in repository order; an excluded
/// directory is left out.
#[test]
fn git_directories_and_exclusions() {
    let example = addons_repo(Example::new("git-dirs", &["my-project"]));
    let out = example
        .generate(&directories_appset(
            ARGO_CD,
            "{path: 'applicationset/examples/git-generator-directory/cluster-addons/*'}",
            "",
            "{{.path.basename}}",
        ))
        .ok();
    assert_eq!(out.names(), ["argo-workflows", "prometheus-operator"]);
    out.fields(&[
        (
            "argo-workflows",
            PATH,
            "applicationset/examples/git-generator-directory/cluster-addons/argo-workflows",
        ),
        ("argo-workflows", NAMESPACE, "argo-workflows"),
        ("prometheus-operator", NAMESPACE, "prometheus-operator"),
        (
            "prometheus-operator",
            "/spec/syncPolicy/syncOptions/0",
            "CreateNamespace=true",
        ),
    ]);
    let excluded = example
        .generate(&directories_appset(
            ARGO_CD,
            "{path: 'applicationset/examples/git-generator-directory/excludes/cluster-addons/*'}, {path: applicationset/examples/git-generator-directory/excludes/cluster-addons/exclude-helm-guestbook, exclude: true}",
            "",
            "{{.path.basename}}",
        ))
        .ok();
    assert_eq!(excluded.names(), ["argo-workflows", "prometheus-operator"]);
}

/// Generators-Git.md, "Exclude directories", the `d/e`, `d/f`, `d/g` discussion: an
/// exclusion wins over an inclusion whatever their order. The docs write the patterns
/// with a leading `/`; Argo CD matches them with `path.Match` against repository-relative
/// paths (`d/e`), so `/d/*` matches nothing at all — the cases use `d/…`.
#[test]
fn git_directories_exclusion_wins() {
    let example = Example::new("git-d", &["my-project"]).repo(
        "https://git.example.com/d.git",
        &[("d/e/x.yaml", ""), ("d/f/x.yaml", ""), ("d/g/x.yaml", "")],
    );
    let case = |directories: &str, expected: &[&str]| {
        let out = example
            .generate(&directories_appset(
                "https://git.example.com/d.git",
                directories,
                "",
                "{{.path.basename}}",
            ))
            .ok();
        assert_eq!(out.names(), expected, "{directories}");
    };
    case(
        "{path: d/e, exclude: false}, {path: 'd/*', exclude: true}",
        &[],
    );
    case(
        "{path: 'd/*'}, {path: d/f, exclude: true}, {path: d/g, exclude: true}",
        &["e"],
    );
    case("{path: 'd/*'}, {path: 'd/[fg]', exclude: true}", &["e"]);
    case("{path: 'd/*'}", &["e", "f", "g"]);
    case("{path: '/d/*'}", &[]);
}

/// Generators-Git.md, "Root Of Git Repo" and the directories' "Pass additional key-value
/// pairs via `values` field": `*` lists the top-level directories (never hidden ones),
/// minus the excluded one; a value built from `{{.path.basename}}` sets the namespace.
#[test]
fn git_directories_at_the_root_and_values() {
    const URL: &str = "https://github.com/example/example-repo.git";
    let example = Example::new("git-root", &["my-project"]).repo(
        URL,
        &[
            ("guestbook/x.yaml", ""),
            ("donotdeploy/x.yaml", ""),
            ("helm-guestbook/Chart.yaml", ""),
            (".github/workflows/ci.yaml", ""),
        ],
    );
    let root = example
        .generate(&directories_appset(
            URL,
            "{path: '*'}, {path: donotdeploy, exclude: true}",
            "",
            "{{.path.basename}}",
        ))
        .ok();
    assert_eq!(root.names(), ["guestbook", "helm-guestbook"]);
    let values = example
        .generate(&directories_appset(
            URL,
            "{path: '*'}",
            ", values: {cluster: '{{.path.basename}}'}",
            "{{.values.cluster}}",
        ))
        .ok();
    assert_eq!(
        values.names(),
        ["donotdeploy", "guestbook", "helm-guestbook"]
    );
    values.fields(&[("helm-guestbook", NAMESPACE, "helm-guestbook")]);
}

const FILES_DIR: &str = "applicationset/examples/git-generator-files-discovery";

fn cluster_config_repo(example: Example) -> Example {
    let config = |env: &str, address: &str| {
        format!(
            r#"{{"aws_account": "123456", "asset_id": "11223344", "cluster": {{"owner": "cluster-admin@company.com", "name": "engineering-{env}", "address": "{address}"}}}}"#
        )
    };
    example
        .repo(
            ARGO_CD,
            &[
                (
                    &format!("{FILES_DIR}/apps/guestbook/kustomization.yaml"),
                    "",
                ),
                (
                    &format!("{FILES_DIR}/cluster-config/engineering/dev/config.json"),
                    &config("dev", "https://1.2.3.4"),
                ),
                (
                    &format!("{FILES_DIR}/cluster-config/engineering/prod/config.json"),
                    &config("prod", "https://2.4.6.8"),
                ),
            ],
        )
        .cluster("engineering-dev", "https://1.2.3.4", "")
        .cluster("engineering-prod", "https://2.4.6.8", "")
}

fn files_appset(files: &str, values: &str, source_path: &str) -> String {
    appset(
        "guestbook",
        &format!(
            r#"  goTemplate: true
  goTemplateOptions: ["missingkey=error"]
  generators:
  - git: {{repoURL: '{ARGO_CD}', revision: HEAD, files: [{files}]{values}}}
  template:
    metadata: {{name: '{{{{.cluster.name}}}}-guestbook'}}
    spec:
      project: default
      source: {{repoURL: '{ARGO_CD}', targetRevision: HEAD, path: '{source_path}'}}
      destination: {{server: '{{{{.cluster.address}}}}', namespace: guestbook}}
"#
        ),
    )
}

/// Generators-Git.md, "Git Generator: Files": one Application per `config.json`, named and
/// targeted from the file's `cluster.name` and `cluster.address`.
#[test]
fn git_files_discovery() {
    let out = cluster_config_repo(Example::new("git-files", &["default"]))
        .generate(&files_appset(
            &format!("{{path: '{FILES_DIR}/cluster-config/**/config.json'}}"),
            "",
            &format!("{FILES_DIR}/apps/guestbook"),
        ))
        .ok();
    assert_eq!(
        out.names(),
        ["engineering-dev-guestbook", "engineering-prod-guestbook"]
    );
    out.fields(&[
        ("engineering-dev-guestbook", SERVER, "https://1.2.3.4"),
        ("engineering-prod-guestbook", SERVER, "https://2.4.6.8"),
        (
            "engineering-dev-guestbook",
            PATH,
            "applicationset/examples/git-generator-files-discovery/apps/guestbook",
        ),
    ]);
}

/// Generators-Git.md, "Git Generator: Files": the parameters of one `config.json`
/// (flattened, as fasttemplate sees them) and the path parameters. The docs give
/// `path.path` with a leading `/` (`/clusters/clusterA`); Argo CD's paths are relative
/// to the repository root.
#[test]
fn git_files_parameters() {
    let out = cluster_config_repo(Example::new("git-files-params", &["default"]))
        .generate(&appset(
            "guestbook",
            &format!(
                r#"  generators:
  - git: {{repoURL: '{ARGO_CD}', revision: HEAD, files: [{{path: '{FILES_DIR}/cluster-config/engineering/dev/config.json'}}]}}
  template:
    metadata:
      name: '{{{{cluster.name}}}}'
      annotations: {{aws_account: '{{{{aws_account}}}}', asset_id: '{{{{asset_id}}}}', owner: '{{{{cluster.owner}}}}', address: '{{{{cluster.address}}}}', path: '{{{{path}}}}', segment-3: '{{{{path[3]}}}}', basename: '{{{{path.basename}}}}', filename: '{{{{path.filename}}}}'}}
    spec:
      project: default
      source: {{repoURL: '{ARGO_CD}', path: '{{{{path}}}}'}}
      destination: {{server: '{{{{cluster.address}}}}', namespace: guestbook}}
"#
            ),
        ))
        .ok();
    assert_eq!(out.names(), ["engineering-dev"]);
    let annotation = |key: &str| format!("/metadata/annotations/{key}");
    out.fields(&[
        ("engineering-dev", &annotation("aws_account"), "123456"),
        ("engineering-dev", &annotation("asset_id"), "11223344"),
        (
            "engineering-dev",
            &annotation("owner"),
            "cluster-admin@company.com",
        ),
        ("engineering-dev", &annotation("address"), "https://1.2.3.4"),
        (
            "engineering-dev",
            &annotation("path"),
            "applicationset/examples/git-generator-files-discovery/cluster-config/engineering/dev",
        ),
        (
            "engineering-dev",
            &annotation("segment-3"),
            "cluster-config",
        ),
        ("engineering-dev", &annotation("basename"), "dev"),
        ("engineering-dev", &annotation("filename"), "config.json"),
    ]);
}

/// Generators-Git.md, "Exclude files" and the files' "Pass additional key-value pairs via
/// `values` field": the excluded `dev` file gives no Application; `values.base_dir` built
/// from the first three path segments prefixes the source path.
#[test]
fn git_files_exclusions_and_values() {
    let example = cluster_config_repo(Example::new("git-files-exclude", &["default"]));
    let excluded = example
        .generate(&files_appset(
            &format!("{{path: '{FILES_DIR}/cluster-config/**/config.json'}}, {{path: '{FILES_DIR}/cluster-config/*/dev/config.json', exclude: true}}"),
            "",
            &format!("{FILES_DIR}/apps/guestbook"),
        ))
        .ok();
    assert_eq!(excluded.names(), ["engineering-prod-guestbook"]);
    let values = example
        .generate(&files_appset(
            &format!("{{path: '{FILES_DIR}/cluster-config/**/config.json'}}"),
            ", values: {base_dir: '{{index .path.segments 0}}/{{index .path.segments 1}}/{{index .path.segments 2}}'}",
            "{{.values.base_dir}}/apps/guestbook",
        ))
        .ok();
    values.fields(&[
        (
            "engineering-dev-guestbook",
            PATH,
            "applicationset/examples/git-generator-files-discovery/apps/guestbook",
        ),
        (
            "engineering-prod-guestbook",
            PATH,
            "applicationset/examples/git-generator-files-discovery/apps/guestbook",
        ),
    ]);
}

/// `applicationset/examples/design-doc/git-files-literal.yaml`: a file holding a JSON
/// list gives one Application per element. The design doc's ApplicationSet has no
/// `project`; git generators need an existing AppProject, so ours names `default`.
#[test]
fn git_file_with_a_list() {
    const URL: &str = "https://github.com/infra-team/cluster-deployments.git";
    let clusters = r#"[{"account": "123456", "cluster": {"name": "engineering-dev", "address": "http://1.2.3.4"}, "appVersions": {"prometheus-operator": "v0.38", "guestbook": "v2.0"}},
{"account": "456789", "cluster": {"name": "engineering-prod", "address": "http://2.4.6.8"}, "appVersions": {"prometheus-operator": "v0.38", "guestbook": "v1.0"}}]"#;
    let out = Example::new("git-files-list", &["default"])
        .repo(URL, &[("config/clusters.json", clusters), ("apps/guestbook/v1.0/install.yaml", ""), ("apps/guestbook/v2.0/install.yaml", "")])
        .generate(&appset(
            "guestbook",
            &format!(
                r#"  goTemplate: true
  goTemplateOptions: ["missingkey=error"]
  generators:
  - git: {{repoURL: '{URL}', files: [{{path: config/clusters.json}}]}}
  template:
    metadata: {{name: '{{{{.cluster.name}}}}-guestbook'}}
    spec:
      project: default
      source: {{repoURL: '{URL}', targetRevision: HEAD, path: 'apps/guestbook/{{{{.appVersions.guestbook}}}}'}}
      destination: {{server: '{LOCAL}', namespace: guestbook}}
"#
            ),
        ))
        .ok();
    assert_eq!(
        out.names(),
        ["engineering-dev-guestbook", "engineering-prod-guestbook"]
    );
    out.fields(&[
        ("engineering-dev-guestbook", PATH, "apps/guestbook/v2.0"),
        ("engineering-prod-guestbook", PATH, "apps/guestbook/v1.0"),
    ]);
}

// ---------------------------------------------------------------------------------------
// Generators-Matrix.md

/// Generators-Matrix.md, "Example: Git Directory generator + Cluster generator" (also
/// `applicationset/examples/matrix/cluster-and-git.yaml`, "application_count = git
/// directory * clusters"): two directories × two clusters = four Applications. The docs
/// list the combinations cluster-major with paths `/examples/git-generator-directory/…`;
/// Argo CD iterates the first child (git) in the outer loop, and paths are relative
/// (`applicationset/examples/matrix/cluster-addons/…`).
#[test]
fn matrix_git_directories_and_clusters() {
    let out = addons_repo(Example::new("matrix-git-clusters", &["staging", "production"]))
        .cluster("staging", "https://1.2.3.4", "environment: staging")
        .cluster("production", "https://2.4.6.8", "environment: production")
        .generate(&appset(
            "cluster-git",
            &format!(
                r#"  goTemplate: true
  goTemplateOptions: ["missingkey=error"]
  generators:
  - matrix:
      generators:
      - git: {{repoURL: '{ARGO_CD}', revision: HEAD, directories: [{{path: 'applicationset/examples/matrix/cluster-addons/*'}}]}}
      - clusters: {{selector: {{matchLabels: {{argocd.argoproj.io/secret-type: cluster}}}}}}
  template:
    metadata: {{name: '{{{{.path.basename}}}}-{{{{.name}}}}'}}
    spec:
      project: '{{{{index .metadata.labels "environment"}}}}'
      source: {{repoURL: '{ARGO_CD}', targetRevision: HEAD, path: '{{{{.path.path}}}}'}}
      destination: {{server: '{{{{.server}}}}', namespace: '{{{{.path.basename}}}}'}}
"#
            ),
        ))
        .ok();
    let names = out.names();
    assert_eq!(names.len(), 4);
    let mut first_dir = names[..2].to_vec();
    first_dir.sort_unstable();
    let mut second_dir = names[2..].to_vec();
    second_dir.sort_unstable();
    assert_eq!(
        first_dir,
        ["argo-workflows-production", "argo-workflows-staging"]
    );
    assert_eq!(
        second_dir,
        [
            "prometheus-operator-production",
            "prometheus-operator-staging"
        ]
    );
    out.fields(&[
        ("argo-workflows-staging", SERVER, "https://1.2.3.4"),
        ("argo-workflows-staging", PROJECT, "staging"),
        ("prometheus-operator-production", SERVER, "https://2.4.6.8"),
        ("prometheus-operator-production", PROJECT, "production"),
        (
            "prometheus-operator-production",
            PATH,
            "applicationset/examples/matrix/cluster-addons/prometheus-operator",
        ),
        (
            "prometheus-operator-production",
            NAMESPACE,
            "prometheus-operator",
        ),
    ]);
}

/// `applicationset/examples/matrix/list-and-git.yaml` ("application_count = git
/// directory * list entries"): list order is defined, so the order is too.
#[test]
fn matrix_git_directories_and_list() {
    let out = addons_repo(Example::new("matrix-list-git", &["dev", "prod"]))
        .cluster("engineering-dev", "https://1.2.3.4", "")
        .cluster("engineering-prod", "https://2.4.6.8", "")
        .generate(&appset(
            "list-git",
            &format!(
                r#"  goTemplate: true
  goTemplateOptions: ["missingkey=error"]
  generators:
  - matrix:
      generators:
      - git: {{repoURL: '{ARGO_CD}', revision: HEAD, directories: [{{path: 'applicationset/examples/matrix/cluster-addons/*'}}]}}
      - list: {{elements: [{{cluster: engineering-dev, url: 'https://1.2.3.4', values: {{project: dev}}}}, {{cluster: engineering-prod, url: 'https://2.4.6.8', values: {{project: prod}}}}]}}
  template:
    metadata: {{name: '{{{{.path.basename}}}}-{{{{.cluster}}}}'}}
    spec:
      project: '{{{{.values.project}}}}'
      source: {{repoURL: '{ARGO_CD}', targetRevision: HEAD, path: '{{{{.path.path}}}}'}}
      destination: {{server: '{{{{.url}}}}', namespace: '{{{{.path.basename}}}}'}}
"#
            ),
        ))
        .ok();
    assert_eq!(
        out.names(),
        [
            "argo-workflows-engineering-dev",
            "argo-workflows-engineering-prod",
            "prometheus-operator-engineering-dev",
            "prometheus-operator-engineering-prod",
        ]
    );
    out.fields(&[
        ("argo-workflows-engineering-prod", PROJECT, "prod"),
        ("argo-workflows-engineering-prod", SERVER, "https://2.4.6.8"),
    ]);
}

/// Generators-Matrix.md, "Using Parameters from one child generator in another child
/// generator": the cluster selector of the second child takes `{{.path.basename}}` of each
/// config file, so `dev` clusters get the `dev` config and `prod` clusters the `prod` one.
#[test]
fn matrix_second_child_uses_first_child_parameters() {
    const URL: &str = "https://github.com/argoproj/applicationset.git";
    let config = |env: &str| {
        format!(r#"{{"cluster": {{"name": "engineering-{env}", "address": "https://unused"}}}}"#)
    };
    let out = Example::new("matrix-interpolated", &["default"])
        .repo(
            URL,
            &[
                ("examples/git-generator-files-discovery/cluster-config/engineering/dev/config.json", &config("dev")),
                ("examples/git-generator-files-discovery/cluster-config/engineering/prod/config.json", &config("prod")),
                ("examples/git-generator-files-discovery/apps/guestbook/kustomization.yaml", ""),
            ],
        )
        .cluster("dev-east", "https://1.1.1.1", "kubernetes.io/environment: dev")
        .cluster("prod-east", "https://2.2.2.2", "kubernetes.io/environment: prod")
        .cluster("prod-west", "https://3.3.3.3", "kubernetes.io/environment: prod")
        .generate(&appset(
            "cluster-git",
            &format!(
                r#"  goTemplate: true
  goTemplateOptions: ["missingkey=error"]
  generators:
  - matrix:
      generators:
      - git: {{repoURL: '{URL}', revision: HEAD, files: [{{path: 'examples/git-generator-files-discovery/cluster-config/**/config.json'}}]}}
      - clusters: {{selector: {{matchLabels: {{argocd.argoproj.io/secret-type: cluster, kubernetes.io/environment: '{{{{.path.basename}}}}'}}}}}}
  template:
    metadata: {{name: '{{{{.name}}}}-guestbook', annotations: {{config: '{{{{.path.path}}}}'}}}}
    spec:
      project: default
      source: {{repoURL: '{URL}', targetRevision: HEAD, path: examples/git-generator-files-discovery/apps/guestbook}}
      destination: {{server: '{{{{.server}}}}', namespace: guestbook}}
"#
            ),
        ))
        .ok();
    assert_eq!(out.names()[0], "dev-east-guestbook");
    assert_eq!(
        out.name_set(),
        [
            "dev-east-guestbook",
            "prod-east-guestbook",
            "prod-west-guestbook"
        ]
    );
    let config = "/metadata/annotations/config";
    out.fields(&[
        (
            "dev-east-guestbook",
            config,
            "examples/git-generator-files-discovery/cluster-config/engineering/dev",
        ),
        (
            "prod-west-guestbook",
            config,
            "examples/git-generator-files-discovery/cluster-config/engineering/prod",
        ),
        ("prod-west-guestbook", SERVER, "https://3.3.3.3"),
    ]);
}

/// Generators-Matrix.md, "Overriding parameters from one child generator in another child
/// generator": per-stage values (first child) win over the global ones (second child),
/// which fill what a stage leaves out. Two differences from the docs: the results come in
/// path order (`production`, `staging`, `test`: git files are read sorted), and the docs'
/// constant name `example` would name all three Applications alike, which Argo CD refuses;
/// ours names them by stage and shows the parameters as helm parameters.
#[test]
fn matrix_first_child_overrides_second() {
    const URL: &str = "https://github.com/example/values.git";
    let out = Example::new("matrix-override", &["default"])
        .repo(
            URL,
            &[
                ("test/stage.values.yaml", "stageName: test\ncpuRequest: 100m\ndebugEnabled: true\n"),
                ("staging/stage.values.yaml", "stageName: staging\n"),
                ("production/stage.values.yaml", "stageName: production\nmemoryLimit: 512Mi\ndebugEnabled: false\n"),
                ("global.values.yaml", "cpuRequest: 200m\nmemoryLimit: 256Mi\ndebugEnabled: true\n"),
            ],
        )
        .generate(&appset(
            "parameter-override-example",
            &format!(
                r#"  goTemplate: true
  generators:
  - matrix:
      generators:
      - git: {{repoURL: '{URL}', revision: HEAD, files: [{{path: '**/stage.values.yaml'}}]}}
      - git: {{repoURL: '{URL}', revision: HEAD, files: [{{path: global.values.yaml}}]}}
  template:
    metadata: {{name: '{{{{.stageName}}}}'}}
    spec:
      project: default
      source:
        repoURL: https://github.com/example/example-app.git
        targetRevision: HEAD
        path: .
        helm: {{parameters: [{{name: cpuRequest, value: '{{{{.cpuRequest}}}}'}}, {{name: memoryLimit, value: '{{{{.memoryLimit}}}}'}}, {{name: debugEnabled, value: '{{{{.debugEnabled}}}}'}}]}}
      destination: {{server: '{LOCAL}', namespace: default}}
"#
            ),
        ))
        .ok();
    assert_eq!(out.names(), ["production", "staging", "test"]);
    let case = |stage: &str, cpu: &str, memory: &str, debug: &str| {
        let parameter = |i: usize| format!("/spec/source/helm/parameters/{i}/value");
        out.fields(&[
            (stage, &parameter(0), cpu),
            (stage, &parameter(1), memory),
            (stage, &parameter(2), debug),
        ]);
    };
    case("test", "100m", "256Mi", "true");
    case("staging", "200m", "256Mi", "true");
    case("production", "200m", "512Mi", "false");
}

/// Generators-Matrix.md, "Example: Two Git Generators Using `pathParamPrefix`": four
/// combinations, app-major, with `app.path…` and `target.path…` parameters side by side.
/// The docs write `app.path: /apps`; the path is `apps`, relative to the repository.
#[test]
fn matrix_two_git_generators_with_path_param_prefix() {
    const URL: &str = "https://github.com/some-org/some-repo.git";
    let target = |region: &str, cluster: &str| {
        format!(r#"{{"region": "{region}", "clusterName": "{cluster}"}}"#)
    };
    let out = Example::new("matrix-prefix", &["default"])
        .repo(
            URL,
            &[
                ("apps/app-one.json", r#"{"appName": "app-one"}"#),
                ("apps/app-two.json", r#"{"appName": "app-two"}"#),
                ("targets/app-one/east-cluster-one.json", &target("east", "cluster-one")),
                ("targets/app-one/east-cluster-two.json", &target("east", "cluster-two")),
                ("targets/app-two/east-cluster-one.json", &target("east", "cluster-one")),
                ("targets/app-two/west-cluster-three.json", &target("west", "cluster-three")),
            ],
        )
        .generate(&appset(
            "two-gits-with-path-param-prefix",
            &format!(
                r#"  goTemplate: true
  goTemplateOptions: ["missingkey=error"]
  generators:
  - matrix:
      generators:
      - git: {{repoURL: '{URL}', revision: HEAD, files: [{{path: 'apps/*.json'}}], pathParamPrefix: app}}
      - git: {{repoURL: '{URL}', revision: HEAD, files: [{{path: 'targets/{{{{.appName}}}}/*.json'}}], pathParamPrefix: target}}
  template:
    metadata:
      name: '{{{{.appName}}}}-{{{{.clusterName}}}}'
      annotations: {{app-path: '{{{{.app.path.path}}}}', app-file: '{{{{.app.path.filename}}}}', target-path: '{{{{.target.path.path}}}}', target-file: '{{{{.target.path.filename}}}}', region: '{{{{.region}}}}'}}
    spec:
      project: default
      source: {{repoURL: '{URL}', targetRevision: HEAD, path: '{{{{.target.path.path}}}}'}}
      destination: {{server: '{LOCAL}', namespace: '{{{{.region}}}}'}}
"#
            ),
        ))
        .ok();
    assert_eq!(
        out.names(),
        [
            "app-one-cluster-one",
            "app-one-cluster-two",
            "app-two-cluster-one",
            "app-two-cluster-three"
        ]
    );
    let case = |name: &str, app_file: &str, target_path: &str, target_file: &str, region: &str| {
        let annotation = |key: &str| format!("/metadata/annotations/{key}");
        out.fields(&[
            (name, &annotation("app-path"), "apps"),
            (name, &annotation("app-file"), app_file),
            (name, &annotation("target-path"), target_path),
            (name, &annotation("target-file"), target_file),
            (name, &annotation("region"), region),
        ]);
    };
    case(
        "app-one-cluster-one",
        "app-one.json",
        "targets/app-one",
        "east-cluster-one.json",
        "east",
    );
    case(
        "app-one-cluster-two",
        "app-one.json",
        "targets/app-one",
        "east-cluster-two.json",
        "east",
    );
    case(
        "app-two-cluster-one",
        "app-two.json",
        "targets/app-two",
        "east-cluster-one.json",
        "east",
    );
    case(
        "app-two-cluster-three",
        "app-two.json",
        "targets/app-two",
        "west-cluster-three.json",
        "west",
    );
}

/// Generators-Matrix.md, "Restrictions": two children only, one generator per child
/// entry, child templates ignored, combination generators nested once.
#[test]
fn matrix_restrictions() {
    let example = Example::new("matrix-restrictions", &["default"]);
    let spec = |generators: &str| {
        appset(
            "restricted",
            &format!(
                "  goTemplate: true\n  generators:\n  - matrix: {{generators: [{generators}]}}\n  template:\n    metadata: {{name: '{{{{.a}}}}-{{{{.b}}}}'}}\n    spec: {{project: default, source: {{repoURL: 'https://git.example.com/x.git', path: '{{{{.a}}}}'}}, destination: {{server: '{LOCAL}', namespace: x}}}}\n"
            ),
        )
    };
    let a = "{list: {elements: [{a: one}, {a: two}]}}";
    let b = "{list: {elements: [{b: x}]}}";
    let out = example.generate(&spec(&format!("{a}, {b}"))).ok();
    assert_eq!(out.names(), ["one-x", "two-x"]);
    example
        .generate(&spec(&format!("{a}, {b}, {b}")))
        .fails_with("found more than two generators, Matrix support only two");
    example
        .generate(&spec(&format!(
            "{{list: {{elements: [{{a: one}}]}}, clusters: {{}}}}, {b}"
        )))
        .fails_with("found more than one generator in matrix.Generators");
    let with_child_template = example
        .generate(&spec(&format!(
            "{a}, {{list: {{elements: [{{b: x}}], template: {{metadata: {{name: ignored}}, spec: {{project: ignored}}}}}}}}"
        )))
        .ok();
    assert_eq!(with_child_template.names(), ["one-x", "two-x"]);
    assert_eq!(with_child_template.field("one-x", PROJECT), "default");
    example
        .generate(&spec(&format!(
            "{{matrix: {{generators: [{{matrix: {{generators: [{a}, {b}]}}}}, {b}]}}}}, {b}"
        )))
        .fails_with("matrix");
}

/// `applicationset/examples/matrix/matrix-and-union-in-matrix.yaml`, whose comment states
/// the result: the merge keeps `engineering-dev` and `engineering-prod` (the second list's
/// `engineering-test` has no base), the inner matrix gives four suffix/prefix pairs, and
/// the outer matrix 2 × 4 = 8 Applications. The merge's order is unspecified; within a
/// cluster the inner matrix's order is defined.
#[test]
fn matrix_of_a_merge_and_a_matrix() {
    let element = |cluster: &str| {
        format!("{{cluster: {cluster}, url: '{LOCAL}', values: {{project: default}}}}")
    };
    let out = Example::new("matrix-union", &["default"])
        .generate(&appset(
            "matrix-and-union-in-matrix",
            &format!(
                r#"  goTemplate: true
  goTemplateOptions: ["missingkey=error"]
  generators:
  - matrix:
      generators:
      - merge:
          mergeKeys: [cluster]
          generators:
          - list: {{elements: [{dev}, {prod}]}}
          - list: {{elements: [{dev}, {test}]}}
      - matrix:
          generators:
          - list: {{elements: [{{values: {{suffix: '1'}}}}, {{values: {{suffix: '2'}}}}]}}
          - list: {{elements: [{{values: {{prefix: first}}}}, {{values: {{prefix: second}}}}]}}
  template:
    metadata: {{name: '{{{{.values.prefix}}}}-{{{{.cluster}}}}-{{{{.values.suffix}}}}'}}
    spec:
      project: '{{{{.values.project}}}}'
      source: {{repoURL: '{ARGO_CD}', targetRevision: HEAD, path: 'applicationset/examples/list-generator/guestbook/{{{{.cluster}}}}'}}
      destination: {{server: '{{{{.url}}}}', namespace: '{{{{.values.prefix}}}}-{{{{.cluster}}}}-{{{{.values.suffix}}}}'}}
"#,
                dev = element("engineering-dev"),
                prod = element("engineering-prod"),
                test = element("engineering-test"),
            ),
        ))
        .ok();
    let names = out.names();
    assert_eq!(names.len(), 8);
    for cluster in ["engineering-dev", "engineering-prod"] {
        let of_cluster: Vec<&str> = names
            .iter()
            .copied()
            .filter(|n| n.contains(cluster))
            .collect();
        assert_eq!(
            of_cluster,
            [1, 2]
                .iter()
                .flat_map(|suffix| ["first", "second"]
                    .map(|prefix| format!("{prefix}-{cluster}-{suffix}")))
                .collect::<Vec<_>>()
        );
    }
    out.fields(&[("second-engineering-prod-2", PROJECT, "default")]);
}

// ---------------------------------------------------------------------------------------
// Generators-Merge.md

fn merge_appset(go_template: bool, project: &str) -> String {
    let (options, name, kafka, redis, server) = if go_template {
        (
            "  goTemplate: true\n  goTemplateOptions: [\"missingkey=error\"]\n",
            "{{.name}}",
            "{{.values.kafka}}",
            "{{.values.redis}}",
            "{{.server}}",
        )
    } else {
        (
            "",
            "{{name}}",
            "{{values.kafka}}",
            "{{values.redis}}",
            "{{server}}",
        )
    };
    appset(
        "cluster-git",
        &format!(
            r#"{options}  generators:
  - merge:
      mergeKeys: [server]
      generators:
      - clusters: {{values: {{kafka: 'true', redis: 'false'}}}}
      - clusters: {{selector: {{matchLabels: {{use-kafka: 'false'}}}}, values: {{kafka: 'false'}}}}
      - list: {{elements: [{{server: 'https://2.4.6.8', values.redis: 'true'}}]}}
  template:
    metadata: {{name: '{name}'}}
    spec:
      project: '{project}'
      source: {{repoURL: '{ARGO_CD}', targetRevision: HEAD, path: app, helm: {{parameters: [{{name: kafka, value: '{kafka}'}}, {{name: redis, value: '{redis}'}}]}}}}
      destination: {{server: '{server}', namespace: default}}
"#
        ),
    )
}

fn merge_clusters(name: &str) -> Example {
    Example::new(name, &["default", "staging", "production"])
        .cluster(
            "staging",
            "https://1.2.3.4",
            "environment: staging, use-kafka: 'false'",
        )
        .cluster("production", "https://2.4.6.8", "environment: production")
}

const KAFKA: &str = "/spec/source/helm/parameters/0/value";
const REDIS: &str = "/spec/source/helm/parameters/1/value";

/// Generators-Merge.md, "Example: Base Cluster generator + override Cluster generator +
/// List generator", as `merge-clusters-and-list-fasttemplate.yaml` writes it: staging gets
/// kafka `false` from the labelled override, production redis `true` from the list. The
/// base cluster generator has no selector, so the local cluster is a base set too, which
/// the docs leave out (the docs' project template would fail on it; ours uses `default`).
#[test]
fn merge_clusters_and_list_fasttemplate() {
    let out = merge_clusters("merge-fast")
        .generate(&merge_appset(false, "default"))
        .ok();
    assert_eq!(out.name_set(), ["in-cluster", "production", "staging"]);
    out.fields(&[
        ("staging", KAFKA, "false"),
        ("staging", REDIS, "false"),
        ("production", KAFKA, "true"),
        ("production", REDIS, "true"),
        ("in-cluster", KAFKA, "true"),
        ("in-cluster", REDIS, "false"),
    ]);
}

/// The same example as the docs write it, with `goTemplate: true`. Two differences from
/// what the docs say: (1) the implicit `in-cluster` parameter set has no `metadata`, so
/// `{{index .metadata.labels "environment"}}` fails under `missingkey=error` and the
/// ApplicationSet generates nothing; (2) with a project that renders, production's redis
/// stays `false`: the list element's key `values.redis` is a top-level key literally named
/// `values.redis`, which goTemplate's deep merge adds beside the nested `values` map
/// instead of overriding `values.redis` (the same reason the docs give for nested merge
/// keys). The fasttemplate form above behaves as documented.
#[test]
fn merge_clusters_and_list_go_template() {
    let example = merge_clusters("merge-go");
    example
        .generate(&merge_appset(
            true,
            "{{index .metadata.labels \"environment\"}}",
        ))
        .fails_with("map has no entry for key \"metadata\"");
    let out = example.generate(&merge_appset(true, "default")).ok();
    assert_eq!(out.name_set(), ["in-cluster", "production", "staging"]);
    out.fields(&[
        ("staging", KAFKA, "false"),
        ("staging", REDIS, "false"),
        ("production", KAFKA, "true"),
        ("production", REDIS, "false"),
    ]);
}

/// Generators-Merge.md, "Example: Use value interpolation in merge": clusters and git
/// directories merged on `values.selector` (a cluster's `location` label, a directory's
/// path), so `germany01` deploys `Germany`. The docs' own comment says this does not work
/// with goTemplate (their ApplicationSet sets it): there the merge key is a top-level key
/// `values.selector` that no parameter set has, every set's key is `null`, and the merge
/// fails as not unique. Before that, as written, the implicit `in-cluster` parameter set
/// (no `metadata`) already fails the cluster generator's `values` under
/// `missingkey=error`. In fasttemplate it works; the local cluster, whose label is
/// missing, keeps its unrendered selector and matches no directory.
#[test]
fn merge_on_interpolated_values() {
    const URL: &str = "https://github.com/argoproj/argocd-example-apps/";
    let example = Example::new("merge-values", &["default"])
        .repo(
            URL,
            &[
                ("Germany/x.yaml", ""),
                ("France/x.yaml", ""),
                ("Spain/x.yaml", ""),
            ],
        )
        .cluster("germany01", "https://1.2.3.4", "location: Germany")
        .cluster("france01", "https://2.4.6.8", "location: France");
    let spec = |go: bool, selector: &str| {
        let (options, location, path, name, server) = if go {
            (
                "  goTemplate: true\n  goTemplateOptions: [\"missingkey=error\"]\n",
                "{{index .metadata.labels \"location\"}}",
                "{{.path.path}}",
                "{{.name}}",
                "{{.server}}",
            )
        } else {
            (
                "",
                "{{metadata.labels.location}}",
                "{{path}}",
                "{{name}}",
                "{{server}}",
            )
        };
        appset(
            "cluster-git",
            &format!(
                r#"{options}  generators:
  - merge:
      mergeKeys: [values.selector]
      generators:
      - clusters: {{values: {{selector: '{location}'}}{selector}}}
      - git: {{repoURL: '{URL}', revision: HEAD, directories: [{{path: '*'}}], values: {{selector: '{path}'}}}}
  template:
    metadata: {{name: '{name}'}}
    spec:
      project: default
      source: {{repoURL: '{URL}', targetRevision: HEAD, path: '{path}'}}
      destination: {{server: '{server}', namespace: default}}
"#
            ),
        )
    };
    let out = example.generate(&spec(false, "")).ok();
    assert_eq!(out.name_set(), ["france01", "germany01", "in-cluster"]);
    out.fields(&[
        ("germany01", PATH, "Germany"),
        ("france01", PATH, "France"),
        ("in-cluster", PATH, "{{path}}"),
    ]);
    example
        .generate(&spec(true, ""))
        .fails_with("map has no entry for key \"metadata\"");
    example
        .generate(&spec(
            true,
            ", selector: {matchLabels: {argocd.argoproj.io/secret-type: cluster}}",
        ))
        .fails_with("not unique by the given mergeKeys");
}

// ---------------------------------------------------------------------------------------
// Generators-Post-Selector.md

/// Generators-Post-Selector.md, the `matchLabels` example, its `matchExpressions`
/// equivalent and "Full Example": only the `env: staging` element remains. `In` and
/// `NotIn` need values.
#[test]
fn post_selector_filters_list_elements() {
    let example = Example::new("post-selector", &["default"]);
    let run = |selector: &str| {
        example.generate(&appset(
            "guestbook",
            &format!(
                r#"  goTemplate: true
  goTemplateOptions: ["missingkey=error"]
  generators:
  - list:
      elements:
      - {{cluster: engineering-dev, url: '{LOCAL}', env: staging}}
      - {{cluster: engineering-prod, url: '{LOCAL}', env: prod}}
    selector: {selector}
  template:
    metadata: {{name: '{{{{.cluster}}}}-guestbook'}}
    spec:
      project: default
      source: {{repoURL: https://github.com/argoproj-labs/applicationset.git, targetRevision: HEAD, path: 'examples/list-generator/guestbook/{{{{.cluster}}}}'}}
      destination: {{server: '{{{{.url}}}}', namespace: guestbook}}
"#
            ),
        ))
    };
    let case = |selector: &str, expected: &[&str]| {
        assert_eq!(run(selector).ok().names(), expected, "{selector}");
    };
    case(
        "{matchLabels: {env: staging}}",
        &["engineering-dev-guestbook"],
    );
    case(
        "{matchExpressions: [{key: env, operator: In, values: [staging]}]}",
        &["engineering-dev-guestbook"],
    );
    case(
        "{matchExpressions: [{key: env, operator: NotIn, values: [staging]}]}",
        &["engineering-prod-guestbook"],
    );
    case(
        "{matchExpressions: [{key: env, operator: Exists}]}",
        &["engineering-dev-guestbook", "engineering-prod-guestbook"],
    );
    case(
        "{matchExpressions: [{key: env, operator: DoesNotExist}]}",
        &[],
    );
    assert_eq!(
        run("{matchExpressions: [{key: env, operator: In, values: []}]}").code,
        2
    );
}

// ---------------------------------------------------------------------------------------
// Generators-Cluster-Decision-Resource.md

const DUCKS: &str = "{apiVersion: v1, kind: ConfigMap, metadata: {name: my-configmap, namespace: argocd}, data: {apiVersion: mallard.io/v1beta1, kind: ducks, statusListKey: decisions, matchKey: clusterName}}";

fn duck_example(name: &str) -> Example {
    Example::new(name, &["default"])
        .cluster("cluster-01", "https://1.1.1.1", "")
        .cluster("cluster-02", "https://2.2.2.2", "")
        .cluster("cluster-03", "https://3.3.3.3", "")
        .object(DUCKS)
        .object("{apiVersion: mallard.io/v1beta1, kind: Duck, metadata: {name: quak, namespace: argocd, labels: {duck: spotted}}, spec: {}, status: {decisions: [{clusterName: cluster-01}, {clusterName: cluster-02}]}}")
}

fn duck_appset(selection: &str, server: &str) -> String {
    appset(
        "guestbook",
        &format!(
            r#"  goTemplate: true
  goTemplateOptions: ["missingkey=error"]
  generators:
  - clusterDecisionResource: {{configMapRef: my-configmap, {selection}, requeueAfterSeconds: 60}}
  template:
    metadata: {{name: '{{{{.name}}}}-guestbook'}}
    spec:
      project: default
      source: {{repoURL: 'https://github.com/argoproj/argocd-example-apps/', targetRevision: HEAD, path: guestbook}}
      destination: {{server: '{server}', namespace: guestbook}}
"#
        ),
    )
}

/// Generators-Cluster-Decision-Resource.md, opening example: the `quak` Duck's decisions
/// name `cluster-01` and `cluster-02`, which give one Application each with `name`,
/// `server` and the decision's own `clusterName` as parameters. Two disagreements: the
/// docs' generator sets both `name` and `labelSelector`, which Argo CD rejects (choose
/// one, as its comment says); and `server: '{{.clusterName}}'` is the cluster's *name*,
/// not its server (its comment says "'server' field of the secret"), so Argo CD refuses
/// those Applications (exit 1); `{{.server}}` is the server.
#[test]
fn cluster_decision_resource_duck_type() {
    let example = duck_example("duck");
    example
        .generate(&duck_appset(
            "name: quak, labelSelector: {matchLabels: {duck: spotted}}",
            "{{.server}}",
        ))
        .fails_with("labelSelector");
    for selection in [
        "name: quak",
        "labelSelector: {matchLabels: {duck: spotted}, matchExpressions: [{key: duck, operator: In, values: [spotted, canvasback]}]}",
    ] {
        let out = example.generate(&duck_appset(selection, "{{.server}}")).ok();
        assert_eq!(out.names(), ["cluster-01-guestbook", "cluster-02-guestbook"], "{selection}");
        out.fields(&[
            ("cluster-01-guestbook", SERVER, "https://1.1.1.1"),
            ("cluster-02-guestbook", SERVER, "https://2.2.2.2"),
        ]);
    }
    let as_documented = example.generate(&duck_appset("name: quak", "{{.clusterName}}"));
    assert_eq!(as_documented.code, 1, "{}", as_documented.stderr);
    as_documented.fields(&[("cluster-01-guestbook", SERVER, "cluster-01")]);
}

/// `applicationset/examples/clusterDecisionResource/` (`ducktype-example.yaml`,
/// `configMap.yaml`, `placementdecision.yaml`, and its README's default status format):
/// the open-cluster-management PlacementDecision selects two clusters; decision fields
/// are parameters; without `statusListKey` the list is `status.clusters`.
#[test]
fn cluster_decision_resource_placement_decision() {
    let out = Example::new("placement", &["default"])
        .cluster("cluster-01", "https://1.1.1.1", "")
        .cluster("cluster-02", "https://2.2.2.2", "")
        .object("{apiVersion: v1, kind: ConfigMap, metadata: {name: ocm-placement, namespace: argocd}, data: {apiVersion: cluster.open-cluster-management.io/v1beta1, kind: placementdecisions, statusListKey: decisions, matchKey: clusterName}}")
        .object("{apiVersion: cluster.open-cluster-management.io/v1beta1, kind: PlacementDecision, metadata: {name: test-placement, namespace: argocd, labels: {cluster.open-cluster-management.io/placement: test-placement}}, status: {decisions: [{clusterName: cluster-01, namespace: ns-01}, {clusterName: cluster-02, namespace: ns-02}]}}")
        .object("{apiVersion: v1, kind: ConfigMap, metadata: {name: my-kinds, namespace: argocd}, data: {apiVersion: group.io/v1, kind: mykinds, matchKey: name}}")
        .object("{apiVersion: group.io/v1, kind: MyKind, metadata: {name: mine, namespace: argocd}, status: {clusters: [{name: cluster-02}, {name: not-in-argo-cd}]}}")
        .generate(&appset(
            "book-import",
            r#"  goTemplate: true
  goTemplateOptions: ["missingkey=error"]
  generators:
  - clusterDecisionResource: {configMapRef: ocm-placement, name: test-placement, requeueAfterSeconds: 30}
  - clusterDecisionResource: {configMapRef: my-kinds, name: mine}
  template:
    metadata: {name: '{{.name}}-book-import', annotations: {namespace: '{{dig "namespace" "none" .}}'}}
    spec:
      project: default
      source: {repoURL: 'https://github.com/open-cluster-management/application-samples.git', targetRevision: HEAD, path: book-import}
      destination: {name: '{{.name}}', namespace: bookimport}
      syncPolicy: {automated: {prune: true}, syncOptions: [CreateNamespace=true]}
"#,
        ));
    // The second generator gives `cluster-02-book-import` again: a duplicate name.
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(
        out.names(),
        [
            "cluster-01-book-import",
            "cluster-02-book-import",
            "cluster-02-book-import"
        ]
    );
    out.fields(&[
        (
            "cluster-01-book-import",
            "/spec/destination/name",
            "cluster-01",
        ),
        (
            "cluster-01-book-import",
            "/metadata/annotations/namespace",
            "ns-01",
        ),
    ]);
    assert_eq!(out.apps[2]["metadata"]["annotations"]["namespace"], "none");
}

// ---------------------------------------------------------------------------------------
// GoTemplate.md

fn list_appset(go_options: &str, elements: &str, name: &str) -> String {
    appset(
        "guestbook",
        &format!(
            r#"{go_options}  generators:
  - list: {{elements: [{elements}]}}
  template:
    metadata: {{name: '{name}'}}
    spec:
      project: my-project
      source: {{repoURL: https://github.com/infra-team/cluster-deployments.git, targetRevision: HEAD, path: 'guestbook/{{{{.cluster}}}}'}}
      destination: {{server: '{{{{.url}}}}', namespace: guestbook}}
"#
        ),
    )
}

const GO: &str = "  goTemplate: true\n  goTemplateOptions: [\"missingkey=error\"]\n";

/// GoTemplate.md, "Basic Go template usage": one Application per element, in order.
#[test]
fn go_template_basic_usage() {
    let out = Example::new("go-basic", &["my-project"])
        .cluster("engineering-dev", "https://1.2.3.4", "")
        .cluster("engineering-prod", "https://2.4.6.8", "")
        .cluster("finance-preprod", "https://9.8.7.6", "")
        .generate(&list_appset(
            GO,
            "{cluster: engineering-dev, url: 'https://1.2.3.4'}, {cluster: engineering-prod, url: 'https://2.4.6.8'}, {cluster: finance-preprod, url: 'https://9.8.7.6'}",
            "{{.cluster}}-guestbook",
        ))
        .ok();
    assert_eq!(
        out.names(),
        [
            "engineering-dev-guestbook",
            "engineering-prod-guestbook",
            "finance-preprod-guestbook"
        ]
    );
    out.fields(&[
        ("finance-preprod-guestbook", SERVER, "https://9.8.7.6"),
        (
            "finance-preprod-guestbook",
            PATH,
            "guestbook/finance-preprod",
        ),
    ]);
}

/// GoTemplate.md, "Fallbacks for unset parameters": `dig` supplies the missing suffix,
/// so the docs' `engineering-dev` and `engineering-prod-my-name-suffix`; without `dig`,
/// `missingkey=error` fails on the element lacking the key.
#[test]
fn go_template_fallbacks_with_dig() {
    let example = Example::new("go-dig", &["my-project"]);
    let elements = format!("{{cluster: engineering-dev, url: '{LOCAL}'}}, {{cluster: engineering-prod, url: '{LOCAL}', nameSuffix: -my-name-suffix}}");
    let out = example
        .generate(&list_appset(
            GO,
            &elements,
            "{{.cluster}}{{dig \"nameSuffix\" \"\" .}}",
        ))
        .ok();
    assert_eq!(
        out.names(),
        ["engineering-dev", "engineering-prod-my-name-suffix"]
    );
    example
        .generate(&list_appset(GO, &elements, "{{.cluster}}{{.nameSuffix}}"))
        .fails_with("map has no entry for key \"nameSuffix\"");
}

/// GoTemplate.md, "Migration guide" (Git Generators): the fasttemplate ApplicationSet and
/// its goTemplate rewrite generate the same Applications; and the Sprig column of the
/// table: `{{base .path.path}}` is the basename. The table also pairs
/// `{{path.basenameNormalized}}` with `{{normalize .path.path}}`, which normalizes the
/// whole path, not the basename.
#[test]
fn go_template_migration_of_git_parameters() {
    let example = addons_repo(Example::new("go-migration", &["default"]));
    let spec = |go: bool| {
        let (options, basename, path, sprig) = if go {
            (GO, "{{.path.basename}}", "{{.path.path}}", ", annotations: {base: '{{base .path.path}}', normalized: '{{normalize .path.path}}', segment: '{{index .path.segments 3}}'}")
        } else {
            (
                "",
                "{{path.basename}}",
                "{{path}}",
                ", annotations: {segment: '{{path[3]}}'}",
            )
        };
        appset(
            "cluster-addons",
            &format!(
                r#"{options}  generators:
  - git: {{repoURL: '{ARGO_CD}', revision: HEAD, directories: [{{path: 'applicationset/examples/git-generator-directory/cluster-addons/*'}}]}}
  template:
    metadata: {{name: '{basename}'{sprig}}}
    spec:
      project: default
      source: {{repoURL: '{ARGO_CD}', targetRevision: HEAD, path: '{path}'}}
      destination: {{server: '{LOCAL}', namespace: '{basename}'}}
"#
            ),
        )
    };
    let fast = example.generate(&spec(false)).ok();
    let go = example.generate(&spec(true)).ok();
    assert_eq!(fast.names(), ["argo-workflows", "prometheus-operator"]);
    assert_eq!(go.names(), fast.names());
    for name in fast.names() {
        assert_eq!(go.app(name)["spec"], fast.app(name)["spec"]);
        assert_eq!(
            go.field(name, "/metadata/annotations/segment"),
            fast.field(name, "/metadata/annotations/segment")
        );
    }
    go.fields(&[
        (
            "argo-workflows",
            "/metadata/annotations/base",
            "argo-workflows",
        ),
        (
            "argo-workflows",
            "/metadata/annotations/segment",
            "cluster-addons",
        ),
        (
            "argo-workflows",
            "/metadata/annotations/normalized",
            "applicationset-examples-git-generator-directory-cluster-addons-argo-workflows",
        ),
    ]);
}

/// GoTemplate.md, the `slugify` usage example (the docs state no output): `slugify`
/// first `normalize`s its argument, so non-ASCII letters become `-` before gosimple/slug
/// could transliterate them (`Über` → `ber`); smart truncation cuts at a dash, the
/// `false` form hard, and before dash runs collapse (`feature--ber-cool-lo`, 20 bytes,
/// becomes `feature-ber-cool-lo`).
#[test]
fn go_template_slugify() {
    let out = Example::new("go-slugify", &["my-project"])
        .generate(&appset(
            "test-appset",
            &format!(
                r#"  goTemplate: true
  goTemplateOptions: ["missingkey=error"]
  generators:
  - list: {{elements: [{{name: s3, branch: 'Feature/Über-Cool_Login-Page-for-Customers'}}]}}
  template:
    metadata:
      name: 'hellos3-{{{{.name}}}}-{{{{ cat .branch | slugify 23 }}}}'
      annotations: {{label-1: '{{{{ cat .branch | slugify }}}}', label-2: '{{{{ cat .branch | slugify 23 }}}}', label-3: '{{{{ cat .branch | slugify 20 false }}}}'}}
    spec: {{project: my-project, source: {{repoURL: 'https://git.example.com/x.git', path: x}}, destination: {{server: '{LOCAL}', namespace: x}}}}
"#
            ),
        ))
        .ok();
    assert_eq!(out.names(), ["hellos3-s3-feature-ber-cool-login"]);
    out.fields(&[
        (
            "hellos3-s3-feature-ber-cool-login",
            "/metadata/annotations/label-1",
            "feature-ber-cool-login-page-for-customers",
        ),
        (
            "hellos3-s3-feature-ber-cool-login",
            "/metadata/annotations/label-2",
            "feature-ber-cool-login",
        ),
        (
            "hellos3-s3-feature-ber-cool-login",
            "/metadata/annotations/label-3",
            "feature-ber-cool-lo",
        ),
    ]);
}

// ---------------------------------------------------------------------------------------
// Template.md

/// Template.md, "Generator templates", as `applicationset/examples/template-override/`
/// writes it: the generator's template wins for the fields it sets (the source path),
/// the spec template fills the rest. The docs' copy uses `{{ .nameNormalized }}` and
/// `{{ .server }}`, which a list element does not have, without `goTemplate`: fasttemplate
/// looks up the key `.nameNormalized` verbatim and leaves the tag as it is.
#[test]
fn template_generator_template_overrides() {
    let example = Example::new("template-override", &["default"]);
    let spec = |go: bool, key: &str, url: &str| {
        let options = if go { GO } else { "" };
        appset(
            "guestbook",
            &format!(
                r#"{options}  generators:
  - list:
      elements: [{{cluster: engineering-dev, url: '{LOCAL}'}}]
      template:
        metadata: {{}}
        spec:
          project: default
          source: {{targetRevision: HEAD, repoURL: '{ARGO_CD}', path: 'applicationset/examples/template-override/{key}-override'}}
          destination: {{}}
  template:
    metadata: {{name: '{key}-guestbook'}}
    spec:
      project: default
      source: {{repoURL: '{ARGO_CD}', targetRevision: HEAD, path: applicationset/examples/template-override/default}}
      destination: {{server: '{url}', namespace: guestbook}}
"#
            ),
        )
    };
    let out = example
        .generate(&spec(true, "{{.cluster}}", "{{.url}}"))
        .ok();
    assert_eq!(out.names(), ["engineering-dev-guestbook"]);
    out.fields(&[
        (
            "engineering-dev-guestbook",
            PATH,
            "applicationset/examples/template-override/engineering-dev-override",
        ),
        ("engineering-dev-guestbook", SERVER, LOCAL),
        ("engineering-dev-guestbook", NAMESPACE, "guestbook"),
        ("engineering-dev-guestbook", REVISION, "HEAD"),
    ]);
    let fast = example
        .generate(&spec(false, "{{cluster}}", "{{url}}"))
        .ok();
    assert_eq!(
        fast.app("engineering-dev-guestbook")["spec"],
        out.app("engineering-dev-guestbook")["spec"]
    );
    let as_documented = example.generate(&spec(false, "{{ .nameNormalized }}", "{{ .server }}"));
    assert_eq!(as_documented.names(), ["{{ .nameNormalized }}-guestbook"]);
    as_documented.fields(&[("{{ .nameNormalized }}-guestbook", SERVER, "{{ .server }}")]);
}

/// `applicationset/examples/design-doc/template-override.yaml`: two list entries, each
/// with its own generator template; each Application takes its entry's project and path.
#[test]
fn template_overrides_per_generator() {
    let out = Example::new("design-override", &["project", "project2"])
        .cluster("remote", "https://1.2.3.4", "")
        .generate(&appset(
            "guestbook",
            r#"  goTemplate: true
  goTemplateOptions: ["missingkey=error"]
  generators:
  - list:
      elements: [{cluster: engineering-dev, url: 'https://1.2.3.4'}]
      template: {metadata: {}, spec: {project: project, source: {repoURL: 'https://github.com/infra-team/cluster-deployments.git', path: '{{.cluster}}-override'}, destination: {}}}
  - list:
      elements: [{cluster: engineering-prod, url: 'https://1.2.3.4'}]
      template: {metadata: {}, spec: {project: project2, source: {repoURL: 'https://github.com/infra-team/cluster-deployments.git', path: '{{.cluster}}-override2'}, destination: {}}}
  template:
    metadata: {name: '{{.cluster}}-guestbook'}
    spec:
      project: project
      source: {repoURL: 'https://github.com/infra-team/cluster-deployments.git', targetRevision: HEAD, path: 'guestbook/{{.cluster}}'}
      destination: {server: '{{.url}}', namespace: guestbook}
"#,
        ))
        .ok();
    assert_eq!(
        out.names(),
        ["engineering-dev-guestbook", "engineering-prod-guestbook"]
    );
    out.fields(&[
        ("engineering-dev-guestbook", PROJECT, "project"),
        (
            "engineering-dev-guestbook",
            PATH,
            "engineering-dev-override",
        ),
        ("engineering-prod-guestbook", PROJECT, "project2"),
        (
            "engineering-prod-guestbook",
            PATH,
            "engineering-prod-override2",
        ),
        ("engineering-prod-guestbook", REVISION, "HEAD"),
    ]);
}

/// Template.md, "Template Patch": the patch adds the element's value files and, as
/// `autoSync` is true, an automated sync policy with `prune: true`. The docs' element has
/// no `nameNormalized` or `server` and the ApplicationSet no `missingkey=error`, so those
/// render as `<no value>` (ours adds both to the element). The docs say `templatePatch`
/// needs goTemplate; Argo CD applies it in fasttemplate mode too. A patch cannot change
/// the project.
#[test]
fn template_patch() {
    let example = Example::new("template-patch", &["default"]);
    let spec = |go: bool, element: &str, patch: &str| {
        let (options, name, server) = if go {
            (
                "  goTemplate: true\n",
                "{{ .nameNormalized }}-deployment",
                "{{ .server }}",
            )
        } else {
            ("", "{{nameNormalized}}-deployment", "{{server}}")
        };
        appset(
            "guestbook",
            &format!(
                r#"{options}  generators:
  - list: {{elements: [{element}]}}
  template:
    metadata: {{name: '{name}'}}
    spec:
      project: default
      source: {{repoURL: https://github.com/infra-team/cluster-deployments.git, targetRevision: HEAD, path: 'guestbook/x'}}
      destination: {{server: '{server}', namespace: guestbook}}
  templatePatch: |
{patch}"#
            ),
        )
    };
    let patch = "    spec:\n      source:\n        helm:\n          valueFiles:\n          {{- range $valueFile := .valueFiles }}\n            - {{ $valueFile }}\n          {{- end }}\n    {{- if .autoSync }}\n      syncPolicy:\n        automated:\n          prune: {{ .prune }}\n    {{- end }}\n";
    let element = "{cluster: engineering-dev, url: 'https://kubernetes.default.svc', autoSync: true, prune: true, valueFiles: [values.large.yaml, values.debug.yaml]}";
    let as_documented = example.generate(&spec(true, element, patch));
    assert_eq!(as_documented.names(), ["<no value>-deployment"]);
    as_documented.fields(&[("<no value>-deployment", SERVER, "<no value>")]);
    let with_params = element.replace("url:", "nameNormalized: engineering-dev, server:");
    let out = example.generate(&spec(true, &with_params, patch)).ok();
    assert_eq!(out.names(), ["engineering-dev-deployment"]);
    let app = out.app("engineering-dev-deployment");
    assert_eq!(
        app["spec"]["source"]["helm"]["valueFiles"],
        serde_json::json!(["values.large.yaml", "values.debug.yaml"])
    );
    assert_eq!(app["spec"]["syncPolicy"]["automated"]["prune"], true);
    assert_eq!(app["spec"]["source"]["path"], "guestbook/x");
    let without_sync = example
        .generate(&spec(
            true,
            &with_params.replace("autoSync: true", "autoSync: false"),
            patch,
        ))
        .ok();
    assert!(without_sync.app("engineering-dev-deployment")["spec"]["syncPolicy"].is_null());
    let fast = example
        .generate(&spec(
            false,
            &format!("{{nameNormalized: engineering-dev, server: '{LOCAL}'}}"),
            "    metadata: {labels: {patched: '{{nameNormalized}}'}}\n    spec: {project: other}\n",
        ))
        .ok();
    fast.fields(&[
        (
            "engineering-dev-deployment",
            "/metadata/labels/patched",
            "engineering-dev",
        ),
        ("engineering-dev-deployment", PROJECT, "default"),
    ]);
}

// ---------------------------------------------------------------------------------------
// Generators-Pull-Request.md (branch slugs)

/// Generators-Pull-Request.md, the `branch_slug` parameter: gosimple/slug transliterates
/// non-ASCII letters for English (`ü` → `u`, `ß` → `ss`) and spells `&` and `@`.
#[test]
fn pull_request_branch_slugs_transliterate() {
    let example = Example::new("pr-slug", &["default"]);
    std::fs::write(
        example.root.join("responses.yaml"),
        "responses:\n- generator: pullRequest\n  pullRequests:\n  - {number: 7, title: t, branch: 'feature/Über_Straße&Café@home', targetBranch: 'release/Ærø', headSha: 0123456789abcdef, author: a}\n",
    )
    .unwrap();
    let file = example.root.join("appset.yaml");
    std::fs::write(
        &file,
        appset(
            "previews",
            &format!("  goTemplate: true\n  generators:\n  - pullRequest: {{github: {{owner: acme, repo: web}}}}\n  template:\n    metadata: {{name: 'preview-{{{{.branch_slug}}}}', annotations: {{target: '{{{{.target_branch_slug}}}}'}}}}\n    spec: {{project: default, source: {{repoURL: 'https://git.example.com/web.git', path: x}}, destination: {{server: '{LOCAL}', namespace: x}}}}\n"),
        ),
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_argocd-preflight"))
        .arg("generate")
        .arg(&file)
        .arg("--generator-response")
        .arg(example.root.join("responses.yaml"))
        .args(["-o", "json"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let list: Value = serde_json::from_slice(&output.stdout).unwrap();
    let app = &list["items"][0];
    assert_eq!(
        app["metadata"]["name"],
        "preview-feature-uber-strasseandcafeathome"
    );
    assert_eq!(app["metadata"]["annotations"]["target"], "release-aero");
}
