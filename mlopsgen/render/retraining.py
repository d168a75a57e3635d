"""The retraining CronWorkflow of a model, in the environment the spec picks for it."""

from __future__ import annotations

from mlopsgen.platform.model import Environment, Model, Platform
from mlopsgen.render import labels as L
from mlopsgen.render.jinja import render_template


def render_cron_workflow(platform: Platform, model: Model, env: Environment, labels: dict, header: str) -> str:
    retraining = model.retraining
    assert retraining is not None, "only models with retraining get a CronWorkflow"
    env_vars = L.tracking_env(platform)
    monitoring = [s for s in platform.services_for(env.cluster) if s.kind == "monitoring"]
    if monitoring:
        env_vars.append({"name": "PROMETHEUS_URL", "value": monitoring[0].url})
    return render_template(
        "model/cronworkflow.yaml.j2", header=header, name=f"{model.name}-retrain", model=model.name, labels=labels,
        schedule=retraining.schedule, image=retraining.image,
        drift_args=["--model", model.source, "--threshold", f"{retraining.drift_threshold:g}", "--output", "/tmp/drift"],
        drift_labels=L.pod_labels(platform, model.team, "monitoring", env.mode("monitoring")), env=env_vars)
