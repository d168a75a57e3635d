"""The pods of every workload kind a platform runs, found from one table, and lint judging them.

Each fixture is a kind as its project's own examples write it (tests/kube/fixtures/): its pod templates
are found with their labels, host network and ports, and lint reports the host network, the missing
isolation (unless every pod of the namespace is on the host network, where no NetworkPolicy applies)
and a model server published on a NodePort or LoadBalancer.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from mlopsgen.kube.workloads import pod_templates

FIXTURES = Path(__file__).parent / "fixtures"
# fixture: (pod templates, of them on the host network, labels and a port of one of them, default-deny finding, exposed)
EXPECTED = {
    "jobset": (1, 1, ({"app": "trainer"}, 29500), False, False),
    "leaderworkerset": (2, 1, ({"app": "vllm", "role": "leader"}, 8080), True, True),
    "raycluster": (2, 1, ({"app": "ray"}, 8265), True, True),
    "rayjob": (3, 1, ({"job": "fine-tune"}, 6379), True, False),
    "rayservice": (2, 1, ({"app": "llm"}, 8000), True, True),
    "pytorchjob": (2, 1, ({"app": "mnist"}, 23456), True, False),
    "tfjob": (2, 1, ({"app": "dist-mnist"}, 2222), True, False),
    "mpijob": (2, 1, ({"app": "pi"}, 2222), True, False),
    "trainjob": (2, 1, ({"app": "torch"}, 29400), True, False),
    "volcano": (2, 1, ({"app": "tf"}, 2222), True, False),
    "appwrapper": (1, 1, ({"app": "sample"}, 23456), False, False),
    "list": (1, 1, ({"app": "tgi"}, 8080), False, True),
    # EventBus, EventSource, Sensor: none can ask for the host network; the controller adds its own labels.
    "argo-events": (3, 0, ({"app": "hooks", "owner-name": "webhook", "eventsource-name": "webhook"}, 12000), True, False),
}


def _objects(name: str) -> list[dict]:
    docs = [d for d in yaml.safe_load_all((FIXTURES / f"{name}.yaml").read_text()) if d]
    return [item for d in docs for item in (d["items"] if d.get("kind") == "List" else [d])]


@pytest.mark.parametrize("name", EXPECTED)
def test_the_pods_of_each_kind_are_found(name):
    count, host, (labels, port), _, _ = EXPECTED[name]
    templates = [t for obj in _objects(name) for t in pod_templates(obj)]
    assert len(templates) == count
    assert sum(t.host_network for t in templates) == host
    assert any(t.labels == labels and port in t.ports() for t in templates), [(t.labels, t.ports()) for t in templates]


@pytest.mark.parametrize("name", EXPECTED)
def test_lint_judges_the_pods_of_each_kind(name, run_cli, tmp_path, monkeypatch):
    _, host, _, deny, exposed = EXPECTED[name]
    (tmp_path / f"{name}.yaml").write_text((FIXTURES / f"{name}.yaml").read_text())
    monkeypatch.chdir(tmp_path)
    findings = json.loads(run_cli("lint", ".", "--format", "json").stdout)["findings"]
    rules = [f["rule"] for f in findings]
    assert rules.count("host-network") == host, findings
    assert ("missing-default-deny" in rules) is deny, findings
    assert ("exposed-serving" in rules) is exposed, findings


def test_a_new_kind_is_one_entry_of_the_table():
    from mlopsgen.kube import workloads

    kinds = {kind for _, kind in workloads.TEMPLATES} | {kind for _, kind in workloads.READERS}
    found = {obj["kind"] for name in EXPECTED for obj in _objects(name) if pod_templates(obj)}
    assert found <= kinds and {"JobSet", "LeaderWorkerSet", "RayCluster", "RayJob", "RayService", "PyTorchJob", "TFJob",
                                "MPIJob", "TrainJob", "TrainingRuntime", "Job", "AppWrapper", "Deployment"} <= found


@pytest.mark.parametrize("name", EXPECTED)
def test_every_kind_off_the_host_network_needs_a_default_deny(name, run_cli, tmp_path, monkeypatch):
    """The same workload with its pods off the host network: NetworkPolicies now apply, and none isolates them."""
    text = (FIXTURES / f"{name}.yaml").read_text().replace("hostNetwork: true", "hostNetwork: false")
    (tmp_path / f"{name}.yaml").write_text(text)
    monkeypatch.chdir(tmp_path)
    findings = json.loads(run_cli("lint", ".", "--format", "json").stdout)["findings"]
    assert "missing-default-deny" in [f["rule"] for f in findings]
    assert "host-network" not in [f["rule"] for f in findings]
