"""Overhead of `pytest --vpt` against plain pytest and `pytest --junitxml`, side by side.

Generates 5,000 trivial tests and runs the three commands back to back, several times, in
a rotating order; prints each one's median wall time and the median of its per-repetition
ratios to plain (pairing keeps a shared machine's changing load out of the ratio). Then runs 100,000 tests plain and with --vpt and
prints the peak memory (max RSS; for --vpt, pytest's plus its recorder process's) of each. The last line is the median wall-time ratio of
--vpt to plain (goal: <= 1.03).

    python benchmarks/overhead.py [--tests 5000] [--repeat 7] [--memory-tests 100000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

PER_FILE = 500


def make_suite(root: Path, count: int) -> Path:
    suite = root / f"suite_{count}"
    suite.mkdir()
    (suite / "pytest.ini").write_text("[pytest]\n")
    for start in range(0, count, PER_FILE):
        body = "\n".join(f"def test_{i}():\n    assert {i} == {i}\n" for i in range(start, min(start + PER_FILE, count)))
        (suite / f"test_gen_{start // PER_FILE:04d}.py").write_text(body)
    return suite


def recorder_peak_rss(parent: int, done: threading.Event, peak: list[int]) -> None:
    """Poll /proc for the recorder process that pytest ``parent`` starts; keep its peak RSS (KiB)."""
    while not done.wait(0.05):
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                text = status.read_text()
                cmdline = (status.parent / "cmdline").read_bytes()
            except OSError:
                continue
            if f"\nPPid:\t{parent}\n" in text and b"pytest_vpt.recording.process" in cmdline:
                for line in text.splitlines():
                    if line.startswith("VmHWM:"):
                        peak[0] = max(peak[0], int(line.split()[1]))


def run(suite: Path, args: list[str], watch_recorder: bool = False) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and peak RSS (KiB) of one pytest run (plus its recorder's)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VPT_", "PYTEST_ADDOPTS"))}
    command = [sys.executable, "-m", "pytest", "-q", *args]
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=suite, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    done, recorder_rss = threading.Event(), [0]
    if watch_recorder:
        watcher = threading.Thread(target=recorder_peak_rss, args=(proc.pid, done, recorder_rss))
        watcher.start()
    _, status, usage = os.wait4(proc.pid, 0)
    done.set()
    if watch_recorder:
        watcher.join()
    elapsed = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({proc.returncode}): {proc.stderr.read().decode()[-2000:]}")
    proc.stderr.close()
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss + recorder_rss[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=11)
    parser.add_argument("--memory-tests", type=int, default=100_000, help="0 to skip the memory measurement")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="vpt-bench-") as tmp:
        root = Path(tmp)
        suite = make_suite(root, options.tests)
        variants = {
            "plain": [],
            "--junitxml": ["--junitxml", str(root / "junit.xml")],
            "--vpt": ["--vpt", "--vpt-store", f"sqlite:///{root}/vpt.db"],
        }
        for args in variants.values():  # warm-up: bytecode caches, page cache, the store's schema
            run(suite, args)
        times: dict[str, list[float]] = {name: [] for name in variants}
        cpu: dict[str, list[float]] = {name: [] for name in variants}
        names = list(variants)
        for repetition in range(options.repeat):
            # Each repetition runs the three back to back, in a rotating order, so a change in
            # the machine's load hits all three alike; ratios are taken within a repetition.
            order = names[repetition % 3:] + names[: repetition % 3]
            for name in order:
                wall, used, _ = run(suite, variants[name])
                times[name].append(wall)
                cpu[name].append(used)
        paired = {name: statistics.median(t / p for t, p in zip(times[name], times["plain"])) for name in names}
        medians = {name: statistics.median(values) for name, values in times.items()}
        fastest = {name: min(values) for name, values in times.items()}
        cpu_medians = {name: statistics.median(values) for name, values in cpu.items()}
        print(f"{options.tests} trivial tests, {options.repeat} repetitions (ratio: median of the "
              "per-repetition ratios to plain):")
        print(f"  {'command':18s} {'median wall':>11s} {'ratio':>6s} {'fastest':>8s} {'ratio':>6s} {'median CPU':>10s} {'ratio':>6s}")
        for name in variants:
            print(
                f"  pytest {name:11s} {medians[name]:10.3f}s {paired[name]:6.3f} "
                f"{fastest[name]:7.3f}s {fastest[name] / fastest['plain']:6.3f} "
                f"{cpu_medians[name]:9.3f}s {cpu_medians[name] / cpu_medians['plain']:6.3f}"
            )

        if options.memory_tests:
            big = make_suite(root, options.memory_tests)
            plain_rss = run(big, [])[2]
            vpt_rss = run(big, ["--vpt", "--vpt-store", f"sqlite:///{root}/big.db"], watch_recorder=True)[2]
            print(f"peak memory, {options.memory_tests} tests: plain {plain_rss / 1024:.1f} MB, "
                  f"--vpt {vpt_rss / 1024:.1f} MB (pytest and its recorder process), "
                  f"difference {(vpt_rss - plain_rss) / 1024:+.1f} MB")
        print(f"wall-time ratio --vpt/plain: {paired['--vpt']:.3f}")


if __name__ == "__main__":
    main()
