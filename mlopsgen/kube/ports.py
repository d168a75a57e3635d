"""Port sets: what a NetworkPolicy rule's `ports` admits, as (protocol, first, last) ranges.

NetworkPolicy: a rule without `ports` admits every port of every protocol; an
entry without `port` admits every port of its protocol (TCP by default); a
named port is the destination pod's container port of that name; `endPort`
extends a numeric port to a range.
"""

from __future__ import annotations

from typing import Any

PROTOCOLS = ("TCP", "UDP", "SCTP")
MAX_PORT = 65535

PortSet = frozenset[tuple[str, int, int]]
ALL: PortSet = frozenset((p, 1, MAX_PORT) for p in PROTOCOLS)
NONE: PortSet = frozenset()


def named_port(ports: list[dict[str, Any]], name: str, protocol: str) -> int | None:
    for p in ports:
        if p.get("name") == name and p.get("protocol", "TCP") == protocol:
            return int(p["containerPort"])
    return None


def rule_ports(entries: list[Any] | None, dst_ports: list[dict[str, Any]]) -> PortSet:
    if not entries:
        return ALL
    found = set()
    for entry in entries:
        protocol = entry.get("protocol", "TCP")
        port = entry.get("port")
        if port is None:
            found.add((protocol, 1, MAX_PORT))
        elif isinstance(port, str) and not port.isdigit():
            number = named_port(dst_ports, port, protocol)
            if number is not None:
                found.add((protocol, number, number))
        else:
            first = int(port)
            found.add((protocol, first, int(entry.get("endPort", first))))
    return frozenset(found)


def contains(ports: PortSet, protocol: str, port: int) -> bool:
    return any(p == protocol and lo <= port <= hi for p, lo, hi in ports)


def intersect(a: PortSet, b: PortSet) -> PortSet:
    if a is ALL:
        return b
    if b is ALL:
        return a
    out = set()
    for pa, la, ha in a:
        for pb, lb, hb in b:
            if pa == pb and max(la, lb) <= min(ha, hb):
                out.add((pa, max(la, lb), min(ha, hb)))
    return normalize(frozenset(out))


def union(a: PortSet, b: PortSet) -> PortSet:
    if a is ALL or b is ALL:
        return ALL
    return normalize(a | b)


def normalize(ports: PortSet) -> PortSet:
    merged: list[tuple[str, int, int]] = []
    for p, lo, hi in sorted(ports):
        if merged and merged[-1][0] == p and lo <= merged[-1][2] + 1:
            merged[-1] = (p, merged[-1][1], max(hi, merged[-1][2]))
        else:
            merged.append((p, lo, hi))
    result = frozenset(merged)
    return ALL if result == ALL else result


def describe(ports: PortSet) -> str:
    if ports == ALL:
        return "all ports"
    parts = []
    for p, lo, hi in sorted(ports, key=lambda t: (t[1], t[0])):
        parts.append(f"{p} {lo}" if lo == hi else f"{p} {lo}-{hi}")
    return ", ".join(parts) if parts else "nothing"


def first_port(ports: PortSet, preferred: list[tuple[str, int]]) -> tuple[str, int] | None:
    """A concrete counterexample port: a preferred probe if the set has one, else its lowest port."""
    for protocol, port in preferred:
        if contains(ports, protocol, port):
            return protocol, port
    if not ports:
        return None
    p, lo, _ = min(ports, key=lambda t: (PROTOCOLS.index(t[0]), t[1]))
    return p, lo


def subtract(a: PortSet, b: PortSet) -> PortSet:
    """Ports of `a` not in `b`."""
    out: list[tuple[str, int, int]] = []
    for p, lo, hi in a:
        pieces = [(lo, hi)]
        for pb, lb, hb in b:
            if pb != p:
                continue
            next_pieces = []
            for x, y in pieces:
                if hb < x or lb > y:
                    next_pieces.append((x, y))
                    continue
                if x < lb:
                    next_pieces.append((x, lb - 1))
                if hb < y:
                    next_pieces.append((hb + 1, y))
            pieces = next_pieces
        out += [(p, x, y) for x, y in pieces]
    return normalize(frozenset(out))


def single(protocol: str, port: int) -> PortSet:
    return frozenset({(protocol, port, port)})
