"""`vpt push` of a large JUnit file into a SQLite store, against junitparser's whole-file load.

For each size (default 1,000,000 test cases, then 100,000) a JUnit file is generated: suites
of 1,000 test cases, most passing, some with ``system-out``, some skipped, pytest-style
retries (one ``testcase`` element per attempt, the earlier failed ones empty, the last one
passing or carrying its ``failure``) and Surefire-style reruns (``flakyFailure`` on a test
that passed on a rerun, ``failure`` + ``rerunFailure`` on one that always failed). Then, side
by side in one run, each in a process of its own:

- push: ``vpt --store sqlite:///... push FILE`` into a fresh store, the whole write included
  (test cases, attempts, the daily rollup, the flakiness verdicts of the run);
- junitparser: ``JUnitXml.fromfile(FILE)`` and iterating every suite's cases, nothing else;
- bare: the floor of any push (bare_push.py): the file streamed with lxml and three values of
  each ``testcase`` written into one SQLite table, nothing checked, nothing folded.

Prints per size each side's peak RSS and test cases (``testcase`` elements) per second, then
the floor's ratio to junitparser, and last ``push/junitparser throughput: R`` (the smallest
ratio over the sizes). Goals: R >= 1.0, and push's peak RSS <= 100 MB at both sizes (flat:
it does not grow with the file).

    python benchmarks/push.py [--sizes 1000000,100000] [--folder DIR] [--keep]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
SUITE = 1000  # test cases a suite
OUTPUT = "frame 1234 decoded in 16.6 ms; buffer level 87%; bitrate 5.2 Mbit/s; no dropped frames\n" * 2
JUNITPARSER = """
import sys
from junitparser import JUnitXml
cases = sum(1 for suite in JUnitXml.fromfile(sys.argv[1]) for case in suite)
print(cases)
"""


def _case(index: int) -> str:
    """The testcase element(s) of one test: its kind chosen by its index."""
    name = f'classname="tests.test_box{index // SUITE}" name="test_case_{index}" time="0.0{index % 10}"'
    kind = index % 100
    if kind == 0:  # pytest + rerunfailures, passed on the second attempt: two empty elements
        return f"<testcase {name}/>\n<testcase {name}/>\n"
    if kind == 1:  # pytest + rerunfailures, failed three times: two empty elements, then the failure
        return (f"<testcase {name}/>\n<testcase {name}/>\n"
                f'<testcase {name}><failure message="assert 0">E   assert 0</failure></testcase>\n')
    if kind == 2:  # Surefire, passed on a rerun
        return (f'<testcase {name}><flakyFailure message="timeout" type="java.lang.AssertionError">'
                f"<stackTrace>at box.Player.seek(Player.java:42)</stackTrace></flakyFailure>"
                f"<system-out>{OUTPUT}</system-out></testcase>\n")
    if kind == 3:  # Surefire, always failing
        return (f'<testcase {name}><failure message="no signal" type="java.lang.AssertionError">at x</failure>'
                f'<rerunFailure message="no signal" type="java.lang.AssertionError">at x</rerunFailure>'
                f'<rerunFailure message="no signal" type="java.lang.AssertionError">at x</rerunFailure></testcase>\n')
    if kind in (4, 5):
        return f'<testcase {name}><skipped message="no HDR panel"/></testcase>\n'
    if kind % 10 == 6:
        return f"<testcase {name}><system-out>{OUTPUT}</system-out></testcase>\n"
    return f"<testcase {name}/>\n"


def generate(path: Path, tests: int) -> int:
    """Write a JUnit file of ``tests`` tests; returns its testcase elements."""
    elements = 0
    with open(path, "w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="utf-8"?>\n<testsuites name="bench">\n')
        for start in range(0, tests, SUITE):
            end = min(start + SUITE, tests)
            out.write(f'<testsuite name="suite{start // SUITE}" tests="{end - start}" '
                      'timestamp="2026-11-30T10:00:00" hostname="ci">\n')
            chunk = "".join(_case(index) for index in range(start, end))
            elements += chunk.count("<testcase ")
            out.write(chunk)
            out.write("</testsuite>\n")
        out.write("</testsuites>\n")
    return elements


def measure(command: list[str], env: dict[str, str]) -> tuple[float, float, str, float]:
    """Run ``command`` alone; its wall seconds, peak RSS in MB, output, and CPU seconds (what
    a shared machine's load does not inflate)."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=env["BENCH_CWD"])
    output = proc.stdout.read().decode(errors="replace")
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({proc.returncode}):\n{output[-2000:]}")
    return seconds, usage.ru_maxrss / 1024, output, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,100000", help="test counts, comma-separated")
    parser.add_argument("--folder", type=Path, help="where the files and stores go (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the folder")
    args = parser.parse_args()
    folder = args.folder or Path(tempfile.mkdtemp(prefix="vpt-push-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
           "BENCH_CWD": str(folder)}
    env = {k: v for k, v in env.items() if not k.startswith(("VPT_", "GITHUB_", "GITLAB_", "JENKINS_", "CI_"))}
    figures = []
    try:
        for size in (int(text) for text in args.sizes.split(",")):
            report = folder / f"junit-{size}.xml"
            elements = generate(report, size)
            print(f"{size:,} tests: {elements:,} testcase elements, {report.stat().st_size / 1e6:,.0f} MB", flush=True)
            store = folder / f"push-{size}.db"
            push = measure([sys.executable, "-m", "pytest_vpt", "--store", f"sqlite:///{store}", "push", str(report),
                            "--project", "bench", "--json"], env)
            load = measure([sys.executable, "-c", JUNITPARSER, str(report)], env)
            bare = measure([sys.executable, str(HERE / "bare_push.py"), str(report), str(folder / f"bare-{size}.db")], env)
            for name, side in (("junitparser", load), ("bare push", bare)):
                if int(side[2].split()[-1]) != elements:
                    raise SystemExit(f"{name} saw {side[2].strip()} test cases, not {elements}")
            figures.append((size, elements, push, load, bare))
            for name, (seconds, rss, _, cpu) in (("push:       ", push), ("junitparser:", load), ("bare push:  ", bare)):
                print(f"  {name} {seconds:7.1f} s  {elements / seconds:10,.0f} test cases/s  peak RSS {rss:7.1f} MB  "
                      f"(CPU {cpu:.1f} s)", flush=True)
            report.unlink()
    finally:
        if not args.keep and args.folder is None:
            shutil.rmtree(folder, ignore_errors=True)
    print()
    for size, elements, push, load, bare in figures:
        print(f"{size:>9,} tests  push {elements / push[0]:9,.0f}/s {push[1]:6.1f} MB   "
              f"junitparser {elements / load[0]:9,.0f}/s {load[1]:7.1f} MB   ratio {load[0] / push[0]:.2f}")
        print(f"{'':>16}bare push {elements / bare[0]:9,.0f}/s {bare[1]:6.1f} MB   ratio {load[0] / bare[0]:.2f}")
    print(f"floor: bare push/junitparser throughput: {min(load[0] / bare[0] for *_, load, bare in figures):.2f}")
    worst = min(load[0] / push[0] for _, _, push, load, _ in figures)
    print(f"push/junitparser throughput: {worst:.2f}")


if __name__ == "__main__":
    main()
