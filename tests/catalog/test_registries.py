"""The registries agree with the schema, and validation, render and lint read them."""

from __future__ import annotations

import pytest
import yaml

from mlopsgen.catalog import conventions as C
from mlopsgen.catalog.modes import MODES, host_network_classes, isolated_modes
from mlopsgen.catalog.runtimes import RUNTIMES, SERVING_KINDS
from mlopsgen.kube import workloads
from mlopsgen.lint.rules import exposed_serving, missing_authz
from mlopsgen.platform import load_platform
from mlopsgen.platform.schema import platform_schema
from mlopsgen.render import render_platform
from mlopsgen.resources import data_path
from tests.support.specs import Spec

SCHEMA = platform_schema()


def test_modes_are_the_schemas_enum():
    assert sorted(MODES) == sorted(SCHEMA["$defs"]["mode"]["enum"])
    for mode in MODES.values():
        assert mode.classes <= set(C.WORKLOAD_CLASSES), mode.name


def test_runtimes_are_the_schemas_enum_and_have_templates():
    assert sorted(RUNTIMES) == sorted(SCHEMA["$defs"]["model"]["properties"]["runtime"]["enum"])
    for runtime in RUNTIMES.values():
        assert data_path("templates", runtime.template).is_file(), runtime.template


def test_every_workload_class_has_a_schema_default_mode():
    modes = SCHEMA["$defs"]["networkModes"]["properties"]
    assert sorted(modes) == sorted(C.WORKLOAD_CLASSES)
    for workload, node in modes.items():
        assert workload in MODES[node["default"]].classes


def test_lint_reads_the_registries():
    # every runtime's kind is a workload kind of the Kubernetes core, under its own API group
    assert {(r.group, r.kind) for r in RUNTIMES.values()} <= set(workloads.TEMPLATES) | set(workloads.READERS)
    assert missing_authz.SERVING_KINDS == SERVING_KINDS
    for runtime in RUNTIMES.values():
        assert set(runtime.controller_pod_labels) <= set(exposed_serving.MODEL_KEYS)
    assert isolated_modes() == {"none"}
    assert host_network_classes() == {"training"}


@pytest.mark.parametrize("workload", C.WORKLOAD_CLASSES)
@pytest.mark.parametrize("mode", sorted(MODES))
def test_validation_allows_a_mode_exactly_for_its_classes(mode, workload, run_cli, tmp_path):
    spec = Spec.example("multicloud")
    network = spec.get("environments/train/network")
    network[workload] = mode
    if workload == "inference":  # models there would need an inference mode that serves them
        spec.set("models", [m for m in spec.get("models") if "train" not in m["environments"]])
    spec.set("environments/train/segment", {"cidr": "10.77.0.0/16"})
    result = run_cli("validate", str(spec.write(tmp_path)))
    refused = f"network mode '{mode}' is not allowed for {workload}" in result.output
    assert refused == (workload not in MODES[mode].classes), result.output


@pytest.mark.parametrize("mode", sorted(MODES))
def test_what_a_mode_needs_is_required_by_validation(mode, run_cli, tmp_path):
    spec = Spec.example("multicloud")
    spec.get("environments/train").pop("hostNetworkJustification")
    spec.set("environments/train/network/training", mode)
    output = run_cli("validate", str(spec.write(tmp_path))).output
    definition = MODES[mode]
    assert ("needs a hostNetworkJustification" in output) == definition.needs_justification, output
    assert ("needs a segment" in output) == definition.needs_segment, output


@pytest.mark.parametrize("mode", sorted(MODES))
def test_pods_carry_what_their_mode_defines(mode, tmp_path):
    workload = "training" if "training" in MODES[mode].classes else "validation"
    spec = Spec.example("multicloud")
    spec.set(f"environments/train/network/{workload}", mode)
    spec.set("environments/train/segment", {"cidr": "10.77.0.0/16"})
    spec.set("clusters/training-cw/cni", {"calicoApiServer": True})
    files = render_platform(load_platform(spec.write(tmp_path)))
    templates = [d for d in yaml.safe_load_all(files["teams/nlp/overlays/train/workflowtemplates.yaml"]) if d]
    if workload == "training":
        step = next(t for t in templates if t["metadata"]["name"] == "training")["spec"]["templates"][0]
        labels, patch = step["metadata"]["labels"], step.get("podSpecPatch", "")
    else:  # the isolated Job the validate step creates
        validation = next(t for t in templates if t["metadata"]["name"] == "validation")["spec"]["templates"]
        job = yaml.safe_load(next(t for t in validation if t["name"] == "validate")["resource"]["manifest"])
        labels, patch = job["spec"]["template"]["metadata"]["labels"], ""
    assert labels[C.NETWORK_MODE] == mode
    assert labels[C.SIDECAR_INJECT] == ("true" if MODES[mode].sidecar else "false")
    assert ("hostNetwork" in patch) == MODES[mode].host_network
    policies = files.get("teams/nlp/overlays/train/networkpolicies.yaml", "")
    names = [d["metadata"]["name"] for d in yaml.safe_load_all(policies) if d]
    dns = f"allow-{mode}-dns" in names
    if MODES[mode].host_network:
        assert not any(f"-{mode}-" in n for n in names)  # nothing pretends to select hostNetwork pods
    else:
        assert dns == MODES[mode].dns


def test_cluster_role_is_enforced(run_cli, tmp_path):
    serving_on_training = Spec.example("multicloud").set("models/ticket-router/environments", {"train": {"replicas": 1}})
    result = run_cli("validate", str(serving_on_training.write(tmp_path / "a")))
    assert "environment 'train' is on cluster 'training-cw', whose role is 'training'" in result.output
    host_on_serving = Spec.example("multicloud").set("environments/staging/network/training", "host")
    host_on_serving.set("environments/staging/hostNetworkJustification", "NCCL over RDMA needs the host network.")
    result = run_cli("validate", str(host_on_serving.write(tmp_path / "b")))
    assert "cluster 'serving-weu' has role 'serving': training may not use the host network there" in result.output
    shared = Spec.example("multicloud").set("clusters/serving-weu/role", "shared")
    shared.set("environments/staging/network/training", "host")
    shared.set("environments/staging/hostNetworkJustification", "NCCL over RDMA needs the host network.")
    result = run_cli("validate", str(shared.write(tmp_path / "c")))
    assert "has role" not in result.output and "whose role" not in result.output


def test_seldon_serves_with_the_image_its_operator_names_for_mlflow():
    """The MLServer image of Seldon predictors is the one the pinned operator chart names for
    MLFLOW_SERVER under protocol v2, so the operator and the server are tested together upstream."""
    from mlopsgen.catalog.components import COMPONENTS
    from mlopsgen.catalog.runtimes import SELDON_MLSERVER_IMAGE
    from tests.conftest import SHARED, require

    chart = SHARED / "charts" / "seldon-core-operator"
    require(chart.is_dir(), f"{chart} (upstream chart values) not found")
    meta = yaml.safe_load((chart / "Chart.yaml").read_text())
    assert meta["version"] == COMPONENTS["seldon-core-operator"].chart.version
    v2 = yaml.safe_load((chart / "values.yaml").read_text())["predictor_servers"]["MLFLOW_SERVER"]["protocols"]["v2"]
    assert f"{v2['image']}:{v2['defaultImageVersion']}" == SELDON_MLSERVER_IMAGE


def test_every_injection_a_runtime_names_is_one_verify_knows():
    from mlopsgen.verify.injection import INJECTORS

    assert {name for runtime in RUNTIMES.values() for name in runtime.pods.injects} <= set(INJECTORS)
