"""The pods Argo Events' controller makes from a namespace's EventSources, Sensors and EventBuses, as their pod
templates say (kube/workloads.py reads them), with how many run: judged for Pod Security and counted in quotas."""

from __future__ import annotations

from mlopsgen.kube.walk import get
from mlopsgen.kube.workloads import pod_templates
from mlopsgen.verify.podspec import Pod, container_of
from mlopsgen.verify.tree import Obj

EVENT_KINDS = ("EventSource", "Sensor", "EventBus")
# A JetStream bus runs 3 replicas unless it says otherwise (the JetStreamBus API's default); an EventSource and a
# Sensor one (their `replicas`, default 1).
DEFAULT_REPLICAS = {"EventBus": 3, "EventSource": 1, "Sensor": 1}


def pods_of(view, obj: Obj) -> list[Pod]:
    return [Pod(view.name, obj.namespace or "", f"{obj.kind.lower()}/{obj.name}", "events", obj, t.path, dict(t.labels),
                t.spec.get("serviceAccountName") or "default", True, False, t.spec.get("securityContext") or {},
                [container_of(c) for c in t.spec.get("containers") or []], list(t.spec.get("volumes") or []),
                t.spec.get("nodeSelector") or {}, list(t.spec.get("tolerations") or [])) for t in pod_templates(obj.data)]


def replicas(obj: Obj) -> int:
    count = get(obj.data, "spec", "jetstream", "replicas") if obj.kind == "EventBus" else get(obj.data, "spec", "replicas")
    return count if isinstance(count, int) else DEFAULT_REPLICAS[obj.kind]


def event_pods(view, namespace: str) -> list[tuple[Pod, int]]:
    """(pod, how many run) of every Argo Events object of the tree in `namespace`."""
    return [(pod, replicas(obj)) for kind in EVENT_KINDS for obj in view.of_kind(kind)
            if obj.namespace == namespace and not obj.origin for pod in pods_of(view, obj)]
