"""A dashboard on an Excel sheet: each row's title, then each panel's title and description and
its queries' answers as tables, one under the other. A time series given long (``time``,
``metric``, value: one series per metric, as Grafana draws it) is laid out wide (a column per
metric). Time series get a native line chart, bar gauges and bar charts a column chart, pie
charts a pie, placed beside their table."""

from __future__ import annotations

from typing import Any

from ..history import DashboardData, PanelData, QueryData

#: table columns (besides a time series' ``time``) that hold moments in epoch seconds
TIME_COLUMNS = {"time", "started", "ended", "since", "last seen", "first seen", "last run", "day", "until"}
#: the chart each kind of panel gets
CHARTS = {"timeseries": "line", "bargauge": "column", "barchart": "column", "piechart": "pie"}
#: a chart's rows on the sheet (XlsxWriter's default height, 288 pixels, at 20 pixels a row)
CHART_ROWS = 16
_MOMENT = (1e8, 1e10)  # epoch seconds from 1973 to 2286: what a time column holds


def wide(query: QueryData) -> tuple[list[str], list[list[Any]]]:
    """The query's columns and rows, a long time series (time, metric, value...) made wide."""
    columns = query.columns
    if query.format != "time_series" or len(columns) < 3 or columns[:2] != ["time", "metric"]:
        return columns, query.rows
    values = columns[2:]
    series: dict[str, None] = {}
    points: dict[Any, dict[str, Any]] = {}
    for row in query.rows:
        for name, value in zip(values, row[2:]):
            label = str(row[1]) if len(values) == 1 else f"{row[1]} {name}"
            series.setdefault(label)
            points.setdefault(row[0], {})[label] = value
    names = list(series)
    return ["time", *names], [[moment, *(found.get(name) for name in names)] for moment, found in points.items()]


def write_dashboard(book: Any, sheet: Any, board: DashboardData, formats: dict[str, Any]) -> int:
    """Write ``board`` on ``sheet``; returns how many charts it has."""
    from .jsonfile import iso

    sheet.set_column(0, 0, 20)
    sheet.set_column(1, 12, 14)
    sheet.write_string(0, 0, board.title, formats["title"])
    sheet.write_string(1, 0, f"from {iso(board.start)} until {iso(board.end)} (UTC), "
                             f"every {board.interval:g} s", formats["note"])
    line, charts = 3, 0
    for row in board.rows:
        sheet.write_string(line, 0, row["title"], formats["title"])
        line += 2
        for panel in row["panels"]:
            line, drawn = _panel(book, sheet, line, panel, formats)
            charts += drawn
    return charts


def _panel(book: Any, sheet: Any, line: int, panel: PanelData, formats: dict[str, Any]) -> tuple[int, int]:
    unit = f" ({panel.unit})" if panel.unit else ""
    sheet.write_string(line, 0, panel.title + unit, formats["bold"])
    sheet.write_string(line + 1, 0, panel.description, formats["note"])
    line += 2
    drawn = 0
    for query in panel.queries:
        columns, rows = wide(query)
        top = line
        for col, name in enumerate(columns):
            sheet.write_string(line, col, str(name), formats["bold"])
        for values in rows:
            line += 1
            for col, (name, value) in enumerate(zip(columns, values)):
                _cell(sheet, line, col, name, value, formats)
        if not rows:
            line += 1
            sheet.write_string(line, 0, "no data in the range", formats["note"])
        chart = _chart(book, sheet.name, panel, columns, rows, top)
        if chart is not None:
            sheet.insert_chart(top, len(columns) + 1, chart)
            drawn += 1
            line = max(line, top + CHART_ROWS)
        line += 2
    return line, drawn


def _cell(sheet: Any, line: int, col: int, name: str, value: Any, formats: dict[str, Any]) -> None:
    from .xlsxfile import serial

    if value is None:
        return
    if isinstance(value, bool):
        sheet.write_boolean(line, col, value)
    elif isinstance(value, (int, float)):
        if name in TIME_COLUMNS and _MOMENT[0] < value < _MOMENT[1]:
            sheet.write_number(line, col, serial(value), formats["date"])
        else:
            sheet.write_number(line, col, value)
    else:
        sheet.write_string(line, col, str(value))


def _numeric(rows: list[list[Any]], col: int) -> bool:
    found = [row[col] for row in rows if row[col] is not None]
    return bool(found) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in found)


def _chart(book: Any, sheet: str, panel: PanelData, columns: list[str], rows: list[list[Any]], top: int) -> Any:
    """The panel's native chart over the table at ``top`` (its header row), or None."""
    kind = CHARTS.get(panel.kind)
    if kind is None or not rows:
        return None
    first, last = top + 1, top + len(rows)
    chart = book.add_chart({"type": kind})
    chart.set_title({"name": panel.title})
    if kind == "pie" and len(rows) == 1:  # one row of counts: the columns are the slices
        numbers = [col for col in range(len(columns)) if _numeric(rows, col)]
        if not numbers:
            return None
        chart.add_series({"name": panel.title, "categories": [sheet, top, numbers[0], top, numbers[-1]],
                          "values": [sheet, first, numbers[0], first, numbers[-1]]})
        return chart
    series = [col for col in range(1, len(columns)) if _numeric(rows, col)]
    if not series:
        return None
    for col in series[:1] if kind == "pie" else series:
        chart.add_series({"name": [sheet, top, col], "categories": [sheet, first, 0, last, 0],
                          "values": [sheet, first, col, last, col]})
    if columns[0] == "time":
        chart.set_x_axis({"date_axis": True, "num_format": "mm-dd hh:mm"})
    if panel.unit:
        chart.set_y_axis({"name": panel.unit})
    chart.set_size({"width": 640, "height": 300})
    return chart
