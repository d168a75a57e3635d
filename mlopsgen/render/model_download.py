"""The container that fetches a model from the MLflow registry into a model directory.

One definition for both runtimes. KServe runs it as the ClusterStorageContainer for
`models:/` URIs and starts it with the URI and the directory as its two arguments; a
Seldon predictor runs it as its own init container with the same two arguments. MLflow
resolves the registry URI and downloads through the tracking server's artifact proxy, so
the container needs no object-store credentials and no egress beyond the tracking server.
"""

from __future__ import annotations

from mlopsgen.catalog import conventions as C
from mlopsgen.catalog import hardening
from mlopsgen.platform.model import Platform
from mlopsgen.render import labels as L

# mlflow.artifacts.download_artifacts puts a models:/ URI's files directly into dst_path,
# which is where both runtimes' MLServer looks for the MLmodel file.
DOWNLOAD_COMMAND = ["python", "-c", "import sys, mlflow.artifacts as a; "
                    "a.download_artifacts(artifact_uri=sys.argv[1], dst_path=sys.argv[2])"]


def downloader(platform: Platform, cluster: str, name: str = "storage-initializer") -> dict:
    return {
        "name": name,
        "image": C.MLFLOW_IMAGE,
        "command": list(DOWNLOAD_COMMAND),
        "env": L.tracking_env(platform, cluster),
        "resources": hardening.MODEL_DOWNLOAD_RESOURCES,
        # Pod Security `restricted`; the root filesystem stays writable because KServe injects
        # the container into any pod with a models:/ URI, which need not have a scratch volume.
        "securityContext": {**hardening.CONTAINER_SECURITY_CONTEXT, "readOnlyRootFilesystem": False,
                            "runAsUser": hardening.RUN_AS, "seccompProfile": {"type": "RuntimeDefault"}},
    }
