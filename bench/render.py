"""Render throughput at three spec sizes, so growth is visible.

Times the whole pipeline in one process (load + validate + model + render +
atomic write into an empty directory), median of 3 runs. Target: 50 teams x 4
environments in under 5 s, with time per object roughly constant.
Run: python bench/render.py
"""

from __future__ import annotations

import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from synthetic import synthetic_spec  # noqa: E402
from timing import table  # noqa: E402

from mlopsgen.commands.render import render_files  # noqa: E402
from mlopsgen.write import write_tree  # noqa: E402

SIZES = [(5, 4, 2), (20, 4, 4), (50, 4, 4)]
KIND = re.compile(r"^kind: ", re.M)


def measure(teams: int, environments: int, pools: int, models: int = 0) -> tuple[float, int, int]:
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "platform.yaml"
        spec.write_text(yaml.safe_dump(synthetic_spec(teams, environments, pools, models), sort_keys=False))
        samples = []
        for run in range(3):
            start = time.perf_counter()
            files, _ = render_files(str(spec))
            write_tree(Path(tmp) / f"out{run}", files)
            samples.append(time.perf_counter() - start)
        objects = sum(len(KIND.findall(text)) for rel, text in files.items() if not rel.endswith("kustomization.yaml"))
        return statistics.median(samples), len(files), objects


def run(sizes, models: int = 0) -> list[tuple]:
    rows = []
    for teams, environments, pools in sizes:
        seconds, files, objects = measure(teams, environments, pools, models)
        rows.append((f"{teams}x{environments}x{pools}" + (f"x{models}m" if models else ""), f"{seconds:.3f}", files,
                     objects, f"{objects / seconds:,.0f}", f"{seconds / objects * 1e6:.0f}"))
    return rows


def main() -> None:
    rows = run(SIZES)
    print(table(rows, ("teams x envs x pools", "seconds", "files", "objects", "objects/s", "us/object")))
    smallest, largest = float(rows[0][5]), float(rows[-1][5])
    print(f"time per object, largest vs smallest: {largest / smallest:.2f}x")
    print(f"target: 50x4 under 5 s -> {'met' if float(rows[-1][1]) < 5 else 'MISSED'}")


if __name__ == "__main__":
    main()
