"""Lint configuration: `.mlopsgen.yaml` (key `lint`) or `[tool.mlopsgen.lint]` in pyproject.toml.

Found as ruff and yamllint find theirs: the nearest one in the folder of a
linted path or above it, up to the repository root (the folder holding `.git`).
Paths in it (`exclude`, `ignore`) are gitignore-style patterns relative to the
folder the configuration is in. Validated against
schemas/lint-config.schema.json; unknown rule slugs are located errors like any
other bad input.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from mlopsgen.errors import Location, Problem, UserError
from mlopsgen.kube.walk import get
from mlopsgen.lint.rules import RULES
from mlopsgen.platform.loader import MAX_BYTES
from mlopsgen.readfile import read_regular
from mlopsgen.repopath import dot_git_root
from mlopsgen.resources import data_path

CONFIG_FILES = (".mlopsgen.yaml", ".mlopsgen.yml")


@dataclass(frozen=True)
class LintConfig:
    file: str = ""
    base: Path | None = None  # the folder patterns are relative to
    exclude: tuple[str, ...] = ()
    fail_on: str | None = None
    strict: frozenset[str] = frozenset()
    severities: dict = field(default_factory=dict)  # slug -> severity or "off"
    ignore: tuple[tuple[str, frozenset[str], str], ...] = ()  # (path pattern, rules, reason)

    def relative(self, path: Path) -> str | None:
        """`path` relative to the configuration's folder, or None when it lies outside."""
        if self.base is None:
            return None
        try:
            return path.absolute().relative_to(self.base).as_posix()
        except ValueError:
            return None

    def excludes(self, path: Path, is_dir: bool = False) -> bool:
        if not self.exclude:
            return False
        relative = self.relative(path)
        return relative is not None and matches(self.exclude, relative + ("/" if is_dir else ""))

    def ignored_rules(self, path: Path) -> list[tuple[str, frozenset[str], str]]:
        if not self.ignore:
            return []
        relative = self.relative(path)
        return [item for item in self.ignore if relative is not None and matches((item[0],), relative)]


def matches(patterns: tuple[str, ...], relative: str) -> bool:
    """gitignore semantics (git-scm.com/docs/gitignore), as the pathspec library implements them:
    `templates/` matches such a folder at any depth, `/vendor` only at the base, `**` any folders."""
    return compiled(patterns).match_file(relative)


@lru_cache(maxsize=256)  # a pure function of the patterns: compiled once per set
def compiled(patterns: tuple[str, ...]):
    """Patterns from a repository are input a pull request controls: matched by RE2 (pathspec's `re2`
    backend, google-re2), whose time is linear in the name, never by a backtracking engine, for which
    `*a*a*a...b` against a long name takes exponential time."""
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(patterns, backend="re2")


def find_config(start: Path) -> Path | None:
    """The nearest configuration in `start` (a folder) or above it, up to the repository root."""
    start = start.absolute()
    top = dot_git_root(start)
    for directory in (start, *start.parents):
        for name in CONFIG_FILES:
            if (directory / name).is_file():
                return directory / name
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file() and b"[tool.mlopsgen" in read_regular(pyproject, str(pyproject), MAX_BYTES):
            return pyproject
        if directory == top:
            break
    return None


def load_config(path: Path | None) -> LintConfig:
    if path is None:
        return LintConfig()
    base = path.absolute().parent
    if path.name == "pyproject.toml":
        data, locate = _from_pyproject(path)
    else:
        data, locate = _from_yaml(path)
    if data is None:
        return LintConfig(file=str(path), base=base)
    _validate(data, locate, str(path))
    return LintConfig(
        file=str(path),
        base=base,
        exclude=tuple(data.get("exclude", ())),
        fail_on=data.get("fail-on"),
        strict=frozenset(data.get("strict", ())),
        severities=dict(data.get("rules", {})),
        ignore=tuple((item["path"], frozenset(item["rules"]), item.get("reason", "")) for item in data.get("ignore", ())),
    )


def _from_yaml(path: Path):
    from mlopsgen.platform.loader import load_file

    doc = load_file(path)
    if not isinstance(doc.data, dict) or "lint" not in doc.data:
        raise UserError.single(str(path), "expected a mapping with a `lint:` key", line=1, column=1,
                               hint="write `lint:` then exclude, fail-on, strict, rules or ignore")
    return doc.data["lint"] or {}, lambda p, at_key=False: doc.locate(("lint",) + tuple(p), at_key=at_key)


def _from_pyproject(path: Path):
    import tomllib

    text = read_regular(path, str(path), MAX_BYTES).decode("utf-8", errors="replace")
    try:
        data = get(tomllib.loads(text), "tool", "mlopsgen", "lint")
    except tomllib.TOMLDecodeError as exc:
        raise UserError.single(str(path), f"invalid TOML: {exc}") from None
    lines = text.splitlines()

    def locate(p, at_key=False) -> Location:
        needle = next((str(part) for part in reversed(tuple(p)) if isinstance(part, str)), "[tool.mlopsgen.lint]")
        for number, line in enumerate(lines, start=1):
            if needle in line:
                return Location(str(path), number, line.find(needle) + 1)
        return Location(str(path), 1, 1)

    return data, locate


def _validate(data, locate, file: str) -> None:
    from jsonschema import Draft202012Validator

    schema = json.loads(data_path("schemas", "lint-config.schema.json").read_text(encoding="utf-8"))
    problems = []
    for error in Draft202012Validator(schema).iter_errors(data):
        path = tuple(error.absolute_path)
        problems.append(Problem(locate(path), f"invalid lint configuration: {error.message}",
                                "/".join(map(str, path)), "see docs/rules/README.md for the settings"))
    if not problems:
        mentioned: list[tuple[tuple, str, bool]] = [(("rules", slug), slug, True) for slug in data.get("rules", {})]
        mentioned += [(("strict", i), slug, False) for i, slug in enumerate(data.get("strict", []))]
        for i, item in enumerate(data.get("ignore", [])):
            mentioned += [(("ignore", i, "rules", j), slug, False) for j, slug in enumerate(item["rules"])]
        for path, slug, at_key in mentioned:
            if slug not in RULES:
                import difflib

                close = difflib.get_close_matches(slug, list(RULES), n=1)
                problems.append(Problem(locate(path, at_key=at_key), f"unknown rule '{slug}'", "",
                                        f"did you mean '{close[0]}'?" if close else "run `mlopsgen rules` for the list"))
    if problems:
        raise UserError(problems)
