"""How training and inference find the feature store: FEAST_FEATURE_SERVER_URL, the Feast operator's online Service
where the store runs on their cluster (feast-<name>-online, port 80), its published endpoint elsewhere."""

from __future__ import annotations

from mlopsgen.catalog import conventions as C
from mlopsgen.platform.model import Platform
from mlopsgen.render.labels import remote_tracking

CLIENT_CERT_ENV = "FEAST_FEATURE_SERVER_CLIENT_CERT_PATH"


def feature_store_env(platform: Platform, cluster: str) -> list[dict]:
    local = next((s for s in platform.services_for(cluster) if s.kind == "featureStore"), None)
    if local is not None:
        return [{"name": C.FEAST_URL_ENV, "value": local.url}]
    remote = next((s for s in platform.services if s.kind == "featureStore" and s.published), None)
    if remote is None or remote.published is None:
        return []
    env = [{"name": C.FEAST_URL_ENV, "value": remote.published.url}]
    tracking = remote_tracking(platform, cluster)
    # The gateway asks for a client certificate of the shared CA: the namespace's, mounted for the tracking server
    # (render/labels.py), is issued by the same ClusterIssuer when both are published with it.
    if tracking is not None and tracking.published and tracking.published.client_issuer == remote.published.client_issuer:
        env.append({"name": CLIENT_CERT_ENV, "value": f"{C.CLIENT_CERT_DIR}/tls-combined.pem"})
    return env
