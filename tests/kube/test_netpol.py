"""NetworkPolicy defaulting as the API server stores it, and lint and verify agreeing on each case.

The table is what admission stores (pkg/apis/networking/v1/defaults.go, SetDefaults_NetworkPolicy:
policyTypes defaults to [Ingress], plus Egress when len(egress) != 0) and which pods the policy selects
(podSelector is a LabelSelector value: absent and every empty form select all pods). For each case,
lint's verdict (missing-default-deny, per direction) and verify's (is the pod isolated in that
direction, and is traffic to the internet allowed) follow from the same stored policy.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from mlopsgen.catalog.conventions import NAMESPACE_NAME
from mlopsgen.kube import netpol
from mlopsgen.kube import ports as P
from mlopsgen.kube.manifest import ManifestFile
from mlopsgen.kube.netpol import NetworkPolicies
from mlopsgen.verify.endpoints import Endpoint
from mlopsgen.verify.tree import Obj

# (spec, the policyTypes the API server stores, whether it selects a pod labelled app=x)
CASES = {
    "no policyTypes, no rules": ({"podSelector": {}}, ["Ingress"], True),
    "no policyTypes, egress rules": ({"podSelector": {}, "egress": [{"to": [{"podSelector": {}}]}]}, ["Ingress", "Egress"], True),
    "no policyTypes, empty lists": ({"podSelector": {}, "ingress": [], "egress": []}, ["Ingress"], True),
    "empty policyTypes, egress rules": ({"podSelector": {}, "policyTypes": [], "egress": [{}]}, ["Ingress", "Egress"], True),
    "explicit Egress only": ({"podSelector": {}, "policyTypes": ["Egress"]}, ["Egress"], True),
    "explicit both": ({"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}, ["Ingress", "Egress"], True),
    "empty matchLabels": ({"podSelector": {"matchLabels": {}}, "policyTypes": ["Ingress", "Egress"]}, ["Ingress", "Egress"], True),
    "empty matchExpressions": ({"podSelector": {"matchExpressions": []}, "policyTypes": ["Ingress", "Egress"]},
                               ["Ingress", "Egress"], True),
    "podSelector absent": ({"policyTypes": ["Ingress", "Egress"]}, ["Ingress", "Egress"], True),
    "matchExpressions Exists": ({"podSelector": {"matchExpressions": [{"key": "app", "operator": "Exists"}]},
                                 "policyTypes": ["Ingress", "Egress"]}, ["Ingress", "Egress"], True),
    "matchExpressions NotIn": ({"podSelector": {"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["x"]}]},
                                "policyTypes": ["Ingress", "Egress"]}, ["Ingress", "Egress"], False),
    "matchLabels other pod": ({"podSelector": {"matchLabels": {"app": "y"}}, "egress": [{}]}, ["Ingress", "Egress"], False),
}
POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x", "namespace": "ml", "labels": {"app": "x"}},
       "spec": {"containers": [{"name": "c", "image": "r/i:1.0"}]}}
X = Endpoint("ml/x", "c", "team", "ml", {"app": "x"}, ports=[])
INTERNET = Endpoint("internet", "c", "external", None, address="203.0.113.9")


@pytest.mark.parametrize("name", CASES)
def test_the_stored_policy_types_and_selection(name):
    spec, stored, selects_x = CASES[name]
    assert netpol.policy_types(spec) == stored
    assert netpol.applies_to(spec, {"app": "x"}) is selects_x


def _lint_missing_directions(run_cli, tmp_path: Path, spec: dict) -> set[str]:
    policy = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "p", "namespace": "ml"}, "spec": spec}
    path = tmp_path / "ns.yaml"
    path.write_text(yaml.safe_dump_all([policy, POD]))
    findings = json.loads(run_cli("lint", str(path), "--format", "json").stdout)["findings"]
    messages = [f["message"] for f in findings if f["rule"] == "missing-default-deny"]
    return {d for d in ("Ingress", "Egress") for m in messages if d.lower() in m.split("default-deny policy for ")[-1]}


def _verify_isolated(spec: dict) -> set[str]:
    doc = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "p", "namespace": "ml"}, "spec": spec}
    policies = NetworkPolicies([Obj(doc, ManifestFile(Path("p.yaml"), "p.yaml", "", [doc]), 0)], lambda ns: {NAMESPACE_NAME: ns})
    isolated = {d for d in ("Ingress", "Egress") if policies.selecting(X, d)}
    if "Egress" in isolated:  # and the evaluator denies what no rule allows
        allowed = policies.connection(X, INTERNET)
        assert (allowed == P.ALL) == any(netpol.allows_everything(r, "Egress") for r in netpol.rules(spec, "Egress"))
    return isolated


@pytest.mark.parametrize("name", CASES)
def test_lint_and_verify_give_the_same_verdict(name, run_cli, tmp_path):
    spec, stored, selects_x = CASES[name]
    isolated = _verify_isolated(spec)
    assert isolated == (set(stored) if selects_x else set())
    denied = netpol.denies_by_default(spec)
    assert _lint_missing_directions(run_cli, tmp_path, spec) == {"Ingress", "Egress"} - denied
    # a policy that denies a direction by default isolates this pod in it, for verify too
    assert denied <= isolated
