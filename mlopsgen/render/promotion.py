"""A person's promotion in the registry reaches serving: MLflow -> webhook EventSource -> EventBus -> Sensor -> Workflow.

Where a model opts in (`models[].promotion`), in each team environment that serves it:
- the namespace's EventSource (render/retraining_triggers.py, with its EventBus, restricted pods and the Sensor's
  account that may create Workflows and nothing more) gets a second webhook, `mlflow` on PROMOTION_WEBHOOK_PORT at
  /promotions, and its Sensor a dependency and trigger per model: only `model_version_alias.created` deliveries of
  the registered model and the alias the model serves pass, and each creates a Workflow from `<model>-promote`
  with the delivered body, version and signature headers as parameters;
- the WorkflowTemplate `<model>-promote`: `verify-signature` checks the delivery's HMAC with the key the
  platform engineer gives in the Secret `promotion.secret` (key `secret`) and its timestamp's age, and fails the run
  on a bad one; then the same rollout step as retraining (render/retraining.py) sets C.MODEL_VERSION to the
  delivered version on the object serving that alias. Argo Events' webhook cannot check a signature (its webhook
  event source knows only an auth token, argoproj.github.io/argo-events "Webhook": `authSecret`), hence the step;
- a Job (Argo CD PostSync hook) that creates the webhook in MLflow, or updates it by name, with the registry writer's
  credentials, the EventSource's URL, the event and the secret;
- NetworkPolicies: MLflow's pods may post to the webhook (this namespace's ingress, MLflow's egress in
  render/platform_network.py), the Job reaches MLflow by its workload class's policies.
MLflow's delivery (mlflow/webhooks/delivery.py, 3.3+): a POST of {entity, action, timestamp, data: {name, alias,
version}} serialized by json.dumps, with X-MLflow-Delivery-Id, X-MLflow-Timestamp (Unix seconds) and
X-MLflow-Signature `v1,<base64 HMAC-SHA256 of "<delivery id>.<timestamp>.<body>">`.
"""

from __future__ import annotations

from mlopsgen.catalog import conventions as C
from mlopsgen.catalog import events, hardening
from mlopsgen.platform.model import Environment, Platform
from mlopsgen.platform.model_serving import Model
from mlopsgen.render import labels as L
from mlopsgen.render.retraining import REGISTRY_WRITER_SECRET, promotion_target, rollout_step

WEBHOOK_EVENT, WEBHOOK_PATH = "mlflow", "/promotions"
ALIAS_EVENT = "model_version_alias.created"
SECRET_KEY = "secret"  # the key of the platform engineer's Secret that holds the HMAC key
SECRET_DIR = "/etc/mlflow-webhook"
WRITER_DIR = "/etc/mlflow-registry-writer"  # the registry writer's credentials, read as files (not environment)
# checkov CKV_K8S_43 asks for a digest; the MLflow client is pinned by the tag of the server's release instead.
IMAGE_TAG_SKIP = {"checkov.io/skip1": "CKV_K8S_43=the MLflow client is pinned by the tag of the tracking server's release"}
# A UID above the host's range (checkov CKV_K8S_40), the rest as every rendered pod.
JOB_POD_SECURITY = {**hardening.POD_SECURITY_CONTEXT, "runAsUser": 10001, "runAsGroup": 10001, "fsGroup": 10001}
MAX_DELIVERY_AGE = 600  # seconds between MLflow's signing and the check (a delivery replayed later fails)
# Argo Events keeps a JSON body as raw JSON, which Go's encoder compacts: the step serializes the parsed body again
# as MLflow did (json.dumps' default separators, keys in order) before computing the HMAC.
_VERIFY = ("import base64, hashlib, hmac, json, sys, time; body, signature, delivery, stamp, age = sys.argv[1:6]; "
           f"key = open('{SECRET_DIR}/{SECRET_KEY}', 'rb').read(); "
           "signed = f'{delivery}.{stamp}.{json.dumps(json.loads(body))}'.encode(); "
           "digest = 'v1,' + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode(); "
           "ok = hmac.compare_digest(digest, signature) and abs(time.time() - int(stamp)) <= int(age); "
           "sys.exit(0 if ok else 'bad signature or stale delivery: nothing is rolled out')")
_REGISTER = ("import os, pathlib, mlflow; "
             f"[os.environ.setdefault(f.name, f.read_text()) for f in pathlib.Path('{WRITER_DIR}').glob('[!.]*')]; "
             "c, env = mlflow.MlflowClient(), os.environ; name = env['WEBHOOK_NAME']; "
             f"secret = open('{SECRET_DIR}/{SECRET_KEY}').read(); "
             "wanted = dict(url=env['WEBHOOK_URL'], events=env['WEBHOOK_EVENTS'].split(','), secret=secret); "
             "found, token = [], None\n"
             "while True:\n"
             "    page = c.list_webhooks(max_results=100, page_token=token)\n"
             "    found += [w for w in page if w.name == name]; token = page.token\n"
             "    if not token: break\n"
             "if found: c.update_webhook(found[0].webhook_id, status='ACTIVE', **wanted)\n"
             "else: c.create_webhook(name, **wanted)")
# What MLflow's server needs to deliver to an in-cluster webhook (mlflow/environment_variables.py,
# mlflow/webhooks/ssrf.py): http among the allowed schemes (default https only) and private addresses allowed
# (a Service's cluster IP is one; by default the delivery fails closed), and a Fernet key for the webhook secrets it
# keeps in its database (without one each process makes its own, and a restarted server cannot read them). The
# platform engineer provides the key as Secret WEBHOOK_KEY_SECRET in MLflow's namespace.
WEBHOOK_DELIVERY_ENV = {"MLFLOW_WEBHOOK_ALLOWED_SCHEMES": "http,https", "MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS": "true"}
WEBHOOK_KEY_SECRET = "mlflow-webhook-encryption"  # key MLFLOW_WEBHOOK_SECRET_ENCRYPTION_KEY
PARAMETERS = ("body", "version", "signature", "delivery", "timestamp")
HEADERS = {"signature": "X-Mlflow-Signature", "delivery": "X-Mlflow-Delivery-Id", "timestamp": "X-Mlflow-Timestamp"}


def promote_template_name(model: Model) -> str:
    return f"{model.name}-promote"


def registration_job_name(model: Model) -> str:
    return f"{model.name}-promotion-webhook"


def webhook_url(namespace: str) -> str:
    return (f"http://{events.EVENT_SOURCE}{events.SERVICE_SUFFIX}.{namespace}.svc.cluster.local:{C.PROMOTION_WEBHOOK_PORT}"
            f"{WEBHOOK_PATH}")


def webhook_name(model: Model, namespace: str) -> str:
    """The webhook's name in MLflow: one per model and namespace, which the Job creates or updates."""
    return f"{namespace}-{model.name}-promotion"


def webhook(namespace: str) -> tuple[str, dict, dict]:
    """The EventSource's webhook for MLflow's deliveries and its Service port."""
    port = C.PROMOTION_WEBHOOK_PORT
    return (WEBHOOK_EVENT, {"port": str(port), "endpoint": WEBHOOK_PATH, "method": "POST",
                            "url": webhook_url(namespace).removesuffix(WEBHOOK_PATH)},
            {"name": "promotion", "port": port, "targetPort": port})


def _workflow(model: Model, labels: dict) -> dict:
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
            "metadata": {"generateName": f"{promote_template_name(model)}-", "labels": labels},
            "spec": {"workflowTemplateRef": {"name": promote_template_name(model)},
                     "arguments": {"parameters": [{"name": p, "value": ""} for p in PARAMETERS]}}}


def sensor_parts(model: Model, labels: dict) -> tuple[dict, dict]:
    """The Sensor's dependency on the model's deliveries and its trigger: a Workflow from `<model>-promote`."""
    _, registered, alias = promotion_target(model)
    dependency = f"{model.name}-promotion"
    dep = {"name": dependency, "eventSourceName": events.EVENT_SOURCE, "eventName": WEBHOOK_EVENT, "filters": {"data": [
        {"path": "body.entity", "type": "string", "value": ["model_version_alias"]},
        {"path": "body.action", "type": "string", "value": ["created"]},
        {"path": "body.data.name", "type": "string", "value": [registered]},
        {"path": "body.data.alias", "type": "string", "value": [alias]}]}}
    # Argo Events' webhook event data is {header: the request's headers, body} (argoproj.github.io/argo-events
    # "Webhook", Event Structure); Go keeps header keys canonical (X-Mlflow-...), each a list of values.
    keys = {"body": "body", "version": "body.data.version", **{p: f"header.{h}.0" for p, h in HEADERS.items()}}
    parameters = [{"src": {"dependencyName": dependency, "dataKey": keys[p]}, "dest": f"spec.arguments.parameters.{i}.value"}
                  for i, p in enumerate(PARAMETERS)]
    trigger = {"template": {"name": promote_template_name(model), "conditions": dependency, "k8s": {
        "operation": "create", "source": {"resource": _workflow(model, labels)}, "parameters": parameters}}}
    return dep, trigger


def _secret_volume(model: Model) -> tuple[dict, dict]:
    assert model.promotion is not None
    return ({"name": "webhook-secret", "secret": {"secretName": model.promotion.secret,
                                                   "items": [{"key": SECRET_KEY, "path": SECRET_KEY}]}},
            {"name": "webhook-secret", "mountPath": SECRET_DIR, "readOnly": True})


def promote_template(platform: Platform, model: Model, env: Environment, labels: dict) -> dict:
    track, registered, _ = promotion_target(model)
    volume, mount = _secret_volume(model)
    monitor_labels = L.pod_labels(platform, model.team, "monitoring", env.mode("monitoring"))
    args = ["{{workflow.parameters." + p + "}}" for p in ("body", "signature", "delivery", "timestamp")]
    verify = {
        "name": "verify-signature", "metadata": {"labels": monitor_labels}, "serviceAccountName": "training",
        "automountServiceAccountToken": False, "securityContext": hardening.POD_SECURITY_CONTEXT,
        "container": {"image": C.MLFLOW_IMAGE, "command": ["python", "-c", _VERIFY, *args, str(MAX_DELIVERY_AGE)],
                      "resources": hardening.guaranteed("100m", "128Mi"), "securityContext": hardening.CONTAINER_SECURITY_CONTEXT,
                      "volumeMounts": [hardening.SCRATCH_MOUNT, mount]},
        "volumes": [hardening.SCRATCH_VOLUME, volume],
    }
    candidate = f"models:/{registered}/{{{{workflow.parameters.version}}}}"
    steps = [[{"name": "verify-signature", "template": "verify-signature"}],
             # Only a delivery MLflow signed gets here: a failed check fails the run.
             [{"name": "rollout", "template": "rollout", "arguments": {"parameters": [{"name": "candidate", "value": candidate}]}}]]
    parameters = [{"name": p, "description": d} for p, d in (
        ("body", "MLflow's delivery, as the webhook received it."), ("version", "The version the alias now names."),
        ("signature", "X-MLflow-Signature"), ("delivery", "X-MLflow-Delivery-Id"), ("timestamp", "X-MLflow-Timestamp"))]
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "WorkflowTemplate",
            "metadata": {"name": promote_template_name(model), "labels": labels},
            "spec": {"entrypoint": "promote", "serviceAccountName": "training", "automountServiceAccountToken": False,
                     "executor": {"serviceAccountName": "training"}, "arguments": {"parameters": parameters},
                     "templates": [{"name": "promote", "steps": steps}, verify, rollout_step(model, track)]}}


def registration_job(platform: Platform, model: Model, env: Environment, namespace: str, labels: dict) -> dict:
    """Creates the model's webhook in MLflow, or updates it by name, after every sync (an Argo CD PostSync hook)."""
    access = L.tracking_access(platform, env.cluster)
    volume, mount = _secret_volume(model)
    pod_labels = L.pod_labels(platform, model.team, "monitoring", env.mode("monitoring"))
    env_vars = [*access.env, {"name": "WEBHOOK_NAME", "value": webhook_name(model, namespace)},
                {"name": "WEBHOOK_URL", "value": webhook_url(namespace)}, {"name": "WEBHOOK_EVENTS", "value": ALIAS_EVENT}]
    writer = {"name": "registry-writer", "secret": {"secretName": REGISTRY_WRITER_SECRET, "optional": True}}
    container = {"name": "register", "image": C.MLFLOW_IMAGE, "imagePullPolicy": "Always",
                 "command": ["python", "-c", _REGISTER], "env": env_vars,
                 "resources": hardening.guaranteed("100m", "256Mi"), "securityContext": hardening.CONTAINER_SECURITY_CONTEXT,
                 "volumeMounts": [hardening.SCRATCH_MOUNT, mount, {"name": "registry-writer", "mountPath": WRITER_DIR,
                                                                   "readOnly": True}, *access.mounts]}
    return {"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": registration_job_name(model), "namespace": namespace, "labels": labels,
                         "annotations": {"argocd.argoproj.io/hook": "PostSync",
                                         "argocd.argoproj.io/hook-delete-policy": "BeforeHookCreation", **IMAGE_TAG_SKIP}},
            "spec": {"backoffLimit": 3, "ttlSecondsAfterFinished": 3600, "template": {
                "metadata": {"labels": pod_labels},
                "spec": {"restartPolicy": "Never", "serviceAccountName": "training", "automountServiceAccountToken": False,
                         "enableServiceLinks": False, "securityContext": JOB_POD_SECURITY, "containers": [container],
                         "volumes": [hardening.SCRATCH_VOLUME, volume, writer, *access.volumes]}}}}


def mlflow_peer(platform: Platform, env: Environment) -> dict | None:
    """MLflow's pods, as this namespace's policies admit them (None: the cluster runs no tracking server)."""
    tracking = next((s for s in platform.services_for(env.cluster) if s.kind == "tracking"), None)
    return C.peer(tracking.namespace, tracking.pod_labels) if tracking else None


def webhook_peers(platform: Platform, cluster: str) -> list[dict]:
    """The webhook pods of every team namespace on `cluster` that MLflow delivers promotions to."""
    env_cluster = {e.name: e.cluster for e in platform.environments}
    namespaces = sorted({platform.team(m.team).namespace(env) for m in platform.models if m.promotion
                         for env in m.environments if env_cluster[env] == cluster})
    return [C.peer(ns, {C.RETRAINING_TRIGGER: "eventsource"}) for ns in namespaces]
