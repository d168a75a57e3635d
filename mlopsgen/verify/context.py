"""Everything the checks read, built once: the spec, the tree as Argo CD would apply it, pods, networks."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from mlopsgen.catalog.components import api_versions
from mlopsgen.errors import Location
from mlopsgen.platform.loader import Document
from mlopsgen.platform.model import Platform
from mlopsgen.repopath import Place
from mlopsgen.verify.argocd import Deployment
from mlopsgen.verify.charts import ChartOptions, render_charts
from mlopsgen.verify.cluster import ClusterView, cluster_views, provided_components
from mlopsgen.verify.flows import Intents
from mlopsgen.verify.network import ClusterNetwork
from mlopsgen.verify.pods import Pod, chart_pods, cluster_pods
from mlopsgen.verify.promotion_paths import PromotionPath, promotion_paths
from mlopsgen.verify.remote import remote_files
from mlopsgen.verify.tree import Obj, TreeReader


class Context:
    def __init__(self, platform: Platform, doc: Document | None, tree: Path, display_root: str,
                 refused: dict[str, str] | None = None, charts: ChartOptions | None = None, place: Place | None = None):
        self.platform = platform
        self.doc = doc
        self.place = place or Place(None, "", "not given")  # where the tree sits in its repository
        self.reader = TreeReader(tree, display_root, refused)
        self.chart_options = charts or ChartOptions()
        self.reader.remote_files = remote_files(self.chart_options.charts)
        self.deployment = Deployment(self.reader, platform.gitops.path, platform.gitops.repo_url, self.place.path)
        provided = {c.server: api_versions(provided_components(platform, c.name)) for c in platform.clusters}
        render_charts(self.deployment, self.chart_options.renderer(), self.chart_options.kube_version, provided)

    @property
    def unseen_charts(self) -> list[str]:
        """The chart apps whose objects no journey saw, and why."""
        return [f"{app.name} ({chart.label}): {chart.unseen}" for app in self.deployment.apps.values()
                for chart in app.charts if chart.unseen] + [f"{url}: {why}" for url, why in sorted(self.reader.unseen_remote.items())]

    @cached_property
    def views(self) -> list[ClusterView]:
        return cluster_views(self.platform, self.deployment)

    @cached_property
    def pods(self) -> dict[str, list[Pod]]:
        return {v.name: cluster_pods(v) for v in self.views}

    @cached_property
    def chart_pods(self) -> dict[str, list[Pod]]:
        """The pods the charts' workloads create, per cluster (judged for admission and the platform's flows)."""
        return {v.name: chart_pods(v) for v in self.views}

    @cached_property
    def networks(self) -> dict[str, ClusterNetwork]:
        return {v.name: ClusterNetwork(self.platform, v, self.pods[v.name]) for v in self.views}

    @cached_property
    def intents(self) -> Intents:
        return Intents(self.platform)

    @cached_property
    def promotions(self) -> list[PromotionPath]:
        """Each registry promotion's path to serving: the EventSource's webhook, the Sensor, the template, the Job."""
        return promotion_paths(self.platform)

    def view(self, cluster: str) -> ClusterView:
        return next(v for v in self.views if v.name == cluster)

    def spec_at(self, *path) -> Location | None:
        return self.doc.locate(path) if self.doc is not None and path else None

    def team_spec(self, namespace: str, *rest) -> Location | None:
        pair = self.intents.namespaces.get(namespace)
        if pair is None:
            return None
        team, env = pair
        i = next(i for i, t in enumerate(self.platform.teams) if t is team)
        return self.spec_at("teams", i, *rest) if rest else self.spec_at("teams", i, "quotas", env.name)

    def model_spec(self, name: str, *rest) -> Location | None:
        i = next((i for i, m in enumerate(self.platform.models) if m.name == name), None)
        return None if i is None else self.spec_at("models", i, *rest)

    def pool_spec(self, name: str) -> Location | None:
        i = next((i for i, p in enumerate(self.platform.gpu_pools) if p.name == name), None)
        return None if i is None else self.spec_at("gpuPools", i, "nodes")

    def all_objects(self) -> list[Obj]:
        return [o for v in self.views for o in v.objects]
