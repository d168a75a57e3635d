"""Shared readers for rules: the pod templates of workloads, selectors, namespaces, policy types."""

from __future__ import annotations

from collections.abc import Iterator

from mlopsgen.catalog.conventions import NETWORK_MODE
from mlopsgen.catalog.modes import isolated_modes
from mlopsgen.kube.manifest import Manifest
from mlopsgen.kube.podtemplate import PodTemplate

ISOLATED_MODES = isolated_modes()


def pod_templates(manifest: Manifest) -> list[PodTemplate]:
    """The pod templates of an object of the run (mlopsgen/kube/workloads.py: every workload kind)."""
    return manifest.pod_templates()


Group = tuple[str, str]  # (namespace, "") or ("", file) for objects whose namespace is unknown

# NetworkPolicy semantics belong to networking.k8s.io. Calico (projectcalico.org, crd.projectcalico.org) and
# Cilium (cilium.io) have policies of their own, with other fields (`selector`, `endpointSelector`, actions):
# pods they govern are not judged by the Kubernetes-policy rules, rather than misjudged.
K8S_POLICY_GROUP = "networking.k8s.io"
OTHER_POLICY_GROUPS = ("projectcalico.org", "crd.projectcalico.org", "cilium.io")
OTHER_POLICY_KINDS = ("NetworkPolicy", "GlobalNetworkPolicy", "CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy",
                      "StagedNetworkPolicy", "StagedGlobalNetworkPolicy")
CLUSTER_WIDE_POLICY_KINDS = ("GlobalNetworkPolicy", "CiliumClusterwideNetworkPolicy", "StagedGlobalNetworkPolicy")


def by_namespace(manifests: list[Manifest]) -> dict[Group, list[Manifest]]:
    """Objects by the namespace they land in (from metadata or the including kustomization), else by file."""
    groups: dict[Group, list[Manifest]] = {}
    for manifest in manifests:
        if manifest.is_object:
            for group in manifest.groups():
                groups.setdefault(group, []).append(manifest)
    return dict(sorted(groups.items()))


def describe_namespace(group: Group) -> str:
    namespace, file = group
    return f"namespace '{namespace}'" if namespace else f"objects without a namespace in {file}"


def is_network_policy(manifest: Manifest) -> bool:
    """A Kubernetes NetworkPolicy with a spec; a patch or stub without one counts as nothing."""
    return (manifest.kind == "NetworkPolicy" and manifest.api_group == K8S_POLICY_GROUP
            and isinstance(manifest.data.get("spec"), dict))


def is_other_policy(manifest: Manifest) -> bool:
    return manifest.kind in OTHER_POLICY_KINDS and manifest.api_group in OTHER_POLICY_GROUPS


def policy_groups(manifests: list[Manifest]) -> Iterator[tuple[Group, list[Manifest], list[dict]]]:
    """(group, objects, specs of its Kubernetes NetworkPolicies) for the groups the Kubernetes rules can judge:
    none when a cluster-wide Calico or Cilium policy is in the run, nor groups with a namespaced one."""
    if any(m.kind in CLUSTER_WIDE_POLICY_KINDS and is_other_policy(m) for m in manifests):
        return
    for group, objects in by_namespace(manifests).items():
        if any(is_other_policy(m) for m in objects):
            continue
        yield group, objects, [m.data["spec"] for m in objects if is_network_policy(m)]


def is_isolated(template: PodTemplate) -> bool:
    """Pods labelled with a mode that allows no traffic at all (catalog/modes.py)."""
    return template.labels.get(NETWORK_MODE) in ISOLATED_MODES
