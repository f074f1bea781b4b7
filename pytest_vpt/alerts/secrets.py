"""Secrets of the alert channels (webhook URLs, routing keys, tokens, passwords), named in the
configuration and read only when a channel sends.

A secret is written ``{env: NAME}``, ``{file: PATH}`` or ``"${NAME}"``, never as its value:
vpt.yaml is committed with the project. A :class:`Secret` knows where its value is, not the
value; :meth:`Secret.reveal` reads it each time (a rotated token is picked up without a
restart). Its ``repr`` and ``str`` are ``Secret(***)``, and the errors name the variable or
the file, never what they hold.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote, urlsplit

MAX_FILE_BYTES = 64 * 1024
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
_REFERENCE = re.compile(r"\$\{([^}]*)\}")


class SecretError(ValueError):
    """A secret cannot be read or is written wrongly; the message names where it should be,
    never its value."""


class Secret:
    """Where a secret's value is: an environment variable or a file."""

    __slots__ = ("_env", "_file")

    def __init__(self, *, env: str | None = None, file: str | Path | None = None) -> None:
        if (env is None) == (file is None):
            raise SecretError("a secret is either {env: NAME} or {file: PATH}")
        if env is not None and not _NAME.fullmatch(env):
            raise SecretError(f"{env[:40]!r} is not an environment variable's name (letters, digits, _)")
        self._env = env
        self._file = Path(file).expanduser() if file is not None else None

    @property
    def source(self) -> str:
        """Where the value is, to name in a message: ``environment variable SLACK_URL``."""
        return f"environment variable {self._env}" if self._env else f"file {self._file}"

    @property
    def env(self) -> str | None:
        """The environment variable it is read from (None: a file)."""
        return self._env

    @property
    def file(self) -> Path | None:
        """The file it is read from (None: an environment variable)."""
        return self._file

    def reveal(self) -> str:
        """The value, read now; a :class:`SecretError` naming the source if it is missing or empty."""
        if self._env is not None:
            value = os.environ.get(self._env)
            if value is None:
                raise SecretError(f"environment variable {self._env} is not set")
        else:
            value = _read_file(self._file)
        value = value.strip()
        if not value:
            raise SecretError(f"{self.source} is empty")
        return value

    def __repr__(self) -> str:
        return "Secret(***)"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and (self._env, self._file) == (other._env, other._file)

    def __hash__(self) -> int:
        return hash((self._env, self._file))

    def __reduce__(self):  # pickled (a process pool) by its source, never its value
        return _rebuild, (self._env, None if self._file is None else str(self._file))


def _rebuild(env: str | None, file: str | None) -> Secret:
    return Secret(env=env, file=file)


def _read_file(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise SecretError(f"file {path} cannot be read: {exc.strerror or type(exc).__name__}") from None
    if len(data) > MAX_FILE_BYTES:
        raise SecretError(f"file {path} is larger than {MAX_FILE_BYTES // 1024} KiB: not a secret")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SecretError(f"file {path} is not UTF-8 text") from None


def parse_secret(value: object) -> Secret:
    """A :class:`Secret` from its configuration: ``{env: NAME}``, ``{file: PATH}`` or ``"${NAME}"``.
    A value written in the file itself is refused (the message does not repeat it)."""
    if isinstance(value, Secret):
        return value
    if isinstance(value, dict):
        keys = set(value)
        if keys == {"env"} and isinstance(value["env"], str):
            return Secret(env=value["env"])
        if keys == {"file"} and isinstance(value["file"], str) and value["file"]:
            return Secret(file=value["file"])
        raise SecretError("a secret is {env: NAME} or {file: PATH}, with one text value "
                          f"(got the keys {', '.join(sorted(map(str, keys))) or 'none'})")
    if isinstance(value, str):
        found = _REFERENCE.fullmatch(value.strip())
        if found:
            return Secret(env=found.group(1))
        raise SecretError("a secret is not written in the configuration: give it as {env: NAME}, "
                          "{file: PATH} or \"${NAME}\"")
    raise SecretError(f"a secret is {{env: NAME}}, {{file: PATH}} or \"${{NAME}}\", not {type(value).__name__}")


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret value in it (and its URL-quoted form) replaced by ``***``:
    the last guard before a message leaves a channel. A URL's path (a webhook's key) and the
    last part of it count as secrets too."""
    values = set()
    for each in secrets:
        values.add(each)
        if "://" in each:
            path = urlsplit(each).path
            values.update({path, path.rstrip("/").rpartition("/")[2]})
    for value in sorted({each for each in values if each and len(each) >= 4}, key=len, reverse=True):
        text = text.replace(value, "***")
        quoted = quote(value, safe="")
        if quoted != value:
            text = text.replace(quoted, "***")
    return text
