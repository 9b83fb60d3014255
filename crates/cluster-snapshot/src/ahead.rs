//! Reading cluster folders ahead of knowing which are needed (see [`Fleet::read_ahead`]).
//!
//! `plan` plans the Applications from the Argo CD cluster on one core before it knows
//! which destination clusters to read; meanwhile background threads (one per other
//! core, at least one) read the unread folders in name order, each folder on one thread,
//! one file at a time. When the caller names the folders it needs, each thread finishes
//! the folder it is reading if that one is needed, and stops; a folder started and not
//! needed is abandoned at its next file. The folders it
//! read are indexed with the same code as the others, and their errors are reported in
//! the same order (see `Stage` in the fleet module), so the outcome does not depend on
//! how far the thread got.
//!
//! [`Fleet::read_ahead`]: crate::Fleet::read_ahead

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;

use preflight_model::ArgoSettings;

use crate::cluster::ClusterSnapshot;
use crate::fleet::{list_folder, FolderRead, Stage, StagedError};
use crate::load::{load_snapshot_files, worker_count, Buffers, SnapshotFile};

/// One folder read ahead: its snapshot, indexed, or its first error.
type Read = Result<FolderRead<ClusterSnapshot>, StagedError>;

/// Cluster folders being read on a background thread; see [`crate::Fleet::read_ahead`].
pub struct ReadAhead {
    shared: Arc<Mutex<Shared>>,
    threads: Vec<thread::JoinHandle<()>>,
}

/// What the thread and the caller share.
#[derive(Default)]
struct Shared {
    /// The folders no thread has started, last first.
    queue: Vec<(String, PathBuf)>,
    /// The folders the caller needs, once it has said: the threads start no other.
    wanted: Option<BTreeSet<String>>,
    /// The folders the thread has started and not abandoned.
    started: BTreeSet<String>,
    /// The folders the thread has finished.
    read: BTreeMap<String, Read>,
}

fn lock(shared: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    shared.lock().unwrap_or_else(|e| e.into_inner())
}

impl std::fmt::Debug for ReadAhead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadAhead")
            .field("started", &lock(&self.shared).started)
            .finish()
    }
}

impl ReadAhead {
    /// Starts reading `folders` (none is the Argo CD cluster's: it is read first).
    pub(crate) fn start(
        folders: BTreeMap<String, PathBuf>,
        argocd_cluster: String,
        settings: ArgoSettings,
    ) -> ReadAhead {
        let count = folders.len().min(worker_count().saturating_sub(1).max(1));
        let shared = Arc::new(Mutex::new(Shared {
            queue: folders.into_iter().rev().collect(),
            ..Shared::default()
        }));
        // A thread the system refuses is one fewer reading ahead: the caller reads what
        // no thread started.
        let threads = (0..count)
            .filter_map(|_| {
                let shared = Arc::clone(&shared);
                let argocd_cluster = argocd_cluster.clone();
                let settings = settings.clone();
                thread::Builder::new()
                    .name("read-ahead".to_string())
                    .spawn(move || read_folders(&shared, &argocd_cluster, &settings))
                    .ok()
            })
            .collect();
        ReadAhead { shared, threads }
    }

    /// Tells the thread which folders are needed; returns those it has started, which it
    /// finishes (the caller reads the others).
    pub(crate) fn want(&mut self, wanted: &BTreeSet<String>) -> BTreeSet<String> {
        let mut shared = lock(&self.shared);
        shared.wanted = Some(wanted.clone());
        shared.started.intersection(wanted).cloned().collect()
    }

    /// Waits for the threads and returns the folders of `taken` (from
    /// [`ReadAhead::want`]).
    pub(crate) fn finish(&mut self, taken: &BTreeSet<String>) -> Vec<(String, Read)> {
        for thread in self.threads.drain(..) {
            if let Err(panic) = thread.join() {
                std::panic::resume_unwind(panic);
            }
        }
        let mut shared = lock(&self.shared);
        taken
            .iter()
            .filter_map(|name| Some((name.clone(), shared.read.remove(name)?)))
            .collect()
    }
}

impl Drop for ReadAhead {
    /// Not handed over (the command failed first): the threads stop at their next file.
    fn drop(&mut self) {
        lock(&self.shared).wanted.get_or_insert_with(BTreeSet::new);
    }
}

fn read_folders(shared: &Mutex<Shared>, argocd_cluster: &str, settings: &ArgoSettings) {
    // One set of read buffers for every file this thread reads: fresh pages cost as
    // much as the reading.
    let buffers = Buffers::default();
    loop {
        let (name, folder) = {
            let mut shared = lock(shared);
            if shared.wanted.is_some() {
                return;
            }
            let Some((name, folder)) = shared.queue.pop() else {
                return;
            };
            shared.started.insert(name.clone());
            (name, folder)
        };
        let read = read_folder(shared, &name, &folder, argocd_cluster, settings, &buffers);
        let mut shared = lock(shared);
        match read {
            Some(read) => {
                shared.read.insert(name, read);
            }
            None => {
                shared.started.remove(&name);
                return;
            }
        }
    }
}

/// One folder, file by file on this thread; `None` when it turns out not to be needed.
fn read_folder(
    shared: &Mutex<Shared>,
    name: &str,
    folder: &Path,
    argocd_cluster: &str,
    settings: &ArgoSettings,
    buffers: &Buffers,
) -> Option<Read> {
    let listing = match list_folder(folder) {
        Ok(listing) => listing,
        Err(error) => return Some(Err((Stage::Listing, Box::new(error)))),
    };
    let mut objects = Vec::new();
    for path in &listing.objects {
        let needed = lock(shared)
            .wanted
            .as_ref()
            .is_none_or(|wanted| wanted.contains(name));
        if !needed {
            return None;
        }
        let file = SnapshotFile {
            path: path.as_path().into(),
            argocd_cluster: name == argocd_cluster,
            without_applications: false,
        };
        for result in load_snapshot_files(std::slice::from_ref(&file), 1, buffers) {
            match result {
                Ok(more) => objects.extend(more),
                Err(error) => return Some(Err((Stage::Loading, Box::new(error)))),
            }
        }
    }
    let snapshot = ClusterSnapshot::new(name, objects, settings);
    Some(
        snapshot
            .map(|snapshot| FolderRead {
                objects: snapshot,
                server_version: listing.server_version,
                capture_record: listing.capture_record,
            })
            .map_err(|error| (Stage::Indexing, Box::new(error))),
    )
}

#[cfg(test)]
impl ReadAhead {
    /// Waits until the threads have finished `count` folders (a test's way to hand over
    /// a read-ahead that got everywhere).
    pub(crate) fn wait_for(&self, count: usize) {
        while lock(&self.shared).read.len() < count {
            thread::sleep(std::time::Duration::from_millis(1));
        }
    }
}
