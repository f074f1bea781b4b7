"""The project's ``vpt.yaml`` (or ``[tool.vpt]`` of pyproject.toml), read in this one place:
sections of settings that do not fit an ini file, each one parsed by the package it configures.

========  ==============================================  ==========================
section   what it holds                                   its schema
========  ==============================================  ==========================
alerts    alert rules and their channels                  ``alerts/rules.py``
devices   the device registry                             ``devices/registry.py``
server    ``vpt server``'s store, address and limits      ``server/settings.py``
sla       SLA targets and how their report is sent      ``sla/targets.py``
streams   video streams: source, region, checks         ``video/streams.py``
========  ==============================================  ==========================

An owner asks for its section with :func:`section` and parses what it gets, naming the
source it is given in its errors. A section not in :data:`SECTIONS` is an error naming the
file, the section and the known ones, so a misspelt ``device:`` is not silently ignored. A
new section (the coming ``alerts:`` and ``streams:``) is one entry in :data:`SECTIONS` and a
parser in its own package, which reads it the same way.

The file is read and parsed once per process (again only when it changes on disk), and
defensively: at most :data:`MAX_BYTES`, UTF-8 only, YAML through the safe loader (no
``!!python/...`` tags), nested at most :data:`MAX_DEPTH` levels, and at most
:data:`MAX_NODES` values once every alias is expanded (so "billion laughs" is refused
before it is built). Every problem is a :class:`ConfigFileError` of one line naming the
file (and, for YAML, the line and column).

The pytest settings (``config.py``) live in pytest's own ini files, read with
:func:`read_text` too.
"""

from __future__ import annotations

import copy
import os
import tomllib
from pathlib import Path
from typing import Any

import yaml

CONFIG_FILE = "vpt.yaml"
MAX_BYTES = 1 << 20  # 1 MiB
MAX_DEPTH = 50  # levels of nested mappings and lists
MAX_NODES = 200_000  # values, counting each alias as a copy of what it refers to

#: the top-level sections, and the module whose schema parses each one
SECTIONS = {
    "alerts": "pytest_vpt.alerts.rules",
    "devices": "pytest_vpt.devices.registry",
    "server": "pytest_vpt.server.settings",
    "sla": "pytest_vpt.sla.targets",
    "streams": "pytest_vpt.video.streams",
}


class ConfigFileError(ValueError):
    """The file cannot be read or parsed; the message names it."""


def section(name: str, rootdir: Path, config: Path | None = None) -> tuple[Any, str]:
    """The value of the top-level section ``name`` (None when the file has none) of ``config``,
    else of ``vpt.yaml`` in ``rootdir``, else of pyproject.toml's ``[tool.vpt]``, and how to
    name where it came from (for the owner's errors)."""
    if name not in SECTIONS:
        raise KeyError(f"{name!r} is not a section of {CONFIG_FILE}; add it to config_file.SECTIONS")
    data, source = _read_config(rootdir, config)
    return copy.deepcopy(data.get(name)), source


def _read_config(rootdir: Path, config: Path | None) -> tuple[dict[str, Any], str]:
    config = _yaml_file(rootdir, config)
    if config is not None:
        return _cached(config, _yaml), str(config)
    pyproject = rootdir / "pyproject.toml"
    if not pyproject.is_file():
        return {}, str(rootdir / CONFIG_FILE)
    return _cached(pyproject, _tool_vpt), f"{pyproject} [tool.vpt]"


#: path -> (its size, modification time and inode when read, its checked top-level mapping)
_READ: dict[Path, tuple[tuple[int, int, int], dict[str, Any]]] = {}


def _cached(path: Path, parse: Any) -> dict[str, Any]:
    """``parse(path)``, checked for unknown sections, read again only when the file changed."""
    try:
        info = os.stat(path)
        stamp = (info.st_size, info.st_mtime_ns, info.st_ino)
    except OSError:
        stamp = None
    key = path.absolute()
    if stamp is not None and key in _READ and _READ[key][0] == stamp:
        return _READ[key][1]
    data = parse(path)
    _check_sections(data, str(path) if parse is _yaml else f"{path} [tool.vpt]")
    if stamp is not None:
        _READ[key] = stamp, data
    return data


def _check_sections(data: dict[str, Any], source: str) -> None:
    unknown = [name for name in data if name not in SECTIONS]
    if unknown:
        raise ConfigFileError(f"{source}: unknown section {unknown[0]!r} (known: {', '.join(SECTIONS)})")


def _tool_vpt(pyproject: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(read_text(pyproject))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigFileError(f"{pyproject}: not valid TOML: {exc}") from None
    table = data.get("tool", {}).get("vpt", {})
    return table if isinstance(table, dict) else {}


def config_source(rootdir: Path, config: Path | None = None) -> str:
    """How :func:`section` names the file it reads, without reading it."""
    config = _yaml_file(rootdir, config)
    if config is not None:
        return str(config)
    pyproject = rootdir / "pyproject.toml"
    return f"{pyproject} [tool.vpt]" if pyproject.is_file() else str(rootdir / CONFIG_FILE)


def _yaml_file(rootdir: Path, config: Path | None) -> Path | None:
    """``config``, else the rootdir's vpt.yaml if there is one (None: pyproject.toml's turn)."""
    if config is None and (rootdir / CONFIG_FILE).is_file():
        return rootdir / CONFIG_FILE
    return config


def read_text(path: Path, limit: int = MAX_BYTES) -> str:
    """The UTF-8 text of ``path``, at most ``limit`` bytes; else a :class:`ConfigFileError`."""
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise ConfigFileError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise ConfigFileError(f"{path}: larger than {limit // 1024} KiB, the most a configuration file may hold")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise ConfigFileError(f"{path}: not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line}); "
                              "save it as UTF-8") from None


def read_yaml(path: Path) -> dict[str, Any]:
    """A YAML file of the project's other than vpt.yaml (an alert rules file), read as
    carefully as vpt.yaml: its top-level mapping (empty for an empty file)."""
    return _yaml(path)


def compose(path: Path) -> yaml.Node | None:
    """The node tree of the YAML file ``path``, read as carefully as :func:`read_yaml`: its
    nodes' marks tell the line and column of each value, for an owner's own errors."""
    loader = _BoundedLoader(read_text(path))
    try:
        return loader.get_single_node()
    except yaml.YAMLError:
        return None  # read_yaml says what is wrong with it
    finally:
        loader.dispose()


def _yaml(path: Path) -> dict[str, Any]:
    text = read_text(path)
    loader = _BoundedLoader(text)
    try:
        data = loader.get_single_data()
    except _Refused as exc:
        raise ConfigFileError(f"{path}: refused: {_one_line(exc)}") from None
    except yaml.MarkedYAMLError as exc:
        raise ConfigFileError(f"{path}: not valid YAML: {_one_line(exc)}") from None
    except yaml.YAMLError as exc:
        raise ConfigFileError(f"{path}: not valid YAML: {' '.join(str(exc).split())}") from None
    finally:
        loader.dispose()
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigFileError(f"{path}: expected a mapping at the top level, not {type(data).__name__}")
    return data


def _one_line(exc: yaml.MarkedYAMLError) -> str:
    mark = exc.problem_mark or exc.context_mark
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return where + " ".join(", ".join(part for part in (exc.context, exc.problem) if part).split())


class _Refused(yaml.MarkedYAMLError):
    """Valid YAML, but beyond what a configuration file may hold."""


class _BoundedLoader(yaml.SafeLoader):
    """The safe loader, refusing documents nested too deeply or too large once aliases are expanded."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._sizes: dict[int, int] = {}  # id(node) -> values in it, aliases expanded

    def compose_node(self, parent: Any, index: Any) -> Any:
        mark = self.peek_event().start_mark
        if self.check_event(yaml.AliasEvent):
            node = super().compose_node(parent, index)
            if id(node) not in self._sizes:
                raise _Refused(problem="an alias refers to the mapping or list that holds it",
                                           problem_mark=mark)
            return node
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _Refused(problem=f"nested more than {MAX_DEPTH} levels deep", problem_mark=mark)
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        size = 1 + sum(self._sizes[id(child)] for child in _children(node))
        if size > MAX_NODES:
            raise _Refused(problem=f"more than {MAX_NODES:,} values once its aliases are expanded "
                                       "(an alias bomb?)", problem_mark=mark)
        self._sizes[id(node)] = size
        return node


def _children(node: Any) -> list[Any]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []
