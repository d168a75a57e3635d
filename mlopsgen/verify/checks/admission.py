"""Journey 2, Pod Security: every pod the cluster would create, every container, injected ones included.

Pod Security Standards (kubernetes.io/docs/concepts/security/pod-security-standards):
baseline forbids host namespaces, privileged containers, capabilities beyond
its default set, hostPath volumes and host ports; restricted adds: only
ephemeral/config volume types, allowPrivilegeEscalation false, runAsNonRoot
(pod or container), no runAsUser 0, seccomp RuntimeDefault or Localhost (pod
or container), capabilities drop ALL and add at most NET_BIND_SERVICE. The
namespace's `pod-security.kubernetes.io/enforce` label picks the level; a
namespace without one gets the cluster default, `privileged` unless configured.
"""

from __future__ import annotations

from mlopsgen.verify.context import Context
from mlopsgen.verify.podspec import Container, Pod
from mlopsgen.verify.result import Finding, finding

SLUG = "admission"
ENFORCE = "pod-security.kubernetes.io/enforce"
BASELINE_CAPABILITIES = {"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
                         "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"}
RESTRICTED_VOLUMES = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"}


def _baseline(pod: Pod) -> list[tuple[Container | None, str]]:
    found: list[tuple[Container | None, str]] = []
    if pod.host_network:
        found.append((None, "hostNetwork: true"))
    if any("hostPath" in v for v in pod.volumes):
        found.append((None, "a hostPath volume"))
    if (pod.security.get("seccompProfile") or {}).get("type") == "Unconfined":
        found.append((None, "seccompProfile Unconfined"))
    for c in pod.containers:
        sc = c.security
        if sc.get("privileged"):
            found.append((c, "privileged: true"))
        added = set((sc.get("capabilities") or {}).get("add") or []) - BASELINE_CAPABILITIES
        if added:
            found.append((c, f"capabilities {', '.join(sorted(added))} added"))
        if any(p.get("hostPort") for p in c.ports) and not pod.host_network:
            found.append((c, "a hostPort"))
    return found


def _restricted(pod: Pod) -> list[tuple[Container | None, str]]:
    found = _baseline(pod)
    bad_volumes = sorted({k for v in pod.volumes for k in v if k != "name" and k not in RESTRICTED_VOLUMES})
    if bad_volumes:
        found.append((None, f"volume types {', '.join(bad_volumes)}"))
    pod_non_root = pod.security.get("runAsNonRoot") is True
    pod_seccomp = (pod.security.get("seccompProfile") or {}).get("type") in ("RuntimeDefault", "Localhost")
    if pod.security.get("runAsUser") == 0:
        found.append((None, "runAsUser 0"))
    for c in pod.containers:
        sc = c.security
        if sc.get("allowPrivilegeEscalation") is not False:
            found.append((c, "allowPrivilegeEscalation is not false"))
        non_root = sc.get("runAsNonRoot", pod_non_root)
        if non_root is not True:
            found.append((c, "runAsNonRoot is not true"))
        if sc.get("runAsUser") == 0:
            found.append((c, "runAsUser 0"))
        seccomp = (sc.get("seccompProfile") or {}).get("type")
        if not (seccomp in ("RuntimeDefault", "Localhost") or (seccomp is None and pod_seccomp)):
            found.append((c, "no RuntimeDefault or Localhost seccompProfile"))
        caps = sc.get("capabilities") or {}
        if "ALL" not in (caps.get("drop") or []):
            found.append((c, "capabilities do not drop ALL"))
        extra = set(caps.get("add") or []) - {"NET_BIND_SERVICE"}
        if extra:
            found.append((c, f"capabilities {', '.join(sorted(extra))} added"))
    return found


LEVELS = {"baseline": _baseline, "restricted": _restricted}


def violations(pod: Pod, level: str) -> list[tuple[Container | None, str]]:
    check = LEVELS.get(level)
    return check(pod) if check else []


def _vap_covers(ctx: Context, cluster: str, namespace: str) -> bool:
    """A ValidatingAdmissionPolicyBinding in the tree whose namespaceSelector matches (CEL is not evaluated)."""
    from mlopsgen.kube.selectors import selects

    labels = ctx.view(cluster).namespace_labels(namespace)
    for b in ctx.view(cluster).of_kind("ValidatingAdmissionPolicyBinding"):
        resources = b.spec.get("matchResources") or {}
        if selects(resources.get("namespaceSelector") or {}, labels):
            return True
    return False


def level_of(view, namespace: str) -> str:
    """The namespace's enforced level; a namespace the tree does not declare gets the cluster default."""
    ns = view.namespace_object(namespace)
    return str((ns.labels if ns else {}).get(ENFORCE, "privileged"))


def rejected(pod: Pod, level: str) -> list[tuple[Container | None, str, list[str]]]:
    """(container or None for the pod, how to name it, problems) for what the level rejects, one entry each."""
    grouped: dict[str, tuple[Container | None, list[str]]] = {}
    for container, problem in violations(pod, level):
        entry = grouped.setdefault(container.name if container else "", (container, []))
        if problem not in entry[1]:
            entry[1].append(problem)
    return [(c, (f"container {c.name}" + (f" (injected by {c.injected_by})" if c.injected_by else "")) if c else "the pod", problems)
            for c, problems in grouped.values()]


def charts(ctx: Context, stats: dict) -> list[Finding]:
    """The charts' pods against their namespace's level."""
    findings = []
    for view in ctx.views:
        for pod in ctx.chart_pods[view.name]:
            level = level_of(view, pod.namespace)
            for _, who, problems in rejected(pod, level):
                findings.append(finding(SLUG, f"{pod.id} ({pod.origin.origin}): Pod Security '{level}' of its namespace rejects "
                                              f"{who}: {'; '.join(problems)}", pod.origin.locate(),
                                        hint="set the chart's securityContext values, or give the component the level it "
                                             "needs with its reason (catalog/components.py pod_security)"))
    return findings


def run(ctx: Context, stats: dict) -> list[Finding]:
    findings: list[Finding] = []
    flagged: set[tuple[str, str]] = set()
    for cluster, pods in ctx.pods.items():
        view = ctx.view(cluster)
        for pod in pods:
            ns = view.namespace_object(pod.namespace)
            level = level_of(view, pod.namespace)
            where = pod.origin.locate(*pod.origin_path)
            if level == "privileged" and (cluster, pod.namespace) not in flagged:
                flagged.add((cluster, pod.namespace))
                if not _vap_covers(ctx, cluster, pod.namespace):
                    findings.append(finding(
                        SLUG, f"namespace {pod.namespace} enforces Pod Security 'privileged': it admits any pod a team member submits",
                        ns.locate("metadata", "labels") if ns else where, spec=ctx.team_spec(pod.namespace),
                        hint="enforce restricted and allow exactly hostNetwork on the declared pool with a ValidatingAdmissionPolicy"))
            for container, who, problems in rejected(pod, level):
                findings.append(finding(
                    SLUG, f"{pod.id}: Pod Security '{level}' rejects {who}: {'; '.join(problems)}", where,
                    spec=ctx.team_spec(pod.namespace), hint=_hint(container, problems)))
    return findings


def _hint(container: Container | None, problems: list[str]) -> str:
    by = container.injected_by if container else ""
    if "Istio" in by and all("seccomp" in p for p in problems):
        return "give the pod a RuntimeDefault seccompProfile, or set global.proxy.seccompProfile in the istiod values"
    if by.startswith("Argo"):
        return "set executor.securityContext in the argo-workflows values (allowPrivilegeEscalation false, drop ALL, runAsNonRoot)"
    if "Istio" in by:
        return "run Istio with its CNI plugin (istiod values cni.enabled, and the istio-cni chart) so pods need no NET_ADMIN init container"
    if by.startswith("KServe"):
        return "give the ClusterStorageContainer's container a restricted securityContext"
    if by.startswith("Seldon"):
        return ("Seldon's engine and storage initializer are not configurable to restricted: annotate the predictor "
                "seldon.io/no-engine and fetch the model with an init container of its own instead of modelUri")
    return "set the restricted securityContext fields on the pod and every container"
