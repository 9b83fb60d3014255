#!/usr/bin/env python3
"""Writes a fleet of the seed talk's shape for measuring argocd-preflight at scale.

Scale 1 is the talk's fleet: 30 clusters, 1,406 namespaces, about 18,000 pods, 4,200
ingresses and 280,000 objects, about 1.5 GB of JSON as `kubectl get -o json` writes it
(four-space indent, keys sorted, managedFields, last-applied-configuration, status), and
an Argo CD cluster with 19 ApplicationSets and the 4,556 live Applications they generate.
Scale N has round(30*N) clusters of the same shape (scale 10: 300 clusters, about
15 GB); a scale below 0.1 also thins each cluster (fewer tenant namespaces), which makes
small fleets for tests (0.02: one cluster). The Applications are one file (110 MB at
scale 1, 1.1 GB at scale 10): a loader has to split work inside a file to use all cores.

Layout of OUT_DIR:

    OUT_DIR/snapshot/<cluster>/*.json   one `List` per kind group, and version.json
    OUT_DIR/snapshot/in-cluster/        argocd-cm, the AppProject, the cluster secrets,
                                        the 19 ApplicationSets and their Applications
    OUT_DIR/base/ OUT_DIR/head/         the ApplicationSets at two revisions: head
                                        renames the template of `platform-namespaces`
                                        (as in the incident), so every Application of
                                        it is replaced and `kube-metrics` is deleted on
                                        every cluster
    OUT_DIR/fleet.json                  the parameters and what was written (counts,
                                        bytes)

    python3 scripts/generate-fleet.py /tmp/fleet --scale 1
    argocd-preflight plan --snapshot /tmp/fleet/snapshot \\
        --base /tmp/fleet/base --head /tmp/fleet/head --format json > /dev/null

Same arguments, same bytes: every name, uid, timestamp and value derives from the
cluster's name and index, never from a clock or an unseeded random source, and each
file is written by one process whatever `--jobs` says.
"""

import argparse
import base64
import hashlib
import json
import os
import random
import re
import shutil
import sys
import time
from multiprocessing import Pool

KUBE_VERSION = "v1.31.4"
ARGOCD_NAMESPACE = "argocd"
REPO_URL = "https://gitlab.example.internal/platform/infrastructure.git"
TENANT_REPO_URL = "https://gitlab.example.internal/tenants/deploy.git"
# 2024-03-01T00:00:00Z: every timestamp is an offset from here.
EPOCH = 1709251200
STAGES = ["lab", "test", "stage", "prod"]
REGIONS = ["e1", "e2", "w1"]
NODES_PER_CLUSTER = 12
CONTROL_PLANE_NODES = 3
# Clusters 26..29 of every 30 lack the extra tenant: 26*47 + 4*46 = 1,406 namespaces.
EXTENDED_PER_30 = 26
# JSON without indentation, one line per file, as `argocd-preflight capture` writes it
# (--compact); set in the main process and in each worker by `set_compact`.
COMPACT = False


def set_compact(compact):
    global COMPACT
    COMPACT = compact


SYSTEM_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"]
PLATFORM_NAMESPACES = [
    "kube-metrics", "kube-log", "kube-contour", "cert-manager", "ingress-nginx",
    "external-dns", "monitoring", "policy", "storage",
]
TENANTS = [
    "payments", "checkout", "catalog", "search", "identity", "billing", "orders",
    "shipping", "inventory", "pricing", "reviews", "recommendations", "notifications",
    "ledger", "fraud", "loyalty", "support", "analytics", "reporting", "media", "cms",
    "accounts", "onboarding", "partners", "geo", "booking", "quotes", "claims", "risk",
    "audit", "docs", "forecast", "returns",
]
# Only on clusters labelled `tenants: extended`.
EXTRA_TENANT = "sandbox"
# Tenant component -> how many of the tenants (in order) run it. 100 per cluster.
COMPONENTS = [
    ("api", 33), ("web", 24), ("worker", 18), ("cron", 10), ("cache", 7), ("db", 5),
    ("gateway", 2), ("batch", 1),
]
REPLICAS = {"api": 6, "web": 6, "worker": 5, "gateway": 3, "cache": 3, "db": 2}
INGRESSES = {"api": 2, "web": 3, "gateway": 1}
# ReplicaSets a Deployment keeps (revisionHistoryLimit 10 on long-lived clusters).
REPLICASET_HISTORY = 6
EVENTS_PER_POD = 5
LOREM = (
    "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor "
    "incididunt ut labore et dolore magna aliqua ut enim ad minim veniam quis nostrud "
    "exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat duis aute irure "
    "dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur"
).split()


# ---------------------------------------------------------------------------------------
# Small deterministic helpers


def uid_of(*parts):
    h = hashlib.md5("/".join(parts).encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def suffix(text, length=5):
    """A pod-name-like suffix (`x7k2p`) derived from `text`."""
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    h = int(hashlib.md5(text.encode()).hexdigest(), 16)
    out = []
    for _ in range(length):
        h, r = divmod(h, len(alphabet))
        out.append(alphabet[r])
    return "".join(out)


def hexhash(text, length=10):
    return hashlib.sha1(text.encode()).hexdigest()[:length]


def ts(offset):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(EPOCH + offset))


def fake_b64(label, length):
    """An obviously fake base64 value of about `length` characters."""
    text = (f"FAKE-{label}-NOT-A-SECRET-" * (length // 20 + 1))[: length * 3 // 4]
    return base64.b64encode(text.encode()).decode()


def sentence(rng, words):
    return " ".join(rng.choice(LOREM) for _ in range(words)).capitalize() + "."


def fields_v1(value):
    """The `fieldsV1` set of a value, as the API server records it in managedFields."""
    if isinstance(value, dict):
        return {"f:" + key: fields_v1(item) for key, item in value.items()}
    if isinstance(value, list) and value and all(
            isinstance(item, dict) and "name" in item for item in value):
        return {
            'k:{"name":"%s"}' % item["name"]: {".": {}, **fields_v1(item)} for item in value
        }
    return {}


def group_of(api_version):
    return api_version.split("/")[0] if "/" in api_version else ""


# ---------------------------------------------------------------------------------------
# Output: one `List` per file, written item by item


YAML_PLAIN = re.compile(r"^[A-Za-z_/][A-Za-z0-9_./@-]*$")
YAML_RESERVED = {"true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"}


def yaml_scalar(value):
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if YAML_PLAIN.match(value) and value.lower() not in YAML_RESERVED:
        return value
    return json.dumps(value)


def yaml_lines(value, indent, out):
    pad = " " * indent
    if isinstance(value, dict):
        for key in sorted(value):
            item = value[key]
            head = pad + yaml_scalar(key) + ":"
            if isinstance(item, dict) and item:
                out.append(head)
                yaml_lines(item, indent + 2, out)
            elif isinstance(item, list) and item:
                out.append(head)
                yaml_lines(item, indent, out)
            else:
                out.append(head + " " + yaml_block_scalar(item))
    else:
        for item in value:
            if isinstance(item, (dict, list)) and item:
                start = len(out)
                yaml_lines(item, indent + 2, out)
                out[start] = pad + "- " + out[start][indent + 2:]
            else:
                out.append(pad + "- " + yaml_block_scalar(item))


def yaml_block_scalar(value):
    if value == {}:
        return "{}"
    if value == []:
        return "[]"
    return yaml_scalar(value)


class ListWriter:
    """A `List` file (`kubectl get -o json|yaml`), its items written as they come."""

    def __init__(self, path, fmt):
        self.path = path
        self.fmt = fmt
        self.file = open(path, "w", encoding="utf-8", newline="\n")
        self.count = 0
        if fmt == "json" and COMPACT:
            self.file.write('{"apiVersion":"v1","items":[')
        elif fmt == "json":
            self.file.write('{\n    "apiVersion": "v1",\n    "items": [')
        else:
            self.file.write("apiVersion: v1\nitems:\n")

    def add(self, obj):
        if self.fmt == "json" and COMPACT:
            text = json.dumps(obj, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
            self.file.write(("" if self.count == 0 else ",") + text)
        elif self.fmt == "json":
            text = json.dumps(obj, indent=4, sort_keys=True, ensure_ascii=False)
            self.file.write(("\n        " if self.count == 0 else ",\n        ")
                            + text.replace("\n", "\n        "))
        else:
            out = []
            yaml_lines(obj, 0, out)
            out[0] = "- " + out[0]
            self.file.write("\n  ".join(out) + "\n")
        self.count += 1

    def close(self):
        if self.fmt == "json" and COMPACT:
            self.file.write('],"kind":"List","metadata":{"resourceVersion":""}}\n')
        elif self.fmt == "json":
            self.file.write("\n    ]," if self.count else "],")
            self.file.write('\n    "kind": "List",\n    "metadata": {\n'
                            '        "resourceVersion": ""\n    }\n}\n')
        else:
            if not self.count:
                self.file.seek(0)
                self.file.truncate()
                self.file.write("apiVersion: v1\nitems: []\n")
            self.file.write('kind: List\nmetadata:\n  resourceVersion: ""\n')
        self.file.close()
        return os.path.getsize(self.path)


# Which file of a cluster folder each kind goes to.
FILE_OF_KIND = {
    "Namespace": "cluster", "Node": "cluster", "APIService": "cluster",
    "StorageClass": "cluster", "PriorityClass": "cluster", "IngressClass": "cluster",
    "CSIDriver": "cluster", "ValidatingWebhookConfiguration": "cluster",
    "Lease": "cluster", "ResourceQuota": "cluster", "LimitRange": "cluster",
    "CustomResourceDefinition": "crds",
    "ClusterRole": "rbac", "ClusterRoleBinding": "rbac", "Role": "rbac",
    "RoleBinding": "rbac", "ServiceAccount": "rbac",
    "Deployment": "workloads", "ReplicaSet": "workloads", "DaemonSet": "workloads",
    "StatefulSet": "workloads", "ControllerRevision": "workloads", "Job": "workloads",
    "CronJob": "workloads", "HorizontalPodAutoscaler": "workloads",
    "PodDisruptionBudget": "workloads",
    "Pod": "pods",
    "Service": "network", "Endpoints": "network", "EndpointSlice": "network",
    "Ingress": "network", "NetworkPolicy": "network",
    "ConfigMap": "config", "Secret": "config",
    "PersistentVolumeClaim": "storage", "PersistentVolume": "storage",
    "Event": "events",
}


class Output:
    """The files of one cluster folder, and what went into them."""

    def __init__(self, folder, fmt, managed_fields, events=True):
        self.folder = folder
        self.fmt = fmt
        self.managed_fields = managed_fields
        self.events = events
        self.writers = {}
        self.kinds = {}

    def emit(self, obj):
        if obj["kind"] == "Event" and not self.events:
            return
        if not self.managed_fields:
            strip_managed(obj)
        kind = obj["kind"]
        name = FILE_OF_KIND.get(kind, "custom")
        writer = self.writers.get(name)
        if writer is None:
            path = os.path.join(self.folder, f"{name}.{self.fmt}")
            writer = self.writers[name] = ListWriter(path, self.fmt)
        writer.add(obj)
        self.kinds[kind] = self.kinds.get(kind, 0) + 1

    def close(self):
        return {name: writer.close() for name, writer in sorted(self.writers.items())}


def strip_managed(obj):
    metadata = obj["metadata"]
    metadata.pop("managedFields", None)
    annotations = metadata.get("annotations")
    if annotations:
        annotations.pop("kubectl.kubernetes.io/last-applied-configuration", None)
        if not annotations:
            del metadata["annotations"]


# ---------------------------------------------------------------------------------------
# The fleet's shape


def fleet_shape(scale):
    clusters = max(1, round(30 * scale))
    density = min(1.0, scale * 10)
    tenants = max(2, round(len(TENANTS) * density))
    components = [(name, max(1, round(count * density))) for name, count in COMPONENTS]
    return clusters, TENANTS[:tenants], [(n, min(c, tenants)) for n, c in components]


def cluster_identity(index):
    stage = STAGES[index % len(STAGES)]
    region = REGIONS[(index // len(STAGES)) % len(REGIONS)]
    name = f"{region}-k8s-{stage}-{index:03d}"
    return {
        "index": index,
        "name": name,
        "server": f"https://{name}.k8s.example.internal:6443",
        "stage": stage,
        "region": region,
        "tenants": "extended" if index % 30 < EXTENDED_PER_30 else "standard",
    }


class Cluster:
    """Writes the objects of one destination cluster and remembers, per Application,
    what it manages (its `status.resources`)."""

    def __init__(self, identity, tenants, components, out):
        self.id = identity
        self.name = identity["name"]
        self.tenants = list(tenants)
        if identity["tenants"] == "extended":
            self.tenants.append(EXTRA_TENANT)
        self.components = components
        self.out = out
        self.rng = random.Random(f"fleet/{self.name}")
        self.rv = 1000 + identity["index"] * 7
        self.clock = 86400 * 30
        self.app_resources = {}
        self.nodes = [f"{self.name}-node-{i:02d}" for i in range(NODES_PER_CLUSTER)]
        self.pod_ip = 0

    # -- object plumbing ---------------------------------------------------------------

    def next_rv(self):
        self.rv += self.rng.randint(1, 97)
        return str(self.rv)

    def tick(self, seconds=None):
        self.clock += seconds if seconds is not None else self.rng.randint(5, 3600)
        return ts(self.clock)

    def meta(self, kind, name, namespace=None, labels=None, annotations=None, owner=None,
             finalizers=None, generation=None):
        metadata = {"name": name}
        if namespace is not None:
            metadata["namespace"] = namespace
        metadata["uid"] = uid_of(self.name, kind, namespace or "", name)
        metadata["resourceVersion"] = self.next_rv()
        metadata["creationTimestamp"] = self.tick()
        if generation is not None:
            metadata["generation"] = generation
        if labels:
            metadata["labels"] = dict(labels)
        if annotations:
            metadata["annotations"] = dict(annotations)
        if owner is not None:
            metadata["ownerReferences"] = [{
                "apiVersion": owner["apiVersion"], "kind": owner["kind"],
                "name": owner["metadata"]["name"], "uid": owner["metadata"]["uid"],
                "controller": True, "blockOwnerDeletion": True,
            }]
        if finalizers:
            metadata["finalizers"] = list(finalizers)
        return metadata

    def managed(self, obj, manager, fields, subresource=None, operation="Update"):
        if not self.out.managed_fields:
            return
        entry = {
            "apiVersion": obj["apiVersion"], "fieldsType": "FieldsV1",
            "fieldsV1": fields_v1(fields), "manager": manager, "operation": operation,
            "time": obj["metadata"].get("creationTimestamp", ts(self.clock)),
        }
        if subresource:
            entry["subresource"] = subresource
        obj["metadata"].setdefault("managedFields", []).append(entry)

    def applied(self, app, manifest, status=None, generation=1, server_spec=None,
                last_applied=True):
        """An object Argo CD applied for `app`: the manifest as in git plus the tracking
        annotation, its last-applied-configuration, what the API server adds to the spec
        (`server_spec`), and status."""
        metadata = manifest["metadata"]
        group = group_of(manifest["apiVersion"])
        namespace = metadata.get("namespace", "")
        annotations = metadata.setdefault("annotations", {})
        annotations["argocd.argoproj.io/tracking-id"] = (
            f"{app}:{group}/{manifest['kind']}:{namespace}/{metadata['name']}")
        obj = dict(manifest)
        live = self.meta(manifest["kind"], metadata["name"], metadata.get("namespace"),
                         labels=metadata.get("labels"), annotations=annotations,
                         generation=generation)
        live["annotations"] = dict(annotations)
        if self.out.managed_fields and last_applied:
            live["annotations"]["kubectl.kubernetes.io/last-applied-configuration"] = (
                json.dumps(manifest, separators=(",", ":"), sort_keys=True) + "\n")
        obj["metadata"] = live
        applied_fields = {k: v for k, v in manifest.items() if k not in ("apiVersion", "kind")}
        applied_fields["metadata"] = {
            "annotations": {k: "" for k in live["annotations"]},
            **({"labels": metadata["labels"]} if metadata.get("labels") else {}),
        }
        self.managed(obj, "argocd-controller", applied_fields, operation="Update")
        if server_spec:
            obj["spec"] = {**obj.get("spec", {}), **server_spec}
        if status is not None:
            obj["status"] = status
            self.managed(obj, kube_manager(manifest["kind"]), {"status": status},
                         subresource="status")
        self.app_resources.setdefault(app, []).append({
            "group": group, "version": manifest["apiVersion"].split("/")[-1],
            "kind": manifest["kind"], "namespace": namespace, "name": metadata["name"],
        })
        self.out.emit(obj)
        return obj

    def system(self, manifest, manager="kube-apiserver", status=None, status_manager=None):
        """An object Kubernetes (or a controller) created: managedFields, no tracking."""
        metadata = manifest["metadata"]
        fields = {k: v for k, v in manifest.items()
                  if k not in ("apiVersion", "kind", "metadata", "status")}
        fields["metadata"] = {k: metadata[k] for k in ("labels", "annotations",
                                                      "ownerReferences", "finalizers")
                              if k in metadata}
        self.managed(manifest, manager, fields)
        if status is not None:
            manifest["status"] = status
            self.managed(manifest, status_manager or manager, {"status": status},
                         subresource="status")
        self.out.emit(manifest)
        return manifest

    # -- the cluster -------------------------------------------------------------------

    def write(self):
        self.cluster_scoped()
        for namespace in SYSTEM_NAMESPACES:
            self.namespace(namespace, app=None)
        self.kube_system()
        for namespace in PLATFORM_NAMESPACES:
            self.namespace(namespace, app=f"{self.name}-ns-{namespace}")
        self.platform()
        for index, tenant in enumerate(self.tenants):
            self.namespace(tenant, app=f"{self.name}-{tenant}", tenant=True)
            for component, count in self.components:
                if index < count and tenant != EXTRA_TENANT:
                    self.tenant_component(tenant, component)

    def cluster_scoped(self):
        for index, node in enumerate(self.nodes):
            self.node(index, node)
        for name, provisioner in (("standard", "csi.storage.example.internal"),
                                  ("fast", "csi.storage.example.internal")):
            self.system({
                "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
                "metadata": self.meta("StorageClass", name, annotations={
                    "storageclass.kubernetes.io/is-default-class": str(name == "standard").lower()}),
                "provisioner": provisioner, "reclaimPolicy": "Delete",
                "volumeBindingMode": "WaitForFirstConsumer", "allowVolumeExpansion": True,
                "parameters": {"type": name, "fsType": "ext4"},
            }, manager="kubectl")
        for name, value in (("system-cluster-critical", 2000000000),
                            ("system-node-critical", 2000001000),
                            ("platform-critical", 1000000), ("tenant-default", 1000)):
            self.system({
                "apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
                "metadata": self.meta("PriorityClass", name), "value": value,
                "globalDefault": name == "tenant-default", "preemptionPolicy": "PreemptLowerPriority",
                "description": f"Priority class {name}.",
            })
        for group, version in BUILTIN_APISERVICES:
            name = f"{version}.{group}" if group else version
            self.system({
                "apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService",
                "metadata": self.meta("APIService", name, labels={
                    "kube-aggregator.kubernetes.io/automanaged": "onstart"}),
                "spec": {"group": group, "version": version, "groupPriorityMinimum": 18000,
                         "versionPriority": 15},
            }, status={"conditions": [{
                "type": "Available", "status": "True", "reason": "Local",
                "message": "Local APIServices are always available",
                "lastTransitionTime": ts(86400)}]}, status_manager="kube-apiserver")
        for index in range(60):
            name = KUBE_CLUSTER_ROLES[index % len(KUBE_CLUSTER_ROLES)] + (
                "" if index < len(KUBE_CLUSTER_ROLES) else f"-{index}")
            rules = [{"apiGroups": [g], "resources": [r, r + "/status"],
                      "verbs": ["get", "list", "watch"]}
                     for g, r in RBAC_RESOURCES[index % 5: index % 5 + 6]]
            role = self.system({
                "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                "metadata": self.meta("ClusterRole", name, labels={
                    "kubernetes.io/bootstrapping": "rbac-defaults"}, annotations={
                    "rbac.authorization.kubernetes.io/autoupdate": "true"}),
                "rules": rules,
            })
            self.system({
                "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                "metadata": self.meta("ClusterRoleBinding", name, labels={
                    "kubernetes.io/bootstrapping": "rbac-defaults"}),
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                            "name": role["metadata"]["name"]},
                "subjects": [{"kind": "User", "apiGroup": "rbac.authorization.k8s.io",
                              "name": name}],
            })

    def node(self, index, name):
        control_plane = index < CONTROL_PLANE_NODES
        labels = {
            "beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux",
            "kubernetes.io/arch": "amd64", "kubernetes.io/hostname": name,
            "kubernetes.io/os": "linux",
            "topology.kubernetes.io/region": self.id["region"],
            "topology.kubernetes.io/zone": f"{self.id['region']}-{'abc'[index % 3]}",
            "node.kubernetes.io/instance-type": "c6.4xlarge" if not control_plane else "c6.xlarge",
        }
        if control_plane:
            labels["node-role.kubernetes.io/control-plane"] = ""
        heartbeat = ts(86400 * 60)
        conditions = [
            {"type": t, "status": "False", "reason": f"KubeletHas{r}", "message": f"kubelet has {m}",
             "lastHeartbeatTime": heartbeat, "lastTransitionTime": ts(86400 * 30)}
            for t, r, m in (("MemoryPressure", "SufficientMemory", "sufficient memory available"),
                            ("DiskPressure", "NoDiskPressure", "no disk pressure"),
                            ("PIDPressure", "SufficientPID", "sufficient PID available"))
        ] + [{"type": "Ready", "status": "True", "reason": "KubeletReady",
              "message": "kubelet is posting ready status", "lastHeartbeatTime": heartbeat,
              "lastTransitionTime": ts(86400 * 30)}]
        images = [{"names": [f"registry.example.internal/{image}@sha256:{hexhash(name + image, 64)}",
                             f"registry.example.internal/{image}:1.{i}.{index}"],
                   "sizeBytes": 10_000_000 + i * 1_234_567} for i, image in enumerate(IMAGES)]
        node = {
            "apiVersion": "v1", "kind": "Node",
            "metadata": self.meta("Node", name, labels=labels, annotations={
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
                "csi.volume.kubernetes.io/nodeid": json.dumps({"csi.storage.example.internal": name}),
            }),
            "spec": {"podCIDR": f"10.244.{index}.0/24", "podCIDRs": [f"10.244.{index}.0/24"],
                     "providerID": f"example://{self.id['region']}/{name}",
                     **({"taints": [{"key": "node-role.kubernetes.io/control-plane",
                                     "effect": "NoSchedule"}]} if control_plane else {})},
        }
        status = {
            "addresses": [{"type": "InternalIP", "address": f"10.0.{self.id['index'] % 250}.{index + 10}"},
                          {"type": "Hostname", "address": name}],
            "allocatable": {"cpu": "15800m", "ephemeral-storage": "95491281146",
                            "memory": "31656436Ki", "pods": "110"},
            "capacity": {"cpu": "16", "ephemeral-storage": "103615464Ki",
                         "memory": "32780436Ki", "pods": "110"},
            "conditions": conditions,
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "images": images,
            "nodeInfo": {"architecture": "amd64", "bootID": uid_of(name, "boot"),
                         "containerRuntimeVersion": "containerd://1.7.22",
                         "kernelVersion": "6.1.0-27-amd64", "kubeProxyVersion": KUBE_VERSION,
                         "kubeletVersion": KUBE_VERSION, "machineID": hexhash(name, 32),
                         "operatingSystem": "linux", "osImage": "Debian GNU/Linux 12 (bookworm)",
                         "systemUUID": uid_of(name, "system")},
        }
        self.system(node, manager="kubelet", status=status)
        node["metadata"]["namespace"] = "default"
        for i, (reason, message) in enumerate((
                ("Starting", "Starting kubelet."), ("NodeHasSufficientMemory",
                 f"Node {name} status is now: NodeHasSufficientMemory"),
                ("NodeHasNoDiskPressure", f"Node {name} status is now: NodeHasNoDiskPressure"),
                ("NodeReady", f"Node {name} status is now: NodeReady"),
                ("RegisteredNode", f"Node {name} event: Registered Node {name} in Controller"))):
            self.emit_event(node, i, reason, "kubelet", message, host=name)
        del node["metadata"]["namespace"]
        self.system({
            "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": self.meta("Lease", name, "kube-node-lease", owner=node),
            "spec": {"holderIdentity": name, "leaseDurationSeconds": 40,
                     "renewTime": "2024-05-01T10:00:00.000000Z"},
        }, manager="kubelet")

    def namespace(self, name, app, tenant=False):
        labels = {"kubernetes.io/metadata.name": name}
        if tenant:
            labels.update({"tenant": name, "pod-security.kubernetes.io/enforce": "restricted"})
        manifest = {"apiVersion": "v1", "kind": "Namespace",
                    "metadata": {"name": name, "labels": labels}}
        status = {"phase": "Active"}
        if app is None:
            manifest["metadata"] = self.meta("Namespace", name, labels=labels)
            manifest["spec"] = {"finalizers": ["kubernetes"]}
            self.system(manifest, status=status)
        else:
            # The API server adds `spec.finalizers` on create; it is not in the manifest.
            self.applied(app, manifest, status=status, generation=None,
                         server_spec={"finalizers": ["kubernetes"]})
        self.system({
            "apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": self.meta("ServiceAccount", "default", name)},
            manager="kube-controller-manager")
        self.system({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": self.meta("ConfigMap", "kube-root-ca.crt", name, annotations={
                "kubernetes.io/description": "Contains a CA bundle that can be used to verify the "
                "kube-apiserver when using internal endpoints such as the internal service IP "
                "or kubernetes.default.svc. No other usage is guaranteed across distributions "
                "of Kubernetes clusters."}),
            "data": {"ca.crt": FAKE_CERT},
        }, manager="kube-controller-manager")
        if app is not None:
            self.applied(app, {
                "apiVersion": "v1", "kind": "LimitRange",
                "metadata": {"name": "defaults", "namespace": name},
                "spec": {"limits": [{"type": "Container",
                                     "default": {"cpu": "500m", "memory": "512Mi"},
                                     "defaultRequest": {"cpu": "100m", "memory": "128Mi"}}]},
            })
            self.applied(app, {
                "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                "metadata": {"name": "default-deny", "namespace": name},
                "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
            }, generation=1)
        if tenant:
            self.applied(app, {
                "apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/dockerconfigjson",
                "metadata": {"name": "registry-pull", "namespace": name},
                "data": {".dockerconfigjson": fake_b64("dockerconfigjson", 160)},
            }, generation=None)
            self.applied(app, {
                "apiVersion": "v1", "kind": "ResourceQuota",
                "metadata": {"name": "quota", "namespace": name},
                "spec": {"hard": {"requests.cpu": "40", "requests.memory": "80Gi",
                                  "limits.cpu": "80", "limits.memory": "160Gi", "pods": "200"}},
            }, status={"hard": {"requests.cpu": "40", "requests.memory": "80Gi",
                                "limits.cpu": "80", "limits.memory": "160Gi", "pods": "200"},
                       "used": {"requests.cpu": "3", "requests.memory": "6Gi",
                                "limits.cpu": "12", "limits.memory": "24Gi", "pods": "18"}})
            for group in ("oncall", "auditors"):
                self.applied(app, {
                    "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                    "metadata": {"name": f"{name}-{group}", "namespace": name},
                    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                                "name": "view"},
                    "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group",
                                  "name": f"{group}"}],
                }, generation=None)
            for role, verbs in (("edit", ["get", "list", "watch", "create", "update", "patch",
                                          "delete"]), ("view", ["get", "list", "watch"])):
                self.applied(app, {
                    "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
                    "metadata": {"name": f"{name}-{role}", "namespace": name},
                    "rules": [{"apiGroups": [g], "resources": [r], "verbs": verbs}
                              for g, r in RBAC_RESOURCES],
                }, generation=None)
                self.applied(app, {
                    "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                    "metadata": {"name": f"{name}-{role}", "namespace": name},
                    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                                "name": f"{name}-{role}"},
                    "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group",
                                  "name": f"team-{name}-{role}"}],
                }, generation=None)

    # -- workloads ---------------------------------------------------------------------

    def next_ip(self):
        self.pod_ip += 1
        return f"10.244.{self.pod_ip // 250}.{self.pod_ip % 250 + 2}"

    def container(self, name, image, port=None, env=(), config=None):
        container = {
            "name": name, "image": f"registry.example.internal/{image}",
            "imagePullPolicy": "IfNotPresent",
            "resources": {"limits": {"memory": "1Gi"},
                          "requests": {"cpu": "100m", "memory": "256Mi"}},
            "securityContext": {"allowPrivilegeEscalation": False,
                                "capabilities": {"drop": ["ALL"]}},
            "terminationMessagePath": "/dev/termination-log",
            "terminationMessagePolicy": "File",
            "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
        }
        if env:
            container["env"] = [{"name": k, "value": v} for k, v in env]
        if port:
            container["ports"] = [{"name": "http", "containerPort": port, "protocol": "TCP"}]
            container["readinessProbe"] = {"httpGet": {"path": "/readyz", "port": "http",
                                                       "scheme": "HTTP"},
                                           "periodSeconds": 5, "timeoutSeconds": 1,
                                           "successThreshold": 1, "failureThreshold": 3}
        if config:
            container["volumeMounts"].append({"name": "config", "mountPath": "/etc/app",
                                              "readOnly": True})
        return container

    def pod_spec(self, name, containers, service_account, config=None, node=None):
        spec = {
            "containers": containers, "dnsPolicy": "ClusterFirst", "restartPolicy": "Always",
            "schedulerName": "default-scheduler", "securityContext": {
                "runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
            "serviceAccount": service_account, "serviceAccountName": service_account,
            "terminationGracePeriodSeconds": 30,
            "volumes": [{"name": "tmp", "emptyDir": {}}],
        }
        if config:
            spec["volumes"].append({"name": "config", "configMap": {"name": config,
                                                                    "defaultMode": 420}})
        if node:
            spec["nodeName"] = node
        return spec

    def pods(self, owner, count, template, daemon=False, ordinal=False, phase="Running",
             names=None, nodes=None):
        pods = []
        for i in range(count):
            node = self.nodes[i % len(self.nodes)] if daemon else self.nodes[
                CONTROL_PLANE_NODES + (self.rng.randrange(len(self.nodes) - CONTROL_PLANE_NODES))]
            if nodes:
                node = nodes[i]
            if names:
                name = names[i]
            elif ordinal:
                name = f"{owner['metadata']['name']}-{i}"
            else:
                name = f"{owner['metadata']['name']}-{suffix(self.name + owner['metadata']['name'] + str(i))}"
            labels = dict(template["metadata"]["labels"])
            if owner["kind"] == "ReplicaSet":
                labels["pod-template-hash"] = owner["metadata"]["labels"]["pod-template-hash"]
            spec = json.loads(json.dumps(template["spec"]))
            spec["nodeName"] = node
            spec["enableServiceLinks"] = True
            spec["preemptionPolicy"] = "PreemptLowerPriority"
            spec["priority"] = 0
            spec["tolerations"] = [
                {"key": "node.kubernetes.io/not-ready", "operator": "Exists",
                 "effect": "NoExecute", "tolerationSeconds": 300},
                {"key": "node.kubernetes.io/unreachable", "operator": "Exists",
                 "effect": "NoExecute", "tolerationSeconds": 300}]
            spec["volumes"].append({"name": "kube-api-access", "projected": {
                "defaultMode": 420, "sources": [
                    {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                    {"configMap": {"name": "kube-root-ca.crt",
                                   "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                    {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {
                        "apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}]}})
            for container in spec["containers"]:
                container["volumeMounts"].append({
                    "name": "kube-api-access", "readOnly": True,
                    "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"})
            started = self.tick()
            ip = self.next_ip()
            done = phase == "Succeeded"
            status = {
                "phase": phase,
                "conditions": [{"type": t, "status": "False" if done and t in ("Ready", "ContainersReady") else "True",
                                "lastProbeTime": None, "lastTransitionTime": started}
                               for t in ("PodReadyToStartContainers", "Initialized", "Ready",
                                         "ContainersReady", "PodScheduled")],
                "hostIP": f"10.0.{self.id['index'] % 250}.{self.nodes.index(node) + 10}",
                "hostIPs": [{"ip": f"10.0.{self.id['index'] % 250}.{self.nodes.index(node) + 10}"}],
                "podIP": ip, "podIPs": [{"ip": ip}], "qosClass": "Burstable", "startTime": started,
                "containerStatuses": [{
                    "name": c["name"], "image": c["image"],
                    "imageID": f"{c['image'].split(':')[0]}@sha256:{hexhash(c['image'], 64)}",
                    "containerID": f"containerd://{hexhash(name + c['name'], 64)}",
                    "ready": not done, "restartCount": self.rng.choice((0, 0, 0, 1, 2)),
                    "started": not done,
                    "state": {"terminated": {"exitCode": 0, "reason": "Completed",
                                             "startedAt": started, "finishedAt": started,
                                             "containerID": f"containerd://{hexhash(name, 64)}"}}
                    if done else {"running": {"startedAt": started}},
                    "lastState": {},
                } for c in spec["containers"]],
            }
            pod = {"apiVersion": "v1", "kind": "Pod",
                   "metadata": self.meta("Pod", name, owner["metadata"]["namespace"],
                                         labels=labels, owner=owner,
                                         annotations=template["metadata"].get("annotations")),
                   "spec": spec}
            pod["metadata"]["generateName"] = owner["metadata"]["name"] + "-"
            self.system(pod, manager="kube-controller-manager", status=status,
                        status_manager="kubelet")
            pods.append(pod)
            for e in range(EVENTS_PER_POD):
                self.event(pod, e)
        return pods

    def event(self, pod, index):
        reason, component, message = EVENTS[index % len(EVENTS)]
        image = pod["spec"]["containers"][0]["image"]
        message = message.format(name=pod["metadata"]["name"], node=pod["spec"]["nodeName"],
                                 namespace=pod["metadata"]["namespace"], image=image)
        field_path = (f"spec.containers{{{pod['spec']['containers'][0]['name']}}}"
                      if component == "kubelet" else None)
        self.emit_event(pod, index, reason, component, message, field_path,
                        pod["spec"]["nodeName"] if component == "kubelet" else None)

    def emit_event(self, involved, index, reason, component, message, field_path=None,
                   host=None):
        when = self.tick(self.rng.randint(1, 20))
        metadata = involved["metadata"]
        name = f"{metadata['name']}.{hexhash(metadata['uid'] + str(index), 16)}"
        self.out.emit({
            "apiVersion": "v1", "kind": "Event", "count": 1, "eventTime": None,
            "firstTimestamp": when, "lastTimestamp": when,
            "involvedObject": {"apiVersion": involved["apiVersion"], "kind": involved["kind"],
                               "name": metadata["name"], "namespace": metadata["namespace"],
                               "resourceVersion": metadata["resourceVersion"],
                               "uid": metadata["uid"],
                               **({"fieldPath": field_path} if field_path else {})},
            "message": message,
            "metadata": {"name": name, "namespace": metadata["namespace"],
                         "uid": uid_of(self.name, "Event", name),
                         "resourceVersion": self.next_rv(), "creationTimestamp": when},
            "reason": reason, "reportingComponent": component,
            "reportingInstance": host or "",
            "source": {"component": component, **({"host": host} if host else {})},
            "type": "Normal",
        })

    def deployment(self, app, namespace, name, replicas, containers, service_account,
                   config=None, labels=None, history=REPLICASET_HISTORY):
        labels = {"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": namespace,
                  **(labels or {})}
        selector = {"matchLabels": {"app.kubernetes.io/name": name}}
        template = {"metadata": {"labels": labels, "annotations": {
                        "kubectl.kubernetes.io/default-container": containers[0]["name"]}},
                    "spec": self.pod_spec(name, containers, service_account, config)}
        generation = history + 1
        deployment = self.applied(app, {
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": namespace, "labels": labels},
            "spec": {"replicas": replicas, "revisionHistoryLimit": 10, "selector": selector,
                     "strategy": {"type": "RollingUpdate", "rollingUpdate": {
                         "maxSurge": "25%", "maxUnavailable": "25%"}},
                     "progressDeadlineSeconds": 600, "template": template},
        }, generation=generation, status={
            "availableReplicas": replicas, "readyReplicas": replicas, "replicas": replicas,
            "updatedReplicas": replicas, "observedGeneration": generation,
            "conditions": [
                {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable",
                 "message": "Deployment has minimum availability.",
                 "lastTransitionTime": ts(self.clock), "lastUpdateTime": ts(self.clock)},
                {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable",
                 "message": f'ReplicaSet "{name}" has successfully progressed.',
                 "lastTransitionTime": ts(self.clock), "lastUpdateTime": ts(self.clock)}]})
        current = None
        for revision in range(1, history + 1):
            live = revision == history
            count = replicas if live else 0
            hash_ = suffix(f"{self.name}/{namespace}/{name}/{revision}", 10)
            rs_labels = dict(labels, **{"pod-template-hash": hash_})
            rs_template = {"metadata": {"labels": rs_labels,
                                        "annotations": template["metadata"]["annotations"]},
                           "spec": template["spec"]}
            rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
                  "metadata": self.meta("ReplicaSet", f"{name}-{hash_}", namespace,
                                        labels=rs_labels, owner=deployment, generation=1,
                                        annotations={
                                            "deployment.kubernetes.io/desired-replicas": str(replicas),
                                            "deployment.kubernetes.io/max-replicas": str(replicas + 2),
                                            "deployment.kubernetes.io/revision": str(revision)}),
                  "spec": {"replicas": count, "selector": {"matchLabels": dict(
                      selector["matchLabels"], **{"pod-template-hash": hash_})},
                      "template": rs_template}}
            self.system(rs, manager="kube-controller-manager", status={
                "replicas": count, "observedGeneration": 1,
                **({"availableReplicas": count, "readyReplicas": count,
                    "fullyLabeledReplicas": count} if count else {})})
            if live:
                current = rs
            self.emit_event(deployment, revision, "ScalingReplicaSet", "deployment-controller",
                            f"Scaled {'up' if live else 'down'} replica set "
                            f"{rs['metadata']['name']} from {0 if live else replicas} to {count}")
        pods = self.pods(current, replicas, current["spec"]["template"])
        self.emit_event(current, 0, "SuccessfulCreate", "replicaset-controller",
                        f"Created pod: {pods[-1]['metadata']['name']}")
        return deployment, pods

    def statefulset(self, app, namespace, name, replicas, containers, service_account,
                    storage="10Gi"):
        labels = {"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": namespace}
        template = {"metadata": {"labels": labels},
                    "spec": self.pod_spec(name, containers, service_account)}
        sts = self.applied(app, {
            "apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": name, "namespace": namespace, "labels": labels},
            "spec": {"replicas": replicas, "serviceName": f"{name}-headless",
                     "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
                     "podManagementPolicy": "OrderedReady", "template": template,
                     "updateStrategy": {"type": "RollingUpdate",
                                        "rollingUpdate": {"partition": 0}},
                     "volumeClaimTemplates": [{
                         "apiVersion": "v1", "kind": "PersistentVolumeClaim",
                         "metadata": {"name": "data"},
                         "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "standard",
                                  "resources": {"requests": {"storage": storage}}}}]},
        }, generation=2, status={"replicas": replicas, "readyReplicas": replicas,
                                 "currentReplicas": replicas, "updatedReplicas": replicas,
                                 "availableReplicas": replicas, "observedGeneration": 2,
                                 "collisionCount": 0,
                                 "currentRevision": f"{name}-{suffix(name, 10)}",
                                 "updateRevision": f"{name}-{suffix(name, 10)}"})
        self.revisions(sts, template)
        pods = self.pods(sts, replicas, template, ordinal=True)
        for pod in pods:
            self.volume(namespace, f"data-{pod['metadata']['name']}", storage,
                        labels={"app.kubernetes.io/name": name})
        return sts, pods

    def daemonset(self, app, namespace, name, containers, service_account):
        labels = {"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": namespace}
        template = {"metadata": {"labels": labels},
                    "spec": self.pod_spec(name, containers, service_account)}
        count = len(self.nodes)
        ds = self.applied(app, {
            "apiVersion": "apps/v1", "kind": "DaemonSet",
            "metadata": {"name": name, "namespace": namespace, "labels": labels},
            "spec": {"selector": {"matchLabels": {"app.kubernetes.io/name": name}},
                     "template": template, "revisionHistoryLimit": 10,
                     "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {
                         "maxSurge": 0, "maxUnavailable": 1}}},
        }, generation=3, status={"currentNumberScheduled": count, "desiredNumberScheduled": count,
                                 "numberAvailable": count, "numberReady": count,
                                 "numberMisscheduled": 0, "observedGeneration": 3,
                                 "updatedNumberScheduled": count})
        self.revisions(ds, template)
        self.pods(ds, count, template, daemon=True)

    def revisions(self, owner, template):
        for revision in range(1, 4):
            name = f"{owner['metadata']['name']}-{suffix(owner['metadata']['uid'] + str(revision), 10)}"
            self.system({
                "apiVersion": "apps/v1", "kind": "ControllerRevision",
                "metadata": self.meta("ControllerRevision", name, owner["metadata"]["namespace"],
                                      labels=owner["spec"]["template"]["metadata"]["labels"],
                                      owner=owner),
                "revision": revision,
                "data": {"spec": {"template": {"$patch": "replace", **template}}},
            }, manager="kube-controller-manager")

    def volume(self, namespace, claim, storage, labels=None):
        pv_name = f"pvc-{uid_of(self.name, 'pvc', namespace, claim)}"
        pvc = {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
               "metadata": self.meta("PersistentVolumeClaim", claim, namespace, labels=labels,
                                     finalizers=["kubernetes.io/pvc-protection"], annotations={
                                         "pv.kubernetes.io/bind-completed": "yes",
                                         "pv.kubernetes.io/bound-by-controller": "yes",
                                         "volume.beta.kubernetes.io/storage-provisioner": "csi.storage.example.internal",
                                         "volume.kubernetes.io/selected-node": self.nodes[-1]}),
               "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "standard",
                        "resources": {"requests": {"storage": storage}},
                        "volumeMode": "Filesystem", "volumeName": pv_name}}
        self.system(pvc, manager="kube-controller-manager", status={
            "phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": storage}})
        self.system({
            "apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": self.meta("PersistentVolume", pv_name,
                                  finalizers=["kubernetes.io/pv-protection"], annotations={
                                      "pv.kubernetes.io/provisioned-by": "csi.storage.example.internal"}),
            "spec": {"accessModes": ["ReadWriteOnce"], "capacity": {"storage": storage},
                     "claimRef": {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                                  "name": claim, "namespace": namespace,
                                  "uid": pvc["metadata"]["uid"],
                                  "resourceVersion": pvc["metadata"]["resourceVersion"]},
                     "csi": {"driver": "csi.storage.example.internal", "fsType": "ext4",
                             "volumeHandle": pv_name, "volumeAttributes": {
                                 "storage.kubernetes.io/csiProvisionerIdentity": "1709251200-csi"}},
                     "persistentVolumeReclaimPolicy": "Delete", "storageClassName": "standard",
                     "volumeMode": "Filesystem", "nodeAffinity": {"required": {
                         "nodeSelectorTerms": [{"matchExpressions": [{
                             "key": "kubernetes.io/hostname", "operator": "In",
                             "values": [self.nodes[-1]]}]}]}}},
        }, manager="csi-provisioner", status={"phase": "Bound"},
            status_manager="kube-controller-manager")

    def service(self, app, namespace, name, port, pods, selector=None, headless=False,
                kind="ClusterIP", target="http"):
        selector = selector or {"app.kubernetes.io/name": name}
        cluster_ip = "None" if headless else f"10.96.{self.rng.randrange(256)}.{self.rng.randrange(1, 255)}"
        service = self.applied(app, {
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": namespace,
                         "labels": {"app.kubernetes.io/name": name}},
            "spec": {"type": kind, "selector": selector,
                     **({"clusterIP": "None"} if headless else {}),
                     "ports": [{"name": "http", "port": port, "protocol": "TCP",
                                "targetPort": target}]},
        }, generation=None, status={"loadBalancer": {}}, server_spec={
            "clusterIP": cluster_ip, "clusterIPs": [cluster_ip],
            "internalTrafficPolicy": "Cluster", "ipFamilies": ["IPv4"],
            "ipFamilyPolicy": "SingleStack", "sessionAffinity": "None"})
        endpoints = [{"addresses": [p["status"]["podIP"]],
                      "conditions": {"ready": True, "serving": True, "terminating": False},
                      "nodeName": p["spec"]["nodeName"],
                      "targetRef": {"kind": "Pod", "name": p["metadata"]["name"],
                                    "namespace": namespace, "uid": p["metadata"]["uid"]}}
                     for p in pods]
        self.system({
            "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "addressType": "IPv4", "endpoints": endpoints,
            "metadata": self.meta("EndpointSlice", f"{name}-{suffix(namespace + name)}", namespace,
                                  owner=service, generation=1, labels={
                                      "kubernetes.io/service-name": name,
                                      "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"}),
            "ports": [{"name": "http", "port": port, "protocol": "TCP"}],
        }, manager="kube-controller-manager")
        self.system({
            "apiVersion": "v1", "kind": "Endpoints",
            "metadata": self.meta("Endpoints", name, namespace,
                                  labels={"app.kubernetes.io/name": name}),
            "subsets": [{"addresses": [{"ip": e["addresses"][0], "nodeName": e["nodeName"],
                                        "targetRef": e["targetRef"]} for e in endpoints],
                         "ports": [{"name": "http", "port": port, "protocol": "TCP"}]}]
            if endpoints else [],
        }, manager="kube-controller-manager")
        return service

    def config(self, app, namespace, name, size):
        lines = [f"{LOREM[i % len(LOREM)]}.{LOREM[(i * 7) % len(LOREM)]}_{i} = "
                 f"{sentence(self.rng, 6)}" for i in range(size)]
        return self.applied(app, {
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": namespace},
            "data": {"application.properties": "\n".join(lines) + "\n",
                     "LOG_LEVEL": "info", "FEATURE_FLAGS": "checkout-v2,search-ranking"},
        }, generation=None)

    def dashboard(self, app, namespace, name):
        panels = [{"id": i, "type": "timeseries", "title": f"{name} {metric}",
                   "gridPos": {"h": 8, "w": 12, "x": 12 * (i % 2), "y": 8 * (i // 2)},
                   "targets": [{"expr": f'sum(rate({metric}{{namespace="{namespace}",'
                                        f'job="{name}"}}[5m]))', "refId": "A"}]}
                  for i, metric in enumerate(("http_requests_total", "http_errors_total",
                                              "process_cpu_seconds_total",
                                              "process_resident_memory_bytes"))]
        return self.applied(app, {
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": f"{name}-dashboard", "namespace": namespace,
                         "labels": {"grafana_dashboard": "1"}},
            "data": {f"{name}.json": json.dumps({"title": name, "uid": hexhash(name, 9),
                                                 "panels": panels}, sort_keys=True)},
        }, generation=None)

    def secret(self, app, namespace, name, kind="Opaque", tls=False):
        data = ({"tls.crt": fake_b64(f"{name}-crt", 1800), "tls.key": fake_b64(f"{name}-key", 1600)}
                if tls else {"username": fake_b64("user", 12), "password": fake_b64("password", 32),
                             "url": fake_b64(f"{name}-url", 60)})
        manifest = {"apiVersion": "v1", "kind": "Secret", "type": kind,
                    "metadata": {"name": name, "namespace": namespace}, "data": data}
        if app:
            return self.applied(app, manifest, generation=None)
        manifest["metadata"] = self.meta("Secret", name, namespace, annotations={
            "cert-manager.io/certificate-name": name, "cert-manager.io/issuer-name": "letsencrypt",
            "cert-manager.io/issuer-kind": "ClusterIssuer"}, labels={
            "controller.cert-manager.io/fao": "true"})
        return self.system(manifest, manager="cert-manager-certificates-issuing")

    def rbac(self, app, namespace, name, cluster=False):
        self.applied(app, {"apiVersion": "v1", "kind": "ServiceAccount",
                           "metadata": {"name": name, "namespace": namespace}}, generation=None)
        kind = "ClusterRole" if cluster else "Role"
        binding = "ClusterRoleBinding" if cluster else "RoleBinding"
        meta = {"name": name} if cluster else {"name": name, "namespace": namespace}
        self.applied(app, {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind,
                           "metadata": dict(meta),
                           "rules": [{"apiGroups": [g], "resources": [r],
                                      "verbs": ["get", "list", "watch"]}
                                     for g, r in RBAC_RESOURCES[:5]]}, generation=None)
        self.applied(app, {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": binding,
                           "metadata": dict(meta),
                           "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": kind,
                                       "name": name},
                           "subjects": [{"kind": "ServiceAccount", "name": name,
                                         "namespace": namespace}]}, generation=None)

    def ingress(self, app, namespace, name, service, index):
        host = f"{name}-{index}.{namespace}.{self.name}.apps.example.internal"
        secret = f"{name}-{index}-tls"
        ingress = self.applied(app, {
            "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": f"{name}-{index}", "namespace": namespace, "annotations": {
                "cert-manager.io/cluster-issuer": "letsencrypt",
                "nginx.ingress.kubernetes.io/proxy-body-size": "8m"}},
            "spec": {"ingressClassName": "nginx",
                     "tls": [{"hosts": [host], "secretName": secret}],
                     "rules": [{"host": host, "http": {"paths": [{
                         "path": "/", "pathType": "Prefix", "backend": {"service": {
                             "name": service, "port": {"name": "http"}}}}]}}]},
        }, generation=1, status={"loadBalancer": {"ingress": [{"ip": "192.0.2.10"}]}})
        for index in range(3):
            self.emit_event(ingress, index, "Sync", "nginx-ingress-controller",
                            "Scheduled for sync")
        certificate = {"apiVersion": "cert-manager.io/v1", "kind": "Certificate",
                       "metadata": self.meta("Certificate", secret, namespace, generation=1),
                       "spec": {"dnsNames": [host], "issuerRef": {
                           "group": "cert-manager.io", "kind": "ClusterIssuer",
                           "name": "letsencrypt"}, "secretName": secret, "usages": [
                           "digital signature", "key encipherment"]}}
        certificate["metadata"]["ownerReferences"] = [{
            "apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "name": f"{name}-{index}",
            "uid": uid_of(self.name, "Ingress", namespace, f"{name}-{index}"),
            "controller": True, "blockOwnerDeletion": True}]
        self.system(certificate, manager="cert-manager-ingress-shim", status={
            "conditions": [{"type": "Ready", "status": "True", "reason": "Ready",
                            "message": "Certificate is up to date and has not expired",
                            "observedGeneration": 1, "lastTransitionTime": ts(self.clock)}],
            "notAfter": ts(86400 * 120), "notBefore": ts(86400 * 30),
            "renewalTime": ts(86400 * 90), "revision": 3},
            status_manager="cert-manager-certificates-readiness")
        self.secret(None, namespace, secret, kind="kubernetes.io/tls", tls=True)
        request = {"apiVersion": "cert-manager.io/v1", "kind": "CertificateRequest",
                   "metadata": self.meta("CertificateRequest", f"{secret}-1", namespace,
                                         owner=certificate, generation=1, annotations={
                                             "cert-manager.io/certificate-name": secret,
                                             "cert-manager.io/certificate-revision": "1",
                                             "cert-manager.io/private-key-secret-name": f"{secret}-key"}),
                   "spec": {"issuerRef": certificate["spec"]["issuerRef"],
                            "request": fake_b64(f"{secret}-csr", 1200), "usages":
                            certificate["spec"]["usages"], "username": "system:serviceaccount:"
                            "cert-manager:cert-manager", "groups": ["system:authenticated"]}}
        self.system(request, manager="cert-manager-certificates-request-manager", status={
            "certificate": fake_b64(f"{secret}-cert", 1800),
            "conditions": [{"type": "Approved", "status": "True", "reason": "cert-manager.io",
                            "message": "Certificate request has been approved by cert-manager.io",
                            "lastTransitionTime": ts(self.clock)},
                           {"type": "Ready", "status": "True", "reason": "Issued",
                            "message": "Certificate fetched from issuer successfully",
                            "lastTransitionTime": ts(self.clock)}]})
        for index, (reason, message) in enumerate((
                ("Issuing", "The certificate has been successfully issued"),
                ("Reused", "Reusing private key stored in existing Secret resource"),
                ("Requested", f'Created new CertificateRequest resource "{secret}-1"'))):
            self.emit_event(certificate, index, reason, "cert-manager-certificates-issuing",
                            message)

    def monitoring(self, app, namespace, name):
        self.applied(app, {
            "apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor",
            "metadata": {"name": name, "namespace": namespace,
                         "labels": {"release": "kube-prometheus"}},
            "spec": {"endpoints": [{"port": "metrics", "interval": "30s", "path": "/metrics"}],
                     "selector": {"matchLabels": {"app.kubernetes.io/name": name}}},
        })
        self.applied(app, {
            "apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
            "metadata": {"name": name, "namespace": namespace,
                         "labels": {"release": "kube-prometheus"}},
            "spec": {"groups": [{"name": name, "rules": [{
                "alert": f"{name.title().replace('-', '')}{alert}",
                "expr": f'sum(rate(http_requests_total{{namespace="{namespace}",job="{name}",code=~"5.."}}[5m])) > {i}',
                "for": "10m", "labels": {"severity": "warning" if i else "critical"},
                "annotations": {"summary": sentence(self.rng, 8),
                                "runbook_url": f"https://runbooks.example.internal/{namespace}/{name}/{alert}"}}
                for i, alert in enumerate(("HighErrorRate", "HighLatency", "Saturation"))]}]},
        })

    # -- tenants -----------------------------------------------------------------------

    def tenant_component(self, tenant, component):
        app = f"{self.name}-{tenant}-{component}"
        name = f"{tenant}-{component}"
        image = f"{tenant}/{component}:2024.{len(tenant)}.{len(component)}"
        self.rbac(app, tenant, name)
        configs = [self.config(app, tenant, f"{name}-config-{suffix(name + str(g), 8)}", 12)
                   for g in range(2)]
        self.config(app, tenant, f"{name}-logging", 6)
        self.dashboard(app, tenant, name)
        self.secret(app, tenant, f"{name}-credentials")
        self.secret(app, tenant, f"{name}-api-keys")
        self.applied(app, {
            "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": f"{name}-allow", "namespace": tenant},
            "spec": {"podSelector": {"matchLabels": {"app.kubernetes.io/name": name}},
                     "policyTypes": ["Ingress"],
                     "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {
                         "kubernetes.io/metadata.name": "ingress-nginx"}}},
                         {"podSelector": {"matchLabels": {"tenant": tenant}}}],
                         "ports": [{"port": 8080, "protocol": "TCP"}]}]},
        }, generation=1)
        self.applied(app, {
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": f"{name}-ca-bundle", "namespace": tenant},
            "data": {"ca.crt": FAKE_CERT},
        }, generation=None)
        env = [("APP_ENV", self.id["stage"]), ("APP_TENANT", tenant),
               ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://otel-collector.monitoring:4317")]
        containers = [self.container(component, image, port=8080, env=env,
                                     config=configs[-1]["metadata"]["name"])]
        if component in ("api", "web", "worker", "gateway"):
            if component == "web":
                containers.append(self.container("proxy", "envoyproxy/envoy:v1.31.2", port=8443))
            _, pods = self.deployment(app, tenant, name, REPLICAS[component], containers, name,
                                      config=configs[-1]["metadata"]["name"])
            self.service(app, tenant, name, 80, pods)
            hpa = self.applied(app, {
                "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
                "metadata": {"name": name, "namespace": tenant},
                "spec": {"minReplicas": REPLICAS[component], "maxReplicas": 3 * REPLICAS[component],
                         "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment",
                                            "name": name},
                         "metrics": [{"type": "Resource", "resource": {
                             "name": "cpu", "target": {"type": "Utilization",
                                                       "averageUtilization": 70}}}]},
            }, status={"currentReplicas": REPLICAS[component],
                       "lastScaleTime": ts(self.clock),
                       "desiredReplicas": REPLICAS[component],
                       "currentMetrics": [{"type": "Resource", "resource": {
                           "name": "cpu", "current": {"averageUtilization": 31,
                                                      "averageValue": "31m"}}}]})
            for index, size in enumerate((REPLICAS[component] + 2, REPLICAS[component] + 1,
                                          REPLICAS[component])):
                self.emit_event(hpa, index, "SuccessfulRescale", "horizontal-pod-autoscaler",
                                f"New size: {size}; reason: All metrics below target")
            self.applied(app, {
                "apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                "metadata": {"name": name, "namespace": tenant},
                "spec": {"maxUnavailable": 1,
                         "selector": {"matchLabels": {"app.kubernetes.io/name": name}}},
            }, status={"currentHealthy": REPLICAS[component],
                       "desiredHealthy": REPLICAS[component] - 1, "disruptionsAllowed": 1,
                       "expectedPods": REPLICAS[component], "observedGeneration": 1})
            for index in range(INGRESSES.get(component, 0)):
                self.ingress(app, tenant, name, name, index)
            self.monitoring(app, tenant, name)
        elif component in ("cache", "db"):
            sts, pods = self.statefulset(app, tenant, name, REPLICAS[component], containers,
                                         name, storage="20Gi" if component == "db" else "5Gi")
            self.service(app, tenant, f"{name}-headless", 5432, pods, headless=True,
                         selector=sts["spec"]["selector"]["matchLabels"])
            self.service(app, tenant, name, 5432, pods,
                         selector=sts["spec"]["selector"]["matchLabels"])
            self.monitoring(app, tenant, name)
        else:
            self.jobs(app, tenant, name, containers, runs=3 if component == "cron" else 1,
                      cron=component == "cron")

    def jobs(self, app, namespace, name, containers, runs, cron):
        spec = self.pod_spec(name, containers, name)
        spec["restartPolicy"] = "Never"
        template = {"metadata": {"labels": {"app.kubernetes.io/name": name}}, "spec": spec}
        owner = None
        if cron:
            owner = self.applied(app, {
                "apiVersion": "batch/v1", "kind": "CronJob",
                "metadata": {"name": name, "namespace": namespace},
                "spec": {"schedule": f"{self.rng.randrange(60)} * * * *",
                         "concurrencyPolicy": "Forbid", "successfulJobsHistoryLimit": runs,
                         "failedJobsHistoryLimit": 1,
                         "jobTemplate": {"spec": {"backoffLimit": 2, "template": template}}},
            }, status={"lastScheduleTime": ts(self.clock), "lastSuccessfulTime": ts(self.clock)})
        for run in range(runs):
            job_name = f"{name}-{28_000_000 + run * 60}" if cron else name
            job_template = {"metadata": {"labels": {"app.kubernetes.io/name": name,
                                                    "batch.kubernetes.io/job-name": job_name}},
                            "spec": spec}
            manifest = {"apiVersion": "batch/v1", "kind": "Job",
                        "spec": {"backoffLimit": 2, "completions": 1, "parallelism": 1,
                                 "template": job_template}}
            status = {"active": 0, "succeeded": 1, "ready": 0, "startTime": ts(self.clock),
                      "completionTime": ts(self.clock + 60), "conditions": [{
                          "type": "Complete", "status": "True",
                          "lastProbeTime": ts(self.clock + 60),
                          "lastTransitionTime": ts(self.clock + 60)}]}
            if cron:
                manifest["metadata"] = self.meta("Job", job_name, namespace, owner=owner,
                                                 generation=1)
                job = self.system(manifest, manager="kube-controller-manager", status=status)
            else:
                manifest["metadata"] = {"name": job_name, "namespace": namespace}
                job = self.applied(app, manifest, status=status)
            pod = self.pods(job, 1, job_template, phase="Succeeded")[0]
            self.emit_event(job, 0, "SuccessfulCreate", "job-controller",
                            f"Created pod: {pod['metadata']['name']}")
            self.emit_event(job, 1, "Completed", "job-controller", "Job completed")

    # -- platform ----------------------------------------------------------------------

    def kube_system(self):
        for component in ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd"):
            for node in self.nodes[:CONTROL_PLANE_NODES]:
                # Static (mirror) pods, owned by their Node.
                owner = {"apiVersion": "v1", "kind": "Node", "metadata": {
                    "name": node, "uid": uid_of(self.name, "Node", "", node),
                    "namespace": "kube-system"}}
                pod_template = {"metadata": {"labels": {"component": component,
                                                        "tier": "control-plane"},
                                             "annotations": {"kubernetes.io/config.source": "file"}},
                                "spec": self.pod_spec(component, [self.container(
                                    component, f"kubernetes/{component}:{KUBE_VERSION}")],
                                    "default")}
                self.pods(owner, 1, pod_template, names=[f"{component}-{node}"],
                          nodes=[node])
        for name in ("coredns",):
            self.system_workload("kube-system", name, 2, 53)
        ds_labels = {"k8s-app": "kube-proxy"}
        ds = {"apiVersion": "apps/v1", "kind": "DaemonSet",
              "metadata": self.meta("DaemonSet", "kube-proxy", "kube-system", labels=ds_labels,
                                    generation=1),
              "spec": {"selector": {"matchLabels": ds_labels}, "template": {
                  "metadata": {"labels": ds_labels},
                  "spec": self.pod_spec("kube-proxy", [self.container(
                      "kube-proxy", f"kubernetes/kube-proxy:{KUBE_VERSION}")], "kube-proxy")}}}
        self.system(ds, manager="kubeadm", status={"numberReady": len(self.nodes)},
                    status_manager="kube-controller-manager")
        self.pods(ds, len(self.nodes), ds["spec"]["template"], daemon=True)
        for index in range(25):
            self.system({"apiVersion": "v1", "kind": "ServiceAccount",
                         "metadata": self.meta("ServiceAccount", KUBE_SERVICE_ACCOUNTS[index],
                                               "kube-system")})
        for name in ("kube-controller-manager", "kube-scheduler", "cert-manager-controller",
                     "contour-leader", "ingress-nginx-leader", "prometheus-operator-leader"):
            self.system({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                         "metadata": self.meta("Lease", name, "kube-system"),
                         "spec": {"holderIdentity": f"{name}_{uid_of(self.name, name)}",
                                  "leaseDurationSeconds": 15, "leaseTransitions": 3,
                                  "acquireTime": "2024-04-01T10:00:00.000000Z",
                                  "renewTime": "2024-05-01T10:00:00.000000Z"}})

    def system_workload(self, namespace, name, replicas, port):
        labels = {"k8s-app": name}
        deployment = {"apiVersion": "apps/v1", "kind": "Deployment",
                      "metadata": self.meta("Deployment", name, namespace, labels=labels,
                                            generation=1),
                      "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                               "template": {"metadata": {"labels": labels},
                                            "spec": self.pod_spec(name, [self.container(
                                                name, f"coredns/coredns:v1.11.3", port=port)],
                                                name)}}}
        self.system(deployment, manager="kubeadm", status={"replicas": replicas,
                                                          "readyReplicas": replicas},
                    status_manager="kube-controller-manager")
        hash_ = suffix(self.name + name, 10)
        rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
              "metadata": self.meta("ReplicaSet", f"{name}-{hash_}", namespace,
                                    labels=dict(labels, **{"pod-template-hash": hash_}),
                                    owner=deployment),
              "spec": {"replicas": replicas, "selector": deployment["spec"]["selector"],
                       "template": deployment["spec"]["template"]}}
        self.system(rs, manager="kube-controller-manager", status={"replicas": replicas})
        self.pods(rs, replicas, deployment["spec"]["template"])

    def platform(self):
        # metrics-server backs the aggregated APIService v1beta1.metrics.k8s.io.
        app = f"{self.name}-metrics-server"
        self.rbac(app, "kube-metrics", "metrics-server", cluster=True)
        self.applied(app, {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                           "metadata": {"name": "metrics-server-auth-reader",
                                        "namespace": "kube-system"},
                           "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                                       "name": "extension-apiserver-authentication-reader"},
                           "subjects": [{"kind": "ServiceAccount", "name": "metrics-server",
                                         "namespace": "kube-metrics"}]}, generation=None)
        _, pods = self.deployment(app, "kube-metrics", "metrics-server", 2, [self.container(
            "metrics-server", "metrics-server/metrics-server:v0.7.2", port=10250)],
            "metrics-server", history=3)
        self.service(app, "kube-metrics", "metrics-server", 443, pods, target="https")
        self.applied(app, {
            "apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService",
            "metadata": {"name": "v1beta1.metrics.k8s.io",
                         "labels": {"app.kubernetes.io/name": "metrics-server"}},
            "spec": {"group": "metrics.k8s.io", "version": "v1beta1",
                     "groupPriorityMinimum": 100, "versionPriority": 100,
                     "insecureSkipTLSVerify": True,
                     "service": {"name": "metrics-server", "namespace": "kube-metrics",
                                 "port": 443}},
        }, generation=None, status={"conditions": [{
            "type": "Available", "status": "True", "reason": "Passed",
            "message": "all checks passed", "lastTransitionTime": ts(86400 * 2)}]})

        app = f"{self.name}-fluent-bit"
        self.rbac(app, "kube-log", "fluent-bit", cluster=True)
        self.config(app, "kube-log", "fluent-bit", 120)
        self.daemonset(app, "kube-log", "fluent-bit", [self.container(
            "fluent-bit", "fluent/fluent-bit:3.1.9", port=2020)], "fluent-bit")

        app = f"{self.name}-contour"
        self.rbac(app, "kube-contour", "contour", cluster=True)
        self.crds(app, "projectcontour.io", CONTOUR_CRDS, 60)
        self.config(app, "kube-contour", "contour", 60)
        _, pods = self.deployment(app, "kube-contour", "contour", 2, [self.container(
            "contour", "projectcontour/contour:v1.30.0", port=8001)], "contour", history=4)
        self.service(app, "kube-contour", "contour", 8001, pods)
        self.daemonset(app, "kube-contour", "envoy", [self.container(
            "envoy", "envoyproxy/envoy:v1.31.2", port=8080)], "contour")

        app = f"{self.name}-cert-manager"
        self.rbac(app, "cert-manager", "cert-manager", cluster=True)
        self.crds(app, "cert-manager.io", CERT_MANAGER_CRDS, 80)
        for name in ("cert-manager", "cert-manager-cainjector", "cert-manager-webhook"):
            _, pods = self.deployment(app, "cert-manager", name, 1, [self.container(
                name, f"jetstack/{name}:v1.16.1", port=9402)], "cert-manager", history=5)
            self.service(app, "cert-manager", name, 9402, pods)
        self.applied(app, {
            "apiVersion": "cert-manager.io/v1", "kind": "ClusterIssuer",
            "metadata": {"name": "letsencrypt"},
            "spec": {"acme": {"server": "https://acme-v02.api.letsencrypt.org/directory",
                              "email": "platform@example.internal",
                              "privateKeySecretRef": {"name": "letsencrypt-account"},
                              "solvers": [{"http01": {"ingress": {"ingressClassName": "nginx"}}}]}},
        }, status={"conditions": [{"type": "Ready", "status": "True", "reason": "ACMEAccountRegistered",
                                   "message": "The ACME account was registered with the ACME server",
                                   "lastTransitionTime": ts(86400 * 3)}]})

        app = f"{self.name}-ingress-nginx"
        self.rbac(app, "ingress-nginx", "ingress-nginx", cluster=True)
        self.config(app, "ingress-nginx", "ingress-nginx-controller", 80)
        self.applied(app, {"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass",
                           "metadata": {"name": "nginx"},
                           "spec": {"controller": "k8s.io/ingress-nginx"}})
        _, pods = self.deployment(app, "ingress-nginx", "ingress-nginx-controller", 3,
                                  [self.container("controller",
                                                  "ingress-nginx/controller:v1.11.3", port=80)],
                                  "ingress-nginx")
        self.service(app, "ingress-nginx", "ingress-nginx-controller", 80, pods,
                     kind="LoadBalancer")

        app = f"{self.name}-external-dns"
        self.rbac(app, "external-dns", "external-dns", cluster=True)
        self.secret(app, "external-dns", "external-dns-credentials")
        self.deployment(app, "external-dns", "external-dns", 1, [self.container(
            "external-dns", "external-dns/external-dns:v0.15.0", port=7979)], "external-dns")

        app = f"{self.name}-monitoring"
        self.rbac(app, "monitoring", "prometheus-operator", cluster=True)
        self.crds(app, "monitoring.coreos.com", MONITORING_CRDS, 160)
        _, pods = self.deployment(app, "monitoring", "prometheus-operator", 1, [self.container(
            "prometheus-operator", "prometheus-operator/prometheus-operator:v0.77.1", port=8080)],
            "prometheus-operator")
        self.service(app, "monitoring", "prometheus-operator", 8080, pods)
        _, pods = self.deployment(app, "monitoring", "kube-state-metrics", 1, [self.container(
            "kube-state-metrics", "kube-state-metrics/kube-state-metrics:v2.13.0", port=8080)],
            "prometheus-operator")
        self.service(app, "monitoring", "kube-state-metrics", 8080, pods)
        for name, replicas in (("prometheus", 2), ("alertmanager", 2)):
            sts, pods = self.statefulset(app, "monitoring", name, replicas, [self.container(
                name, f"prometheus/{name}:v2.54.1", port=9090)], "prometheus-operator",
                storage="100Gi")
            self.service(app, "monitoring", name, 9090, pods,
                         selector=sts["spec"]["selector"]["matchLabels"])
        self.daemonset(app, "monitoring", "node-exporter", [self.container(
            "node-exporter", "prometheus/node-exporter:v1.8.2", port=9100)], "prometheus-operator")
        self.config(app, "monitoring", "grafana-dashboards", 400)

        app = f"{self.name}-policy-controller"
        self.rbac(app, "policy", "policy-controller", cluster=True)
        self.crds(app, "policy.example.internal", POLICY_CRDS, 80)
        _, pods = self.deployment(app, "policy", "policy-controller", 3, [self.container(
            "policy-controller", "policy/policy-controller:v1.12.0", port=9443)],
            "policy-controller")
        self.service(app, "policy", "policy-controller", 443, pods, target="http")
        self.applied(app, {
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "ValidatingWebhookConfiguration",
            "metadata": {"name": "policy-controller"},
            "webhooks": [{
                "name": "validate.policy.example.internal", "admissionReviewVersions": ["v1"],
                "clientConfig": {"caBundle": fake_b64("policy-ca", 1500), "service": {
                    "name": "policy-controller", "namespace": "policy",
                    "path": "/validate", "port": 443}},
                "failurePolicy": "Ignore", "matchPolicy": "Equivalent",
                "namespaceSelector": {"matchExpressions": [{
                    "key": "kubernetes.io/metadata.name", "operator": "NotIn",
                    "values": ["kube-system", "policy"]}]},
                "objectSelector": {},
                "rules": [{"apiGroups": ["apps"], "apiVersions": ["v1"],
                           "operations": ["CREATE", "UPDATE"],
                           "resources": ["deployments", "statefulsets", "daemonsets"],
                           "scope": "Namespaced"}],
                "sideEffects": "None", "timeoutSeconds": 10}],
        }, generation=1)

        app = f"{self.name}-storage"
        self.rbac(app, "storage", "csi-controller", cluster=True)
        self.applied(app, {"apiVersion": "storage.k8s.io/v1", "kind": "CSIDriver",
                           "metadata": {"name": "csi.storage.example.internal"},
                           "spec": {"attachRequired": True, "podInfoOnMount": False,
                                    "fsGroupPolicy": "ReadWriteOnceWithFSType",
                                    "volumeLifecycleModes": ["Persistent"]}}, generation=None)
        self.deployment(app, "storage", "csi-controller", 1, [self.container(
            "csi-provisioner", "sig-storage/csi-provisioner:v5.1.0")], "csi-controller")
        self.daemonset(app, "storage", "csi-node", [self.container(
            "csi-node", "storage/csi-node:v2.3.0")], "csi-controller")

    def crds(self, app, group, kinds, fields):
        for kind in kinds:
            plural = (kind.lower()[:-1] + "ies" if kind.endswith("y")
                      else kind.lower() + ("es" if kind.endswith("s") else "s"))
            rng = random.Random(f"{group}/{kind}")
            schema = crd_schema(rng, fields)
            self.applied(app, {
                "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
                "metadata": {"name": f"{plural}.{group}", "annotations": {
                    "controller-gen.kubebuilder.io/version": "v0.16.4"}},
                "spec": {"group": group,
                         "scope": "Cluster" if kind.startswith("Cluster") else "Namespaced",
                         "names": {"kind": kind, "listKind": f"{kind}List", "plural": plural,
                                   "singular": kind.lower()},
                         "conversion": {"strategy": "None"},
                         "versions": [{"name": "v1", "served": True, "storage": True,
                                       "subresources": {"status": {}},
                                       "schema": {"openAPIV3Schema": schema}}]},
            }, generation=1, status={
                "acceptedNames": {"kind": kind, "listKind": f"{kind}List", "plural": plural,
                                  "singular": kind.lower()},
                "conditions": [{"type": t, "status": "True", "reason": r, "message": m,
                                "lastTransitionTime": ts(86400)} for t, r, m in (
                    ("NamesAccepted", "NoConflicts", "no conflicts found"),
                    ("Established", "InitialNamesAccepted", "the initial names have been accepted"))],
                "storedVersions": ["v1"]},
                # Too big for client-side apply (the annotation's limit is 256 KiB):
                # CRDs are synced with ServerSideApply=true, which writes no annotation.
                last_applied=False)


def kube_manager(kind):
    return {"Deployment": "kube-controller-manager", "StatefulSet": "kube-controller-manager",
            "DaemonSet": "kube-controller-manager", "Namespace": "kube-apiserver",
            "CustomResourceDefinition": "kube-apiserver", "APIService": "kube-apiserver",
            "Ingress": "nginx-ingress-controller"}.get(kind, "kube-controller-manager")


def crd_schema(rng, fields):
    """An openAPIV3Schema of about `fields` properties, nested as controller-gen writes."""
    budget = [fields]

    def obj(depth):
        properties = {}
        for _ in range(rng.randint(3, 9)):
            if budget[0] <= 0:
                break
            budget[0] -= 1
            name = rng.choice(LOREM) + rng.choice(LOREM).capitalize()
            kind = rng.random()
            if depth < 4 and kind < 0.3:
                prop = obj(depth + 1)
            elif depth < 4 and kind < 0.4:
                prop = {"type": "array", "items": obj(depth + 1)}
            elif kind < 0.7:
                prop = {"type": "string"}
                if rng.random() < 0.3:
                    prop["enum"] = [rng.choice(LOREM).capitalize() for _ in range(3)]
            elif kind < 0.85:
                prop = {"type": "integer", "format": "int32"}
            else:
                prop = {"type": "boolean"}
            prop["description"] = " ".join(
                sentence(rng, rng.randint(8, 20)) for _ in range(rng.randint(1, 3)))
            properties[name] = prop
        return {"type": "object", "description": sentence(rng, 12), "properties": properties}

    schema = {"type": "object", "description": sentence(rng, 30), "properties": {
        "apiVersion": {"type": "string", "description": "APIVersion defines the versioned "
                       "schema of this representation of an object."},
        "kind": {"type": "string", "description": "Kind is a string value representing the "
                 "REST resource this object represents."},
        "metadata": {"type": "object"}}}
    schema["properties"]["spec"] = obj(0)
    while budget[0] > 0:
        schema["properties"]["spec"]["properties"].update(obj(1)["properties"])
    schema["properties"]["status"] = obj(1)
    return schema


# ---------------------------------------------------------------------------------------
# Argo CD


def cluster_selector(values=None):
    return {"matchExpressions": [{"key": "stage", "operator": "In",
                                  "values": values or list(STAGES)}]}


def sync_policy():
    return {"automated": {"prune": True, "selfHeal": True},
            "syncOptions": ["CreateNamespace=false", "ServerSideApply=false"]}


def application_sets(tenants, components):
    """The 19 ApplicationSets of base, in order, and for each the Applications' template
    name pattern as Python (to name the live ones)."""
    sets = []

    def appset(name, generators, template_name, namespace, path, repo=REPO_URL,
               revision="main", labels=None, go=False):
        spec = {"generators": generators,
                "template": {"metadata": {"name": template_name,
                                          "labels": {"team": "platform", **(labels or {})}},
                             "spec": {"project": "infrastructure",
                                      "source": {"repoURL": repo, "path": path,
                                                 "targetRevision": revision},
                                      "destination": {"server": "{{ .server }}" if go else "{{server}}",
                                                      "namespace": namespace},
                                      "syncPolicy": sync_policy()}}}
        if go:
            spec = {"goTemplate": True, "goTemplateOptions": ["missingkey=error"], **spec}
        sets.append({"apiVersion": "argoproj.io/v1alpha1", "kind": "ApplicationSet",
                     "metadata": {"name": name, "namespace": ARGOCD_NAMESPACE},
                     "spec": spec})

    appset("platform-namespaces", [{"matrix": {"generators": [
        {"clusters": {"selector": cluster_selector()}},
        {"list": {"elements": [{"namespace": ns} for ns in PLATFORM_NAMESPACES]}}]}}],
        "{{name}}-ns-{{namespace}}", "{{namespace}}", "platform/namespaces/{{namespace}}")
    appset("metrics-server", [
        {"clusters": {"selector": {"matchLabels": {"stage": "lab"}},
                      "values": {"revision": "HEAD"}}},
        {"clusters": {"selector": cluster_selector(["test", "stage", "prod"]),
                      "values": {"revision": "v0.7.2"}}}],
        "{{name}}-metrics-server", "kube-metrics", "platform/metrics-server",
        revision="{{values.revision}}")
    appset("fluent-bit", [{"clusters": {"selector": cluster_selector()}}],
           "{{name}}-fluent-bit", "kube-log", "platform/fluent-bit")
    appset("contour", [{"clusters": {"selector": cluster_selector()}}],
           "{{name}}-contour", "kube-contour", "platform/contour")
    appset("cert-manager", [{"clusters": {"selector": cluster_selector()}}],
           "{{ .name }}-cert-manager", "cert-manager", "platform/cert-manager", go=True)
    appset("ingress-nginx", [{"clusters": {"selector": cluster_selector()}}],
           "{{name}}-ingress-nginx", "ingress-nginx", "platform/ingress-nginx")
    appset("external-dns", [{"clusters": {"selector": cluster_selector()}}],
           "{{name}}-external-dns", "external-dns", "platform/external-dns")
    appset("monitoring", [{"clusters": {"selector": cluster_selector()}}],
           "{{ .name }}-monitoring", "monitoring", "platform/kube-prometheus", go=True)
    appset("policy-controller", [{"clusters": {"selector": cluster_selector()}}],
           "{{name}}-policy-controller", "policy", "platform/policy-controller")
    appset("storage", [{"clusters": {"selector": cluster_selector()}}],
           "{{name}}-storage", "storage", "platform/storage")
    appset("tenant-namespaces", [
        {"matrix": {"generators": [
            {"clusters": {"selector": cluster_selector()}},
            {"list": {"elements": [{"tenant": t} for t in tenants]}}]}},
        {"matrix": {"generators": [
            {"clusters": {"selector": {"matchLabels": {"tenants": "extended"}}}},
            {"list": {"elements": [{"tenant": EXTRA_TENANT}]}}]}}],
        "{{name}}-{{tenant}}", "{{tenant}}", "tenants/{{tenant}}/namespace",
        repo=TENANT_REPO_URL, labels={"tier": "tenant"})
    for component, count in components:
        appset(f"tenant-{component}", [{"matrix": {"generators": [
            {"clusters": {"selector": cluster_selector()}},
            {"list": {"elements": [{"tenant": t} for t in tenants[:count]]}}]}}],
            "{{name}}-{{tenant}}-" + component, "{{tenant}}",
            "tenants/{{tenant}}/" + component, repo=TENANT_REPO_URL,
            labels={"tier": "tenant", "component": component})
    return sets


def head_of(sets):
    """Head: `platform-namespaces` names its Applications `ns-<namespace>-<cluster>`."""
    head = json.loads(json.dumps(sets))
    for appset in head:
        if appset["metadata"]["name"] == "platform-namespaces":
            appset["spec"]["template"]["metadata"]["name"] = "ns-{{namespace}}-{{name}}"
    return head


def live_applications(identity, tenants, components):
    """(application name, ApplicationSet, destination namespace, source path, repo,
    revision, labels) of every Application generated for one cluster, in the order the
    ApplicationSets list them."""
    name = identity["name"]
    apps = []
    for ns in PLATFORM_NAMESPACES:
        apps.append((f"{name}-ns-{ns}", "platform-namespaces", ns, f"platform/namespaces/{ns}",
                     REPO_URL, "main", {}))
    revision = "HEAD" if identity["stage"] == "lab" else "v0.7.2"
    for appset, ns, path in PLATFORM_APPS:
        apps.append((f"{name}-{appset}", appset, ns, path, REPO_URL,
                     revision if appset == "metrics-server" else "main", {}))
    cluster_tenants = list(tenants)
    if identity["tenants"] == "extended":
        cluster_tenants.append(EXTRA_TENANT)
    for tenant in cluster_tenants:
        apps.append((f"{name}-{tenant}", "tenant-namespaces", tenant,
                     f"tenants/{tenant}/namespace", TENANT_REPO_URL, "main", {"tier": "tenant"}))
    for component, count in components:
        for tenant in tenants[:count]:
            apps.append((f"{name}-{tenant}-{component}", f"tenant-{component}", tenant,
                         f"tenants/{tenant}/{component}", TENANT_REPO_URL, "main",
                         {"tier": "tenant", "component": component}))
    return apps


PLATFORM_APPS = [
    ("metrics-server", "kube-metrics", "platform/metrics-server"),
    ("fluent-bit", "kube-log", "platform/fluent-bit"),
    ("contour", "kube-contour", "platform/contour"),
    ("cert-manager", "cert-manager", "platform/cert-manager"),
    ("ingress-nginx", "ingress-nginx", "platform/ingress-nginx"),
    ("external-dns", "external-dns", "platform/external-dns"),
    ("monitoring", "monitoring", "platform/kube-prometheus"),
    ("policy-controller", "policy", "platform/policy-controller"),
    ("storage", "storage", "platform/storage"),
]


def application(identity, entry, resources, appset_uids, index, managed_fields):
    name, appset, namespace, path, repo, revision, labels = entry
    sha = hexhash(f"{repo}/{path}/{revision}", 40)
    source = {"repoURL": repo, "path": path, "targetRevision": revision}
    destination = {"server": identity["server"], "namespace": namespace}
    clock = 86400 * 40 + index * 7
    results = [{"group": r["group"], "version": r["version"], "kind": r["kind"],
                "namespace": r["namespace"], "name": r["name"], "status": "Synced",
                "message": f"{r['kind'].lower()}/{r['name']} configured",
                "hookPhase": "Running", "syncPhase": "Sync"} for r in resources]
    status_resources = [{**({"group": r["group"]} if r["group"] else {}), "version": r["version"],
                         "kind": r["kind"],
                         **({"namespace": r["namespace"]} if r["namespace"] else {}),
                         "name": r["name"], "status": "Synced",
                         "health": {"status": "Healthy"}} for r in resources]
    history = [{"id": i, "revision": hexhash(f"{sha}/{i}", 40), "deployStartedAt": ts(clock - 3600 * (5 - i)),
                "deployedAt": ts(clock - 3600 * (5 - i) + 20), "source": source}
               for i in range(1, 6)]
    spec = {"destination": destination, "project": "infrastructure", "source": source,
            "syncPolicy": sync_policy()}
    metadata = {
        "name": name, "namespace": ARGOCD_NAMESPACE,
        "uid": uid_of("in-cluster", "Application", name),
        "resourceVersion": str(5_000_000 + index * 13), "generation": 812 + index % 97,
        "creationTimestamp": ts(86400 * 10 + index),
        "labels": {"team": "platform", **labels},
        "finalizers": ["resources-finalizer.argocd.argoproj.io"],
        "ownerReferences": [{"apiVersion": "argoproj.io/v1alpha1", "kind": "ApplicationSet",
                             "name": appset, "uid": appset_uids[appset],
                             "controller": True, "blockOwnerDeletion": True}],
    }
    if managed_fields:
        metadata["managedFields"] = [
            {"apiVersion": "argoproj.io/v1alpha1", "fieldsType": "FieldsV1",
             "fieldsV1": fields_v1({"metadata": {"finalizers": {}, "labels": metadata["labels"],
                                                 "ownerReferences": {}}, "spec": spec}),
             "manager": "argocd-applicationset-controller", "operation": "Update",
             "time": ts(86400 * 10 + index)},
            {"apiVersion": "argoproj.io/v1alpha1", "fieldsType": "FieldsV1",
             "fieldsV1": fields_v1({"status": {"health": {}, "history": {}, "operationState": {},
                                               "reconciledAt": {}, "resources": {},
                                               "sourceType": {}, "summary": {}, "sync": {}}}),
             "manager": "argocd-application-controller", "operation": "Update",
             "time": ts(clock)}]
    return {
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": metadata,
        "spec": spec,
        "status": {
            "controllerNamespace": ARGOCD_NAMESPACE,
            "health": {"status": "Healthy", "lastTransitionTime": ts(clock)},
            "history": history,
            "operationState": {
                "operation": {"sync": {"revision": sha, "syncOptions": sync_policy()["syncOptions"]},
                              "initiatedBy": {"automated": True},
                              "retry": {"limit": 5}},
                "phase": "Succeeded", "message": "successfully synced (all tasks run)",
                "startedAt": ts(clock - 30), "finishedAt": ts(clock),
                "syncResult": {"resources": results, "revision": sha, "source": source}},
            "reconciledAt": ts(clock + 600),
            "resources": status_resources,
            "sourceType": "Directory",
            "summary": {"images": sorted({f"registry.example.internal/{path}:1.0"})},
            "sync": {"status": "Synced", "revision": sha,
                     "comparedTo": {"source": source, "destination": destination}},
        },
    }


def write_argocd(root, identities, tenants, components, app_resources, fmt, managed_fields):
    folder = os.path.join(root, "snapshot", "in-cluster")
    os.makedirs(folder)
    sets = application_sets(tenants, components)
    appset_uids = {s["metadata"]["name"]: uid_of("in-cluster", "ApplicationSet",
                                                  s["metadata"]["name"]) for s in sets}
    config = ListWriter(os.path.join(folder, f"argocd-config.{fmt}"), fmt)
    config.add({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "argocd-cm", "namespace": ARGOCD_NAMESPACE,
                             "labels": {"app.kubernetes.io/part-of": "argocd"}},
                "data": {"application.resourceTrackingMethod": "annotation",
                         "timeout.reconciliation": "180s"}})
    config.add({"apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject",
                "metadata": {"name": "infrastructure", "namespace": ARGOCD_NAMESPACE},
                "spec": {"destinations": [{"namespace": "*", "server": "*"}],
                         "sourceRepos": ["*"],
                         "clusterResourceWhitelist": [{"group": "*", "kind": "*"}]}})
    for identity in identities:
        config.add({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                    "metadata": {"name": f"cluster-{identity['name']}",
                                 "namespace": ARGOCD_NAMESPACE,
                                 "labels": {"argocd.argoproj.io/secret-type": "cluster",
                                            "stage": identity["stage"],
                                            "region": identity["region"],
                                            "tenants": identity["tenants"]}},
                    "stringData": {"name": identity["name"], "server": identity["server"],
                                   "config": '{"bearerToken": "FAKE-TOKEN-NOT-A-SECRET"}'}})
    sizes = {"argocd-config": config.close()}
    appsets = ListWriter(os.path.join(folder, f"applicationsets.{fmt}"), fmt)
    for appset in sets:
        live = json.loads(json.dumps(appset))
        live["metadata"].update({"uid": appset_uids[appset["metadata"]["name"]],
                                 "resourceVersion": "4000000", "generation": 3,
                                 "creationTimestamp": ts(86400 * 9)})
        appsets.add(live)
    sizes["applicationsets"] = appsets.close()
    apps = ListWriter(os.path.join(folder, f"applications.{fmt}"), fmt)
    index = 0
    count = 0
    for identity in identities:
        for entry in live_applications(identity, tenants, components):
            resources = app_resources[identity["name"]].get(entry[0], [])
            apps.add(application(identity, entry, resources, appset_uids, index,
                                 managed_fields))
            index += 1
            count += 1
    sizes["applications"] = apps.close()
    with open(os.path.join(folder, "version.json"), "w") as f:
        f.write(version_json())
    for side, manifests in (("base", sets), ("head", head_of(sets))):
        os.makedirs(os.path.join(root, side))
        for appset in manifests:
            with open(os.path.join(root, side, appset["metadata"]["name"] + ".yaml"), "w") as f:
                f.write(json.dumps(appset, indent=2) + "\n")
    return count, sizes


def version_json():
    major, minor, _ = KUBE_VERSION[1:].split(".")
    info = {"major": major, "minor": minor, "gitVersion": KUBE_VERSION,
            "gitCommit": hexhash(KUBE_VERSION, 40), "gitTreeState": "clean",
            "buildDate": "2024-12-10T11:36:56Z", "goVersion": "go1.22.10",
            "compiler": "gc", "platform": "linux/amd64"}
    return json.dumps({"clientVersion": dict(info, platform="linux/amd64"),
                       "kustomizeVersion": "v5.4.2", "serverVersion": info}, indent=2) + "\n"


# ---------------------------------------------------------------------------------------


def write_cluster(job):
    root, identity, tenants, components, fmt, managed_fields, events = job
    folder = os.path.join(root, "snapshot", identity["name"])
    os.makedirs(folder)
    out = Output(folder, fmt, managed_fields, events)
    cluster = Cluster(identity, tenants, components, out)
    cluster.write()
    sizes = out.close()
    with open(os.path.join(folder, "version.json"), "w") as f:
        f.write(version_json())
    return identity["name"], out.kinds, sizes, cluster.app_resources


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Write a deterministic fleet snapshot of the RUD talk's shape "
        "(scale 1: 30 clusters, 1,406 namespaces, ~18,000 pods, ~280,000 objects, "
        "4,556 Applications from 19 ApplicationSets) with base/ and head/ ApplicationSets "
        "where head renames one template.",
        epilog="Then: argocd-preflight plan --snapshot OUT_DIR/snapshot "
        "--base OUT_DIR/base --head OUT_DIR/head")
    parser.add_argument("out_dir", metavar="OUT_DIR",
                        help="written afresh: an earlier fleet there (with its fleet.json) is "
                        "deleted first; any other non-empty directory is refused")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="1 = the talk's fleet; N gives round(30*N) clusters (at least "
                        "one); below 0.1 each cluster also has fewer tenants (0.02: one "
                        "cluster of 21 namespaces) [default 1]")
    parser.add_argument("--no-managed-fields", action="store_true",
                        help="with --no-events --compact, the form capture writes: no metadata.managedFields and no "
                        "kubectl.kubernetes.io/last-applied-configuration annotation")
    parser.add_argument("--no-events", action="store_true",
                        help="leave Events out, as `argocd-preflight capture` does (they are "
                        "still generated, so the other objects do not change)")
    parser.add_argument("--compact", action="store_true",
                        help="JSON without indentation, as `argocd-preflight capture` writes "
                        "it (with --no-managed-fields --no-events: the form a capture has)")
    parser.add_argument("--format", choices=["json", "yaml"], default="json",
                        help="kubectl get -o json (4-space indent) or -o yaml [default json]")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="clusters written in parallel; the output does not depend on "
                        "it [default: number of CPUs]")
    args = parser.parse_args(argv)
    if args.scale <= 0:
        parser.error("--scale must be positive")
    if args.compact and args.format != "json":
        parser.error("--compact is for --format json")
    set_compact(args.compact)

    clusters, tenants, components = fleet_shape(args.scale)
    identities = [cluster_identity(i) for i in range(clusters)]
    root = args.out_dir
    if os.path.isdir(root) and os.listdir(root):
        if not os.path.isfile(os.path.join(root, "fleet.json")):
            parser.error(f"{root} is not empty and holds no fleet.json: not deleting it")
        shutil.rmtree(root)
    os.makedirs(os.path.join(root, "snapshot"))
    managed = not args.no_managed_fields
    jobs = [(root, identity, tenants, components, args.format, managed, not args.no_events)
            for identity in identities]
    kinds = {}
    file_bytes = {}
    app_resources = {}
    started = time.monotonic()
    workers = max(1, min(args.jobs, len(jobs)))
    pool = Pool(workers, initializer=set_compact, initargs=(args.compact,)) if workers > 1 else None
    results = pool.imap(write_cluster, jobs) if pool else map(write_cluster, jobs)
    for name, cluster_kinds, sizes, resources in results:
        for kind, count in cluster_kinds.items():
            kinds[kind] = kinds.get(kind, 0) + count
        for file, size in sizes.items():
            file_bytes[file] = file_bytes.get(file, 0) + size
        app_resources[name] = resources
        print(f"{name}: {sum(cluster_kinds.values())} objects, "
              f"{sum(sizes.values()) / 1e6:.1f} MB", file=sys.stderr)
    if pool:
        pool.close()
        pool.join()
    applications, argocd_sizes = write_argocd(root, identities, tenants, components,
                                              app_resources, args.format, managed)
    destination_bytes = sum(file_bytes.values())
    summary = {
        "generator": "scripts/generate-fleet.py",
        "parameters": {"scale": args.scale, "managedFields": managed,
                       "events": not args.no_events, "format": args.format,
                       "compact": args.compact},
        "clusters": clusters,
        "namespaces": kinds.get("Namespace", 0),
        "pods": kinds.get("Pod", 0),
        "ingresses": kinds.get("Ingress", 0),
        "objects": sum(kinds.values()),
        "applicationSets": len(application_sets(tenants, components)),
        "applications": applications,
        "bytes": destination_bytes + sum(argocd_sizes.values()),
        "bytesPerFile": {**{f"<cluster>/{k}.{args.format}": v for k, v in sorted(file_bytes.items())},
                         **{f"in-cluster/{k}.{args.format}": v for k, v in argocd_sizes.items()}},
        "kinds": dict(sorted(kinds.items())),
        "renamed": "platform-namespaces",
    }
    with open(os.path.join(root, "fleet.json"), "w") as f:
        f.write(json.dumps(summary, indent=2) + "\n")
    print(f"{root}: {clusters} clusters, {summary['namespaces']} namespaces, "
          f"{summary['pods']} pods, {summary['ingresses']} ingresses, "
          f"{summary['objects']} objects, {applications} Applications, "
          f"{summary['bytes'] / 1e9:.2f} GB in {time.monotonic() - started:.0f} s",
          file=sys.stderr)


# ---------------------------------------------------------------------------------------
# Tables


BUILTIN_APISERVICES = [
    ("", "v1"), ("admissionregistration.k8s.io", "v1"), ("apiextensions.k8s.io", "v1"),
    ("apps", "v1"), ("authentication.k8s.io", "v1"), ("authorization.k8s.io", "v1"),
    ("autoscaling", "v1"), ("autoscaling", "v2"), ("batch", "v1"),
    ("certificates.k8s.io", "v1"), ("coordination.k8s.io", "v1"), ("discovery.k8s.io", "v1"),
    ("events.k8s.io", "v1"), ("flowcontrol.apiserver.k8s.io", "v1"),
    ("networking.k8s.io", "v1"), ("node.k8s.io", "v1"), ("policy", "v1"),
    ("rbac.authorization.k8s.io", "v1"), ("scheduling.k8s.io", "v1"),
    ("storage.k8s.io", "v1"), ("cert-manager.io", "v1"), ("monitoring.coreos.com", "v1"),
    ("projectcontour.io", "v1"), ("policy.example.internal", "v1"),
]
KUBE_CLUSTER_ROLES = [
    "admin", "edit", "view", "cluster-admin", "system:aggregate-to-admin",
    "system:aggregate-to-edit", "system:aggregate-to-view", "system:auth-delegator",
    "system:basic-user", "system:certificates.k8s.io:certificatesigningrequests:nodeclient",
    "system:controller:attachdetach-controller", "system:controller:clusterrole-aggregation-controller",
    "system:controller:cronjob-controller", "system:controller:daemon-set-controller",
    "system:controller:deployment-controller", "system:controller:disruption-controller",
    "system:controller:endpoint-controller", "system:controller:endpointslice-controller",
    "system:controller:expand-controller", "system:controller:generic-garbage-collector",
    "system:controller:horizontal-pod-autoscaler", "system:controller:job-controller",
    "system:controller:namespace-controller", "system:controller:node-controller",
    "system:controller:persistent-volume-binder", "system:controller:pod-garbage-collector",
    "system:controller:pv-protection-controller", "system:controller:pvc-protection-controller",
    "system:controller:replicaset-controller", "system:controller:replication-controller",
    "system:controller:resourcequota-controller", "system:controller:route-controller",
    "system:controller:service-account-controller", "system:controller:service-controller",
    "system:controller:statefulset-controller", "system:controller:ttl-controller",
    "system:coredns", "system:discovery", "system:heapster", "system:kube-aggregator",
    "system:kube-controller-manager", "system:kube-dns", "system:kube-scheduler",
    "system:monitoring", "system:node", "system:node-bootstrapper", "system:node-problem-detector",
    "system:node-proxier", "system:persistent-volume-provisioner", "system:public-info-viewer",
    "system:service-account-issuer-discovery", "system:volume-scheduler",
]
KUBE_SERVICE_ACCOUNTS = [
    "attachdetach-controller", "bootstrap-signer", "certificate-controller",
    "clusterrole-aggregation-controller", "coredns", "cronjob-controller",
    "daemon-set-controller", "deployment-controller", "disruption-controller",
    "endpoint-controller", "endpointslice-controller", "ephemeral-volume-controller",
    "expand-controller", "generic-garbage-collector", "horizontal-pod-autoscaler",
    "job-controller", "kube-proxy", "namespace-controller", "node-controller",
    "persistent-volume-binder", "pod-garbage-collector", "pv-protection-controller",
    "pvc-protection-controller", "replicaset-controller", "statefulset-controller",
]
RBAC_RESOURCES = [
    ("", "pods"), ("", "services"), ("", "configmaps"), ("", "secrets"), ("", "endpoints"),
    ("apps", "deployments"), ("apps", "statefulsets"), ("batch", "jobs"),
    ("networking.k8s.io", "ingresses"), ("autoscaling", "horizontalpodautoscalers"),
    ("policy", "poddisruptionbudgets"),
]
IMAGES = [
    "kubernetes/kube-proxy", "kubernetes/pause", "coredns/coredns", "fluent/fluent-bit",
    "envoyproxy/envoy", "projectcontour/contour", "jetstack/cert-manager-controller",
    "jetstack/cert-manager-webhook", "jetstack/cert-manager-cainjector",
    "ingress-nginx/controller", "prometheus/node-exporter", "prometheus/prometheus",
    "prometheus/alertmanager", "metrics-server/metrics-server", "storage/csi-node",
    "sig-storage/csi-node-driver-registrar", "sig-storage/livenessprobe",
    "policy/policy-controller", "payments/api", "checkout/api", "catalog/web",
    "search/worker", "identity/api", "billing/api", "orders/web", "shipping/worker",
]
EVENTS = [
    ("Scheduled", "default-scheduler",
     "Successfully assigned {namespace}/{name} to {node}"),
    ("Pulling", "kubelet", 'Pulling image "{image}"'),
    ("Pulled", "kubelet", 'Successfully pulled image "{image}" in 1.204s (1.204s including waiting). Image size: 21510134 bytes.'),
    ("Created", "kubelet", "Created container: app"),
    ("Started", "kubelet", "Started container app"),
]
CONTOUR_CRDS = ["HTTPProxy", "TLSCertificateDelegation", "ExtensionService",
                "ContourConfiguration", "ContourDeployment"]
CERT_MANAGER_CRDS = ["Certificate", "CertificateRequest", "Issuer", "ClusterIssuer", "Order",
                     "Challenge"]
MONITORING_CRDS = ["Prometheus", "Alertmanager", "ServiceMonitor", "PodMonitor", "Probe",
                   "PrometheusRule", "ThanosRuler", "AlertmanagerConfig", "PrometheusAgent",
                   "ScrapeConfig"]
POLICY_CRDS = ["ClusterPolicy", "Policy", "PolicyException", "PolicyReport"]
FAKE_CERT = ("-----BEGIN CERTIFICATE-----\n"
             + "\n".join(["RkFLRS1DRVJUSUZJQ0FURS1OT1QtQS1TRUNSRVQtRkFLRS1DRVJUSUZJQ0FURS1O"] * 18)
             + "\n-----END CERTIFICATE-----\n")


if __name__ == "__main__":
    main()
