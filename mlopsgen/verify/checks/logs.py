"""Journey 10, logs: every pod's logs reach Loki, each team's in its own tenant, and no team reads another's.

Read from what the charts render, on each cluster with a logs service:
- Loki's configuration (its ConfigMap's config.yaml) has `auth_enabled: true`: without it Loki ignores
  X-Scope-OrgID and keeps and serves every log under one tenant;
- Alloy's configuration (its ConfigMap's config.alloy): every team namespace's pods are read by pipelines that
  push to exactly the team's tenant, every pipeline pushes to the logs service's URL;
- Alloy's service account may get, list and watch pods and get pods/log (its chart's RBAC): loki.source.kubernetes
  reads the logs through the API server;
- the network (NetworkPolicies evaluated as for journey 6): Alloy reaches the API server and Loki's port, Grafana
  reaches Loki where the tree installs it, and no team pod reaches Loki (it could name any tenant).
A provided Loki's configuration is not in the tree: whether it keeps tenants apart is not known, and the
journey is UNKNOWN there (never PASS).
"""

from __future__ import annotations

from dataclasses import replace

import yaml

from mlopsgen.catalog import conventions as C
from mlopsgen.kube.selectors import selects
from mlopsgen.verify.alloy_reader import pipelines
from mlopsgen.verify.checks.platform_flows import Required
from mlopsgen.verify.cluster import ClusterView
from mlopsgen.verify.configured import rendered
from mlopsgen.verify.context import Context
from mlopsgen.verify.endpoints import Endpoint, pod_endpoint
from mlopsgen.verify.journey_ids import journey_id
from mlopsgen.verify.rbac import Rbac
from mlopsgen.verify.result import Finding, finding, not_seen

SLUG = "logs"
READS = (("pods", "get"), ("pods", "list"), ("pods", "watch"), ("pods/log", "get"))


def run(ctx: Context, stats: dict) -> list[Finding]:
    findings: list[Finding] = []
    for view in ctx.views:
        service = next((s for s in ctx.platform.services_for(view.name) if s.kind == "logs"), None)
        if service is None or "alloy" not in view.components:
            continue
        stats["log clusters"] = stats.get("log clusters", 0) + 1
        findings += _loki_is_multi_tenant(view)
        findings += _tenants(ctx, view, f"http://{service.host}:{service.port}/loki/api/v1/push")
        findings += _reads_through_the_api(ctx, view)
        findings += _flows(ctx, view, service, stats)
        if "loki" in view.provided:
            not_seen(stats, SLUG, f"Loki on {view.name} is the cluster's own: whether it keeps tenants apart "
                                  "(auth_enabled) is not in the tree")
    return findings


def _loki_is_multi_tenant(view: ClusterView) -> list[Finding]:
    maps = rendered(view, "loki", "ConfigMap")
    found = []
    for cm in maps or []:
        text = (cm.data.get("data") or {}).get("config.yaml")
        if not isinstance(text, str):
            continue
        config = yaml.safe_load(text) or {}
        if config.get("auth_enabled") is not True:
            found.append(finding(SLUG, f"Loki on {view.name} has auth_enabled {config.get('auth_enabled')}: it ignores "
                                       "X-Scope-OrgID and serves every tenant's logs to any query", cm.locate(),
                                 hint="set loki.auth_enabled: true in Loki's values (the tenant is the team)"))
    return found


def _tenants(ctx: Context, view: ClusterView, url: str) -> list[Finding]:
    cm = next((cm for cm in rendered(view, "alloy", "ConfigMap") or []
               if isinstance((cm.data.get("data") or {}).get("config.alloy"), str)), None)
    if cm is None:  # its chart not rendered: the journey is UNKNOWN
        return []
    read = pipelines(str(cm.data["data"]["config.alloy"]))
    found = [finding(SLUG, f"Alloy's pipeline '{p.source}' on {view.name} pushes to {p.url}, not the logs service's "
                           f"{url}: those logs never reach Loki", cm.locate(), hint="loki.write endpoint url")
             for p in read if p.url != url]
    for team in ctx.platform.teams:
        for env in ctx.platform.team_environments(team):
            if env.cluster != view.name:
                continue
            namespace = team.namespace(env.name)
            tenants = sorted({str(p.tenant) for p in read if p.reads(namespace)})
            if not tenants:
                found.append(finding(SLUG, f"no Alloy pipeline on {view.name} reads {namespace}'s pod logs: they never "
                                           "reach Loki", cm.locate(), hint="a loki.source.kubernetes for the team's namespaces"))
            elif tenants != [team.name]:
                others = [t for t in tenants if t != team.name]
                found.append(finding(SLUG, f"Alloy on {view.name} pushes {namespace}'s logs to tenant(s) "
                                           f"{', '.join(tenants)}: readers of {', '.join(others)} read team {team.name}'s logs",
                                     cm.locate(), hint=f"push team {team.name}'s namespaces to tenant '{team.name}' only"))
    return found


def _alloy_pods(ctx: Context, view: ClusterView):
    return [p for p in ctx.chart_pods[view.name] if p.namespace == C.ALLOY_NAMESPACE
            and selects({"matchLabels": dict(C.ALLOY_LABELS)}, p.labels)]


def _reads_through_the_api(ctx: Context, view: ClusterView) -> list[Finding]:
    apps = view.components.get("alloy")
    if apps is None or not apps.charts or not all(c.rendered for c in apps.charts):
        return []
    # The accounts Alloy's pods run as (the chart's ServiceAccount where no pod was read).
    accounts = ({p.service_account for p in _alloy_pods(ctx, view)}
                or {o.name for o in apps.objects if o.kind == "ServiceAccount" and o.origin})
    rbac = Rbac(view.objects)
    found = []
    for account in sorted(accounts) or ["alloy"]:
        missing = [f"{verb} {resource}" for resource, verb in READS
                   if not rbac.allowed(C.ALLOY_NAMESPACE, account, "", resource, verb)]
        if missing:
            found.append(finding(SLUG, f"Alloy's service account {C.ALLOY_NAMESPACE}/{account} on {view.name} may not "
                                       f"{', '.join(missing)}: loki.source.kubernetes reads no pod's logs",
                                 _role_location(apps.objects),
                                 hint="rbac.rules and rbac.clusterRules in Alloy's values: get, list, watch pods; get pods/log"))
    return found


def _loki_endpoints(ctx: Context, view: ClusterView, service) -> tuple[list[Endpoint], list[Finding]]:
    """Loki's pods as its chart renders them (those the logs service's podLabels select), or the service's
    declared pods where the tree does not install Loki or its chart was not rendered."""
    declared = ctx.networks[view.name].by_id.get(f"{service.namespace}/{service.name}@{view.name}")
    sets = rendered(view, "loki", "StatefulSet")
    if not sets:
        return ([declared] if declared else []), []
    pods = [pod_endpoint(p) for p in ctx.chart_pods[view.name] if p.namespace == service.namespace
            and selects({"matchLabels": dict(service.pod_labels)}, p.labels)]
    if pods:
        return pods, []
    return [], [finding(SLUG, f"no pod of Loki's chart on {view.name} carries the logs service's labels "
                              f"{dict(service.pod_labels)}: Alloy and Grafana are sent to pods that do not exist",
                        sets[0].locate(), hint="leave services[].podLabels out for the tree's Loki")]


def _flows(ctx: Context, view: ClusterView, service, stats: dict) -> list[Finding]:
    network = ctx.networks[view.name]
    findings: list[Finding] = []
    require = Required(network, findings, stats)
    lokis, missing = _loki_endpoints(ctx, view, service)
    api = next((e for e in network.endpoints if e.role == "apiserver"), None)
    declared = ctx.platform.cluster(view.name).api_server
    monitoring = next((s for s in ctx.platform.services_for(view.name) if s.kind == "monitoring"), None)
    grafana = [p for p in ctx.chart_pods[view.name] if monitoring and p.namespace == monitoring.namespace
               and selects({"matchLabels": dict(C.GRAFANA_LABELS)}, p.labels)]
    for pod in _alloy_pods(ctx, view):
        for loki in lokis:
            require(pod_endpoint(pod), loki, service.port, "Alloy pushes logs to Loki", pod.origin.locate())
        if api is not None and declared is not None:
            require(pod_endpoint(pod), api, declared.port, "Alloy reads pod logs through the API server", pod.origin.locate())
    for pod in grafana:
        for loki in lokis:
            require(pod_endpoint(pod), loki, service.port, "Grafana queries Loki", pod.origin.locate())
    findings = [_relabel(f) for f in findings] + missing
    teams = [e for e in network.endpoints if e.role == "team" and e.pod is None]  # any pod of a team namespace
    for loki in lokis:
        for team in (t for t in teams if network.decide(t, loki, "TCP", service.port).allowed):
            where = (loki.pod.origin if loki.pod else view.objects[0]).locate()
            findings.append(finding(SLUG, f"{team.label} reaches Loki ({loki.label}) on {service.port}: a team pod "
                                          "can name any tenant in its own X-Scope-OrgID and read every team's logs",
                                    where, hint="admit only Alloy, Grafana and Prometheus to Loki's port"))
    return findings


def _relabel(found: Finding) -> Finding:
    """Required's findings are journey 6's; here they are this journey's (same message, same place)."""
    return replace(found, rule=SLUG, id=journey_id(SLUG))


def _role_location(objects):
    """Where Alloy's RBAC is rendered: its ClusterRole (the values that write it), else its first object."""
    role = next((o for o in objects if o.kind in ("ClusterRole", "Role")), None)
    return (role or objects[0]).locate()
