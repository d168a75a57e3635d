"""Flags IPv4 and IPv6 address literals where a DNS name belongs.

## What it does
Reports IP addresses in URIs, environment values, arguments, ConfigMap data
(also inside embedded JSON or scripts), Helm values, Service `clusterIP` and
`externalIPs`, `hostAliases`, mesh hosts and Argo CD destination servers, in
manifests and in platform.yaml.

It does not report what must be an address: CIDRs (`10.0.0.0/8`), addresses
under NetworkPolicy `ipBlock`, AuthorizationPolicy IP blocks or allowlist keys,
Endpoints and EndpointSlices (addresses are what they hold), address pools
(MetalLB, Calico, Cilium) and ranges (`10.0.0.10-10.0.0.20`), DNS resolvers
(`nameservers`, `forward .` and `nameserver` lines), link-local addresses (the
cloud metadata server 169.254.169.254, node-local DNS), the bind-all address
`0.0.0.0`, loopback and netmasks; nor strings that only look like addresses:
a value such as `2.17.0.1` under a key naming a version or a tag, image tags,
OIDs and dotted build ids. CustomResourceDefinitions are schemas, not
configuration: their descriptions are not read.

## Why is this bad?
Pod and node addresses change at every restart, reschedule or cluster
rebuild. A tracking URI such as `http://172.17.0.4:5000` works until the
tracking server restarts, then every training job fails to log, silently.

## Example
```yaml
env:
  - name: MLFLOW_TRACKING_URI
    value: http://172.17.0.4:5000
```

## Use instead
```yaml
env:
  - name: MLFLOW_TRACKING_URI
    value: http://mlflow.mlflow.svc.cluster.local:5000
```
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator

from mlopsgen.kube.walk import walk_strings
from mlopsgen.lint.finding import Issue

ID = "MLG001"
SLUG = "static-ip"
SEVERITY = "error"
SUMMARY = "IP address literal where a DNS name belongs"

# A cheap first look: a text holds a match where it holds `d.d{1,3}.d{1,3}.d`, `::` or seven `:` with at most
# four hex digits before each. Led by one character class (`.` or `:`), so the scan skips to those; its
# lookbehinds read only characters of the match itself.
CANDIDATE = re.compile(r"[.:](?:(?<=\d\.)\d{1,3}\.\d{1,3}\.\d|(?<=:):|(?<=:)(?:[0-9A-Fa-f]{0,4}:){6})")
IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.]|/\d)")
IPV6 = re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:.]|/\d)")
# Keys under which addresses are the point: allowlists, resolvers, pools.
ALLOWLIST_KEYS = ("cidr", "ipblock", "allowlist", "whitelist", "sourcerange", "iprange", "allowedips", "except",
                  "nameserver", "resolver", "pool")
# Kinds whose addresses are their content: Endpoints/EndpointSlice, address pools, CRDs (schemas and prose).
ADDRESS_KINDS = frozenset({"Endpoints", "EndpointSlice", "IPAddressPool", "AddressPool", "IPPool",
                           "CiliumLoadBalancerIPPool", "CustomResourceDefinition"})
RESOLVER_LINE_WORDS = ("forward", "nameserver", "upstream")  # Corefile, resolv.conf (and dnsmasq's server=)
VERSION_LIKE = re.compile(r"v?\d+(?:\.\d+){3}")
# A command-line flag that names a version or tag just before the value: `--version=2.17.0.1`, `--tag 1.2.3.4`.
VERSION_FLAG = re.compile(r"(?:^|\s)--?[\w.-]*(?:version|tag)[=\s]$", re.I)
HINT = "use a DNS name: <service>.<namespace>.svc.cluster.local in the cluster, a stable host name outside it"


def _allowed_context(path: tuple, value: str) -> bool:
    for key in path:
        if isinstance(key, str):
            lowered = key.lower()
            if any(word in lowered for word in ALLOWLIST_KEYS):
                return True
    leaf = next((k.lower() for k in reversed(path) if isinstance(k, str)), "")
    # Only the value's own key, and only a bare version: `image.tag: "2.17.0.1"`, not a URL under `versions:`.
    return ("version" in leaf or leaf.endswith("tag")) and VERSION_LIKE.fullmatch(value.strip()) is not None


def _resolver_or_range(text: str, start: int, end: int) -> bool:
    """An address in a resolver line (`forward . 8.8.8.8`, `nameserver 10.0.0.10`) or an address range."""
    head = text[text.rfind("\n", 0, start) + 1:start].split()
    if head and (head[0].lower() in RESOLVER_LINE_WORDS or head[0].lower().startswith("server=")):
        return True
    return text[end:end + 1] == "-" or (start > 0 and text[start - 1] == "-" and text[:start - 1][-1:].isdigit())


def _harmless(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if address.is_unspecified or address.is_loopback or address.is_link_local:
        return True
    if address.version == 4:  # netmasks such as 255.255.255.0
        bits = int(address)
        inverted = ~bits & 0xFFFFFFFF
        return bits != 0 and (inverted & (inverted + 1)) == 0 and str(address).startswith("255.")
    return False


def addresses(text: str) -> Iterator[str]:
    """The address literals in `text`, in order."""
    if "." not in text and ":" not in text:
        return
    candidates = [(m.start(), m.group()) for m in IPV4.finditer(text)]
    if "::" in text or text.count(":") >= 7:
        candidates += [(m.start(), m.group()) for m in IPV6.finditer(text) if "::" in m.group() or m.group().count(":") == 7]
    for start, candidate in sorted(candidates):
        if _resolver_or_range(text, start, start + len(candidate)) or VERSION_FLAG.search(text[max(0, start - 64):start]):
            continue
        try:
            address = ipaddress.ip_address(candidate)
        except ValueError:
            continue
        if not _harmless(address):
            yield candidate


def _image_registry(value: str) -> str:
    """Only the registry part of an image reference can hold an address; tags never count."""
    return value.split("/", 1)[0] if "/" in value else ""


def findings_in(strings, position) -> Iterator[Issue]:
    strings = list(strings)
    # One look at the whole document first: CANDIDATE looks at nothing outside its match, so it matches the joined
    # text wherever it matches one of its strings (NUL, never part of a match, keeps them apart).
    if not CANDIDATE.search("\x00".join(value for _, value in strings)):
        return
    for path, value in strings:
        if not CANDIDATE.search(value) or _allowed_context(path, value):
            continue
        if path and path[-1] == "image":
            value = _image_registry(value)
        for address in addresses(value):
            line, column = position(path, address)
            yield Issue(line, column, f"static IP address {address}", HINT)


def check_manifest(manifest) -> Iterator[Issue]:
    if manifest.kind not in ADDRESS_KINDS and manifest.file.may_contain(CANDIDATE):
        yield from findings_in(manifest.strings(), manifest.text_position)


def check_spec(spec) -> Iterator[Issue]:
    yield from findings_in(walk_strings(spec.doc.data), spec.text_position)
