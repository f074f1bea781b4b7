"""GitLab CI pipelines run on this machine by gitlab-ci-local (npm), in a git work tree of their own.

gitlab-ci-local copies the tracked files with rsync before every run. A machine without rsync
gets Debian's package (and the one library of it a minimal Debian lacks) unpacked into the
tools' cache, with ``apt-get download`` and ``dpkg-deb -x``: nothing is installed system-wide.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from ci_tools import CACHE, node_env, npm_tool

VERSION = "4.75.1"  # runs on Node.js 22 (4.64.1 is the last for Node.js 20)
TEMPLATE = Path(__file__).resolve().parents[1] / "ci" / "gitlab" / "vpt.gitlab-ci.yml"
#: what the host's own CI sets and a job on it would inherit: another provider would be detected
_HOST_CI = re.compile(r"^(GCL.*|VPT_.*|CI|CI_.*|GITLAB_.*|GITHUB_.*|JENKINS_.*|BUILD_.*|JOB_NAME|RUNNER_.*)$")


def rsync_folder() -> Path | None:
    """A folder holding an ``rsync`` program; None when rsync is on PATH already."""
    if shutil.which("rsync"):
        return None
    folder = CACHE / "debian" / "rsync"
    program = folder / "bin" / "rsync"
    if program.exists():
        return program.parent
    (folder / "debs").mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not program.exists():
            _unpack_rsync(folder)
    return program.parent


def _unpack_rsync(folder: Path) -> None:
    done = subprocess.run(["apt-get", "download", "rsync", "libpopt0"], cwd=folder / "debs",
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"gitlab-ci-local needs rsync: apt-get download rsync failed ({done.stderr.strip()}); "
                           "install it with: apt-get install -y rsync")
    for deb in (folder / "debs").glob("*.deb"):
        subprocess.run(["dpkg-deb", "-x", str(deb), str(folder / "root")], check=True, timeout=60)
    libraries = next((folder / "root" / "usr" / "lib").glob("*-linux-gnu"))
    program = folder / "bin" / "rsync"
    program.parent.mkdir(exist_ok=True)
    unpacked = folder / "root" / "usr" / "bin" / "rsync"
    program.write_text(f'#!/bin/sh\nLD_LIBRARY_PATH="{libraries}" exec "{unpacked}" "$@"\n')
    program.chmod(0o755)


class WorkTree:
    """A git work tree at ``folder`` with the template in ``ci/gitlab/``, a user's ``.gitlab-ci.yml``
    and their ``files``, committed (gitlab-ci-local reads the tracked files)."""

    def __init__(self, folder: Path, gitlab_ci: str, files: dict[str, str] | None = None) -> None:
        self.folder = folder
        (folder / "ci" / "gitlab").mkdir(parents=True)
        shutil.copy(TEMPLATE, folder / "ci" / "gitlab" / TEMPLATE.name)
        (folder / ".gitlab-ci.yml").write_text(gitlab_ci)
        for name, text in (files or {}).items():
            (folder / name).write_text(text)
        for args in (["init", "-q", "-b", "main"],
                     ["remote", "add", "origin", "https://gitlab.example.com/acme/stb.git"],
                     ["add", "."],
                     ["-c", "user.name=QA", "-c", "user.email=qa@example.com", "commit", "-qm", "tests"]):
            subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True, timeout=30)

    def head(self) -> str:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=self.folder, capture_output=True, text=True,
                              check=True).stdout.strip()

    def gitlab_ci_local(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        """``gitlab-ci-local ARGS`` here; this Python's ``python`` and ``vpt`` first on the jobs' PATH."""
        env = {key: value for key, value in node_env().items() if not _HOST_CI.match(key)}
        extra = [str(Path(sys.executable).parent)] + [str(folder) for folder in [rsync_folder()] if folder]
        env["PATH"] = os.pathsep.join([*extra, env["PATH"]])
        program = npm_tool("gitlab-ci-local", VERSION, "gitlab-ci-local")
        return subprocess.run([str(program), *args], cwd=self.folder, env=env, capture_output=True, text=True,
                              timeout=timeout)

    def job_log(self, job: str) -> str:
        """What the job printed, as gitlab-ci-local kept it."""
        return (self.folder / ".gitlab-ci-local" / "output" / f"{job}.log").read_text()
