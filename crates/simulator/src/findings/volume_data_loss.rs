//! `volume-data-loss`: PersistentVolumes whose claim the change deletes with reclaim
//! policy `Delete`: the provisioner deletes the backend volume and its data, then the
//! PersistentVolume (R-VOL-3, R-VOL-4; `pkg/controller/volume/persistentvolume/`
//! `pv_controller.go`, `deleteVolumeOperation`).

use super::facts::ClusterFacts;
use super::fleet::{ClusterFinding, Step};
use crate::cascade::{Reclaim, ReleasedVolume};
use crate::causes::describe;
use crate::outcome::{FindingCode, Severity};

/// One finding for every volume of the cluster destroyed with its data.
pub(super) fn find(facts: &ClusterFacts<'_>) -> Vec<ClusterFinding> {
    let mut destroyed: Vec<&ReleasedVolume> = facts
        .result
        .released_volumes
        .iter()
        .filter(|released| released.reclaim == Reclaim::Deleted)
        .collect();
    // By claim: volume names are generated, claims are what clusters share.
    destroyed.sort_by(|a, b| (&a.claim, &a.volume).cmp(&(&b.claim, &b.volume)));
    if !destroyed.is_empty() {
        let volumes: Vec<String> = destroyed.iter().map(|v| volume_details(v)).collect();
        let mut finding = ClusterFinding::new(
            Severity::High,
            FindingCode::VolumeDataLoss,
            format!(
                "{} destroyed with {} data: {}; {}, so the provisioner deletes the backend {} and then the PersistentVolume (R-VOL-3)",
                if destroyed.len() == 1 {
                    "1 volume is".to_string()
                } else {
                    format!("{} volumes are", destroyed.len())
                },
                if destroyed.len() == 1 { "its" } else { "their" },
                volumes.join("; "),
                if destroyed.len() == 1 {
                    "its claim is deleted and its reclaim policy is `Delete`"
                } else {
                    "each claim is deleted and each reclaim policy is `Delete`"
                },
                if destroyed.len() == 1 { "volume" } else { "volumes" }
            ),
        );
        finding.remediation = vec![Step::Literal(
            "# to keep the data, set the reclaim policy to `Retain` before merging:".to_string(),
        )];
        // The volumes are named through their claims: a provisioner names each volume
        // after a generated uid, so the same claim on several clusters is one finding.
        finding.remediation.extend(destroyed.iter().map(|v| {
            Step::OnClusterScript(format!(
                "kubectl --context {{ctx}} patch persistentvolume \"$(kubectl --context {{ctx}} -n {} get persistentvolumeclaim {} -o jsonpath='{{.spec.volumeName}}')\" -p '{{\"spec\":{{\"persistentVolumeReclaimPolicy\":\"Retain\"}}}}'",
                v.claim.namespace.as_deref().unwrap_or("default"),
                v.claim.name
            ))
        }));
        return vec![finding];
    }
    Vec::new()
}

/// `PersistentVolume `pv-data` (10Gi, storage class `gp3`, claim `team-a/data`, used by
/// Deployment `team-a/web`)`.
fn volume_details(volume: &ReleasedVolume) -> String {
    let mut details = Vec::new();
    if let Some(capacity) = &volume.capacity {
        details.push(capacity.clone());
    }
    if let Some(class) = &volume.storage_class {
        details.push(format!("storage class `{class}`"));
    }
    if !volume.used_by.is_empty() {
        details.push(format!(
            "used by {}",
            volume
                .used_by
                .iter()
                .map(describe)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    format!(
        "the volume of claim `{}/{}` ({})",
        volume.claim.namespace.as_deref().unwrap_or(""),
        volume.claim.name,
        details.join(", ")
    )
}
