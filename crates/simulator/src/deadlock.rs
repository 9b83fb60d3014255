//! Deadlocks as cycles: a "waits for" graph over what stays stuck on one cluster, whose
//! strongly connected components are the deadlocks (the talk's "snake biting its tail").
//! Each cycle is reported with the edge a person can cut safely and the commands that
//! cut it.

use std::collections::BTreeMap;
use std::fmt;

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};

use preflight_model::ObjectKey;

use crate::cascade::CascadeResult;
use crate::causes::{describe, FinalizerBlocker, Refusal, StuckCause};

/// One thing that waits, or is waited for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum WaitNode {
    /// A namespace that stays Terminating.
    Namespace(String),
    /// API discovery of a group/version.
    Discovery(String),
    /// An aggregated APIService.
    ApiService(String),
    /// Any object (a Service, a workload, a stuck object).
    Object(ObjectKey),
}

impl WaitNode {
    /// Namespaces come first when a cycle is walked: they are the symptom people see.
    fn is_namespace(&self) -> bool {
        match self {
            WaitNode::Namespace(_) => true,
            WaitNode::Object(key) => key.kind == "Namespace",
            _ => false,
        }
    }
}

impl fmt::Display for WaitNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitNode::Namespace(name) => write!(f, "Namespace `{name}` (Terminating)"),
            WaitNode::Discovery(group_version) => write!(f, "discovery of `{group_version}`"),
            WaitNode::ApiService(name) => write!(f, "APIService `{name}`"),
            WaitNode::Object(key) => f.write_str(&describe(key)),
        }
    }
}

/// Where a person can cut a cycle, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cut {
    /// Delete the APIService: loses no data (R-DISC-6).
    DeleteApiService(String),
    /// Delete the configuration of a webhook that refuses `object`'s requests (R-WH-1).
    DeleteWebhookConfiguration { webhook: String, object: ObjectKey },
    /// Remove the finalizers of an object; `skips` is whose cleanup that skips.
    RemoveFinalizers {
        object: ObjectKey,
        skips: &'static str,
    },
    /// No cut is known to be safe.
    Unknown,
}

impl fmt::Display for Cut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cut::DeleteApiService(name) => write!(f, "delete the APIService `{name}`"),
            Cut::DeleteWebhookConfiguration { webhook, .. } => {
                write!(f, "delete the configuration of webhook `{webhook}`")
            }
            Cut::RemoveFinalizers { object, skips } => write!(
                f,
                "remove the finalizers of {} (skips {skips} cleanup)",
                describe(object)
            ),
            Cut::Unknown => f.write_str("no safe cut is known"),
        }
    }
}

/// One deadlock: the cycle's steps in order (the first waits for the second, …, the last
/// for the first), and the step whose wait is the one to break.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadlock {
    /// The cycle's nodes, in order.
    pub nodes: Vec<WaitNode>,
    /// Each node with why it waits for the next.
    pub steps: Vec<Step>,
    /// Index in `nodes` of the node whose outgoing wait the remediation cuts.
    pub break_at: usize,
    /// How to cut it.
    pub cut: Cut,
}

/// One step of a cycle: a node, and why it waits for the next one (when the graph has
/// the edge).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub node: WaitNode,
    pub waits: Option<WaitReason>,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.waits {
            Some(why) => write!(f, "{} {why}", self.node),
            None => self.node.fmt(f),
        }
    }
}

/// Why one node of the waits-for graph waits for the next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaitReason {
    /// A namespace is not finalized while discovery fails (R-DISC-4).
    DiscoveryFails,
    /// Discovery of a group/version fails while its APIService is unavailable.
    ApiServiceUnavailable,
    /// An APIService is unavailable without its backend Service (R-DISC-6).
    BackendGone,
    /// A replacement cannot re-create an object in a terminating namespace (R-OBJ-9).
    NamespaceTerminates,
    /// A terminating namespace waits for its content.
    Content,
    /// A webhook that cannot be reached refuses the object's requests (R-WH-4).
    WebhookUnreachable(String),
    /// A finalizer stays while its controller is gone (R-FIN-1).
    ControllerGone,
}

impl fmt::Display for WaitReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitReason::DiscoveryFails => f.write_str("cannot be finalized while discovery fails"),
            WaitReason::ApiServiceUnavailable => {
                f.write_str("fails while the APIService is unavailable")
            }
            WaitReason::BackendGone => f.write_str("is unavailable without its backend"),
            WaitReason::NamespaceTerminates => {
                f.write_str("cannot be re-created while its namespace terminates")
            }
            WaitReason::Content => f.write_str("waits for its content"),
            WaitReason::WebhookUnreachable(webhook) => {
                write!(f, "is refused while webhook `{webhook}` cannot be reached")
            }
            WaitReason::ControllerGone => {
                f.write_str("keeps its finalizer while its controller is gone")
            }
        }
    }
}

/// Why an edge exists and whether a person can cut it without losing data.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Wait {
    why: WaitReason,
    /// Lower is a better place to cut.
    cut_rank: u8,
    cut: Cut,
}

impl Wait {
    fn uncuttable(why: WaitReason) -> Wait {
        Wait {
            why,
            cut_rank: 9,
            cut: Cut::Unknown,
        }
    }
}

/// Builds the waits-for graph of a settled cluster and returns its cycles.
///
/// `refused` lists objects a replacement Application could not re-create, with the
/// namespace that refused them.
pub fn find(result: &CascadeResult, refused: &[(ObjectKey, String)]) -> Vec<Deadlock> {
    let mut graph: DiGraph<WaitNode, Wait> = DiGraph::new();
    let mut nodes: BTreeMap<WaitNode, NodeIndex> = BTreeMap::new();
    let mut node = |graph: &mut DiGraph<WaitNode, Wait>, wait_node: WaitNode| -> NodeIndex {
        *nodes
            .entry(wait_node.clone())
            .or_insert_with(|| graph.add_node(wait_node))
    };
    let stuck_namespace = |name: &str| {
        result
            .namespaces
            .iter()
            .any(|n| n.name == name && n.fate.remains())
    };

    // A terminating namespace waits for API discovery (R-DISC-4).
    for namespace in result.namespaces.iter().filter(|n| n.fate.remains()) {
        for group_version in &namespace.blocked_by_discovery {
            let from = node(&mut graph, WaitNode::Namespace(namespace.name.clone()));
            let to = node(&mut graph, WaitNode::Discovery(group_version.clone()));
            graph.update_edge(from, to, Wait::uncuttable(WaitReason::DiscoveryFails));
        }
    }
    // Discovery waits for the APIService, which waits for its backend (R-APISVC-1).
    for api_service in result.api_services.iter().filter(|a| !a.outcome.available) {
        let name = &api_service.outcome.name;
        let discovery = node(
            &mut graph,
            WaitNode::Discovery(api_service.outcome.group_version.clone()),
        );
        let service_node = node(&mut graph, WaitNode::ApiService(name.clone()));
        graph.update_edge(
            discovery,
            service_node,
            Wait::uncuttable(WaitReason::ApiServiceUnavailable),
        );
        let backend = node(&mut graph, WaitNode::Object(api_service.service.clone()));
        graph.update_edge(
            service_node,
            backend,
            Wait {
                why: WaitReason::BackendGone,
                // Deleting the APIService loses no data: the cut the rulebook names
                // first (R-DISC-6).
                cut_rank: 0,
                cut: Cut::DeleteApiService(name.clone()),
            },
        );
    }
    // A backend that a replacement cannot re-create waits for its namespace (R-OBJ-9).
    for (key, namespace) in refused {
        let from = node(&mut graph, WaitNode::Object(key.clone()));
        let to = node(&mut graph, WaitNode::Namespace(namespace.clone()));
        graph.update_edge(from, to, Wait::uncuttable(WaitReason::NamespaceTerminates));
    }
    let remaining = || result.objects.iter().filter(|o| o.fate.remains());
    // A namespace waits for the content that stays in it.
    for object in remaining() {
        let Some(namespace) = &object.key.namespace else {
            continue;
        };
        if !stuck_namespace(namespace) {
            continue;
        }
        let from = node(&mut graph, WaitNode::Namespace(namespace.clone()));
        let to = node(&mut graph, WaitNode::Object(object.key.clone()));
        graph.update_edge(
            from,
            to,
            Wait {
                why: WaitReason::Content,
                cut_rank: 5,
                cut: Cut::RemoveFinalizers {
                    object: object.key.clone(),
                    skips: "its owner's",
                },
            },
        );
    }

    // An object refused by a webhook waits for the webhook's backend Service (R-WH-4).
    for object in remaining() {
        let webhook = object
            .stuck
            .iter()
            .flat_map(StuckCause::refusals)
            .find_map(|refusal| match refusal {
                Refusal::Webhook { webhook, call } => Some((webhook, &call.service)),
                Refusal::Conversion { .. } => None,
            });
        let Some((webhook, service)) = webhook else {
            continue;
        };
        let from = node(&mut graph, WaitNode::Object(object.key.clone()));
        let to = node(&mut graph, WaitNode::Object(service.clone()));
        graph.update_edge(
            from,
            to,
            Wait {
                why: WaitReason::WebhookUnreachable(webhook.clone()),
                // Deleting a webhook configuration always works (R-WH-1) and loses no data.
                cut_rank: 1,
                cut: Cut::DeleteWebhookConfiguration {
                    webhook: webhook.clone(),
                    object: object.key.clone(),
                },
            },
        );
    }
    // An object whose finalizer's controller is gone waits for that controller (R-FIN-1);
    // a replacement that cannot re-create the controller closes the cycle.
    for object in remaining() {
        let controller = object.stuck.iter().find_map(|cause| match cause {
            StuckCause::Finalizer {
                blocker: FinalizerBlocker::ControllerDeleted { workloads, .. },
                ..
            } => workloads.first(),
            _ => None,
        });
        let Some(controller) = controller else {
            continue;
        };
        let from = node(&mut graph, WaitNode::Object(object.key.clone()));
        let to = node(&mut graph, WaitNode::Object(controller.clone()));
        graph.update_edge(
            from,
            to,
            Wait {
                why: WaitReason::ControllerGone,
                cut_rank: 5,
                cut: Cut::RemoveFinalizers {
                    object: object.key.clone(),
                    skips: "its controller's",
                },
            },
        );
    }

    let mut deadlocks = Vec::new();
    for component in tarjan_scc(&graph) {
        if component.len() < 2 {
            continue;
        }
        // Walk the cycle from the symptom people see (a terminating namespace), else
        // from the smallest label, so the output is stable.
        let start = *component
            .iter()
            .min_by_key(|&&n| (!graph[n].is_namespace(), graph[n].to_string()))
            .expect("a component has nodes");
        let mut order = Vec::new();
        let mut current = start;
        loop {
            order.push(current);
            let next = graph
                .neighbors(current)
                .filter(|n| component.contains(n))
                .min_by_key(|&n| graph[n].to_string());
            match next {
                Some(next) if !order.contains(&next) => current = next,
                _ => break,
            }
        }
        let best = order
            .iter()
            .enumerate()
            .filter_map(|(i, &from)| {
                let to = order[(i + 1) % order.len()];
                let edge = graph.find_edge(from, to)?;
                Some((i, graph[edge].clone()))
            })
            .min_by_key(|(i, wait)| (wait.cut_rank, *i));
        let (break_at, cut) = best.map_or((0, Cut::Unknown), |(i, wait)| (i, wait.cut));
        let steps: Vec<Step> = order
            .iter()
            .enumerate()
            .map(|(i, &from)| {
                let to = order[(i + 1) % order.len()];
                Step {
                    node: graph[from].clone(),
                    waits: graph
                        .find_edge(from, to)
                        .map(|edge| graph[edge].why.clone()),
                }
            })
            .collect();
        deadlocks.push(Deadlock {
            nodes: order.iter().map(|&n| graph[n].clone()).collect(),
            steps,
            break_at,
            cut,
        });
    }
    // In the order of the sentences the findings tell them in.
    deadlocks.sort_by_cached_key(|d| d.steps.iter().map(ToString::to_string).collect::<Vec<_>>());
    deadlocks
}
