"""Shared readers for rules: the pod templates of workloads, selectors, namespaces, policy types."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from mlopsgen.catalog.conventions import NETWORK_MODE
from mlopsgen.catalog.modes import isolated_modes
from mlopsgen.catalog.runtimes import SERVING_KINDS
from mlopsgen.kube.manifest import Manifest
from mlopsgen.kube.walk import get

WORKLOAD_KINDS = {
    "Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob",
    "Workflow", "WorkflowTemplate", "CronWorkflow", *SERVING_KINDS,
}
ISOLATED_MODES = isolated_modes()


@dataclass(frozen=True)
class PodTemplate:
    """Where a workload describes its pods."""

    path: tuple  # of the pod spec (or the fields that play its part)
    labels: dict
    spec: dict
    label_path: tuple

    @property
    def host_network(self) -> bool:
        if self.spec.get("hostNetwork") is True:
            return True
        patch = self.spec.get("podSpecPatch")  # Argo Workflows: a JSON/YAML string merged into the pod
        if isinstance(patch, str) and "hostNetwork" in patch:
            try:
                return json.loads(patch).get("hostNetwork") is True
            except (ValueError, AttributeError):
                return "true" in patch.split("hostNetwork", 1)[1][:12]
        return False

    def containers(self) -> Iterator[tuple[tuple, dict]]:
        for key in ("containers", "initContainers"):
            for i, container in enumerate(self.spec.get(key) or []):
                if isinstance(container, dict):
                    yield self.path + (key, i), container
        for key in ("container", "model"):
            if isinstance(self.spec.get(key), dict):
                yield self.path + (key,), self.spec[key]


def _labels(*candidates: Any) -> dict:
    merged: dict = {}
    for labels in candidates:
        if isinstance(labels, dict):
            merged.update({str(k): str(v) for k, v in labels.items()})
    return merged


def _mapping(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _argo_templates(spec: Any, base: tuple) -> Iterator[PodTemplate]:
    if not isinstance(spec, dict):
        return
    pod_labels = get(spec, "podMetadata", "labels") or {}
    for i, template in enumerate(spec.get("templates") or []):
        if isinstance(template, dict) and any(k in template for k in ("container", "script", "containerSet")):
            merged = dict(template)
            if "hostNetwork" not in merged and spec.get("hostNetwork") is True:
                merged["hostNetwork"] = True
            yield PodTemplate(base + ("templates", i), _labels(pod_labels, get(template, "metadata", "labels")),
                              merged, base + ("templates", i, "metadata", "labels"))


def pod_templates(manifest: Manifest) -> list[PodTemplate]:
    data = manifest.data
    kind = manifest.kind
    if not isinstance(data, dict) or kind not in WORKLOAD_KINDS:
        return []
    spec = data.get("spec")
    if not isinstance(spec, dict):
        return []
    if kind == "Pod":
        return [PodTemplate(("spec",), _labels(get(data, "metadata", "labels")), spec, ("metadata", "labels"))]
    if kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"):
        template = spec.get("template")
        return [PodTemplate(("spec", "template", "spec"), _labels(get(template, "metadata", "labels")),
                            _mapping(get(template, "spec")), ("spec", "template", "metadata", "labels"))] if template else []
    if kind == "CronJob":
        template = get(spec, "jobTemplate", "spec", "template")
        return [PodTemplate(("spec", "jobTemplate", "spec", "template", "spec"), _labels(get(template, "metadata", "labels")),
                            _mapping(get(template, "spec")), ("spec", "jobTemplate", "spec", "template", "metadata", "labels"))] if template else []
    if kind == "InferenceService":
        out = []
        for component in ("predictor", "transformer", "explainer"):
            part = spec.get(component)
            if isinstance(part, dict):
                out.append(PodTemplate(("spec", component), _labels(get(data, "metadata", "labels"), part.get("labels")),
                                       part, ("spec", component, "labels")))
        return out
    if kind == "SeldonDeployment":
        out = []
        for i, predictor in enumerate(spec.get("predictors") or []):
            for j, component in enumerate(get(predictor, "componentSpecs") or []):
                if isinstance(component, dict) and isinstance(component.get("spec"), dict):
                    base = ("spec", "predictors", i, "componentSpecs", j)
                    out.append(PodTemplate(base + ("spec",), _labels(get(predictor, "labels"), get(component, "metadata", "labels")),
                                           component["spec"], base + ("metadata", "labels")))
        return out
    if kind == "CronWorkflow":
        return list(_argo_templates(spec.get("workflowSpec"), ("spec", "workflowSpec")))
    return list(_argo_templates(spec, ("spec",)))


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
