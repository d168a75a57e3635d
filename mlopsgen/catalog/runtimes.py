"""The serving runtimes: one definition each, read by render, policies and lint.

A runtime names the custom resource a model becomes, the port its pods take
requests on, their probes, how replicas and canary traffic are patched per
environment, and the labels its controller puts on model pods (lint uses
them to recognise serving pods written by hand).

Adding a runtime: one entry in RUNTIMES (its ModelPods says how its
controller makes pods of the resource, for lint's workload walker and
verify's pod derivation), its template under templates/model/, and its name
in the schema's `runtime` enum (a test compares the two).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from mlopsgen.catalog import hardening

TRACKS = ("stable", "canary")


class Model(Protocol):
    """What a runtime needs of a model (the platform model's Model)."""

    @property
    def name(self) -> str: ...
    @property
    def runtime(self) -> str: ...
    @property
    def canary(self) -> object | None: ...


class ModelPlacement(Protocol):
    """What a runtime needs of a model's placement in one environment."""

    @property
    def replicas(self) -> int: ...
    @property
    def max_replicas(self) -> int: ...
    @property
    def target_utilization(self) -> int | None: ...


def tracks(model: Model) -> list[str]:
    return list(TRACKS) if model.canary else [TRACKS[0]]


@dataclass(frozen=True)
class Patch:
    """A JSON 6902 patch of one rendered object."""

    group: str
    version: str
    kind: str
    name: str
    operations: list[dict]


@dataclass(frozen=True)
class Rollout:
    """How a rollout step rolls one track's pods: an Argo resource patch that changes their pod template.

    A registry alias does not redeploy anything: both runtimes' pods resolve it when they start."""

    strategy: str  # the resource template's mergeStrategy
    patch: dict | list  # a merge patch naming its object, or a JSON patch
    flags: tuple[str, ...] = ()  # for a JSON patch, kubectl's resource and name
    ignore: dict | None = None  # the Argo CD ignoreDifferences entry that keeps self-heal from undoing it


Path = tuple[str, ...]


@dataclass(frozen=True)
class ModelPods:
    """How the runtime's controller makes pods of its resource, in the resource's own fields (its CRD).

    `templates` lead from the resource's root to each pod template, `*` standing for every item of a
    list; the other paths lead from a template, `..` going up one step and a leading `/` starting at
    the resource's root. Formats name the resource (`{name}`), the key a template sits under
    (`{field}`) and, for each list on the way, its item's `name` (`{predictors}`). The pods of a
    later template are reported under the workload name plus `/{field}`.
    """

    templates: tuple[Path, ...]
    spec: Path = ("spec",)  # the pod spec within a template; () when the template is one
    labels: tuple[Path, ...] = (("metadata", "labels"),)  # label maps the controller copies onto the pods
    controller_labels: tuple[tuple[str, str], ...] = ()  # (key, value format) the controller adds
    workload: str = "{name}"  # how reports name one template's pods
    main: Path = ()  # a container given beside the pod spec's lists, from the spec (KServe's `model`)
    main_name: str = ""  # its name when the resource gives none
    model_uri: Path = ()  # the URI the controller's initializer downloads, when set
    model_format: Path = ()  # the format or implementation the server is told to load
    format_env: str = ""  # where the server reads it otherwise, an environment variable of its container
    registry_formats: tuple[str, ...] = ()  # formats that serve an MLflow registry model; the first is the hint
    mlserver_formats: tuple[str, ...] = ()  # formats MLServer serves (it then writes under its working directory)
    replicas: Path = ()  # the replica count of a template's pods (1 when unset)
    injects: tuple[str, ...] = field(default=())  # containers the controller adds (verify/injection.py INJECTORS)


@dataclass(frozen=True)
class ServingRuntime:
    name: str
    group: str
    version: str
    kind: str
    plural: str  # the resource name RBAC rules grant
    template: str
    serving_port: int  # where model pods take requests
    probes: dict  # readiness and liveness of the model container
    pods: ModelPods
    object_names: Callable[[Model], list[str]]  # the objects of one model, in track order
    placement_patches: Callable[[ServingRuntime, Model, ModelPlacement, int], list[Patch]]
    rollout: Callable[[ServingRuntime, Model, str, dict], Rollout]  # (runtime, model, track, pod annotations)
    components: tuple[str, ...] = ()  # the platform components (catalog/components.py) a cluster serving it installs
    logger: Path = ()  # where the object takes a payload logger (a controller injects the agent); () for none
    why_no_logger: str = ""  # said when a model of a runtime without one asks to log payloads

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}"

    @property
    def controller_pod_labels(self) -> tuple[str, ...]:
        """The label keys the controller sets on model pods (lint recognises serving pods written by hand by them)."""
        return tuple(key for key, _ in self.pods.controller_labels)


def _kserve_names(model: Model) -> list[str]:
    # One InferenceService per track: KServe's own canary split needs serverless mode.
    return [model.name if track == "stable" else f"{model.name}-canary" for track in tracks(model)]


def _kserve_patches(runtime: ServingRuntime, model: Model, placement: ModelPlacement, weight: int) -> list[Patch]:
    ops = [{"op": "replace", "path": "/spec/predictor/minReplicas", "value": placement.replicas},
           {"op": "replace", "path": "/spec/predictor/maxReplicas", "value": placement.max_replicas}]
    if placement.target_utilization is not None:  # without autoscaling min == max: no target to set
        ops.append({"op": "add", "path": "/spec/predictor/scaleTarget", "value": placement.target_utilization})
    return [Patch(runtime.group, runtime.version, runtime.kind, name, ops) for name in runtime.object_names(model)]


def _seldon_patches(runtime: ServingRuntime, model: Model, placement: ModelPlacement, weight: int) -> list[Patch]:
    # Predictors are rendered in track order, so a track's index is its predictor's.
    ops = [{"op": "replace", "path": f"/spec/predictors/{i}/replicas", "value": placement.replicas}
           for i, _ in enumerate(tracks(model))]
    if placement.target_utilization is not None:  # autoscaling declared (the schema defaults the target)
        # Seldon Core 1.x scales a component through its hpaSpec (an HPA of autoscaling/v2 from `metricsv2`;
        # machinelearning.seldon.io_seldondeployments CRD, componentSpecs[].hpaSpec).
        hpa = {"minReplicas": placement.replicas, "maxReplicas": placement.max_replicas,
               "metricsv2": [{"type": "Resource", "resource": {"name": "cpu", "target": {
                   "type": "Utilization", "averageUtilization": placement.target_utilization}}}]}
        ops += [{"op": "add", "path": f"/spec/predictors/{i}/componentSpecs/0/hpaSpec", "value": hpa}
                for i, _ in enumerate(tracks(model))]
    if model.canary:
        traffic = {"stable": 100 - weight, "canary": weight}
        ops += [{"op": "replace", "path": f"/spec/predictors/{i}/traffic", "value": traffic[track]}
                for i, track in enumerate(tracks(model))]
    return [Patch(runtime.group, runtime.version, runtime.kind, model.name, ops)]


def _kserve_rollout(runtime: ServingRuntime, model: Model, track: str, annotations: dict) -> Rollout:
    # KServe copies spec.predictor.annotations onto the predictor's pod template. Argo CD leaves the added
    # key alone: a map field that neither the desired nor the last applied object has is no difference.
    name = runtime.object_names(model)[tracks(model).index(track)]
    return Rollout("merge", {"apiVersion": runtime.api_version, "kind": runtime.kind, "metadata": {"name": name},
                             "spec": {"predictor": {"annotations": annotations}}})


def _seldon_rollout(runtime: ServingRuntime, model: Model, track: str, annotations: dict) -> Rollout:
    # Seldon copies a componentSpec's metadata annotations onto its Deployment's pod template. Argo CD
    # compares a custom resource's lists whole, so the patched predictor would read as changed and
    # self-heal would undo it, unless the Application ignores that field (RespectIgnoreDifferences).
    index = tracks(model).index(track)
    path = f"/spec/predictors/{index}/componentSpecs/0/metadata/annotations"
    return Rollout("json", [{"op": "add", "path": path, "value": annotations}],
                   flags=(f"{runtime.plural}.{runtime.group}", model.name),
                   ignore={"group": runtime.group, "kind": runtime.kind, "name": model.name,
                           "jqPathExpressions": [".spec.predictors[].componentSpecs[].metadata.annotations"]})


def _http_probes(port: int) -> dict:
    return {
        "readiness": {"httpGet": {"path": "/v2/health/ready", "port": port}, "periodSeconds": 10},
        "liveness": {"httpGet": {"path": "/v2/health/live", "port": port}, "periodSeconds": 20, "failureThreshold": 6},
    }


SELDON_MODEL_PORT = 9000  # Seldon Core's first predictive unit HTTP port (operator constants.FirstHttpPortNumber)
MODEL_DIR = "/mnt/models"  # where KServe's storage initializer and Seldon's model servers keep the model
# A model from the MLflow registry is an MLflow model whatever its flavour: KServe serves it with
# the `mlflow` model format (MLServer's runtime), Seldon with MLServer's MLflow runtime. A
# TorchServe or Triton runtime would expect an archive of its own and fail to load it.
REGISTRY_MODEL_FORMAT = "mlflow"
MLSERVER_MLFLOW_RUNTIME = "mlserver_mlflow.MLflowRuntime"
# Seldon serves a registry model as a custom MLServer container (protocol v2), not as the
# prepackaged MLFLOW_SERVER: a prepackaged server needs `modelUri`, and for one Seldon Core 1.x
# injects its own storage initializer, which has no securityContext Pod Security `restricted`
# admits and does not know models:/ URIs. The image is the one the operator chart names for
# MLFLOW_SERVER under protocol v2 (predictor_servers), so the operator and server agree.
SELDON_MLSERVER_IMAGE = "seldonio/mlserver:1.3.5-mlflow"
# MLServer creates `.envs` and `.metrics` under its working directory when it starts
# (mlserver/settings.py, 1.3 to 1.5); with a read-only root they live on the scratch volume.
MLSERVER_SCRATCH_ENV = (
    {"name": "MLSERVER_ENVIRONMENTS_DIR", "value": f"{hardening.SCRATCH_MOUNT['mountPath']}/mlserver-envs"},
    {"name": "MLSERVER_METRICS_DIR", "value": f"{hardening.SCRATCH_MOUNT['mountPath']}/mlserver-metrics"},
)
SERVED_PATH = "/v2/models/{model}"  # the open inference protocol path both runtimes answer under

RUNTIMES: dict[str, ServingRuntime] = {runtime.name: runtime for runtime in (
    ServingRuntime(
        "kserve", "serving.kserve.io", "v1beta1", "InferenceService", "inferenceservices",
        "model/inferenceservice.yaml.j2", 8080, _http_probes(8080),
        # KServe's components are pod specs with extra fields; the controller copies the resource's and the
        # component's labels onto the pods and adds its own (pkg/constants: InferenceServicePodLabelKey,
        # KServiceComponentLabel), and a storage initializer when storageUri is set.
        ModelPods((("spec", "predictor"), ("spec", "transformer"), ("spec", "explainer")), spec=(),
                  labels=(("/", "metadata", "labels"), ("labels",)),
                  controller_labels=(("serving.kserve.io/inferenceservice", "{name}"), ("component", "{field}")),
                  main=("model",), main_name="kserve-container", model_uri=("model", "storageUri"),
                  model_format=("model", "modelFormat", "name"), registry_formats=(REGISTRY_MODEL_FORMAT,),
                  mlserver_formats=(REGISTRY_MODEL_FORMAT,), replicas=("minReplicas",),
                  injects=("kserve-storage-initializer", "kserve-agent")),
        _kserve_names, _kserve_patches, _kserve_rollout,
        components=("kserve-crd", "kserve", "kserve-runtimes", "cert-manager", "kserve-config"),
        logger=("spec", "predictor", "logger")),
    ServingRuntime(
        "seldon", "machinelearning.seldon.io", "v1", "SeldonDeployment", "seldondeployments",
        # Without the service orchestrator (seldon.io/no-engine) requests reach the model server's own port.
        "model/seldondeployment.yaml.j2", SELDON_MODEL_PORT, _http_probes(SELDON_MODEL_PORT),
        # Seldon Core v1 makes a Deployment of each predictor's componentSpecs, with the predictor's labels and
        # its own, the service orchestrator (unless seldon.io/no-engine) and, for a modelUri, an initializer.
        ModelPods((("spec", "predictors", "*", "componentSpecs", "*"),),
                  labels=(("..", "..", "labels"), ("metadata", "labels")),
                  controller_labels=(("seldon-deployment-id", "{name}"), ("seldon-app", "{name}-{predictors}")),
                  workload="{name}/{predictors}", model_uri=("..", "..", "graph", "modelUri"),
                  model_format=("..", "..", "graph", "implementation"), format_env="MLSERVER_MODEL_IMPLEMENTATION",
                  registry_formats=(MLSERVER_MLFLOW_RUNTIME, "MLFLOW_SERVER"), mlserver_formats=(MLSERVER_MLFLOW_RUNTIME,),
                  replicas=("..", "..", "replicas"), injects=("seldon-engine", "seldon-model-initializer")),
        lambda model: [model.name], _seldon_patches, _seldon_rollout,
        components=("seldon-core-operator", "cert-manager"),
        # Seldon Core v1 logs payloads from its service orchestrator (graph.logger), which these models run without.
        why_no_logger="its payload logger is the service orchestrator, and Seldon models here run without it "
                      "(seldon.io/no-engine): nothing would log"),
)}

SERVING_KINDS = frozenset(r.kind for r in RUNTIMES.values())


def runtime_of(model: Model) -> ServingRuntime:
    return RUNTIMES[model.runtime]
