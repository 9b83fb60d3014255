//! `replacement-blocked`: replacement Applications that cannot sync because their
//! namespace stays Terminating, and the API server forbids creating content in a
//! terminating namespace (R-OBJ-9); whether they recover follows their retry policy
//! (R-ARGO-5). When unavailable APIServices keep those namespaces,
//! the APIServices' finding tells it as a consequence instead.

use std::collections::BTreeSet;

use super::count_of;
use super::facts::ClusterFacts;
use super::fleet::{ClusterFinding, Step};
use crate::causes::SyncRetry;
use crate::outcome::{Action, FindingCode, Severity};

/// The replacements of a cluster that cannot sync into their terminating namespace.
#[derive(Debug)]
pub(super) struct Replacements {
    /// How many replacement Applications cannot sync.
    pub count: usize,
    /// What happens to them, in words.
    pub phrase: String,
    /// Wait until the stuck namespaces are gone.
    pub wait_step: Step,
    /// The replacements (`namespace/name`) to sync again once they are.
    pub sync: Vec<String>,
}

impl Replacements {
    pub fn of(facts: &ClusterFacts<'_>) -> Replacements {
        let mut blocked_sets = BTreeSet::new();
        let mut blocked_count = 0;
        let mut down = BTreeSet::new();
        let mut sync = Vec::new();
        let mut retries: BTreeSet<SyncRetry> = BTreeSet::new();
        for app in facts
            .applications
            .iter()
            .filter(|a| a.action == Action::Create)
        {
            if app.destination.cluster.as_deref() != Some(facts.cluster) {
                continue;
            }
            let Some(namespace) = app.destination.namespace.as_deref() else {
                continue;
            };
            if !facts.stuck_namespaces.contains(&namespace) {
                continue;
            }
            blocked_count += 1;
            blocked_sets.insert(match &app.application_set {
                Some(set) => format!("ApplicationSet `{set}` (namespace `{namespace}`)"),
                None => format!("Application `{}` (namespace `{namespace}`)", app.name),
            });
            for object in facts
                .result
                .objects
                .iter()
                .filter(|o| o.key.namespace.as_deref() == Some(namespace))
            {
                if object.key.group == "apps"
                    && matches!(
                        object.key.kind.as_str(),
                        "Deployment" | "StatefulSet" | "DaemonSet"
                    )
                {
                    down.insert(format!(
                        "{} `{namespace}/{}`",
                        object.key.kind, object.key.name
                    ));
                }
            }
            // An Application with no failure recorded (not automated) is synced by hand
            // anyway.
            let app_retries: BTreeSet<SyncRetry> = facts
                .sync_failures
                .iter()
                .filter(|f| f.application == app.name)
                .map(|f| f.retry)
                .collect();
            retries.extend(app_retries.iter().copied());
            if app_retries.is_empty() || app_retries.iter().any(|r| r.gives_up()) {
                sync.push(format!("{}/{}", app.namespace, app.name));
            }
        }
        let down: Vec<String> = down.into_iter().collect();
        let down_phrase = if down.is_empty() {
            "none".to_string()
        } else {
            down.join(", ")
        };
        let phrase = format!(
            "{} cannot sync because {} Terminating and creating content there is forbidden ({} refused): the replacements of {}; workloads that stay down: {down_phrase}; {}",
            count_of(blocked_count, "replacement Application"),
            if blocked_count == 1 {
                "its namespace stays"
            } else {
                "their namespaces stay"
            },
            count_of(facts.sync_failures.len(), "object"),
            blocked_sets.iter().cloned().collect::<Vec<_>>().join(", "),
            retry_phrase(&retries),
        );
        let wait_step = Step::OnCluster(format!(
            "wait --for=delete namespace/{} --timeout=5m",
            facts.stuck_namespaces.join(" namespace/")
        ));
        Replacements {
            count: blocked_count,
            phrase,
            wait_step,
            sync,
        }
    }
}

/// What Argo CD does after a replacement's sync failed, for the retry policies of the
/// blocked replacements (R-ARGO-5, `controller/appcontroller.go`).
fn retry_phrase(retries: &BTreeSet<SyncRetry>) -> String {
    if retries.is_empty() {
        return "they sync only by hand".to_string();
    }
    let mut phrase = retries
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    if retries.iter().any(|r| r.gives_up()) {
        phrase.push_str(", then Argo CD does not sync the same revision again by itself, and self-heal does not either (it follows only a successful sync): they stay failed until synced by hand or a new commit");
    } else {
        phrase.push_str(": they recover by themselves once the namespace is gone");
    }
    phrase
}

/// Replacements blocked by namespaces that stay Terminating for another reason than
/// unavailable APIServices.
pub(super) fn find(facts: &ClusterFacts<'_>) -> Vec<ClusterFinding> {
    let replacements = facts.replacements();
    if !facts.unavailable.is_empty() || replacements.count == 0 {
        return Vec::new();
    }
    let mut finding = ClusterFinding::new(
        Severity::Critical,
        FindingCode::ReplacementBlocked,
        format!("{}. This assumes the worst order, as real clusters race: the new Applications sync within seconds, while the old namespaces still terminate (pods have grace periods)", replacements.phrase),
    );
    finding.remediation = vec![replacements.wait_step.clone()];
    if !replacements.sync.is_empty() {
        finding.remediation.push(Step::SyncReplacements);
        finding.sync = replacements.sync.clone();
    }
    vec![finding]
}
