"""Payload logging and monitors: what the schema cannot see, each a setting that renders a loop which never closes.

Refused at the node that causes it, with the fix in the hint.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from mlopsgen.catalog.runtimes import RUNTIMES
from mlopsgen.platform.checker import Checker
from mlopsgen.platform.model_monitoring import OBJECT_STORE_SCHEMES
from mlopsgen.platform.model_monitors_build import monitor_image
from mlopsgen.platform.semantic_intent import cron_problem


def _host_matches(host: str, pattern: str) -> bool:
    return host == pattern or (pattern.startswith("*.") and host.endswith(pattern[1:]))


def _payloads_reach_their_store(check: Checker) -> None:
    """Payloads are logged by KServe's agent, from the model's pods, to a declared external that admits inference (and
    monitoring, where monitors read it); a sink's host is the external's. Seldon Core logs through its service
    orchestrator, which Seldon models here run without (seldon.io/no-engine), so nothing would log."""
    externals = {x["name"]: x for x in check.data.get("externals") or []}
    for i, model in enumerate(check.data["models"]):
        payloads = model.get("payloads")
        if not payloads:
            continue
        at = ("models", i, "payloads")
        runtime = RUNTIMES[model["runtime"]]
        if not runtime.logger:
            logging = ", ".join(name for name, r in RUNTIMES.items() if r.logger)
            check.fail(at, f"'{model['name']}' is served by {runtime.name}: {runtime.why_no_logger}",
                       f"serve the model with a runtime whose injected agent logs payloads ({logging}), or drop payloads")
            continue
        if not check.reference(at + ("store",), payloads["store"], "externals", "external"):
            continue
        external = externals[payloads["store"]]
        needs = ["inference"] + (["monitoring"] if model.get("monitors") else [])
        missing = [c for c in needs if c not in external["for"]]
        if missing:
            check.fail(at + ("store",), f"external '{external['name']}' is not for {' and '.join(missing)}: the "
                                        f"{'agent' if 'inference' in missing else 'monitors'} could not reach it",
                       f"add {', '.join(missing)} to externals[{list(externals).index(external['name'])}].for")
        url = payloads["url"]
        if not url.startswith(OBJECT_STORE_SCHEMES):
            host = urlsplit(url).hostname or ""
            if not _host_matches(host, external["host"]):
                check.fail(at + ("url",), f"the sink's host '{host}' is not '{external['host']}', the host of "
                                          f"external '{external['name']}': the mesh and the policies would not let it through",
                           "point store at the external that declares the sink's host and CIDRs")


def _monitors_read_logged_payloads(check: Checker) -> None:
    """A monitor compares logged payloads with its data: it needs them in an object store it reads, an image, and
    either a schedule that fires or streaming; accuracy comes from one place (the model's metric or the monitor)."""
    for i, model in enumerate(check.data["models"]):
        monitors = model.get("monitors")
        if not monitors:
            continue
        at = ("models", i, "monitors")
        payloads = model.get("payloads")
        if not payloads:
            check.fail(at, f"'{model['name']}' has monitors and logs no payloads: they would have nothing to read",
                       "add payloads with an object-store url (s3://bucket/prefix)")
        elif not payloads["url"].startswith(OBJECT_STORE_SCHEMES):
            check.fail(at, f"'{model['name']}' logs payloads to a CloudEvents sink, which monitors cannot read back",
                       "log to an object-store prefix (payloads.url: s3://bucket/prefix)")
        if not monitor_image(model):
            check.fail(at, f"'{model['name']}' has monitors and no image to run them: it has no retraining image either",
                       "set monitors.image to an image with the drift_monitor and accuracy_monitor modules")
        for kind in ("drift", "accuracy"):
            monitor = monitors.get(kind)
            if not monitor:
                continue
            schedule, streaming = monitor.get("schedule"), monitor.get("streaming", False)
            if schedule and streaming:
                check.fail(at + (kind, "streaming"), f"the {kind} monitor of '{model['name']}' has a schedule and streams",
                           "keep one: schedule (cron) for periodic comparisons, or streaming: true")
            elif not schedule and not streaming:
                check.fail(at + (kind,), f"the {kind} monitor of '{model['name']}' neither has a schedule nor streams",
                           "add schedule (cron, e.g. '0 * * * *') or streaming: true")
            elif schedule and (problem := cron_problem(schedule)):
                check.fail(at + (kind, "schedule"), f"schedule '{schedule}': {problem}",
                           "use 5 fields: minute hour day-of-month month day-of-week, e.g. '0 * * * *'")
        if monitors.get("accuracy") and (model.get("slos") or {}).get("accuracyMetric"):
            check.fail(("models", i, "slos", "accuracyMetric"), f"'{model['name']}' gets accuracy from its own metric and "
                                                                "from the accuracy monitor: the SLO alert can read one",
                       "drop accuracyMetric: the monitor computes accuracy from the delayed labels")


PAYLOAD_RULES = (_payloads_reach_their_store, _monitors_read_logged_payloads)
