"""Alloy's configuration as verify reads it from the ConfigMap its chart renders: which namespaces' pod logs each
`loki.source.kubernetes` reads, and the Loki URL and tenant of the `loki.write` it forwards to.

Alloy's syntax: blocks `name "label" { ... }` holding attributes `key = value` and nested blocks. Only what the
pipelines need is read: discovery.relabel keep/drop rules on `__meta_kubernetes_namespace` (anchored regular
expressions, as in Prometheus relabelling), loki.source.kubernetes `targets` and `forward_to`, and loki.write's
`endpoint` `url` and `tenant_id`. A pipeline built otherwise is read as reading nothing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

_BLOCK = re.compile(r'([A-Za-z_][\w.]*)\s*(?:"([^"]*)")?\s*\{')
_ATTRIBUTE = re.compile(r"([A-Za-z_]\w*)\s*=\s*(.+)")
NAMESPACE_META = "__meta_kubernetes_namespace"


@dataclass
class Block:
    name: str
    label: str
    attributes: dict[str, str] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)


def parse(text: str) -> list[Block]:
    """The top-level blocks of an Alloy configuration (comments dropped)."""
    lines = [re.sub(r"^\s*//.*$", "", line) for line in text.splitlines()]
    root = Block("", "")
    stack = [root]
    for raw in lines:
        line = raw.strip()
        while line:
            opened = _BLOCK.match(line)
            if opened:
                block = Block(opened.group(1), opened.group(2) or "")
                stack[-1].blocks.append(block)
                stack.append(block)
                line = line[opened.end():].strip()
            elif line.startswith("}"):
                if len(stack) > 1:
                    stack.pop()
                line = line[1:].strip()
            else:
                attribute = _ATTRIBUTE.match(line)
                if attribute:
                    stack[-1].attributes[attribute.group(1)] = attribute.group(2).strip()
                line = ""
    return root.blocks


def _value(raw: str | None):
    try:
        return json.loads(raw) if raw is not None else None
    except ValueError:
        return raw


@dataclass(frozen=True)
class Pipeline:
    source: str  # the loki.source.kubernetes label
    rules: tuple[tuple[str, str], ...]  # (action, regex) on the namespace, in order
    url: str | None
    tenant: str | None

    def reads(self, namespace: str) -> bool:
        for action, regex in self.rules:
            matched = re.fullmatch(regex, namespace) is not None
            if (action == "keep" and not matched) or (action == "drop" and matched):
                return False
        return True


def pipelines(text: str) -> list[Pipeline]:
    blocks = parse(text)
    by = {(b.name, b.label): b for b in blocks}
    found = []
    for source in (b for b in blocks if b.name == "loki.source.kubernetes"):
        targets = source.attributes.get("targets", "")
        relabel = by.get(("discovery.relabel", targets.removeprefix("discovery.relabel.").removesuffix(".output")))
        if relabel is None and not targets.startswith("discovery.kubernetes."):
            continue  # targets from elsewhere: not read as a pipeline
        rules = []
        for rule in relabel.blocks if relabel else []:
            action = _value(rule.attributes.get("action")) or "replace"
            if action in ("keep", "drop") and _value(rule.attributes.get("source_labels")) == [NAMESPACE_META]:
                rules.append((str(action), str(_value(rule.attributes.get("regex")) or "(.*)")))
        forward = re.findall(r"loki\.write\.(\w+)\.receiver", source.attributes.get("forward_to", ""))
        for label in forward or [""]:
            write = by.get(("loki.write", label))
            endpoint = next((b for b in write.blocks if b.name == "endpoint"), None) if write else None
            url = _value(endpoint.attributes.get("url")) if endpoint else None
            tenant = _value(endpoint.attributes.get("tenant_id")) if endpoint else None
            found.append(Pipeline(source.label, tuple(rules), url, tenant))
    return found
