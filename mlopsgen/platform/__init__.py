"""The platform spec pipeline: load -> schema -> semantic checks -> model.

Importing any module of the package runs this file, so it imports nothing heavy itself: lint
reads the loader's bounds and the model's types without the schema, the checks or the builder.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlopsgen.platform.loader import Document
    from mlopsgen.platform.model import Platform


def check_document(doc: Document) -> None:
    """Raise one UserError listing every schema, then every semantic, problem."""
    from mlopsgen.errors import UserError
    from mlopsgen.platform.schema import schema_problems
    from mlopsgen.platform.semantic import semantic_problems

    problems = schema_problems(doc)
    if not problems:  # semantic checks rely on the shapes the schema guarantees
        problems = semantic_problems(doc)
    if problems:
        raise UserError(sorted(problems, key=lambda p: (p.location.line, p.location.column, p.message)))


def load_platform(path: str | Path, display_name: str | None = None) -> Platform:
    from mlopsgen.platform.build import build_platform
    from mlopsgen.platform.loader import load_file

    doc = load_file(path, display_name)
    check_document(doc)
    return build_platform(doc.data, doc.file)


__all__ = ["check_document", "load_platform"]
