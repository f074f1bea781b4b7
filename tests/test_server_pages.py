"""The service's pages on a real ``vpt server`` over the realistic history: viewer tokens read
and never write (the tokens made before them keep writing), a browser's sign-in keeps a
session cookie (never the token) that reads only and ends on sign-out, revocation or expiry,
forms from another site are refused, every dashboard is drawn with data, and hostile query
parameters are answered 404 or 422 naming them, without a credential in what the server logs."""

from __future__ import annotations

import html
import json
import re

from urllib.parse import parse_qsl

import pytest
import requests
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import report_history
from conftest import UNDO_MIGRATIONS_FROM_17
from pytest_vpt.cli import cli
from pytest_vpt.events import builders
from pytest_vpt.panels.catalogue import DASHBOARDS, panels
from pytest_vpt.server.pages.ranges import BadRange, parse_range
from pytest_vpt.store import open_store, tokens
from server_process import Server

WAIT = 30.0


def make_token(store: str, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--store", store, "token", "create", "--project", "box", "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["token"]


def seeded_service(folder) -> Server:
    """A real vpt server on the report's history in ``folder``, with a writer and a viewer token."""
    store = f"sqlite:///{folder / 'vpt.db'}"
    report_history.seed(store, folder)
    server = Server(store).start()
    server.writer = make_token(store, "--name", "ci")
    server.viewer = make_token(store, "--name", "wall", "--viewer")
    return server


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    server = seeded_service(tmp_path_factory.mktemp("pages"))
    yield server
    log = server.stop()
    for secret in (server.writer, server.viewer, *getattr(server, "sessions", ())):
        assert secret not in log


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def sign_in(service, token: str, **headers) -> requests.Session:
    browser = requests.Session()
    answer = browser.post(f"{service.url}/signin", data={"token": token, "next": "/d/vpt-test-execution"},
                          headers={"Origin": service.url, **headers}, allow_redirects=False, timeout=WAIT)
    assert answer.status_code == 303 and answer.headers["location"] == "/d/vpt-test-execution", answer.text
    service.sessions = (*getattr(service, "sessions", ()), browser.cookies["vpt_session"])
    return browser


def batch(run_id: str) -> list[dict]:
    return [builders.run_event(run_id, "box", "running", 1.7e9)]


def post(service, events: list[dict], **headers) -> requests.Response:
    return requests.post(f"{service.url}/api/v1/events", data=json.dumps(events), timeout=WAIT,
                         headers={"Content-Type": "application/json", **headers})


def test_a_viewer_token_reads_but_is_refused_writing_while_a_writer_writes(service) -> None:
    refused = post(service, batch("viewer-run"), **bearer(service.viewer))
    assert refused.status_code == 403 and "viewer" in refused.json()["error"]
    assert post(service, batch("writer-run"), **bearer(service.writer)).status_code == 200
    runs = requests.get(f"{service.url}/api/v1/runs", params={"limit": 1000}, headers=bearer(service.viewer),
                        timeout=WAIT)
    assert runs.status_code == 200
    ids = {run["run_id"] for run in runs.json()}
    assert "writer-run" in ids and "viewer-run" not in ids
    page = requests.get(f"{service.url}/d/vpt-test-execution", headers=bearer(service.viewer), timeout=WAIT)
    assert page.status_code == 200 and 'id="board"' in page.text


def test_tokens_made_before_viewers_existed_keep_writing(store_url) -> None:
    with open_store(store_url) as store:
        store.conn.execute("DELETE FROM schema_version WHERE version >= 17")
        for statement in UNDO_MIGRATIONS_FROM_17:
            store.conn.execute(statement)
        store.conn.execute("INSERT INTO api_tokens (token_hash, project, name, created_at) VALUES (?, ?, ?, ?)",
                           (tokens.digest("vpt_old"), "box", "old", 1.0))
    with open_store(store_url) as store:  # migration 0019 gives every token there is the writer's role
        assert store.apply(tokens.access_of, "vpt_old") == ("box", "writer")
        viewer = store.apply(tokens.create, "box", "wall", "viewer")
        assert store.apply(tokens.access_of, viewer) == ("box", "viewer")
        with pytest.raises(ValueError, match="role 'admin'"):
            store.apply(tokens.create, "box", "x", "admin")


def test_sessions_expire_and_end_with_their_token(store_url) -> None:
    with open_store(store_url) as store:
        token = store.apply(tokens.create, "box", "wall", "viewer")
        lasting, access = store.apply(tokens.open_session, token, 3600.0)
        expired, _ = store.apply(tokens.open_session, token, 0.0)
        assert access == ("box", "viewer") and token not in lasting
        assert store.apply(tokens.session_access, expired) is None
        assert store.apply(tokens.session_access, lasting) == ("box", "viewer")
        assert store.apply(tokens.open_session, "vpt_not-a-token", 3600.0) is None
        store.apply(tokens.revoke, "box", "wall")
        assert store.apply(tokens.session_access, lasting) is None


def test_signing_in_keeps_a_cookie_that_reads_only_until_signing_out(service) -> None:
    browser = sign_in(service, service.writer)
    cookie = next(c for c in browser.cookies)
    assert cookie.value.startswith("vps_") and service.writer not in cookie.value
    assert cookie.has_nonstandard_attr("HttpOnly") and not cookie.secure
    raw = requests.post(f"{service.url}/signin", data={"token": service.viewer}, headers={"Origin": service.url},
                        allow_redirects=False, timeout=WAIT).headers["set-cookie"]
    assert re.search(r"HttpOnly", raw) and re.search(r"SameSite=strict", raw, re.I) and "Max-Age=43200" in raw
    assert browser.get(f"{service.url}/", timeout=WAIT).status_code == 200
    assert browser.get(f"{service.url}/api/v1/runs", timeout=WAIT).status_code == 200
    written = browser.post(f"{service.url}/api/v1/events", data=json.dumps(batch("cookie-run")), timeout=WAIT,
                           headers={"Content-Type": "application/json"})
    assert written.status_code == 401  # a writer's session still writes nothing
    out = browser.post(f"{service.url}/signout", headers={"Origin": service.url}, allow_redirects=False, timeout=WAIT)
    assert out.status_code == 303 and "vpt_session" not in browser.cookies
    stale = requests.get(f"{service.url}/", cookies={"vpt_session": cookie.value}, timeout=WAIT)
    assert stale.status_code == 401 and 'action="/signin"' in stale.text


def test_revoking_a_token_ends_its_sessions(service) -> None:
    token = make_token(service.store, "--name", "short-lived", "--viewer")
    browser = sign_in(service, token)
    assert browser.get(f"{service.url}/d/vpt-device-health", timeout=WAIT).status_code == 200
    revoked = CliRunner().invoke(cli, ["--store", service.store, "token", "revoke", "--project", "box", "--name",
                                       "short-lived"])
    assert revoked.exit_code == 0, revoked.output
    assert browser.get(f"{service.url}/d/vpt-device-health", timeout=WAIT).status_code == 401


@pytest.mark.parametrize("path", ["/", "/d/vpt-test-execution", "/d/vpt-test-execution/panels"])
def test_the_pages_refuse_a_request_without_a_valid_token(service, path) -> None:
    for headers in ({}, bearer("vpt_forged"), {"Cookie": "vpt_session=vps_forged"}):
        answer = requests.get(f"{service.url}{path}", headers=headers, timeout=WAIT)
        assert answer.status_code == 401 and 'class="panel' not in answer.text, (headers, answer.text[:200])
    assert 'action="/signin"' in requests.get(f"{service.url}{path}", timeout=WAIT).text or path.endswith("panels")


@pytest.mark.parametrize(("data", "headers", "status", "said"), [
    ({"token": "{viewer}"}, {"Origin": "https://evil.example"}, 403, "evil.example"),
    ({"token": "{viewer}"}, {"Referer": "https://evil.example/form"}, 403, "evil.example"),
    ({"token": "vpt_wrong"}, {}, 401, "not valid"),
    ({"token": ""}, {}, 401, "Enter a token"),
    ({"token": "x" * 300}, {}, 401, "at most 256"),
    ("token=" + "x" * 5000, {"Content-Type": "application/x-www-form-urlencoded"}, 413, "larger than 4096"),
    ('{"token": "x"}', {"Content-Type": "application/json"}, 415, "application/x-www-form-urlencoded"),
    (b"token=%ff%fe", {"Content-Type": "application/x-www-form-urlencoded"}, 400, "UTF-8"),
])
def test_a_bad_sign_in_is_refused_naming_why(service, data, headers, status, said) -> None:
    if isinstance(data, dict):
        data = {name: value.format(viewer=service.viewer) for name, value in data.items()}
    answer = requests.post(f"{service.url}/signin", data=data, headers=headers, allow_redirects=False, timeout=WAIT)
    assert answer.status_code == status and said in answer.text and "set-cookie" not in answer.headers


def test_a_sign_in_goes_back_only_to_a_page_of_the_service(service) -> None:
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        answer = requests.post(f"{service.url}/signin", data={"token": service.viewer, "next": target},
                               allow_redirects=False, timeout=WAIT)
        assert answer.status_code == 303 and answer.headers["location"] == "/", target


@pytest.mark.parametrize("board", DASHBOARDS, ids=lambda board: board.uid)
def test_every_dashboard_is_drawn_with_data(service, board) -> None:
    page = requests.get(f"{service.url}/d/{board.uid}", params={"range": "7d"}, headers=bearer(service.viewer),
                        timeout=WAIT)
    assert page.status_code == 200
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    drawn = re.findall(r'<section class="panel w\d+" id="p-([^"]+)" data-kind="[^"]+" data-rows="(\d+)"', page.text)
    assert [key for key, _ in drawn] == [panel.key for panel in panels(board)]
    assert all(int(rows) > 0 for _, rows in drawn), drawn
    assert '<b id="project">box</b>' in page.text and 'data-stream="/api/v1/live/stream"' in page.text
    fragment = requests.get(f"{service.url}/d/{board.uid}/panels", params={"range": "7d"},
                            headers=bearer(service.viewer), timeout=WAIT)
    assert fragment.status_code == 200 and fragment.text.count('<section class="panel') == len(drawn)


@pytest.mark.parametrize(("path", "params", "status", "field", "said"), [
    ("/d/<img src=x onerror=alert(1)>", {}, 404, "uid", "no dashboard '<img src=x onerror=alert(1)>'"),
    ("/d/vpt-test-execution", {"range": "2y"}, 422, "range", "'2y' is not one of 1h, 24h, 7d, 30d, custom"),
    ("/d/vpt-test-execution", {"range": "<b>" * 30}, 422, "range", "at most 64"),
    ("/d/vpt-test-execution", {"refresh": "1"}, 422, "refresh", "from 5 to 3600"),
    ("/d/vpt-test-execution", {"refresh": "-5"}, 422, "refresh", "0 (never)"),
    ("/d/vpt-test-execution", {"range": "custom", "to": "2026-12-01T08:30"}, 422, "from", "needs it"),
    ("/d/vpt-test-execution", {"from": "yesterday", "to": "2026-12-01"}, 422, "from", "'yesterday' is not a UTC"),
    ("/d/vpt-test-execution", {"from": "2026-12-02", "to": "2026-12-01"}, 422, "to", "is not after from"),
    ("/d/vpt-test-execution", {"from": "2020-01-01", "to": "2026-12-01"}, 422, "to", "at most 400"),
    ("/d/vpt-test-execution/panels", {"range": "1y"}, 422, "range", "'1y'"),
])
def test_hostile_parameters_are_answered_naming_them(service, path, params, status, field, said) -> None:
    answer = requests.get(f"{service.url}{path}", params=params, headers=bearer(service.viewer), timeout=WAIT)
    assert answer.status_code == status and f'data-field="{field}"' in answer.text
    assert said in html.unescape(answer.text), answer.text[-600:]
    assert "<img" not in answer.text and "<b><b>" not in answer.text


def test_a_custom_range_shows_its_own_moments(service) -> None:
    end = report_history.END
    params = {"range": "custom", "from": _iso(end - 2 * 86400), "to": _iso(end), "refresh": "0"}
    page = requests.get(f"{service.url}/d/vpt-test-execution", params=params, headers=bearer(service.viewer),
                        timeout=WAIT)
    assert page.status_code == 200 and f'data-end="{end:.0f}"' in page.text and 'data-refresh="0"' in page.text
    assert "the panels are not reloaded" in page.text


def _iso(epoch: float) -> str:
    import datetime

    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["range", "from", "to", "refresh"]),
                       st.one_of(st.text(max_size=80), st.sampled_from(["1h", "7d", "custom", "0", "5", "3601",
                                                                       "2026-12-01", "1969-12-31T23:59"]))))
def test_any_range_parameters_give_a_bounded_range_or_name_what_was_wrong(params) -> None:
    try:
        chosen = parse_range(params)
    except BadRange as exc:
        assert exc.field in ("range", "from", "to", "refresh") and str(exc).startswith(exc.field + ": ")
        return
    start, end = chosen.bounds()
    assert 0 <= start < end and end - start <= 400 * 86400 and (chosen.refresh == 0 or 5 <= chosen.refresh <= 3600)
    assert parse_range(dict(parse_qsl(chosen.query()))).bounds(end) == chosen.bounds(end)  # asked for again, the same
