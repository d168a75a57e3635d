"""Label keys and the common label sets every rendered object carries."""

from __future__ import annotations

from mlopsgen.platform.model import Platform

MANAGED_BY = {"app.kubernetes.io/managed-by": "mlopsgen"}
PLATFORM = "mlopsgen.dev/platform"
TEAM = "mlopsgen.dev/team"
ENVIRONMENT = "mlopsgen.dev/environment"
WORKLOAD_CLASS = "mlopsgen.dev/workload-class"
NETWORK_MODE = "mlopsgen.dev/network-mode"
NETWORK_NOTE = "mlopsgen.dev/network-note"
SIDECAR_INJECT = "sidecar.istio.io/inject"
MODEL = "mlopsgen.dev/model"
TRACK = "mlopsgen.dev/track"
HOST_JUSTIFICATION = "mlopsgen.dev/host-network-justification"


def common(platform: Platform, team: str | None = None, environment: str | None = None) -> dict[str, str]:
    labels = {**MANAGED_BY, PLATFORM: platform.name}
    if team:
        labels[TEAM] = team
    if environment:
        labels[ENVIRONMENT] = environment
    return labels


# checkov (CKV_K8S_21) reads a missing namespace as "default". Base objects carry
# none on purpose: every overlay that includes the base sets its own. The README
# lists each skip; a test counts them.
BASE_NAMESPACE_SKIP = {"checkov.io/skip1": "CKV_K8S_21=namespace is set by each Kustomize overlay that includes this base"}
