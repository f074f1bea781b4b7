"""The project's ``vpt.yaml`` (or ``[tool.vpt]`` of pyproject.toml): sections of settings
that do not fit an ini file, such as the device registry and the service's settings.

A configuration file is read defensively: at most :data:`MAX_BYTES`, UTF-8 only, YAML through
the safe loader (no ``!!python/...`` tags), nested at most :data:`MAX_DEPTH` levels, and at
most :data:`MAX_NODES` values once every alias is expanded (so "billion laughs" is refused
before it is built). Every problem is a :class:`ConfigFileError` of one line naming the file.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import yaml

CONFIG_FILE = "vpt.yaml"
MAX_BYTES = 1 << 20  # 1 MiB
MAX_DEPTH = 50  # levels of nested mappings and lists
MAX_NODES = 200_000  # values, counting each alias as a copy of what it refers to


class ConfigFileError(ValueError):
    """The file cannot be read or parsed; the message names it."""


def read_config(rootdir: Path, config: Path | None = None) -> tuple[dict[str, Any], str]:
    """The mapping held by ``config``, else ``vpt.yaml`` in ``rootdir``, else pyproject.toml's
    ``[tool.vpt]`` (empty if there is none), and how to name where it came from."""
    config = _yaml_file(rootdir, config)
    if config is not None:
        return _yaml(config), str(config)
    pyproject = rootdir / "pyproject.toml"
    if not pyproject.is_file():
        return {}, str(rootdir / CONFIG_FILE)
    try:
        data = tomllib.loads(read_text(pyproject))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigFileError(f"{pyproject}: not valid TOML: {exc}") from None
    table = data.get("tool", {}).get("vpt", {})
    return (table if isinstance(table, dict) else {}), f"{pyproject} [tool.vpt]"


def config_source(rootdir: Path, config: Path | None = None) -> str:
    """How :func:`read_config` names the file it reads, without reading it."""
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
