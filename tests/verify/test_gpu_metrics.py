"""GPU metrics: the DCGM exporter on every GPU pool's nodes, scraped, feeding each team's idle-GPU alert and
dashboard; proven on the chart as helm renders it, and each break of the chain named."""

from __future__ import annotations

import json

import yaml

from tests.support.specs import Spec
from tests.verify.conftest import render_tree
from tests.verify.test_charts import _errors, _set_values


def test_the_exporter_runs_on_the_pools_and_every_team_with_gpus_gets_the_idle_alert(examples, reports):
    _, tree = examples["quickstart"]
    assert all(v.passed for v in reports["quickstart"].verdicts)  # its chart rendered, the alert's metric served
    values = yaml.safe_load((tree / "platform/main/values/dcgm-exporter.yaml").read_text())
    assert values["serviceMonitor"] == {"enabled": True, "honorLabels": True}
    assert values["tolerations"][0]["key"] == "nvidia.com/gpu" and "nodeAffinity" in values["affinity"]
    for team in ("fraud", "recsys"):
        for env in ("dev", "prod"):
            rule = yaml.safe_load((tree / f"teams/{team}/overlays/{env}/gpu-alerts.yaml").read_text())
            expr = rule["spec"]["groups"][0]["rules"][0]["expr"]
            assert f'DCGM_FI_DEV_GPU_UTIL{{namespace="{team}-{env}", pod!=""}}' in expr
            dashboard = (tree / f"teams/{team}/overlays/{env}/dashboard.yaml").read_text()
            assert "GPU utilisation (%) by pod" in dashboard


def test_its_namespace_is_privileged_with_the_reason(examples):
    _, tree = examples["quickstart"]
    found = [d for f in (tree / "platform/main").rglob("*.yaml") for d in yaml.safe_load_all(f.read_text())
             if d and d.get("kind") == "Namespace" and d["metadata"]["name"] == "dcgm-exporter"]
    assert found, "no Namespace for the exporter"
    labels, annotations = found[0]["metadata"]["labels"], json.dumps(found[0]["metadata"].get("annotations", {}))
    assert labels["pod-security.kubernetes.io/enforce"] == "privileged" and "pod-resources" in annotations


def test_the_exporter_without_the_pools_toleration_is_named(quickstart):
    spec, tree = quickstart
    _set_values(tree, "dcgm-exporter", lambda v: v.pop("tolerations"))
    found = [m for m in _errors(spec, tree, "admission") if m.startswith("DaemonSet dcgm-exporter/dcgm-exporter ")]
    assert found and "does not run on GPU pool a10" in found[0], found


def test_an_exporter_nothing_scrapes_leaves_the_idle_alert_without_its_metric(quickstart):
    spec, tree = quickstart
    _set_values(tree, "dcgm-exporter", lambda v: v["serviceMonitor"].update(enabled=False))
    found = [m for m in _errors(spec, tree, "monitoring") if "GpuAllocatedButIdle" in m]
    assert found and "reads DCGM_FI_DEV_GPU_UTIL, which nothing the tree deploys exports" in found[0], found


def test_gpu_metrics_follow_where_a_prometheus_and_an_exporter_run(tmp_path):
    """No Prometheus on the cluster: nothing to scrape the GPUs, so no exporter and no alert (its CRD would be
    missing). A provided Prometheus: the tree installs the exporter. A provided exporter too: the tree installs
    none, and the teams still get the alert on its metric."""
    spec = Spec.example("quickstart")
    spec.data["services"] = [s for s in spec.data["services"] if s["kind"] != "monitoring"]
    spec.data["models"] = []
    tree = render_tree(spec.write(tmp_path / "none"))
    assert not (tree / "platform/main/values/dcgm-exporter.yaml").exists()
    assert not (tree / "teams/fraud/overlays/prod/gpu-alerts.yaml").exists()
    spec.data["clusters"][0]["provided"] = {"prometheus": {}}
    tree = render_tree(spec.write(tmp_path / "installed"))
    assert (tree / "platform/main/values/dcgm-exporter.yaml").exists()
    assert (tree / "teams/fraud/overlays/prod/gpu-alerts.yaml").exists()
    spec.data["clusters"][0]["provided"] = {"prometheus": {}, "dcgmExporter": {}}
    tree = render_tree(spec.write(tmp_path / "provided"))
    assert not (tree / "platform/main/values/dcgm-exporter.yaml").exists()
    assert (tree / "teams/fraud/overlays/prod/gpu-alerts.yaml").exists()
