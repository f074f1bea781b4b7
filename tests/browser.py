"""A real headless Chromium for the tests: Debian's ``chromium`` (installed on first use, one
installer at a time across xdist workers), driven by Playwright for Python.

Playwright's own browser download (``playwright install``) is never used: it fetches from a
CDN, which this machine cannot reach; Debian's package comes from the machine's apt sources.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from collections.abc import Iterator
from pathlib import Path

from ci_tools import CACHE

CHROMIUM = Path("/usr/bin/chromium")
#: no GPU, no network of its own (no QUIC, updates, sync or background fetches), no first-run
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class BrowserMissing(RuntimeError):
    """Chromium or Playwright could not be had; the message says what to do."""


def chromium() -> Path:
    """Debian's Chromium: already there, else installed with apt-get (as root)."""
    if CHROMIUM.exists():
        return CHROMIUM
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / "chromium.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if CHROMIUM.exists():
            return CHROMIUM
        if os.geteuid() != 0 or shutil.which("apt-get") is None:
            raise BrowserMissing(f"{CHROMIUM} is missing: install Debian's chromium package "
                                 "(apt-get install -y --no-install-recommends chromium) or run the tests as root")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for command in (["apt-get", "update"], ["apt-get", "install", "-y", "--no-install-recommends", "chromium"]):
            done = subprocess.run(command, capture_output=True, text=True, timeout=1800, env=env)
            if done.returncode != 0:
                raise BrowserMissing(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout[-2000:]}\n"
                                     f"{done.stderr[-2000:]}")
        if not CHROMIUM.exists():
            raise BrowserMissing(f"apt-get installed chromium, but {CHROMIUM} is still missing")
    return CHROMIUM


@contextmanager
def browser() -> Iterator[object]:
    """A Playwright BrowserContext on Debian's Chromium with a fresh profile (its own
    --user-data-dir, which Playwright takes as a persistent context), closed afterwards."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise BrowserMissing("playwright is missing: install the dev extra (pip install -e '.[dev]')") from None
    executable = chromium()
    with tempfile.TemporaryDirectory(prefix="vpt-chromium-") as profile, sync_playwright() as driver:
        launched = driver.chromium.launch_persistent_context(profile, executable_path=str(executable), headless=True,
                                                             args=FLAGS)
        try:
            yield launched
        finally:
            launched.close()


if __name__ == "__main__":
    print(chromium())
