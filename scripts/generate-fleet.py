#!/usr/bin/env python3
"""Writes a fleet snapshot the size of the seed talk's (30 clusters, ~10,000 objects
each) for measuring `plan`: every cluster is a copy of the rud-incident's `e1-k8s-lab-a`
plus 47 tenant namespaces with 100 pods and 100 ConfigMaps each, and a validating
webhook. Argo CD's folder holds the cluster secrets; without live Applications the base
revision stands in for what is live.

    python3 scripts/generate-fleet.py /tmp/fleet [CLUSTERS]
    argocd-preflight plan --snapshot /tmp/fleet --base tests/scenarios/rud-incident/base \\
        --head tests/scenarios/rud-incident/head --format json > /dev/null
"""

import json
import os
import shutil
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "/tmp/fleet"
    clusters = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    shutil.rmtree(root, ignore_errors=True)
    template = open(os.path.join(
        REPO, "tests/scenarios/rud-incident/snapshot/e1-k8s-lab-a/objects.yaml")).read()
    argocd = [
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: argocd-cm, namespace: argocd}\ndata: {}\n",
        "apiVersion: argoproj.io/v1alpha1\nkind: AppProject\n"
        "metadata: {name: infrastructure, namespace: argocd}\n",
    ]
    for index in range(clusters):
        name = f"e1-k8s-lab-{index:03}"
        folder = os.path.join(root, name)
        os.makedirs(folder)
        with open(os.path.join(folder, "objects.yaml"), "w") as f:
            f.write(template.replace("e1-k8s-lab-a", name))
        objects = []
        for n in range(47):
            ns = f"team-{n}"
            objects.append({"apiVersion": "v1", "kind": "Namespace",
                            "metadata": {"name": ns, "uid": f"ns-{ns}"},
                            "spec": {"finalizers": ["kubernetes"]}})
            for i in range(100):
                objects.append({"apiVersion": "v1", "kind": "Pod",
                                "metadata": {"name": f"p{i}", "namespace": ns, "uid": f"{ns}-p{i}",
                                             "labels": {"app": "x"}},
                                "spec": {"nodeName": "node-1"}})
                objects.append({"apiVersion": "v1", "kind": "ConfigMap",
                                "metadata": {"name": f"c{i}", "namespace": ns, "uid": f"{ns}-c{i}"}})
        objects.append({
            "apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
            "metadata": {"name": "policy", "uid": "vwc"},
            "webhooks": [{"name": "validate.example.com",
                          "clientConfig": {"service": {"name": "metrics-server", "namespace": "kube-metrics"}},
                          "rules": [{"operations": ["DELETE"], "apiGroups": ["apps"],
                                     "apiVersions": ["v1"], "resources": ["deployments"]}]}]})
        with open(os.path.join(folder, "tenants.json"), "w") as f:
            json.dump({"apiVersion": "v1", "kind": "List", "items": objects}, f)
        argocd.append(
            f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: cluster-{name}\n  namespace: argocd\n"
            f"  labels: {{argocd.argoproj.io/secret-type: cluster, stage: lab}}\n"
            f"stringData: {{name: {name}, server: 'https://{name}.example.internal:6443'}}\n")
    os.makedirs(os.path.join(root, "in-cluster"))
    with open(os.path.join(root, "in-cluster", "argocd.yaml"), "w") as f:
        f.write("---\n".join(argocd))


if __name__ == "__main__":
    main()
