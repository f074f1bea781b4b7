"""A small demo suite: run it with `pytest --vpt`, then look at `vpt runs`."""

import random

import pytest


@pytest.mark.vpt_device("demo-stb")
@pytest.mark.parametrize("channel", ["bbc-one", "cnn", "arte"])
def test_tune(box, channel, vpt_metrics):
    with vpt_metrics.timer("channel_change_time", tags={"channel": channel}):
        assert box.tune(channel)


@pytest.mark.parametrize("app", ["netflix", "youtube"])
def test_app_launch(box, app, vpt_metrics):
    seconds = box.launch(app)
    vpt_metrics.record("app_launch_time", seconds, tags={"app": app}, unit="s")
    vpt_metrics.increment("app_launched", tags={"app": app})
    assert seconds < 1.0


@pytest.mark.flaky(reruns=2)
def test_remote_control_pairing():
    """Pairs on the first try about two times in three: a flaky test that reruns can save."""
    assert random.random() < 0.66


def test_epg_has_tomorrow():
    guide = {"today": ["news"], "tomorrow": []}
    assert guide["tomorrow"], "the programme guide has no entries for tomorrow"


@pytest.mark.skip(reason="needs a 4K panel")
def test_hdr_passthrough():
    pass


@pytest.mark.xfail(reason="subtitle drift: known firmware bug")
def test_subtitle_sync():
    assert 0.4 < 0.2
