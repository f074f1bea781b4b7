"""``GET /api/v1/kpis`` on a real ``vpt server`` that was sent the hand-written history of
test_kpis.py batch by batch (folding the daily rollup in the background): the KPIs the
façade reads from the same store, in the token's project only; bad parameters are 4xx."""

from __future__ import annotations

import json
import time

import pytest
import requests
from click.testing import CliRunner

from pytest_vpt.cli import cli
from pytest_vpt.history import History

from server_process import Server
from test_kpis import DAY, HOUR, every_batch


def token_for(store: str, project: str) -> str:
    result = CliRunner().invoke(cli, ["--store", store, "token", "create", "--project", project, "--name", project])
    assert result.exit_code == 0, result.output
    return result.output.strip()


@pytest.fixture
def service(store_url):
    server = Server(store_url).start()
    server.auth = {"Authorization": f"Bearer {token_for(store_url, 'box')}"}
    for batch in every_batch():
        answer = requests.post(f"{server.url}/api/v1/events", data=json.dumps(batch).encode(), timeout=30,
                               headers={**server.auth, "Content-Type": "application/json"})
        assert answer.status_code == 200, answer.text
    yield server
    server.stop()


def get(service, auth: dict | None = None, **params) -> requests.Response:
    return requests.get(f"{service.url}/api/v1/kpis", params=params, headers=auth or service.auth, timeout=30)


def test_the_endpoint_answers_what_the_facade_reads(service) -> None:
    answer = get(service, window=6 * DAY, slowest=2)
    assert answer.status_code == 200, answer.text
    found = answer.json()
    now = time.time()
    with History.open(service.store, project="box") as history:
        assert found == history.kpis(now - 6 * DAY, now, slowest=2).to_dict()
    assert found["episodes"]["mttr"] == (DAY + HOUR) / 2 and found["episodes"]["open"] == 2
    assert found["tests"]["tests_run"] == 3 and found["tests"]["pass_rate"] == 5 / 9  # the tests' days were folded
    assert len(found["speed"]["slowest"]) == 2
    [device] = get(service, window=6 * DAY, device="stb-1").json()["devices"]
    assert device["availability"]["uptime"] == 3180 / 3600
    other = {"Authorization": f"Bearer {token_for(service.store, 'kitchen')}"}
    assert get(service, other, window=6 * DAY).json()["empty"] is True


@pytest.mark.parametrize(("params", "status", "field"), [
    ({"window": "0"}, 422, "window"), ({"window": str(400 * DAY)}, 422, "window"), ({"slowest": "-1"}, 422, "slowest"),
    ({"slowest": "5000"}, 422, "slowest"), ({"device": ""}, 422, "device"), ({"device": "stb-9"}, 404, "device"),
])
def test_bad_parameters_are_4xx_naming_them(service, params, status, field) -> None:
    answer = get(service, **params)
    assert answer.status_code == status and field in answer.json()["field"], answer.text
    if status == 404:
        assert "known: rtsp://cam/1, stb-1" in answer.json()["error"]
