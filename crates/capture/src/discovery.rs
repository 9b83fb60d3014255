//! Which resources a cluster serves, and which group/versions it cannot describe.
//!
//! Aggregated discovery first (`/api` and `/apis` answered as one
//! `APIGroupDiscoveryList` each, Kubernetes 1.26+ and GA in 1.30): the aggregator marks
//! a group/version whose backend it cannot reach `freshness: Stale`, and client-go then
//! reports it as failed (`stale GroupVersion discovery: <gv>`) and leaves its resources
//! out. When the server answers with the legacy documents instead (`APIVersions`,
//! `APIGroupList`), every group/version is fetched on its own (`/api/v1`,
//! `/apis/<group>/<version>`), each error caught and recorded: an unavailable APIService
//! answers 503, which client-go words `the server is currently unable to handle the
//! request`. Either way one failing group never stops the others; the failures are what
//! the namespace controller would see (k8s deletion semantics R-DISC-1, R-DISC-3).

use std::collections::BTreeSet;

use serde::Deserialize;
use tokio::task::JoinSet;

use crate::api::{Api, RequestError, RetryOn};

/// Aggregated discovery v2, then v2beta1 (1.26–1.29), then the legacy documents.
pub(crate) const ACCEPT_DISCOVERY: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
const ACCEPT_JSON: &str = "application/json";

/// A listable resource at the version the capture reads it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct ResourceType {
    /// `""` for the core group.
    pub(crate) group: String,
    pub(crate) version: String,
    /// The plural name in URLs (`deployments`).
    pub(crate) resource: String,
    pub(crate) kind: String,
    pub(crate) namespaced: bool,
}

impl ResourceType {
    pub(crate) fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// The URL path listing it in every namespace, or in `namespace`.
    pub(crate) fn list_path(&self, namespace: Option<&str>) -> String {
        let root = if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        };
        match namespace {
            Some(namespace) if self.namespaced => {
                format!("{root}/namespaces/{namespace}/{}", self.resource)
            }
            _ => format!("{root}/{}", self.resource),
        }
    }
}

/// How the server described itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) enum DiscoveryMode {
    Aggregated,
    Legacy,
}

/// A group/version the server lists but cannot describe: an APIService already
/// unavailable.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UnavailableGroupVersion {
    pub(crate) group_version: String,
    /// client-go's words for it (`stale GroupVersion discovery: metrics.k8s.io/v1beta1`).
    pub(crate) reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Discovery {
    pub(crate) mode: DiscoveryMode,
    /// Listable resources, one per group and resource name, at the first version (in the
    /// server's preference order) that serves it; sorted.
    pub(crate) resources: Vec<ResourceType>,
    /// Sorted by group/version.
    pub(crate) unavailable: Vec<UnavailableGroupVersion>,
}

/// Discovers `api`'s resources. Fails only when the server cannot list its groups at all
/// (`/api` or `/apis`): then the cluster cannot be read.
pub(crate) async fn discover(api: &Api) -> Result<Discovery, DiscoveryError> {
    let core = fetch_root(api, "/api").await?;
    let groups = fetch_root(api, "/apis").await?;
    let mut versions = Vec::new();
    let mut unavailable = Vec::new();
    let mut legacy = Vec::new();
    let mut mode = DiscoveryMode::Aggregated;
    for root in [core, groups] {
        match root {
            Root::Aggregated(list) => {
                for group in list.items {
                    let group_name = group.metadata.name.unwrap_or_default();
                    for version in group.versions {
                        let group_version = group_version(&group_name, &version.version);
                        if version.freshness.as_deref() == Some("Stale") {
                            unavailable.push(UnavailableGroupVersion {
                                reason: format!("stale GroupVersion discovery: {group_version}"),
                                group_version,
                            });
                            continue;
                        }
                        let resources = version
                            .resources
                            .into_iter()
                            .map(|resource| AnyResource {
                                kind: resource
                                    .response_kind
                                    .and_then(|kind| kind.kind)
                                    .unwrap_or_default(),
                                namespaced: resource.scope == "Namespaced",
                                name: resource.resource,
                                verbs: resource.verbs,
                            })
                            .collect();
                        versions.push((group_name.clone(), version.version, resources));
                    }
                }
            }
            Root::LegacyCore(core) => {
                mode = DiscoveryMode::Legacy;
                legacy.extend(core.versions.into_iter().map(|v| (String::new(), v)));
            }
            Root::LegacyGroups(list) => {
                mode = DiscoveryMode::Legacy;
                for group in list.groups {
                    // The preferred version first, as client-go orders them.
                    let preferred = group.preferred_version.map(|v| v.version);
                    let mut ordered: Vec<String> = preferred.iter().cloned().collect();
                    for version in group.versions {
                        if !ordered.contains(&version.version) {
                            ordered.push(version.version);
                        }
                    }
                    legacy.extend(ordered.into_iter().map(|v| (group.name.clone(), v)));
                }
            }
        }
    }
    // Legacy: every group/version on its own, at the same time, each error kept.
    let mut fetches = JoinSet::new();
    for (index, (group, version)) in legacy.iter().cloned().enumerate() {
        let api = api.clone();
        fetches.spawn(async move {
            let path = if group.is_empty() {
                format!("/api/{version}")
            } else {
                format!("/apis/{group}/{version}")
            };
            let answer = api.get(&path, ACCEPT_JSON, RetryOn::Throttling).await;
            (index, answer)
        });
    }
    let mut answers: Vec<Option<Result<Vec<u8>, RequestError>>> = vec![None; legacy.len()];
    while let Some(joined) = fetches.join_next().await {
        let (index, answer) = joined.map_err(|error| DiscoveryError {
            path: "/apis".to_string(),
            error: RequestError::Transport {
                message: format!("discovery task failed: {error}"),
            },
        })?;
        answers[index] = Some(answer);
    }
    for ((group, version), answer) in legacy.into_iter().zip(answers) {
        let group_version = group_version(&group, &version);
        let parsed = answer.expect("every fetch answered").and_then(|body| {
            serde_json::from_slice::<ResourceList>(&body).map_err(|error| RequestError::Decode {
                message: error.to_string(),
            })
        });
        match parsed {
            Ok(list) => {
                let resources = list
                    .resources
                    .into_iter()
                    .map(|resource| AnyResource {
                        name: resource.name,
                        kind: resource.kind,
                        namespaced: resource.namespaced,
                        verbs: resource.verbs,
                    })
                    .collect();
                versions.push((group, version, resources));
            }
            Err(error) => unavailable.push(UnavailableGroupVersion {
                reason: legacy_failure(&error),
                group_version,
            }),
        }
    }
    unavailable.sort();
    Ok(Discovery {
        mode,
        resources: preferred_resources(versions),
        unavailable,
    })
}

/// What client-go says of a group/version it could not fetch: 503 is
/// `the server is currently unable to handle the request` (its text for
/// `ServiceUnavailable`), anything else the error itself.
fn legacy_failure(error: &RequestError) -> String {
    match error.status() {
        Some(503) => "the server is currently unable to handle the request".to_string(),
        _ => error.to_string(),
    }
}

/// The discovery request that failed, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DiscoveryError {
    pub(crate) path: String,
    pub(crate) error: RequestError,
}

impl std::fmt::Display for DiscoveryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "discovery `{}` failed: {}", self.path, self.error)
    }
}

fn group_version(group: &str, version: &str) -> String {
    if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    }
}

/// A resource as either discovery format describes it.
struct AnyResource {
    name: String,
    kind: String,
    namespaced: bool,
    verbs: Vec<String>,
}

/// One entry per group and resource name, from the first version listing it (versions
/// come in the server's preference order); subresources and resources that cannot be
/// listed are left out.
fn preferred_resources(versions: Vec<(String, String, Vec<AnyResource>)>) -> Vec<ResourceType> {
    let mut seen = BTreeSet::new();
    let mut resources = Vec::new();
    for (group, version, listed) in versions {
        for resource in listed {
            if resource.name.contains('/') || !resource.verbs.iter().any(|verb| verb == "list") {
                continue;
            }
            if !seen.insert((group.clone(), resource.name.clone())) {
                continue;
            }
            resources.push(ResourceType {
                group: group.clone(),
                version: version.clone(),
                resource: resource.name,
                kind: resource.kind,
                namespaced: resource.namespaced,
            });
        }
    }
    resources.sort();
    resources
}

enum Root {
    Aggregated(GroupDiscoveryList),
    LegacyCore(ApiVersions),
    LegacyGroups(ApiGroupList),
}

async fn fetch_root(api: &Api, path: &str) -> Result<Root, DiscoveryError> {
    let failed = |error| DiscoveryError {
        path: path.to_string(),
        error,
    };
    let body = api
        .get(path, ACCEPT_DISCOVERY, RetryOn::Throttling)
        .await
        .map_err(failed)?;
    parse_root(&body).map_err(|message| failed(RequestError::Decode { message }))
}

fn parse_root(body: &[u8]) -> Result<Root, String> {
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let kind = value
        .get("kind")
        .and_then(|kind| kind.as_str())
        .unwrap_or("");
    let decoded = match kind {
        "APIGroupDiscoveryList" => serde_json::from_value(value).map(Root::Aggregated),
        "APIVersions" => serde_json::from_value(value).map(Root::LegacyCore),
        "APIGroupList" => serde_json::from_value(value).map(Root::LegacyGroups),
        other => return Err(format!("a discovery document of kind `{other}`")),
    };
    decoded.map_err(|error| error.to_string())
}

// The discovery documents, as much of them as the capture reads.

#[derive(Deserialize, Default)]
#[serde(default)]
struct GroupDiscoveryList {
    items: Vec<GroupDiscovery>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct GroupDiscovery {
    metadata: ObjectMeta,
    versions: Vec<VersionDiscovery>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ObjectMeta {
    name: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct VersionDiscovery {
    version: String,
    resources: Vec<ResourceDiscovery>,
    freshness: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct ResourceDiscovery {
    resource: String,
    response_kind: Option<ResponseKind>,
    scope: String,
    verbs: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ResponseKind {
    kind: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ApiVersions {
    versions: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct ApiGroupList {
    groups: Vec<ApiGroup>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct ApiGroup {
    name: String,
    versions: Vec<GroupVersionForDiscovery>,
    preferred_version: Option<GroupVersionForDiscovery>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct GroupVersionForDiscovery {
    version: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ResourceList {
    resources: Vec<LegacyResource>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LegacyResource {
    name: String,
    kind: String,
    namespaced: bool,
    verbs: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resource(name: &str, verbs: &[&str]) -> AnyResource {
        AnyResource {
            name: name.to_string(),
            kind: "Thing".to_string(),
            namespaced: true,
            verbs: verbs.iter().map(|v| v.to_string()).collect(),
        }
    }

    #[test]
    fn the_first_version_serving_a_resource_wins_and_subresources_are_left_out() {
        let versions = vec![
            (
                "autoscaling".to_string(),
                "v2".to_string(),
                vec![
                    resource("horizontalpodautoscalers", &["list", "get"]),
                    resource("horizontalpodautoscalers/status", &["get"]),
                ],
            ),
            (
                "autoscaling".to_string(),
                "v1".to_string(),
                vec![
                    resource("horizontalpodautoscalers", &["list"]),
                    resource("bindings", &["create"]),
                ],
            ),
        ];
        let resources = preferred_resources(versions);
        assert_eq!(resources.len(), 1);
        assert_eq!(resources[0].version, "v2");
    }

    #[test]
    fn list_paths_follow_the_group_and_scope() {
        let pods = ResourceType {
            group: String::new(),
            version: "v1".to_string(),
            resource: "pods".to_string(),
            kind: "Pod".to_string(),
            namespaced: true,
        };
        assert_eq!(pods.list_path(None), "/api/v1/pods");
        assert_eq!(
            pods.list_path(Some("argocd")),
            "/api/v1/namespaces/argocd/pods"
        );
        let crds = ResourceType {
            group: "apiextensions.k8s.io".to_string(),
            version: "v1".to_string(),
            resource: "customresourcedefinitions".to_string(),
            kind: "CustomResourceDefinition".to_string(),
            namespaced: false,
        };
        assert_eq!(
            crds.list_path(Some("argocd")),
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
        );
    }

    #[test]
    fn root_documents_are_told_apart_by_kind() {
        assert!(matches!(
            parse_root(br#"{"kind":"APIGroupDiscoveryList","items":[]}"#),
            Ok(Root::Aggregated(_))
        ));
        assert!(matches!(
            parse_root(br#"{"kind":"APIVersions","versions":["v1"]}"#),
            Ok(Root::LegacyCore(_))
        ));
        assert!(parse_root(br#"{"kind":"Status"}"#).is_err());
    }
}
