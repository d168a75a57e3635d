"""Payload logging and model monitors: what the tree runs for them, read by validate, render and verify.

KServe's logger is its `agent` container, which the pod webhook adds to a predictor whose spec has a `logger`
(pkg/webhook/admission/pod/agent_injector.go, v0.20): resources from the `agent` key of the inferenceservice-config
ConfigMap, the securityContext copied from the pod's first container, port 9081. A monitor is a Deployment of the
team's image (its contract: README, "Payload logging and monitors").
"""

from __future__ import annotations

from mlopsgen.catalog import hardening

KSERVE_AGENT = "agent"  # the container's name (KServe constants.AgentContainerName)
KSERVE_AGENT_PORT = 9081  # constants.InferenceServiceDefaultAgentPort
# The `agent` entry of the chart's inferenceservice-config (kserve-resources v0.20, files/common/configmap.yaml),
# which the tree leaves as the chart sets it; verify reads the rendered ConfigMap.
KSERVE_AGENT_RESOURCES = {"requests": {"cpu": "100m", "memory": "100Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}}
BLOB_LOG_FORMAT = "json"  # the only format KServe's blob logger writes (its documentation, "Store Logs in Blob Storage")

MONITOR_MODULES = {"drift": "drift_monitor", "accuracy": "accuracy_monitor"}  # `python -m <module>` in the image
MONITOR_RESOURCES = hardening.guaranteed("250m", "512Mi")


def monitor_name(model: str, kind: str) -> str:
    """The Deployment, Service and ServiceMonitor of one monitor, and its pods' `mlopsgen.dev/monitor` label."""
    return f"{model}-{kind}-monitor"
