//! Volumes the change releases, as the text and Markdown reports tell them (R-VOL-3).
//!
//! Destroyed and leaked volumes have their own findings; a volume kept by its `Retain`
//! reclaim policy is no risk, but a reviewer should still see that it stays (and keeps
//! costing) after its claim is gone.

use preflight_outcome::{VolumeFate, VolumeOutcome};

/// The volumes of a cluster that their `Retain` reclaim policy keeps, sorted by name.
pub(crate) fn retained(volumes: &[VolumeOutcome]) -> Vec<&VolumeOutcome> {
    let mut kept: Vec<&VolumeOutcome> = volumes
        .iter()
        .filter(|v| v.outcome == VolumeFate::Retained)
        .collect();
    kept.sort_by(|a, b| a.name.cmp(&b.name));
    kept
}

/// `10Gi, storage class standard`, or what of it the volume states.
pub(crate) fn size(volume: &VolumeOutcome) -> String {
    let mut parts = Vec::new();
    if let Some(capacity) = &volume.capacity {
        parts.push(capacity.clone());
    }
    if let Some(class) = &volume.storage_class {
        parts.push(format!("storage class {class}"));
    }
    parts.join(", ")
}

/// Why a retained volume stays, in one sentence.
pub(crate) fn why_retained(volume: &VolumeOutcome) -> String {
    format!(
        "its claim {} is deleted; reclaim policy `{}` keeps the volume `Released` with its data (R-VOL-3)",
        volume.claim, volume.reclaim_policy
    )
}
