"""verify of a synthetic 50 teams x 4 environments tree, against network-config-analyzer on the same policies.

Renders the spec once, then times cold `mlopsgen verify SPEC TREE` processes
(every journey: the tree read and assembled, both network layers, all
platform checks) and cold `nca --connectivity` runs on the same tree's
NetworkPolicies and the pods verify derives from it (nca reads no
WorkflowTemplates or InferenceServices, so it is given them as Pods).
Targets: under 5 s, and at least 10x faster than nca.
Run: python bench/verify.py
"""

from __future__ import annotations

import gc
import shutil
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from synthetic import synthetic_spec
from timing import compile_package, table, time_command

from mlopsgen.commands.verify import load_context
from mlopsgen.render import render_spec
from mlopsgen.verify import verify

ROOT = Path(__file__).resolve().parent.parent
SIZES = [(5, 4, 2), (20, 4, 4), (50, 4, 4)]


def nca_inputs(ctx, directory: Path) -> tuple[Path, Path]:
    policies, resources = directory / "nca-policies", directory / "nca-resources"
    policies.mkdir()
    resources.mkdir()
    docs = [o.data for v in ctx.views for o in v.objects if o.kind == "NetworkPolicy"]
    (policies / "policies.yaml").write_text(yaml.safe_dump_all(docs))
    endpoints = [e for net in ctx.networks.values() for e in net.endpoints if e.namespace and not e.host_network]
    out: list[dict] = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n, "labels": {"kubernetes.io/metadata.name": n}}}
                       for n in sorted({e.namespace for e in endpoints if e.namespace})]
    seen = set()
    for e in endpoints:
        name = e.label.rsplit("/", 1)[-1].replace("/", "-")
        if (e.namespace, name) in seen:
            continue
        seen.add((e.namespace, name))
        out.append({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": e.namespace, "labels": e.labels},
                    "spec": {"containers": [{"name": "c", "image": "i", "ports": e.ports}]}})
    (resources / "resources.yaml").write_text(yaml.safe_dump_all(out))
    return policies, resources


def measure(teams: int, environments: int, pools: int) -> tuple:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        spec = base / "platform.yaml"
        spec.write_text(yaml.safe_dump(synthetic_spec(teams, environments, pools), sort_keys=False))
        rendered = render_spec(spec)
        tree = Path(rendered.default_output.anchor, *rendered.default_output.parts)
        for rel, text in rendered.files.items():
            (tree / rel).parent.mkdir(parents=True, exist_ok=True)
            (tree / rel).write_text(text)
        gc.disable()  # as the command runs (commands/verify.py)
        start = time.perf_counter()
        ctx = load_context(str(spec), str(tree))
        report = verify(ctx)
        in_process = time.perf_counter() - start
        gc.enable()
        pods = sum(len(p) for p in ctx.pods.values())
        policies, resources = nca_inputs(ctx, base)
        mlopsgen = str(Path(sys.executable).parent / "mlopsgen")
        cold = time_command([mlopsgen, "verify", str(spec), str(tree), "--format", "json"], runs=3, ok_codes=(0, 1))
        nca = shutil.which("nca") or str(Path(sys.executable).parent / "nca")
        nca_time = time_command([nca, "--connectivity", str(policies), "--resource_list", str(resources), "--output_format", "json"],
                                runs=1, ok_codes=(0, 1, 2, 3, 4, 5, 6, 7), warm_up=False, timeout=900)
        return (f"{teams}x{environments}", len(rendered.files), pods, report.required, report.forbidden_pairs,
                f"{in_process:.2f}", f"{cold:.2f}", f"{nca_time:.2f}", f"{nca_time / cold:.1f}x")


def main() -> None:
    compile_package(ROOT)
    rows = [measure(*size) for size in SIZES]
    print(table(rows, ("size", "files", "pods", "required flows", "connections", "verify in-process s", "verify cold s",
                       "nca s", "nca / verify")))
    cold, ratio = float(rows[-1][6]), float(rows[-1][8].rstrip("x"))
    print(f"target: 50x4 under 5 s ({cold:.2f} s) -> {'met' if cold < 5 else 'MISSED'}; "
          f"at least 10x faster than nca ({ratio:.1f}x) -> {'met' if ratio >= 10 else 'MISSED'}")


if __name__ == "__main__":
    main()
