"""Journey 3: Argo Workflows steps complete.

Argo Workflows docs ("Workflow RBAC", "Service Account Secrets"): the `wait`
container reports outputs as WorkflowTaskResults, so the executor's service
account needs create and patch on `workflowtaskresults` (argoproj.io). With
`automountServiceAccountToken: false` Argo mounts the token Secret
`<sa>.service-account-token` (or the one the account's annotation
`workflows.argoproj.io/service-account-token.name` names), which Kubernetes
no longer creates by itself since 1.24. Every workflow pod needs egress to
the API server (checked with the connectivity journey). A classic Istio
sidecar keeps the pod running after the step's container exits, unless
Istio runs sidecars as native (restartable init) containers. A resource step's
executor itself does what the step says to the API (resource_steps.py), so its
account needs those verbs on that resource.
"""

from __future__ import annotations

from mlopsgen.catalog.modes import MODES
from mlopsgen.verify import rbac
from mlopsgen.verify.configured import native_sidecars
from mlopsgen.verify.context import Context
from mlopsgen.verify.endpoints import pod_endpoint
from mlopsgen.verify.result import Finding, finding

SLUG = "workflows"
TOKEN_ANNOTATION = "workflows.argoproj.io/service-account-token.name"
TOKEN_TYPE = "kubernetes.io/service-account-token"


def _isolated_pod_of(ctx: Context, pods: list, step) -> bool:
    """The workflow that `step` belongs to creates a pod in an isolated mode that reads a PersistentVolumeClaim."""
    for other in pods:
        if other.origin is step.origin and other.kind == "job":
            intent = ctx.intents.of(pod_endpoint(other))
            if intent and MODES[intent.mode].isolated and any("persistentVolumeClaim" in v for v in other.volumes):
                return True
    return False


def run(ctx: Context, stats: dict) -> list[Finding]:
    findings: list[Finding] = []
    for cluster, pods in ctx.pods.items():
        view = ctx.view(cluster)
        access = rbac.Rbac([o for kind in ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding") for o in view.of_kind(kind)])
        for pod in pods:
            if pod.kind != "workflow":
                continue
            where = pod.origin.locate(*pod.origin_path)
            spec = ctx.team_spec(pod.namespace)
            account = pod.executor_account
            for verb in ("create", "patch"):
                if not access.allowed(pod.namespace, account, "argoproj.io", "workflowtaskresults", verb):
                    findings.append(finding(
                        SLUG, f"{pod.id}: service account {pod.namespace}/{account} may not {verb} workflowtaskresults "
                              f"(argoproj.io): the wait container cannot report the step's outputs", where, spec=spec,
                        hint="bind a Role granting create and patch on workflowtaskresults to the executor's service account"))
                    break
            step = pod.resource_step
            denied = [v for v in step.verbs if not access.allowed(pod.namespace, account, step.group, step.resource, v)] if step else []
            if step and denied:
                findings.append(finding(
                    SLUG, f"{pod.id}: service account {pod.namespace}/{account} may not {denied[0]} {step.target}: the "
                          "resource step fails", where, spec=spec,
                    hint=f"grant {', '.join(step.verbs)} on {step.resource} to the executor's service account"))
            if not pod.automount:
                sa = next((o for o in view.of_kind("ServiceAccount") if o.namespace == pod.namespace and o.name == account), None)
                secret_name = (sa.annotations.get(TOKEN_ANNOTATION) if sa else None) or f"{account}.service-account-token"
                secret = next((o for o in view.of_kind("Secret") if o.namespace == pod.namespace and o.name == secret_name), None)
                ok = secret is not None and secret.data.get("type") == TOKEN_TYPE and \
                    secret.annotations.get("kubernetes.io/service-account.name") == account
                if not ok:
                    findings.append(finding(
                        SLUG, f"{pod.id}: the token is not mounted and no Secret {pod.namespace}/{secret_name} of type "
                              f"{TOKEN_TYPE} for {account} exists: Argo cannot mount the executor's token", where, spec=spec,
                        hint="add the service-account-token Secret (Kubernetes creates none since 1.24)"))
            if pod.meshed and not native_sidecars(view):
                provided = " (the cluster provides Istio; nothing says it runs native sidecars)" if "istiod" in view.provided else ""
                findings.append(finding(
                    SLUG, f"{pod.id}: the Istio sidecar keeps the pod running after the step's container exits{provided}", where, spec=spec,
                    hint="enable native sidecars (istiod pilot.env.ENABLE_NATIVE_SIDECARS) or do not mesh workflow pods"))
            intent = ctx.intents.of(pod_endpoint(pod))
            if intent and intent.staging and not _isolated_pod_of(ctx, pods, pod):
                findings.append(finding(
                    SLUG, f"{pod.id}: {intent.workload_class} runs in '{intent.env.mode(intent.workload_class)}' mode, but no pod of "
                          f"{pod.origin.ref} is isolated and fed by a volume: the work runs with the network of its steps",
                    where, spec=spec, hint="run the isolated work in a Job with no network that reads a PersistentVolumeClaim"))
            if intent and not intent.staging and intent.workload_class and MODES[intent.mode].isolated:
                findings.append(finding(
                    SLUG, f"{pod.id}: an ordinary Argo container step in '{intent.mode}' mode: its executor needs the API "
                          f"server, which the mode forbids, so the step never completes", where, spec=spec,
                    hint="run the isolated work in a pod with no network that reads its inputs from a volume an earlier step wrote"))
    return findings
