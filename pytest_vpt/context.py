"""The run's context: which CI built it, which commit and branch, on which host.

URLs (``*.url.full``: the repository, the CI build) are recorded without credentials: CI
systems hand out remotes like ``https://user:token@host/repo.git`` (Jenkins' ``GIT_URL``)."""

from __future__ import annotations

import hashlib
import platform
import re
import socket
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path

from .redaction import redact_url

Context = dict[str, str]
_PR_REF = re.compile(r"refs/pull/(\d+)/")


def detect(env: Mapping[str, str], cwd: Path | None = None, git: bool = True) -> Context:
    """CI provider, pipeline and VCS attributes from ``env``, filled in from git where CI is silent."""
    context: Context = {}
    for provider, applies, detector in _PROVIDERS:
        if applies(env):
            context = {"vpt.ci.provider": provider, **detector(env)}
            break
    if context and env.get("VPT_CI_JOB"):  # results pushed by a job of their own: name the job that ran the tests
        context["cicd.pipeline.task.name"] = env["VPT_CI_JOB"]
        context.pop("cicd.pipeline.task.run.id", None)  # the pushing job's, not the tests'
    if git and not context.get("vcs.ref.head.revision"):
        for key, value in git_context(cwd).items():
            context.setdefault(key, value)
    context["host.name"] = socket.gethostname()
    context["process.runtime.version"] = platform.python_version()
    return {key: _without_credentials(key, value) for key, value in context.items() if value}


def _github(env: Mapping[str, str]) -> Context:
    run_url = None
    if env.get("GITHUB_SERVER_URL") and env.get("GITHUB_REPOSITORY") and env.get("GITHUB_RUN_ID"):
        run_url = f"{env['GITHUB_SERVER_URL']}/{env['GITHUB_REPOSITORY']}/actions/runs/{env['GITHUB_RUN_ID']}"
        if env.get("GITHUB_RUN_ATTEMPT"):
            run_url += f"/attempts/{env['GITHUB_RUN_ATTEMPT']}"
    pr = _PR_REF.match(env.get("GITHUB_REF", ""))
    return {
        "cicd.pipeline.name": env.get("GITHUB_WORKFLOW"),
        "cicd.pipeline.run.id": env.get("GITHUB_RUN_ID"),
        "cicd.pipeline.run.url.full": run_url,
        "cicd.pipeline.task.name": env.get("GITHUB_JOB"),
        "vcs.repository.url.full": (
            f"{env['GITHUB_SERVER_URL']}/{env['GITHUB_REPOSITORY']}"
            if env.get("GITHUB_SERVER_URL") and env.get("GITHUB_REPOSITORY")
            else None
        ),
        "vcs.ref.head.revision": env.get("GITHUB_SHA"),
        # On a pull request GITHUB_REF_NAME is "N/merge"; the branch is GITHUB_HEAD_REF.
        "vcs.ref.head.name": env.get("GITHUB_HEAD_REF") or env.get("GITHUB_REF_NAME"),
        "vcs.change.id": pr.group(1) if pr else None,
    }


def _jenkins(env: Mapping[str, str]) -> Context:
    branch = env.get("BRANCH_NAME") or env.get("GIT_BRANCH") or ""
    return {
        "cicd.pipeline.name": env.get("JOB_NAME"),
        "cicd.pipeline.run.id": env.get("BUILD_NUMBER") or env.get("BUILD_ID"),
        "cicd.pipeline.run.url.full": env.get("BUILD_URL"),
        "cicd.pipeline.task.name": env.get("STAGE_NAME"),
        "vcs.repository.url.full": env.get("GIT_URL"),
        "vcs.ref.head.revision": env.get("GIT_COMMIT"),
        # Multibranch pipelines set CHANGE_BRANCH for pull requests; GIT_BRANCH is "origin/main".
        "vcs.ref.head.name": env.get("CHANGE_BRANCH") or branch.removeprefix("origin/"),
        "vcs.change.id": env.get("CHANGE_ID"),
    }


def _gitlab(env: Mapping[str, str]) -> Context:
    return {
        "cicd.pipeline.name": env.get("CI_PROJECT_PATH"),
        "cicd.pipeline.run.id": env.get("CI_PIPELINE_ID"),
        "cicd.pipeline.run.url.full": env.get("CI_PIPELINE_URL"),
        "cicd.pipeline.task.name": env.get("CI_JOB_NAME"),
        "cicd.pipeline.task.run.id": env.get("CI_JOB_ID"),
        "vcs.repository.url.full": env.get("CI_PROJECT_URL"),
        "vcs.ref.head.revision": env.get("CI_COMMIT_SHA"),
        "vcs.ref.head.name": env.get("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME") or env.get("CI_COMMIT_REF_NAME"),
        "vcs.change.id": env.get("CI_MERGE_REQUEST_IID"),
    }


_PROVIDERS: tuple[tuple[str, Callable[[Mapping[str, str]], bool], Callable[[Mapping[str, str]], Context]], ...] = (
    ("github", lambda env: env.get("GITHUB_ACTIONS") == "true", _github),
    ("gitlab", lambda env: env.get("GITLAB_CI") == "true", _gitlab),
    ("jenkins", lambda env: bool(env.get("JENKINS_URL") or env.get("JENKINS_HOME")), _jenkins),
)


def git_context(cwd: Path | None = None) -> Context:
    """Commit, branch and remote of the git work tree at ``cwd``; empty if there is none."""
    out = _git(cwd, "rev-parse", "HEAD", "--abbrev-ref", "HEAD")
    if not out:
        return {}
    lines = out.splitlines()
    context = {"vcs.ref.head.revision": lines[0]}
    if len(lines) > 1 and lines[1] != "HEAD":  # "HEAD" means a detached head: no branch
        context["vcs.ref.head.name"] = lines[1]
    remote = _git(cwd, "config", "--get", "remote.origin.url")
    if remote:
        context["vcs.repository.url.full"] = redact_url(remote.strip())
    changes = _git_bytes(cwd, "diff", "HEAD", "--no-ext-diff", "--binary")
    if changes:  # uncommitted changes: the same commit, but not the same code
        context["vpt.vcs.dirty"] = hashlib.sha1(changes).hexdigest()[:12]
    return context


def _git(cwd: Path | None, *args: str) -> str | None:
    out = _git_bytes(cwd, *args)
    return None if out is None else out.decode(errors="replace").strip()


def _git_bytes(cwd: Path | None, *args: str) -> bytes | None:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def _without_credentials(key: str, value: str) -> str:
    """``value`` as it may be recorded: a URL loses its userinfo and secret parameters."""
    return redact_url(value) if key.endswith(".url.full") else value
