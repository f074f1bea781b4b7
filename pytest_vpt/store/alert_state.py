"""Alert rules' state per group and their silences (migration 0021), written by the alert
evaluator after each evaluation and read back by it after a restart and by ``vpt alerts list``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .sql import upsert

COLUMNS = ("rule", "fingerprint", "labels", "state", "value", "pending_since", "firing_since", "resolved_at",
           "notified_at", "evaluated_at", "delivery_error", "reposted")
_UPSERT = upsert("alert_states", COLUMNS, ("rule", "fingerprint"))


def states(conn: Any, rule: str | None = None) -> list[dict[str, Any]]:
    """Every stored state (of one rule if given), by rule and fingerprint."""
    where, args = ("WHERE rule = ?", [rule]) if rule is not None else ("", [])
    rows = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM alert_states {where} ORDER BY rule, fingerprint", args)
    return [dict(zip(COLUMNS, row)) for row in rows]


def save(conn: Any, changed: Iterable[Mapping[str, Any]], dropped: Iterable[tuple[str, str]]) -> None:
    """Write the changed states (a value for each of :data:`COLUMNS`) and delete the dropped
    ones (rule, fingerprint), in the caller's transaction."""
    rows = [[state[column] for column in COLUMNS] for state in changed]
    if rows:
        conn.executemany(_UPSERT, rows)
    keys = list(dropped)
    if keys:
        conn.executemany("DELETE FROM alert_states WHERE rule = ? AND fingerprint = ?", keys)


def note_delivery(conn: Any, rule: str, fingerprints: Iterable[str], error: str | None) -> None:
    """Record how the last delivery of these alerts went (None: delivered)."""
    conn.executemany("UPDATE alert_states SET delivery_error = ? WHERE rule = ? AND fingerprint = ?",
                     [(error, rule, fingerprint) for fingerprint in fingerprints])


def silence(conn: Any, rule: str, created_at: float, until: float, reason: str) -> None:
    """Hold back ``rule``'s notifications from ``created_at`` until ``until``."""
    conn.execute("INSERT INTO alert_silences (rule, created_at, until, reason) VALUES (?, ?, ?, ?) "
                 "ON CONFLICT (rule, created_at) DO UPDATE SET until = excluded.until, reason = excluded.reason",
                 (rule, created_at, until, reason))


def unsilence(conn: Any, rule: str, now: float) -> int:
    """End ``rule``'s silences in force at ``now``: how many."""
    return conn.execute("UPDATE alert_silences SET until = ? WHERE rule = ? AND until > ? AND created_at <= ?",
                        (now, rule, now, now)).rowcount


def silences(conn: Any, now: float) -> list[dict[str, Any]]:
    """The silences in force at ``now``, latest end first."""
    rows = conn.execute("SELECT rule, created_at, until, reason FROM alert_silences WHERE created_at <= ? "
                        "AND until > ? ORDER BY until DESC", (now, now))
    return [dict(zip(("rule", "created_at", "until", "reason"), row)) for row in rows]
