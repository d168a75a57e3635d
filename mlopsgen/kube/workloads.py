"""The pod templates of every workload kind an ML platform runs, from one table.

A workload describes its pods in one or more pod templates (`metadata.labels` and a PodSpec `spec`)
at places its API defines; TEMPLATES names those places per (API group, kind), `*` standing for every
item of a list or every value of a map. A new kind is one entry. The kinds whose pods are not plain
pod templates (Argo Workflows, Kubeflow TrainJob, AppWrapper) have a reader each below; a serving
runtime's kind is read as its catalog entry says (kube/model_pods.py).
Where the controller sets `hostNetwork` from the template, so does the table: a pod's host network,
labels, containers and ports are what the template says.

Sources of the paths: the kinds' CRDs and API types (kubernetes apps/batch v1; JobSet
jobset.x-k8s.io/v1alpha2 `replicatedJobs[].template` (a JobTemplateSpec); LeaderWorkerSet
leaderworkerset.x-k8s.io/v1 `leaderWorkerTemplate.{leaderTemplate,workerTemplate}`; KubeRay ray.io/v1
`headGroupSpec.template`, `workerGroupSpecs[].template`, RayJob `rayClusterSpec` and
`submitterPodTemplate`, RayService `rayClusterConfig`; Kubeflow training-operator kubeflow.org/v1
`<framework>ReplicaSpecs.<role>.template`; Kubeflow Trainer trainer.kubeflow.org/v1alpha1 runtimes'
`template.spec.replicatedJobs[]` (a JobSet) and TrainJob `trainer`; Volcano batch.volcano.sh/v1alpha1
`tasks[].template`; AppWrapper workload.codeflare.dev/v1beta2 `components[].template`, an object).
"""

from __future__ import annotations

from typing import Any

from mlopsgen.catalog.runtimes import RUNTIMES
from mlopsgen.kube.model_pods import model_reader
from mlopsgen.kube.podtemplate import PodTemplate, expand, group_of, labels_of
from mlopsgen.kube.walk import get, items
from mlopsgen.kube.yaml import Path

JOB_TEMPLATE = ("template", "spec", "template")  # a JobTemplateSpec's pod template
TRAINING_OPERATOR = {"PyTorchJob": "pytorchReplicaSpecs", "TFJob": "tfReplicaSpecs", "MPIJob": "mpiReplicaSpecs",
                     "XGBoostJob": "xgbReplicaSpecs", "PaddleJob": "paddleReplicaSpecs", "JAXJob": "jaxReplicaSpecs"}
RAY_CLUSTER = (("headGroupSpec", "template"), ("workerGroupSpecs", "*", "template"))

TEMPLATES: dict[tuple[str, str], tuple[Path, ...]] = {
    ("", "Pod"): ((),),
    **{("apps", kind): (("spec", "template"),) for kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet")},
    ("batch", "Job"): (("spec", "template"),),
    ("batch", "CronJob"): (("spec", "jobTemplate", "spec", "template"),),
    ("jobset.x-k8s.io", "JobSet"): (("spec", "replicatedJobs", "*", *JOB_TEMPLATE),),
    ("leaderworkerset.x-k8s.io", "LeaderWorkerSet"): (("spec", "leaderWorkerTemplate", "leaderTemplate"),
                                                       ("spec", "leaderWorkerTemplate", "workerTemplate")),
    ("ray.io", "RayCluster"): tuple(("spec", *p) for p in RAY_CLUSTER),
    ("ray.io", "RayJob"): (*(("spec", "rayClusterSpec", *p) for p in RAY_CLUSTER), ("spec", "submitterPodTemplate")),
    ("ray.io", "RayService"): tuple(("spec", "rayClusterConfig", *p) for p in RAY_CLUSTER),
    **{("kubeflow.org", kind): (("spec", specs, "*", "template"),) for kind, specs in TRAINING_OPERATOR.items()},
    **{("trainer.kubeflow.org", kind): (("spec", "template", "spec", "replicatedJobs", "*", *JOB_TEMPLATE),)
       for kind in ("TrainingRuntime", "ClusterTrainingRuntime")},
    ("batch.volcano.sh", "Job"): (("spec", "tasks", "*", "template"),),
}


def pod_templates(obj: Any, at: Path = ()) -> list[PodTemplate]:
    """The pod templates of a Kubernetes object (none for a kind that runs no pods)."""
    if not isinstance(obj, dict) or not isinstance(obj.get("kind"), str):
        return []
    kind, group = obj["kind"], group_of(obj)
    locators = TEMPLATES.get((group, kind))
    if locators is not None:
        out = []
        for locator in locators:
            for path, template in expand(obj, locator, at):
                if isinstance(template, dict) and isinstance(template.get("spec"), dict):
                    out.append(PodTemplate(path + ("spec",), labels_of(get(template, "metadata", "labels")), template["spec"],
                                           path + ("metadata", "labels")))
        return out
    reader = READERS.get((group, kind))
    return reader(obj, at) if reader else []


def _argo(obj: dict[str, Any], at: Path) -> list[PodTemplate]:
    """Argo Workflows: each template with a container, script or container set runs a pod."""
    spec, base = (get(obj, "spec", "workflowSpec"), at + ("spec", "workflowSpec")) if obj["kind"] == "CronWorkflow" \
        else (obj.get("spec"), at + ("spec",))
    if not isinstance(spec, dict):
        return []
    pod_labels = get(spec, "podMetadata", "labels") or {}
    out = []
    templates = spec.get("templates")
    for i, template in enumerate(items(templates)):
        if isinstance(template, dict) and any(k in template for k in ("container", "script", "containerSet")):
            merged = dict(template)
            if "hostNetwork" not in merged and spec.get("hostNetwork") is True:
                merged["hostNetwork"] = True
            out.append(PodTemplate(base + ("templates", i), labels_of(pod_labels, get(template, "metadata", "labels")),
                                   merged, base + ("templates", i, "metadata", "labels")))
    return out


def _train_job(obj: dict[str, Any], at: Path) -> list[PodTemplate]:
    """Kubeflow Trainer: a TrainJob's pods are its runtime's template with `trainer` (image, command, env)
    as the node container; their network is the runtime's, so only what the TrainJob says is here."""
    trainer = get(obj, "spec", "trainer")
    if not isinstance(trainer, dict):
        return []
    container = {"name": "node", **{k: trainer[k] for k in ("image", "command", "args", "env") if k in trainer}}
    return [PodTemplate(at + ("spec", "trainer"), labels_of(get(obj, "metadata", "labels")), {"containers": [container]},
                        at + ("metadata", "labels"))]


def _app_wrapper(obj: dict[str, Any], at: Path) -> list[PodTemplate]:
    """AppWrapper: each component's template is a whole object (a PyTorchJob, a RayCluster...)."""
    components = get(obj, "spec", "components")
    return [t for i, component in enumerate(items(components))
            for t in pod_templates(get(component, "template"), at + ("spec", "components", i, "template"))]


# Argo Events: the controller runs each EventSource and Sensor as a Deployment, and a JetStream EventBus as a
# StatefulSet, from the object's pod template (its `metadata`, security context and containers; the kinds have no
# host network field), adding its own labels (`owner-name`, `<kind>-name`: argo-events common/labels).
EVENTS_CONTAINERS = {"EventSource": ("container",), "Sensor": ("container",),
                     "EventBus": ("containerTemplate", "reloaderContainerTemplate", "metricsContainerTemplate")}


def _argo_events(obj: dict[str, Any], at: Path) -> list[PodTemplate]:
    kind, name = obj["kind"], get(obj, "metadata", "name")
    path = ("spec", "jetstream") if kind == "EventBus" else ("spec", "template")
    template = get(obj, *path)
    if kind == "EventBus" and not isinstance(template, dict):
        return []  # a NATS Streaming or Kafka bus, or an exotic one: no JetStream pods from this object
    template = template if isinstance(template, dict) else {}
    containers = [{"name": key, **item} for key in EVENTS_CONTAINERS[kind] if isinstance(item := template.get(key) or {}, dict)]
    served = [p.get("targetPort", p.get("port")) for p in items(get(obj, "spec", "service", "ports")) if isinstance(p, dict)]
    if containers and served:  # an EventSource's Service forwards to its pod's listeners (webhook ports)
        containers[0] = {**containers[0], "ports": [{"containerPort": int(str(p))} for p in served if str(p).isdigit()]}
    spec = {k: template[k] for k in ("securityContext", "serviceAccountName", "volumes", "nodeSelector", "tolerations",
                                      "affinity") if k in template}
    spec["containers"] = containers
    own = {"owner-name": name, f"{kind.lower()}-name": name} if isinstance(name, str) else {}
    return [PodTemplate(at + path, {**labels_of(get(template, "metadata", "labels")), **own}, spec,
                        at + path + ("metadata", "labels"))]


READERS = {
    **{("argoproj.io", kind): _argo_events for kind in EVENTS_CONTAINERS},
    **{("argoproj.io", kind): _argo for kind in ("Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow")},
    **{(runtime.group, runtime.kind): model_reader(runtime.pods) for runtime in RUNTIMES.values()},
    ("trainer.kubeflow.org", "TrainJob"): _train_job,
    ("workload.codeflare.dev", "AppWrapper"): _app_wrapper,
}
WORKLOAD_KINDS = frozenset(kind for _, kind in (*TEMPLATES, *READERS))
