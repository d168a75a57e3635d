"""The journeys of a working platform, one named check each, in order. Families live in sibling modules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mlopsgen.verify.checks import admission, bootstrap, connectivity, lifecycle, quotas, serving, urls, workflows
from mlopsgen.verify.context import Context
from mlopsgen.verify.result import Finding

Run = Callable[[Context, dict], list[Finding]]


@dataclass(frozen=True)
class Journey:
    slug: str
    number: int
    title: str
    runs: tuple[Run, ...]
    proves: str  # the reason given when it passes


JOURNEYS: dict[str, Journey] = {j.slug: j for j in (
    Journey("bootstrap", 1, "Bootstrap through Argo CD", (bootstrap.run,),
            "every app's project exists before it, every kind comes from a CRD installed earlier, projects permit what apps deploy"),
    Journey("admission", 2, "Pods are admitted", (admission.run, quotas.run),
            "every pod, injected containers included, meets its namespace's Pod Security level; quotas cover what runs "
            "together; GPU pods fit their pools"),
    Journey("workflows", 3, "Argo Workflows steps complete", (workflows.run,),
            "executors may write workflowtaskresults and do what their resource steps do, have their token, and no "
            "sidecar keeps a pod alive"),
    Journey("serving", 4, "Models load and serve", (serving.serving,),
            "every model directory is filled through the mesh, runtimes match artifacts and can start, MLflow keeps and "
            "serves what it stores"),
    Journey("traffic", 5, "Traffic reaches the model", (serving.traffic,),
            "gateway hosts are unique, routes reach the model server's paths, policies name the installed gateway"),
    Journey("connectivity", 6, "Connectivity the platform needs, and only that", (connectivity.run,),
            "every required flow is allowed and every other flow is denied, at NetworkPolicy and Istio"),
    Journey("clusters", 7, "Several clusters", (urls.run,),
            "every in-cluster URL names a service of the workload's own cluster, published endpoints take only client "
            "certificates their clients hold; segments have Calico IPAM"),
    Journey("monitoring", 8, "Monitoring", (lifecycle.monitoring,), "every alert reads a metric the tree exports"),
    Journey("retraining", 9, "Retraining", (lifecycle.retraining,),
            "every step's template exists, isolated steps get their inputs by volume, promotion and a rollout that "
            "Argo CD keeps act on validation"),
)}
