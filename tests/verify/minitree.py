"""Small hand-made trees for unit tests of each check: one cluster, one team, one environment.

    tree = MiniTree(tmp_path)
    tree.team([namespace(), workflow_template()])       # manifests of the team app (namespace fraud-dev)
    tree.app(chart_app("argo-workflows", values={...}))  # more Applications beside it
    ctx = tree.context()
"""

from __future__ import annotations

import copy
from pathlib import Path

import yaml

from mlopsgen.catalog.components import COMPONENTS
from mlopsgen.commands.verify import load_context
from mlopsgen.verify.context import Context

SERVER = "https://api.main.k8s.example.com"
REPO = "https://git.example.com/gitops.git"
NAMESPACE = "fraud-dev"
RESTRICTED_CONTAINER = {"allowPrivilegeEscalation": False, "runAsNonRoot": True, "capabilities": {"drop": ["ALL"]}}
SPEC = {
    "apiVersion": "mlopsgen.dev/v1alpha1", "kind": "Platform", "metadata": {"name": "mini"},
    "gitops": {"repoURL": REPO, "path": "deploy"},
    "clusters": [{"name": "main", "server": SERVER, "role": "shared", "apiServer": {"cidrs": ["10.0.16.0/28"]}},
                 {"name": "other", "server": "https://api.other.example.com", "role": "training"}],
    "environments": [{"name": "dev", "cluster": "main"}],
    "gpuPools": [{"name": "a10", "cluster": "main", "gpuType": "nvidia-a10g", "gpusPerNode": 4, "nodes": 1}],
    "services": [{"name": "mlflow", "kind": "tracking", "host": "mlflow.mlflow.svc.cluster.local", "port": 5000, "cluster": "main"}],
    "teams": [{"name": "fraud", "owners": ["g"], "gpuPools": ["a10"], "quotas": {"dev": {"cpu": 4, "memory": "8Gi", "gpu": 4}}}],
    "models": [],
}


def app(name: str, *, project: str = "default", path: str | None = None, server: str = SERVER, namespace: str = NAMESPACE,
        wave: int | None = None, chart: tuple[str, str] | None = None, values: dict | None = None) -> dict:
    source: dict = {"repoURL": REPO, "targetRevision": "main", "path": f"deploy/{path}"} if path else {
        "repoURL": chart[0] if chart else "", "chart": chart[1] if chart else "", "targetRevision": "1.0.0",
        "helm": {"valuesObject": values or {}}}
    meta: dict = {"name": name, "namespace": "argocd"}
    if wave is not None:
        meta["annotations"] = {"argocd.argoproj.io/sync-wave": str(wave)}
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": meta,
            "spec": {"project": project, "source": source, "destination": {"server": server, "namespace": namespace},
                     "syncPolicy": {"automated": {}, "retry": {"limit": 5}}}}


def component_app(component: str, wave: int | None = None, values: dict | None = None) -> dict:
    c = COMPONENTS[component]
    assert c.chart is not None
    return app(f"main-{component}", namespace=c.namespace, wave=c.wave if wave is None else wave,
               chart=(c.chart.repo_url, c.chart.name), values=values)


def namespace(level: str = "restricted", injection: bool = False) -> dict:
    labels = {"pod-security.kubernetes.io/enforce": level}
    if injection:
        labels["istio-injection"] = "enabled"
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE, "labels": labels}}


def workflow_template(name: str = "training", gpus: int = 0, node_selector: dict | None = None, env: list | None = None) -> dict:
    resources: dict = {"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "1Gi"}}
    if gpus:
        resources["requests"]["nvidia.com/gpu"] = resources["limits"]["nvidia.com/gpu"] = str(gpus)
    template: dict = {"name": name, "metadata": {"labels": {"mlopsgen.dev/network-mode": "internal"}},
                      "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
                      "container": {"image": "i", "resources": resources, "securityContext": dict(RESTRICTED_CONTAINER),
                                    "env": env or []}}
    if node_selector is not None:
        template["nodeSelector"] = node_selector
    if gpus:
        template["tolerations"] = [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "WorkflowTemplate", "metadata": {"name": name},
            "spec": {"entrypoint": name, "serviceAccountName": "training", "automountServiceAccountToken": False,
                     "templates": [template]}}


HARDENED_EXECUTOR = {"executor": {"securityContext": dict(RESTRICTED_CONTAINER)}}


class MiniTree:
    def __init__(self, root: Path, spec: dict | None = None):
        self.root = root
        self.spec = copy.deepcopy(spec or SPEC)
        self.apps: list[dict] = [app("fraud-dev", path="team")]
        self.files: dict[str, list[dict]] = {"team/manifests.yaml": []}
        self.root_project = "default"

    def team(self, docs: list[dict]) -> MiniTree:
        self.files["team/manifests.yaml"] += docs
        return self

    def add(self, rel: str, docs: list[dict]) -> MiniTree:
        self.files.setdefault(rel, []).extend(docs)
        return self

    def app(self, *apps: dict) -> MiniTree:
        self.apps += apps
        return self

    def write(self) -> tuple[Path, Path]:
        self.root.mkdir(parents=True, exist_ok=True)
        spec = self.root / "platform.yaml"
        spec.write_text(yaml.safe_dump(self.spec, sort_keys=False))
        tree = self.root / "deploy"
        files = dict(self.files)
        root_app = app("root", project=self.root_project, path="argocd/apps", server="https://kubernetes.default.svc",
                       namespace="argocd")
        files["argocd/root.yaml"] = [root_app]
        for a in self.apps:
            files[f"argocd/apps/{a['metadata']['name']}.yaml"] = [a]
        for rel, docs in files.items():
            (tree / rel).parent.mkdir(parents=True, exist_ok=True)
            (tree / rel).write_text(yaml.safe_dump_all(docs, sort_keys=False))
        return spec, tree

    def context(self) -> Context:
        spec, tree = self.write()
        return load_context(str(spec), str(tree))
