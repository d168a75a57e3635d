"""Kubernetes RBAC: may a service account do a verb on a resource? (Roles, ClusterRoles, bindings.)"""

from __future__ import annotations

from mlopsgen.verify.tree import Obj


def _rule_allows(rule: dict, group: str, resource: str, verb: str) -> bool:
    def has(key: str, value: str) -> bool:
        values = [str(v) for v in rule.get(key) or []]
        return "*" in values or value in values

    return has("apiGroups", group) and has("resources", resource) and has("verbs", verb)


def bound_rules(objects: list[Obj], namespace: str, account: str) -> list[tuple[Obj, dict]]:
    """The (role, rule) pairs bound to system:serviceaccount:<namespace>:<account> in `namespace`."""
    roles: dict[tuple, Obj] = {(o.kind, o.namespace if o.kind == "Role" else None, o.name): o for o in objects if o.kind in ("Role", "ClusterRole")}
    found = []
    for b in objects:
        if b.kind not in ("RoleBinding", "ClusterRoleBinding"):
            continue
        if b.kind == "RoleBinding" and b.namespace != namespace:
            continue
        subjects = b.data.get("subjects") or []
        if not any(s.get("kind") == "ServiceAccount" and s.get("name") == account
                   and (s.get("namespace") or b.namespace) == namespace for s in subjects):
            continue
        ref = b.data.get("roleRef") or {}
        role = roles.get((ref.get("kind"), b.namespace if ref.get("kind") == "Role" else None, ref.get("name")))
        if role is not None:
            found += [(role, rule) for rule in role.data.get("rules") or []]
    return found


def allowed(objects: list[Obj], namespace: str, account: str, group: str, resource: str, verb: str) -> bool:
    return any(_rule_allows(rule, group, resource, verb) for _, rule in bound_rules(objects, namespace, account))
