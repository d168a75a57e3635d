"""What starts retraining (`models[].retraining.triggers`): each trigger must be able to fire.

A schedule needs its cron expression, and a cron expression needs the schedule trigger (else nothing reads it).
An alert trigger (`drift`, `slo`) is an alert Alertmanager sends to an Argo Events webhook in the namespace where
retraining runs: it needs a Prometheus (with its Alertmanager) on that cluster, `slo` needs SLOs to alert on and
`drift` the model's drift monitor, which raises ModelDriftDetected in each of the model's namespaces.
"""

from __future__ import annotations

from mlopsgen.platform.build import retraining_environment
from mlopsgen.platform.checker import Checker


def _prometheus_on(check: Checker, cluster: str) -> bool:
    declared: dict = next((c for c in check.data["clusters"] if c["name"] == cluster), {})
    installed = any(s["kind"] == "monitoring" and s.get("cluster") in (None, cluster) for s in check.data["services"])
    return installed or "prometheus" in (declared.get("provided") or {})


def _triggers_can_fire(check: Checker) -> None:
    """A schedule trigger has a schedule, a schedule has its trigger, `slo` has SLOs, and an alert trigger has a
    Prometheus and Alertmanager on the cluster where retraining runs: otherwise the trigger never starts a run."""
    env_cluster = {e["name"]: e["cluster"] for e in check.data["environments"]}
    for i, model in enumerate(check.data["models"]):
        retraining = model.get("retraining")
        if not retraining:
            continue
        at = ("models", i, "retraining")
        triggers = retraining.get("triggers") or []
        if "schedule" in triggers and "schedule" not in retraining:
            check.fail(at + ("triggers",), f"retraining of '{model['name']}' is triggered by a schedule, but has none",
                       "add retraining.schedule (e.g. '0 3 * * 1'), or list only alert triggers: triggers: [drift, slo]")
        if "schedule" in retraining and "schedule" not in triggers:
            check.fail(at + ("schedule",), f"retraining of '{model['name']}' has a schedule its triggers do not include: "
                                           "it would never run on it",
                       "add 'schedule' to retraining.triggers, or drop retraining.schedule")
        for j, trigger in enumerate(triggers):
            if trigger == "slo" and not model.get("slos"):
                check.fail(at + ("triggers", j), f"retraining of '{model['name']}' is triggered by an SLO breach, "
                                                 "but the model has no SLOs to alert on",
                           "declare slos (p95LatencyMs, errorRate or minAccuracy) on the model, or drop 'slo'")
            if trigger == "drift" and not (model.get("monitors") or {}).get("drift"):
                check.fail(at + ("triggers", j), f"retraining of '{model['name']}' is triggered by drift, but the model "
                                                 "has no drift monitor: nothing raises ModelDriftDetected",
                           "declare monitors.drift (reference data, metric, threshold) beside payloads, or drop 'drift'")
            if trigger in ("drift", "slo"):
                env = retraining_environment(model, check.data)
                cluster = env_cluster.get(env)
                if cluster is not None and not _prometheus_on(check, cluster):
                    check.fail(at + ("triggers", j), f"retraining of '{model['name']}' is triggered by the '{trigger}' "
                                                     f"alert, but cluster '{cluster}' (environment '{env}') runs no "
                                                     "Prometheus and Alertmanager to send it",
                               f"declare a monitoring service on cluster '{cluster}' or clusters[].provided.prometheus, "
                               "or use triggers: [schedule]")


TRIGGER_RULES = (_triggers_can_fire,)
