"""A serving runtime is one catalog entry: lint's workload walker and verify's pod derivation read it.

The runtime here exists only in this test. Registered in RUNTIMES (nothing else changes), its model
pods are found with their labels, host network, ports and replicas; lint reports host networking and a
public LoadBalancer in front of them; verify derives them with the containers its controller injects,
named in its ModelPods, and its format check reads the entry.
"""

from __future__ import annotations

import importlib
import json

import pytest
import yaml

from mlopsgen.catalog import runtimes
from mlopsgen.catalog.runtimes import ModelPods, ServingRuntime

TOY = ServingRuntime(
    "toyserve", "serving.example.com", "v1", "ModelServer", "modelservers", "model/toyserve.yaml.j2", 8000,
    {}, ModelPods((("spec", "server"),), controller_labels=(("serving.example.com/model", "{name}"),),
                  model_uri=("..", "storageUri"), model_format=("..", "format"), registry_formats=("mlflow",),
                  replicas=("..", "replicas"), injects=("kserve-storage-initializer",)),
    lambda model: [model.name], lambda *a: [], lambda *a: None)

MANIFESTS = """\
apiVersion: serving.example.com/v1
kind: ModelServer
metadata: {name: llm, namespace: team-a}
spec:
  replicas: 3
  format: onnx
  storageUri: models:/llm/1
  server:
    metadata: {labels: {app: llm}}
    spec:
      hostNetwork: true
      containers: [{name: server, image: "vllm/vllm-openai:v0.6.0", ports: [{containerPort: 8000}]}]
---
apiVersion: v1
kind: Service
metadata: {name: llm, namespace: team-a}
spec:
  type: LoadBalancer
  selector: {app: llm}
  ports: [{port: 80, targetPort: 8000}]
"""


@pytest.fixture()
def toy_registered(monkeypatch):
    """TOY in the catalog, and the modules that build tables from it at import built again."""
    from mlopsgen.kube import workloads
    from mlopsgen.verify import pods

    monkeypatch.setitem(runtimes.RUNTIMES, TOY.name, TOY)
    for module in (workloads, pods):
        importlib.reload(module)
    yield
    monkeypatch.undo()
    for module in (workloads, pods):
        importlib.reload(module)


def test_lint_finds_and_judges_the_pods_of_a_runtime_that_is_only_a_catalog_entry(toy_registered, run_cli, tmp_path,
                                                                                   monkeypatch):
    from mlopsgen.kube.workloads import pod_templates

    obj = yaml.safe_load(MANIFESTS.split("---")[0])
    (template,) = pod_templates(obj)
    assert template.labels == {"app": "llm", "serving.example.com/model": "llm"}
    assert template.host_network and template.ports() == [8000]
    assert template.label_path == ("spec", "server", "metadata", "labels")
    (tmp_path / "model.yaml").write_text(MANIFESTS)
    monkeypatch.chdir(tmp_path)
    rules = [f["rule"] for f in json.loads(run_cli("lint", ".", "--format", "json").stdout)["findings"]]
    assert "host-network" in rules and "exposed-serving" in rules, rules


def test_verify_derives_its_pods_with_what_the_controller_injects(toy_registered):
    from mlopsgen.verify.cluster import ClusterView
    from mlopsgen.verify.pods import cluster_pods
    from mlopsgen.verify.tree import Obj

    obj = Obj(yaml.safe_load(MANIFESTS.split("---")[0]), None, 0)  # type: ignore[arg-type]
    (pod,) = cluster_pods(ClusterView("c", "https://c", [], [obj]))
    assert (pod.workload, pod.kind, pod.replicas, pod.model_format, pod.runtime) == ("llm", "model", 3, "onnx", TOY)
    assert pod.host_network and pod.origin_path == ("spec", "server", "spec")
    assert [(c.name, c.init, bool(c.refuses)) for c in pod.containers] == [("server", False, False),
                                                                          ("storage-initializer", True, True)]
