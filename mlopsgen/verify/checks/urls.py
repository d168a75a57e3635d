"""Journey 7: every URL a workload is given resolves where the workload runs.

Kubernetes DNS: `<service>.<namespace>.svc.cluster.local` is answered by the
cluster's own DNS only, for Services of that cluster. A subnet segment needs
a CNI that assigns pod addresses from its IPPool (Calico IPAM); managed
policy-only Calico (AKS network policy) does not.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from mlopsgen.errors import Location
from mlopsgen.verify.context import Context
from mlopsgen.verify.result import Finding

SLUG = "clusters"
CLUSTER_DOMAIN = ".svc.cluster.local"


def _runs_on(ctx: Context, cluster: str, name: str, namespace: str) -> bool:
    for s in ctx.platform.services:
        if s.service_name == name and s.namespace == namespace and s.cluster in (None, cluster):
            return True
    return any(o.name == name and o.namespace == namespace for o in ctx.view(cluster).of_kind("Service"))


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
                findings.append(Finding(
                    SLUG, f"{pod.id} on cluster {cluster} is given {url}, but {parts[0]}.{parts[1]} does not run on {cluster}"
                          + (f" (it runs on {', '.join(elsewhere)})" if elsewhere else "") + ": the name does not resolve there",
                    pod.origin.locate(*pod.origin_path, *path[:2]) if path else pod.origin.locate(*pod.origin_path),
                    spec=ctx.team_spec(pod.namespace),
                    hint="publish the service (a DNS name over TLS through a gateway) and give the other cluster that URL"))
    for env in ctx.platform.environments:
        if env.segment is None:
            continue
        spec_cluster = ctx.platform.cluster(env.cluster)
        cni = f"{spec_cluster.cni_plugin}, {'assigns' if spec_cluster.assigns_from_pools else 'does not assign'} from pools"
        if not spec_cluster.calico_ipam:
            pools = ctx.view(env.cluster).of_kind("IPPool")
            where = pools[0].locate() if pools else Location(ctx.reader.display('.'))
            findings.append(Finding(
                SLUG, f"environment {env.name} uses segment {env.segment.cidr} on cluster {spec_cluster.name}, but the spec does not "
                      f"say the cluster assigns pod addresses with Calico IPAM (cni: {cni})",
                where, spec=ctx.spec_at("environments", ctx.platform.environments.index(env), "segment"),
                hint="declare the cluster's CNI; managed policy-only Calico (e.g. on AKS) does not assign pod addresses"))
    return findings
