"""validate, render's tree linted, and verify of a 50-team platform: this tree against an earlier revision.

Each tree renders the synthetic platform (50 teams x 4 environments, a model each) as its own
bench/synthetic.py writes it (a spec either version accepts; later versions may require fields earlier
ones did not know) with its own code; then each command runs in a cold process of each tree in turn (this, then the other, ROUNDS rounds
after a warm-up) and the CPU time (user + system) of each pair gives a ratio. Printed: the median of the
per-round ratios with the lowest and highest; below 1.0 this tree is faster. verify runs without helm in
both (the charts unseen), so it times the tree's own journeys, not helm.

Run: python bench/against.py REV [--rounds N]   (REV: any revision git knows, e.g. a commit before a change)
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import cpu_alternating, ratio, table

ROOT = Path(__file__).resolve().parent.parent
SPEC = ("import sys, yaml; from synthetic import synthetic_spec; "
        "open(sys.argv[1], 'w').write(yaml.safe_dump(synthetic_spec(50, 4, 4, models_per_team=1), sort_keys=False))")


def _mlopsgen(tree: Path, *args: str) -> list[str]:
    # `env` execs the interpreter, so the CPU time waited for is the command's own; it starts in the tree, as
    # `python -m` puts the working directory first on the import path.
    return ["env", "-C", str(tree), f"PYTHONPATH={tree}", "PATH=/usr/bin:/bin", sys.executable, "-m", "mlopsgen", *args]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revision")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        other = work / "other"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(other), "--", args.revision], check=True)
        try:
            trees = {"this": ROOT, "other": other}
            for name, tree in trees.items():
                spec = work / f"{name}.yaml"
                subprocess.run([sys.executable, "-c", SPEC, str(spec)], cwd=tree / "bench", check=True)
                done = subprocess.run(_mlopsgen(tree, "render", str(spec), "-o", str(work / f"out-{name}")),
                                      capture_output=True, text=True)
                if done.returncode:
                    raise SystemExit(f"render with {name} ({tree}) failed:\n{done.stderr}")
            rows = []
            for label, command in (("validate", lambda n: ("validate", str(work / f"{n}.yaml"))),
                                   ("lint of the tree", lambda n: ("lint", str(work / f"out-{n}"), "--format", "json")),
                                   ("verify", lambda n: ("verify", str(work / f"{n}.yaml"), str(work / f"out-{n}")))):
                ours, theirs = cpu_alternating([_mlopsgen(ROOT, *command("this")), _mlopsgen(other, *command("other"))],
                                               rounds=args.rounds, ok_codes=(0, 1, 4))
                median, low, high = ratio(ours, theirs)
                rows.append((label, f"{sorted(theirs)[len(theirs) // 2]:.2f} s", f"{sorted(ours)[len(ours) // 2]:.2f} s",
                             f"{median:.2f}x ({low:.2f}-{high:.2f})"))
            print(table(rows, ("50 teams x 4 environments", args.revision, "this tree", "ratio")))
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(other)], check=False)


if __name__ == "__main__":
    main()
