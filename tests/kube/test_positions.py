"""Positions on demand: the documents of a file are indexed only up to the one holding a reported node."""

from __future__ import annotations

from pathlib import Path

from mlopsgen.kube.manifest import document_objects, parsed
from mlopsgen.kube.yaml import document_indexes

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
    assert file._positions == []  # nothing indexed until a position is asked for
    assert pod.position(("spec", "hostNetwork")) == (10, 16)
    assert file._positions == []  # a plain block document: read off its lines (kube/blocklocate.py)
    assert pod.text_position(("spec", "containers", 0, "image"), "latest") == (13, 17)
    assert file._positions == []
    assert service.position(("spec", "ports", 0, "port")) == (22, 22)  # inside a flow collection: the index's
    assert len(file._positions) == 3  # indexed up to the List, once


def test_a_collection_is_located_at_its_key_and_a_missing_path_at_its_nearest_ancestor():
    _, (_, pod, service) = objects()
    assert pod.position(("spec", "containers")) == (11, 3)
    assert pod.position(("spec", "containers", 0, "securityContext", "runAsUser")) == (12, 7)
    assert service.position(("metadata", "name")) == (20, 22)  # an item of a List: under ("items", 0)


def test_text_inside_a_scalar_is_found_on_its_line():
    _, (_, pod, _) = objects()
    assert pod.text_position(("spec", "containers", 0, "image"), "latest") == (13, 17)


def test_paths_through_an_alias_lead_into_the_anchored_node_and_integer_keys_stay_integers():
    text = "a: &shared\n  b: 1\n  c: [x, y]\nd: *shared\ne:\n  80: http\n"
    file = parsed(Path("m.yaml"), "m.yaml", text)
    (manifest,) = document_objects(file)
    assert manifest.position(("d",)) == (4, 1)  # the alias's own key
    assert manifest.position(("d", "c", 1)) == (3, 10)  # inside the anchored node
    assert manifest.position(("e", 80)) == (6, 7)


def test_a_key_that_is_a_collection_names_no_path():
    (index,) = document_indexes("? [k]\n: v\nz: 1\n")
    assert set(index) == {(), ("z",)}
