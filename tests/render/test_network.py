"""Who may talk to whom, per network mode: the rendered NetworkPolicies, evaluated twice.

`expected_allowed` restates the documented semantics of each mode directly. The rendered
policies are evaluated by our own evaluator (tests/support/netpol.py) and by
network-config-analyzer (`nca`), an evaluator written elsewhere; all three
must agree on every probe.
"""

from __future__ import annotations

import ipaddress
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mlopsgen.catalog.conventions import WORKLOAD_CLASSES
from mlopsgen.platform import load_platform
from mlopsgen.render import render_platform
from tests.conftest import ROOT, require
from tests.support.netpol import Cluster, Endpoint

MODE = "mlopsgen.dev/network-mode"
CLASS = "mlopsgen.dev/workload-class"
NS_NAME = "kubernetes.io/metadata.name"

# (example, team, environment): together these cover every mode.
SCENARIOS = [
    ("quickstart", "fraud", "prod"),  # internal + none, an exposed model
    ("multicloud", "vision", "staging"),  # subnet + none + internal, an exposed model with a canary
    ("multicloud", "nlp", "train"),  # host + internal + none, services on another cluster
    ("multicloud", "nlp", "prod"),  # a model with declared callers
    ("multicloud", "risk", "prod"),  # a caller, and an exposed Seldon model
]
SCRAPE = ("TCP", 15020)
ISTIOD = ("TCP", 15012)


class Scenario:
    def __init__(self, example: str, team_name: str, env_name: str):
        self.platform = load_platform(ROOT / "examples" / example / "platform.yaml")
        self.files = render_platform(self.platform)
        self.team = self.platform.team(team_name)
        self.env = self.platform.environment(env_name)
        self.namespace = self.team.namespace(env_name)
        self.policies = self._policies()
        self.services = self.platform.services_for(self.env.cluster)
        self.models = [m for m in self.platform.models if m.team == team_name and env_name in m.environments]
        self.callees = [m for m in self.platform.models if team_name in m.callers and env_name in m.environments]
        self.endpoints = self._endpoints()

    def _policies(self) -> list[dict]:
        base = f"teams/{self.team.name}/base/networkpolicy-default-deny.yaml"
        overlay = f"teams/{self.team.name}/overlays/{self.env.name}/networkpolicies.yaml"
        policies = []
        for rel in (base, overlay):
            for doc in yaml.safe_load_all(self.files.get(rel, "")):
                if doc:
                    doc["metadata"]["namespace"] = self.namespace
                    policies.append(doc)
        return policies

    def _endpoints(self) -> list[Endpoint]:
        pods = [
            Endpoint(f"{c}-pod", self.namespace, {CLASS: c, MODE: self.env.mode(c), "probe": f"{c}-pod"})
            for c in WORKLOAD_CLASSES
            if self.env.mode(c) != "host"  # hostNetwork pods are outside NetworkPolicy's reach
        ]
        for model in self.models:
            pods.append(Endpoint(f"model-{model.name}", self.namespace, {
                CLASS: "inference", MODE: "internal", "mlopsgen.dev/model": model.name}))
            for caller in model.callers:
                if self.env.name in self.platform.team(caller).quotas:
                    pods.append(Endpoint(f"caller-{caller}", self.platform.team(caller).namespace(self.env.name), {MODE: "internal"}))
        for model in self.callees:
            pods.append(Endpoint(f"callee-{model.name}", self.platform.team(model.team).namespace(self.env.name),
                                 {"mlopsgen.dev/model": model.name, MODE: "internal"}))
        pods.append(Endpoint("kube-dns", "kube-system", {"k8s-app": "kube-dns", "probe": "kube-dns"}))
        pods.append(Endpoint("istiod", "istio-system", {"app": "istiod"}))
        gateway = self.platform.cluster(self.env.cluster).ingress_gateway  # installed, or provided by the cluster
        pods.append(Endpoint("ingress-gateway", gateway.namespace, dict(gateway.labels)))
        for service in self.services:
            pods.append(Endpoint(f"svc-{service.name}", service.namespace, {**service.pod_labels, "probe": f"svc-{service.name}"}))
        pods.append(Endpoint("other-team", "other-team", {MODE: "internal", "probe": "other-team"}))
        pods.append(Endpoint("internet", None, ip="8.8.8.8"))
        if self.env.segment:
            network = ipaddress.ip_network(self.env.segment.cidr)
            pods.append(Endpoint("segment-host", None, ip=str(network.network_address + 10)))
        return pods

    def probes(self) -> list[tuple[str, int]]:
        ports = {("UDP", 53), ("TCP", 53), ("TCP", 8000), ("TCP", 8080), ("TCP", 9000), ("TCP", 443), SCRAPE, ISTIOD}
        ports |= {("TCP", s.pod_port) for s in self.services}
        return sorted(ports)

    def namespaces(self) -> dict[str, dict]:
        names = {e.namespace for e in self.endpoints if e.namespace}
        return {n: {NS_NAME: n} for n in names}

    def is_team(self, e: Endpoint) -> bool:
        return e.namespace == self.namespace


def expected_allowed(s: Scenario, src: Endpoint, dst: Endpoint, protocol: str, port: int) -> bool:
    """The documented semantics of each mode, and the serving additions, written out."""

    def service_port(e: Endpoint) -> int | None:
        # Loki is the platform's: teams read their logs through Grafana, never from Loki itself.
        return next((x.pod_port for x in s.services if f"svc-{x.name}" == e.name and x.kind != "logs"), None)

    def in_segment(e: Endpoint) -> bool:
        return e.ip is not None and s.env.segment is not None and ipaddress.ip_address(e.ip) in ipaddress.ip_network(s.env.segment.cidr)

    def serving_port(model) -> int:
        return 9000 if model.runtime == "seldon" else 8080  # Seldon without its orchestrator: the model server's port

    def egress_ok() -> bool:
        if not s.is_team(src):
            return True
        mode = src.labels[MODE]
        dns = dst.name == "kube-dns" and port == 53
        if mode == "internal":
            callee = next((m for m in s.callees if dst.name == f"callee-{m.name}"), None)
            return (dns or (s.is_team(dst) and dst.labels[MODE] == "internal")
                    or (protocol == "TCP" and service_port(dst) == port)
                    or (dst.name == "istiod" and (protocol, port) == ISTIOD)
                    or (callee is not None and (protocol, port) == ("TCP", serving_port(callee))))
        if mode == "subnet":  # the segment's hosts, the namespace's own subnet pods, DNS, shared services
            return (dns or in_segment(dst) or (s.is_team(dst) and dst.labels[MODE] == "subnet")
                    or (protocol == "TCP" and service_port(dst) == port))
        return False  # none

    def ingress_ok() -> bool:
        if not s.is_team(dst):
            return True
        mode = dst.labels[MODE]
        if mode == "internal":
            scraper = any(f"svc-{x.name}" == src.name and x.kind == "monitoring" for x in s.services)
            model = next((m for m in s.models if dst.name == f"model-{m.name}"), None)
            serving = model is not None and (protocol, port) == ("TCP", serving_port(model))
            scraped = scraper and (protocol, port) == SCRAPE and "mlopsgen.dev/model" in dst.labels  # models only
            return ((s.is_team(src) and src.labels[MODE] == "internal") or scraped
                    or (serving and src.name == "ingress-gateway" and model.exposure is not None)
                    or (serving and src.name.startswith("caller-") and src.name[len("caller-"):] in model.callers))
        if mode == "subnet":  # teams share a segment: only the namespace's own subnet pods may connect in
            return s.is_team(src) and src.labels[MODE] == "subnet"
        return False

    return egress_ok() and ingress_ok()


def _matrix(s: Scenario, decide) -> set[tuple[str, str, str, int]]:
    allowed = set()
    for src in s.endpoints:
        for dst in s.endpoints:
            if src is dst or not (s.is_team(src) or s.is_team(dst)):
                continue
            for protocol, port in s.probes():
                if decide(src, dst, protocol, port):
                    allowed.add((src.name, dst.name, protocol, port))
    return allowed


@pytest.fixture(scope="module", params=SCENARIOS, ids=lambda p: "-".join(p))
def scenario(request) -> Scenario:
    return Scenario(*request.param)


def test_rendered_policies_allow_exactly_what_the_mode_says(scenario):
    cluster = Cluster(scenario.policies, scenario.namespaces())
    assert _matrix(scenario, cluster.allowed) == _matrix(scenario, lambda *a: expected_allowed(scenario, *a))


def test_none_allows_nothing_and_internal_allows_dns(scenario):
    cluster = Cluster(scenario.policies, scenario.namespaces())
    pods = {e.name: e for e in scenario.endpoints}
    validation = pods["validation-pod"]
    assert validation.labels[MODE] == "none"
    for other in scenario.endpoints:
        for protocol, port in scenario.probes():
            if other is not validation:
                assert not cluster.allowed(validation, other, protocol, port)
                assert not cluster.allowed(other, validation, protocol, port)
    internal = [e for e in scenario.endpoints if scenario.is_team(e) and e.labels[MODE] == "internal"]
    assert internal
    for pod in internal:
        assert cluster.allowed(pod, pods["kube-dns"], "UDP", 53) and cluster.allowed(pod, pods["kube-dns"], "TCP", 53)
        assert not cluster.allowed(pods["ingress-gateway"], pod, "TCP", 8080) or "mlopsgen.dev/model" in pod.labels
        assert not cluster.allowed(pod, pods["internet"], "TCP", 443)
        assert not cluster.allowed(pod, pods["other-team"], "TCP", 8080)


def test_host_mode_is_declared_not_isolated():
    s = Scenario("multicloud", "nlp", "train")
    templates = {d["metadata"]["name"]: d for d in yaml.safe_load_all(s.files["teams/nlp/overlays/train/workflowtemplates.yaml"]) if d}
    step = templates["training"]["spec"]["templates"][0]
    assert json.loads(step["podSpecPatch"]) == {"hostNetwork": True, "dnsPolicy": "ClusterFirstWithHostNet"}
    assert step["metadata"]["labels"][MODE] == "host"
    assert step["metadata"]["labels"]["sidecar.istio.io/inject"] == "false"
    assert step["nodeSelector"] == {"gpu.nvidia.com/class": "A100_PCIE_40GB"}
    assert {"key": "nvidia.com/gpu", "operator": "Equal", "value": "present", "effect": "NoSchedule"} in step["tolerations"]
    resources = step["container"]["resources"]
    assert resources["requests"]["nvidia.com/gpu"] == resources["limits"]["nvidia.com/gpu"] == "1"
    assert "NetworkPolicies do not select them" in step["metadata"]["annotations"]["mlopsgen.dev/network-note"]
    namespace = yaml.safe_load(s.files["teams/nlp/overlays/train/namespace.yaml"])
    assert "NOT isolated" in namespace["metadata"]["annotations"]["mlopsgen.dev/network-note"]
    assert namespace["metadata"]["annotations"]["mlopsgen.dev/host-network-justification"].startswith("NCCL")


# --- the independent oracle -------------------------------------------------

def _nca() -> str:
    path = shutil.which("nca") or str(Path(sys.executable).parent / "nca")
    require(Path(path).exists(), "network-config-analyzer (nca) is not installed")
    return path


def _nca_resources(s: Scenario, directory: Path) -> None:
    docs = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n, "labels": labels}}
            for n, labels in sorted(s.namespaces().items())]
    for e in s.endpoints:
        if e.namespace:
            ports = [{"containerPort": p, "protocol": proto} for proto, p in s.probes()]
            docs.append({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": e.name, "namespace": e.namespace, "labels": e.labels},
                         "spec": {"containers": [{"name": "c", "image": "probe", "ports": ports}]}})
    (directory / "resources.yaml").write_text(yaml.safe_dump_all(docs))


def _connections(item, probes) -> set[tuple[str, int]]:
    """nca's connection entry: "All connections" or {"protocols": "TCP, UDP", "dst_ports": [53, "80-90"]}."""
    if item == "All connections":
        return set(probes)
    assert isinstance(item, dict), item
    protocols = {p.strip() for p in item["protocols"].split(",")}
    ports = item.get("dst_ports")
    found = set()
    for protocol, port in probes:
        if protocol not in protocols:
            continue
        if ports is None or any(
            (int(str(r).partition("-")[0]) <= port <= int(str(r).partition("-")[2] or str(r).partition("-")[0]))
            for r in ports
        ):
            found.add((protocol, port))
    return found


def _pod_matches(entry: str, pod: Endpoint, names: set[str]) -> bool:
    """nca names pods as `*`, by name, or by a label expression such as `k=v and k2=v2`."""
    if entry == "*":
        return True
    if entry in names:
        return entry == pod.name
    clauses = [c.strip() for c in entry.split(" and ")]
    for clause in clauses:
        within = re.fullmatch(r"([\w./-]+) (not in|in) \(([\w.,/-]*)\)", clause)
        if within:  # nca's form for a set of values: `key in (a,b)`
            key, operator, values = within.groups()
            if (pod.labels.get(key) in values.split(",")) != (operator == "in"):
                return False
            continue
        equal = re.fullmatch(r"([\w./-]+)(!?)=([\w./-]*)", clause)
        assert equal, f"unrecognised nca pod set: {entry}"
        key, negated, value = equal.groups()
        if (pod.labels.get(key) == value) == bool(negated):
            return False
    return True


def _nca_matrix(s: Scenario, report: list) -> set[tuple[str, str, str, int]]:
    by_ns: dict[str, list[Endpoint]] = {}
    for e in s.endpoints:
        if e.namespace:
            by_ns.setdefault(e.namespace, []).append(e)
    externals = [e for e in s.endpoints if e.namespace is None]
    all_names = {e.name for e in s.endpoints}

    def expand(rule, side):
        if f"{side}_ip_block" in rule:
            blocks = [ipaddress.ip_network(b) for b in rule[f"{side}_ip_block"]]
            return [e.name for e in externals if any(ipaddress.ip_address(e.ip) in b for b in blocks)]
        names = []
        for ns in rule[f"{side}_ns"]:
            for entry in rule[f"{side}_pods"]:
                names += [p.name for p in by_ns.get(ns, []) if _pod_matches(entry, p, all_names)]
        return names

    allowed = set()
    team = {e.name for e in s.endpoints if s.is_team(e)}
    for rule in report[0]["explanation"][0]["rules"]:
        conns = set()
        for item in rule["connection"]:
            conns |= _connections(item, s.probes())
        for src in expand(rule, "src"):
            for dst in expand(rule, "dst"):
                if src != dst and (src in team or dst in team):
                    allowed |= {(src, dst, pr, po) for pr, po in conns}
    return allowed


def test_network_config_analyzer_agrees(scenario, tmp_path):
    nca = _nca()
    policies, resources = tmp_path / "policies", tmp_path / "resources"
    policies.mkdir()
    resources.mkdir()
    (policies / "policies.yaml").write_text(yaml.safe_dump_all(scenario.policies))
    _nca_resources(scenario, resources)
    result = subprocess.run([nca, "--connectivity", str(policies), "--resource_list", str(resources), "--output_format", "json"],
                            capture_output=True, text=True)
    start = re.search(r"^\[$", result.stdout, re.M)  # the report follows nca's warnings
    assert start, result.stdout + result.stderr
    report, _ = json.JSONDecoder().raw_decode(result.stdout[start.start():])
    expected = _matrix(scenario, lambda *a: expected_allowed(scenario, *a))
    assert _nca_matrix(scenario, report) == expected
