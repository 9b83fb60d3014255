//! Who removes a finalizer, and whether that controller still runs once the cascade has
//! settled (k8s rulebook §6, R-FIN-1).
//!
//! Three sources, in order: controllers the user declares (`--controllers FILE`), a table
//! of well-known controllers, and RBAC inference (a workload whose service account may
//! update or patch the object's resource). A controller is alive while its workload
//! exists without a deletion timestamp and its namespace is not terminating (§14.2).

use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use preflight_model::{split_api_version, ObjectKey};

use super::{resource_name, Cluster, State};
use crate::causes::{ControllerEvidence, FinalizerBlocker};

/// A third-party controller declared by the user: the workload that runs it and the
/// finalizers it removes (`*` at the end of a name matches any suffix).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DeclaredController {
    pub workload: ObjectKey,
    pub removes_finalizers: Vec<String>,
    /// Declared as running outside this cluster (`external: true`): its workload is not
    /// expected in the snapshot, and nothing the change deletes can stop it. Without it, a
    /// declared workload the snapshot does not show is taken as not running (§14.2).
    pub external: bool,
}

/// Well-known finalizers of controllers that are not part of Kubernetes, with the
/// workloads (apps group, any namespace) that run them. Argo CD's are removed by the
/// Argo CD instance this tool simulates, which runs even when a destination cluster's
/// snapshot does not show it; for the others a controller the snapshot does not show is
/// taken as absent (the pessimistic reading of §14.2).
const WELL_KNOWN: &[(&str, &[(&str, &str)])] = &[
    (
        "resources-finalizer.argocd.argoproj.io*",
        &[
            ("StatefulSet", "argocd-application-controller"),
            ("Deployment", "argocd-application-controller"),
        ],
    ),
    (
        "pre-delete-finalizer.argocd.argoproj.io*",
        &[
            ("StatefulSet", "argocd-application-controller"),
            ("Deployment", "argocd-application-controller"),
        ],
    ),
    (
        "post-delete-finalizer.argocd.argoproj.io*",
        &[
            ("StatefulSet", "argocd-application-controller"),
            ("Deployment", "argocd-application-controller"),
        ],
    ),
    (
        "finalizer.acme.cert-manager.io",
        &[("Deployment", "cert-manager")],
    ),
    ("finalizer.keda.sh", &[("Deployment", "keda-operator")]),
    ("*.ceph.rook.io", &[("Deployment", "rook-ceph-operator")]),
    ("controller.cattle.io/*", &[("Deployment", "rancher")]),
];

/// Whether `pattern` (exact, `prefix*` or `*suffix`) names `finalizer`.
pub(super) fn finalizer_matches(pattern: &str, finalizer: &str) -> bool {
    if let Some(prefix) = pattern.strip_suffix('*') {
        finalizer.starts_with(prefix)
    } else if let Some(suffix) = pattern.strip_prefix('*') {
        finalizer.ends_with(suffix)
    } else {
        pattern == finalizer
    }
}

/// RBAC grants per service account (namespace, name).
pub(super) type Grants = BTreeMap<(String, String), Vec<Grant>>;

/// Where the controller of a finalizer was found.
pub(super) enum Remover {
    /// Workloads of the snapshot that run it, and how they were found.
    Workloads(Vec<usize>, ControllerEvidence),
    /// Declared `external: true` (or Argo CD's), and its workload is not in this
    /// snapshot: it runs elsewhere, and nothing in the cascade can stop it.
    Outside,
    /// Declared as running in the cluster, but its workload is not in the snapshot.
    DeclaredMissing(Vec<ObjectKey>),
    /// Well known, but its workload is not in the snapshot.
    Missing(&'static [(&'static str, &'static str)]),
    /// Nobody known.
    Unknown,
}

/// One RBAC grant: the verbs on resources of API groups, cluster-wide or in a namespace.
pub(super) struct Grant {
    namespace: Option<String>,
    /// One rule of the bound role, shared by every grant through that role.
    rule: Rc<Rule>,
}

/// One rule of a Role or ClusterRole.
struct Rule {
    groups: Vec<String>,
    resources: Vec<String>,
    verbs: Vec<String>,
}

impl Grant {
    /// Explicitly names `group`/`resource` (wildcards are too broad to infer from) and
    /// allows changing finalizers.
    fn allows_finalizer_update(
        &self,
        group: &str,
        resource: &str,
        namespace: Option<&str>,
    ) -> bool {
        self.allows(group, resource, namespace, &["update", "patch"])
            || self.allows(
                group,
                &format!("{resource}/finalizers"),
                namespace,
                &["update", "patch"],
            )
    }

    /// Grants one of `verbs` (or `*`) on `group`/`resource`, both named explicitly.
    fn allows(&self, group: &str, resource: &str, namespace: Option<&str>, verbs: &[&str]) -> bool {
        let scope = match (&self.namespace, namespace) {
            (None, _) => true,
            (Some(granted), Some(ns)) => granted == ns,
            (Some(_), None) => false,
        };
        let rule = &*self.rule;
        scope
            && rule.groups.iter().any(|g| g == group)
            && rule.resources.iter().any(|r| r == resource)
            && rule
                .verbs
                .iter()
                .any(|v| v == "*" || verbs.contains(&v.as_str()))
    }
}

/// A workload of the snapshot that removes a finalizer from objects of the cluster
/// (`audit`'s "one deletion from a jam": deleting it leaves them undeletable).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FinalizerController {
    pub workload: ObjectKey,
    pub finalizer: String,
    /// How it was found: declared, well known, or inferred from RBAC.
    pub how: ControllerEvidence,
    /// The objects carrying the finalizer, sorted.
    pub objects: Vec<ObjectKey>,
}

impl Cluster<'_> {
    /// Every workload that removes a finalizer of a third-party controller from objects
    /// not yet in deletion, per (workload, finalizer), sorted. Kubernetes' own finalizers
    /// and Argo CD's (removed by the Argo CD this tool simulates) are left out.
    pub(super) fn finalizer_controllers(&self) -> Vec<FinalizerController> {
        let mut found: BTreeMap<(usize, String), (ControllerEvidence, Vec<ObjectKey>)> =
            BTreeMap::new();
        for i in 0..self.len() {
            if self.state[i] != State::Present {
                continue;
            }
            for finalizer in &self.finalizers[i] {
                let builtin = finalizer == "kubernetes"
                    || !finalizer.contains('/') && !finalizer.contains('.')
                    || finalizer.starts_with("kubernetes.io/")
                    || finalizer == "customresourcecleanup.apiextensions.k8s.io"
                    || finalizer.contains("kubernetes.io")
                    || finalizer.contains("argocd.argoproj.io");
                if builtin {
                    continue;
                }
                if let Remover::Workloads(workloads, how) = self.remover(i, finalizer) {
                    for workload in workloads {
                        found
                            .entry((workload, finalizer.clone()))
                            .or_insert((how, Vec::new()))
                            .1
                            .push(self.key(i).clone());
                    }
                }
            }
        }
        let mut controllers: Vec<FinalizerController> = found
            .into_iter()
            .map(|((workload, finalizer), (how, mut objects))| {
                objects.sort();
                FinalizerController {
                    workload: self.key(workload).clone(),
                    finalizer,
                    how,
                    objects,
                }
            })
            .collect();
        controllers.sort();
        controllers
    }

    /// The controller that removes `finalizer` from object `i`.
    pub(super) fn remover(&self, i: usize, finalizer: &str) -> Remover {
        let declared: Vec<&DeclaredController> = self
            .declared
            .iter()
            .filter(|d| {
                d.removes_finalizers
                    .iter()
                    .any(|p| finalizer_matches(p, finalizer))
            })
            .collect();
        if !declared.is_empty() {
            let found: Vec<usize> = declared
                .iter()
                .filter_map(|d| self.position(&d.workload))
                .collect();
            return if !found.is_empty() {
                Remover::Workloads(found, ControllerEvidence::Declared)
            } else if declared.iter().any(|d| d.external) {
                Remover::Outside
            } else {
                Remover::DeclaredMissing(declared.iter().map(|d| d.workload.clone()).collect())
            };
        }
        if let Some((_, workloads)) = WELL_KNOWN
            .iter()
            .find(|(pattern, _)| finalizer_matches(pattern, finalizer))
        {
            let found: Vec<usize> = self
                .workloads
                .iter()
                .copied()
                .filter(|&w| {
                    workloads
                        .iter()
                        .any(|(kind, name)| self.key(w).kind == *kind && self.key(w).name == *name)
                })
                .collect();
            return match (found.is_empty(), finalizer.contains("argocd.argoproj.io")) {
                (false, _) => Remover::Workloads(found, ControllerEvidence::WellKnown),
                (true, true) => Remover::Outside,
                (true, false) => Remover::Missing(workloads),
            };
        }
        let inferred = self.rbac_controllers(i);
        if inferred.is_empty() {
            Remover::Unknown
        } else {
            Remover::Workloads(inferred, ControllerEvidence::Rbac)
        }
    }

    /// Whether a controller workload runs once the cascade settles.
    pub(super) fn workload_alive(&self, workload: usize) -> bool {
        self.state[workload] == State::Present && !self.namespace_terminating(workload)
    }

    /// Why `finalizer` stays on object `i` because of its controller, if it does.
    pub(super) fn controller_blocker(&self, i: usize, finalizer: &str) -> Option<FinalizerBlocker> {
        match self.remover(i, finalizer) {
            Remover::Outside => None,
            Remover::Missing(workloads) => Some(FinalizerBlocker::ControllerNotRunning(
                workloads
                    .iter()
                    .map(|(kind, name)| (kind.to_string(), name.to_string()))
                    .collect(),
            )),
            Remover::DeclaredMissing(workloads) => {
                Some(FinalizerBlocker::DeclaredControllerAbsent(workloads))
            }
            Remover::Unknown => Some(FinalizerBlocker::NoKnownController),
            Remover::Workloads(workloads, how) => {
                if workloads.iter().any(|&w| self.workload_alive(w)) {
                    return None;
                }
                Some(FinalizerBlocker::ControllerDeleted {
                    workloads: workloads.iter().map(|&w| self.key(w).clone()).collect(),
                    how,
                })
            }
        }
    }

    /// Workloads whose service account is granted update or patch, by name, on the
    /// resource of object `i` (Role/ClusterRole through RoleBinding/ClusterRoleBinding).
    fn rbac_controllers(&self, i: usize) -> Vec<usize> {
        let group = self.key(i).group.clone();
        let resource = self.plural_of(i);
        let namespace = self.key(i).namespace.clone();
        self.workloads_granted(|g| {
            g.allows_finalizer_update(&group, &resource, namespace.as_deref())
        })
    }

    /// Workloads whose service account may `delete` cluster-scoped `persistentvolumes`:
    /// the provisioners that reclaim volumes (R-VOL-3).
    pub(super) fn volume_provisioners(&self) -> &[usize] {
        self.volume_provisioners.get_or_init(|| {
            self.workloads_granted(|g| g.allows("", "persistentvolumes", None, &["delete"]))
        })
    }

    /// Workloads (Deployments, StatefulSets, DaemonSets) whose service account holds a
    /// grant `wanted` accepts.
    fn workloads_granted(&self, wanted: impl Fn(&Grant) -> bool) -> Vec<usize> {
        let grants = self.grants.get_or_init(|| self.grants());
        // Only a workload in a namespace where some service account holds such a grant
        // can qualify: the others' service accounts are not read (that parses their
        // spec). Workloads come in key order (kind, then namespace): consecutive ones of a
        // namespace reuse its judgement.
        let mut namespace_granted: Option<(&str, bool)> = None;
        let mut found = Vec::new();
        for &w in &self.workloads {
            let Some(ns) = &self.key(w).namespace else {
                continue;
            };
            let granted = match namespace_granted {
                Some((last, granted)) if last == ns => granted,
                _ => {
                    let granted = grants
                        .range((ns.clone(), String::new())..)
                        .take_while(|((namespace, _), _)| namespace == ns)
                        .any(|(_, grants)| grants.iter().any(&wanted));
                    namespace_granted = Some((ns, granted));
                    granted
                }
            };
            if !granted {
                continue;
            }
            let account = self
                .object(w)
                .str_at(&["spec", "template", "spec", "serviceAccountName"])
                .or_else(|| {
                    self.object(w)
                        .str_at(&["spec", "template", "spec", "serviceAccount"])
                })
                .unwrap_or("default");
            let allowed = grants
                .get(&(ns.clone(), account.to_string()))
                .is_some_and(|grants| grants.iter().any(&wanted));
            if allowed {
                found.push(w);
            }
        }
        found
    }

    /// The plural resource name of object `i`: from its CRD when the snapshot has it.
    pub(super) fn plural_of(&self, i: usize) -> String {
        let key = self.key(i);
        self.crd_of(&key.group, &key.kind)
            .and_then(|crd| self.object(crd).str_at(&["spec", "names", "plural"]))
            .map(str::to_string)
            .unwrap_or_else(|| resource_name(&key.kind))
    }

    /// The CustomResourceDefinition of a group and kind, if the snapshot has it.
    pub(super) fn crd_of(&self, group: &str, kind: &str) -> Option<usize> {
        self.crds
            .get(&(group.to_string(), kind.to_string()))
            .copied()
    }

    /// RBAC grants per service account (namespace, name), read from the bindings and
    /// roles of the snapshot (the cluster caches them in `grants`).
    fn grants(&self) -> Grants {
        let read_rules = |object: usize| -> Vec<Rc<Rule>> {
            self.object(object)
                .value_at(&["rules"])
                .and_then(|r| r.as_array())
                .map(|rules| {
                    rules
                        .iter()
                        .map(|rule| {
                            let list = |field: &str| -> Vec<String> {
                                rule.get(field)
                                    .and_then(|v| v.as_array())
                                    .map(|v| {
                                        v.iter()
                                            .filter_map(|s| s.as_str().map(str::to_string))
                                            .collect()
                                    })
                                    .unwrap_or_default()
                            };
                            Rc::new(Rule {
                                groups: list("apiGroups"),
                                resources: list("resources"),
                                verbs: list("verbs"),
                            })
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        // A role bound many times (a ClusterRole bound in every namespace) is read once.
        let mut rules: HashMap<usize, Vec<Rc<Rule>>> = HashMap::new();
        let role = |kind: &str, namespace: Option<&str>, name: &str| {
            self.position(&ObjectKey::new(
                "rbac.authorization.k8s.io",
                kind,
                namespace,
                name,
            ))
        };
        let mut grants: BTreeMap<(String, String), Vec<Grant>> = BTreeMap::new();
        for b in 0..self.len() {
            let key = self.key(b);
            if key.group != "rbac.authorization.k8s.io"
                || !matches!(key.kind.as_str(), "ClusterRoleBinding" | "RoleBinding")
            {
                continue;
            }
            let binding = self.object(b);
            let role_kind = binding.str_at(&["roleRef", "kind"]).unwrap_or("");
            let role_name = binding.str_at(&["roleRef", "name"]).unwrap_or("");
            let role_object = match role_kind {
                "ClusterRole" => role("ClusterRole", None, role_name),
                "Role" => role("Role", key.namespace.as_deref(), role_name),
                _ => None,
            };
            let Some(role_object) = role_object else {
                continue;
            };
            let scope = if key.kind == "RoleBinding" {
                key.namespace.clone()
            } else {
                None
            };
            let subjects = binding
                .value_at(&["subjects"])
                .and_then(|s| s.as_array())
                .cloned()
                .unwrap_or_default();
            for subject in subjects {
                if subject.get("kind").and_then(|k| k.as_str()) != Some("ServiceAccount") {
                    continue;
                }
                let name = subject.get("name").and_then(|n| n.as_str()).unwrap_or("");
                let namespace = subject
                    .get("namespace")
                    .and_then(|n| n.as_str())
                    .or(key.namespace.as_deref())
                    .unwrap_or("");
                let role_rules = rules
                    .entry(role_object)
                    .or_insert_with(|| read_rules(role_object));
                for rule in role_rules.iter() {
                    grants
                        .entry((namespace.to_string(), name.to_string()))
                        .or_default()
                        .push(Grant {
                            namespace: scope.clone(),
                            rule: Rc::clone(rule),
                        });
                }
            }
        }
        grants
    }
}

/// The group of an `apiVersion`, for declared workloads given as `apiVersion`.
pub fn group_of(api_version: &str) -> &str {
    split_api_version(api_version).0
}
