"""pytest-vpt: every pytest run becomes history — outcomes, durations, flakiness, metrics.

The public API is this short list; everything else is private.
"""

__version__ = "0.1.0"

from .metrics import MetricsCollector  # noqa: E402

__all__ = ["MetricsCollector", "__version__"]
