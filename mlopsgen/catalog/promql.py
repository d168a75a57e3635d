"""Metric queries on what the model's Istio sidecar exports.

Alerts and dashboards read the same series through these functions, so a
panel always shows what its alert fires on. `reporter="destination"` keeps
only the server side's report of each request: without it, requests from
meshed clients are counted twice (once by each proxy).
"""

from __future__ import annotations

import re

REQUESTS = "istio_requests_total"
DURATION_BUCKETS = "istio_request_duration_milliseconds_bucket"
EXPORTED_METRICS = (REQUESTS, DURATION_BUCKETS)  # what every meshed model exports


def _match(namespace: str, service: str, extra: str = "") -> str:
    labels = f'reporter="destination", destination_workload_namespace="{namespace}", destination_service_name="{service}"'
    return "{" + labels + (f", {extra}" if extra else "") + "}"


def request_rate(namespace: str, service: str) -> str:
    return f"sum(rate({REQUESTS}{_match(namespace, service)}[5m]))"


def p95_latency_ms(namespace: str, service: str) -> str:
    return f"histogram_quantile(0.95, sum by (le) (rate({DURATION_BUCKETS}{_match(namespace, service)}[5m])))"


def scraped_minimum(metric: str, namespace: str, service: str) -> str:
    """The lowest value over an hour of a metric the model server exports. The model's
    ServiceMonitor scrapes it, and prometheus-operator labels each target with its Service."""
    return f'min_over_time({metric}{{namespace="{namespace}", service="{service}"}}[1h])'


def error_ratio(namespace: str, service: str) -> str:
    server_errors = _match(namespace, service, 'response_code=~"5.."')
    errors = f"sum(rate({REQUESTS}{server_errors}[5m]))"
    return f"{errors} / {request_rate(namespace, service)}"


# The DCGM exporter's series carry the namespace and pod holding each GPU (its ServiceMonitor honors them).
GPU_UTILISATION = "DCGM_FI_DEV_GPU_UTIL"  # percent of time a kernel ran, per GPU
GPU_MEMORY_USED = "DCGM_FI_DEV_FB_USED"  # framebuffer memory in use, MiB
GPU_METRICS = (GPU_UTILISATION, GPU_MEMORY_USED)
IDLE_WINDOW = "1h"


def _held(metric: str, namespace: str) -> str:
    """A GPU metric's series of the GPUs pods of `namespace` hold."""
    return f'{metric}{{namespace="{namespace}", pod!=""}}'


def gpu_utilisation(namespace: str) -> str:
    return f"avg by (pod) ({_held(GPU_UTILISATION, namespace)})"


def gpu_memory_used(namespace: str) -> str:
    return f"sum by (pod) ({_held(GPU_MEMORY_USED, namespace)})"


def idle_gpus(namespace: str) -> str:
    """GPUs held by a pod of the namespace that ran no kernel for the whole window: allocated, and wasted."""
    return f"max by (pod, gpu) (max_over_time({_held(GPU_UTILISATION, namespace)}[{IDLE_WINDOW}])) == 0"


# The model monitors' series (their image contract: README, "Payload logging and monitors"). Each carries the
# model's name as `model`; prometheus-operator adds the target's `namespace`.
DRIFT_SCORE = "mlopsgen_model_drift_score"
ACCURACY = "mlopsgen_model_accuracy"
MONITOR_METRICS = {"drift": DRIFT_SCORE, "accuracy": ACCURACY}
DRIFT_ALERT = "ModelDriftDetected"  # what a drift trigger listens for, with labels model, namespace and severity


def monitored(metric: str, namespace: str, model: str) -> str:
    return f'{metric}{{namespace="{namespace}", model="{model}"}}'


def drift_score(namespace: str, model: str) -> str:
    return f"max({monitored(DRIFT_SCORE, namespace, model)})"


def monitored_accuracy(namespace: str, model: str) -> str:
    """The lowest accuracy over an hour the accuracy monitor computed from delayed labels."""
    return f"min(min_over_time({monitored(ACCURACY, namespace, model)}[1h]))"


_METRIC = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?=\{|\[)")
_FUNCTIONS = {"sum", "rate", "min_over_time", "max_over_time", "avg_over_time", "histogram_quantile", "by", "irate", "increase"}


def metrics_read(expr: str) -> set[str]:
    """The metric names an expression reads: names followed by a selector or a range."""
    return {m for m in _METRIC.findall(expr) if m not in _FUNCTIONS}
