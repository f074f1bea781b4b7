"""Grafana dashboards and provisioning built from the panel catalogue.

:func:`dashboards` gives every catalogue dashboard as Grafana's JSON for a dialect (postgres:
Grafana's PostgreSQL datasource; sqlite: frser-sqlite-datasource), :func:`write_dashboards`
writes them as files for import, and :func:`provision` writes the provisioning tree Grafana
starts from (the store's datasource, a file provider, the dashboards)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..store.url import StoreURL, parse_store_url
from .board import dashboard_json, grafana_uid
from .datasource import NAME, ProvisionError, check_uid, datasource
from .provision import Provisioned, WrittenDashboard, write_tree
from .targets import PLUGINS

__all__ = ["DIALECTS", "ProvisionError", "Provisioned", "WrittenDashboard", "dashboards", "grafana_uid",
           "provision", "write_dashboards"]

#: the dialects Grafana reads the store in
DIALECTS = tuple(PLUGINS)


def dashboards(dialect: str = "postgres", *, datasource_uid: str | None = None) -> list[dict[str, Any]]:
    """Every dashboard of the catalogue as Grafana's JSON for ``dialect``; ``datasource_uid``
    is the datasource variable's first choice (None: Grafana's default of the plugin)."""
    from ..panels.catalogue import DASHBOARDS
    from ..panels.dialects import render

    if dialect not in PLUGINS:
        raise ProvisionError(f"dialect {dialect!r}: Grafana dashboards are for {', '.join(PLUGINS)}", "dialect")
    if datasource_uid is not None:
        check_uid(datasource_uid)
    return [dashboard_json(board, dialect, render, catalogue=DASHBOARDS, datasource_uid=datasource_uid)
            for board in DASHBOARDS]


def write_dashboards(out: Path | str, dialect: str = "postgres") -> list[WrittenDashboard]:
    """Write every dashboard as ``OUT/<uid>.json`` (for Grafana's import); returns what it wrote."""
    folder = Path(out)
    boards = dashboards(dialect)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for board in boards:
            path = folder / f"{board['uid']}.json"
            path.write_text(json.dumps(board, indent=2) + "\n", encoding="utf-8")
            written.append(WrittenDashboard(board["uid"], board["title"], str(path)))
    except OSError as exc:
        raise ProvisionError(f"cannot write the dashboards in {folder}: {exc.strerror or exc}", "out") from None
    return written


def provision(directory: Path | str, store_url: StoreURL | str, *, datasource_uid: str = NAME,
              grafana_user: str | None = None) -> Provisioned:
    """Write the provisioning tree for the store at ``store_url`` into ``directory``: Grafana
    reads it through a datasource of uid ``datasource_uid``, as ``grafana_user`` (PostgreSQL;
    default the URL's user), with the password from ``$VPT_GRAFANA_PASSWORD``."""
    if isinstance(store_url, str):
        try:
            store_url = parse_store_url(store_url)
        except ValueError as exc:  # a StoreURLError, or urlsplit's own (a bad IPv6 address)
            raise ProvisionError(str(exc), "store") from None
    source = datasource(store_url, datasource_uid, grafana_user)
    dialect = "sqlite" if store_url.scheme == "sqlite" else "postgres"
    return write_tree(directory, store_url, dashboards(dialect, datasource_uid=datasource_uid), source)
