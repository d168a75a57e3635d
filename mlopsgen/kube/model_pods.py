"""The pods a serving runtime's controller makes of its resource, as the catalog's ModelPods says.

One reader for every runtime: lint sees a model's pods through it (kube/workloads.py) and verify
derives the pods it judges from it (verify/pods.py), so a new runtime is a catalog entry, not code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mlopsgen.catalog.runtimes import ModelPods
from mlopsgen.kube.podtemplate import PodTemplate, expand, labels_of
from mlopsgen.kube.walk import get, mapping
from mlopsgen.kube.yaml import Path


@dataclass(frozen=True)
class ModelPod(PodTemplate):
    """A pod template of a model's resource, with what its controller reads beside it."""

    workload: str = ""  # how reports name these pods within the namespace
    model_uri: str = ""  # what the controller's initializer downloads ("" for none)
    model_format: str = ""  # the format or implementation the resource names ("" for none)
    replicas: int = 1
    template_path: Path = ()  # the template within the resource (injectors read around it)


def _resolve(template: Path, relative: tuple[str, ...]) -> Path:
    """The path `relative` leads to from a template: `..` goes up a step, a leading `/` starts at the root."""
    path: list[Any] = [] if relative[:1] == ("/",) else list(template)
    for step in relative[1:] if relative[:1] == ("/",) else relative:
        if step == "..":
            if path:
                path.pop()
        else:
            path.append(step)
    return tuple(path)


def _names(obj: dict[str, Any], locator: tuple[str, ...], path: Path) -> dict[str, str]:
    """The format fields of one template: the resource's name, the template's key, each list item's name."""
    fields = {"name": str(get(obj, "metadata", "name", default="")),
              "field": next((str(s) for s in reversed(locator) if s != "*"), "")}
    for i, step in enumerate(locator):
        if step == "*" and i > 0:
            item = get(obj, *path[: i + 1])
            fields[str(locator[i - 1])] = str(mapping(item).get("name", path[i]))
    return fields


def model_pods(obj: Any, pods: ModelPods, at: Path = ()) -> list[ModelPod]:
    """The model pods of one resource; `at` is where the resource sits (inside an AppWrapper, say)."""
    if not isinstance(obj, dict):
        return []
    out = []
    for n, locator in enumerate(pods.templates):
        for path, template in expand(obj, locator, ()):
            spec = get(template, *pods.spec) if pods.spec else template
            if not isinstance(spec, dict):
                continue
            fields = _names(obj, locator, path)
            label_paths = [_resolve(path, p) for p in pods.labels]
            labels = labels_of(*(get(obj, *p) for p in label_paths),
                               {key: value.format_map(fields) for key, value in pods.controller_labels})
            workload = pods.workload.format_map(fields) + (f"/{fields['field']}" if n else "")
            replicas = get(obj, *_resolve(path, pods.replicas)) if pods.replicas else None
            uri = get(obj, *_resolve(path, pods.model_uri)) if pods.model_uri else None
            served = get(obj, *_resolve(path, pods.model_format)) if pods.model_format else None
            out.append(ModelPod(at + path + pods.spec, labels, spec, at + label_paths[-1] if label_paths else at + path,
                                workload=workload, model_uri=str(uri) if isinstance(uri, (str, int)) else "",
                                model_format=str(served) if isinstance(served, str) else "",
                                replicas=replicas if isinstance(replicas, int) and not isinstance(replicas, bool) else 1,
                                template_path=at + path))
    return out


def model_reader(pods: ModelPods) -> Callable[[dict[str, Any], Path], list[PodTemplate]]:
    """A reader for the workload table: the model pods of a resource of this runtime's kind."""
    def read(obj: dict[str, Any], at: Path) -> list[PodTemplate]:
        return list(model_pods(obj, pods, at))
    return read
