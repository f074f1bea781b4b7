"""Grafana dashboards and provisioning built from the panel catalogue.

:func:`dashboards` gives every catalogue dashboard as Grafana's JSON for a dialect (postgres:
Grafana's PostgreSQL datasource; sqlite: frser-sqlite-datasource), :func:`write_dashboards`
writes them as files for import, and :func:`provision` writes the provisioning tree Grafana
starts from (the store's datasource, a file provider, the dashboards, the alert rules and
their contact points); :func:`alert_rules` gives the alerting file's content alone."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..alerts.rules import RuleSet, from_mapping
from ..store.url import StoreURL, parse_store_url
from .alerting import Alerting, LeftOutRule, WrittenRule, alerting, earlier_uids
from .board import dashboard_json, grafana_uid
from .datasource import NAME, ProvisionError, check_uid, datasource
from .provision import Provisioned, WrittenDashboard, write_tree
from .targets import PLUGINS

__all__ = ["DIALECTS", "Alerting", "LeftOutRule", "ProvisionError", "Provisioned", "WrittenDashboard", "WrittenRule",
           "alert_rules", "dashboards", "grafana_uid", "provision", "write_dashboards"]

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


def alert_rules(ruleset: RuleSet | None = None, dialect: str = "postgres", *, datasource_uid: str = NAME,
                earlier: tuple[set[str], set[str]] | None = None) -> Alerting:
    """``ruleset``'s rules (None: the built-in ones) and channels as Grafana's alerting file for
    ``dialect``, reading the datasource ``datasource_uid``; ``earlier``: the uids a file of an
    earlier run held (deleted from Grafana when gone)."""
    from ..alerts.channels import ChannelConfigError, build_channels

    if dialect not in PLUGINS:
        raise ProvisionError(f"dialect {dialect!r}: Grafana alert rules are for {', '.join(PLUGINS)}", "dialect")
    check_uid(datasource_uid)
    if ruleset is None:
        ruleset = RuleSet(from_mapping([], builtin=True), {})
    try:
        channels = build_channels(dict(ruleset.channels), ruleset.source or "vpt.yaml")
    except ChannelConfigError as exc:
        raise ProvisionError(str(exc), "alerts") from None
    return alerting(ruleset, channels, dialect, datasource_uid, earlier)


def provision(directory: Path | str, store_url: StoreURL | str, *, datasource_uid: str = NAME,
              grafana_user: str | None = None, ruleset: RuleSet | None = None) -> Provisioned:
    """Write the provisioning tree for the store at ``store_url`` into ``directory``: Grafana
    reads it through a datasource of uid ``datasource_uid``, as ``grafana_user`` (PostgreSQL;
    default the URL's user), with the password from ``$VPT_GRAFANA_PASSWORD``; the alert rules
    of ``ruleset`` (None: the built-in ones) with their contact points."""
    if isinstance(store_url, str):
        try:
            store_url = parse_store_url(store_url)
        except ValueError as exc:  # a StoreURLError, or urlsplit's own (a bad IPv6 address)
            raise ProvisionError(str(exc), "store") from None
    source = datasource(store_url, datasource_uid, grafana_user)
    dialect = "sqlite" if store_url.scheme == "sqlite" else "postgres"
    rules = alert_rules(ruleset, dialect, datasource_uid=datasource_uid,
                        earlier=earlier_uids(Path(directory).resolve() / "alerting" / "vpt.yaml"))
    return write_tree(directory, store_url, dashboards(dialect, datasource_uid=datasource_uid), source, rules)
