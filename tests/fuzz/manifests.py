"""Fuzz lint's reader and rules: any bytes on standard input are read, split into specs and manifests,
and linted into findings (a file that cannot be read is a parse-error finding), never a crash."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script from the repository root

MODULES = ("mlopsgen.lint.sources", "mlopsgen.lint.engine", "mlopsgen.lint.rules", "mlopsgen.commands.lint")


def check(data: bytes) -> None:
    from mlopsgen.commands.lint import _load_specs
    from mlopsgen.kube.manifest import STDIN
    from mlopsgen.lint.config import LintConfig
    from mlopsgen.lint.engine import Engine
    from mlopsgen.lint.rules import INTERNAL_ERROR, PARSE_ERROR
    from mlopsgen.lint.sources import read_inputs

    root = Path.cwd()
    inputs = read_inputs([Path(STDIN)], root, stdin=data)
    specs, _ = _load_specs(inputs, root)
    engine = Engine(LintConfig(), frozenset(), root)
    engine.report_unreadable(inputs.problems, PARSE_ERROR)
    findings = engine.run(inputs, specs)
    crashed = [f for f in findings if f.rule == INTERNAL_ERROR[0]]
    assert not crashed, crashed[0].message
    for f in findings:
        assert f.line >= 1 and f.column >= 1, f


if __name__ == "__main__":
    from tests.fuzz.harness import fuzz

    fuzz(MODULES, check)
