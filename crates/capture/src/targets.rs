//! Which clusters to capture, how to reach each, and which folder each becomes.
//!
//! A folder is named as Argo CD names the cluster: the Argo CD cluster is `in-cluster`
//! (or the name a cluster secret for `https://kubernetes.default.svc` gives it); another
//! context takes the `name` of the cluster secret whose `server` is the context's server,
//! else the `=CLUSTER` given with `--context`, else the context's own name (with a
//! warning: `plan` then cannot resolve Applications to it unless the names agree).

use std::path::Path;

use kube::config::{KubeConfigOptions, Kubeconfig};
use preflight_model::argocd::{IN_CLUSTER_NAME, IN_CLUSTER_SERVER};
use serde_json::{json, Map, Value};

use crate::redact::Redactor;
use crate::slim::ClusterSecret;
use crate::CaptureError;

/// `--context CTX[=CLUSTER]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextArg {
    pub context: String,
    /// The Argo CD cluster name, when no cluster secret names the context's server.
    pub cluster: Option<String>,
}

impl std::str::FromStr for ContextArg {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (context, cluster) = match text.split_once('=') {
            Some((context, cluster)) => (context, Some(cluster.to_string())),
            None => (text, None),
        };
        if context.is_empty() || cluster.as_deref() == Some("") {
            return Err(format!(
                "expected `CONTEXT` or `CONTEXT=CLUSTER`, got `{text}`"
            ));
        }
        Ok(ContextArg {
            context: context.to_string(),
            cluster,
        })
    }
}

/// Where a cluster's credentials came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) enum Source {
    Kubeconfig,
    /// The service account of the pod the capture runs in (no kubeconfig).
    ServiceAccount,
    ArgoCdClusterSecret,
}

/// A cluster to capture.
pub(crate) struct Target {
    pub(crate) folder: String,
    pub(crate) context: Option<String>,
    pub(crate) server: String,
    pub(crate) source: Source,
    pub(crate) config: kube::Config,
    pub(crate) is_argocd: bool,
    pub(crate) warnings: Vec<String>,
}

/// The kubeconfig, its credentials handed to the redactor as soon as it is read.
pub(crate) fn read_kubeconfig(
    path: Option<&Path>,
    redactor: &Redactor,
) -> Result<Kubeconfig, CaptureError> {
    let kubeconfig = match path {
        Some(path) => Kubeconfig::read_from(path),
        None => Kubeconfig::read(),
    }
    .map_err(|error| CaptureError::Kubeconfig {
        message: redactor.redact(&error.to_string()),
    })?;
    if let Ok(value) = serde_json::to_value(&kubeconfig) {
        for user in value
            .get("users")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            redactor.add_all_strings(user.get("user").unwrap_or(&Value::Null));
        }
        for cluster in value
            .get("clusters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(ca) = cluster.pointer("/cluster/certificate-authority-data") {
                redactor.add_all_strings(ca);
            }
        }
    }
    Ok(kubeconfig)
}

/// The server URL of a context, as the kubeconfig writes it.
pub(crate) fn context_server(kubeconfig: &Kubeconfig, context: &str) -> Option<String> {
    let cluster = kubeconfig
        .contexts
        .iter()
        .find(|named| named.name == context)?
        .context
        .as_ref()?
        .cluster
        .clone();
    kubeconfig
        .clusters
        .iter()
        .find(|named| named.name == cluster)?
        .cluster
        .as_ref()?
        .server
        .clone()
}

/// kube's client configuration for a context.
pub(crate) async fn context_config(
    kubeconfig: &Kubeconfig,
    context: &str,
    redactor: &Redactor,
) -> Result<kube::Config, String> {
    let options = KubeConfigOptions {
        context: Some(context.to_string()),
        cluster: None,
        user: None,
    };
    kube::Config::from_custom_kubeconfig(kubeconfig.clone(), &options)
        .await
        .map_err(|error| redactor.redact(&error.to_string()))
}

/// Servers compare as Argo CD writes them, give or take a trailing slash and case.
fn same_server(a: &str, b: &str) -> bool {
    a.trim_end_matches('/')
        .eq_ignore_ascii_case(b.trim_end_matches('/'))
}

/// The folder of the cluster Argo CD runs in.
pub(crate) fn argocd_folder(secrets: &[ClusterSecret]) -> String {
    secrets
        .iter()
        .find(|secret| same_server(&secret.server, IN_CLUSTER_SERVER) && !secret.name.is_empty())
        .map_or_else(|| IN_CLUSTER_NAME.to_string(), |secret| secret.name.clone())
}

/// The folder of another context, and a warning when it is not an Argo CD name for sure.
pub(crate) fn context_folder(
    context: &ContextArg,
    server: Option<&str>,
    secrets: &[ClusterSecret],
) -> (String, Option<String>) {
    let matched = server.and_then(|server| {
        secrets
            .iter()
            .find(|secret| same_server(&secret.server, server) && !secret.name.is_empty())
    });
    match (matched, &context.cluster) {
        (Some(secret), Some(given)) if *given != secret.name => (
            secret.name.clone(),
            Some(format!(
                "context `{}`: the Argo CD cluster secret `{}` names its server `{}`, not `{given}`; using `{}`",
                context.context, secret.secret_name, secret.name, secret.name
            )),
        ),
        (Some(secret), _) => (secret.name.clone(), None),
        (None, Some(given)) => (given.clone(), None),
        (None, None) => (
            context.context.clone(),
            Some(format!(
                "context `{}`: no Argo CD cluster secret has its server `{}`; the folder takes the context's name (give `--context {}=CLUSTER` to name it as Argo CD does)",
                context.context,
                server.unwrap_or("?"),
                context.context
            )),
        ),
    }
}

/// kube's client configuration from an Argo CD cluster secret's `config`, in memory,
/// built as Argo CD builds it (`Cluster.RawRestConfig`,
/// `pkg/apis/application/v1alpha1/types.go`): the TLS client config, and either
/// `awsAuthConfig` (run as `argocd-k8s-auth aws`), else `execProviderConfig` — each only
/// when its command is on `PATH` — else the bearer token and basic auth. With an exec
/// provider, Argo CD ignores `bearerToken`, `username` and `password`, and so does this.
pub(crate) async fn cluster_secret_config(
    secret: &ClusterSecret,
    redactor: &Redactor,
) -> Result<kube::Config, String> {
    let empty = Value::Object(Map::new());
    let config = secret.config.as_ref().unwrap_or(&empty);
    redactor.add_all_strings(config);
    let text = |pointer: &str| {
        config
            .pointer(pointer)
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let insecure = config
        .pointer("/tlsClientConfig/insecure")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let mut cluster = Map::new();
    cluster.insert("server".into(), json!(secret.server));
    if insecure {
        cluster.insert("insecure-skip-tls-verify".into(), json!(true));
    } else if let Some(ca) = text("/tlsClientConfig/caData") {
        cluster.insert("certificate-authority-data".into(), json!(ca));
    }
    if let Some(name) = text("/tlsClientConfig/serverName") {
        cluster.insert("tls-server-name".into(), json!(name));
    }
    let mut user = Map::new();
    let exec = exec_config(config)?;
    let static_credentials: &[(&str, &str)] = if exec.is_some() {
        &[]
    } else {
        &[
            ("/bearerToken", "token"),
            ("/username", "username"),
            ("/password", "password"),
        ]
    };
    for (field, key) in static_credentials.iter().chain(&[
        ("/tlsClientConfig/certData", "client-certificate-data"),
        ("/tlsClientConfig/keyData", "client-key-data"),
    ]) {
        if let Some(value) = text(field) {
            user.insert((*key).into(), json!(value));
        }
    }
    if let Some(exec) = exec {
        user.insert("exec".into(), exec);
    }
    let kubeconfig = json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "argocd", "cluster": cluster}],
        "users": [{"name": "argocd", "user": user}],
        "contexts": [{"name": "argocd", "context": {"cluster": "argocd", "user": "argocd"}}],
        "current-context": "argocd",
    });
    let kubeconfig = Kubeconfig::from_yaml(&kubeconfig.to_string())
        .map_err(|error| redactor.redact(&error.to_string()))?;
    context_config(&kubeconfig, "argocd", redactor).await
}

/// The kubeconfig `exec` entry for `awsAuthConfig` or `execProviderConfig`, in Argo CD's
/// order (the first wins).
fn exec_config(config: &Value) -> Result<Option<Value>, String> {
    let (command, args, env, api_version) = if let Some(aws) = config.get("awsAuthConfig") {
        let api_version = "client.authentication.k8s.io/v1beta1".to_string();
        (
            "argocd-k8s-auth".to_string(),
            aws_args(aws),
            Vec::new(),
            api_version,
        )
    } else if let Some(exec) = config.get("execProviderConfig") {
        let command = exec
            .get("command")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let args: Vec<Value> = exec
            .get("args")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let env: Vec<Value> = exec
            .get("env")
            .and_then(Value::as_object)
            .map(|env| {
                env.iter()
                    .map(|(name, value)| json!({"name": name, "value": value}))
                    .collect()
            })
            .unwrap_or_default();
        let api_version = exec
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or("client.authentication.k8s.io/v1beta1")
            .to_string();
        (command, args, env, api_version)
    } else {
        return Ok(None);
    };
    if command.is_empty() {
        return Err("`execProviderConfig` has no `command`".to_string());
    }
    if !on_path(&command) {
        return Err(format!(
            "the cluster secret authenticates with `{command}`, which is not on PATH (install it, e.g. from the Argo CD image, or capture this cluster from a kubeconfig context)"
        ));
    }
    Ok(Some(json!({
        "apiVersion": api_version,
        "command": command,
        "args": args,
        "env": env,
        "interactiveMode": "Never",
    })))
}

/// The arguments of `argocd-k8s-auth` for an `awsAuthConfig`: Argo CD always passes
/// `--cluster-name`, `--role-arn` and `--profile` only when set.
fn aws_args(aws: &Value) -> Vec<Value> {
    let text = |field: &str| aws.get(field).and_then(Value::as_str).unwrap_or_default();
    let mut args = vec![
        json!("aws"),
        json!("--cluster-name"),
        json!(text("clusterName")),
    ];
    for (field, flag) in [("roleARN", "--role-arn"), ("profile", "--profile")] {
        if !text(field).is_empty() {
            args.push(json!(flag));
            args.push(json!(text(field)));
        }
    }
    args
}

fn on_path(command: &str) -> bool {
    let command = Path::new(command);
    if command.components().count() > 1 {
        return command.is_file();
    }
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(command).is_file()))
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(name: &str, server: &str) -> ClusterSecret {
        ClusterSecret {
            secret_name: format!("cluster-{name}"),
            name: name.to_string(),
            server: server.to_string(),
            config: None,
        }
    }

    #[track_caller]
    fn check(arg: &str, server: &str, expected: &str, warns: bool) {
        let secrets = [
            secret("e1-k8s-lab-a", "https://lab-a.example:6443"),
            secret("e1-k8s-lab-b", "https://lab-b.example:6443/"),
        ];
        let (folder, warning) = context_folder(&arg.parse().unwrap(), Some(server), &secrets);
        assert_eq!(
            (folder.as_str(), warning.is_some()),
            (expected, warns),
            "{arg}"
        );
    }

    #[test]
    fn contexts_take_the_argo_cd_name_of_their_server() {
        check("lab-a", "https://lab-a.example:6443", "e1-k8s-lab-a", false);
        check("lab-b", "https://LAB-B.example:6443", "e1-k8s-lab-b", false);
        check(
            "lab-a=e1-k8s-lab-a",
            "https://lab-a.example:6443",
            "e1-k8s-lab-a",
            false,
        );
        check(
            "lab-a=other",
            "https://lab-a.example:6443",
            "e1-k8s-lab-a",
            true,
        );
        check(
            "test=e1-k8s-test-a",
            "https://test.example:6443",
            "e1-k8s-test-a",
            false,
        );
        check("test", "https://test.example:6443", "test", true);
    }

    #[test]
    fn the_argo_cd_cluster_is_in_cluster_unless_a_secret_names_it() {
        assert_eq!(
            argocd_folder(&[secret("a", "https://a:6443")]),
            "in-cluster"
        );
        assert_eq!(
            argocd_folder(&[secret("mgmt", "https://kubernetes.default.svc")]),
            "mgmt"
        );
    }

    #[test]
    fn context_arguments_parse() {
        assert_eq!(
            "ctx=name".parse::<ContextArg>(),
            Ok(ContextArg {
                context: "ctx".to_string(),
                cluster: Some("name".to_string())
            })
        );
        assert!("=name".parse::<ContextArg>().is_err());
        assert!("ctx=".parse::<ContextArg>().is_err());
    }

    #[test]
    fn an_exec_provider_not_on_path_is_a_clear_error() {
        let config = json!({"execProviderConfig": {"command": "no-such-auth-plugin-xyz", "apiVersion": "client.authentication.k8s.io/v1beta1"}});
        let error = exec_config(&config).unwrap_err();
        assert!(
            error.contains("`no-such-auth-plugin-xyz`, which is not on PATH"),
            "{error}"
        );
        assert_eq!(exec_config(&json!({"bearerToken": "x"})), Ok(None));
    }

    /// argoproj/argo-cd `Cluster.RawRestConfig`: `awsAuthConfig` is checked before
    /// `execProviderConfig`, and `--cluster-name` is passed even when empty.
    #[test]
    fn aws_auth_comes_first_and_always_names_its_cluster() {
        // `/bin/sh` exists: were the exec provider chosen, this would succeed with it.
        let config = json!({
            "awsAuthConfig": {"profile": "ops"},
            "execProviderConfig": {"command": "/bin/sh"},
        });
        match exec_config(&config) {
            Ok(Some(exec)) => assert_eq!(exec["command"], "argocd-k8s-auth"),
            Ok(None) => panic!("no exec entry"),
            Err(error) => assert!(
                error.contains("`argocd-k8s-auth`, which is not on PATH"),
                "{error}"
            ),
        }
        assert_eq!(
            aws_args(&config["awsAuthConfig"]),
            ["aws", "--cluster-name", "", "--profile", "ops"].map(|a| json!(a))
        );
        let full = json!({"clusterName": "eks", "roleARN": "arn:r", "profile": "p"});
        assert_eq!(
            aws_args(&full),
            [
                "aws",
                "--cluster-name",
                "eks",
                "--role-arn",
                "arn:r",
                "--profile",
                "p"
            ]
            .map(|a| json!(a))
        );
    }
}
