"""Store URLs: ``sqlite:///relative/path.db``, ``sqlite:////absolute/path.db``, and
``postgresql://user:password@host:5432/database`` (libpq's URI; ``?options=-csearch_path=vpt``
selects a schema). A URL is shown (``str``, messages) without its credentials."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import SplitResult, parse_qsl, urlsplit

from ..redaction import redact_url

SCHEMES = ("sqlite", "postgresql")
_SQLITE_OPTIONS = {"timeout": float}


class StoreURLError(ValueError):
    """A store URL that cannot be used; the message says what is wrong with it."""


@dataclass(frozen=True)
class StoreURL:
    """A parsed store URL; relative SQLite paths are resolved against a base directory."""

    text: str
    scheme: str
    path: Path
    options: dict[str, float] = field(default_factory=dict)

    def __str__(self) -> str:
        """The URL as it may be shown: no user or password, a ``?password=`` as ``***``."""
        return redact_url(self.text)

    @property
    def location(self) -> str:
        """Where the data is, for anyone to see: ``postgresql HOST:PORT/DATABASE`` or
        ``sqlite FILE-NAME`` (no user, password, options or directories)."""
        if self.scheme == "sqlite":
            return f"sqlite {self.path.name}"
        parts = urlsplit(self.text)
        options = dict(parse_qsl(parts.query))
        host = parts.hostname or options.get("host", "")
        host = f"[{host}]" if ":" in host else host
        port = _port(parts) or options.get("port")
        database = parts.path.lstrip("/") or options.get("dbname", "")
        return f"postgresql {host}{f':{port}' if port else ''}/{database}"


def parse_store_url(text: str, base_dir: Path | str = ".") -> StoreURL:
    """Parse ``text``; raise :class:`StoreURLError` naming the problem."""
    parts = urlsplit(text)
    if not parts.scheme or "://" not in text:
        raise StoreURLError(f"{_shown(text)!r} is not a store URL (expected sqlite:///PATH or postgresql://HOST/DATABASE)")
    if parts.scheme in ("postgresql", "postgres"):
        if not parts.hostname and "host=" not in parts.query:
            raise StoreURLError(f"{_shown(text)!r}: a postgresql URL names its server: postgresql://HOST/DATABASE")
        _check_userinfo(text, parts)
        return StoreURL(text=text, scheme="postgresql", path=Path())
    if parts.scheme not in SCHEMES:
        raise StoreURLError(f"{_shown(text)!r}: unsupported scheme {parts.scheme!r} (supported: {', '.join(SCHEMES)})")
    if parts.netloc:
        raise StoreURLError(f"{_shown(text)!r}: a sqlite URL has no host; use sqlite:///relative.db or sqlite:////abs.db")
    raw_path = parts.path[1:] if parts.path.startswith("/") else parts.path
    if not raw_path or raw_path.endswith("/"):
        raise StoreURLError(f"{_shown(text)!r}: the URL names no database file")
    options: dict[str, float] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        convert = _SQLITE_OPTIONS.get(key)
        if convert is None:
            raise StoreURLError(f"{_shown(text)!r}: unknown option {key!r} (known: {', '.join(_SQLITE_OPTIONS)})")
        try:
            options[key] = convert(value)
        except ValueError:
            raise StoreURLError(f"{_shown(text)!r}: option {key!r} needs a number, got {value!r}") from None
        if options[key] < 0:
            raise StoreURLError(f"{_shown(text)!r}: option {key!r} must not be negative")
    path = Path(raw_path)
    if not path.is_absolute():
        path = Path(base_dir) / path
    return StoreURL(text=text, scheme=parts.scheme, path=path, options=options)


def _check_userinfo(text: str, parts: SplitResult) -> None:
    """Refuse a user or password holding ``@``, ``/``, ``?`` or ``#`` as they are: libpq
    would split the URL elsewhere than this parser, and quote a piece of the password as the
    host or port in its error."""
    if parts.netloc.count("@") > 1 or (_port(parts) is None and parts.netloc.rpartition("@")[2].count(":") == 1
                                       and not parts.netloc.endswith("]")):
        raise StoreURLError(f"{_shown(text)!r}: write '@', '/', '?', '#' in the user name or password "
                            "percent-encoded (%40, %2F, %3F, %23), and the port as a number")


def _shown(text: str) -> str:
    return redact_url(text)


def _port(parts: SplitResult) -> int | None:
    try:
        return parts.port
    except ValueError:  # not a number from 0 to 65535
        return None
