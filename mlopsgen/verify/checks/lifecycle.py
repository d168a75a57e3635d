"""Journeys 8 and 9: alerts can fire, and the retraining loop can run to a rollout.

- An alert on a metric nothing exports never fires. Meshed model pods export
  Istio's standard metrics from their sidecar (catalog/promql.py), and the
  metrics the spec says a scraped model serves itself; the DCGM exporter the
  counters its chart's ConfigMap lists, where a ServiceMonitor scrapes it.
- A CronWorkflow's workflowTemplateRef, and every step's templateRef, must name a
  WorkflowTemplate of its namespace (a model's pipeline is its `<model>-retrain`).
- An emptyDir lives and dies with its pod: a step in an isolated mode can
  only receive the candidate through a volume an earlier step wrote (a PVC),
  since input artifacts are fetched over the network.
- Something after validation must act on it (promotion, then a rollout: an
  InferenceService follows a registry alias only when its pods restart), and
  the rollout must patch an object the namespace has. Argo CD compares a
  custom resource's lists whole, so a rollout that patches inside one is undone
  by self-heal and by the next sync unless the Application that delivers the
  object ignores that field (`ignoreDifferences`) and syncs with
  `RespectIgnoreDifferences=true`.
"""

from __future__ import annotations

from mlopsgen.catalog import conventions as C
from mlopsgen.catalog.modes import MODES
from mlopsgen.catalog.promql import EXPORTED_METRICS, metrics_read
from mlopsgen.verify.checks.payloads import monitor_metrics as monitored_metrics
from mlopsgen.verify.configured import gpu_metrics
from mlopsgen.verify.context import Context
from mlopsgen.verify.endpoints import pod_endpoint
from mlopsgen.verify.result import Finding, finding
from mlopsgen.verify.tree import Obj

MONITORING, RETRAINING = "monitoring", "retraining"


def exported_metrics(ctx: Context, view) -> set[str]:
    """The metrics Prometheus gets on the cluster from what the tree deploys and scrapes."""
    meshed_models = any(p.meshed for p in ctx.pods[view.name] if p.kind == "model")
    exported = set(EXPORTED_METRICS) if meshed_models else set()
    scraped = {o.labels.get("mlopsgen.dev/model") for o in view.of_kind("ServiceMonitor")}
    # A metric the spec says the model serves itself reaches Prometheus through the scraped (merged) metrics port.
    exported |= {m.slos.accuracy_metric for m in ctx.platform.models if m.slos and m.slos.accuracy_metric and m.name in scraped}
    exported |= gpu_metrics(view)  # the DCGM exporter's, where it runs and is scraped
    exported |= monitored_metrics(ctx, view)  # the model monitors', where they run and are scraped
    return exported


def monitoring(ctx: Context, stats: dict) -> list[Finding]:
    findings = []
    for view in ctx.views:
        exported = exported_metrics(ctx, view)
        for rule in (r for r in view.of_kind("PrometheusRule") if not r.origin):  # the tree's own; charts' are upstream's
            for g, group in enumerate(rule.spec.get("groups") or []):
                for r, alert in enumerate(group.get("rules") or []):
                    names = metrics_read(str(alert.get("expr", "")))
                    for name in sorted(names - exported):
                        findings.append(finding(MONITORING, f"alert {alert.get('alert')} in {rule.namespace}/{rule.name} reads "
                                                            f"{name}, which nothing the tree deploys exports: it never fires",
                                                rule.locate("spec", "groups", g, "rules", r, "expr"),
                                                hint="alert on a metric the model's sidecar or a deployed exporter provides"))
    return findings


def _pipelines(view, templates: dict) -> tuple[list, list[Finding]]:
    """The retraining pipelines: each model's WorkflowTemplate, and any CronWorkflow that spells its own steps; a
    CronWorkflow referencing a template that is not there is a finding."""
    findings: list[Finding] = []
    pipelines: list[tuple[Obj, dict, tuple[str, ...]]] = []
    for cron in view.of_kind("CronWorkflow"):
        ref = (cron.spec.get("workflowSpec") or {}).get("workflowTemplateRef") or {}
        if not ref:
            pipelines.append((cron, cron.spec.get("workflowSpec") or {}, ("spec", "workflowSpec")))
        elif (cron.namespace, ref.get("name")) not in templates:
            findings.append(finding(RETRAINING, f"CronWorkflow {cron.namespace}/{cron.name} runs WorkflowTemplate "
                                                f"{ref.get('name')}, which is not there: the schedule starts nothing",
                                    cron.locate("spec", "workflowSpec", "workflowTemplateRef"),
                                    hint="deliver the WorkflowTemplate with the overlay"))
    pipelines += [(t, t.spec, ("spec",)) for t in templates.values() if C.MODEL in t.labels]
    return pipelines, findings


def retraining(ctx: Context, stats: dict) -> list[Finding]:
    findings = []
    for view in ctx.views:
        templates = {(o.namespace, o.name): o for o in view.of_kind("WorkflowTemplate")}
        pods = {p.id: p for p in ctx.pods[view.name]}
        pipelines, missing = _pipelines(view, templates)
        findings += missing
        for source, spec, at in pipelines:
            what = f"{source.kind} {source.namespace}/{source.name}"
            entry: dict = next((t for t in spec.get("templates") or [] if t.get("name") == spec.get("entrypoint")), {})
            steps = [s for group in entry.get("steps") or [] for s in group]
            last_isolated = None
            for i, step in enumerate(steps):
                ref = step.get("templateRef") or {}
                if ref and (source.namespace, ref.get("name")) not in templates:
                    findings.append(finding(RETRAINING, f"{what} step {step.get('name')} "
                                                        f"references WorkflowTemplate {ref.get('name')}, which is not there",
                                            source.locate(*at), hint="deliver the WorkflowTemplate with the overlay"))
                    continue
                pod = pods.get(f"{source.namespace}/{ref.get('template')}") if ref else None
                intent = ctx.intents.of(pod_endpoint(pod)) if pod else None
                if pod and intent and MODES[intent.mode].isolated:
                    last_isolated = i
                    if not any("persistentVolumeClaim" in v for v in pod.volumes):
                        findings.append(finding(RETRAINING, f"{what}: step {step.get('name')} "
                                                            f"runs in '{intent.mode}' mode but has no volume an earlier step "
                                                            "wrote (emptyDir is per pod): the candidate cannot reach it",
                                                pod.origin.locate(*pod.origin_path),
                                                hint="pass the candidate through a PersistentVolumeClaim mounted by both steps"))
            for pod in ctx.pods[view.name]:
                step = pod.resource_step
                if pod.origin is source and step and "patch" in step.verbs and step.name and not any(
                        step.addresses(o.group, o.kind, o.name) for o in view.objects if o.namespace == source.namespace):
                    findings.append(finding(RETRAINING, f"{what}: {pod.workload} patches "
                                                        f"{step.target}, which is not in {source.namespace}: the rollout fails",
                                            pod.origin.locate(*pod.origin_path),
                                            hint="roll the object that serves the promoted track"))
                elif pod.origin is source and step and step.group and any(inside_list(p) for p in step.json_paths):
                    findings += kept_by_argo_cd(view, source, pod, step)
            if last_isolated is not None and last_isolated == len(steps) - 1:
                findings.append(finding(RETRAINING, f"{what} ends with validation: nothing "
                                                    "promotes the candidate or triggers a rollout", source.locate(*at),
                                        hint="add a promotion step (an identity allowed to write the registry) and a rollout"))
    return findings


def inside_list(pointer: str) -> bool:
    return any(part.isdigit() for part in pointer.split("/"))


def _as_jq(pointer: str) -> str:
    """`/spec/predictors/1/x` as the jq path Argo CD's ignoreDifferences takes: `.spec.predictors[].x`."""
    out = ""
    for part in pointer.strip("/").split("/"):
        out += "[]" if part.isdigit() else "." + part.replace("~1", "/").replace("~0", "~")
    return out


def kept_by_argo_cd(view, cron, pod, step) -> list[Finding]:
    app = next((a for a in view.apps if any(step.addresses(o.group, o.kind, o.name) and o.namespace == cron.namespace
                                            for o in a.objects)), None)
    if app is None:
        return []
    ignored = [e for e in app.obj.spec.get("ignoreDifferences") or []
               if e.get("group", "") == step.group and (not e.get("name") or e.get("name") == step.name)]
    covered = all(any(_as_jq(p).startswith(str(jq)) for e in ignored for jq in e.get("jqPathExpressions") or [])
                  or any(p.startswith(str(ptr)) for e in ignored for ptr in e.get("jsonPointers") or [])
                  for p in step.json_paths)
    respected = "RespectIgnoreDifferences=true" in app.sync_options
    if covered and respected:
        return []
    missing = "does not ignore the field" if not covered else "syncs without RespectIgnoreDifferences=true"
    return [finding(RETRAINING, f"{cron.kind} {cron.namespace}/{cron.name}: {pod.workload} patches {', '.join(step.json_paths)} "
                                f"of {step.target}, inside a list Argo CD compares whole, and Application {app.name} {missing}: "
                                "self-heal undoes the rollout", pod.origin.locate(*pod.origin_path),
                    hint="ignore the field in the Application (ignoreDifferences jqPathExpressions) and sync with "
                         "RespectIgnoreDifferences=true")]
