"""Platform components: what the tree installs on a cluster, from which chart, in which order.

One entry per component: the upstream chart and its pinned version (the one
table of versions), the namespace and Argo CD sync wave, the API groups and
kinds its CRDs provide, and the components it needs first. Render turns each
installed component into an Argo CD Application; verify checks the bootstrap
against the same table (every kind an app deploys comes from a CRD installed
at an earlier wave, or from a component the cluster provides).

Waves: AppProjects at PROJECTS_WAVE, then CRDs and operators, controllers,
platform services and their configuration, and team apps last.
"""

from __future__ import annotations

from dataclasses import dataclass

PROJECTS_WAVE = -10
TEAM_APPS_WAVE = 0


@dataclass(frozen=True)
class Chart:
    repo_url: str
    name: str
    version: str

    @property
    def is_oci(self) -> bool:
        return self.repo_url.startswith("oci://")

    @property
    def registry(self) -> str:
        """An OCI repository as Argo CD's Helm sources name it: without the scheme."""
        return self.repo_url.removeprefix("oci://")


@dataclass(frozen=True)
class ReleaseManifests:
    """Upstream manifests a component's kustomization takes as a remote resource (no chart exists upstream): where
    Argo CD's Kustomize fetches them, and where verify finds the same file in a --charts folder."""

    url: str
    local: str  # <folder>/<file> under a --charts folder
    sha256: str  # of the file at the pinned tag: what `mlopsgen build` accepts when it fetches the URL


@dataclass(frozen=True)
class Component:
    name: str
    summary: str
    namespace: str
    wave: int
    chart: Chart | None  # None: a directory of manifests rendered by mlopsgen
    provides: frozenset[tuple[str, str]] = frozenset()  # (API group, kind) of the CRDs it installs
    needs: tuple[str, ...] = ()  # components that must be healthy before it syncs
    sync_options: tuple[str, ...] = ("CreateNamespace=true",)
    extra_namespaces: tuple[str, ...] = ()  # other namespaces its chart writes to
    service: str | None = None  # the kind of shared service it runs: installed in that service's namespace
    # The Pod Security level its pods need (verify checks the chart's rendered pods against it) and, for any
    # level below restricted, why: its namespace enforces the most permissive level of what runs there.
    pod_security: tuple[str, str] = ("restricted", "")
    # DaemonSets of its chart (by name suffix) that must run on every node, or on every GPU pool's nodes.
    daemons: tuple[tuple[str, str], ...] = ()
    release: ReleaseManifests | None = None  # the upstream manifests its kustomization builds on


# The versions each provided API group serves (from the pinned charts' CRDs): what a cluster that provides a
# component reports to helm as its API versions (`.Capabilities.APIVersions`).
API_VERSIONS = {
    "cert-manager.io": ("v1",), "networking.istio.io": ("v1", "v1beta1", "v1alpha3"),
    "security.istio.io": ("v1", "v1beta1"), "serving.kserve.io": ("v1beta1", "v1alpha1"),
    "postgresql.cnpg.io": ("v1",), "monitoring.coreos.com": ("v1", "v1alpha1"), "argoproj.io": ("v1alpha1",),
    "machinelearning.seldon.io": ("v1", "v1alpha2", "v1alpha3"), "kueue.x-k8s.io": ("v1beta2", "v1beta1"), "feast.dev": ("v1", "v1alpha1"),
}


def api_versions(components) -> tuple[str, ...]:
    """`group/version` and `group/version/Kind` of what the components' CRDs serve."""
    found = set()
    for name in components:
        for group, kind in COMPONENTS[name].provides:
            for version in API_VERSIONS.get(group, ("v1",)):
                found |= {f"{group}/{version}", f"{group}/{version}/{kind}"}
    return tuple(sorted(found))


POD_SECURITY_LEVELS = ("restricted", "baseline", "privileged")  # from the strictest
EVERY_NODE, GPU_POOLS = "every node", "every GPU pool"


def _kinds(group: str, *kinds: str) -> frozenset[tuple[str, str]]:
    return frozenset((group, kind) for kind in kinds)


SERVER_SIDE = ("CreateNamespace=true", "ServerSideApply=true")
ISTIO_CHARTS = "https://istio-release.storage.googleapis.com/charts"
ISTIO_VERSION = "1.30.3"
KSERVE_CHARTS = "oci://ghcr.io/kserve/charts"
KSERVE_VERSION = "v0.20.0"
CNPG_CHARTS = "https://cloudnative-pg.github.io/charts"
FEAST_VERSION = "v0.66.0"
# The Feast operator ships no chart: its release manifests are infra/feast-operator/dist/install.yaml at the tag, applied
# server-side (the FeatureStore CRD is ~1.4 MB; charts-src/feast-operator/PROVENANCE.md).
FEAST_OPERATOR = ReleaseManifests(
    f"https://raw.githubusercontent.com/feast-dev/feast/{FEAST_VERSION}/infra/feast-operator/dist/install.yaml",
    "feast-operator/install.yaml", "53719ced887ef5603a703c61d89efd322ca4703564523195fd380851c1194727")

ISTIO_KINDS = (
    _kinds("networking.istio.io", "Gateway", "VirtualService", "DestinationRule", "ServiceEntry", "Sidecar")
    | _kinds("security.istio.io", "AuthorizationPolicy", "PeerAuthentication", "RequestAuthentication")
)

COMPONENTS: dict[str, Component] = {c.name: c for c in (
    Component("platform-namespaces", "the platform's namespaces, each with the Pod Security level its components need",
              "kube-system", -6, None, sync_options=()),
    Component("cert-manager", "certificates for KServe's webhooks and the ingress", "cert-manager", -5,
              Chart("https://charts.jetstack.io", "cert-manager", "v1.21.1"),
              _kinds("cert-manager.io", "Certificate", "Issuer", "ClusterIssuer")),
    Component("istio-base", "Istio's CRDs and cluster roles", "istio-system", -5,
              Chart(ISTIO_CHARTS, "base", ISTIO_VERSION), ISTIO_KINDS),
    # Charts whose CRDs exceed client-side apply's 262,144-byte annotation limit sync with server-side apply
    # (cloudnative-pg/charts#325): InferenceService 638 kB, CNPG's Cluster and Pooler, SeldonDeployment, Prometheus'.
    Component("kserve-crd", "KServe's CRDs", "kserve", -5, Chart(KSERVE_CHARTS, "kserve-crd", KSERVE_VERSION),
              _kinds("serving.kserve.io", "InferenceService", "ServingRuntime", "ClusterServingRuntime",
                     "ClusterStorageContainer", "InferenceGraph", "TrainedModel"), sync_options=SERVER_SIDE),
    Component("cloudnative-pg", "the PostgreSQL operator for the tracking server's database", "cnpg-system", -5,
              Chart(CNPG_CHARTS, "cloudnative-pg", "0.29.0"), _kinds("postgresql.cnpg.io", "Cluster"),
              sync_options=SERVER_SIDE),
    Component("kube-prometheus-stack", "Prometheus, Grafana and the prometheus-operator CRDs", "monitoring", -5,
              Chart("https://prometheus-community.github.io/helm-charts", "kube-prometheus-stack", "88.5.3"),
              _kinds("monitoring.coreos.com", "ServiceMonitor", "PodMonitor", "PrometheusRule", "Prometheus",
                     "Alertmanager", "AlertmanagerConfig", "PrometheusAgent", "ScrapeConfig", "ThanosRuler", "Probe"),
              sync_options=SERVER_SIDE, extra_namespaces=("kube-system",),
              pod_security=("privileged", "prometheus-node-exporter reads each node's metrics from the host: "
                                          "hostNetwork, hostPID and hostPath /proc, /sys and /"),
              daemons=(("prometheus-node-exporter", EVERY_NODE),)),
    Component("istio-cni", "Istio's CNI plugin: pods need no NET_ADMIN init container", "istio-system", -4,
              Chart(ISTIO_CHARTS, "cni", ISTIO_VERSION), needs=("istio-base",), extra_namespaces=("kube-system",),
              pod_security=("privileged", "istio-cni-node installs the CNI plugin on every node: hostPath volumes and "
                                          "NET_ADMIN, NET_RAW, SYS_ADMIN, SYS_PTRACE (istio.io, Istio CNI node agent)"),
              daemons=(("istio-cni-node", EVERY_NODE),)),  # a node without it starts no meshed pod
    Component("istiod", "the mesh control plane (native sidecars on)", "istio-system", -4,
              Chart(ISTIO_CHARTS, "istiod", ISTIO_VERSION), needs=("istio-base",)),
    Component("argo-workflows", "the workflow controller, with the executor held to Pod Security restricted", "argo", -4,
              Chart("https://argoproj.github.io/argo-helm", "argo-workflows", "1.0.18"),
              _kinds("argoproj.io", "Workflow", "WorkflowTemplate", "CronWorkflow", "ClusterWorkflowTemplate",
                     "WorkflowTaskResult", "WorkflowTaskSet", "WorkflowArtifactGCTask", "WorkflowEventBinding")),
    # Alerts start retraining: Alertmanager posts to a webhook EventSource, a Sensor creates the Workflow (the
    # EventBus, EventSources and Sensors are the teams', in their namespaces; the controller runs their pods).
    Component("argo-events", "the Argo Events controller, where an alert starts a model's retraining", "argo-events", -4,
              Chart("https://argoproj.github.io/argo-helm", "argo-events", "2.4.22"),
              _kinds("argoproj.io", "EventBus", "EventSource", "Sensor")),
    Component("seldon-core-operator", "Seldon Core v1, where a model uses it", "seldon-system", -4,
              Chart("https://storage.googleapis.com/seldon-charts", "seldon-core-operator", "1.17.1"),
              _kinds("machinelearning.seldon.io", "SeldonDeployment"), needs=("cert-manager",), sync_options=SERVER_SIDE,
              pod_security=("baseline", "the operator's chart sets no seccompProfile, runAsNonRoot or dropped "
                                        "capabilities on the manager and offers no value for them")),
    Component("nvidia-device-plugin", "advertises nvidia.com/gpu on the GPU pools' nodes", "nvidia-device-plugin", -4,
              Chart("https://nvidia.github.io/k8s-device-plugin", "nvidia-device-plugin", "0.20.0"),
              pod_security=("privileged", "the device plugin registers with the kubelet through its hostPath socket "
                                          "(/var/lib/kubelet/device-plugins) and the MPS daemon runs privileged"),
              # The MPS control daemon runs only on nodes labelled for MPS sharing: not required.
              daemons=(("nvidia-device-plugin", GPU_POOLS),)),
    # GPU utilisation and memory per GPU, attributed to the pod that holds it (its `namespace` and `pod` labels), for
    # the teams' GPU dashboards and the idle-GPU alert; installed where GPU pools and a Prometheus are.
    Component("dcgm-exporter", "exports each GPU's utilisation and memory, by the pod holding it (NVIDIA DCGM)",
              "dcgm-exporter", -3, Chart("https://nvidia.github.io/dcgm-exporter/helm-charts", "dcgm-exporter", "4.8.2"),
              pod_security=("privileged", "the exporter reads the kubelet's pod-resources socket through a hostPath "
                                          "(/var/lib/kubelet/pod-resources) to attribute each GPU to its pod, and runs as "
                                          "root with SYS_ADMIN for DCGM's profiling metrics"),
              daemons=(("dcgm-exporter", GPU_POOLS),)),
    # Logs (render/logs_values.py): Loki, monolithic and multi-tenant, in the logs service's namespace, then Alloy,
    # which reads pod logs through the API server (loki.source.kubernetes) and pushes each team's to its tenant.
    # Alloy's usual form, a DaemonSet tailing /var/log/pods, needs a hostPath on every node and so a `privileged`
    # namespace: reading through the API server keeps both namespaces `restricted` (no hostPath, no privilege).
    Component("loki", "stores and serves the logs, one tenant per team (Grafana Loki, monolithic)", "logs", -3,
              Chart("https://grafana-community.github.io/helm-charts", "loki", "18.11.0"), service="logs"),
    Component("alloy", "reads every pod's logs through the API server and pushes each team's to its Loki tenant",
              "alloy", -2, Chart("https://grafana.github.io/helm-charts", "alloy", "1.11.1"), needs=("loki",)),
    # GPU queues: Kueue's controller with its CRDs (templates of its chart, so one app at the controllers' wave);
    # its pods meet `restricted` as the chart sets them (non-root, RuntimeDefault seccomp, no capabilities).
    Component("kueue", "admits training pods to queued GPU pools through per-team queues (Kueue)", "kueue-system", -4,
              Chart("oci://registry.k8s.io/kueue/charts", "kueue", "0.19.2"),
              _kinds("kueue.x-k8s.io", "ResourceFlavor", "ClusterQueue", "LocalQueue", "Cohort", "Workload",
                     "WorkloadPriorityClass", "AdmissionCheck", "Topology", "ProvisioningRequestConfig",
                     "MultiKueueCluster", "MultiKueueConfig"), sync_options=SERVER_SIDE),
    # Its manager sets no seccompProfile (install.yaml): the tree's kustomization adds RuntimeDefault and labels the
    # manifests' own Namespace restricted (render/feature_store_operator.py).
    Component("feast-operator", "the Feast operator, from its release manifests: the FeatureStore CRD and controller",
              "feast-operator-system", -4, None, _kinds("feast.dev", "FeatureStore"), sync_options=SERVER_SIDE,
              release=FEAST_OPERATOR),
    Component("istio-ingressgateway", "the ingress gateway the models are exposed through", "istio-system", -3,
              Chart(ISTIO_CHARTS, "gateway", ISTIO_VERSION), needs=("istiod",)),
    Component("kserve", "the KServe controller (raw deployment mode)", "kserve", -3,
              Chart(KSERVE_CHARTS, "kserve-resources", KSERVE_VERSION), needs=("kserve-crd", "cert-manager")),
    # Its instance pods are the operator's, not the chart's: CloudNativePG gives every one the RuntimeDefault seccomp
    # profile (the Cluster CRD, spec.seccompProfile "Defaults to: RuntimeDefault"), non-root and no privilege
    # escalation, so the tracking namespace stays restricted.
    Component("mlflow-db", "the tracking server's PostgreSQL cluster", "mlflow", -3,
              Chart(CNPG_CHARTS, "cluster", "0.8.1"), needs=("cloudnative-pg",), service="tracking"),
    Component("mlflow-storage", "the tracking server's artifact volume, where no object store is given", "mlflow", -3,
              None, service="tracking"),
    # The FeatureStore's pods are the operator's: it copies the FeatureStore's services.securityContext onto them
    # (render/feature_store.py sets a restricted one), so the feature store's namespace stays restricted.
    Component("feast-db", "the feature store's PostgreSQL cluster", "feast", -3, Chart(CNPG_CHARTS, "cluster", "0.8.1"),
              needs=("cloudnative-pg",), service="featureStore"),
    Component("kserve-runtimes", "KServe's ClusterServingRuntimes (MLServer for mlflow models)", "kserve", -2,
              Chart(KSERVE_CHARTS, "kserve-runtime-configs", KSERVE_VERSION), needs=("kserve",)),
    Component("mlflow", "the tracking server and model registry", "mlflow", -2,
              Chart("https://community-charts.github.io/helm-charts", "mlflow", "1.11.5"), needs=("mlflow-db",),
              service="tracking"),
    Component("feast-stores", "the FeatureStore of the declared feature store, on its PostgreSQL", "feast", -2, None,
              needs=("feast-operator", "feast-db"), service="featureStore"),
    Component("kserve-config", "the storage container that downloads models:/ URIs through MLflow", "kserve", -2,
              None, needs=("kserve-crd",)),
    Component("mesh-config", "the ingress Gateways, one per environment with exposed models", "istio-system", -2,
              None, needs=("istio-base",)),
    Component("admission-config", "admission for host-network training: restricted, but for the pinned GPU pods",
              "kube-system", -2, None, sync_options=()),
    Component("kueue-queues", "a ResourceFlavor, Cohort and per-team ClusterQueues for each queued GPU pool",
              "kueue-system", -2, None, needs=("kueue",), sync_options=()),
    Component("calico-config", "Calico IPPools for subnet segments (clusters with Calico IPAM)", "kube-system", -2,
              None, sync_options=()),
)}

