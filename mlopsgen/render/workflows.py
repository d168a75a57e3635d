"""Argo Workflows of a team environment: training, and validation that is truly offline.

Rendered per overlay, with the environment's network modes and GPU pool in place.
Every step pod gets what Argo's executor needs to finish (argo docs "Workflow RBAC",
"Service Account Secrets"): a token Secret named `<account>.service-account-token`
(automount stays off and Kubernetes no longer creates such Secrets), a Role to
create and patch WorkflowTaskResults, and egress to the API server.

Isolated validation cannot be an ordinary step: Argo's wait container needs the API
server, and a `none` pod has no network. So validation is three steps on one volume:
`fetch` (in the mesh) downloads the candidate and its data from MLflow, `validate`
creates a Job whose pod has no network, no token and no sidecar and reads only the
volume, and `report` logs the Job's verdict back to MLflow.
"""

from __future__ import annotations

from dataclasses import dataclass

from mlopsgen.catalog import conventions as C
from mlopsgen.catalog import hardening
from mlopsgen.catalog.modes import HOST_NOTE, MODES, io_mode
from mlopsgen.catalog.runtimes import runtime_of
from mlopsgen.platform.model import Environment, Platform, Team
from mlopsgen.platform.queues import training_queue
from mlopsgen.render import labels as L
from mlopsgen.render.feature_store_access import feature_store_env
from mlopsgen.render.jinja import as_manifest

WORKFLOW_ACCOUNTS = ("training", "validation")  # service accounts Argo runs steps (and its executor) as
WORKDIR = "/work"
WORKDIR_SIZE = "10Gi"


def param(name: str) -> str:
    return "{{inputs.parameters." + name + "}}"


INPUTS = [{"name": "image"}, {"name": "module"}]


def passed_on(*names: str) -> dict:
    """Arguments that hand a template's own inputs down to a step."""
    return {"parameters": [{"name": n, "value": param(n)} for n in names]}


@dataclass(frozen=True)
class StepContext:
    platform: Platform
    team: Team
    env: Environment

    def tracking(self) -> L.TrackingAccess:
        return L.tracking_access(self.platform, self.env.cluster)


def orchestrator(account: str) -> dict:
    """What an Argo resource step's pod (argoexec alone, talking to the API server) runs with:
    held to `restricted` at the pod level too (the mesh's injected containers set no seccomp), no sidecar."""
    return {"serviceAccountName": account, "automountServiceAccountToken": False,
            "metadata": {"labels": {C.SIDECAR_INJECT: "false"}}, "securityContext": hardening.POD_SECURITY_CONTEXT}


def _container(image: str, command: list[str], resources: dict, env: list[dict], mounts: list[dict]) -> dict:
    container = {"image": image, "command": command, "resources": resources,
                 "securityContext": hardening.CONTAINER_SECURITY_CONTEXT, "volumeMounts": mounts}
    if env:
        container["env"] = env
    return container


def _scheduling(ctx: StepContext) -> tuple[dict, int]:
    """Node selector and tolerations of the team's GPU pool on this cluster, and the GPUs to ask for."""
    pools = ctx.platform.team_pools_on(ctx.team, ctx.env.cluster)
    if not pools or not ctx.team.training.gpus:
        return {}, 0
    pool = pools[0]
    return {"nodeSelector": dict(pool.node_labels), "tolerations": [L.toleration(t) for t in pool.taints]}, ctx.team.training.gpus


def _queue(ctx: StepContext) -> dict:
    """On a queued pool, the step's pod waits in its team's LocalQueue: Kueue's pod integration gates every pod
    labelled so until its ClusterQueue admits it (Kueue's documentation, "Run Argo Workflows": the label goes on
    the template's metadata). Only this step is: resource and validation steps ask no GPU and are not queued."""
    queue = training_queue(ctx.platform, ctx.team, ctx.env.cluster)
    return {C.KUEUE_QUEUE_LABEL: queue} if queue else {}


def training_template(ctx: StepContext) -> dict:
    mode = ctx.env.mode("training")
    scheduling, gpus = _scheduling(ctx)
    tracking = ctx.tracking()
    step: dict = {
        "name": "training",
        "inputs": {"parameters": INPUTS},
        # The run writes the URI of the model version it registered here (retraining validates it next).
        "outputs": {"parameters": [{"name": "candidate", "valueFrom": {"path": "/tmp/candidate", "default": ""}}]},
        "metadata": {"labels": {**L.pod_labels(ctx.platform, ctx.team.name, "training", mode), **_queue(ctx)}},
        "serviceAccountName": "training",
        "automountServiceAccountToken": False,
        "securityContext": hardening.POD_SECURITY_CONTEXT,
        "container": _container(param("image"), ["python", "-m", param("module")],
                                hardening.guaranteed(ctx.team.training.cpu, ctx.team.training.memory, gpus),
                                tracking.env + feature_store_env(ctx.platform, ctx.env.cluster),
                                [hardening.SCRATCH_MOUNT, *tracking.mounts]),
        "volumes": [hardening.SCRATCH_VOLUME, *tracking.volumes],
        **scheduling,
    }
    if MODES[mode].host_network:
        # hostNetwork is a pod field Argo's templates have no key for: patch the pod spec.
        step["podSpecPatch"] = '{"dnsPolicy": "ClusterFirstWithHostNet", "hostNetwork": true}'
        step["metadata"]["annotations"] = {C.NETWORK_NOTE: HOST_NOTE, C.HOST_JUSTIFICATION: ctx.env.host_justification}
    return _workflow_template(ctx, "training", "train", [step])


def _isolated_job(ctx: StepContext) -> str:
    """The Job the validate step creates: no network (its mode's policies), no token, no sidecar."""
    mode = ctx.env.mode("validation")
    labels = L.pod_labels(ctx.platform, ctx.team.name, "validation", mode)
    job = {
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"generateName": "validation-", "labels": labels},
        "spec": {"backoffLimit": 0, "ttlSecondsAfterFinished": 3600, "template": {
            "metadata": {"labels": labels},
            "spec": {
                "restartPolicy": "Never", "serviceAccountName": "validation", "automountServiceAccountToken": False,
                "enableServiceLinks": False, "securityContext": hardening.POD_SECURITY_CONTEXT,
                "containers": [{"name": "validate", **_container(
                    param("image"), ["python", "-m", param("module"), "--workdir", WORKDIR],
                    hardening.guaranteed("1", "4Gi"), [],
                    [{"name": "workdir", "mountPath": WORKDIR}, hardening.SCRATCH_MOUNT])}],
                "volumes": [{"name": "workdir", "persistentVolumeClaim": {"claimName": "{{workflow.name}}-workdir"}},
                            hardening.SCRATCH_VOLUME],
            }}},
    }
    return as_manifest(job)


def _io_step(ctx: StepContext, name: str, command: list[str], inputs: list[dict]) -> dict:
    tracking = ctx.tracking()
    return {
        "name": name,
        "inputs": {"parameters": inputs},
        "metadata": {"labels": L.pod_labels(ctx.platform, ctx.team.name, "validation", io_mode(ctx.env.mode("validation")))},
        "serviceAccountName": "validation",
        "automountServiceAccountToken": False,
        "securityContext": hardening.POD_SECURITY_CONTEXT,
        "container": _container(param("image"), command, hardening.guaranteed("500m", "1Gi"), tracking.env,
                                [{"name": "workdir", "mountPath": WORKDIR}, hardening.SCRATCH_MOUNT, *tracking.mounts]),
        "volumes": [hardening.SCRATCH_VOLUME, *tracking.volumes],
    }


def validation_template(ctx: StepContext) -> dict:
    module = param("module")
    steps = {
        "name": "validation",
        "inputs": {"parameters": [*INPUTS, {"name": "model"}]},
        "steps": [
            [{"name": "fetch", "template": "fetch", "arguments": passed_on("image", "module", "model")}],
            [{"name": "validate", "template": "validate", "arguments": passed_on("image", "module")}],
            [{"name": "report", "template": "report", "arguments": passed_on("image", "module")}],
        ],
        "outputs": {"parameters": [{"name": "verdict", "valueFrom": {"parameter": "{{steps.report.outputs.parameters.verdict}}"}}]},
    }
    validate = {
        "name": "validate",
        "inputs": {"parameters": INPUTS},
        **orchestrator("validation"),
        "resource": {"action": "create", "setOwnerReference": True, "manifest": _isolated_job(ctx),
                     "successCondition": "status.succeeded > 0", "failureCondition": "status.failed > 0"},
    }
    report = _io_step(ctx, "report", ["python", "-m", module, "--report", "--workdir", WORKDIR, "--verdict", "/tmp/verdict"],
                      INPUTS)
    report["outputs"] = {"parameters": [{"name": "verdict", "valueFrom": {"path": "/tmp/verdict"}}]}  # passed or failed
    templates = [
        steps,
        _io_step(ctx, "fetch", ["python", "-m", module, "--fetch", param("model"), "--workdir", WORKDIR],
                 [*INPUTS, {"name": "model"}]),
        validate,
        report,
    ]
    claim = {"metadata": {"name": "workdir"},
             "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": WORKDIR_SIZE}}}}
    return _workflow_template(ctx, "validation", "validate", templates, extra_parameters=[
        {"name": "model", "description": "Registry URI of the candidate, e.g. models:/name/13."}], claims=[claim])


def _workflow_template(ctx: StepContext, name: str, module: str, templates: list[dict],
                       extra_parameters: list[dict] | None = None, claims: list[dict] | None = None) -> dict:
    spec: dict = {
        "entrypoint": name,
        "serviceAccountName": name,
        "automountServiceAccountToken": False,
        "executor": {"serviceAccountName": name},
        "arguments": {"parameters": [
            {"name": "image", "description": "Container image that runs the step."},
            {"name": "module", "value": module, "description": "Python module to run."},
            *(extra_parameters or []),
        ]},
        "templates": templates,
    }
    if claims:
        spec["volumeClaimTemplates"] = claims
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "WorkflowTemplate",
            "metadata": {"name": name, "labels": L.common(ctx.platform, ctx.team.name, ctx.env.name)}, "spec": spec}


def workflow_templates(platform: Platform, team: Team, env: Environment) -> list[dict]:
    ctx = StepContext(platform, team, env)
    return [training_template(ctx), validation_template(ctx)]


def workflow_access(platform: Platform, team: Team) -> list[dict]:
    """Token Secrets and the executor's Role for the accounts workflow steps run as."""
    labels = {**L.common(platform, team.name)}
    annotations = C.BASE_NAMESPACE_SKIP
    objects: list[dict] = [
        {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
         "metadata": {"name": f"{account}.service-account-token", "labels": labels,
                      "annotations": {**annotations, "kubernetes.io/service-account.name": account}}}
        for account in WORKFLOW_ACCOUNTS
    ]
    rules = [
        # The wait container reports outputs as WorkflowTaskResults (Argo v3.4+).
        {"apiGroups": ["argoproj.io"], "resources": ["workflowtaskresults"], "verbs": ["create", "patch"]},
        # The validate step creates the isolated Job and watches it (a resource template).
        {"apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["create", "get", "list", "watch", "delete"]},
    ]
    rolled = {runtime_of(m).name: runtime_of(m) for m in platform.models if m.team == team.name and (m.retraining or m.promotion)}
    for runtime in (rolled[name] for name in sorted(rolled)):  # the rollout step rolls the promoted track's pods (retraining.py)
        rules.append({"apiGroups": [runtime.group], "resources": [runtime.plural], "verbs": ["get", "patch"]})
    objects.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
                    "metadata": {"name": "workflow-executor", "labels": labels, "annotations": annotations}, "rules": rules})
    objects.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                    "metadata": {"name": "workflow-executor", "labels": labels, "annotations": annotations},
                    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "workflow-executor"},
                    "subjects": [{"kind": "ServiceAccount", "name": a} for a in WORKFLOW_ACCOUNTS]})
    return objects
