"""Defaults have one home, the schema: the model of a spec that omits them carries the schema's values."""

from __future__ import annotations

import json

from mlopsgen.platform import load_platform
from mlopsgen.platform.schema import platform_schema
from tests.support.specs import Spec

MINIMAL = {
    "apiVersion": "mlopsgen.dev/v1alpha1",
    "kind": "Platform",
    "metadata": {"name": "tiny"},
    "gitops": {"repoURL": "https://git.example.com/ml/gitops.git"},
    "clusters": [{"name": "main", "server": "https://api.main.example.com", "apiServer": {"cidrs": ["192.168.16.0/28"]}}],
    "environments": [{"name": "dev", "cluster": "main", "segment": {"cidr": "10.9.0.0/16"}}],
    "gpuPools": [{"name": "a10", "cluster": "main", "gpuType": "nvidia-a10g", "gpusPerNode": 4, "nodes": 1}],
    "services": [{"name": "mlflow", "kind": "tracking", "host": "mlflow.mlflow.svc.cluster.local", "port": 5000},
                 # a model's ServiceMonitor needs Prometheus on its cluster (validate refuses it without)
                 {"name": "prometheus", "kind": "monitoring", "host": "prometheus-operated.monitoring.svc.cluster.local", "port": 9090}],
    "teams": [{"name": "ds", "owners": ["ds"], "quotas": {"dev": {"cpu": 4, "memory": "8Gi"}}}],
    "models": [{
        "name": "m", "team": "ds", "source": "models:/m@champion", "resources": {"cpu": 1, "memory": "1Gi"},
        "environments": {"dev": {"autoscaling": {"maxReplicas": 2}}},
        "exposure": {"host": "m.example.com"}, "auth": {"issuer": "https://login.example.com"},
        "retraining": {"schedule": "0 3 * * 1", "image": "registry.example.com/retrain:1"},
    }],
    "lint": {"suppressions": [{"rule": "static-ip", "reason": "accepted for the test"}]},
}


def _default(pointer: str):
    node = platform_schema()
    for part in pointer.strip("/").split("/"):
        node = node[part]
    return node["default"]


def test_a_spec_without_optional_keys_gets_the_schemas_defaults(tmp_path):
    platform = load_platform(Spec(json.loads(json.dumps(MINIMAL))).write(tmp_path))
    props = "properties"
    assert platform.gitops.revision == _default(f"{props}/gitops/{props}/revision")
    assert platform.gitops.path == _default(f"{props}/gitops/{props}/path")
    cluster = platform.clusters[0]
    assert cluster.role == _default(f"{props}/clusters/items/{props}/role")
    assert cluster.cloud == _default(f"{props}/clusters/items/{props}/cloud")
    assert cluster.api_server is not None and cluster.api_server.port == _default(f"{props}/clusters/items/{props}/apiServer/{props}/port")
    env = platform.environments[0]
    for workload, mode in env.modes.items():
        assert mode == _default(f"$defs/networkModes/{props}/{workload}")
    assert env.segment.block_size == _default(f"{props}/environments/items/{props}/segment/{props}/blockSize")
    taints = _default(f"{props}/gpuPools/items/{props}/taints")
    assert [(t.key, t.value, t.effect) for t in platform.gpu_pools[0].taints] == [(t["key"], t["value"], t["effect"]) for t in taints]
    assert platform.teams[0].quotas["dev"].gpu == _default(f"$defs/quota/{props}/gpu")
    assert platform.teams[0].gpu_pools == tuple(_default(f"{props}/teams/items/{props}/gpuPools"))
    model = platform.models[0]
    model_props = f"$defs/model/{props}"
    assert model.runtime == _default(f"{model_props}/runtime")
    assert model.format == _default(f"{model_props}/format")
    assert model.gpus == _default(f"$defs/resources/{props}/gpus")
    assert model.callers == tuple(_default(f"{model_props}/callers"))
    placement = model.environments["dev"]
    environments = f"{model_props}/environments/additionalProperties/{props}"
    assert placement.replicas == _default(f"{environments}/replicas")
    assert placement.autoscaling.target_utilization == _default(f"{environments}/autoscaling/{props}/targetUtilization")
    assert model.exposure.paths == tuple(_default(f"{model_props}/exposure/{props}/paths"))
    assert model.auth.audiences == tuple(_default(f"{model_props}/auth/{props}/audiences"))
    assert model.retraining.drift_threshold == _default(f"{model_props}/retraining/{props}/driftThreshold")
    suppression = platform.suppressions[0]
    assert suppression.path == _default(f"{props}/lint/{props}/suppressions/items/{props}/path")
