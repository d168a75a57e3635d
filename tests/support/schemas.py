"""Strict validators for every kind the renderer writes, built once per session.

Core kinds use kubernetes-validate's strict schema files directly (its
validate() reloads 1.8 MB per call). Custom resources use the upstream CRDs in
../shared/crds (and Kueue's and the Feast operator's, in ../shared/upstream), made strict: unknown fields are rejected wherever the CRD lists
properties and does not preserve unknown fields. Kinds only in the datree
catalog (Argo Workflows, Calico) use those JSON schemas, made strict the same way.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

KUBERNETES_VERSION = "1.33.0"
OBJECT_META = {"$ref": "https://kubernetes.io/api/_definitions.json#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}


class _CrdLoader(yaml.CSafeLoader):
    """YAML 1.1 reads a bare `=` (an enum value of some CRDs, matchType) as the `value` tag: keep it a string."""


_CrdLoader.add_constructor("tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(node))


class UnknownKind(Exception):
    pass


def _core_dir() -> Path:
    import kubernetes_validate

    return Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema" / f"v{KUBERNETES_VERSION}-local-strict"


def _move_inline_flags(pattern: str) -> str:
    """RE2 allows `^(?i)...`; Python wants global flags first."""
    flags = "".join(re.findall(r"\(\?([a-z]+)\)", pattern))
    if not flags or pattern.startswith("(?"):
        return pattern
    return f"(?{''.join(sorted(set(flags)))})" + re.sub(r"\(\?[a-z]+\)", "", pattern)


def strictify(node):
    """OpenAPI v3 (CRD flavour) -> strict JSON Schema."""
    if isinstance(node, list):
        return [strictify(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key in ("properties", "patternProperties", "$defs", "definitions"):
            out[key] = {name: strictify(child) for name, child in value.items()}
        elif key == "pattern":
            out[key] = _move_inline_flags(value)
        elif key in ("nullable", "x-kubernetes-validations", "format"):
            continue
        else:
            out[key] = strictify(value)
    if "properties" in node and not node.get("x-kubernetes-preserve-unknown-fields") and "additionalProperties" not in node:
        out["additionalProperties"] = False
    if node.get("nullable"):
        return {"anyOf": [out, {"type": "null"}]}
    return out


class SchemaStore:
    def __init__(self, shared: Path):
        self._core_dir = _core_dir()
        definitions = json.loads((self._core_dir / "_definitions.json").read_text())
        self._registry = Resource.from_contents(definitions) @ Registry()
        self._validators: dict[tuple[str, str], Draft202012Validator] = {}
        self._custom: dict[tuple[str, str], dict] = {}
        self._load_crds(shared / "crds")
        self._load_crds(shared / "upstream" / "alertmanager-config" / "crds")  # prometheus-operator v0.93.1
        self._load_jsonschema(shared / "upstream" / "argo-events" / "jsonschema" / "schema.json", "io.argoproj.events.v1alpha1.",
                              ("EventBus", "EventSource", "Sensor"))
        self._load_crds(shared / "upstream" / "kueue" / "crds")  # GPU queues' kinds, as Kueue's release publishes them
        self._load_crds(shared / "upstream" / "feast" / "crds")  # FeatureStore (feast.dev/v1), the operator's v0.66.0

    def _load_jsonschema(self, path: Path, prefix: str, kinds: tuple[str, ...]) -> None:
        """Kinds whose CRDs are schemaless (x-kubernetes-preserve-unknown-fields), from their project's JSON Schema:
        each kind's definition as the root, with the definitions it references."""
        definitions = json.loads(path.read_text())["definitions"]
        for kind in kinds:
            root = copy.deepcopy(definitions[prefix + kind])
            root["definitions"] = definitions
            self._custom[(root["properties"]["apiVersion"]["const"], kind)] = root

    def _load_crds(self, root: Path) -> None:
        for path in sorted(root.rglob("*.yaml")):
            for doc in yaml.load_all(path.read_text(), Loader=_CrdLoader):
                if not doc or doc.get("kind") != "CustomResourceDefinition":
                    continue
                group, kind = doc["spec"]["group"], doc["spec"]["names"]["kind"]
                for version in doc["spec"]["versions"]:
                    schema = version.get("schema", {}).get("openAPIV3Schema")
                    if schema:
                        self._custom[(f"{group}/{version['name']}", kind)] = schema
        for path in sorted((root / "datree-catalog").rglob("*.json")):
            group = path.parent.name
            stem, version = path.stem.rsplit("_", 1)
            schema = json.loads(path.read_text())
            kind = next((k for (gv, k) in self._custom if gv.startswith(group + "/") and k.lower() == stem), None)
            kind = kind or _KINDS_BY_STEM.get(stem)
            if kind:
                self._custom.setdefault((f"{group}/{version}", kind), schema)

    def validator(self, api_version: str, kind: str) -> Draft202012Validator:
        key = (api_version, kind)
        if key not in self._validators:
            self._validators[key] = self._build(api_version, kind)
        return self._validators[key]

    def _build(self, api_version: str, kind: str) -> Draft202012Validator:
        if crd_schema := self._custom.get((api_version, kind)):
            schema = strictify(copy.deepcopy(crd_schema))
            schema.setdefault("properties", {})
            schema["properties"]["apiVersion"] = {"const": api_version}
            schema["properties"]["kind"] = {"const": kind}
            schema["properties"]["metadata"] = OBJECT_META
            schema["additionalProperties"] = False
            schema["required"] = sorted(set(schema.get("required", [])) | {"apiVersion", "kind", "metadata"})
            return Draft202012Validator(schema, registry=self._registry)
        group, _, version = api_version.rpartition("/")
        short_group = group.split(".")[0]
        name = f"{kind.lower()}-{short_group + '-' if short_group else ''}{version}.json"
        path = self._core_dir / name
        if not path.is_file():
            raise UnknownKind(f"no schema for {api_version} {kind}")
        return Draft202012Validator(json.loads(path.read_text()), registry=self._registry)

    def errors(self, obj: dict) -> list[str]:
        validator = self.validator(obj["apiVersion"], obj["kind"])
        return [
            f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message[:300]}"
            for e in validator.iter_errors(obj)
        ]


_KINDS_BY_STEM = {
    "cronworkflow": "CronWorkflow",
    "workflowtemplate": "WorkflowTemplate",
    "ippool": "IPPool",
    "clusterqueue": "ClusterQueue",
    "localqueue": "LocalQueue",
    "resourceflavor": "ResourceFlavor",
}
