"""Video checks: black screen, freeze, frame drops, bitrate stability, subtitle presence, from a file, a stream,
a capture device or a callable. Knows nothing of pytest or the store: it takes a source and
returns a report; the plugin and the CLI record it. Where the checks look (an :class:`Area`
in fractions or pixels) and the project's streams (vpt.yaml's ``streams:``) are streams.py's.
Needs the ``video`` extra (PyAV, OpenCV, numpy)."""

from .analysis import BitrateCheck, DropsCheck, SubtitlesReport, VideoReport, analyze, quality_score
from .detectors.black import BlackCheck
from .detectors.freeze import FreezeCheck
from .detectors.subtitles import SubtitleCheck
from .incidents import Incident
from .region import Region
from .sources import Cue, Frame, Source, SourceError, SubtitleStream, open_source
from .streams import Area, AreaError, Stream, StreamsError, load_streams, make_checks

__all__ = [
    "Area", "AreaError", "BitrateCheck", "BlackCheck", "Cue", "DropsCheck", "Frame", "FreezeCheck", "Incident", "Region",
    "Source", "SourceError", "Stream", "StreamsError", "SubtitleCheck", "SubtitleStream", "SubtitlesReport", "VideoReport", "analyze",
    "load_streams", "make_checks", "open_source", "quality_score",
]
