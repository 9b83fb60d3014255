//! The outcome of a simulation: what the report crate renders and what the JSON report
//! serializes. These types are where the simulator and the renderers meet; neither looks
//! at the other's internals. The report crate depends on this crate, not on the
//! simulator.
//!
//! [`causes`] holds the data the simulator's own stages exchange (the cascade, the
//! deadlock search and the findings): why an object is deleted, kept or refused.
//!
//! Every collection here is sorted before it leaves the simulator, so rendering the same
//! outcome twice gives byte-identical output. The crate is pure data: serde and the
//! model's vocabulary, no logic beyond wording.

pub mod causes;
pub mod mass_deletion;

use std::fmt;

use serde::{Serialize, Serializer};
use serde_json::Value;

use preflight_model::argocd::RESOURCES_FINALIZER;
use preflight_model::{ApplicationsSyncPolicy, FieldError};

use crate::causes::{
    stuck_sentence, ApplicationHold, DeleteCause, Refusal, StuckCause, WriteFailure,
};

/// Everything one `plan` or `what-if` predicts.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    /// Applications the change touches, sorted by namespace and name.
    pub applications: Vec<ApplicationChange>,
    /// Per destination cluster, sorted by name: what Kubernetes deletes or leaves stuck.
    pub clusters: Vec<ClusterOutcome>,
    /// Sorted by severity (most severe first), then code, cluster and message.
    pub findings: Vec<Finding>,
    /// What could not be evaluated; each error freezes its ApplicationSet.
    pub errors: Vec<EvaluationError>,
    /// ApplicationSets whose live spec differs from the base revision: merging applies
    /// that drift too.
    pub drift: Vec<Drift>,
    /// What the merge does to ApplicationSet objects themselves, where that is not simply
    /// "applied from head", sorted by namespace and name.
    pub application_sets: Vec<ApplicationSetChange>,
    /// The cluster folders of the snapshot that were read, sorted.
    pub clusters_read: Vec<String>,
    /// The cluster folders left unread because nothing the change does reaches them,
    /// sorted.
    pub clusters_not_read: Vec<String>,
    /// An `audit` report: no change is planned, the findings are the fleet's standing
    /// risks (the verdict and the Applications line say so).
    pub audit: bool,
    /// `plan --max-deletions`: the ApplicationSets whose change deletes more Applications
    /// than the limit allows, sorted, each with every Application it deletes.
    pub mass_deletions: Vec<crate::mass_deletion::MassDeletion>,
    /// A `what-if` report: hand-made deletions on one cluster, not a change of
    /// ApplicationSets.
    pub what_if: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Action {
    Create,
    Update,
    Delete,
    Unchanged,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
            Action::Unchanged => "unchanged",
        }
    }
}

/// Where an Application deploys to, as written in its spec and as resolved.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Destination {
    /// The cluster name the destination resolves to (the snapshot folder), when it does.
    pub cluster: Option<String>,
    pub server: Option<String>,
    pub namespace: Option<String>,
}

/// What the ApplicationSet controller does to one Application.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationChange {
    pub name: String,
    pub namespace: String,
    /// The owning ApplicationSet; `None` for plain Applications.
    pub application_set: Option<String>,
    pub action: Action,
    /// For a deleted Application: the created one that takes over the same destination
    /// and source.
    pub replaced_by: Option<String>,
    /// For a created Application: the deleted one it takes over from.
    pub replaces: Option<String>,
    pub destination: Destination,
    /// True when deleting this Application deletes its resources (from the live
    /// Application's finalizers).
    pub cascade: bool,
    /// The effective `applicationsSync` policy of the owning ApplicationSet.
    pub policy: Option<ApplicationsSyncPolicy>,
    /// Why the action is what it is, when that is not obvious (a suppressed delete, a
    /// preserve flag that comes too late, a validation error).
    pub notes: Vec<Note>,
    /// The Application as it is now (live), when it exists and the action changes it.
    pub before: Option<Value>,
    /// The Application as the controller would write it, when it is written and differs
    /// from the live one.
    pub after: Option<Value>,
    /// What progressive sync (RollingSync) changes for it, when it applies.
    pub progressive: Option<ProgressiveSync>,
    /// The RollingSync step it falls into, when progressive syncs are on.
    pub rolling_step: Option<RollingStep>,
}

/// Why the plan does what it does to one Application. The findings read the variants;
/// the text is for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// The ApplicationSet controller cannot write it, and why.
    NotWritten(WriteFailure),
    /// Generated and live, but the `applicationsSync` policy forbids updates.
    UpdateForbidden(ApplicationsSyncPolicy),
    /// The live Application has no controller: the ApplicationSet takes it over.
    Adopted,
    /// No longer generated, but kept: the `applicationsSync` policy forbids deletion.
    DeletionForbidden(ApplicationsSyncPolicy),
    /// No longer generated, but kept: a write error of the same reconcile skips the
    /// delete step (§9.5).
    DeleteStepSkipped,
    /// `preserveResourcesOnDeletion: true` arrives in the change that deletes it, too late
    /// to protect it: the live Application still carries the resources finalizer.
    PreserveAddedTooLate,
    /// Its ApplicationSet fails to generate (the generation error, as the evaluation
    /// error states it): the controller does nothing (§7).
    Frozen(String),
    /// Its ApplicationSet cannot be evaluated by the plan (why, as the evaluation error
    /// states it).
    NotPredicted(String),
    /// Its ApplicationSet is removed from git, but the ApplicationSet's finalizer and a
    /// policy that forbids deletion make the controller orphan it.
    OrphanedWithApplicationSet(ApplicationsSyncPolicy),
    /// Its ApplicationSet is removed from git and the Application `manager` prunes it:
    /// the ApplicationSet controller (`reverse`, `deletionOrder: Reverse`) or garbage
    /// collection deletes every Application it owns.
    PrunedWithApplicationSet {
        application_set: String,
        manager: String,
        reverse: bool,
    },
    /// Its destination does not resolve: the ApplicationSet controller removes the
    /// resources finalizer before it deletes it (§9.5 step 1).
    ResourcesFinalizerRemoved,
    /// Its destination does not resolve: the application controller removes the
    /// remaining cascade finalizers without deleting any resource (§10).
    DestinationUnresolved,
    /// A plain Application removed from git: the Application that manages it prunes it.
    RemovedFromGit,
    /// `what-if`: deleted by hand.
    DeletedByHand,
    /// `what-if`: deleted with what the what-if deletes.
    DeletedWithWhatIf,
    /// `what-if`: garbage collection deletes it with its ApplicationSet, deleted by hand.
    CollectedWithApplicationSet(String),
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Note::NotWritten(why) => write!(f, "not written: {why}"),
            Note::UpdateForbidden(policy) => write!(
                f,
                "not updated: policy `{}` forbids updates",
                policy.as_str()
            ),
            Note::Adopted => f.write_str(
                "adopted: the live Application has no controller and is taken over",
            ),
            Note::DeletionForbidden(policy) => write!(
                f,
                "no longer generated but kept: policy `{}` forbids deletion",
                policy.as_str()
            ),
            Note::DeleteStepSkipped => f.write_str(
                "no longer generated but kept: a write error in the same reconcile skips the delete step",
            ),
            Note::PreserveAddedTooLate => write!(
                f,
                "`preserveResourcesOnDeletion: true` is added in this change but does not protect this Application: the controller deletes the live Application, which still carries `{RESOURCES_FINALIZER}`"
            ),
            Note::Frozen(error) => write!(
                f,
                "frozen: the ApplicationSet fails to generate, so the controller creates, updates and deletes nothing ({error})"
            ),
            Note::NotPredicted(why) => write!(
                f,
                "not predicted: the plan cannot evaluate its ApplicationSet ({why})"
            ),
            Note::OrphanedWithApplicationSet(policy) => write!(
                f,
                "the ApplicationSet is removed from git; its finalizer and policy `{}` make the controller orphan this Application instead of deleting it",
                policy.as_str()
            ),
            Note::PrunedWithApplicationSet {
                application_set,
                manager,
                reverse,
            } => write!(
                f,
                "the ApplicationSet `{application_set}` is removed from git and Application `{manager}` prunes it: {} deletes every Application it owns (its `applicationsSync` policy does not prevent this)",
                if *reverse {
                    "the ApplicationSet controller"
                } else {
                    "garbage collection"
                }
            ),
            Note::ResourcesFinalizerRemoved => write!(
                f,
                "its destination does not resolve to a known cluster, so the controller removes `{RESOURCES_FINALIZER}` first and the resources are left in place"
            ),
            Note::DestinationUnresolved => f.write_str(
                "its destination does not resolve to a known cluster, so the application controller removes its resources finalizer without deleting any resource",
            ),
            Note::RemovedFromGit => f.write_str(
                "removed from git: deleted when the Application that manages it prunes",
            ),
            Note::DeletedByHand => f.write_str("deleted by hand (what-if)"),
            Note::DeletedWithWhatIf => f.write_str(
                "deleted with what the what-if deletes; the application controller still runs, so it processes the Application's finalizers",
            ),
            Note::CollectedWithApplicationSet(set) => write!(
                f,
                "garbage collection deletes it with its ApplicationSet `{set}`"
            ),
        }
    }
}

impl Serialize for Note {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// What a RollingSync ApplicationSet's progressive sync does to one Application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ProgressiveSync {
    /// Written with `automated.enabled: false`: the ApplicationSet controller syncs it
    /// itself, step by step.
    AutomatedSyncDisabled,
    /// Deleted by the ApplicationSet controller in reverse step order
    /// (`deletionOrder: Reverse`) before the ApplicationSet goes.
    ReverseDeletion,
}

/// The RollingSync step of one Application (`progressive_sync.go`,
/// `buildAppDependencyList`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum RollingStep {
    /// Step `number` (1-based, as the ApplicationSet's status counts) of `of`.
    Step { number: usize, of: usize },
    /// No step selects it: the controller never syncs it (its status step is -1).
    NoStep,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Fate {
    /// Gone once the cluster settles.
    Deleted,
    /// Still there with a deletion timestamp once the cluster settles.
    Stuck,
    /// Still there without a deletion timestamp: the API server refuses its DELETE.
    Refused,
}

impl Fate {
    pub fn as_str(self) -> &'static str {
        match self {
            Fate::Deleted => "deleted",
            Fate::Stuck => "stuck",
            Fate::Refused => "refused",
        }
    }

    /// Whether the object is still there once the cluster settles.
    pub fn remains(self) -> bool {
        self != Fate::Deleted
    }
}

/// One destination cluster after the change has settled.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ClusterOutcome {
    pub name: String,
    /// Every object the change deletes or tries to delete, sorted by namespace, kind, name.
    pub objects: Vec<ObjectOutcome>,
    /// Every namespace whose deletion starts or is affected, sorted by name.
    pub namespaces: Vec<NamespaceOutcome>,
    /// Aggregated APIServices whose availability the change affects, sorted by name.
    pub api_services: Vec<ApiServiceOutcome>,
    /// PersistentVolumes whose claim the change deletes, sorted by name: destroyed with
    /// their data, retained, or leaked.
    pub volumes: Vec<VolumeOutcome>,
}

/// What becomes of a PersistentVolume whose claim the change deletes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum VolumeFate {
    /// Reclaim policy `Delete`: the backend volume, its data and the PersistentVolume
    /// are deleted.
    Deleted,
    /// Reclaim policy `Retain`: the volume stays `Released` with its data.
    Retained,
    /// Reclaim policy `Delete` but no provisioner is left: the volume stays `Released`
    /// and its backend volume is never deleted.
    Leaked,
}

impl VolumeFate {
    pub fn as_str(self) -> &'static str {
        match self {
            VolumeFate::Deleted => "deleted",
            VolumeFate::Retained => "retained",
            VolumeFate::Leaked => "leaked",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VolumeOutcome {
    pub name: String,
    /// `spec.capacity.storage`, as written.
    pub capacity: Option<String>,
    pub storage_class: Option<String>,
    pub reclaim_policy: String,
    /// `namespace/name` of the claim.
    pub claim: String,
    /// The workloads whose pods mounted the claim, as `Kind namespace/name`, sorted.
    pub used_by: Vec<String>,
    pub outcome: VolumeFate,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectOutcome {
    pub api_version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    pub outcome: Fate,
    /// Why it is deleted (who deletes it) or why it is stuck.
    pub reason: ObjectReason,
}

/// Why an object of a cluster's outcome is deleted, refused or stuck. Serialized as its
/// sentence; compared and ordered as that sentence too, so that sorting and removing
/// duplicates treat two reasons the report words alike as one.
#[derive(Debug, Clone)]
pub enum ObjectReason {
    /// Deleted, and by whom.
    Deleted(DeleteCause),
    /// Its DELETE is refused: the API server's answer.
    Refused(Refusal),
    /// It stays in deletion, for these causes in the order the cascade found them.
    Stuck(Vec<StuckCause>),
    /// An Application the ApplicationSet controller deletes (the ApplicationSet's name).
    DeletedByApplicationSet(String),
    /// A deleted Application that stays, and what holds it.
    ApplicationHeld(ApplicationHold),
    /// A deleted plain Application, as the plan's note explains its deletion.
    Note(Note),
    /// A deleted plain Application with no note: its parent Application prunes it.
    PrunedByParent,
}

impl fmt::Display for ObjectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ObjectReason::Deleted(cause) => cause.fmt(f),
            ObjectReason::Refused(refusal) => refusal.fmt(f),
            ObjectReason::Stuck(causes) => f.write_str(&stuck_sentence(causes)),
            ObjectReason::DeletedByApplicationSet(set) => write!(
                f,
                "deleted by the ApplicationSet controller (ApplicationSet `{set}`)"
            ),
            ObjectReason::ApplicationHeld(hold) => hold.fmt(f),
            ObjectReason::Note(note) => note.fmt(f),
            ObjectReason::PrunedByParent => {
                f.write_str("deleted when its parent Application prunes it")
            }
        }
    }
}

impl PartialEq for ObjectReason {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == std::cmp::Ordering::Equal
    }
}

impl Eq for ObjectReason {}

impl PartialOrd for ObjectReason {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ObjectReason {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.to_string().cmp(&other.to_string())
    }
}

impl Serialize for ObjectReason {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A status condition as the namespace controller writes it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NamespaceCondition {
    #[serde(rename = "type")]
    pub type_: String,
    pub status: String,
    pub reason: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NamespaceOutcome {
    pub name: String,
    pub outcome: Fate,
    /// All five conditions, in the order the controller first writes them.
    pub conditions: Vec<NamespaceCondition>,
    /// Why the namespace is deleted (which Application or request deleted it): an
    /// [`ObjectReason::Deleted`] from the simulator.
    pub reason: ObjectReason,
    /// It was already Terminating (`deletionTimestamp` set) when the snapshot was
    /// captured: the change did not start its deletion (issue 13). Serialized only when
    /// true.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub already_terminating: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiServiceOutcome {
    pub name: String,
    /// `group/version` it serves.
    pub group_version: String,
    /// `namespace/name` of the backing Service.
    pub service: String,
    /// Whether it is available after the change.
    pub available: bool,
    /// Why, serialized as the condition's `reason` and `message`.
    #[serde(flatten)]
    pub condition: AvailabilityReason,
}

/// Why an APIService is available or not, as its `Available` condition says.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum AvailabilityReason {
    /// The condition as Kubernetes writes it: the availability controller's reason and
    /// message (R-APISVC-1), or the APIService's own status in the snapshot.
    Condition { reason: String, message: String },
    /// Discovery of its group/version was recorded failing when the cluster was captured
    /// (`capture.json`) and nothing in the snapshot explains it (issue 11, R-DISC-5): the
    /// error `capture` recorded, in client-go's words.
    UnavailableAtCapture { discovery_error: String },
}

impl AvailabilityReason {
    /// The condition's `reason`.
    pub fn reason(&self) -> &str {
        match self {
            AvailabilityReason::Condition { reason, .. } => reason,
            AvailabilityReason::UnavailableAtCapture { .. } => "UnavailableAtCapture",
        }
    }
}

/// The condition's `message`.
impl fmt::Display for AvailabilityReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AvailabilityReason::Condition { message, .. } => f.write_str(message),
            AvailabilityReason::UnavailableAtCapture { discovery_error } => write!(
                f,
                "its discovery failed when the cluster was captured: {discovery_error}"
            ),
        }
    }
}

impl Serialize for AvailabilityReason {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut condition = serializer.serialize_struct("AvailabilityReason", 2)?;
        condition.serialize_field("reason", self.reason())?;
        condition.serialize_field("message", &self.to_string())?;
        condition.end()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Hash)]
#[serde(rename_all = "camelCase")]
pub enum Severity {
    Info,
    Warning,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(text: &str) -> Option<Severity> {
        match text {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "high" => Some(Severity::High),
            "critical" => Some(Severity::Critical),
            _ => None,
        }
    }
}

/// What a finding is about. The order of the variants is the order in which findings of
/// one severity are shown: causes and symptoms a reviewer must see first come first,
/// the rest alphabetically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingCode {
    /// A cycle of waits on one cluster that nothing breaks by itself.
    Deadlock,
    /// Namespaces that stay Terminating.
    StuckNamespace,
    /// Replacement Applications that cannot sync into their terminating namespace.
    ReplacementBlocked,
    /// An aggregated APIService that becomes unavailable.
    ApiserviceUnavailable,
    /// Objects that stay in deletion, or whose DELETE is refused.
    StuckObject,
    /// An ApplicationSet whose generators fail: Argo CD stops acting on it.
    ApplicationsetFrozen,
    /// An ApplicationSet the plan cannot evaluate offline.
    ApplicationsetNotEvaluated,
    /// `preserveResourcesOnDeletion` added in the change that deletes.
    PreserveAddedTooLate,
    /// `plan --max-deletions`: a change that deletes more of an ApplicationSet's live
    /// Applications than the limit allows.
    MassDeletion,
    /// Applications renamed: deleted and created again.
    ApplicationReplaced,
    /// Applications deleted with their resources and not replaced.
    ApplicationDeleted,
    /// An Application the controller cannot write.
    ApplicationNotWritten,
    /// A live ApplicationSet that differs from the base revision.
    ApplicationsetDrift,
    /// A destination cluster the snapshot does not hold.
    ClusterNotInSnapshot,
    /// Applications no longer generated but kept by the policy.
    DeletionSuppressed,
    /// A cluster-scoped object whose namespaced owner goes (the GC never collects it).
    LeakedObject,
    /// A volume whose provisioner goes with its claim.
    LeakedVolume,
    /// Volumes whose claim goes with reclaim policy `Delete`: the provisioner deletes
    /// the backend volume and its data.
    VolumeDataLoss,
    /// `audit`: an aggregated APIService that is unavailable before any change.
    ApiserviceUnavailableNow,
    /// `audit`: a namespace already Terminating that stays so.
    NamespaceTerminatingNow,
    /// `audit`: objects other than namespaces already in deletion that stay so, because
    /// no running controller removes their finalizers.
    ObjectStuckNow,
    /// `audit`: one deletion (an Application, or a namespace by hand) takes an aggregated
    /// APIService's backend away and jams namespace deletion on the cluster.
    ApiserviceBackendExposed,
    /// `audit`: an ApplicationSet whose Applications cascade through namespaces or
    /// APIService backends when a template change renames them.
    RenameExposure,
    /// `audit`: an ApplicationSet whose generators can shrink without a change in git,
    /// under a policy that deletes the Applications they stop producing.
    MassDeletionExposure,
    /// `audit`: one deletion takes the backend of a fail-closed admission webhook or a
    /// CRD conversion webhook away while the webhook stays.
    WebhookBackendExposed,
    /// `audit`: one deletion takes away the workload that removes a third-party
    /// finalizer, leaving the objects that carry it undeletable or stuck in deletion.
    ControllerBackendExposed,
    /// `audit`: a fail-closed admission webhook or a CRD conversion webhook whose backend
    /// Service is missing before any change.
    WebhookUnavailableNow,
    /// `audit`: which of Argo CD's deletion guards the ApplicationSets whose deletions
    /// reach namespaces use (an inventory, `info`).
    SafetyFeatures,
}

impl FindingCode {
    /// Kebab-case and stable: the JSON report's `code`.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingCode::Deadlock => "deadlock",
            FindingCode::StuckNamespace => "stuck-namespace",
            FindingCode::ReplacementBlocked => "replacement-blocked",
            FindingCode::ApiserviceUnavailable => "apiservice-unavailable",
            FindingCode::StuckObject => "stuck-object",
            FindingCode::ApplicationsetFrozen => "applicationset-frozen",
            FindingCode::ApplicationsetNotEvaluated => "applicationset-not-evaluated",
            FindingCode::PreserveAddedTooLate => "preserve-added-too-late",
            FindingCode::MassDeletion => "mass-deletion",
            FindingCode::ApplicationReplaced => "application-replaced",
            FindingCode::ApplicationDeleted => "application-deleted",
            FindingCode::ApplicationNotWritten => "application-not-written",
            FindingCode::ApplicationsetDrift => "applicationset-drift",
            FindingCode::ClusterNotInSnapshot => "cluster-not-in-snapshot",
            FindingCode::DeletionSuppressed => "deletion-suppressed",
            FindingCode::LeakedObject => "leaked-object",
            FindingCode::LeakedVolume => "leaked-volume",
            FindingCode::VolumeDataLoss => "volume-data-loss",
            FindingCode::ApiserviceUnavailableNow => "apiservice-unavailable-now",
            FindingCode::NamespaceTerminatingNow => "namespace-terminating-now",
            FindingCode::ObjectStuckNow => "object-stuck-now",
            FindingCode::ApiserviceBackendExposed => "apiservice-backend-exposed",
            FindingCode::RenameExposure => "rename-exposure",
            FindingCode::MassDeletionExposure => "mass-deletion-exposure",
            FindingCode::WebhookBackendExposed => "webhook-backend-exposed",
            FindingCode::ControllerBackendExposed => "controller-backend-exposed",
            FindingCode::WebhookUnavailableNow => "webhook-unavailable-now",
            FindingCode::SafetyFeatures => "safety-features",
        }
    }
}

impl fmt::Display for FindingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something a reviewer must know, with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub severity: Severity,
    pub code: FindingCode,
    /// The cluster, when the finding concerns exactly one.
    pub cluster: Option<String>,
    /// Every cluster the finding concerns, sorted: one finding tells a cause that
    /// several clusters share.
    pub clusters: Vec<String>,
    /// What the same cause also leads to, told in this finding rather than in findings
    /// of their own (an unavailable APIService keeps namespaces Terminating, which
    /// blocks replacements, which closes a deadlock).
    pub consequences: Vec<FindingCode>,
    pub message: String,
    /// Commands that break the deadlock or avoid it, in the order to run them.
    pub remediation: Vec<String>,
    /// The causal chain from the symptom back to the change, one step per entry
    /// (rendered as text and as a Mermaid diagram).
    pub chain: Vec<String>,
    /// True when the chain is a cycle: its last step leads back to its first (a
    /// deadlock).
    pub cycle: bool,
    /// The cause at the root of the finding, when it is one a verdict can name.
    pub root_cause: Option<RootCause>,
}

/// A cause at the root of many consequences, named in the verdict.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum RootCause {
    /// Aggregated APIServices (by name) are unavailable — every one of them because the
    /// change deletes its backend when `lost_backend` — so discovery fails and no
    /// namespace on the cluster can finish deleting.
    ApiServicesUnavailable {
        names: Vec<String>,
        lost_backend: bool,
    },
}

impl fmt::Display for RootCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RootCause::ApiServicesUnavailable {
                names,
                lost_backend,
            } => {
                let names: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
                match (names.len() == 1, lost_backend) {
                    (true, true) => write!(f, "APIService {} loses its backend", names[0]),
                    (true, false) => write!(f, "APIService {} is unavailable", names[0]),
                    (false, true) => {
                        write!(f, "APIServices {} lose their backends", names.join(", "))
                    }
                    (false, false) => {
                        write!(f, "APIServices {} are unavailable", names.join(", "))
                    }
                }
            }
        }
    }
}

/// What could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EvaluationError {
    pub file: Option<String>,
    pub application_set: Option<String>,
    pub message: String,
    /// True when Argo CD itself stops on it (a generation error freezes the
    /// ApplicationSet); false when only the plan cannot evaluate what Argo CD would do.
    pub freezes: bool,
}

/// An ApplicationSet whose live spec differs from the base revision.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Drift {
    pub application_set: String,
    pub namespace: String,
    /// How it differs; serialized as its sentence under the name `message`.
    #[serde(rename = "message")]
    pub cause: DriftCause,
}

/// How a live ApplicationSet differs from the base revision.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum DriftCause {
    /// Live and in head, but not in the base revision.
    NotInBase,
    /// The live spec differs from the base revision's in these fields, as paths from the
    /// ApplicationSet (`spec.generators`), sorted.
    SpecDiffers { fields: Vec<String> },
}

impl fmt::Display for DriftCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DriftCause::NotInBase => {
                f.write_str("the live ApplicationSet is not in the base revision")
            }
            DriftCause::SpecDiffers { fields } => write!(
                f,
                "the live spec differs from the base revision in {}; merging applies that difference too",
                fields
                    .iter()
                    .map(|field| format!("`{field}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

impl Serialize for DriftCause {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// The API server's field errors, serialized as it words each one.
fn field_errors_as_text<S: Serializer>(
    errors: &[FieldError],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(errors.iter().map(ToString::to_string))
}

/// What the merge does to one ApplicationSet object (not to its Applications).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationSetChange {
    pub namespace: String,
    pub name: String,
    pub fate: ApplicationSetFate,
}

/// The Application that manages an ApplicationSet through Argo CD's resource tracking.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Manager {
    pub namespace: String,
    pub name: String,
}

/// Why an ApplicationSet removed from git is not pruned.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase", tag = "reason")]
pub enum NotPruned {
    /// The snapshot does not hold it live, so nothing is known to manage it.
    NotLive,
    /// The live object carries no tracking that names an Application.
    NoManager,
    /// The tracking names an Application the snapshot does not hold.
    ManagerMissing,
    /// The managing Application has no automated sync (or it is disabled).
    ManualSync,
    /// Automated sync without `prune: true`.
    PruneDisabled,
    /// The ApplicationSet's `argocd.argoproj.io/sync-options` say `Prune=false`.
    PruneFalseOption,
    /// The ApplicationSet's sync options say `Prune=confirm` and nobody approved.
    PruneNeedsConfirmation,
}

/// What happens to an ApplicationSet object when head is merged.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum ApplicationSetFate {
    /// Live, but in neither revision: it is managed elsewhere and the merge leaves it
    /// (and its Applications) alone.
    NotInRevisions,
    /// In base, gone from head, and the Application that manages it prunes: it is
    /// deleted.
    Pruned { manager: Manager },
    /// In base, gone from head, but nothing prunes it: the managing Application goes
    /// OutOfSync and the ApplicationSet stays with its Applications.
    NotPruned {
        manager: Option<Manager>,
        why: NotPruned,
    },
    /// The API server refuses head's manifest (it breaks the CRD schema): it is never
    /// applied, and the live ApplicationSet, if any, stays as it is.
    Refused {
        /// The API server's field errors (path and problem), in its order.
        #[serde(serialize_with = "field_errors_as_text")]
        errors: Vec<FieldError>,
        /// Whether a live ApplicationSet keeps running in its place.
        live: bool,
    },
    /// Head's manifest is applied, but the API server drops fields its CRD schema does
    /// not know (Argo CD's sync sends no `fieldValidation`, so the server only warns):
    /// the controller never sees them.
    UnknownFieldsPruned {
        /// The dropped fields, as the API server's warning names them.
        fields: Vec<String>,
    },
}

#[cfg(test)]
mod tests {
    use preflight_model::{FieldError, ObjectKey, ValidationError};

    use super::*;
    use crate::causes::{ApplicationRefusal, NameProblem};

    fn object(reason: ObjectReason) -> ObjectOutcome {
        ObjectOutcome {
            api_version: "argoproj.io/v1alpha1".to_string(),
            kind: "Application".to_string(),
            namespace: Some("argocd".to_string()),
            name: "web-a".to_string(),
            outcome: Fate::Deleted,
            reason,
        }
    }

    /// A write failure says whether it skips the delete step, and the sentence follows
    /// the data: the API server's refusals add it, the controller's validation does not.
    #[test]
    fn write_failures_say_whether_they_skip_the_delete_step() {
        let name = WriteFailure::Refused(ApplicationRefusal::Name {
            name: "Web".to_string(),
            problems: vec![NameProblem::NotDnsSubdomain],
        });
        assert!(name.skips_delete_step());
        assert_eq!(
            Note::NotWritten(name).to_string(),
            "not written: Application.argoproj.io \"Web\" is invalid: metadata.name: Invalid value: \"Web\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*'); this error also skips the delete step of the ApplicationSet"
        );
        let schema = WriteFailure::Refused(ApplicationRefusal::Schema {
            name: "web".to_string(),
            errors: vec![
                FieldError::new("spec.a", "Required value"),
                FieldError::new("spec.b", "Required value"),
            ],
        });
        assert_eq!(
            schema.to_string(),
            "Application.argoproj.io \"web\" is invalid: [spec.a: Required value, spec.b: Required value]; this error also skips the delete step of the ApplicationSet"
        );
        let owned = WriteFailure::OwnedByAnother {
            name: "web".to_string(),
            owner_kind: "ApplicationSet".to_string(),
            owner_name: "other".to_string(),
        };
        assert!(owned.skips_delete_step());
        assert_eq!(
            owned.to_string(),
            "Application `web` is already owned by ApplicationSet `other`; this error also skips the delete step of the ApplicationSet"
        );
        let invalid = WriteFailure::Invalid(ValidationError::EmptyName);
        assert!(!invalid.skips_delete_step());
        assert_eq!(invalid.to_string(), "application name is empty");
        let first = WriteFailure::WrittenFirstBy {
            first: "a".to_string(),
            name: "web".to_string(),
        };
        assert!(first.skips_delete_step());
        assert!(first
            .to_string()
            .starts_with("ApplicationSet `a` also generates Application `web` in this merge"));
    }

    #[test]
    fn notes_word_their_data() {
        assert_eq!(
            Note::UpdateForbidden(ApplicationsSyncPolicy::CreateOnly).to_string(),
            "not updated: policy `create-only` forbids updates"
        );
        assert_eq!(
            Note::PrunedWithApplicationSet {
                application_set: "web".to_string(),
                manager: "apps".to_string(),
                reverse: true,
            }
            .to_string(),
            "the ApplicationSet `web` is removed from git and Application `apps` prunes it: the ApplicationSet controller deletes every Application it owns (its `applicationsSync` policy does not prevent this)"
        );
    }

    /// The JSON report's `reason` is the sentence, under the same field name.
    #[test]
    fn an_object_reason_serializes_as_its_sentence() {
        let hold =
            ApplicationHold::AwaitsApproval(ObjectKey::new("", "Namespace", None, "payments"));
        let json = serde_json::to_value(object(ObjectReason::ApplicationHeld(hold))).unwrap();
        assert_eq!(
            json["reason"],
            "the Application waits for deletion approval: Namespace `payments` asks for confirmation (`Delete=confirm` or `Prune=confirm`), so nothing is deleted until the Application is annotated `argocd.argoproj.io/deletion-approved`"
        );
        assert_eq!(
            serde_json::to_value(object(ObjectReason::DeletedByApplicationSet(
                "web".to_string()
            )))
            .unwrap()["reason"],
            "deleted by the ApplicationSet controller (ApplicationSet `web`)"
        );
        assert_eq!(
            ObjectReason::PrunedByParent.to_string(),
            "deleted when its parent Application prunes it"
        );
    }

    /// Reasons compare as the report words them: the order of a sort and what a dedup
    /// keeps are those of the sentences.
    #[test]
    fn object_reasons_order_as_their_sentences() {
        let by_hand = ObjectReason::Deleted(DeleteCause::ByHand);
        let note = ObjectReason::Note(Note::DeletedByHand);
        assert_eq!(by_hand.to_string(), note.to_string());
        assert_eq!(by_hand, note);
        let mut reasons = [
            ObjectReason::Deleted(DeleteCause::Application("z".to_string())),
            ObjectReason::PrunedByParent,
            ObjectReason::Deleted(DeleteCause::AlreadyDeleting),
        ];
        reasons.sort();
        let sentences: Vec<String> = reasons.iter().map(ToString::to_string).collect();
        let mut sorted = sentences.clone();
        sorted.sort();
        assert_eq!(sentences, sorted);
    }

    /// Drift says which fields differ; the JSON report keeps the sentence under
    /// `message`.
    #[test]
    fn drift_words_its_fields() {
        assert_eq!(
            DriftCause::NotInBase.to_string(),
            "the live ApplicationSet is not in the base revision"
        );
        let drift = Drift {
            application_set: "web".to_string(),
            namespace: "argocd".to_string(),
            cause: DriftCause::SpecDiffers {
                fields: vec!["spec.generators".to_string(), "spec.template".to_string()],
            },
        };
        let sentence = "the live spec differs from the base revision in `spec.generators`, `spec.template`; merging applies that difference too";
        assert_eq!(drift.cause.to_string(), sentence);
        assert_eq!(
            serde_json::to_value(&drift).unwrap(),
            serde_json::json!({"applicationSet": "web", "namespace": "argocd", "message": sentence})
        );
    }

    /// A refused ApplicationSet carries the API server's field errors; each is worded
    /// `path: problem` and serialized that way.
    #[test]
    fn a_refused_application_set_words_its_field_errors() {
        let fate = ApplicationSetFate::Refused {
            errors: vec![
                FieldError::new("spec.template.spec.project", "Required value"),
                FieldError::new(
                    "spec.syncPolicy.applicationsSync",
                    "Unsupported value: \"upsert\"",
                ),
            ],
            live: false,
        };
        assert_eq!(
            serde_json::to_value(&fate).unwrap(),
            serde_json::json!({
                "kind": "refused",
                "errors": [
                    "spec.template.spec.project: Required value",
                    "spec.syncPolicy.applicationsSync: Unsupported value: \"upsert\"",
                ],
                "live": false,
            })
        );
    }

    /// An APIService's condition: Kubernetes' own reason and message as they are, and
    /// the discovery error `capture` recorded worded as ours.
    #[test]
    fn availability_reasons_word_the_condition() {
        let written = AvailabilityReason::Condition {
            reason: "ServiceNotFound".to_string(),
            message: "service/metrics-server in \"kube-metrics\" is not present".to_string(),
        };
        assert_eq!(written.reason(), "ServiceNotFound");
        assert_eq!(
            written.to_string(),
            "service/metrics-server in \"kube-metrics\" is not present"
        );
        let captured = AvailabilityReason::UnavailableAtCapture {
            discovery_error: "stale GroupVersion discovery: metrics.k8s.io/v1beta1".to_string(),
        };
        assert_eq!(captured.reason(), "UnavailableAtCapture");
        assert_eq!(
            captured.to_string(),
            "its discovery failed when the cluster was captured: stale GroupVersion discovery: metrics.k8s.io/v1beta1"
        );
        let outcome = ApiServiceOutcome {
            name: "v1beta1.metrics.k8s.io".to_string(),
            group_version: "metrics.k8s.io/v1beta1".to_string(),
            service: "kube-metrics/metrics-server".to_string(),
            available: false,
            condition: captured,
        };
        let json = serde_json::to_value(&outcome).unwrap();
        assert_eq!(json["reason"], "UnavailableAtCapture");
        assert_eq!(
            json["message"],
            "its discovery failed when the cluster was captured: stale GroupVersion discovery: metrics.k8s.io/v1beta1"
        );
        assert!(json.get("condition").is_none());
    }
}
