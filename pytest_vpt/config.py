"""Settings, read in one place: command line > environment (``VPT_*``) > ini > defaults.

The ini values come from pytest's own configuration (``[tool.pytest.ini_options]`` of
pyproject.toml, pytest.ini, tox.ini or setup.cfg); outside pytest the same files are found
by walking up from the current directory, as pytest finds its rootdir.
"""

from __future__ import annotations

import configparser
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .store.url import StoreURL, StoreURLError, parse_store_url

DEFAULT_STORE = "sqlite:///.vpt/vpt.db"
_LABEL_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,99}\Z")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class SettingsError(ValueError):
    """A setting with a value that cannot be used; the message starts with where it came from."""


@dataclass(frozen=True)
class Option:
    """One setting and its three spellings."""

    name: str
    flag: str
    env: str
    ini: str
    help: str
    ini_type: str = "string"


OPTIONS = (
    Option("enabled", "--vpt", "VPT_ENABLED", "vpt", "record this run (results, durations, metrics)", "bool"),
    Option("store", "--vpt-store", "VPT_STORE", "vpt_store", f"where to record: a store URL (default {DEFAULT_STORE})"),
    Option("project", "--vpt-project", "VPT_PROJECT", "vpt_project", "project name (default: the rootdir's name)"),
    Option("labels", "--vpt-label", "VPT_LABELS", "vpt_labels", "KEY=VALUE tag on the run (repeatable)", "linelist"),
)


@dataclass(frozen=True)
class Settings:
    enabled: bool
    store: StoreURL
    project: str
    labels: dict[str, str] = field(default_factory=dict)


def resolve_enabled(cli: Mapping[str, Any], env: Mapping[str, str], ini: Mapping[str, Any]) -> bool:
    """Whether to record: ``--vpt``/``--no-vpt`` > ``VPT_ENABLED`` > ini ``vpt`` > off."""
    if cli.get("enabled") is not None:
        return bool(cli["enabled"])
    if "VPT_ENABLED" in env:
        return _boolean(env["VPT_ENABLED"], "VPT_ENABLED")
    value = ini.get("enabled")
    return _boolean(value, "vpt (ini)") if isinstance(value, str) else bool(value)


def resolve(
    cli: Mapping[str, Any], env: Mapping[str, str], ini: Mapping[str, Any], rootdir: Path
) -> Settings:
    """Combine the three sources; raise :class:`SettingsError` naming the bad one."""
    by_name = {option.name: option for option in OPTIONS}

    def pick(name: str) -> tuple[Any, str]:
        option = by_name[name]
        if cli.get(name) is not None:
            return cli[name], option.flag
        if option.env in env:
            return env[option.env], option.env
        if ini.get(name) not in (None, "", []):
            return ini[name], f"{option.ini} (ini)"
        return None, option.flag

    enabled = resolve_enabled(cli, env, ini)
    store_text, source = pick("store")
    try:
        store = parse_store_url(store_text or DEFAULT_STORE, rootdir)
    except StoreURLError as exc:
        raise SettingsError(f"{source}: {exc}") from None
    project, source = pick("project")
    project = (project or rootdir.name or "default").strip()
    if not project:
        raise SettingsError(f"{source}: the project name is empty")
    labels: dict[str, str] = {}
    option = by_name["labels"]
    labels.update(parse_labels(ini.get("labels") or [], f"{option.ini} (ini)"))
    if option.env in env:
        labels.update(parse_labels([part for part in env[option.env].split(",") if part.strip()], option.env))
    labels.update(parse_labels(cli.get("labels") or [], option.flag))
    return Settings(enabled=enabled, store=store, project=project, labels=labels)


def parse_labels(items: list[str], source: str) -> dict[str, str]:
    """``["k=v", ...]`` to a dict; a malformed item is a :class:`SettingsError` naming ``source``."""
    labels = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep:
            raise SettingsError(f"{source}: {item!r} is not KEY=VALUE")
        if not _LABEL_KEY.match(key):
            raise SettingsError(f"{source}: label key {key!r} must start with a letter or '_' and use letters, digits, '_', '.', '-'")
        labels[key] = value.strip()
    return labels


def _boolean(text: str, source: str) -> bool:
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SettingsError(f"{source}: expected a boolean (1/0, true/false, yes/no, on/off), got {text!r}")


def find_project(start: Path | None = None) -> tuple[Path, dict[str, Any]]:
    """The nearest directory at or above ``start`` with a pytest configuration, and its vpt ini values.

    Falls back to the nearest directory holding a ``.vpt`` folder, then to ``start`` itself.
    """
    start = (start or Path.cwd()).resolve()
    for directory in (start, *start.parents):
        for name, reader in _INI_READERS:
            path = directory / name
            if path.is_file():
                values = reader(path)
                if values is not None:
                    return directory, _vpt_values(values)
    for directory in (start, *start.parents):
        if (directory / ".vpt").is_dir():
            return directory, {}
    return start, {}


def settings_outside_pytest(store: str | None = None, project: str | None = None) -> tuple[Settings, Path]:
    """Settings for the CLI and for scripts: explicit values > environment > ini > defaults."""
    rootdir, ini = find_project()
    return resolve({"store": store, "project": project}, os.environ, ini, rootdir), rootdir


def _vpt_values(values: Mapping[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for option in OPTIONS:
        if option.ini in values:
            value = values[option.ini]
            if option.ini_type == "linelist" and isinstance(value, str):
                value = [line.strip() for line in value.splitlines() if line.strip()]
            found[option.name] = value
    return found


def _read_toml(*table: str):
    def read(path: Path) -> dict[str, Any] | None:
        try:
            data: Any = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError):
            return None
        for key in table:
            data = data.get(key) if isinstance(data, dict) else None
        if not isinstance(data, dict):
            return None
        options = data.get("ini_options", data)  # [tool.pytest.ini_options], or pytest 9's [tool.pytest]
        return options if isinstance(options, dict) else None

    return read


def _read_ini(section: str, required: bool):
    def read(path: Path) -> dict[str, Any] | None:
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(path, encoding="utf-8")
        except (OSError, configparser.Error):
            return None
        if parser.has_section(section):
            return dict(parser.items(section))
        return None if required else {}

    return read


# The files pytest looks for, in its order.
_INI_READERS = (
    ("pytest.toml", _read_toml("pytest")),
    (".pytest.toml", _read_toml("pytest")),
    ("pytest.ini", _read_ini("pytest", required=False)),
    (".pytest.ini", _read_ini("pytest", required=False)),
    ("pyproject.toml", _read_toml("tool", "pytest")),
    ("tox.ini", _read_ini("pytest", required=True)),
    ("setup.cfg", _read_ini("tool:pytest", required=True)),
)
