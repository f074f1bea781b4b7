"""``vpt server`` (the ingest and query service) and ``vpt token create`` (its tokens)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import click

from ..wording import plural
from . import render
from .context import StoreOption

if TYPE_CHECKING:
    from ..server import ServerSettings


@click.command()
@click.option("--host", envvar="VPT_SERVER_HOST", help="address to listen on  [default: 127.0.0.1]")
@click.option("--port", type=click.IntRange(1, 65535), envvar="VPT_SERVER_PORT", help="[default: 8765]")
@click.option("--workers", type=click.IntRange(1, 64), envvar="VPT_SERVER_WORKERS",
              help="worker processes (more use more cores for parsing and checking batches)  [default: 1]")
@click.option("--max-body", type=click.IntRange(1, 1024), envvar="VPT_SERVER_MAX_BODY_MB",
              help="largest request body accepted, in MiB (after decompression)  [default: 16]")
@click.option("--max-events", type=click.IntRange(1, 10_000_000), envvar="VPT_SERVER_MAX_EVENTS",
              help="most events in one batch  [default: 100000]")
@click.option("--read-timeout", type=click.FloatRange(0.1, 3600), envvar="VPT_SERVER_READ_TIMEOUT",
              help="seconds a client has to send a request's headers, and then its body (else 408)  [default: 30]")
@click.option("--max-connections", type=click.IntRange(1, 100_000), envvar="VPT_SERVER_MAX_CONNECTIONS",
              help="connections served at once; more are answered 503  [default: 1000]")
@click.pass_obj
def server(store_option: StoreOption, **given: float | str | None) -> None:
    """Serve the HTTP API (ingest, queries, /healthz, /metrics) in front of the store.

    Settings not given here (or as VPT_SERVER_* variables) come from the server section of
    vpt.yaml, and the store from --store, VPT_STORE, vpt.yaml's server.store, or the ini."""
    try:
        import uvicorn

        from ..server import ServerSettings, create_app
        from ..server.settings import ServerSettingsError, with_config_file
    except ImportError as exc:
        raise click.ClickException(f"vpt server needs its extra: pip install 'pytest-vpt[server]' ({exc})") from None
    options = store_option.settings
    values = {name: value for name, value in given.items() if value is not None}
    if "max_body" in values:
        values["max_body"] *= 1024 * 1024
    chosen = set(values) | ({"store"} if store_option.url or "VPT_STORE" in os.environ else set())
    try:
        settings = with_config_file(ServerSettings(options.store, flakiness=options.flakiness, policy=options.policy,
                                                   **values), store_option.rootdir, options.config_file, chosen)
    except ServerSettingsError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"vpt server: {settings.store} on http://{settings.host}:{settings.port} (OpenAPI at /docs)", err=True)
    serving = {"host": settings.host, "port": settings.port, "log_level": "warning", **_bounds(settings)}
    if settings.workers == 1:
        uvicorn.run(create_app(settings), **serving)
        return
    from ..server.workers import serve_workers

    serve_workers(settings, **serving)  # the settings go to the workers pickled, not in the environment


def _bounds(settings: ServerSettings) -> dict:
    """uvicorn's limits on slow or greedy clients (the body's deadline is the app's)."""
    from ..server.connections import MAX_HEADER_BYTES, bounded_protocol

    return {"http": bounded_protocol(settings.read_timeout, MAX_HEADER_BYTES), "timeout_keep_alive": 5,
            "limit_concurrency": settings.max_connections, "h11_max_incomplete_event_size": MAX_HEADER_BYTES}


@click.group()
def token() -> None:
    """Tokens for the service: each reads one project; a writer's (the default) writes it too."""


@token.command()
@click.option("--project", required=True, help="the project the token may write")
@click.option("--name", default="", help="a name to tell tokens apart (and revoke them by)")
@click.option("--viewer", is_flag=True, help="a read-only token: the pages and read endpoints, never ingest")
@render.json_option
@click.pass_obj
def create(store_option: StoreOption, project: str, name: str, viewer: bool, as_json: bool) -> None:
    """Make a token and print it: it is shown this once (only its hash is kept)."""
    from ..store import tokens

    role = "viewer" if viewer else "writer"
    with store_option.open(create=True) as store:
        made = store.apply(tokens.create, project, name, role)
    if as_json:
        render.emit_json({"project": project, "name": name, "role": role, "token": made})
        return
    click.echo(made)


@token.command()
@click.option("--project", required=True)
@click.option("--name", required=True, help="revoke the project's tokens of this name")
@render.json_option
@click.pass_obj
def revoke(store_option: StoreOption, project: str, name: str, as_json: bool) -> None:
    """Revoke tokens: requests with them are refused from now on."""
    from ..store import tokens

    with store_option.open() as store:
        count = store.apply(tokens.revoke, project, name)
    if not count:
        raise click.ClickException(f"--name {name!r}: project {project!r} has no token of that name in force "
                                   "(never made, or revoked already)")
    if as_json:
        render.emit_json({"project": project, "name": name, "revoked": count})
        return
    click.echo(f"revoked {plural(count, 'token')}")
