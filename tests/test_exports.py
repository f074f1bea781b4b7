"""Exports to CSV, JSON and Excel read back: the rows the store holds for the range, on SQLite
and PostgreSQL; formula injection neutralised; charts present; bad values named."""

from __future__ import annotations

import csv
import json
import math
import time
import zipfile
from datetime import datetime

import openpyxl
import pytest
from click.testing import CliRunner

import dashboard_data
from pytest_vpt import AnalyticsExporter
from pytest_vpt.cli import cli
from pytest_vpt.events import builders
from pytest_vpt.exports import ExportError
from pytest_vpt.history import History
from pytest_vpt.store import open_store

END = math.floor(time.time() / 3600) * 3600.0
QUERIES = ("test_executions", "runs", "tests", "devices", "incidents", "metrics", "kpis")


@pytest.fixture
def seeded(store_url):
    dashboard_data.seed(store_url, END)
    return store_url


def _attempts(history: History, since: float, until: float) -> list[tuple]:
    """Every attempt of the range as the store holds it, read with the store's own reads."""
    found = []
    for run in history.runs(limit=10_000):
        for test in history.run_tests(run.run_id, all_attempts=True):
            if since <= test.started_at < until:
                found.append((run.run_id, test.nodeid, test.attempt, test.outcome, test.started_at, test.duration))
    return sorted(found)


def _moment(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def test_csv_holds_every_attempt_of_the_range(seeded, tmp_path) -> None:
    since, until = END - 2 * 86400, END
    out = tmp_path / "attempts.csv"
    summary = AnalyticsExporter(seeded, project="box").export_to_csv(query="test_executions", timerange=(since, until),
                                                                     output=out)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw  # a BOM for spreadsheets; RFC 4180 line ends
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    with History.open(seeded, project="box") as history:
        expected = _attempts(history, since, until)
    got = sorted((r["run_id"], r["nodeid"], int(r["attempt"]), r["outcome"], _moment(r["started_at"]),
                  float(r["duration"])) for r in rows)
    assert len(got) == len(expected) == summary.rows["test_executions"] > 0
    for ours, theirs in zip(got, expected):
        assert ours[:4] == theirs[:4] and ours[5] == pytest.approx(theirs[5])
        assert abs(ours[4] - theirs[4]) < 0.0015  # milliseconds, as ISO 8601 shows them
    assert summary.bytes == len(raw)


def test_json_and_xlsx_hold_the_same_rows_as_the_store(seeded, tmp_path) -> None:
    since, until = END - 5 * 86400, END + 1
    exporter = AnalyticsExporter(seeded, project="box")
    exporter.export_to_json(queries=QUERIES, output=tmp_path / "all.json", timerange=(since, until))
    exporter.export_to_excel(queries=QUERIES, output=tmp_path / "all.xlsx", timerange=(since, until))
    document = json.loads((tmp_path / "all.json").read_text())
    book = openpyxl.load_workbook(tmp_path / "all.xlsx", read_only=True)
    with History.open(seeded, project="box") as history:
        for query in QUERIES:
            stored = list(history.export_rows(query, since, until))
            assert stored, query
            rows = document["queries"][query]["rows"]
            assert len(rows) == len(stored), query
            names = [c["name"] for c in document["queries"][query]["columns"]]
            sheet = list(book[query].iter_rows(values_only=True))
            assert list(sheet[0]) == names and len(sheet) - 1 == len(stored), query
            kinds = [c["kind"] for c in document["queries"][query]["columns"]]
            for row, from_json, from_sheet in zip(stored, rows, sheet[1:]):
                for name, kind, value, cell in zip(names, kinds, row, from_sheet):
                    if value is None:
                        assert from_json[name] is None and cell is None
                    elif kind == "time":
                        assert abs(_moment(from_json[name]) - value) < 0.0015
                        assert abs((cell - datetime(1970, 1, 1)).total_seconds() - value) < 0.01
                    elif kind == "bool":
                        assert from_json[name] is bool(value) and cell is bool(value)
                    elif kind in ("int", "float"):
                        assert from_json[name] == pytest.approx(value) and cell == pytest.approx(value)
                    else:
                        assert from_json[name] == value == cell


def test_excel_dashboards_have_a_sheet_each_with_native_charts(seeded, tmp_path) -> None:
    out = tmp_path / "monthly_report.xlsx"
    summary = AnalyticsExporter(seeded, project="box").export_to_excel(
        dashboards=["QA Operations", "Device Health"], output=out, timerange="7d")
    assert summary.dashboards == ["QA Operations", "Device Health"]
    book = openpyxl.load_workbook(out)
    assert {"QA Operations", "Device Health"} <= set(book.sheetnames)
    qa = book["QA Operations"]
    texts = {cell.value for row in qa.iter_rows() for cell in row if isinstance(cell.value, str)}
    assert {"Recent runs", "passed", "tests"} & texts  # a panel table's title or header
    kinds = {type(chart).__name__ for chart in qa._charts}
    assert {"LineChart", "PieChart", "BarChart"} <= kinds
    assert book["Device Health"]._charts
    charts = [n for n in zipfile.ZipFile(out).namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == len(qa._charts) + len(book["Device Health"]._charts)


def test_json_metrics_are_named_figures_of_the_kpis(seeded, tmp_path) -> None:
    out = tmp_path / "api_data.json"
    AnalyticsExporter(seeded, project="box").export_to_json(
        metrics=["pass_rate", "avg_duration", "device_uptime"], output=out, timerange="7d")
    figures = json.loads(out.read_text())["metrics"]
    with History.open(seeded, project="box") as history:
        kpis = history.kpis(time.time() - 7 * 86400)
    assert figures["pass_rate"]["value"] == pytest.approx(kpis.tests.pass_rate)
    assert figures["device_uptime"]["value"] == pytest.approx(kpis.availability.uptime)
    assert 0 < figures["avg_duration"]["value"] < 60 and figures["avg_duration"]["unit"] == "s"
    with pytest.raises(ExportError, match="no metric 'uptime': known are pass_rate"):
        AnalyticsExporter(seeded, project="box").export_to_json(metrics=["uptime"], output=out)


def test_formula_injection_is_neutralised(store_url, tmp_path) -> None:
    hostile = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd", "plain, \"quoted\"\nline"]
    events = [builders.run_event("r1", "box", "running", END - 600, context={"vcs.ref.head.name": hostile[0]})]
    for number, text in enumerate(hostile):
        events.append(builders.attempt_event(f"r1-{number}", run_id="r1", project="box", nodeid=f"t.py::test_{number}",
                                             outcome="failed", attempt=1, final=True, started_at=END - 500 + number,
                                             finished_at=END - 499 + number, call=1.0, error_type=text,
                                             error_message="x", path="t.py"))
    with open_store(store_url) as store:
        store.write(events)
    exporter = AnalyticsExporter(store_url, project="box")
    exporter.export_to_csv(query="test_executions", output=tmp_path / "x.csv", timerange="1d")
    with open(tmp_path / "x.csv", encoding="utf-8-sig", newline="") as file:
        rows = list(csv.DictReader(file))
    assert [r["error_type"] for r in rows] == ["'" + text for text in hostile[:-1]] + [hostile[-1]]
    assert {r["branch"] for r in rows} == {"'" + hostile[0]}
    exporter.export_to_excel(queries=["test_executions"], output=tmp_path / "x.xlsx", timerange="1d")
    sheet = openpyxl.load_workbook(tmp_path / "x.xlsx")["test_executions"]
    column = [c.value for c in sheet[1]].index("error_type") + 1
    cells = [sheet.cell(row, column) for row in range(2, len(hostile) + 2)]
    # text, never a formula (openpyxl leaves the carriage return escaped as Excel's _x000D_)
    assert [c.value.replace("_x000D_", "\r") for c in cells] == hostile and {c.data_type for c in cells} == {"s"}
    exporter.export_to_json(queries=["test_executions"], output=tmp_path / "x.json", timerange="1d")
    assert [r["error_type"] for r in json.loads((tmp_path / "x.json").read_text())["queries"]["test_executions"]["rows"]] \
        == hostile


def test_hostile_values_are_named_and_leave_no_file(seeded, tmp_path) -> None:
    exporter = AnalyticsExporter(seeded, project="box")
    out = tmp_path / "out.csv"
    for kwargs, option, text in [
        ({"query": "runs", "timerange": "-3d"}, "timerange", "'-3d'"),
        ({"query": "runs", "timerange": "99999d"}, "timerange", "99,999 days long: at most 366"),
        ({"query": "nope"}, "query", "no export query 'nope': known are test_executions"),
    ]:
        with pytest.raises(ExportError, match=text) as caught:
            exporter.export_to_csv(output=out, **kwargs)
        assert caught.value.option == option
    with pytest.raises(ExportError, match="no dashboard 'Nope'") as caught:
        exporter.export_to_excel(dashboards=["Nope"], output=tmp_path / "x.xlsx")
    with pytest.raises(ExportError, match="cannot write") as caught:
        exporter.export_to_csv(query="runs", output=tmp_path / "missing" / "x.csv")
    assert caught.value.option == "output"
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith("vpt0.db")] == []  # nothing half written


def test_cli_export_json_summary_and_usage_errors(seeded, tmp_path) -> None:
    runner = CliRunner()
    out = tmp_path / "runs.csv"
    done = runner.invoke(cli, ["--store", seeded, "export", "csv", "--query", "runs", "--range", "30d", "-o", str(out),
                               "--project", "box", "--json"])
    assert done.exit_code == 0, done.output
    found = json.loads(done.output)
    with History.open(seeded, project="box") as history:
        assert found["rows"] == {"runs": len(history.runs(limit=1000))}
    assert found["file"] == str(out) and found["bytes"] == out.stat().st_size
    done = runner.invoke(cli, ["--store", seeded, "export", "xlsx", "--dashboard", "QA Operations", "-q", "kpis",
                               "-o", str(tmp_path / "r.xlsx"), "--project", "box"])
    assert done.exit_code == 0 and "dashboard QA Operations" in done.output and "kpis:" in done.output
    for args, named in [(["--range", "-3d"], "'--range'"), (["--range", "99999d"], "'--range'"),
                        (["-q", "bogus"], "'--query'"), (["--dashboard", "Nope"], "'--dashboard'"),
                        (["-o", str(tmp_path / "no" / "x.csv")], "'--output'")]:
        base = {"-q": "runs", "-o": str(tmp_path / "e.csv")}
        extra = dict(zip(args[::2], args[1::2]))
        fmt = "xlsx" if "--dashboard" in extra else "csv"
        if fmt == "xlsx":
            base = {"-o": str(tmp_path / "e.xlsx")}
        merged = [item for pair in {**base, **extra}.items() for item in pair]
        done = runner.invoke(cli, ["--store", seeded, "export", fmt, *merged, "--project", "box"])
        assert done.exit_code == 2, (args, done.output)
        assert named in done.output, done.output


def test_crlf_between_records_only_even_across_chunks() -> None:
    from pytest_vpt.exports.csvfile import crlf_records

    chunks = [b'a,1\n', b'"two\nlines', b' and ""quotes""",2\nb,', b'3\n"x\n', b'y"\n']
    found = list(crlf_records(iter(chunks)))
    assert b"".join(data for data, _ in found) == b'a,1\r\n"two\nlines and ""quotes""",2\r\nb,3\r\n"x\ny"\r\n'
    assert sum(ended for _, ended in found) == 4
