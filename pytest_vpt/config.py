"""Settings, read in one place: command line > environment (``VPT_*``) > ini > defaults.

The ini values come from pytest's own configuration (``[tool.pytest.ini_options]`` of
pyproject.toml, pytest.ini, tox.ini or setup.cfg); outside pytest the same files are found
by walking up from the current directory, as pytest finds its rootdir.
"""

from __future__ import annotations

import configparser
import math
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .analytics.flakiness import FlakinessSettings
from .config_file import ConfigFileError, read_text
from .quarantine.rules import QuarantinePolicy
from .store.url import StoreURL, StoreURLError, parse_store_url

if TYPE_CHECKING:
    from .analytics.failures import Category

DEFAULT_STORE = "sqlite:///.vpt/vpt.db"
DEFAULT_QUARANTINE_FILE = "vpt-quarantine.txt"
DEFAULT_CATEGORIES_FILE = "vpt-categories.yaml"
_LABEL_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,99}\Z")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class SettingsError(ValueError):
    """A setting with a value that cannot be used; the message starts with where it came from."""


@dataclass(frozen=True)
class Option:
    """One setting and its spellings (``flag`` None: set only by environment or ini)."""

    name: str
    flag: str | None
    env: str
    ini: str
    help: str
    ini_type: str = "string"


_DEFAULT_FLAKINESS = FlakinessSettings()
_DEFAULT_POLICY = QuarantinePolicy()

OPTIONS = (
    Option("enabled", "--vpt", "VPT_ENABLED", "vpt", "record this run (results, durations, metrics)", "bool"),
    Option("store", "--vpt-store", "VPT_STORE", "vpt_store", f"where to record: a store URL (default {DEFAULT_STORE})"),
    Option("server", "--vpt-server", "VPT_SERVER", "vpt_server",
           "send results to this vpt server (http://HOST:PORT) instead of writing a store; token in VPT_TOKEN"),
    Option("result_file", "--vpt-result-file", "VPT_RESULT_FILE", "vpt_result_file",
           "write the run's events to this file (JSON lines) instead of a store or server; "
           "vpt push --vpt-result-file sends it later"),
    Option("project", "--vpt-project", "VPT_PROJECT", "vpt_project",
           "project name (default: the name of the rootdir, or with no ini file of the git work tree's top)"),
    Option("labels", "--vpt-label", "VPT_LABELS", "vpt_labels", "KEY=VALUE tag on the run (repeatable)", "linelist"),
    Option("quarantine", "--vpt-quarantine", "VPT_QUARANTINE", "vpt_quarantine",
           "make failures of quarantined tests non-blocking (shown as QUARANTINED, recorded as failures)"),
    Option("config", "--vpt-config", "VPT_CONFIG", "vpt_config",
           "the vpt.yaml holding the device registry (default: vpt.yaml in the rootdir, else [tool.vpt] of pyproject.toml)"),
    Option("skip_offline", "--vpt-skip-offline", "VPT_SKIP_OFFLINE", "vpt_skip_offline",
           "skip a test whose device does not answer its probe before the test, instead of running it"),
    Option("categories", "--vpt-categories", "VPT_CATEGORIES", "vpt_categories",
           f"the failure categories file (default {DEFAULT_CATEGORIES_FILE} in the rootdir when there is one, "
           "else the built-in categories)"),
    Option("quarantine_file", None, "VPT_QUARANTINE_FILE", "vpt_quarantine_file",
           f"the committed list of quarantined tests (default {DEFAULT_QUARANTINE_FILE} in the rootdir)"),
    Option("quarantine_auto", None, "VPT_QUARANTINE_AUTO", "vpt_quarantine_auto",
           "quarantine tests whose verdict turns flaky (default true)"),
    Option("quarantine_passes", None, "VPT_QUARANTINE_PASSES", "vpt_quarantine_passes",
           f"consecutive clean passes after which a test leaves quarantine (default {_DEFAULT_POLICY.passes})"),
    Option("flaky_threshold", None, "VPT_FLAKY_THRESHOLD", "vpt_flaky_threshold",
           f"probability of the flaky explanation needed to call a test flaky (default {_DEFAULT_FLAKINESS.threshold})"),
    Option("flaky_window", None, "VPT_FLAKY_WINDOW", "vpt_flaky_window",
           f"the verdict looks at a test's latest N runs (default {_DEFAULT_FLAKINESS.window_runs})"),
    Option("flaky_days", None, "VPT_FLAKY_DAYS", "vpt_flaky_days",
           f"... of the last N days (default {_DEFAULT_FLAKINESS.window_days:g})"),
    Option("flaky_decay", None, "VPT_FLAKY_DECAY", "vpt_flaky_decay",
           f"the flip rate's exponential decay (default {_DEFAULT_FLAKINESS.decay})"),
)


@dataclass(frozen=True)
class Settings:
    enabled: bool
    store: StoreURL
    project: str
    labels: dict[str, str] = field(default_factory=dict)
    quarantine: bool = False
    quarantine_file: Path = Path(DEFAULT_QUARANTINE_FILE)
    policy: QuarantinePolicy = _DEFAULT_POLICY
    flakiness: FlakinessSettings = _DEFAULT_FLAKINESS
    server: str | None = None  # a vpt server's URL: results are sent there (see sinks/http.py)
    result_file: Path | None = None  # results are written there instead (see sinks/file.py)
    config_file: Path | None = None  # the project's vpt.yaml (config_file.py), when not the default
    skip_offline: bool = False
    #: the failure categories file (see analytics/failures/category_file.py); None: the built-in categories
    categories_file: Path | None = None


def resolve_enabled(cli: Mapping[str, Any], env: Mapping[str, str], ini: Mapping[str, Any]) -> bool:
    """Whether to record: ``--vpt``/``--no-vpt`` > ``VPT_ENABLED`` > ini ``vpt`` > off."""
    if cli.get("enabled") is not None:
        return bool(cli["enabled"])
    if "VPT_ENABLED" in env:
        return _boolean(env["VPT_ENABLED"], "VPT_ENABLED")
    value = ini.get("enabled")
    return _boolean(value, "vpt (ini)") if isinstance(value, str) else bool(value)


def resolve(
    cli: Mapping[str, Any], env: Mapping[str, str], ini: Mapping[str, Any], rootdir: Path,
    flags: Mapping[str, str] | None = None,
) -> Settings:
    """Combine the three sources; raise :class:`SettingsError` naming the bad one (a value of
    ``cli`` by its pytest flag, or by ``flags[name]`` when another command line gave it)."""
    by_name = {option.name: option for option in OPTIONS}

    def pick(name: str) -> tuple[Any, str]:
        option = by_name[name]
        if cli.get(name) is not None:
            return cli[name], (flags or {}).get(name, option.flag)
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

    def value(name: str, parse: Any, default: Any) -> Any:
        text, source = pick(name)
        if text is None or (isinstance(text, str) and not text.strip()):
            return default
        return parse(text, source) if isinstance(text, str) else text

    quarantine_file, _ = pick("quarantine_file")
    config_file, _ = pick("config")
    result_file, _ = pick("result_file")
    categories_file, _ = pick("categories")
    server, source = pick("server")
    if server is not None and not re.match(r"https?://[^/\s]+", server.strip()):
        raise SettingsError(f"{source}: {server!r} is not a server URL (expected http://HOST:PORT)")
    return Settings(
        enabled=enabled, store=store, project=project, labels=labels,
        quarantine=value("quarantine", _boolean, False),
        quarantine_file=rootdir / (quarantine_file or DEFAULT_QUARANTINE_FILE),
        policy=QuarantinePolicy(
            auto=value("quarantine_auto", _boolean, _DEFAULT_POLICY.auto),
            passes=value("quarantine_passes", _number(int, 1), _DEFAULT_POLICY.passes),
        ),
        flakiness=FlakinessSettings(
            threshold=value("flaky_threshold", _number(float, 0, 1, above=True, below=True), _DEFAULT_FLAKINESS.threshold),
            window_runs=value("flaky_window", _number(int, 2), _DEFAULT_FLAKINESS.window_runs),
            window_days=value("flaky_days", _number(float, 0, above=True), _DEFAULT_FLAKINESS.window_days),
            decay=value("flaky_decay", _number(float, 0, 1, below=True), _DEFAULT_FLAKINESS.decay),
        ),
        server=server.strip() if server else None,
        result_file=Path.cwd() / result_file.strip() if result_file and result_file.strip() else None,
        config_file=rootdir / config_file if config_file else None,
        skip_offline=value("skip_offline", _boolean, False),
        categories_file=_categories_file(rootdir, categories_file),
    )


def _categories_file(rootdir: Path, given: str | None) -> Path | None:
    """The categories file given (relative to the rootdir), else the rootdir's
    vpt-categories.yaml if there is one, else None (the built-in categories)."""
    if given and given.strip():
        return rootdir / given.strip()
    default = rootdir / DEFAULT_CATEGORIES_FILE
    return default if default.is_file() else None


def load_categories(path: Path | None) -> tuple[Category, ...]:
    """The categories of the file at ``path`` (None: the built-in ones); a file that cannot be
    read or used is a :class:`SettingsError` naming it, the category and the key."""
    from .analytics.failures import DEFAULT_CATEGORIES, CategoriesError, categories_from_yaml
    from .analytics.failures.category_file import TEXT_MAX_BYTES

    if path is None:
        return DEFAULT_CATEGORIES
    try:
        return categories_from_yaml(read_text(path, TEXT_MAX_BYTES), str(path))
    except (ConfigFileError, CategoriesError) as exc:
        raise SettingsError(str(exc)) from None


def _number(kind: type, low: float, high: float = math.inf, *, above: bool = False, below: bool = False):
    """A parser for a number of ``kind`` from ``low`` to ``high``; ``above``/``below`` exclude
    the bound itself."""
    def parse(text: str, source: str) -> float:
        try:
            number = kind(text.strip())
        except ValueError:
            raise SettingsError(f"{source}: expected {'an integer' if kind is int else 'a number'}, got {text!r}") from None
        if number < low or number > high or (above and number == low) or (below and number == high):
            interval = f"{'(' if above else '['}{low:g}, {high:g}{')' if below or high == math.inf else ']'}"
            raise SettingsError(f"{source}: {number:g} is outside {interval}")
        return number

    return parse


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


def git_top(start: Path) -> Path | None:
    """The top of the git work tree holding ``start`` (the folder with ``.git``: a folder, or a
    file in a linked work tree or a submodule), or None outside one."""
    start = start.resolve()
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return None


def project_root(rootdir: Path, inifile: Path | None) -> Path:
    """Where a pytest run's store, project name and quarantine list are found: pytest's rootdir
    when a configuration file decided it, else the top of the git work tree holding the rootdir
    (pytest's rootdir is then the folder pytest was started from), else the rootdir."""
    if inifile is None:
        top = git_top(rootdir)
        if top is not None:
            return top
    return rootdir


def find_project(start: Path | None = None) -> tuple[Path, dict[str, Any]]:
    """The nearest directory at or above ``start`` with a pytest configuration, and its vpt ini values.

    Falls back to the top of the git work tree holding ``start`` (as :func:`project_root`
    does for pytest), then to the nearest directory holding a ``.vpt`` folder, then to
    ``start`` itself.
    """
    start = (start or Path.cwd()).resolve()
    for directory in (start, *start.parents):
        for name, reader in _INI_READERS:
            path = directory / name
            if path.is_file():
                values = reader(path)
                if values is not None:
                    return directory, _vpt_values(values)
    top = git_top(start)
    if top is not None:
        return top, {}
    for directory in (start, *start.parents):
        if (directory / ".vpt").is_dir():
            return directory, {}
    return start, {}


def settings_outside_pytest(store: str | None = None, project: str | None = None,
                            flags: Mapping[str, str] | None = None) -> tuple[Settings, Path]:
    """Settings for the CLI and for scripts: explicit values > environment > ini > defaults;
    ``flags`` names the options that gave ``store`` and ``project`` in errors."""
    rootdir, ini = find_project()
    return resolve({"store": store, "project": project}, os.environ, ini, rootdir, flags), rootdir


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
            data: Any = tomllib.loads(_text(path))
        except tomllib.TOMLDecodeError:
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
            parser.read_string(_text(path), str(path))
        except configparser.Error:
            return None
        if parser.has_section(section):
            return dict(parser.items(section))
        return None if required else {}

    return read


def _text(path: Path) -> str:
    """A configuration file's text; one that cannot be read or decoded is a :class:`SettingsError` naming it."""
    try:
        return read_text(path)
    except ConfigFileError as exc:
        raise SettingsError(str(exc)) from None


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
