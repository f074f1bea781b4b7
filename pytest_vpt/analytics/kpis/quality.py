"""The quality score (0-100) of a project, device or stream: a weighted mean of its parts.

=============  ======  ===========================================================
part           weight  value (0-100)
=============  ======  ===========================================================
pass_rate      0.40    100 x passed / (passed + failed + error), quarantined
                       tests' failures left out
flaky          0.20    100 x (1 - tests whose verdict is flaky / tests run)
availability   0.25    100 x seconds online / seconds covered by device samples
video          0.15    video QoE: the mean of 100 / (1 + incidents per covered hour)
                       and the mean video.quality_score, those there are
=============  ======  ===========================================================

A part without data (no test judged, no device sampled, no video) is left out and the
weights of the others are scaled up to add up to 1; with no part at all there is no score.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

WEIGHTS = {"pass_rate": 0.40, "flaky": 0.20, "availability": 0.25, "video": 0.15}
PART_NAMES = tuple(WEIGHTS)


@dataclass(frozen=True)
class Part:
    """One part of a score: its value, its weight, the weight it had once renormalised."""

    name: str
    value: float | None
    weight: float
    used_weight: float


def video_qoe(incidents_per_hour: float | None, score_mean: float | None) -> float | None:
    """Video QoE (0-100): the mean of ``100 / (1 + incidents per covered hour)`` and the mean
    quality score, of those known; None if neither is."""
    known = [v for v in (None if incidents_per_hour is None else 100.0 / (1.0 + incidents_per_hour), score_mean)
             if v is not None]
    return sum(known) / len(known) if known else None


def quality_score(values: Mapping[str, float | None]) -> tuple[float | None, list[Part]]:
    """The score of the parts in ``values`` (each 0-100, None: no data), and every part of
    :data:`WEIGHTS` with the weight it was given (0 when left out)."""
    used = {name: value for name, value in values.items() if value is not None and name in WEIGHTS}
    total = sum(WEIGHTS[name] for name in used)
    parts = [Part(name, values.get(name), WEIGHTS[name], WEIGHTS[name] / total if name in used else 0.0)
             for name in PART_NAMES]
    if not used:
        return None, parts
    score = sum(WEIGHTS[name] * value for name, value in used.items()) / total
    return min(100.0, max(0.0, score)), parts
