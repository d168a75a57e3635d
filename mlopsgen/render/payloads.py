"""Payload logging: the `logger` of a model's InferenceService, and where each environment's payloads land.

KServe v0.20's predictor takes `logger` (mode, url, batchSize, storage: path, parameters, key, serviceAccountName;
the serving.kserve.io_inferenceservices CRD). With a CloudEvents sink the agent posts each payload to `url`;
with an object store, `url` names the bucket and `storage` the prefix, the format (JSON, the only one the blob
logger writes) and the service account whose Secret holds the store's credentials (KServe's documentation,
"Store Logs in Blob Storage"). Each environment writes under its own folder of the prefix, so staging's
traffic never reaches what production's monitors read.
"""

from __future__ import annotations

from mlopsgen.catalog import conventions as C
from mlopsgen.catalog.monitors import BLOB_LOG_FORMAT
from mlopsgen.catalog.runtimes import ServingRuntime
from mlopsgen.platform.model_monitoring import Payloads
from mlopsgen.platform.model_serving import Model


def kserve_logger(model: Model) -> dict | None:
    payloads = model.payloads
    if payloads is None:
        return None
    logger: dict = {"mode": payloads.mode, "url": payloads.bucket if payloads.in_object_store else payloads.url}
    if payloads.batch_size:
        logger["batchSize"] = payloads.batch_size
    if payloads.in_object_store:
        logger["storage"] = {"path": payloads.prefix, "parameters": {"type": "s3", "format": BLOB_LOG_FORMAT},
                             "serviceAccountName": C.PAYLOAD_LOGGER}
    return logger


def environment_prefix(payloads: Payloads, environment: str) -> str:
    return f"{payloads.prefix.rstrip('/')}/{environment}"


def logged_at(payloads: Payloads, environment: str) -> str:
    """Where one environment's payloads are, for the monitors that read them."""
    return f"{payloads.bucket}{environment_prefix(payloads, environment)}"


def logger_path_patch(runtime: ServingRuntime, model: Model, environment: str) -> list[dict]:
    """The JSON patch operation that points an environment's logger at its own folder (object stores only)."""
    if model.payloads is None or not model.payloads.in_object_store or not runtime.logger:
        return []
    path = "/" + "/".join((*runtime.logger, "storage", "path"))
    return [{"op": "replace", "path": path, "value": environment_prefix(model.payloads, environment)}]


def payload_logger_account(namespace: str, labels: dict) -> dict:
    """The service account KServe's agent takes the store's credentials from: the Secret the platform engineer
    provides (KServe attaches the Secrets a service account lists)."""
    return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": C.PAYLOAD_LOGGER, "namespace": namespace, "labels": labels},
            "automountServiceAccountToken": False, "secrets": [{"name": C.PAYLOAD_STORE_SECRET}]}
