"""A panel's query as Grafana's SQL datasources keep it: the PostgreSQL datasource's
``rawSql`` and ``format``; the SQLite plugin's (frser-sqlite-datasource) ``rawQueryText``
and ``queryType``, with ``time`` read as epoch seconds. The foundation SDK has no query type
for either, so this is its Dataquery."""

from __future__ import annotations

from grafana_foundation_sdk.cog import builder as cogbuilder
from grafana_foundation_sdk.cog import variants as cogvariants
from grafana_foundation_sdk.models.dashboard import DataSourceRef

from ..panels.model import Query

#: the datasource plugin each Grafana dialect of the catalogue runs on
PLUGINS = {"postgres": "grafana-postgresql-datasource", "sqlite": "frser-sqlite-datasource"}
#: the dashboard variable every panel and variable takes its datasource from
DATASOURCE_VARIABLE = "datasource"
_SQLITE_TYPES = {"time_series": "time series", "table": "table"}


def datasource_ref(dialect: str) -> DataSourceRef:
    """The reference every query of a dashboard uses: the datasource variable, of the dialect's plugin."""
    return DataSourceRef(type_val=PLUGINS[dialect], uid=f"${{{DATASOURCE_VARIABLE}}}")


class SqlTarget(cogvariants.Dataquery):
    """One target of a panel: SQL already rendered for ``dialect``."""

    def __init__(self, ref_id: str, sql: str, format: str, dialect: str) -> None:
        self.ref_id, self.sql, self.format, self.dialect = ref_id, sql, format, dialect

    def to_json(self) -> dict[str, object]:
        ref = datasource_ref(self.dialect).to_json()
        if self.dialect == "sqlite":
            return {"refId": self.ref_id, "datasource": ref, "queryType": _SQLITE_TYPES[self.format],
                    "rawQueryText": self.sql, "queryText": self.sql, "timeColumns": ["time"]}
        return {"refId": self.ref_id, "datasource": ref, "format": self.format, "rawQuery": True,
                "editorMode": "code", "rawSql": self.sql}


class Target(cogbuilder.Builder[SqlTarget]):
    """The SDK builder of a :class:`SqlTarget`."""

    def __init__(self, query: Query, sql: str, dialect: str) -> None:
        if query.format not in _SQLITE_TYPES:
            raise ValueError(f"query {query.ref_id}: format {query.format!r} is not one of {', '.join(_SQLITE_TYPES)}")
        self._target = SqlTarget(query.ref_id, sql, query.format, dialect)

    def build(self) -> SqlTarget:
        return self._target
