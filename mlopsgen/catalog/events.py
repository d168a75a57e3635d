"""The pods Argo Events' controller runs for a team's retraining triggers (render/retraining_triggers.py), and what
each asks for: the team's quota holds them beside its models and a training run (platform/capacity.py, and verify
counts the same from the tree)."""

from __future__ import annotations

from mlopsgen.catalog import hardening

# The team namespace's one EventSource and one Sensor: alerts (render/retraining_triggers.py) and registry
# promotions (render/promotion.py) come in through webhooks of the first and start Workflows through the second.
EVENT_SOURCE = SENSOR = "retraining"
SERVICE_SUFFIX = "-eventsource-svc"  # Argo Events names an EventSource's Service <name>-eventsource-svc

# A JetStream bus: its stream config "requires minimal 3" replicas (charts-src/argo-events/values.yaml,
# configs.jetstream.streamConfig.replicas); each pod runs nats-server, its config reloader and a metrics exporter.
EVENTBUS_REPLICAS = 3
EVENTBUS_SERVER_RESOURCES = hardening.guaranteed("100m", "256Mi")
EVENTBUS_SIDECAR_RESOURCES = hardening.guaranteed("20m", "32Mi")  # the reloader's and the exporter's, each
TRIGGER_POD_RESOURCES = hardening.guaranteed("100m", "128Mi")  # the webhook EventSource's and the Sensor's one container
