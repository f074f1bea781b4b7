"""A time-series panel's rows as named series: Grafana's wide frames (a ``time`` column and a
column per value) and long ones (``time``, ``metric``, values: a series per metric)."""

from __future__ import annotations

from ...history.panels import PanelData
from ..values import number

Series = tuple[str, list[tuple[float, float | None]]]


def series_of(data: PanelData) -> list[Series]:
    """Every series of the panel's time-series queries, points in time order, in the order met."""
    found: dict[str, list[tuple[float, float | None]]] = {}
    for query in data.queries:
        if "time" not in query.columns:
            continue
        at = query.columns.index("time")
        label = query.columns.index("metric") if "metric" in query.columns else None
        values = [i for i, name in enumerate(query.columns) if i not in (at, label)]
        for row in query.rows:
            moment = number(row[at])
            if moment is None:
                continue
            for i in values:
                name = query.columns[i]
                if label is not None:
                    name = str(row[label]) if len(values) == 1 else f"{row[label]} {name}"
                found.setdefault(name, []).append((moment, number(row[i])))
    return [(name, sorted(points, key=lambda point: point[0])) for name, points in found.items()]
