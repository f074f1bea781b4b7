"""`vpt db init` on the README's PostgreSQL recipe: the schema named in the URL's search_path
is created when it is missing, its name quoted as it was written."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from click.testing import CliRunner

from pytest_vpt.cli import cli

from conftest import PG_DSN

README = Path(__file__).resolve().parents[1] / "README.md"


def _readme_recipe() -> str:
    """The query string the README's PostgreSQL section tells users to add, e.g. ?options=...vpt."""
    found = re.search(r"`(\?options=-csearch_path%3D)vpt`", README.read_text())
    assert found, "the README's PostgreSQL recipe is gone"
    return found.group(1)


@pytest.fixture
def missing_schema():
    """Names of schemas that do not exist yet; each dropped afterwards."""
    admin = psycopg.connect(PG_DSN, autocommit=True, connect_timeout=5)
    names: list[str] = []

    def make(prefix: str) -> str:
        names.append(f"{prefix}{uuid.uuid4().hex[:8]}")
        return names[-1]

    yield make
    for name in names:
        admin.execute(psycopg.sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(psycopg.sql.Identifier(name)))
    admin.close()


def _tables(schema: str) -> set[str]:
    with psycopg.connect(PG_DSN, connect_timeout=5) as conn:
        rows = conn.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,))
        return {row[0] for row in rows}


def _with_recipe(schema: str) -> str:
    assert "?" not in PG_DSN
    return f"{PG_DSN}{_readme_recipe()}{quote(schema, safe='')}"


def test_db_init_creates_the_schema_of_the_readmes_recipe(missing_schema) -> None:
    schema = missing_schema("vpt_")
    url = _with_recipe(schema)
    result = CliRunner().invoke(cli, ["--store", url, "db", "init"])
    assert result.exit_code == 0, result.output
    assert "schema up to date" in result.output
    assert {"runs", "test_attempts", "device_samples"} <= _tables(schema)
    again = CliRunner().invoke(cli, ["--store", url, "db", "init"])
    assert again.exit_code == 0, again.output
    listed = CliRunner().invoke(cli, ["--store", url, "runs", "--json"])
    assert listed.exit_code == 0 and json.loads(listed.output) == []


def test_db_init_quotes_a_schema_name_that_needs_it(missing_schema) -> None:
    schema = missing_schema('Lab"A",2;DROP-')
    result = CliRunner().invoke(cli, ["--store", _with_recipe(f'"{schema.replace(chr(34), chr(34) * 2)}"'),
                                      "db", "init"])
    assert result.exit_code == 0, result.output
    assert "runs" in _tables(schema)  # exactly that name, case, quotes and all


def test_an_unquoted_name_folds_to_lower_case_as_in_sql(missing_schema) -> None:
    schema = missing_schema("vpt_upper_")
    result = CliRunner().invoke(cli, ["--store", _with_recipe(schema.upper()), "db", "init"])
    assert result.exit_code == 0, result.output
    assert "runs" in _tables(schema) and not _tables(schema.upper())
