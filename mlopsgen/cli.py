"""Command line: click options in, a plain call to a command function out.

Each command function returns an exit code; this module only parses
arguments, dispatches, and turns errors into messages and exit codes.
"""

from __future__ import annotations

import os
import sys

import click

from mlopsgen import __version__
from mlopsgen.console import COLOR_CHOICES, DEFAULT_CONSOLE, Console
from mlopsgen.errors import EXIT_BROKEN_PIPE, EXIT_INTERNAL_ERROR, EXIT_USER_ERROR, UserError, os_error_problem

EXIT_CODES_HELP = """
\b
Exit codes:
  0    success
  1    check failed (render --check: the tree is stale; render --diff --exit-code: it
       would change; lint: findings at or above --fail-on)
  2    invalid input or usage, or a file the system refused (each problem printed as
       file:line:col with a hint)
  3    internal error
  141  the output pipe was closed early (e.g. `| head`); nothing else is printed
"""

COMPLETION_HELP = """
\b
Shell completion (bash; zsh_source and fish_source for the others):
  eval "$(_MLOPSGEN_COMPLETE=bash_source mlopsgen)"    # add to ~/.bashrc
"""


def _run(command, *args, console: Console = DEFAULT_CONSOLE, problem_format: str = "text") -> None:
    """Call a command function and exit with its code; never show a traceback for user errors."""
    try:
        code = command(*args)
        sys.stdout.flush()  # inside the handler, so a closed pipe is caught here, not at exit
    except UserError as error:
        console.problems(error.problems, problem_format)
        code = EXIT_USER_ERROR
    except BrokenPipeError:
        _discard_stdout()
        code = EXIT_BROKEN_PIPE
    except OSError as error:
        problem = os_error_problem(error)
        if problem is None:
            code = _internal_error()
        else:
            if error.filename is None:  # writing to stdout failed: drop what is still buffered
                _discard_stdout()
            console.problems([problem], problem_format)
            code = EXIT_USER_ERROR
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        code = 130
    except Exception:
        code = _internal_error()
    sys.exit(code)


def _internal_error() -> int:
    """A bug: say so, with the details needed to report it."""
    import traceback

    click.echo(f"mlopsgen {__version__}: internal error, please report it:", err=True)
    click.echo(traceback.format_exc(), err=True)
    return EXIT_INTERNAL_ERROR


def _discard_stdout() -> None:
    # Python flushes stdout again at exit; pointing it at /dev/null keeps that quiet.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _conventions(quiet: bool = True, color: bool = True):
    """`--color` and `-q/--quiet`, the options every command that talks to people shares."""

    def decorate(function):
        if quiet:
            function = click.option("-q", "--quiet", is_flag=True,
                                    help="Print only errors and findings: no summaries or notes.")(function)
        if color:
            function = click.option("--color", type=click.Choice(COLOR_CHOICES), default="auto", show_default=True,
                                    help="Colour the text output; auto: only on a terminal, and not when "
                                         "NO_COLOR is set.")(function)
        return function

    return decorate


def _rule_names(ctx, param, incomplete: str):
    from mlopsgen.lint.rules import RULES

    return [slug for slug in RULES if slug.startswith(incomplete)]


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=EXIT_CODES_HELP + COMPLETION_HELP,
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
      mlopsgen verify platform.yaml
    """


FORMAT_HELP = "Output format for problems. Default: text, or github (workflow annotations) when GITHUB_ACTIONS is set."


def _problem_format(requested: str | None) -> str:
    return requested or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text")


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--format", "output_format", type=click.Choice(["text", "json", "github"]), help=FORMAT_HELP)
@_conventions()
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
    output_format = _problem_format(output_format)
    _run(run_validate, files, output_format, console, console=console, problem_format=output_format)


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
@_conventions(color=False)
def init(directory: str, force: bool, quiet: bool) -> None:
    """Write a commented starter platform.yaml (and its schema) into DIRECTORY.

    \b
    Example:
      mlopsgen init my-platform && mlopsgen validate my-platform/platform.yaml
    """
    from mlopsgen.commands.init import run_init

    console = Console(quiet=quiet)
    _run(run_init, directory, force, console, console=console)


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("spec", type=click.Path(dir_okay=False))
@click.option("-o", "--output", type=click.Path(file_okay=False),
              help="Output directory. Default: gitops.path from the spec, next to the spec file.")
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
@_conventions()
def render(spec: str, output: str | None, check: bool, diff: bool, dry_run: bool, exit_code: bool, force: bool,
           output_format: str | None, color: str, quiet: bool) -> None:
    """Render the GitOps tree of SPEC: Kustomize, Argo CD, Helm values.

    Writes atomically: on any error the previous tree is left untouched. Only
    files mlopsgen wrote before are ever removed.

    \b
    Examples:
      mlopsgen render platform.yaml -o deploy/
      mlopsgen render platform.yaml -o deploy/ --check   # CI: is the committed tree current?
      mlopsgen render platform.yaml -o deploy/ --check --format github
      mlopsgen render platform.yaml -o deploy/ --diff --exit-code | less
      mlopsgen render platform.yaml -o deploy/ --dry-run
    """
    from mlopsgen.commands.render import RenderOptions, run_render

    console = Console(color, quiet)
    output_format = _problem_format(output_format)
    options = RenderOptions(spec, output, check, diff, dry_run, force, exit_code, output_format, console)
    _run(run_render, options, console=console, problem_format=output_format)


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "output_format", type=click.Choice(["text", "json", "sarif", "github", "junit", "gitlab"]),
              help="Output format: text, json, sarif (GitHub code scanning), github (annotations), junit (JUnit XML), "
                   "gitlab (GitLab Code Quality). Default: text, or github when GITHUB_ACTIONS is set.")
@click.option("--output", "output_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write the report to FILE (atomically) instead of stdout.")
@click.option("--fail-on", type=click.Choice(["info", "warning", "error"]),
              help="Lowest severity that fails the run (exit 1). Default: error.")
@click.option("--strict", multiple=True, metavar="RULE", shell_complete=_rule_names,
              help="Make RULE unsuppressible (repeatable; `all` for every rule).")
@click.option("--config", type=click.Path(dir_okay=False, exists=True),
              help="Configuration file. Default: the nearest .mlopsgen.yaml or pyproject.toml with "
              "[tool.mlopsgen.lint] in or above each path, up to the repository root.")
@click.option("--no-gitignore", "gitignore", is_flag=True, default=True, flag_value=False,
              help="Also lint files git ignores (by default .gitignore files are respected).")
@click.option("--kustomize", is_flag=True,
              help="Lint each Kustomize root as `kubectl kustomize` builds it (patches applied, namespaces set), "
                   "reporting findings in the source files.")
@click.option("--allow-remote", is_flag=True,
              help="With --kustomize: let kustomize fetch remote resources (URLs, Git repositories). By default a "
                   "kustomization that needs the network is a finding and is not built.")
@_conventions()
def lint(paths: tuple[str, ...], output_format: str | None, output_file: str | None, fail_on: str | None,
         strict: tuple[str, ...], config: str | None, gitignore: bool, kustomize: bool, allow_remote: bool,
         color: str, quiet: bool) -> None:
    """Lint platform specs and Kubernetes manifests or Helm values.

    PATHS are files or directories (searched for *.yaml and *.yml), or `-`
    for standard input. Files with `apiVersion: mlopsgen.dev/...` and `kind:
    Platform` are platform specs; everything else is read as manifests. Helm
    chart templates and other template files are skipped and counted. Every
    finding is reported as file:line:col with a hint; a file that cannot be
    parsed is a `parse-error` finding and the others are still linted.

    \b
    Examples:
      mlopsgen lint .
      mlopsgen lint platform.yaml deploy/ --format sarif --output mlopsgen.sarif
      mlopsgen lint manifests/ --fail-on warning --strict static-ip
      mlopsgen lint --kustomize apps/
      helm template charts/app | mlopsgen lint -
      mlopsgen explain static-ip
    """
    from mlopsgen.commands.lint import LintOptions, run_lint

    console = Console(color, quiet)
    options = LintOptions(paths, output_format, fail_on, strict, config, output_file, console, gitignore, kustomize, allow_remote)
    _run(run_lint, options, console=console)


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("spec", type=click.Path(dir_okay=False))
@click.argument("tree", required=False, type=click.Path(file_okay=False))
@click.option("--format", "output_format",
              type=click.Choice(["text", "json", "sarif", "github", "markdown", "junit", "gitlab", "mermaid", "dot"]),
              help="text, json, sarif, github (default when GITHUB_ACTIONS is set), markdown (a PR comment), junit "
                   "(JUnit XML), gitlab (GitLab Code Quality); mermaid or dot draw the connectivity map.")
@click.option("--explain", nargs=2, metavar="SRC DST[:PORT]",
              help="Why one flow is allowed or denied, at NetworkPolicy and Istio (exit 0 allowed, 1 denied).")
@click.option("--diff", "diff", metavar="OLD",
              help="Connectivity that changed since OLD: a tree directory or a Git revision of the repository "
                   "holding TREE (text, or --format markdown for a PR comment).")
@click.option("--output", "output_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write the report to FILE (atomically) instead of stdout.")
@_conventions()
def verify(spec: str, tree: str | None, output_format: str | None, explain: tuple[str, str] | None, diff: str | None,
           output_file: str | None, color: str, quiet: bool) -> None:
    """Prove offline that the rendered tree works and isolates what SPEC says.

    Reads TREE (default: gitops.path next to SPEC) from disk as Argo CD would
    apply it, derives the flows each journey needs and forbids, evaluates
    NetworkPolicies and Istio policies, and checks bootstrap, admission,
    RBAC, quotas, scheduling, serving and URLs. Each journey passes or fails
    with a reason; each mismatch names the object and rule that decide it.

    \b
    Examples:
      mlopsgen verify platform.yaml                     # CI, before Argo CD syncs
      mlopsgen verify platform.yaml deploy/ --format sarif > verify.sarif
      mlopsgen verify platform.yaml --explain fraud-prod/training mlflow:5000
      mlopsgen verify platform.yaml --diff origin/main --format markdown --output comment.md
      mlopsgen verify platform.yaml --format mermaid
    \b
    Exit codes: 0 proven, 1 a journey fails (or --explain: denied), 2 unreadable input or usage.
    """
    from mlopsgen.commands.verify import VerifyOptions, run_verify

    if explain and diff:
        raise click.UsageError("--explain and --diff do not combine")
    console = Console(color, quiet)
    _run(run_verify, VerifyOptions(spec, tree, output_format, explain, diff, output_file, console), console=console)


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
def build(spec: str, app: str | None, plugin: str | None, source_path: str) -> None:
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

    _run(run_build, BuildOptions(spec, app or None, plugin, source_path or "."))


@cli.command(epilog=EXIT_CODES_HELP)
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rules(output_format: str) -> None:
    """List the lint rules: id, slug, default severity, summary."""
    from mlopsgen.commands.lint import run_rules

    _run(run_rules, output_format)


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("rule", shell_complete=_rule_names)
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
