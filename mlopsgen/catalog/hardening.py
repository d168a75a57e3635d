"""The hardened pod: what every workload mlopsgen renders runs with.

These blocks satisfy Pod Security `restricted` (non-root, no privilege
escalation, all capabilities dropped, RuntimeDefault seccomp) and add a
read-only root filesystem, with a writable emptyDir at /tmp for scratch.
"""

from __future__ import annotations

RUN_AS = 1000

POD_SECURITY_CONTEXT = {
    "runAsNonRoot": True, "runAsUser": RUN_AS, "fsGroup": RUN_AS, "seccompProfile": {"type": "RuntimeDefault"},
}
CONTAINER_SECURITY_CONTEXT = {
    "allowPrivilegeEscalation": False, "privileged": False, "readOnlyRootFilesystem": True,
    "runAsNonRoot": True, "capabilities": {"drop": ["ALL"]},
}
SCRATCH_VOLUME = {"name": "scratch", "emptyDir": {}}
SCRATCH_MOUNT = {"name": "scratch", "mountPath": "/tmp"}


def guaranteed(cpu: str, memory: str, gpus: int = 0) -> dict:
    """Requests equal to limits: guaranteed QoS, and GPU requests must equal limits anyway."""
    amounts = {"cpu": cpu, "memory": memory}
    if gpus:
        amounts["nvidia.com/gpu"] = str(gpus)
    return {"requests": amounts, "limits": dict(amounts)}


MODEL_DOWNLOAD_RESOURCES = guaranteed("500m", "1Gi")  # the container that fetches a model from the registry
