"""Which of a team's models start Workflows from events in one environment: retraining on an alert, a rollout on a
registry promotion. Where any does, the namespace runs Argo Events' pods (render/retraining_triggers.py), and the
team's quota and the cluster's components count them."""

from __future__ import annotations

from mlopsgen.platform.model import Platform
from mlopsgen.platform.model_serving import Model


def alert_retrained(platform: Platform, team: str, env: str) -> list[Model]:
    """The team's models whose retraining runs in `env` and starts on an alert."""
    return [m for m in platform.team_models(team) if m.retraining and m.retraining.environment == env
            and m.retraining.alert_triggers]


def promoted(platform: Platform, team: str, env: str) -> list[Model]:
    """The team's models served in `env` that a registry promotion rolls out."""
    return [m for m in platform.team_models(team) if m.promotion and env in m.environments]


def runs_events(platform: Platform, team: str, env: str) -> bool:
    return bool(alert_retrained(platform, team, env) or promoted(platform, team, env))
