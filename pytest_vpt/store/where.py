"""A query's WHERE clause, built one condition at a time with its arguments."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .sql import same_nodeid


class Where:
    """Conditions joined by AND, and the arguments of their placeholders in order.

    A filter given None (or an empty string or list) adds nothing: the read is not narrowed.
    """

    def __init__(self, *conditions: str) -> None:
        self.conditions = list(conditions)
        self.args: list[Any] = []

    def add(self, condition: str, *args: Any) -> Where:
        self.conditions.append(condition)
        self.args.extend(args)
        return self

    def equal(self, column: str, value: Any) -> Where:
        """``column = value``, unless there is no value."""
        return self if value is None or value == "" else self.add(f"{column} = ?", value)

    def at_least(self, column: str, value: float | None) -> Where:
        """``column >= value``, unless there is no value."""
        return self if value is None else self.add(f"{column} >= ?", value)

    def one_of(self, column: str, values: Iterable[Any] | None) -> Where:
        """``column IN (values...)``, unless there are none."""
        chosen = list(values or ())
        return self.add(f"{column} IN ({', '.join('?' * len(chosen))})", *chosen) if chosen else self

    def nodeid(self, column: str, nodeid: str | None) -> Where:
        """``column`` is the node id (through either engine's index), unless there is none."""
        return self if nodeid is None else self.add(same_nodeid(column), nodeid, nodeid)

    @property
    def sql(self) -> str:
        """``WHERE a AND b``, or nothing when there is no condition."""
        return f"WHERE {' AND '.join(self.conditions)}" if self.conditions else ""
