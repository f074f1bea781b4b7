"""Every dashboard of the catalogue, one module each, in the order they are listed."""

from __future__ import annotations

from ..model import Dashboard
from . import test_execution

DASHBOARDS: tuple[Dashboard, ...] = (test_execution.DASHBOARD,)
