"""Journeys 4 and 5: models load and serve; traffic reaches them.

- KServe's storage initializer does not know `models:/` URIs; a
  ClusterStorageContainer whose supportedUriFormats match is the extension
  point. An MLflow model is served by the `mlflow` model format (MLServer),
  or in Seldon by MLServer's MLflow runtime; Seldon's own initializer (for a
  modelUri) does not know `models:/` either, so an init container of the
  predictor must fill the directory the server reads.
- MLServer creates `.envs` and `.metrics` under its working directory at
  start; a read-only root needs both on a writable volume.
- Init containers of a meshed pod reach the network through the proxy only
  when the sidecar is native (a restartable init container started first).
- The mlflow chart defaults to in-memory SQLite and client-local artifacts;
  it needs `backendStore.postgres` (or `databaseUri`), `artifactRoot.
  proxiedArtifactStorage`, and `serverAllowedHosts` with the in-cluster name.
- Gateways on one workload binding the same host and port conflict (IST0145).
- A route prefix must be rewritten to the path the model server answers.
- AuthorizationPolicies must name the gateway identity the tree installs.
"""

from __future__ import annotations

import re

from mlopsgen.catalog.runtimes import MODEL_DIR
from mlopsgen.verify.configured import mlflow_server, native_sidecars
from mlopsgen.verify.context import Context
from mlopsgen.verify.network import gateway_identity
from mlopsgen.verify.podspec import Container, Pod
from mlopsgen.verify.result import Finding, finding

SERVING, TRAFFIC = "serving", "traffic"
# MLServer's defaults for the directories it creates at start: under its working directory,
# /opt/mlserver in its images (mlserver/settings.py DEFAULT_ENVIRONMENTS_DIR, DEFAULT_METRICS_DIR).
MLSERVER_WORKDIR = "/opt/mlserver"
MLSERVER_WORKDIR_ENV = ("MLSERVER_ENVIRONMENTS_DIR", "MLSERVER_METRICS_DIR")
MODEL_PATHS = re.compile(r"^/(v1/models/|v2/|$)")


def serving(ctx: Context, stats: dict) -> list[Finding]:
    findings: list[Finding] = []
    for cluster, pods in ctx.pods.items():
        view = ctx.view(cluster)
        for pod in pods:
            if pod.kind == "model":
                findings += _model_loads(ctx, view, pod)
        app = view.components.get("mlflow")
        if app is not None:
            server = mlflow_server(view)
            where = app.obj.locate("spec")
            if not server["database"]:
                findings.append(finding(SERVING, f"MLflow on {cluster} keeps its backend in the chart's default SQLite: "
                                                 "runs and models are lost at restart", where, hint="set backendStore.postgres"))
            if not server["serves_artifacts"]:
                findings.append(finding(SERVING, f"MLflow on {cluster} does not serve artifacts (proxiedArtifactStorage off): "
                                                 "servers cannot fetch what training logged", where,
                                        hint="set artifactRoot.proxiedArtifactStorage and a blob store"))
            hosts = server["allowed_hosts"]
            wanted = [s.host for s in ctx.platform.services_for(cluster) if s.kind == "tracking"]
            if "*" not in hosts and not all(any(h == w or h.split(":")[0] == w for h in hosts) for w in wanted):
                findings.append(finding(SERVING, f"MLflow on {cluster}: serverAllowedHosts {hosts} lacks {', '.join(wanted)}: "
                                                 "MLflow 3.5+ answers 403 'Invalid Host header'", where,
                                        hint="list the in-cluster names clients use in serverAllowedHosts"))
    return findings


def _model_loads(ctx: Context, view, pod: Pod) -> list[Finding]:
    """The model reaches the server's model directory, in a format the server reads, and the server can start."""
    findings: list[Finding] = []
    where = pod.origin.locate(*pod.origin_path)
    model = pod.origin.name.removesuffix("-canary")
    server = next((c for c in pod.containers if not c.init and not c.injected_by), None)
    if server is None:
        return []
    uri = pod.storage_uri
    for fetcher in (c for c in pod.containers if c.refuses):
        why, fix = fetcher.refuses or ("", "")
        findings.append(finding(SERVING, f"{pod.id}: {why}", where, spec=ctx.model_spec(model, "source"), hint=fix))
    if not uri:
        directory = server.env.get("MLSERVER_MODEL_URI", MODEL_DIR)
        fillers = [c for c in pod.containers if c.init and not c.injected_by and _shares_volume(c, server, directory)]
        if not fillers:
            findings.append(finding(SERVING, f"{pod.id}: nothing fills {directory}, where the model server reads the "
                                             "model: no model URI and no init container writing that volume", where,
                                    spec=ctx.model_spec(model, "source"),
                                    hint="add an init container that downloads the model into a shared emptyDir"))
    fetchers = [c for c in pod.containers if c.init and "Istio" not in c.injected_by]
    if fetchers and pod.meshed and not native_sidecars(view):
        # Without native sidecars the proxy starts after every init container: with the CNI plugin their
        # traffic is already redirected to it and fails; without, it leaves in plain text, which STRICT
        # mTLS at the tracking server refuses.
        provided = " (the cluster provides Istio; nothing says it runs native sidecars)" if "istiod" in view.provided else ""
        findings.append(finding(SERVING, f"{pod.id}: {fetchers[0].name} fetches the model before the Istio proxy runs"
                                         f"{provided}: the download cannot pass the mesh", where,
                                spec=ctx.model_spec(model, "source"),
                                hint="enable native sidecars (istiod pilot.env.ENABLE_NATIVE_SIDECARS), so the proxy starts first"))
    shape = pod.runtime.pods if pod.runtime else None
    served = pod.model_format or (server.env.get(shape.format_env, "") if shape and shape.format_env else "")
    if shape is not None and served not in shape.registry_formats:
        findings.append(finding(SERVING, f"{pod.id}: an MLflow registry model served as '{served or 'nothing'}': that "
                                         "runtime expects its own artifact layout, not an MLflow model", where,
                                spec=ctx.model_spec(model, "format"),
                                hint=f"serve MLflow models with '{shape.registry_formats[0]}'"))
    # MLServer's images, or a format the runtime serves with MLServer (KServe's `mlflow`).
    if server.image.split("/")[-1].startswith("mlserver") or (shape is not None and served in shape.mlserver_formats):
        for variable in MLSERVER_WORKDIR_ENV:
            path = server.env.get(variable, MLSERVER_WORKDIR)
            if not server.writable_at(path):
                findings.append(finding(SERVING, f"{pod.id}: MLServer creates {path} at start ({variable}), but the "
                                                 f"container's root filesystem is read-only there: it exits", where,
                                        hint=f"set {variable} to a directory on a writable volume"))
    return findings


def _shares_volume(writer: Container, reader: Container, directory: str) -> bool:
    read = reader.mount_for(directory)
    return read is not None and any(m.get("name") == read.get("name") and not m.get("readOnly") for m in writer.mounts)


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
                        findings.append(finding(TRAFFIC, f"Gateways {other.name} and {gw.name} both bind {key[1]}:{port} on the "  # type: ignore[attr-defined]
                                                         "same gateway workload (IST0145): one of them gets no traffic",
                                                gw.locate("spec", "servers", i, "hosts"),
                                                hint="use a host per environment (e.g. <model>.<env>.example.com)"))
        for vs in view.of_kind("VirtualService"):
            for i, route in enumerate(vs.spec.get("http") or []):
                for match in route.get("match") or []:
                    prefix = str((match.get("uri") or {}).get("prefix", "/"))
                    if not MODEL_PATHS.match(prefix) and not (route.get("rewrite") or {}).get("uri"):
                        findings.append(finding(TRAFFIC, f"VirtualService {vs.namespace}/{vs.name} routes prefix {prefix} without "
                                                         "a rewrite: the model server answers /v1/models/... or /v2/..., so "
                                                         "every request 404s", vs.locate("spec", "http", i),
                                                hint="rewrite the prefix to the model server's path"))
        if gateways and not view.has("istio-ingressgateway"):
            findings.append(finding(TRAFFIC, f"cluster {view.name} has Gateways but no ingress gateway is installed or provided",
                                    gateways[0].locate(), hint="install the istio-ingressgateway component"))
        namespace, account, _ = gateway_identity(ctx.platform, view)
        expected = f"/ns/{namespace}/sa/{account}"
        for ap in view.of_kind("AuthorizationPolicy"):
            for i, rule in enumerate(ap.spec.get("rules") or []):
                for source in (f.get("source") or {} for f in (rule or {}).get("from") or []):
                    for p in source.get("principals") or []:
                        if f"/ns/{namespace}/sa/" in str(p) and "gateway" in str(p) and not str(p).endswith(expected):
                            findings.append(finding(TRAFFIC, f"AuthorizationPolicy {ap.namespace}/{ap.name} admits {p}, but the "
                                                             f"installed gateway runs as {account}", ap.locate("spec", "rules", i),
                                                    hint="name the gateway's service account as its chart release names it"))
    return findings
