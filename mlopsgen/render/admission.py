"""Admission for namespaces where training uses the host network.

Pod Security admits hostNetwork only at `privileged`, which would let any team
member run any pod there. So such a namespace enforces `privileged` and a
ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1, GA in Kubernetes
1.30) holds every pod to the `restricted` controls except one: hostNetwork,
which only the team's training pods may use, as the training service account,
pinned to the team's GPU pool.
"""

from __future__ import annotations

from mlopsgen.catalog import conventions as C
from mlopsgen.catalog.modes import MODES
from mlopsgen.platform.model import Cluster, Platform
from mlopsgen.render.labels import common

POD = "object.spec.securityContext"


def _every_container(check: str) -> str:
    """`check` (over `c`) for containers, init and ephemeral containers, as Pod Security applies it.
    One all() per list: CEL types each list by its own schema, so they are not concatenated."""
    lists = ["object.spec.containers.all(c, {0})"] + [
        f"(!has(object.spec.{name}) || object.spec.{name}.all(c, {{0}}))" for name in ("initContainers", "ephemeralContainers")]
    return " && ".join(part.format(check) for part in lists)


def _pod_or_container(field: str, test: str) -> str:
    return (f"(has(c.securityContext) && has(c.securityContext.{field}) && {test.format('c.securityContext.' + field)})"
            f" || (has({POD}) && has({POD}.{field}) && {test.format(POD + '.' + field)})")


_SECCOMP = "{0}.type in ['RuntimeDefault', 'Localhost']"
_RESTRICTED = [  # the controls of Pod Security `restricted` (kubernetes.io/docs/concepts/security/pod-security-standards)
    ("!(has(object.spec.hostPID) && object.spec.hostPID) && !(has(object.spec.hostIPC) && object.spec.hostIPC)",
     "host PID and IPC namespaces are not allowed"),
    ("!has(object.spec.volumes) || object.spec.volumes.all(v, !has(v.hostPath))", "hostPath volumes are not allowed"),
    (_every_container("!has(c.securityContext) || !has(c.securityContext.privileged) || !c.securityContext.privileged"),
     "privileged containers are not allowed"),
    (_every_container("has(c.securityContext) && has(c.securityContext.allowPrivilegeEscalation)"
                      " && !c.securityContext.allowPrivilegeEscalation"), "allowPrivilegeEscalation must be false"),
    (_every_container("has(c.securityContext) && has(c.securityContext.capabilities)"
                      " && has(c.securityContext.capabilities.drop) && c.securityContext.capabilities.drop.exists(d, d == 'ALL')"
                      " && (!has(c.securityContext.capabilities.add) || c.securityContext.capabilities.add.all(a, a == 'NET_BIND_SERVICE'))"),
     "containers must drop ALL capabilities and add none but NET_BIND_SERVICE"),
    (_every_container(_pod_or_container("runAsNonRoot", "{0}")), "containers must run as non-root"),
    (_every_container(_pod_or_container("seccompProfile", _SECCOMP)), "a RuntimeDefault or Localhost seccomp profile is required"),
]


def _host_network_rule(team: str, node_labels: dict[str, str]) -> tuple[str, str]:
    pinned = " && ".join(
        f"has(object.spec.nodeSelector) && '{k}' in object.spec.nodeSelector && object.spec.nodeSelector['{k}'] == '{v}'"
        for k, v in sorted(node_labels.items()))
    labels = (f"has(object.metadata.labels) && '{C.WORKLOAD_CLASS}' in object.metadata.labels"
              f" && object.metadata.labels['{C.WORKLOAD_CLASS}'] == 'training'")
    expression = (f"!(has(object.spec.hostNetwork) && object.spec.hostNetwork) || "
                  f"({labels} && object.spec.serviceAccountName == 'training' && {pinned})")
    return expression, f"only team {team}'s training pods, on its GPU pool, may use the host network"


def host_network_policies(platform: Platform, cluster: Cluster) -> list[dict]:
    """A policy and its binding per team namespace on `cluster` whose training uses the host network."""
    objects = []
    for env in platform.environments:
        if env.cluster != cluster.name or not any(MODES[m].host_network for m in env.modes.values()):
            continue
        for team in platform.teams:
            pools = platform.team_pools_on(team, cluster.name)
            if env.name not in team.quotas or not pools:
                continue
            namespace = team.namespace(env.name)
            name = f"mlopsgen-host-network-{namespace}"
            validations = [{"expression": e, "message": m} for e, m in [_host_network_rule(team.name, dict(pools[0].node_labels)), *_RESTRICTED]]
            objects.append({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicy",
                            "metadata": {"name": name, "labels": common(platform, team.name, env.name)},
                            "spec": {"failurePolicy": "Fail", "validations": validations,
                                     "matchConstraints": {"resourceRules": [{"apiGroups": [""], "apiVersions": ["v1"],
                                                                             "operations": ["CREATE", "UPDATE"], "resources": ["pods"]}]}}})
            objects.append({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicyBinding",
                            "metadata": {"name": name, "labels": common(platform, team.name, env.name)},
                            "spec": {"policyName": name, "validationActions": ["Deny"],
                                     "matchResources": {"namespaceSelector": C.namespace_selector(namespace)}}})
    return objects
