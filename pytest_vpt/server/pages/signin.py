"""Signing in and out of the pages: ``POST /signin`` checks a token and sets the session cookie
(HttpOnly, SameSite=Strict, Secure on https, for :data:`~..access.SESSION_SECONDS`);
``POST /signout`` ends the session and clears it.

Against cross-site requests: the cookie is SameSite=Strict (a browser never sends it from
another site), a session reads only (:mod:`..access`), and both forms are refused (403) when
the browser says they were sent from another origin (``Origin``, else ``Referer``)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.requests import ClientDisconnect

from ...store import tokens
from ..access import COOKIE, SESSION_SECONDS, session_id
from .shell import HEADERS, page, problem
from .views import signin_form

router = APIRouter(include_in_schema=False)

FORM_MOST = 4096  # bytes of a sign-in form read at most
TOKEN_MOST = 256
_FORM_TYPE = "application/x-www-form-urlencoded"
#: where a sign-in may go next: a path of this service (no scheme, host or "//")
_NEXT = re.compile(r"/(?:[A-Za-z0-9._~-][A-Za-z0-9._~/-]*)?(?:\?[A-Za-z0-9._~=&%:+-]*)?")


def signin_page(message: str = "", next_path: str = "/", status: int = 401) -> HTMLResponse:
    return page("Sign in: pytest-vpt", "<h1>pytest-vpt</h1>", signin_form(message, next_path), status)


def _cross_site(request: Request) -> str | None:
    """The other origin a form says it came from, if it did."""
    own = f"{request.url.scheme}://{request.headers.get('host', '')}"
    origin = request.headers.get("origin")
    if origin is None and request.headers.get("referer"):
        parts = urlsplit(request.headers["referer"])
        origin = f"{parts.scheme}://{parts.netloc}"
    return None if origin is None or origin == own else origin[:200]


async def _form(request: Request) -> dict[str, str] | HTMLResponse:
    kind = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if kind != _FORM_TYPE:
        return problem(415, "Not a form", f"send the form as {_FORM_TYPE}, not {kind[:100]!r}", "content-type")
    body = b""
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > FORM_MOST:
                return problem(413, "Form too large", f"the form is larger than {FORM_MOST} bytes", "body")
    except ClientDisconnect:
        return problem(400, "Form incomplete", "the form did not arrive whole", "body")
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body), max_num_fields=8,
                          errors="strict")
    except (UnicodeDecodeError, ValueError):
        return problem(400, "Not a form", "the form is not URL-encoded UTF-8", "body")
    return {name: values[0] for name, values in fields.items() if len(values) == 1}


@router.post("/signin")
async def signin(request: Request) -> Response:
    other = _cross_site(request)
    if other is not None:
        return problem(403, "Sign-in refused", f"the form was sent from another site ({other})", "origin")
    form = await _form(request)
    if isinstance(form, HTMLResponse):
        return form
    given = form.get("next", "/")
    next_path = given if len(given) <= 512 and _NEXT.fullmatch(given) else "/"
    token = form.get("token", "").strip()
    if not token:
        return signin_page("Enter a token.", next_path)
    if len(token) > TOKEN_MOST:
        return signin_page(f"That is no token: {len(token)} characters, at most {TOKEN_MOST}.", next_path)
    database = request.app.state.database
    opened = await run_in_threadpool(database.run, lambda store: store.apply(
        tokens.open_session, token, SESSION_SECONDS))
    if opened is None:
        return signin_page("That token is not valid (unknown or revoked).", next_path)
    answer = RedirectResponse(next_path, status_code=303, headers=HEADERS)
    answer.set_cookie(COOKIE, opened[0], max_age=int(SESSION_SECONDS), path="/", httponly=True, samesite="strict",
                      secure=request.url.scheme == "https")
    return answer


@router.post("/signout")
async def signout(request: Request) -> Response:
    other = _cross_site(request)
    if other is not None:
        return problem(403, "Sign-out refused", f"the form was sent from another site ({other})", "origin")
    session = session_id(request)
    if session is not None:
        database = request.app.state.database
        await run_in_threadpool(database.run, lambda store: store.apply(tokens.close_session, session))
    answer = RedirectResponse("/", status_code=303, headers=HEADERS)
    answer.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict", secure=request.url.scheme == "https")
    return answer
