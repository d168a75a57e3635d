"""`mlopsgen lint`, `mlopsgen rules`, `mlopsgen explain`.

Exit codes: 0 nothing at or above --fail-on; 1 findings at or above it (a file
that cannot be read or parsed is a `parse-error` finding, an error, so it
fails the run while every other file is still linted and reported); 2 a usage
error (bad option, missing path, bad configuration), or nothing at all could be
read, and then the report is still written, complete.
"""

from __future__ import annotations

import gc
import os
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import click

from mlopsgen.console import DEFAULT_CONSOLE, Console
from mlopsgen.errors import EXIT_CHECK_FAILED, EXIT_OK, EXIT_USER_ERROR, Location, Problem, UserError
from mlopsgen.kube.manifest import STDIN
from mlopsgen.lint.config import LintConfig, find_config, load_config
from mlopsgen.lint.discover import discover
from mlopsgen.lint.engine import Engine, SpecInput
from mlopsgen.lint.finding import LintResult, severity_rank
from mlopsgen.lint.reporters import REPORTERS, summary_line
from mlopsgen.lint.rules import INVALID_SPEC, PARSE_ERROR, RULES
from mlopsgen.lint.sources import Inputs, read_inputs


@dataclass(frozen=True)
class LintOptions:
    paths: tuple[str, ...]
    output_format: str | None
    fail_on: str | None
    strict: tuple[str, ...]
    config: str | None
    output_file: str | None = None
    console: Console = DEFAULT_CONSOLE
    gitignore: bool = True
    kustomize: bool = False  # lint each Kustomize root as it builds
    allow_remote: bool = False  # let kustomize fetch remote resources


def _load_specs(inputs: Inputs, root: Path) -> tuple[list[SpecInput], list[Problem]]:
    if not inputs.platform_files:  # the spec pipeline is loaded only for runs that hold a spec
        return [], []
    from mlopsgen.platform import check_document
    from mlopsgen.platform.build import build_platform
    from mlopsgen.platform.loader import load_bytes

    specs: list[SpecInput] = []
    problems: list[Problem] = []
    for path in inputs.platform_files:
        display = inputs.displays[path]
        text = inputs.platform_texts[path]
        try:
            doc = load_bytes(text.encode("utf-8"), display)  # the same limits and checks as `validate`
            check_document(doc)
        except UserError as error:
            problems += error.problems
            continue
        specs.append(SpecInput(path, display, text, doc, build_platform(doc.data, display)))
    return specs, problems


def _configs(options: LintOptions) -> list[tuple[str, LintConfig]]:
    """Each path with the configuration that governs it: --config, or the nearest one above it."""
    if options.config:
        config = load_config(Path(options.config))
        return [(p, config) for p in options.paths]
    loaded: dict[Path | None, LintConfig] = {}
    out = []
    for argument in options.paths:
        path = Path.cwd() if argument == STDIN else Path(argument).absolute()
        found = find_config(path if path.is_dir() else path.parent)
        if found not in loaded:
            loaded[found] = load_config(found)
        out.append((argument, loaded[found]))
    return out


@contextmanager
def _without_cycle_collection():
    """Python's cycle collector walks every live object again and again as a run's parsed files pile up (a
    sixth of a 10,000-object lint); what a lint makes is trees of dicts and lists, freed by reference counts
    alone. Collection resumes after the run (tests lint in one process, many times)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def run_lint(options: LintOptions) -> int:
    with _without_cycle_collection():
        return _lint(options)


def _lint(options: LintOptions) -> int:
    root = Path.cwd().resolve()
    unknown = [s for s in options.strict if s not in RULES and s != "all"]
    if unknown:
        raise UserError([Problem(Location("--strict"), f"unknown rule '{s}'", hint="run `mlopsgen rules` for the list")
                         for s in unknown])
    if not options.paths:
        raise UserError.single("mlopsgen lint", "no paths given", hint="pass files or directories, e.g. `mlopsgen lint .`")
    arguments = _configs(options)
    selection = discover(arguments, gitignore=options.gitignore)
    if not selection.files and not selection.problems:
        raise UserError.single(", ".join(options.paths), "no YAML files to lint",
                               hint="lint looks for *.yaml and *.yml files; check the paths, excludes and .gitignore")
    stdin = sys.stdin.buffer.read() if STDIN in options.paths else None
    inputs = read_inputs(selection.files, root, stdin)
    read = {f.display for f in inputs.manifest_files}  # a kustomization or patch a build consumes is linted too
    if options.kustomize:
        from mlopsgen.lint.kustomize_build import build_roots, builder

        command = builder()
        if command is None:
            raise UserError.single("--kustomize", "neither kubectl nor kustomize is on PATH",
                                   hint="install kubectl (its `kubectl kustomize` builds the roots), or lint without --kustomize")
        inputs = build_roots(inputs, command, options.allow_remote)
    specs, spec_problems = _load_specs(inputs, root)
    strict = frozenset(RULES) if "all" in options.strict else frozenset(options.strict)
    default = arguments[0][1]
    configs = {inputs.displays[path]: config for path, config in selection.configs.items()}
    engine = Engine(default, strict, root, configs=configs)
    engine.report_unreadable(selection.problems + inputs.problems, PARSE_ERROR)
    engine.report_unreadable(spec_problems, INVALID_SPEC)
    linted = len(read | {f.display for f in inputs.manifest_files}) + len(inputs.platform_files)
    result = LintResult(engine.run(inputs, specs), engine.suppressed, linted, tuple(inputs.templates))

    output_format = options.output_format or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text")
    console = options.console
    if options.output_file:
        from mlopsgen.atomic import write_atomic

        # A file is not a terminal: colour only when asked for explicitly.
        write_atomic(Path(options.output_file), REPORTERS[output_format](result, color=console.color == "always"))
    else:
        sys.stdout.write(REPORTERS[output_format](result, color=console.colors(sys.stdout)))
    console.note(summary_line(result))
    if not inputs.manifest_files and not specs and not inputs.templates:
        console.note("no file could be linted: why is reported above for each")
        return EXIT_USER_ERROR
    threshold = severity_rank(options.fail_on or default.fail_on or "error")
    failing = any(severity_rank(f.severity) >= threshold for f in result.findings)
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
    """A lint rule's documentation, or a verify journey's (by slug or id)."""
    rule = RULES.get(slug) or next((r for r in RULES.values() if slug.upper() == r.ID), None)
    if rule is None:
        from mlopsgen.verify.checks import JOURNEYS

        journey = JOURNEYS.get(slug) or next((j for j in JOURNEYS.values() if slug.upper() == j.id), None)
        if journey is not None:
            from mlopsgen.verify.docs import journey_markdown

            click.echo(journey_markdown(journey), nl=False)
            return EXIT_OK
        import difflib

        close = difflib.get_close_matches(slug, [*RULES, *JOURNEYS], n=1)
        raise UserError.single(slug, "unknown rule or journey",
                               hint=f"did you mean '{close[0]}'?" if close else "run `mlopsgen rules`, or see docs/journeys/")
    from mlopsgen.lint.docs import rule_markdown

    click.echo(rule_markdown(rule), nl=False)
    return EXIT_OK
