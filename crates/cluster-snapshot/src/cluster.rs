//! One cluster's objects and the indexes built over them once, at load time.

use std::collections::{BTreeMap, HashMap};

use preflight_model::argocd::TRACKING_ID_ANNOTATION;
use preflight_model::{ArgoSettings, Object, ObjectKey, TrackingId, TrackingMethod};

use crate::error::{LoadError, Source};
use crate::manifests::SourcedObject;
use crate::secrets::strip_secret_values;

/// The objects of one cluster, sorted by [`ObjectKey`], with lookups by key, uid, owner,
/// namespace, kind and Argo CD tracking.
///
/// Every lookup iterates in key order, so anything built from it is deterministic.
#[derive(Debug, Clone)]
pub struct ClusterSnapshot {
    /// The Argo CD name of the cluster (its snapshot folder).
    pub name: String,
    /// Sorted by key; `keys[i]` is the key of `objects[i]`.
    objects: Vec<Object>,
    keys: Vec<ObjectKey>,
    sources: Vec<Source>,
    by_uid: HashMap<String, usize>,
    /// Indexes of the objects that name a uid in `metadata.ownerReferences`, ascending.
    dependents: HashMap<String, Vec<usize>>,
    by_namespace: BTreeMap<String, Vec<usize>>,
    /// Tracked objects by the full application instance name (`app` or `namespace_app`).
    by_instance: BTreeMap<String, Vec<usize>>,
    /// Tracked objects by application name alone (the part after `namespace_`).
    by_application: BTreeMap<String, Vec<usize>>,
}

/// The positions of `keys` in key order. Stable: of two objects with one key, the one
/// loaded first comes first. Sorts positions, not the objects, in two steps that make
/// the usual input cheap: positions are first bucketed by group and kind (a counting
/// sort over the few distinct kinds), then each kind's positions are sorted by
/// namespace and name unless they already are (a kind's `List` comes sorted so).
fn key_order(keys: &[Option<ObjectKey>]) -> Vec<u32> {
    fn kind_of(key: &Option<ObjectKey>) -> (&str, &str) {
        let key = key.as_ref().expect("every key is set");
        (key.group.as_str(), key.kind.as_str())
    }
    // Objects come in runs of one kind (a file per kind group): a key of the kind before
    // it is not hashed again.
    let mut ranks: HashMap<(&str, &str), u32> = HashMap::new();
    let mut previous = None;
    for key in keys {
        let kind = kind_of(key);
        if previous != Some(kind) {
            ranks.entry(kind).or_insert(0);
            previous = Some(kind);
        }
    }
    let mut kinds: Vec<(&str, &str)> = ranks.keys().copied().collect();
    kinds.sort_unstable();
    for (rank, kind) in kinds.iter().enumerate() {
        ranks.insert(*kind, rank as u32);
    }
    let mut previous = None;
    let rank_of: Vec<u32> = keys
        .iter()
        .map(|key| {
            let kind = kind_of(key);
            match previous {
                Some((before, rank)) if before == kind => rank,
                _ => {
                    let rank = ranks[&kind];
                    previous = Some((kind, rank));
                    rank
                }
            }
        })
        .collect();
    let mut starts = vec![0usize; kinds.len() + 1];
    for rank in &rank_of {
        starts[*rank as usize + 1] += 1;
    }
    for at in 1..starts.len() {
        starts[at] += starts[at - 1];
    }
    let mut next = starts.clone();
    let mut order = vec![0u32; keys.len()];
    for (at, rank) in rank_of.iter().enumerate() {
        order[next[*rank as usize]] = at as u32;
        next[*rank as usize] += 1;
    }
    let place = |at: &u32| -> (Option<&str>, &str) {
        let key = keys[*at as usize].as_ref().expect("every key is set");
        (key.namespace.as_deref(), key.name.as_str())
    };
    for bucket in starts.windows(2) {
        let positions = &mut order[bucket[0]..bucket[1]];
        if !positions.is_sorted_by(|a, b| place(a) <= place(b)) {
            positions.sort_by(|a, b| place(a).cmp(&place(b)));
        }
    }
    order
}

impl ClusterSnapshot {
    /// Indexes `objects` for the cluster `name`. Tracking follows `settings` (those of
    /// the Argo CD instance, from `argocd-cm`). Secret values are dropped. Two objects with
    /// the same key are an error naming both sources.
    pub fn new(
        name: impl Into<String>,
        objects: Vec<SourcedObject>,
        settings: &ArgoSettings,
    ) -> Result<ClusterSnapshot, LoadError> {
        let name = name.into();
        let mut objects: Vec<Option<SourcedObject>> = objects
            .into_iter()
            .map(|mut sourced| {
                strip_secret_values(&mut sourced.object);
                Some(sourced)
            })
            .collect();
        let mut keys: Vec<Option<ObjectKey>> = objects
            .iter()
            .map(|sourced| sourced.as_ref().map(|s| s.object.key()))
            .collect();
        let order = key_order(&keys);
        if let Some(pair) = order
            .windows(2)
            .find(|pair| keys[pair[0] as usize] == keys[pair[1] as usize])
        {
            let source = |at: u32| {
                let sourced = objects[at as usize].as_ref().expect("not taken yet");
                Box::new(sourced.source())
            };
            return Err(LoadError::DuplicateObject {
                cluster: name,
                key: Box::new(keys[pair[0] as usize].clone().expect("every key is set")),
                first: source(pair[0]),
                second: source(pair[1]),
            });
        }
        let count = objects.len();
        let entries = order.into_iter().map(|at| {
            let at = at as usize;
            let key = keys[at].take().expect("each position once");
            let sourced = objects[at].take().expect("each position once");
            (key, sourced)
        });

        let mut snapshot = ClusterSnapshot {
            name,
            objects: Vec::with_capacity(count),
            keys: Vec::with_capacity(count),
            sources: Vec::with_capacity(count),
            by_uid: HashMap::new(),
            dependents: HashMap::new(),
            by_namespace: BTreeMap::new(),
            by_instance: BTreeMap::new(),
            by_application: BTreeMap::new(),
        };
        for (index, (key, sourced)) in entries.enumerate() {
            let object = sourced.object;
            if let Some(uid) = object.uid() {
                snapshot.by_uid.entry(uid.to_string()).or_insert(index);
            }
            for uid in object.owner_uids() {
                if uid.is_empty() {
                    continue;
                }
                let dependents = match snapshot.dependents.get_mut(uid) {
                    Some(dependents) => dependents,
                    None => snapshot.dependents.entry(uid.to_string()).or_default(),
                };
                // An object listing one owner twice is still one dependent.
                if dependents.last() != Some(&index) {
                    dependents.push(index);
                }
            }
            if let Some(namespace) = &key.namespace {
                // Most objects share their namespace with the one before: no new key.
                match snapshot.by_namespace.get_mut(namespace) {
                    Some(positions) => positions.push(index),
                    None => {
                        snapshot.by_namespace.insert(namespace.clone(), vec![index]);
                    }
                }
            }
            if let Some(instance) = tracking_instance(&object, &key, settings) {
                let application = instance
                    .split_once('_')
                    .map_or(instance.as_str(), |(_, application)| application);
                match snapshot.by_application.get_mut(application) {
                    Some(positions) => positions.push(index),
                    None => {
                        snapshot
                            .by_application
                            .insert(application.to_string(), vec![index]);
                    }
                }
                snapshot
                    .by_instance
                    .entry(instance)
                    .or_default()
                    .push(index);
            }
            snapshot.objects.push(object);
            snapshot.keys.push(key);
            snapshot
                .sources
                .push(Source::new(&sourced.file, sourced.document, sourced.item));
        }
        Ok(snapshot)
    }

    /// Indexes objects that come from no file (tests, generated objects): each gets the
    /// source `<memory>`, document = its position + 1.
    pub fn from_objects(
        name: impl Into<String>,
        objects: impl IntoIterator<Item = Object>,
        settings: &ArgoSettings,
    ) -> Result<ClusterSnapshot, LoadError> {
        let memory: std::sync::Arc<std::path::Path> = std::path::Path::new("<memory>").into();
        let sourced = objects
            .into_iter()
            .enumerate()
            .map(|(index, object)| SourcedObject {
                object,
                file: std::sync::Arc::clone(&memory),
                document: index + 1,
                item: None,
            })
            .collect();
        ClusterSnapshot::new(name, sourced, settings)
    }

    pub fn len(&self) -> usize {
        self.objects.len()
    }

    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    /// All objects, in [`ObjectKey`] order.
    pub fn objects(&self) -> impl Iterator<Item = &Object> + '_ {
        self.objects.iter()
    }

    pub fn get(&self, key: &ObjectKey) -> Option<&Object> {
        self.position(key).map(|index| &self.objects[index])
    }

    pub fn contains(&self, key: &ObjectKey) -> bool {
        self.position(key).is_some()
    }

    /// Where the object with `key` was read from.
    pub fn source(&self, key: &ObjectKey) -> Option<&Source> {
        self.position(key).map(|index| &self.sources[index])
    }

    pub fn by_uid(&self, uid: &str) -> Option<&Object> {
        self.by_uid.get(uid).map(|index| &self.objects[*index])
    }

    /// The objects that list `uid` in their `metadata.ownerReferences`, in key order.
    pub fn dependents_of(&self, uid: &str) -> impl Iterator<Item = &Object> + '_ {
        self.indexed(self.dependents.get(uid))
    }

    /// The namespaced objects of `namespace`, in key order (the Namespace object itself is
    /// cluster-scoped and not among them).
    pub fn in_namespace(&self, namespace: &str) -> impl Iterator<Item = &Object> + '_ {
        self.indexed(self.by_namespace.get(namespace))
    }

    /// The namespaces that hold at least one object, sorted (whether or not a Namespace
    /// object exists for them).
    pub fn populated_namespaces(&self) -> impl Iterator<Item = &str> + '_ {
        self.by_namespace.keys().map(String::as_str)
    }

    /// The objects of one API group and kind, in key order.
    pub fn of_kind(&self, group: &str, kind: &str) -> &[Object] {
        let start = self
            .keys
            .partition_point(|key| (key.group.as_str(), key.kind.as_str()) < (group, kind));
        let end = start
            + self.keys[start..].partition_point(|key| key.group == group && key.kind == kind);
        &self.objects[start..end]
    }

    /// The objects Argo CD counts as resources of the Application `application`, with the
    /// tracking method of `argocd-cm`, in key order.
    ///
    /// With annotation tracking (also under `annotation+label`), an object counts when its
    /// `argocd.argoproj.io/tracking-id` names the application and describes the object
    /// itself, so a tracking id copied along with an object does not count. With label
    /// tracking, the instance label names the application.
    ///
    /// `application` may be an instance name, `namespace_name`, for an Application outside
    /// the control-plane namespace; a name without `_` matches the Application of that
    /// name in any namespace.
    pub fn tracked_by(&self, application: &str) -> Vec<&Object> {
        let index = if application.contains('_') {
            &self.by_instance
        } else {
            &self.by_application
        };
        self.indexed(index.get(application)).collect()
    }

    /// The application instance names that track at least one object, sorted.
    pub fn tracking_instances(&self) -> impl Iterator<Item = &str> + '_ {
        self.by_instance.keys().map(String::as_str)
    }

    // Positions: the indexes of the objects in key order, for a caller that keeps state
    // per object in vectors (the cascade) and borrows these indexes rather than building
    // its own.

    /// The keys of all objects, in key order: the key of position `i` is `keys()[i]`.
    pub fn keys(&self) -> &[ObjectKey] {
        &self.keys
    }

    /// The object at `position`.
    pub fn at(&self, position: usize) -> &Object {
        &self.objects[position]
    }

    /// The position of the object with `key`.
    pub fn position(&self, key: &ObjectKey) -> Option<usize> {
        self.keys.binary_search(key).ok()
    }

    /// The position of the object with `uid` (the first in key order, should two share
    /// it).
    pub fn position_of_uid(&self, uid: &str) -> Option<usize> {
        self.by_uid.get(uid).copied()
    }

    /// The positions of the objects that list `uid` in their `metadata.ownerReferences`,
    /// ascending.
    pub fn dependent_positions(&self, uid: &str) -> &[usize] {
        self.dependents.get(uid).map_or(&[], Vec::as_slice)
    }

    /// The positions of the namespaced objects of `namespace`, ascending.
    pub fn positions_in_namespace(&self, namespace: &str) -> &[usize] {
        self.by_namespace.get(namespace).map_or(&[], Vec::as_slice)
    }

    fn indexed<'a>(
        &'a self,
        indexes: Option<&'a Vec<usize>>,
    ) -> impl Iterator<Item = &'a Object> + 'a {
        indexes
            .into_iter()
            .flatten()
            .map(move |index| &self.objects[*index])
    }
}

/// The application instance that tracks `object`, if any.
fn tracking_instance(object: &Object, key: &ObjectKey, settings: &ArgoSettings) -> Option<String> {
    match settings.tracking_method {
        TrackingMethod::Annotation | TrackingMethod::AnnotationAndLabel => {
            let id = TrackingId::parse(object.annotation(TRACKING_ID_ANNOTATION)?)?;
            id.matches(key).then_some(id.application)
        }
        TrackingMethod::Label => object
            .label(&settings.instance_label_key)
            .filter(|value| !value.is_empty())
            .map(str::to_string),
    }
}

#[cfg(test)]
mod key_order_tests {
    use super::*;

    fn key(group: &str, kind: &str, namespace: Option<&str>, name: &str) -> Option<ObjectKey> {
        Some(ObjectKey::new(group, kind, namespace, name))
    }

    #[test]
    fn orders_as_a_stable_sort_by_the_whole_key() {
        // Kinds interleaved across files, one kind unsorted, a cluster-scoped kind, and a
        // duplicate key whose first loaded copy must come first.
        let keys = vec![
            key("apps", "Deployment", Some("b"), "x"),
            key("", "Pod", Some("a"), "p2"),
            key("", "Namespace", None, "b"),
            key("", "Pod", Some("a"), "p1"),
            key("apps", "Deployment", Some("a"), "y"),
            key("", "Namespace", None, "a"),
            key("", "Pod", Some("a"), "p1"),
            key("", "ConfigMap", Some("a"), "c"),
        ];
        let mut expected: Vec<u32> = (0..keys.len() as u32).collect();
        expected.sort_by(|&a, &b| keys[a as usize].cmp(&keys[b as usize]));
        assert_eq!(key_order(&keys), expected);
        assert_eq!(key_order(&keys), vec![7, 5, 2, 3, 6, 1, 4, 0]);
        assert!(key_order(&[]).is_empty());
    }
}
