"""The Jenkins shared library (jenkins/): its Groovy tests against recorded pipeline steps, its
shell script run for real against a vpt server, npm-groovy-lint and shellcheck.

Groovy comes with npm-groovy-lint (its lib/java folder holds Groovy's jars) and runs on the dev
extra's Java runtime, so nothing but the test session installs it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ci_tools import command, java, node_env, npm_tool
from server_process import Server

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = ROOT / "jenkins"
LINT = ("npm-groovy-lint", "16.2.0", "npm-groovy-lint")


def groovy_jars() -> Path:
    return npm_tool(*LINT).parent.parent / "npm-groovy-lint" / "lib" / "java" / "groovy" / "lib"


def run_tests(*classes: str, classpath: list[Path] = (), **env: str) -> subprocess.CompletedProcess:
    """jenkins/test/run.groovy on ``classes``; its output and exit code."""
    path = os.pathsep.join([f"{groovy_jars()}/*", str(LIBRARY / "test"), *map(str, classpath)])
    return subprocess.run([java(), "-cp", path, "groovy.ui.GroovyMain", str(LIBRARY / "test" / "run.groovy"),
                           str(LIBRARY), *classes], capture_output=True, text=True, timeout=600,
                          env={**os.environ, **env}, cwd=ROOT)


def summary(done: subprocess.CompletedProcess) -> str:
    lines = done.stdout.strip().splitlines()
    return lines[-1] if lines else done.stderr


def test_the_steps_against_recorded_pipeline_steps() -> None:
    done = run_tests("LibraryTest")
    assert done.returncode == 0, done.stdout + done.stderr
    assert summary(done) == "11 passed, 0 failed"


@pytest.fixture
def server(tmp_path):
    store = f"sqlite:///{tmp_path / 'server.db'}"
    token = subprocess.run([sys.executable, "-m", "pytest_vpt", "--store", store, "token", "create", "--project",
                            "box"], capture_output=True, text=True, check=True, cwd=tmp_path).stdout.strip()
    running = Server(store).start()
    yield running, token
    running.stop()


def test_the_shell_script_runs_the_real_cli_against_a_real_server(server) -> None:
    running, token = server
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    report = ROOT / "tests" / "data" / "junit" / "pytest" / "report.xml"
    done = run_tests("ShellTest", VPT_TEST_SERVER=running.url, VPT_TEST_STORE=running.store, VPT_TEST_TOKEN=token,
                     VPT_TEST_REPORT=str(report), PATH=path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert summary(done) == "5 passed, 0 failed"
    assert token not in done.stdout + done.stderr


def test_the_runner_counts_failures_and_exits_1(tmp_path) -> None:
    (tmp_path / "SomeTest.groovy").write_text(
        "class SomeTest {\n"
        "    final PipelineHarness harness\n"
        "    SomeTest(File library) { harness = new PipelineHarness(library) }\n"
        "    void testHolds() { assert 1 + 1 == 2 }\n"
        "    void testBreaks() { assert 'vptPublish' == 'vptPush' }\n"
        "    void testLeaks() { harness.credentials.id = 'hush'; harness.log << 'token hush' }\n"
        "}\n")
    done = run_tests("SomeTest", classpath=[tmp_path])
    assert done.returncode == 1
    assert summary(done) == "1 passed, 2 failed"
    assert "FAIL SomeTest.testLeaks: java.lang.AssertionError: a secret leaked: [the log holds a secret]" in done.stdout


def test_npm_groovy_lint_finds_no_error() -> None:
    env = {**node_env(), "JAVA_HOME": str(Path(java()).parent.parent)}
    done = subprocess.run([str(npm_tool(*LINT)), "--noserver", "--failon", "error", "jenkins/vars", "jenkins/src"],
                          capture_output=True, text=True, timeout=600, env=env, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "5 linted files" in re.sub(r"\x1b\[[0-9;]*m", "", done.stdout)


def test_shellcheck_finds_nothing_in_the_posix_script() -> None:
    done = subprocess.run([command("shellcheck"), "--shell=sh", str(LIBRARY / "resources/vpt/jenkins/vpt.sh")],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout
