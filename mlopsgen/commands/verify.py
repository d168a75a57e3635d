"""`mlopsgen verify`: the proof, an explanation of one flow, a connectivity map, or a diff of two trees."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click

from mlopsgen.console import DEFAULT_CONSOLE, Console
from mlopsgen.errors import EXIT_CHECK_FAILED, EXIT_OK, EXIT_UNKNOWN, UserError
from mlopsgen.escape import printable
from mlopsgen.verify.charts import ChartOptions


@dataclass(frozen=True)
class VerifyOptions:
    spec: str
    tree: str | None
    output_format: str | None
    explain: tuple[str, str] | None
    diff: str | None
    output_file: str | None = None
    console: Console = DEFAULT_CONSOLE
    charts: ChartOptions | None = None
    loop: str | None = None  # a model whose data loop is drawn

    def emit(self, render: Callable[[bool], str]) -> None:
        """The report, to --output (atomically; coloured only with --color always) or to stdout."""
        if self.output_file:
            from mlopsgen.atomic import write_atomic

            write_atomic(Path(self.output_file), render(self.console.color == "always"))
        else:
            sys.stdout.write(render(self.console.colors(sys.stdout)))


def _display(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def load_context(spec: str, tree: str | None, charts: ChartOptions | None = None):
    from mlopsgen.platform import check_document
    from mlopsgen.platform.build import build_platform
    from mlopsgen.platform.loader import load_file
    from mlopsgen.repopath import place, spec_root
    from mlopsgen.verify import Context

    doc = load_file(spec)
    check_document(doc)
    platform = build_platform(doc.data, doc.file)
    # The default is where render writes it: gitops.path from the root of the spec's repository.
    root = Path(tree) if tree else spec_root(spec).joinpath(*platform.gitops.path.split("/"))
    if not root.is_dir():
        raise UserError.single(str(root), "no rendered tree here",
                               hint=f"render it first: mlopsgen render {spec}{f' -o {root}' if tree else ''}, or pass TREE")
    if charts is None:
        from mlopsgen.verify.charts import chart_options

        charts = chart_options()
    return Context(platform, doc, root, _display(root), charts=charts, place=place(root, spec, platform.gitops.path))


def _parse_destination(text: str) -> tuple[str, str | None, int | None]:
    name, _, port = text.rpartition(":") if ":" in text else (text, "", "")
    if not port:
        return text, None, None
    number, _, protocol = port.partition("/")
    if not number.isdigit():
        raise UserError.single(text, "not DST[:PORT[/PROTOCOL]]", hint="e.g. kube-dns:53/UDP or fraud-prod/fraud-detector:8080")
    return name, (protocol or "TCP").upper(), int(number)


def run_explain(ctx, src_name: str, dst_text: str) -> int:
    from mlopsgen.kube import ports as P
    from mlopsgen.verify.explain import endpoint_names, explain, find_endpoint

    dst_name, protocol, port = _parse_destination(dst_text)
    src_hit = find_endpoint(ctx.networks, src_name)
    # a platform endpoint (an external, the internet) exists on every cluster: the source's own first
    dst_hit = (find_endpoint({src_hit[0].view.name: src_hit[0]}, dst_name) if src_hit else None) or find_endpoint(ctx.networks, dst_name)
    found = [src_hit, dst_hit]
    for name, hit in zip((src_name, dst_name), found, strict=True):
        if hit is None:
            names = ", ".join(n.split("@")[0] for n in endpoint_names(ctx.networks)[:12])
            raise UserError.single(name, "no such endpoint", hint=f"endpoints are namespace/workload or platform names: {names}, ...")
    (net, src), (dst_net, dst) = found  # type: ignore[misc]
    if net is not dst_net:
        raise UserError.single(dst_name, f"{dst.label} is on another cluster than {src.label}",
                               hint="across clusters, traffic goes through a published endpoint")
    if port is None:
        allowed = net.connection(src, dst)
        click.echo(printable(f"{src.label} -> {dst.label}: allowed {P.describe(allowed)}"))
        protocol, port = P.first_port(allowed, [("TCP", 443)]) or ("TCP", 443)
    ok, text = explain(net, src, dst, protocol or "TCP", port)
    click.echo(text, nl=False)
    return EXIT_OK if ok else EXIT_CHECK_FAILED


def run_diff(ctx, options: VerifyOptions) -> int:
    from mlopsgen.verify import Context
    from mlopsgen.verify import diff as D
    from mlopsgen.verify.connectivity_map import connectivity

    assert options.diff is not None
    new = connectivity(ctx)
    from mlopsgen.repopath import place
    from mlopsgen.verify.revision import checkout

    with D.temporary_dir() as tmp:
        old_root, refused = Path(options.diff), dict[str, str]()
        if old_root.is_dir():
            where = place(old_root, options.spec, ctx.platform.gitops.path)
        else:
            old_root, refused, where = checkout(ctx.reader.root, options.diff, Path(tmp))
        old_ctx = Context(ctx.platform, ctx.doc, old_root, _display(old_root) if Path(options.diff).is_dir() else options.diff,
                          refused, place=where)
        old = connectivity(old_ctx)
        _say_unplaced(options, ctx, old_ctx)
    found = D.changes(old, new)
    options.emit(lambda color: D.markdown(found) if options.output_format == "markdown" else D.text(found))
    return EXIT_OK


def _say_unplaced(options: VerifyOptions, *contexts) -> None:
    """A comparison judges no journey: where a tree's Applications name paths Argo CD would not find, it says so
    (a tree whose place is not known, such as an old tree in a scratch folder, is compared without a word)."""
    from mlopsgen.verify.checks.placement import placement_findings

    for ctx in contexts:
        found = [f for f in placement_findings(ctx) if f.severity == "error"]
        if found:
            more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
            options.console.note(f"warning: {ctx.reader.display('')}: {found[0].message}{more}; "
                                 "its connectivity is compared as the tree is rendered")


def run_verify(options: VerifyOptions) -> int:
    import gc

    # A run builds a large graph of long-lived objects (documents, their nodes, pods, policies) and frees
    # nothing until it ends: the cyclic collector would only rescan it, again and again (2x the run time).
    gc.disable()
    try:
        return _run(options)
    finally:
        gc.enable()


def _run(options: VerifyOptions) -> int:
    # The connectivity of an explanation, a diff or a map is the tree's own policies': no chart is rendered for them.
    # A loop is judged link by link, and Alertmanager, which routes its alerts, is a chart's.
    judged = bool(options.loop) or not (options.explain or options.diff or options.output_format in ("mermaid", "dot"))
    ctx = load_context(options.spec, options.tree, options.charts if judged else ChartOptions())
    if options.loop:
        from mlopsgen.verify.loop_map import loop_mermaid

        drawn = loop_mermaid(ctx, options.loop)
        options.emit(lambda color: drawn)
        return EXIT_OK
    if options.explain:
        return run_explain(ctx, *options.explain)
    if options.diff:
        return run_diff(ctx, options)
    output_format = options.output_format or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text")
    if output_format in ("mermaid", "dot"):
        from mlopsgen.verify.connectivity_map import MAPS

        options.emit(lambda color: MAPS[output_format](ctx))
        return EXIT_OK
    from mlopsgen.verify import verify
    from mlopsgen.verify.report import REPORTERS, summary_line, text

    report = verify(ctx)
    if output_format == "text":
        options.emit(lambda color: text(report, color, options.console.quiet))
    else:
        options.emit(lambda color: REPORTERS[output_format](report))
    if output_format != "text" or options.output_file:
        options.console.note(summary_line(report))
    return EXIT_OK if report.proven else EXIT_CHECK_FAILED if report.failed else EXIT_UNKNOWN
