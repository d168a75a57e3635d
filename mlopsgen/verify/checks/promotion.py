"""Journey 14: a promotion reaches serving.

For every model that rolls out on a registry promotion (`models[].promotion`), in each environment that serves it
(verify/promotion_paths.py), each link must hold:
- MLflow keeps its registry in a database (MLflow delivers webhooks from a SQL store only) and may deliver to an
  in-cluster http URL (MLFLOW_WEBHOOK_ALLOWED_SCHEMES, MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS in its rendered chart);
- a Job Argo CD runs after every sync (a PostSync hook) registers a webhook for `model_version_alias.created` whose
  URL is a webhook of an EventSource of the namespace (its Service `<name>-eventsource-svc`, port and path);
- MLflow's pods may connect to that webhook (NetworkPolicies and Istio, as for alert-retraining);
- a Sensor on that webhook admits a delivery of the model's alias (entity, action, registered model, alias) and
  creates a Workflow from `<model>-promote`, with an account that may create Workflows;
- that WorkflowTemplate checks the delivery's signature (a step mounting the HMAC key's Secret and taking the
  signature) before any step patches a serving object;
- its rollout patches the object, and within it the pod template, serving that alias, with a change Argo CD keeps.
A break names the link. Without MLflow's rendered chart its settings are not seen: the journey is UNKNOWN.
"""

from __future__ import annotations

from dataclasses import replace

from mlopsgen.errors import Location
from mlopsgen.render.promotion import ALIAS_EVENT
from mlopsgen.verify import rbac
from mlopsgen.verify.checks.alert_retraining import _creates, _endpoint, _passes, sensor_account, webhook_of
from mlopsgen.verify.checks.lifecycle import kept_by_argo_cd
from mlopsgen.verify.configured import mlflow_server, rendered
from mlopsgen.verify.context import Context
from mlopsgen.verify.endpoints import Endpoint, pod_endpoint
from mlopsgen.verify.journey_ids import journey_id
from mlopsgen.verify.promotion_paths import PromotionPath
from mlopsgen.verify.result import Finding, finding, not_seen
from mlopsgen.verify.tree import Obj

SLUG = "promotion"
# The links a promotion takes, as a failure names them (and a drawing of the loop reads them): the Job registers
# the webhook, MLflow delivers to it, the Sensor admits the delivery and creates the Workflow, the template checks
# the signature before it rolls out.
LINKS = ("registers", "delivers", "admits", "creates", "signature", "rollout")


def _env(containers: list[dict]) -> dict[str, str]:
    return {str(e.get("name")): str(e.get("value", "")) for c in containers for e in c.get("env") or [] if isinstance(e, dict)}


def _containers(obj: Obj) -> list[dict]:
    spec = ((obj.spec.get("template") or {}).get("spec") or {})
    return [c for c in spec.get("containers") or [] if isinstance(c, dict)]


def _registrations(view, path: PromotionPath) -> list[tuple[Obj, str]]:
    """The PostSync Jobs of the namespace that register a webhook for the alias event, with its URL."""
    out = []
    for job in (j for j in view.of_kind("Job") if j.namespace == path.namespace):
        hooks = str(job.annotations.get("argocd.argoproj.io/hook", "")).split(",")
        env = _env(_containers(job))
        if "PostSync" in hooks and ALIAS_EVENT in env.get("WEBHOOK_EVENTS", "").split(",") and env.get("WEBHOOK_URL"):
            out.append((job, env["WEBHOOK_URL"]))
    return out


def _mounts_secret(template: dict, secret: str) -> bool:
    names = {v.get("name") for v in template.get("volumes") or [] if (v.get("secret") or {}).get("secretName") == secret}
    container = template.get("container") or template.get("script") or {}
    return any(m.get("name") in names for m in container.get("volumeMounts") or [])


def _strings(node) -> list[str]:
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return [node] if isinstance(node, str) else []


def _takes_signature(template: dict) -> bool:
    return any("parameters.signature" in s for s in _strings(template))


class PromotionCheck:
    def __init__(self, ctx: Context, path: PromotionPath, stats: dict, findings: list[Finding]):
        self.ctx, self.path, self.stats, self.findings = ctx, path, stats, findings
        self.broken: dict[str, list[str]] = {}  # link -> why it is broken
        self.view = ctx.view(path.cluster)
        self.spec = ctx.model_spec(path.model, "promotion")
        self.what = f"a promotion of {path.uri} ({path.model} in {path.namespace})"
        self.template = next((o for o in self.view.of_kind("WorkflowTemplate")
                              if o.namespace == path.namespace and o.name == path.template), None)

    def fail(self, message: str, where, hint: str, link: str) -> None:
        """A broken link (LINKS): reported, and kept by link for a drawing of the loop."""
        assert link in LINKS, link
        self.findings.append(finding(SLUG, f"{self.what}: {message}", where, hint=hint, spec=self.spec))
        self.broken.setdefault(link, []).append(message)

    def anchor(self) -> Location:
        return self.template.locate() if self.template else self.spec or Location(self.ctx.reader.display("."))

    def follow(self) -> None:
        registered = _registrations(self.view, self.path)
        if not registered:
            self.fail(f"no PostSync Job of {self.path.namespace} registers a webhook for {ALIAS_EVENT} in MLflow: "
                      "MLflow delivers nothing", self.anchor(), "register the webhook with a Job Argo CD runs after each "
                      f"sync (an argocd.argoproj.io/hook: PostSync Job such as {self.path.job})", link="registers")
            return
        job, url = registered[0]
        source, hook, target = webhook_of(self.view, url)
        if source is None or hook is None or not str(target).isdigit():
            self.fail(f"Job {job.name} registers {url}, which is no webhook of an EventSource (its Service "
                      "<name>-eventsource-svc, port and path)", job.locate("spec", "template"),
                      "register the EventSource's Service, webhook port and endpoint", link="registers")
            return
        self.server(url)
        self.flows(job, source, int(str(target)))
        sensor = self.sensor(source, hook)
        if sensor is not None and self.template is not None:
            self.signature_then_rollout()

    def server(self, url: str) -> None:
        deployments = rendered(self.view, "mlflow", "Deployment")
        if deployments is None:
            not_seen(self.stats, SLUG, f"MLflow's settings on {self.path.cluster} (its chart was not rendered)")
            return
        if not mlflow_server(self.view)["database"]:
            self.fail("MLflow keeps its registry in files, and delivers webhooks only from a SQL store",
                      deployments[0].locate(), "give the tracking server its PostgreSQL backend store", link="delivers")
        env = {k: v for d in deployments for k, v in _env(_containers(d)).items()}
        schemes = [s.strip() for s in env.get("MLFLOW_WEBHOOK_ALLOWED_SCHEMES", "https").split(",")]
        if url.split(":", 1)[0] not in schemes:
            self.fail(f"MLflow allows webhook schemes {', '.join(schemes)} only, and refuses {url}", deployments[0].locate(),
                      "set MLFLOW_WEBHOOK_ALLOWED_SCHEMES to include http in MLflow's values (extraEnvVars)", link="delivers")
        if env.get("MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS", "").lower() not in ("true", "1"):
            self.fail(f"MLflow delivers only to public addresses, and {url} is a cluster address", deployments[0].locate(),
                      "set MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS=true in MLflow's values (extraEnvVars)", link="delivers")

    def flows(self, job: Obj, source: Obj, port: int) -> None:
        """MLflow delivers to the webhook; the registration Job reaches MLflow."""
        tracking = next((s for s in self.ctx.platform.services_for(self.path.cluster) if s.kind == "tracking"), None)
        if tracking is None:
            return
        network = self.ctx.networks[self.view.name]
        labels = self.view.namespace_labels(tracking.namespace)
        mlflow = Endpoint(f"{tracking.namespace}/mlflow@{self.view.name}", self.view.name, "service", tracking.namespace,
                          dict(tracking.pod_labels), meshed=labels.get("istio-injection") == "enabled" or "istio.io/rev" in labels)
        webhook = _endpoint(self.view, source, "eventsource")
        if not network.decide(mlflow, webhook, "TCP", port).allowed:
            self.fail(f"flow denied (MLflow delivers to the webhook): {mlflow.label} -> {webhook.label} TCP/{port}",
                      source.locate(), "allow the flow: the namespace's webhook ingress (retraining-triggers.yaml) and "
                      "MLflow's egress (platform-namespaces)", link="delivers")
        for pod in (p for p in self.ctx.pods[self.view.name] if p.origin is job):
            client = pod_endpoint(pod)
            if not network.decide(client, mlflow, "TCP", tracking.port).allowed:
                self.fail(f"flow denied (the Job registers the webhook): {client.label} -> {mlflow.label} TCP/{tracking.port}",
                          job.locate("spec", "template"), "give the Job's pod a workload class and mode whose policies "
                          "reach the tracking server", link="registers")

    def sensor(self, source: Obj, hook: str) -> Obj | None:
        def delivery(name: str = self.path.registered, alias: str = self.path.alias, action: str = "created") -> dict:
            return {"body": {"entity": "model_version_alias", "action": action, "data": {"name": name, "alias": alias,
                                                                                      "version": "1"}}}
        found = [(s, d) for s in self.view.of_kind("Sensor") if s.namespace == source.namespace
                 for d in s.spec.get("dependencies") or []
                 if d.get("eventSourceName") == source.name and d.get("eventName") == hook and _passes(d, delivery())
                 and any(_creates(t, d.get("name"), self.path.template) for t in s.spec.get("triggers") or [])]
        if not found or self.template is None:
            missing = "" if self.template is not None else f" (there is no WorkflowTemplate {self.path.template})"
            self.fail(f"no Sensor of {source.namespace} admits it from EventSource {source.name} ({hook}) and creates a "
                      f"Workflow from WorkflowTemplate {self.path.template}{missing}", source.locate(),
                      f"a Sensor dependency on {source.name}/{hook} whose filters pass {ALIAS_EVENT} of "
                      f"{self.path.registered}@{self.path.alias}, triggering a Workflow of {self.path.template}", link="admits")
            return None
        sensor = found[0][0]
        # Only that model's alias: a delivery of another alias, model or action must not roll these pods.
        others = {"another alias": delivery(alias=f"not-{self.path.alias}"), "another model": delivery(name=f"not-{self.path.registered}"),
                  "a deleted alias": delivery(action="deleted")}
        for what, body in others.items():
            if any(_passes(d, body) for _, d in found):
                self.fail(f"Sensor {sensor.namespace}/{sensor.name} also admits a delivery of {what} into "
                          f"{self.path.template}: it would roll the pods to a version the alias does not name",
                          sensor.locate("spec", "dependencies"), "filter the dependency on body.entity, body.action, "
                          "body.data.name and body.data.alias", link="admits")
        access = rbac.Rbac([o for k in ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding") for o in self.view.of_kind(k)])
        account = sensor_account(sensor)
        if not access.allowed(sensor.namespace or "", account, "argoproj.io", "workflows", "create"):
            self.fail(f"Sensor {sensor.namespace}/{sensor.name} runs as {account}, which may not create workflows "
                      "(argoproj.io): the trigger fails", sensor.locate("spec", "template"),
                      "bind a Role granting create on workflows to the Sensor's service account", link="creates")
        return sensor

    def signature_then_rollout(self) -> None:
        assert self.template is not None
        spec = self.template.spec
        templates = {t.get("name"): t for t in spec.get("templates") or [] if isinstance(t, dict)}
        entry = templates.get(spec.get("entrypoint")) or {}
        groups = [[templates.get(s.get("template")) or {} for s in group] for group in entry.get("steps") or []]
        rolls = next((i for i, g in enumerate(groups) if any((t.get("resource") or {}).get("action") == "patch" for t in g)), None)
        if rolls is None:
            self.fail(f"WorkflowTemplate {self.path.template} patches no serving object: nothing rolls out",
                      self.template.locate("spec"), "end the template with the rollout step", link="rollout")
            return
        if not any(_mounts_secret(t, self.path.secret) and _takes_signature(t) for g in groups[:rolls] for t in g):
            self.fail(f"WorkflowTemplate {self.path.template} rolls out before any step checks the delivery's signature "
                      f"with the key of Secret {self.path.secret}: anyone who reaches the webhook rolls the model",
                      self.template.locate("spec"), "check the HMAC (X-MLflow-Signature) in a step before the rollout", link="signature")
        self.rollout()

    def rollout(self) -> None:
        assert self.template is not None
        pods = self.ctx.pods[self.view.name]
        serving = [p for p in pods if p.kind == "model" and p.namespace == self.path.namespace and p.runtime is not None
                   and self.path.uri in _strings(_at(p.origin.data, p.origin_path))]
        for pod in (p for p in pods if p.origin is self.template and p.resource_step and "patch" in p.resource_step.verbs):
            step = pod.resource_step
            assert step is not None
            if not any(_patches(step, p) for p in serving):
                served = ", ".join(sorted(f"{p.origin.kind} {p.origin.name} ({p.workload})" for p in serving)) or "nothing"
                self.fail(f"{pod.workload} patches {', '.join(step.json_paths) or 'the pod template'} of {step.target}, "
                          f"but {self.path.uri} is served by {served}: the wrong pods roll", pod.origin.locate(*pod.origin_path),
                          f"roll the object serving the {self.path.track} track", link="rollout")
            elif step.json_paths:
                undone = kept_by_argo_cd(self.view, self.template, pod, step)
                self.findings += [replace(f, rule=SLUG, id=journey_id(SLUG), related=self.spec) for f in undone]
                if undone:
                    self.broken.setdefault("rollout", []).append("Argo CD's self-heal undoes the patch")


def _at(node, path: tuple):
    for part in path:
        node = node[part] if isinstance(node, (dict, list)) else None
    return node


def _patches(step, pod) -> bool:
    origin = pod.origin
    if not step.addresses(origin.group, origin.kind, origin.name):
        return False
    template = pod.origin_path[:len(pod.origin_path) - len(pod.runtime.pods.spec)]
    prefix = "/" + "/".join(str(p) for p in template) + "/"
    return all(p.startswith(prefix) for p in step.json_paths)


def run(ctx: Context, stats: dict) -> list[Finding]:
    findings: list[Finding] = []
    for path in ctx.promotions:
        stats["promotions"] = stats.get("promotions", 0) + 1
        PromotionCheck(ctx, path, stats, findings).follow()
    return findings
