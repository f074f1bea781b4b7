"""Grafana's provisioning tree for a store: the datasource (PostgreSQL from the store's URL,
its password left to Grafana's environment; the SQLite plugin on the store's file), the file
provider of the dashboards, and ``vpt grafana provision`` / ``vpt grafana dashboards``."""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import unquote

import pytest
import yaml
from click.testing import CliRunner
from psycopg.conninfo import make_conninfo

from pytest_vpt import grafana
from pytest_vpt.alerts.builtin import BUILTIN_RULES
from pytest_vpt.cli import cli
from pytest_vpt.grafana import ProvisionError
from pytest_vpt.panels.catalogue import DASHBOARDS
from pytest_vpt.panels.model import ALL
from pytest_vpt.store.url import parse_store_url

from grafana_checks import lint, panels, schema_errors
from grafana_expand import expand, run_postgres_read_only, run_sqlite_read_only

PG = "grafana-postgresql-datasource"
LITE = "frser-sqlite-datasource"


def tree(root: Path) -> dict[str, str]:
    """Every file under ``root`` (relative path -> text)."""
    return {str(path.relative_to(root)): path.read_text(encoding="utf-8")
            for path in sorted(root.rglob("*")) if path.is_file()}


def datasource_of(root: Path) -> dict:
    found = yaml.safe_load((root / "datasources" / "vpt.yaml").read_text(encoding="utf-8"))
    assert found["apiVersion"] == 1 and len(found["datasources"]) == 1
    return found["datasources"][0]


def test_a_postgres_store_gives_grafanas_postgres_datasource_and_never_its_password(tmp_path) -> None:
    done = grafana.provision(tmp_path / "p", "postgresql://vpt:s3cret@db.example.com:6543/results?sslmode=verify-full",
                             grafana_user="grafana_reader")
    assert datasource_of(tmp_path / "p") == {
        "name": "pytest-vpt", "uid": "pytest-vpt", "type": PG, "access": "proxy", "editable": False,
        "url": "db.example.com:6543", "user": "grafana_reader",
        "jsonData": {"database": "results", "sslmode": "verify-full", "postgresVersion": 1500,
                     "timescaledb": False, "timeInterval": "1m"},
        "secureJsonData": {"password": "$VPT_GRAFANA_PASSWORD"}}
    files = tree(tmp_path / "p")
    assert not [name for name, text in files.items() if "s3cret" in text]
    assert "s3cret" not in json.dumps(done.to_dict())
    assert done.datasource == {"name": "pytest-vpt", "uid": "pytest-vpt", "type": PG,
                               "location": "postgresql db.example.com:6543/results"}
    assert done.notes == (("Grafana logs in as grafana_reader with the password in its environment variable "
                          "$VPT_GRAFANA_PASSWORD (no password is written)"),)


@pytest.mark.parametrize("url, address, user, database, sslmode, note", [
    ("postgresql://vpt@127.0.0.1/vpt", "127.0.0.1:5432", "vpt", "vpt", "disable", None),
    ("postgresql://ci%40team@[::1]:5433", "[::1]:5433", "ci@team", "ci@team", "disable", None),
    ("postgresql://vpt@db.example.com/vpt", "db.example.com:5432", "vpt", "vpt", "require",
     ("sslmode require: Grafana has no sslmode prefer (libpq's default); choose another with ?sslmode= in the "
      "store URL")),
    ("postgresql://vpt@localhost/vpt?sslmode=allow", "localhost:5432", "vpt", "vpt", "disable",
     "sslmode disable: Grafana has no sslmode allow; choose another with ?sslmode= in the store URL"),
    ("postgresql:///vpt?host=/var/run/postgresql&user=qa", "/var/run/postgresql", "qa", "vpt", "disable", None),
])
def test_the_datasource_reaches_the_server_the_url_names(tmp_path, url, address, user, database, sslmode, note) -> None:
    done = grafana.provision(tmp_path, url)
    entry = datasource_of(tmp_path)
    assert (entry["url"], entry["user"], entry["jsonData"]["database"], entry["jsonData"]["sslmode"]) == (
        address, user, database, sslmode)
    assert [n for n in done.notes if n.startswith("sslmode")] == ([note] if note else [])


def test_a_store_in_a_schema_of_its_own_says_how_grafana_finds_its_tables(tmp_path) -> None:
    done = grafana.provision(tmp_path, "postgresql://vpt@127.0.0.1/vpt?options=-csearch_path%3Dqa", grafana_user="gr")
    assert done.notes[-1] == ("the store's tables are in schema qa, and Grafana's datasource sets no search path: "
                              "give its role one (ALTER ROLE gr SET search_path TO qa)")
    assert "# the store's tables are in schema qa" in (tmp_path / "datasources" / "vpt.yaml").read_text()


@pytest.mark.parametrize("url, given, field, message", [
    ("postgresql://127.0.0.1/vpt", {}, "grafana_user", "names no user for Grafana: give one with --grafana-user"),
    ("postgresql://vpt@127.0.0.1/vpt?sslmode=sometimes", {}, "store", "sslmode 'sometimes' is not one of disable"),
    ("postgresql://vpt@127.0.0.1/vpt", {"grafana_user": "1st; DROP"}, "grafana_user", "'1st; DROP' is not a role name"),
    ("postgresql://vpt@127.0.0.1/vpt", {"datasource_uid": "a/b"}, "datasource_uid", "'a/b' is not a datasource uid"),
    ("sqlite:///vpt.db", {"grafana_user": "gr"}, "grafana_user", "--grafana-user is for a PostgreSQL store"),
    ("mysql://x/y", {}, "store", "unsupported scheme 'mysql'"),
])
def test_a_value_provisioning_cannot_use_is_named(tmp_path, url, given, field, message) -> None:
    with pytest.raises(ProvisionError) as raised:
        grafana.provision(tmp_path / "p", url, **given)
    assert raised.value.field == field and message in str(raised.value)
    assert not (tmp_path / "p").exists()


def test_a_sqlite_store_gives_the_sqlite_datasource_on_its_file_read_only(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    done = grafana.provision("grafana", "sqlite:///.vpt/vpt.db", datasource_uid="vpt-lite")
    store = tmp_path.resolve() / ".vpt" / "vpt.db"
    assert datasource_of(tmp_path / "grafana") == {
        "name": "pytest-vpt", "uid": "vpt-lite", "type": LITE, "access": "proxy", "editable": False,
        "jsonData": {"path": str(store), "pathOptions": "mode=ro"}}
    assert done.notes == ((f"Grafana opens {store} read-only; the store is in WAL mode, so Grafana's user needs write "
                          f"access to the folder {store.parent} (SQLite keeps vpt.db-shm beside the file)"),)
    assert f"-v {store.parent}:{store.parent} -e GF_INSTALL_PLUGINS=frser-sqlite-datasource" in done.start.docker
    assert "grafana cli plugins install frser-sqlite-datasource" in done.start.steps
    boards = [json.loads((tmp_path / "grafana" / each.file).read_text()) for each in done.dashboards]
    assert lint(boards, LITE, {"vpt-lite"}) == []
    assert all(board["uid"].endswith("-sqlite") for board in boards)


def test_the_dashboard_provider_points_at_the_dashboards_it_wrote(tmp_path) -> None:
    done = grafana.provision(tmp_path / "p", "postgresql://vpt@127.0.0.1/vpt")
    root = (tmp_path / "p").resolve()
    provider = yaml.safe_load((root / "dashboards" / "vpt.yaml").read_text())
    assert provider == {"apiVersion": 1, "providers": [{
        "name": "pytest-vpt", "orgId": 1, "folder": "pytest-vpt", "folderUid": "pytest-vpt", "type": "file",
        "disableDeletion": False, "allowUiUpdates": False, "updateIntervalSeconds": 30,
        "options": {"path": str(root / "dashboards" / "pytest-vpt"), "foldersFromFilesStructure": False}}]}
    in_folder = sorted(path.name for path in Path(provider["providers"][0]["options"]["path"]).glob("*.json"))
    assert in_folder == sorted(f"{board.uid}-pg.json" for board in DASHBOARDS)
    assert done.files == ("datasources/vpt.yaml", "dashboards/vpt.yaml", "alerting/vpt.yaml",
                          *(f"dashboards/pytest-vpt/{board.uid}-pg.json" for board in DASHBOARDS))
    boards = [json.loads((root / each.file).read_text()) for each in done.dashboards]
    for board in boards:
        assert schema_errors(board) == []
        assert board["templating"]["list"][0]["current"]["value"] == "pytest-vpt"
    assert lint(boards, PG, {"pytest-vpt"}) == []
    assert done.start.grafana_ini == ("[paths]", f"provisioning = {root}")
    assert done.start.docker == (f"docker run -d --name grafana \\\n  --network host \\\n  -v {root}:{root}:ro "
                                 f"-e GF_PATHS_PROVISIONING={root} \\\n  -e VPT_GRAFANA_PASSWORD \\\n"
                                 "  grafana/grafana:11.6.0")


def test_provisioning_again_removes_the_files_of_dashboards_no_longer_in_the_catalogue(tmp_path) -> None:
    stale = tmp_path / "dashboards" / "pytest-vpt" / "vpt-retired-pg.json"
    stale.parent.mkdir(parents=True)
    stale.write_text("{}")
    (tmp_path / "dashboards" / "mine.yaml").write_text("apiVersion: 1\n")
    done = grafana.provision(tmp_path, "postgresql://vpt@127.0.0.1/vpt")
    assert done.removed == ("dashboards/pytest-vpt/vpt-retired-pg.json",)
    assert not stale.exists() and (tmp_path / "dashboards" / "mine.yaml").exists()
    assert sorted(tree(tmp_path)) == sorted([*done.files, "dashboards/mine.yaml"])


def vpt(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, list(args), env=env)


def test_vpt_grafana_provision_writes_the_tree_for_the_stores_engine_and_lists_it(store_url, tmp_path) -> None:
    result = vpt("--store", store_url, "grafana", "provision", str(tmp_path / "g"), "--json")
    assert result.exit_code == 0, result.output
    done = json.loads(result.output)
    root = (tmp_path / "g").resolve()
    assert done["directory"] == str(root)
    assert sorted(done["files"]) == sorted(tree(root))
    engine = "sqlite" if store_url.startswith("sqlite") else "postgres"
    assert (done["dialect"], done["datasource"]["type"]) == (engine, {"sqlite": LITE, "postgres": PG}[engine])
    assert datasource_of(root)["type"] == done["datasource"]["type"]
    assert [each["title"] for each in done["dashboards"]] == [board.title for board in DASHBOARDS]


def test_vpt_grafana_provision_says_what_it_wrote_and_how_to_start_grafana(tmp_path) -> None:
    result = vpt("grafana", "provision", str(tmp_path / "g"), "--store", "postgresql://vpt:pw9@127.0.0.1/vpt",
                 "--grafana-user", "grafana", env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    root = (tmp_path / "g").resolve()
    assert lines[0] == f"wrote {3 + len(DASHBOARDS)} files in {root}:"
    assert lines[1:5] == ["  datasources/vpt.yaml  datasource pytest-vpt (postgresql 127.0.0.1/vpt)",
                          "  dashboards/vpt.yaml   file provider: folder pytest-vpt, no saving from the UI",
                          f"  alerting/vpt.yaml     {len(BUILTIN_RULES)} alert rules, 0 contact points",
                          f"and {len(DASHBOARDS)} dashboards in dashboards/pytest-vpt:"]
    assert lines[5].split() == ["uid", "title"]
    assert [line.split()[0] for line in lines[6:6 + len(DASHBOARDS)]] == [f"{board.uid}-pg" for board in DASHBOARDS]
    assert "pw9" not in result.output
    assert "  docker run -d --name grafana \\" in lines and f"  provisioning = {root}" in lines
    command = lines.index("  docker run -d --name grafana \\")
    prose = lines[:command] + lines[command + 5:]
    assert [line for line in prose if len(line) > 80 and str(root) not in line] == []


def test_vpt_grafana_dashboards_writes_the_json_alone_for_a_dialect(tmp_path) -> None:
    result = vpt("grafana", "dashboards", "--out", str(tmp_path / "out"), "--dialect", "sqlite", "--json")
    assert result.exit_code == 0, result.output
    done = json.loads(result.output)
    assert done["dialect"] == "sqlite"
    assert [each["uid"] for each in done["dashboards"]] == [f"{board.uid}-sqlite" for board in DASHBOARDS]
    boards = [json.loads(Path(each["file"]).read_text()) for each in done["dashboards"]]
    assert lint(boards, LITE) == [] and all(schema_errors(board) == [] for board in boards)
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == sorted(
        f"{each['uid']}.json" for each in done["dashboards"])


def test_vpt_grafana_dashboards_takes_the_stores_engine_by_default(tmp_path) -> None:
    result = vpt("--store", f"sqlite:///{tmp_path / 'vpt.db'}", "grafana", "dashboards", "--out", str(tmp_path / "o"))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == f"wrote {len(DASHBOARDS)} dashboards for sqlite in {tmp_path / 'o'}, as UID.json:"


@pytest.mark.parametrize("args, message", [
    (["--datasource-uid", "no spaces please"], ("Invalid value for --datasource-uid: 'no spaces please' is not a "
                                              "datasource uid")),
    (["--grafana-user", "x-y"], "Invalid value for --grafana-user: 'x-y' is not a role name"),
    (["--store", "postgresql://127.0.0.1/vpt"], "Invalid value for --grafana-user"),
    (["--store", "ftp://host/x"], "unsupported scheme 'ftp'"),
])
def test_vpt_grafana_provision_names_the_option_it_cannot_use(tmp_path, args, message) -> None:
    store = [] if "--store" in args else ["--store", "postgresql://vpt@127.0.0.1/vpt"]
    result = vpt("grafana", "provision", str(tmp_path / "g"), *store, *args)
    assert result.exit_code != 0 and message in " ".join(result.output.split()), result.output
    assert not (tmp_path / "g").exists()


def test_vpt_grafana_refuses_a_file_for_its_folder_and_an_unknown_dialect(tmp_path) -> None:
    (tmp_path / "file").write_text("")
    result = vpt("grafana", "provision", str(tmp_path / "file"), "--store", "sqlite:///vpt.db")
    assert result.exit_code == 2 and "is a file" in result.output
    result = vpt("grafana", "dashboards", "--out", str(tmp_path / "o"), "--dialect", "mysql")
    assert result.exit_code == 2 and "'mysql' is not one of 'postgres', 'sqlite'" in result.output


GRAFANA_ROLE = "vpt_grafana_tree"


def _run_as_the_datasource(entry: dict, store_url: str, sql: str) -> list[str]:
    """``sql`` run the way the provisioned datasource connects: the SQLite plugin on its path,
    or PostgreSQL at its url, database, user and sslmode, read-only."""
    if entry["type"] == LITE:
        return run_sqlite_read_only(Path(entry["jsonData"]["path"]), sql)[0]
    host, port = entry["url"].rsplit(":", 1)
    dsn = make_conninfo(host=host, port=port, dbname=entry["jsonData"]["database"], user=entry["user"],
                        sslmode=entry["jsonData"]["sslmode"], password=os.environ["VPT_GRAFANA_PASSWORD"])
    return run_postgres_read_only(dsn, unquote(store_url).split("search_path=")[-1], sql)[0]


def test_grafana_reading_the_tree_runs_every_query_of_every_dashboard_on_the_store(store_url, tmp_path,
                                                                                   monkeypatch) -> None:
    """What Grafana would load (the files, not the catalogue) runs: every variable's and
    panel's SQL, expanded as Grafana expands it, through the datasource as provisioned (on
    PostgreSQL as the read-only role of vpt db init --grafana-role)."""
    monkeypatch.setenv("VPT_GRAFANA_PASSWORD", "t0p-s3cret")
    postgres = store_url.startswith("postgresql")
    result = vpt("--store", store_url, "db", "init", *(["--grafana-role", GRAFANA_ROLE] if postgres else []))
    assert result.exit_code == 0, result.output
    root = tmp_path / "g"
    result = vpt("--store", store_url, "grafana", "provision", str(root),
                 *(["--grafana-user", GRAFANA_ROLE] if postgres else []))
    assert result.exit_code == 0, result.output
    assert not [name for name, text in tree(root).items() if "t0p-s3cret" in text]
    entry = datasource_of(root)
    dialect = "postgres" if postgres else "sqlite"
    ran = 0
    for path in sorted((root / "dashboards" / "pytest-vpt").glob("*.json")):
        board = json.loads(path.read_text())
        chosen = [v for v in board["templating"]["list"] if v["type"] == "query"]
        values = {v["name"]: ALL if v["includeAll"] else "box" for v in chosen}
        all_values = {v["name"]: v.get("allValue", "") for v in chosen}
        queries = [v["query"] for v in chosen] + [target.get("rawSql", target.get("rawQueryText"))
                                                  for each in panels(board) for target in each.get("targets", [])]
        for sql in queries:
            text = expand(sql, dialect, 1_700_000_000.0, 1_700_604_800.0, 3600.0, values, all_values)
            assert _run_as_the_datasource(entry, store_url, text), (path.name, text)
            ran += 1
    assert ran >= sum(len(board.variables) for board in DASHBOARDS) + sum(
        len(panel.queries) for board in DASHBOARDS for row in board.rows for panel in row.panels)


def test_a_line_break_in_the_store_url_cannot_add_to_the_yaml(tmp_path) -> None:
    """A note quotes the store's path in a YAML comment: a line break in it ends no comment."""
    folder = tmp_path / "a\ndatasources: []\n#"  # the project's folder, where a relative store URL points
    done = grafana.provision(tmp_path / "p", parse_store_url("sqlite:///vpt.db", base_dir=folder))
    entry = datasource_of(tmp_path / "p")
    assert entry["jsonData"]["path"] == str(folder / "vpt.db") and len(done.notes) == 1
    with pytest.raises(ProvisionError, match="its user holds a control character") as raised:
        grafana.provision(tmp_path / "q", "postgresql://x%0Adatasources%3A%20none@127.0.0.1/vpt")
    assert raised.value.field == "store"
