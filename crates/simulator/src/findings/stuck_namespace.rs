//! `stuck-namespace`: a namespace that stays Terminating for another reason than failing
//! discovery (content that stays, finalizers whose controller is gone, refusals), with
//! the commands that break each cause: the unreachable webhook's configuration first,
//! pods on a node that is down forced, finalizers removed by hand last (they skip the
//! owners' cleanup). Namespaces that discovery keeps are told by `apiservice_unavailable`.

use preflight_model::ObjectKey;

use super::facts::ClusterFacts;
use super::fleet::{ClusterFinding, Step};
use super::remedies::{break_commands, finalizer_patch, node_not_ready};
use crate::cascade::ObjectResult;
use crate::causes::{stuck_sentence, StuckCause};
use crate::outcome::{Fate, FindingCode, Severity};

pub(super) fn find(facts: &ClusterFacts<'_>) -> Vec<ClusterFinding> {
    let mut findings = Vec::new();
    for namespace in facts
        .result
        .namespaces
        .iter()
        .filter(|n| n.fate == Fate::Stuck && n.blocked_by_discovery.is_empty())
    {
        let key = ObjectKey::namespace_object(&namespace.name);
        let namespace_causes: &[StuckCause] = &namespace.stuck;
        let reason = stuck_sentence(namespace_causes);
        let remaining: Vec<&ObjectResult> = facts
            .result
            .objects
            .iter()
            .filter(|o| {
                o.fate.remains() && o.key.namespace.as_deref() == Some(namespace.name.as_str())
            })
            .collect();
        let mut remediation = break_commands(facts.fleet, facts.cluster, namespace_causes);
        for object in &remaining {
            for command in break_commands(facts.fleet, facts.cluster, &object.stuck) {
                if !remediation.contains(&command) {
                    remediation.push(command);
                }
            }
        }
        for object in remaining.iter().filter(|o| node_not_ready(o)) {
            remediation.push(Step::OnCluster(format!(
                "-n {} delete pod {} --grace-period=0 --force  # containers may still run on the unreachable node",
                namespace.name, object.key.name
            )));
        }
        // Removing finalizers by hand comes last: it skips the owners' cleanup.
        remediation.extend(
            remaining
                .iter()
                .filter(|o| o.stuck.iter().any(StuckCause::finalizer_never_removed))
                .map(|o| finalizer_patch(&o.key)),
        );
        if remaining.is_empty()
            && namespace_causes
                .iter()
                .any(StuckCause::finalizer_never_removed)
        {
            remediation.push(finalizer_patch(&key));
        }
        // A namespace stuck before the change is standing state, reported but not caused:
        // at most a warning. A namespace whose deletion the change starts stays critical.
        let severity = if namespace.already_terminating {
            Severity::Warning
        } else {
            Severity::Critical
        };
        let mut finding = ClusterFinding::new(
            severity,
            FindingCode::StuckNamespace,
            if namespace.already_terminating {
                // Stuck at capture time: the change does not cause it (issue 13).
                format!(
                    "namespace `{}` is already Terminating before the change and stays so: {reason}",
                    namespace.name
                )
            } else {
                format!(
                    "namespace `{}` will stay Terminating: {reason}",
                    namespace.name
                )
            },
        );
        finding.remediation = remediation;
        findings.push(finding);
    }
    findings
}
