"""What a read of the history can be asked that has no single answer."""

from __future__ import annotations


class HistoryError(LookupError):
    """A run or test asked for that the history cannot single out; the message names it."""


class RunNotFound(HistoryError):
    """No run's id is, or starts with, ``run_id`` (in the history's project)."""

    def __init__(self, run_id: str) -> None:
        super().__init__(f"no run {run_id!r}")
        self.run_id = run_id


class RunIdAmbiguous(HistoryError):
    """Several runs' ids start with ``run_id``: more characters are needed."""

    def __init__(self, run_id: str) -> None:
        super().__init__(f"run id {run_id!r} is ambiguous: give more characters")
        self.run_id = run_id


class NoVerdict(HistoryError):
    """The test has no flakiness verdict yet (never in a finished run, or not a recorded node id)."""

    def __init__(self, nodeid: str) -> None:
        super().__init__(f"no verdict on {nodeid!r} yet (node ids look like tests/test_x.py::test_y; "
                         "a test gets one after a finished run)")
        self.nodeid = nodeid


class TestInSeveralProjects(HistoryError):
    """The node id is recorded in several projects: the history must be opened for one."""

    __test__ = False  # not a pytest test class

    def __init__(self, nodeid: str, projects: list[str]) -> None:
        super().__init__(f"{nodeid!r} is in several projects ({', '.join(projects)}): give --project")
        self.nodeid = nodeid
        self.projects = projects
