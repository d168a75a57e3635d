"""The journeys of a working platform, one named check each, in order. Families live in sibling modules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mlopsgen.verify.checks import (
    admission,
    alert_retraining,
    bootstrap,
    chart_objects,
    connectivity,
    feature_store,
    lifecycle,
    logs,
    payloads,
    platform_flows,
    promotion,
    queues,
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
    Journey("admission", 2, "Pods are admitted", (admission.run, admission.charts, quotas.run, chart_objects.placement,
                                                   queues.admitted, queues.borrowing),
            "every pod, injected containers included, meets its namespace's Pod Security level; quotas cover what runs "
            "together; GPU pods fit their pools; chart pods meet their namespace's level, node agents and the device plugin run where they must; "
            "training pods on queued pools are admitted by their queue, and teams borrow idle GPUs within the limits on nodes the pool has"),
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
    Journey("payloads", 10, "Payloads reach the store", (payloads.payloads,),
            "every model that logs has its logger, KServe's agent beside it passes Pod Security, and its pods may reach the store"),
    Journey("drift", 11, "Drift becomes an alert", (payloads.drift,),
            "every drift monitor runs, a ServiceMonitor selects it on a port Prometheus may reach, and ModelDriftDetected "
            "reads the metric it exports, labelled with the model and namespace"),
    Journey("alert-retraining", 12, "An alert starts retraining", (alert_retraining.run,),
            "each retraining alert is routed by an AlertmanagerConfig Alertmanager selects to a webhook EventSource "
            "whose Sensor creates a Workflow from the model's retraining template, with an account allowed to, over "
            "flows the policies allow"),
    Journey("logs", 13, "Logs reach Loki, each team's in its own tenant", (logs.run,),
            "Loki is multi-tenant, Alloy reads every team namespace's logs through the API server (its RBAC and egress) "
            "and pushes them to the team's tenant only, Grafana reaches Loki and no team pod does"),
    Journey("promotion", 14, "A promotion reaches serving", (promotion.run,),
            "each promoted model's webhook is registered in MLflow, which may deliver to it over flows the policies allow; "
            "a Sensor admits only its alias and starts its promotion template, with an account allowed to, which checks the "
            "signature before rolling the object that serves the alias, a change Argo CD keeps"),
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
                 "must fit a pool: otherwise pods stay Pending or are refused. On a pool Kueue queues, a GPU pod must "
                 "carry its LocalQueue's label, the LocalQueue must feed a ClusterQueue that admits the namespace and "
                 "covers what the pod asks, the namespace's ResourceQuota must not refuse what the queue admits, and what "
                 "the cohort admits at once, a team borrowing idle GPUs to its limit included, must fit the pool's nodes.",
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
    "logs": "Where a logs service runs, every pod's logs must reach Loki and each team must read only its own: Loki "
            "must be multi-tenant (`auth_enabled`, or it serves every log to any query), Alloy must read each team "
            "namespace's pods through the API server (its service account may get, list and watch pods and get "
            "pods/log, and its namespace's policies let it reach the API server) and push them to the team's tenant "
            "only, Alloy and Grafana must reach Loki's port, and no team pod may (it could name any tenant in its own "
            "X-Scope-OrgID). A cluster without a logs service has nothing to judge.",
    "retraining": "The retraining loop must be able to run: every step's template exists, isolated steps get their "
                  "inputs by volume, and promotion and the rollout act on validation's result with a change Argo CD "
                  "keeps (ignoreDifferences), so self-heal does not undo it.",
    "alert-retraining": "Where a model's retraining starts on an alert (`retraining.triggers` drift or slo), each such "
                        "alert must reach a Workflow: an AlertmanagerConfig of its namespace that Alertmanager selects "
                        "routes it to the webhook of an EventSource, a Sensor on that webhook whose filters pass the "
                        "alert creates a Workflow from the model's WorkflowTemplate `<model>-retrain` through an "
                        "EventBus both use, its service account may create Workflows, the pods Argo Events makes of them pass "
                        "the namespace's Pod Security, and every hop is a flow the "
                        "NetworkPolicies allow (Alertmanager to the webhook, the webhook and the Sensor to the bus, the "
                        "bus' replicas to each other, the Sensor to the API server). A broken link means the alert "
                        "fires and nothing retrains.",
    "promotion": "Where a model rolls out on a registry promotion (`promotion.registry`), moving the alias it serves in "
                 "MLflow must roll its pods in each environment that serves it: MLflow keeps its registry in a SQL store "
                 "and may deliver to an in-cluster http URL, a PostSync Job registers the webhook for "
                 "`model_version_alias.created` at a webhook of the namespace's EventSource, MLflow's pods may connect to "
                 "it, a Sensor admits deliveries of that model and alias only and creates a Workflow from `<model>-promote` "
                 "with an account allowed to, the template checks the delivery's HMAC signature with the platform "
                 "engineer's key before any step patches, and its rollout patches the object serving the alias, with a "
                 "change Argo CD keeps. A broken link means the registry says one version and serving another.",
    "payloads": "A model that logs payloads (the spec's `payloads`) must have its runtime object's `logger`, or KServe "
                "injects no agent and nothing is logged; the agent KServe injects (with the model server's "
                "securityContext) must pass the namespace's Pod Security level, or the pod is refused; and the model's "
                "pods must be allowed to connect to the store's external address, or every write fails.",
    "drift": "A drift monitor must run in each of its model's namespaces, a ServiceMonitor must select a Service in front "
             "of it on a port that Service has, NetworkPolicies and Istio must let Prometheus connect on that port, and "
             "the ModelDriftDetected alert, labelled model, namespace and severity, must read the metric the monitor "
             "exports: otherwise drift is measured and nobody hears of it.",
}

assert tuple(JOURNEYS) == ORDER and all(j.number == i + 1 for i, j in enumerate(JOURNEYS.values())), "journey_ids.ORDER"
