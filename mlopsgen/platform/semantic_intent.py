"""Cross-field rules the schema cannot express, each a mistake that renders a tree that breaks in silence:
refused here, at the node that causes it, with the fix in the hint."""

from __future__ import annotations

import calendar
import ipaddress
import re

from mlopsgen.catalog.modes import MODES
from mlopsgen.platform.checker import Checker

# Cron as Argo's CronWorkflow reads it (robfig/cron's standard parser: minute, hour, day of month, month,
# day of week; `*`, lists, ranges, steps; month and weekday names).
_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12), ("day of week", 0, 7))
_NAMES = {3: {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m},
          4: {d.lower(): (i + 1) % 7 for i, d in enumerate(calendar.day_abbr)}}
_TERM = re.compile(r"^(\*|[a-z0-9]+(?:-[a-z0-9]+)?)(?:/([0-9]+))?$")


def _cron_values(expression: str) -> list[set[int]] | str:
    """The values each field takes, or why the expression is not one."""
    fields = expression.split()
    if len(fields) != 5:
        return "a cron schedule has 5 fields"
    out = []
    for i, (text, (name, low, high)) in enumerate(zip(fields, _FIELDS, strict=True)):
        values: set[int] = set()
        for term in text.lower().split(","):
            match = _TERM.match(term)
            if not match:
                return f"'{term}' is not a {name}"
            span, step = match.group(1), int(match.group(2) or 1)
            try:
                first, _, last = span.partition("-")
                start = low if span == "*" else _NAMES.get(i, {}).get(first, None)
                start = int(first) if start is None else start
                end = high if span == "*" else (_NAMES.get(i, {}).get(last) if last else start)
                end = int(last) if end is None else end
            except ValueError:
                return f"'{term}' is not a {name}"
            if not (low <= start <= high and low <= end <= high) or start > end or step == 0:
                return f"'{term}' is outside the {name}'s {low}-{high}"
            values |= set(range(start, end + 1, step))
        out.append(values)
    return out


def cron_problem(expression: str) -> str | None:
    """Why the schedule never fires, or is not one; None when it fires."""
    values = _cron_values(expression)
    if isinstance(values, str):
        return values
    days, months = values[2], values[3]
    # With a day-of-week field too, cron fires when either matches; alone, the day of month must exist.
    if expression.split()[4] == "*" and min(days) > max(calendar.monthrange(2024, m)[1] for m in months):
        return f"day {min(days)} never comes in {', '.join(calendar.month_abbr[m] for m in sorted(months))}"
    return None


def _schedules_fire(check: Checker) -> None:
    """A retraining schedule is a cron expression as Argo reads it, and it fires: one that never fires (31
    February) would never retrain."""
    for i, model in enumerate(check.data["models"]):
        schedule = (model.get("retraining") or {}).get("schedule")
        if isinstance(schedule, str) and (why := cron_problem(schedule)):
            check.fail(("models", i, "retraining", "schedule"), f"the retraining schedule '{schedule}' never fires: {why}",
                       "write five fields: minute hour day-of-month month day-of-week, e.g. 0 3 * * 1 (03:00 on Mondays)")


def _routes_unique(check: Checker) -> None:
    """One host and path per environment: the gateway would route both models' requests to one of them."""
    seen: dict[tuple[str, str, str], str] = {}
    for i, model in enumerate(check.data["models"]):
        exposure = model.get("exposure")
        if not exposure:
            continue
        for env, placement in sorted((model.get("environments") or {}).items()):
            host = (placement or {}).get("host") or exposure["host"]
            for path in exposure.get("paths") or ["/"]:
                key = (env, host, path.rstrip("/") or "/")
                if key in seen:
                    check.fail(("models", i, "exposure", "paths"), f"'{host}{path}' in '{env}' is already {seen[key]}'s route",
                               "give each model its own host or path in an environment")
                else:
                    seen[key] = model["name"]


def _registered_name(source: str) -> str | None:
    """`models:/<name>/<version>` or `models:/<name>@<alias>`: the registered model's name."""
    if not source.startswith("models:/"):
        return None
    return re.split(r"[/@]", source[len("models:/"):], maxsplit=1)[0]


def _canary_is_the_same_model(check: Checker) -> None:
    """A canary serves a version of the same registered model: traffic split between two different models is
    no canary."""
    for i, model in enumerate(check.data["models"]):
        canary = model.get("canary")
        if not canary:
            continue
        own, other = _registered_name(model["source"]), _registered_name(canary["source"])
        if own and other and own != other:
            check.fail(("models", i, "canary", "source"), f"the canary serves registered model '{other}', not '{own}'",
                       f"point the canary at a version or alias of {own} (models:/{own}@challenger)")


def _networks(values: list[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    out = []
    for value in values:
        try:
            out.append(ipaddress.ip_network(value, strict=False))
        except ValueError:
            continue  # reported by the CIDR check
    return out


def _reach_stays_out_of_the_cluster(check: Checker) -> None:
    """A segment or an external range that covers the API server (or all addresses) gives every pod of the
    classes that reach it the cluster's control plane: refused, never opened in silence."""
    api = {c["name"]: _networks((c.get("apiServer") or {}).get("cidrs") or []) for c in check.data["clusters"]}
    for i, env in enumerate(check.data["environments"]):
        segment = _networks([env["segment"]["cidr"]]) if env.get("segment") else []
        for network in segment:
            hit = next((a for a in api.get(env["cluster"], []) if network.overlaps(a)), None)
            if hit:
                check.fail(("environments", i, "segment", "cidr"), f"segment {network} covers the API server {hit}",
                           "the segment is for the environment's hosts; the API server is reached through apiServer")
    for i, external in enumerate(check.data.get("externals") or []):
        for j, network in enumerate(_networks([str(c) for c in external.get("cidrs") or []])):
            where = ("externals", i, "cidrs", j)
            if network.prefixlen == 0:
                check.fail(where, f"{network} is every address: '{external['name']}' would open all egress",
                           "list the provider's published ranges for the host")
                continue
            hit = next((a for nets in api.values() for a in nets if network.overlaps(a)), None)
            if hit:
                check.fail(where, f"{network} of '{external['name']}' covers the API server {hit}",
                           "list only the provider's ranges; workflow pods reach the API server through apiServer")


def _published_needs_a_cluster(check: Checker) -> None:
    """A published service runs on one cluster (`cluster`): a published address must lead somewhere."""
    for i, service in enumerate(check.data["services"]):
        if service.get("published") and not service.get("cluster"):
            check.fail(("services", i, "published"), f"'{service['name']}' is published but runs on no single cluster",
                       "set services[].cluster to the cluster that serves it; the others reach it at the published URL")


def _slos_need_monitoring(check: Checker) -> None:
    """SLO alerts need a monitoring service: without Prometheus no rule is ever evaluated."""
    if any(s["kind"] == "monitoring" for s in check.data["services"]):
        return
    for i, model in enumerate(check.data["models"]):
        if model.get("slos"):
            check.fail(("models", i, "slos"), f"'{model['name']}' has SLO alerts and no Prometheus evaluates them",
                       "declare the monitoring service (kind: monitoring), or drop slos")


def _externals_for_classes_that_reach(check: Checker) -> None:
    """An external for classes that are isolated in every environment opens nothing: a mistake in `for`."""
    envs = check.data["environments"]
    for i, external in enumerate(check.data.get("externals") or []):
        classes = external.get("for") or []
        if classes and envs and all(MODES[env["network"][c]].isolated for env in envs for c in classes if c in env["network"]):
            check.fail(("externals", i, "for"), f"'{external['name']}' is for {', '.join(classes)}, isolated ('none') in every environment",
                       "name a class that may reach it, or drop the external")


def _models_are_monitored(check: Checker) -> None:
    """Every model's objects include a ServiceMonitor: on a cluster with no Prometheus (installed for a
    monitoring service, or provided) its CRD is missing, and the team's Application fails its dry run
    whole, Namespace, default deny and quota included."""
    clusters = {c["name"]: c for c in check.data["clusters"]}
    envs = {e["name"]: e["cluster"] for e in check.data["environments"]}
    monitored = {name for name, c in clusters.items() if "prometheus" in (c.get("provided") or {})}  # declared by {}
    for service in check.data["services"]:
        if service["kind"] == "monitoring":
            monitored |= {service["cluster"]} if service.get("cluster") else set(clusters)
    for i, model in enumerate(check.data["models"]):
        for env in sorted(model.get("environments") or {}):
            cluster = envs.get(env)
            if cluster in clusters and cluster not in monitored:  # an unknown cluster is reported as such
                check.fail(("models", i, "environments", env), f"'{model['name']}' serves on cluster '{cluster}', where no "
                           "Prometheus runs: its ServiceMonitor has no CRD and the team's Application would not sync",
                           f"declare a monitoring service (kind: monitoring) for '{cluster}', or mark Prometheus provided "
                           "under the cluster's provided")
                break


def _clusters_declare_their_api_server(check: Checker) -> None:
    """Every environment's team runs Argo workflow steps, whose wait container reports to the API server: with no
    address declared, no policy can let it through and every step hangs (Argo Workflows reports step results through the API)."""
    hosting = {e["cluster"] for e in check.data["environments"]}
    for i, cluster in enumerate(check.data["clusters"]):
        if cluster["name"] in hosting and not cluster.get("apiServer"):
            check.fail(("clusters", i), f"cluster '{cluster['name']}' hosts environments but declares no apiServer: no "
                       "workflow step can report to the API server, so every Argo step hangs",
                       "add clusters[].apiServer with the control plane's cidrs (and port, 443 by default): "
                       "`kubectl get endpoints kubernetes -n default` lists them")


INTENT_RULES = (_clusters_declare_their_api_server, _models_are_monitored, _schedules_fire, _routes_unique, _canary_is_the_same_model,
                _reach_stays_out_of_the_cluster,
                _published_needs_a_cluster, _slos_need_monitoring, _externals_for_classes_that_reach)
