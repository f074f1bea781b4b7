"""CI integrations: what a CI step writes for its runner about a recorded run."""

from .github import FAIL_ON, Published, PublishError, publish

__all__ = ["FAIL_ON", "PublishError", "Published", "publish"]
