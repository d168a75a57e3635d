"""The lint engine: run every rule, stamp severity, apply suppressions, sort.

Rules only yield Issues. Here they become Findings with the rule's slug, id
and configured severity; a crashing rule becomes an internal-error finding
instead of stopping the run or vanishing.
"""

from __future__ import annotations

import datetime
import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from mlopsgen.errors import Problem
from mlopsgen.findings import IN_ORDER
from mlopsgen.kube.manifest import Manifest
from mlopsgen.lint.config import LintConfig
from mlopsgen.lint.finding import Finding, Issue, Suppressed
from mlopsgen.lint.rules import INTERNAL_ERROR, RULES
from mlopsgen.lint.sources import Inputs, inline_disables

if TYPE_CHECKING:  # spec rules' types: a manifest-only run never loads the platform model
    from mlopsgen.platform.loader import Document
    from mlopsgen.platform.model import Platform, Suppression


@dataclass
class SpecInput:
    """A platform.yaml as spec rules see it: the model, and positions in the file."""

    path: Path
    display: str
    text: str
    doc: Document
    platform: Platform

    @cached_property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    def position(self, path: tuple) -> tuple[int, int]:
        location = self.doc.locate(path)
        return location.line, location.column

    def text_position(self, path: tuple, needle: str) -> tuple[int, int]:
        line, column = self.position(path)
        lines = self.lines
        for number in range(line - 1, min(line + 200, len(lines))):
            found = lines[number].find(needle, column - 1 if number == line - 1 else 0)
            if found >= 0:
                return number + 1, found + 1
        return line, column


class Engine:
    def __init__(self, config: LintConfig, strict: frozenset[str], root: Path, today: datetime.date | None = None,
                 configs: dict[str, LintConfig] | None = None):
        self.config = config  # the default; `configs` maps a file (as displayed) to the one governing it
        self.configs = configs or {}
        self.root = root  # findings' file names are relative to it
        self.strict = strict | config.strict | frozenset().union(*(c.strict for c in self.configs.values()))
        self.today = today or datetime.date.today()
        self.findings: list[Finding] = []
        self.suppressed: list[Suppressed] = []
        self._disabled: dict[str, dict[int, set[str]]] = {}
        self._spec_suppressions: list[tuple[Path, Suppression]] = []
        self._by_file: dict[str, tuple[list, list]] = {}

    def config_for(self, file: str) -> LintConfig:
        return self.configs.get(file, self.config)

    def active_rules(self):
        configs = [self.config, *self.configs.values()]
        return [(slug, rule) for slug, rule in RULES.items() if any(c.severities.get(slug) != "off" for c in configs)]

    def report_unreadable(self, problems: Iterable[Problem], slug_and_id: tuple[str, str]) -> None:
        """Files that could not be read (or specs that do not validate): one located error each."""
        for p in problems:
            where = p.location
            message = p.message + (f" (at {p.pointer})" if p.pointer else "")
            self.findings.append(Finding(where.file, max(where.line, 1), max(where.column, 1), slug_and_id[0],
                                         slug_and_id[1], "error", message, p.hint))

    def run(self, inputs: Inputs, specs: list[SpecInput]) -> list[Finding]:
        manifests = inputs.manifests
        for manifest_file in inputs.manifest_files:
            self._disabled[manifest_file.display] = inline_disables(manifest_file.text)
        for spec in specs:
            self._disabled[spec.display] = inline_disables(spec.text)
            self._spec_suppressions += [(spec.path.parent, s) for s in spec.platform.suppressions]
        for slug, rule in self.active_rules():
            check = getattr(rule, "check_manifest", None)
            if check is not None:
                add = self._add
                for manifest in manifests:  # a loop of its own: it runs once per rule and document
                    display = manifest.file.display
                    try:
                        for issue in check(manifest):
                            add(slug, rule, display, issue)
                    except Exception as exc:  # a bug in a rule: report it, keep linting
                        self._crashed(slug, display, exc)
            if hasattr(rule, "check_manifests") and manifests:
                self._call(slug, rule, manifests[0].file.display, lambda r=rule: r.check_manifests(manifests))
            if hasattr(rule, "check_spec"):
                for spec in specs:
                    self._call(slug, rule, spec.display, lambda s=spec, r=rule: ((s, issue) for issue in r.check_spec(s)))
        self.suppressed = sorted(set(self.suppressed))
        return sorted(set(self.findings), key=IN_ORDER)

    def _call(self, slug: str, rule, file: str, produce) -> None:
        try:
            for source, issue in produce():
                display = source.file.display if isinstance(source, Manifest) else source.display
                self._add(slug, rule, display, issue)
        except Exception as exc:  # a bug in a rule: report it, keep linting
            self._crashed(slug, file, exc)

    def _crashed(self, slug: str, file: str, exc: Exception) -> None:
        import traceback

        where = traceback.extract_tb(exc.__traceback__)[-1]
        self.findings.append(Finding(
            file, 1, 1, INTERNAL_ERROR[0], INTERNAL_ERROR[1], "error",
            f"rule {slug} crashed: {type(exc).__name__}: {exc} ({Path(where.filename).name}:{where.lineno})",
            "please report this; other rules ran normally"))

    def _add(self, slug: str, rule, file: str, issue: Issue) -> None:
        config = self.config_for(file)
        severity = config.severities.get(slug, rule.SEVERITY)
        if severity == "off":
            return
        finding = Finding(file, issue.line, issue.column, slug, rule.ID, severity, issue.message, issue.hint)
        suppression = None if slug in self.strict else self._suppression(finding)
        if suppression:
            self.suppressed.append(Suppressed(finding, *suppression))
            return
        self.findings.append(finding)

    def _suppression(self, finding: Finding) -> tuple[str, str] | None:
        """(where, why) of the suppression that applies to `finding`, if any."""
        inline = self._disabled.get(finding.file, {}).get(finding.line, set())
        if finding.rule in inline or "all" in inline:
            return "inline", "`# mlopsgen: disable` comment"
        ignored, by_spec = self._file_suppressions(finding.file)
        for rules, why in ignored:
            if finding.rule in rules:
                return "config", why
        for suppression, why in by_spec:
            if suppression.rule == finding.rule:
                return "spec", why
        return None

    def _file_suppressions(self, file: str) -> tuple[list[tuple[frozenset[str], str]], list[tuple[Suppression, str]]]:
        """The configuration's ignores and the specs' unexpired suppressions that match `file`, with their reasons:
        matched once per file, not once per finding (a first lint reports thousands)."""
        cached = self._by_file.get(file)
        if cached is not None:
            return cached
        config = self.config_for(file)
        ignored = [(rules, reason or f"ignored for '{pattern}' in {Path(config.file).name}")
                   for pattern, rules, reason in config.ignored_rules(self.root / file)]
        by_spec = []
        absolute = (self.root / file).resolve() if self._spec_suppressions else None
        for spec_dir, suppression in self._spec_suppressions:
            if suppression.expires and datetime.date.fromisoformat(suppression.expires) < self.today:
                continue  # expired: the finding stands again
            try:
                relative = absolute.relative_to(spec_dir.resolve()).as_posix() if absolute else file
            except ValueError:
                relative = file
            if _matches(relative, suppression.path) or _matches(file, suppression.path):
                until = f" (until {suppression.expires})" if suppression.expires else ""
                by_spec.append((suppression, suppression.reason + until))
        self._by_file[file] = ignored, by_spec
        return ignored, by_spec


def _matches(path: str, pattern: str) -> bool:
    return pattern in ("**", "*") or fnmatch.fnmatch(path, pattern) or fnmatch.fnmatch(path, pattern.replace("**/", ""))
