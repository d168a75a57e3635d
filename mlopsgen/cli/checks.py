"""The commands that judge: lint, verify, and the rules' documentation."""

from __future__ import annotations

import click

from mlopsgen.cli.app import EXIT_CODES_HELP, cli, conventions, rule_names, run
from mlopsgen.console import Console


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "output_format", type=click.Choice(["text", "json", "sarif", "github", "junit", "gitlab"]),
              help="Output format: text, json, sarif (GitHub code scanning), github (annotations), junit (JUnit XML), "
                   "gitlab (GitLab Code Quality). Default: text, or github when GITHUB_ACTIONS is set.")
@click.option("--output", "output_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write the report to FILE (atomically) instead of stdout.")
@click.option("--fail-on", type=click.Choice(["info", "warning", "error"]),
              help="Lowest severity that fails the run (exit 1). Default: error.")
@click.option("--strict", multiple=True, metavar="RULE", shell_complete=rule_names,
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
@conventions()
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
    run(run_lint, options, console=console)


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("spec", type=click.Path(dir_okay=False))
@click.argument("tree", required=False, type=click.Path(file_okay=False))
@click.option("--format", "output_format",
              type=click.Choice(["text", "json", "sarif", "github", "markdown", "junit", "gitlab", "mermaid", "dot"]),
              help="text, json, sarif, github (default when GITHUB_ACTIONS is set), markdown (a PR comment), junit "
                   "(JUnit XML), gitlab (GitLab Code Quality); mermaid or dot draw the connectivity map.")
@click.option("--loop", "loop", metavar="MODEL",
              help="Draw MODEL's data loop as a Mermaid flowchart (logger, monitors, alerts, triggers, retraining "
                   "steps, registry alias, rollout), each link as verify judges it: a broken one dashed, with why.")
@click.option("--explain", nargs=2, metavar="SRC DST[:PORT]",
              help="Why one flow is allowed or denied, at NetworkPolicy and Istio (exit 0 allowed, 1 denied).")
@click.option("--diff", "diff", metavar="OLD",
              help="Connectivity that changed since OLD: a tree directory or a Git revision of the repository "
                   "holding TREE (text, or --format markdown for a PR comment).")
@click.option("--output", "output_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write the report to FILE (atomically) instead of stdout.")
@click.option("--charts", "charts", multiple=True, type=click.Path(file_okay=False), metavar="DIR",
              help="A folder of charts at hand (chart folders or helm-pulled .tgz files), rendered with helm as Argo "
              "CD renders them; repeatable (default MLOPSGEN_CHARTS, folders separated by ':').")
@click.option("--pull", is_flag=True, help="Fetch charts not at hand from their pinned repositories (network), "
              "into the cache.")
@click.option("--helm", "helm", metavar="PATH", help="The helm binary (v3.8+ or v4); default MLOPSGEN_HELM, else helm on PATH.")
@click.option("--cache-dir", "cache_dir", type=click.Path(file_okay=False), metavar="DIR",
              help="Where chart renders are kept between runs (default MLOPSGEN_CACHE_DIR, else "
                   "~/.cache/mlopsgen/helm; keep it between CI runs).")
@click.option("--kube-version", "kube_version", metavar="VERSION",
              help="The Kubernetes version charts are rendered for (default 1.33.0; an app's helm.kubeVersion wins).")
@conventions()
def verify(spec: str, tree: str | None, output_format: str | None, loop: str | None, explain: tuple[str, str] | None,
           diff: str | None, output_file: str | None, charts: tuple[str, ...], pull: bool, helm: str | None, cache_dir: str | None,
           kube_version: str | None, color: str, quiet: bool) -> None:
    """Prove offline that the rendered tree works and isolates what SPEC says.

    Reads TREE (default: gitops.path from the repository root, where render
    writes it) from disk as Argo CD would
    apply it, renders its charts with helm as the repo server does, derives
    the flows each journey needs and forbids, evaluates NetworkPolicies and
    Istio policies, and checks bootstrap, admission, RBAC, quotas,
    scheduling, serving and URLs, and that Argo CD finds every path the
    Applications name where the tree sits in its Git repository. Each journey
    passes, fails, or is UNKNOWN where a chart could not be rendered or the
    tree's place in a repository is not known; each mismatch names the object
    and rule that decide it.

    \b
    Examples:
      mlopsgen verify platform.yaml                     # CI, before Argo CD syncs
      mlopsgen verify platform.yaml --charts vendor/charts --cache-dir .cache/helm
      mlopsgen verify platform.yaml deploy/ --format sarif > verify.sarif
      mlopsgen verify platform.yaml --explain fraud-prod/training mlflow:5000
      mlopsgen verify platform.yaml --diff origin/main --format markdown --output comment.md
      mlopsgen verify platform.yaml --format mermaid
      mlopsgen verify platform.yaml --loop defect-detector  # the model's data loop, in Mermaid
    \b
    Exit codes: 0 proven, 1 a journey fails (or --explain: denied), 2 unreadable input or usage,
    4 nothing failed but a chart was not rendered (no helm, chart not at hand): not proven.
    """
    from mlopsgen.commands.verify import VerifyOptions, run_verify

    if explain and diff:
        raise click.UsageError("--explain and --diff do not combine")
    if loop and (explain or diff or output_format not in (None, "mermaid")):
        raise click.UsageError("--loop draws a Mermaid flowchart: it takes --format mermaid (the default) and no "
                               "--explain or --diff")
    from mlopsgen.verify.charts import chart_options as options_of

    console = Console(color, quiet)
    chart_options = options_of(helm, charts, cache_dir, pull, kube_version)
    if helm and chart_options.helm is None:
        raise click.BadParameter(f"{helm} is not an executable file", param_hint="--helm")
    run(run_verify, VerifyOptions(spec, tree, output_format, explain, diff, output_file, console, chart_options, loop),
        console=console)


@cli.command(epilog=EXIT_CODES_HELP)
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rules(output_format: str) -> None:
    """List the lint rules: id, slug, default severity, summary."""
    from mlopsgen.commands.lint import run_rules

    run(run_rules, output_format)


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("rule", shell_complete=rule_names)
def explain(rule: str) -> None:
    """Print the documentation of a lint rule or a verify journey (by slug or id).

    \b
    Examples:
      mlopsgen explain static-ip
      mlopsgen explain connectivity     # or MLV006
    """
    from mlopsgen.commands.lint import run_explain

    run(run_explain, rule)
