"""``vpt report`` on a realistic history of each engine: every panel drawn with the numbers the
catalogue's SQL gives (Grafana's), the KPIs, the last run in detail, hostile names and messages
shown as text, nothing the page could fetch, the thumbnail embedded; the CLI's file, --json
and --terminal within 80 columns."""

from __future__ import annotations

import json
import re
import time
from html import escape

import pytest
from click.testing import CliRunner

import report_history
from conftest import PG_DSN, _store_urls  # noqa: F401 (PG_DSN: the session's server starts)
from pytest_vpt.cli import cli
from pytest_vpt.history import History
from pytest_vpt.report import read_report, render_report, write_report
from pytest_vpt.report.kinds.gauge import first_value
from pytest_vpt.report.model import SECTIONS, thumbnail_uri
from pytest_vpt.report.values import in_unit


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def seeded(request, tmp_path_factory) -> str:
    """The report's history in a store of each engine, written once for the module's tests."""
    folder = tmp_path_factory.mktemp("report")
    with _store_urls(request.param, folder) as make:
        url = make()
        report_history.seed(url, folder)
        yield url


def test_every_panel_is_drawn_with_the_catalogues_numbers(seeded, tmp_path) -> None:
    with History.open(seeded, project="box") as history:
        told: list[tuple[int, int]] = []
        written = write_report(history, tmp_path / "report.html", report_history.SINCE, report_history.END + 3600,
                               on_progress=lambda done, total: told.append((done, total)))
        gauge = history.panel_data("pass-rate-gauge", report_history.SINCE, report_history.END + 3600)
        causes = history.panel_data("failure-causes", report_history.SINCE, report_history.END + 3600)
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    keys = [key for _, keys in SECTIONS for key in keys]
    assert written.panels == len(keys) and written.panels_with_data == len(keys)
    assert [done for done, _ in told] == list(range(1, len(told) + 1)) and {total for _, total in told} == {len(told)}
    for key in keys:
        found = re.search(rf'<section class="panel [^"]*" id="p-{key}" data-kind="[^"]+" data-rows="(\d+)">', html)
        assert found and int(found.group(1)) > 0, key
    rate = first_value(gauge)
    assert 0 < rate < 100
    assert f'<text class="big" x="100" y="88">{in_unit(rate, "percent")}</text>' in html  # the gauge shows Grafana's value
    for cause, failures, *_ in causes.queries[0].rows:
        assert re.search(rf"<td>{re.escape(escape(cause))}</td><td class=n>{failures}</td>", html)
    assert written.last_run == report_history.LAST_RUN and written.tests == 31
    assert "target 95.0 %: not met" in html


def test_hostile_names_and_messages_are_text_and_nothing_can_be_fetched(seeded) -> None:
    with History.open(seeded, project="box") as history:
        html = render_report(history, report_history.SINCE)
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>bold" not in html
    assert escape(report_history.HOSTILE_MESSAGE) in html  # the failure's message, shown whole as text
    assert html.count("</script>") == 2  # the JSON data's and the script's own: no message closes one
    data = re.search(r'<script type="application/json" id="tests-data">(.*?)</script>', html, re.S).group(1)
    rows = json.loads(data)["rows"]
    assert [report_history.HOSTILE_NODEID, "failed"] == rows[0][:2]
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1)
    assert "default-src 'none'" in policy and "img-src data:" in policy and "unsafe" not in policy
    assert not re.search(r"(src|href)=\"(https?:)?//", html) and "@import" not in html and "url(" not in html


def test_the_last_run_its_failures_reruns_quarantine_and_thumbnails(seeded) -> None:
    with History.open(seeded, project="box") as history:
        report = read_report(history, report_history.SINCE)
    last = report.last_run
    assert [t.nodeid for t in last.failures] == [report_history.HOSTILE_NODEID]
    assert [(t.nodeid, t.attempt) for t in last.reruns] == [(report_history.HOSTILE_NODEID, 1)]
    assert last.slowest(3)[0].nodeid == "tests/test_box.py::test_029"
    with_thumbnail = [i for i, incident in enumerate(report.video_incidents) if incident.thumbnail]
    assert list(report.thumbnails) == with_thumbnail and report.thumbnails[with_thumbnail[0]].startswith(
        "data:image/png;base64,iVBORw0KGgo")
    assert report.kpis.tests.tests_run > 0 and report.flaky


def test_a_thumbnail_is_embedded_only_when_it_is_a_small_image(tmp_path) -> None:
    assert thumbnail_uri(str(report_history.png(tmp_path / "a.png"))).startswith("data:image/png;base64,")
    (tmp_path / "page.html").write_text("<script>alert(1)</script>")
    (tmp_path / "huge.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(300 * 1024))
    for path in (tmp_path / "page.html", tmp_path / "huge.png", tmp_path / "missing.png", tmp_path, None, "\0"):
        assert thumbnail_uri(None if path is None else str(path)) is None


def test_an_empty_history_makes_a_report_that_says_so(store_url, tmp_path) -> None:
    with History.open(store_url, project="box", create=True) as history:
        written = write_report(history, tmp_path / "empty.html", report_history.SINCE)
    html = (tmp_path / "empty.html").read_text(encoding="utf-8")
    assert written.last_run is None and "No run recorded yet." in html
    assert html.count("No data in this range") == written.panels - written.panels_with_data
    for key in ("pass-rate-gauge", "pass-rate", "execution-timeline", "flaky-tests", "device-status"):
        assert re.search(rf'id="p-{key}" data-kind="[^"]+" data-rows="0"><h3>[^<]+</h3><p class="what">[^<]+</p>'
                         r'<p class="nodata">No data in this range</p>', html), key


def test_the_cli_writes_the_file_prints_json_and_the_terminal_report(seeded, tmp_path) -> None:
    target = tmp_path / "out" / "vpt-report.html"
    target.parent.mkdir()
    runner = CliRunner()
    done = runner.invoke(cli, ["--store", seeded, "report", "--project", "box", "--since", "10d", "-o", str(target),
                               "--json"])
    assert done.exit_code == 0, done.output
    found = json.loads(done.output)
    assert found["path"] == str(target) and found["bytes"] == target.stat().st_size and found["panels_with_data"] == 20
    assert list(target.parent.iterdir()) == [target]  # no partial file left beside it
    shown = runner.invoke(cli, ["--store", seeded, "report", "--project", "box", "--since", "10d", "--terminal"])
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert re.search(r"^pass rate +\d+\.\d % .*target 95 %: not met$", shown.output, re.M)
    with History.open(seeded, project="box") as history:
        runs = [row[1] for row in history.panel_data("execution-timeline", _since("10d")).queries[0].rows]
    assert re.search(rf"^runs +■{{{len(runs)}}} {len(runs)} runs, {runs.count('failed')} failed$", shown.output, re.M)
    assert "tests/test_box.py::test_001" in shown.output and "AssertionError: boom" in shown.output
    assert "last run run-hostile" in shown.output
    as_json = json.loads(runner.invoke(cli, ["--store", seeded, "report", "--project", "box", "--since", "10d",
                                              "--terminal", "--json"]).output)
    assert as_json["last_run"]["failures"] == 1 and as_json["panels"]["pass-rate-gauge"]["kind"] == "gauge"


def _since(span: str) -> float:
    return time.time() - int(span[:-1]) * 86400


def test_the_cli_names_a_bad_since_and_an_unwritable_file(seeded, tmp_path) -> None:
    runner = CliRunner()
    done = runner.invoke(cli, ["--store", seeded, "report", "--project", "box", "--since", "soon"])
    assert done.exit_code == 2 and "'--since'" in done.output and "'soon'" in done.output
    done = runner.invoke(cli, ["--store", seeded, "report", "--project", "box", "--since", "900d"])
    assert done.exit_code == 2 and "more than 400 days ago" in done.output
    done = runner.invoke(cli, ["--store", seeded, "report", "--project", "box", "-o", str(tmp_path / "no" / "r.html")])
    assert done.exit_code == 1 and "cannot write" in done.output and "r.html" in done.output
