"""The report in a real headless Chromium (Debian's, through Playwright): it renders with no
console error, every chart has data, nothing but the file itself is requested, nothing
overflows at 1280 and 390 pixels wide, the screenshots have the page's size, the hostile
message runs no script, and the test table searches and sorts."""

from __future__ import annotations

import struct

import pytest

import report_history
from browser import browser
from pytest_vpt.history import History
from pytest_vpt.report import write_report

WIDTHS = (1280, 390)


@pytest.fixture(scope="module")
def report_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report-browser")
    url = f"sqlite:///{folder / 'vpt.db'}"
    report_history.seed(url, folder)
    with History.open(url, project="box") as history:
        write_report(history, folder / "report.html", report_history.SINCE)
    return folder / "report.html"


@pytest.fixture(scope="module")
def context():
    with browser() as opened:
        yield opened


def _open(context, path, width: int):
    page = context.new_page()
    seen = {"console": [], "requests": [], "dialogs": [], "errors": []}
    page.on("console", lambda message: seen["console"].append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: seen["errors"].append(str(error)))
    page.on("request", lambda request: seen["requests"].append(request.url))
    page.on("dialog", lambda dialog: (seen["dialogs"].append(dialog.message), dialog.dismiss()))
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(path.as_uri(), wait_until="networkidle")
    page.wait_for_selector("body[data-ready='1']")
    return page, seen


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("width", WIDTHS)
def test_the_report_renders_offline_within_the_width(context, report_file, width, tmp_path) -> None:
    page, seen = _open(context, report_file, width)
    assert seen["console"] == [] and seen["errors"] == [] and seen["dialogs"] == []
    assert set(seen["requests"]) == {report_file.as_uri()}
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert scroll <= inner, f"the page is {scroll} px wide in a {inner} px window"
    panels = page.eval_on_selector_all("section.panel[data-kind]", """els => els.map(e => ({
        key: e.id, rows: +e.dataset.rows, drawn: e.querySelectorAll('svg path, svg rect, svg circle, td, .tile').length,
        nodata: !!e.querySelector('.nodata'), height: e.getBoundingClientRect().height,
        width: e.getBoundingClientRect().width}))""")
    assert len(panels) == 20
    for panel in panels:
        assert panel["rows"] > 0 and panel["drawn"] > 0 and not panel["nodata"], panel
        assert 0 < panel["width"] <= inner and panel["height"] > 40, panel
    charts = page.eval_on_selector_all("svg.chart", "els => els.map(e => e.querySelectorAll('path[d^=M]').length)")
    assert charts and all(count > 0 for count in charts)
    assert page.locator("#p-run-failures summary").first.inner_text().startswith("failed " + report_history.HOSTILE_NODEID)
    page.locator("#p-run-failures summary").first.click()
    assert report_history.HOSTILE_MESSAGE in page.locator("#p-run-failures pre").first.inner_text()
    assert page.locator("#p-video-list img.thumb").count() == 1
    assert page.evaluate("document.querySelector('#p-video-list img.thumb').naturalWidth") == 8
    shot = page.screenshot(path=str(tmp_path / f"report-{width}.png"), full_page=True)
    height = page.evaluate("document.documentElement.scrollHeight")
    assert _png_size(shot) == (width, height) and height > 3000
    headings = page.eval_on_selector_all("h2", "els => els.map(e => e.textContent)")
    assert headings == ["KPIs", "KPIs and SLA", "Pass and fail over time", "Durations", "Flaky tests", "Failures",
                        "Devices", "Video", "Last run"]
    page.close()


def test_the_test_table_searches_and_sorts(context, report_file) -> None:
    page, seen = _open(context, report_file, 1280)
    rows = page.locator("#tests tbody tr")
    assert rows.count() == 31 and page.locator("#count").inner_text() == "31 of 31 shown (31 tests)"
    page.fill("#search", "test_02")
    assert rows.count() == 10 and page.locator("#count").inner_text() == "10 of 10 shown (31 tests)"
    page.fill("#search", "")
    page.click("#tests th:text-is('duration')")
    durations = page.eval_on_selector_all("#tests tbody tr td:nth-child(3)", "els => els.map(e => e.textContent)")
    assert durations[0] == "50 ms" and durations[-1] == "2.95 s"
    page.click("#tests th:text-is('duration')")
    assert rows.first.locator("td").first.inner_text() == "tests/test_box.py::test_029"
    assert page.get_attribute("#tests th:text-is('duration')", "aria-sort") == "descending"
    page.fill("#search", "onerror")
    assert rows.count() == 1 and rows.first.locator("td").nth(1).inner_text() == "failed"
    assert seen["console"] == [] and seen["dialogs"] == [] and set(seen["requests"]) == {report_file.as_uri()}
    page.close()
