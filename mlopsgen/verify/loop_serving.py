"""The loop's first half, read as journeys MLV010 (payloads), MLV011 (drift) and MLV008 (monitoring) read it:
the tracks' logger to the store, the monitors reading it, their scrape by Prometheus, the alerts it evaluates."""

from __future__ import annotations

from mlopsgen.catalog.monitors import monitor_name
from mlopsgen.catalog.promql import metrics_read
from mlopsgen.verify.checks.lifecycle import exported_metrics
from mlopsgen.verify.checks.payloads import (
    drift_rules,
    exported_by,
    monitor_pods,
    payload_findings,
    prometheus_endpoints,
    scrape_findings,
    scraped_by,
    store_endpoint,
)
from mlopsgen.verify.endpoints import pod_endpoint
from mlopsgen.verify.loop_graph import Link, Loop, Node, object_node
from mlopsgen.verify.tree import Obj


def _at(data: dict, path: tuple) -> object:
    node: object = data
    for part in path:
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _joined(base: str, path: str) -> str:
    return f"{base.rstrip('/')}/{path.lstrip('/')}" if path else base


def store_node(url: str, missing: bool = False) -> Node:
    return Node("payloads at", url, "", missing)


def prometheus_node(loop: Loop) -> Node:
    monitoring = next((s for s in loop.ctx.platform.services_for(loop.view.name) if s.kind == "monitoring"), None)
    if monitoring is None:
        return Node("Prometheus", "(the cluster's own)", loop.view.name)
    return Node("Prometheus", f"{monitoring.namespace}/{monitoring.name}", loop.view.name)


def payload_links(loop: Loop) -> list[Link]:
    """Each track's logger to where it writes (the logger's URL and path in the tree), broken as MLV010 finds it."""
    model = loop.model
    if model.payloads is None:
        return []
    links = []
    for node, pod in loop.nodes_of_serving():
        logger = _at(pod.origin.data, pod.runtime.logger) if pod.runtime and pod.runtime.logger else None
        if isinstance(logger, dict) and logger.get("url"):
            target = store_node(_joined(str(logger["url"]), str(_at(logger, ("storage", "path")) or "")))
        else:
            target = store_node(model.payloads.url, missing=True)
        found = payload_findings(loop.ctx, loop.view, pod, model)
        links.append(Link(node, target, f"payloads ({model.payloads.mode})", found[0].message if found else ""))
    return links


def _monitor_links(loop: Loop, kind: str, prometheus: Node) -> list[Link]:
    name = monitor_name(loop.model.name, kind)
    pods = monitor_pods(loop.ctx, loop.view, loop.namespace, name)
    if not pods:
        missing = Node("Deployment", f"{loop.namespace}/{name}", loop.view.name, missing=True)
        return [Link(missing, prometheus, "metrics (scrape)", f"no {kind} monitor runs in {loop.namespace}")]
    pod = pods[0]
    monitor = object_node(loop.view, pod.origin)
    container = next((c for c in pod.containers if c.env.get("MLOPSGEN_PAYLOADS_URL")), None)
    links = []
    payloads = loop.model.payloads
    if container is not None:
        store = store_endpoint(loop.ctx, loop.view, payloads.store) if payloads else None
        denied = store is not None and not loop.ctx.networks[loop.view.name].decide(
            pod_endpoint(pod), store, "TCP", int(store.ports[0]["containerPort"])).allowed
        links.append(Link(store_node(container.env["MLOPSGEN_PAYLOADS_URL"]), monitor, "reads payloads",
                          f"{pod.id} may not connect to {store.label}" if denied and store else ""))
    monitors = scraped_by(loop.ctx, loop.view, pod)
    for service_monitor in monitors:
        links.append(Link(object_node(loop.view, service_monitor), monitor, "selects (scrape target)"))
    if not monitors:
        missing = Node("ServiceMonitor", f"{loop.namespace}/{name}", loop.view.name, missing=True)
        links.append(Link(missing, monitor, "selects (scrape target)", "no ServiceMonitor selects a Service in front of it"))
    found = scrape_findings(loop.ctx, loop.view, loop.model, pod, prometheus_endpoints(loop.ctx, loop.view))
    metrics = ", ".join(sorted(exported_by(pod))) or "no metric"
    links.append(Link(monitor, prometheus, f"metrics {metrics} (scrape)", found[0].message if found else ""))
    return links


def monitor_links(loop: Loop) -> list[Link]:
    """Each monitor: the payloads it reads, the ServiceMonitor that makes it a target, its metrics to Prometheus."""
    if loop.model.monitors is None:
        return []
    prometheus = prometheus_node(loop)
    return [link for m in loop.model.monitors.each() for link in _monitor_links(loop, m.kind, prometheus)]


def model_rules(loop: Loop) -> list[Obj]:
    """The tree's PrometheusRules of the namespace with alerts of the model (its drift alert and its SLOs)."""
    drift = {id(r) for r, *_ in drift_rules(loop.view, loop.model.name, loop.namespace)}
    return sorted((r for r in loop.view.of_kind("PrometheusRule") if r.namespace == loop.namespace and not r.origin
                   and (id(r) in drift or any((a.get("labels") or {}).get("model") == loop.model.name
                                              for g in r.spec.get("groups") or [] for a in g.get("rules") or []))),
                  key=lambda r: r.name)


def rule_links(loop: Loop) -> list[Link]:
    """Prometheus evaluates the model's alerts; one that reads a metric nothing exports never fires (MLV008)."""
    prometheus, exported = prometheus_node(loop), exported_metrics(loop.ctx, loop.view)
    links = []
    for rule in model_rules(loop):
        alerts = [a for g in rule.spec.get("groups") or [] for a in g.get("rules") or []
                  if a.get("alert") and (a.get("labels") or {}).get("model") == loop.model.name]
        dead = [f"{a['alert']} reads {', '.join(sorted(metrics_read(str(a.get('expr', ''))) - exported))}, which nothing "
                "exports" for a in alerts if metrics_read(str(a.get("expr", ""))) - exported]
        names = ", ".join(str(a["alert"]) for a in alerts)
        links.append(Link(prometheus, object_node(loop.view, rule), f"evaluates {names}", "; ".join(dead)))
    return links


SERVING_READERS = (payload_links, monitor_links, rule_links)
