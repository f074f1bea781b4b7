"""One process at a time leads a role over a store (``alerts``: evaluating its alert rules),
however many try: the others stand by and take over once the leader ends, however it ends.

SQLite: an OS lock (store.leases.FileLease) on a file beside the database
(``vpt.db.alerts.leader``), which the operating system drops with the process. PostgreSQL: a
session-level advisory lock (``pg_try_advisory_lock``) on a connection of its own, which the
server drops with the session: a crash, a kill, a connection lost (TCP keepalives on both
sides, so a machine gone silent loses it within about half a minute). Each :meth:`try_lead`
of a leader checks that it still leads (its file still the one beside the database, its
connection alive and the lock still granted to it). What is left: a leader that loses its lock
between that check and the end of its evaluation (a connection cut at that moment) may finish
that one evaluation beside its successor's first.

    leadership = store.leadership("alerts")
    if leadership.try_lead():      # again before each evaluation
        ...
    leadership.release()
"""

from __future__ import annotations

import re
import time
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

from .base import StoreError
from .leases import FileLease, fcntl

#: a role's name: what the lock file and the advisory lock's key are made of
ROLE = re.compile(r"[a-z][a-z0-9-]{0,31}")
#: the advisory locks' class (the first of their two keys), "vpl" (vpt leader)
_LEADER_LOCKS = 0x76706C
#: seconds a connection may stay silent before TCP checks it, between checks, checks unanswered
_KEEPALIVE = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5, "keepalives_count": 3}


def checked_role(role: str) -> str:
    if not isinstance(role, str) or not ROLE.fullmatch(role):
        raise ValueError(f"a leadership role is 1 to 32 lower-case letters, digits or '-', got {role!r}")
    return role


class Leadership(ABC):
    """Whether this process leads ``role`` over a store (``where``: the store as anyone may
    see it). Use it as a context manager to release it at the end."""

    def __init__(self, role: str, where: str) -> None:
        self.role = checked_role(role)
        self.where = where

    @abstractmethod
    def try_lead(self) -> bool:
        """Lead unless another process does (leading already: check that this one still
        does): whether it leads now. A store that cannot tell raises StoreError."""

    @abstractmethod
    def release(self) -> None:
        """Lead no more (nothing when not leading)."""

    def lead_within(self, seconds: float, pause: float = 0.1) -> bool:
        """Try to lead for ``seconds`` at most (0 to 60), every ``pause`` seconds: whether it leads."""
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds <= 60:
            raise ValueError(f"a wait for the lead is 0 to 60 seconds, got {seconds!r}")
        deadline = time.monotonic() + seconds
        while not self.try_lead():
            if time.monotonic() + pause > deadline:
                return False
            time.sleep(pause)
        return True

    def __enter__(self) -> Leadership:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class FileLeadership(Leadership):
    """The lead of a SQLite store: the lock of ``DATABASE.ROLE.leader`` beside it. Without file
    locks (Windows) nothing can exclude another process: every one leads."""

    def __init__(self, database: Path, role: str, where: str) -> None:
        super().__init__(role, where)
        self.lease = FileLease(database.with_name(f"{database.name}.{self.role}.leader"))

    def try_lead(self) -> bool:
        if fcntl is None:
            return True
        try:
            return self.lease.take()
        except OSError as exc:
            raise StoreError(f"{self.where}: cannot take the lead of its {self.role} at {self.lease.path}: "
                             f"{exc.strerror or exc}") from exc

    def release(self) -> None:
        self.lease.release(keep_file=True)  # removing it could let two processes lock two files


class PostgresLeadership(Leadership):
    """The lead of a PostgreSQL store: an advisory lock keyed by the store's schema and the
    role, held on a connection of its own (``url``: the store's; ``connect``: psycopg.connect's
    options; ``reason``: an error's message without the connection's details)."""

    def __init__(self, url: Any, role: str, connect: dict[str, Any], reason: Any) -> None:
        super().__init__(role, url.location)
        self.url, self.connect, self.reason = url, connect, reason
        self._conn: Any = None
        self._key: int | None = None  # the second key: the schema's and the role's hash
        self._leads = False

    def try_lead(self) -> bool:
        import psycopg

        try:
            if self._conn is None:
                self._open()
            if self._leads:
                self._leads = self._conn.execute(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() "
                    "AND classid = %s AND objid = %s AND objsubid = 2 AND granted",
                    (_LEADER_LOCKS, self._key & 0xFFFFFFFF)).fetchone()[0] > 0
            else:
                self._leads = bool(self._conn.execute("SELECT pg_try_advisory_lock(%s, %s)",
                                                      (_LEADER_LOCKS, self._key)).fetchone()[0])
        except psycopg.Error as exc:  # the connection lost: so is the lock, if it was held
            self._drop()
            raise StoreError(f"{self.url}: cannot take the lead of its {self.role}: {self.reason(exc)}") from exc
        return self._leads

    def _open(self) -> None:
        import psycopg

        options = {**{k: v for k, v in _KEEPALIVE.items() if k not in self.url.text}, **self.connect}
        conn = psycopg.connect(self.url.text, autocommit=True, **options)
        try:
            for name, value in (("tcp_keepalives_idle", 10), ("tcp_keepalives_interval", 5),
                                ("tcp_keepalives_count", 3)):  # the server's side (ignored on a Unix socket)
                conn.execute(f"SET {name} = {value}")
            self._key = conn.execute("SELECT hashtext(coalesce(current_schema(), '') || ':' || %s)",
                                     (self.role,)).fetchone()[0]
        except BaseException:
            conn.close()
            raise
        self._conn = conn

    def _drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:  # closing a connection already broken
                pass
        self._conn, self._leads = None, False

    def release(self) -> None:
        self._drop()  # the session ends: its lock with it
