"""Kubernetes RBAC: may a service account do a verb on a resource? (Roles, ClusterRoles, their bindings.)"""

from __future__ import annotations

from mlopsgen.verify.tree import Obj


def _rule_allows(rule: dict, group: str, resource: str, verb: str) -> bool:
    def has(key: str, value: str) -> bool:
        values = [str(v) for v in rule.get(key) or []]
        return "*" in values or value in values

    return has("apiGroups", group) and has("resources", resource) and has("verbs", verb)


class Rbac:
    """The roles and bindings of one cluster, indexed once."""

    def __init__(self, objects: list[Obj]):
        self.roles: dict[tuple, Obj] = {}
        self.bindings: dict[str | None, list[Obj]] = {}
        for o in objects:
            if o.kind in ("Role", "ClusterRole"):
                self.roles[(o.kind, o.namespace if o.kind == "Role" else None, o.name)] = o
            elif o.kind == "RoleBinding":
                self.bindings.setdefault(o.namespace, []).append(o)
            elif o.kind == "ClusterRoleBinding":
                self.bindings.setdefault(None, []).append(o)

    def bound_rules(self, namespace: str, account: str) -> list[tuple[Obj, dict]]:
        """The (role, rule) pairs that apply to system:serviceaccount:<namespace>:<account> in `namespace`."""
        found = []
        for b in self.bindings.get(namespace, []) + self.bindings.get(None, []):
            if not any(s.get("kind") == "ServiceAccount" and s.get("name") == account
                       and (s.get("namespace") or b.namespace) == namespace for s in b.data.get("subjects") or []):
                continue
            ref = b.data.get("roleRef") or {}
            role = self.roles.get((ref.get("kind"), b.namespace if ref.get("kind") == "Role" else None, ref.get("name")))
            if role is not None:
                found += [(role, rule) for rule in role.data.get("rules") or []]
        return found

    def allowed(self, namespace: str, account: str, group: str, resource: str, verb: str) -> bool:
        return any(_rule_allows(rule, group, resource, verb) for _, rule in self.bound_rules(namespace, account))
