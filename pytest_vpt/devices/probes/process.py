"""Probes that run a program: adb, or any command."""

from __future__ import annotations

import asyncio
import json
import math
import re
import shlex
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ...events import ITEMS_MAX, VALUE_MAX, is_metric_name
from .base import Probe, ProbeConfigError, ProbeFailed, ProbeOutcome, text_field

_OUTPUT_LIMIT = 64 * 1024
_VALUE = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_.:-]{0,99})\s*[=:]\s*(-?[0-9][0-9_]*(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)\s*[A-Za-z%°]*\s*\Z")


async def run(argv: list[str]) -> tuple[int, bytes, bytes]:
    """Run ``argv``; if the caller's time limit cancels this, the process is killed."""
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
    except FileNotFoundError:
        raise ProbeFailed(f"{argv[0]}: command not found") from None
    try:
        stdout, stderr = await proc.communicate()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    return proc.returncode, stdout[:_OUTPUT_LIMIT], stderr[:_OUTPUT_LIMIT]


def _last_line(*outputs: bytes) -> str:
    for output in outputs:
        lines = [line.strip() for line in output.decode(errors="replace").splitlines() if line.strip()]
        if lines:
            return lines[-1][:500]
    return ""


def _need(tool: str) -> None:
    if shutil.which(tool) is None:
        raise ProbeConfigError(f"field 'probe.type': this probe runs {tool!r}, which is not installed (not on PATH)")


@dataclass(frozen=True)
class AdbProbe(Probe):
    """Online when ``adb -s SERIAL get-state`` says ``device`` (not offline, unauthorized, recovery...)."""

    serial: str
    adb: str = "adb"
    kind = "adb"
    spawns = True
    fields = ("serial", "adb")

    @classmethod
    def _build(cls, config: Mapping[str, Any]) -> AdbProbe:
        return cls(text_field(config, "serial"), text_field(config, "adb", required=False) or "adb")

    async def check(self) -> ProbeOutcome:
        code, stdout, stderr = await run([self.adb, "-s", self.serial, "get-state"])
        state = stdout.decode(errors="replace").strip()
        if code != 0:
            raise ProbeFailed(_last_line(stderr, stdout) or f"adb exited with status {code}")
        if state != "device":
            raise ProbeFailed(f"adb state: {state or 'unknown'}")
        return ProbeOutcome(True)

    def describe(self) -> str:
        return f"adb {self.serial}"

    def resolve(self) -> None:
        _need(self.adb)


@dataclass(frozen=True)
class CommandProbe(Probe):
    """Online when the command exits with 0. Its output may report numbers, one ``name=value``
    (or ``name: value``) per line, or one JSON object of numbers."""

    argv: tuple[str, ...]
    kind = "command"
    spawns = True
    fields = ("command",)

    @classmethod
    def _build(cls, config: Mapping[str, Any]) -> CommandProbe:
        command = config.get("command")
        if isinstance(command, str) and command.strip():
            argv = shlex.split(command)
        elif isinstance(command, list) and command and all(isinstance(part, str) for part in command):
            argv = list(command)
        else:
            raise ProbeConfigError(f"field 'probe.command': expected a command line or a list of arguments, got {command!r}")
        return cls(tuple(argv))

    async def check(self) -> ProbeOutcome:
        code, stdout, stderr = await run(list(self.argv))
        if code != 0:
            raise ProbeFailed(_last_line(stderr, stdout) or f"exited with status {code}")
        return ProbeOutcome(True, values=parse_values(stdout.decode(errors="replace")))

    def describe(self) -> str:
        return "command " + shlex.join(self.argv)

    def resolve(self) -> None:
        program = self.argv[0]
        if shutil.which(program) is None:
            raise ProbeConfigError(f"field 'probe.command': {program!r} is not an executable (not found, or not on PATH)")


def parse_values(output: str) -> dict[str, float]:
    """Numbers a command reported: a JSON object, or ``name=value`` lines (other lines are ignored)."""
    text = output.strip()
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if isinstance(data, dict):
            return _recordable({key: float(value) for key, value in data.items()
                                if isinstance(value, (int, float)) and not isinstance(value, bool)})
    values = {}
    for line in text.splitlines():
        found = _VALUE.match(line)
        if found:
            values[found.group(1)] = float(found.group(2).replace("_", ""))
    return _recordable(values)


def _recordable(values: dict[str, float]) -> dict[str, float]:
    """The values a sample can carry: metric-style names, finite numbers within ±VALUE_MAX,
    the first ITEMS_MAX of them (a program's other output is not the device's numbers)."""
    kept = {name: value for name, value in values.items()
            if is_metric_name(name) and math.isfinite(value) and abs(value) <= VALUE_MAX}
    return dict(list(kept.items())[:ITEMS_MAX])
