"""Where each wire attribute lands: one mapping from event attributes to table columns."""

from __future__ import annotations

from ..events import OUTCOMES

#: runs column -> run event attribute
RUN_COLUMNS = {
    "run_id": "vpt.run.id",
    "project": "vpt.project",
    "status": "vpt.run.status",
    "started_at": "vpt.run.started_at",
    "finished_at": "vpt.run.finished_at",
    "exit_status": "vpt.run.exit_status",
    "cpu_seconds": "vpt.run.cpu_seconds",
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
    "vcs_dirty": "vpt.vcs.dirty",
    "host_name": "host.name",
    "python_version": "process.runtime.version",
    "pytest_version": "vpt.pytest.version",
    "vpt_version": "vpt.version",
}
#: runs columns filled from the run event's ``vpt.run.counts``
COUNT_COLUMNS = ("tests", *OUTCOMES, "quarantined")

#: test_attempts column -> test event attribute (test_id, duration and markers are derived)
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

#: metrics column -> metric event attribute (test_id and tags are derived)
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

#: video_incidents column -> incident event attribute (test_id is derived)
INCIDENT_COLUMNS = {
    "event_id": "id",
    "project": "vpt.project",
    "source": "vpt.incident.source",
    "kind": "vpt.incident.kind",
    "started_at": "vpt.incident.start",
    "ended_at": "vpt.incident.end",
    "duration": "vpt.incident.duration",
    "severity": "vpt.incident.severity",
    "position": "vpt.incident.position",
    "start_frame": "vpt.incident.start_frame",
    "end_frame": "vpt.incident.end_frame",
    "thumbnail": "vpt.incident.thumbnail",
    "run_id": "vpt.run.id",
}
