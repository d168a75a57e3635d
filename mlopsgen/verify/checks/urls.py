"""Journey 7: every URL a workload is given resolves where the workload runs.

Kubernetes DNS: `<service>.<namespace>.svc.cluster.local` is answered by the
cluster's own DNS only, for Services of that cluster. A service published to
other clusters is reached through its gateway, which must ask for client
certificates (Istio Gateway `tls.mode: MUTUAL`, verified against the `ca.crt`
of its credential), and every pod given its URL must present one: a file of a
Secret volume that a cert-manager Certificate of the namespace writes, issued
by the CA the gateway trusts (MLflow's client reads MLFLOW_TRACKING_CLIENT_CERT_PATH,
a PEM with certificate and key: cert-manager's CombinedPEM output). A subnet
segment needs a CNI that assigns pod addresses from its IPPool (Calico IPAM);
managed policy-only Calico (AKS network policy) does not.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from mlopsgen.catalog.events import SERVICE_SUFFIX
from mlopsgen.errors import Location
from mlopsgen.platform.model import Service
from mlopsgen.verify.cluster import ClusterView
from mlopsgen.verify.context import Context
from mlopsgen.verify.podspec import Container, Pod
from mlopsgen.verify.result import Finding, finding

SLUG = "clusters"
CLUSTER_DOMAIN = ".svc.cluster.local"


def _runs_on(ctx: Context, cluster: str, name: str, namespace: str) -> bool:
    for s in ctx.platform.services:
        if s.service_name == name and s.namespace == namespace and s.cluster in (None, cluster):
            return True
    view = ctx.view(cluster)
    return (any(o.name == name and o.namespace == namespace for o in view.of_kind("Service"))
            # Argo Events' controller makes each EventSource's Service, <name>-eventsource-svc
            or any(o.name + SERVICE_SUFFIX == name and o.namespace == namespace for o in view.of_kind("EventSource")))


def run(ctx: Context, stats: dict) -> list[Finding]:
    findings: list[Finding] = []
    for cluster, pods in ctx.pods.items():
        for pod in pods:
            for url, path in pod.urls:
                host = urlsplit(url).hostname or ""
                parts = host.split(".")
                if not (host.endswith(CLUSTER_DOMAIN) or host.endswith(".svc")) or len(parts) < 3:
                    continue
                if _runs_on(ctx, cluster, parts[0], parts[1]):
                    continue
                elsewhere = sorted({s.cluster for s in ctx.platform.services if s.service_name == parts[0] and s.cluster})
                findings.append(finding(
                    SLUG, f"{pod.id} on cluster {cluster} is given {url}, but {parts[0]}.{parts[1]} does not run on {cluster}"
                          + (f" (it runs on {', '.join(elsewhere)})" if elsewhere else "") + ": the name does not resolve there",
                    pod.origin.locate(*pod.origin_path, *path[:2]) if path else pod.origin.locate(*pod.origin_path),
                    spec=ctx.team_spec(pod.namespace),
                    hint="publish the service (a DNS name over TLS through a gateway) and give the other cluster that URL"))
    findings += _published_endpoints(ctx)
    for env in ctx.platform.environments:
        if env.segment is None:
            continue
        spec_cluster = ctx.platform.cluster(env.cluster)
        cni = f"{spec_cluster.cni_plugin}, {'assigns' if spec_cluster.assigns_from_pools else 'does not assign'} from pools"
        if not spec_cluster.calico_ipam:
            pools = ctx.view(env.cluster).of_kind("IPPool")
            where = pools[0].locate() if pools else Location(ctx.reader.display('.'))
            findings.append(finding(
                SLUG, f"environment {env.name} uses segment {env.segment.cidr} on cluster {spec_cluster.name}, but the spec does not "
                      f"say the cluster assigns pod addresses with Calico IPAM (cni: {cni})",
                where, spec=ctx.spec_at("environments", ctx.platform.environments.index(env), "segment"),
                hint="declare the cluster's CNI; managed policy-only Calico (e.g. on AKS) does not assign pod addresses"))
    return findings


def _published_endpoints(ctx: Context) -> list[Finding]:
    published = {s.published.host: s for s in ctx.platform.services if s.published}
    findings: list[Finding] = []
    for view in ctx.views:
        for gw in view.of_kind("Gateway"):
            for i, server in enumerate(gw.spec.get("servers") or []):
                hosts = [str(h).split("/")[-1] for h in server.get("hosts") or []]
                tls = server.get("tls") or {}
                if any(h in published for h in hosts) and not tls.get("httpsRedirect") and tls.get("mode") != "MUTUAL":
                    findings.append(finding(
                        SLUG, f"Gateway {gw.namespace}/{gw.name} publishes {', '.join(h for h in hosts if h in published)} with "
                              f"tls mode {tls.get('mode', 'none')}: anyone who reaches the gateway may use the service",
                        gw.locate("spec", "servers", i), hint="ask for client certificates: tls.mode MUTUAL with the CA in the credential"))
    for cluster, pods in ctx.pods.items():
        view = ctx.view(cluster)
        for pod in pods:
            for container in pod.containers:
                for value in container.env.values():
                    service = published.get(urlsplit(value).hostname or "") if value.startswith("https://") else None
                    problem = _client_certificate_problem(view, pod, container, service) if service else None
                    if problem:
                        findings.append(finding(
                            SLUG, f"{pod.id}: {container.name} is given {value} but {problem}: the gateway refuses the "
                                  "TLS handshake", pod.origin.locate(*pod.origin_path), spec=ctx.team_spec(pod.namespace),
                            hint="mount the Secret of a Certificate from the published service's clientIssuer and set "
                                 "MLFLOW_TRACKING_CLIENT_CERT_PATH to its tls-combined.pem"))
    return findings


def _client_certificate_problem(view: ClusterView, pod: Pod, container: Container, service: Service) -> str | None:
    path = container.env.get("MLFLOW_TRACKING_CLIENT_CERT_PATH")
    if not path:
        return "presents no client certificate (MLFLOW_TRACKING_CLIENT_CERT_PATH is not set)"
    mount = container.mount_for(path)
    volume = next((v for v in pod.volumes if mount and v.get("name") == mount.get("name")), None)
    secret = ((volume or {}).get("secret") or {}).get("secretName")
    if not secret:
        return f"its client certificate {path} is on no Secret volume"
    certificate = next((c for c in view.of_kind("Certificate")
                        if c.namespace == pod.namespace and c.spec.get("secretName") == secret), None)
    if certificate is None:
        return f"no Certificate in {pod.namespace} writes Secret {secret}, which holds its client certificate"
    issuer = (certificate.spec.get("issuerRef") or {}).get("name")
    assert service.published is not None
    if issuer != service.published.client_issuer:
        return f"its client certificate is issued by {issuer}, not by {service.published.client_issuer}, the CA the gateway trusts"
    formats = {f.get("type") for f in certificate.spec.get("additionalOutputFormats") or []}
    if path.endswith("/tls-combined.pem") and "CombinedPEM" not in formats:
        return f"Certificate {certificate.name} writes no tls-combined.pem (additionalOutputFormats CombinedPEM)"
    return None
