"""The paths a registry promotion takes to serving, one per opted-in model and environment: what the tree names on
each (the EventSource's webhook, the Sensor, the WorkflowTemplate, the registration Job), for the promotion journey
and for anything that draws the loop."""

from __future__ import annotations

from dataclasses import dataclass

from mlopsgen.catalog import events
from mlopsgen.platform.model import Platform
from mlopsgen.render import promotion as P
from mlopsgen.render.retraining import promotion_target


@dataclass(frozen=True)
class PromotionPath:
    model: str
    cluster: str
    namespace: str
    registered: str  # the registered model MLflow names in its delivery
    alias: str  # the alias the model serves
    track: str  # the track serving it
    event_source: str
    webhook: str  # the EventSource's webhook (its event name) MLflow delivers to
    sensor: str
    template: str  # the WorkflowTemplate the Sensor starts
    job: str  # the Job that registers the webhook in MLflow
    secret: str  # the Secret holding the HMAC key

    @property
    def uri(self) -> str:
        return f"models:/{self.registered}@{self.alias}"


def promotion_paths(platform: Platform) -> list[PromotionPath]:
    out = []
    for model in platform.models:
        if model.promotion is None:
            continue
        track, registered, alias = promotion_target(model)
        for env_name in model.environments:
            env = platform.environment(env_name)
            namespace = platform.team(model.team).namespace(env_name)
            out.append(PromotionPath(model.name, env.cluster, namespace, registered, alias, track, events.EVENT_SOURCE,
                                     P.WEBHOOK_EVENT, events.SENSOR, P.promote_template_name(model),
                                     P.registration_job_name(model), model.promotion.secret))
    return out
