"""The marker file of a rendered tree: what wrote it, from which source, which files it owns.

No timestamp: the same spec renders a byte-identical marker.
"""

from __future__ import annotations

import hashlib
import json

from mlopsgen import __version__


def source_digest(spec_bytes: bytes) -> str:
    return hashlib.sha256(spec_bytes).hexdigest()


def marker_text(files: dict[str, str], spec_digest: str) -> str:
    return json.dumps(
        {"generator": "mlopsgen", "version": __version__, "source_sha256": spec_digest, "files": sorted(files)},
        indent=2,
    ) + "\n"
