"""The run's context from GitHub Actions, Jenkins, GitLab CI and plain git."""

from __future__ import annotations

import subprocess

import pytest

from pytest_vpt.context import detect, git_context

GITHUB_PR = {
    "GITHUB_ACTIONS": "true", "GITHUB_RUN_ID": "9876543210", "GITHUB_RUN_ATTEMPT": "2",
    "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/stb-tests",
    "GITHUB_WORKFLOW": "nightly", "GITHUB_JOB": "device-tests", "GITHUB_SHA": "a" * 40,
    "GITHUB_REF": "refs/pull/42/merge", "GITHUB_REF_NAME": "42/merge", "GITHUB_HEAD_REF": "fix-hdmi",
}
JENKINS = {
    "JENKINS_URL": "https://ci.example.com/", "JOB_NAME": "stb/main", "BUILD_NUMBER": "311",
    "BUILD_URL": "https://ci.example.com/job/stb/job/main/311/", "GIT_COMMIT": "b" * 40,
    "GIT_BRANCH": "origin/main", "GIT_URL": "https://git.example.com/stb.git", "STAGE_NAME": "Tests",
}
GITLAB_MR = {
    "GITLAB_CI": "true", "CI_PIPELINE_ID": "5555", "CI_PIPELINE_URL": "https://gitlab.example.com/g/p/-/pipelines/5555",
    "CI_JOB_NAME": "pytest", "CI_JOB_ID": "777", "CI_PROJECT_PATH": "g/p", "CI_PROJECT_URL": "https://gitlab.example.com/g/p",
    "CI_COMMIT_SHA": "c" * 40, "CI_COMMIT_REF_NAME": "feature", "CI_MERGE_REQUEST_IID": "17",
    "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": "feature-x",
}


def test_github_actions_pull_request() -> None:
    context = detect(GITHUB_PR, git=False)
    assert {
        "vpt.ci.provider": "github",
        "cicd.pipeline.name": "nightly",
        "cicd.pipeline.run.id": "9876543210",
        "cicd.pipeline.run.url.full": "https://github.com/acme/stb-tests/actions/runs/9876543210/attempts/2",
        "cicd.pipeline.task.name": "device-tests",
        "vcs.repository.url.full": "https://github.com/acme/stb-tests",
        "vcs.ref.head.revision": "a" * 40,
        "vcs.ref.head.name": "fix-hdmi",
        "vcs.change.id": "42",
    }.items() <= context.items()


def test_github_actions_push_has_no_change_id() -> None:
    env = {**GITHUB_PR, "GITHUB_REF": "refs/heads/main", "GITHUB_REF_NAME": "main", "GITHUB_HEAD_REF": ""}
    context = detect(env, git=False)
    assert context["vcs.ref.head.name"] == "main"
    assert "vcs.change.id" not in context


def test_jenkins() -> None:
    context = detect(JENKINS, git=False)
    assert {
        "vpt.ci.provider": "jenkins", "cicd.pipeline.name": "stb/main", "cicd.pipeline.run.id": "311",
        "cicd.pipeline.run.url.full": "https://ci.example.com/job/stb/job/main/311/",
        "cicd.pipeline.task.name": "Tests", "vcs.ref.head.revision": "b" * 40, "vcs.ref.head.name": "main",
        "vcs.repository.url.full": "https://git.example.com/stb.git",
    }.items() <= context.items()


def test_jenkins_multibranch_pull_request() -> None:
    context = detect({**JENKINS, "BRANCH_NAME": "PR-9", "CHANGE_ID": "9", "CHANGE_BRANCH": "fix-audio"}, git=False)
    assert (context["vcs.ref.head.name"], context["vcs.change.id"]) == ("fix-audio", "9")


def test_gitlab_merge_request() -> None:
    context = detect(GITLAB_MR, git=False)
    assert {
        "vpt.ci.provider": "gitlab", "cicd.pipeline.name": "g/p", "cicd.pipeline.run.id": "5555",
        "cicd.pipeline.run.url.full": "https://gitlab.example.com/g/p/-/pipelines/5555",
        "cicd.pipeline.task.name": "pytest", "cicd.pipeline.task.run.id": "777",
        "vcs.ref.head.revision": "c" * 40, "vcs.ref.head.name": "feature-x", "vcs.change.id": "17",
    }.items() <= context.items()


def test_gitlab_push_job_names_the_job_that_ran_the_tests() -> None:
    """The GitLab template pushes from a job of its own, which sets VPT_CI_JOB to the test job."""
    context = detect({**GITLAB_MR, "CI_JOB_NAME": "vpt-push", "CI_JOB_ID": "778", "VPT_CI_JOB": "pytest"}, git=False)
    assert context["cicd.pipeline.task.name"] == "pytest"
    assert "cicd.pipeline.task.run.id" not in context  # 778 is the push job's, not the tests'
    assert (context["cicd.pipeline.run.id"], context["vcs.ref.head.revision"]) == ("5555", "c" * 40)


def test_vpt_ci_job_outside_ci_changes_nothing() -> None:
    assert "cicd.pipeline.task.name" not in detect({"VPT_CI_JOB": "pytest"}, git=False)


def test_host_and_python_always_present() -> None:
    context = detect({}, git=False)
    assert context["host.name"] and context["process.runtime.version"].count(".") == 2
    assert "vpt.ci.provider" not in context


def _git(path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=path, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def repo(tmp_path):
    _git(tmp_path, "init", "-q", "-b", "release-2")
    _git(tmp_path, "-c", "user.name=ci", "-c", "user.email=ci@example.com", "commit", "-q", "--allow-empty", "-m", "x")
    _git(tmp_path, "remote", "add", "origin", "https://user:s3cret@git.example.com/acme/stb.git")
    return tmp_path


def test_plain_git(repo) -> None:
    context = detect({}, cwd=repo)
    assert context["vcs.ref.head.revision"] == _git(repo, "rev-parse", "HEAD")
    assert context["vcs.ref.head.name"] == "release-2"
    assert context["vcs.repository.url.full"] == "https://git.example.com/acme/stb.git"  # no credentials


def test_uncommitted_changes_are_told_apart_by_a_hash(repo) -> None:
    assert "vpt.vcs.dirty" not in git_context(repo)  # a clean checkout
    (repo / "tuner.py").write_text("FREQ = 474\n")
    _git(repo, "add", "tuner.py")
    first = git_context(repo)["vpt.vcs.dirty"]
    assert git_context(repo)["vpt.vcs.dirty"] == first  # the same changes, the same code
    (repo / "tuner.py").write_text("FREQ = 482\n")
    assert git_context(repo)["vpt.vcs.dirty"] != first


def test_detached_head_has_no_branch(repo) -> None:
    _git(repo, "checkout", "-q", "--detach")
    assert "vcs.ref.head.name" not in git_context(repo)


def test_no_git_no_vcs(tmp_path) -> None:
    assert git_context(tmp_path / "nowhere") == {}


def test_ci_values_win_over_git(repo) -> None:
    context = detect(GITLAB_MR, cwd=repo)
    assert context["vcs.ref.head.revision"] == "c" * 40


def test_a_recorded_run_carries_its_context(pytester: pytest.Pytester, recorded, monkeypatch) -> None:
    for name, value in GITHUB_PR.items():
        monkeypatch.setenv(name, value)
    pytester.makepyfile("def test_ok(): pass")
    pytester.runpytest("--vpt", "--vpt-label", "rig=lab-3")
    run = recorded.last_run()
    assert (run["ci_provider"], run["ci_run_id"], run["vcs_branch"], run["vcs_change_id"]) == (
        "github", "9876543210", "fix-hdmi", "42")
    assert run["ci_run_url"].endswith("/actions/runs/9876543210/attempts/2")
    assert run["labels"] == {"rig": "lab-3"}
    assert run["pytest_version"] == pytest.__version__


@pytest.mark.parametrize(("remote", "env", "secret", "recorded"), [
    ("git+https://user:secret@git.example.com/acme/r.git", {}, "secret", "git+https://git.example.com/acme/r.git"),
    ("https://user:Pa@ss3@git.example.com/acme/r.git", {}, "ss3", "https://git.example.com/acme/r.git"),
    (None, {**JENKINS, "GIT_URL": "https://jenkins-bot:11e0f1d2c3b4a5@git.example.com/acme/r.git",
            "BUILD_URL": "https://jenkins-bot:11e0f1d2c3b4a5@ci.example.com/job/stb/job/main/311/"}, "11e0f1d2c3b4a5",
     "https://git.example.com/acme/r.git"),
], ids=["git+https", "at-sign-in-password", "jenkins-user-token"])
def test_regression_repository_url_credentials(pytester: pytest.Pytester, monkeypatch, remote, env, secret,
                                               recorded) -> None:
    """Credentials in a git remote or in Jenkins' GIT_URL and BUILD_URL reach neither the
    store nor `vpt runs --json`: the URLs are recorded without them."""
    import sqlite3

    from click.testing import CliRunner

    from pytest_vpt.cli import cli

    if remote:
        _git(pytester.path, "init", "-q")
        _git(pytester.path, "-c", "user.name=ci", "-c", "user.email=ci@example.com", "commit", "-q", "--allow-empty", "-m", "x")
        _git(pytester.path, "remote", "add", "origin", remote)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    pytester.makepyfile("def test_ok(): pass")
    assert pytester.runpytest("--vpt").ret == 0
    store = pytester.path / ".vpt" / "vpt.db"
    shown = CliRunner().invoke(cli, ["--store", f"sqlite:///{store}", "runs", "--json"])
    assert shown.exit_code == 0
    assert ('"https://ci.example.com/job/stb/job/main/311/"' in shown.output) == bool(env)  # the build link, clean
    with sqlite3.connect(store) as conn:
        assert conn.execute("SELECT vcs_repository FROM runs").fetchall() == [(recorded,)]
        rows = [row for table, in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                for row in conn.execute(f'SELECT * FROM "{table}"')]
    assert secret not in shown.output and secret not in repr(rows) and "jenkins-bot" not in repr(rows)
