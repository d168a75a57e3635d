"""A validated document becomes the platform model, once.

The schema's plain defaults are filled in first (defaults.py); the defaults
derived from other values (a pool's node label from its name, a service's pod
labels from its host, the retraining environment) are applied here and
nowhere else.
"""

from __future__ import annotations

from types import MappingProxyType

from mlopsgen.catalog import conventions as C
from mlopsgen.platform.model import (
    ApiServer,
    ArtifactStore,
    Cluster,
    Database,
    Environment,
    External,
    GitOps,
    GpuPool,
    IngressGateway,
    Platform,
    Published,
    Queueing,
    Quota,
    Segment,
    Service,
    Suppression,
    Taint,
    Team,
    Training,
    frozen_map,
)
from mlopsgen.platform.model_monitors_build import monitors, payloads
from mlopsgen.platform.model_serving import Auth, Autoscaling, Canary, Exposure, Model, ModelPlacement, Promotion, Retraining, Slos


def build_platform(data: dict, source_file: str) -> Platform:
    """Turn a validated document into the model."""
    from mlopsgen.platform.defaults import with_defaults
    from mlopsgen.platform.schema import platform_schema

    data = with_defaults(data, platform_schema())
    gitops = data["gitops"]
    return Platform(
        name=data["metadata"]["name"],
        source_file=source_file,
        gitops=GitOps(gitops["repoURL"], gitops["revision"], gitops["path"].rstrip("/")),
        clusters=tuple(_cluster(c) for c in data["clusters"]),
        environments=tuple(_environment(e) for e in data["environments"]),
        gpu_pools=tuple(_gpu_pool(p) for p in data["gpuPools"]),
        services=tuple(_service(s) for s in data["services"]),
        teams=tuple(_team(t) for t in data["teams"]),
        models=tuple(_model(m, data) for m in data["models"]),
        suppressions=tuple(
            Suppression(s["rule"], s["path"], s["reason"], s.get("expires")) for s in data["lint"]["suppressions"]
        ),
        externals=tuple(External(e["name"], e["host"], e["port"], tuple(e["cidrs"]), tuple(e["for"])) for e in data["externals"]),
    )


def _cluster(c: dict) -> Cluster:
    istio = c["provided"].get("istio")
    if istio:
        gateway = istio["ingressGateway"]
        ingress = IngressGateway(gateway["namespace"], gateway["serviceAccount"], frozen_map(gateway["labels"]),
                                 istio["trustDomain"])
    else:
        ingress = IngressGateway(C.MESH_NAMESPACE, C.INGRESS_GATEWAY_RELEASE, frozen_map(C.INGRESS_GATEWAY_LABELS),
                                 C.DEFAULT_TRUST_DOMAIN)
    return Cluster(
        name=c["name"], server=c["server"], role=c["role"], cloud=c["cloud"], region=c.get("region", ""),
        provided=frozenset(c["provided"]), istio_revision=(istio or {}).get("revision"), ingress_gateway=ingress,
        cni_plugin=c["cni"]["plugin"], assigns_from_pools=c["cni"]["assignsFromPools"],
        calico_api_server=c["cni"]["calicoApiServer"],
        api_server=ApiServer(tuple(c["apiServer"]["cidrs"]), c["apiServer"]["port"]) if "apiServer" in c else None,
        istio_cni=istio["cni"] if istio else True, native_sidecars=istio["nativeSidecars"] if istio else True,
    )


def _service(s: dict) -> Service:
    store, database = s.get("artifactStore"), s["database"] if s["kind"] in ("tracking", "featureStore") else None
    labels = C.feast_online_labels(s["name"]) if s["kind"] == "featureStore" else {"app.kubernetes.io/name": s["host"].split(".")[0]}
    return Service(
        s["name"], s["kind"], s["host"], s["port"], s.get("cluster"), frozen_map(s.get("podLabels") or labels),
        ArtifactStore(store["url"], store.get("endpoint"), store.get("credentialsSecret")) if store else None,
        Database(database["instances"], str(database["storage"]), str(database["artifactVolume"])) if database else None,
        Published(s["published"]["url"], tuple(s["published"]["cidrs"]), s["published"]["clientIssuer"]) if "published" in s else None,
    )


def _environment(e: dict) -> Environment:
    segment = e.get("segment")
    return Environment(
        name=e["name"],
        cluster=e["cluster"],
        modes=MappingProxyType(dict(e["network"])),
        host_justification=e.get("hostNetworkJustification", ""),
        segment=Segment(segment["cidr"], segment["blockSize"]) if segment else None,
        tls_issuer=e["ingress"].get("issuer"),
        tls_secret=e["ingress"].get("secretName", C.gateway_credential(e["name"])),
    )


def _gpu_pool(p: dict) -> GpuPool:
    return GpuPool(
        name=p["name"],
        cluster=p["cluster"],
        gpu_type=p["gpuType"],
        gpus_per_node=p["gpusPerNode"],
        nodes=p["nodes"],
        node_labels=frozen_map(p.get("nodeLabels") or {C.GPU_POOL: p["name"]}),
        taints=tuple(Taint(t["key"], t.get("value", ""), t["effect"]) for t in p["taints"]),
        queueing=_queueing(p.get("queueing") or {}),
    )


def _queueing(q: dict) -> Queueing | None:
    if q.get("mode", "namespaceQuota") != "kueue":
        return None
    return Queueing(q.get("borrowingLimit"), q.get("lendingLimit"))


def _team(t: dict) -> Team:
    return Team(
        name=t["name"],
        owners=tuple(t["owners"]),
        gpu_pools=tuple(t["gpuPools"]),
        quotas=MappingProxyType({env: Quota(str(q["cpu"]), str(q["memory"]), q["gpu"]) for env, q in t["quotas"].items()}),
        training=Training(t["training"]["gpus"], str(t["training"]["cpu"]), str(t["training"]["memory"])),
    )


def retraining_environment(m: dict, data: dict) -> str:
    """Explicit, else the first of the model's environments where its team has a GPU pool, else its first.

    Also read by the semantic checks, before references are known to hold: unknown names count as no pool."""
    if "environment" in m["retraining"]:
        return m["retraining"]["environment"]
    team_pools: list[str] = next((t["gpuPools"] for t in data["teams"] if t["name"] == m["team"]), [])
    pool_clusters = {p["cluster"] for p in data["gpuPools"] if p["name"] in team_pools}
    env_cluster = {e["name"]: e["cluster"] for e in data["environments"]}
    names = list(m["environments"])
    return next((e for e in names if env_cluster.get(e) in pool_clusters), names[0])


def _placement(s: dict) -> ModelPlacement:
    scaling = s.get("autoscaling")
    autoscaling = Autoscaling(scaling["maxReplicas"], scaling["targetUtilization"]) if scaling else None
    return ModelPlacement(s["replicas"], autoscaling, s.get("canaryWeight"), s.get("host"))


def _model(m: dict, data: dict) -> Model:
    resources = m["resources"]
    canary, exposure, auth, slos, retraining = (m.get(k) for k in ("canary", "exposure", "auth", "slos", "retraining"))
    return Model(
        name=m["name"],
        team=m["team"],
        source=m["source"],
        runtime=m["runtime"],
        format=m["format"],
        cpu=str(resources["cpu"]),
        memory=str(resources["memory"]),
        gpus=resources["gpus"],
        gpu_pool=m.get("gpuPool"),
        environments=MappingProxyType({env: _placement(s) for env, s in m["environments"].items()}),
        canary=Canary(canary["source"], canary["weight"]) if canary else None,
        exposure=Exposure(exposure["host"], tuple(exposure["paths"])) if exposure else None,
        auth=Auth(auth["issuer"], auth.get("jwksUri", ""), tuple(auth["audiences"])) if auth else None,
        callers=tuple(m["callers"]),
        slos=Slos(slos.get("p95LatencyMs"), slos.get("errorRate"), slos.get("minAccuracy"), slos.get("accuracyMetric")) if slos else None,
        retraining=Retraining(
            retraining.get("schedule"), retraining["image"], retraining_environment(m, data), retraining["driftThreshold"],
            tuple(retraining["triggers"]),
        ) if retraining else None,
        payloads=payloads(m),
        monitors=monitors(m),
        promotion=Promotion(m["promotion"]["secret"]) if (m.get("promotion") or {}).get("registry") else None,
    )
