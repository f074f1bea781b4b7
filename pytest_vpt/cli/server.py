"""``vpt server`` (the ingest and query service) and ``vpt token create`` (its tokens)."""

from __future__ import annotations

import json
import os

import click

from .context import StoreOption


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, envvar="VPT_SERVER_HOST", help="address to listen on")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(1, 65535), envvar="VPT_SERVER_PORT")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), envvar="VPT_SERVER_WORKERS",
              help="worker processes (more use more cores for parsing and checking batches)")
@click.option("--max-body", default=16, show_default=True, type=click.IntRange(min=1), envvar="VPT_SERVER_MAX_BODY_MB",
              help="largest request body accepted, in MiB (after decompression)")
@click.pass_obj
def server(store_option: StoreOption, host: str, port: int, workers: int, max_body: int) -> None:
    """Serve the HTTP API (ingest, queries, /healthz, /metrics) in front of the store."""
    try:
        import uvicorn

        from ..server import ServerSettings, create_app
    except ImportError as exc:
        raise click.ClickException(f"vpt server needs its extra: pip install 'pytest-vpt[server]' ({exc})") from None
    settings = ServerSettings(store_option.settings.store, host, port, max_body * 1024 * 1024)
    click.echo(f"vpt server: {settings.store} on http://{host}:{port} (OpenAPI at /docs)", err=True)
    if workers == 1:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")
        return
    os.environ["VPT_SERVER_SETTINGS"] = json.dumps({**vars(settings), "store": settings.store.text})
    uvicorn.run("pytest_vpt.server.app:app_from_environment", factory=True, workers=workers, host=host, port=port,
                log_level="warning")


@click.group()
def token() -> None:
    """Tokens for the service: each writes and reads one project."""


@token.command()
@click.option("--project", required=True, help="the project the token may write")
@click.option("--name", default="", help="a name to tell tokens apart (and revoke them by)")
@click.pass_obj
def create(store_option: StoreOption, project: str, name: str) -> None:
    """Make a token and print it: it is shown this once (only its hash is kept)."""
    from ..store import tokens

    with store_option.open(create=True) as store:
        made = store.apply(tokens.create, project, name)
    click.echo(made)


@token.command()
@click.option("--project", required=True)
@click.option("--name", required=True, help="revoke the project's tokens of this name")
@click.pass_obj
def revoke(store_option: StoreOption, project: str, name: str) -> None:
    """Revoke tokens: requests with them are refused from now on."""
    from ..store import tokens

    with store_option.open() as store:
        count = store.apply(tokens.revoke, project, name)
    click.echo(f"revoked {count} token(s)")
