"""The platform spec pipeline: load -> schema -> semantic checks -> model."""

from __future__ import annotations

from pathlib import Path

from mlopsgen.errors import UserError
from mlopsgen.platform.build import build_platform
from mlopsgen.platform.loader import Document, load_file
from mlopsgen.platform.model import Platform
from mlopsgen.platform.schema import schema_problems
from mlopsgen.platform.semantic import semantic_problems


def check_document(doc: Document) -> None:
    """Raise one UserError listing every schema, then every semantic, problem."""
    problems = schema_problems(doc)
    if not problems:  # semantic checks rely on the shapes the schema guarantees
        problems = semantic_problems(doc)
    if problems:
        raise UserError(sorted(problems, key=lambda p: (p.location.line, p.location.column, p.message)))


def load_platform(path: str | Path, display_name: str | None = None) -> Platform:
    doc = load_file(path, display_name)
    check_document(doc)
    return build_platform(doc.data, doc.file)


__all__ = ["Document", "Platform", "check_document", "load_platform"]
