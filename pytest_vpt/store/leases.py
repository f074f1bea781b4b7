"""Which runs still have a writer: a run's recorder holds an OS lock on a file named after the
run, in a folder beside the SQLite database (``vpt.db.writers/RUN_ID.lock``).

The operating system drops the lock when the process ends, however it ends (a crash, a kill,
a machine that restarted), so a lease file that another process can lock belongs to a run
whose writer is gone: that run, if the store still calls it ``running``, was left. This holds
with xdist (one recorder per run, whatever the workers) and with concurrent runs on one store
(each holds its own lease), and a reused process id cannot fool it. Without ``fcntl``
(Windows) no lease is taken and no run is judged left.
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


class RunLease:
    """The lease a run's writer holds while it records the run."""

    def __init__(self, folder: Path, run_id: str) -> None:
        self.run_id = run_id
        self.path = folder / f"{run_id}{SUFFIX}"
        self._fd: int | None = None

    def hold(self) -> bool:
        """Take the lease; False when it cannot be (no fcntl, a folder that cannot be written)."""
        if fcntl is None:
            return False
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            while True:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                try:  # another process may have removed the file between the open and the lock
                    if os.stat(self.path).st_ino == os.fstat(fd).st_ino:
                        break
                except FileNotFoundError:
                    pass
                os.close(fd)
        except OSError:
            return False
        self._fd = fd
        return True

    def release(self, keep_file: bool = False) -> None:
        """Give the lease up: the run is over; ``keep_file``: its run is still to be closed."""
        if self._fd is None:
            return
        if not keep_file:
            try:
                self.path.unlink()
            except OSError:
                pass
        os.close(self._fd)
        self._fd = None


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
