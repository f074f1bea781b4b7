"""The HTML report against pytest-html, on one run of 10,000 tests with 30 runs of history.

A generated suite of 10,000 tests (100 files of 100; about 1 % fail with an assertion message,
1 % are skipped) is run once by pytest with both plugins, ``--vpt`` (into a fresh SQLite
store) and pytest-html (``--html --self-contained-html``), so both describe the same run. The
29 runs before it are written into the store through the product's own writers (the store's
write and after-write step, batch by batch as a recorder sends them), with flaky tests, a
test broken halfway and durations that drift. ``vpt report`` then draws the 30 runs of history
and the last run; pytest-html has the last run alone.

Both files are opened in Debian's headless Chromium (tests/browser.py), each load timed from
navigation until the network is idle and the page's own script has drawn its table (ours:
``body[data-ready]``; pytest-html's: its results table's rows); the median of ``--loads``
alternating loads counts. Goals: our file at most 0.5x pytest-html's size and load time.
The last line is the load-time ratio:

    report/pytest-html load time: R

    python benchmarks/report.py [--tests 10000] [--runs 30] [--loads 5] [--keep DIR]
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from browser import browser  # noqa: E402

from pytest_vpt.events import builders  # noqa: E402
from pytest_vpt.history import History  # noqa: E402
from pytest_vpt.report import write_report  # noqa: E402
from pytest_vpt.store import open_store  # noqa: E402
from pytest_vpt.store.after_write import after_write  # noqa: E402

PROJECT = "bench"
PER_FILE = 100
SUITE = '''import pytest


@pytest.mark.parametrize("i", range({per_file}))
def test_case(i):
    if i % 97 == {file} % 97:
        assert {{"file": {file}, "case": i}} == {{"file": {file}, "case": -i}}, "the box answered late"
    if i % 89 == 1:
        pytest.skip("no device for this case")
'''


def write_suite(folder: Path, tests: int) -> None:
    for number in range(tests // PER_FILE):
        (folder / f"test_part_{number:03d}.py").write_text(SUITE.format(per_file=PER_FILE, file=number))


def history_batches(tests: int, runs: int, end: float, seed: int = 3):
    """The runs before the real one: one a day, every test, flaky ones, one broken halfway."""
    rng = random.Random(seed)
    nodeids = [f"test_part_{n // PER_FILE:03d}.py::test_case[{n % PER_FILE}]" for n in range(tests)]
    for index in range(runs):
        run_id, at = f"past-{index:03d}", end - (runs - index) * 86400.0
        yield [builders.run_event(run_id, PROJECT, "running", at)]
        attempts, clock = [], at + 1.0
        for number, nodeid in enumerate(nodeids):
            letters = "P"
            if number % 500 == 7 and rng.random() < 0.3:
                letters = "FP"
            elif number == 3 and index >= runs // 2:
                letters = "F"
            elif number % 89 == 1:
                letters = "S"
            call = 0.001 * (1 + number % 50) * (1.5 if number % 1000 == 0 and index >= runs // 2 else 1.0)
            for attempt, letter in enumerate(letters, start=1):
                final = attempt == len(letters)
                outcome = {"P": "passed", "S": "skipped"}.get(letter, "failed" if final else "rerun")
                attempts.append(builders.attempt_event(
                    f"{run_id}-{number}-{attempt}", run_id=run_id, project=PROJECT, nodeid=nodeid, outcome=outcome,
                    attempt=attempt, final=final, started_at=clock, finished_at=clock + call, call=call,
                    error_type="AssertionError" if letter == "F" else None,
                    error_message="the box answered late" if letter == "F" else None))
                clock += call
        for start in range(0, len(attempts), 5000):
            yield attempts[start:start + 5000]
        counts = {name: sum(a["vpt.test.outcome"] == name and a["vpt.test.final"] for a in attempts)
                  for name in ("passed", "failed", "skipped")}
        counts["rerun"] = sum(not a["vpt.test.final"] for a in attempts)
        counts["tests"] = len(nodeids)
        yield [builders.run_event(run_id, PROJECT, "finished", at, finished_at=clock + 1, exit_status=1, counts=counts)]


def load_time(context, path: Path, ready: str) -> float:
    page = context.new_page()
    try:
        began = time.perf_counter()
        page.goto(path.as_uri(), wait_until="networkidle")
        page.wait_for_function(ready, timeout=300_000)
        return time.perf_counter() - began
    finally:
        page.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=30, help="runs of history, the real one included")
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="write everything here and keep it")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="vpt-report-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        run(folder, args)
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


def run(folder: Path, args: argparse.Namespace) -> None:
    suite, store = folder / "suite", f"sqlite:///{folder / 'vpt.db'}"
    suite.mkdir(exist_ok=True)
    write_suite(suite, args.tests)
    began = time.perf_counter()
    with open_store(store) as opened:
        for batch in history_batches(args.tests, args.runs - 1, time.time() - 3600):
            opened.write(batch)
            after_write(opened, batch)
    print(f"history: {args.runs - 1} runs of {args.tests} tests written in {time.perf_counter() - began:.0f} s")
    began = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--vpt", f"--vpt-store={store}",
                           f"--vpt-project={PROJECT}", f"--html={folder / 'pytest-html.html'}", "--self-contained-html",
                           str(suite)], cwd=suite, capture_output=True, text=True)
    print(f"last run: pytest exited {done.returncode} in {time.perf_counter() - began:.0f} s: "
          f"{done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-500:]}")
    began = time.perf_counter()
    with History.open(store, project=PROJECT) as history:
        written = write_report(history, folder / "vpt-report.html", time.time() - (args.runs + 1) * 86400.0)
    print(f"vpt report: written in {time.perf_counter() - began:.1f} s, {written.panels_with_data} of {written.panels} "
          f"panels with data, last run of {written.tests} tests")
    ours, theirs = folder / "vpt-report.html", folder / "pytest-html.html"
    timings: dict[str, list[float]] = {"ours": [], "theirs": []}
    with browser() as context:
        for _ in range(args.loads):
            timings["ours"].append(load_time(context, ours, "document.body.dataset.ready === '1'"))
            timings["theirs"].append(load_time(
                context, theirs, "document.querySelectorAll('#results-table tbody.results-table-row').length > 0"))
    sizes = {"ours": ours.stat().st_size, "theirs": theirs.stat().st_size}
    loads = {name: statistics.median(found) for name, found in timings.items()}
    print(f"{'':12}{'size':>12}{'load (median)':>16}")
    print(f"{'vpt report':12}{sizes['ours'] / 1e6:>10.2f}MB{loads['ours']:>14.3f} s   (30 runs of history + the last run)")
    print(f"{'pytest-html':12}{sizes['theirs'] / 1e6:>10.2f}MB{loads['theirs']:>14.3f} s   (the last run)")
    print(f"report/pytest-html size: {sizes['ours'] / sizes['theirs']:.3f}")
    print(f"report/pytest-html load time: {loads['ours'] / loads['theirs']:.3f}")


if __name__ == "__main__":
    main()
