"""`mlopsgen lint`, `mlopsgen rules`, `mlopsgen explain`."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import click

from mlopsgen.console import DEFAULT_CONSOLE, Console
from mlopsgen.errors import EXIT_CHECK_FAILED, EXIT_OK, Location, Problem, UserError
from mlopsgen.lint.config import find_config, load_config
from mlopsgen.lint.engine import Engine, SpecInput
from mlopsgen.lint.finding import severity_rank
from mlopsgen.lint.reporters import REPORTERS, summary_line
from mlopsgen.lint.rules import RULES
from mlopsgen.lint.sources import discover, display_path, read_inputs


@dataclass(frozen=True)
class LintOptions:
    paths: tuple[str, ...]
    output_format: str | None
    fail_on: str | None
    strict: tuple[str, ...]
    config: str | None
    output_file: str | None = None
    console: Console = DEFAULT_CONSOLE


def _load_specs(paths: list[Path], root: Path) -> list[SpecInput]:
    from mlopsgen.platform import check_document
    from mlopsgen.platform.build import build_platform
    from mlopsgen.platform.loader import load_bytes

    specs: list[SpecInput] = []
    problems: list[Problem] = []
    for path in paths:
        display = display_path(path, root)
        raw = path.read_bytes()
        try:
            doc = load_bytes(raw, display)  # the same limits and checks as `validate`
            check_document(doc)
        except UserError as error:
            problems += error.problems
            continue
        text = raw.decode("utf-8-sig")  # load_bytes accepted it: valid UTF-8
        specs.append(SpecInput(path, display, text, doc, build_platform(doc.data, display)))
    if problems:
        raise UserError(problems)
    return specs


def run_lint(options: LintOptions) -> int:
    root = Path.cwd().resolve()
    config = load_config(Path(options.config) if options.config else find_config(root))
    unknown = [s for s in options.strict if s not in RULES and s != "all"]
    if unknown:
        raise UserError([Problem(Location("--strict"), f"unknown rule '{s}'", hint="run `mlopsgen rules` for the list")
                         for s in unknown])
    if not options.paths:
        raise UserError.single("mlopsgen lint", "no paths given", hint="pass files or directories, e.g. `mlopsgen lint .`")
    files = discover(list(options.paths), list(config.exclude), root)
    if not files:
        raise UserError.single(", ".join(options.paths), "no YAML files to lint",
                               hint="lint looks for *.yaml and *.yml files; check the paths and excludes")
    inputs = read_inputs(files, root)
    if inputs.problems:
        raise UserError(inputs.problems)
    specs = _load_specs(inputs.platform_files, root)
    strict = frozenset(RULES) if "all" in options.strict else frozenset(options.strict)
    engine = Engine(config, strict, root)
    findings = engine.run(inputs, specs)

    output_format = options.output_format or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text")
    console = options.console
    if options.output_file:
        from mlopsgen.atomic import write_atomic

        # A file is not a terminal: colour only when asked for explicitly.
        report = REPORTERS[output_format](findings, len(files), engine.suppressed, color=console.color == "always")
        write_atomic(Path(options.output_file), report)
    else:
        sys.stdout.write(REPORTERS[output_format](findings, len(files), engine.suppressed,
                                                  color=console.colors(sys.stdout)))
    console.note(summary_line(findings, len(files), len(engine.suppressed)))
    threshold = severity_rank(options.fail_on or config.fail_on or "error")
    failing = any(severity_rank(f.severity) >= threshold for f in findings)
    return EXIT_CHECK_FAILED if failing else EXIT_OK


def run_rules(output_format: str) -> int:
    if output_format == "json":
        import json

        click.echo(json.dumps([{"rule": slug, "id": r.ID, "severity": r.SEVERITY, "summary": r.SUMMARY}
                               for slug, r in RULES.items()], indent=2))
        return EXIT_OK
    width = max(len(slug) for slug in RULES)
    for slug, rule in RULES.items():
        click.echo(f"{rule.ID}  {slug.ljust(width)}  {rule.SEVERITY:<7}  {rule.SUMMARY}")
    return EXIT_OK


def run_explain(slug: str) -> int:
    rule = RULES.get(slug) or next((r for r in RULES.values() if slug.upper() == r.ID), None)
    if rule is None:
        import difflib

        close = difflib.get_close_matches(slug, list(RULES), n=1)
        raise UserError.single(slug, "unknown rule", hint=f"did you mean '{close[0]}'?" if close else "run `mlopsgen rules`")
    from mlopsgen.lint.docs import rule_markdown

    click.echo(rule_markdown(rule), nl=False)
    return EXIT_OK
