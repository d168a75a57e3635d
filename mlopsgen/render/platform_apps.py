"""Platform components per cluster: which the tree installs, and their values and manifests.

A cluster gets the components its environments need (catalog/components.py),
except those the spec says it already provides. Chart components get a values
file under platform/<cluster>/values/; mlopsgen's own manifests (Gateways and
their certificates, Calico IPPools, KServe's storage container for models:/)
go under platform/<cluster>/manifests/<component>/, each its own Application.
"""

from __future__ import annotations

from mlopsgen.platform.model import Platform
from mlopsgen.render import labels as L
from mlopsgen.render.component_manifests import MANIFESTS
from mlopsgen.render.component_values import VALUES, ValuesContext
from mlopsgen.render.installed import PlatformApp
from mlopsgen.render.jinja import render_template


def render_platform_apps(platform: Platform, apps: list[PlatformApp], header: str) -> dict[str, str]:
    files: dict[str, str] = {}
    for app in apps:
        cluster = platform.cluster(app.cluster)
        chart = app.component.chart
        if chart is not None:
            files[app.path] = render_template(
                "helm/values.yaml.j2", header=header, chart=chart, cluster=cluster.name,
                values=VALUES[app.name](ValuesContext(platform, cluster)))
        else:
            for name, (template, context) in MANIFESTS[app.name](platform, cluster).items():
                files[f"{app.path}/{name}"] = render_template(
                    template, header=header, labels=L.common(platform), **context)
    return files
