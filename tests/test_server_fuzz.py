"""No input makes the service fail: schemathesis generates requests from its OpenAPI document."""

from __future__ import annotations

import pytest
import schemathesis
from click.testing import CliRunner
from hypothesis import HealthCheck, settings

from pytest_vpt.cli import cli
from pytest_vpt.server import ServerSettings, create_app
from pytest_vpt.store import parse_store_url


@pytest.fixture
def token(postgres_url) -> str:
    return CliRunner().invoke(cli, ["--store", postgres_url, "token", "create", "--project", "box"]).output.strip()


@pytest.fixture
def api(postgres_url, token):
    app = create_app(ServerSettings(parse_store_url(postgres_url), max_body=256 * 1024))
    return schemathesis.openapi.from_asgi("/openapi.json", app)


# The live stream answers a valid request with an endless stream, which the in-process client
# would wait on for ever; its refusals of bad parameters are tested in test_live_server.py.
schema = schemathesis.pytest.from_fixture("api").exclude(path="/api/v1/live/stream")


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_yields_a_server_error(case, token) -> None:
    for headers in ({"Authorization": f"Bearer {token}"}, {}):
        response = case.call(headers=headers)
        assert response.status_code < 500, f"{case.method} {case.path}: {response.status_code} {response.text}"
        if response.status_code >= 400:
            assert "error" in response.json()  # every refusal says why
