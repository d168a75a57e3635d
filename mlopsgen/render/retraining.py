"""The retraining loop of a model: drift check, training, isolated validation, promotion, rollout.

Runs as a CronWorkflow in the environment the spec picks. Training registers a
candidate and outputs its URI; validation (offline, see workflows.py) outputs a
verdict; on `passed`, promotion moves the registry alias the target track serves
(the canary's where the model has one, else the stable one). That step alone holds
the registry-writer credentials (Secret `mlflow-registry-writer`, MLflow's basic
auth), never the validation pod. An alias does not redeploy anything by itself:
model pods resolve it when they start, so the rollout step sets a pod annotation
on that track's object (the runtime says how, catalog/runtimes.py), which rolls
its pods.
"""

from __future__ import annotations

from mlopsgen.catalog import conventions as C
from mlopsgen.catalog import hardening
from mlopsgen.catalog.runtimes import runtime_of
from mlopsgen.platform.model import Environment, Platform
from mlopsgen.platform.model_serving import Model
from mlopsgen.render import labels as L
from mlopsgen.render.jinja import as_manifest
from mlopsgen.render.workflows import orchestrator

REGISTRY_WRITER_SECRET = "mlflow-registry-writer"
_PROMOTE = ("import sys, mlflow; name, alias, uri = sys.argv[1:4]; "
            "version = uri.rsplit('/', 1)[1]; mlflow.MlflowClient().set_registered_model_alias(name, alias, version)")


def promotion_target(model: Model) -> tuple[str, str, str]:
    """(track, registered model, alias) that a promotion moves and rolls."""
    track = "canary" if model.canary else "stable"
    name, alias = (model.canary.source if model.canary else model.source).removeprefix("models:/").split("@", 1)
    return track, name, alias


def _step(name: str, image: str, command: list[str], env: list[dict], labels: dict, tracking: L.TrackingAccess,
          **extra) -> dict:
    return {
        "name": name, "metadata": {"labels": labels}, "serviceAccountName": "training", "automountServiceAccountToken": False,
        "securityContext": hardening.POD_SECURITY_CONTEXT,
        "container": {"image": image, "command": command, "env": env, "resources": hardening.guaranteed("500m", "1Gi"),
                      "securityContext": hardening.CONTAINER_SECURITY_CONTEXT,
                      "volumeMounts": [hardening.SCRATCH_MOUNT, *tracking.mounts], **extra},
        "volumes": [hardening.SCRATCH_VOLUME, *tracking.volumes],
    }


def cron_workflow(platform: Platform, model: Model, env: Environment, labels: dict) -> dict:
    retraining = model.retraining
    assert retraining is not None, "only models with retraining get a CronWorkflow"
    access = L.tracking_access(platform, env.cluster)
    tracking = access.env
    monitoring = [s for s in platform.services_for(env.cluster) if s.kind == "monitoring"]
    drift_env = tracking + ([{"name": "PROMETHEUS_URL", "value": monitoring[0].url}] if monitoring else [])
    image = "{{workflow.parameters.image}}"
    track, registered, alias = promotion_target(model)
    candidate = "{{steps.train.outputs.parameters.candidate}}"
    passed = "{{steps.validate.outputs.parameters.verdict}} == passed"
    drift = "{{steps.drift-check.outputs.parameters.drift}} == true"
    monitor_labels = L.pod_labels(platform, model.team, "monitoring", env.mode("monitoring"))
    drift_check = _step("drift-check", image, ["python", "-m", "drift_check", "--model", model.source,
                        "--threshold", f"{retraining.drift_threshold:g}", "--output", "/tmp/drift"], drift_env, monitor_labels,
                        access)
    drift_check["outputs"] = {"parameters": [{"name": "drift", "valueFrom": {"path": "/tmp/drift"}}]}
    # Promotion is pipeline control, like the drift check: the monitoring class's mode, not training's.
    promote = _step("promote", image, ["python", "-c", _PROMOTE, registered, alias, "{{inputs.parameters.candidate}}"],
                    tracking, monitor_labels, access,
                    envFrom=[{"secretRef": {"name": REGISTRY_WRITER_SECRET, "optional": True}}])
    promote["inputs"] = {"parameters": [{"name": "candidate"}]}
    runtime = runtime_of(model)
    rolled = runtime.rollout(runtime, model, track, {C.MODEL_VERSION: "{{inputs.parameters.candidate}}"})
    resource: dict = {"action": "patch", "mergeStrategy": rolled.strategy, "manifest": as_manifest(rolled.patch)}
    if rolled.flags:
        resource["flags"] = list(rolled.flags)
    rollout = {"name": "rollout", **orchestrator("training"), "inputs": {"parameters": [{"name": "candidate"}]},
               "resource": resource}
    steps = [
        [{"name": "drift-check", "template": "drift-check"}],
        [{"name": "train", "when": drift, "templateRef": {"name": "training", "template": "training"},
          "arguments": {"parameters": [{"name": "image", "value": image}, {"name": "module", "value": "train"}]}}],
        [{"name": "validate", "when": drift, "templateRef": {"name": "validation", "template": "validation"},
          "arguments": {"parameters": [{"name": "image", "value": image}, {"name": "module", "value": "validate"},
                                       {"name": "model", "value": candidate}]}}],
        [{"name": "promote", "when": f"{drift} && {passed}", "template": "promote",
          "arguments": {"parameters": [{"name": "candidate", "value": candidate}]}}],
        [{"name": "rollout", "when": f"{drift} && {passed}", "template": "rollout",
          "arguments": {"parameters": [{"name": "candidate", "value": candidate}]}}],
    ]
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "CronWorkflow",
            "metadata": {"name": f"{model.name}-retrain", "labels": labels},
            "spec": {
                # Argo Workflows v3.6+ takes a list; v4 dropped the singular `schedule`.
                "schedules": [retraining.schedule], "concurrencyPolicy": "Forbid", "startingDeadlineSeconds": 600,
                "workflowSpec": {
                    "entrypoint": "retrain", "serviceAccountName": "training", "automountServiceAccountToken": False,
                    "executor": {"serviceAccountName": "training"},
                    "arguments": {"parameters": [{"name": "image", "value": retraining.image}]},
                    "templates": [{"name": "retrain", "steps": steps}, drift_check, promote, rollout],
                }}}
