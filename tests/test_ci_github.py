"""publish(): a recorded run as a GitHub job summary, annotations, outputs and one
pull-request comment, read from a real store or a real `vpt server`, with the runner's files
and GitHub's comments endpoints faked on 127.0.0.1 (tests/github_runner.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pytest_vpt.ci import PublishError, publish
from pytest_vpt.ci.commands import SUMMARY_LIMIT, command
from pytest_vpt.cli import cli
from pytest_vpt.history import History

from github_runner import IssueComments, commands, outputs, record, run_with, runner_files
from server_process import Server, free_port
from test_server import token_for

T0 = 1.8e9
BASE = {"t.py::test_a": "P", "t.py::test_b": "F", "t.py::test_c": "P", "t.py::test_q": "F", "t.py::test_s": "S"}
#: The branch's first run: test_a breaks; test_q is quarantined; test_d passes on a retry.
FIRST = {**BASE, "t.py::test_a": "F", "t.py::test_d": "FP"}
#: Its second: test_a still fails, test_c breaks now, test_b is fixed, test_e errors (a new test).
SECOND = {**FIRST, "t.py::test_b": "P", "t.py::test_c": "F", "t.py::test_e": "E"}
QUARANTINE = {"t.py::test_q": "known bug"}


@pytest.fixture
def store(tmp_path: Path) -> str:
    """A store with a run of main, then two runs of a pull request's branch."""
    url = f"sqlite:///{tmp_path / 'vpt.db'}"
    record(url, run_with("base-1", T0, BASE, branch="main"))
    record(url, run_with("pr-1", T0 + 100, FIRST, branch="feature", quarantine=QUARANTINE))
    record(url, run_with("pr-2", T0 + 200, SECOND, branch="feature", quarantine=QUARANTINE, ci_run_id="7001"))
    return url


@pytest.fixture
def runner(tmp_path: Path) -> dict[str, str]:
    """A pull request's job: base branch main, pull request 12."""
    return runner_files(tmp_path / "runner", {"pull_request": {"number": 12}}, GITHUB_BASE_REF="main")


def _publish(url: str, env: dict[str, str], run_id: str = "latest", **options):
    with History.open(url) as history:
        return publish(history, run_id, env, **options)


def _printed(capsys) -> list:
    return commands(capsys.readouterr().out)


def test_new_failures_regressions_quarantined_and_fixed_are_told_apart(store, runner, capsys) -> None:
    published = _publish(store, runner)
    summary = Path(runner["GITHUB_STEP_SUMMARY"]).read_text()
    printed = _printed(capsys)
    errors = [c.properties["title"] for c in printed if c.name == "error"]
    warnings = [c.properties["title"] for c in printed if c.name == "warning"]
    assert published.run_id == "pr-2"
    assert errors == ["new failure: t.py::test_c", "new failure: t.py::test_e", "regression: t.py::test_a"]
    assert published.counts["quarantined"] == 1 and published.counts["new_failures"] == 2
    assert "Against <code>main</code> (run <code>base-1</code>" in summary
    new, regressions, quarantined, fixed, flaky = (summary.split(f"### {title}")[1].split("###")[0] for title in (
        "New failures (2)", "Regressions (1)", "Quarantined failures (1)", "Fixed against <code>main</code> (1)",
        "Flaky tests (1)"))
    assert "test_c" in new and "test_e" in new and "test_a" not in new
    assert "<code>t.py::test_a</code>" in regressions and "| 2 runs |" in regressions  # failing since pr-1
    assert "test_q" in quarantined and "test_b" in fixed
    assert "t.py::test_d" in flaky and "passed at attempt 2 here" in flaky
    assert "### Slowest tests" in summary and "**Pass rate 33.3%** · 7 tests · 2 passed" in summary
    assert warnings == ["quarantined failure: t.py::test_q"]  # non-blocking: a warning


def test_the_outputs_are_written_as_the_runner_reads_them(store, runner, capsys) -> None:
    _publish(store, runner)
    assert outputs(Path(runner["GITHUB_OUTPUT"])) == {
        "tests": "7", "passed": "2", "failed": "3", "errors": "1", "skipped": "1", "flaky": "1",
        "pass-rate": "33.33", "run-id": "pr-2", "new-failures": "2",
    }
    assert outputs(Path(runner["GITHUB_ENV"])) == {"VPT_PUBLISHED_RUN": "pr-2"}


@pytest.mark.parametrize("run_id, fail_on, exit_code", [
    ("pr-2", "never", 0), ("pr-2", "failures", 1), ("pr-2", "regressions", 1),
    ("base-1", "failures", 1), ("base-1", "regressions", 1),  # no base run for main: every failure counts
])
def test_fail_on(store, runner, run_id, fail_on, exit_code, capsys) -> None:
    assert _publish(store, runner, run_id, fail_on=fail_on).exit_code == exit_code


def test_failures_already_on_the_base_branch_or_quarantined_are_not_regressions(tmp_path, runner, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'vpt.db'}"
    record(url, run_with("base-1", T0, BASE, branch="main"))
    record(url, run_with("pr-1", T0 + 100, BASE, branch="feature", quarantine=QUARANTINE))
    assert _publish(url, runner, "pr-1", fail_on="regressions").exit_code == 0
    assert _publish(url, runner, "pr-1", fail_on="failures").exit_code == 1  # test_b fails, on main too
    record(url, run_with("pr-2", T0 + 200, BASE, branch="feature"))  # quarantine over: test_q is a failure
    assert _publish(url, runner, "pr-2", fail_on="failures").exit_code == 1


def test_annotations_are_escaped_the_most_important_first_ten_per_level(tmp_path, runner, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'vpt.db'}"
    old = {f"t.py::test_old[{i}]": "F" for i in range(12)}
    odd = "t.py::test_odd[a,b: 100%]"
    record(url, run_with("base-1", T0, {**old, odd: "P", "t.py::test_q": "P"}))
    record(url, run_with("pr-1", T0 + 100, {odd: "F", **old, **{f"t.py::test_new_{i}": "F" for i in range(12)},
                                           "t.py::test_q": "F"}, branch="feature", quarantine=QUARANTINE))
    published = _publish(url, runner, "pr-1")
    printed = _printed(capsys)
    errors = [c for c in printed if c.name == "error"]
    assert len(errors) == 10 and [c.name for c in printed[10:]] == ["warning"]
    assert all(c.properties["title"].startswith("new failure: ") for c in errors)
    assert errors[0].properties == {"file": "t.py", "title": f"new failure: {odd}"}
    assert errors[0].message == f"AssertionError: {odd} broke: 100% wrong,\nsee: line 2"
    assert published.not_annotated == 13 + 12 - 10
    summary = Path(runner["GITHUB_STEP_SUMMARY"]).read_text()
    assert "15 failures not annotated" in summary and "### Already failing on <code>main</code> (12)" in summary


def test_workflow_commands_escape_what_github_requires() -> None:
    assert command("error", "a%b\r\nc", file="x,y:z.py", line=3, title="t: 1%") == \
        "::error file=x%2Cy%3Az.py,line=3,title=t%3A 1%25::a%25b%0D%0Ac"


def test_the_summary_shortens_itself_under_1_mib_with_50000_failures(tmp_path, runner, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'vpt.db'}"
    record(url, run_with("big", T0, {f"tests/test_{i % 100}.py::test_{i}": "F" for i in range(50_000)}))
    summary = Path(runner["GITHUB_STEP_SUMMARY"])
    summary.write_text("x" * 300_000)  # an earlier step's part of this step's summary
    published = _publish(url, runner, "big")
    text = summary.read_text()
    assert summary.stat().st_size <= SUMMARY_LIMIT
    assert published.summary_bytes > SUMMARY_LIMIT - 300_000 - 20_000  # shortened to the room left, not dropped
    shown = text.count("| <code>tests/")
    assert 1000 < shown < 50_000
    assert f"{50_000 + 10 - shown} rows left out" in text
    assert "_… and " in text and "more, left out._" in text


def test_flaky_tests_link_to_the_dashboards(store, runner, capsys) -> None:
    _publish(store, {**runner, "VPT_DASHBOARDS_URL": "https://grafana.example/d/vpt?orgId=1"})
    summary = Path(runner["GITHUB_STEP_SUMMARY"]).read_text()
    assert "[Dashboards](https://grafana.example/d/vpt?orgId=1)" in summary
    assert "[history](https://grafana.example/d/vpt?orgId=1&var-nodeid=t.py%3A%3Atest_d)" in summary


def test_a_run_published_once_is_not_published_twice(store, runner, capsys) -> None:
    _publish(store, runner)
    summary = Path(runner["GITHUB_STEP_SUMMARY"]).read_text()
    capsys.readouterr()
    again = _publish(store, {**runner, "VPT_PUBLISHED_RUN": "pr-2"})
    assert _printed(capsys) == [] and Path(runner["GITHUB_STEP_SUMMARY"]).read_text() == summary
    assert again.exit_code == 0 and outputs(Path(runner["GITHUB_OUTPUT"]))["run-id"] == "pr-2"


def test_the_pull_request_comment_is_updated_not_duplicated(store, runner, capsys) -> None:
    with IssueComments("gh-secret-token") as api:
        for index in range(130):  # the marker is looked for past the first page
            api.add(12, f"review comment {index}")
        env = {**runner, "GITHUB_API_URL": api.url, "GITHUB_TOKEN": "gh-secret-token"}
        first = _publish(store, env, comment=True)
        second = _publish(store, {**env, "GITHUB_JOB": "test"}, comment=True)
        mine = [c for c in api.of(12) if "<!-- pytest-vpt report" in c["body"]]
        assert len(mine) == 1 and len(api.of(12)) == 131
        assert first.comment_url == second.comment_url == mine[0]["html_url"]
        assert [method for method, _ in api.requests].count("POST") == 1
        assert [method for method, _ in api.requests].count("PATCH") == 1
        assert "New failures (2)" in mine[0]["body"]
        other_job = _publish(store, {**env, "GITHUB_JOB": "lint"}, comment=True)
        assert other_job.comment_url != first.comment_url  # one comment per job
    assert "gh-secret-token" not in capsys.readouterr().out


def test_a_forks_read_only_token_warns_and_passes(store, runner, capsys) -> None:
    with IssueComments("gh-secret-token") as api:
        env = {**runner, "GITHUB_API_URL": api.url, "GITHUB_TOKEN": "read-only"}
        published = _publish(store, env, comment=True, fail_on="never")
        assert api.of(12) == []
    warnings = [c.message for c in _printed(capsys) if c.name == "warning"]
    assert published.comment_url is None and published.exit_code == 0
    assert any("HTTP 403" in w and "read-only token" in w for w in warnings)


def test_the_server_is_read_with_the_token_and_gives_the_same_report(store, runner, tmp_path, capsys) -> None:
    local = _publish(store, runner)
    local_summary = Path(runner["GITHUB_STEP_SUMMARY"]).read_text()
    capsys.readouterr()
    server = Server(store).start()
    try:
        env = runner_files(tmp_path / "remote", {"pull_request": {"number": 12}}, GITHUB_BASE_REF="main",
                           VPT_TOKEN=token_for(store, "box"))
        remote = publish(server.url, "latest", env, fail_on="regressions")
    finally:
        server.stop()
    assert (remote.counts, remote.exit_code) == (local.counts, 1)
    remote_summary = Path(env["GITHUB_STEP_SUMMARY"]).read_text()
    assert remote_summary.replace(remote.source, "") == local_summary.replace(local.source, "")
    assert env["VPT_TOKEN"] not in capsys.readouterr().out + remote_summary


@pytest.mark.parametrize("token", ["", "not-a-token"])
def test_without_a_token_or_refused_it_reports_local_data_and_passes(store, tmp_path, token, monkeypatch,
                                                                     capsys) -> None:
    project = tmp_path / "checkout"
    (project / ".vpt").mkdir(parents=True)
    (project / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "vpt.db").rename(project / ".vpt" / "vpt.db")
    monkeypatch.chdir(project)
    server = Server(f"sqlite:///{project / '.vpt' / 'vpt.db'}").start()
    try:
        env = runner_files(tmp_path / "fork", {"pull_request": {"number": 12}}, GITHUB_BASE_REF="main",
                           VPT_TOKEN=token)
        published = publish(server.url, "latest", env, fail_on="failures")
    finally:
        server.stop()
    warnings = [c.message for c in _printed(capsys) if c.name == "warning" and "file" not in c.properties]
    assert published.exit_code == 0 and published.run_id == "pr-2" and published.source.endswith("vpt.db")
    assert ("no VPT_TOKEN" if not token else "HTTP 401") in warnings[0]
    assert "New failures (2)" in Path(env["GITHUB_STEP_SUMMARY"]).read_text()


def test_nothing_recorded_anywhere_is_said_in_the_summary(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    env = runner_files(tmp_path / "runner")
    published = publish(f"http://127.0.0.1:{free_port()}", "latest", env, fail_on="failures")
    assert published.exit_code == 0 and published.run_id is None
    assert "No results to report" in Path(env["GITHUB_STEP_SUMMARY"]).read_text()


def test_the_cli_reports_and_exits_as_fail_on_says(store, runner, monkeypatch) -> None:
    for name, value in runner.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(cli, ["--store", store, "github", "report", "--fail-on", "regressions", "--json"])
    assert result.exit_code == 1, result.output
    reported = json.loads(result.output[result.output.index("{"):])
    assert (reported["run_id"], reported["counts"]["new_failures"], reported["annotations"]) == ("pr-2", 2, 4)
    assert result.output.startswith("::error file=t.py,title=new failure%3A t.py%3A%3Atest_c::")


@pytest.mark.parametrize("args, message", [
    (["--run", "nope"], "no run 'nope'"),
    (["--run", "pr-"], "ambiguous"),
    (["--fail-on", "sometimes"], "'sometimes' is not one of"),
    (["--dashboards", "grafana.local"], "is not an http(s) URL"),
])
def test_the_cli_names_what_was_wrong(store, runner, monkeypatch, args, message) -> None:
    for name, value in runner.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(cli, ["--store", store, "github", "report", *args])
    assert result.exit_code == (2 if "--fail-on" in args else 1)  # click's usage error, or ours
    assert message in result.output


def test_publish_refuses_bad_options(store, runner) -> None:
    with pytest.raises(PublishError, match="fail-on 'always'"):
        _publish(store, runner, fail_on="always")
    with pytest.raises(PublishError, match="is not a run id"):
        _publish(store, runner, "x" * 300)
