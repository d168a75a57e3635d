"""Journeys 4 and 5: models load and serve; traffic reaches them.

- KServe's storage initializer does not know `models:/` URIs; a
  ClusterStorageContainer whose supportedUriFormats match is the extension
  point. An MLflow model is served by the `mlflow` model format (MLServer),
  or Seldon's MLFLOW_SERVER.
- The mlflow chart defaults to in-memory SQLite and client-local artifacts;
  it needs `backendStore.postgres` (or `databaseUri`), `artifactRoot.
  proxiedArtifactStorage`, and `serverAllowedHosts` with the in-cluster name.
- Gateways on one workload binding the same host and port conflict (IST0145).
- A route prefix must be rewritten to the path the model server answers.
- AuthorizationPolicies must name the gateway identity the tree installs.
"""

from __future__ import annotations

import re

from mlopsgen.verify.cluster import get
from mlopsgen.verify.context import Context
from mlopsgen.verify.injection import storage_initializer
from mlopsgen.verify.network import gateway_identity
from mlopsgen.verify.result import Finding

SERVING, TRAFFIC = "serving", "traffic"
MLFLOW_SERVING = {"InferenceService": "mlflow", "SeldonDeployment": "MLFLOW_SERVER"}
MODEL_PATHS = re.compile(r"^/(v1/models/|v2/|$)")


def serving(ctx: Context, stats: dict) -> list[Finding]:
    findings: list[Finding] = []
    for cluster, pods in ctx.pods.items():
        view = ctx.view(cluster)
        for pod in pods:
            if pod.kind != "model" or not pod.storage_uri:
                continue
            where = pod.origin.locate(*pod.origin_path)
            uri = pod.storage_uri
            if uri.startswith("models:/"):
                if pod.origin.kind == "InferenceService" and storage_initializer(view, uri).injected_by.endswith("initializer"):
                    findings.append(Finding(SERVING, f"{pod.id}: no ClusterStorageContainer supports {uri}: KServe's storage "
                                                     "initializer fails with 'Cannot recognize storage type'", where,
                                            spec=ctx.model_spec(pod.origin.name.removesuffix('-canary'), "source"),
                                            hint="install a ClusterStorageContainer with supportedUriFormats for models:/"))
                served = _served_as(pod.origin)
                if served != MLFLOW_SERVING[pod.origin.kind]:
                    findings.append(Finding(SERVING, f"{pod.id}: an MLflow model ({uri}) served as '{served}': that runtime "
                                                     "expects its own artifact layout, not an MLflow model", where,
                                            spec=ctx.model_spec(pod.origin.name.removesuffix('-canary'), "format"),
                                            hint=f"serve MLflow models with the '{MLFLOW_SERVING[pod.origin.kind]}' format"))
        app = view.components.get("mlflow")
        if app is not None:
            values = view.values("mlflow")
            where = app.obj.locate("spec")
            if not (get(values, "backendStore.postgres.enabled") or get(values, "backendStore.databaseUri")):
                findings.append(Finding(SERVING, f"MLflow on {cluster} keeps its backend in the chart's default SQLite: "
                                                 "runs and models are lost at restart", where, hint="set backendStore.postgres"))
            if not get(values, "artifactRoot.proxiedArtifactStorage"):
                findings.append(Finding(SERVING, f"MLflow on {cluster} does not serve artifacts (proxiedArtifactStorage off): "
                                                 "servers cannot fetch what training logged", where,
                                        hint="set artifactRoot.proxiedArtifactStorage and a blob store"))
            hosts = [str(h) for h in get(values, "serverAllowedHosts", []) or []]
            wanted = [s.host for s in ctx.platform.services_for(cluster) if s.kind == "tracking"]
            if "*" not in hosts and not all(any(h == w or h.split(":")[0] == w for h in hosts) for w in wanted):
                findings.append(Finding(SERVING, f"MLflow on {cluster}: serverAllowedHosts {hosts} lacks {', '.join(wanted)}: "
                                                 "MLflow 3.5+ answers 403 'Invalid Host header'", where,
                                        hint="list the in-cluster names clients use in serverAllowedHosts"))
    return findings


def _served_as(obj) -> str:
    if obj.kind == "InferenceService":
        return str(((obj.spec.get("predictor") or {}).get("model") or {}).get("modelFormat", {}).get("name", ""))
    predictors = obj.spec.get("predictors") or [{}]
    return str((predictors[0].get("graph") or {}).get("implementation", ""))


def traffic(ctx: Context, stats: dict) -> list[Finding]:
    findings: list[Finding] = []
    for view in ctx.views:
        bound: dict[tuple, object] = {}
        gateways = view.of_kind("Gateway")
        for gw in gateways:
            selector = tuple(sorted((gw.spec.get("selector") or {}).items()))
            for i, server in enumerate(gw.spec.get("servers") or []):
                port = (server.get("port") or {}).get("number")
                for host in server.get("hosts") or []:
                    key = (selector, str(host).split("/")[-1], port)
                    other = bound.setdefault(key, gw)
                    if other is not gw:
                        findings.append(Finding(TRAFFIC, f"Gateways {other.name} and {gw.name} both bind {key[1]}:{port} on the "  # type: ignore[attr-defined]
                                                         "same gateway workload (IST0145): one of them gets no traffic",
                                                gw.locate("spec", "servers", i, "hosts"),
                                                hint="use a host per environment (e.g. <model>.<env>.example.com)"))
        for vs in view.of_kind("VirtualService"):
            for i, route in enumerate(vs.spec.get("http") or []):
                for match in route.get("match") or []:
                    prefix = str((match.get("uri") or {}).get("prefix", "/"))
                    if not MODEL_PATHS.match(prefix) and not (route.get("rewrite") or {}).get("uri"):
                        findings.append(Finding(TRAFFIC, f"VirtualService {vs.namespace}/{vs.name} routes prefix {prefix} without "
                                                         "a rewrite: the model server answers /v1/models/... or /v2/..., so "
                                                         "every request 404s", vs.locate("spec", "http", i),
                                                hint="rewrite the prefix to the model server's path"))
        if gateways and not view.has("istio-ingressgateway"):
            findings.append(Finding(TRAFFIC, f"cluster {view.name} has Gateways but no ingress gateway is installed or provided",
                                    gateways[0].locate(), hint="install the istio-ingressgateway component"))
        namespace, account, _ = gateway_identity(ctx.platform, view)
        expected = f"/ns/{namespace}/sa/{account}"
        for ap in view.of_kind("AuthorizationPolicy"):
            for i, rule in enumerate(ap.spec.get("rules") or []):
                for source in (f.get("source") or {} for f in (rule or {}).get("from") or []):
                    for p in source.get("principals") or []:
                        if f"/ns/{namespace}/sa/" in str(p) and "gateway" in str(p) and not str(p).endswith(expected):
                            findings.append(Finding(TRAFFIC, f"AuthorizationPolicy {ap.namespace}/{ap.name} admits {p}, but the "
                                                             f"installed gateway runs as {account}", ap.locate("spec", "rules", i),
                                                    hint="name the gateway's service account as its chart release names it"))
    return findings
