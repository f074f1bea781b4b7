"""The provisioned datasource of a store: Grafana's PostgreSQL datasource from a PostgreSQL
store URL (host, port, database, user, sslmode; the password never: Grafana expands
``$VPT_GRAFANA_PASSWORD`` from its environment), or the SQLite plugin on the store's file."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from ..store.url import StoreURL
from .targets import PLUGINS

NAME = "pytest-vpt"
PASSWORD_VARIABLE = "VPT_GRAFANA_PASSWORD"
POSTGRES_VERSION = 1500  # the store needs PostgreSQL 15 or later
TIME_INTERVAL = "1m"  # the shortest interval a panel groups by
#: sslmode values Grafana's PostgreSQL datasource takes (libpq's allow and prefer it has not)
SSLMODES = ("disable", "require", "verify-ca", "verify-full")
_ROLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}\Z")  # the names vpt db init --grafana-role creates
_UID = re.compile(r"[A-Za-z0-9_-]{1,40}\Z")
_SEARCH_PATH = re.compile(r"search_path\s*=\s*([^\s,]+)")
_LOOPBACK = ("localhost", "127.0.0.1", "::1")
#: control characters, YAML's line breaks among them
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_LONGEST_NAME = 255  # a host name's limit; PostgreSQL cuts names at 63 bytes


class ProvisionError(ValueError):
    """A value provisioning cannot use; ``field`` names it (store, datasource_uid, grafana_user,
    directory), the message says what is wrong."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Datasource:
    """The datasource entry of ``datasources/vpt.yaml``, and what its user should know."""

    entry: dict[str, Any]
    notes: tuple[str, ...]
    sqlite_folder: Path | None = None  # the SQLite store's folder, which Grafana must reach
    host: str | None = None  # the PostgreSQL server's host

    @property
    def loopback(self) -> bool:
        """Whether Grafana reaches the store's server on this machine's loopback address."""
        return self.host in _LOOPBACK


def check_uid(uid: str) -> str:
    if not isinstance(uid, str) or not _UID.match(uid):
        raise ProvisionError(f"{uid!r} is not a datasource uid (1 to 40 letters, digits, '-' and '_')",
                             "datasource_uid")
    return uid


def datasource(url: StoreURL, uid: str = NAME, grafana_user: str | None = None) -> Datasource:
    """The datasource Grafana reads ``url``'s store through (``grafana_user``: the role it logs
    in as, e.g. the one ``vpt db init --grafana-role`` made; default the URL's user)."""
    check_uid(uid)
    if grafana_user is not None and not _ROLE.match(grafana_user):
        raise ProvisionError(f"{grafana_user!r} is not a role name (letters, digits and '_', at most 63, "
                             "not starting with a digit)", "grafana_user")
    if url.scheme == "sqlite":
        return _sqlite(url, uid, grafana_user)
    return _postgres(url, uid, grafana_user)


def _sqlite(url: StoreURL, uid: str, grafana_user: str | None) -> Datasource:
    if grafana_user:
        raise ProvisionError(f"--grafana-user is for a PostgreSQL store; Grafana reads {url} as a file",
                             "grafana_user")
    path = url.path.resolve()
    folder = path.parent
    return Datasource(
        {"name": NAME, "uid": uid, "type": PLUGINS["sqlite"], "access": "proxy", "editable": False,
         "jsonData": {"path": str(path), "pathOptions": "mode=ro"}},
        ((f"Grafana opens {path} read-only; the store is in WAL mode, so Grafana's user needs write access "
         f"to the folder {folder} (SQLite keeps {path.name}-shm beside the file)"),),
        sqlite_folder=folder)


def _postgres(url: StoreURL, uid: str, grafana_user: str | None) -> Datasource:
    parts = urlsplit(url.text)
    query = dict(parse_qsl(parts.query))
    host = parts.hostname or query.get("host", "")
    port = _port(parts) or query.get("port") or "5432"
    user = grafana_user or unquote(parts.username or "") or query.get("user", "")
    if not user:
        raise ProvisionError(f"{url} names no user for Grafana: give one with --grafana-user", "grafana_user")
    database = unquote(parts.path.lstrip("/")) or query.get("dbname", "") or unquote(parts.username or user)
    for label, value in (("user", user), ("database", database), ("host", host)):
        if CONTROL.search(value) or len(value) > _LONGEST_NAME:
            raise ProvisionError(f"{url}: its {label} holds a control character or is longer than "
                                 f"{_LONGEST_NAME} characters", "store")
    address = host if host.startswith("/") else f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    sslmode, notes = _sslmode(query.get("sslmode"), host)
    notes.append(f"Grafana logs in as {user} with the password in its environment variable ${PASSWORD_VARIABLE} "
                 "(no password is written)")
    search_path = _SEARCH_PATH.search(query.get("options", ""))
    if search_path:
        notes.append(f"the store's tables are in schema {search_path.group(1)}, and Grafana's datasource sets no "
                     f"search path: give its role one (ALTER ROLE {user} SET search_path TO {search_path.group(1)})")
    return Datasource(
        {"name": NAME, "uid": uid, "type": PLUGINS["postgres"], "access": "proxy", "editable": False,
         "url": address, "user": user,
         "jsonData": {"database": database, "sslmode": sslmode, "postgresVersion": POSTGRES_VERSION,
                      "timescaledb": False, "timeInterval": TIME_INTERVAL},
         "secureJsonData": {"password": f"${PASSWORD_VARIABLE}"}},
        tuple(notes), host=host)


def _sslmode(given: str | None, host: str) -> tuple[str, list[str]]:
    """Grafana's sslmode for the URL's: kept if Grafana has it; libpq's default (prefer) and
    allow become disable for this machine's server, require for another."""
    if given in SSLMODES:
        return given, []
    if given not in (None, "allow", "prefer"):
        raise ProvisionError(f"sslmode {given!r} is not one of {', '.join(SSLMODES)}, allow, prefer", "store")
    mode = "disable" if host in _LOOPBACK or host.startswith("/") else "require"
    if given is None and mode == "disable":
        return mode, []
    missing = given or "prefer (libpq's default)"
    return mode, [f"sslmode {mode}: Grafana has no sslmode {missing}; choose another with ?sslmode= in the store URL"]


def _port(parts) -> str | None:
    try:
        return str(parts.port) if parts.port else None
    except ValueError:
        return None
