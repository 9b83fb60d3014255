//! Why the cascade deletes, keeps or refuses an object, as data.
//!
//! The cascade records causes as these types; the deadlock search, the findings and
//! their remediation read the fields. Sentences exist only through `Display`, which
//! words each cause the way the API server or the controller would (the error texts are
//! the API server's own), so no stage ever parses another stage's text.

use std::fmt;

use preflight_model::{FieldError, ObjectKey, ValidationError};

/// `Kind namespace/name` for messages.
pub fn describe(key: &ObjectKey) -> String {
    match &key.namespace {
        Some(ns) => format!("{} `{}/{}`", key.kind, ns, key.name),
        None => format!("{} `{}`", key.kind, key.name),
    }
}

/// Who or what deletes an object.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum DeleteCause {
    /// Argo CD deletes it as a resource of the named Application (cascade).
    Application(String),
    /// A hand-made deletion (`what-if`).
    ByHand,
    /// The namespace controller deletes it as content of the named namespace.
    NamespaceContent(String),
    /// The CRD finalizer deletes the instances of the named CustomResourceDefinition.
    CustomResourceDefinition(String),
    /// The garbage collector deletes it because its owner is gone.
    GarbageCollected { owner: ObjectKey },
    /// The snapshot shows it already being deleted.
    AlreadyDeleting,
    /// A PersistentVolume with reclaim policy `Delete` whose claim the change deleted:
    /// the provisioner deletes the backend volume, then the PersistentVolume
    /// (`pkg/controller/volume/persistentvolume/pv_controller.go`,
    /// `deleteVolumeOperation`; the external provisioner library for CSI volumes).
    VolumeReclaimed { claim: ObjectKey },
}

impl fmt::Display for DeleteCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeleteCause::Application(name) => {
                write!(f, "deleted by Application `{name}` (cascade)")
            }
            DeleteCause::ByHand => f.write_str("deleted by hand (what-if)"),
            DeleteCause::NamespaceContent(namespace) => write!(
                f,
                "content of namespace `{namespace}`, deleted by the namespace controller"
            ),
            DeleteCause::CustomResourceDefinition(name) => {
                write!(f, "deleted with its CustomResourceDefinition `{name}`")
            }
            DeleteCause::GarbageCollected { owner } => {
                write!(f, "garbage collected: owner {} deleted", describe(owner))
            }
            DeleteCause::AlreadyDeleting => f.write_str("already being deleted before the change"),
            DeleteCause::VolumeReclaimed { claim } => write!(
                f,
                "reclaimed: its claim {} is deleted and its reclaim policy is `Delete`, so the provisioner deletes the backend volume and its data, then the PersistentVolume (R-VOL-3)",
                describe(claim)
            ),
        }
    }
}

/// Why the API server cannot reach a webhook's Service.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Unreachable {
    ServiceNotFound,
    NoEndpoints,
}

/// A call to a webhook Service that cannot be reached: where it goes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ServiceCall {
    /// The Service (`""/Service/namespace/name`).
    pub service: ObjectKey,
    pub port: i64,
    pub path: String,
    pub timeout_seconds: i64,
    pub unreachable: Unreachable,
}

impl fmt::Display for ServiceCall {
    /// `Post "https://svc.ns.svc:443/path?timeout=10s": no endpoints available for …`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = &self.service.name;
        let namespace = self.service.namespace.as_deref().unwrap_or("default");
        write!(
            f,
            "Post \"https://{name}.{namespace}.svc:{}{}?timeout={}s\": ",
            self.port, self.path, self.timeout_seconds
        )?;
        match self.unreachable {
            Unreachable::ServiceNotFound => write!(f, "service \"{name}\" not found"),
            Unreachable::NoEndpoints => write!(f, "no endpoints available for service \"{name}\""),
        }
    }
}

/// A request the API server refuses because a webhook it must call cannot be reached.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Refusal {
    /// A fail-closed admission webhook (R-WH-2, R-WH-4).
    Webhook {
        webhook: String,
        call: Box<ServiceCall>,
    },
    /// The conversion webhook of a CRD whose stored objects need conversion (R-CRD-5).
    Conversion {
        group: String,
        stored_version: String,
        kind: String,
        call: Box<ServiceCall>,
    },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Webhook { webhook, call } => write!(
                f,
                "Internal error occurred: failed calling webhook \"{webhook}\": failed to call webhook: {call}"
            ),
            Refusal::Conversion {
                group,
                stored_version,
                kind,
                call,
            } => write!(
                f,
                "conversion webhook for {group}/{stored_version}, Kind={kind} failed: {call}"
            ),
        }
    }
}

/// Why the API server refuses to create an object a replacement Application applies.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum CreateRefusal {
    /// A webhook that cannot be reached refuses it.
    Refused(Refusal),
    /// Its namespace is terminating (R-OBJ-9).
    NamespaceTerminating {
        resource: String,
        name: String,
        namespace: String,
    },
    /// Its namespace is gone.
    NamespaceNotFound(String),
}

impl fmt::Display for CreateRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CreateRefusal::Refused(refusal) => refusal.fmt(f),
            CreateRefusal::NamespaceTerminating {
                resource,
                name,
                namespace,
            } => write!(
                f,
                "{resource} \"{name}\" is forbidden: unable to create new content in namespace {namespace} because it is being terminated"
            ),
            CreateRefusal::NamespaceNotFound(namespace) => {
                write!(f, "namespaces \"{namespace}\" not found")
            }
        }
    }
}

/// Why the controller of a finalizer never removes it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum FinalizerBlocker {
    /// `foregroundDeletion` waits for dependents with `blockOwnerDeletion`.
    BlockingDependents(Vec<ObjectKey>),
    /// `kubernetes.io/pvc-protection` waits for the pods that use the claim.
    ClaimInUse(Vec<ObjectKey>),
    /// `kubernetes.io/pv-protection` waits while the volume is bound to a claim.
    VolumeBound(ObjectKey),
    /// The CRD finalizer cannot list the instances (R-CRD-5).
    InstancesUnreadable(Refusal),
    /// The CRD finalizer waits for instances to go: how many, and the first five.
    InstancesRemain { count: usize, first: Vec<ObjectKey> },
    /// A well-known controller the snapshot does not run: (kind, name) alternatives.
    ControllerNotRunning(Vec<(String, String)>),
    /// A controller declared with `--controllers` (not `external`) whose workload the
    /// snapshot does not show: nothing in the cluster runs it (§14.2).
    DeclaredControllerAbsent(Vec<ObjectKey>),
    /// No controller is known to remove it.
    NoKnownController,
    /// Its controller's workloads are deleted in the same cascade (R-FIN-1), and how
    /// they were found.
    ControllerDeleted {
        workloads: Vec<ObjectKey>,
        how: ControllerEvidence,
    },
}

/// How the workloads that remove a finalizer were found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ControllerEvidence {
    /// Declared with `--controllers`.
    Declared,
    /// A controller of a finalizer the tool knows (§14.2).
    WellKnown,
    /// The only workloads whose service account may update the finalizer's objects.
    Rbac,
}

impl fmt::Display for ControllerEvidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ControllerEvidence::Declared => "declared in --controllers",
            ControllerEvidence::WellKnown => "well-known controller",
            ControllerEvidence::Rbac => "inferred from RBAC",
        })
    }
}

/// Why a terminating namespace is not finalized.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum NamespaceBlocker {
    /// Discovery fails for these group/versions (R-DISC-4).
    Discovery(Vec<String>),
    /// Deleting its content is refused, per resource type.
    ContentRefused(Vec<Refusal>),
    /// Content remains.
    ContentRemains(Vec<ObjectKey>),
    /// `spec.finalizers` tokens other than `kubernetes`.
    SpecFinalizers(Vec<String>),
}

/// One reason an object stays.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum StuckCause {
    /// Its DELETE is refused (it may still be deleting from an earlier request).
    DeleteRefused(Refusal),
    /// A namespace the namespace controller cannot finalize.
    Namespace(NamespaceBlocker),
    /// Removing finalizers is an UPDATE, which a webhook refuses (R-OBJ-8, R-WH-6).
    UpdateRefused(Refusal),
    /// A finalizer that stays.
    Finalizer {
        finalizer: String,
        blocker: FinalizerBlocker,
    },
    /// A pod on a node that is not Ready (R-POD-1).
    NodeNotReady(String),
    /// Finalizers stay for no reason the model names.
    WaitsForFinalizers,
}

impl StuckCause {
    /// The refusals this cause carries, in the order its sentence names them.
    pub fn refusals(&self) -> Vec<&Refusal> {
        match self {
            StuckCause::DeleteRefused(refusal) | StuckCause::UpdateRefused(refusal) => {
                vec![refusal]
            }
            StuckCause::Namespace(NamespaceBlocker::ContentRefused(refusals)) => {
                refusals.iter().collect()
            }
            StuckCause::Finalizer {
                blocker: FinalizerBlocker::InstancesUnreadable(refusal),
                ..
            } => vec![refusal],
            _ => Vec::new(),
        }
    }

    /// Whether a finalizer keeps the object that no controller will ever remove, so that
    /// removing it by hand is what frees the object. Finalizers that wait for something
    /// else to go (dependents, pods using a claim, a bound claim, CRD instances) are let
    /// go by their controllers once that is gone.
    pub fn finalizer_never_removed(&self) -> bool {
        match self {
            StuckCause::Finalizer { blocker, .. } => matches!(
                blocker,
                FinalizerBlocker::InstancesUnreadable(_)
                    | FinalizerBlocker::ControllerNotRunning(_)
                    | FinalizerBlocker::DeclaredControllerAbsent(_)
                    | FinalizerBlocker::NoKnownController
                    | FinalizerBlocker::ControllerDeleted { .. }
            ),
            StuckCause::WaitsForFinalizers
            | StuckCause::UpdateRefused(_)
            | StuckCause::Namespace(NamespaceBlocker::SpecFinalizers(_)) => true,
            _ => false,
        }
    }
}

fn keys(keys: &[ObjectKey], separator: &str) -> String {
    keys.iter()
        .map(describe)
        .collect::<Vec<_>>()
        .join(separator)
}

fn joined(items: &[impl fmt::Display], separator: &str) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(separator)
}

impl fmt::Display for StuckCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StuckCause::DeleteRefused(refusal) => write!(f, "its DELETE is refused: {refusal}"),
            StuckCause::UpdateRefused(refusal) => write!(
                f,
                "no finalizer can be removed, the UPDATE is refused: {refusal}"
            ),
            StuckCause::NodeNotReady(node) => write!(
                f,
                "node `{node}` is not Ready, so no kubelet confirms the pod gone (R-POD-1)"
            ),
            StuckCause::WaitsForFinalizers => f.write_str("waits for its finalizers"),
            StuckCause::Namespace(blocker) => match blocker {
                NamespaceBlocker::Discovery(group_versions) => write!(
                    f,
                    "API discovery fails for {} (R-DISC-4: no namespace can finish deleting while any aggregated API is unavailable)",
                    group_versions.join(", ")
                ),
                NamespaceBlocker::ContentRefused(refusals) => {
                    write!(f, "deleting its content fails: {}", joined(refusals, ", "))
                }
                NamespaceBlocker::ContentRemains(remaining) => {
                    write!(f, "content remains: {}", keys(remaining, ", "))
                }
                NamespaceBlocker::SpecFinalizers(tokens) => write!(
                    f,
                    "spec.finalizers {} must be removed by their owner",
                    tokens
                        .iter()
                        .map(|t| format!("`{t}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            },
            StuckCause::Finalizer { finalizer, blocker } => match blocker {
                FinalizerBlocker::BlockingDependents(dependents) => write!(
                    f,
                    "`foregroundDeletion` waits for blocking dependents: {}",
                    keys(dependents, ", ")
                ),
                FinalizerBlocker::ClaimInUse(pods) => write!(
                    f,
                    "`kubernetes.io/pvc-protection` waits for pods still using the claim: {}",
                    keys(pods, ", ")
                ),
                FinalizerBlocker::VolumeBound(claim) => write!(
                    f,
                    "`kubernetes.io/pv-protection` waits while the volume is bound to claim {}",
                    describe(claim)
                ),
                FinalizerBlocker::InstancesUnreadable(refusal) => write!(
                    f,
                    "the CRD finalizer could not list instances: {refusal} (InstanceDeletionFailed)"
                ),
                FinalizerBlocker::InstancesRemain { count, first } => write!(
                    f,
                    "`{finalizer}` waits for {count} custom {} to be deleted: {}",
                    if *count == 1 { "resource" } else { "resources" },
                    keys(first, ", ")
                ),
                FinalizerBlocker::ControllerNotRunning(workloads) => write!(
                    f,
                    "finalizer `{finalizer}` is never removed: its controller ({}) is not running in this cluster's snapshot",
                    workloads
                        .iter()
                        .map(|(kind, name)| format!("{kind} `{name}`"))
                        .collect::<Vec<_>>()
                        .join(" or ")
                ),
                FinalizerBlocker::DeclaredControllerAbsent(workloads) => write!(
                    f,
                    "finalizer `{finalizer}` is never removed: its controller {} (declared in --controllers) is not in this cluster's snapshot; declare it `external: true` if it runs elsewhere",
                    keys(workloads, ", ")
                ),
                FinalizerBlocker::NoKnownController => write!(
                    f,
                    "finalizer `{finalizer}` is never removed: no controller known to remove it (declare it with `--controllers`)"
                ),
                FinalizerBlocker::ControllerDeleted { workloads, how } => write!(
                    f,
                    "finalizer `{finalizer}` is never removed: its controller {} ({how}) is deleted in the same cascade (R-FIN-1)",
                    keys(workloads, ", ")
                ),
            },
        }
    }
}

/// The causes of a stuck object as one sentence, in the order the cascade found them.
pub fn stuck_sentence(causes: &[StuckCause]) -> String {
    joined(causes, "; ")
}

/// What is wrong with an Application's name for the API server: custom resources
/// validate `metadata.name` with apimachinery's `IsDNS1123Subdomain`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum NameProblem {
    /// Longer than 253 characters.
    TooLong,
    /// Not lowercase RFC 1123 labels joined by `.`.
    NotDnsSubdomain,
}

/// The longest name `IsDNS1123Subdomain` accepts.
pub const DNS1123_SUBDOMAIN_MAX_LENGTH: usize = 253;

impl fmt::Display for NameProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameProblem::TooLong => write!(
                f,
                "must be no more than {DNS1123_SUBDOMAIN_MAX_LENGTH} characters"
            ),
            NameProblem::NotDnsSubdomain => f.write_str(
                "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
            ),
        }
    }
}

/// Why the API server refuses to write a generated Application, in its own words.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum ApplicationRefusal {
    /// Its name is not a DNS subdomain (one problem or both, in the API server's order).
    Name {
        name: String,
        problems: Vec<NameProblem>,
    },
    /// Its spec breaks the Application CRD's schema.
    Schema {
        name: String,
        errors: Vec<FieldError>,
    },
}

impl fmt::Display for ApplicationRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApplicationRefusal::Name { name, problems } => write!(
                f,
                "Application.argoproj.io {name:?} is invalid: metadata.name: Invalid value: {name:?}: {}",
                joined(problems, ", ")
            ),
            ApplicationRefusal::Schema { name, errors } => {
                write!(f, "Application.argoproj.io {name:?} is invalid: ")?;
                match errors.as_slice() {
                    [error] => error.fmt(f),
                    errors => write!(f, "[{}]", joined(errors, ", ")),
                }
            }
        }
    }
}

/// Why the ApplicationSet controller does not write a generated Application.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum WriteFailure {
    /// The controller's own validation refuses it (rulebook 8).
    Invalid(ValidationError),
    /// Another ApplicationSet of the same merge generates it too and writes it first
    /// (§9.6): this write fails as "already owned by another controller".
    WrittenFirstBy { first: String, name: String },
    /// The API server refuses the write.
    Refused(ApplicationRefusal),
    /// The live Application's controller is another object.
    OwnedByAnother {
        name: String,
        owner_kind: String,
        owner_name: String,
    },
}

impl WriteFailure {
    /// Whether the error also skips the delete step of the ApplicationSet's reconcile
    /// (a failed write does; an Application the validation drops does not).
    pub fn skips_delete_step(&self) -> bool {
        !matches!(self, WriteFailure::Invalid(_))
    }
}

impl fmt::Display for WriteFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteFailure::Invalid(error) => return error.fmt(f),
            WriteFailure::WrittenFirstBy { first, name } => {
                return write!(
                    f,
                    "ApplicationSet `{first}` also generates Application `{name}` in this merge and writes it first, so this write fails (already owned by another controller) and the error also skips the delete step of the ApplicationSet; Argo CD does not order the two reconciles, the plan assumes `{first}` goes first"
                )
            }
            WriteFailure::Refused(refusal) => refusal.fmt(f)?,
            WriteFailure::OwnedByAnother {
                name,
                owner_kind,
                owner_name,
            } => write!(
                f,
                "Application `{name}` is already owned by {owner_kind} `{owner_name}`"
            )?,
        }
        if self.skips_delete_step() {
            f.write_str("; this error also skips the delete step of the ApplicationSet")?;
        }
        Ok(())
    }
}

/// Why a deleted Application stays, as Argo CD's deletion leaves it (§10).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum ApplicationHold {
    /// An object asks for confirmation (`Delete=confirm` or `Prune=confirm`): nothing is
    /// deleted until the Application is approved.
    AwaitsApproval(ObjectKey),
    /// A wave's object does not finish deleting, so the next waves never start.
    WaitsForWave(ObjectKey),
}

impl fmt::Display for ApplicationHold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApplicationHold::AwaitsApproval(object) => write!(
                f,
                "the Application waits for deletion approval: {} asks for confirmation (`Delete=confirm` or `Prune=confirm`), so nothing is deleted until the Application is annotated `argocd.argoproj.io/deletion-approved`",
                describe(object)
            ),
            ApplicationHold::WaitsForWave(object) => write!(
                f,
                "the Application stays in deletion: it waits for {} to finish deleting before it deletes anything else (Argo CD deletes wave by wave)",
                describe(object)
            ),
        }
    }
}

/// One failing group/version of API discovery (R-DISC-3).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DiscoveryFailure {
    pub group_version: String,
    /// Kubernetes ≥ 1.27 words it as a stale group/version.
    pub stale: bool,
    /// Why `capture` found it failing, for a group/version with no APIService object in
    /// the snapshot (see `Fleet::capture_records`).
    pub recorded: Option<String>,
}

impl fmt::Display for DiscoveryFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let gv = &self.group_version;
        if let Some(reason) = &self.recorded {
            write!(f, "{gv}: {reason}")
        } else if self.stale {
            write!(f, "{gv}: stale GroupVersion discovery: {gv}")
        } else {
            write!(
                f,
                "{gv}: the server is currently unable to handle the request"
            )
        }
    }
}

/// An object a replacement Application's sync cannot create, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SyncFailure {
    pub cluster: String,
    /// The replacement Application.
    pub application: String,
    pub object: ObjectKey,
    pub refusal: CreateRefusal,
    /// How Argo CD retries the failed sync.
    pub retry: SyncRetry,
}

/// How Argo CD retries a failed automated sync (R-ARGO-5). `autoSync`
/// (`controller/appcontroller.go`) starts the operation with `Retry{Limit: 5}` unless
/// `syncPolicy.retry` replaces it; `processRequestedAppOperation` retries a failed
/// operation after `RetryStrategy.NextRetryAt` (5 s, doubling, at most 3 min by default).
/// Once the operation has failed, `alreadyAttemptedSync` keeps `autoSync` from syncing
/// the same revision again (condition `SyncError`, "Failed last sync attempt"), and
/// self-heal does not either: it follows only a successful sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SyncRetry {
    /// No `syncPolicy.retry`: 5 retries, 5 s to 80 s apart (about 2.5 minutes in all).
    Default,
    /// `syncPolicy.retry.limit` ≥ 0 (`0`, or no `limit`, does not retry).
    Limit(i64),
    /// `syncPolicy.retry.limit` < 0: retried until it succeeds.
    Unlimited(i64),
}

impl SyncRetry {
    /// Read from an Application's `spec.syncPolicy.retry` (absent: the default).
    pub fn of(retry: Option<&serde_json::Value>) -> SyncRetry {
        match retry {
            None | Some(serde_json::Value::Null) => SyncRetry::Default,
            Some(retry) => match retry.get("limit").and_then(serde_json::Value::as_i64) {
                Some(limit) if limit < 0 => SyncRetry::Unlimited(limit),
                limit => SyncRetry::Limit(limit.unwrap_or(0)),
            },
        }
    }

    /// Whether Argo CD stops retrying, so that someone must sync by hand (or push a new
    /// revision) once the cause is gone.
    pub fn gives_up(self) -> bool {
        !matches!(self, SyncRetry::Unlimited(_))
    }
}

impl fmt::Display for SyncRetry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyncRetry::Default => f.write_str(
                "automated sync retries the failed sync 5 times (the default without `syncPolicy.retry`), about 2.5 minutes in all",
            ),
            SyncRetry::Limit(0) => f.write_str("`syncPolicy.retry` sets no retries (limit 0)"),
            SyncRetry::Limit(limit) => write!(
                f,
                "`syncPolicy.retry.limit: {limit}` retries the failed sync {limit} {}",
                if *limit == 1 { "time" } else { "times" }
            ),
            SyncRetry::Unlimited(limit) => write!(
                f,
                "`syncPolicy.retry.limit: {limit}` retries the failed sync until it succeeds"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SyncRetry;
    use serde_json::json;

    /// `controller/appcontroller.go`, `autoSync`: `Retry{Limit: 5}` unless
    /// `syncPolicy.retry` replaces it; `RetryStrategy.Limit` 0 (or absent) means no retry,
    /// a negative limit retries until the sync succeeds.
    #[test]
    fn r_argo_5_sync_retry_follows_the_application_sync_policy() {
        let cases = [
            (None, SyncRetry::Default, true),
            (Some(json!(null)), SyncRetry::Default, true),
            (Some(json!({})), SyncRetry::Limit(0), true),
            (Some(json!({"limit": 3})), SyncRetry::Limit(3), true),
            (Some(json!({"limit": -1})), SyncRetry::Unlimited(-1), false),
        ];
        for (retry, expected, gives_up) in cases {
            let actual = SyncRetry::of(retry.as_ref());
            assert_eq!(actual, expected, "{retry:?}");
            assert_eq!(actual.gives_up(), gives_up, "{retry:?}");
        }
        assert_eq!(
            SyncRetry::Limit(1).to_string(),
            "`syncPolicy.retry.limit: 1` retries the failed sync 1 time"
        );
        assert_eq!(
            SyncRetry::Limit(0).to_string(),
            "`syncPolicy.retry` sets no retries (limit 0)"
        );
    }
}
