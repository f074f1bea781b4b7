"""KPIs: failure episodes of tests (MTBF, MTTR), reliability of devices, execution speed and
the quality score, as formulas over the values the store's rollups keep."""

from .episodes import Episode, fold_episodes
from .quality import PART_NAMES, WEIGHTS, Part, quality_score, video_qoe
from .reliability import mean, per_hour, share

__all__ = [
    "PART_NAMES", "WEIGHTS", "Episode", "Part", "fold_episodes", "mean", "per_hour", "quality_score", "share",
    "video_qoe",
]
