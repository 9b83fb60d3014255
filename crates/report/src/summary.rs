//! What every format says the same way: counts per cluster, the verdict, the grouping of
//! stuck namespaces by why they are stuck, and the deterministic orders of findings and
//! Applications.

use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::fmt::Write as _;

use preflight_outcome::{
    Action, ApplicationChange, Fate, Finding, NamespaceCondition, NamespaceOutcome, Outcome,
    RootCause, Severity,
};

/// The cluster column for an Application whose destination resolves to no snapshot folder
/// and names no server either.
pub(crate) const UNRESOLVED_CLUSTER: &str = "(unresolved)";

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    pub created: usize,
    pub updated: usize,
    /// Every deleted Application, replaced or not.
    pub deleted: usize,
    /// Deleted Applications that a created one takes over from (also counted in
    /// `created` and `deleted`).
    pub replaced: usize,
    pub unchanged: usize,
    pub deleted_objects: usize,
    pub stuck_objects: usize,
    pub deleted_namespaces: usize,
    /// Namespaces whose deletion the change starts and that stay Terminating.
    pub stuck_namespaces: usize,
    /// Namespaces already Terminating before the change that stay so (issue 13): standing
    /// state, not caused by the change.
    pub already_stuck_namespaces: usize,
}

impl Counts {
    fn add_application(&mut self, application: &ApplicationChange) {
        match application.action {
            Action::Create => self.created += 1,
            Action::Update => self.updated += 1,
            Action::Delete => {
                self.deleted += 1;
                if application.replaced_by.is_some() {
                    self.replaced += 1;
                }
            }
            Action::Unchanged => self.unchanged += 1,
        }
    }

    /// `2`, or `0 (+1 already)` when namespaces were already Terminating before the
    /// change: a cluster-table cell that keeps the two apart.
    pub(crate) fn already_stuck_suffix(&self) -> String {
        if self.already_stuck_namespaces > 0 {
            format!(" (+{} already)", self.already_stuck_namespaces)
        } else {
            String::new()
        }
    }

    pub(crate) fn changed_applications(&self) -> usize {
        self.created + self.updated + self.deleted
    }

    /// Nothing happens here beyond unchanged Applications: a row not worth a table line.
    pub(crate) fn is_quiet(&self) -> bool {
        self.changed_applications()
            + self.deleted_objects
            + self.stuck_objects
            + self.deleted_namespaces
            + self.stuck_namespaces
            + self.already_stuck_namespaces
            == 0
    }
}

/// Counts for the whole outcome and per cluster (destination clusters of Applications and
/// clusters with Kubernetes consequences, sorted by name).
pub(crate) struct Tally {
    pub total: Counts,
    pub clusters: BTreeMap<String, Counts>,
    /// Clusters with at least one stuck namespace.
    pub clusters_with_stuck_namespaces: usize,
    /// Clusters with at least one stuck object.
    pub clusters_with_stuck_objects: usize,
}

impl Tally {
    pub(crate) fn of(outcome: &Outcome) -> Tally {
        let mut total = Counts::default();
        let mut clusters: BTreeMap<String, Counts> = BTreeMap::new();
        for application in &outcome.applications {
            total.add_application(application);
            clusters
                .entry(cluster_of(application).to_string())
                .or_default()
                .add_application(application);
        }
        for cluster in &outcome.clusters {
            let mut found = Counts::default();
            // Namespaces are counted as namespaces, not again as objects; a namespace
            // whose deletion never started (a refused DELETE) counts as an object.
            for object in cluster.objects.iter().filter(|object| {
                !is_namespace(&object.kind)
                    || !cluster.namespaces.iter().any(|n| n.name == object.name)
            }) {
                match object.outcome {
                    Fate::Deleted => found.deleted_objects += 1,
                    Fate::Stuck | Fate::Refused => found.stuck_objects += 1,
                }
            }
            for namespace in &cluster.namespaces {
                match namespace.outcome {
                    Fate::Deleted => found.deleted_namespaces += 1,
                    Fate::Stuck | Fate::Refused if namespace.already_terminating => {
                        found.already_stuck_namespaces += 1
                    }
                    Fate::Stuck | Fate::Refused => found.stuck_namespaces += 1,
                }
            }
            for counts in [
                &mut total,
                clusters.entry(cluster.name.clone()).or_default(),
            ] {
                counts.deleted_objects += found.deleted_objects;
                counts.stuck_objects += found.stuck_objects;
                counts.deleted_namespaces += found.deleted_namespaces;
                counts.stuck_namespaces += found.stuck_namespaces;
                counts.already_stuck_namespaces += found.already_stuck_namespaces;
            }
        }
        let clusters_with_stuck_namespaces = clusters
            .values()
            .filter(|counts| counts.stuck_namespaces > 0)
            .count();
        let clusters_with_stuck_objects = clusters
            .values()
            .filter(|counts| counts.stuck_objects > 0)
            .count();
        Tally {
            total,
            clusters,
            clusters_with_stuck_namespaces,
            clusters_with_stuck_objects,
        }
    }
}

/// Namespaces have their own counts and sections; listing them again among objects adds
/// nothing.
pub(crate) fn is_namespace(kind: &str) -> bool {
    kind == "Namespace"
}

/// The cluster an Application deploys to, as the reports name it.
pub(crate) fn cluster_of(application: &ApplicationChange) -> &str {
    let destination = &application.destination;
    destination
        .cluster
        .as_deref()
        .or(destination.server.as_deref())
        .unwrap_or(UNRESOLVED_CLUSTER)
}

/// `cluster/namespace` of an Application's destination.
pub(crate) fn destination_label(application: &ApplicationChange) -> String {
    match application.destination.namespace.as_deref() {
        Some(namespace) if !namespace.is_empty() => {
            format!("{}/{}", cluster_of(application), namespace)
        }
        _ => cluster_of(application).to_string(),
    }
}

/// How bad the outcome is, as the first word of every format says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    Ok,
    /// Nothing at or above warning, but something could not be evaluated.
    Incomplete,
    Finding(Severity),
}

impl Level {
    pub(crate) fn label(self) -> &'static str {
        match self {
            Level::Ok => "OK",
            Level::Incomplete => "INCOMPLETE",
            Level::Finding(Severity::Critical) => "CRITICAL",
            Level::Finding(Severity::High) => "HIGH",
            Level::Finding(Severity::Warning) => "WARNING",
            Level::Finding(Severity::Info) => "INFO",
        }
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Level::Ok => "ok",
            Level::Incomplete => "incomplete",
            Level::Finding(severity) => severity.as_str(),
        }
    }
}

/// Argo CD's Applications, as the plan reports the deleted ones.
const APPLICATION_API_VERSION: &str = "argoproj.io/v1alpha1";

/// Per cluster, how many of its stuck objects are Argo CD Applications that stay in
/// deletion: what explains the stuck objects of the Argo CD cluster's row.
pub(crate) fn stuck_applications(outcome: &Outcome) -> Vec<(&str, usize)> {
    outcome
        .clusters
        .iter()
        .map(|cluster| {
            let count = cluster
                .objects
                .iter()
                .filter(|object| {
                    object.kind == "Application"
                        && object.api_version == APPLICATION_API_VERSION
                        && object.outcome.remains()
                })
                .count();
            (cluster.name.as_str(), count)
        })
        .filter(|(_, count)| *count > 0)
        .collect()
}

/// `in-cluster: 9 stuck Argo CD Applications stay in deletion until …`
pub(crate) fn stuck_applications_line(cluster: &str, count: usize) -> String {
    let (noun, verb, pronoun, deletes) = if count == 1 {
        ("Application", "stays", "it", "deletes")
    } else {
        ("Applications", "stay", "they", "delete")
    };
    format!(
        "{cluster}: {count} stuck Argo CD {noun} {verb} in deletion until the resources {pronoun} {deletes} are gone"
    )
}

pub(crate) struct Verdict {
    pub level: Level,
    pub headline: String,
}

impl Verdict {
    pub(crate) fn of(outcome: &Outcome, tally: &Tally) -> Verdict {
        let findings = sorted_findings(outcome);
        let worst = findings
            .first()
            .map(|finding| finding.severity)
            .filter(|severity| *severity >= Severity::Warning);
        let total = &tally.total;
        // A renderer never calls an outcome with something stuck "OK", even when the
        // simulator raised no finding for it.
        let level = match worst {
            Some(severity) => Level::Finding(severity),
            None if total.stuck_namespaces + total.stuck_objects > 0 => {
                Level::Finding(Severity::Warning)
            }
            None if !outcome.errors.is_empty() => Level::Incomplete,
            None => Level::Ok,
        };
        // An audit counts what is stuck already, which its findings tell with the cause:
        // its headline is its first finding.
        let mut headline = if !outcome.audit && total.stuck_namespaces > 0 {
            format!(
                "{} will stay Terminating on {}",
                plural(total.stuck_namespaces, "namespace"),
                plural(tally.clusters_with_stuck_namespaces, "cluster")
            )
        } else if !outcome.audit && total.stuck_objects > 0 {
            format!(
                "{} will stay stuck on {}",
                plural(total.stuck_objects, "object"),
                plural(tally.clusters_with_stuck_objects, "cluster")
            )
        } else if let (Level::Finding(_), Some(first)) = (level, findings.first()) {
            let serious = findings
                .iter()
                .filter(|finding| finding.severity >= Severity::Warning)
                .count();
            if serious > 1 {
                format!(
                    "{} (+{} more)",
                    first.message.trim(),
                    plural(serious - 1, "finding")
                )
            } else {
                first.message.trim().to_string()
            }
        } else if level == Level::Incomplete {
            format!(
                "{}; what they cover is left as it is",
                plural(outcome.errors.len(), "evaluation error")
            )
        } else if outcome.audit {
            "no standing risk found".to_string()
        } else if total.changed_applications() == 0 && total.deleted_objects > 0 {
            // A `what-if` deletes objects without touching Applications.
            format!(
                "{} deleted, nothing gets stuck",
                plural(total.deleted_objects, "object")
            )
        } else if total.changed_applications() == 0 {
            "no Application changes".to_string()
        } else {
            format!(
                "{}, nothing gets stuck",
                plural(total.changed_applications(), "Application change")
            )
        };
        // Name the root cause when the findings know one: what to fix first.
        let mut root_causes: Vec<&RootCause> = Vec::new();
        for cause in findings
            .iter()
            .filter_map(|finding| finding.root_cause.as_ref())
        {
            if !root_causes.contains(&cause) {
                root_causes.push(cause);
            }
        }
        if let Some(first) = root_causes.first() {
            let _ = write!(headline, " because {first}");
            if root_causes.len() > 1 {
                let _ = write!(
                    headline,
                    " (and {} more)",
                    plural(root_causes.len() - 1, "root cause")
                );
            }
        }
        if level != Level::Incomplete && !outcome.errors.is_empty() {
            let _ = write!(
                headline,
                " ({})",
                plural(outcome.errors.len(), "evaluation error")
            );
        }
        Verdict { level, headline }
    }

    /// `CRITICAL: 3 namespaces will stay Terminating on 2 clusters`
    pub(crate) fn line(&self) -> String {
        format!("{}: {}", self.level.label(), self.headline)
    }
}

/// Which cluster folders of the snapshot were read, when some were not:
/// `Snapshot: read 4 of 31 cluster folders; the change deletes nothing in the other 27.`
pub(crate) fn snapshot_line(outcome: &Outcome) -> Option<String> {
    let unread = outcome.clusters_not_read.len();
    if unread == 0 {
        return None;
    }
    let read = outcome.clusters_read.len();
    let total = read + unread;
    let folders = if total == 1 { "folder" } else { "folders" };
    let rest = if unread == 1 {
        "the other one".to_string()
    } else {
        format!("the other {unread}")
    };
    Some(format!(
        "Snapshot: read {read} of {total} cluster {folders}; the change deletes nothing in {rest}."
    ))
}

/// `Applications: 2 created, 0 updated, 2 deleted (2 replaced), 5 unchanged`
pub(crate) fn applications_line(counts: &Counts) -> String {
    let mut line = format!(
        "Applications: {} created, {} updated, {} deleted",
        counts.created, counts.updated, counts.deleted
    );
    if counts.replaced > 0 {
        let _ = write!(line, " ({} replaced)", counts.replaced);
    }
    let _ = write!(line, ", {} unchanged", counts.unchanged);
    line
}

/// `1 namespace`, `3 namespaces`.
pub(crate) fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// Findings most severe first. Within a severity the simulator's order is kept (a
/// stable sort): it puts the findings a reviewer must read first (stuck namespaces before
/// their consequences) ahead, and it is itself sorted, so the output stays deterministic.
pub(crate) fn sorted_findings(outcome: &Outcome) -> Vec<&Finding> {
    let mut findings: Vec<&Finding> = outcome.findings.iter().collect();
    findings.sort_by_key(|finding| Reverse(finding.severity));
    findings
}

/// The name of a group of Applications: their ApplicationSet, or `None` for plain ones.
pub(crate) type GroupKey<'a> = Option<&'a str>;

/// Applications grouped by ApplicationSet, sorted by name, plain Applications last. Within
/// a group, deletions come first (they do the damage), then creations, updates and
/// unchanged ones, each by namespace and name.
pub(crate) fn applications_by_set(
    outcome: &Outcome,
) -> Vec<(GroupKey<'_>, Vec<&ApplicationChange>)> {
    let mut groups: BTreeMap<(bool, GroupKey<'_>), Vec<&ApplicationChange>> = BTreeMap::new();
    for application in &outcome.applications {
        let set = application.application_set.as_deref();
        groups
            .entry((set.is_none(), set))
            .or_default()
            .push(application);
    }
    groups
        .into_iter()
        .map(|((_, set), mut applications)| {
            applications.sort_by(|a, b| {
                (action_rank(a.action), &a.namespace, &a.name).cmp(&(
                    action_rank(b.action),
                    &b.namespace,
                    &b.name,
                ))
            });
            (set, applications)
        })
        .collect()
}

fn action_rank(action: Action) -> u8 {
    match action {
        Action::Delete => 0,
        Action::Create => 1,
        Action::Update => 2,
        Action::Unchanged => 3,
    }
}

/// Whether an Application is listed by name: a change, or an unchanged one with a note
/// that explains it (a suppressed delete, for instance). The rest are only counted.
fn worth_listing(application: &ApplicationChange) -> bool {
    application.action != Action::Unchanged
        || !application.notes.is_empty()
        || application.progressive.is_some()
        || application.rolling_step.is_some()
}

/// A group of [`applications_by_set`] with at least one Application worth listing.
pub(crate) struct ListedGroup<'a> {
    pub key: GroupKey<'a>,
    /// Every Application of the group, in the group's order.
    pub applications: Vec<&'a ApplicationChange>,
    /// Those listed by name; the rest are only counted.
    pub listed: Vec<&'a ApplicationChange>,
}

/// [`applications_by_set`], split into the groups with something worth listing and the
/// quiet rest: the names of the ApplicationSets whose Applications are all unchanged, and
/// how many plain Applications are.
pub(crate) struct ApplicationGroups<'a> {
    pub listed: Vec<ListedGroup<'a>>,
    pub quiet_sets: Vec<&'a str>,
    pub quiet_plain: usize,
}

impl ApplicationGroups<'_> {
    pub(crate) fn of(outcome: &Outcome) -> ApplicationGroups<'_> {
        let mut groups = ApplicationGroups {
            listed: Vec::new(),
            quiet_sets: Vec::new(),
            quiet_plain: 0,
        };
        for (key, applications) in applications_by_set(outcome) {
            let listed: Vec<&ApplicationChange> = applications
                .iter()
                .copied()
                .filter(|application| worth_listing(application))
                .collect();
            if !listed.is_empty() {
                groups.listed.push(ListedGroup {
                    key,
                    applications,
                    listed,
                });
                continue;
            }
            match key {
                Some(name) => groups.quiet_sets.push(name),
                None => groups.quiet_plain = applications.len(),
            }
        }
        groups
    }

    /// `ApplicationSets a, b; 2 Applications without an ApplicationSet`, each name written
    /// by `name`; `None` when nothing is quiet.
    pub(crate) fn unchanged_phrase(&self, name: impl Fn(&str) -> String) -> Option<String> {
        let sets: Vec<String> = self.quiet_sets.iter().map(|set| name(set)).collect();
        unchanged_phrase(&sets, self.quiet_plain)
    }
}

/// `ApplicationSets a, b; 2 Applications without an ApplicationSet`, from names already
/// formatted for the output.
fn unchanged_phrase(sets: &[String], plain: usize) -> Option<String> {
    let mut parts = Vec::new();
    match sets {
        [] => {}
        [set] => parts.push(format!("ApplicationSet {set}")),
        sets => parts.push(format!("ApplicationSets {}", sets.join(", "))),
    }
    if plain > 0 {
        parts.push(format!(
            "{} without an ApplicationSet",
            plural(plain, "Application")
        ));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// Counts of one group of Applications.
pub(crate) fn counts_of(applications: &[&ApplicationChange]) -> Counts {
    let mut counts = Counts::default();
    for application in applications {
        counts.add_application(application);
    }
    counts
}

/// `1 created, 2 deleted (2 replaced)`, leaving out zeros; `unchanged` when nothing
/// changes.
pub(crate) fn group_counts_phrase(counts: &Counts) -> String {
    let mut parts = Vec::new();
    if counts.created > 0 {
        parts.push(format!("{} created", counts.created));
    }
    if counts.updated > 0 {
        parts.push(format!("{} updated", counts.updated));
    }
    if counts.deleted > 0 {
        let mut deleted = format!("{} deleted", counts.deleted);
        if counts.replaced > 0 {
            let _ = write!(deleted, " ({} replaced)", counts.replaced);
        }
        parts.push(deleted);
    }
    if counts.unchanged > 0 {
        parts.push(format!("{} unchanged", counts.unchanged));
    }
    if parts.is_empty() {
        "no Applications".to_string()
    } else {
        parts.join(", ")
    }
}

/// The conditions the namespace controller reports as `True`: why a namespace is stuck.
pub(crate) fn true_conditions(namespace: &NamespaceOutcome) -> Vec<&NamespaceCondition> {
    namespace
        .conditions
        .iter()
        .filter(|condition| condition.status == "True")
        .collect()
}

/// Stuck namespaces that are stuck for the same reasons, across clusters.
pub(crate) struct StuckGroup<'a> {
    /// `(type, reason)` of each `True` condition, sorted; empty when none is reported.
    pub causes: Vec<(&'a str, &'a str)>,
    /// The messages of the first member's `True` conditions.
    pub messages: Vec<&'a str>,
    /// True when every member reports the same messages.
    pub same_messages: bool,
    /// `(cluster, namespace)`, sorted.
    pub members: Vec<(&'a str, &'a str)>,
}

/// Stuck namespaces grouped by the `True` conditions that hold them, largest group first.
pub(crate) fn stuck_groups(outcome: &Outcome) -> Vec<StuckGroup<'_>> {
    let mut groups: BTreeMap<Vec<(&str, &str)>, StuckGroup<'_>> = BTreeMap::new();
    for cluster in &outcome.clusters {
        for namespace in &cluster.namespaces {
            if namespace.outcome != Fate::Stuck {
                continue;
            }
            let conditions = true_conditions(namespace);
            let mut causes: Vec<(&str, &str)> = conditions
                .iter()
                .map(|condition| (condition.type_.as_str(), condition.reason.as_str()))
                .collect();
            causes.sort_unstable();
            let messages: Vec<&str> = conditions
                .iter()
                .map(|condition| condition.message.as_str())
                .collect();
            let group = groups.entry(causes.clone()).or_insert_with(|| StuckGroup {
                causes,
                messages: messages.clone(),
                same_messages: true,
                members: Vec::new(),
            });
            if group.messages != messages {
                group.same_messages = false;
            }
            group
                .members
                .push((cluster.name.as_str(), namespace.name.as_str()));
        }
    }
    let mut groups: Vec<StuckGroup<'_>> = groups.into_values().collect();
    for group in &mut groups {
        group.members.sort_unstable();
    }
    // Stable sort: equal sizes keep the order of their causes.
    groups.sort_by_key(|group| Reverse(group.members.len()));
    groups
}

impl StuckGroup<'_> {
    pub(crate) fn cluster_count(&self) -> usize {
        let mut clusters: Vec<&str> = self.members.iter().map(|(cluster, _)| *cluster).collect();
        clusters.dedup();
        clusters.len()
    }

    /// Members by cluster, in cluster order.
    pub(crate) fn by_cluster(&self) -> BTreeMap<&str, Vec<&str>> {
        let mut by_cluster: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (cluster, namespace) in &self.members {
            by_cluster.entry(cluster).or_default().push(namespace);
        }
        by_cluster
    }
}
