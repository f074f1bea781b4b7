"""Which runs still have a writer: a run's recorder holds an OS lock on a file named after the
run, in a folder beside the SQLite database (``vpt.db.writers/RUN_ID.lock``).

The operating system drops the lock when the process ends, however it ends (a crash, a kill,
a machine that restarted), so a lease file that another process can lock belongs to a run
whose writer is gone: that run, if the store still calls it ``running``, was left. This holds
with xdist (one recorder per run, whatever the workers) and with concurrent runs on one store
(each holds its own lease), and a reused process id cannot fool it. Without ``fcntl``
(Windows) no lease is taken and no run is judged left. :class:`FileLease` is the lock itself,
which store.leadership holds for the one process that evaluates a store's alert rules.
"""

from __future__ import annotations

import os
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

SUFFIX = ".lock"


def leases_folder(database: Path) -> Path:
    """The folder of the leases of a SQLite database's writers."""
    return database.with_name(database.name + ".writers")


class FileLease:
    """An OS lock on one file (made if missing), held by this process until :meth:`release`
    or its end, however it ends. Another open of the file, in any process, cannot take it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def take(self) -> bool:
        """Lock the file unless another holder has it: whether this process holds it now (held
        already: whether the file locked is still the one at the path). Raises OSError when the
        file cannot be made or locked at all (a folder that cannot be written, no fcntl)."""
        if fcntl is None:
            raise OSError("no file locks on this system (fcntl)")
        if self._fd is not None:
            if self.still_held():
                return True
            self.release(keep_file=True)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:  # another holder
                os.close(fd)
                return False
            except OSError:
                os.close(fd)
                raise
            try:  # another process may have removed the file between the open and the lock
                if os.stat(self.path).st_ino == os.fstat(fd).st_ino:
                    break
            except FileNotFoundError:
                pass
            os.close(fd)
        self._fd = fd
        return True

    def still_held(self) -> bool:
        """Whether this process holds the lock of the file now at the path (one removed or
        replaced since it was locked is no longer anybody's to exclude with)."""
        if self._fd is None:
            return False
        try:
            return os.stat(self.path).st_ino == os.fstat(self._fd).st_ino
        except OSError:
            return False

    def release(self, keep_file: bool = False) -> None:
        """Give the lock up, removing the file unless ``keep_file``."""
        if self._fd is None:
            return
        if not keep_file:
            try:
                self.path.unlink()
            except OSError:
                pass
        os.close(self._fd)
        self._fd = None


class RunLease(FileLease):
    """The lease a run's writer holds while it records the run (released when the run is
    over; ``keep_file`` while it is still to be closed)."""

    def __init__(self, folder: Path, run_id: str) -> None:
        super().__init__(folder / f"{run_id}{SUFFIX}")
        self.run_id = run_id

    def hold(self) -> bool:
        """Take the lease; False when it cannot be (no fcntl, a folder that cannot be written)."""
        try:
            return self.take()
        except OSError:
            return False


def left_runs(folder: Path) -> list[RunLease]:
    """The leases whose writer is gone, each now held by this process (release them once their
    runs are closed)."""
    try:
        paths = sorted(folder.glob(f"*{SUFFIX}")) if fcntl is not None and folder.is_dir() else []
    except OSError:  # a folder this user may not read: no run is judged left
        return []
    found = []
    for path in paths:
        try:
            fd = os.open(path, os.O_RDWR)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # its writer is alive
            os.close(fd)
            continue
        lease = RunLease(folder, path.name[: -len(SUFFIX)])
        lease._fd = fd
        found.append(lease)
    return found
