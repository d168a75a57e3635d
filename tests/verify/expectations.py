"""What verify reports for the bundled examples, journey by journey: the one table to update.

A journey maps to the reasons it fails for (substrings of its findings), or to
an empty list when it passes. As the rendered trees learn to bootstrap, admit
and connect what ../FUNCTION.md describes, move the journey to [] here: the
tests then assert it passes.
"""

from __future__ import annotations

EXPECTED: dict[str, dict[str, list[str]]] = {
    "quickstart": {
        # The app uses Argo CD's Helm OCI form (no scheme); the project lists the repository with oci://.
        "bootstrap": ["project platform does not permit source ghcr.io/kserve/charts of main-kserve"],
        # The resource step that creates the isolated Job is meshed, and neither its pod nor the sidecar
        # (global.proxy.seccompProfile unset) has a seccomp profile.
        "admission": ["fraud-prod/validate: Pod Security 'restricted' rejects container istio-proxy (injected by Istio): "
                      "no RuntimeDefault or Localhost seccompProfile"],
        "workflows": [],
        "serving": [],
        "traffic": [],
        "connectivity": [],
        "clusters": [],
        "monitoring": [],
        "retraining": [],
    },
    "multicloud": {
        "bootstrap": ["project platform does not permit source ghcr.io/kserve/charts of serving-weu-kserve"],
        # serving-weu's mesh is the AKS add-on: the spec cannot say it runs the CNI plugin or native sidecars.
        "admission": ["rejects container istio-init (injected by the cluster's Istio: nothing says it runs the CNI plugin)",
                      "vision-prod/validate: Pod Security 'restricted' rejects container istio-proxy"],
        "workflows": ["the Istio sidecar keeps the pod running after the step's container exits (the cluster provides Istio; "
                      "nothing says it runs native sidecars)"],
        "serving": [],
        "traffic": [],
        # The retraining promote step is labelled class training in mode internal; staging's training mode is subnet.
        "connectivity": ["forbidden flow allowed: vision-staging/defect-detector-retrain/promote -> istio-system/istiod TCP/15012"],
        "clusters": [],
        "monitoring": [],
        "retraining": [],
    },
}
