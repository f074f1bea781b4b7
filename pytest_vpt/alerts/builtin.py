"""The rules shipped as defaults, in the rules file's own format: each can be turned off
(``enabled: false``) or changed (any field) by a rule of the same name; ``builtin: false`` in
the ``alerts:`` section turns them all off.

"Device Offline" is a device whose probes fail; "Device Not Reporting" one nobody samples any
more (``device_status`` is ``stale`` once no sample came for its interval plus its timeout and
its sampler's flush, plus a second: the monitor died, or its host lost the bench's network). A
device sampled only while tests run (``pytest --vpt`` without ``vpt monitor``) goes stale
between sessions: turn the rule off there (``enabled: false``)."""

from __future__ import annotations

BUILTIN_RULES: tuple[dict[str, object], ...] = (
    {"name": "Device Offline", "condition": 'device_status == "offline"', "duration": "5m", "severity": "critical",
     "summary": "{device} is offline"},
    {"name": "Device Not Reporting", "condition": 'device_status == "stale"', "duration": "15m",
     "severity": "warning", "summary": "{device} is not reporting: nothing samples it (is vpt monitor running?)"},
    {"name": "High Error Rate", "condition": "error_rate > 10%", "duration": "2m", "severity": "error",
     "summary": "{device}: probes failing (a share of {value})"},
    {"name": "Test Failure Spike", "condition": "failure_rate > 20%", "duration": "10m", "severity": "error",
     "summary": "{project}: tests failing (a share of {value})"},
    {"name": "No Tests Running", "condition": "tests_per_hour == 0", "duration": "1h", "severity": "warning",
     "summary": "{project}: no test started in the last hour"},
    {"name": "Black Screen Detected", "condition": "black_screen == true", "duration": "10s", "severity": "critical",
     "summary": "{stream} shows a black screen"},
    {"name": "Stream Frozen", "condition": "freeze_detected == true", "duration": "30s", "severity": "error",
     "summary": "{stream} is frozen"},
    {"name": "Slow Response Times", "condition": "response_time.p95(5m) > 1s", "duration": "5m",
     "severity": "warning", "summary": "{device} responds slowly (p95 {value} s)"},
    {"name": "Power Failure", "condition": 'value("power") == 0 or value("power") == "off"', "duration": "0s",
     "severity": "critical", "summary": "{device} reports no power"},
)
