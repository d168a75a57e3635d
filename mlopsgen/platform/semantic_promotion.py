"""A registry promotion that rolls the model out (`models[].promotion`): each link must be able to exist.

The alias MLflow announces must be the one the model serves, so the model must be served from an alias
(`models:/<name>@<alias>`, the canary's source where it has one). MLflow delivers webhooks only from a SQL backend
store (mlflow.org "Webhooks": "The file backend doesn't support webhooks"): the tracking server the tree installs
keeps its registry in PostgreSQL, so each environment's cluster needs one, on that cluster, since a webhook URL is
the team namespace's in-cluster name, which resolves on its own cluster only.
"""

from __future__ import annotations

import re

from mlopsgen.platform.checker import Checker

ALIAS_SOURCE = re.compile(r"^models:/[^/@]+@[A-Za-z0-9_-]+$")


def _served_from_an_alias(check: Checker) -> None:
    """The served track's source names an alias: a version or a stage would never be announced as one."""
    for i, model in enumerate(check.data["models"]):
        if not (model.get("promotion") or {}).get("registry"):
            continue
        canary = model.get("canary")
        source, where = (canary["source"], "canary.source") if canary else (model["source"], "source")
        if not ALIAS_SOURCE.match(str(source)):
            check.fail(("models", i, "promotion", "registry"), f"model '{model['name']}' rolls out on a registry "
                       f"promotion, but serves {source} ({where}), not an alias: MLflow announces only an alias it moves",
                       f"serve an alias, e.g. {where}: models:/{model['name']}@champion, or drop promotion")


def _tracking_server_delivers(check: Checker) -> None:
    """Each environment's cluster runs a tracking server the tree installs (a SQL backend store) on that cluster."""
    env_cluster = {e["name"]: e["cluster"] for e in check.data["environments"]}
    tracking = [s for s in check.data["services"] if s["kind"] == "tracking"]
    for i, model in enumerate(check.data["models"]):
        if not (model.get("promotion") or {}).get("registry"):
            continue
        for env in model["environments"]:
            cluster = env_cluster.get(env)
            if cluster is None:
                continue
            here = [s for s in tracking if s.get("cluster") in (None, cluster)]
            if here:
                continue
            elsewhere = sorted(str(s["cluster"]) for s in tracking)
            reason = (f"the tracking server runs on '{elsewhere[0]}', which cannot reach the webhook's in-cluster name on "
                      f"'{cluster}'" if elsewhere else "there is no tracking server to deliver the webhook")
            check.fail(("models", i, "promotion", "registry"), f"model '{model['name']}' rolls out on a registry promotion "
                       f"in environment '{env}' (cluster '{cluster}'), but {reason}",
                       f"run the tracking server on '{cluster}' (services[].cluster) or serve the model beside it, "
                       "or drop promotion")


PROMOTION_RULES = (_served_from_an_alias, _tracking_server_delivers)
