"""Checks the schema cannot express: uniqueness, references, value ranges.

Runs on a document that already passed the schema, so shapes are known; each
check yields located problems, and all of them are reported together.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from mlopsgen.catalog import conventions as C
from mlopsgen.catalog.modes import MODES
from mlopsgen.errors import Problem
from mlopsgen.kube.quantities import quantity
from mlopsgen.platform.checker import Checker
from mlopsgen.platform.loader import Document
from mlopsgen.platform.semantic_capacity import CAPACITY_RULES
from mlopsgen.platform.semantic_clusters import CLUSTER_RULES
from mlopsgen.platform.semantic_feature_store import FEATURE_STORE_RULES
from mlopsgen.platform.semantic_intent import INTENT_RULES
from mlopsgen.platform.semantic_logs import LOGS_RULES
from mlopsgen.platform.semantic_names import NAME_RULES
from mlopsgen.platform.semantic_payloads import PAYLOAD_RULES
from mlopsgen.platform.semantic_promotion import PROMOTION_RULES
from mlopsgen.platform.semantic_queues import QUEUE_RULES
from mlopsgen.platform.semantic_triggers import TRIGGER_RULES
from mlopsgen.platform.semantic_values import VALUE_RULES

MAX_NAMESPACE = 63


def semantic_problems(doc: Document) -> list[Problem]:
    check = Checker(doc)
    for rule in rules():
        rule(check)
    if not check.problems:  # capacity arithmetic needs valid quantities and references
        for rule in CAPACITY_RULES:
            rule(check)
    return check.problems


def rules() -> tuple[Callable[[Checker], None], ...]:
    """Every cross-field rule but capacity, in the order they run; each one's docstring says what it refuses."""
    return (_unique_names, _environments, _gpu_pools, _services, _teams, _models, *CLUSTER_RULES, *NAME_RULES, *VALUE_RULES,
            *INTENT_RULES, *TRIGGER_RULES, *LOGS_RULES, *QUEUE_RULES, *PAYLOAD_RULES, *FEATURE_STORE_RULES,
            *PROMOTION_RULES)


def _unique_names(check: Checker) -> None:
    """Clusters, environments, GPU pools, services, teams and models each have unique names: every derived
    object (namespace, Application, pool label) is named after them, so a second one would overwrite the first
    in the tree."""
    for section in ("clusters", "environments", "gpuPools", "services", "teams", "models"):
        seen: dict[str, int] = {}
        for i, item in enumerate(check.data.get(section, [])):
            name = item["name"]
            if name in seen:
                first = check.doc.locate((section, seen[name], "name"))
                check.fail((section, i, "name"), f"duplicate {section} name '{name}'", f"first used at line {first.line}")
            else:
                seen[name] = i


def _environments(check: Checker) -> None:
    """An environment's cluster is declared; each class's network mode is one that class may use, with what
    the mode needs: a hostNetworkJustification for host networking, a GPU pool on the cluster for pool-pinned
    modes, never host networking on a `serving` cluster, and a private IPv4 `segment` (no host bits) for
    subnet modes."""
    pools_by_cluster: dict[str, list[str]] = {}
    for pool in check.data["gpuPools"]:
        pools_by_cluster.setdefault(pool["cluster"], []).append(pool["name"])
    roles = {cluster["name"]: cluster["role"] for cluster in check.data["clusters"]}
    for i, env in enumerate(check.data["environments"]):
        base = ("environments", i)
        check.reference(base + ("cluster",), env["cluster"], "clusters", "cluster")
        for workload in C.WORKLOAD_CLASSES:
            _mode_rules(check, base, env, workload, pools_by_cluster, roles)
        needing = [w for w in C.WORKLOAD_CLASSES if MODES[env["network"][w]].needs_segment]
        if needing and "segment" not in env:  # once, at the first class that needs it
            name = env["network"][needing[0]]
            check.fail(base + ("network", needing[0]), f"network mode '{name}' needs a segment",
                       "add 'segment: {cidr: 10.x.0.0/16}' to the environment")
        if "segment" in env:
            _cidr(check, base + ("segment", "cidr"), env["segment"]["cidr"])


def _mode_rules(check: Checker, base: tuple, env: dict, workload: str,
                pools_by_cluster: dict[str, list[str]], roles: dict[str, str]) -> None:
    """What the chosen mode of one workload class requires of the environment."""
    name = env["network"][workload]
    mode = MODES[name]
    where = base + ("network", workload)
    if workload not in mode.classes:
        allowed = ", ".join(sorted(mode.classes))
        others = ", ".join(f"'{m.name}'" for m in MODES.values() if workload in m.classes)
        why = f": {mode.why_these_classes}" if mode.why_these_classes else ""
        check.fail(where, f"network mode '{name}' is not allowed for {workload}",
                   f"use one of {others}; '{name}' is only for {allowed}{why}")
        return
    if mode.needs_justification and "hostNetworkJustification" not in env:
        check.fail(where, f"network mode '{name}' for {workload} needs a hostNetworkJustification",
                   "add 'hostNetworkJustification:' to the environment saying why (e.g. NCCL over RDMA)")
    if mode.needs_gpu_pool and not pools_by_cluster.get(env["cluster"]):
        check.fail(where, f"network mode '{name}' for {workload} needs a GPU pool on cluster '{env['cluster']}'",
                   "declare a pool under 'gpuPools' for this cluster, or use 'internal'")
    if mode.host_network and roles.get(env["cluster"]) == "serving":
        check.fail(where, f"cluster '{env['cluster']}' has role 'serving': {workload} may not use the host network there",
                   "run host-network training on a cluster with role 'training' or 'shared'")


def _cidr(check: Checker, path, value: str) -> None:
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        check.fail(path, f"'{value}' is not a valid CIDR", "write an address and prefix length, e.g. 10.42.0.0/16")
        return
    if str(network) != value:
        check.fail(path, f"'{value}' has host bits set", f"did you mean '{network}'?")
    elif network.version != 4:
        check.fail(path, f"'{value}' is not an IPv4 CIDR", "Calico IP pools for segments are IPv4 here")


def _gpu_pools(check: Checker) -> None:
    """A GPU pool's cluster is declared."""
    for i, pool in enumerate(check.data["gpuPools"]):
        check.reference(("gpuPools", i, "cluster"), pool["cluster"], "clusters", "cluster")


def _services(check: Checker) -> None:
    """A service's `cluster`, where given, is declared."""
    for i, service in enumerate(check.data["services"]):
        if "cluster" in service:
            check.reference(("services", i, "cluster"), service["cluster"], "clusters", "cluster")


def _quantity(check: Checker, path, value) -> None:
    try:
        amount = None if isinstance(value, bool) else quantity(value)
    except ValueError:
        amount = None
    if amount is None:
        check.fail(path, f"'{value}' is not a valid Kubernetes quantity", "write e.g. 500m or 2 for cpu, 512Mi or 16Gi for memory")
    elif amount == 0:
        check.fail(path, f"quantity '{value}' must be greater than zero", "")


def _teams(check: Checker) -> None:
    """A team's pools are declared and its quotas name declared environments; the namespace
    `<team>-<environment>` fits Kubernetes' 63 characters; quantities are valid and above zero; a GPU quota
    needs a GPU pool, and training in a pool-pinned mode needs one of the team's pools on the environment's
    cluster."""
    environments = check.names("environments")
    pools = {pool["name"]: pool for pool in check.data["gpuPools"]}
    envs = {env["name"]: env for env in check.data["environments"]}
    for i, team in enumerate(check.data["teams"]):
        base = ("teams", i)
        for j, pool in enumerate(team["gpuPools"]):
            check.reference(base + ("gpuPools", j), pool, "gpuPools", "GPU pool")
        for env_name, quota in team["quotas"].items():
            qpath = base + ("quotas", env_name)
            if env_name not in environments:
                check.fail(qpath, f"unknown environment '{env_name}'", f"declared environments: {', '.join(sorted(environments))}", at_key=True)
                continue
            namespace = C.namespace(team["name"], env_name)
            if len(namespace) > MAX_NAMESPACE:
                check.fail(qpath, f"namespace '{namespace}' is longer than {MAX_NAMESPACE} characters", "shorten the team or environment name", at_key=True)
            _quantity(check, qpath + ("cpu",), quota["cpu"])
            _quantity(check, qpath + ("memory",), quota["memory"])
            if quota["gpu"] > 0 and not team["gpuPools"]:
                check.fail(qpath + ("gpu",), "GPU quota without a GPU pool", "list the team's pools under 'gpuPools'")
            env = envs[env_name]
            mode = MODES[env["network"]["training"]]
            if mode.needs_gpu_pool:
                on_cluster = [p for p in team["gpuPools"] if pools.get(p, {}).get("cluster") == env["cluster"]]
                if not on_cluster:
                    check.fail(
                        qpath,
                        f"training in '{env_name}' uses network mode '{mode.name}' but team '{team['name']}' has no GPU pool on cluster '{env['cluster']}'",
                        f"'{mode.name}' training is pinned to a GPU pool; add one to the team's gpuPools",
                        at_key=True,
                    )


def _models(check: Checker) -> None:
    """A model's team, pool, environments and callers are declared; its pool belongs to its team and sits on
    each environment's cluster; it serves only where inference can serve models and never on a `training`
    cluster; GPUs need a pool; canary weights are 0-100 and need a canary; maxReplicas is at least replicas;
    minAccuracy names the metric it reads; retraining promotes into a track served from a registry alias, in
    an environment the model runs in."""
    teams = {team["name"]: team for team in check.data["teams"]}
    pools = {pool["name"]: pool for pool in check.data["gpuPools"]}
    envs = {env["name"]: env for env in check.data["environments"]}
    roles = {cluster["name"]: cluster["role"] for cluster in check.data["clusters"]}
    for i, model in enumerate(check.data["models"]):
        base = ("models", i)
        team = teams.get(model["team"])
        if not check.reference(base + ("team",), model["team"], "teams", "team"):
            team = None
        resources = model["resources"]
        _quantity(check, base + ("resources", "cpu"), resources["cpu"])
        _quantity(check, base + ("resources", "memory"), resources["memory"])
        pool_name = model.get("gpuPool")
        if resources["gpus"] > 0 and not pool_name:
            check.fail(base + ("resources", "gpus"), "GPUs requested without a gpuPool", "add 'gpuPool:' to the model")
        known_pool = pool_name and check.reference(base + ("gpuPool",), pool_name, "gpuPools", "GPU pool")
        if known_pool and team and pool_name not in team["gpuPools"]:
            check.fail(base + ("gpuPool",), f"team '{team['name']}' may not use GPU pool '{pool_name}'", "add the pool to the team's gpuPools")
        for env_name, settings in model["environments"].items():
            epath = base + ("environments", env_name)
            if env_name not in envs:
                check.fail(epath, f"unknown environment '{env_name}'", f"declared environments: {', '.join(sorted(envs))}", at_key=True)
                continue
            if team and env_name not in team["quotas"]:
                check.fail(epath, f"team '{team['name']}' has no quota in environment '{env_name}'", "add the environment to the team's quotas", at_key=True)
            cluster = envs[env_name]["cluster"]
            if pool_name in pools and pools[pool_name]["cluster"] != cluster:
                check.fail(epath, f"GPU pool '{pool_name}' is not on cluster '{cluster}' of environment '{env_name}'",
                           "serve from a pool on the environment's cluster", at_key=True)
            inference = MODES[envs[env_name]["network"]["inference"]]
            # A mode inference may not use at all is reported on the environment itself.
            if "inference" in inference.classes and not inference.serves_models:
                serving = ", ".join(f"'{m.name}'" for m in MODES.values() if m.serves_models)
                check.fail(
                    epath,
                    f"model serving needs an inference mode that serves models ({serving}) in '{env_name}', not '{inference.name}'",
                    "models are reached through the mesh and the ingress gateway; serve from an environment whose inference class is internal",
                    at_key=True,
                )
            if roles.get(envs[env_name]["cluster"]) == "training":
                check.fail(
                    epath,
                    f"environment '{env_name}' is on cluster '{envs[env_name]['cluster']}', whose role is 'training'",
                    "serve models from a cluster with role 'serving' or 'shared'",
                    at_key=True,
                )
            weight = settings.get("canaryWeight")
            if weight is not None:
                if model.get("canary") is None:
                    check.fail(epath + ("canaryWeight",), "canaryWeight without a canary", "add 'canary:' to the model")
                elif not 0 <= weight <= 100:
                    check.fail(epath + ("canaryWeight",), f"canary weight {weight} is outside 0-100", "give the percent of traffic for the candidate")
            scaling = settings.get("autoscaling")
            if scaling and scaling["maxReplicas"] < settings["replicas"]:
                check.fail(epath + ("autoscaling", "maxReplicas"), "maxReplicas is below replicas", "raise maxReplicas or lower replicas")
        slos = model.get("slos", {})
        if "minAccuracy" in slos and "accuracyMetric" not in slos and "accuracy" not in model.get("monitors", {}):
            check.fail(base + ("slos", "minAccuracy"), "minAccuracy needs accuracy measured: a metric the model server exports, "
                       "or the accuracy monitor", "add monitors.accuracy (accuracy from delayed labels) or accuracyMetric; "
                       "an alert on a metric nothing exports never fires")
        canary = model.get("canary")
        if canary is not None and not 0 <= canary["weight"] <= 100:
            check.fail(base + ("canary", "weight"), f"canary weight {canary['weight']} is outside 0-100", "give the percent of traffic for the candidate")
        for j, caller in enumerate(model["callers"]):
            check.reference(base + ("callers", j), caller, "teams", "team")
        retraining = model.get("retraining", {})
        if retraining:
            target = model.get("canary", {}).get("source") or model["source"]
            if "@" not in target:
                track = "canary" if model.get("canary") else "stable"
                check.fail(base + ("retraining",),
                           f"retraining promotes into the {track} track, which must serve a registry alias (models:/name@alias)",
                           f"serve the {track} track from an alias, e.g. models:/{model['name']}@challenger; promotion moves it and rolls the pods",
                           at_key=True)
        if "environment" in retraining and retraining["environment"] not in model["environments"]:
            check.fail(
                base + ("retraining", "environment"),
                f"model '{model['name']}' does not run in environment '{retraining['environment']}'",
                f"choose one of: {', '.join(model['environments'])}",
            )
