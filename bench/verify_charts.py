"""verify of both examples with every chart rendered by helm: cold (empty cache) and warm, side by side with
verify of a tree that renders no chart (a baseline revision, before verify rendered charts).

Each example is rendered by this tree and by the baseline's code; the baseline's verify, this tree's warm
verify (cache filled) and this tree's verify without charts (no helm: the cost of everything but the
charts) run in turn, so drift in machine load hits all alike; cold runs each start from an empty cache.
Target: warm at most 1.5x the baseline. Needs helm (make installs it) and ../shared/charts-src.
Run: python bench/verify_charts.py  (MLOPSGEN_BENCH_BASE=<revision> picks the baseline; default e326849)
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import compile_package, table, time_alternating

ROOT = Path(__file__).resolve().parent.parent
BASE = os.environ.get("MLOPSGEN_BENCH_BASE", "e326849")
CHARTS = ROOT.parent / "shared" / "charts-src"
HELM = ROOT / ".venv-tools" / "bin" / "helm"
TARGET = 1.5


def mlopsgen(code: Path) -> list[str]:
    return ["env", f"PYTHONPATH={code}", sys.executable, "-m", "mlopsgen"]


def main() -> None:
    if not HELM.is_file() or not CHARTS.is_dir():
        raise SystemExit(f"needs {HELM} (make installs it) and {CHARTS}")
    compile_package(ROOT)
    rows, worst = [], 0.0
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(base), BASE], check=True)
        try:
            compile_package(base)
            for example in ("quickstart", "multicloud"):
                spec = ROOT / "examples" / example / "platform.yaml"
                new_tree, old_tree, cache = Path(tmp) / f"new-{example}", Path(tmp) / f"old-{example}", Path(tmp) / "cache"
                for code, tree in ((ROOT, new_tree), (base, old_tree)):
                    subprocess.run([*mlopsgen(code), "render", str(spec), "-o", str(tree), "-q"], check=True)
                charts = ["--helm", str(HELM), "--charts", str(CHARTS)]
                cold = []
                for _ in range(3):
                    shutil.rmtree(cache, ignore_errors=True)
                    start = time.perf_counter()
                    subprocess.run([*mlopsgen(ROOT), "verify", str(spec), str(new_tree), *charts, "--cache-dir", str(cache)],
                                   check=True, stdout=subprocess.DEVNULL)
                    cold.append(time.perf_counter() - start)
                old, warm, unseen = time_alternating([
                    [*mlopsgen(base), "verify", str(spec), str(old_tree)],
                    [*mlopsgen(ROOT), "verify", str(spec), str(new_tree), *charts, "--cache-dir", str(cache)],
                    ["env", "MLOPSGEN_HELM=/nonexistent", "PATH=/usr/bin:/bin", *mlopsgen(ROOT)[1:], "verify", str(spec),
                     str(new_tree), "--cache-dir", str(Path(tmp) / "none")],
                ], runs=11, ok_codes=(0, 4))
                worst = max(worst, warm / old)
                rows.append((example, f"{old:.2f}", f"{statistics.median(cold):.2f}", f"{warm:.2f}", f"{warm / old:.2f}x",
                             f"{unseen:.2f}"))
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)], check=False)
    print(table(rows, ("example", f"baseline {BASE} s", "cold s", "warm s", "warm/baseline", "charts unseen s")))
    print(f"target: warm at most {TARGET}x the baseline; worst {worst:.2f}x")
    if worst > TARGET:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
