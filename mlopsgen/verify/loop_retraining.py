"""The loop's second half, read as journeys MLV012 (alert-retraining) and MLV009 (retraining) read it: each alert
that should start a run through Alertmanager, its AlertmanagerConfig, the webhook EventSource, the EventBus and the
Sensor to the WorkflowTemplate; the CronWorkflow; the template's steps, the registry alias promotion moves, the
object the rollout patches and the tracks that serve the alias."""

from __future__ import annotations

from mlopsgen.catalog.promql import DRIFT_ALERT
from mlopsgen.verify import rbac
from mlopsgen.verify.checks.admission import level_of, rejected
from mlopsgen.verify.checks.alert_retraining import (
    ALERTMANAGER_POSTS,
    BUS_PEERS,
    SENSOR_CREATES,
    SENSOR_READS,
    WEBHOOK_PUBLISHES,
    alerts_to_follow,
    bus_of,
    needed_flows,
    route_of,
    sensor_account,
    sensor_for,
    webhook_of,
)
from mlopsgen.verify.checks.payloads import drift_rules
from mlopsgen.verify.configured import rendered
from mlopsgen.verify.event_pods import pods_of
from mlopsgen.verify.loop_graph import Link, Loop, Node, object_node, unknown
from mlopsgen.verify.tree import Obj

PROMETHEUS_CHART = "kube-prometheus-stack"


def retrains_here(loop: Loop) -> bool:
    retraining = loop.model.retraining
    return retraining is not None and retraining.environment == loop.env.name


def template_name(loop: Loop) -> str:
    return f"{loop.model.name}-retrain"  # the model's pipeline, as journeys MLV009 and MLV012 name it


def _template(loop: Loop) -> tuple[Obj | None, Node]:
    name = template_name(loop)
    wt = next((o for o in loop.view.of_kind("WorkflowTemplate") if o.namespace == loop.namespace and o.name == name), None)
    return wt, object_node(loop.view, wt) if wt else Node("WorkflowTemplate", f"{loop.namespace}/{name}", loop.view.name, True)


def _alertmanager(loop: Loop) -> tuple[Node, bool]:
    """Alertmanager's node, and whether the AlertmanagerConfigs it selects can be known (its chart rendered)."""
    if PROMETHEUS_CHART in loop.view.provided:
        return Node("Alertmanager", "(the cluster's own)", loop.view.name), True
    found = rendered(loop.view, PROMETHEUS_CHART, "Alertmanager")
    if not found:
        return Node("Alertmanager", f"({PROMETHEUS_CHART}, not rendered)", loop.view.name), False
    return object_node(loop.view, found[0]), True


def _refused(loop: Loop, obj: Obj) -> str:
    level = level_of(loop.view, obj.namespace or "")
    return next((f"Pod Security '{level}' rejects the pods of {obj.kind} {obj.namespace}/{obj.name}"
                 for pod in pods_of(loop.view, obj) if rejected(pod, level)), "")


def _why(*reasons: str) -> str:
    return "; ".join(r for r in reasons if r)


def alert_links(loop: Loop) -> list[Link]:
    """Each alert that should start the model's retraining, link by link to the WorkflowTemplate (MLV012)."""
    retraining = loop.model.retraining
    if not retrains_here(loop) or not retraining or not retraining.alert_triggers:
        return []
    view, ns, ctx = loop.view, loop.namespace, loop.ctx
    wt, wt_node = _template(loop)
    alertmanager, knowable = _alertmanager(loop)
    access = rbac.Rbac([o for k in ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding") for o in view.of_kind(k)])
    network = ctx.networks[view.name]
    drift = drift_rules(view, loop.model.name, ns)
    fired: dict[Node, list[str]] = {}
    chain: list[Link] = []
    unrouted: list[str] = []  # the alerts no AlertmanagerConfig routes
    untaken: dict[tuple[Node, str], list[str]] = {}  # (bus, webhook) -> the alerts no Sensor takes from it
    for alert, rule in alerts_to_follow(view, loop.model, ns):
        name = alert["alertname"]
        source_rule = rule or (drift[0][0] if drift else None)
        rule_node = object_node(view, source_rule) if source_rule else Node("PrometheusRule", f"{ns}/({DRIFT_ALERT})", view.name, True)
        if name in fired.setdefault(rule_node, []):
            continue  # the drift alert is both the drift trigger's and, on a model with SLOs, among its rules'
        fired[rule_node].append(name)
        if not knowable:
            chain.append(Link(alertmanager, Node("AlertmanagerConfig", f"{ns}/?", view.name, True), "routes",
                              unknown(f"{PROMETHEUS_CHART} was not rendered, so which AlertmanagerConfigs its Alertmanager selects")))
            continue
        routed = route_of(view, alert)
        if routed is None:
            unrouted.append(name)
            continue
        config, url = routed
        config_node = object_node(view, config)
        chain.append(Link(alertmanager, config_node, "routes"))
        source, hook, target = webhook_of(view, url)
        if source is None or hook is None:
            chain.append(Link(config_node, Node("EventSource", f"(none serves {url})", view.name, True), "webhook",
                              f"{url} is no webhook of an EventSource"))
            continue
        sensor = sensor_for(view, source, hook, alert, template_name(loop))
        denied = {why: f"flow denied: {a.label} to {b.label} TCP/{p}"
                  for a, b, p, why, _ in needed_flows(ctx, view, source, sensor or source, int(target or 0))
                  if not network.decide(a, b, "TCP", p).allowed}
        source_node = object_node(view, source)
        chain.append(Link(config_node, source_node, "webhook", _why(denied.get(ALERTMANAGER_POSTS, ""), _refused(loop, source))))
        bus = bus_of(view, source)
        bus_name = source.spec.get("eventBusName") or "default"
        bus_node = object_node(view, bus) if bus else Node("EventBus", f"{ns}/{bus_name}", view.name, True)
        chain.append(Link(source_node, bus_node, "event", _why("" if bus else f"no EventBus {bus_name} in {ns}",
                                                               denied.get(WEBHOOK_PUBLISHES, ""), denied.get(BUS_PEERS, ""),
                                                               _refused(loop, bus) if bus else "")))
        if sensor is None:
            untaken.setdefault((bus_node, f"{source.name} ({hook})"), []).append(name)
            continue
        sensor_node = object_node(view, sensor)
        chain.append(Link(bus_node, sensor_node, "event", _why(
            "" if bus_of(view, sensor) else f"the Sensor's EventBus is not in {ns}", denied.get(SENSOR_READS, ""),
            _refused(loop, sensor))))
        account = sensor_account(sensor)
        chain.append(Link(sensor_node, wt_node, "creates Workflow", _why(
            "" if wt else f"no WorkflowTemplate {template_name(loop)}",
            "" if access.allowed(sensor.namespace or "", account, "argoproj.io", "workflows", "create")
            else f"{account} may not create workflows", denied.get(SENSOR_CREATES, ""))))
    if unrouted:
        chain.append(Link(alertmanager, Node("AlertmanagerConfig", f"{ns}/(none)", view.name, True), "routes",
                          f"no AlertmanagerConfig of {ns} that Alertmanager selects matches {', '.join(unrouted)}"))
    for (bus_node, hook), names in untaken.items():
        chain.append(Link(bus_node, Node("Sensor", f"{ns}/(none)", view.name, True), "event",
                          f"no Sensor of {ns} takes {', '.join(names)} from {hook} and creates a Workflow from "
                          f"{template_name(loop)}"))
    return [Link(node, alertmanager, f"alert {', '.join(names)}") for node, names in fired.items()] + chain


def _schedules(cron: Obj) -> list:
    """A CronWorkflow's schedules: Argo Workflows v3.6+ takes a list, earlier versions one `schedule`."""
    return cron.spec.get("schedules") or [s for s in [cron.spec.get("schedule")] if s]


def schedule_links(loop: Loop) -> list[Link]:
    """The CronWorkflow that starts the model's pipeline on its schedule (MLV009)."""
    retraining = loop.model.retraining
    if not retrains_here(loop) or not retraining:
        return []
    wt, wt_node = _template(loop)
    crons = [c for c in loop.view.of_kind("CronWorkflow") if c.namespace == loop.namespace and
             ((c.spec.get("workflowSpec") or {}).get("workflowTemplateRef") or {}).get("name") == template_name(loop)]
    links = [Link(object_node(loop.view, c), wt_node, f"creates Workflow ({', '.join(map(str, _schedules(c)))})",
                  "" if wt else f"no WorkflowTemplate {template_name(loop)}") for c in sorted(crons, key=lambda c: c.name)]
    if not crons and "schedule" in retraining.triggers:
        missing = Node("CronWorkflow", f"{loop.namespace}/{template_name(loop)}", loop.view.name, True)
        links.append(Link(missing, wt_node, "creates Workflow (schedule)",
                          f"no CronWorkflow of {loop.namespace} runs {template_name(loop)}"))
    return links


RETRAINING_READERS = (alert_links, schedule_links)
