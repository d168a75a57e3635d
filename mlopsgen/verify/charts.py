"""Chart Applications' objects as helm renders them (helm.py), joined to the apps that install them.

What the repo server asks helm, per app: its release, the destination namespace (or helm.namespace), the
values files and inline values in order, and the cluster's kube version and API versions. A live cluster
reports every API its CRDs serve; here that is every CRD the tree installs on the cluster, and the groups
of the components the spec says the cluster provides. So, when cold, the charts that may install CRDs are
rendered once to learn them, then every chart with them (and a second time, to see that it renders the same);
all of it is cached, and a warm run renders nothing.

Argo CD's reading of what helm writes, followed here: objects without a namespace land in the
destination's (when namespaced); Helm hooks `pre-install`/`pre-upgrade` run as PreSync, `post-*` as
PostSync, test hooks are never applied (gitops-engine pkg/sync/hook/helm); CRDs come before the rest of
the app in the same sync.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mlopsgen.kube.manifest import ManifestFile
from mlopsgen.verify.argocd import App, ChartSource, Deployment
from mlopsgen.verify.helm import Renderer, RenderRequest, Unseen
from mlopsgen.verify.helm_output import Rendered
from mlopsgen.verify.tree import CLUSTER_SCOPED, Obj

HOOK = "helm.sh/hook"
# The Kubernetes version charts are rendered for where neither the app (helm.kubeVersion) nor --kube-version
# says: the oldest minor the tree's own objects need (ValidatingAdmissionPolicy GA, 1.30), at a current patch.
KUBE_VERSION = "1.33.0"


@dataclass(frozen=True)
class ChartOptions:
    """How verify gets charts: helm (None: not found), folders of charts at hand, the cache, pulling."""

    helm: str | None = None
    charts: tuple[Path, ...] = ()
    cache_dir: Path | None = None
    pull: bool = False
    kube_version: str = KUBE_VERSION
    jobs: int | None = field(default=None, compare=False)

    def renderer(self) -> Renderer:
        return Renderer(self.helm, list(self.charts), self.cache_dir, self.pull, self.jobs)


def chart_options(helm: str | None = None, charts: tuple[str, ...] = (), cache_dir: str | None = None, pull: bool = False,
                  kube_version: str | None = None) -> ChartOptions:
    """What is given, else the environment: MLOPSGEN_HELM (else helm on PATH), MLOPSGEN_CHARTS (folders separated
    by the path separator), MLOPSGEN_CACHE_DIR (else ~/.cache/mlopsgen/helm)."""
    import os

    from mlopsgen.verify.helm import default_cache_dir, find_helm

    folders = charts or tuple(p for p in os.environ.get("MLOPSGEN_CHARTS", "").split(os.pathsep) if p)
    cache = cache_dir or os.environ.get("MLOPSGEN_CACHE_DIR")
    return ChartOptions(find_helm(helm), tuple(Path(f) for f in folders), Path(cache) if cache else default_cache_dir(),
                        pull, kube_version or KUBE_VERSION)


def is_test_hook(data: dict) -> bool:
    hooks = str(((data.get("metadata") or {}).get("annotations") or {}).get(HOOK, ""))
    return bool(hooks) and all(h.strip().startswith("test") for h in hooks.split(","))


def _request(app: App, chart: ChartSource, kube_version: str, api_versions: tuple[str, ...]) -> RenderRequest:
    return RenderRequest(chart.chart, chart.version, chart.repo_url, chart.release, chart.namespace or app.namespace,
                         tuple(chart.value_texts), tuple(chart.parameters), chart.include_crds,
                         chart.kube_version or kube_version, tuple(chart.api_versions) or api_versions,
                         chart.skip_schema_validation)


def may_install_crds(chart: ChartSource) -> bool:
    """A chart the catalog knows installs CRDs only if its component provides kinds; any other chart may."""
    from mlopsgen.catalog.components import COMPONENTS

    known = [c for c in COMPONENTS.values() if c.chart is not None and c.chart.name == chart.chart]
    return not known or any(c.provides for c in known)


def served_versions(results: list[Rendered]) -> set[str]:
    """`group/version` and `group/version/Kind` of every CRD version the renders install and serve."""
    found = set()
    for rendered in results:
        for doc in rendered.documents:
            obj = doc["object"]
            if obj.get("kind") != "CustomResourceDefinition":
                continue
            spec = obj.get("spec") or {}
            kind = (spec.get("names") or {}).get("kind")
            for version in spec.get("versions") or []:
                if version.get("served", True):
                    found |= {f"{spec.get('group')}/{version.get('name')}", f"{spec.get('group')}/{version.get('name')}/{kind}"}
    return found


def render_charts(deployment: Deployment, renderer: Renderer, kube_version: str,
                  provided_api_versions: dict[str, tuple[str, ...]]) -> None:
    """Render every chart source of the tree and add its objects to its app; a chart that cannot be rendered
    keeps why (`ChartSource.unseen`), a render helm refuses keeps helm's error (`ChartSource.error`)."""
    pairs = [(app, chart) for app in deployment.apps.values() for chart in app.charts]
    if not pairs:
        return
    first = {(app.name, chart.index): _request(app, chart, kube_version, provided_api_versions.get(app.server, ()))
             for app, chart in pairs if may_install_crds(chart)}
    learned = renderer.render_all(list(first.values()), twice=False)
    by_server: dict[str, set[str]] = {}
    for app, chart in pairs:
        result = learned.get(first.get((app.name, chart.index)))  # type: ignore[arg-type]
        if isinstance(result, Rendered):
            by_server.setdefault(app.server, set()).update(served_versions([result]))
    final = {(app.name, chart.index): _request(app, chart, kube_version, tuple(sorted({
        *provided_api_versions.get(app.server, ()), *by_server.get(app.server, set())}))) for app, chart in pairs}
    results = renderer.render_all(list(final.values()))
    cluster_kinds = deployment.cluster_kinds = _cluster_scoped_kinds(results.values())
    for app, chart in pairs:
        _attach(app, chart, results[final[(app.name, chart.index)]], cluster_kinds)


def _cluster_scoped_kinds(results) -> frozenset[str]:
    kinds = set(CLUSTER_SCOPED)
    for rendered in results:
        if isinstance(rendered, Rendered):
            for doc in rendered.documents:
                spec = doc["object"].get("spec") or {}
                if doc["object"].get("kind") == "CustomResourceDefinition" and spec.get("scope") == "Cluster":
                    kinds.add(str((spec.get("names") or {}).get("kind")))
    return frozenset(kinds)


def _attach(app: App, chart: ChartSource, result: Rendered | Unseen, cluster_kinds: frozenset[str]) -> None:
    if isinstance(result, Unseen):
        chart.unseen = result.reason
        return
    if result.error:
        chart.error = result.error
        return
    chart.rendered = True
    chart.problems = result.problems
    chart.unstable = result.unstable
    namespace = chart.namespace or app.namespace
    anchor = (app.obj, chart.path())
    files: dict[str, ManifestFile] = {}
    for i, doc in enumerate(result.documents):
        data = doc["object"]
        if is_test_hook(data):
            continue
        source = doc["source"]
        file = files.setdefault(source, ManifestFile(Path(source), f"helm:{app.name}/{source}", "", []))
        if data.get("kind") not in cluster_kinds and not (data.get("metadata") or {}).get("namespace") and namespace:
            data.setdefault("metadata", {})["namespace"] = namespace
        obj = Obj(data, file, i, origin=f"chart {chart.label}, {source}", anchor=anchor)
        obj.size = int(doc["size"])
        app.objects.append(obj)
