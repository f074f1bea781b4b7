"""The pages: ``/`` (the dashboards and the runs in progress), ``/d/{uid}`` (a dashboard over
a time range) and ``/d/{uid}/panels`` (its panels alone, which the page reloads). Without a
valid token or session each answers 401 with the sign-in form (the fragment: a short note)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from ...history import History
from ...panels.model import Dashboard
from ...report.values import text
from ..access import access
from ..errors import ApiError
from .ranges import BadRange, Range, parse_range, refresh_of
from .shell import fragment, page, problem
from .signin import signin_page
from .views import BOARDS, board_bar, board_body, board_panels, boards_list, live_strip, who

router = APIRouter(include_in_schema=False)
_UID_SHOWN = 80  # characters of an unknown uid named in its 404


async def _project(request: Request) -> str | HTMLResponse:
    """The project the request may read, or the sign-in page (401) to answer with."""
    try:
        found = await access(request)
    except ApiError as exc:
        return signin_page(exc.message + ".")
    if found is None:
        return signin_page(next_path=request.url.path)
    return found.project


def _board(uid: str, request: Request) -> tuple[Dashboard, Range] | HTMLResponse:
    board = BOARDS.get(uid)
    if board is None:
        return problem(404, "No such dashboard", f"no dashboard {uid[:_UID_SHOWN]!r}: see the list at /", "uid")
    try:
        return board, parse_range(request.query_params, refresh_of(board.refresh))
    except BadRange as exc:
        return problem(422, "Bad range", str(exc), exc.field)


async def _read(request: Request, project: str, board: Dashboard, chosen: Range) -> object:
    state = request.app.state
    start, end = chosen.bounds()
    return await run_in_threadpool(state.database.run, lambda store: History(
        store, project, state.settings.flakiness).dashboard_data(board, start, end))


@router.get("/", response_class=HTMLResponse)
async def home(request: Request) -> HTMLResponse:
    project = await _project(request)
    if isinstance(project, HTMLResponse):
        return project
    return page(f"pytest-vpt: {project}", who(project, "pytest-vpt"), live_strip() + boards_list())


@router.get("/d/{uid}", response_class=HTMLResponse)
async def dashboard(request: Request, uid: str) -> HTMLResponse:
    project = await _project(request)
    if isinstance(project, HTMLResponse):
        return project
    chosen = _board(uid, request)
    if isinstance(chosen, HTMLResponse):
        return chosen
    board, span = chosen
    data = await _read(request, project, board, span)
    return page(f"{board.title}: {project}", who(project, board.title) + board_bar(board, span),
                board_body(board, data, span))


@router.get("/d/{uid}/panels", response_class=HTMLResponse)
async def dashboard_panels(request: Request, uid: str) -> HTMLResponse:
    try:
        found = await access(request)
    except ApiError as exc:
        return fragment(f'<p class="error">{text(exc.message)}</p>', 401)
    if found is None:
        return fragment('<p class="error">Sign in at / to see the panels.</p>', 401)
    chosen = _board(uid, request)
    if isinstance(chosen, HTMLResponse):
        return chosen
    board, span = chosen
    return fragment(board_panels(board, await _read(request, found.project, board, span), span))
