"""Synthetic platform specs of any size: teams x environments x GPU pools (x models).

    python bench/synthetic.py --teams 50 --environments 4 --pools 4 --models 0 > big.yaml
"""

from __future__ import annotations

import argparse

import yaml

MODES = ["internal", "subnet", "internal", "internal"]


def synthetic_spec(teams: int, environments: int, pools: int, models_per_team: int = 0) -> dict:
    envs = [f"env{e}" for e in range(environments)]
    spec = {
        "apiVersion": "mlopsgen.dev/v1alpha1",
        "kind": "Platform",
        "metadata": {"name": "synthetic"},
        "gitops": {"repoURL": "https://git.example.com/platform/gitops.git", "path": "deploy"},
        "clusters": [
            {"name": "serving", "server": "https://api.serving.example.com", "role": "serving",
             "apiServer": {"cidrs": ["10.0.0.0/28"]}, "cni": {"calicoApiServer": True}},  # its subnet segments
            {"name": "training", "server": "https://api.training.example.com", "role": "training",
             "apiServer": {"cidrs": ["10.1.0.0/28"]}},
        ],
        "environments": [],
        "gpuPools": [
            {"name": f"pool{p}", "cluster": "training" if p % 2 == 0 else "serving", "gpuType": "nvidia-a100",
             "gpusPerNode": 8, "nodes": 4}
            for p in range(pools)
        ],
        "services": [
            {"name": "mlflow", "kind": "tracking", "host": "mlflow.mlflow.svc.cluster.local", "port": 5000},
            {"name": "prometheus", "kind": "monitoring", "host": "prometheus-operated.monitoring.svc.cluster.local",
             "port": 9090, "podLabels": {"app.kubernetes.io/name": "prometheus"}},
        ],
        "teams": [],
        "models": [],
    }
    if environments > 1:  # environments on both clusters: one tracking server, published to the training cluster
        spec["services"][0].update({"cluster": "serving", "published": {
            "url": "https://mlflow.ml.example.com", "cidrs": ["203.0.113.10/32"], "clientIssuer": "synthetic-clusters"}})
    for e, name in enumerate(envs):
        env = {"name": name, "cluster": "training" if e == 0 else "serving",
               "network": {"training": "host" if e == 0 else MODES[e % 4], "inference": "internal"}}
        if e == 0:
            env["hostNetworkJustification"] = "NCCL over the host interfaces for multi-node training."
        if MODES[e % 4] == "subnet":
            env["segment"] = {"cidr": f"10.{100 + e}.0.0/16"}
        spec["environments"].append(env)
    for t in range(teams):
        team = f"team{t}"
        spec["teams"].append({
            "name": team,
            "owners": [f"group-{team}"],
            "gpuPools": [f"pool{(t + i) % pools}" for i in range(min(2, pools))],
            "quotas": {name: {"cpu": 64, "memory": "256Gi", "gpu": 2} for name in envs},
        })
        for m in range(models_per_team):
            model = {
                "name": f"{team}-model{m}", "team": team, "source": f"models:/{team}-model{m}/1",
                "resources": {"cpu": "500m", "memory": "1Gi"},
                # One ingress gateway per cluster: each environment binds its own host.
                "environments": {name: {"replicas": 2, "host": f"model{m}.{team}.{name}.ml.example.com"} for name in envs[1:] or envs},
                "exposure": {"host": f"model{m}.{team}.ml.example.com"},
                "slos": {"p95LatencyMs": 200, "errorRate": 0.01},
            }
            if m % 2:
                model["canary"] = {"source": f"models:/{team}-model{m}/2", "weight": 10}
            spec["models"].append(model)
    return spec


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teams", type=int, default=50)
    parser.add_argument("--environments", type=int, default=4)
    parser.add_argument("--pools", type=int, default=4)
    parser.add_argument("--models", type=int, default=0, help="models per team")
    args = parser.parse_args()
    print(yaml.safe_dump(synthetic_spec(args.teams, args.environments, args.pools, args.models), sort_keys=False), end="")


if __name__ == "__main__":
    main()
