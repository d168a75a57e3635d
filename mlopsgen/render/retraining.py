"""The retraining loop of a model: drift check, data validation, training, isolated validation, promotion, rollout.

One WorkflowTemplate `<model>-retrain` in the environment the spec picks, started by what the spec's triggers
say: a CronWorkflow that references it (a schedule), a Sensor that creates a Workflow from it (an alert, see
retraining_triggers.py). A run started by an alert retrains whatever the drift check says; a scheduled one only
on drift. The new data is validated first, offline like the candidate (the validation template with the
`validate_data` module): a failed check fails the Job, so the workflow. Training registers a
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
from mlopsgen.render.workflows import WORKDIR_SIZE, orchestrator

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


def rollout_step(model: Model, track: str) -> dict:
    """The step that rolls the track's pods to the version its input `candidate` names (a models:/ URI): the pod
    annotation C.MODEL_VERSION, set as the runtime says. Retraining and a registry promotion both end with it."""
    runtime = runtime_of(model)
    rolled = runtime.rollout(runtime, model, track, {C.MODEL_VERSION: "{{inputs.parameters.candidate}}"})
    resource: dict = {"action": "patch", "mergeStrategy": rolled.strategy, "manifest": as_manifest(rolled.patch)}
    if rolled.flags:
        resource["flags"] = list(rolled.flags)
    return {"name": "rollout", **orchestrator("training"), "inputs": {"parameters": [{"name": "candidate"}]},
            "resource": resource}


def retrain_template_name(model: Model) -> str:
    return f"{model.name}-retrain"


def cron_workflow(model: Model, labels: dict) -> dict:
    """The schedule: a Workflow from the model's retraining template, one at a time."""
    retraining = model.retraining
    assert retraining is not None and retraining.schedule, "only scheduled retraining gets a CronWorkflow"
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "CronWorkflow",
            "metadata": {"name": retrain_template_name(model), "labels": labels},
            "spec": {
                # Argo Workflows v3.6+ takes a list; v4 dropped the singular `schedule`.
                "schedules": [retraining.schedule], "concurrencyPolicy": "Forbid", "startingDeadlineSeconds": 600,
                "workflowSpec": {"workflowTemplateRef": {"name": retrain_template_name(model)}}}}


def retrain_template(platform: Platform, model: Model, env: Environment, labels: dict) -> dict:
    retraining = model.retraining
    assert retraining is not None, "only models with retraining get a retraining template"
    access = L.tracking_access(platform, env.cluster)
    tracking = access.env
    monitoring = [s for s in platform.services_for(env.cluster) if s.kind == "monitoring"]
    drift_env = tracking + ([{"name": "PROMETHEUS_URL", "value": monitoring[0].url}] if monitoring else [])
    image = "{{workflow.parameters.image}}"
    track, registered, alias = promotion_target(model)
    candidate = "{{steps.train.outputs.parameters.candidate}}"
    passed = "{{steps.validate.outputs.parameters.verdict}} == passed"
    # An alert (the Sensor sets `alertname`) is reason enough to retrain; a scheduled run retrains on drift only.
    drift = "({{steps.drift-check.outputs.parameters.drift}} == true || '{{workflow.parameters.alertname}}' != '')"
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
    rollout = rollout_step(model, track)
    steps = [
        [{"name": "drift-check", "template": "drift-check"}],
        # Bad data fails the isolated Job, so the workflow: nothing trains on it.
        [{"name": "validate-data", "when": drift, "templateRef": {"name": "validation", "template": "validation"},
          "arguments": {"parameters": [{"name": "image", "value": image}, {"name": "module", "value": "validate_data"},
                                       {"name": "model", "value": model.source}]}}],
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
    parameters = [{"name": "image", "value": retraining.image},
                  {"name": "model", "value": model.name, "description": "The model the run retrains (an alert's model label)."},
                  {"name": "alertname", "value": "", "description": "The alert that started the run; empty on a schedule."}]
    # The validation steps read the workflow's volume `{{workflow.name}}-workdir` (workflows.py): a WorkflowTemplate
    # referenced step by step brings its templates, not its volumeClaimTemplates, so the run declares it.
    claim = {"metadata": {"name": "workdir"},
             "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": WORKDIR_SIZE}}}}
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "WorkflowTemplate",
            "metadata": {"name": retrain_template_name(model), "labels": labels},
            "spec": {
                "entrypoint": "retrain", "serviceAccountName": "training", "automountServiceAccountToken": False,
                "executor": {"serviceAccountName": "training"},
                "arguments": {"parameters": parameters},
                "volumeClaimTemplates": [claim],
                "templates": [{"name": "retrain", "steps": steps}, drift_check, promote, rollout],
            }}
