"""The named series conditions read (:data:`SERIES`), each a function of the history, the
series as the condition names it and ``now``, returning one value per group: a group is its
labels (``project`` and ``device``, ``stream``, or a metric's tags), as a sorted tuple of pairs.

===============  =======  =======  ===============================================================
series           group    type     value
===============  =======  =======  ===============================================================
device_status    device   string   online, offline, stale (nothing sampled it lately), unknown
error_rate       device   number   share of its probes that failed in the window (default 5m)
response_time    device   number   its probes' response times in seconds over the window (5m)
value("name")    device   any      the number (or word) its newest probe reported as ``name``
failure_rate     project  number   share of the tests started in the window (1h) that failed
tests_per_hour   project  number   tests started in the last hour
black_screen     stream   bool     a black screen going on
freeze_detected  stream   bool     a freeze going on
metric("name")   tags     number   the samples of a custom metric over the window (5m), tag filters
===============  =======  =======  ===============================================================

A device is ``stale`` once no sample came for its interval plus its probe's timeout and its
sampler's flush (``vpt monitor --flush``), plus a second for the write: one sample overdue, so
a device probed every 30 s (timeout 5 s) by ``vpt monitor`` (flush 5 s) is stale 41 s after
its last sample.

``response_time`` and ``metric`` are sampled: an aggregation folds them (``.p95``, ``.avg``,
...; ``.last`` by default). A read is made once per evaluation for every rule that needs it:
a sampled series over the widest window any rule reads it over, ``error_rate`` counted over
every window the rules read it over in one pass.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Mapping
from typing import Any

from ..analytics.samples import nearest_rank
from .expression import Series, SeriesSpec

Group = tuple[tuple[str, str], ...]
Reader = Callable[["Reads", Series, float, tuple[str, ...]], dict[Group, Any]]


class Reads:
    """The history's reads for one evaluation at one time, each made once (rules share them);
    ``windows``: series name -> the windows the rules read it over (:func:`windows`), so a
    sampled series is read once over the widest (``widest``) and each rule takes its own part,
    and the failed probes are counted for every window at once."""

    def __init__(self, history: Any, windows: Mapping[str, tuple[float, ...]] | None = None) -> None:
        self.history = history
        self.windows = dict(windows or {})
        self.widest = {name: max(found) for name, found in self.windows.items() if found}
        self._done: dict[tuple[Any, ...], Any] = {}

    def get(self, method: str, *args: Any) -> Any:
        key = (method, *args)
        if key not in self._done:
            self._done[key] = getattr(self.history, method)(*args)
        return self._done[key]

    def derived(self, key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
        """What ``make()`` derives from the reads, made once (a series' values, samples grouped)."""
        key = ("derived", *key)
        if key not in self._done:
            self._done[key] = make()
        return self._done[key]


def _device(row: Mapping[str, Any]) -> Group:
    return (("device", str(row["device"])), ("project", str(row["project"])))


def aggregate(values: list[float], how: str | None) -> float | None:
    """``values`` (oldest first) folded: last (default), avg, min, max, sum, count, pNN."""
    if how == "count":
        return float(len(values))
    if not values:
        return None
    if how in (None, "last"):
        return values[-1]
    if how == "avg":
        return math.fsum(values) / len(values)
    if how == "sum":
        return math.fsum(values)
    if how == "min":
        return min(values)
    if how == "max":
        return max(values)
    return nearest_rank(sorted(values), int(how[1:]) / 100)


def _window(series: Series, spec: SeriesSpec) -> float:
    return series.window or spec.window or 300.0


def device_status(reads: Reads, series: Series, now: float, group_by: tuple[str, ...]) -> dict[Group, Any]:
    return {_device(row): row["state"] for row in reads.get("alert_device_states", now)}


def windows(series: list[Series]) -> dict[str, tuple[float, ...]]:
    """Series name -> the windows these read it over (the series read over a window), narrowest first."""
    found: dict[str, set[float]] = {}
    for each in series:
        spec = SERIES[each.name][0]
        if spec.sampled or spec.window is not None:
            found.setdefault(each.name, set()).add(_window(each, spec))
    return {name: tuple(sorted(values)) for name, values in found.items()}


def error_rate(reads: Reads, series: Series, now: float, group_by: tuple[str, ...]) -> dict[Group, Any]:
    own = _window(series, SERIES["error_rate"][0])
    spans = tuple(sorted({own, *reads.windows.get("error_rate", ())}))
    at = spans.index(own)
    rows = reads.get("alert_probe_counts", tuple(now - span for span in spans), now)  # every window in one read
    return {_device(row): row["failed"][at] / row["probes"][at] for row in rows if row["probes"][at]}


def response_time(reads: Reads, series: Series, now: float, group_by: tuple[str, ...]) -> dict[Group, Any]:
    own = _window(series, SERIES["response_time"][0])
    wide = max(own, reads.widest.get("response_time", own))

    def by_device() -> dict[Group, tuple[list[float], list[float]]]:
        found: dict[Group, tuple[list[float], list[float]]] = {}
        last: tuple[str, str] | None = None
        times: list[float] = []
        values: list[float] = []
        for row in reads.get("alert_device_samples", now - wide, now):
            key = (row["project"], row["device"])
            if key != last:  # the rows come device by device, oldest first
                times, values = found.setdefault(_device(row), ([], []))
                last = key
            times.append(row["time"])
            values.append(float(row["response_time"]))
        return found

    since = now - own
    return {group: aggregate(values[bisect_right(times, since):], series.aggregation)
            for group, (times, values) in reads.derived(("response_time", now - wide), by_device).items()
            if times and times[-1] > since}


def value(reads: Reads, series: Series, now: float, group_by: tuple[str, ...]) -> dict[Group, Any]:
    name = series.texts[0]
    return {_device(row): row["values"][name] for row in reads.get("alert_device_values")
            if name in row["values"] and isinstance(row["values"][name], (int, float, str))}


def _tests(reads: Reads, window: float, now: float) -> list[dict[str, Any]]:
    return reads.get("alert_test_counts", now - window, now)


def failure_rate(reads: Reads, series: Series, now: float, group_by: tuple[str, ...]) -> dict[Group, Any]:
    rows = _tests(reads, _window(series, SERIES["failure_rate"][0]), now)
    return {(("project", row["project"]),): row["failed"] / row["tests"] for row in rows if row["tests"]}


def tests_per_hour(reads: Reads, series: Series, now: float, group_by: tuple[str, ...]) -> dict[Group, Any]:
    return {(("project", row["project"]),): float(row["tests"]) for row in _tests(reads, 3600.0, now)}


def _incident(kind: str) -> Reader:
    def read(reads: Reads, series: Series, now: float, group_by: tuple[str, ...]) -> dict[Group, Any]:
        return {(("project", row["project"]), ("stream", row["stream"])): kind in row["kinds"]
                for row in reads.get("alert_video_incidents", now)}

    return read


def metric(reads: Reads, series: Series, now: float, group_by: tuple[str, ...]) -> dict[Group, Any]:
    wanted = dict(series.filters)
    found: dict[Group, list[float]] = {}
    own = _window(series, SERIES["metric"][0])
    since = now - own
    rows = reads.get("alert_metric_samples", series.texts[0], now - max(own, reads.widest.get("metric", own)), now)
    for row in rows:
        if row["time"] <= since:
            continue
        tags = row["tags"]
        if any(str(tags.get(key)) != want for key, want in wanted.items()):
            continue
        labels = {"project": str(row["project"])}
        labels.update({key: str(tags[key]) for key in group_by if key in tags and key != "project"})
        found.setdefault(tuple(sorted(labels.items())), []).append(float(row["value"]))
    return {group: aggregate(values, series.aggregation) for group, values in found.items()}


#: name -> (what the condition language knows of it, its reader)
SERIES: dict[str, tuple[SeriesSpec, Reader]] = {
    spec.name: (spec, reader) for spec, reader in (
        (SeriesSpec("device_status", "string", "device", "online, offline, stale or unknown"), device_status),
        (SeriesSpec("error_rate", "number", "device", "share of failed probes", window=300.0), error_rate),
        (SeriesSpec("response_time", "number", "device", "probe response times (s)", sampled=True, window=300.0),
         response_time),
        (SeriesSpec("value", "any", "device", "a probe's reported value", texts=1), value),
        (SeriesSpec("failure_rate", "number", "project", "share of failed tests", window=3600.0), failure_rate),
        (SeriesSpec("tests_per_hour", "number", "project", "tests started in the last hour"), tests_per_hour),
        (SeriesSpec("black_screen", "bool", "stream", "a black screen going on"), _incident("black_screen")),
        (SeriesSpec("freeze_detected", "bool", "stream", "a freeze going on"), _incident("freeze")),
        (SeriesSpec("metric", "number", "metric", "a custom metric's samples", texts=1, filters=True, sampled=True,
                    window=300.0), metric),
    )
}
#: what the parser is given
CATALOGUE: dict[str, SeriesSpec] = {name: spec for name, (spec, _) in SERIES.items()}


def read(reads: Reads, series: Series, now: float, group_by: tuple[str, ...] = ()) -> dict[Group, Any]:
    """The values of ``series`` per group at ``now`` (the same series read once for every rule)."""
    return reads.derived(("series", series, now, group_by), lambda: SERIES[series.name][1](reads, series, now, group_by))
