"""Credentials kept out of everything the product records or prints.

:func:`redact_url` takes one URL (or libpq ``key=value`` connection string) and returns it
without its userinfo (``user:password@``, a token given as the user name) and with the values
of secret-looking query and fragment parameters replaced by ``***``. :func:`redact_text` does
the same for every URL inside a message. Text that holds no URL comes back unchanged.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_plus, urlsplit

MASK = "***"

#: parameter names (lower case, ``-`` read as ``_``) whose value is a secret
_SECRET_NAMES = frozenset({
    "pass", "pw", "pwd", "auth", "authorization", "key", "sig", "jwt", "session", "sessionid", "apikey",
})
#: ... and endings of such names (``client_secret``, ``x_amz_security_token``, ``sslpassword``)
_SECRET_ENDINGS = ("password", "passwd", "passphrase", "secret", "token", "signature", "credential",
                   "credentials", "_key", "apikey")
_URL_START = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://")
_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s'\"<>]+")
# libpq keyword/value pairs: key = value, the value bare or in single quotes with \' and \\ escapes
_KEYWORD_VALUE = re.compile(r"(?P<key>\b[A-Za-z_][\w\-]*)(?P<eq>\s*=\s*)(?P<value>'(?:[^'\\]|\\.)*'|[^\s&;#'\"]+)")
_NUMERIC_PORT = re.compile(r"\d*")


def is_secret_name(name: str) -> bool:
    """Whether a parameter called ``name`` holds a secret (``password``, ``access_token`` ...)."""
    key = unquote_plus(name).strip().lower().replace("-", "_")
    return key in _SECRET_NAMES or key.endswith(_SECRET_ENDINGS)


def redact_url(text: str) -> str:
    """``text`` with no credential: a URL loses its userinfo and the values of its secret
    parameters; a libpq ``key=value`` string the values of its secret keys. An scp-like git
    remote (``git@host:org/repo.git``) holds no secret and is kept as it is."""
    if not isinstance(text, str) or not text:
        return text
    if not _URL_START.match(text):  # key=value pairs, or a URL after a space or a quote
        return redact_text(text)
    for _ in range(text.count("@") + 1):  # each round drops one userinfo a parser could not delimit
        shorter = _drop_userinfo(text)
        if shorter == text:
            break
        text = shorter
    # The authority ends at the first "/", "?" or "#": what follows the first "?" is the query,
    # the first "#" the fragment (as urlsplit splits them; rebuilt by hand, since urlunsplit
    # would turn sqlite:///x.db into sqlite:/x.db).
    head, hash_mark, fragment = text.partition("#")
    head, question_mark, query = head.partition("?")
    return head + question_mark + _redact_parameters(query) + hash_mark + _redact_parameters(fragment)


def redact_text(text: str) -> str:
    """A message with every URL in it redacted (see :func:`redact_url`), and secret
    ``key=value`` pairs outside URLs masked too."""
    if not isinstance(text, str) or not text:
        return text
    parts, last = [], 0
    for found in _URL_IN_TEXT.finditer(text):
        parts.append(_redact_keywords(text[last:found.start()]) if "=" in text[last:found.start()] else text[last:found.start()])
        parts.append(redact_url(found.group()))
        last = found.end()
    rest = text[last:]
    parts.append(_redact_keywords(rest) if "=" in rest else rest)
    return "".join(parts)


def _drop_userinfo(url: str) -> str:
    """``url`` without the first userinfo found: the authority's (everything before its last
    ``@``), or, if a password held ``/``, ``?`` or ``#`` (the authority then ends inside it and
    reads as ``user:pa``, a host with a port that is not a number), everything up to the next ``@``."""
    scheme_end = url.index("://") + 3
    rest = url[scheme_end:]
    authority = _authority(url, rest)
    if "@" in authority:
        return url[:scheme_end] + rest[authority.rindex("@") + 1:]
    host_and_port = authority.rsplit("]", 1)[-1]  # an IPv6 address in brackets holds colons of its own
    port = host_and_port.partition(":")[2]
    if ":" in host_and_port and not _NUMERIC_PORT.fullmatch(port) and "@" in rest:
        return url[:scheme_end] + rest[rest.index("@") + 1:]
    return url


def _authority(url: str, rest: str) -> str:
    """The authority (``userinfo@host:port``) of ``url``, whose text after ``://`` is ``rest``."""
    try:
        netloc = urlsplit(url).netloc
    except ValueError:  # e.g. an unclosed "[": still delimited as the RFC says
        netloc = None
    if netloc is None or not rest.startswith(netloc):  # urlsplit drops tabs and newlines
        netloc = re.split(r"[/?#]", rest, maxsplit=1)[0]
    return netloc


def _redact_parameters(query: str) -> str:
    """A query (or fragment) with the values of secret parameters masked; the rest kept byte for byte."""
    if "=" not in query:
        return query
    pieces = re.split(r"([&;])", query)
    for index in range(0, len(pieces), 2):
        name, eq, value = pieces[index].partition("=")
        if eq and value and is_secret_name(name):
            pieces[index] = f"{name}={MASK}"
    return "".join(pieces)


def _redact_keywords(text: str) -> str:
    """libpq-style ``key=value`` pairs with the values of secret keys masked."""
    return _KEYWORD_VALUE.sub(
        lambda found: f"{found['key']}{found['eq']}{MASK}" if is_secret_name(found["key"]) else found.group(), text)
