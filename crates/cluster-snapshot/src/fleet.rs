//! A fleet: every cluster of a snapshot, the clusters Argo CD knows, and its settings.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex};

use preflight_model::argocd::{IN_CLUSTER_NAME, IN_CLUSTER_SERVER};
use preflight_model::parallel::run_parallel;
use preflight_model::{ArgoSettings, ClusterInfo, Object};

use crate::ahead::ReadAhead;
use crate::capture_record::{read_capture_record, CaptureRecord};
use crate::cluster::ClusterSnapshot;
use crate::error::LoadError;
use crate::load::{load_snapshot_files, worker_count, Buffers, SnapshotFile};
use crate::manifests::{is_hidden, is_manifest_file, manifest_files, FileLimit, SourcedObject};
use crate::secrets::{cluster_info, is_cluster_secret};
use crate::settings::{is_argocd_cm, read_settings};

/// How to read a snapshot.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// The cluster Argo CD runs in (`--argocd-cluster`); `in-cluster` when `None`. A name
    /// given here must have a folder; the default may be absent (no Argo CD objects).
    pub argocd_cluster: Option<String>,
    /// Which cluster folders to read now; the others can be read later with
    /// [`Fleet::load_clusters`].
    pub clusters: ClusterSelection,
    /// Leaves Argo CD Applications out: `generate` reads the cluster secrets, settings
    /// and custom resources of the Argo CD cluster, never its Applications, which are
    /// most of its bytes.
    pub without_applications: bool,
}

/// The cluster folders [`load_snapshot`] reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ClusterSelection {
    /// Every folder.
    #[default]
    All,
    /// The Argo CD cluster's folder, and these: what a command that knows its clusters
    /// up front needs (`what-if` on one cluster, `generate`).
    ArgoCdAnd(BTreeSet<String>),
}

/// Every cluster of a snapshot, indexed, and what Argo CD knows about them.
#[derive(Debug, Clone)]
pub struct Fleet {
    /// One snapshot per cluster folder, by Argo CD cluster name.
    pub clusters: BTreeMap<String, ClusterSnapshot>,
    /// The name of the cluster Argo CD runs in.
    pub argocd_cluster: String,
    /// The Argo CD cluster secrets of the Argo CD cluster, sorted by name (then server).
    /// All of them, even those `cluster.inClusterEnabled: "false"` hides from Argo CD; the
    /// lookups below apply that setting.
    pub cluster_infos: Vec<ClusterInfo>,
    /// From `argocd-cm` in the Argo CD cluster, or Argo CD's defaults without it.
    pub settings: ArgoSettings,
    /// Kubernetes server version per cluster (`gitVersion`, e.g. `v1.28.3`), from a
    /// `version.json` or `version.yaml` at the root of its folder (what
    /// `kubectl version -o json` writes).
    pub server_versions: BTreeMap<String, String>,
    /// What `capture` recorded of each cluster it captured, from the `capture.json` at the
    /// root of its folder: the state its objects cannot show (the group/versions whose
    /// discovery was already failing). Clusters without the file have no entry.
    pub capture_records: BTreeMap<String, CaptureRecord>,
    /// The cluster folders of the snapshot not read yet, by cluster name.
    pub unread: BTreeMap<String, PathBuf>,
}

/// The cluster Argo CD runs in when no cluster secret declares it.
static IN_CLUSTER: LazyLock<ClusterInfo> = LazyLock::new(|| ClusterInfo {
    name: IN_CLUSTER_NAME.to_string(),
    server: IN_CLUSTER_SERVER.to_string(),
    project: String::new(),
    labels: BTreeMap::new(),
    annotations: BTreeMap::new(),
    secret_name: String::new(),
});

/// Loads a snapshot directory: one folder per cluster, named as Argo CD names the cluster,
/// holding manifest files at any depth (see [`crate::load_manifests`]).
pub fn load_snapshot(path: &Path, options: &LoadOptions) -> Result<Fleet, LoadError> {
    let metadata = fs::metadata(path).map_err(|source| LoadError::ReadFile {
        path: path.to_path_buf(),
        source,
    })?;
    if !metadata.is_dir() && !metadata.is_file() {
        return Err(LoadError::NotARegularFile {
            path: path.to_path_buf(),
        });
    }
    if !metadata.is_dir() {
        return Err(LoadError::SingleFileSnapshot {
            path: path.to_path_buf(),
        });
    }
    let folders = cluster_folders(path)?;
    let argocd_cluster = match &options.argocd_cluster {
        Some(name) if !folders.contains_key(name) => {
            return Err(LoadError::ArgoCdClusterNotFound {
                name: name.clone(),
                snapshot: path.to_path_buf(),
                found: folders.into_keys().collect(),
            })
        }
        Some(name) => name.clone(),
        None => IN_CLUSTER_NAME.to_string(),
    };
    let (read, unread): (BTreeMap<String, PathBuf>, BTreeMap<String, PathBuf>) = folders
        .into_iter()
        .partition(|(name, _)| match &options.clusters {
            ClusterSelection::All => true,
            ClusterSelection::ArgoCdAnd(names) => *name == argocd_cluster || names.contains(name),
        });
    let contents = read_folders(&read, &argocd_cluster, options.without_applications)?;
    let mut fleet = Fleet::from_sourced(contents.objects, &argocd_cluster)?;
    fleet.server_versions = contents.server_versions;
    fleet.capture_records = contents.capture_records;
    fleet.unread = unread;
    Ok(fleet)
}

/// What the cluster folders hold, by cluster name: objects (secret values still in
/// place), server versions and capture records.
struct FolderContents {
    objects: BTreeMap<String, Vec<SourcedObject>>,
    server_versions: BTreeMap<String, String>,
    capture_records: BTreeMap<String, CaptureRecord>,
}

/// Where reading a cluster folder failed. Errors are reported as if every folder were
/// listed first, then every file loaded, then every cluster indexed: the first error of
/// the earliest stage, then of the first cluster by name, whichever thread read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Stage {
    Listing,
    Loading,
    Indexing,
}

/// An error of one cluster folder and the stage it came from.
pub(crate) type StagedError = (Stage, Box<LoadError>);

/// What one cluster folder holds.
pub(crate) struct FolderRead<T> {
    /// Its objects, or its snapshot once indexed.
    pub objects: T,
    pub server_version: Option<String>,
    pub capture_record: Option<CaptureRecord>,
}

/// A cluster folder's manifest files, server version and capture record.
pub(crate) fn list_folder(folder: &Path) -> Result<FolderRead<Vec<PathBuf>>, LoadError> {
    let mut files = manifest_files(folder, FileLimit::SNAPSHOT)?;
    let capture_record = match files.iter().find(|file| is_capture_record(folder, file)) {
        Some(file) => Some(read_capture_record(file)?),
        None => None,
    };
    let version_file = files
        .iter()
        .find(|file| is_version_file(folder, file))
        .cloned();
    files.retain(|file| !is_version_file(folder, file) && !is_capture_record(folder, file));
    let server_version = match version_file {
        Some(file) => Some(read_server_version(&file)?),
        None => None,
    };
    Ok(FolderRead {
        objects: files,
        server_version,
        capture_record,
    })
}

/// Reads the cluster folders, every file of every folder in one batch on up to `workers`
/// threads; each folder's contents or its first error. Nothing is loaded when a folder
/// cannot be listed, since that error comes first.
fn read_each(
    folders: &BTreeMap<String, PathBuf>,
    argocd_cluster: &str,
    without_applications: bool,
    workers: usize,
) -> BTreeMap<String, Result<FolderRead<Vec<SourcedObject>>, StagedError>> {
    let mut listings = BTreeMap::new();
    let mut failed = false;
    for (name, folder) in folders {
        let listing = list_folder(folder).map_err(|error| (Stage::Listing, Box::new(error)));
        failed |= listing.is_err();
        listings.insert(name.clone(), listing);
    }
    let mut files = Vec::new();
    if !failed {
        for (name, listing) in &listings {
            let Ok(listing) = listing else { continue };
            files.extend(listing.objects.iter().map(|path| SnapshotFile {
                path: path.as_path().into(),
                argocd_cluster: name == argocd_cluster,
                without_applications,
            }));
        }
    }
    let mut loaded = load_snapshot_files(&files, workers, &Buffers::default()).into_iter();
    listings
        .into_iter()
        .map(|(name, listing)| {
            let read = listing.and_then(|listing| {
                let results: Vec<_> = loaded.by_ref().take(listing.objects.len()).collect();
                let mut objects = Vec::new();
                // The first failing file of the folder is its error.
                for result in results {
                    objects.extend(result.map_err(|error| (Stage::Loading, Box::new(error)))?);
                }
                Ok(FolderRead {
                    objects,
                    server_version: listing.server_version,
                    capture_record: listing.capture_record,
                })
            });
            (name, read)
        })
        .collect()
}

/// The error to report of the errors of several folders, by cluster name (see
/// [`Stage`]).
fn first_error(errors: Vec<(String, StagedError)>) -> Option<LoadError> {
    errors
        .into_iter()
        .min_by(|(a, (a_stage, _)), (b, (b_stage, _))| (a_stage, a).cmp(&(b_stage, b)))
        .map(|(_, (_, error))| *error)
}

/// Reads the cluster folders, every file of every folder in one batch so that they load
/// in parallel.
fn read_folders(
    folders: &BTreeMap<String, PathBuf>,
    argocd_cluster: &str,
    without_applications: bool,
) -> Result<FolderContents, LoadError> {
    let mut contents = FolderContents {
        objects: BTreeMap::new(),
        server_versions: BTreeMap::new(),
        capture_records: BTreeMap::new(),
    };
    let mut errors = Vec::new();
    let each = read_each(
        folders,
        argocd_cluster,
        without_applications,
        worker_count(),
    );
    for (name, read) in each {
        match read {
            Ok(read) => {
                if let Some(version) = read.server_version {
                    contents.server_versions.insert(name.clone(), version);
                }
                if let Some(record) = read.capture_record {
                    contents.capture_records.insert(name.clone(), record);
                }
                contents.objects.insert(name, read.objects);
            }
            Err(error) => errors.push((name, error)),
        }
    }
    match first_error(errors) {
        Some(error) => Err(error),
        None => Ok(contents),
    }
}

/// The bare cost of reading the snapshot at `path`: its manifest files parsed into
/// nothing, one file per thread (see the README's benchmark), by serde_json or, when
/// `fast_reader`, by the reader the loader reads JSON with. Returns the number of
/// documents read.
pub fn skip_parse(path: &Path, fast_reader: bool) -> Result<usize, LoadError> {
    let mut files = Vec::new();
    for folder in cluster_folders(path)?.values() {
        files.extend(manifest_files(folder, FileLimit::SNAPSHOT)?);
    }
    crate::load::skip_parse_files(&files, fast_reader)
}

/// `version.json` / `version.yaml` directly in a cluster folder holds the server version.
fn is_version_file(folder: &Path, file: &Path) -> bool {
    file.parent() == Some(folder)
        && file
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| matches!(n, "version.json" | "version.yaml" | "version.yml"))
}

/// `capture.json` directly in a cluster folder is the record `argocd-preflight capture`
/// writes beside the objects, not a manifest: it is read as a [`CaptureRecord`].
fn is_capture_record(folder: &Path, file: &Path) -> bool {
    file.parent() == Some(folder) && file.file_name().is_some_and(|name| name == "capture.json")
}

/// The server's `gitVersion` from `kubectl version -o json|yaml` output.
fn read_server_version(file: &Path) -> Result<String, LoadError> {
    let text = fs::read_to_string(file).map_err(|source| LoadError::ReadFile {
        path: file.to_path_buf(),
        source,
    })?;
    let invalid = |message: &str| LoadError::ServerVersion {
        path: file.to_path_buf(),
        message: message.to_string(),
    };
    let documents = crate::parse::parse_documents(file, &text)?;
    let document = documents
        .first()
        .ok_or_else(|| invalid("the file is empty"))?;
    let server = document.get("serverVersion").unwrap_or(document);
    if let Some(version) = server.get("gitVersion").and_then(|v| v.as_str()) {
        return Ok(version.to_string());
    }
    let part = |field: &str| server.get(field).and_then(|v| v.as_str());
    match (part("major"), part("minor")) {
        (Some(major), Some(minor)) => Ok(format!("v{major}.{minor}")),
        _ => Err(invalid(
            "expected `serverVersion.gitVersion` (or `major` and `minor`), as `kubectl version -o json` writes",
        )),
    }
}

fn cluster_folders(snapshot: &Path) -> Result<BTreeMap<String, PathBuf>, LoadError> {
    let read_error = |source| LoadError::ReadDirectory {
        path: snapshot.to_path_buf(),
        source,
    };
    let mut folders = BTreeMap::new();
    let mut entries = Vec::new();
    for entry in fs::read_dir(snapshot).map_err(read_error)? {
        entries.push(entry.map_err(read_error)?.path());
    }
    entries.sort();
    for path in entries {
        if is_hidden(&path) {
            continue;
        }
        if path.is_dir() {
            let Some(name) = path.file_name().and_then(|name| name.to_str()) else {
                return Err(LoadError::ClusterFolderName { path });
            };
            folders.insert(name.to_string(), path.clone());
        } else if is_manifest_file(&path) {
            return Err(LoadError::StrayFile { path });
        }
    }
    Ok(folders)
}

/// Each cluster's snapshot, indexed on all threads; of several errors, the one of the
/// first cluster by name.
fn index_clusters(
    clusters: BTreeMap<String, Vec<SourcedObject>>,
    settings: &ArgoSettings,
) -> Result<BTreeMap<String, ClusterSnapshot>, LoadError> {
    index_each(clusters, settings)
        .into_iter()
        .map(|(name, snapshot)| snapshot.map(|snapshot| (name, snapshot)))
        .collect()
}

/// Each cluster's snapshot or its error, indexed on all threads, by cluster name.
fn index_each(
    clusters: BTreeMap<String, Vec<SourcedObject>>,
    settings: &ArgoSettings,
) -> Vec<(String, Result<ClusterSnapshot, LoadError>)> {
    type Unindexed = Mutex<Option<(String, Vec<SourcedObject>)>>;
    let clusters: Vec<Unindexed> = clusters
        .into_iter()
        .map(|cluster| Mutex::new(Some(cluster)))
        .collect();
    run_parallel(clusters.len(), worker_count(), |index| {
        let (name, objects) = clusters[index]
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .expect("each cluster is indexed once");
        let snapshot = ClusterSnapshot::new(name.clone(), objects, settings);
        (name, snapshot)
    })
}

impl Fleet {
    /// Builds a fleet from the objects of each cluster, secret values still in place:
    /// reads `argocd-cm` and the cluster secrets of `argocd_cluster`, then drops every
    /// secret value and indexes each cluster. [`load_snapshot`] is this over files.
    pub fn from_sourced(
        clusters: BTreeMap<String, Vec<SourcedObject>>,
        argocd_cluster: &str,
    ) -> Result<Fleet, LoadError> {
        let argocd_objects = clusters.get(argocd_cluster).map_or(&[][..], Vec::as_slice);
        let settings = settings_of(argocd_cluster, argocd_objects)?;
        let cluster_infos = cluster_infos_of(argocd_objects)?;
        let snapshots = index_clusters(clusters, &settings)?;
        Ok(Fleet {
            clusters: snapshots,
            argocd_cluster: argocd_cluster.to_string(),
            cluster_infos,
            settings,
            server_versions: BTreeMap::new(),
            capture_records: BTreeMap::new(),
            unread: BTreeMap::new(),
        })
    }

    /// Reads the folders of `names` not read yet (see [`ClusterSelection`]), with the
    /// Argo CD settings already read. Names without a folder are left out: the caller
    /// reports a destination the snapshot lacks.
    pub fn load_clusters<'n>(
        &mut self,
        names: impl IntoIterator<Item = &'n str>,
    ) -> Result<(), LoadError> {
        self.load_clusters_after(names, None)
    }

    /// Starts reading the folders not read yet, one at a time in name order, on one
    /// background thread, while the caller works out which of them it needs: `plan`
    /// plans the Applications on one core first, and the other cores would wait. Hand
    /// it to [`Fleet::load_clusters_read_ahead`] with the names; what it read of folders
    /// not named there is dropped, errors included. It reads nothing more once handed
    /// over or dropped, so it holds at most what one thread reads in that time.
    pub fn read_ahead(&self) -> ReadAhead {
        ReadAhead::start(
            self.unread.clone(),
            self.argocd_cluster.clone(),
            self.settings.clone(),
        )
    }

    /// [`Fleet::load_clusters`], taking the folders `ahead` has read or is reading;
    /// the same objects and the same first error as without it.
    pub fn load_clusters_read_ahead<'n>(
        &mut self,
        names: impl IntoIterator<Item = &'n str>,
        ahead: ReadAhead,
    ) -> Result<(), LoadError> {
        self.load_clusters_after(names, Some(ahead))
    }

    fn load_clusters_after<'n>(
        &mut self,
        names: impl IntoIterator<Item = &'n str>,
        ahead: Option<ReadAhead>,
    ) -> Result<(), LoadError> {
        let wanted: BTreeSet<String> = names
            .into_iter()
            .filter(|name| self.unread.contains_key(*name))
            .map(str::to_string)
            .collect();
        let (mut ahead, taken) = match ahead {
            Some(mut ahead) => {
                let taken = ahead.want(&wanted);
                (Some(ahead), taken)
            }
            None => (None, BTreeSet::new()),
        };
        let folders: BTreeMap<String, PathBuf> = wanted
            .iter()
            .filter_map(|name| self.unread.remove_entry(name))
            .filter(|(name, _)| !taken.contains(name))
            .collect();
        // The folders the read-ahead did not start, on every core meanwhile.
        let mut errors = Vec::new();
        let mut read = BTreeMap::new();
        for (name, result) in read_each(&folders, &self.argocd_cluster, false, worker_count()) {
            match result {
                Ok(folder) => {
                    read.insert(name, folder);
                }
                Err(error) => errors.push((name, error)),
            }
        }
        let mut indexed = BTreeMap::new();
        if errors.is_empty() {
            let objects = read
                .iter_mut()
                .map(|(name, folder)| (name.clone(), std::mem::take(&mut folder.objects)))
                .collect();
            for (name, snapshot) in index_each(objects, &self.settings) {
                match snapshot {
                    Ok(snapshot) => {
                        indexed.insert(name, snapshot);
                    }
                    Err(error) => errors.push((name, (Stage::Indexing, Box::new(error)))),
                }
            }
        }
        let mut more = Vec::new();
        for (name, folder) in read {
            if let Some(snapshot) = indexed.remove(&name) {
                more.push((name, snapshot, folder.server_version, folder.capture_record));
            }
        }
        if let Some(ahead) = ahead.as_mut() {
            for (name, result) in ahead.finish(&taken) {
                match result {
                    Ok(folder) => more.push((
                        name,
                        folder.objects,
                        folder.server_version,
                        folder.capture_record,
                    )),
                    Err(error) => errors.push((name, error)),
                }
            }
        }
        if let Some(error) = first_error(errors) {
            return Err(error);
        }
        for (name, snapshot, version, record) in more {
            if let Some(version) = version {
                self.server_versions.insert(name.clone(), version);
            }
            if let Some(record) = record {
                self.capture_records.insert(name.clone(), record);
            }
            self.clusters.insert(name, snapshot);
        }
        Ok(())
    }

    /// Whether the snapshot has a folder `name` that is not read yet.
    pub fn is_unread(&self, name: &str) -> bool {
        self.unread.contains_key(name)
    }

    /// Every cluster folder of the snapshot, read or not, sorted.
    pub fn cluster_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .clusters
            .keys()
            .chain(self.unread.keys())
            .map(String::as_str)
            .collect();
        names.sort_unstable();
        names
    }

    /// The snapshot of the cluster Argo CD runs in, if the snapshot has it.
    pub fn argocd(&self) -> Option<&ClusterSnapshot> {
        self.clusters.get(&self.argocd_cluster)
    }

    /// The snapshot of a cluster by Argo CD name.
    pub fn cluster(&self, name: &str) -> Option<&ClusterSnapshot> {
        self.clusters.get(name)
    }

    /// The namespace Argo CD runs in, taken from where `argocd-cm` is.
    pub fn argocd_namespace(&self) -> Option<&str> {
        self.argocd()?
            .of_kind("", "ConfigMap")
            .iter()
            .find(|object| is_argocd_cm(object))?
            .namespace()
    }

    /// The cluster an Application destination `server` points at, as Argo CD resolves it
    /// (trailing `/` ignored). `https://kubernetes.default.svc` is `in-cluster` unless a
    /// cluster secret declares it, and nothing when `cluster.inClusterEnabled` is `false`.
    pub fn cluster_for_server(&self, server: &str) -> Option<&ClusterInfo> {
        let server = server.trim_end_matches('/');
        if server == IN_CLUSTER_SERVER && !self.settings.in_cluster_enabled {
            return None;
        }
        // Several secrets may declare one server: any of them is that cluster, so the
        // one with a snapshot folder is the one to simulate.
        let mut matching = self
            .cluster_infos
            .iter()
            .filter(|info| trimmed_server(info) == server);
        let first = matching.clone().next();
        matching
            .find(|info| {
                self.clusters.contains_key(&info.name) || self.unread.contains_key(&info.name)
            })
            .or(first)
            .or_else(|| (server == IN_CLUSTER_SERVER).then(|| &*IN_CLUSTER))
    }

    /// The cluster an Application destination `name` points at, as Argo CD resolves it,
    /// with the same `in-cluster` rule as [`Fleet::cluster_for_server`].
    pub fn cluster_by_name(&self, name: &str) -> Option<ClusterInfo> {
        if name.is_empty() {
            return None;
        }
        let declared = self
            .cluster_infos
            .iter()
            .find(|info| info.name == name && self.is_visible(info));
        match declared {
            Some(info) => Some(info.clone()),
            None if name == IN_CLUSTER_NAME && self.has_implicit_in_cluster() => {
                Some(IN_CLUSTER.clone())
            }
            None => None,
        }
    }

    /// The clusters Argo CD lists (`argocd cluster list`): the visible cluster secrets and
    /// the implicit `in-cluster`, sorted by name.
    pub fn known_clusters(&self) -> Vec<ClusterInfo> {
        let mut known: Vec<ClusterInfo> = self
            .cluster_infos
            .iter()
            .filter(|info| self.is_visible(info))
            .cloned()
            .collect();
        if self.has_implicit_in_cluster() {
            known.push(IN_CLUSTER.clone());
            known.sort();
        }
        known
    }

    /// Argo CD ignores secrets for the in-cluster server when in-cluster is disabled.
    fn is_visible(&self, info: &ClusterInfo) -> bool {
        self.settings.in_cluster_enabled || trimmed_server(info) != IN_CLUSTER_SERVER
    }

    fn has_implicit_in_cluster(&self) -> bool {
        self.settings.in_cluster_enabled
            && !self
                .cluster_infos
                .iter()
                .any(|info| trimmed_server(info) == IN_CLUSTER_SERVER)
    }
}

fn trimmed_server(info: &ClusterInfo) -> &str {
    info.server.trim_end_matches('/')
}

fn settings_of(cluster: &str, objects: &[SourcedObject]) -> Result<ArgoSettings, LoadError> {
    let mut config_maps = objects
        .iter()
        .filter(|sourced| is_argocd_cm(&sourced.object));
    let Some(first) = config_maps.next() else {
        return Ok(ArgoSettings::default());
    };
    if let Some(second) = config_maps.next() {
        return Err(LoadError::SeveralArgoCdConfigMaps {
            cluster: cluster.to_string(),
            first: Box::new(first.source()),
            second: Box::new(second.source()),
        });
    }
    read_settings(&first.object, &first.source())
}

fn cluster_infos_of(objects: &[SourcedObject]) -> Result<Vec<ClusterInfo>, LoadError> {
    let mut infos = Vec::new();
    for sourced in objects {
        if !is_cluster_secret(&sourced.object) {
            continue;
        }
        let info =
            cluster_info(&sourced.object).map_err(|problem| LoadError::DecodeClusterSecret {
                at: sourced.source(),
                secret: secret_id(&sourced.object),
                problem,
            })?;
        infos.push((info, secret_id(&sourced.object)));
    }
    infos.sort();
    // Two secrets for one server, or for one name, load: the cluster generator keys
    // secrets by name (`applicationset/generators/cluster.go`, `getSecretsByClusterName`)
    // and yields one parameter set per name, and a destination by server resolves to
    // that server whichever secret the informer returns (`util/settings/cluster_informer.go`,
    // `GetClusterByURL`). See [`Fleet::duplicate_cluster_names`] for one name.
    Ok(infos.into_iter().map(|(info, _)| info).collect())
}

/// Two cluster secrets that declare the same cluster `name`. Argo CD does not refuse
/// them: `getSecretsByClusterName` (`applicationset/generators/cluster.go`) fills a map
/// by name from the secrets its informer cache lists, so the one listed last wins, and
/// that cache lists in no specified order (client-go's thread-safe store iterates a Go
/// map). The prediction keeps `kept`, the last in the loader's sorted order; a
/// destination that names the cluster is refused as ambiguous by Argo CD's validation
/// (`util/argo/argo.go`, `GetDestinationServer`: "there are N clusters with the same
/// name").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateClusterName {
    pub name: String,
    /// The secret this prediction keeps, and its server.
    pub kept: (String, String),
    /// The secret it drops, and its server.
    pub dropped: (String, String),
}

impl std::fmt::Display for DuplicateClusterName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cluster secrets `{}` (server `{}`) and `{}` (server `{}`) both declare the cluster name `{}`: Argo CD's cluster generator keeps one of them, whichever its cache lists last, which is not specified; this prediction keeps `{}`, and Argo CD refuses any Application whose destination names `{}` as ambiguous",
            self.dropped.0, self.dropped.1, self.kept.0, self.kept.1, self.name, self.kept.0, self.name
        )
    }
}

impl Fleet {
    /// Every pair of cluster secrets that share a cluster name, by name.
    pub fn duplicate_cluster_names(&self) -> Vec<DuplicateClusterName> {
        let mut by_name: BTreeMap<&str, Vec<&ClusterInfo>> = BTreeMap::new();
        for info in &self.cluster_infos {
            if !info.name.is_empty() {
                by_name.entry(info.name.as_str()).or_default().push(info);
            }
        }
        let mut out = Vec::new();
        for (name, infos) in by_name {
            let Some((kept, dropped)) = infos.split_last() else {
                continue;
            };
            for other in dropped {
                out.push(DuplicateClusterName {
                    name: name.to_string(),
                    kept: (kept.secret_name.clone(), kept.server.clone()),
                    dropped: (other.secret_name.clone(), other.server.clone()),
                });
            }
        }
        out
    }
}

fn secret_id(secret: &Object) -> String {
    match secret.namespace() {
        Some(namespace) => format!("{namespace}/{}", secret.name()),
        None => secret.name().to_string(),
    }
}
