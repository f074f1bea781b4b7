"""The condition language's syntax tree (frozen dataclasses), and what the parser knows of a
named series (:class:`SeriesSpec`). ``offset``: where the node begins in the condition's text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Union

Type = Literal["number", "string", "bool", "any"]
#: the aggregations a sampled series takes over its window
AGGREGATIONS = ("last", "avg", "min", "max", "sum", "count", "p50", "p90", "p95", "p99")


@dataclass(frozen=True)
class SeriesSpec:
    """A named series as the language sees it: the type of its values, the group it is read
    per (device, stream, project or metric: by its tags), how many text arguments it takes
    (``metric("name")``), whether it takes tag filters (``app="netflix"``), whether it is
    sampled (values over a window, aggregated: ``.p95``) and its default window in seconds."""

    name: str
    type: Type
    group: str
    doc: str
    texts: int = 0
    filters: bool = False
    sampled: bool = False
    window: float | None = None


@dataclass(frozen=True)
class Literal_:
    value: float | str | bool
    offset: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Series:
    """A named series: ``name(texts..., key="value", 10m).aggregation(window)``."""

    name: str
    texts: tuple[str, ...] = ()
    filters: tuple[tuple[str, str], ...] = ()
    aggregation: str | None = None
    window: float | None = None
    offset: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Compare:
    op: str  # == != < <= > >=
    left: Node
    right: Node
    offset: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Logic:
    op: str  # and, or
    left: Node
    right: Node
    offset: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Not:
    operand: Node
    offset: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Arith:
    op: str  # + - * /
    left: Node
    right: Node
    offset: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Negate:
    operand: Node
    offset: int = field(default=0, compare=False)


Node = Union[Literal_, Series, Compare, Logic, Not, Arith, Negate]


def series_in(node: Node) -> list[Series]:
    """The series a condition reads, each once, in the order they appear."""
    found: list[Series] = []

    def walk(each: Node) -> None:
        if isinstance(each, Series):
            if each not in found:
                found.append(each)
        elif isinstance(each, (Compare, Logic, Arith)):
            walk(each.left)
            walk(each.right)
        elif isinstance(each, (Not, Negate)):
            walk(each.operand)

    walk(node)
    return found
