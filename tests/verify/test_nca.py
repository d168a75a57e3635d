"""The evaluator against network-config-analyzer, an evaluator written elsewhere.

On the rendered examples, on random specs and on random policies, every
NetworkPolicy verdict agrees with nca's, except nca's documented limits, each
tested on its own: it treats hostNetwork pods as ordinary pods, and it rejects
AuthorizationPolicies with request principals.
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from mlopsgen.catalog.conventions import NAMESPACE_NAME
from mlopsgen.errors import UserError
from mlopsgen.kube import ports as P
from mlopsgen.kube.istio import MeshPolicies
from mlopsgen.kube.manifest import ManifestFile
from mlopsgen.kube.netpol import NetworkPolicies
from mlopsgen.verify.endpoints import Endpoint
from mlopsgen.verify.tree import Obj
from tests.support import nca
from tests.support.drawn import draw_network
from tests.support.specs import Spec
from tests.verify.conftest import edit_docs, render_tree, run

BASE_PORTS = [("UDP", 53), ("TCP", 53), ("TCP", 22), ("TCP", 80), ("TCP", 443), ("TCP", 5000), ("TCP", 8000), ("TCP", 8080),
              ("TCP", 9090), ("TCP", 15012), ("TCP", 15020), ("SCTP", 80)]
pytestmark = pytest.mark.slow


def _obj(doc: dict) -> Obj:
    return Obj(doc, ManifestFile(Path("x.yaml"), "x.yaml", "", [doc]), 0)


def _probes_ports(policies: list[dict], endpoints: list[Endpoint]) -> list[tuple[str, int]]:
    ports = set(BASE_PORTS)
    for doc in policies:
        for key in ("ingress", "egress"):
            for rule in doc["spec"].get(key) or []:
                for p in rule.get("ports") or []:
                    if isinstance(p.get("port"), int):
                        ports.add((p.get("protocol", "TCP"), p["port"]))
                        if p.get("endPort"):
                            ports |= {(p.get("protocol", "TCP"), p["endPort"]), (p.get("protocol", "TCP"), p["endPort"] + 1)}
    for e in endpoints:
        ports |= {(x.get("protocol", "TCP"), int(x["containerPort"])) for x in e.ports}
    return sorted(ports)


def compare(policies: list[dict], endpoints: list[Endpoint], directory: Path) -> int:
    """Assert our verdicts equal nca's on every pair and probe port; return how many cases were compared."""
    endpoints = [dataclasses.replace(e, address=None) if e.namespace else e for e in endpoints]
    netpol = NetworkPolicies([_obj(d) for d in policies], lambda ns: {NAMESPACE_NAME: ns})
    probes = [nca.Probe(e.id, e.namespace, dict(e.labels), tuple(e.ports), e.address, e.host_network) for e in endpoints]
    ports = _probes_ports(policies, endpoints)
    theirs = nca.connectivity(policies, probes, ports, directory)
    ours = set()
    for src in endpoints:
        for dst in endpoints:
            if src is not dst and (src.namespace or dst.namespace):
                allowed = netpol.connection(src, dst)
                ours |= {(src.id, dst.id, pr, po) for pr, po in ports if P.contains(allowed, pr, po)}
    pairs = {(s.id, d.id) for s in endpoints for d in endpoints if s is not d and (s.namespace or d.namespace)}
    theirs = {t for t in theirs if (t[0], t[1]) in pairs}
    assert sorted(ours - theirs) == [] and sorted(theirs - ours) == []
    return len(pairs) * len(ports)


def _cluster_case(spec: Path, tree: Path):
    from mlopsgen.commands.verify import load_context

    ctx = load_context(str(spec), str(tree))
    for net in ctx.networks.values():
        policies = [o.data for o in net.view.objects if o.kind == "NetworkPolicy"]
        yield policies, [e for e in net.endpoints if not e.host_network]


@pytest.mark.parametrize("example", ["quickstart", "multicloud"])
def test_rendered_examples_agree_with_nca(examples, example, tmp_path):
    spec, tree = examples[example]
    cases = 0
    for i, (policies, endpoints) in enumerate(_cluster_case(spec, tree)):
        cases += compare(policies, endpoints, tmp_path / str(i))
    assert cases > 500




@st.composite
def random_specs(draw) -> Spec:
    spec = Spec.example("quickstart")
    spec.data["clusters"][0]["cni"] = {"calicoApiServer": True}  # subnet segments are IPPools of its API
    for i, env in enumerate(spec.data["environments"]):
        env["network"] = draw_network(draw, env, f"10.{40 + i}.0.0/16")
    teams = draw(st.integers(1, 3))
    spec.data["teams"] = [{"name": f"t{t}", "owners": [f"g{t}"], "gpuPools": ["a10"],
                           "quotas": {"dev": {"cpu": 32, "memory": "128Gi", "gpu": 4}, "prod": {"cpu": 32, "memory": "128Gi", "gpu": 4}}}
                          for t in range(teams)]
    serving_envs = [e["name"] for e in spec.data["environments"] if e["network"]["inference"] == "internal"]
    spec.data["models"] = []
    for t in range(teams):
        if serving_envs and draw(st.booleans()):
            model = {"name": f"m{t}", "team": f"t{t}", "source": f"models:/m{t}/1", "format": "mlflow",
                     "runtime": draw(st.sampled_from(["kserve", "seldon"])), "resources": {"cpu": "1", "memory": "1Gi"},
                     "environments": {e: {"replicas": 1, "host": f"m{t}.{e}.example.com"} for e in serving_envs},
                     "callers": draw(st.lists(st.sampled_from([f"t{c}" for c in range(teams) if c != t] or ["t0"]),
                                              unique=True, max_size=2)) if teams > 1 else []}
            if draw(st.booleans()):
                model["exposure"] = {"host": f"m{t}.example.com"}
            spec.data["models"].append(model)
    return spec


def _rendered(spec: Spec, directory: Path) -> tuple[Path, Path]:
    """The spec and its rendered tree; a spec that validation refuses is no example."""
    path = spec.write(directory / "spec")
    try:
        return path, render_tree(path)
    except UserError:
        assume(False)
        raise


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=random_specs())
def test_random_specs_agree_with_nca(spec):
    with tempfile.TemporaryDirectory() as tmp:
        path, tree = _rendered(spec, Path(tmp))
        cases = sum(compare(p, e, Path(tmp) / f"nca{i}") for i, (p, e) in enumerate(_cluster_case(path, tree)))
        assert cases > 100


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=random_specs())
def test_random_specs_are_proven_journey_by_journey(spec):
    """Whatever the modes and runtimes: every pod admitted (injected containers included), executors'
    RBAC and tokens, quotas, URLs on their own cluster, models loading, and connectivity both ways."""
    with tempfile.TemporaryDirectory() as tmp:
        report = run(*_rendered(spec, Path(tmp)))
        failing = {v.slug: [f.message for f in v.findings if f.severity == "error"][:5] for v in report.verdicts if not v.passed}
        assert failing == {}


LABELS = st.fixed_dictionaries({}, optional={"app": st.sampled_from(["a", "b"]), "tier": st.sampled_from(["x", "y"])})
SELECTOR = st.one_of(
    st.just({}),
    st.builds(lambda labels: {"matchLabels": labels}, LABELS),
    st.builds(lambda key, op, values: {"matchExpressions": [{"key": key, "operator": op, **({"values": values} if op in ("In", "NotIn") else {})}]},
              st.sampled_from(["app", "tier"]), st.sampled_from(["In", "NotIn", "Exists", "DoesNotExist"]),
              st.lists(st.sampled_from(["a", "b", "x", "y"]), min_size=1, max_size=2, unique=True)),
)
NS_SELECTOR = st.one_of(st.just({}), st.builds(lambda n: {"matchLabels": {NAMESPACE_NAME: n}}, st.sampled_from(["ns0", "ns1", "ns2"])))
PEER = st.one_of(
    st.builds(lambda s: {"podSelector": s}, SELECTOR),
    st.builds(lambda n: {"namespaceSelector": n}, NS_SELECTOR),
    # Not Exists/DoesNotExist beside a namespaceSelector: nca then looks only in the policy's own namespace
    # (see test_limit_key_expressions_beside_a_namespace_selector).
    st.builds(lambda n, s: {"namespaceSelector": n, "podSelector": s}, NS_SELECTOR, SELECTOR).filter(
        lambda peer: not any(e["operator"] in ("Exists", "DoesNotExist") for e in peer["podSelector"].get("matchExpressions", []))),
    st.builds(lambda c, e: {"ipBlock": {"cidr": c, **({"except": [e]} if e else {})}},
              st.sampled_from(["10.0.0.0/8", "0.0.0.0/0", "8.8.8.0/24"]), st.sampled_from([None, "10.1.0.0/16"])),
)
PORT = st.one_of(
    st.builds(lambda p, proto: {"port": p, "protocol": proto}, st.sampled_from([53, 80, 8080]), st.sampled_from(["TCP", "UDP"])),
    st.just({"port": "web"}), st.just({"port": "dns", "protocol": "UDP"}), st.just({"protocol": "UDP"}),
    st.builds(lambda p: {"port": p, "endPort": p + 10}, st.sampled_from([75, 8075])),
)
RULE = st.fixed_dictionaries({}, optional={"peers": st.lists(PEER, max_size=2), "ports": st.lists(PORT, min_size=1, max_size=2)})


@st.composite
def random_policies(draw) -> list[dict]:
    policies = []
    for i in range(draw(st.integers(1, 4))):
        spec: dict = {"podSelector": draw(SELECTOR)}
        types = draw(st.sampled_from([None, ["Ingress"], ["Egress"], ["Ingress", "Egress"]]))
        if types:
            spec["policyTypes"] = types
        for key, peer_key in (("ingress", "from"), ("egress", "to")):
            if types and key.capitalize() not in types:
                continue  # rules of a direction left out of policyTypes are ignored (nca refuses them)
            rules = draw(st.lists(RULE, max_size=2))
            if rules:
                spec[key] = [{**({peer_key: r["peers"]} if "peers" in r else {}), **({"ports": r["ports"]} if "ports" in r else {})}
                             for r in rules]
        policies.append({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                         "metadata": {"name": f"p{i}", "namespace": draw(st.sampled_from(["ns0", "ns1"]))}, "spec": spec})
    return policies


def _random_endpoints() -> list[Endpoint]:
    """Pods carry at most one label key: nca renders a pod set over several keys key by key, which loses
    combinations (FWRule.LabelExpr: "reasoning of simple keys separately"), so its report could not be read back."""
    eps = []
    for ns in ("ns0", "ns1", "ns2"):
        for app in ("a", "b", None):
            eps.append(Endpoint(f"{ns}/{app or 'none'}", "c", "team", ns, {"app": app} if app else {}, ports=[
                {"name": "web", "containerPort": 8080, "protocol": "TCP"}, {"name": "dns", "containerPort": 53, "protocol": "UDP"}]))
    eps += [Endpoint(name, "c", "external", None, {}, ip) for name, ip in (("inside", "10.0.0.5"), ("excepted", "10.1.2.3"),
                                                                           ("public", "8.8.8.8"))]
    return eps


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policies=random_policies())
def test_random_policies_agree_with_nca(policies):
    with tempfile.TemporaryDirectory() as tmp:
        assert compare(policies, _random_endpoints(), Path(tmp)) > 1000


def test_limit_host_network_pods_nca_treats_as_selectable(tmp_path):
    """nca lets policies select a hostNetwork pod; Kubernetes CNIs do not: verify reports such pods outside NetworkPolicy."""
    deny = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "deny", "namespace": "ns0"},
            "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}}
    host = Endpoint("ns0/host", "c", "team", "ns0", {"app": "h"}, host_network=True)
    other = Endpoint("ns1/other", "c", "team", "ns1", {"app": "o"})
    probes = [nca.Probe(e.id, e.namespace, e.labels, (), None, e.host_network) for e in (host, other)]
    theirs = nca.connectivity([deny], probes, [("TCP", 443)], tmp_path)
    assert ("ns0/host", "ns1/other", "TCP", 443) not in theirs  # nca: isolated by the default deny
    netpol = NetworkPolicies([_obj(deny)], lambda ns: {NAMESPACE_NAME: ns})
    assert netpol.selecting(host, "Egress") == [] and netpol.connection(host, other) == P.ALL  # outside NetworkPolicy


def test_limit_request_principals_nca_rejects_them(tmp_path):
    policy = {"apiVersion": "security.istio.io/v1", "kind": "AuthorizationPolicy", "metadata": {"name": "jwt", "namespace": "ns0"},
              "spec": {"action": "ALLOW", "selector": {"matchLabels": {"app": "m"}},
                       "rules": [{"from": [{"source": {"requestPrincipals": ["https://issuer.example/*"]}}]}]}}
    model = Endpoint("ns0/m", "c", "team", "ns0", {"app": "m"}, meshed=True)
    result = nca.run([policy], [nca.Probe("ns0/m", "ns0", {"app": "m"})], tmp_path)
    assert result.returncode != 0 and "requestPrincipals is not yet supported" in result.stdout + result.stderr
    auth = {"apiVersion": "security.istio.io/v1", "kind": "RequestAuthentication", "metadata": {"name": "ra", "namespace": "ns0"},
            "spec": {"selector": {"matchLabels": {"app": "m"}}, "jwtRules": [{"issuer": "https://issuer.example"}]}}
    mesh = MeshPolicies.of([_obj(policy), _obj(auth)])
    caller = Endpoint("ns1/c", "c", "team", "ns1", {}, meshed=True)
    verdict = mesh.authorize(caller, model, 8080)
    assert verdict.allowed and verdict.needs_jwt == "https://issuer.example"
    assert not MeshPolicies.of([_obj(policy)]).authorize(caller, model, 8080).allowed  # no validated token, no principal


def test_limit_key_expressions_beside_a_namespace_selector(tmp_path):
    """Kubernetes: a peer's podSelector picks pods in every namespace its namespaceSelector selects; nca, for an
    Exists/DoesNotExist expression, only in the policy's own namespace (K8sPolicyYamlParser: get_peers_with_key)."""
    policy = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "p", "namespace": "ns0"},
              "spec": {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{"to": [{
                  "namespaceSelector": {}, "podSelector": {"matchExpressions": [{"key": "app", "operator": "Exists"}]}}]}]}}
    src = Endpoint("ns0/s", "c", "team", "ns0", {})
    dst = Endpoint("ns1/d", "c", "team", "ns1", {"app": "a"})
    probes = [nca.Probe(e.id, e.namespace, e.labels) for e in (src, dst)]
    assert ("ns0/s", "ns1/d", "TCP", 443) not in nca.connectivity([policy], probes, [("TCP", 443)], tmp_path)
    netpol = NetworkPolicies([_obj(policy)], lambda ns: {NAMESPACE_NAME: ns})
    assert netpol.connection(src, dst) == P.ALL


def test_a_leak_verify_reports_is_a_flow_nca_allows(multicloud, tmp_path):
    """Two teams on one segment: widen one namespace's ingress and both evaluators see the same leak."""
    spec, tree = multicloud
    path = tree / "teams/nlp/overlays/staging/networkpolicies.yaml"

    def widen(docs: list[dict]) -> list[dict]:
        for d in docs:
            if d["metadata"]["name"] == "allow-subnet-segment":
                d["spec"]["ingress"][0]["from"][0]["namespaceSelector"] = {}
        return docs

    edit_docs(path, widen)
    report = run(spec, tree)
    leaks = [f for f in report.findings if f.flow and f.message.startswith("forbidden flow allowed")]
    assert any(f.flow.src == "vision-staging/training" and f.flow.dst == "nlp-staging/training" for f in leaks)  # type: ignore[union-attr]
    assert any("allowed by NetworkPolicy nlp-staging/allow-subnet-segment ingress[0]" in f.message for f in leaks)
    for i, (policies, endpoints) in enumerate(_cluster_case(spec, tree)):
        compare(policies, endpoints, tmp_path / str(i))
