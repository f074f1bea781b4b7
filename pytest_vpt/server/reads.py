"""What every read endpoint shares: the project of the request's token, the errors it may
answer with (for the OpenAPI document), and running a read on that project's history."""

from __future__ import annotations

from typing import Annotated, Any, Callable

from fastapi import Depends, Query, Request
from fastapi.concurrency import run_in_threadpool

from ..history import History
from .access import reader, writer

_ERROR = {"content": {"application/json": {"schema": {
    "type": "object", "properties": {"error": {"type": "string"}, "field": {"type": "string"}}, "required": ["error"],
}}}}
#: The statuses an endpoint may answer with besides 200, for ``responses=``.
ERRORS = {status: {"description": text, **_ERROR} for status, text in (
    (400, "the body is not valid gzip"), (401, "no token, or not a valid one"),
    (403, "the token may not write this project"), (408, "the request did not arrive in time"),
    (409, "an event conflicts with what is stored (e.g. an id of another project)"),
    (413, "the body or batch is too large"), (415, "unknown content type or encoding"),
    (422, "invalid events or parameters"), (503, "the store is not available"),
)}


#: The project a request may read (a token's or a signed-in session's): a parameter of every
#: endpoint but the open ones.
Project = Annotated[str, Depends(reader)]
#: The project a request's bearer token may write (a writer's): a parameter of the writing endpoints.
Writer = Annotated[str, Depends(writer)]
#: A read's window: seconds back from now, a second to 366 days.
Window = Annotated[float, Query(ge=1, le=366 * 86400, description="seconds back from now")]


def as_json(found: Any) -> Any:
    """A record, or a list of them, as the plain values an endpoint answers with."""
    return [item.to_dict() for item in found] if isinstance(found, list) else found.to_dict()


async def read_history(request: Request, project: str, work: Callable[[History], Any]) -> Any:
    """``work(history)`` on the project's history (a connection of its own, in a thread), its
    records as the JSON they answer with."""
    state = request.app.state
    return await run_in_threadpool(
        state.database.run, lambda store: as_json(work(History(store, project, state.settings.flakiness))))
