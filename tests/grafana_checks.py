"""Checks of generated Grafana dashboards, as Grafana would load them: the JSON schema of the
dashboard and of each panel type's options (tests/data/grafana-schema), and a lint of what the
schema cannot say (datasources resolve, uids and refIds unique, the grid within 24 columns,
every panel described, links reach a dashboard)."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator
from jsonschema.exceptions import best_match

SCHEMAS = Path(__file__).parent / "data" / "grafana-schema"
#: a panel type -> its schema file
PANEL_SCHEMAS = {"timeseries": "timeseries", "stat": "stat", "gauge": "gauge", "table": "table",
                 "piechart": "piechart", "heatmap": "heatmap", "barchart": "barchart", "bargauge": "bargauge",
                 "state-timeline": "statetimeline", "status-history": "statushistory", "text": "text"}
DATASOURCE_VARIABLE = "${datasource}"


@cache
def _validator(name: str, definition: str | None = None) -> Draft7Validator:
    schema = json.loads((SCHEMAS / f"{name}.jsonschema.json").read_text(encoding="utf-8"))
    if name == "dashboard":  # the base step of thresholds is null, as Grafana writes it (see the README)
        schema = copy.deepcopy(schema)
        schema["definitions"]["Threshold"]["properties"]["value"]["type"] = ["number", "null"]
    if definition:
        schema = {**schema, "$ref": f"#/definitions/{definition}"}
    return Draft7Validator(schema)


def _readable(error) -> str:
    where = "/".join(str(part) for part in error.absolute_path) or "(top)"
    return f"{where}: {error.message}"


def schema_errors(board: dict[str, Any]) -> list[str]:
    """The schema's complaints about ``board`` (its best match first), and about each panel's options."""
    found = []
    error = best_match(_validator("dashboard").iter_errors(board))
    if error is not None:
        found.append(_readable(error))
    for panel in panels(board):
        if panel["type"] == "row":
            continue
        if panel["type"] not in PANEL_SCHEMAS:
            found.append(f"panel {panel.get('id')}: unknown type {panel['type']!r}")
            continue
        error = best_match(_validator(PANEL_SCHEMAS[panel["type"]], "Options").iter_errors(panel.get("options", {})))
        if error is not None:
            found.append(f"panel {panel.get('id')} options: {_readable(error)}")
    return found


def panels(board: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel of ``board``: rows, the panels after them, and those inside collapsed rows."""
    for panel in board.get("panels", []):
        yield panel
        yield from panel.get("panels", []) if panel["type"] == "row" else ()


def _references(board: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for variable in board["templating"]["list"]:
        if "datasource" in variable:
            yield f"variable {variable['name']}", variable["datasource"]
    for panel in panels(board):
        if "datasource" in panel:
            yield f"panel {panel['id']}", panel["datasource"]
        for target in panel.get("targets", []):
            yield f"panel {panel['id']} target {target.get('refId')}", target.get("datasource", {})


def lint(boards: Iterable[dict[str, Any]], plugin: str, datasource_uids: Iterable[str] = ()) -> list[str]:
    """What would break in Grafana: references to a datasource that is neither provisioned
    (``datasource_uids``) nor the datasource variable (of ``plugin``), uids used twice across
    the files, panel ids and refIds used twice, panels past the 24th column or overlapping,
    panels with no description, links to no dashboard."""
    boards = list(boards)
    problems, uids = [], {}
    known = {board["uid"] for board in boards}
    for board in boards:
        name = board.get("uid")
        if name in uids:
            problems.append(f"uid {name} is used by two dashboards")
        uids[name] = board
        variables = {v["name"]: v for v in board["templating"]["list"]}
        for where, ref in _references(board):
            if ref.get("type") != plugin:
                problems.append(f"{name} {where}: datasource type {ref.get('type')!r}, not {plugin}")
            if ref.get("uid") == DATASOURCE_VARIABLE:
                chosen = variables.get("datasource")
                if not chosen or chosen["type"] != "datasource" or chosen["query"] != plugin:
                    problems.append(f"{name} {where}: ${{datasource}} without a datasource variable of {plugin}")
            elif ref.get("uid") not in set(datasource_uids):
                problems.append(f"{name} {where}: datasource uid {ref.get('uid')!r} is not provisioned")
        ids = [panel["id"] for panel in panels(board)]
        if len(ids) != len(set(ids)):
            problems.append(f"{name}: panel ids used twice: {sorted(i for i in set(ids) if ids.count(i) > 1)}")
        for panel in panels(board):
            problems.extend(_panel_problems(name, panel))
        problems.extend(_overlaps(name, board))
        for link in board.get("links", []):
            target = re.fullmatch(r"/d/([A-Za-z0-9_-]+)", link.get("url", ""))
            if not target or target.group(1) not in known:
                problems.append(f"{name}: link {link.get('title')!r} to {link.get('url')!r} reaches no dashboard")
    return problems


def _panel_problems(name: str, panel: dict[str, Any]) -> list[str]:
    found = []
    where = f"{name} panel {panel['id']} ({panel.get('title')})"
    grid = panel["gridPos"]
    if grid["x"] < 0 or grid["w"] < 1 or grid["x"] + grid["w"] > 24 or grid["h"] < 1:
        found.append(f"{where}: gridPos {grid} leaves the 24 columns")
    if panel["type"] == "row":
        if panel["panels"] and not panel["collapsed"]:
            found.append(f"{where}: an open row holding panels (Grafana drops them)")
        return found
    if not panel.get("description", "").strip():
        found.append(f"{where}: no description")
    refs = [target.get("refId") for target in panel.get("targets", [])]
    if len(refs) != len(set(refs)) or not all(refs):
        found.append(f"{where}: refIds {refs} are not unique")
    return found


def _overlaps(name: str, board: dict[str, Any]) -> list[str]:
    """Panels sharing a cell, among those shown at once (each collapsed row's, as if opened)."""
    groups = [[panel for panel in board.get("panels", [])]]
    groups += [panel["panels"] for panel in board.get("panels", []) if panel["type"] == "row" and panel["collapsed"]]
    found = []
    for group in groups:
        cells: dict[tuple[int, int], int] = {}
        for panel in group:
            grid = panel["gridPos"]
            for x in range(grid["x"], grid["x"] + grid["w"]):
                for y in range(grid["y"], grid["y"] + grid["h"]):
                    if (x, y) in cells:
                        found.append(f"{name}: panels {cells[x, y]} and {panel['id']} overlap at {x},{y}")
                        break
                    cells[x, y] = panel["id"]
                else:
                    continue
                break
    return found
