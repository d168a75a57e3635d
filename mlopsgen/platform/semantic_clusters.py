"""Checks of what clusters run and expose: segments, tracking servers, gateway hosts, where retraining runs.

Part of the semantic checks (semantic.py), kept apart because they read the
cluster-level settings (CNI, provided components) and the ingress.
"""

from __future__ import annotations

from mlopsgen.catalog.modes import MODES, io_mode
from mlopsgen.platform.build import retraining_environment
from mlopsgen.platform.checker import Checker


def _subnet_needs_calico_ipam(check: Checker) -> None:
    """A segment is a Calico IPPool: pods get its addresses only where Calico IPAM assigns them, and the pool is
    written in projectcalico.org/v3, which only Calico's API server serves."""
    clusters = {c["name"]: c for c in check.data["clusters"]}
    for i, env in enumerate(check.data["environments"]):
        cluster = clusters.get(env["cluster"])
        if cluster is None:
            continue
        cni = cluster["cni"]
        for workload, mode in env["network"].items():
            if MODES[mode].needs_segment and not (cni["plugin"] == "calico" and cni["assignsFromPools"]):
                check.fail(("environments", i, "network", workload),
                           f"network mode '{mode}' needs Calico IPAM, which cluster '{cluster['name']}' does not use",
                           "a segment is a Calico IPPool; on this CNI use 'internal' (set clusters[].cni if it does use Calico IPAM)")
                break
            if MODES[mode].needs_segment and not cni["calicoApiServer"]:
                # projectcalico.org/v3 is served by Calico's aggregated API server only (docs.tigera.io, "Enable
                # kubectl to manage Calico APIs"); without it the IPPool's Application never syncs.
                check.fail(("environments", i, "network", workload),
                           f"network mode '{mode}' renders a Calico IPPool (projectcalico.org/v3), which only Calico's API "
                           f"server serves, and cluster '{cluster['name']}' does not declare it",
                           "if 'kubectl api-resources --api-group=projectcalico.org' lists ippools (operator installs run "
                           "the API server by default), set clusters[].cni.calicoApiServer: true; else install it first")
                break


def _tracking_only_settings(check: Checker) -> None:
    """`artifactStore` configures a tracking server or a logs service's store, `database` a tracking server or a feature
    store: on any other service they would be silently ignored."""
    kinds = {"artifactStore": ("tracking", "logs"), "database": ("tracking", "featureStore")}
    for i, service in enumerate(check.data["services"]):
        for key, owners in kinds.items():
            if service["kind"] not in owners and key in check.doc.data["services"][i]:  # as written, not as defaulted
                check.fail(("services", i, key), f"'{key}' applies to {' and '.join(_KIND_NAMES[k] for k in owners)} only",
                           f"remove it, or set kind: tracking on service '{service['name']}'")


_KIND_NAMES = {"tracking": "tracking servers", "featureStore": "feature stores"}


def _one_environment_per_host(check: Checker) -> None:
    """Two Gateways on one gateway workload binding one host conflict (Istio IST0145)."""
    env_cluster = {e["name"]: e["cluster"] for e in check.data["environments"]}
    bound: dict[tuple[str, str], tuple[str, int]] = {}  # (cluster, host) -> (environment, line)
    for i, model in enumerate(check.data["models"]):
        exposure = model.get("exposure")
        if not exposure:
            continue
        for env, placement in model["environments"].items():
            if env not in env_cluster:
                continue  # reported as an unknown environment
            own = "host" in placement
            host = placement["host"] if own else exposure["host"]
            # At the host where the environment names one, else at the environment that inherits it.
            path = ("models", i, "environments", env) + (("host",) if own else ())
            where = check.doc.locate(path, at_key=not own)
            first = bound.setdefault((env_cluster[env], host), (env, where.line))
            if first[0] != env:
                check.fail(path, f"host '{host}' is already bound by environment '{first[0]}' on this cluster's ingress gateway",
                           f"first bound at line {first[1]}; give '{env}' its own host: models[].environments.{env}.host",
                           at_key=not own)


def _one_tracking_server_across_clusters(check: Checker) -> None:
    """A tracking server without a cluster runs on every cluster, each with its own registry: a model trained on one
    cluster never appears on the one that serves it. Across clusters it runs on one, published to the others."""
    known = {c["name"] for c in check.data["clusters"]}
    hosting = sorted({e["cluster"] for e in check.data["environments"] if e["cluster"] in known})
    if len(hosting) < 2:
        return  # one cluster: its own server is the only one
    env_cluster = {e["name"]: e["cluster"] for e in check.data["environments"]}
    serving = sorted({env_cluster[e] for m in check.data["models"] for e in m["environments"] if e in env_cluster})
    # Model servers download from a server of their own cluster (below): name it where they all are.
    where = f" ('{serving[0]}', where the models serve)" if len(serving) == 1 else ""
    for i, service in enumerate(check.data["services"]):
        # A published one without a cluster is refused at `published` (semantic_intent.py).
        if service["kind"] == "tracking" and "cluster" not in service and "published" not in service:
            check.fail(("services", i), f"tracking server '{service['name']}' has no cluster, so each of the clusters "
                       f"{', '.join(hosting)} would run its own with its own registry: a model trained on one is never "
                       "found where another serves it",
                       f"set services[].cluster to the one cluster that runs it{where}, and services[].published "
                       "({url, cidrs, clientIssuer}) so the other clusters reach it")


def _services_used_across_clusters_are_published(check: Checker) -> None:
    """Training and serving everywhere report to the tracking server; a *.svc.cluster.local name
    resolves only in its own cluster, so other clusters need its published endpoint."""
    tracking = [(i, s) for i, s in enumerate(check.data["services"]) if s["kind"] == "tracking"]
    if not tracking:
        return
    local = {s.get("cluster") for _, s in tracking}
    if None in local:
        return  # every cluster runs its own
    users = sorted({e["cluster"] for e in check.data["environments"]} - local)
    if users and not any("published" in s for _, s in tracking):
        i, service = tracking[0]
        check.fail(("services", i, "cluster"),
                   f"tracking server '{service['name']}' runs on cluster '{service['cluster']}' only, but workloads on {', '.join(users)} use it",
                   "add 'published: {url: https://..., cidrs: [...], clientIssuer: ...}' (its endpoint through the gateway)")


def _models_serve_beside_their_tracking_server(check: Checker) -> None:
    """Model servers download from the tracking server through KServe's cluster-wide storage container, which
    cannot carry the client certificate another cluster's published endpoint asks for (mutual TLS)."""
    tracking = [s for s in check.data["services"] if s["kind"] == "tracking"]
    local = {s.get("cluster") for s in tracking}
    if not tracking or None in local:
        return
    env_cluster = {e["name"]: e["cluster"] for e in check.data["environments"]}
    for i, model in enumerate(check.data["models"]):
        remote = sorted({env_cluster[e] for e in model["environments"] if e in env_cluster} - local)
        if remote:
            check.fail(("models", i, "environments"), f"model '{model['name']}' serves on cluster '{remote[0]}', which has no "
                       "tracking server of its own to download it from",
                       f"serve it in an environment of a cluster that runs one ({', '.join(sorted(str(c) for c in local))}), "
                       f"or run the tracking server on '{remote[0]}' (services[].cluster), published to the others",
                       at_key=True)


def _models_on_one_cluster(check: Checker) -> None:
    """A model's base objects are shared by its environments: they must share the cluster's services."""
    known = {c["name"] for c in check.data["clusters"]}
    env_cluster = {e["name"]: e["cluster"] for e in check.data["environments"] if e["cluster"] in known}
    for i, model in enumerate(check.data["models"]):
        clusters = sorted({env_cluster[e] for e in model["environments"] if e in env_cluster})
        if len(clusters) > 1:
            check.fail(("models", i, "environments"), f"model '{model['name']}' runs on several clusters ({', '.join(clusters)})",
                       "declare one model per cluster (a model's serving objects are shared by its environments)", at_key=True)


def _provided_mesh_admits_its_pods(check: Checker) -> None:
    """Team namespaces are enforced Pod Security `restricted`. Without Istio's CNI plugin every meshed pod gets
    `istio-init`, which adds NET_ADMIN and NET_RAW and runs as root: restricted refuses the pod. Without native
    sidecars the proxy starts after the init containers (a model's download cannot pass the mesh) and a step's
    pod never ends while the proxy runs. The tree's own Istio has both; a provided one must say it does.
    (Native sidecars are Istio's default from 1.27 on Kubernetes 1.29+: AKS docs, istio-native-sidecar.)"""
    needs = (("cni", "the provider's Istio runs no CNI plugin, so every meshed pod gets istio-init (NET_ADMIN, NET_RAW, "
                     "root), which Pod Security 'restricted' refuses",
              "enable the provider's Istio CNI (for example AKS's Istio add-on CNI, GKE's managed CNI) and set cni: true"),
             ("nativeSidecars", "the provider's istiod injects the proxy as a plain container: model downloads run before "
                                "it and cannot pass the mesh, and workflow steps never end",
              "enable native sidecars (ENABLE_NATIVE_SIDECARS, the default from Istio 1.27 on Kubernetes 1.29+) and set "
              "nativeSidecars: true"))
    for i, cluster in enumerate(check.data["clusters"]):
        istio = cluster["provided"].get("istio")
        # Every class's pods, and validation's fetch and report steps, which run in the mesh when validation is isolated.
        meshed = sorted({f"{env['name']} ({workload})" for env in check.data["environments"] if env["cluster"] == cluster["name"]
                         for workload, mode in [*env["network"].items(), ("validation's fetch and report",
                                                                         io_mode(env["network"]["validation"]))]
                         if MODES[mode].sidecar})
        if not istio or not meshed:
            continue
        for key, why, hint in needs:
            if not istio[key]:
                check.fail(("clusters", i, "provided", "istio", key),
                           f"cluster '{cluster['name']}' meshes {', '.join(meshed[:3])}{' and more' if len(meshed) > 3 else ''}, "
                           f"but {why}", hint)


def _retraining_runs_beside_a_gpu_pool(check: Checker) -> None:
    """Retraining runs in one of the model's environments (its rollout patches the model there), all on one cluster.
    Its training asks for the team's GPUs, but only a pool on that cluster can give them: without one the step
    would be rendered with no GPU and no pool, and train on CPU in silence."""
    teams = {t["name"]: t for t in check.data["teams"]}
    pools = {p["name"]: p["cluster"] for p in check.data["gpuPools"]}
    known = {c["name"] for c in check.data["clusters"]}
    env_cluster = {e["name"]: e["cluster"] for e in check.data["environments"] if e["cluster"] in known}
    for i, model in enumerate(check.data["models"]):
        team = teams.get(model["team"])
        if not model.get("retraining") or team is None or not team["training"]["gpus"]:
            continue
        team_clusters = {pools[p] for p in team["gpuPools"] if p in pools}
        env = retraining_environment(model, check.data)
        cluster = env_cluster.get(env)
        # A team without pools trains on CPU wherever it trains; unknown names are reported as such.
        if team_clusters and cluster is not None and cluster not in team_clusters:
            check.fail(("models", i, "retraining"), f"retraining of '{model['name']}' runs in '{env}' on cluster '{cluster}', "
                       f"where team '{team['name']}' has no GPU pool: its training asks for {team['training']['gpus']} GPU(s) "
                       "and would run without them",
                       f"add a GPU pool of cluster '{cluster}' to teams[].gpuPools of '{team['name']}', or set "
                       "teams[].training.gpus to 0 to retrain on CPU (retraining runs where the model serves)", at_key=True)


CLUSTER_RULES = (_subnet_needs_calico_ipam, _provided_mesh_admits_its_pods, _tracking_only_settings, _one_environment_per_host,
                 _services_used_across_clusters_are_published, _models_serve_beside_their_tracking_server, _models_on_one_cluster,
                 _one_tracking_server_across_clusters, _retraining_runs_beside_a_gpu_pool)
