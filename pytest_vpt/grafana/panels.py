"""One catalogue panel as a Grafana panel, through the foundation SDK's builder of its kind:
title, description, unit, minimum and maximum, thresholds, the kind's default options with
the catalogue's own over them, and its queries as targets of the dashboard's datasource."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from grafana_foundation_sdk.builders.dashboard import FieldColor, ThresholdsConfig
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import dashboard as models

from ..panels.model import Panel, Query, Threshold
from .layout import Place
from .targets import Target, datasource_ref

#: a catalogue kind -> the SDK module (builders and models) of that visualisation
KINDS = {
    "timeseries": "timeseries", "stat": "stat", "gauge": "gauge", "table": "table", "piechart": "piechart",
    "heatmap": "heatmap", "barchart": "barchart", "bargauge": "bargauge", "state-timeline": "statetimeline",
    "status-history": "statushistory", "text": "text",
}
_LEGEND = {"legend": {"showLegend": True}}
_LAST_VALUE = {"reduceOptions": {"calcs": ["lastNotNull"], "values": False}}
#: where Grafana's own defaults differ from the SDK's empty ones (a legend shown, the last value reduced)
_DEFAULTS: dict[str, dict[str, Any]] = {
    "timeseries": _LEGEND, "barchart": _LEGEND, "state-timeline": _LEGEND, "status-history": _LEGEND,
    "piechart": {**_LEGEND, **_LAST_VALUE}, "stat": _LAST_VALUE, "gauge": _LAST_VALUE, "bargauge": _LAST_VALUE,
    "text": {"content": ""},
}
_SDK_SECTION = "grafana_foundation_sdk.{}.{}"

Render = Callable[[str, str], str]


def grafana_panel(panel: Panel, panel_id: int, place: Place, dialect: str, render: Render) -> models.Panel:
    """``panel`` as the SDK's panel model, with ``panel_id`` and its ``place`` on the grid."""
    if panel.kind not in KINDS:
        raise ValueError(f"panel {panel.key}: kind {panel.kind!r} is not one of {', '.join(KINDS)}")
    if not panel.description.strip():
        raise ValueError(f"panel {panel.key}: a panel needs a description (what it shows, for its tooltip)")
    module = KINDS[panel.kind]
    builder = (importlib.import_module(_SDK_SECTION.format("builders", module)).Panel()
               .id(panel_id).title(panel.title).description(panel.description)
               .grid_pos(models.GridPos(h=place.h, w=place.w, x=place.x, y=place.y)))
    if panel.queries:
        builder = builder.datasource(datasource_ref(dialect))
        for query in _unique_ref_ids(panel):
            builder = builder.with_target(Target(query, render(query.sql, dialect), dialect))
    if panel.unit:
        builder = builder.unit(panel.unit)
    if panel.minimum is not None:
        builder = builder.min(panel.minimum)
    if panel.maximum is not None:
        builder = builder.max(panel.maximum)
    if panel.thresholds:
        builder = builder.thresholds(_thresholds(panel.key, panel.thresholds))
        if panel.kind in ("stat", "gauge", "bargauge", "table", "state-timeline", "status-history"):
            builder = builder.color_scheme(FieldColor().mode(models.FieldColorModeId.THRESHOLDS))
    built = builder.build()
    built.options = _options(panel.kind, module, panel.options)
    return built


def _unique_ref_ids(panel: Panel) -> Iterator[Query]:
    seen = set()
    for query in panel.queries:
        if query.ref_id in seen or not query.ref_id:
            raise ValueError(f"panel {panel.key}: refId {query.ref_id!r} is empty or used twice")
        seen.add(query.ref_id)
        yield query


def _thresholds(key: str, steps: tuple[Threshold, ...]) -> ThresholdsConfig:
    """Absolute thresholds: the base step (value None) first, then rising values."""
    values = [step.value for step in steps[1:]]
    if steps[0].value is not None or None in values or values != sorted(values):
        raise ValueError(f"panel {key}: thresholds start with a base step (value None), then rising values")
    return (ThresholdsConfig().mode(models.ThresholdsMode.ABSOLUTE)
            .steps([models.Threshold(value=step.value, color=step.color) for step in steps]))


def _options(kind: str, module: str, own: Mapping[str, Any]) -> dict[str, Any]:
    """The kind's full options: the SDK's defaults, Grafana's where they differ, the panel's own."""
    defaults = importlib.import_module(_SDK_SECTION.format("models", module)).Options()
    found = json.loads(json.dumps(defaults, cls=JSONEncoder))
    return _merged(_merged(found, _DEFAULTS.get(kind, {})), own)


def _merged(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """``over`` on ``base``; a mapping in both is merged key by key."""
    found = dict(base)
    for key, value in over.items():
        found[key] = _merged(found[key], value) if isinstance(value, Mapping) and isinstance(found.get(key), Mapping) \
            else value
    return found
