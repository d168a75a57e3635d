"""The marker file of a rendered tree: what wrote it, from which source, which files it owns.

No timestamp: the same spec renders a byte-identical marker.
"""

from __future__ import annotations

import hashlib
import json

from mlopsgen import __version__


def spec_digest(data: object) -> str:
    """Of what the spec means, its parsed data as canonical JSON, not of its bytes: an edit of comments,
    quoting or layout renders the same tree, so it leaves the committed tree fresh."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8", "surrogateescape")).hexdigest()


def marker_text(files: dict[str, str], digest: str) -> str:
    return json.dumps(
        {"generator": "mlopsgen", "version": __version__, "spec_data_sha256": digest, "files": sorted(files)},
        indent=2,
    ) + "\n"
