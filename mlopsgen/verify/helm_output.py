"""What `helm template` writes, read as the API server reads YAML: objects by template, and the documents that
do not parse. CRDs are kept reduced to what the checks judge (names, scope, versions) and their size."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field

# The annotation limit of client-side apply: the whole object is stored in
# kubectl.kubernetes.io/last-applied-configuration, and all annotations together may hold 262,144 bytes
# (apimachinery ValidateAnnotationsSize); larger objects need server-side apply.
ANNOTATION_LIMIT = 262_144
SOURCE = re.compile(r"^# Source: (.+)$", re.MULTILINE)


@dataclass
class Rendered:
    """What one chart render gave: objects by template, or why there are none."""

    documents: list[dict] = field(default_factory=list)  # {"source", "object", "size"}
    problems: list[dict] = field(default_factory=list)  # {"source", "line", "message"}: documents that do not parse
    unstable: list[str] = field(default_factory=list)  # templates whose output differs from one render to the next
    error: str = ""  # helm failed (or could not run): nothing of the chart is known
    FORMAT = 2  # of the cache entries (2: CRDs keep their conversion webhook)

    def as_json(self) -> dict:
        return {"format": self.FORMAT, "documents": self.documents, "problems": self.problems,
                "unstable": self.unstable, "error": self.error}



def _chunks(output: str) -> list[tuple[str, str]]:
    """helm's output as (template, document text), in order; a template may write several documents."""
    chunks = []
    for text in re.split(r"(?m)^---[ \t]*$\n?", output):
        match = SOURCE.search(text)
        if text.strip():
            chunks.append((match.group(1).strip() if match else "", text))
    return chunks


def by_template(output: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for source, text in _chunks(output):
        out.setdefault(source, []).append(text)
    return out


def parse_output(output: str) -> Rendered:
    """The objects helm wrote, read as the API server reads YAML; a document that does not parse (or holds a
    key twice, which strict readers refuse and others read either way) is a problem at its template."""
    from mlopsgen.kube.bounds import bounds_problem

    rendered = Rendered()
    for source, text in _chunks(output):
        try:
            bounded = bounds_problem(text, source)  # reads the event stream: a syntax error stops it too
            if bounded is not None:
                rendered.problems.append({"source": source, "line": bounded.location.line, "message": bounded.message})
                continue
            data, duplicate = _load_strict(text)
        except Exception as error:  # any YAML error (scanner, constructor, recursion) is a problem of that document
            mark = getattr(error, "problem_mark", None)
            rendered.problems.append({"source": source, "line": (mark.line + 1) if mark else 1,
                                      "message": f"YAML error: {str(error).splitlines()[0] if str(error) else type(error).__name__}"})
            continue
        if duplicate:
            rendered.problems.append({"source": source, "line": duplicate[1], "message": f"key '{duplicate[0]}' appears twice in one mapping"})
        if isinstance(data, dict) and data.get("kind"):
            items = data.get("items") if data.get("kind") == "List" else [data]
            for obj in items if isinstance(items, list) else []:
                if isinstance(obj, dict):  # as JSON: what the API server stores (a !!binary value as text)
                    try:
                        obj = json.loads(json.dumps(obj, default=str))
                    except (TypeError, ValueError) as error:  # a key JSON has no form for (!!binary, a collection)
                        rendered.problems.append({"source": source, "line": 1,
                                                  "message": f"an object the API server cannot store: {error}"})
                        continue
                    rendered.documents.append({"source": source, "object": _reduced(obj),
                                               "size": len(json.dumps(obj, separators=(",", ":")))})
    return rendered


def _load_strict(text: str) -> tuple[object, tuple[str, int] | None]:
    strict = _strict_loader()(text)
    try:
        return strict.get_single_data(), strict.duplicate
    finally:
        strict.dispose()


@functools.cache
def _strict_loader() -> type:
    """Kubernetes' YAML reading (kube/yaml.py) that also notes the first key a mapping holds twice."""
    import yaml

    from mlopsgen.kube.yaml import loader

    class Strict(loader()):  # type: ignore[misc]
        duplicate: tuple[str, int] | None = None

        def construct_mapping(self, node, deep=False):
            keys: set = set()
            for key, _ in node.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in keys and self.duplicate is None:
                        self.duplicate = (key.value, key.start_mark.line + 1)
                    keys.add(key.value)
            return super().construct_mapping(node, deep)

    return Strict


def _reduced(obj: dict) -> dict:
    """A CRD as the checks read it (its schema is most of its bytes and is not judged); others whole."""
    if obj.get("kind") != "CustomResourceDefinition":
        return obj
    spec: dict = obj["spec"] if isinstance(obj.get("spec"), dict) else {}
    versions = [{k: v.get(k) for k in ("name", "served", "storage") if k in v}
                for v in spec.get("versions") or [] if isinstance(v, dict)]
    reduced = {"group": spec.get("group"), "names": spec.get("names"), "scope": spec.get("scope"), "versions": versions}
    if spec.get("conversion"):  # a conversion webhook is a flow from the API server
        reduced["conversion"] = spec["conversion"]
    return {"apiVersion": obj.get("apiVersion"), "kind": obj.get("kind"), "metadata": obj.get("metadata"), "spec": reduced}
