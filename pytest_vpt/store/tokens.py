"""API tokens: made once, shown once, stored as a hash; each may write one project."""

from __future__ import annotations

import hashlib
import secrets
import time
from typing import Any

PREFIX = "vpt_"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(conn: Any, project: str, name: str = "") -> str:
    """A new token for ``project``; only its hash is stored, so this is the one chance to see it."""
    token = PREFIX + secrets.token_urlsafe(32)
    conn.execute("INSERT INTO api_tokens (token_hash, project, name, created_at) VALUES (?, ?, ?, ?)",
                 (digest(token), project, name, time.time()))
    return token


def project_of(conn: Any, token: str) -> str | None:
    """The project a valid, unrevoked token may write, or None."""
    row = conn.execute("SELECT project FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL",
                       (digest(token),)).fetchone()
    return row[0] if row else None


def revoke(conn: Any, project: str, name: str) -> int:
    """Revoke the project's tokens of that name; how many."""
    return conn.execute("UPDATE api_tokens SET revoked_at = ? WHERE project = ? AND name = ? AND revoked_at IS NULL",
                        (time.time(), project, name)).rowcount
