"""The service's pages in a real headless Chromium (Debian's, through Playwright) against a real
``vpt server``: a sign-in with the form keeps an HttpOnly, SameSite=Strict cookie; a dashboard
renders with data in every chart, no console error and no request leaving the service, within
1280 and 390 pixels (one column on a phone); a run in progress is pushed to the page as it
runs and ends (the page never reloads), the panels reload on their own, and signing out
leaves only the sign-in form."""

from __future__ import annotations

import json
import re
import time

import cv2
import numpy
import pytest
import requests

from browser import browser
from pytest_vpt.events import builders
from pytest_vpt.panels.catalogue import DASHBOARDS, panels
from test_server_pages import seeded_service

WIDTHS = (1280, 390)
WAIT = 30_000  # milliseconds the page has for what the test expects (a loaded machine)
BOARD = "/d/vpt-test-execution?range=7d"


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    server = seeded_service(tmp_path_factory.mktemp("pages-browser"))
    yield server
    server.stop()


def sign_in(context, service) -> None:
    page = context.new_page()
    answer = page.goto(f"{service.url}/")
    assert answer.status == 401 and page.locator("form.signin").count() == 1
    page.fill("#token", service.viewer)
    page.click("form.signin button")
    page.wait_for_selector("body[data-ready='1'] .boards", timeout=WAIT)
    page.close()


@pytest.fixture(scope="module")
def context(service):
    with browser() as opened:
        sign_in(opened, service)
        yield opened


def watch(context, width: int):
    page = context.new_page()
    seen = {"console": [], "requests": [], "errors": []}
    page.on("console", lambda message: seen["console"].append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: seen["errors"].append(str(error)))
    page.on("request", lambda request: seen["requests"].append(request.url))
    page.set_viewport_size({"width": width, "height": 900})
    return page, seen


def post(service, events: list[dict]) -> None:
    answer = requests.post(f"{service.url}/api/v1/events", data=json.dumps(events), timeout=30,
                           headers={"Authorization": f"Bearer {service.writer}", "Content-Type": "application/json"})
    assert answer.status_code == 200, answer.text


def test_the_sign_in_keeps_a_session_cookie_not_the_token(context, service) -> None:
    cookies = {c["name"]: c for c in context.cookies(service.url)}
    cookie = cookies["vpt_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["value"] != service.viewer
    assert cookie["expires"] > time.time() + 3600
    page, seen = watch(context, 1280)
    page.goto(f"{service.url}/")
    page.wait_for_selector("#live[data-events]", timeout=WAIT)
    assert page.eval_on_selector_all(".boards a", "els => els.map(e => e.dataset.uid)") == [b.uid for b in DASHBOARDS]
    assert page.inner_text("#project") == "box" and seen["console"] == [] and seen["errors"] == []
    page.close()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("board", DASHBOARDS, ids=lambda board: board.uid)
def test_a_dashboard_renders_with_data_within_the_width(context, service, board, width, tmp_path) -> None:
    page, seen = watch(context, width)
    page.goto(f"{service.url}/d/{board.uid}?range=7d", wait_until="load")
    page.wait_for_selector("body[data-ready='1'] #live[data-events]", timeout=WAIT)
    assert seen["console"] == [] and seen["errors"] == []
    assert seen["requests"] and all(url.startswith(service.url + "/") for url in seen["requests"]), seen["requests"]
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert scroll <= inner, f"the page is {scroll} px wide in a {inner} px window"
    shown = page.eval_on_selector_all("section.panel[data-kind]", """els => els.map(e => {
        const box = e.getBoundingClientRect(); return {key: e.id.slice(2), rows: +e.dataset.rows,
        drawn: e.querySelectorAll('svg path, svg rect, svg circle, td').length, nodata: !!e.querySelector('.nodata'),
        left: box.left, right: box.right, top: box.top, height: box.height}})""")
    assert [panel["key"] for panel in shown] == [p.key for p in panels(board)]
    for panel in shown:
        assert panel["rows"] > 0 and panel["drawn"] > 0 and not panel["nodata"], panel
        assert 0 <= panel["left"] and panel["right"] <= inner and panel["height"] > 40, panel
    charts = page.eval_on_selector_all("#board svg.chart", "els => els.map(e => e.querySelectorAll('path[d^=M]').length)")
    assert all(count > 0 for count in charts)
    lefts = {round(panel["left"]) for panel in shown}
    assert (len(lefts) == 1) == (width == 390), lefts  # one column on a phone, panels side by side on a desktop
    order = page.evaluate("['header', '#live', '#board'].map(s => document.querySelector(s).getBoundingClientRect().top)")
    assert order == sorted(order)
    _check_screenshot(page, tmp_path / f"{board.uid}-{width}.png", width, shown)
    page.close()


def _check_screenshot(page, path, width: int, shown: list[dict]) -> None:
    """The full-page screenshot has the page's size, its panels are drawn (not blank) where the
    page says they are, and beyond the content on a wide screen is only the background."""
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(path), full_page=True)
    image = cv2.imread(str(path))
    height = page.evaluate("document.documentElement.scrollHeight")
    assert image.shape[:2] == (height, width)
    for panel in shown:
        top, left = int(panel["top"]), int(panel["left"])
        region = image[top + 2:top + int(panel["height"]) - 2, left + 2:int(panel["right"]) - 2]
        assert region.size and numpy.unique(region.reshape(-1, 3), axis=0).shape[0] > 3, panel["key"]
    if width == 1280:
        margin = image[:, 1270:]  # the main column is 1240 px at most: the margin is the page's grey
        assert (numpy.abs(margin.astype(int) - [247, 245, 244]) <= 2).all()


def test_a_run_in_progress_is_pushed_to_the_page_until_it_ends(context, service) -> None:
    page, seen = watch(context, 390)
    page.goto(f"{service.url}{BOARD}&refresh=0")
    page.wait_for_selector("#live[data-events]", timeout=WAIT)
    page.evaluate("window.keptSinceLoad = true")
    run, at = "run-live-1", time.time() - 5
    common = {"run_id": run, "project": "box", "attempt": 1, "final": True}
    post(service, [builders.run_event(run, "box", "running", at),
                   builders.attempt_event("l-1", nodeid="t.py::test_ok", outcome="passed", started_at=at,
                                          finished_at=at + 0.2, call=0.2, **common),
                   builders.attempt_event("l-2", nodeid="t.py::test_broken", outcome="failed", started_at=at,
                                          finished_at=at + 0.1, call=0.1, error_type="AssertionError",
                                          error_message="assert 1 == 2", **common),
                   builders.attempt_event("l-3", nodeid="t.py::test_slow", outcome="passed", started_at=at,
                                          finished_at=at + 3.5, call=3.5, **common)])
    card = page.locator(f"article[data-run='{run}'][data-status='running']")
    card.wait_for(timeout=WAIT)
    text = card.inner_text()
    assert "3\ntests so far" in text and "66.7 %\npass rate so far" in text and "1\nfailures" in text
    assert "t.py::test_broken \u2014 AssertionError" in text and "t.py::test_slow \u2014 3.5 s" in text
    post(service, [builders.attempt_event("l-4", nodeid="t.py::test_more", outcome="passed", started_at=at + 4,
                                          finished_at=at + 4.1, call=0.1, **common)])
    # a locator, not wait_for_function: the page's policy forbids evaluating strings (no 'unsafe-eval')
    page.locator(f"article[data-run='{run}'] span.fig", has_text=re.compile(r"^4\s*tests so far$")).wait_for(timeout=WAIT)
    post(service, [builders.run_event(run, "box", "finished", at, finished_at=at + 6, exit_status=1,
                                      counts={"passed": 3, "failed": 1})])
    page.locator(f"article[data-run='{run}'][data-status='finished']").wait_for(timeout=WAIT)
    page.wait_for_selector("#board[data-reloads]", timeout=WAIT)  # a run ended: the panels are read again
    assert page.evaluate("window.keptSinceLoad") is True  # pushed, not reloaded
    assert seen["console"] == [] and seen["errors"] == []
    assert all(url.startswith(service.url + "/") for url in seen["requests"])
    page.close()


def test_the_panels_reload_on_their_own(context, service) -> None:
    page, seen = watch(context, 1280)
    page.goto(f"{service.url}/d/vpt-device-health?range=7d&refresh=5")
    page.wait_for_selector("body[data-ready='1']", timeout=WAIT)
    first = page.get_attribute("#stamp", "data-end")
    page.evaluate("window.keptSinceLoad = true")
    page.wait_for_selector("#board[data-reloads]", timeout=WAIT)
    assert page.evaluate("window.keptSinceLoad") is True
    assert float(page.get_attribute("#stamp", "data-end")) > float(first)
    assert page.locator("#board section.panel[data-kind] .nodata").count() == 0
    assert seen["console"] == [] and seen["errors"] == []
    page.close()


def test_signing_out_leaves_only_the_sign_in_form(context, service) -> None:
    page = context.new_page()
    page.goto(f"{service.url}{BOARD}")
    page.wait_for_selector("body[data-ready='1']", timeout=WAIT)
    page.click(".who button")
    page.wait_for_selector("form.signin", timeout=WAIT)
    assert [c for c in context.cookies(service.url) if c["name"] == "vpt_session"] == []
    answer = page.goto(f"{service.url}{BOARD}")
    assert answer.status == 401 and page.locator("section.panel").count() == 0
    page.close()
    sign_in(context, service)  # signed in again for any test after this one
