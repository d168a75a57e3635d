"""Positions on demand: only the document holding a reported node is composed, and only its path walked."""

from __future__ import annotations

from pathlib import Path

from mlopsgen.kube.manifest import document_objects, parsed

TEXT = """apiVersion: v1
kind: Namespace
metadata: {name: a}
---
apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  hostNetwork: true
  containers:
    - name: c
      image: "x:latest"
---
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Service
    metadata: {name: s}
    spec:
      ports: [{port: 80}]
"""


def objects():
    file = parsed(Path("m.yaml"), "m.yaml", TEXT)
    assert not isinstance(file, Exception) and hasattr(file, "documents")
    return file, document_objects(file)


def test_a_position_composes_only_the_documents_up_to_its_own():
    file, (_, pod, service) = objects()
    assert file._roots == []  # nothing composed until a position is asked for
    assert pod.position(("spec", "hostNetwork")) == (10, 16)
    assert len(file._roots) == 2  # the pod's document and the one before it, not the List
    assert service.position(("spec", "ports", 0, "port")) == (22, 22)
    assert len(file._roots) == 3


def test_a_collection_is_located_at_its_key_and_a_missing_path_at_its_nearest_ancestor():
    _, (_, pod, service) = objects()
    assert pod.position(("spec", "containers")) == (11, 3)
    assert pod.position(("spec", "containers", 0, "securityContext", "runAsUser")) == (12, 7)
    assert service.position(("metadata", "name")) == (20, 22)  # an item of a List: under ("items", 0)


def test_text_inside_a_scalar_is_found_on_its_line():
    _, (_, pod, _) = objects()
    assert pod.text_position(("spec", "containers", 0, "image"), "latest") == (13, 17)
