"""What meshed pods of a team namespace may reach outside the cluster, as Istio sees it.

With outbound traffic REGISTRY_ONLY the mesh admits only hosts it knows: each
declared external destination, and each service another cluster publishes,
becomes a ServiceEntry visible in this namespace only. NetworkPolicies pair
them at layer 3 (render/network.py), since they cannot match names.
"""

from __future__ import annotations

from mlopsgen.catalog import conventions as C
from mlopsgen.catalog.modes import MODES
from mlopsgen.platform.model import Environment, Platform, Team
from mlopsgen.render.labels import remote_tracking


def service_entries(platform: Platform, env: Environment) -> list[dict]:
    entries = []
    for external in platform.externals:
        if any(MODES[env.mode(c)].sidecar for c in external.classes):
            entries.append(_entry(external.name, external.host, external.port))
    local = {s.name for s in platform.services_for(env.cluster)}
    for service in platform.services:
        if service.name not in local and service.published:
            entries.append(_entry(C.published_name(service.name), service.published.host, service.published.port))
    return entries


def client_certificates(platform: Platform, team: Team, env: Environment, labels: dict) -> list[dict]:
    """The certificate the namespace's pods present to the tracking server another cluster publishes:
    its gateway admits only clients of the shared CA. The PEM holding certificate and key is what
    MLflow's client takes (render/labels.py)."""
    remote = remote_tracking(platform, env.cluster)
    if remote is None or remote.published is None:
        return []
    name = C.client_certificate(remote.name)
    return [{"apiVersion": "cert-manager.io/v1", "kind": "Certificate", "metadata": {"name": name, "labels": labels},
             "spec": {"secretName": name, "uris": [f"spiffe://{env.cluster}/ns/{team.namespace(env.name)}"],
                      "usages": ["client auth", "digital signature", "key encipherment"],
                      "additionalOutputFormats": [{"type": "CombinedPEM"}],
                      "issuerRef": {"group": "cert-manager.io", "kind": "ClusterIssuer",
                                    "name": remote.published.client_issuer}}}]


def _entry(name: str, host: str, port: int) -> dict:
    return {"name": name, "spec": {
        "hosts": [host], "exportTo": ["."], "location": "MESH_EXTERNAL",
        # Istio resolves a wildcard host from the connection's SNI, not by DNS.
        "resolution": "NONE" if host.startswith("*.") else "DNS",
        "ports": [{"number": port, "name": f"tls-{port}", "protocol": "TLS"}],
    }}
