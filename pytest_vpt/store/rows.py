"""Events to table rows: one mapping from wire attributes to columns, for every engine."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ..events import OUTCOMES

#: runs column -> run event attribute
RUN_COLUMNS = {
    "run_id": "vpt.run.id",
    "project": "vpt.project",
    "status": "vpt.run.status",
    "started_at": "vpt.run.started_at",
    "finished_at": "vpt.run.finished_at",
    "exit_status": "vpt.run.exit_status",
    "ci_provider": "vpt.ci.provider",
    "ci_pipeline": "cicd.pipeline.name",
    "ci_run_id": "cicd.pipeline.run.id",
    "ci_run_url": "cicd.pipeline.run.url.full",
    "ci_job": "cicd.pipeline.task.name",
    "ci_job_run_id": "cicd.pipeline.task.run.id",
    "vcs_repository": "vcs.repository.url.full",
    "vcs_revision": "vcs.ref.head.revision",
    "vcs_branch": "vcs.ref.head.name",
    "vcs_change_id": "vcs.change.id",
    "host_name": "host.name",
    "python_version": "process.runtime.version",
    "pytest_version": "vpt.pytest.version",
    "vpt_version": "vpt.version",
}
COUNT_COLUMNS = ("tests", *OUTCOMES)

#: test_attempts column -> test event attribute (test_id and markers are derived)
ATTEMPT_COLUMNS = {
    "event_id": "id",
    "run_id": "vpt.run.id",
    "attempt": "vpt.test.attempt",
    "is_final": "vpt.test.final",
    "outcome": "vpt.test.outcome",
    "started_at": "vpt.test.started_at",
    "finished_at": "vpt.test.finished_at",
    "setup_duration": "vpt.test.duration.setup",
    "call_duration": "vpt.test.duration.call",
    "teardown_duration": "vpt.test.duration.teardown",
    "error_type": "error.type",
    "error_message": "exception.message",
    "worker": "vpt.worker.id",
    "worker_seq": "vpt.worker.seq",
    "device_id": "vpt.device.id",
}

#: test_cases column -> test event attribute
TEST_CASE_COLUMNS = {
    "project": "vpt.project",
    "nodeid": "test.case.name",
    "suite": "test.suite.name",
    "file": "code.file.path",
    "function": "code.function.name",
    "line": "code.line.number",
    "params": "vpt.test.params",
}

METRIC_COLUMNS = {
    "event_id": "id",
    "project": "vpt.project",
    "run_id": "vpt.run.id",
    "attempt": "vpt.test.attempt",
    "name": "vpt.metric.name",
    "kind": "vpt.metric.kind",
    "value": "vpt.metric.value",
    "unit": "vpt.metric.unit",
    "time": "vpt.metric.time",
}


def stable_test_id(project: str, nodeid: str) -> int:
    """The stable 64-bit id of a test: the same in every store, no look-up needed."""
    digest = hashlib.blake2b(f"{project}\x00{nodeid}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def run_row(event: dict[str, Any]) -> dict[str, Any]:
    row = {column: event.get(key) for column, key in RUN_COLUMNS.items()}
    counts = event.get("vpt.run.counts") or {}
    row.update((column, counts.get(column, 0)) for column in COUNT_COLUMNS)
    row["labels"] = json.dumps(event.get("vpt.run.labels") or {}, sort_keys=True)
    return row


def attempt_row(event: dict[str, Any]) -> dict[str, Any]:
    row = {column: event.get(key) for column, key in ATTEMPT_COLUMNS.items()}
    row["test_id"] = stable_test_id(event["vpt.project"], event["test.case.name"])
    row["is_final"] = int(row["is_final"])
    phases = [row[c] for c in ("setup_duration", "call_duration", "teardown_duration") if row[c] is not None]
    row["duration"] = sum(phases) if phases else None
    row["markers"] = json.dumps(event.get("vpt.test.markers") or [])
    return row


def case_row(event: dict[str, Any]) -> dict[str, Any]:
    row = {column: event.get(key) for column, key in TEST_CASE_COLUMNS.items()}
    row["test_id"] = stable_test_id(event["vpt.project"], event["test.case.name"])
    row["first_seen"] = row["last_seen"] = event["vpt.test.started_at"]
    return row


def metric_row(event: dict[str, Any]) -> dict[str, Any]:
    row = {column: event.get(key) for column, key in METRIC_COLUMNS.items()}
    nodeid = event.get("test.case.name")
    row["test_id"] = stable_test_id(event["vpt.project"], nodeid) if nodeid else None
    row["tags"] = json.dumps(event.get("vpt.metric.tags") or {}, sort_keys=True)
    return row
