"""What an Argo resource step does to the API: the verbs its executor needs, on which object.

Argo Workflows runs a resource template with kubectl: `create`/`apply`/`patch`/
`delete` of the manifest (for `mergeStrategy: json` the manifest is the JSON
patch and `flags` name the object: `[resource, name]`), then, when a success
or failure condition is set, it gets and watches the object until one holds.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from mlopsgen.catalog.runtimes import RUNTIMES

# Kinds the tree's resource steps address, by (group, kind): their resource names for RBAC.
_PLURALS = {("batch", "Job"): "jobs", ("", "Pod"): "pods", ("argoproj.io", "Workflow"): "workflows",
            **{(r.group, r.kind): r.plural for r in RUNTIMES.values()}}
_VERBS = {"create": ("create",), "apply": ("get", "create", "patch"), "patch": ("get", "patch"),
          "delete": ("delete",), "get": ("get",), "replace": ("get", "update")}


@dataclass(frozen=True)
class ResourceStep:
    verbs: tuple[str, ...]
    group: str
    resource: str
    kind: str  # "" where only flags name the object
    name: str  # "" for generateName
    json_paths: tuple[str, ...] = ()  # the JSON pointers a `mergeStrategy: json` patch writes

    def addresses(self, group: str, kind: str, name: str) -> bool:
        plural = _PLURALS.get((group, kind), kind.lower() + "s")
        return group == self.group and plural == self.resource and name == self.name

    @property
    def target(self) -> str:
        return f"{self.resource}{'.' + self.group if self.group else ''}/{self.name or '*'}"


def resource_step(template: dict) -> ResourceStep | None:
    resource = template.get("resource")
    if not isinstance(resource, dict):
        return None
    action = str(resource.get("action", ""))
    verbs = _VERBS.get(action, (action,))
    if resource.get("successCondition") or resource.get("failureCondition"):
        verbs = tuple(dict.fromkeys((*verbs, "get", "watch")))
    flags = [str(f) for f in resource.get("flags") or [] if not str(f).startswith("-")]
    if resource.get("mergeStrategy") == "json" and len(flags) >= 2:
        plural, _, group = flags[0].partition(".")
        try:
            operations = yaml.load(str(resource.get("manifest", "")), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except yaml.YAMLError:
            operations = []
        paths = tuple(str(op.get("path", "")) for op in operations or [] if isinstance(op, dict))
        return ResourceStep(verbs, group, plural, "", flags[1], paths)
    try:
        manifest = yaml.load(str(resource.get("manifest", "")), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return None
    if not isinstance(manifest, dict):
        return None
    api_version, kind = str(manifest.get("apiVersion", "")), str(manifest.get("kind", ""))
    group = api_version.rsplit("/", 1)[0] if "/" in api_version else ""
    plural = _PLURALS.get((group, kind), kind.lower() + "s")
    return ResourceStep(verbs, group, plural, kind, str((manifest.get("metadata") or {}).get("name", "")))
