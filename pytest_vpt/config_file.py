"""The project's ``vpt.yaml`` (or ``[tool.vpt]`` of pyproject.toml): sections of settings
that do not fit an ini file, such as the device registry and the service's settings."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

CONFIG_FILE = "vpt.yaml"


class ConfigFileError(ValueError):
    """The file cannot be read or parsed; the message names it."""


def read_config(rootdir: Path, config: Path | None = None) -> tuple[dict[str, Any], str]:
    """The mapping held by ``config``, else ``vpt.yaml`` in ``rootdir``, else pyproject.toml's
    ``[tool.vpt]`` (empty if there is none), and how to name where it came from."""
    if config is None and (rootdir / CONFIG_FILE).is_file():
        config = rootdir / CONFIG_FILE
    if config is not None:
        return _yaml(config), str(config)
    pyproject = rootdir / "pyproject.toml"
    if not pyproject.is_file():
        return {}, str(rootdir / CONFIG_FILE)
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigFileError(f"{pyproject}: cannot be read: {exc}") from None
    table = data.get("tool", {}).get("vpt", {})
    return (table if isinstance(table, dict) else {}), f"{pyproject} [tool.vpt]"


def _yaml(path: Path) -> dict[str, Any]:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigFileError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise ConfigFileError(f"{path}: not valid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigFileError(f"{path}: expected a mapping at the top level, not {type(data).__name__}")
    return data
