"""`mlopsgen lint` against the tools a user would otherwise run, all cold starts.

1. The quickstart spec: mlopsgen lint vs yamllint (target: <= 1.5x, under 0.25 s).
2. A rendered tree (multicloud example), a synthetic repository of 10,000
   small objects, and a repository in the shape of Kubeflow's manifests
   (bench/kubeflow_shape.py: Kustomize bases, overlays, patches and components,
   upstream-size CRDs, a Helm chart with templates): mlopsgen lint vs yamllint,
   vs checkov --framework kubernetes, and vs the floor, PyYAML's C loader merely
   parsing the same files (targets: <= 2x the floor, >= 20x faster than checkov).
yamllint and checkov come from .venv-tools (make bench installs them). A
checkov run that has not finished after CHECKOV_TIMEOUT seconds is stopped and
reported as a lower bound.
Run: python bench/lint.py [--skip-checkov]
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from kubeflow_shape import kubeflow_shape
from timing import compile_package, table, time_alternating, time_command

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / ".venv-tools" / "bin"
MLOPSGEN = Path(sys.executable).parent / "mlopsgen"
FINDINGS = (0, 1)
CHECKOV_TIMEOUT = 600  # lint exits 1 when it finds something; both are normal runs
# The floor reads what lint reads as Kubernetes does (YAML 1.1's `=` is a string, as in upstream CRDs) and
# stops at a template's first syntax error, as lint does.
PARSE_FLOOR = ("import sys, pathlib, yaml\n"
               "class Loader(yaml.CSafeLoader): pass\n"
               "Loader.add_constructor('tag:yaml.org,2002:value', lambda loader, node: loader.construct_scalar(node))\n"
               "for p in sorted(pathlib.Path(sys.argv[1]).rglob('*.y*ml')):\n"
               "    try: list(yaml.load_all(p.read_text(), Loader=Loader))\n"
               "    except yaml.YAMLError: pass\n")

DEPLOYMENT = """---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{i}
  namespace: team-{ns}
  labels: {{app: app-{i}, app.kubernetes.io/version: "1.4.{i}"}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: app-{i}}}}}
  template:
    metadata:
      labels: {{app: app-{i}}}
    spec:
      containers:
        - name: main
          image: registry.example.com/team-{ns}/app-{i}:1.4.{i}
          env:
            - {{name: TRACKING_URI, value: "http://mlflow.mlflow.svc.cluster.local:5000"}}
          resources:
            requests: {{cpu: 100m, memory: 128Mi}}
            limits: {{cpu: 500m, memory: 256Mi}}
"""
POLICY = """---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: default-deny-all, namespace: team-{ns}}}
spec:
  podSelector: {{}}
  policyTypes: [Ingress, Egress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: allow-dns, namespace: team-{ns}}}
spec:
  podSelector: {{}}
  policyTypes: [Egress]
  egress:
    - to: [{{namespaceSelector: {{matchLabels: {{kubernetes.io/metadata.name: kube-system}}}}}}]
      ports: [{{port: 53, protocol: UDP}}, {{port: 53, protocol: TCP}}]
"""


def synthetic_repo(directory: Path, objects: int = 10_000, per_file: int = 20, findings: bool = False) -> int:
    """Deployments, 20 to a file, in 50 namespaces. Without findings each namespace has its policies; with
    findings (a first lint of a repository) none has, and every other Deployment runs a `:latest` image on
    the host network."""
    written = 0
    for f in range(objects // per_file):
        ns = f % 50
        text = ""
        for i in range(per_file):
            deployment = DEPLOYMENT.format(i=f * per_file + i, ns=ns)
            if findings and i % 2:
                deployment = deployment.replace(":1.4.", ":latest # 1.4.").replace("    spec:\n", "    spec:\n      hostNetwork: true\n", 1)
            text += deployment
        if f < 50 and not findings:
            text += POLICY.format(ns=ns)
        (directory / f"app-{f:04d}.yaml").write_text(text)
        written += per_file
    return written


def compare(label: str, target: Path, checkov: bool) -> list[tuple]:
    floor = time_command([sys.executable, "-c", PARSE_FLOOR, str(target)], runs=3)
    ours = time_command([str(MLOPSGEN), "lint", str(target)], runs=3, ok_codes=FINDINGS)
    rows = [(label, "PyYAML C loader parse (floor)", f"{floor:.3f}", "1.00x"),
            (label, "mlopsgen lint", f"{ours:.3f}", f"{ours / floor:.2f}x")]
    if (TOOLS / "yamllint").exists():
        yamllint = time_command([str(TOOLS / "yamllint"), "-d", "relaxed", str(target)], runs=1, ok_codes=(0, 1),
                                warm_up=False)
        rows.append((label, "yamllint", f"{yamllint:.3f}", f"{yamllint / floor:.2f}x"))
    if checkov and (TOOLS / "checkov").exists():
        seconds = time_command([str(TOOLS / "checkov"), "-d", str(target), "--framework", "kubernetes",
                                "--skip-download", "--quiet", "--compact"], runs=1, ok_codes=(0, 1),
                               timeout=CHECKOV_TIMEOUT, warm_up=False)
        if seconds == float("inf"):
            rows.append((label, "checkov --framework kubernetes", f"> {CHECKOV_TIMEOUT}",
                         f"stopped; mlopsgen > {CHECKOV_TIMEOUT / ours:.0f}x faster"))
        else:
            rows.append((label, "checkov --framework kubernetes", f"{seconds:.3f}",
                         f"{seconds / floor:.2f}x (mlopsgen {seconds / ours:.0f}x faster)"))
    return rows


def main() -> None:
    checkov = "--skip-checkov" not in sys.argv
    compile_package(ROOT)
    spec = ROOT / "examples" / "quickstart" / "platform.yaml"
    if (TOOLS / "yamllint").exists():
        ours, yamllint = time_alternating([[str(MLOPSGEN), "lint", str(spec)], [str(TOOLS / "yamllint"), str(spec)]], runs=15)
        rows = [("quickstart spec", "mlopsgen lint", f"{ours:.3f}", ""),
                ("quickstart spec", "yamllint", f"{yamllint:.3f}", f"mlopsgen/yamllint {ours / yamllint:.2f}x (target <= 1.5x)")]
    else:
        rows = [("quickstart spec", "mlopsgen lint", f"{time_command([str(MLOPSGEN), 'lint', str(spec)], runs=15):.3f}", "")]
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "tree"
        time_command([str(MLOPSGEN), "render", str(ROOT / "examples" / "multicloud" / "platform.yaml"), "-o", str(tree)], runs=1)
        rows += compare("multicloud rendered tree", tree, checkov)
        for objects in (1_000, 10_000):
            repo = Path(tmp) / f"repo-{objects}"
            repo.mkdir()
            count = synthetic_repo(repo, objects)
            rows += compare(f"synthetic repo, {count:,} objects", repo, checkov)
        shaped = Path(tmp) / "kubeflow-shape"
        counts = kubeflow_shape(shaped)
        rows += compare(f"Kubeflow-shaped repo, {counts['files']:,} files", shaped, checkov)
        if shutil.which("kubectl"):  # each Kustomize root built by kubectl, as `lint --kustomize` does
            built = time_command([str(MLOPSGEN), "lint", "--kustomize", str(shaped)], runs=1, ok_codes=FINDINGS)
            rows.append((f"Kubeflow-shaped repo, {counts['files']:,} files", "mlopsgen lint --kustomize", f"{built:.3f}",
                         "builds every overlay with kubectl"))
    print(table(rows, ("input", "command (cold)", "seconds", "ratio")))


if __name__ == "__main__":
    main()
