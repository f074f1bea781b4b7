"""`vpt analytics correlate` and GET /api/v1/analytics/correlate on both engines: what the
façade gives, as JSON and as a table that fits 80 columns; bad names and spans named."""

from __future__ import annotations

import json
import math
import time

import pytest
import requests
from click.testing import CliRunner

from pytest_vpt.cli import cli
from pytest_vpt.history import History
from pytest_vpt.store import open_store

import test_correlation as hours
from server_process import Server
from test_server import token_for

NOW = time.time()
START = NOW - NOW % 3600 - 12 * 3600  # 12 whole hours ago, well within a 1d range


@pytest.fixture
def history_url(store_url, monkeypatch) -> str:
    """8 hours of stb's failures and temperature (rising together), tv's attempts, and one
    bucket of attempts on no device."""
    monkeypatch.setattr(hours, "H0", START)
    with open_store(store_url, create=True) as store:
        for hour, failed in enumerate([0, 1, 2, 3, 4, 1, 0, 2]):
            store.write([*hours.attempts(hour, failed), *hours.attempts(hour, 4 - failed, "tv"),
                         hours.sample(hour, temperature=40 + 5 * failed)])
        store.write(hours.attempts(9, 1, device=None))
    return store_url


def vpt(url: str, *args: str) -> tuple[int, str]:
    result = CliRunner(env={"COLUMNS": "80"}).invoke(cli, ["--store", url, "analytics", "correlate", *args])
    return result.exit_code, result.output


def without_times(found: dict) -> dict:
    return {key: value for key, value in found.items() if key not in ("since", "until")}


def test_json_is_what_the_python_api_gives(history_url) -> None:
    code, out = vpt(history_url, "test_failure_rate", "device.temperature", "--range", "1d", "--project", "box",
                    "--json")
    assert code == 0, out
    shown = json.loads(out)
    with History.open(history_url, project="box") as history:
        mine = history.correlate("test_failure_rate", "device.temperature", "1d").to_dict()
    assert without_times(shown) == without_times(mine)
    assert shown["since"] == math.floor((shown["until"] - 86400) / 3600) * 3600 and shown["until"] <= time.time()
    assert (shown["pairs"], shown["pairing"], shown["bucket"], shown["pearson"]) == (
        8, "per device", 3600.0, pytest.approx(1.0, abs=1e-12))
    assert (shown["a"]["buckets"], shown["a"]["devices"], shown["a"]["unpaired"], shown["a"]["without_device"]) == (
        17, 2, 9, 1)  # tv's 8 buckets and the one without a device have no temperature


def test_the_table_fits_80_columns(history_url) -> None:
    code, out = vpt(history_url, "test_failure_rate", "device.temperature", "--range", "1d", "--project", "box")
    assert code == 0, out
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert lines[0] == "test_failure_rate and device.temperature in box"
    assert lines[1].startswith("from ") and lines[1].endswith(", buckets of 1h")
    assert lines[2:] == [
        "8 pairs (per device)",
        "",
        "coefficient  value  p-value",
        "pearson      1.000        0",
        "spearman     1.000        0",
        "",
        "series              kind         buckets  devices  unpaired",
        "test_failure_rate   built-in          17        2         9",
        "device.temperature  probe value        8        1         0",
        "",
        "test_failure_rate: final attempts failed or in error (quarantined failures too)",
        "  / final attempts passed, failed or in error, by the attempt's start",
        "device.temperature (temperature): mean of the value the device's probes reported",
        "",
        "warnings:",
        "- 9 buckets of test_failure_rate had no value of device.temperature: dropped (1",
        "  of them had no device, and the pairing is per device)",
        "- only 8 pairs (fewer than 10): the coefficients say little",
    ]


def test_a_long_name_still_fits_80_columns(history_url) -> None:
    name = "decoder_buffer_occupancy_" * 6  # 150 characters
    with open_store(history_url) as store:
        store.write([hours.metric(name, hour, float(hour)) for hour in range(5)])
    code, out = vpt(history_url, name, "temperature", "--project", "box")
    assert code == 0, out
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "pearson      1.000        0" in out.splitlines()  # hours 0-4: 0, 1, 2, 3, 4 and 40, 45, ... 60 °C


def test_a_device_without_values_says_so(history_url) -> None:
    code, out = vpt(history_url, "test_failure_rate", "temperature", "--device", "tv", "--project", "box")
    assert code == 0, out
    assert "pearson        n/a      n/a" in out.splitlines()
    assert out.endswith("warnings:\n- temperature has no value in the range for device 'tv'\n"
                        "- no pairs: nothing to correlate\n")


@pytest.mark.parametrize(("args", "message"), [
    (["pass_rate", "nope"], "Invalid value for 'B': no series 'nope': known are test_failure_rate, pass_rate, "
                            "test_duration, device_uptime, response_time, incidents_per_hour, device.temperature"),
    (["pass_rate", "response_time", "--range", "2w", "--bucket", "1m"],
     "Invalid value for '--bucket': a range of 2w in buckets of 1m is 20160 buckets, more than 10000: use a shorter "
     "range or a larger bucket"),
    (["pass_rate", "response_time", "--bucket", "1x"],
     "Invalid value for '--bucket': '1x': use a number and a unit: 90s, 30m, 24h, 7d or 2w"),
    (["pass_rate", "response_time", "--range", "forever"],
     "Invalid value for '--range': 'forever': use a number and a unit: 90s, 30m, 24h, 7d or 2w"),
    (["device_uptime", "pass_rate", "--bucket", "30m"],
     "Invalid value for '--bucket': device_uptime is kept per hour: use a bucket of whole hours"),
])
def test_mistakes_name_the_argument_or_option(history_url, args, message) -> None:
    code, out = vpt(history_url, *args, "--project", "box")
    assert code == 2 and out.splitlines()[-1] == f"Error: {message}"


@pytest.fixture
def service(history_url):
    server = Server(history_url).start()
    server.auth = {"Authorization": f"Bearer {token_for(history_url, 'box')}"}
    yield server
    server.stop()


def get(service, **params: str) -> requests.Response:
    return requests.get(f"{service.url}/api/v1/analytics/correlate", params=params, headers=service.auth, timeout=30)


def test_the_endpoint(service) -> None:
    answer = get(service, a="test_failure_rate", b="device.temperature", range="1d", bucket="1h")
    assert answer.status_code == 200, answer.text
    with History.open(service.store, project="box") as history:
        mine = history.correlate("test_failure_rate", "device.temperature", "1d", bucket="1h").to_dict()
    assert without_times(answer.json()) == without_times(mine)
    tv = get(service, a="test_failure_rate", b="pass_rate", device="tv").json()
    assert (tv["device"], tv["pairs"], tv["pearson"]) == ("tv", 8, pytest.approx(-1.0, abs=1e-12))
    unknown = get(service, a="pass_rate", b="tempreature")
    assert unknown.status_code == 422 and unknown.json() == {
        "error": "no series 'tempreature': known are test_failure_rate, pass_rate, test_duration, device_uptime, "
                 "response_time, incidents_per_hour, device.temperature", "field": "b"}
    too_many = get(service, a="pass_rate", b="response_time", range="2w", bucket="1m")
    assert too_many.status_code == 422 and too_many.json()["field"] == "bucket"
    assert "20160 buckets, more than 10000" in too_many.json()["error"]
    for params, field in (({"range": "7 days"}, "query.range"), ({"bucket": "1" * 20 + "h"}, "query.bucket"),
                          ({"b": "x" * 257}, "query.b"), ({"device": ""}, "query.device")):
        bad = get(service, **{"a": "pass_rate", "b": "response_time", **params})
        assert bad.status_code == 422 and bad.json()["field"] == field, bad.text
    assert requests.get(f"{service.url}/api/v1/analytics/correlate", params={"a": "pass_rate", "b": "pass_rate"},
                        timeout=30).status_code == 401
