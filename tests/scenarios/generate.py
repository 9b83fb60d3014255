#!/usr/bin/env python3
"""Writes the incident scenarios of tests/scenarios/ (inputs only; expected reports are
insta snapshots in snapshots/).

The fleet is rebuilt from the seed talk (../shared/seed/): clusters labelled by stage,
ApplicationSets for kube-metrics (namespace and metrics-server), kube-log and
kube-contour, metrics-server behind the aggregated APIService v1beta1.metrics.k8s.io,
and live Applications carrying Argo CD's resources finalizer. Each variant changes one
thing; see the README.md the script writes into each scenario.

Run from the repository root: python3 tests/scenarios/generate.py
"""

import base64
import copy
import json
import os
import shutil

ROOT = os.path.dirname(os.path.abspath(__file__))
REPO = "https://gitlab.example.internal/platform/infrastructure.git"
ARGOCD_NS = "argocd"
CLUSTERS = [
    ("e1-k8s-lab-a", "lab"),
    ("e1-k8s-lab-b", "lab"),
    ("e1-k8s-test-a", "test"),
]
# The talk's fleet size: 30 clusters, three regions, lab and test stages.
FLEET_30 = [
    (f"{region}-k8s-{stage}-{letter}", stage)
    for region in ("e1", "e2", "w1")
    for stage in ("lab", "test")
    for letter in "abcde"
]
# (ApplicationSet, name suffix, repo path, destination namespace)
APPSETS = [
    ("kube-metrics-ns", "kube-metrics-ns", "kube-metrics/namespace", "kube-metrics"),
    ("kube-metrics-server", "metrics-server", "kube-metrics/metrics-server", "kube-metrics"),
    ("kube-log", "kube-log", "kube-log", "kube-log"),
    ("kube-contour", "kube-contour", "kube-contour", "kube-contour"),
]
FINALIZER = "resources-finalizer.argocd.argoproj.io"


def server(cluster):
    return f"https://{cluster}.k8s.example.internal:6443"


def b64(text):
    return base64.b64encode(text.encode()).decode()


def uid(*parts):
    return "uid-" + "-".join(parts)


def appset(name, suffix, path, namespace, *, old_names=True, preserve=False,
           policy=None, bad_selector=False, revision="main", retry=None):
    """An ApplicationSet as the platform team writes it (fasttemplate mode); `retry` is
    the template's `syncPolicy.retry`."""
    app_name = f"{{{{name}}}}-{suffix}" if old_names else f"{suffix}-{{{{name}}}}"
    if name == "kube-metrics-server":
        generators = [
            {"clusters": {"selector": {"matchLabels": {"stage": "lab"}},
                          "values": {"revision": "HEAD"}}},
            {"clusters": {"selector": {"matchLabels": {"stage": "test"}},
                          "values": {"revision": "v0.1.4"}}},
        ]
        target = "{{values.revision}}"
    else:
        operator = "Gt" if bad_selector else "In"
        generators = [{"clusters": {"selector": {"matchExpressions": [
            {"key": "stage", "operator": operator, "values": ["lab", "test"]}]}}}]
        target = revision
    spec = {
        "generators": generators,
        "template": {
            "metadata": {"name": app_name, "labels": {"team": "platform"}},
            "spec": {
                "project": "infrastructure",
                "source": {"repoURL": REPO, "path": path, "targetRevision": target},
                "destination": {"server": "{{server}}", "namespace": namespace},
                "syncPolicy": {"automated": {"prune": True, "selfHeal": True}},
            },
        },
    }
    if retry is not None:
        spec["template"]["spec"]["syncPolicy"]["retry"] = retry
    sync_policy = {}
    if preserve:
        sync_policy["preserveResourcesOnDeletion"] = True
    if policy:
        sync_policy["applicationsSync"] = policy
    if sync_policy:
        spec["syncPolicy"] = sync_policy
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "ApplicationSet",
        "metadata": {"name": name, "namespace": ARGOCD_NS},
        "spec": spec,
    }


def live_application(set_name, suffix, path, namespace, cluster, stage, *, finalizer=True,
                     revision="main"):
    if set_name == "kube-metrics-server":
        revision = "HEAD" if stage == "lab" else "v0.1.4"
    app = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {
            "name": f"{cluster}-{suffix}",
            "namespace": ARGOCD_NS,
            "uid": uid("app", cluster, suffix),
            "labels": {"team": "platform"},
            "ownerReferences": [{
                "apiVersion": "argoproj.io/v1alpha1",
                "kind": "ApplicationSet",
                "name": set_name,
                "uid": uid("appset", set_name),
                "controller": True,
                "blockOwnerDeletion": True,
            }],
        },
        "spec": {
            "project": "infrastructure",
            "source": {"repoURL": REPO, "path": path, "targetRevision": revision},
            "destination": {"server": server(cluster), "namespace": namespace},
            "syncPolicy": {"automated": {"prune": True, "selfHeal": True}},
        },
        "status": {"sync": {"status": "Synced"}, "health": {"status": "Healthy"}},
    }
    if finalizer:
        app["metadata"]["finalizers"] = [FINALIZER]
    return app


def tracked(obj, app):
    group_kind = obj["apiVersion"].rsplit("/", 1)[0] if "/" in obj["apiVersion"] else ""
    ns = obj["metadata"].get("namespace", "")
    obj["metadata"].setdefault("annotations", {})["argocd.argoproj.io/tracking-id"] = (
        f"{app}:{group_kind}/{obj['kind']}:{ns}/{obj['metadata']['name']}")
    return obj


def meta(name, namespace=None, **extra):
    m = {"name": name, "uid": uid(namespace or "cluster", name, extra.pop("kind_hint", ""))}
    if namespace:
        m["namespace"] = namespace
    m.update(extra)
    return m


def namespace(name, app=None):
    ns = {"apiVersion": "v1", "kind": "Namespace",
          "metadata": meta(name, labels={"kubernetes.io/metadata.name": name}),
          "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}
    return tracked(ns, app) if app else ns


def owner(kind, api_version, name, namespace_name, hint):
    return [{"apiVersion": api_version, "kind": kind, "name": name,
             "uid": uid(namespace_name, name, hint), "controller": True,
             "blockOwnerDeletion": True}]


def workload(kind, name, ns, app, labels, port=None, port_name=None):
    """A Deployment or DaemonSet with its ReplicaSet (Deployments), one Pod, and
    optionally a Service with an EndpointSlice pointing at the Pod."""
    objects = []
    objects.append(tracked({
        "apiVersion": "apps/v1", "kind": kind,
        "metadata": meta(name, ns, kind_hint=kind),
        "spec": {"selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels}, "spec": {"containers": [
                     {"name": name, "image": f"registry.example.internal/{name}:1.0"}]}}},
    }, app))
    if kind == "Deployment":
        rs_name = f"{name}-5d8f6c7b9"
        objects.append({
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": meta(rs_name, ns, kind_hint="ReplicaSet",
                             ownerReferences=owner("Deployment", "apps/v1", name, ns, "Deployment")),
            "spec": {"selector": {"matchLabels": labels}},
        })
        pod_owner = owner("ReplicaSet", "apps/v1", rs_name, ns, "ReplicaSet")
        pod_name = f"{rs_name}-x7k2p"
    else:
        pod_owner = owner(kind, "apps/v1", name, ns, kind)
        pod_name = f"{name}-q9w4z"
    objects.append({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": meta(pod_name, ns, kind_hint="Pod", labels=labels, ownerReferences=pod_owner),
        "spec": {"nodeName": "node-1", "containers": [{"name": name}]},
        "status": {"phase": "Running"},
    })
    if port:
        objects.append(tracked({
            "apiVersion": "v1", "kind": "Service",
            "metadata": meta(name, ns, kind_hint="Service"),
            "spec": {"type": "ClusterIP", "selector": labels,
                     "ports": [{"name": port_name, "port": port, "targetPort": port_name}]},
        }, app))
        objects.append({
            "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": meta(f"{name}-8m2vd", ns, kind_hint="EndpointSlice",
                             labels={"kubernetes.io/service-name": name},
                             ownerReferences=owner("Service", "v1", name, ns, "Service")),
            "addressType": "IPv4",
            "ports": [{"name": port_name, "port": 10250, "protocol": "TCP"}],
            "endpoints": [{"addresses": ["10.244.1.17"], "conditions": {"ready": True},
                           "targetRef": {"kind": "Pod", "namespace": ns, "name": pod_name}}],
        })
    return objects


def cluster_objects(cluster):
    app = lambda suffix: f"{cluster}-{suffix}"
    objects = [
        namespace("default"), namespace("kube-system"),
        namespace("payments"),
        namespace("kube-metrics", app("kube-metrics-ns")),
        namespace("kube-log", app("kube-log")),
        namespace("kube-contour", app("kube-contour")),
    ]
    ms = app("metrics-server")
    objects.append(tracked({"apiVersion": "v1", "kind": "ServiceAccount",
                            "metadata": meta("metrics-server", "kube-metrics", kind_hint="ServiceAccount")}, ms))
    objects.append(tracked({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                            "metadata": meta("system:metrics-server", kind_hint="ClusterRole"),
                            "rules": [{"apiGroups": [""], "resources": ["nodes/metrics"], "verbs": ["get"]}]}, ms))
    objects += workload("Deployment", "metrics-server", "kube-metrics", ms,
                        {"app.kubernetes.io/name": "metrics-server"}, 443, "https")
    objects.append(tracked({
        "apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService",
        "metadata": meta("v1beta1.metrics.k8s.io", kind_hint="APIService"),
        "spec": {"group": "metrics.k8s.io", "version": "v1beta1",
                 "service": {"name": "metrics-server", "namespace": "kube-metrics", "port": 443},
                 "groupPriorityMinimum": 100, "versionPriority": 100},
        "status": {"conditions": [{"type": "Available", "status": "True", "reason": "Passed",
                                   "message": "all checks passed"}]},
    }, ms))
    objects += workload("DaemonSet", "fluent-bit", "kube-log", app("kube-log"),
                        {"app.kubernetes.io/name": "fluent-bit"})
    objects.append(tracked({"apiVersion": "v1", "kind": "ConfigMap",
                            "metadata": meta("fluent-bit", "kube-log", kind_hint="ConfigMap"),
                            "data": {"fluent-bit.conf": "[INPUT]\n    Name tail\n"}}, app("kube-log")))
    objects += workload("Deployment", "contour", "kube-contour", app("kube-contour"),
                        {"app.kubernetes.io/name": "contour"}, 8001, "xds")
    # A tenant workload that nobody deletes: it must not appear in any report.
    objects.append({"apiVersion": "apps/v1", "kind": "Deployment",
                    "metadata": meta("payments-api", "payments", kind_hint="Deployment"),
                    "spec": {"selector": {"matchLabels": {"app": "payments-api"}}}})
    return objects


def cluster_secret(cluster, stage):
    return {
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": f"cluster-{cluster}", "namespace": ARGOCD_NS,
                     "labels": {"argocd.argoproj.io/secret-type": "cluster", "stage": stage}},
        "type": "Opaque",
        "data": {
            "name": b64(cluster),
            "server": b64(server(cluster)),
            # A credential that must never reach a report.
            "config": b64(json.dumps({"bearerToken": "SECRET-TOKEN-MUST-NOT-LEAK"})),
        },
    }


def write_yaml_list(path, objects):
    """Writes objects as a JSON `List` (JSON is YAML; the loader accepts both)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump({"apiVersion": "v1", "kind": "List", "items": objects}, f, indent=2, sort_keys=True)
        f.write("\n")


def write_documents(path, objects):
    """Writes objects as multi-document YAML (JSON flow documents, valid YAML)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        for obj in objects:
            f.write("---\n")
            f.write(json.dumps(obj, indent=2, sort_keys=True))
            f.write("\n")


def manager_application(prune):
    """The Application that deploys the ApplicationSets themselves (app of apps)."""
    automated = {"selfHeal": True}
    if prune:
        automated["prune"] = True
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": MANAGER, "namespace": ARGOCD_NS, "uid": uid("app", MANAGER)},
        "spec": {
            "project": "default",
            "source": {"repoURL": REPO, "path": "appsets", "targetRevision": "main"},
            "destination": {"server": "https://kubernetes.default.svc", "namespace": ARGOCD_NS},
            "syncPolicy": {"automated": automated},
        },
        "status": {"sync": {"status": "Synced"}, "health": {"status": "Healthy"}},
    }


MANAGER = "platform-appsets"


def capture_record(cluster, unavailable):
    """The `capture.json` that `argocd-preflight capture` writes beside a cluster's objects
    (crates/capture/src/record.rs), with `unavailable` as the group/versions whose
    discovery was stale."""
    return {
        "schemaVersion": 1,
        "cluster": cluster,
        "context": cluster,
        "server": server(cluster),
        "credentials": "kubeconfig",
        "startedAt": "2026-11-30T02:00:00Z",
        "finishedAt": "2026-11-30T02:00:09Z",
        "serverVersion": "v1.31.4",
        "complete": True,
        "discovery": "aggregated",
        "unavailableGroupVersions": [
            {"groupVersion": gv, "reason": f"stale GroupVersion discovery: {gv}"}
            for gv in unavailable
        ],
        "resources": [],
        "failedResources": [],
        "skipped": [{"groupVersion": "events.k8s.io/v1", "resource": "events",
                     "reason": "events are never read by the model"}],
        "warnings": [],
    }


def scenario(name, readme, *, base_kwargs=None, head_kwargs=None, live_finalizer=True,
             drop_from_head=(), live_revision_drift=None, head_override=None,
             manager=None, drop_from_both=(), captured_unavailable=None, clusters=None,
             sync_options=None):
    """`manager`: None, "prune" or "no-prune": a live Application that tracks the live
    ApplicationSets (annotation tracking) and syncs automatically, with or without prune.
    `drop_from_both`: ApplicationSets that are live but in neither revision.
    `captured_unavailable`: cluster -> group/versions a `capture.json` in its folder
    records as stale.
    `sync_options`: (kind, namespace, name) -> the value of the object's
    `argocd.argoproj.io/sync-options` annotation, on every cluster."""
    base_kwargs = base_kwargs or {}
    head_kwargs = head_kwargs or {}
    clusters = clusters or CLUSTERS
    root = os.path.join(ROOT, name)
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    with open(os.path.join(root, "README.md"), "w") as f:
        f.write(readme.strip() + "\n")
    argocd = [
        {"apiVersion": "v1", "kind": "ConfigMap",
         "metadata": {"name": "argocd-cm", "namespace": ARGOCD_NS},
         "data": {"application.resourceTrackingMethod": "annotation"}},
        {"apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject",
         "metadata": {"name": "infrastructure", "namespace": ARGOCD_NS},
         "spec": {"destinations": [{"server": "*", "namespace": "*"}], "sourceRepos": ["*"]}},
    ]
    argocd += [cluster_secret(c, s) for c, s in clusters]
    live_sets = []
    for set_name, suffix, path, ns in APPSETS:
        live = appset(set_name, suffix, path, ns, **base_kwargs)
        live["metadata"]["uid"] = uid("appset", set_name)
        if manager:
            live["metadata"]["annotations"] = {
                "argocd.argoproj.io/tracking-id":
                    f"{MANAGER}:argoproj.io/ApplicationSet:{ARGOCD_NS}/{set_name}"}
        if live_revision_drift and set_name == live_revision_drift:
            live["spec"]["template"]["spec"]["source"]["targetRevision"] = "release-2023.10"
        live_sets.append(live)
    apps = []
    for set_name, suffix, path, ns in APPSETS:
        for cluster, stage in clusters:
            revision = "main"
            if live_revision_drift and set_name == live_revision_drift:
                revision = "release-2023.10"
            apps.append(live_application(set_name, suffix, path, ns, cluster, stage,
                                         finalizer=live_finalizer, revision=revision))
    if manager:
        apps.append(manager_application(manager == "prune"))
    write_documents(os.path.join(root, "snapshot", "in-cluster", "argocd", "config.yaml"), argocd)
    write_documents(os.path.join(root, "snapshot", "in-cluster", "argocd", "applicationsets.yaml"), live_sets)
    write_yaml_list(os.path.join(root, "snapshot", "in-cluster", "argocd", "applications.json"), apps)
    for cluster, _ in clusters:
        objects = cluster_objects(cluster)
        for obj in objects:
            m = obj["metadata"]
            value = (sync_options or {}).get((obj["kind"], m.get("namespace"), m["name"]))
            if value is not None:
                m.setdefault("annotations", {})["argocd.argoproj.io/sync-options"] = value
        write_documents(os.path.join(root, "snapshot", cluster, "objects.yaml"), objects)
    for cluster, unavailable in (captured_unavailable or {}).items():
        with open(os.path.join(root, "snapshot", cluster, "capture.json"), "w") as f:
            json.dump(capture_record(cluster, unavailable), f, indent=2, sort_keys=True)
            f.write("\n")
    for set_name, suffix, path, ns in APPSETS:
        if set_name in drop_from_both:
            continue
        write_documents(os.path.join(root, "base", f"{set_name}.yaml"),
                        [appset(set_name, suffix, path, ns, **base_kwargs)])
        if set_name in drop_from_head:
            continue
        kwargs = dict(head_kwargs)
        if head_override and set_name in head_override:
            kwargs = head_override[set_name]
        write_documents(os.path.join(root, "head", f"{set_name}.yaml"),
                        [appset(set_name, suffix, path, ns, **kwargs)])


def main():
    rename = {"old_names": False}
    scenario(
        "rud-incident",
        """
# rud-incident

The incident of the seed talk ("RUD: Rapid Unscheduled Deletion", KCD Zürich 2024).
Head renames the Applications of four ApplicationSets (`{{name}}-x` becomes `x-{{name}}`).
The live Applications carry `resources-finalizer.argocd.argoproj.io`, so the ApplicationSet
controller deletes them with their resources (appset rulebook §11.1, R-ARGO-1), namespaces
included. Deleting `kube-metrics` takes away the backend of the aggregated APIService
`v1beta1.metrics.k8s.io`, which the replacement Application re-creates while its Service
cannot be created in the terminating namespace (R-OBJ-9). Discovery then fails and every
deleted namespace stays `Terminating` with `NamespaceDeletionDiscoveryFailure` (R-DISC-4,
C-01). The live `kube-contour` ApplicationSet also differs from the base revision (the
talk's "out of sync ApplicationSets").
""",
        head_kwargs=rename,
        live_revision_drift="kube-contour",
    )
    scenario(
        "rud-incident-30-clusters",
        """
# rud-incident-30-clusters

The incident of the seed talk at the talk's size: rud-incident on 30 clusters (three
regions, lab and test stages). Head renames the Applications of four ApplicationSets, the
live Applications carry `resources-finalizer.argocd.argoproj.io`, and deleting
`kube-metrics` takes away the backend of the aggregated APIService
`v1beta1.metrics.k8s.io` on every cluster, so every deleted namespace stays `Terminating`
(R-ARGO-1, R-OBJ-9, R-DISC-4, C-01). It pins what a reviewer reads at fleet size: one
finding for the cause shared by all 30 clusters, one command loop to break it, a text
report of a few screens and a GitHub comment within 65,536 characters that keeps every
critical and high finding and names every affected cluster.
""",
        head_kwargs=rename,
        live_revision_drift="kube-contour",
        clusters=FLEET_30,
    )
    scenario(
        "preserve-already-live",
        """
# preserve-already-live

Negative case of rud-incident: every ApplicationSet already had
`preserveResourcesOnDeletion: true` and the live Applications carry no resources finalizer,
so the rename replaces the Applications without deleting any resource (R-ARGO-1, appset
rulebook §2.5). Nothing gets stuck.
""",
        base_kwargs={"preserve": True},
        head_kwargs={"old_names": False, "preserve": True},
        live_finalizer=False,
    )
    scenario(
        "preserve-added-same-change",
        """
# preserve-added-same-change

Head adds `preserveResourcesOnDeletion: true` in the same change as the rename. The flag only
affects the finalizers the controller writes from then on (appset rulebook §11.22): the old
Applications it deletes still carry the resources finalizer, so the cascade happens anyway.
""",
        head_kwargs={"old_names": False, "preserve": True},
    )
    scenario(
        "create-update-policy",
        """
# create-update-policy

Head renames and sets `applicationsSync: create-update`: the controller creates the new
Applications but never deletes (appset rulebook §9.2), so nothing cascades; the old ones stay.
""",
        head_kwargs={"old_names": False, "policy": "create-update"},
    )
    scenario(
        "generator-error",
        """
# generator-error

Head gives `kube-log` a selector operator Argo CD rejects (`Gt`). Generation fails, so the
controller freezes that ApplicationSet: nothing is created, updated or deleted (appset rulebook
§7). The tool reports the error and exits 2; it never predicts deletions from a generator it
cannot evaluate. The other ApplicationSets are unchanged.
""",
        head_override={"kube-log": {"bad_selector": True}},
    )
    scenario(
        "appset-removed",
        """
# appset-removed

Head removes the `kube-metrics-server` ApplicationSet from git. The Application
`platform-appsets` tracks it (annotation tracking) and syncs automatically with
`prune: true`, so it prunes the ApplicationSet; garbage collection then deletes its
Applications (appset rulebook §9.8), which cascade: metrics-server and the APIService it
backs are deleted together (the APIService is tracked by the same Application), no
namespace is deleted, and nothing gets stuck.
""",
        drop_from_head=("kube-metrics-server",),
        manager="prune",
    )
    scenario(
        "appset-removed-without-prune",
        """
# appset-removed-without-prune

Head removes the `kube-metrics-server` ApplicationSet from git, but the Application
`platform-appsets` that manages it syncs automatically without `prune: true`. Removing a
manifest from git is a prune (gitops-engine `sync_context.go`: extraneous live objects are
deleted only when pruning is on), so the Application goes OutOfSync and nothing is
deleted: the ApplicationSet and its Applications stay.
""",
        drop_from_head=("kube-metrics-server",),
        manager="no-prune",
    )
    scenario(
        "appset-not-in-revisions",
        """
# appset-not-in-revisions

The live `kube-log` ApplicationSet is in neither revision: its file lives elsewhere (another
path, or `--path` that does not select it). The merge does not touch it, so the plan says
so and predicts no deletion of its Applications. The other ApplicationSets are unchanged.
""",
        drop_from_both=("kube-log",),
    )
    scenario(
        "captured-apiservice-unavailable",
        """
# captured-apiservice-unavailable

Head renames only the `kube-log` Applications, so the ApplicationSet controller deletes the
old ones with their resources and the namespace `kube-log` on every cluster; metrics-server
is untouched. `e1-k8s-lab-a` was captured while the aggregator marked
`metrics.k8s.io/v1beta1` stale (its `capture.json` records it, issue 11), although the
APIService object there still says `Available=True` and its backend looks healthy. An
APIService whose discovery fails is already unavailable (R-DISC-5), and no namespace on
that cluster can finish deleting (R-DISC-4): `kube-log` stays `Terminating` on
`e1-k8s-lab-a` and is deleted on the other clusters.
""",
        head_override={"kube-log": {"old_names": False}},
        captured_unavailable={"e1-k8s-lab-a": ["metrics.k8s.io/v1beta1"]},
    )
    scenario(
        "replacement-retries-until-the-namespace-is-gone",
        """
# replacement-retries-until-the-namespace-is-gone

captured-apiservice-unavailable with `syncPolicy.retry.limit: -1` in the head template of
`kube-log` (issue 13). The replacement's sync still fails on `e1-k8s-lab-a`, where
`kube-log` stays `Terminating`: the API server refuses to create content in a terminating
namespace (NamespaceLifecycle admission, `plugin/pkg/admission/namespace/lifecycle/admission.go`,
R-OBJ-9). Without `retry`, `autoSync` (`controller/appcontroller.go`) gives an automated sync
5 retries, and once that operation has failed, `alreadyAttemptedSync` keeps it (and
self-heal) from syncing the same revision again, so the replacement needs a sync by hand.
With a negative limit, `processRequestedAppOperation` retries until the sync succeeds: the
replacement recovers by itself once the namespace is freed, and the report asks for no
`argocd app sync`. On `e1-k8s-lab-b` and `e1-k8s-test-a` (the negative) the namespace
finishes deleting and nothing is reported about the replacements.
""",
        head_override={"kube-log": {"old_names": False, "retry": {"limit": -1}}},
        captured_unavailable={"e1-k8s-lab-a": ["metrics.k8s.io/v1beta1"]},
    )

    scenario(
        "audit-object-sync-options",
        """
# audit-object-sync-options

`audit` input: rud-incident with Argo CD's sync options set on single objects, in their
`argocd.argoproj.io/sync-options` annotation (issue 15, the `safety-features` inventory).
Namespace `kube-contour` carries ` ServerSideApply=true, Prune=confirm` (entries trimmed,
gitops-engine `GetAnnotationCSVs`): deleting it waits for approval
(`controller/state.go` `isObjRequiresDeletionConfirmation`). Namespace `kube-log` carries
`Delete=false`: deleting its Application leaves it (`controller/appcontroller.go`
`shouldBeDeleted`). ConfigMap `kube-log/fluent-bit` carries `Prune=false`: a sync does not
prune it (gitops-engine `pruneObject`), but deleting the Application still deletes it.
A rename therefore no longer takes namespace `kube-log`, so `kube-log` is not
rename-exposed. Negatives: namespace `payments` and Deployment `payments/payments-api` carry
`Delete=confirm` but no Application manages them, and Namespace `kube-metrics` carries
`Delete=true,Delete=false`, which guards nothing: Argo CD 3.4 and later take the first
`Delete=` entry (`GetAnnotationOptionValue`), so it is deleted and stays rename-exposed;
none of them is counted.
""",
        sync_options={
            ("Namespace", None, "kube-contour"): " ServerSideApply=true, Prune=confirm",
            ("Namespace", None, "kube-log"): "Delete=false",
            ("ConfigMap", "kube-log", "fluent-bit"): "Prune=false",
            ("Namespace", None, "payments"): "Delete=confirm",
            ("Deployment", "payments", "payments-api"): "Delete=confirm",
            ("Namespace", None, "kube-metrics"): "Delete=true,Delete=false",
        },
    )


if __name__ == "__main__":
    main()
