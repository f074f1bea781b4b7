"""Read queries over metric samples: one summary per metric name and tag set."""

from __future__ import annotations

import json
from typing import Any

from ..analytics.samples import figures
from .where import Where


def metric_summary(
    conn: Any, project: str | None = None, name: str | None = None, tags: dict[str, str] | None = None,
    run_id: str | None = None, nodeid: str | None = None, since: float | None = None,
) -> list[dict[str, Any]]:
    """Per metric name and tag set (samples since ``since``, of one run or test if given,
    carrying every tag of ``tags``): count, last, mean, p50, p95, min and max, by name."""
    where = (Where().equal("m.project", project).equal("m.name", name).equal("m.run_id", run_id)
             .at_least("m.time", since).nodeid("c.nodeid", nodeid))
    rows = conn.execute(
        "SELECT m.project, m.name, m.tags, m.unit, m.value, m.time FROM metrics m "
        f"LEFT JOIN test_cases c ON c.test_id = m.test_id {where.sql} ORDER BY m.project, m.name, m.time", where.args,
    )
    wanted = tags or {}
    groups: dict[tuple[str, str, str], dict[str, Any]] = {}
    for project_name, metric, text, unit, value, at in rows:
        found = json.loads(text or "{}")
        if any(str(found.get(key)) != want for key, want in wanted.items()):
            continue
        key = (project_name, metric, json.dumps(found, sort_keys=True))
        group = groups.setdefault(key, {"project": project_name, "name": metric, "tags": found, "unit": unit,
                                        "values": []})
        group["values"].append(value)
        group["last"], group["last_at"], group["unit"] = value, at, unit or group["unit"]
    return [_figures(group) for _, group in sorted(groups.items())]


def _figures(group: dict[str, Any]) -> dict[str, Any]:
    values = group.pop("values")
    return {**group, **figures(values)}
