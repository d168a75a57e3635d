"""Render throughput at three spec sizes, without and with models, so growth is visible.

Times the pipeline in one process, median of 3 runs: "render" is load +
validate + model + render to text in memory; "write" is the atomic write of
that tree into an empty directory (mostly file-system time, noisy on shared
disks). Render is compared with the floor of merely serializing the same
objects with PyYAML's C dumper.
Targets: 50 teams x 4 environments in under 5 s; with models, time per object
at the largest size within 1.2x of the smallest.
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
from synthetic import synthetic_spec
from timing import table

from mlopsgen.render import render_spec
from mlopsgen.write import write_tree

SIZES = [(5, 4, 2), (20, 4, 4), (50, 4, 4)]
MODEL_SIZES = [(5, 4, 4, 20), (20, 4, 4, 20), (50, 4, 4, 20)]  # teams, environments, pools, models per team
KIND = re.compile(r"^kind: ", re.M)


def dump_floor(files: dict[str, str]) -> float:
    """Seconds PyYAML's C dumper needs to write the same objects (no rendering at all)."""
    objects = [d for rel, text in files.items() if rel.endswith(".yaml")
               for d in yaml.load_all(text, Loader=yaml.CSafeLoader) if isinstance(d, dict)]
    start = time.perf_counter()
    for obj in objects:
        yaml.dump(obj, Dumper=yaml.CSafeDumper, sort_keys=True)
    return time.perf_counter() - start


def measure(teams: int, environments: int, pools: int, models: int = 0) -> tuple[float, float, int, int, float]:
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "platform.yaml"
        spec.write_text(yaml.safe_dump(synthetic_spec(teams, environments, pools, models), sort_keys=False))
        renders, writes = [], []
        for run in range(3):
            start = time.perf_counter()
            files = render_spec(spec).files
            middle = time.perf_counter()
            write_tree(Path(tmp) / f"out{run}", files)
            renders.append(middle - start)
            writes.append(time.perf_counter() - middle)
        objects = sum(len(KIND.findall(text)) for rel, text in files.items() if not rel.endswith("kustomization.yaml"))
        return statistics.median(renders), statistics.median(writes), len(files), objects, dump_floor(files)


HEADERS = ("size", "render s", "write s", "files", "objects", "objects/s", "us/object", "C dumper s", "render/dumper")


def run(sizes) -> list[tuple]:
    rows = []
    for size in sizes:
        seconds, write, files, objects, floor = measure(*size)
        label = "x".join(map(str, size[:3])) + (f" +{size[3]} models/team" if len(size) > 3 else "")
        rows.append((label, f"{seconds:.3f}", f"{write:.3f}", files, objects, f"{objects / seconds:,.0f}",
                     f"{seconds / objects * 1e6:.0f}", f"{floor:.3f}", f"{seconds / floor:.2f}x"))
    return rows


def growth(rows) -> float:
    return float(rows[-1][6]) / float(rows[0][6])


def main() -> None:
    rows = run(SIZES)
    print("platform only (teams x environments x pools)")
    print(table(rows, HEADERS))
    print(f"time per object, largest vs smallest: {growth(rows):.2f}x")
    total = float(rows[-1][1]) + float(rows[-1][2])
    print(f"target: 50x4 rendered and written under 5 s ({total:.2f} s) -> {'met' if total < 5 else 'MISSED'}")
    print()
    model_rows = run(MODEL_SIZES)
    print("with models")
    print(table(model_rows, HEADERS))
    print(f"time per object, largest vs smallest: {growth(model_rows):.2f}x "
          f"-> {'met' if growth(model_rows) <= 1.2 else 'MISSED'} (target <= 1.2x)")


if __name__ == "__main__":
    main()
