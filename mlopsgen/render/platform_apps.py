"""Platform components per cluster: tracking server, monitoring stack, gateways, network segments.

Each shared service of kind `tracking` or `monitoring` is installed from its
Helm chart on the cluster it runs on (or on every cluster when it names none),
with a values file rendered into the tree. One release per cluster: the
service's DNS name in the spec is the same for every environment there.
"""

from __future__ import annotations

from dataclasses import dataclass

from mlopsgen.catalog import conventions as C
from mlopsgen.platform.model import Platform, Service
from mlopsgen.render import labels as L
from mlopsgen.render.jinja import render_template


@dataclass(frozen=True)
class Chart:
    repo_url: str
    name: str
    version: str
    template: str


MLFLOW = Chart("https://community-charts.github.io/helm-charts", "mlflow", "1.11.5", "helm/mlflow-values.yaml.j2")
KUBE_PROMETHEUS_STACK = Chart(
    "https://prometheus-community.github.io/helm-charts", "kube-prometheus-stack", "88.5.3",
    "helm/kube-prometheus-stack-values.yaml.j2")
CHART_FOR_KIND = {"tracking": MLFLOW, "monitoring": KUBE_PROMETHEUS_STACK}


@dataclass(frozen=True)
class PlatformApp:
    name: str
    cluster: str
    namespace: str
    chart: Chart | None  # None: a plain directory of manifests
    path: str  # values file for a chart, manifest directory otherwise
    sync_options: tuple[str, ...]
    extra_namespaces: tuple[str, ...] = ()


def platform_apps(platform: Platform) -> list[PlatformApp]:
    apps = []
    for cluster in platform.clusters:
        for service in platform.services_for(cluster.name):
            chart = CHART_FOR_KIND.get(service.kind)
            if chart is None:
                continue
            options = ("CreateNamespace=true", "ServerSideApply=true")
            extra = ("kube-system",) if chart is KUBE_PROMETHEUS_STACK else ()
            apps.append(PlatformApp(chart.name, cluster.name, service.namespace, chart,
                                    f"platform/{cluster.name}/values/{chart.name}.yaml", options, extra))
        if _ippools(platform, cluster.name) or _gateways(platform, cluster.name):
            apps.append(PlatformApp("cluster-config", cluster.name, C.MESH_NAMESPACE, None,
                                    f"platform/{cluster.name}/manifests", ("PruneLast=true",)))
    return apps


def _ippools(platform: Platform, cluster: str) -> list[dict]:
    return [
        {"name": C.ippool_name(e.name), "environment": e.name, "cidr": e.segment.cidr, "block_size": e.segment.block_size}
        for e in platform.environments if e.segment and e.cluster == cluster
    ]


def _gateways(platform: Platform, cluster: str) -> list[dict]:
    gateways = []
    for env in platform.environments:
        hosts = sorted({m.exposure.host for m in platform.models if m.exposure and env.name in m.environments})
        if env.cluster == cluster and hosts:
            gateways.append({"name": C.gateway_name(env.name), "environment": env.name, "hosts": hosts,
                             "credential": C.gateway_credential(env.name)})
    return gateways


def _monitoring_for(platform: Platform, cluster: str) -> Service | None:
    return next((s for s in platform.services_for(cluster) if s.kind == "monitoring"), None)


def render_platform_apps(platform: Platform, apps: list[PlatformApp], header: str) -> dict[str, str]:
    files = {}
    for app in apps:
        if app.chart is not None:
            service = next(s for s in platform.services_for(app.cluster) if CHART_FOR_KIND.get(s.kind) is app.chart)
            files[app.path] = render_template(
                app.chart.template, header=header, chart_version=app.chart.version, cluster=app.cluster,
                dashboard_label=C.GRAFANA_DASHBOARD,
                service=service, monitoring=_monitoring_for(platform, app.cluster))
        else:
            pools, gateways = _ippools(platform, app.cluster), _gateways(platform, app.cluster)
            if pools:
                files[f"{app.path}/ippools.yaml"] = render_template(
                    "cluster/ippool.yaml.j2", header=header, labels=L.common(platform), pools=pools)
            if gateways:
                files[f"{app.path}/gateways.yaml"] = render_template(
                    "mesh/gateway.yaml.j2", header=header, labels=L.common(platform), gateways=gateways,
                    namespace=C.MESH_NAMESPACE, selector=C.INGRESS_GATEWAY_LABELS)
    return files
