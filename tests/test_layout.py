"""The layout the README promises: no import cycle, the catalog stands alone, commands sit on top."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "mlopsgen"


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    """Each module's imports of the project, wherever in the module they stand (function-level ones too)."""
    modules = {_module(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                submodules = [f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in modules]
                # `from package import submodule` imports the submodule; any other name comes from the module itself
                candidates = submodules + ([node.module] if len(submodules) < len(node.names) else [])
            elif isinstance(node, ast.Import):
                candidates = [a.name for a in node.names]
            else:
                continue
            found |= {c for c in candidates if c in modules and c != name}
        graph[name] = found
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return []


def test_there_is_no_import_cycle():
    graph = _imports()
    assert len(graph) > 100  # the walk found the package
    assert _cycle(graph) == []


def test_the_catalog_imports_nothing_of_the_project_but_itself():
    for module, imported in _imports().items():
        if module.startswith("mlopsgen.catalog"):
            assert {i for i in imported if not i.startswith("mlopsgen.catalog")} == set(), module


def test_nothing_below_the_commands_imports_them():
    for module, imported in _imports().items():
        if not module.startswith(("mlopsgen.commands", "mlopsgen.cli", "mlopsgen.__main__")):
            assert {i for i in imported if i.startswith("mlopsgen.commands")} == set(), module


def test_lint_and_verify_are_siblings_over_the_kubernetes_core():
    """verify imports nothing from lint (nor lint from verify): what both need is in mlopsgen.kube, which
    imports neither, nor the spec, render or the commands."""
    graph = _imports()
    for module, imported in graph.items():
        if module.startswith("mlopsgen.verify"):
            assert {i for i in imported if i.startswith("mlopsgen.lint")} == set(), module
        if module.startswith("mlopsgen.lint"):
            assert {i for i in imported if i.startswith("mlopsgen.verify")} == set(), module
        if module.startswith("mlopsgen.kube"):
            below = ("mlopsgen.kube", "mlopsgen.errors", "mlopsgen.readfile", "mlopsgen.escape", "mlopsgen.catalog")
            assert {i for i in imported if i.startswith("mlopsgen.") and not i.startswith(below)} == set(), module


def _constants(node) -> set[str]:
    import ast

    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return {e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)}
    return set()


def test_no_stage_branches_on_a_runtime_or_a_mode_name():
    """What differs between serving runtimes and network modes is in the catalog (runtimes.py, modes.py):
    a stage compares no value with a runtime's or mode's name, nor looks one up by a literal name, so a new
    runtime or mode is a catalog entry (and its template), not a hunt through every stage. `"host" in x`,
    a spec field looked up by its key, is not a mode. Nor does a stage compare a kind with a runtime's kind
    (a model's pods come from the entry's ModelPods); lint rules may, as they judge upstream objects users
    write by hand."""
    import ast

    from mlopsgen.catalog.modes import MODES
    from mlopsgen.catalog.runtimes import RUNTIMES

    names = set(RUNTIMES) | set(MODES)
    kinds = {runtime.kind for runtime in RUNTIMES.values()}
    found = []
    for path in sorted((ROOT / "mlopsgen").rglob("*.py")):
        if "catalog" in path.parts:
            continue
        names_here = names if "rules" in path.parts else names | kinds
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Compare):
                hits = set().union(*(_constants(c) for c in node.comparators)) & names_here
                left = _constants(node.left) & names_here
                if not (len(node.ops) == 1 and isinstance(node.ops[0], ast.In) and left <= {"host"}):
                    hits |= left
            elif isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id in ("RUNTIMES", "MODES"):
                hits = _constants(node.slice) & names_here
            else:
                continue
            found += [f"{path.relative_to(ROOT)}:{node.lineno}: {name}" for name in sorted(hits)]
    assert found == []


def test_no_module_is_over_300_lines():
    long = {str(p.relative_to(ROOT)): n for p in (ROOT / "mlopsgen").rglob("*.py")
            if (n := len(p.read_text().splitlines())) > 300}
    assert long == {}
