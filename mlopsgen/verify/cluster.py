"""One destination cluster as the tree would leave it: components installed, their values, objects.

Components are recognised by upstream facts, not file names: a chart app by
its chart (the catalog's pinned chart name), a manifest app by its name
`<cluster>-<component>` (catalog/conventions.py). Values are what the app
passes to Helm, merged over nothing: a key the tree does not set has the
chart's default, which is what the checks assume.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mlopsgen.catalog import conventions as C
from mlopsgen.catalog.components import COMPONENTS
from mlopsgen.platform.model import Platform
from mlopsgen.verify.argocd import App, Deployment
from mlopsgen.verify.tree import Obj

CHART_COMPONENT = {c.chart.name: c.name for c in COMPONENTS.values() if c.chart is not None}


def component_of(app: App, cluster: str) -> str | None:
    for name in COMPONENTS:  # by its name first: two components may install one chart (CloudNativePG's `cluster`)
        if app.name == C.platform_application(cluster, name):
            return name
    for chart in app.charts:
        if chart.chart in CHART_COMPONENT:
            return CHART_COMPONENT[chart.chart]
    return None


def provided_components(platform: Platform, cluster: str) -> frozenset[str]:
    """Components the spec declares the cluster provides itself (managed add-ons), by family."""
    from mlopsgen.render.installed import provided_components as of_families

    return frozenset(of_families(platform.cluster(cluster)))


def get(values: dict, dotted: str, default=None):
    node = values
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node


@dataclass
class ClusterView:
    name: str  # the spec's cluster name
    server: str
    apps: list[App]
    objects: list[Obj]
    components: dict[str, App] = field(default_factory=dict)  # installed by the tree
    provided: frozenset[str] = frozenset()
    provided_mesh: tuple[bool, bool] | None = None  # (CNI, native sidecars) the spec declares of a provided Istio
    _by_kind: dict[str, list[Obj]] = field(default_factory=dict, repr=False)
    _namespace_labels: dict[str, dict] = field(default_factory=dict, repr=False)

    def values(self, component: str) -> dict:
        app = self.components.get(component)
        if app is None:
            return {}
        return next((c.values for c in app.charts), {})

    def has(self, component: str) -> bool:
        return component in self.components or component in self.provided

    def of_kind(self, kind: str) -> list[Obj]:
        if not self._by_kind:
            for o in self.objects:
                self._by_kind.setdefault(o.kind, []).append(o)
        return self._by_kind.get(kind, [])

    def namespace_labels(self, namespace: str) -> dict:
        if namespace not in self._namespace_labels:
            found = self.namespace_object(namespace)
            labels = dict(found.labels) if found else {}
            labels[C.NAMESPACE_NAME] = namespace  # set by the API server on every namespace
            self._namespace_labels[namespace] = labels
        return self._namespace_labels[namespace]

    def namespace_object(self, namespace: str) -> Obj | None:
        return next((o for o in self.of_kind("Namespace") if o.name == namespace), None)

    @property
    def mesh_installed(self) -> bool:
        return self.has("istiod")


def cluster_views(platform: Platform, deployment: Deployment) -> list[ClusterView]:
    views = []
    for cluster in platform.clusters:
        apps = deployment.on_server(cluster.server)
        view = ClusterView(cluster.name, cluster.server, apps, [o for a in apps for o in a.objects],
                           provided=provided_components(platform, cluster.name),
                           provided_mesh=(cluster.istio_cni, cluster.native_sidecars) if cluster.provides("istio") else None)
        for app in apps:
            name = component_of(app, cluster.name)
            if name:
                view.components[name] = app
        views.append(view)
    return views
