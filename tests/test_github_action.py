"""The GitHub Action (github-action/action.yml): GitHub's schema, actionlint on a workflow
that uses it (inside a git work tree, where actionlint checks a local action's inputs),
shellcheck on every step, and its steps run end to end with a faked runner
(tests/composite_action.py): a venv installed offline from the locally built wheel and its
dependencies' wheels, against a real `vpt server` on 127.0.0.1."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pytest_vpt import __version__

from ci_tools import command
from composite_action import run_action, runner_path
from github_runner import IssueComments, record, run_with, runner_files
from server_process import Server
from test_ci_github import BASE, FIRST, QUARANTINE, SECOND, T0
from test_server import token_for

ROOT = Path(__file__).resolve().parents[1]
ACTION = ROOT / "github-action" / "action.yml"
STEPS = yaml.safe_load(ACTION.read_text())["runs"]["steps"]


def test_the_action_matches_githubs_schema(tmp_path: Path) -> None:
    checked = subprocess.run([command("check-jsonschema"), "--builtin-schema", "vendor.github-actions", str(ACTION)],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    broken = tmp_path / "action.yml"  # the check does check: an input without its description fails
    described = "    description: The dashboards' URL, linked from the summary.\n"
    broken.write_text(ACTION.read_text().replace(described, ""))
    refused = subprocess.run([command("check-jsonschema"), "--builtin-schema", "vendor.github-actions", str(broken)],
                             capture_output=True, text=True)
    assert refused.returncode == 1 and "description" in refused.stdout


WORKFLOW = """
on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v5
      - run: pytest --vpt
      - id: vpt
        if: always()
        uses: ./github-action
        with:
          server: ${{ vars.VPT_SERVER }}
          token: ${{ secrets.VPT_TOKEN }}
          INPUT: regressions
          comment: true
      - run: echo "$RATE"
        env:
          RATE: ${{ steps.vpt.outputs.OUTPUT }}
"""


def _actionlint(tmp_path: Path, input_name: str, output_name: str) -> subprocess.CompletedProcess:
    tree = tmp_path / f"repo-{input_name}-{output_name}"
    (tree / ".github" / "workflows").mkdir(parents=True)
    shutil.copytree(ACTION.parent, tree / "github-action")
    (tree / ".github" / "workflows" / "ci.yml").write_text(
        WORKFLOW.replace("INPUT", input_name).replace("OUTPUT", output_name))
    subprocess.run(["git", "init", "-q", str(tree)], check=True)
    return subprocess.run([command("actionlint"), "-shellcheck=", "-no-color"], cwd=tree, capture_output=True,
                          text=True)


def test_actionlint_accepts_a_workflow_using_the_action_and_checks_its_inputs(tmp_path: Path) -> None:
    good = _actionlint(tmp_path, "fail-on", "pass-rate")
    assert good.returncode == 0, good.stdout + good.stderr
    wrong_input = _actionlint(tmp_path, "fail_on", "pass-rate")
    assert wrong_input.returncode == 1 and 'input "fail_on" is not defined' in wrong_input.stdout
    wrong_output = _actionlint(tmp_path, "fail-on", "pass_rate")
    assert wrong_output.returncode == 1 and 'property "pass_rate" is not defined' in wrong_output.stdout


@pytest.mark.parametrize("step", STEPS, ids=[step["id"] for step in STEPS])
def test_every_step_passes_shellcheck_and_takes_its_values_from_env(step: dict) -> None:
    assert step["shell"] == "bash" and "${{" not in step["run"]
    checked = subprocess.run([command("shellcheck"), "--shell=bash", "--severity=style", "-"], input=step["run"],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout


@pytest.fixture(scope="module")
def offline_index(tmp_path_factory) -> tuple[Path, Path]:
    """The action as a runner checks it out (the package and github-action/), and a folder of
    wheels to install from with no index: pytest-vpt built here (pip wheel --no-deps) and its
    dependencies (pip download, pinned by constraints.txt), and setuptools to build the checkout."""
    checkout = tmp_path_factory.mktemp("action-checkout")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, checkout / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for folder in ("pytest_vpt", "github-action"):
        shutil.copytree(ROOT / folder, checkout / folder, ignore=ignore)
    wheels = tmp_path_factory.mktemp("wheels")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(wheels), str(checkout)], check=True, timeout=600,
                   capture_output=True)
    (wheel,) = wheels.glob("pytest_vpt-*.whl")
    subprocess.run([*pip, "download", "-d", str(wheels), "-c", str(ROOT / "constraints.txt"), str(wheel),
                    "setuptools>=68"],  # to build the action's folder, as the default version does
                   check=True, timeout=600, capture_output=True)
    return checkout / "github-action", wheels


def _job(tmp_path: Path, wheels: Path, event: dict, **env: str) -> dict[str, str]:
    runner = runner_files(tmp_path / "runner", event, GITHUB_BASE_REF="main", **env)
    return {**runner, "PATH": runner_path(), "HOME": str(tmp_path), "PIP_NO_INDEX": "1",
            "PIP_FIND_LINKS": str(wheels), "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "GITHUB_WORKSPACE": str(tmp_path / "workspace")}


def _history(url: str) -> None:
    record(url, run_with("base-1", T0, BASE, branch="main"))
    record(url, run_with("pr-1", T0 + 100, FIRST, branch="feature", quarantine=QUARANTINE))
    record(url, run_with("pr-2", T0 + 200, SECOND, branch="feature", quarantine=QUARANTINE, ci_run_id="7001"))


def test_the_action_reports_a_run_from_the_server(offline_index, tmp_path: Path) -> None:
    action, wheels = offline_index
    store = f"sqlite:///{tmp_path / 'server.db'}"
    _history(store)
    token = token_for(store, "box")
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    server = Server(store).start()
    try:
        with IssueComments("gh-token") as api:
            env = _job(tmp_path, wheels, {"pull_request": {"number": 12}}, GITHUB_API_URL=api.url,
                       GITHUB_TOKEN_OF_RUN="gh-token")
            done = run_action(action, {"version": __version__, "server": server.url, "token": token,
                                       "fail-on": "regressions",
                                       "comment": "true", "dashboards-url": "https://grafana.example/d/vpt"},
                              env, workspace)
            comments = api.of(12)
    finally:
        server.stop()
    assert len(done.steps) == 3, done.steps[-1].stderr
    install, push, report = done.steps
    assert (install.exit_code, push.exit_code, report.exit_code) == (0, 0, 1), report.stderr  # regressions
    assert f"vpt, version {__version__}" in install.stdout  # the wheel built here, from the folder of wheels
    assert "nothing to push" in push.stdout
    assert done.outputs == {"tests": "7", "passed": "2", "failed": "3", "errors": "1", "skipped": "1", "flaky": "1",
                            "pass-rate": "33.33", "run-id": "pr-2", "new-failures": "2"}
    printed = done.commands
    assert (printed[0].name, printed[0].message) == ("add-mask", token)  # before anything else is printed
    assert [(c.name, c.properties.get("title")) for c in printed[1:]] == [
        ("error", "new failure: t.py::test_c"), ("error", "new failure: t.py::test_e"),
        ("error", "regression: t.py::test_a"), ("warning", "quarantined failure: t.py::test_q")]
    assert "New failures (2)" in report.summary and "[Dashboards](https://grafana.example/d/vpt)" in report.summary
    assert len(comments) == 1 and "New failures (2)" in comments[0]["body"]
    assert token not in done.stdout.replace(f"::add-mask::{token}", "") + done.summary


def test_a_forks_pull_request_warns_reports_local_data_and_passes(offline_index, tmp_path: Path) -> None:
    action, wheels = offline_index
    workspace = tmp_path / "workspace"
    (workspace / ".vpt").mkdir(parents=True)
    (workspace / "pytest.ini").write_text("[pytest]\nvpt_project = box\n")
    _history(f"sqlite:///{workspace / '.vpt' / 'vpt.db'}")  # what pytest --vpt recorded in the job
    env = _job(tmp_path, wheels, {"pull_request": {"number": 12}})
    done = run_action(action, {"server": "http://127.0.0.1:9", "token": "", "fail-on": "failures"}, env, workspace)
    # no version: the action's own folder is built and installed
    assert [step.exit_code for step in done.steps] == [0, 0, 0], done.steps[-1].stderr
    warnings = [c.message for c in done.commands if c.name == "warning" and "file" not in c.properties]
    assert len(warnings) == 1 and "no VPT_TOKEN" in warnings[0]
    assert not any(c.name == "add-mask" for c in done.commands)
    assert done.outputs["run-id"] == "pr-2" and "New failures (2)" in done.summary


def test_the_readme_tables_name_every_input_and_output() -> None:
    action = yaml.safe_load(ACTION.read_text())
    readme = (ACTION.parent / "README.md").read_text()
    inputs_table = readme.split("## Inputs", 1)[1].split("\n## ", 1)[0]
    outputs_table = readme.split("## Outputs", 1)[1].split("\n## ", 1)[0]
    assert [name for name in action["inputs"] if f"| `{name}` |" not in inputs_table] == []
    assert [name for name in action["outputs"] if f"`{name}`" not in outputs_table] == []


JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" tests="3" failures="1" errors="0" skipped="1">
<testcase classname="tests.test_box" name="test_boot" file="tests/test_box.py" line="3" time="0.5"/>
<testcase classname="tests.test_box" name="test_tune" file="tests/test_box.py" line="9" time="1.25">
<failure message="AssertionError: no signal, 0%">E   AssertionError: no signal, 0%</failure></testcase>
<testcase classname="tests.test_box" name="test_hdmi" file="tests/test_box.py" line="14" time="0.0">
<skipped message="no HDMI"/></testcase>
</testsuite></testsuites>
"""


def test_the_action_pushes_junit_xml_and_publishes_the_run_once(offline_index, tmp_path: Path) -> None:
    action, wheels = offline_index
    store = f"sqlite:///{tmp_path / 'server.db'}"
    record(store, run_with("base-1", T0, {"tests/test_box.py::test_boot": "P"}, branch="main"))
    token = token_for(store, "box")
    workspace = tmp_path / "workspace"
    (workspace / "reports").mkdir(parents=True)
    (workspace / "reports" / "box.xml").write_text(JUNIT)
    server = Server(store).start()
    try:
        env = _job(tmp_path, wheels, {"pull_request": {"number": 12}}, GITHUB_HEAD_REF="feature",
                   GITHUB_REF="refs/pull/12/merge", GITHUB_SHA="c" * 40)
        done = run_action(action, {"version": __version__, "server": server.url, "token": token, "project": "box",
                                   "junit": "reports/*.xml\n", "fail-on": "failures"}, env, workspace)
    finally:
        server.stop()
    install, push, report = done.steps
    assert (install.exit_code, push.exit_code, report.exit_code) == (0, 0, 1), push.stderr + report.stderr
    errors = [c for c in done.commands if c.name == "error"]
    assert len(errors) == 1 and errors[0].message == "AssertionError: no signal, 0%"  # once, by the push step
    assert errors[0].properties["title"].endswith("tests/test_box.py::test_tune")
    assert "New failures (1)" in push.summary and report.summary == ""
    assert {key: done.outputs[key] for key in ("tests", "passed", "failed", "skipped", "new-failures")} == {
        "tests": "3", "passed": "1", "failed": "1", "skipped": "1", "new-failures": "1"}
