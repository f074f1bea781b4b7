"""One history per project: with no ini file, a run from any folder of a git work tree writes
the work tree's store, under its name, with node ids relative to its top."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from pytest_vpt.cli import cli


@pytest.fixture
def project(pytester: pytest.Pytester):
    """A git work tree with tests at its top and in ``tests/unit``, and no pytest ini file."""
    subprocess.run(["git", "init", "-q", str(pytester.path)], check=True)
    (pytester.path / "tests" / "unit").mkdir(parents=True)
    (pytester.path / "tests" / "unit" / "test_parser.py").write_text(
        "def test_parses(): pass\ndef test_fails(): assert 0\n")
    (pytester.path / "test_top.py").write_text("def test_top(): pass\n")
    return pytester.path


def _pytest(folder, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "--vpt", "-p", "no:cacheprovider", "-p", "no:randomly", *args],
                          cwd=folder, capture_output=True, text=True, timeout=120)


def _recorded(project) -> list[tuple[str, str]]:
    import sqlite3

    with sqlite3.connect(project / ".vpt" / "vpt.db") as conn:
        return sorted(conn.execute("SELECT DISTINCT r.project, c.nodeid FROM test_attempts a "
                                   "JOIN runs r USING (run_id) JOIN test_cases c USING (test_id)"))


def test_runs_from_a_sub_folder_write_the_top_store_with_the_same_node_ids(project) -> None:
    nested = _pytest(project / "tests" / "unit")
    top = _pytest(project)
    assert nested.returncode == top.returncode == pytest.ExitCode.TESTS_FAILED, nested.stderr + top.stderr
    assert "tests/unit/test_parser.py::test_fails FAILED" not in nested.stdout  # pytest's own ids are its own
    assert f"into {project}/.vpt/vpt.db" in nested.stdout and f"into {project}/.vpt/vpt.db" in top.stdout
    assert not (project / "tests" / "unit" / ".vpt").exists()
    name = project.name
    assert _recorded(project) == [
        (name, "test_top.py::test_top"),
        (name, "tests/unit/test_parser.py::test_fails"),
        (name, "tests/unit/test_parser.py::test_parses"),
    ]
    assert "tests/unit/test_parser.py::test_fails" in nested.stdout  # the summary speaks the recorded ids


def test_the_quarantine_list_at_the_top_applies_to_a_sub_folder_run(project) -> None:
    (project / "vpt-quarantine.txt").write_text("tests/unit/test_parser.py::test_fails  # tracked in BUG-1\n")
    nested = _pytest(project / "tests" / "unit", "--vpt-quarantine")
    assert nested.returncode == pytest.ExitCode.OK, nested.stdout
    assert "tests/unit/test_parser.py::test_fails: " in nested.stdout


def test_an_ini_file_decides_the_rootdir_and_the_store(project) -> None:
    """A configuration file makes its folder pytest's rootdir: the store and node ids follow it."""
    (project / "tests" / "unit" / "pytest.ini").write_text("[pytest]\n")
    nested = _pytest(project / "tests" / "unit")
    assert f"into {project}/tests/unit/.vpt/vpt.db" in nested.stdout, nested.stdout
    assert not (project / ".vpt").exists()


def test_the_cli_from_a_sub_folder_reads_the_top_store(project, monkeypatch: pytest.MonkeyPatch) -> None:
    _pytest(project)
    monkeypatch.chdir(project / "tests" / "unit")
    result = CliRunner().invoke(cli, ["runs", "--json"])
    assert result.exit_code == 0, result.output
    (run,) = json.loads(result.output)
    assert run["project"] == project.name
