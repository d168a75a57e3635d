"""Small helpers shared by the benchmarks: time commands, print aligned tables."""

from __future__ import annotations

import statistics
import subprocess
import time


def time_command(argv: list[str], runs: int = 7, cwd=None, ok_codes=(0,), timeout: float | None = None,
                 warm_up: bool = True) -> float:
    """Median wall time of a command over `runs` cold starts (a warm-up run discarded).

    With `timeout`, a run that does not finish returns float("inf").
    """
    samples = []
    for i in range(runs + (1 if warm_up else 0)):
        start = time.perf_counter()
        try:
            result = subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=timeout)
        except subprocess.TimeoutExpired:
            return float("inf")
        elapsed = time.perf_counter() - start
        if result.returncode not in ok_codes:
            raise SystemExit(f"{' '.join(map(str, argv))} failed ({result.returncode}): {result.stderr.decode()[-500:]}")
        if i or not warm_up:
            samples.append(elapsed)
    return statistics.median(samples)


def time_alternating(commands: list[list[str]], runs: int = 11, ok_codes=(0, 1)) -> list[float]:
    """Median times of several commands run in turn (A, B, A, B, ...), so drift in machine load hits all alike."""
    samples: list[list[float]] = [[] for _ in commands]
    for i in range(runs + 1):
        for j, argv in enumerate(commands):
            start = time.perf_counter()
            result = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            if result.returncode not in ok_codes:
                raise SystemExit(f"{' '.join(map(str, argv))} failed ({result.returncode}): {result.stderr.decode()[-500:]}")
            if i:
                samples[j].append(time.perf_counter() - start)
    return [statistics.median(s) for s in samples]


def compile_package(root) -> None:
    """Byte-compile mlopsgen as an installed wheel would be, so timings measure running, not compiling
    (some environments set PYTHONDONTWRITEBYTECODE, which leaves a source checkout uncompiled)."""
    import compileall

    compileall.compile_dir(str(root / "mlopsgen"), quiet=1)


def table(rows: list[tuple], headers: tuple) -> str:
    cells = [tuple(str(c) for c in headers)] + [tuple(str(c) for c in row) for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def cpu_alternating(commands: list[list[str]], rounds: int = 7, ok_codes=(0, 1)) -> list[list[float]]:
    """CPU seconds (user + system) of each command per round, run in turn (A, B, A, B, ...) so drift in
    machine load hits all alike; one warm-up round is discarded."""
    import os

    samples: list[list[float]] = [[] for _ in commands]
    for i in range(rounds + 1):
        for j, argv in enumerate(commands):
            process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _, status, usage = os.wait4(process.pid, 0)
            code = os.waitstatus_to_exitcode(status)
            if code not in ok_codes:
                raise SystemExit(f"{' '.join(map(str, argv))} failed ({code})")
            if i:
                samples[j].append(usage.ru_utime + usage.ru_stime)
    return samples


def ratio(ours: list[float], peer: list[float]) -> tuple[float, float, float]:
    """Median of the per-round ratios, with the lowest and highest (the spread)."""
    ratios = sorted(a / b for a, b in zip(ours, peer, strict=True))
    return statistics.median(ratios), ratios[0], ratios[-1]
