"""Journey 1 on what charts render: helm renders them, Argo CD can apply them, and they settle.

Upstream facts this follows:
- the repo server fails the whole app when `helm template` fails (values a chart's schema refuses, a
  `required` value missing): nothing of it is applied;
- client-side apply (Argo CD's default) stores the object (a chart's or the tree's own) in the annotation
  kubectl.kubernetes.io/last-applied-configuration; annotations may total 262,144 bytes, so a larger
  object (KServe's, CloudNativePG's, Seldon's, Prometheus' CRDs) is refused ("Too long") unless the app
  syncs with ServerSideApply=true (cloudnative-pg/charts#325);
- a hook that fetches from the internet while installing never completes on a cluster without that
  egress, and the sync waits on it;
- a render that differs each time (random passwords, generated certificates, a checksum of either) is a
  change on every refresh: the app never settles and self-heal rotates the value on every sync;
- a field a controller rewrites after apply is drift self-heal undoes, forever, unless the Application
  ignores it (istiod sets its validating webhooks' failurePolicy to Fail once ready, istio/istio#44285).
"""

from __future__ import annotations

import re

from mlopsgen.kube.workloads import pod_templates
from mlopsgen.verify.context import Context
from mlopsgen.verify.helm_output import ANNOTATION_LIMIT
from mlopsgen.verify.result import Finding, finding

SLUG = "bootstrap"
URL = re.compile(r"https?://[^\s\"']+")
INSTALL_HOOKS = ("pre-install", "post-install", "pre-upgrade", "post-upgrade")


def chart_findings(ctx: Context) -> list[Finding]:
    findings = []
    for app in ctx.deployment.apps.values():
        for chart in app.charts:
            where = app.obj.locate(*chart.path())
            if chart.error:
                findings.append(finding(SLUG, f"helm cannot render {chart.label} for {app.name} ({chart.error}): the repo "
                                              "server fails the app and nothing of it is applied", where,
                                        hint="fix the values the app passes (helm's message names the value)"))
            for problem in chart.problems:
                findings.append(finding(SLUG, f"{chart.label} renders {problem['source']} (line {problem['line']}) that "
                                              f"Kubernetes' strict readers refuse: {problem['message']}", where,
                                        hint="change the values that produce it (a key set by the chart and again by a value)"))
            for template in chart.unstable:
                findings.append(finding(SLUG, f"{chart.label} renders {template} differently each time (a generated "
                                              f"value): {app.name} never settles, and self-heal replaces the value on "
                                              "every sync", where,
                                        hint="give the value in the values (an existing Secret, a fixed setting) so the "
                                             "render is the same every time"))
        findings += _size_findings(app) + _download_findings(app) + _rewrite_findings(app)
    return findings


def _json_size(o) -> int:
    """An object's bytes as JSON: recorded for a chart's objects; for the tree's, measured unless its file is too
    small to hold one over the limit (without anchors, compact JSON is at most about 3x the YAML it was read
    from, `a:` becoming `"a":null,`; 8x leaves room)."""
    import json

    if o.size or (len(o.source.text) * 8 < ANNOTATION_LIMIT and "&" not in o.source.text):
        return o.size
    return len(json.dumps(o.data, separators=(",", ":")))


def _size_findings(app) -> list[Finding]:
    if "ServerSideApply=true" in app.sync_options:
        return []
    sized = [(o, _json_size(o)) for o in app.objects]
    return [finding(SLUG, f"{o.ref} is {size:,} bytes: client-side apply stores it in an annotation limited to "
                          f"{ANNOTATION_LIMIT:,} bytes, the API server refuses it and {app.name} never syncs", o.locate(),
                    hint="sync the app with the ServerSideApply=true sync option")
            for o, size in sized if size > ANNOTATION_LIMIT]


def _download_findings(app) -> list[Finding]:
    findings = []
    for o in app.objects:
        hooks = str(o.annotations.get("helm.sh/hook", ""))
        if not any(h.strip() in INSTALL_HOOKS for h in hooks.split(",")):
            continue
        for container in (c for t in pod_templates(o.data) for c in t.spec.get("containers") or [] if isinstance(c, dict)):
            urls = [u for part in [*(container.get("command") or []), *(container.get("args") or [])] for u in URL.findall(str(part))]
            if urls:
                findings.append(finding(SLUG, f"{o.ref} downloads {urls[0]}{f' and {len(urls) - 1} more' if len(urls) > 1 else ''} "
                                              f"while installing: a cluster without that egress never completes {app.name}'s sync",
                                        o.locate(), hint="install what it downloads from the tree (a chart value that "
                                                         "ships it, or an app of its own)"))
    return findings


def _rewrite_findings(app) -> list[Finding]:
    ignored = {str(d.get("kind")) for d in app.obj.spec.get("ignoreDifferences") or [] if isinstance(d, dict)}
    findings = []
    for o in app.objects:
        if o.kind != "ValidatingWebhookConfiguration" or o.kind in ignored or o.labels.get("app") != "istiod":
            continue
        if any(isinstance(w, dict) and w.get("failurePolicy") == "Ignore" for w in o.data.get("webhooks") or []):
            findings.append(finding(SLUG, f"{o.ref} has failurePolicy Ignore, which istiod rewrites to Fail once ready: "
                                          f"self-heal of {app.name} flips it back, forever", o.locate(),
                                    hint="set the chart's base.validationFailurePolicy: Fail"))
    return findings
