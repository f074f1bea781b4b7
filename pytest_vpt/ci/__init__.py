"""CI integrations: what a CI step writes for its runner about a recorded run.

``publish`` and its types load on first use (``vpt push`` needs them only in GitHub mode)."""

from __future__ import annotations

from typing import Any

#: when a CI step fails: never, on any failure not quarantined, or on a regression only
FAIL_ON = ("never", "failures", "regressions")

__all__ = ["FAIL_ON", "PublishError", "Published", "publish"]


def __getattr__(name: str) -> Any:
    if name in ("PublishError", "Published", "publish"):
        from . import github

        return getattr(github, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
