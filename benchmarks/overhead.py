"""Overhead of `pytest --vpt` against plain pytest and `pytest --junitxml`, side by side.

Generates 5,000 trivial tests and runs the commands back to back, several times, in a
rotating order: plain, --junitxml, --vpt, and plain and --vpt under pytest-xdist with `-n 2`
(every core busy), and the floor of any recorder: pytest with bare_recorder.py, which keeps
six values of each report and hands them to a child process that drops them, or writes them
with one statement into one SQLite table when pytest ends. Prints each one's median wall
time and CPU time (pytest's, its workers' and its recorder process's: the benchmark adopts
the recorder when pytest leaves it tidying up, and counts it to the end) and the median of
the per-repetition ratios to plain (pairing keeps a shared machine's changing load out of
the ratio). The package's bytecode is compiled first, as installing it leaves it; the
suite's files are compiled in every run, as in a fresh CI checkout. Then runs 100,000 tests
plain and with --vpt while a spinning child process keeps one core busy, and prints the peak
memory of each: max RSS; for --vpt, pytest's plus the peak private memory of its recorder
process (a forked recorder shares pytest's pages, counted in pytest's RSS; the sum of both
RSS, which counts those twice, is printed beside it).

Goals: wall, total CPU and `-n 2` wall ratios <= 1.03; memory < +50 MB. Before the goals'
figures, a line gives the floors' total CPU ratios. The last line is the median wall-time
ratio of --vpt to plain.

    python benchmarks/overhead.py [--tests 5000] [--repeat 11] [--memory-tests 100000]
"""

from __future__ import annotations

import argparse
import compileall
import ctypes
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest_vpt

PER_FILE = 500
HERE = Path(__file__).resolve().parent


def make_suite(root: Path, count: int) -> Path:
    suite = root / f"suite_{count}"
    suite.mkdir()
    (suite / "pytest.ini").write_text("[pytest]\n")
    for start in range(0, count, PER_FILE):
        body = "\n".join(f"def test_{i}():\n    assert {i} == {i}\n" for i in range(start, min(start + PER_FILE, count)))
        (suite / f"test_gen_{start // PER_FILE:04d}.py").write_text(body)
    return suite


def recorder_peak_memory(parent: int, done: threading.Event, peak: list[int]) -> None:
    """Poll /proc for the recorder process that pytest ``parent`` starts (adopted by this
    process once pytest has left); keep its peak RSS and the peak of its private memory
    (KiB). A forked recorder shares pytest's pages until one of them writes a page: those
    are in pytest's own peak RSS already, so what the recorder adds is its private memory."""
    while not done.wait(0.05):
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                text = status.read_text()
                cmdline = (status.parent / "cmdline").read_bytes()
                if not ((f"\nPPid:\t{parent}\n" in text or f"\nPPid:\t{os.getpid()}\n" in text)
                        and (b"pytest_vpt.recording.process" in cmdline or text.startswith("Name:\tvpt-recorder\n"))):
                    continue
                rollup = (status.parent / "smaps_rollup").read_text()
            except OSError:
                continue
            for line in text.splitlines():
                if line.startswith("VmHWM:"):
                    peak[0] = max(peak[0], int(line.split()[1]))
            private = sum(int(line.split()[1]) for line in rollup.splitlines()
                          if line.startswith(("Private_Clean:", "Private_Dirty:")))
            peak[1] = max(peak[1], private)


def adopt_orphans() -> None:
    """Become the parent of the processes pytest leaves behind (Linux), to count their CPU time."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def reap_children(keep: set[int]) -> float:
    """Wait for this process's children (but ``keep``); their CPU seconds."""
    used = 0.0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        pid = int(status.parent.name)
        if f"\nPPid:\t{os.getpid()}\n" in text and pid not in keep:
            try:
                _, _, usage = os.wait4(pid, 0)
            except ChildProcessError:
                continue
            used += usage.ru_utime + usage.ru_stime
    return used


def run(suite: Path, args: list[str], watch_recorder: bool = False,
        keep: set[int] = frozenset(), extra_env: dict[str, str] | None = None) -> tuple[float, float, int, int]:
    """Wall seconds, CPU seconds (with the recorder's), and peak memory (KiB) of one pytest
    run: pytest's peak RSS plus its recorder's private memory, and plus its recorder's RSS."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VPT_", "PYTEST_ADDOPTS"))} | (extra_env or {})
    command = [sys.executable, "-m", "pytest", "-q", *args]
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=suite, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    done, recorder = threading.Event(), [0, 0]
    if watch_recorder:
        watcher = threading.Thread(target=recorder_peak_memory, args=(proc.pid, done, recorder))
        watcher.start()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    used = usage.ru_utime + usage.ru_stime + reap_children(keep | {proc.pid})
    done.set()
    if watch_recorder:
        watcher.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({proc.returncode}): {proc.stderr.read().decode()[-2000:]}")
    proc.stderr.close()
    return elapsed, used, usage.ru_maxrss + recorder[1], usage.ru_maxrss + recorder[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=11)
    parser.add_argument("--memory-tests", type=int, default=100_000, help="0 to skip the memory measurement")
    options = parser.parse_args()

    adopt_orphans()
    # the package's bytecode, as installing it leaves it (pip compiles it; an editable checkout
    # run with PYTHONDONTWRITEBYTECODE would compile every module in every run): the suite's
    # own test files are still rewritten and compiled in every run, as in a fresh CI checkout
    compileall.compile_dir(Path(pytest_vpt.__file__).parent, quiet=1)
    with tempfile.TemporaryDirectory(prefix="vpt-bench-") as tmp:
        root = Path(tmp)
        suite = make_suite(root, options.tests)
        vpt = ["--vpt", "--vpt-store", f"sqlite:///{root}/vpt.db"]
        variants = {
            "plain": [],
            "--junitxml": ["--junitxml", str(root / "junit.xml")],
            "--vpt": vpt,
            "-n 2": ["-n", "2"],
            "-n 2 --vpt": ["-n", "2", *vpt],
            "bare, child": ["-p", "bare_recorder"],
            "bare, sqlite": ["-p", "bare_recorder"],
        }
        bare = {"PYTHONPATH": os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")]))}
        envs = {"bare, child": bare | {"BARE_RECORDER": "child"},
                "bare, sqlite": bare | {"BARE_RECORDER": f"sqlite:{root}/bare.db"}}
        for name, args in variants.items():  # warm-up: bytecode caches, page cache, the store's schema
            run(suite, args, extra_env=envs.get(name))
        times: dict[str, list[float]] = {name: [] for name in variants}
        cpu: dict[str, list[float]] = {name: [] for name in variants}
        names = list(variants)
        for repetition in range(options.repeat):
            # Each repetition runs them back to back, in a rotating order, so a change in the
            # machine's load hits all alike; ratios are taken within a repetition.
            order = names[repetition % len(names):] + names[: repetition % len(names)]
            for name in order:
                wall, used, *_ = run(suite, variants[name], extra_env=envs.get(name))
                times[name].append(wall)
                cpu[name].append(used)

        def paired(values: dict[str, list[float]], name: str, base: str = "plain") -> float:
            return statistics.median(v / b for v, b in zip(values[name], values[base]))

        print(f"{options.tests} trivial tests, {options.repeat} repetitions (ratio: median of the "
              "per-repetition ratios to plain; CPU: pytest, its workers and its recorder process):")
        print(f"  {'command':21s} {'median wall':>11s} {'ratio':>6s} {'median CPU':>10s} {'ratio':>6s}")
        for name in variants:
            base = "-n 2" if name.startswith("-n") else "plain"
            print(f"  pytest {name:14s} {statistics.median(times[name]):10.3f}s {paired(times, name, base):6.3f} "
                  f"{statistics.median(cpu[name]):9.3f}s {paired(cpu, name, base):6.3f}")

        if options.memory_tests:
            big = make_suite(root, options.memory_tests)
            spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
            try:
                plain_rss = run(big, [], keep={spinner.pid})[2]
                _, _, vpt_rss, both_rss = run(big, ["--vpt", "--vpt-store", f"sqlite:///{root}/big.db"],
                                              watch_recorder=True, keep={spinner.pid})
            finally:
                spinner.kill()
                spinner.wait()
            print(f"peak memory, {options.memory_tests} tests, one core kept busy: plain {plain_rss / 1024:.1f} MB, "
                  f"--vpt {vpt_rss / 1024:.1f} MB (pytest and its recorder process; both RSS summed "
                  f"{both_rss / 1024:.1f} MB), difference {(vpt_rss - plain_rss) / 1024:+.1f} MB")
        print(f"floor: total CPU ratio of a bare recorder/plain (bare_recorder.py: six values a report, nothing "
              f"else): in a child process {paired(cpu, 'bare, child'):.3f}, in pytest's process "
              f"{paired(cpu, 'bare, sqlite'):.3f}")
        print(f"total CPU ratio --vpt/plain (pytest and its recorder process): {paired(cpu, '--vpt'):.3f}")
        print(f"wall-time ratio with -n 2, --vpt/plain: {paired(times, '-n 2 --vpt', '-n 2'):.3f}")
        print(f"wall-time ratio --vpt/plain: {paired(times, '--vpt'):.3f}")


if __name__ == "__main__":
    main()
