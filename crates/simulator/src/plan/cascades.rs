//! The cascades on each destination cluster: Argo CD's deletion of every cascading
//! Application wave by wave (§10), driven through [`crate::cascade::Simulation`], the
//! hand-made deletions of `what-if` step by step, and the replacement Applications'
//! sync into what is left (R-OBJ-9), in the pessimistic order of a race (§14.4 of the
//! deletion rulebook).

use std::collections::{BTreeMap, BTreeSet};

use preflight_model::{argocd, ObjectKey};

use super::deletion::{confirmation_needed, deletable_objects, tracked_keys};
use super::{CascadingApp, Planner};
use crate::cascade::{
    CascadeResult, DeletionRequest, KubeVersion, Propagation, Reclaim, Simulation,
};
use crate::causes::{ApplicationHold, DeleteCause, SyncFailure, SyncRetry};
use crate::findings;
use crate::outcome::{
    Action, ClusterOutcome, Fate, NamespaceOutcome, ObjectOutcome, ObjectReason, VolumeFate,
    VolumeOutcome,
};

impl<'a> Planner<'a> {
    /// Runs Argo CD's deletion of every cascading Application, wave by wave (§10), on
    /// each destination cluster.
    pub(super) fn run_cascades(&mut self) {
        let mut by_cluster: BTreeMap<String, Vec<&CascadingApp>> = BTreeMap::new();
        for app in &self.cascading {
            by_cluster.entry(app.cluster.clone()).or_default().push(app);
        }
        let mut clusters: BTreeMap<String, ClusterOutcome> = BTreeMap::new();
        let mut stuck_apps: Vec<StuckApplication> = Vec::new();
        let mut results: Vec<(String, CascadeResult)> = Vec::new();
        for cluster_name in self.manual.keys() {
            by_cluster.entry(cluster_name.clone()).or_default();
        }
        // Each cluster settles on its own, on all threads; the results are taken in
        // cluster order, so the report does not depend on the number of threads.
        let by_cluster: Vec<(&String, &Vec<&CascadingApp>)> = by_cluster.iter().collect();
        let runs =
            preflight_model::parallel::run_parallel(by_cluster.len(), self.config.workers, |at| {
                let (cluster_name, apps) = by_cluster[at];
                self.cascade_cluster(cluster_name, apps)
            });
        for ((cluster_name, apps), run) in by_cluster.iter().zip(runs) {
            let Some(run) = run else {
                self.outcome.findings.push(findings::missing_cluster(
                    cluster_name,
                    apps.iter().map(|a| a.name.as_str()),
                ));
                continue;
            };
            stuck_apps.extend(run.stuck_apps);
            self.sync_failures.extend(run.sync_failures);
            results.push(((*cluster_name).clone(), run.result));
        }
        // Findings are derived from the plan and the settled clusters; they read the
        // results and never change them.
        // Clusters where the same cause has the same consequences share one finding.
        let per_cluster: Vec<(String, findings::ClusterFinding)> = results
            .iter()
            .flat_map(|(cluster_name, result)| {
                findings::cluster_findings(
                    self.fleet,
                    cluster_name,
                    result,
                    &self.outcome.applications,
                    &self.argocd_namespace,
                    &self.sync_failures,
                )
                .into_iter()
                .map(|finding| (cluster_name.clone(), finding))
            })
            .collect();
        self.outcome
            .findings
            .extend(findings::fleet_findings(per_cluster));
        for (cluster_name, result) in &results {
            let outcome = clusters
                .entry(cluster_name.clone())
                .or_insert_with(|| ClusterOutcome {
                    name: cluster_name.clone(),
                    ..ClusterOutcome::default()
                });
            outcome
                .objects
                .extend(result.objects.iter().map(|o| ObjectOutcome {
                    api_version: o.api_version.clone(),
                    kind: o.key.kind.clone(),
                    namespace: o.key.namespace.clone(),
                    name: o.key.name.clone(),
                    outcome: o.fate,
                    reason: o.reason(),
                }));
            outcome
                .namespaces
                .extend(result.namespaces.iter().map(|n| NamespaceOutcome {
                    name: n.name.clone(),
                    outcome: n.fate,
                    conditions: n.conditions.clone(),
                    reason: ObjectReason::Deleted(n.cause.clone()),
                    already_terminating: n.already_terminating,
                }));
            outcome
                .api_services
                .extend(result.api_services.iter().map(|a| a.outcome.clone()));
            outcome
                .volumes
                .extend(result.released_volumes.iter().map(|v| {
                    VolumeOutcome {
                        name: v.volume.name.clone(),
                        capacity: v.capacity.clone(),
                        storage_class: v.storage_class.clone(),
                        reclaim_policy: v.reclaim_policy.clone(),
                        claim: format!(
                            "{}/{}",
                            v.claim.namespace.as_deref().unwrap_or(""),
                            v.claim.name
                        ),
                        used_by: v
                            .used_by
                            .iter()
                            .map(|key| match &key.namespace {
                                Some(ns) => format!("{} {ns}/{}", key.kind, key.name),
                                None => format!("{} {}", key.kind, key.name),
                            })
                            .collect(),
                        outcome: match v.reclaim {
                            Reclaim::Deleted => VolumeFate::Deleted,
                            Reclaim::Retained => VolumeFate::Retained,
                            Reclaim::Leaked { .. } => VolumeFate::Leaked,
                        },
                    }
                }));
        }
        // The deleted Application objects themselves live where Argo CD runs.
        let argocd_cluster = self.fleet.argocd_cluster.clone();
        for app in &self.outcome.applications {
            if app.action != Action::Delete {
                continue;
            }
            let stuck = stuck_apps
                .iter()
                .find(|stuck| stuck.namespace == app.namespace && stuck.name == app.name);
            let outcome =
                clusters
                    .entry(argocd_cluster.clone())
                    .or_insert_with(|| ClusterOutcome {
                        name: argocd_cluster.clone(),
                        ..ClusterOutcome::default()
                    });
            // The Argo CD view of a deleted Application replaces what the cluster
            // simulation says of it (garbage collection of an ApplicationSet's children).
            outcome.objects.retain(|o| {
                !(o.kind == "Application"
                    && o.namespace.as_deref() == Some(app.namespace.as_str())
                    && o.name == app.name)
            });
            outcome.objects.push(ObjectOutcome {
                api_version: argocd::ARGOCD_API_VERSION.to_string(),
                kind: "Application".to_string(),
                namespace: Some(app.namespace.clone()),
                name: app.name.clone(),
                outcome: if stuck.is_some() {
                    Fate::Stuck
                } else {
                    Fate::Deleted
                },
                reason: match (stuck, &app.application_set) {
                    (Some(stuck), _) => ObjectReason::ApplicationHeld(stuck.hold.clone()),
                    (None, Some(set)) => ObjectReason::DeletedByApplicationSet(set.clone()),
                    (None, None) => app
                        .notes
                        .first()
                        .cloned()
                        .map_or(ObjectReason::PrunedByParent, ObjectReason::Note),
                },
            });
        }
        for outcome in clusters.values_mut() {
            outcome.objects.sort_by(|a, b| {
                (&a.namespace, &a.kind, &a.name, &a.api_version).cmp(&(
                    &b.namespace,
                    &b.kind,
                    &b.name,
                    &b.api_version,
                ))
            });
            outcome.objects.dedup();
            outcome.namespaces.sort();
            outcome.api_services.sort();
            outcome.volumes.sort();
        }
        self.outcome.clusters = clusters.into_values().collect();
    }

    /// Replacement Applications with automated sync apply the manifests of the
    /// Applications they replace (same source, same destination): cluster-scoped objects
    /// come back, namespaced ones in a terminating namespace are refused.
    pub(super) fn sync_replacements(
        &self,
        simulation: &mut Simulation,
        progress: &[WaveProgress],
        cluster: &str,
    ) -> Vec<SyncFailure> {
        let mut failures = Vec::new();
        for wave in progress {
            let Some(replacement) = self
                .outcome
                .applications
                .iter()
                .find(|a| {
                    a.action == Action::Delete
                        && a.name == wave.app.name
                        && a.namespace == wave.app.namespace
                })
                .and_then(|a| a.replaced_by.clone())
            else {
                continue;
            };
            let after = self
                .outcome
                .applications
                .iter()
                .find(|a| a.name == replacement && a.action == Action::Create)
                .and_then(|a| a.after.as_ref());
            let automated = after
                .and_then(|after| after.pointer("/spec/syncPolicy/automated"))
                .is_some_and(|automated| !automated.is_null());
            if !automated {
                continue;
            }
            let retry =
                SyncRetry::of(after.and_then(|after| after.pointer("/spec/syncPolicy/retry")));
            for key in &wave.tracked {
                if let Err(refusal) = simulation.reapply(key, &replacement) {
                    failures.push(SyncFailure {
                        cluster: cluster.to_string(),
                        application: replacement.clone(),
                        object: key.clone(),
                        refusal,
                        retry,
                    });
                }
            }
        }
        failures
    }

    /// The group/versions whose discovery `capture` recorded as failing on a cluster,
    /// with why; none for a cluster not captured by `capture`.
    pub(super) fn recorded_unavailable(&self, cluster: &str) -> &'a BTreeMap<String, String> {
        static NONE: BTreeMap<String, String> = BTreeMap::new();
        self.fleet
            .capture_records
            .get(cluster)
            .map_or(&NONE, |record| &record.unavailable_group_versions)
    }

    /// The version a cluster's behaviour and texts follow: `--kube-version` when given,
    /// else the version its snapshot records, else the default.
    pub(super) fn kube_version_of(&self, cluster: &str) -> KubeVersion {
        if self.config.force_kube_version {
            return self.config.kube_version;
        }
        self.fleet
            .server_versions
            .get(cluster)
            .and_then(|v| KubeVersion::parse(v))
            .unwrap_or(self.config.kube_version)
    }

    /// The cascade of the Applications deleted on one cluster (and the `what-if`
    /// deletions there), settled; `None` when the snapshot has no such cluster.
    fn cascade_cluster(&self, cluster_name: &str, apps: &[&CascadingApp]) -> Option<ClusterRun> {
        let snapshot = self.fleet.clusters.get(cluster_name)?;
        let mut stuck_apps: Vec<StuckApplication> = Vec::new();
        {
            let version = self.kube_version_of(cluster_name);
            let mut simulation = Simulation::of_snapshot(snapshot, version)
                .with_controllers(&self.config.controllers)
                .with_unavailable_group_versions(self.recorded_unavailable(cluster_name));
            // The deletions in the order given (`what-if`), an Application's cascade in
            // its own place: each runs once the cluster settled from the one before
            // (issue 13), so a cascade that takes an aggregated API away keeps a
            // namespace deleted afterwards Terminating. A plan is a single step.
            let manual = self.manual.get(cluster_name).cloned().unwrap_or_default();
            let mut steps: BTreeSet<usize> = apps.iter().map(|app| app.step).collect();
            steps.extend(manual.iter().map(|(step, _)| *step));
            let mut progress: Vec<WaveProgress> = Vec::new();
            let mut sync_failures = Vec::new();
            for step in steps {
                for (_, request) in manual.iter().filter(|(s, _)| *s == step) {
                    simulation.delete_and_settle(std::slice::from_ref(request));
                }
                // Applications of earlier steps waiting on a wave go on if this freed it.
                advance_waves(&mut simulation, &mut progress);
                let started = progress.len();
                // Per Application: its deletable objects grouped by wave, highest first.
                progress.extend(apps.iter().filter(|app| app.step == step).map(|app| {
                    WaveProgress {
                        app,
                        waves: match confirmation_needed(snapshot, app, &self.argocd_namespace) {
                            Some(_) => Vec::new(),
                            None => deletable_objects(snapshot, app, &self.argocd_namespace),
                        },
                        awaiting_confirmation: confirmation_needed(
                            snapshot,
                            app,
                            &self.argocd_namespace,
                        ),
                        current: Vec::new(),
                        tracked: tracked_keys(snapshot, app, &self.argocd_namespace),
                    }
                }));
                if progress.len() == started {
                    continue;
                }
                // Pessimistic order (§14.4 of the deletion rulebook): the replacement
                // Applications sync while the namespaces of the old ones still terminate.
                simulation.hold_namespaces(true);
                advance_waves(&mut simulation, &mut progress);
                sync_failures.extend(self.sync_replacements(
                    &mut simulation,
                    &progress[started..],
                    cluster_name,
                ));
                simulation.hold_namespaces(false);
                advance_waves(&mut simulation, &mut progress);
            }
            for wave in &progress {
                if let Some(object) = &wave.awaiting_confirmation {
                    stuck_apps.push(StuckApplication {
                        namespace: wave.app.namespace.clone(),
                        name: wave.app.name.clone(),
                        hold: ApplicationHold::AwaitsApproval(object.clone()),
                    });
                    continue;
                }
                if let Some(stuck) = wave
                    .current
                    .iter()
                    .find(|k| !simulation.is_gone(k) && !simulation.is_recreated(k))
                {
                    stuck_apps.push(StuckApplication {
                        namespace: wave.app.namespace.clone(),
                        name: wave.app.name.clone(),
                        hold: ApplicationHold::WaitsForWave(stuck.clone()),
                    });
                }
            }
            Some(ClusterRun {
                stuck_apps,
                sync_failures,
                result: simulation.finish(),
            })
        }
    }
}

/// Argo CD's progress through the waves of one deleting Application.
pub(super) struct WaveProgress<'c> {
    app: &'c CascadingApp,
    /// Waves not started yet, highest first.
    waves: Vec<Vec<(ObjectKey, Propagation)>>,
    /// The wave being deleted.
    current: Vec<ObjectKey>,
    /// Everything it tracks (the manifests a replacement with the same source applies).
    tracked: Vec<ObjectKey>,
    /// An object whose `Delete=confirm` holds the whole deletion until approved.
    awaiting_confirmation: Option<ObjectKey>,
}

/// Sends each Application's next wave once its current one is gone, until no
/// Application can go further.
pub(super) fn advance_waves(simulation: &mut Simulation, progress: &mut [WaveProgress]) {
    loop {
        let mut requests = Vec::new();
        for wave in progress.iter_mut() {
            let waiting = wave
                .current
                .iter()
                .any(|k| !simulation.is_gone(k) && !simulation.is_recreated(k));
            if waiting || wave.waves.is_empty() {
                continue;
            }
            let next = wave.waves.remove(0);
            wave.current = next.iter().map(|(k, _)| k.clone()).collect();
            for (key, propagation) in next {
                requests.push(DeletionRequest {
                    key,
                    propagation,
                    cause: DeleteCause::Application(wave.app.name.clone()),
                });
            }
        }
        if requests.is_empty() {
            break;
        }
        simulation.delete_and_settle(&requests);
    }
}

/// What settling one cluster gave: its result, and what it says of the Applications.
struct ClusterRun {
    /// The Applications that stay in deletion.
    stuck_apps: Vec<StuckApplication>,
    sync_failures: Vec<SyncFailure>,
    result: CascadeResult,
}

/// A deleted Application that stays, and what holds it.
struct StuckApplication {
    namespace: String,
    name: String,
    hold: ApplicationHold,
}
