"""A real `vpt server` stores its own figures every sample_every seconds (vpt.yaml), one row per
process and interval: the requests it answered, the batch it wrote, its latencies, its store's
size, its CPU and memory; with sample_every 0 it stores none; a bad setting is named."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest
import requests

from conftest import run_events
from pytest_vpt.history import History
from pytest_vpt.server.sampling import quantile
from pytest_vpt.server.settings import ServerSettings, ServerSettingsError, with_config_file
from pytest_vpt.store import parse_store_url
from server_process import Server
from test_server import token_for


def serve(store_url: str, folder: Path, monkeypatch: pytest.MonkeyPatch, sample_every: float) -> Server:
    """A server started in ``folder``, whose vpt.yaml sets sample_every."""
    (folder / "vpt.yaml").write_text(f"server:\n  sample_every: {sample_every}\n")
    monkeypatch.chdir(folder)
    return Server(store_url).start()


def samples(store_url: str) -> list:
    with History.open(store_url) as history:
        return sorted(history.service_samples(0, time.time() + 60), key=lambda sample: sample.time)


def test_the_server_stores_what_it_answered_every_interval(store_url, tmp_path, monkeypatch) -> None:
    server = serve(store_url, tmp_path, monkeypatch, 1)
    try:
        auth = {"Authorization": f"Bearer {token_for(store_url, 'box')}"}
        events = run_events("r1", time.time() - 120, "c1", {"a": "P", "b": "FP", "c": "F"})
        assert requests.post(f"{server.url}/api/v1/events", json=events, headers=auth, timeout=30).status_code == 200
        refused = requests.post(f"{server.url}/api/v1/events", json=events, headers={"Authorization": "Bearer nope"},
                                timeout=30)
        assert refused.status_code == 401
        deadline = time.monotonic() + 30
        while sum(sample.batches for sample in samples(store_url)) < 1 and time.monotonic() < deadline:
            time.sleep(0.3)
        pid = server.proc.pid
    finally:
        server.stop()
    found = samples(store_url)
    assert len(found) >= 2  # at least the one with the batch, and the last one, stored as it stopped
    assert {sample.instance for sample in found} == {f"{socket.gethostname()}:{pid}"}
    assert sum(s.batches for s in found) == 1 and sum(s.events for s in found) == len(events)
    assert sum(s.client_errors for s in found) == 1 and sum(s.server_errors for s in found) == 0
    assert sum(s.requests for s in found) >= 3  # the batch, the refused one, /healthz as it started
    written = next(s for s in found if s.batches)
    assert 0 < written.ingest_p50 <= written.ingest_p95 <= written.ingest_p99 <= 10
    assert 0 < written.write_seconds and 0 < written.write_p95 <= 10
    assert all(s.seconds <= 10 for s in found) and all(0.5 <= s.seconds for s in found[:-1])
    assert all(s.database_bytes > 0 and s.rollup_queue >= 0 and s.rollup_lag >= 0 for s in found)
    assert all(s.rss_bytes > 10e6 for s in found) and sum(s.cpu_seconds for s in found) > 0


def test_sample_every_0_stores_nothing(store_url, tmp_path, monkeypatch) -> None:
    server = serve(store_url, tmp_path, monkeypatch, 0)
    try:
        assert requests.get(f"{server.url}/healthz", timeout=10).status_code == 200
    finally:
        server.stop()
    assert samples(store_url) == []


@pytest.mark.parametrize(("text", "error"), [
    ("sample_every: 0.5", "field 'sample_every': expected 0 (no samples) or seconds from 1 to 3600, got 0.5"),
    ("sample_every: yes", "field 'sample_every': expected 0 (no samples) or seconds from 1 to 3600, got True"),
    ("sample_days: 0", "field 'sample_days': expected days from 1 to 3660, got 0"),
])
def test_a_sampling_setting_out_of_bounds_is_named(tmp_path, text, error) -> None:
    (tmp_path / "vpt.yaml").write_text(f"server:\n  {text}\n")
    with pytest.raises(ServerSettingsError, match=error.replace("(", r"\(").replace(")", r"\)")):
        with_config_file(ServerSettings(parse_store_url("sqlite:///x.db", tmp_path)), tmp_path, None, set())
    (tmp_path / "vpt.yaml").write_text("server:\n  sample_every: 60\n  sample_days: 7\n")
    chosen = with_config_file(ServerSettings(parse_store_url("sqlite:///x.db", tmp_path)), tmp_path, None, set())
    assert (chosen.sample_every, chosen.sample_days) == (60.0, 7.0)


def test_percentiles_from_bucket_counts_as_prometheus_computes_them() -> None:
    buckets = ((0.1, 2.0), (0.5, 6.0), (1.0, 10.0), (float("inf"), 10.0))
    assert quantile(0.5, buckets) == pytest.approx(0.1 + 0.4 * 3 / 4)  # rank 5: 3 of the 4 in 0.1-0.5
    assert quantile(0.1, buckets) == pytest.approx(0.05)  # rank 1 of the first bucket's 2, from 0
    assert quantile(0.99, ((1.0, 1.0), (float("inf"), 3.0))) == 1.0  # beyond the last finite bound: that bound
    assert quantile(0.5, ((1.0, 0.0), (float("inf"), 0.0))) is None and quantile(0.5, ()) is None
