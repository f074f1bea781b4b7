"""What every record the history returns has in common: built from a query's row, told back
as the plain dict the CLI's ``--json`` and the server's endpoints show."""

from __future__ import annotations

from dataclasses import fields
from typing import Any, ClassVar, TypeVar

_R = TypeVar("_R", bound="Record")


class Record:
    """A dataclass mixin: ``from_row`` takes a query's dict, ``to_dict`` gives it back (records
    and lists of records inside turned into dicts too); ``_first`` names fields a subclass
    inherits that its dict shows before its own."""

    _first: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def from_row(cls: type[_R], row: dict[str, Any]) -> _R:
        return cls(**row)

    def to_dict(self) -> dict[str, Any]:
        names = [f.name for f in fields(self)]  # type: ignore[arg-type]
        ordered = [*self._first, *(name for name in names if name not in self._first)]
        return {name: _plain(getattr(self, name)) for name in ordered}


def _plain(value: Any) -> Any:
    if isinstance(value, Record):
        return value.to_dict()
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value
