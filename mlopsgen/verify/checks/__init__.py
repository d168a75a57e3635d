"""The journeys of a working platform, one named check each, in order. Families live in sibling modules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mlopsgen.verify.checks import (
    admission,
    bootstrap,
    chart_objects,
    connectivity,
    feature_store,
    lifecycle,
    platform_flows,
    quotas,
    serving,
    urls,
    workflows,
)
from mlopsgen.verify.context import Context
from mlopsgen.verify.journey_ids import ORDER, journey_id
from mlopsgen.verify.result import Finding

Run = Callable[[Context, dict], list[Finding]]


@dataclass(frozen=True)
class Journey:
    slug: str
    number: int
    title: str
    runs: tuple[Run, ...]
    proves: str  # the reason given when it passes
    sees_charts: bool = True  # judges objects charts render: UNKNOWN, not PASS, when a chart was not rendered
    sees_repository: bool = False  # judges where the tree is in its repository: UNKNOWN, not PASS, where that is not known

    @property
    def id(self) -> str:
        return journey_id(self.slug)

    @property
    def about(self) -> str:
        """What fails the journey and why that breaks the platform: its documentation page."""
        return ABOUT[self.slug]


JOURNEYS: dict[str, Journey] = {j.slug: j for j in (
    Journey("bootstrap", 1, "Bootstrap through Argo CD", (bootstrap.run,),
            "every app's sources are in the repository where the tree sits, its project exists before it, every kind "
            "comes from a CRD installed earlier, projects permit what apps deploy", sees_repository=True),
    Journey("admission", 2, "Pods are admitted", (admission.run, admission.charts, quotas.run, chart_objects.placement),
            "every pod, injected containers included, meets its namespace's Pod Security level; quotas cover what runs "
            "together; GPU pods fit their pools; chart pods meet their namespace's level, node agents and the device plugin run where they must"),
    Journey("workflows", 3, "Argo Workflows steps complete", (workflows.run,),
            "executors may write workflowtaskresults and do what their resource steps do, have their token, and no "
            "sidecar keeps a pod alive"),
    Journey("serving", 4, "Models load and serve", (serving.serving, chart_objects.runtimes),
            "every model directory is filled through the mesh, runtimes match artifacts and can start, MLflow keeps and "
            "serves what it stores; a runtime serves every model format"),
    Journey("traffic", 5, "Traffic reaches the model", (serving.traffic,),
            "gateway hosts are unique, routes reach the model server's paths, policies name the installed gateway"),
    Journey("connectivity", 6, "Connectivity the platform needs, and only that", (connectivity.run, platform_flows.run,
                                                                                  feature_store.run),
            "every required flow is allowed and every other flow is denied, at NetworkPolicy and Istio; training and "
            "inference reach the feature store's real Service, which keeps its data in PostgreSQL"),
    Journey("clusters", 7, "Several clusters", (urls.run,),
            "every in-cluster URL names a service of the workload's own cluster, published endpoints take only client "
            "certificates their clients hold; segments have Calico IPAM", sees_charts=False),
    Journey("monitoring", 8, "Monitoring", (lifecycle.monitoring, chart_objects.scrapes),
            "every alert reads a metric the tree exports; every ServiceMonitor names a port of the Services it selects"),
    Journey("retraining", 9, "Retraining", (lifecycle.retraining,),
            "every step's template exists, isolated steps get their inputs by volume, promotion and a rollout that "
            "Argo CD keeps act on validation", sees_charts=False),
)}

ABOUT = {
    "bootstrap": "Argo CD applies the tree from its root Application. Argo CD reads each Git source's path and each "
                 "`$values/...` file from the repository root, so each must name the tree where it is committed "
                 "(`gitops.path` is the tree's path from that root): the tree's place is taken from the Git work "
                 "tree holding it, or, with no repository, from the spec's folder for its default output; where it "
                 "is not known, the journey is UNKNOWN. Each Application must name an AppProject that exists before "
                 "it (an earlier sync wave), every object's kind must come from a CRD an earlier wave "
                 "installs, and the project must permit the namespace and, for cluster-scoped objects, the kind of "
                 "everything the app deploys. A miss stops the sync where it happens, and every later wave waits for it. "
                 "Charts are judged as helm renders them: helm must render them, CRDs over client-side apply's "
                 "annotation limit need server-side apply, install hooks must not download, a second render must be "
                 "identical (or the app never settles) and no field a controller rewrites may be set otherwise.",
    "admission": "Every pod the tree makes, the containers controllers inject included (Istio's proxy, KServe's storage "
                 "initializer, Argo's executor), must pass its namespace's Pod Security level, or the API server refuses "
                 "it. Requests and limits must fit the namespace's ResourceQuota for what runs together, and GPU pods "
                 "must fit a pool: otherwise pods stay Pending or are refused.",
    "workflows": "Argo Workflows steps must be able to finish: the executor's service account may create "
                 "workflowtaskresults and do what each resource step does, the pod gets its token, and no sidecar keeps "
                 "a finished step's pod running. A step that cannot report never completes.",
    "serving": "Each model server must start and serve: its model directory is filled (through the mesh where the "
               "namespace is meshed), the runtime can load the artifact format, and MLflow keeps and serves what "
               "training stores. A server that cannot load its model never becomes ready.",
    "traffic": "Requests must reach the model: gateway hosts are unique, routes point at the model server's paths and "
               "port, and the policies on the way name the gateway the tree installs.",
    "connectivity": "Every flow a journey needs (DNS, the sidecar to istiod, training and serving to tracking, workflow "
                    "pods to the API server, the gateway to exposed models, Prometheus scrapes, declared callers) must "
                    "be allowed, and every other connection between the platform's endpoints denied, NetworkPolicies "
                    "(as the API server defaults them, mlopsgen/kube/netpol.py) and Istio policies evaluated together. "
                    "A mismatch names the policy and rule that decide it; hostNetwork pods are reported as outside "
                    "NetworkPolicy, never as isolated. In the platform's own namespaces the flows come from the rendered charts "
                    "(webhooks, role bindings, ServiceMonitors, MLflow's database) and a default deny must select every pod. "
                    "The feature store's Service and pods are the Feast operator's, derived from each FeatureStore "
                    "(feast-<name>-online, port 80 to the pods' 6566): every training and inference client must dial that "
                    "Service by name and port, or a published host routed to it, and reach its pods; the store's registry "
                    "and online store must be kept in a CloudNativePG cluster of the tree.",
    "clusters": "Across clusters, every in-cluster URL a workload uses names a Service of its own cluster, a service of "
                "another cluster is reached at its published endpoint, published endpoints accept only client "
                "certificates their clients hold, and subnet segments have Calico IPAM where they are used.",
    "monitoring": "Every alert the tree defines must read a metric something in the tree exports and Prometheus "
                  "scrapes: an alert on a metric nobody exports never fires.",
    "retraining": "The retraining loop must be able to run: every step's template exists, isolated steps get their "
                  "inputs by volume, and promotion and the rollout act on validation's result with a change Argo CD "
                  "keeps (ignoreDifferences), so self-heal does not undo it.",
}

assert tuple(JOURNEYS) == ORDER and all(j.number == i + 1 for i, j in enumerate(JOURNEYS.values())), "journey_ids.ORDER"
