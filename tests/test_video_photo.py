"""Black screens and freezes on broadcast-like clips made from real photographs: every event
found whole within a frame, nothing found on the hard negatives."""

from __future__ import annotations

import pytest

from pytest_vpt.video import BlackCheck, FreezeCheck, Region, analyze

from photo_clips import score, short_set

CLIPS = {clip.name: clip for clip in short_set()}


@pytest.fixture(scope="session")
def encoded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("photo-clips")
    return {name: clip.write(folder) for name, clip in CLIPS.items()}


@pytest.mark.parametrize("name", list(CLIPS))
def test_every_event_found_whole_and_nothing_else(encoded, name) -> None:
    clip = CLIPS[name]
    region = Region(ignore=clip.ignore)
    report = analyze(encoded[name], checks=[BlackCheck(min_duration=0.3, region=region),
                                            FreezeCheck(min_duration=0.3, region=region)])
    found = [(incident.kind, incident.start_frame, incident.end_frame) for incident in report.incidents]
    result = score(clip.events, found, clip.frames)
    assert (result.found, result.split, result.false) == (result.total, 0, 0), (clip.events, found)
    assert result.max_error <= 1, (clip.events, found)


def test_an_overlay_left_unmasked_over_a_frozen_programme_is_motion(encoded) -> None:
    """The running timecode and ticker, not ignored, are moving picture: no freeze at all."""
    report = analyze(encoded["timecode_ticker_freeze"], checks=[FreezeCheck(min_duration=0.3)])
    assert report.incidents == []


def test_a_freeze_on_a_source_changing_size_is_found_at_each_size() -> None:
    """A capture that switches resolution mid-way: the detector starts over at the new size,
    and a still photograph held at each size is one freeze there."""
    import cv2

    from photos import photo

    small, large = (cv2.cvtColor(photo("astronaut.png", 480, 270), cv2.COLOR_RGB2BGR),
                    cv2.cvtColor(photo("astronaut.png", 640, 360), cv2.COLOR_RGB2BGR))
    frames = iter([(n / 25, small) for n in range(50)] + [(n / 25, large) for n in range(50, 100)])
    report = analyze(lambda: next(frames, None), checks=[FreezeCheck(min_duration=0.3)])
    assert [(i.start_frame, i.end_frame) for i in report.incidents] == [(0, 50), (50, None)]
