#!/usr/bin/env python3
"""Writes the benchmark's large ApplicationSet: every cluster of a generated fleet
crossed with a list, sized so that it generates about 15,000 Applications.

    scripts/bench-big-appset.py FLEET_JSON OUT_YAML [--applications 15000]

FLEET_JSON is the `fleet.json` that scripts/generate-fleet.py writes beside a fleet.
"""

import argparse
import json
import math


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("fleet_json")
    parser.add_argument("out_yaml")
    parser.add_argument("--applications", type=int, default=15000)
    args = parser.parse_args()
    with open(args.fleet_json, encoding="utf-8") as fleet:
        # The cluster generator yields every cluster secret and the local cluster.
        clusters = json.load(fleet)["clusters"] + 1
    per_cluster = math.ceil(args.applications / clusters)
    elements = "\n".join(f"                - app: app-{i:05d}" for i in range(per_cluster))
    text = f"""apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: bench-large
  namespace: argocd
spec:
  goTemplate: true
  generators:
    - matrix:
        generators:
          - clusters: {{}}
          - list:
              elements:
{elements}
  template:
    metadata:
      name: '{{{{.name}}}}-{{{{.app}}}}'
    spec:
      project: infrastructure
      source:
        repoURL: https://git.example.com/platform/apps.git
        path: 'apps/{{{{.app}}}}'
        targetRevision: main
      destination:
        server: '{{{{.server}}}}'
        namespace: '{{{{.app}}}}'
"""
    with open(args.out_yaml, "w", encoding="utf-8") as out:
        out.write(text)


if __name__ == "__main__":
    main()
