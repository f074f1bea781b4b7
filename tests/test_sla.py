"""SLA compliance on a small history worked out by hand (tests/sla_history.py), on SQLite and
PostgreSQL: each week's and day's figures judged against the targets, stored for the
dashboards, the trend against the periods before, what broke the missed targets; the report
as text, Markdown, HTML and JSON through ``vpt sla report``."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from pytest_vpt import sla
from pytest_vpt.cli import cli
from pytest_vpt.history import History
from pytest_vpt.store import open_store
from pytest_vpt.store.after_write import after_write
from sla_history import DAY, HOUR, NOW, TARGETS, T, W1, WEEK, run_batch, write

SETTINGS = sla.parse({"targets": TARGETS})


@pytest.fixture
def history_url(store_url) -> str:
    write(store_url)
    return store_url


def by_target(found: sla.SlaReport) -> dict[str, sla.TargetResult]:
    return {result.target: result for result in found.targets}


def test_the_latest_week_judged_against_the_one_before(history_url) -> None:
    with History.open(history_url, project="box") as history:
        found = sla.report(history, SETTINGS, "weekly", now=NOW)
        stored = history.sla_compliance("weekly", T - 3 * WEEK, NOW)
    assert (found.label, found.start, found.end) == (sla.periods.label(W1, "weekly"), W1, W1 + WEEK)
    results = by_target(found)
    uptime, passed = results["device_uptime"], results["test_pass_rate"]
    duration, api = results["avg_test_duration"], results["api_response_time"]
    assert (uptime.figure, uptime.met, uptime.previous[-1], uptime.trend) == (100.0, True, 95.0, "better")
    assert (passed.figure, passed.met, passed.trend) == (50.0, False, "worse")
    assert passed.previous[-1] == pytest.approx(500 / 6) and passed.change == pytest.approx(50 - 500 / 6)
    assert (duration.figure, duration.met, duration.previous[-1], duration.trend) == (4.0, False, 3.0, "worse")
    assert (api.figure, api.met, api.trend) == (pytest.approx(0.65), False, "worse")
    assert api.previous[-1] == pytest.approx(0.3)
    # the three weeks before W0 have no data: only W0 was judged
    assert [r.previous[:3] for r in found.targets] == [[None] * 3] * 4
    assert [(r.met_before, r.judged_before) for r in found.targets] == [(0, 1), (1, 1), (1, 1), (1, 1)]
    assert (found.met, found.missed, found.no_data) == (1, 3, 0)
    # what broke the missed ones: the tests that failed, the slowest, the service
    assert [(t["nodeid"], t["failures"], t["runs"]) for t in found.broke["failing_tests"]] == [
        ("t.py::c", 1, 1), ("t.py::d", 1, 1)]
    assert [t["nodeid"] for t in found.broke["slowest_tests"]] == ["t.py::d", "t.py::c", "t.py::b", "t.py::a"]
    assert found.broke["service"] == {"intervals": 2} and "devices" not in found.broke
    # every week's rows are stored, the weeks without data too (no figure, neither met nor missed)
    rows = {(row.start, row.target): row for row in stored}
    assert len(rows) == 5 * 4
    assert (rows[T, "device_uptime"].figure, rows[T, "device_uptime"].met) == (95.0, False)
    assert (rows[T, "test_pass_rate"].met, rows[T, "avg_test_duration"].figure) == (True, 3.0)
    assert (rows[W1, "api_response_time"].figure, rows[W1, "api_response_time"].goal) == (pytest.approx(0.65), 0.5)
    assert rows[W1, "api_response_time"].direction == "at_most" and rows[W1, "device_uptime"].unit == "percent"
    assert (rows[T - WEEK, "test_pass_rate"].figure, rows[T - WEEK, "test_pass_rate"].met) == (None, None)


def test_a_day_names_the_devices_with_the_least_uptime_and_their_incidents(history_url) -> None:
    with History.open(history_url, project="box") as history:
        found = sla.report(history, SETTINGS, "daily", at=T + 12 * HOUR, now=NOW, trend_periods=1)
    results = by_target(found)
    assert (found.start, found.end) == (T, T + DAY)
    assert (results["device_uptime"].figure, results["device_uptime"].met) == (95.0, False)
    assert results["test_pass_rate"].figure == pytest.approx(200 / 3) and results["test_pass_rate"].met is False
    assert (results["avg_test_duration"].figure, results["avg_test_duration"].met) == (3.0, True)
    assert (results["api_response_time"].figure, results["api_response_time"].met) == (None, None)
    assert [(d["device"], d["uptime"], d["incidents"]) for d in found.broke["devices"]] == [
        ("stb-1", 0.9, 1), ("stb-2", 1.0, 0)]
    (incident,) = found.broke["device_incidents"]
    assert (incident["device"], incident["started_at"], incident["duration"]) == ("stb-1", T + 2 * HOUR + 20 * 60, 360.0)
    assert found.broke["failing_tests"] == [{"nodeid": "t.py::c", "failures": 1, "runs": 1}]


def test_refresh_stores_the_latest_complete_period_and_the_one_going_on(history_url) -> None:
    with History.open(history_url, project="box") as history:
        written = sla.refresh(history, SETTINGS, now=W1 + 12 * HOUR)
        days = history.sla_compliance("daily", W1 - DAY, W1 + DAY)
        weeks = history.sla_compliance("weekly", T, W1 + WEEK)
    assert len(written) == 2 * 2 * 4
    assert {row.start: row.figure for row in days if row.target == "test_pass_rate"} == {
        W1 - DAY: None, W1: 50.0}  # Sunday had no run; Monday so far
    assert {row.start for row in weeks} == {T, W1}


def test_no_targets_is_an_error_naming_the_file() -> None:
    with pytest.raises(ValueError, match=r"^vpt.yaml: no SLA targets \(add sla: targets: to it\)$"):
        sla.report(None, sla.parse(None), "daily")  # type: ignore[arg-type]


HOSTILE = "t.py::d[<script>alert(1)</script>|x]" + "y" * 200


def hostile_history(url: str) -> None:
    """The history, and a run in W1 failing c again and a test with a hostile, long name."""
    write(url)
    batch = run_batch("r4", W1 + 2 * HOUR, {"t.py::c": ("failed", 5.0), HOSTILE: ("failed", 7.0)})
    with open_store(url) as store:
        store.write(batch)
        after_write(store, batch)


def test_the_report_as_text_markdown_and_html(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'vpt.db'}"
    open_store(url, create=True).close()
    hostile_history(url)
    with History.open(url, project="box") as history:
        found = sla.report(history, SETTINGS, "weekly", now=NOW)
    text = sla.render(found, "text")
    assert all(len(line) <= 80 for line in text.splitlines()), text
    lines = text.splitlines()
    assert lines[0] == f"SLA box weekly {found.label}: 1 of 4 targets met, 3 missed"
    assert "test_pass_rate     >= 80.00%  33.33%   worse -50.00%  1/1     MISSED" in lines
    assert "api_response_time  <= 500 ms  650 ms   worse +350 ms  1/1     MISSED" in lines
    assert "What broke it: tests that failed most" in lines and "  t.py::c: 2 failures in 2 runs" in lines
    markdown = sla.render(found, "markdown")
    assert "| `device_uptime` | &gt;= 99.50% | 100.00% | better +5.00% | 0/1 | met |" in markdown
    assert "t.py::d[&lt;script&gt;alert(1)&lt;/script&gt;\\|x]" in markdown and "<script>" not in markdown
    page = sla.render(found, "html")
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page and "&lt;script&gt;" in page
    assert '<td class="missed">MISSED</td>' in page and "\u2264 500 ms" in page
    with pytest.raises(ValueError, match="format must be one of text, markdown, html, not 'pdf'"):
        sla.render(found, "pdf")


def test_vpt_sla_report(history_url, tmp_path) -> None:
    config = tmp_path / "vpt.yaml"
    config.write_text("sla:\n  targets:\n" + "".join(f"    {k}: {v}\n" for k, v in TARGETS.items())
                      + "  reporting:\n    frequency: weekly\n")
    base = ["--store", history_url, "sla", "report", "--project", "box", "--config", str(config)]
    result = CliRunner().invoke(cli, [*base, "--date", "2000-01-03", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["period"], data["label"], data["met"], data["no_data"], data["sent"]) == ("weekly", "2000-W01", 0, 4, None)
    day = sla.periods.label(T, "daily")
    result = CliRunner().invoke(cli, [*base, "--period", "daily", "--date", day, "--trend", "0"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == f"SLA box daily {day}: 1 of 4 targets met, 2 missed, 1 without data"
    out = tmp_path / "report.html"
    result = CliRunner().invoke(cli, [*base, "--date", day, "--format", "html", "--output", str(out)])
    assert result.exit_code == 0 and f"written to {out}" in result.output
    assert "<h1>SLA box weekly" in out.read_text()
    config.write_text("sla:\n  targets:\n    device_uptime: 120s\n")
    result = CliRunner().invoke(cli, base)
    assert result.exit_code == 1
    assert result.output == (f"Error: {config}: sla.targets.device_uptime: expected a percentage like 99.5%, "
                             "not '120s'\n")


def test_the_quality_assurance_dashboard_reads_the_stored_days(history_url) -> None:
    with History.open(history_url, project="box") as history:
        sla.report(history, SETTINGS, "daily", at=T + DAY, now=NOW, trend_periods=1)  # Monday and Tuesday stored
        (answer,) = history.panel_data("sla-targets", T, T + 2 * DAY).queries
    assert answer.columns == ["target", "unit", "direction", "goal", "mean figure", "days met", "days"]
    # Monday: uptime 95 % (missed), pass rate 2/3 (missed), 3.0 s (met), no service sample;
    # Tuesday: no device sampled, pass rate 3/3 (met), 3.0 s (met), 300 ms (met)
    assert [[row[0], row[1], row[2], *(None if v is None else pytest.approx(float(v)) for v in row[3:])]
            for row in answer.rows] == [
        ["api_response_time", "seconds", "at_most", 0.5, 0.3, 100.0, 1],
        ["avg_test_duration", "seconds", "at_most", 3.5, 3.0, 100.0, 2],
        ["device_uptime", "percent", "at_least", 99.5, 95.0, 0.0, 1],
        ["test_pass_rate", "percent", "at_least", 80.0, 250 / 3, 50.0, 2]]
