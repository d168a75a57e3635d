"""Cold `mlopsgen validate` of the quickstart against a cold `python -c 'import yaml'`.

Target: under 0.3 s on a 2-core machine. Run: python bench/startup.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import compile_package, table, time_alternating

ROOT = Path(__file__).resolve().parent.parent
QUICKSTART = ROOT / "examples" / "quickstart" / "platform.yaml"


def main() -> None:
    compile_package(ROOT)
    baseline, validate = time_alternating(
        [[sys.executable, "-c", "import yaml"], [str(Path(sys.executable).parent / "mlopsgen"), "validate", str(QUICKSTART)]],
        runs=15, ok_codes=(0,))
    print(table(
        [
            ("python -c 'import yaml'", f"{baseline:.3f}", "1.00x"),
            ("mlopsgen validate quickstart", f"{validate:.3f}", f"{validate / baseline:.2f}x"),
        ],
        ("command (cold, median of 15)", "seconds", "vs baseline"),
    ))
    print(f"target: validate under 0.300 s -> {'met' if validate < 0.3 else 'MISSED'}")


if __name__ == "__main__":
    main()
