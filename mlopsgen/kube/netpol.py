"""NetworkPolicy (networking.k8s.io/v1) as the API server stores it and the network plugins apply it:
the one home of these semantics, for lint's rules and verify's evaluator alike.

- `policyTypes`: when absent or empty the API server defaults it on admission to `[Ingress]`, plus
  `Egress` when the policy has egress rules (pkg/apis/networking/v1/defaults.go,
  SetDefaults_NetworkPolicy: `len(obj.Spec.PolicyTypes) == 0`, then `len(obj.Spec.Egress) != 0`), so
  `egress: []` adds nothing.
- `podSelector` is a LabelSelector value, not a pointer (api/networking/v1 NetworkPolicySpec): absent,
  `{}`, `{matchLabels: {}}` and `{matchExpressions: []}` are the same empty selector, which selects
  every pod of the policy's namespace.
- A policy isolates the pods it selects in each direction it lists; a rule with neither peers nor
  ports (`{}`) allows every source or destination on every port.
"""

from __future__ import annotations

from typing import Any

from mlopsgen.kube.selectors import selects

DIRECTIONS = {"Ingress": ("ingress", "from"), "Egress": ("egress", "to")}


def policy_types(spec: dict[str, Any]) -> list[str]:
    """The policyTypes the API server stores for this spec."""
    types = spec.get("policyTypes")
    if isinstance(types, list) and types:
        return [str(t) for t in types]
    egress = spec.get("egress")
    return ["Ingress", "Egress"] if isinstance(egress, list) and egress else ["Ingress"]


def pod_selector(spec: dict[str, Any]) -> Any:
    """The policy's podSelector; absent or null is the empty selector."""
    selector = spec.get("podSelector")
    return {} if selector is None else selector


def is_empty_selector(selector: Any) -> bool:
    """A selector with no requirement at all: it selects everything."""
    return isinstance(selector, dict) and not selector.get("matchLabels") and not selector.get("matchExpressions")


def selects_every_pod(spec: dict[str, Any]) -> bool:
    return is_empty_selector(pod_selector(spec))


def applies_to(spec: dict[str, Any], labels: dict[str, str]) -> bool:
    """Whether the policy selects a pod with these labels (in its own namespace)."""
    return selects(pod_selector(spec), labels)


def isolates(spec: dict[str, Any], labels: dict[str, str], direction: str) -> bool:
    """Whether the policy isolates such a pod for `direction` (Ingress or Egress)."""
    return direction in policy_types(spec) and applies_to(spec, labels)


def rules(spec: dict[str, Any], direction: str) -> list[dict[str, Any]]:
    """The rules of one direction, as written (entries that are not mappings are not rules)."""
    found = spec.get(DIRECTIONS[direction][0])
    return [r for r in found if isinstance(r, dict)] if isinstance(found, list) else []


def allows_everything(rule: dict[str, Any], direction: str) -> bool:
    """A rule with no peers and no ports: every peer, every port."""
    return not rule.get(DIRECTIONS[direction][1]) and not rule.get("ports")


def denies_by_default(spec: dict[str, Any]) -> set[str]:
    """Directions in which the policy isolates every pod of its namespace and allows not everything:
    what it does not allow explicitly is denied."""
    if not selects_every_pod(spec):
        return set()
    return {d for d in policy_types(spec) if d in DIRECTIONS and not any(allows_everything(r, d) for r in rules(spec, d))}
