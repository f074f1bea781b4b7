"""Every command answers in JSON with --json, for scripts and CI steps."""

from __future__ import annotations

import json

import click
from click.testing import CliRunner

from pytest_vpt.cli import cli

from conftest import run_events

#: commands that run until stopped and print a line per change as it happens
LONG_RUNNING = {"monitor", "watch", "server"}


def _commands(group: click.Group, path: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))
        else:
            yield (*path, name), command


def test_every_command_has_json() -> None:
    missing = [" ".join(path) for path, command in _commands(cli)
               if path[-1] not in LONG_RUNNING and not any("--json" in p.opts for p in command.params)]
    assert missing == []


def vpt_json(store: str, *args: str):
    result = CliRunner().invoke(cli, ["--store", store, *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_quarantine_token_and_init_answer_in_json(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    store = f"sqlite:///{tmp_path / 'vpt.db'}"
    assert vpt_json(store, "db", "init") == {"store": store, "schema": "up to date"}
    from pytest_vpt.store import open_store

    with open_store(store) as opened:
        opened.write(run_events("r1", 1.8e9, "a" * 40, {"t.py::test_a": "P"}))
    monkeypatch.setenv("VPT_PROJECT", "box")
    added = vpt_json(store, "quarantine", "add", "t.py::test_a", "--reason", "flaky")
    assert added["nodeid"] == "t.py::test_a" and added["added"] is True
    assert vpt_json(store, "quarantine", "remove", "t.py::test_a") == {
        "nodeid": "t.py::test_a", "unlisted": True, "released": False}
    made = vpt_json(store, "token", "create", "--project", "box", "--name", "ci")
    assert (made["project"], made["name"]) == ("box", "ci") and len(made["token"]) >= 20
    assert vpt_json(store, "token", "revoke", "--project", "box", "--name", "ci") == {
        "project": "box", "name": "ci", "revoked": 1}
