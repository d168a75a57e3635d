"""`mlopsgen lint` against the parse floor and against yamllint, as ratios of CPU time (user + system).

The floor is a fresh Python process that only loads the same files with PyYAML's C loader (YAML 1.1's `=`
read as a string, as Kubernetes does): what any Python linter of these files pays at least. Each case runs
interleaved with its floor or peer, ROUNDS rounds after a warm-up; the ratio printed is the median of the
per-round ratios, with the lowest and highest beside it.

1. A synthetic tree of 10,000 objects with no finding, and the same with thousands of findings (a first
   lint of a repository): target <= 1.0x the floor.
2. Real public repositories (--repos DIR: one folder per repository, e.g. checkouts of kubeflow/manifests,
   kserve/kserve, ray-project/kuberay), each a cold lint: target <= 1.5x the floor in total.
3. A cold lint of the quickstart spec against a cold yamllint of it: target <= 1.0x.

Run: python bench/lint_floor.py [--repos DIR] [--rounds N] [--json FILE]; `make bench` runs it.
The committed baseline (bench/baseline/lint_floor.json) is this script's --json output on the 2-core
machines the README's figures come from.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lint import PARSE_FLOOR, synthetic_repo
from timing import compile_package, cpu_alternating, ratio, table

ROOT = Path(__file__).resolve().parent.parent
MLOPSGEN = str(Path(sys.executable).parent / "mlopsgen")
YAMLLINT = ROOT / ".venv-tools" / "bin" / "yamllint"
ROUNDS = 7


def against_floor(label: str, target: Path, rounds: int) -> dict:
    ours, floor = cpu_alternating([[MLOPSGEN, "lint", str(target)], [sys.executable, "-c", PARSE_FLOOR, str(target)]], rounds)
    return {"case": label, "ours": ours, "peer": floor, "peer_name": "parse floor"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=Path, help="a folder of repository checkouts, one per subfolder")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--json", type=Path, help="also write the samples as JSON (the baseline's format)")
    args = parser.parse_args()
    compile_package(ROOT)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for findings in (False, True):
            tree = Path(tmp) / f"synthetic-{findings}"
            tree.mkdir()
            synthetic_repo(tree, findings=findings)
            label = "10,000 objects, " + ("thousands of findings" if findings else "no finding")
            results.append(against_floor(label, tree, args.rounds))
    if args.repos:
        repos = sorted(p for p in args.repos.iterdir() if p.is_dir())
        total = {"case": f"{len(repos)} real repositories, in total", "ours": [0.0] * args.rounds,
                 "peer": [0.0] * args.rounds, "peer_name": "parse floor"}
        for repo in repos:
            one = against_floor(f"  {repo.name}", repo, args.rounds)
            results.append(one)
            total["ours"] = [a + b for a, b in zip(total["ours"], one["ours"], strict=True)]
            total["peer"] = [a + b for a, b in zip(total["peer"], one["peer"], strict=True)]
        results.append(total)
    spec = ROOT / "examples" / "quickstart" / "platform.yaml"
    if YAMLLINT.exists():
        ours, peer = cpu_alternating([[MLOPSGEN, "lint", str(spec)], [str(YAMLLINT), str(spec)]], max(args.rounds, 15))
        results.append({"case": "quickstart spec, cold", "ours": ours, "peer": peer, "peer_name": "yamllint"})
    else:
        print(f"yamllint not found at {YAMLLINT} (make bench installs it): the spec case is left out")
    rows = []
    for result in results:
        median, low, high = ratio(result["ours"], result["peer"])
        ours, peer = statistics.median(result["ours"]), statistics.median(result["peer"])
        rows.append((result["case"], f"{ours:.3f}", f"{peer:.3f} ({result['peer_name']})", f"{median:.2f}x",
                     f"{low:.2f}-{high:.2f}x"))
    print(table(rows, ("case", "lint CPU s", "peer CPU s", "ratio", "spread")))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
