//! Findings of several clusters as fleet findings: a finding is worded without its
//! cluster's name ([`ClusterFinding`], remediation as [`Step`]s), so that clusters where
//! the same cause has the same consequences share one finding, whose commands run over
//! every cluster in one `for ctx in …` loop.

use std::collections::BTreeMap;

use crate::outcome::{Finding, FindingCode, RootCause, Severity};

/// One step of a remediation, before it is known on which clusters it runs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    /// `kubectl` arguments, run against each cluster of the finding.
    OnCluster(String),
    /// A command run against each cluster of the finding, where `{ctx}` stands for the
    /// cluster's kubectl context (for commands that name per-cluster objects, such as a
    /// claim's generated volume, through a nested `kubectl`).
    OnClusterScript(String),
    /// A command or comment, run as written (on Argo CD's cluster, or `argocd`).
    Literal(String),
    /// Sync the replacement Applications again, once the cause is gone: one `argocd app
    /// sync` over every cluster's replacements.
    SyncReplacements,
}

/// A finding on one cluster, worded without the cluster's name, so that clusters where
/// the same cause has the same consequences share one finding ([`fleet_findings`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ClusterFinding {
    pub severity: Severity,
    pub code: FindingCode,
    /// What the same cause also leads to, told in this finding rather than in its own.
    pub consequences: Vec<FindingCode>,
    pub message: String,
    pub remediation: Vec<Step>,
    pub chain: Vec<String>,
    pub cycle: bool,
    pub root_cause: Option<RootCause>,
    /// Replacement Applications (`namespace/name`) that [`Step::SyncReplacements`] syncs.
    pub sync: Vec<String>,
}

impl ClusterFinding {
    pub(crate) fn new(severity: Severity, code: FindingCode, message: String) -> ClusterFinding {
        ClusterFinding {
            severity,
            code,
            consequences: Vec::new(),
            message,
            remediation: Vec::new(),
            chain: Vec::new(),
            cycle: false,
            root_cause: None,
            sync: Vec::new(),
        }
    }
}

/// Findings of several clusters as fleet findings: those that say the same (all but the
/// Applications to sync) become one finding with the list of its clusters, whose
/// commands run over every cluster in one loop.
pub fn fleet_findings(per_cluster: Vec<(String, ClusterFinding)>) -> Vec<Finding> {
    // The causal chain names each cluster's own objects (an Application named after its
    // cluster), so it is not part of what makes two clusters' findings the same: the
    // finding shows the chain of its first cluster (by name), as an example of all.
    type Group = (Vec<String>, Vec<String>, Option<(String, Vec<String>)>);
    let mut groups: BTreeMap<ClusterFinding, Group> = BTreeMap::new();
    for (cluster, mut finding) in per_cluster {
        let sync = std::mem::take(&mut finding.sync);
        let chain = std::mem::take(&mut finding.chain);
        let (clusters, to_sync, example) = groups.entry(finding).or_default();
        if example.as_ref().is_none_or(|(first, _)| cluster < *first) {
            *example = Some((cluster.clone(), chain));
        }
        if !clusters.contains(&cluster) {
            clusters.push(cluster);
        }
        to_sync.extend(sync);
    }
    groups
        .into_iter()
        .map(|(mut finding, (mut clusters, mut to_sync, example))| {
            clusters.sort();
            to_sync.sort();
            to_sync.dedup();
            if let Some((_, chain)) = example {
                finding.chain = chain;
            }
            let remediation = finding
                .remediation
                .iter()
                .filter_map(|step| match step {
                    Step::OnCluster(args) => Some(match clusters.as_slice() {
                        [one] => format!("kubectl --context {one} {args}"),
                        many => format!(
                            "for ctx in {}; do kubectl --context \"$ctx\" {args}; done",
                            many.join(" ")
                        ),
                    }),
                    Step::OnClusterScript(script) => Some(match clusters.as_slice() {
                        [one] => script.replace("{ctx}", one),
                        many => format!(
                            "for ctx in {}; do {}; done",
                            many.join(" "),
                            script.replace("{ctx}", "\"$ctx\"")
                        ),
                    }),
                    Step::Literal(command) => Some(command.clone()),
                    Step::SyncReplacements => (!to_sync.is_empty())
                        .then(|| format!("argocd app sync {}", to_sync.join(" "))),
                })
                .collect();
            Finding {
                severity: finding.severity,
                code: finding.code,
                cluster: match clusters.as_slice() {
                    [one] => Some(one.clone()),
                    _ => None,
                },
                clusters,
                consequences: finding.consequences,
                message: finding.message,
                remediation,
                chain: finding.chain,
                cycle: finding.cycle,
                root_cause: finding.root_cause,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stuck(message: &str, sync: &[&str]) -> ClusterFinding {
        let mut finding = ClusterFinding::new(
            Severity::Critical,
            FindingCode::StuckNamespace,
            message.to_string(),
        );
        finding.remediation = vec![
            Step::Literal("# first".to_string()),
            Step::OnCluster("delete apiservice v1beta1.metrics.k8s.io".to_string()),
            Step::SyncReplacements,
        ];
        finding.sync = sync.iter().map(|s| s.to_string()).collect();
        finding
    }

    #[test]
    fn clusters_that_say_the_same_share_one_finding_and_one_loop() {
        let findings = fleet_findings(vec![
            ("lab-b".to_string(), stuck("same", &["argocd/x-lab-b"])),
            ("lab-a".to_string(), stuck("same", &["argocd/x-lab-a"])),
            ("test-a".to_string(), stuck("other", &["argocd/x-test-a"])),
        ]);
        assert_eq!(findings.len(), 2);
        let shared = findings.iter().find(|f| f.message == "same").unwrap();
        assert_eq!(shared.clusters, ["lab-a", "lab-b"]);
        assert_eq!(shared.cluster, None, "several clusters");
        assert_eq!(
            shared.remediation,
            [
                "# first",
                "for ctx in lab-a lab-b; do kubectl --context \"$ctx\" delete apiservice v1beta1.metrics.k8s.io; done",
                "argocd app sync argocd/x-lab-a argocd/x-lab-b",
            ]
        );
        let alone = findings.iter().find(|f| f.message == "other").unwrap();
        assert_eq!(alone.cluster.as_deref(), Some("test-a"));
        assert_eq!(alone.clusters, ["test-a"]);
        assert_eq!(
            alone.remediation[1],
            "kubectl --context test-a delete apiservice v1beta1.metrics.k8s.io"
        );
    }

    /// A chain names each cluster's own Applications (named after their cluster, as in
    /// a generated fleet); it does not split the finding, and scripts name objects
    /// through each cluster's context.
    #[test]
    fn chains_that_name_each_clusters_objects_do_not_split_a_finding() {
        let with_chain = |cluster: &str| {
            let mut finding = stuck("same", &[]);
            finding.chain = vec![format!("deleted by Application `{cluster}-web`")];
            finding.remediation = vec![Step::OnClusterScript(
                "kubectl --context {ctx} -n a get pvc b".to_string(),
            )];
            finding
        };
        let findings = fleet_findings(vec![
            ("lab-b".to_string(), with_chain("lab-b")),
            ("lab-a".to_string(), with_chain("lab-a")),
        ]);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].chain, ["deleted by Application `lab-a-web`"]);
        assert_eq!(
            findings[0].remediation,
            ["for ctx in lab-a lab-b; do kubectl --context \"$ctx\" -n a get pvc b; done"]
        );
        let one = fleet_findings(vec![("lab-a".to_string(), with_chain("lab-a"))]);
        assert_eq!(
            one[0].remediation,
            ["kubectl --context lab-a -n a get pvc b"]
        );
    }

    #[test]
    fn nothing_to_sync_leaves_no_sync_command() {
        let findings = fleet_findings(vec![("lab-a".to_string(), stuck("same", &[]))]);
        assert_eq!(
            findings[0].remediation.len(),
            2,
            "{:?}",
            findings[0].remediation
        );
    }
}
