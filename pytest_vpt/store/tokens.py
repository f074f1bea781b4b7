"""API tokens: made once, shown once, stored as a hash; each is one project's, a writer's (reads
and writes) or a viewer's (reads only). And the sessions a browser signs in to with a token:
a random id (the cookie), of which only a hash is kept, ended by its expiry, by signing out
or by revoking its token."""

from __future__ import annotations

import hashlib
import secrets
import time
from typing import Any, NamedTuple

PREFIX = "vpt_"
ROLES = ("writer", "viewer")
SESSION_PREFIX = "vps_"


class Access(NamedTuple):
    """What a token (or a session) may do: read ``project``, and write it when ``role`` is writer."""

    project: str
    role: str

    @property
    def writes(self) -> bool:
        return self.role == "writer"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(conn: Any, project: str, name: str = "", role: str = "writer") -> str:
    """A new token for ``project``; only its hash is stored, so this is the one chance to see it."""
    if role not in ROLES:
        raise ValueError(f"role {role!r} is not one of {', '.join(ROLES)}")
    token = PREFIX + secrets.token_urlsafe(32)
    conn.execute("INSERT INTO api_tokens (token_hash, project, name, created_at, role) VALUES (?, ?, ?, ?, ?)",
                 (digest(token), project, name, time.time(), role))
    return token


def access_of(conn: Any, token: str) -> Access | None:
    """What a valid, unrevoked token may do, or None."""
    row = conn.execute("SELECT project, role FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL",
                       (digest(token),)).fetchone()
    return Access(row[0], row[1]) if row else None


def project_of(conn: Any, token: str) -> str | None:
    """The project a valid, unrevoked token reads (and, a writer's, writes), or None."""
    found = access_of(conn, token)
    return found.project if found else None


def revoke(conn: Any, project: str, name: str) -> int:
    """Revoke the project's tokens of that name (their sessions end with them); how many."""
    return conn.execute("UPDATE api_tokens SET revoked_at = ? WHERE project = ? AND name = ? AND revoked_at IS NULL",
                        (time.time(), project, name)).rowcount


def open_session(conn: Any, token: str, seconds: float) -> tuple[str, Access] | None:
    """A session of ``seconds`` for a valid token (its id, shown this once, and its token's
    access), or None; sessions expired already are removed."""
    found = access_of(conn, token)
    if found is None:
        return None
    now = time.time()
    conn.execute("DELETE FROM api_sessions WHERE expires_at <= ?", (now,))
    session = SESSION_PREFIX + secrets.token_urlsafe(32)
    conn.execute("INSERT INTO api_sessions (session_hash, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?)",
                 (digest(session), digest(token), now, now + seconds))
    return session, found


def session_access(conn: Any, session: str) -> Access | None:
    """The access of an unexpired session whose token is still in force, or None."""
    row = conn.execute(
        "SELECT t.project, t.role FROM api_sessions s JOIN api_tokens t ON t.token_hash = s.token_hash "
        "WHERE s.session_hash = ? AND s.expires_at > ? AND t.revoked_at IS NULL",
        (digest(session), time.time())).fetchone()
    return Access(row[0], row[1]) if row else None


def close_session(conn: Any, session: str) -> int:
    """End a session (signing out); how many ended (0 or 1)."""
    return conn.execute("DELETE FROM api_sessions WHERE session_hash = ?", (digest(session),)).rowcount
