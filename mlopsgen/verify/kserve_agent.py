"""KServe's `agent` container, which its pod webhook adds beside a predictor with a `logger`.

As the v0.20 webhook builds it (pkg/webhook/admission/pod/agent_injector.go): named `agent`, the securityContext
copied from the pod's first container (the model server), resources from the `agent` key of the
inferenceservice-config ConfigMap the kserve chart renders, port 9081. Where the chart was not rendered the
chart's defaults stand in (the journeys that judge charts are UNKNOWN then).
"""

from __future__ import annotations

import json

from mlopsgen.catalog.monitors import KSERVE_AGENT, KSERVE_AGENT_PORT, KSERVE_AGENT_RESOURCES
from mlopsgen.kube.model_pods import ModelPod
from mlopsgen.kube.walk import get, mapping
from mlopsgen.verify.cluster import ClusterView
from mlopsgen.verify.configured import rendered
from mlopsgen.verify.podspec import Container
from mlopsgen.verify.tree import Obj


def agent_resources(view: ClusterView) -> dict:
    maps = rendered(view, "kserve", "ConfigMap") or []
    config = next((m for m in maps if m.name == "inferenceservice-config"), None)
    try:
        agent = json.loads(str((config.data.get("data") or {}).get("agent", "{}"))) if config else {}
    except ValueError:
        agent = {}
    if not isinstance(agent, dict) or not agent:
        return KSERVE_AGENT_RESOURCES
    return {"requests": {"cpu": agent.get("cpuRequest", "100m"), "memory": agent.get("memoryRequest", "100Mi")},
            "limits": {"cpu": agent.get("cpuLimit", "1"), "memory": agent.get("memoryLimit", "1Gi")}}


def logger_of(model: ModelPod) -> dict:
    """The component's `logger`, where it has one (a predictor's, a transformer's)."""
    return mapping(get(model.spec, "logger"))


def kserve_agent(view: ClusterView, obj: Obj, model: ModelPod) -> Container | None:
    if not logger_of(model):
        return None
    first = mapping(get(model.spec, "model")) or next(iter(model.spec.get("containers") or []), {})
    security = dict(mapping(first.get("securityContext")))
    return Container(KSERVE_AGENT, security, agent_resources(view), "KServe (payload logger)",
                     ports=[{"name": "agent-port", "containerPort": KSERVE_AGENT_PORT}])
