#!/usr/bin/env python3
"""Writes the deletion scenarios of tests/scenarios/ used by tests/what_if.rs.

Each scenario is one pattern of the deletion rulebook (../shared/docs/
k8s-deletion-semantics.md, §12 "Catalogue of circular dependencies" C-01..C-14, and the
rules it cites) or a negative case that looks risky but finishes. A scenario folder
holds `snapshot/<cluster>/objects.yaml`, `what-if.args` (the arguments after
`argocd-preflight`, one per line; `{dir}` stands for the scenario folder) and a README
that cites the rule or the public incident it is grounded in.

Run from the repository root: python3 tests/scenarios/generate_deletions.py
"""

import json
import os
import shutil

ROOT = os.path.dirname(os.path.abspath(__file__))


def ns(name, labels=None, finalizers=None, spec_finalizers=("kubernetes",)):
    meta = {"name": name, "uid": f"ns-{name}",
            "labels": {"kubernetes.io/metadata.name": name, **(labels or {})}}
    if finalizers:
        meta["finalizers"] = list(finalizers)
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": meta,
            "spec": {"finalizers": list(spec_finalizers)}, "status": {"phase": "Active"}}


def obj(api_version, kind, name, namespace=None, **fields):
    meta = {"name": name, "uid": f"{kind.lower()}-{namespace or 'cluster'}-{name}"}
    if namespace:
        meta["namespace"] = namespace
    meta.update(fields.pop("metadata", {}))
    out = {"apiVersion": api_version, "kind": kind, "metadata": meta}
    out.update(fields)
    return out


def owner(target, block=True):
    m = target["metadata"]
    return [{"apiVersion": target["apiVersion"], "kind": target["kind"], "name": m["name"],
             "uid": m["uid"], "controller": True, "blockOwnerDeletion": block}]


def backend(namespace, name, port_name="https", port=443, labels=None, service_account=None):
    """A Deployment, its ReplicaSet and Pod, a Service and an EndpointSlice."""
    labels = labels or {"app": name}
    template_spec = {"containers": [{"name": name, "image": f"example/{name}:1"}]}
    if service_account:
        template_spec["serviceAccountName"] = service_account
    deploy = obj("apps/v1", "Deployment", name, namespace,
                 spec={"selector": {"matchLabels": labels},
                       "template": {"metadata": {"labels": labels}, "spec": template_spec}})
    rs = obj("apps/v1", "ReplicaSet", f"{name}-7c9d", namespace,
             metadata={"ownerReferences": owner(deploy)}, spec={"selector": {"matchLabels": labels}})
    pod = obj("v1", "Pod", f"{name}-7c9d-x1", namespace,
              metadata={"labels": labels, "ownerReferences": owner(rs)},
              spec={"nodeName": "node-1", "containers": [{"name": name}]})
    svc = obj("v1", "Service", name, namespace,
              spec={"type": "ClusterIP", "selector": labels,
                    "ports": [{"name": port_name, "port": port}]})
    eps = obj("discovery.k8s.io/v1", "EndpointSlice", f"{name}-abcde", namespace,
              metadata={"labels": {"kubernetes.io/service-name": name},
                        "ownerReferences": owner(svc)},
              addressType="IPv4", ports=[{"name": port_name, "port": 10250}],
              endpoints=[{"addresses": ["10.0.0.9"], "conditions": {"ready": True},
                          "targetRef": {"kind": "Pod", "namespace": namespace,
                                        "name": pod["metadata"]["name"]}}])
    return [deploy, rs, pod, svc, eps]


def apiservice(group, version, namespace, service):
    return obj("apiregistration.k8s.io/v1", "APIService", f"{version}.{group}",
               spec={"group": group, "version": version,
                     "service": {"namespace": namespace, "name": service, "port": 443}},
               status={"conditions": [{"type": "Available", "status": "True", "reason": "Passed",
                                       "message": "all checks passed"}]})


def app_workload(namespace):
    """An ordinary team workload: Deployment, ReplicaSet, Pod, ConfigMap."""
    deploy, rs, pod, _svc, _eps = backend(namespace, "web", port_name="http", port=80)
    cm = obj("v1", "ConfigMap", "web-config", namespace, data={"mode": "prod"})
    return [deploy, rs, pod, cm]


def webhook(kind, name, namespace, service, operations, groups, resources, failure="Fail",
            exclude=("kube-system",)):
    return obj("admissionregistration.k8s.io/v1", kind, name, webhooks=[{
        "name": f"{name}.example.com",
        "failurePolicy": failure,
        "sideEffects": "None",
        "admissionReviewVersions": ["v1"],
        "clientConfig": {"service": {"namespace": namespace, "name": service, "path": "/validate"}},
        "rules": [{"operations": list(operations), "apiGroups": list(groups), "apiVersions": ["*"],
                   "resources": list(resources)}],
        "namespaceSelector": {"matchExpressions": [{"key": "kubernetes.io/metadata.name",
                                                    "operator": "NotIn",
                                                    "values": [namespace, *exclude]}]},
    }])


def crd(group, kind, plural, versions=("v1",), conversion=None, stored=None):
    spec = {"group": group, "names": {"kind": kind, "plural": plural}, "scope": "Namespaced",
            "versions": [{"name": v, "served": True, "storage": i == len(versions) - 1}
                         for i, v in enumerate(versions)]}
    if conversion:
        spec["conversion"] = {"strategy": "Webhook", "webhook": {"clientConfig": {"service": conversion}}}
    out = obj("apiextensions.k8s.io/v1", "CustomResourceDefinition", f"{plural}.{group}",
              metadata={"finalizers": ["customresourcecleanup.apiextensions.k8s.io"]}, spec=spec)
    out["status"] = {"storedVersions": list(stored or versions[-1:])}
    return out


def operator_rbac(name, namespace, group, resources):
    role = obj("rbac.authorization.k8s.io/v1", "ClusterRole", name,
               rules=[{"apiGroups": [group], "resources": list(resources),
                       "verbs": ["get", "list", "watch", "update", "patch"]}])
    binding = obj("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", name,
                  roleRef={"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name},
                  subjects=[{"kind": "ServiceAccount", "name": name, "namespace": namespace}])
    sa = obj("v1", "ServiceAccount", name, namespace)
    return [role, binding, sa]


def write(name, readme, clusters, args, extra_files=None):
    root = os.path.join(ROOT, name)
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    for cluster, objects in clusters.items():
        path = os.path.join(root, "snapshot", cluster, "objects.yaml")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            for o in objects:
                f.write("---\n")
                f.write(json.dumps(o, indent=2, sort_keys=True))
                f.write("\n")
    with open(os.path.join(root, "README.md"), "w") as f:
        f.write(readme.strip() + "\n")
    with open(os.path.join(root, "what-if.args"), "w") as f:
        f.write("\n".join(args) + "\n")
    for file, content in (extra_files or {}).items():
        with open(os.path.join(root, file), "w") as f:
            f.write(content)


def metrics_cluster():
    return [ns("default"), ns("kube-system"), ns("kube-metrics"), ns("team-a"),
            *backend("kube-metrics", "metrics-server"),
            apiservice("metrics.k8s.io", "v1beta1", "kube-metrics", "metrics-server"),
            *app_workload("team-a")]


def terminating_ns(name, finalizers=None):
    """A namespace already being deleted when the cluster was captured."""
    out = ns(name, finalizers=finalizers)
    out["metadata"]["deletionTimestamp"] = "2026-11-30T08:00:00Z"
    out["status"] = {"phase": "Terminating"}
    return out


def failed_discovery_check(api_service):
    """The APIService as the availability controller left it when its probe of the
    backend's discovery failed (R-APISVC-1, `FailedDiscoveryCheck`)."""
    out = json.loads(json.dumps(api_service))
    out["status"] = {"conditions": [{
        "type": "Available", "status": "False", "reason": "FailedDiscoveryCheck",
        "message": "failing or missing response from https://10.0.0.9:10250/apis/metrics.k8s.io/v1beta1: bad status from https://10.0.0.9:10250/apis/metrics.k8s.io/v1beta1: 503"}]}
    return out


def base_args(name, *deletes, extra=()):
    out = ["what-if", "--snapshot", "{dir}/snapshot", "--cluster", "lab"]
    for d in deletes:
        out += ["--delete", d]
    return out + list(extra)


def main():
    write("c01-apiservice-self-lock", """
# c01-apiservice-self-lock

C-01 (R-APISVC-1, R-DISC-3, R-DISC-4): deleting the namespace of metrics-server takes the
backend of `v1beta1.metrics.k8s.io` away; the APIService stays (cluster-scoped, R-APISVC-2),
discovery fails, and the backend's own namespace stays `Terminating` (self-lock,
prometheus-operator/kube-prometheus#275, linkerd/linkerd2#4261).
""", {"lab": metrics_cluster()}, base_args("c01", "namespace/kube-metrics"))

    write("c01-unrelated-namespace-held", """
# c01-unrelated-namespace-held

R-DISC-4: while any aggregated API is unavailable, no namespace anywhere on the cluster can
be finalized, including one that never held an object of that group (kubernetes/kubernetes
#58577, #84109). The team namespace deleted afterwards stays `Terminating` as well.
""", {"lab": metrics_cluster()}, base_args("c01b", "namespace/kube-metrics", "namespace/team-a"))

    write("c01-negative-apiservice-first", """
# c01-negative-apiservice-first

Negative of C-01 (R-DISC-6): the APIService is deleted before its backend's namespace, so
discovery never fails and both namespaces go.
""", {"lab": metrics_cluster()},
        base_args("c01n", "apiservice/v1beta1.metrics.k8s.io", "namespace/kube-metrics", "namespace/team-a"))

    write("c01-kube-1-26", """
# c01-kube-1-26

C-01 on Kubernetes 1.26 (§15): before aggregated discovery the failure reads `the server is
currently unable to handle the request`, and before 1.34 the availability controller reads
Endpoints, not EndpointSlices (R-DISC-3, R-APISVC-1).
""", {"lab": metrics_cluster()}, base_args("c01o", "namespace/kube-metrics", extra=["--kube-version", "1.26"]))

    widgets = crd("example.com", "Widget", "widgets")
    operator = [ns("widget-system"), *backend("widget-system", "widget-operator", service_account="widget-operator"),
                *operator_rbac("widget-operator", "widget-system", "example.com", ["widgets"]), widgets]
    widget = obj("example.com/v1", "Widget", "orders", "team-a",
                 metadata={"finalizers": ["example.com/cleanup"]})
    write("c02-operator-deleted-with-its-crs", """
# c02-operator-deleted-with-its-crs

C-02 (R-FIN-1, R-NSC-8): the operator that removes `example.com/cleanup` is deleted in the
same cascade as the namespace holding its custom resource; the controller is inferred from
RBAC (its service account may update `widgets`). The team namespace stays with
`NamespaceContentRemaining` and `NamespaceFinalizersRemaining` (rook/rook#12218,
kedacore/keda#1448).
""", {"lab": [ns("default"), ns("team-a"), *operator, widget]},
        base_args("c02", "namespace/widget-system", "namespace/team-a"))

    write("c02-negative-operator-alive", """
# c02-negative-operator-alive

Negative of C-02: the operator keeps running, removes its finalizer, and the namespace goes
(§6: an object never blocks forever when its finalizer is served).
""", {"lab": [ns("default"), ns("team-a"), *operator, widget]}, base_args("c02n", "namespace/team-a"))

    write("c02-declared-controller", """
# c02-declared-controller

C-02 with a controller the snapshot cannot reveal (no RBAC naming the resource): it is
declared with `--controllers` (design.md), and deleting its namespace leaves the custom
resources stuck.
""", {"lab": [ns("default"), ns("team-a"), ns("gadget-system"),
              *backend("gadget-system", "gadget-operator"),
              obj("example.com/v1", "Gadget", "g1", "team-a", metadata={"finalizers": ["gadgets.example.com/finalizer"]})]},
        base_args("c02d", "namespace/gadget-system", "namespace/team-a",
                  extra=["--controllers", "{dir}/controllers.yaml"]),
        extra_files={"controllers.yaml": """- workload: {apiVersion: apps/v1, kind: Deployment, namespace: gadget-system, name: gadget-operator}
  removesFinalizers: [gadgets.example.com/finalizer]
"""})

    gadget = obj("example.com/v1", "Gadget", "g1", "team-a",
                 metadata={"finalizers": ["gadgets.example.com/finalizer"]})
    gadget_controller = """- workload: {apiVersion: apps/v1, kind: Deployment, namespace: gadget-system, name: gadget-operator}
  removesFinalizers: [gadgets.example.com/finalizer]
"""
    write("c02-declared-controller-not-in-snapshot", """
# c02-declared-controller-not-in-snapshot

A controller declared with `--controllers` whose workload the snapshot does not show
(issue 13). A controller is alive only while its workload exists and its namespace is not
terminating (rulebook §14.2, R-FIN-1); absent from the snapshot, it is not running in the
cluster, so the finalizer it would remove stays and namespace `team-a` stays
`Terminating` with `NamespaceFinalizersRemaining`
(`pkg/controller/namespace/deletion/namespaced_resources_deleter.go`: `deleteAllContent`
counts the finalizers left on the namespace's content and keeps the namespace).
""", {"lab": [ns("default"), ns("team-a"), gadget]},
        base_args("c02x", "namespace/team-a", extra=["--controllers", "{dir}/controllers.yaml"]),
        extra_files={"controllers.yaml": gadget_controller})

    write("c02-negative-declared-external-controller", """
# c02-negative-declared-external-controller

Negative of c02-declared-controller-not-in-snapshot: the same snapshot and deletion, but the
controller is declared `external: true` (it runs outside the cluster, with its own
kubeconfig). Nothing the change deletes can stop it, so it removes its finalizer and the
namespace goes (§6: a finalizer whose controller runs is removed).
""", {"lab": [ns("default"), ns("team-a"), gadget]},
        base_args("c02e", "namespace/team-a", extra=["--controllers", "{dir}/controllers.yaml"]),
        extra_files={"controllers.yaml": gadget_controller + "  external: true\n"})

    broken = [o if o["kind"] != "APIService" else failed_discovery_check(o) for o in metrics_cluster()]
    write("already-broken-apiservice-failed-discovery-check", """
# already-broken-apiservice-failed-discovery-check

State already broken at capture time (issue 13). The APIService `v1beta1.metrics.k8s.io`
has a Service with a ready endpoint, but its own status says `Available=False`
(`FailedDiscoveryCheck`): the aggregator's availability controller could not get
`/apis/metrics.k8s.io/v1beta1` from the backend, which no endpoint in the snapshot can show
(`staging/src/k8s.io/kube-aggregator/pkg/controllers/status/remote`, R-APISVC-1). It is
already unavailable before the change, so discovery already fails (R-DISC-4): namespace
`old-team`, deleted before the capture, is already `Terminating` and stays so, and the
deletion of `team-a` the change starts stays `Terminating` too
(`namespaced_resources_deleter.go`: `deleteAllContent` returns the discovery error and
`Delete` returns before finalizing).
""", {"lab": [*broken, terminating_ns("old-team")]}, base_args("ab", "namespace/team-a"))

    write("already-broken-negative-apiservice-available", """
# already-broken-negative-apiservice-available

Negative of already-broken-apiservice-failed-discovery-check: the same cluster, with
namespace `old-team` already `Terminating` at capture, but the APIService's status says
`Available=True` and its backend is ready. Discovery works, so the old namespace finishes
(nothing holds it, R-NSC-2) and so does `team-a`.
""", {"lab": [*metrics_cluster(), terminating_ns("old-team")]}, base_args("abn", "namespace/team-a"))

    write("already-broken-harmless-change", """
# already-broken-harmless-change

Counterpart of already-broken-apiservice-failed-discovery-check (issue 13): the same
cluster, whose APIService `v1beta1.metrics.k8s.io` is already `Available=False`
(`FailedDiscoveryCheck`) and whose namespace `old-team` is already `Terminating` at
capture, but the change deletes only the ConfigMap `team-a/web-config`, which no
finalizer holds. The change starts no namespace deletion and does not touch discovery:
`old-team` stays `Terminating` because of standing state, which the report tells as a
warning, not as something the change causes (exit code 0 with the default `--fail-on`).
""", {"lab": [*broken, terminating_ns("old-team")]}, base_args("abh", "configmap/team-a/web-config"))

    write("already-terminating-namespace-held-by-a-finalizer", """
# already-terminating-namespace-held-by-a-finalizer

A namespace already `Terminating` at capture time on a cluster the change touches, held by
Rancher's `controller.cattle.io/namespace-auth` finalizer while Rancher does not run
(R-NSAPI-6, rancher/rancher#36450). The change (deleting `team-a`) does not cause it: the
report lists `old-team` as already stuck before the change, with its cause, and
`team-a` finishes.
""", {"lab": [*metrics_cluster(), terminating_ns("old-team", finalizers=["controller.cattle.io/namespace-auth"])]},
        base_args("atn", "namespace/team-a"))

    kyverno = [ns("kyverno"), *backend("kyverno", "kyverno-svc")]
    write("c03-delete-webhook-backend-gone", """
# c03-delete-webhook-backend-gone

C-03 (R-WH-4, R-WH-5): a fail-closed webhook intercepts DELETE of ConfigMaps; its backend
namespace is deleted first, so the namespace controller's deletes fail with the API
server's `failed calling webhook` error (`NamespaceDeletionContentFailure`), and the
ConfigMap is not counted as remaining (R-NSC-8; kyverno/kyverno#7576,
netbirdio/kubernetes-operator#46).
""", {"lab": [ns("default"), ns("team-a"), *kyverno, *app_workload("team-a"),
              webhook("ValidatingWebhookConfiguration", "kyverno-resource", "kyverno", "kyverno-svc",
                      ["DELETE"], [""], ["configmaps"])]},
        base_args("c03", "namespace/kyverno", "namespace/team-a"))

    write("c03-negative-ignore-policy", """
# c03-negative-ignore-policy

Negative of C-03 (R-WH-4): with `failurePolicy: Ignore` a call failure is logged and the
request proceeds; everything is deleted.
""", {"lab": [ns("default"), ns("team-a"), *kyverno, *app_workload("team-a"),
              webhook("ValidatingWebhookConfiguration", "kyverno-resource", "kyverno", "kyverno-svc",
                      ["DELETE"], [""], ["configmaps"], failure="Ignore")]},
        base_args("c03n", "namespace/kyverno", "namespace/team-a"))

    write("c03-negative-webhook-config-deleted", """
# c03-negative-webhook-config-deleted

R-WH-1/R-WH-9: webhook configurations are exempt from webhooks, so deleting the
configuration first is the universal escape hatch; nothing is blocked afterwards.
""", {"lab": [ns("default"), ns("team-a"), *kyverno, *app_workload("team-a"),
              webhook("ValidatingWebhookConfiguration", "kyverno-resource", "kyverno", "kyverno-svc",
                      ["*"], ["*"], ["*"])]},
        base_args("c03w", "validatingwebhookconfiguration/kyverno-resource", "namespace/kyverno", "namespace/team-a"))

    write("c04-update-webhook-foreground", """
# c04-update-webhook-foreground

C-04 (R-OBJ-6, R-OBJ-8, R-WH-6): a webhook registered for CREATE and UPDATE only looks
harmless for deletions, but a Foreground delete adds `foregroundDeletion`, whose removal is
an UPDATE; with the webhook's backend gone the Deployment stays with its finalizer
(opendatahub-io/opendatahub-operator#2242).
""", {"lab": [ns("default"), ns("team-a"), *kyverno, *app_workload("team-a"),
              webhook("ValidatingWebhookConfiguration", "kyverno-policy", "kyverno", "kyverno-svc",
                      ["CREATE", "UPDATE"], ["apps"], ["deployments"])]},
        base_args("c04", "namespace/kyverno", "deployment.apps/team-a/web", extra=["--cascade", "foreground"]))

    write("c05-namespace-delete-webhook", """
# c05-namespace-delete-webhook

C-05 (R-WH-7): a fail-closed webhook on namespace DELETE whose backend is gone refuses the
deletion itself: the namespace never becomes `Terminating`.
""", {"lab": [ns("default"), ns("team-a"), *kyverno, *app_workload("team-a"),
              webhook("ValidatingWebhookConfiguration", "kyverno-namespace", "kyverno", "kyverno-svc",
                      ["DELETE"], [""], ["namespaces"])]},
        base_args("c05", "namespace/kyverno", "namespace/team-a"))

    conv_crd = crd("example.com", "Certificate", "certificates", versions=("v1", "v2"),
                   conversion={"namespace": "certs", "name": "certs-webhook", "path": "/convert"},
                   stored=("v1", "v2"))
    write("c06-conversion-webhook-backend-gone", """
# c06-conversion-webhook-backend-gone

C-06 (R-CRD-4, R-CRD-5): objects stored at `v1` while `v2` is preferred need the conversion
webhook on every read and delete; with its backend gone, deleting the namespace that holds
them fails with `conversion webhook for example.com/v1, Kind=Certificate failed`
(cert-manager/cert-manager#3135, kubernetes/kubernetes#118357).
""", {"lab": [ns("default"), ns("team-a"), ns("certs"), *backend("certs", "certs-webhook"), conv_crd,
              obj("example.com/v2", "Certificate", "tls", "team-a")]},
        base_args("c06", "namespace/certs", "namespace/team-a"))

    write("c06-crd-instances-cannot-be-listed", """
# c06-crd-instances-cannot-be-listed

R-CRD-2, R-CRD-5 (apiextensions-apiserver `pkg/controller/finalizer/crd_finalizer.go`,
`deleteInstances`; kubernetes/kubernetes#71925): the CRD is deleted together with the
namespace of its conversion webhook's backend. The CRD finalizer LISTs the instances at the
storage version (`v2`) before deleting any; `tls` is stored at `v1` and needs the webhook,
so the LIST fails and `deleteInstances` returns: the CRD stays `Terminating` with
`InstanceDeletionFailed` and the Certificate is untouched (not deleted).
""", {"lab": [ns("default"), ns("team-a"), ns("certs"), *backend("certs", "certs-webhook"), conv_crd,
              obj("example.com/v2", "Certificate", "tls", "team-a")]},
        base_args("c06l", "namespace/certs", "customresourcedefinition/certificates.example.com"))

    write("c06-negative-crd-instances-at-storage-version", """
# c06-negative-crd-instances-at-storage-version

Negative of c06-crd-instances-cannot-be-listed (R-CRD-2, R-CRD-4): every instance is stored
at the storage version (`status.storedVersions: [v2]`), so the CRD finalizer's LIST needs
no conversion although the webhook's backend is gone; the instances and then the CRD are
deleted.
""", {"lab": [ns("default"), ns("team-a"), ns("certs"), *backend("certs", "certs-webhook"),
              crd("example.com", "Certificate", "certificates", versions=("v1", "v2"),
                  conversion={"namespace": "certs", "name": "certs-webhook", "path": "/convert"}),
              obj("example.com/v2", "Certificate", "tls", "team-a")]},
        base_args("c06s", "namespace/certs", "customresourcedefinition/certificates.example.com"))

    write("c07-crd-with-orphaned-finalizers", """
# c07-crd-with-orphaned-finalizers

C-07 (R-CRD-2, R-CRD-3): the operator goes first; deleting the CRD then deletes its custom
resources, which keep the finalizer nobody removes, so the CRD stays `Terminating`
(cert-manager/cert-manager#5537, kedacore/keda#1448).
""", {"lab": [ns("default"), ns("team-a"), *operator, widget]},
        base_args("c07", "namespace/widget-system", "customresourcedefinition/widgets.example.com"))

    stuck_pod = obj("v1", "Pod", "web-7c9d-x1", "team-a",
                    metadata={"finalizers": ["example.com/pod-guard"], "labels": {"app": "web"}},
                    spec={"nodeName": "node-1"})
    deploy, rs, _pod, cm = app_workload("team-a")
    stuck_pod["metadata"]["ownerReferences"] = owner(rs)
    write("c08-foreground-blocking-dependent", """
# c08-foreground-blocking-dependent

C-08 (R-GC-5): a Deployment deleted with Foreground waits for its blocking dependents; a pod
that keeps an unknown finalizer keeps the ReplicaSet and the Deployment in
`foregroundDeletion` forever (kubernetes/kubernetes#86509, longhorn/longhorn#743).
""", {"lab": [ns("default"), ns("team-a"), deploy, rs, stuck_pod, cm]},
        base_args("c08", "deployment.apps/team-a/web", extra=["--cascade", "foreground"]))

    write("c10-namespace-finalizer-of-removed-controller", """
# c10-namespace-finalizer-of-removed-controller

C-10 (R-NSAPI-6): a namespace carries Rancher's `controller.cattle.io/namespace-auth` in
`metadata.finalizers` but Rancher is not running; the namespace empties and stays
`Terminating` with every condition in its OK form (rancher/rancher#36450).
""", {"lab": [ns("default"), ns("team-a", finalizers=["controller.cattle.io/namespace-auth"]),
              *app_workload("team-a")]},
        base_args("c10", "namespace/team-a"))

    argocd_objects = [ns("default"), ns("argocd"), ns("guestbook"),
                      obj("apps/v1", "StatefulSet", "argocd-application-controller", "argocd"),
                      obj("v1", "ConfigMap", "argocd-cm", "argocd", data={}),
                      obj("argoproj.io/v1alpha1", "Application", "guestbook", "argocd",
                          metadata={"finalizers": ["resources-finalizer.argocd.argoproj.io"]},
                          spec={"project": "default",
                                "source": {"repoURL": "https://git.example.internal/apps.git", "path": "guestbook"},
                                "destination": {"server": "https://kubernetes.default.svc", "namespace": "guestbook"}}),
                      obj("v1", "ConfigMap", "guestbook-ui", "guestbook",
                          metadata={"annotations": {"argocd.argoproj.io/tracking-id": "guestbook:/ConfigMap:guestbook/guestbook-ui"}})]
    write("c11-argocd-deletes-its-own-namespace", """
# c11-argocd-deletes-its-own-namespace

C-11 (R-ARGO-6): deleting the namespace Argo CD runs in deletes the application controller
together with the Applications; their resources finalizer is never processed, so the
Applications and the namespace stay `Terminating` (argoproj/argo-cd#7860,
argoproj-labs/argocd-autopilot#99).
""", {"in-cluster": argocd_objects},
        ["what-if", "--snapshot", "{dir}/snapshot", "--cluster", "in-cluster", "--delete", "namespace/argocd"])

    pvc = obj("v1", "PersistentVolumeClaim", "data", "team-a",
              metadata={"finalizers": ["kubernetes.io/pvc-protection"]}, spec={"volumeName": "pv-data"})
    deploy, rs, pod, cm = app_workload("team-a")
    pod["spec"]["volumes"] = [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]
    write("c12-negative-pvc-protection", """
# c12-negative-pvc-protection

Negative (R-VOL-1, C-12): a PVC in use carries `kubernetes.io/pvc-protection`; deleting the
namespace deletes the pod first and then the claim goes too. Not a block.
""", {"lab": [ns("default"), ns("team-a"), deploy, rs, pod, cm, pvc]}, base_args("c12", "namespace/team-a"))

    owner_cr = obj("example.com/v1", "Widget", "orders", "team-a")
    leaked = obj("rbac.authorization.k8s.io/v1", "ClusterRole", "orders-reader",
                 metadata={"ownerReferences": owner(owner_cr)}, rules=[])
    write("c13-negative-cluster-scoped-owned-by-namespaced", """
# c13-negative-cluster-scoped-owned-by-namespaced

C-13 (R-GC-8): a cluster-scoped object whose owner reference names a namespaced object is
never collected; deleting the namespace leaks it but blocks nothing.
""", {"lab": [ns("default"), ns("team-a"), owner_cr, leaked, widgets]}, base_args("c13", "namespace/team-a"))

    metrics = metrics_cluster()
    write("c01-backend-deployment-deleted", """
# c01-backend-deployment-deleted

C-01 without a namespace deletion (R-APISVC-1): deleting only the metrics-server Deployment
takes its pods away, the EndpointSlice keeps no ready address and the APIService turns
`MissingEndpoints`; the next namespace deleted anywhere (`team-a`) stays `Terminating`.
""", {"lab": metrics}, base_args("c01d", "deployment.apps/kube-metrics/metrics-server", "namespace/team-a"))

    pod = obj("v1", "Pod", "web-7c9d-x1", "team-a",
              metadata={"finalizers": ["example.com/pod-guard"], "labels": {"app": "web"}},
              spec={"nodeName": "node-1"})
    write("c09-ordered-deletion-pod-remains", """
# c09-ordered-deletion-pod-remains

C-09 with ordered namespace deletion (R-NSC-3 step 3, GA in 1.34): pods go first, and while
a pod remains nothing else in the namespace is deleted; the remaining-content conditions
then read `False ContentRemoved` although content remains (kubernetes/kubernetes#138208).
""", {"lab": [ns("default"), ns("team-a"), pod, obj("v1", "ConfigMap", "web-config", "team-a")]},
        base_args("c09", "namespace/team-a"))

    write("argo-application-delete-cascades", """
# argo-application-delete-cascades

R-ARGO-1..3 through `what-if`: deleting the Application that manages namespace
`kube-metrics` (from the rud-incident fleet) cascades to its destination cluster; the
namespace deletion takes metrics-server away and the namespace stays `Terminating` (C-01),
with the Application itself waiting for it.
""", {}, ["what-if", "--snapshot", "{scenarios}/rud-incident/snapshot", "--cluster", "in-cluster",
          "--delete", "application/argocd/e1-k8s-lab-a-kube-metrics-ns"])

    write("argo-applicationset-orphan", """
# argo-applicationset-orphan

Negative (appset rulebook §9.8): deleting an ApplicationSet with `--cascade orphan` keeps the
Applications it owns, so nothing on the destination clusters is touched.
""", {}, ["what-if", "--snapshot", "{scenarios}/rud-incident/snapshot", "--cluster", "in-cluster",
          "--delete", "applicationset/argocd/kube-log", "--cascade", "orphan"])

    write("c01-snapshot-records-its-version", """
# c01-snapshot-records-its-version

C-01 on a cluster whose snapshot records its version (`version.json`, as `kubectl version
-o json` writes it): without `--kube-version` the texts of that version apply (1.26: `the
server is currently unable to handle the request`; Endpoints, not EndpointSlices).
""", {"lab": metrics_cluster()}, base_args("c01v", "namespace/kube-metrics"))
    with open(os.path.join(ROOT, "c01-snapshot-records-its-version", "snapshot", "lab", "version.json"), "w") as f:
        json.dump({"clientVersion": {"gitVersion": "v1.31.0"},
                   "serverVersion": {"major": "1", "minor": "26", "gitVersion": "v1.26.15"}}, f, indent=2)
        f.write("\n")

    node = obj("v1", "Node", "node-1", status={"conditions": [{"type": "Ready", "status": "Unknown",
                                                               "reason": "NodeStatusUnknown"}]})
    deploy, rs, pod, cm = app_workload("team-a")
    for version, name in (("1.32", "c09-node-not-ready-1-32"), (None, "c09-node-not-ready")):
        write(name, f"""
# {name}

C-09 (R-POD-1, R-NSC-9): the pod runs on a node whose kubelet stopped reporting (`Ready`
is `Unknown`), so nothing confirms it gone after its grace period; the namespace stays
with `NamespaceDeletionContentFailure` (`unexpected items still remain … Resource=pods`)
(kubernetes/kubernetes#49798, vmware-tanzu/sonobuoy#1171).
{"On 1.32 `NamespaceContentRemaining` also reads `pods. has 1 resource instances`." if version else "From 1.33 ordered deletion writes the remaining-content conditions without totals while pods remain (kubernetes/kubernetes#138208)."}
""", {"lab": [ns("default"), ns("team-a"), node, deploy, rs, pod, cm]},
            base_args(name, "namespace/team-a", extra=(["--kube-version", version] if version else [])))

    pv = obj("v1", "PersistentVolume", "pv-data",
             metadata={"finalizers": ["kubernetes.io/pv-protection"]},
             spec={"persistentVolumeReclaimPolicy": "Delete", "csi": {"driver": "ebs.csi.example.com"},
                   "claimRef": {"namespace": "team-a", "name": "data"}},
             status={"phase": "Bound"})
    deploy, rs, pod, cm = app_workload("team-a")
    pod["spec"]["volumes"] = [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]
    claim = obj("v1", "PersistentVolumeClaim", "data", "team-a",
                metadata={"finalizers": ["kubernetes.io/pvc-protection"]}, spec={"volumeName": "pv-data"})
    provisioner_rbac = [
        obj("rbac.authorization.k8s.io/v1", "ClusterRole", "csi-provisioner",
            rules=[{"apiGroups": [""], "resources": ["persistentvolumes"],
                    "verbs": ["get", "list", "watch", "create", "delete"]}]),
        obj("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "csi-provisioner",
            roleRef={"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "csi-provisioner"},
            subjects=[{"kind": "ServiceAccount", "name": "csi-provisioner", "namespace": "csi-system"}]),
    ]
    write("c12-provisioner-deleted-with-its-claims", """
# c12-provisioner-deleted-with-its-claims

C-12 (R-VOL-3): the CSI provisioner (found through RBAC: its service account may delete
PersistentVolumes) is deleted together with the namespace whose claim it serves. The claim
goes, the volume is `Released` with reclaim policy `Delete`, and nobody deletes the backend
volume: not a block, a leak the plan reports.
""", {"lab": [ns("default"), ns("team-a"), ns("csi-system"),
              *backend("csi-system", "csi-provisioner", service_account="csi-provisioner"),
              *provisioner_rbac, deploy, rs, pod, cm, claim, pv]},
        base_args("c12p", "namespace/csi-system", "namespace/team-a"))

    apps_objects = [ns("default"), ns("argocd"), ns("apps"), ns("guestbook"),
                    obj("apps/v1", "StatefulSet", "argocd-application-controller", "argocd"),
                    obj("v1", "ConfigMap", "argocd-cm", "argocd", data={}),
                    obj("argoproj.io/v1alpha1", "Application", "guestbook", "apps",
                        metadata={"finalizers": ["resources-finalizer.argocd.argoproj.io"]},
                        spec={"project": "default",
                              "source": {"repoURL": "https://git.example.internal/apps.git", "path": "guestbook"},
                              "destination": {"server": "https://kubernetes.default.svc", "namespace": "guestbook"}}),
                    obj("v1", "ConfigMap", "guestbook-ui", "guestbook",
                        metadata={"annotations": {"argocd.argoproj.io/tracking-id": "apps_guestbook:/ConfigMap:guestbook/guestbook-ui"}})]
    write("c11-negative-applications-namespace-controller-alive", """
# c11-negative-applications-namespace-controller-alive

Negative of C-11 (R-ARGO-1, R-ARGO-2): the Applications live in their own namespace
(Applications in any namespace) and the application controller runs elsewhere. Deleting
that namespace deletes the Applications, the controller processes their resources
finalizer, and their resources are deleted on their destination (tracking id
`apps_guestbook:…`); nothing gets stuck.
""", {"in-cluster": apps_objects},
        ["what-if", "--snapshot", "{dir}/snapshot", "--cluster", "in-cluster", "--delete", "namespace/apps"])

    def database(reclaim_policy):
        """A StatefulSet whose pod mounts a claim bound to a CSI volume of the policy."""
        labels = {"app": "postgres"}
        sts = obj("apps/v1", "StatefulSet", "postgres", "team-a",
                  spec={"serviceName": "postgres", "selector": {"matchLabels": labels},
                        "template": {"metadata": {"labels": labels},
                                     "spec": {"containers": [{"name": "postgres", "image": "postgres:16"}]}},
                        "volumeClaimTemplates": [{"metadata": {"name": "data"},
                                                  "spec": {"storageClassName": "gp3",
                                                           "resources": {"requests": {"storage": "50Gi"}}}}]})
        pod = obj("v1", "Pod", "postgres-0", "team-a",
                  metadata={"labels": labels, "ownerReferences": owner(sts)},
                  spec={"nodeName": "node-1", "containers": [{"name": "postgres"}],
                        "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data-postgres-0"}}]})
        claim = obj("v1", "PersistentVolumeClaim", "data-postgres-0", "team-a",
                    metadata={"labels": labels, "finalizers": ["kubernetes.io/pvc-protection"]},
                    spec={"storageClassName": "gp3", "volumeName": "pvc-7d3e9a41",
                          "resources": {"requests": {"storage": "50Gi"}}},
                    status={"phase": "Bound"})
        volume = obj("v1", "PersistentVolume", "pvc-7d3e9a41",
                     metadata={"finalizers": ["kubernetes.io/pv-protection",
                                              "external-provisioner.volume.kubernetes.io/finalizer"],
                               "annotations": {"pv.kubernetes.io/provisioned-by": "ebs.csi.example.com"}},
                     spec={"capacity": {"storage": "50Gi"}, "storageClassName": "gp3",
                           "persistentVolumeReclaimPolicy": reclaim_policy,
                           "csi": {"driver": "ebs.csi.example.com", "volumeHandle": "vol-0a1b2c3d"},
                           "claimRef": {"namespace": "team-a", "name": "data-postgres-0",
                                        "uid": claim["metadata"]["uid"]}},
                     status={"phase": "Bound"})
        return [ns("default"), ns("team-a"), ns("csi-system"),
                *backend("csi-system", "csi-provisioner", service_account="csi-provisioner"),
                *provisioner_rbac, sts, pod, claim, volume]

    write("c12-volume-destroyed-with-its-data", """
# c12-volume-destroyed-with-its-data

R-VOL-3, R-VOL-4 (`pkg/controller/volume/persistentvolume/pv_controller.go`,
`deleteVolumeOperation`; the CSI external provisioner): deleting namespace `team-a` deletes
the StatefulSet's claim; its volume, with reclaim policy `Delete`, is `Released`, and the
provisioner (alive in `csi-system`) deletes the backend disk and then the PersistentVolume.
The data is gone: the report lists the PersistentVolume as deleted and a `volume-data-loss`
finding names it with its capacity, storage class, claim and workload.
""", {"lab": database("Delete")}, base_args("c12d", "namespace/team-a"))

    write("c12-negative-volume-retained", """
# c12-negative-volume-retained

Negative of c12-volume-destroyed-with-its-data (R-VOL-3): the same claim deleted with its
namespace, but the volume's reclaim policy is `Retain`, so the volume stays `Released` with
its data; the JSON report lists it as retained and no data is lost.
""", {"lab": database("Retain")}, base_args("c12r", "namespace/team-a"))

    def metrics_without_endpoint_data(replicas, with_pod):
        """metrics_cluster() whose snapshot holds no EndpointSlice for metrics-server."""
        deploy, rs, pod, svc, _eps = backend("kube-metrics", "metrics-server")
        deploy["spec"]["replicas"] = replicas
        pod["status"] = {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}
        web = backend("team-a", "web", port_name="http", port=80)
        return [ns("default"), ns("kube-system"), ns("kube-metrics"), ns("team-a"),
                deploy, rs, *([pod] if with_pod else []), svc,
                apiservice("metrics.k8s.io", "v1beta1", "kube-metrics", "metrics-server"), *web]

    write("c01-backend-scaled-to-zero", """
# c01-backend-scaled-to-zero

R-APISVC-1 (kube-aggregator `pkg/controllers/status/remote/remote_available_controller.go`),
R-DISC-4; issue 13: missing endpoint data is no proof of a live backend. metrics-server is
scaled to 0: the snapshot holds EndpointSlices and pods, but none for its Service, so the
APIService has no ready endpoint (`MissingEndpoints`) whatever its recorded status says. It
is unavailable before the change, and namespace `team-a` deleted now stays `Terminating`.
""", {"lab": metrics_without_endpoint_data(0, False)}, base_args("c01z", "namespace/team-a"))

    write("c01-negative-ready-pod-without-endpointslice", """
# c01-negative-ready-pod-without-endpointslice

Negative of c01-backend-scaled-to-zero (R-APISVC-1): the snapshot holds no EndpointSlice for
metrics-server's Service either, but a `Ready` pod its selector matches runs, so the backend
is live; namespace `team-a` is deleted and nothing gets stuck.
""", {"lab": metrics_without_endpoint_data(1, True)}, base_args("c01r", "namespace/team-a"))

    def argocd_with_metrics():
        """One cluster running Argo CD and the metrics-server its Application manages."""
        tracking = {"argocd.argoproj.io/tracking-id":
                    "metrics-server:apps/Deployment:kube-metrics/metrics-server"}
        deploy, rs, pod, svc, eps = backend("kube-metrics", "metrics-server")
        deploy["metadata"]["annotations"] = tracking
        svc["metadata"]["annotations"] = {"argocd.argoproj.io/tracking-id":
                                          "metrics-server:/Service:kube-metrics/metrics-server"}
        app = obj("argoproj.io/v1alpha1", "Application", "metrics-server", "argocd",
                  metadata={"finalizers": ["resources-finalizer.argocd.argoproj.io"]},
                  spec={"project": "default",
                        "source": {"repoURL": "https://git.example.internal/platform.git", "path": "metrics-server"},
                        "destination": {"server": "https://kubernetes.default.svc", "namespace": "kube-metrics"}})
        return [ns("default"), ns("argocd"), ns("kube-metrics"), ns("team-a"),
                obj("apps/v1", "StatefulSet", "argocd-application-controller", "argocd"),
                obj("v1", "ConfigMap", "argocd-cm", "argocd", data={}),
                app, deploy, rs, pod, svc, eps,
                apiservice("metrics.k8s.io", "v1beta1", "kube-metrics", "metrics-server"),
                *app_workload("team-a")]

    what_if_in_cluster = ["what-if", "--snapshot", "{dir}/snapshot", "--cluster", "in-cluster"]
    write("what-if-order-application-then-namespace", """
# what-if-order-application-then-namespace

`what-if` keeps the order given (issue 13): the Application managing metrics-server is
deleted first; its cascade deletes the backend of APIService `v1beta1.metrics.k8s.io`
(R-APISVC-1), and namespace `team-a`, deleted once the cluster has settled from that, stays
`Terminating` (`namespaced_resources_deleter.go`: `deleteAllContent` keeps the discovery
error and `Delete` returns before finalizing, R-DISC-4).
""", {"in-cluster": argocd_with_metrics()},
        what_if_in_cluster + ["--delete", "application/argocd/metrics-server", "--delete", "namespace/team-a"])

    write("what-if-order-namespace-then-application", """
# what-if-order-namespace-then-application

Negative of what-if-order-application-then-namespace: the same two deletions in the other
order. Namespace `team-a` is deleted while the aggregated API is still available, so it
finishes; the Application's cascade then takes the APIService's backend away, which the
report still tells, but no namespace is left waiting for it.
""", {"in-cluster": argocd_with_metrics()},
        what_if_in_cluster + ["--delete", "namespace/team-a", "--delete", "application/argocd/metrics-server"])


if __name__ == "__main__":
    main()
