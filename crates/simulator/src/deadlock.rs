//! Deadlocks as cycles: a "waits for" graph over what stays stuck on one cluster, whose
//! strongly connected components are the deadlocks (the talk's "snake biting its tail").
//! Each cycle is reported with the edge a person can cut safely and the commands that
//! cut it.

use std::collections::BTreeMap;

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};

use preflight_model::ObjectKey;

use crate::cascade::{describe, CascadeResult};
use crate::outcome::Fate;

/// One deadlock: the cycle's steps in order (the first waits for the second, …, the last
/// for the first), and the step whose wait is the one to break.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadlock {
    /// The cycle's nodes, in order.
    pub nodes: Vec<String>,
    /// Each node with why it waits for the next.
    pub steps: Vec<String>,
    /// Index in `steps` of the node whose outgoing wait the remediation cuts.
    pub break_at: usize,
    /// What cutting it means, in words.
    pub break_how: String,
    /// The reason text of the wait that is cut (an API server error), for commands.
    pub break_reason: Option<String>,
    /// The object whose finalizers the cut removes, when the cut is that.
    pub break_object: Option<ObjectKey>,
}

/// Why an edge exists and whether a person can cut it without losing data.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Wait {
    why: String,
    /// Lower is a better place to cut.
    cut_rank: u8,
    cut_how: Option<String>,
    /// The error behind this wait, when it comes from one.
    reason: Option<String>,
    /// The object whose finalizers a cut here removes.
    object: Option<ObjectKey>,
}

/// Builds the waits-for graph of a settled cluster and returns its cycles.
///
/// `refused` lists objects a replacement Application could not re-create, with the
/// namespace that refused them.
pub fn find(result: &CascadeResult, refused: &[(ObjectKey, String)]) -> Vec<Deadlock> {
    let mut graph: DiGraph<String, Wait> = DiGraph::new();
    let mut nodes: BTreeMap<String, NodeIndex> = BTreeMap::new();
    let mut node = |graph: &mut DiGraph<String, Wait>, label: String| -> NodeIndex {
        *nodes
            .entry(label.clone())
            .or_insert_with(|| graph.add_node(label))
    };
    let namespace_label = |name: &str| format!("Namespace `{name}` (Terminating)");

    // A terminating namespace waits for API discovery (R-DISC-4).
    for namespace in result.namespaces.iter().filter(|n| n.fate == Fate::Stuck) {
        for group_version in &namespace.blocked_by_discovery {
            let from = node(&mut graph, namespace_label(&namespace.name));
            let to = node(&mut graph, format!("discovery of `{group_version}`"));
            graph.update_edge(
                from,
                to,
                Wait {
                    why: "cannot be finalized while discovery fails".to_string(),
                    cut_rank: 9,
                    cut_how: None,
                    reason: None,
                    object: None,
                },
            );
        }
    }
    // Discovery waits for the APIService, which waits for its backend (R-APISVC-1).
    for api_service in result
        .api_services
        .iter()
        .filter(|a| a.outcome.available != "True")
    {
        let name = &api_service.outcome.name;
        let discovery = node(
            &mut graph,
            format!("discovery of `{}`", api_service.outcome.group_version),
        );
        let service_node = node(&mut graph, format!("APIService `{name}`"));
        graph.update_edge(
            discovery,
            service_node,
            Wait {
                why: "fails while the APIService is unavailable".to_string(),
                cut_rank: 9,
                cut_how: None,
                reason: None,
                object: None,
            },
        );
        let (namespace, service) = api_service
            .outcome
            .service
            .split_once('/')
            .unwrap_or(("", ""));
        let backend = node(
            &mut graph,
            describe(&ObjectKey::new("", "Service", Some(namespace), service)),
        );
        graph.update_edge(
            service_node,
            backend,
            Wait {
                why: "is unavailable without its backend".to_string(),
                // Deleting the APIService loses no data: the cut the rulebook names
                // first (R-DISC-6).
                cut_rank: 0,
                cut_how: Some(format!("delete the APIService `{name}`")),
                reason: None,
                object: None,
            },
        );
    }
    // A backend that a replacement cannot re-create waits for its namespace (R-OBJ-9).
    for (key, namespace) in refused {
        let from = node(&mut graph, describe(key));
        let to = node(&mut graph, namespace_label(namespace));
        graph.update_edge(
            from,
            to,
            Wait {
                why: "cannot be re-created while its namespace terminates".to_string(),
                cut_rank: 9,
                cut_how: None,
                reason: None,
                object: None,
            },
        );
    }
    // A namespace waits for the content that stays in it.
    for object in result.objects.iter().filter(|o| o.fate == Fate::Stuck) {
        let Some(namespace) = &object.key.namespace else {
            continue;
        };
        if !result
            .namespaces
            .iter()
            .any(|n| n.name == *namespace && n.fate == Fate::Stuck)
        {
            continue;
        }
        let from = node(&mut graph, namespace_label(namespace));
        let to = node(&mut graph, describe(&object.key));
        graph.update_edge(
            from,
            to,
            Wait {
                why: "waits for its content".to_string(),
                cut_rank: 5,
                cut_how: Some(format!(
                    "remove the finalizers of {} (skips its owner's cleanup)",
                    describe(&object.key)
                )),
                reason: None,
                object: Some(object.key.clone()),
            },
        );
    }

    // An object refused by a webhook waits for the webhook's backend Service (R-WH-4).
    for object in result.objects.iter().filter(|o| o.fate == Fate::Stuck) {
        let Some(service) = webhook_service(&object.reason) else {
            continue;
        };
        let webhook = object
            .reason
            .split("failed calling webhook \"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or("")
            .to_string();
        let from = node(&mut graph, describe(&object.key));
        let to = node(&mut graph, describe(&service));
        graph.update_edge(
            from,
            to,
            Wait {
                why: format!("is refused while webhook `{webhook}` cannot be reached"),
                // Deleting a webhook configuration always works (R-WH-1) and loses no data.
                cut_rank: 1,
                cut_how: Some(format!("delete the configuration of webhook `{webhook}`")),
                reason: Some(object.reason.clone()),
                object: None,
            },
        );
    }
    // An object whose finalizer's controller is gone waits for that controller (R-FIN-1);
    // a replacement that cannot re-create the controller closes the cycle.
    for object in result.objects.iter().filter(|o| o.fate == Fate::Stuck) {
        let Some(controller) = deleted_controller(&object.reason) else {
            continue;
        };
        let from = node(&mut graph, describe(&object.key));
        let to = node(&mut graph, controller);
        graph.update_edge(
            from,
            to,
            Wait {
                why: "keeps its finalizer while its controller is gone".to_string(),
                cut_rank: 5,
                cut_how: Some(format!(
                    "remove the finalizers of {} (skips its controller's cleanup)",
                    describe(&object.key)
                )),
                reason: Some(object.reason.clone()),
                object: Some(object.key.clone()),
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
            .min_by_key(|&&n| (!graph[n].starts_with("Namespace "), graph[n].clone()))
            .expect("a component has nodes");
        let mut steps = Vec::new();
        let mut order = Vec::new();
        let mut current = start;
        loop {
            steps.push(graph[current].clone());
            order.push(current);
            let next = graph
                .neighbors(current)
                .filter(|n| component.contains(n))
                .min_by_key(|&n| graph[n].clone());
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
        let (break_at, wait) = best.unwrap_or((
            0,
            Wait {
                why: String::new(),
                cut_rank: 9,
                cut_how: None,
                reason: None,
                object: None,
            },
        ));
        let annotated: Vec<String> = order
            .iter()
            .enumerate()
            .map(|(i, &from)| {
                let to = order[(i + 1) % order.len()];
                match graph.find_edge(from, to) {
                    Some(edge) => format!("{} {}", steps[i], graph[edge].why),
                    None => steps[i].clone(),
                }
            })
            .collect();
        deadlocks.push(Deadlock {
            nodes: steps.clone(),
            steps: annotated,
            break_at,
            break_how: wait
                .cut_how
                .unwrap_or_else(|| "no safe cut is known".to_string()),
            break_reason: wait.reason,
            break_object: wait.object,
        });
    }
    deadlocks.sort_by(|a, b| a.steps.cmp(&b.steps));
    deadlocks
}

/// The Service an admission webhook error names (`Post "https://<svc>.<ns>.svc:…"`).
fn webhook_service(reason: &str) -> Option<ObjectKey> {
    if !reason.contains("failed calling webhook") {
        return None;
    }
    let host = reason.split("Post \"https://").nth(1)?.split(':').next()?;
    let host = host.strip_suffix(".svc")?;
    let (name, namespace) = host.split_once('.')?;
    Some(ObjectKey::new("", "Service", Some(namespace), name))
}

/// The controller a finalizer reason names as deleted (`its controller Deployment
/// `ns/name` (…) is deleted in the same cascade`), as the graph labels it.
fn deleted_controller(reason: &str) -> Option<String> {
    if !reason.contains("is deleted in the same cascade") {
        return None;
    }
    let rest = reason.split("its controller ").nth(1)?;
    let label = rest.split(" (").next()?.split(", ").next()?;
    Some(label.to_string())
}
