"""Store URLs: ``sqlite:///relative/path.db``, ``sqlite:////absolute/path.db``, and
``postgresql://user:password@host:5432/database`` (libpq's URI; ``?options=-csearch_path=vpt``
selects a schema)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

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
        """The URL as it may be shown: a password is replaced by ``***``."""
        parts = urlsplit(self.text)
        if parts.password is None:
            return self.text
        user, _, host = parts.netloc.rpartition("@")
        return parts._replace(netloc=f"{user.partition(':')[0]}:***@{host}").geturl()


def parse_store_url(text: str, base_dir: Path | str = ".") -> StoreURL:
    """Parse ``text``; raise :class:`StoreURLError` naming the problem."""
    parts = urlsplit(text)
    if not parts.scheme or "://" not in text:
        raise StoreURLError(f"{_shown(text)!r} is not a store URL (expected sqlite:///PATH or postgresql://HOST/DATABASE)")
    if parts.scheme in ("postgresql", "postgres"):
        if not parts.hostname and "host=" not in parts.query:
            raise StoreURLError(f"{_shown(text)!r}: a postgresql URL names its server: postgresql://HOST/DATABASE")
        return StoreURL(text=text, scheme="postgresql", path=Path())
    if parts.scheme not in SCHEMES:
        raise StoreURLError(f"{_shown(text)!r}: unsupported scheme {parts.scheme!r} (supported: {', '.join(SCHEMES)})")
    if parts.netloc:
        raise StoreURLError(f"{text!r}: a sqlite URL has no host; use sqlite:///relative.db or sqlite:////abs.db")
    raw_path = parts.path[1:] if parts.path.startswith("/") else parts.path
    if not raw_path or raw_path.endswith("/"):
        raise StoreURLError(f"{text!r}: the URL names no database file")
    options: dict[str, float] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        convert = _SQLITE_OPTIONS.get(key)
        if convert is None:
            raise StoreURLError(f"{text!r}: unknown option {key!r} (known: {', '.join(_SQLITE_OPTIONS)})")
        try:
            options[key] = convert(value)
        except ValueError:
            raise StoreURLError(f"{text!r}: option {key!r} needs a number, got {value!r}") from None
        if options[key] < 0:
            raise StoreURLError(f"{text!r}: option {key!r} must not be negative")
    path = Path(raw_path)
    if not path.is_absolute():
        path = Path(base_dir) / path
    return StoreURL(text=text, scheme=parts.scheme, path=path, options=options)


def _shown(text: str) -> str:
    return str(StoreURL(text, "", Path()))
