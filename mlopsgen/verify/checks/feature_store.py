"""Journey 6, the feature store: training and inference reach the Feast operator's real online Service, and the
FeatureStore keeps its data in the platform's PostgreSQL.

What the operator creates is not in the tree, so it is derived from the FeatureStore objects, as the operator
(v0.66.0) does: the online Service feast-<name>-online in the FeatureStore's namespace, port 80 to the feature
server's container port 6566, on pods labelled feast.dev/name: <name>, feast.dev/service-type: online. Each
training and inference pod on a cluster that reaches a feature store is given FEAST_FEATURE_SERVER_URL: that
Service by name and port where the store runs, else a published host whose route leads to it. The flow is then
decided to the pods' port (a NetworkPolicy sees 6566, not the Service's 80), from the pod, or from the gateway.
The store's registry and online store name a Secret of the tree whose connection points at a CloudNativePG
Cluster of the tree: a FeatureStore without `persistence.store` keeps them in files in its pod, lost at restart.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from mlopsgen.catalog import conventions as C
from mlopsgen.verify.cluster import ClusterView
from mlopsgen.verify.context import Context
from mlopsgen.verify.endpoints import Endpoint, pod_endpoint
from mlopsgen.verify.podspec import Pod
from mlopsgen.verify.result import Finding, finding
from mlopsgen.verify.tree import Obj

SLUG = "connectivity"
CLIENT_CLASSES = ("training", "inference")
CLUSTER_DOMAIN = ".svc.cluster.local"


def online_host(store: Obj) -> str:
    return f"{C.feast_online_service(store.name)}.{store.namespace}{CLUSTER_DOMAIN}"


def online_endpoint(view: ClusterView, store: Obj) -> Endpoint:
    return Endpoint(f"{store.namespace}/{C.feast_online_service(store.name)}@{view.name}", view.name, "service",
                    store.namespace, C.feast_online_labels(store.name),
                    ports=[{"containerPort": C.FEAST_ONLINE_POD_PORT, "protocol": "TCP"}], note="featureStore")


def run(ctx: Context, stats: dict) -> list[Finding]:
    findings: list[Finding] = []
    stores = {(view.name, online_host(s)): (view, s) for view in ctx.views for s in view.of_kind("FeatureStore")}
    for view, store in stores.values():
        findings += _database(view, store)
    published = _published(ctx, stores, findings, stats)
    reached = _reached_by(ctx)
    for cluster, pods in ctx.pods.items():
        for pod in pods:
            if pod.labels.get(C.WORKLOAD_CLASS) in CLIENT_CLASSES:
                findings += _client(ctx, cluster, pod, stores, published, reached.get(cluster), stats)
    return findings


def _reached_by(ctx: Context) -> dict[str, str]:
    """cluster -> how the spec says its workloads reach a feature store: 'local' or the published host."""
    out: dict[str, str] = {}
    for cluster in ctx.platform.clusters:
        if any(s.kind == "featureStore" for s in ctx.platform.services_for(cluster.name)):
            out[cluster.name] = "local"
        else:
            remote = next((s for s in ctx.platform.services if s.kind == "featureStore" and s.published), None)
            if remote is not None and remote.published is not None:
                out[cluster.name] = remote.published.host
    return out


def _client(ctx: Context, cluster: str, pod: Pod, stores: dict, published: dict, reached: str | None, stats: dict) -> list[Finding]:
    where = pod.origin.locate(*pod.origin_path)
    urls = {c.env[C.FEAST_URL_ENV] for c in pod.containers if not c.init and not c.injected_by and C.FEAST_URL_ENV in c.env}
    if not urls:
        if reached is None:
            return []
        return [finding(SLUG, f"{pod.id} is not given {C.FEAST_URL_ENV}: it cannot find the feature store", where,
                        spec=ctx.team_spec(pod.namespace), hint="give training and inference the online Service's URL")]
    findings: list[Finding] = []
    network = ctx.networks[cluster]
    for url in sorted(urls):
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.scheme == "https" and host in published:
            dst = next((e for e in network.endpoints if e.role == "published" and e.label == f"{published[host]}-published"), None)
            if dst is not None and not pod.host_network:
                _require(network, pod_endpoint(pod), dst, parts.port or 443, f"{pod.id} to the published feature store",
                         where, findings, stats)
            continue
        found = stores.get((cluster, host))
        if found is None:
            names = sorted(h for c, h in stores if c == cluster) or sorted(published)
            findings.append(finding(SLUG, f"{pod.id} dials {url}, but no FeatureStore's online Service answers there"
                                          + (f" (the Feast operator's is {', '.join(names)})" if names else ""), where,
                                    spec=ctx.team_spec(pod.namespace),
                                    hint="the operator names the Service feast-<name>-online in the FeatureStore's namespace"))
            continue
        port = parts.port or (443 if parts.scheme == "https" else 80)
        if port != C.FEAST_ONLINE_SERVICE_PORT:
            findings.append(finding(SLUG, f"{pod.id} dials {url}: Service {host.split('.')[0]} listens on port "
                                          f"{C.FEAST_ONLINE_SERVICE_PORT}, not {port} ({C.FEAST_ONLINE_POD_PORT} is the "
                                          "feature server pods' port, behind the Service)", where,
                                    spec=ctx.team_spec(pod.namespace), hint=f"dial port {C.FEAST_ONLINE_SERVICE_PORT}"))
            continue
        if not pod.host_network:
            view, store = found
            _require(network, pod_endpoint(pod), online_endpoint(view, store), C.FEAST_ONLINE_POD_PORT,
                     f"{pod.id} to the feature store", where, findings, stats)
    return findings


def _published(ctx: Context, stores: dict, findings: list[Finding], stats: dict) -> dict[str, str]:
    """published host -> the spec's service name, for each route of the gateway that leads to an online Service
    on its port; a route to another port or name is reported, and the gateway's flow to the pods decided."""
    out: dict[str, str] = {}
    for service in ctx.platform.services:
        if service.kind != "featureStore" or not service.published or not service.cluster:
            continue
        view = ctx.view(service.cluster)
        route = next((r for r in view.of_kind("VirtualService") if service.published.host in (r.spec.get("hosts") or [])), None)
        if route is None:
            continue
        for i, rule in enumerate(route.spec.get("http") or []):
            for j, target in enumerate(rule.get("route") or []):
                destination = target.get("destination") or {}
                host, port = str(destination.get("host", "")), (destination.get("port") or {}).get("number")
                found = stores.get((view.name, host))
                where = route.locate("spec", "http", i, "route", j, "destination")
                if found is None or port != C.FEAST_ONLINE_SERVICE_PORT:
                    findings.append(finding(SLUG, f"VirtualService {route.namespace}/{route.name} routes {service.published.host} "
                                                  f"to {host}:{port}, which is not a FeatureStore's online Service on port "
                                                  f"{C.FEAST_ONLINE_SERVICE_PORT}", where,
                                            hint="route to feast-<name>-online on port 80"))
                    continue
                out[service.published.host] = service.name
                network = ctx.networks[view.name]
                gateway = next(e for e in network.endpoints if e.role == "gateway")
                _require(network, gateway, online_endpoint(*found), C.FEAST_ONLINE_POD_PORT,
                         "the gateway to the published feature store", where, findings, stats)
    return out


def _require(network, src: Endpoint, dst: Endpoint, port: int, why: str, where, findings: list[Finding], stats: dict) -> None:
    stats["required"] = stats.get("required", 0) + 1
    if not network.decide(src, dst, "TCP", port).allowed:
        findings.append(finding(SLUG, f"required flow denied ({why}): {src.label} -> {dst.label} TCP/{port}", where,
                                hint="allow it in the team's policies and the feature store namespace's"))


def _database(view: ClusterView, store: Obj) -> list[Finding]:
    services = store.spec.get("services") or {}
    kept = {"online store": ("onlineStore",), "registry": ("registry", "local")}
    secrets = {(s.namespace, s.name): s for s in view.of_kind("Secret")}
    clusters = {(c.namespace, c.name) for c in view.of_kind("Cluster") if c.group == "postgresql.cnpg.io"}
    # The Cluster is a chart's object: with the chart unseen, where the store points is unknown, not wrong (the
    # journey is UNKNOWN for the chart).
    unseen = any(not chart.rendered for app in view.components.values() if app.namespace == store.namespace for chart in app.charts)
    findings: list[Finding] = []
    for what, path in kept.items():
        node = services
        for key in path:
            node = node.get(key) or {}
        persisted = ((node.get("persistence") or {}).get("store")) or {}
        where = store.locate("spec", "services", *path)
        if not persisted:
            findings.append(finding(SLUG, f"FeatureStore {store.namespace}/{store.name} keeps its {what} in files in its "
                                          "pod (no persistence.store): lost at every restart, and never shared", where,
                                    hint="persist to the platform's PostgreSQL (persistence.store with a secretRef)"))
            continue
        name = str((persisted.get("secretRef") or {}).get("name", ""))
        secret = secrets.get((store.namespace, name))
        if secret is None:
            findings.append(finding(SLUG, f"FeatureStore {store.namespace}/{store.name}: its {what} names Secret {name}, "
                                          "which the tree does not create", where, hint="re-render the tree"))
            continue
        config = str((secret.data.get("stringData") or {}).get(str(persisted.get("secretKeyName") or persisted.get("type")), ""))
        if not unseen and not any(f"{db}-rw.{ns}" in config for ns, db in clusters if ns == store.namespace):
            findings.append(finding(SLUG, f"FeatureStore {store.namespace}/{store.name}: its {what} does not point at a "
                                          f"CloudNativePG Cluster of the tree in {store.namespace} (Secret {name})",
                                    secret.locate(), hint="connect to <cluster>-rw of the feature store's database"))
    return findings
