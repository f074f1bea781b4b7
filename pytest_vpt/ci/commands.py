"""What a GitHub Actions step writes for the runner: workflow commands on stdout, outputs in
``$GITHUB_OUTPUT``, the job summary in ``$GITHUB_STEP_SUMMARY``, variables in ``$GITHUB_ENV``."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from pathlib import Path

#: GitHub shows at most this much of one step's summary (and drops all of it beyond).
SUMMARY_LIMIT = 1024 * 1024


def escape_data(text: str) -> str:
    """A workflow command's message: ``%``, CR and LF escaped."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: as a message, and ``:`` and ``,`` too."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, **properties: str | int | None) -> str:
    """``::name key=value,...::message`` (properties that are None left out)."""
    given = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items() if value is not None)
    return f"::{name}{' ' + given if given else ''}::{escape_data(message)}"


def write_outputs(path: str | None, outputs: Mapping[str, str]) -> None:
    """Append each output as ``name<<DELIMITER`` lines (any value, multi-line too)."""
    if not path:
        return
    lines = []
    for name, value in outputs.items():
        delimiter = f"ghadelimiter_{uuid.uuid4()}"
        if delimiter in value:  # cannot happen with a fresh random delimiter, but never write a broken file
            raise ValueError(f"output {name!r} contains its delimiter")
        lines.append(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
    with open(path, "a", encoding="utf-8") as file:
        file.write("".join(lines))


def write_env(path: str | None, name: str, value: str) -> None:
    """Set an environment variable for the job's later steps."""
    write_outputs(path, {name: value})


def summary_room(path: str | None) -> int:
    """Bytes the step's summary still has room for."""
    if not path or not Path(path).exists():
        return SUMMARY_LIMIT
    return max(0, SUMMARY_LIMIT - Path(path).stat().st_size)


def append_summary(path: str | None, markdown: str) -> None:
    if path:
        with open(path, "a", encoding="utf-8") as file:
            file.write(markdown)
