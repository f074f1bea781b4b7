"""The service's pages: what drawing costs beyond reading, and how soon a run's new result
reaches a signed-in page in headless Chromium, against the stream itself.

On the dashboards' realistic history (tests/dashboard_data.py, as the report's tests seed it):

- page: each dashboard served over HTTP (``GET /d/{uid}?range=7d``, the whole page drawn by
  the report's renderers), beside the same reads in-process (``History.dashboard_data``, no
  drawing, no HTTP): the floor for any page of those panels. Medians of ``--repeat`` times.
- push: a running run gets one result at a time (``--results``); after each batch is
  accepted, the time until a raw HTTP client of ``/api/v1/live/stream`` sees it (the stream:
  the physical limit for any reader of the live view) and, side by side, until the page's
  live strip shows it (EventSource with the session cookie, drawn by the page's script).

Prints each median, and last the ratio of the page's push delay to the stream's.

    python benchmarks/pages.py [--repeat 5] [--results 20]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import report_history  # noqa: E402 - the report's tests' realistic history
from browser import browser  # noqa: E402 - Debian's Chromium through Playwright
from server_process import Server  # noqa: E402 - the tests' real server process

from pytest_vpt.events import builders  # noqa: E402
from pytest_vpt.history import History  # noqa: E402
from pytest_vpt.panels.catalogue import DASHBOARDS  # noqa: E402
from pytest_vpt.store import open_store, tokens  # noqa: E402


def median_seconds(work, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def pages(server: Server, store: str, viewer: str, repeat: int) -> tuple[float, float]:
    headers = {"Authorization": f"Bearer {viewer}"}
    served = drawn_only = 0.0
    with History.open(store, project="box") as history:
        for board in DASHBOARDS:
            def page() -> None:
                answer = requests.get(f"{server.url}/d/{board.uid}", params={"range": "7d"}, headers=headers, timeout=60)
                answer.raise_for_status()

            served += median_seconds(page, repeat)
            drawn_only += median_seconds(lambda: history.dashboard_data(board, time.time() - 7 * 86400), repeat)
    return served, drawn_only


class Stream:
    """A raw client of the live stream, stamping when it first saw each count of tests."""

    def __init__(self, server: Server, writer: str, run_id: str) -> None:
        self.seen: dict[int, float] = {}
        self.answer = requests.get(f"{server.url}/api/v1/live/stream", stream=True, timeout=60,
                                   headers={"Authorization": f"Bearer {writer}"})
        self.run_id = run_id
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        try:
            self._follow()
        except (requests.RequestException, AttributeError, ValueError):  # closed while reading: the end
            return

    def _follow(self) -> None:
        for line in self.answer.iter_lines(decode_unicode=True):
            if line and line.startswith("data:"):
                for run in json.loads(line[5:])["runs"]:
                    if run["run_id"] == self.run_id:
                        self.seen.setdefault(run["tests"], time.perf_counter())


def push(server: Server, writer: str, viewer: str, results: int) -> tuple[list[float], list[float]]:
    run_id, at = "bench-live", time.time()
    post = lambda events: requests.post(f"{server.url}/api/v1/events", data=json.dumps(events), timeout=60,  # noqa: E731
                                        headers={"Authorization": f"Bearer {writer}",
                                                 "Content-Type": "application/json"}).raise_for_status()
    post([builders.run_event(run_id, "box", "running", at)])
    stream = Stream(server, writer, run_id)
    raw, page_delays = [], []
    with browser() as context:
        page = context.new_page()
        page.goto(f"{server.url}/")
        page.fill("#token", viewer)
        page.click("form.signin button")
        page.wait_for_selector(f"article[data-run='{run_id}']", timeout=60_000)
        for n in range(1, results + 1):
            post([builders.attempt_event(f"b-{n}", run_id=run_id, project="box", nodeid=f"t.py::test_{n}",
                                         outcome="passed", attempt=1, final=True, started_at=at + n,
                                         finished_at=at + n + 0.1, call=0.1)])
            accepted = time.perf_counter()
            page.wait_for_function("n => (document.querySelector('#live-runs .fig b') || {}).textContent === String(n)",
                                   arg=n, timeout=60_000, polling="raf")
            page_delays.append(time.perf_counter() - accepted)
            deadline = time.monotonic() + 30
            while n not in stream.seen and time.monotonic() < deadline:
                time.sleep(0.001)
            raw.append(stream.seen[n] - accepted if n in stream.seen else float("nan"))
            time.sleep(0.05)
    stream.answer.close()
    return raw, page_delays


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--results", type=int, default=20)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vpt-pages-") as folder:
        store = f"sqlite:///{Path(folder) / 'vpt.db'}"
        report_history.seed(store, Path(folder))
        with open_store(store) as opened:
            writer = opened.apply(tokens.create, "box", "ci")
            viewer = opened.apply(tokens.create, "box", "wall", "viewer")
        server = Server(store).start()
        try:
            served, reads = pages(server, store, viewer, options.repeat)
            print(f"page: {len(DASHBOARDS)} dashboards served in {served * 1000:.0f} ms (medians, summed); "
                  f"their reads alone {reads * 1000:.0f} ms; drawing and HTTP x{served / reads:.2f}")
            raw, shown = push(server, writer, viewer, options.results)
        finally:
            server.stop()
    stream_ms, page_ms = statistics.median(raw) * 1000, statistics.median(shown) * 1000
    print(f"push: {options.results} results; after each was accepted, the stream had it in {stream_ms:.1f} ms "
          f"(median, max {max(raw) * 1000:.1f}), the page showed it in {page_ms:.1f} ms (median, max "
          f"{max(shown) * 1000:.1f})")
    print(f"page push delay / stream's: {page_ms / stream_ms:.2f}")


if __name__ == "__main__":
    main()
