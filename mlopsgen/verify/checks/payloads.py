"""Journeys 10 and 11: payloads reach the store, and drift becomes an alert.

- A model that logs payloads has its runtime object's `logger`, so KServe's webhook injects the `agent`
  container (verify/kserve_agent.py), which must pass the namespace's Pod Security level, and the model's pods
  may connect to the store (the external it names) at NetworkPolicy and Istio.
- A drift monitor runs (a pod of the tree carries its `mlopsgen.dev/monitor` label), a ServiceMonitor selects a
  Service in front of it on a port that Service has, Prometheus may connect to it on that port, and the
  ModelDriftDetected alert, with labels model, namespace and severity, reads the metric it exports (its image
  contract: `python -m drift_monitor` serves mlopsgen_model_drift_score).
"""

from __future__ import annotations

from mlopsgen.catalog import conventions as C
from mlopsgen.catalog import promql
from mlopsgen.catalog.monitors import KSERVE_AGENT, MONITOR_MODULES, monitor_name
from mlopsgen.errors import Location
from mlopsgen.verify.checks.admission import level_of, rejected
from mlopsgen.verify.checks.chart_objects import backends, monitored_services
from mlopsgen.verify.cluster import ClusterView
from mlopsgen.verify.context import Context
from mlopsgen.verify.endpoints import pod_endpoint
from mlopsgen.verify.podspec import Pod
from mlopsgen.verify.result import Finding, finding
from mlopsgen.verify.tree import Obj

PAYLOADS, DRIFT = "payloads", "drift"
_METRIC_OF_MODULE = {module: promql.MONITOR_METRICS[kind] for kind, module in MONITOR_MODULES.items()}


def exported_by(pod: Pod) -> set[str]:
    """What a monitor pod serves, by the module its container runs (the image contract)."""
    return {_METRIC_OF_MODULE[m] for m in _modules(pod)}


def _modules(pod: Pod) -> set[str]:
    template = pod.origin.spec.get("template") or {}
    commands = [c.get("command") or [] for c in (template.get("spec") or {}).get("containers") or [] if isinstance(c, dict)]
    return {str(part) for command in commands for part in command if str(part) in _METRIC_OF_MODULE}


def scraped_by(ctx: Context, view: ClusterView, pod: Pod) -> list:
    """The ServiceMonitors that give Prometheus a target on the pod: one selects a Service in front of it and
    names a port that Service has."""
    services = [s for s in view.of_kind("Service") if pod in backends(s, [pod])]
    out = []
    for monitor in view.of_kind("ServiceMonitor"):
        selected = monitored_services(monitor, services)
        ports = {str(p.get("name")) for s in selected for p in s.spec.get("ports") or [] if isinstance(p, dict)}
        if selected and any(str((e or {}).get("port")) in ports for e in monitor.spec.get("endpoints") or []):
            out.append(monitor)
    return out


def monitor_metrics(ctx: Context, view: ClusterView) -> set[str]:
    """The metrics of the monitors that run on the cluster and are scraped."""
    return {m for p in ctx.pods[view.name] if p.kind == "monitor" and scraped_by(ctx, view, p) for m in exported_by(p)}


def store_endpoint(ctx: Context, view: ClusterView, store: str):
    """The external a model's payloads are written to (None: the spec declares no such external)."""
    return next((e for e in ctx.networks[view.name].endpoints if e.role == "external" and e.note == store), None)


def payload_findings(ctx: Context, view: ClusterView, pod: Pod, model) -> list[Finding]:
    """What keeps one model pod's payloads from the store: no logger (so no agent), an agent Pod Security refuses,
    a store its pod may not reach. None: the payloads arrive."""
    assert model.payloads is not None
    spec = ctx.model_spec(model.name, "payloads")
    where = pod.origin.locate(*pod.origin_path)
    agent = next((c for c in pod.containers if c.name == KSERVE_AGENT), None)
    if agent is None:
        return [finding(PAYLOADS, f"{pod.id}: {pod.origin.ref} has no logger, so KServe injects no agent "
                                  f"and {model.name}'s payloads never reach {model.payloads.url}", where,
                        hint="set the predictor's logger (mode, url) as the spec's payloads say", spec=spec)]
    findings = []
    level = level_of(view, pod.namespace)
    for container, named, problems in rejected(pod, level):
        if container is agent:
            findings.append(finding(PAYLOADS, f"{pod.id}: {named} is refused by Pod Security '{level}' "
                                              f"({', '.join(problems)}): the pod never starts and nothing logs",
                                    where, hint="harden the model server's container: KServe copies its "
                                                "securityContext to the agent", spec=spec))
    store = store_endpoint(ctx, view, model.payloads.store)
    if store is None:
        return findings  # an undeclared store is refused by validate
    decision = ctx.networks[view.name].decide(pod_endpoint(pod), store, "TCP", int(store.ports[0]["containerPort"]))
    if not decision.allowed:
        findings.append(finding(PAYLOADS, f"{pod.id} may not connect to the payload store {store.label} "
                                          f"({store.address}:{store.ports[0]['containerPort']}): the agent's writes fail",
                                where, hint=f"allow egress from the model's pods to external {model.payloads.store}",
                                spec=spec))
    return findings


def payloads(ctx: Context, stats: dict) -> list[Finding]:
    findings = []
    for view in ctx.views:
        for pod in (p for p in ctx.pods[view.name] if p.kind == "model"):
            intent = ctx.intents.of(pod_endpoint(pod))
            model = intent.model if intent else None
            if model is not None and model.payloads is not None:
                findings += payload_findings(ctx, view, pod, model)
    return findings


def _rule_location(view: ClusterView, namespace: str) -> Location | None:
    ns = view.namespace_object(namespace)
    return ns.locate() if ns else None


def drift(ctx: Context, stats: dict) -> list[Finding]:
    findings = []
    for view in ctx.views:
        prometheus = prometheus_endpoints(ctx, view)
        for model in ctx.platform.models:
            if not model.monitors or not model.monitors.drift:
                continue
            spec = ctx.model_spec(model.name, "monitors", "drift")
            team = ctx.platform.team(model.team)
            for env_name in model.environments:
                env = ctx.platform.environment(env_name)
                if env.cluster != view.name:
                    continue
                namespace = team.namespace(env_name)
                findings += _drift_in(ctx, view, model, namespace, prometheus, spec)
    return findings


def drift_rules(view: ClusterView, model: str, namespace: str) -> list[tuple[Obj, int, int, dict]]:
    """The tree's ModelDriftDetected alerts of the model in the namespace: (PrometheusRule, group, rule, alert)."""
    return [(r, g, i, a) for r in view.of_kind("PrometheusRule") if r.namespace == namespace and not r.origin
            for g, group in enumerate(r.spec.get("groups") or []) for i, a in enumerate(group.get("rules") or [])
            if a.get("alert") == promql.DRIFT_ALERT and (a.get("labels") or {}).get("model") == model]


def monitor_pods(ctx: Context, view: ClusterView, namespace: str, name: str) -> list[Pod]:
    """The pods of the monitor `name` (its `mlopsgen.dev/monitor` label) in the namespace."""
    return [p for p in ctx.pods[view.name] if p.kind == "monitor" and p.namespace == namespace and p.labels.get(C.MONITOR) == name]


def prometheus_endpoints(ctx: Context, view: ClusterView) -> list:
    """The tree's Prometheus on the cluster, as the network sees it (none where the cluster provides one)."""
    return [e for e in ctx.networks[view.name].endpoints if e.role == "service" and e.note == "monitoring"]


def scrape_findings(ctx: Context, view: ClusterView, model, pod: Pod, prometheus: list, spec=None) -> list[Finding]:
    """What keeps Prometheus from scraping a monitor pod: no ServiceMonitor gives it a target, or a policy denies it."""
    name, where = pod.labels.get(C.MONITOR, monitor_name(model.name, "drift")), pod.origin.locate(*pod.origin_path)
    findings = []
    if not scraped_by(ctx, view, pod):
        findings.append(finding(DRIFT, f"{pod.id}: no ServiceMonitor selects a Service in front of the drift monitor: "
                                       "Prometheus never scrapes it, so its alert never fires", where,
                                hint=f"deliver the {name} Service and ServiceMonitor (selector {C.MONITOR}: {name})", spec=spec))
    ports = sorted({int(str(p.get("port"))) for s in view.of_kind("Service") if pod in backends(s, [pod])
                    for p in s.spec.get("ports") or [] if isinstance(p, dict) and str(p.get("port", "")).isdigit()})
    net = ctx.networks[view.name]
    for prom in prometheus:
        for port in ports:
            if not net.decide(prom, pod_endpoint(pod), "TCP", port).allowed:
                findings.append(finding(DRIFT, f"{prom.label} may not connect to {pod.id} on {port}: the drift monitor "
                                               "is never scraped", where,
                                        hint="allow ingress from Prometheus on the monitor's scrape port", spec=spec))
    return findings


def _drift_in(ctx: Context, view: ClusterView, model, namespace: str, prometheus: list, spec) -> list[Finding]:
    name = monitor_name(model.name, "drift")
    rules = drift_rules(view, model.name, namespace)
    anywhere = rules[0][0].locate() if rules else (_rule_location(view, namespace) or Location(namespace))
    pods = monitor_pods(ctx, view, namespace, name)
    if not pods:
        return [finding(DRIFT, f"no drift monitor of {model.name} runs in {namespace}: nothing measures drift",
                        anywhere, hint=f"deliver the {name} Deployment with the overlay", spec=spec)]
    pod = pods[0]
    where = pod.origin.locate(*pod.origin_path)
    findings = scrape_findings(ctx, view, model, pod, prometheus, spec)
    exported = exported_by(pod)
    if not rules:
        findings.append(finding(DRIFT, f"no {promql.DRIFT_ALERT} alert for {model.name} in {namespace}: drift triggers "
                                       "nothing", where, hint="deliver the model's drift PrometheusRule", spec=spec))
    for rule, g, i, alert in rules:
        labels = alert.get("labels") or {}
        read = promql.metrics_read(str(alert.get("expr", "")))
        at = rule.locate("spec", "groups", g, "rules", i)
        if not read & exported:
            findings.append(finding(DRIFT, f"{promql.DRIFT_ALERT} in {rule.namespace}/{rule.name} reads "
                                           f"{', '.join(sorted(read)) or 'no metric'}, which the drift monitor does not export "
                                           f"({', '.join(sorted(exported)) or 'nothing'})", at,
                                    hint=f"alert on {promql.DRIFT_SCORE}", spec=spec))
        missing = [k for k in ("model", "namespace", "severity") if not labels.get(k)]
        if missing or labels.get("namespace") != namespace:
            findings.append(finding(DRIFT, f"{promql.DRIFT_ALERT} in {rule.namespace}/{rule.name} lacks "
                                           f"{', '.join(missing) or 'its namespace'} among its labels: the trigger cannot tell "
                                           "which model drifted", at, hint="label it model, namespace and severity", spec=spec))
    return findings
