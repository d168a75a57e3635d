"""Values the schema describes but cannot check: segments, credentials, sources, dates."""

from __future__ import annotations

import datetime
import ipaddress
import re

from mlopsgen.platform.checker import Checker

PRIVATE = [ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")]  # RFC 1918
_PASSWORD_IN_URL = re.compile(r"^[a-z+]+://[^/@:]+:[^/@]+@")


def _segments_private_and_apart(check: Checker) -> None:
    """Subnet segments are private (RFC 1918) and do not overlap: a public range is someone else's address
    space, and overlapping pools hand out the same addresses twice."""
    seen: list[tuple[ipaddress.IPv4Network, str, int]] = []
    for i, env in enumerate(check.data["environments"]):
        segment = env.get("segment")
        if not segment:
            continue
        path = ("environments", i, "segment", "cidr")
        try:
            network = ipaddress.ip_network(segment["cidr"])
        except ValueError:
            continue  # reported by the CIDR check
        if not isinstance(network, ipaddress.IPv4Network):
            continue
        if not any(network.subnet_of(p) for p in PRIVATE):
            check.fail(path, f"segment {network} of '{env['name']}' is public address space",
                       "use a private range (10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16)")
        for other, name, line in seen:
            if network.overlaps(other):
                check.fail(path, f"segment {network} of '{env['name']}' overlaps {other} of '{name}'",
                           f"first at line {line}; give each segment its own range")
                break
        seen.append((network, env["name"], check.doc.locate(path).line))


def _no_credentials_in_the_repository_url(check: Checker) -> None:
    """The URL is written into every Application and AppProject of the committed tree."""
    if _PASSWORD_IN_URL.match(check.data["gitops"]["repoURL"]):
        check.fail(("gitops", "repoURL"), "the repository URL carries a password",
                   "give Argo CD the credentials as a repository Secret; keep the URL without them")


def _sources(check: Checker) -> None:
    """A canary serves a different source than the stable track (else it tests nothing), and a models:/ source
    needs a tracking server to resolve it."""
    trackers = [s for s in check.data["services"] if s["kind"] == "tracking"]
    for i, model in enumerate(check.data["models"]):
        canary = model.get("canary")
        if canary and canary["source"] == model["source"]:
            check.fail(("models", i, "canary", "source"), "the canary serves the same source as the stable track",
                       "point the canary at the candidate version or alias")
        if model["source"].startswith("models:/") and not trackers:
            check.fail(("models", i, "source"), "a models:/ source needs a tracking server to resolve it",
                       "declare the MLflow server under services with kind: tracking")


def _expiry_dates(check: Checker) -> None:
    """A lint suppression's `expires` is a real date: one that cannot be read would never expire."""
    for i, suppression in enumerate(check.data["lint"]["suppressions"]):
        expires = suppression.get("expires")
        if expires is None:
            continue
        try:
            datetime.date.fromisoformat(expires)
        except ValueError:
            check.fail(("lint", "suppressions", i, "expires"), f"'{expires}' is not a date", "write YYYY-MM-DD, e.g. 2027-06-30")


VALUE_RULES = (_segments_private_and_apart, _no_credentials_in_the_repository_url, _sources, _expiry_dates)
