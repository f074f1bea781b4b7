"""One channel's configuration read field by field, each mistake a :class:`ChannelConfigError`
naming the file, the channel and the field (never a secret's value)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..secrets import Secret, SecretError, parse_secret

_E164 = re.compile(r"\+[1-9][0-9]{1,14}")
_ADDRESS = re.compile(r"[^@\s<>,;\"]{1,64}@[A-Za-z0-9.-]{1,253}")
MAX_TEXT = 1000  # characters of a plain text field (a title, a source name)


class ChannelConfigError(ValueError):
    """A channel of ``alerts: channels:`` is configured wrongly; the message names where."""


class Options:
    """The fields of one channel, taken one by one; :meth:`done` refuses any left over."""

    def __init__(self, name: str, kind: str, values: Mapping[str, Any], source: str) -> None:
        self.name, self.kind, self.source = name, kind, source
        self._values = dict(values)
        self._taken: set[str] = {"type"}

    def error(self, field: str | None, problem: str) -> ChannelConfigError:
        where = f"{self.source}: alerts.channels.{self.name} ({self.kind})"
        return ChannelConfigError(f"{where}: field {field!r}: {problem}" if field else f"{where}: {problem}")

    def _get(self, field: str, required: bool) -> Any:
        self._taken.add(field)
        value = self._values.get(field)
        if value is None and required:
            raise self.error(field, "is required")
        return value

    def text(self, field: str, default: str | None = None, required: bool = False, limit: int = MAX_TEXT) -> str | None:
        value = self._get(field, required and default is None)
        if value is None:
            return default
        if not isinstance(value, str) or not value.strip():
            raise self.error(field, f"must be non-empty text, not {_kind(value)}")
        if len(value) > limit or any(ord(char) < 32 for char in value):
            raise self.error(field, f"must be one line of at most {limit} characters")
        return value.strip()

    def number(self, field: str, default: float, low: float, high: float) -> float:
        value = self._get(field, False)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            raise self.error(field, f"must be a number from {low:g} to {high:g}, not {_shown(value)}")
        return float(value)

    def choice(self, field: str, choices: tuple[str, ...], default: str) -> str:
        value = self._get(field, False)
        if value is None:
            return default
        if value not in choices:
            raise self.error(field, f"must be one of {', '.join(choices)}, not {_shown(value)}")
        return value

    def flag(self, field: str, default: bool) -> bool:
        value = self._get(field, False)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.error(field, f"must be true or false, not {_shown(value)}")
        return value

    def secret(self, field: str, required: bool = True) -> Secret | None:
        """A secret: ``{env: NAME}``, ``{file: PATH}`` or ``"${NAME}"``, never its value."""
        value = self._get(field, required)
        if value is None:
            return None
        try:
            return parse_secret(value)
        except SecretError as exc:
            raise self.error(field, str(exc)) from None

    def text_or_secret(self, field: str, default: str | None = None, required: bool = False) -> str | Secret | None:
        """Plain text (an account id, a user name) or, when written as one, a secret."""
        value = self._values.get(field)
        if isinstance(value, dict) or (isinstance(value, str) and value.strip().startswith("${")):
            return self.secret(field)
        return self.text(field, default, required)

    def url(self, field: str, default: str | None = None, secret: bool = False) -> str | Secret | None:
        """An http(s) URL, written as text or (a webhook whose URL is its key) as a secret. A
        URL in the text with a password or token in it must be given as a secret."""
        value = self._values.get(field)
        if secret or isinstance(value, dict) or (isinstance(value, str) and value.strip().startswith("${")):
            return self.secret(field, required=default is None)
        text = self.text(field, default, required=default is None, limit=2000)
        check_url(text, lambda problem: self.error(field, problem))
        if urlsplit(text).password or urlsplit(text).query:
            raise self.error(field, "holds a password or a query: give the URL as a secret ({env: NAME} or {file: PATH})")
        return text

    def path(self, field: str) -> Path | None:
        value = self.text(field, limit=4096)
        if value is None:
            return None
        path = Path(value).expanduser()
        if not path.is_file():
            raise self.error(field, f"{value} is not a file")
        return path

    def phone_numbers(self, field: str, required: bool = True) -> tuple[str, ...]:
        return self._listed(field, required, _E164, "a phone number in E.164 form (+14155550123)")

    def addresses(self, field: str, required: bool = True) -> tuple[str, ...]:
        return self._listed(field, required, _ADDRESS, "an e-mail address (name@example.com)")

    def phone_number(self, field: str) -> str | None:
        value = self.text(field)
        if value is not None and not _E164.fullmatch(value):
            raise self.error(field, "must be a phone number in E.164 form (+14155550123)")
        return value

    def _listed(self, field: str, required: bool, pattern: re.Pattern, what: str) -> tuple[str, ...]:
        value = self._get(field, required)
        if value is None:
            return ()
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not items or len(items) > 100:
            raise self.error(field, f"must be {what} or a list of 1 to 100 of them")
        for index, item in enumerate(items):
            if not isinstance(item, str) or not pattern.fullmatch(item.strip()):
                raise self.error(field, f"item {index + 1} must be {what}, not {_shown(item)}")
        return tuple(item.strip() for item in items)

    def labels(self, field: str) -> dict[str, str]:
        value = self._get(field, False)
        if value is None:
            return {}
        if not isinstance(value, dict) or len(value) > 50 or not all(
                isinstance(key, str) and isinstance(each, (str, int, float)) and not isinstance(each, bool)
                for key, each in value.items()):
            raise self.error(field, "must be a mapping of at most 50 names to text values")
        return {key: str(each) for key, each in value.items()}

    def done(self) -> None:
        unknown = sorted(str(key) for key in self._values if key not in self._taken)
        if unknown:
            raise self.error(unknown[0], f"is not a field of a {self.kind} channel (known: {', '.join(sorted(self._taken - {'type'}))})")


def check_url(text: str, error: Any) -> None:
    """Raise ``error(problem)`` unless ``text`` is an http or https URL with a host."""
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        raise error("is not a URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise error("must be an http:// or https:// URL with a host")


def _kind(value: Any) -> str:
    return "empty text" if isinstance(value, str) else type(value).__name__


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
