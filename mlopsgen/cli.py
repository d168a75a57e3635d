"""Command line: click options in, a plain call to a command function out.

Each command function returns an exit code; this module only parses
arguments, dispatches, and turns errors into messages and exit codes.
"""

from __future__ import annotations

import sys

import click

from mlopsgen import __version__
from mlopsgen.errors import EXIT_INTERNAL_ERROR, EXIT_USER_ERROR, UserError

EXIT_CODES_HELP = """
\b
Exit codes:
  0  success
  1  check failed (render --check: the tree is stale; lint: findings at or above --fail-on)
  2  invalid input or usage (each problem printed as file:line:col)
  3  internal error
"""


def _run(command, *args, **kwargs) -> None:
    """Call a command function and exit with its code; never show a traceback for user errors."""
    try:
        code = command(*args, **kwargs)
    except UserError as error:
        for problem in error.problems:
            click.echo(problem.format(), err=True)
        count = len(error.problems)
        click.echo(f"{count} problem{'s' if count != 1 else ''} found.", err=True)
        code = EXIT_USER_ERROR
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        code = 130
    except Exception:  # a bug: say so, with the details needed to report it
        import traceback

        click.echo(f"mlopsgen {__version__}: internal error, please report it:", err=True)
        click.echo(traceback.format_exc(), err=True)
        code = EXIT_INTERNAL_ERROR
    sys.exit(code)


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=EXIT_CODES_HELP,
)
@click.version_option(__version__, "--version", prog_name="mlopsgen")
def cli() -> None:
    """Generate and lint the GitOps tree of an ML platform on Kubernetes.

    \b
    Start with:
      mlopsgen init            # write a starter platform.yaml
      mlopsgen validate platform.yaml
      mlopsgen render platform.yaml -o deploy/
      mlopsgen lint platform.yaml deploy/
    """


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Output format for problems.")
def validate(files: tuple[str, ...], output_format: str) -> None:
    """Check platform files against the schema and the semantic rules.

    Every problem in every file is reported at once, as file:line:col.

    \b
    Examples:
      mlopsgen validate platform.yaml
      mlopsgen validate --format json examples/*/platform.yaml
    """
    from mlopsgen.commands.validate import run_validate

    _run(run_validate, files, output_format)


@cli.command(epilog=EXIT_CODES_HELP)
def schema() -> None:
    """Print the JSON Schema of platform.yaml (for editors and CI).

    \b
    Example:
      mlopsgen schema > platform.schema.json
    """
    from mlopsgen.commands.schema import run_schema

    _run(run_schema)


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("directory", default=".", type=click.Path(file_okay=False))
@click.option("--force", is_flag=True, help="Overwrite an existing platform.yaml.")
def init(directory: str, force: bool) -> None:
    """Write a commented starter platform.yaml (and its schema) into DIRECTORY.

    \b
    Example:
      mlopsgen init my-platform && mlopsgen validate my-platform/platform.yaml
    """
    from mlopsgen.commands.init import run_init

    _run(run_init, directory, force)


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("spec", type=click.Path(dir_okay=False))
@click.option("-o", "--output", type=click.Path(file_okay=False),
              help="Output directory. Default: gitops.path from the spec, next to the spec file.")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 and list stale, missing and extra files "
              "if the directory is not what a render would write.")
@click.option("--diff", is_flag=True, help="Write nothing; print a unified diff of what would change.")
@click.option("--dry-run", is_flag=True, help="Write nothing; print what would be written.")
@click.option("--force", is_flag=True, help="Render into a non-empty directory mlopsgen did not create "
              "(its other files are kept).")
def render(spec: str, output: str | None, check: bool, diff: bool, dry_run: bool, force: bool) -> None:
    """Render the GitOps tree of SPEC: Kustomize, Argo CD, Helm values.

    Writes atomically: on any error the previous tree is left untouched. Only
    files mlopsgen wrote before are ever removed.

    \b
    Examples:
      mlopsgen render platform.yaml -o deploy/
      mlopsgen render platform.yaml -o deploy/ --check   # CI: is the committed tree current?
      mlopsgen render platform.yaml -o deploy/ --diff
    """
    from mlopsgen.commands.render import RenderOptions, run_render

    _run(run_render, RenderOptions(spec, output, check, diff, dry_run, force))


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "output_format", type=click.Choice(["text", "json", "sarif", "github"]),
              help="Output format. Default: text, or github when GITHUB_ACTIONS is set.")
@click.option("--fail-on", type=click.Choice(["info", "warning", "error"]),
              help="Lowest severity that fails the run (exit 1). Default: error.")
@click.option("--strict", multiple=True, metavar="RULE",
              help="Make RULE unsuppressible (repeatable; `all` for every rule).")
@click.option("--config", type=click.Path(dir_okay=False, exists=True),
              help="Configuration file. Default: .mlopsgen.yaml or pyproject.toml in the current directory.")
def lint(paths: tuple[str, ...], output_format: str | None, fail_on: str | None, strict: tuple[str, ...],
         config: str | None) -> None:
    """Lint platform specs and Kubernetes manifests or Helm values.

    PATHS are files or directories (searched for *.yaml and *.yml). Files
    with `kind: Platform` are platform specs; everything else is read as
    manifests. Every finding is reported as file:line:col with a hint.

    \b
    Examples:
      mlopsgen lint .
      mlopsgen lint platform.yaml deploy/ --format sarif > mlopsgen.sarif
      mlopsgen lint manifests/ --fail-on warning --strict static-ip
      mlopsgen explain static-ip
    """
    from mlopsgen.commands.lint import LintOptions, run_lint

    _run(run_lint, LintOptions(paths, output_format, fail_on, strict, config))


@cli.command(epilog=EXIT_CODES_HELP)
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rules(output_format: str) -> None:
    """List the lint rules: id, slug, default severity, summary."""
    from mlopsgen.commands.lint import run_rules

    _run(run_rules, output_format)


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("rule")
def explain(rule: str) -> None:
    """Print the documentation of a lint rule (by slug or id).

    \b
    Example:
      mlopsgen explain static-ip
    """
    from mlopsgen.commands.lint import run_explain

    _run(run_explain, rule)


def main() -> None:
    cli(prog_name="mlopsgen")
