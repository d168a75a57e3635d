"""Drive network-config-analyzer (`nca`) as an independent oracle for NetworkPolicy connectivity.

`connectivity()` writes the policies and the pods (namespaces, labels, named
ports) for nca, runs `nca --connectivity`, and expands its JSON report into
the set of (source, destination, protocol, port) it allows over the probes.
"""

from __future__ import annotations

import ipaddress
import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from tests.conftest import require


@dataclass(frozen=True)
class Probe:
    name: str  # unique: the key in the result
    namespace: str | None  # None: an address outside the cluster
    labels: dict = field(default_factory=dict, hash=False, compare=False)
    ports: tuple = ()  # ({"name": ..., "containerPort": ..., "protocol": ...}, ...)
    ip: str | None = None
    host_network: bool = False

    @property
    def pod_name(self) -> str:
        return re.sub(r"[^a-z0-9-]", "-", self.name.lower()).strip("-")[:60]


def nca() -> str:
    path = shutil.which("nca") or str(Path(sys.executable).parent / "nca")
    require(Path(path).exists(), "network-config-analyzer (nca) is not installed")
    return path


def run(policy_docs: list[dict], probes: list[Probe], directory: Path, extra: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    policies, resources = directory / "policies", directory / "resources"
    policies.mkdir(parents=True, exist_ok=True)
    resources.mkdir(parents=True, exist_ok=True)
    (policies / "policies.yaml").write_text(yaml.safe_dump_all(policy_docs) if policy_docs else "")
    namespaces = sorted({p.namespace for p in probes if p.namespace})
    docs: list[dict] = [{"apiVersion": "v1", "kind": "Namespace",
                         "metadata": {"name": n, "labels": {"kubernetes.io/metadata.name": n}}} for n in namespaces]
    for p in probes:
        if p.namespace:
            spec: dict = {"containers": [{"name": "c", "image": "probe", "ports": [dict(x) for x in p.ports]}]}
            if p.host_network:
                spec["hostNetwork"] = True
            docs.append({"apiVersion": "v1", "kind": "Pod", "spec": spec,
                         "metadata": {"name": p.pod_name, "namespace": p.namespace, "labels": dict(p.labels)}})
    (resources / "resources.yaml").write_text(yaml.safe_dump_all(docs))
    return subprocess.run([nca(), "--connectivity", str(policies), "--resource_list", str(resources), "--output_format", "json",
                           *extra], capture_output=True, text=True)


def _ports(item, probes: list[tuple[str, int]]) -> set[tuple[str, int]]:
    if item == "All connections":
        return set(probes)
    protocols = {p.strip() for p in item["protocols"].split(",")}
    ranges = item.get("dst_ports")
    found = set()
    for protocol, port in probes:
        if protocol in protocols and (ranges is None or any(_in_range(r, port) for r in ranges)):
            found.add((protocol, port))
    return found


def _in_range(r, port: int) -> bool:
    first, _, last = str(r).partition("-")
    return int(first) <= port <= int(last or first)


def _split(expr: str, word: str) -> list[str]:
    """Split at ` word ` outside parentheses and braces (nca groups with both)."""
    parts, depth, last = [], 0, 0
    for i, ch in enumerate(expr):
        depth += (ch in "({") - (ch in ")}")
        if depth == 0 and expr.startswith(f" {word} ", i):
            parts.append(expr[last:i])
            last = i + len(word) + 2
    return [*parts, expr[last:]]


def _wrapped(expr: str) -> bool:
    if not ((expr.startswith("(") and expr.endswith(")")) or (expr.startswith("{") and expr.endswith("}"))):
        return False
    depth = 0
    for i, ch in enumerate(expr):
        depth += (ch in "({") - (ch in ")}")
        if depth == 0 and i < len(expr) - 1:
            return False
    return True


def _clause(clause: str, labels: dict) -> bool:
    m = re.fullmatch(r"([\w./-]+)\s*(!=|=)\s*([\w./-]*)", clause)
    if m:
        key, op, value = m.groups()
        return (labels.get(key) == value) == (op == "=")
    m = re.fullmatch(r"([\w./-]+) (not in|in) \(([^)]*)\)", clause)
    if m:
        key, op, values = m.groups()
        return (labels.get(key) in [v.strip() for v in values.split(",")]) == (op == "in")
    m = re.fullmatch(r"(!?)has\(([\w./-]+)\)|([\w./-]+) (exists|does not exist)", clause)
    assert m, f"unrecognised nca pod set clause: {clause}"
    key = m.group(2) or m.group(3)
    return (key in labels) == (not (m.group(1) or m.group(4) == "does not exist"))


def _label_expr(expr: str, labels: dict) -> bool:
    expr = expr.strip()
    while _wrapped(expr):
        expr = expr[1:-1].strip()
    alternatives = _split(expr, "or")
    if len(alternatives) > 1:
        return any(_label_expr(a, labels) for a in alternatives)
    conjuncts = _split(expr, "and")
    if len(conjuncts) > 1:
        return all(_label_expr(c, labels) for c in conjuncts)
    return _clause(expr, labels)


def _matches(entry: str, probe: Probe, names: set[str]) -> bool:
    """nca names pods as `*`, by name (one, or a comma-separated list), or by label expressions (`k=v`, `k!=v`,
    `k in (a,b)`, `has(k)`, and/or)."""
    if entry == "*":
        return True
    listed = [part.strip() for part in entry.split(",")]
    if all(part in names for part in listed):
        return probe.pod_name in listed
    return _label_expr(entry, probe.labels)


def connectivity(policy_docs: list[dict], probes: list[Probe], ports: list[tuple[str, int]], directory: Path) -> set[tuple]:
    result = run(policy_docs, probes, directory)
    start = re.search(r"^\[$", result.stdout, re.M)
    assert start, result.stdout + result.stderr
    report, _ = json.JSONDecoder().raw_decode(result.stdout[start.start():])
    names = {p.pod_name for p in probes}
    by_ns: dict[str, list[Probe]] = {}
    for p in probes:
        if p.namespace:
            by_ns.setdefault(p.namespace, []).append(p)
    externals = [p for p in probes if p.namespace is None]

    def expand(rule: dict, side: str) -> list[Probe]:
        if f"{side}_ip_block" in rule:
            blocks = [ipaddress.ip_network(b) for b in rule[f"{side}_ip_block"]]
            return [e for e in externals if any(ipaddress.ip_address(e.ip) in b for b in blocks)]
        return [p for ns in rule[f"{side}_ns"] for entry in rule[f"{side}_pods"] for p in by_ns.get(ns, [])
                if _matches(entry, p, names)]

    allowed = set()
    for rule in report[0]["explanation"][0]["rules"]:
        conns: set = set()
        for item in rule["connection"]:
            conns |= _ports(item, ports)
        for src in expand(rule, "src"):
            for dst in expand(rule, "dst"):
                if src is not dst:
                    allowed |= {(src.name, dst.name, pr, po) for pr, po in conns}
    return allowed
