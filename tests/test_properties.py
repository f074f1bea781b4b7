"""Properties of every input boundary, on generated events, batches, bodies and URLs:
the validator answers or refuses, nothing else; the store on both engines keeps one row per
event id and never lets one project change another's rows; the service answers every body
below 500; no credential survives in a URL the product stores or prints."""

from __future__ import annotations

import gzip
import itertools
import json
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit

import pytest
import requests
from hypothesis import HealthCheck, assume, event, example, given, settings
from hypothesis import strategies as st

from pytest_vpt.analytics.flakiness import STATUSES, FlakinessSettings
from pytest_vpt.events import EventError, make_event, plainly_valid, validate
from pytest_vpt.store import StoreConflict, StoreURLError, open_store, parse_store_url
from pytest_vpt.store import devices as device_rollup
from pytest_vpt.store import flakiness, queries, tokens

from conftest import _store_urls
from event_strategies import (
    anything, batches, credential_urls, events, limit_violations, mutated_events, sent_again,
)
from server_process import Server

_SLOW = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large]
#: the store and service are shared by a test's examples: each example gets projects of its own
STORE_EXAMPLES = settings(max_examples=30, deadline=None, suppress_health_check=_SLOW)
_SERIAL = itertools.count()


def _fresh() -> tuple[str, str]:
    """A project and id prefix no other example of this session uses."""
    n = next(_SERIAL)
    return f"proj{n}", f"x{n}-"


def _valid(event: Any) -> bool:
    try:
        validate(event)
    except EventError:
        return False
    return True


# -- the validator -----------------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(anything())
def test_validate_returns_the_event_or_raises_event_error(item) -> None:
    try:
        assert validate(item) is item
    except EventError:
        pass


@settings(max_examples=200, deadline=None)
@given(events("p", "v-"))
def test_every_generated_event_is_valid(event) -> None:
    assert validate(event) is event


@settings(max_examples=300, deadline=None)
@given(st.lists(events("p", "b-") | mutated_events(), max_size=8))
def test_plainly_valid_agrees_with_validate_event_by_event(batch) -> None:
    assert plainly_valid(batch) == all(map(_valid, batch))


@settings(max_examples=300, deadline=None)
@given(limit_violations())
def test_a_value_beyond_a_limit_is_refused_naming_its_field(case) -> None:
    event, field = case
    with pytest.raises(EventError) as refused:
        validate(event)
    assert field in str(refused.value)
    assert not plainly_valid([event])


# -- the store, on both engines ----------------------------------------------------------------

@pytest.fixture
def store(make_store_url):
    with open_store(make_store_url()) as opened:
        yield opened


def _tables(store) -> dict[str, list[str]]:
    """Every table of the store (not PostgreSQL's partitions) and its columns."""
    if store.engine == "sqlite":
        names = [row[0] for row in store.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        return {name: [column[1] for column in store.conn.execute(f'PRAGMA table_info("{name}")')] for name in names}
    found: dict[str, list[str]] = {}
    for table, column in store.conn.execute(
            "SELECT c.relname, a.attname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "JOIN pg_attribute a ON a.attrelid = c.oid WHERE n.nspname = current_schema() "
            "AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND a.attnum > 0 AND NOT a.attisdropped "
            "ORDER BY c.relname, a.attnum"):
        found.setdefault(table, []).append(column)
    return found


def project_rows(store, project: str) -> dict[str, list[str]]:
    """Every row of every table that belongs to ``project`` (by its project, test or run)."""
    rows = {}
    for table, columns in _tables(store).items():
        if "project" in columns:
            where = "project = ?"
        elif "test_id" in columns:
            where = "test_id IN (SELECT test_id FROM test_cases WHERE project = ?)"
        elif "run_id" in columns:
            where = "run_id IN (SELECT run_id FROM runs WHERE project = ?)"
        else:
            continue
        rows[table] = sorted(repr(tuple(row)) for row in store.conn.execute(f"SELECT * FROM {table} WHERE {where}",
                                                                            (project,)))
    return rows


#: the tables holding what events say (not the rollups derived from them), and the daily rollup
EVENT_TABLES = ("runs", "test_cases", "test_attempts", "metrics", "devices", "device_samples", "video_incidents",
                "test_daily")


def row_counts(store, project: str) -> dict[str, int]:
    rows = project_rows(store, project)
    return {table: len(rows.get(table, [])) for table in EVENT_TABLES}


def duplicated_ids(store, project: str) -> dict[str, list[str]]:
    """Event ids that fill more than one row of a table, per table."""
    twice = {}
    for table, columns in _tables(store).items():
        if "event_id" not in columns:
            continue
        where = ("project = ?" if "project" in columns
                 else "test_id IN (SELECT test_id FROM test_cases WHERE project = ?)")
        found = [row[0] for row in store.conn.execute(
            f"SELECT event_id FROM {table} WHERE {where} GROUP BY event_id HAVING count(*) > 1", (project,))]
        if found:
            twice[table] = found
    return twice


def fold(store, batch: list[dict]) -> None:
    """What the service does after writing a batch: the flakiness of its finished runs, the daily rollup."""
    for run_id in dict.fromkeys(e["vpt.run.id"] for e in batch if e["type"] == "run" and e["vpt.run.status"] == "finished"):
        store.refresh_flakiness(run_id)
    store.fold_daily()


def read_back(store, project: str, batch: list[dict]) -> str:
    """Everything the CLI and the service read about the batch, as the JSON they would send."""
    reads: list[Any] = [queries.runs(store.conn, project=project, limit=1000),
                        queries.video_incidents(store.conn, project=project, since=None, limit=1000),
                        queries.devices(store.conn, project=project, window=86400.0),
                        queries.flaky(store.conn, project=project, statuses=list(STATUSES), limit=1000)]
    for run in reads[0]:
        reads.append(queries.run_tests(store.conn, run["run_id"], all_attempts=True))
    for nodeid in {e["test.case.name"] for e in batch if e["type"] == "test"}:
        reads.append(queries.history(store.conn, nodeid, project=project, limit=1000))
    return json.dumps(reads, allow_nan=False)


@STORE_EXAMPLES
@given(data=st.data())
def test_a_valid_batch_of_one_project_is_written_folded_and_read_back(store, data) -> None:
    project, prefix = _fresh()
    batch = data.draw(batches(project, prefix), label="batch")
    store.write(batch)
    fold(store, batch)
    store.rebuild_daily(project)
    store.apply(flakiness.rebuild, FlakinessSettings(), project)
    store.apply(device_rollup.rebuild, project)
    read_back(store, project, batch)
    assert duplicated_ids(store, project) == {}


@STORE_EXAMPLES
@given(data=st.data())
def test_one_event_id_is_one_row_however_often_and_however_changed_it_is_sent(store, data) -> None:
    project, prefix = _fresh()
    batch = data.draw(batches(project, prefix), label="batch")
    store.write(batch)
    fold(store, batch)
    written = project_rows(store, project)
    store.write(batch)
    fold(store, batch)
    assert project_rows(store, project) == written, "the same batch sent again changed rows"
    again = data.draw(st.tuples(*(sent_again(event, prefix) for event in batch)).map(list), label="sent again")
    store.write(again)
    fold(store, again)
    assert row_counts(store, project) == {table: len(written.get(table, [])) for table in EVENT_TABLES}
    assert duplicated_ids(store, project) == {}


@STORE_EXAMPLES
@given(data=st.data())
def test_a_batch_of_one_project_never_changes_another_projects_rows(store, data) -> None:
    n = next(_SERIAL)
    alpha, beta, prefix = f"alpha{n}", f"beta{n}", f"x{n}-"  # one prefix: the projects share ids
    theirs = data.draw(batches(beta, prefix), label="beta's batch")
    store.write(theirs)
    fold(store, theirs)
    before = project_rows(store, beta)
    taken = data.draw(st.lists(st.sampled_from(theirs), max_size=3), label="beta's events alpha sends")
    ours = data.draw(batches(alpha, prefix), label="alpha's batch") + [{**e, "vpt.project": alpha} for e in taken]
    ours = data.draw(st.permutations(ours))
    try:
        store.write(ours)
        fold(store, ours)
        event("written")
    except StoreConflict:  # refused: an id of another project
        event("refused as a conflict")
    assert project_rows(store, beta) == before


def _attempt(project: str, started_at: float) -> dict:
    return make_event("test", f"{project}-attempt", {
        "vpt.run.id": f"{project}-run", "vpt.project": project, "test.case.name": "t.py::test_ok",
        "vpt.test.outcome": "passed", "vpt.test.attempt": 1, "vpt.test.final": True,
        "vpt.test.started_at": started_at, "vpt.test.duration.call": 1.0})


def test_a_start_time_next_to_zero_does_not_stop_the_daily_fold(store) -> None:
    """Found by the properties above: 5e-324 is a valid time, and its day (t / 86400) underflows."""
    (poisoned, _), (other, _) = _fresh(), _fresh()
    store.write([_attempt(poisoned, 5e-324)])
    store.write([_attempt(other, 1.7e9)])
    assert len(project_rows(store, poisoned)["test_daily"]) == 1
    assert len(project_rows(store, other)["test_daily"]) == 1


# -- the service -------------------------------------------------------------------------------

@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def service(request, tmp_path_factory):
    """One `vpt server` per engine for the module's examples, with tokens of projects alpha and beta."""
    with _store_urls(request.param, tmp_path_factory.mktemp("service")) as make:
        url = make()
        with open_store(url) as store:
            auth = {project: {"Authorization": f"Bearer {store.apply(tokens.create, project)}"}
                    for project in ("alpha", "beta")}
        server = Server(url).start()
        server.auth = auth
        yield server
        server.stop()


def _json_body(items: list) -> bytes:
    return json.dumps(items).encode()


def _lines_body(items: list) -> bytes:
    return b"\n".join(json.dumps(item).encode() for item in items)


_ITEMS = st.lists(anything(), max_size=5)
_PAYLOADS = st.one_of(
    st.tuples(st.sampled_from(["alpha", "beta"]), st.sampled_from(["s-", "t-"])).flatmap(
        lambda pair: batches(*pair).map(lambda batch: (pair[0], batch))),
    st.tuples(st.sampled_from(["alpha", "beta"]), _ITEMS),
)
_BODIES = st.one_of(
    st.tuples(_PAYLOADS.map(lambda p: (p[0], _json_body(p[1]), p[1])), st.just("application/json")),
    st.tuples(_PAYLOADS.map(lambda p: (p[0], _lines_body(p[1]), p[1])), st.just("application/x-ndjson")),
    st.tuples(st.tuples(st.just("alpha"), st.binary(max_size=300), st.just([])),
              st.sampled_from(["application/json", "application/x-ndjson"])),
    st.tuples(_PAYLOADS.map(lambda p: (p[0], _json_body(p[1]), p[1])),
              st.sampled_from(["text/plain", "", "multipart/form-data; boundary=x", "application/json; charset=latin-1",
                               "APPLICATION/JSON", "application/xml"])),
)


@settings(max_examples=40, deadline=None, suppress_health_check=_SLOW)
@given(st.tuples(_BODIES, st.sampled_from(["identity", "gzip", "gzip-cut", "br"]), st.sampled_from(["own", "other", "none"])))
@example(((("alpha", b'[{"schema_version": [], "type": "test", "id": "x"}]', []), "application/json"), "identity", "own"))
def test_no_body_gets_a_server_error(service, case) -> None:
    ((project, body, items), content_type), encoding, token = case
    headers = {"Content-Type": content_type}
    if encoding != "identity":
        body = gzip.compress(body) if encoding.startswith("gzip") else body
        body = body[: len(body) // 2] if encoding == "gzip-cut" else body
        headers["Content-Encoding"] = encoding.removesuffix("-cut")
    other = "beta" if project == "alpha" else "alpha"
    headers.update({"own": service.auth[project], "other": service.auth[other], "none": {}}[token])
    answer = requests.post(f"{service.url}/api/v1/events", data=body, headers=headers, timeout=30)
    event(f"answered {answer.status_code}")
    assert answer.status_code < 500, answer.text
    if answer.status_code == 200:
        reader = service.auth[project]
        run_ids = {item["vpt.run.id"] for item in items if isinstance(item, dict) and item.get("vpt.run.id")}
        nodeids = {item["test.case.name"] for item in items if isinstance(item, dict) and item.get("test.case.name")}
        reads = [("/api/v1/runs", {}), ("/api/v1/incidents", {}), ("/api/v1/devices", {}), ("/api/v1/flaky", {}),
                 *((f"/api/v1/runs/{quote(run_id, safe='')}/tests", {"attempts": "true"}) for run_id in run_ids),
                 *(("/api/v1/tests/history", {"nodeid": nodeid}) for nodeid in nodeids)]
        for path, params in reads:
            read = requests.get(f"{service.url}{path}", params=params, headers=reader, timeout=30)
            assert read.status_code < 500, f"GET {path}: {read.status_code} {read.text[:300]}"


# -- URLs --------------------------------------------------------------------------------------

def _forms(secret: str) -> set[str]:
    """How ``secret`` may appear in a URL: as it is, or percent-encoded."""
    return {secret, quote(secret, safe=""), quote_plus(secret)}


def _no_secret_in(text: str, secrets: list[str]) -> None:
    for secret in secrets:
        for form in _forms(secret):
            assert form not in text, f"{secret!r} left in {text!r}"


def _distinct(parts: dict) -> bool:
    """Whether every secret appears nowhere in the URL but where it was put."""
    public = (parts["scheme"], parts["host"], parts["path"], *(value for pair in parts["plain"] for value in pair))
    return not any(form in public_part for secret in parts["secrets"] for form in _forms(secret)
                   for public_part in public)


@settings(max_examples=300, deadline=None)
@given(credential_urls())
def test_redact_url_removes_every_credential_and_keeps_the_address(parts) -> None:
    from pytest_vpt.redaction import redact_url

    assume(_distinct(parts))
    redacted = redact_url(parts["url"])
    _no_secret_in(redacted, parts["secrets"] + ([parts["user_token"]] if parts["user_token"] else []))
    split = urlsplit(redacted)
    assert (split.scheme, split.hostname, split.port, split.path) == (
        parts["scheme"], parts["host"], parts["port"], parts["path"])
    assert split.username is None and split.password is None
    kept = parse_qsl(split.query, keep_blank_values=True)
    assert all(pair in kept for pair in parts["plain"])


@settings(max_examples=200, deadline=None)
@given(credential_urls())
def test_a_store_url_is_shown_without_its_password_even_when_refused(parts) -> None:
    url = urlsplit(parts["url"])._replace(scheme="postgresql", path="/db").geturl()
    assume(_distinct({**parts, "scheme": "postgresql", "path": "/db"}))
    try:
        shown = str(parse_store_url(url))
    except StoreURLError as refused:  # e.g. an '@' in a password not percent-encoded
        shown = str(refused)
    _no_secret_in(shown, parts["secrets"])


_PROVIDERS = {
    "jenkins": lambda repo, build: {"JENKINS_URL": "https://jenkins.example.com/", "GIT_URL": repo, "BUILD_URL": build},
    "gitlab": lambda repo, build: {"GITLAB_CI": "true", "CI_PROJECT_URL": repo, "CI_PIPELINE_URL": build},
    "git remote": lambda repo, build: {},
}


@settings(max_examples=8, deadline=None, suppress_health_check=_SLOW)
@given(st.sampled_from(sorted(_PROVIDERS)), credential_urls(), credential_urls())
def test_a_recorded_run_holds_no_credential_from_its_ci_variables(pytester, provider, repo, build) -> None:
    assume(_distinct(repo) and _distinct(build))
    secrets = [*repo["secrets"], *build["secrets"], *(p["user_token"] for p in (repo, build) if p["user_token"])]
    pytester.makepyfile("def test_ok(): pass")
    git = [("init", "-q"), ("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "--allow-empty",
                            "-m", "c"), ("remote", "remove", "origin"), ("remote", "add", "origin", repo["url"])]
    for args in git:
        pytester.run("git", *args)
    with pytest.MonkeyPatch.context() as env:
        for name, value in _PROVIDERS[provider](repo["url"], build["url"]).items():
            env.setenv(name, value)
        result = pytester.runpytest("--vpt")
    assert result.ret == 0
    _no_secret_in(result.stdout.str() + result.stderr.str(), secrets)
    with open_store(f"sqlite:///{pytester.path / '.vpt' / 'vpt.db'}", create=False) as recorded:
        stored = [repr(tuple(row)) for table in _tables(recorded)
                  for row in recorded.conn.execute(f"SELECT * FROM {table}")]
    assert stored
    _no_secret_in("\n".join(stored), secrets)
