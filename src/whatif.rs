//! `what-if`: the cascade of hand-made deletions, and the `--controllers` file.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde_json::Value;

use preflight_cluster_snapshot::{ClusterSnapshot, Fleet};
use preflight_model::ObjectKey;
use preflight_simulator::DeclaredController;

/// kubectl's short names for the kinds a what-if is likely to name.
const SHORT_NAMES: &[(&str, &str)] = &[
    ("ns", "namespace"),
    ("po", "pod"),
    ("svc", "service"),
    ("deploy", "deployment"),
    ("rs", "replicaset"),
    ("ds", "daemonset"),
    ("sts", "statefulset"),
    ("cm", "configmap"),
    ("sa", "serviceaccount"),
    ("pvc", "persistentvolumeclaim"),
    ("pv", "persistentvolume"),
    ("crd", "customresourcedefinition"),
    ("crds", "customresourcedefinition"),
    ("ep", "endpoints"),
    ("ing", "ingress"),
    ("app", "application"),
    ("apps", "application"),
    ("appset", "applicationset"),
    ("appsets", "applicationset"),
];

/// Kinds every cluster serves, with their group and scope, so that a kind resolves even
/// when the snapshot holds no object of it yet.
const BUILT_IN: &[(&str, &str, bool)] = &[
    ("", "Namespace", false),
    ("", "Pod", true),
    ("", "Service", true),
    ("", "ConfigMap", true),
    ("", "Secret", true),
    ("", "ServiceAccount", true),
    ("", "PersistentVolumeClaim", true),
    ("", "PersistentVolume", false),
    ("apps", "Deployment", true),
    ("apps", "StatefulSet", true),
    ("apps", "DaemonSet", true),
    ("apps", "ReplicaSet", true),
    ("apiregistration.k8s.io", "APIService", false),
    ("apiextensions.k8s.io", "CustomResourceDefinition", false),
    (
        "admissionregistration.k8s.io",
        "ValidatingWebhookConfiguration",
        false,
    ),
    (
        "admissionregistration.k8s.io",
        "MutatingWebhookConfiguration",
        false,
    ),
    ("argoproj.io", "Application", true),
    ("argoproj.io", "ApplicationSet", true),
];

/// A group and kind the cluster knows, with its plural name and scope.
struct KnownKind {
    group: String,
    kind: String,
    plural: String,
    namespaced: bool,
}

fn known_kinds(snapshot: &ClusterSnapshot) -> Vec<KnownKind> {
    let mut seen = BTreeSet::new();
    let mut kinds = Vec::new();
    let mut add = |group: &str, kind: &str, plural: String, namespaced: bool| {
        if seen.insert((group.to_string(), kind.to_string())) {
            kinds.push(KnownKind {
                group: group.to_string(),
                kind: kind.to_string(),
                plural,
                namespaced,
            });
        }
    };
    for object in snapshot.objects() {
        if object.group() == "apiextensions.k8s.io" && object.kind() == "CustomResourceDefinition" {
            let text = |path: &[&str]| object.str_at(path).unwrap_or("").to_string();
            add(
                &text(&["spec", "group"]),
                &text(&["spec", "names", "kind"]),
                text(&["spec", "names", "plural"]),
                text(&["spec", "scope"]) != "Cluster",
            );
        }
    }
    for object in snapshot.objects() {
        add(
            object.group(),
            object.kind(),
            preflight_simulator::cascade::resource_name(object.kind()),
            object.namespace().is_some(),
        );
    }
    for (group, kind, namespaced) in BUILT_IN {
        add(
            group,
            kind,
            preflight_simulator::cascade::resource_name(kind),
            *namespaced,
        );
    }
    kinds
}

/// Resolves `KIND/NAME` or `KIND/NAMESPACE/NAME` (KIND as kubectl accepts it: kind,
/// plural or short name, optionally `.group`) against what the cluster knows.
pub fn resolve(
    snapshot: &ClusterSnapshot,
    reference: &str,
    default_namespace: Option<&str>,
) -> Result<ObjectKey> {
    let parts: Vec<&str> = reference.split('/').collect();
    let (kind_text, namespace, name) = match parts.as_slice() {
        [kind, name] => (*kind, None, *name),
        [kind, namespace, name] => (*kind, Some(*namespace), *name),
        _ => bail!("`--delete {reference}`: expected `KIND/NAME` or `KIND/NAMESPACE/NAME`"),
    };
    if name.is_empty() || kind_text.is_empty() {
        bail!("`--delete {reference}`: expected `KIND/NAME` or `KIND/NAMESPACE/NAME`");
    }
    let lower = kind_text.to_ascii_lowercase();
    let (kind_name, group) = match lower.split_once('.') {
        Some((kind, group)) => (kind.to_string(), Some(group.to_string())),
        None => (lower.clone(), None),
    };
    let kind_name = SHORT_NAMES
        .iter()
        .find(|(short, _)| *short == kind_name)
        .map(|(_, long)| long.to_string())
        .unwrap_or(kind_name);
    let kinds = known_kinds(snapshot);
    let matches: Vec<&KnownKind> = kinds
        .iter()
        .filter(|k| k.kind.to_ascii_lowercase() == kind_name || k.plural == kind_name)
        .filter(|k| group.as_ref().is_none_or(|g| *g == k.group))
        .collect();
    let chosen = match matches.as_slice() {
        [] => bail!(
            "`--delete {reference}`: the cluster `{}` knows no kind `{kind_text}`",
            snapshot.name
        ),
        [one] => *one,
        several => match several.iter().find(|k| k.group.is_empty()) {
            // kubectl prefers the core group when a name is ambiguous.
            Some(core) => *core,
            None => bail!(
                "`--delete {reference}`: `{kind_text}` is ambiguous, name the group: {}",
                several
                    .iter()
                    .map(|k| format!("`{}.{}`", k.kind.to_ascii_lowercase(), k.group))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
    };
    let namespace = if chosen.namespaced {
        Some(namespace.or(default_namespace).unwrap_or("default"))
    } else {
        if namespace.is_some() {
            bail!(
                "`--delete {reference}`: {} is cluster-scoped and takes no namespace",
                chosen.kind
            );
        }
        None
    };
    let key = ObjectKey::new(&chosen.group, &chosen.kind, namespace, name);
    if snapshot.get(&key).is_none() {
        bail!(
            "`--delete {reference}`: the snapshot of cluster `{}` has no {key}",
            snapshot.name
        );
    }
    Ok(key)
}

/// The cluster a what-if runs on.
pub fn cluster<'f>(fleet: &'f Fleet, name: &str) -> Result<&'f ClusterSnapshot> {
    fleet.clusters.get(name).with_context(|| {
        format!(
            "the snapshot has no cluster `{name}`; it has {}",
            fleet
                .cluster_names()
                .into_iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

/// Reads a `--controllers` file: a YAML list of
/// `{workload: {apiVersion, kind, namespace, name}, removesFinalizers: [...], serves: [...],
/// external: bool}`. Unknown fields are refused, so that a misspelt `external` does not
/// silently turn a controller running elsewhere into a dead one.
pub fn load_controllers(path: &Path) -> Result<Vec<DeclaredController>> {
    let text = preflight_cluster_snapshot::read_text_file(
        path,
        preflight_cluster_snapshot::FileLimit::MANIFEST,
    )?;
    let value: Value = serde_saphyr::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{}: invalid YAML: {e}", path.display()))?;
    let Some(entries) = value.as_array() else {
        bail!("{}: expected a list of controllers", path.display());
    };
    let mut controllers = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        let at = |field: &str| {
            format!(
                "{}: controller {}: field `{field}`",
                path.display(),
                index + 1
            )
        };
        let Some(fields) = entry.as_object() else {
            bail!(
                "{}: controller {}: expected a mapping with `workload`",
                path.display(),
                index + 1
            );
        };
        if let Some(unknown) = fields.keys().find(|k| {
            !matches!(
                k.as_str(),
                "workload" | "removesFinalizers" | "serves" | "external"
            )
        }) {
            bail!(
                "{}: unknown field (expected `workload`, `removesFinalizers`, `serves` or `external`)",
                at(unknown)
            );
        }
        let external = match entry.get("external") {
            None => false,
            Some(value) => value
                .as_bool()
                .with_context(|| format!("{} must be `true` or `false`", at("external")))?,
        };
        let workload = entry
            .get("workload")
            .with_context(|| format!("{} is missing", at("workload")))?;
        let text = |field: &str| -> Result<String> {
            workload
                .get(field)
                .and_then(Value::as_str)
                .map(str::to_string)
                .with_context(|| format!("{} must be a string", at(&format!("workload.{field}"))))
        };
        let api_version = text("apiVersion")?;
        let kind = text("kind")?;
        let name = text("name")?;
        let namespace = workload.get("namespace").and_then(Value::as_str);
        let removes = match entry.get("removesFinalizers") {
            None => Vec::new(),
            Some(list) => list
                .as_array()
                .with_context(|| format!("{} must be a list of strings", at("removesFinalizers")))?
                .iter()
                .map(|f| {
                    f.as_str().map(str::to_string).with_context(|| {
                        format!("{} must be a list of strings", at("removesFinalizers"))
                    })
                })
                .collect::<Result<Vec<_>>>()?,
        };
        if let Some(serves) = entry.get("serves") {
            for (i, served) in serves
                .as_array()
                .with_context(|| format!("{} must be a list", at("serves")))?
                .iter()
                .enumerate()
            {
                let role = served.get("role").and_then(Value::as_str).unwrap_or("");
                if !matches!(
                    role,
                    "apiservice" | "admission-webhook" | "conversion-webhook"
                ) {
                    bail!(
                        "{}: `{role}` is not one of `apiservice`, `admission-webhook`, `conversion-webhook`",
                        at(&format!("serves[{i}].role"))
                    );
                }
                if !served
                    .get("service")
                    .and_then(Value::as_str)
                    .is_some_and(|s| s.contains('/'))
                {
                    bail!(
                        "{} must be `NAMESPACE/NAME`",
                        at(&format!("serves[{i}].service"))
                    );
                }
            }
        }
        controllers.push(DeclaredController {
            workload: ObjectKey::new(
                preflight_simulator::cascade::group_of(&api_version),
                &kind,
                namespace,
                &name,
            ),
            removes_finalizers: removes,
            external,
        });
    }
    Ok(controllers)
}
