//! The JSON report: a compatibility boundary, so its shape lives in these types and not in
//! the simulator's. Contract fields (described under "The JSON report" in the README) are never renamed or
//! dropped; absent optional contract fields are `null`, not omitted. Fields beyond the
//! contract (`verdict`, `summary`, `policy`, `notes`, `changes`, `status`, `apiServices`,
//! `chain`, `drift`, `massDeletions`, `kind`) may grow.

use serde::Serialize;

use preflight_outcome::{
    Action, ApiServiceOutcome, ApplicationChange, ApplicationSetChange, ApplicationSetFate,
    ClusterOutcome, Drift, EvaluationError, Finding, NamespaceCondition, NamespaceOutcome,
    ObjectOutcome, ObjectReason, Outcome, Severity, VolumeOutcome,
};

use crate::changes::changed_paths;
use crate::escape::must_be_escaped;
use crate::mass_deletion::MassDeletionJson;
use crate::summary::{sorted_findings, Counts, Tally, Verdict};
use crate::SCHEMA_VERSION;

pub(crate) fn render(outcome: &Outcome) -> String {
    let report = Report::of(outcome);
    let text = serde_json::to_string_pretty(&report).expect("the JSON report has only string keys");
    let mut text = with_json_escapes(text);
    text.push('\n');
    text
}

/// serde_json escapes only `"`, `\` and U+0000–U+001F; the characters that
/// [`must_be_escaped`] names beyond those (bidirectional controls, DEL, C1 controls) are
/// written as `\uXXXX` escapes here, so that the JSON text shows them while every
/// decoded string stays what it was. They can only occur inside strings: the JSON
/// syntax around them is ASCII.
fn with_json_escapes(text: String) -> String {
    if !text.chars().any(must_be_escaped) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 16);
    for character in text.chars() {
        if must_be_escaped(character) {
            out.push_str(&format!("\\u{:04x}", u32::from(character)));
        } else {
            out.push(character);
        }
    }
    out
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Report<'a> {
    schema_version: u32,
    verdict: VerdictJson,
    summary: SummaryJson,
    applications: Vec<ApplicationJson<'a>>,
    clusters: Vec<ClusterJson<'a>>,
    findings: Vec<FindingJson<'a>>,
    errors: Vec<ErrorJson<'a>>,
    drift: Vec<DriftJson<'a>>,
    /// What the merge does to ApplicationSet objects that it does not simply apply.
    application_sets: Vec<ApplicationSetJson<'a>>,
    /// The snapshot's cluster folders that were read, and those left unread because the
    /// change deletes nothing there.
    clusters_read: &'a [String],
    clusters_not_read: &'a [String],
    /// `plan --max-deletions`: the ApplicationSets beyond the limit, each with every
    /// Application the change deletes; left out when there are none (and always without
    /// the option), so reports without the gate keep their shape.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    mass_deletions: Vec<MassDeletionJson<'a>>,
    /// Which command's report this is: `plan` (and `comment`), `what-if` or `audit`. An
    /// audit plans no change: its findings are the fleet's standing risks and its counts
    /// what is stuck already.
    kind: &'static str,
}

impl<'a> Report<'a> {
    fn of(outcome: &'a Outcome) -> Report<'a> {
        let tally = Tally::of(outcome);
        let verdict = Verdict::of(outcome, &tally);
        Report {
            schema_version: SCHEMA_VERSION,
            verdict: VerdictJson {
                level: verdict.level.as_str(),
                headline: verdict.headline.clone(),
                line: verdict.line(),
            },
            summary: SummaryJson::of(outcome, &tally),
            applications: outcome
                .applications
                .iter()
                .map(ApplicationJson::of)
                .collect(),
            clusters: outcome.clusters.iter().map(ClusterJson::of).collect(),
            findings: sorted_findings(outcome)
                .into_iter()
                .map(FindingJson::of)
                .collect(),
            errors: outcome.errors.iter().map(ErrorJson::of).collect(),
            drift: outcome.drift.iter().map(DriftJson::of).collect(),
            application_sets: outcome
                .application_sets
                .iter()
                .map(ApplicationSetJson::of)
                .collect(),
            clusters_read: &outcome.clusters_read,
            clusters_not_read: &outcome.clusters_not_read,
            mass_deletions: outcome
                .mass_deletions
                .iter()
                .map(MassDeletionJson::of)
                .collect(),
            kind: if outcome.audit {
                "audit"
            } else if outcome.what_if {
                "what-if"
            } else {
                "plan"
            },
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct VerdictJson {
    /// `ok`, `incomplete`, or the severity of the worst finding.
    level: &'static str,
    headline: String,
    /// The verdict line as the text report prints it.
    line: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CountsJson {
    created: usize,
    updated: usize,
    deleted: usize,
    /// Deleted Applications that a created one takes over from; also counted in
    /// `created` and `deleted`.
    replaced: usize,
    unchanged: usize,
    /// Objects other than namespaces, which have counts of their own.
    deleted_objects: usize,
    stuck_objects: usize,
    deleted_namespaces: usize,
    stuck_namespaces: usize,
    /// Namespaces already Terminating before the change that stay so.
    already_stuck_namespaces: usize,
}

impl CountsJson {
    fn of(counts: &Counts) -> CountsJson {
        CountsJson {
            created: counts.created,
            updated: counts.updated,
            deleted: counts.deleted,
            replaced: counts.replaced,
            unchanged: counts.unchanged,
            deleted_objects: counts.deleted_objects,
            stuck_objects: counts.stuck_objects,
            deleted_namespaces: counts.deleted_namespaces,
            stuck_namespaces: counts.stuck_namespaces,
            already_stuck_namespaces: counts.already_stuck_namespaces,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SummaryJson {
    #[serde(flatten)]
    total: CountsJson,
    errors: usize,
    findings: FindingCountsJson,
    clusters: Vec<ClusterSummaryJson>,
}

impl SummaryJson {
    fn of(outcome: &Outcome, tally: &Tally) -> SummaryJson {
        let count = |severity: Severity| {
            outcome
                .findings
                .iter()
                .filter(|finding| finding.severity == severity)
                .count()
        };
        SummaryJson {
            total: CountsJson::of(&tally.total),
            errors: outcome.errors.len(),
            findings: FindingCountsJson {
                critical: count(Severity::Critical),
                high: count(Severity::High),
                warning: count(Severity::Warning),
                info: count(Severity::Info),
            },
            clusters: tally
                .clusters
                .iter()
                .map(|(name, counts)| ClusterSummaryJson {
                    name: name.clone(),
                    counts: CountsJson::of(counts),
                })
                .collect(),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FindingCountsJson {
    critical: usize,
    high: usize,
    warning: usize,
    info: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ClusterSummaryJson {
    name: String,
    #[serde(flatten)]
    counts: CountsJson,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ApplicationJson<'a> {
    name: &'a str,
    namespace: &'a str,
    application_set: Option<&'a str>,
    action: &'static str,
    replaced_by: Option<&'a str>,
    replaces: Option<&'a str>,
    destination: DestinationJson<'a>,
    cascade: bool,
    policy: Option<&'static str>,
    notes: Vec<String>,
    /// For updates: the paths of the fields that change.
    changes: Vec<String>,
    /// `automated-sync-disabled` or `reverse-deletion` under progressive sync.
    #[serde(skip_serializing_if = "Option::is_none")]
    progressive_sync: Option<&'static str>,
    /// Under progressive sync: the RollingSync step (1-based) that selects it, or -1 when
    /// no step does (the controller never syncs it).
    #[serde(skip_serializing_if = "Option::is_none")]
    rolling_sync_step: Option<i64>,
}

impl<'a> ApplicationJson<'a> {
    fn of(application: &'a ApplicationChange) -> ApplicationJson<'a> {
        let changes = match (&application.action, &application.before, &application.after) {
            (Action::Update, Some(before), Some(after)) => changed_paths(before, after),
            _ => Vec::new(),
        };
        ApplicationJson {
            name: &application.name,
            namespace: &application.namespace,
            application_set: application.application_set.as_deref(),
            action: application.action.as_str(),
            replaced_by: application.replaced_by.as_deref(),
            replaces: application.replaces.as_deref(),
            destination: DestinationJson {
                cluster: application.destination.cluster.as_deref(),
                server: application.destination.server.as_deref(),
                namespace: application.destination.namespace.as_deref(),
            },
            cascade: application.cascade,
            policy: application.policy.map(|policy| policy.as_str()),
            notes: application.notes.iter().map(ToString::to_string).collect(),
            changes,
            progressive_sync: application.progressive.map(crate::progressive::code),
            rolling_sync_step: application
                .rolling_step
                .map(crate::progressive::step_number),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DestinationJson<'a> {
    cluster: Option<&'a str>,
    server: Option<&'a str>,
    namespace: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ClusterJson<'a> {
    name: &'a str,
    objects: Vec<ObjectJson<'a>>,
    namespaces: Vec<NamespaceJson<'a>>,
    api_services: Vec<ApiServiceJson<'a>>,
    /// Added in the same schema version: absent when no claim the change deletes is
    /// bound to a PersistentVolume of the snapshot.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    volumes: Vec<VolumeJson<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct VolumeJson<'a> {
    name: &'a str,
    capacity: Option<&'a str>,
    storage_class: Option<&'a str>,
    reclaim_policy: &'a str,
    claim: &'a str,
    used_by: Vec<&'a str>,
    outcome: &'static str,
}

impl<'a> VolumeJson<'a> {
    fn of(volume: &'a VolumeOutcome) -> VolumeJson<'a> {
        VolumeJson {
            name: &volume.name,
            capacity: volume.capacity.as_deref(),
            storage_class: volume.storage_class.as_deref(),
            reclaim_policy: &volume.reclaim_policy,
            claim: &volume.claim,
            used_by: volume.used_by.iter().map(String::as_str).collect(),
            outcome: volume.outcome.as_str(),
        }
    }
}

impl<'a> ClusterJson<'a> {
    fn of(cluster: &'a ClusterOutcome) -> ClusterJson<'a> {
        ClusterJson {
            name: &cluster.name,
            objects: cluster.objects.iter().map(ObjectJson::of).collect(),
            namespaces: cluster.namespaces.iter().map(NamespaceJson::of).collect(),
            api_services: cluster
                .api_services
                .iter()
                .map(ApiServiceJson::of)
                .collect(),
            volumes: cluster.volumes.iter().map(VolumeJson::of).collect(),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ObjectJson<'a> {
    api_version: &'a str,
    kind: &'a str,
    namespace: Option<&'a str>,
    name: &'a str,
    outcome: &'static str,
    /// Serialized as its sentence.
    reason: &'a ObjectReason,
}

impl<'a> ObjectJson<'a> {
    fn of(object: &'a ObjectOutcome) -> ObjectJson<'a> {
        ObjectJson {
            api_version: &object.api_version,
            kind: &object.kind,
            namespace: object.namespace.as_deref(),
            name: &object.name,
            outcome: object.outcome.as_str(),
            reason: &object.reason,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NamespaceJson<'a> {
    name: &'a str,
    outcome: &'static str,
    /// Serialized as its sentence.
    reason: &'a ObjectReason,
    conditions: Vec<ConditionJson<'a>>,
    /// Present (true) only for a namespace already Terminating when the snapshot was
    /// captured.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    already_terminating: bool,
}

impl<'a> NamespaceJson<'a> {
    fn of(namespace: &'a NamespaceOutcome) -> NamespaceJson<'a> {
        NamespaceJson {
            name: &namespace.name,
            outcome: namespace.outcome.as_str(),
            reason: &namespace.reason,
            conditions: namespace.conditions.iter().map(ConditionJson::of).collect(),
            already_terminating: namespace.already_terminating,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ConditionJson<'a> {
    #[serde(rename = "type")]
    type_: &'a str,
    status: &'a str,
    reason: &'a str,
    message: &'a str,
}

impl<'a> ConditionJson<'a> {
    fn of(condition: &'a NamespaceCondition) -> ConditionJson<'a> {
        ConditionJson {
            type_: &condition.type_,
            status: &condition.status,
            reason: &condition.reason,
            message: &condition.message,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ApiServiceJson<'a> {
    name: &'a str,
    group_version: &'a str,
    service: &'a str,
    /// `True` or `False`, as the APIService's `Available` condition says it.
    available: &'static str,
    reason: &'a str,
    message: String,
}

impl<'a> ApiServiceJson<'a> {
    fn of(api_service: &'a ApiServiceOutcome) -> ApiServiceJson<'a> {
        ApiServiceJson {
            name: &api_service.name,
            group_version: &api_service.group_version,
            service: &api_service.service,
            available: if api_service.available {
                "True"
            } else {
                "False"
            },
            reason: api_service.condition.reason(),
            message: api_service.condition.to_string(),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FindingJson<'a> {
    severity: &'static str,
    code: &'static str,
    /// The cluster, when the finding concerns exactly one.
    cluster: Option<&'a str>,
    /// Every cluster the finding concerns.
    clusters: &'a [String],
    /// The codes of what the same cause also leads to, told in this finding.
    consequences: Vec<&'static str>,
    message: &'a str,
    remediation: &'a [String],
    chain: &'a [String],
}

impl<'a> FindingJson<'a> {
    fn of(finding: &'a Finding) -> FindingJson<'a> {
        FindingJson {
            severity: finding.severity.as_str(),
            code: finding.code.as_str(),
            cluster: finding.cluster.as_deref(),
            clusters: &finding.clusters,
            consequences: finding.consequences.iter().map(|c| c.as_str()).collect(),
            message: &finding.message,
            remediation: &finding.remediation,
            chain: &finding.chain,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ErrorJson<'a> {
    file: Option<&'a str>,
    application_set: Option<&'a str>,
    message: &'a str,
}

impl<'a> ErrorJson<'a> {
    fn of(error: &'a EvaluationError) -> ErrorJson<'a> {
        ErrorJson {
            file: error.file.as_deref(),
            application_set: error.application_set.as_deref(),
            message: &error.message,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DriftJson<'a> {
    application_set: &'a str,
    namespace: &'a str,
    message: String,
}

impl<'a> DriftJson<'a> {
    fn of(drift: &'a Drift) -> DriftJson<'a> {
        DriftJson {
            application_set: &drift.application_set,
            namespace: &drift.namespace,
            message: drift.cause.to_string(),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ApplicationSetJson<'a> {
    name: &'a str,
    namespace: &'a str,
    /// `not-in-revisions`, `pruned`, `not-pruned`, `refused` or `unknown-fields-pruned`.
    fate: &'static str,
    /// The Application that manages it, when known.
    manager: Option<ManagerJson<'a>>,
    /// Why it is not pruned: `not-live`, `no-manager`, `manager-missing`, `manual-sync`,
    /// `prune-disabled`, `prune-false`, `prune-confirm`.
    reason: Option<&'static str>,
    /// For `refused`: the API server's field errors, as it words them.
    errors: Vec<String>,
    /// For `unknown-fields-pruned`: the fields the API server drops (absent otherwise).
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    unknown_fields: &'a [String],
    message: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ManagerJson<'a> {
    namespace: &'a str,
    name: &'a str,
}

impl<'a> ApplicationSetJson<'a> {
    fn of(change: &'a ApplicationSetChange) -> ApplicationSetJson<'a> {
        let (manager, reason) = match &change.fate {
            ApplicationSetFate::NotInRevisions => (None, None),
            ApplicationSetFate::Pruned { manager } => (Some(manager), None),
            ApplicationSetFate::NotPruned { manager, why } => {
                (manager.as_ref(), Some(crate::appsets::not_pruned_code(why)))
            }
            ApplicationSetFate::Refused { .. } | ApplicationSetFate::UnknownFieldsPruned { .. } => {
                (None, None)
            }
        };
        let errors = match &change.fate {
            ApplicationSetFate::Refused { errors, .. } => {
                errors.iter().map(ToString::to_string).collect()
            }
            _ => Vec::new(),
        };
        let unknown_fields = match &change.fate {
            ApplicationSetFate::UnknownFieldsPruned { fields } => fields.as_slice(),
            _ => &[],
        };
        ApplicationSetJson {
            name: &change.name,
            namespace: &change.namespace,
            fate: crate::appsets::fate_code(&change.fate),
            manager: manager.map(|m| ManagerJson {
                namespace: &m.namespace,
                name: &m.name,
            }),
            reason,
            errors,
            unknown_fields,
            message: crate::appsets::describe(change),
        }
    }
}
