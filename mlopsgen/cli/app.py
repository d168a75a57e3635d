"""The command group and what every command shares: running a command, errors, exit codes, conventions."""

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
  4    verify: nothing failed, but a chart could not be rendered (no helm, chart not at
       hand): the journeys that judge its objects are UNKNOWN, never proven
  141  the output pipe was closed early (e.g. `| head`); nothing else is printed
"""

COMPLETION_HELP = """
\b
Shell completion (bash; zsh_source and fish_source for the others):
  eval "$(_MLOPSGEN_COMPLETE=bash_source mlopsgen)"    # add to ~/.bashrc
"""


def run(command, *args, console: Console = DEFAULT_CONSOLE, problem_format: str = "text") -> None:
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


def conventions(quiet: bool = True, color: bool = True):
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


def rule_names(ctx, param, incomplete: str):
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
      mlopsgen render platform.yaml    # into gitops.path from the repository root
      mlopsgen lint platform.yaml deploy/
      mlopsgen verify platform.yaml
    """


FORMAT_HELP = "Output format for problems. Default: text, or github (workflow annotations) when GITHUB_ACTIONS is set."


def problem_format(requested: str | None) -> str:
    return requested or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text")



def main() -> None:
    cli(prog_name="mlopsgen")
