"""NetworkPolicies for one team namespace: default deny, then each mode's allows.

What each mode allows is defined with the mode (catalog/modes.py). This module
adds what the team's models need where models are served: ingress from the
gateway and from declared callers, and egress to the models the team calls.
"""

from __future__ import annotations

from mlopsgen.catalog import conventions as C
from mlopsgen.catalog.modes import MODES, ModeContext, io_mode, isolated_modes, modes_of, policy, select_mode
from mlopsgen.catalog.runtimes import runtime_of
from mlopsgen.platform.model import Environment, Platform, Team
from mlopsgen.platform.model_serving import Model
from mlopsgen.render.monitor_network import with_monitors


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


def _api_server(platform: Platform, env: Environment) -> list[dict]:
    """Every Argo workflow pod reports to the API server (its wait container); nothing else may."""
    api = platform.cluster(env.cluster).api_server
    if api is None:
        return []
    workflow_pods = {"matchExpressions": [
        {"key": C.ARGO_WORKFLOW_LABEL, "operator": "Exists"},
        {"key": C.NETWORK_MODE, "operator": "NotIn", "values": sorted(isolated_modes())},
    ]}
    return [{"name": "allow-workflow-api-server", "spec": {
        "podSelector": workflow_pods, "policyTypes": ["Egress"],
        "egress": [{"to": [{"ipBlock": {"cidr": c}} for c in api.cidrs], "ports": C.tcp(api.port)}]}}]


def _externals(platform: Platform, env: Environment) -> list[dict]:
    """Egress to each declared external destination, for the classes it names, by its CIDRs: one policy per
    class, selecting that class in its own mode in this environment, so a step that only stages inputs for
    an isolated class (it runs in another mode under the same class label) gets nothing."""
    policies = []
    for external in platform.externals:
        for cls in sorted(external.classes):
            mode = env.mode(cls)
            if MODES[mode].isolated:
                continue
            selector = {"matchLabels": {C.WORKLOAD_CLASS: cls, C.NETWORK_MODE: mode}}
            policies.append({"name": f"allow-external-{external.name}-{cls}", "spec": {
                "podSelector": selector, "policyTypes": ["Egress"],
                "egress": [{"to": [{"ipBlock": {"cidr": c}} for c in external.cidrs], "ports": C.tcp(external.port)}]}})
    return policies


def remote_endpoints(platform: Platform, cluster: str) -> tuple[tuple[tuple[str, ...], int], ...]:
    local = {s.name for s in platform.services_for(cluster)}
    # Services published at one load balancer share its addresses: one rule each.
    return tuple(dict.fromkeys((s.published.cidrs, s.published.port) for s in platform.services if s.name not in local and s.published))


def namespace_policies(platform: Platform, team: Team, env: Environment) -> list[dict]:
    """The allow policies of one team namespace in `env`, in registry order of the modes."""
    context = ModeContext(platform.services_for(env.cluster), remote_endpoints(platform, env.cluster),
                          env.segment.cidr if env.segment else None)
    used = {mode.name for mode in modes_of(env)} | {io_mode(env.mode("validation"))}  # validation's fetch and report steps
    policies: list[dict] = []
    for mode in MODES.values():
        if mode.name in used:
            policies += mode.allows(context)
            if mode.serves_models:
                policies += _serving(platform, team, env, mode.name)
    return with_monitors(platform, team, env, policies + _api_server(platform, env) + _externals(platform, env))
