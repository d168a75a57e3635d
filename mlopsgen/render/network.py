"""NetworkPolicies for one team namespace: default deny, then each mode's allows.

What each mode allows is defined with the mode (catalog/modes.py). This module
adds what the team's models need where models are served: ingress from the
gateway and from declared callers, and egress to the models the team calls.
"""

from __future__ import annotations

from mlopsgen.catalog import conventions as C
from mlopsgen.catalog.modes import ModeContext, modes_of, policy, select_mode
from mlopsgen.catalog.runtimes import runtime_of
from mlopsgen.platform.model import Environment, Model, Platform, Team


def default_deny() -> dict:
    return {"name": "default-deny-all", "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}}


def _ports(models: list[Model]) -> list[dict]:
    return C.tcp(*(runtime_of(m).serving_port for m in models))


def _model_selector(names: list[str]) -> dict:
    return {"matchExpressions": [{"key": C.MODEL, "operator": "In", "values": sorted(names)}]}


def _serving(platform: Platform, team: Team, env: Environment, mode: str) -> list[dict]:
    """Ingress to the team's models (gateway, declared callers) and egress to models it may call."""
    policies = []
    own = [m for m in platform.models if m.team == team.name and env.name in m.environments]
    exposed = [m for m in own if m.exposure]
    if exposed:
        gateway = platform.cluster(env.cluster).ingress_gateway
        policies.append({"name": "allow-ingress-gateway", "spec": {
            "podSelector": _model_selector([m.name for m in exposed]), "policyTypes": ["Ingress"],
            "ingress": [{"from": [C.peer(gateway.namespace, gateway.labels)], "ports": _ports(exposed)}]}})
    for model in own:
        callers = [platform.team(c) for c in model.callers if env.name in platform.team(c).quotas]
        if callers:
            peers = [{"namespaceSelector": C.namespace_selector(c.namespace(env.name)), "podSelector": select_mode(mode)}
                     for c in callers]
            policies.append({"name": f"allow-callers-{model.name}", "spec": {
                "podSelector": _model_selector([model.name]), "policyTypes": ["Ingress"],
                "ingress": [{"from": peers, "ports": _ports([model])}]}})
    callees = [m for m in platform.models if team.name in m.callers and env.name in m.environments]
    if callees:
        rules = [{"to": [{"namespaceSelector": C.namespace_selector(platform.team(m.team).namespace(env.name)),
                          "podSelector": _model_selector([m.name])}], "ports": _ports([m])} for m in callees]
        policies.append(policy("allow-call-models", mode, None, rules))
    return policies


def namespace_policies(platform: Platform, team: Team, env: Environment) -> list[dict]:
    """The allow policies of one team namespace in `env`, in registry order of the modes."""
    local = platform.services_for(env.cluster)
    context = ModeContext(local, len(local) < len(platform.services), env.segment.cidr if env.segment else None)
    policies: list[dict] = []
    for mode in modes_of(env):
        policies += mode.allows(context)
        if mode.serves_models:
            policies += _serving(platform, team, env, mode.name)
    return policies
