"""Host-network namespaces: the ValidatingAdmissionPolicy, evaluated by a CEL engine on real pods.

The pods are built the way the cluster would build them from the rendered
WorkflowTemplate: the step's pod spec plus Argo's init and wait containers with
the executor securityContext from the argo-workflows values.
"""

from __future__ import annotations

import copy
import json

import celpy
import pytest
import yaml

from mlopsgen.platform import load_platform
from mlopsgen.render import render_platform
from tests.conftest import ROOT

MULTICLOUD = ROOT / "examples" / "multicloud" / "platform.yaml"


@pytest.fixture(scope="module")
def files() -> dict[str, str]:
    return render_platform(load_platform(MULTICLOUD))


def _policy(files, namespace: str) -> dict:
    docs = yaml.safe_load_all(files["platform/training-cw/manifests/admission-config/validatingadmissionpolicies.yaml"])
    return next(d for d in docs if d and d["kind"] == "ValidatingAdmissionPolicy" and d["metadata"]["name"].endswith(namespace))


def _denials(policy: dict, pod: dict) -> list[str]:
    env = celpy.Environment()
    activation = {"object": celpy.json_to_cel(pod)}
    failed = []
    for validation in policy["spec"]["validations"]:
        result = env.program(env.compile(validation["expression"])).evaluate(activation)
        if result is not True and result != celpy.celtypes.BoolType(True):
            failed.append(validation["message"])
    return failed


def _training_pod(files) -> dict:
    """The pod Argo creates for the host-mode training step of team vision in `train`."""
    templates = {d["metadata"]["name"]: d for d in yaml.safe_load_all(files["teams/vision/overlays/train/workflowtemplates.yaml"]) if d}
    step = templates["training"]["spec"]["templates"][0]
    executor = yaml.safe_load(files["platform/training-cw/values/argo-workflows.yaml"])["executor"]["securityContext"]
    argo = [{"name": name, "image": "quay.io/argoproj/argoexec", "securityContext": executor} for name in ("init", "wait")]
    spec = {"serviceAccountName": step["serviceAccountName"], "securityContext": step["securityContext"],
            "nodeSelector": step["nodeSelector"], "tolerations": step["tolerations"], "volumes": step["volumes"],
            "containers": [{"name": "main", **step["container"]}, argo[1]], "initContainers": [argo[0]],
            **json.loads(step["podSpecPatch"])}
    return {"metadata": {"labels": step["metadata"]["labels"]}, "spec": spec}


def test_the_declared_training_pod_is_admitted(files):
    pod = _training_pod(files)
    assert pod["spec"]["hostNetwork"] is True
    assert _denials(_policy(files, "vision-train"), pod) == []


def test_namespace_enforces_privileged_only_with_the_policy_bound(files):
    namespace = yaml.safe_load(files["teams/vision/overlays/train/namespace.yaml"])
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "privileged"
    docs = [d for d in yaml.safe_load_all(
        files["platform/training-cw/manifests/admission-config/validatingadmissionpolicies.yaml"]) if d]
    bindings = {d["spec"]["matchResources"]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
                for d in docs if d["kind"] == "ValidatingAdmissionPolicyBinding"}
    assert bindings == {"vision-train", "nlp-train"}
    assert all(d["spec"]["validationActions"] == ["Deny"] for d in docs if d["kind"] == "ValidatingAdmissionPolicyBinding")


@pytest.mark.parametrize("change, message", [
    (lambda p: p["metadata"]["labels"].update({"mlopsgen.dev/workload-class": "inference"}), "may use the host network"),
    (lambda p: p["spec"].update(serviceAccountName="inference"), "may use the host network"),
    (lambda p: p["spec"].update(nodeSelector={"kubernetes.io/hostname": "any"}), "may use the host network"),
    (lambda p: p["spec"]["containers"][0]["securityContext"].update(privileged=True), "privileged containers"),
    (lambda p: p["spec"]["initContainers"][0].pop("securityContext"), "allowPrivilegeEscalation must be false"),
    (lambda p: p["spec"].update(hostPID=True), "host PID"),
    (lambda p: p["spec"]["volumes"].append({"name": "root", "hostPath": {"path": "/"}}), "hostPath"),
    (lambda p: p["spec"]["containers"][0]["securityContext"]["capabilities"].update(add=["NET_ADMIN"]), "capabilities"),
])
def test_everything_else_is_held_to_restricted(files, change, message):
    pod = copy.deepcopy(_training_pod(files))
    change(pod)
    denials = _denials(_policy(files, "vision-train"), pod)
    assert any(message in d for d in denials), denials


def test_a_restricted_pod_without_host_network_is_admitted(files):
    pod = copy.deepcopy(_training_pod(files))
    for key in ("hostNetwork", "dnsPolicy", "nodeSelector"):
        pod["spec"].pop(key)
    pod["metadata"]["labels"]["mlopsgen.dev/workload-class"] = "validation"
    assert _denials(_policy(files, "vision-train"), pod) == []
