"""One process evaluates a store's alert rules, however many loops run over it: two ``vpt
alerts run`` processes over one store (SQLite, PostgreSQL) tell a real Slack endpoint each
alert once, the one standing by takes over when the leader is killed (SIGKILL) and tells a
later alert once; ``vpt server --workers 2`` tells once; ``vpt alerts check`` while a loop
leads tells nothing and answers from the stored alerts, and a local run's end leaves its rules
to the process leading; a lost connection loses the lead; the loop's end waits a bounded time
for a failing channel and records what was left."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import psycopg
import pytest
from click.testing import CliRunner

from pytest_vpt.alerts import loop as alert_loop
from pytest_vpt.alerts.lead import Lead
from pytest_vpt.alerts.loop import beside_server
from pytest_vpt.cli import cli
from pytest_vpt.events.builders import device_sample_event
from pytest_vpt.history import History

from alert_endpoints import AlertEndpoints, slack_project
from conftest import PG_DSN
from server_process import Server

CONFIG = """\
alerts:
  every: 1s
  builtin: false
  channels:
    ops: {type: slack, url: "${SLACK_WEBHOOK}"}
  rules:
    - name: Device Offline
      condition: device_status == "offline"
      summary: "{device} is offline"
"""


@pytest.fixture
def slack(tmp_path, monkeypatch):
    with slack_project(tmp_path, monkeypatch, CONFIG) as endpoints:
        yield endpoints


def probe(url: str, device: str, online: bool = False) -> None:
    """A sample of ``device``, probed every 2 minutes: it stays as sampled (never stale) for the test."""
    with History.open(url, create=True) as history:
        history.store.write([device_sample_event("box", device, time.time(), online, 120.0)])


def devices_told(slack: AlertEndpoints) -> list[list[str]]:
    """The devices each Slack message named, in the order they came."""
    return [sorted(d for d in ("tv-1", "tv-2", "tv-3") if f"{d} is offline" in json.dumps(r.json()))
            for r in slack.received("/slack/")]


class AlertsRun:
    """``vpt --store URL alerts run --every EVERY`` in a process of its own; its lines as they come."""

    def __init__(self, url: str, cwd, every: str = "1s") -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "pytest_vpt", "--store", url, "alerts", "run", "--every",
                                      every], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     env={**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"})
        self.lines: list[str] = []
        self._changed = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()

    def said(self, words: str) -> bool:
        with self._changed:
            return any(words in line for line in self.lines)

    def wait_for(self, words: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not any(words in line for line in self.lines):
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise AssertionError(f"no line with {words!r} in: {self.lines}")
                self._changed.wait(0.2)

    def stop(self) -> list[str]:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc.wait()
        time.sleep(0.1)  # the reader's last lines
        return self.lines


def first_saying(loops: list[AlertsRun], words: str, timeout: float = 30.0) -> AlertsRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for each in loops:
            if each.said(words):
                return each
        time.sleep(0.1)
    raise AssertionError(f"no process said {words!r}: {[each.lines for each in loops]}")


def vpt(*args: str) -> tuple[int, str]:
    result = CliRunner(env={"COLUMNS": "200"}).invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_two_loops_over_one_store_tell_each_alert_once_and_the_one_standing_by_takes_over(tmp_path, slack,
                                                                                          store_url) -> None:
    probe(store_url, "tv-1")
    loops = [AlertsRun(store_url, tmp_path), AlertsRun(store_url, tmp_path)]
    try:
        slack.wait_for("/slack/", 1, timeout=30)
        leader = first_saying(loops, "firing: tv-1 is offline")
        (other,) = [each for each in loops if each is not leader]
        other.wait_for("standing by: another process evaluates the rules over")

        leader.proc.send_signal(signal.SIGKILL)
        leader.proc.wait()
        probe(store_url, "tv-2")
        other.wait_for("taking over: no other process evaluates the rules over")
        other.wait_for("firing: tv-2 is offline")
        slack.wait_for("/slack/", 2)
        probe(store_url, "tv-3")  # one evaluation more after the take-over: nothing told twice
        other.wait_for("firing: tv-3 is offline")
        slack.wait_for("/slack/", 3)
    finally:
        said = [each.stop() for each in loops]
    assert devices_told(slack) == [["tv-1"], ["tv-2"], ["tv-3"]]
    assert sum("standing by" in line for line in said[loops.index(other)]) == 1
    assert not any("firing: tv-1" in line for line in said[loops.index(other)])


def test_vpt_server_with_two_workers_tells_an_alert_once(tmp_path, slack) -> None:
    url = f"sqlite:///{tmp_path / 'vpt.db'}"
    probe(url, "tv-1")
    server = Server(url, "--workers", "2").start()
    try:
        slack.wait_for("/slack/", 1, timeout=30)
        probe(url, "tv-2")
        slack.wait_for("/slack/", 2, timeout=30)
        probe(url, "tv-3")
        slack.wait_for("/slack/", 3, timeout=30)
    finally:
        stderr = server.stop()
    assert devices_told(slack) == [["tv-1"], ["tv-2"], ["tv-3"]]
    assert stderr.count("alerts: standing by: another process evaluates the rules over sqlite vpt.db") == 1


def test_a_check_while_a_loop_leads_tells_nothing_and_answers_from_the_stored_alerts(tmp_path, slack,
                                                                                     store_url) -> None:
    probe(store_url, "tv-1")
    running = AlertsRun(store_url, tmp_path, every="1h")  # evaluates once now, then not for an hour
    try:
        running.wait_for("firing: tv-1 is offline")
        probe(store_url, "tv-2")  # for the loop to tell at its next evaluation, not for a check
        code, out = vpt("--store", store_url, "alerts", "check")
        assert code == 1 and out.startswith("another process evaluates the rules over ")
        assert "not evaluated here; the alerts as it stored them:\n1 alert firing" in out and "tv-1" in out
        assert "tv-2" not in out
        code, out = vpt("--store", store_url, "alerts", "check", "--json")
        found = json.loads(out)
        assert code == 1 and found["evaluated"] is False and found["notifications"] == []
        assert [state["labels"]["device"] for state in found["firing"]] == ["tv-1"]
        assert devices_told(slack) == [["tv-1"]]
    finally:
        running.stop()
    code, out = vpt("--store", store_url, "alerts", "check", "--json")  # nobody leads now: it evaluates
    found = json.loads(out)
    assert code == 1 and found["evaluated"] is True and [n["summary"] for n in found["notifications"]] == [
        "tv-2 is offline"]
    slack.wait_for("/slack/", 2)
    assert devices_told(slack) == [["tv-1"], ["tv-2"]]


def test_a_leader_that_loses_its_connection_loses_the_lead(postgres_url) -> None:
    probe(postgres_url, "tv-1", online=True)
    told: dict[str, list[str]] = {"a": [], "b": []}
    with History.open(postgres_url) as first, History.open(postgres_url) as second:
        a = Lead(first.alert_leadership(), 1.0, told["a"].append)
        b = Lead(second.alert_leadership(), 1.0, told["b"].append)
        assert (a(), b(), a(), b()) == (True, False, True, False)
        schema = first.store.conn.raw.execute("SELECT current_schema()").fetchone()[0]
        with psycopg.connect(PG_DSN, autocommit=True) as admin:  # the session holding this store's lead ends
            (key,) = admin.execute("SELECT hashtext(%s)", (f"{schema}:alerts",)).fetchone()
            (ended,) = admin.execute("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
                                     "AND classid = %s AND objid = %s AND granted", (0x76706C, key & 0xFFFFFFFF)).fetchall()
        assert ended == (True,)
        assert (a(), b()) == (False, True)
        a.release()
        b.release()
    assert told["a"][0].startswith("cannot tell whether another process evaluates the rules over postgresql ")
    assert told["b"] == ["standing by: another process evaluates the rules over "
                         f"{first.store.url.location}; this one takes over within 1s of its end",
                         f"taking over: no other process evaluates the rules over {first.store.url.location} now; "
                         "this one does"]


def test_two_leads_in_one_process_over_sqlite_exclude_each_other_until_released(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'vpt.db'}"
    probe(url, "tv-1", online=True)
    with History.open(url) as history:
        first, second = history.alert_leadership(), history.alert_leadership()
        assert (first.try_lead(), second.try_lead(), first.try_lead()) == (True, False, True)
        (tmp_path / "vpt.db.alerts.leader").unlink()  # its file gone: nobody is excluded by it any more
        assert (second.try_lead(), first.try_lead()) == (True, False)
        second.release()
        assert first.lead_within(1.0) is True
        first.release()
    with pytest.raises(ValueError, match="a wait for the lead is 0 to 60 seconds, got 3600"):
        first.lead_within(3600)


def test_the_loop_stops_within_its_drain_recording_what_a_failing_channel_left(tmp_path, slack, monkeypatch) -> None:
    monkeypatch.setattr(alert_loop, "DRAIN", 1.0)
    url = f"sqlite:///{tmp_path / 'vpt.db'}"
    probe(url, "tv-1")
    slack.fail("/slack/", status=500, times=1000)
    loop = beside_server(url, tmp_path)
    loop.start()
    try:
        slack.wait_for("/slack/", 2)  # retrying
    finally:
        assert loop.stop() is True
    with History.open(url) as history:
        (state,) = history.alert_states()
    assert state.state == "firing" and "left undelivered when the alerts closed (after waiting 1 s)" in state.delivery_error


LOCAL_RULES = """\
alerts:
  every: 1s
  builtin: false
  channels:
    ops: {type: slack, url: "${SLACK_WEBHOOK}"}
  rules:
    - name: Test Failures
      condition: failure_rate > 20%
      summary: "{project}: {value} of the tests failed"
"""


def test_a_local_run_ending_while_a_loop_leads_leaves_its_rules_to_the_loop(pytester, monkeypatch) -> None:
    pytester.makepyfile(test_suite="def test_one(): pass\ndef test_two(): assert False\n")
    (pytester.path / "vpt.yaml").write_text(LOCAL_RULES, encoding="utf-8")
    url = f"sqlite:///{pytester.path / '.vpt' / 'vpt.db'}"
    History.open(url, create=True).close()
    with AlertEndpoints() as endpoints:
        monkeypatch.setenv("SLACK_WEBHOOK", endpoints.slack_url("ops"))
        with History.open(url) as history, history.alert_leadership() as leading:  # this process leads
            assert leading.try_lead()
            result = pytester.runpytest_subprocess("--vpt", "-p", "no:cacheprovider", timeout=120)
            assert endpoints.received("/slack/") == []  # the run's end left its rules to the process leading
        loop = beside_server(url, pytester.path)  # which tells them, once, within its interval
        loop.start()
        try:
            endpoints.wait_for("/slack/", 1, timeout=30)
            evaluated = loop.evaluations
            while loop.evaluations < evaluated + 2:  # two evaluations more: nothing told again
                time.sleep(0.1)
        finally:
            loop.stop()
        sent = endpoints.received("/slack/")
    result.assert_outcomes(passed=1, failed=1)
    assert len(sent) == 1 and "of the tests failed" in json.dumps(sent[0].json())
    assert "alert" not in result.stdout.str().lower()
