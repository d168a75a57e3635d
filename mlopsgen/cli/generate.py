"""The commands that write or print what the spec makes: validate, schema, init, render, build."""

from __future__ import annotations

import click

from mlopsgen.cli.app import EXIT_CODES_HELP, FORMAT_HELP, cli, conventions, problem_format, run
from mlopsgen.console import Console


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--format", "output_format", type=click.Choice(["text", "json", "github"]), help=FORMAT_HELP)
@conventions()
def validate(files: tuple[str, ...], output_format: str | None, color: str, quiet: bool) -> None:
    """Check platform files against the schema and the semantic rules.

    Every problem in every file is reported at once, as file:line:col.

    \b
    Examples:
      mlopsgen validate platform.yaml
      mlopsgen validate --format json examples/*/platform.yaml
      mlopsgen validate --format github platform.yaml   # annotations in a GitHub workflow
    """
    from mlopsgen.commands.validate import run_validate

    console = Console(color, quiet)
    output_format = problem_format(output_format)
    run(run_validate, files, output_format, console, console=console, problem_format=output_format)


@cli.command(epilog=EXIT_CODES_HELP)
def schema() -> None:
    """Print the JSON Schema of platform.yaml (for editors and CI).

    \b
    Example:
      mlopsgen schema > platform.schema.json
    """
    from mlopsgen.commands.schema import run_schema

    run(run_schema)


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("directory", default=".", type=click.Path(file_okay=False))
@click.option("--force", is_flag=True, help="Overwrite an existing platform.yaml.")
@conventions(color=False)
def init(directory: str, force: bool, quiet: bool) -> None:
    """Write a commented starter platform.yaml (and its schema) into DIRECTORY.

    \b
    Example:
      mlopsgen init my-platform && mlopsgen validate my-platform/platform.yaml
    """
    from mlopsgen.commands.init import run_init

    console = Console(quiet=quiet)
    run(run_init, directory, force, console, console=console)


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("spec", type=click.Path(dir_okay=False))
@click.option("-o", "--output", type=click.Path(file_okay=False),
              help="Output directory. Default: gitops.path from the root of the Git work tree holding the spec (the "
                   "spec's folder outside any). In a repository, it must be at gitops.path from that root.")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 and list stale, missing and extra files "
              "if the directory is not what a render would write.")
@click.option("--diff", is_flag=True, help="Write nothing; print a unified diff of what would change.")
@click.option("--dry-run", is_flag=True, help="Write nothing; list the files that would be created, changed "
              "or removed (on stdout).")
@click.option("--exit-code", is_flag=True, help="With --diff or --dry-run: exit 1 when writing would change "
              "anything, as `git diff --exit-code` does.")
@click.option("--force", is_flag=True, help="Render into a non-empty directory mlopsgen did not create "
              "(its other files are kept).")
@click.option("--format", "output_format", type=click.Choice(["text", "github"]), help=FORMAT_HELP)
@conventions()
def render(spec: str, output: str | None, check: bool, diff: bool, dry_run: bool, exit_code: bool, force: bool,
           output_format: str | None, color: str, quiet: bool) -> None:
    """Render the GitOps tree of SPEC: Kustomize, Argo CD, Helm values.

    Writes atomically: on any error the previous tree is left untouched. Only
    files mlopsgen wrote before are ever removed. gitops.path is the tree's
    path from the repository root, as Argo CD reads it.

    \b
    Examples:
      mlopsgen render platform.yaml             # into gitops.path from the repository root
      mlopsgen render platform.yaml --check     # CI: is the committed tree current?
      mlopsgen render platform.yaml --check --format github
      mlopsgen render platform.yaml --diff --exit-code | less
      mlopsgen render platform.yaml -o deploy/ --dry-run
    """
    from mlopsgen.commands.render import RenderOptions, run_render

    console = Console(color, quiet)
    output_format = problem_format(output_format)
    options = RenderOptions(spec, output, check, diff, dry_run, force, exit_code, output_format, console)
    run(run_render, options, console=console, problem_format=output_format)


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("spec", type=click.Path(dir_okay=False))
@click.option("--app", envvar="PARAM_APP", metavar="NAME",
              help="The Application whose objects to print (env PARAM_APP, as Argo CD passes the plugin parameter "
                   "`app`). Default: the tree's root.")
@click.option("--plugin", metavar="NAME",
              help="Print Applications as the plugin NAME renders them: Git sources in the tree become plugin "
                   "sources, values files from the tree become helm.valuesObject.")
@click.option("--source-path", envvar="ARGOCD_APP_SOURCE_PATH", default=".", show_default=True, metavar="PATH",
              help="The spec's folder in the repository (env ARGOCD_APP_SOURCE_PATH, set by Argo CD).")
@click.option("--manifests", "manifests", multiple=True, metavar="DIR", envvar="MLOPSGEN_MANIFESTS",
              type=click.Path(file_okay=False),
              help="A folder holding pinned upstream release manifests (<component>/<file>, e.g. the Feast operator's "
                   "feast-operator/install.yaml); repeatable (env MLOPSGEN_MANIFESTS). Without it they are fetched from "
                   "their pinned URL and taken only if their SHA-256 is the pinned one.")
def build(spec: str, app: str | None, plugin: str | None, source_path: str, manifests: tuple[str, ...]) -> None:
    """Print what one Application of SPEC's tree deploys, without writing the tree.

    The generate command of the Argo CD config management plugin
    (integrations/argocd/plugin.yaml): renders SPEC in memory and builds the
    Application's Git sources as Argo CD builds them from a committed tree
    (Kustomize, or a folder's YAML files), as one YAML stream on stdout.

    \b
    Examples:
      mlopsgen build platform.yaml                      # what the root Application deploys
      mlopsgen build platform.yaml --app fraud-prod     # one team environment
      mlopsgen build platform.yaml --plugin mlopsgen-v1 # as the Argo CD plugin prints it
    """
    from mlopsgen.commands.build import BuildOptions, run_build

    run(run_build, BuildOptions(spec, app or None, plugin, source_path or ".", tuple(manifests)))
