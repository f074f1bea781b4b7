"""Who a request is: a bearer token (``Authorization: Bearer TOKEN``, a writer's or a viewer's)
or the session cookie a browser got by signing in at the pages with a token.

A session reads only, whatever its token: a write (ingest) needs the bearer token of a
writer, so a page's cookie can never be used to write, even by a forged cross-site request.
The cookie holds a random session id, never the token; the store keeps only its hash.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.concurrency import run_in_threadpool

from ..store import tokens
from .errors import ApiError

COOKIE = "vpt_session"
#: how long a sign-in lasts (the cookie's Max-Age and the session's expiry), in seconds
SESSION_SECONDS = 12 * 3600.0
#: a session id as tokens.open_session makes it is 47 characters; longer cookies are not looked up
_COOKIE_MOST = 128


def bearer(request: Request) -> str | None:
    """The request's bearer token, if it sends one."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def session_id(request: Request) -> str | None:
    """The request's session cookie, if it has one of a plausible length."""
    found = request.cookies.get(COOKIE, "")
    return found if 0 < len(found) <= _COOKIE_MOST else None


async def access(request: Request) -> tokens.Access | None:
    """What the request's token (else its session) may do; None without either.

    ApiError 401 for a token that is not valid; a stale cookie is as good as none."""
    database = request.app.state.database
    token = bearer(request)
    if token is not None:
        found = await run_in_threadpool(database.run, lambda store: tokens.access_of(store.conn, token))
        if found is None:
            raise ApiError(401, "the token is not valid (unknown or revoked)", "Authorization")
        request.state.credential = "token:" + tokens.digest(token)
        return found
    session = session_id(request)
    if session is None:
        return None
    found = await run_in_threadpool(database.run, lambda store: tokens.session_access(store.conn, session))
    if found is None:
        return None
    request.state.credential = "session:" + tokens.digest(session)
    return tokens.Access(found.project, "viewer")  # a session reads only


def credential(request: Request) -> str:
    """A key for the request's credential (a digest, never the credential), once it was checked."""
    return request.state.credential


async def reader(request: Request) -> str:
    """The project the request may read (ApiError 401 without a valid token or session)."""
    found = await access(request)
    if found is None:
        raise ApiError(401, "send a token: Authorization: Bearer TOKEN (vpt token create), or sign in at /",
                       "Authorization")
    return found.project


async def writer(request: Request) -> str:
    """The project the request's bearer token may write (401 without one, 403 for a viewer's)."""
    if bearer(request) is None:
        raise ApiError(401, "send a token: Authorization: Bearer TOKEN (a writer's: vpt token create)", "Authorization")
    found = await access(request)  # a bearer token: valid, or refused with 401
    if found is None or not found.writes:
        raise ApiError(403, "a viewer token reads only: writing needs a writer's token "
                            "(vpt token create without --viewer)", "Authorization")
    return found.project
