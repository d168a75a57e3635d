"""NetworkPolicies for a namespace's model monitors: reachable by Prometheus alone, reaching only what they read.

A monitor's pods are of the monitoring class and carry its mode's label, so the mode's allows would select them
(the namespace's same-mode pods in and out, every shared service). Those allows are fenced off the monitors
(`mlopsgen.dev/monitor` DoesNotExist), all but DNS and the sidecar's istiod; the monitors get Prometheus in on
their scrape port and the tracking server out. The payload store is an external for the monitoring class
(validation requires it), allowed by its own policy (render/network.py).
"""

from __future__ import annotations

from mlopsgen.catalog import conventions as C
from mlopsgen.platform.model import Environment, Platform, Team
from mlopsgen.render.monitors import scrape_port

_KEPT = ("-dns", "-mesh")  # a mode's allows the monitors keep: name resolution, and the sidecar's istiod
MONITORS = {"matchExpressions": [{"key": C.MONITOR, "operator": "Exists"}]}


def has_monitors(platform: Platform, team: Team, env: Environment) -> bool:
    return any(m.team == team.name and env.name in m.environments and m.monitors for m in platform.models)


def _fenced(policy: dict, mode: str) -> dict:
    selector = policy["spec"]["podSelector"]
    kept = policy["name"].endswith(_KEPT) or policy["name"].startswith("allow-external-")  # the store is one
    models_only = {"key": C.MODEL, "operator": "Exists"} in selector.get("matchExpressions", [])  # never a monitor
    if selector.get("matchLabels", {}).get(C.NETWORK_MODE) != mode or kept or models_only:
        return policy
    fenced = {**selector, "matchExpressions": [*selector.get("matchExpressions", []),
                                               {"key": C.MONITOR, "operator": "DoesNotExist"}]}
    return {**policy, "spec": {**policy["spec"], "podSelector": fenced}}


def _tracking(platform: Platform, env: Environment) -> list[dict]:
    local = [s for s in platform.services_for(env.cluster) if s.kind == "tracking"]
    if local:
        return [{"to": [C.peer(s.namespace, s.pod_labels)], "ports": C.tcp(s.port)} for s in local]
    remote = [s for s in platform.services if s.kind == "tracking" and s.published]
    return [{"to": [{"ipBlock": {"cidr": c}} for c in s.published.cidrs], "ports": C.tcp(s.published.port)}
            for s in remote if s.published]


def with_monitors(platform: Platform, team: Team, env: Environment, policies: list[dict]) -> list[dict]:
    """The namespace's allows with the monitors fenced off the mode's, and their own added."""
    if not has_monitors(platform, team, env):
        return policies
    mode = env.mode("monitoring")
    out = [_fenced(p, mode) for p in policies]
    scrapers = [C.peer(s.namespace, s.pod_labels) for s in platform.services_for(env.cluster) if s.kind == "monitoring"]
    port, _ = scrape_port(env)
    if scrapers:
        out.append({"name": "allow-monitors-scrape", "spec": {"podSelector": MONITORS, "policyTypes": ["Ingress"],
                                                              "ingress": [{"from": scrapers, "ports": C.tcp(port)}]}})
    tracking = _tracking(platform, env)
    if tracking:
        out.append({"name": "allow-monitors-tracking", "spec": {"podSelector": MONITORS, "policyTypes": ["Egress"],
                                                                "egress": tracking}})
    return out
