"""The wire format: the event types every producer emits and every sink accepts.

An event is a flat JSON object. Attribute names follow the OpenTelemetry semantic
conventions where one exists (``test.case.name``, ``cicd.pipeline.run.id``,
``vcs.ref.head.revision``) and use ``vpt.*`` names for what OpenTelemetry lacks.
Every event carries ``schema_version``, ``type`` and a stable ``id``: sending the same
event twice stores it once.

Every value is bounded (a violation is an :class:`EventError` naming the field and its limit):

=========================================================  ===================================
attribute                                                   limit
=========================================================  ===================================
times (``*started_at``, ``*finished_at``, ``metric.time``,  finite, ``TIME_MIN`` (1970-01-01) to
``sample.time``, ``incident.start``/``end``, ``seen_at``)   ``TIME_MAX`` (2100-01-01 UTC); an end
                                                            is not before its start
durations (``duration.*``, ``incident.duration``, device    finite, 0 to ``DURATION_MAX`` (366
``interval``/``timeout``/``grace``/``response_time``)       days); an interval above 0
``metric.value``, device probe values                       finite, ``-VALUE_MAX`` to ``VALUE_MAX``
whole numbers (attempts, counts, lines, exit statuses)      ``INT_MIN`` to ``INT_MAX`` (32 bits)
ids (``id``, run, project, device, worker, kinds)           ``ID_MAX`` characters
node id, parametrization id, function name                  ``NODE_ID_MAX`` characters
``exception.message``                                       ``MESSAGE_MAX`` characters
other texts (paths, URLs, labels, markers, errors)          ``TEXT_MAX`` characters
lists and objects (labels, markers, tags, values, counts,   ``DEPTH_MAX`` levels deep,
quarantine requests)                                        ``ITEMS_MAX`` items or keys each
=========================================================  ===================================
"""

from .builders import (
    attempt_event, attempt_row, device_event, device_sample_event, incident_event, incident_id, metric_event, run_event,
)
from .limits import (
    DEPTH_MAX, DURATION_MAX, ENDS, ID_MAX, INT_MAX, INT_MIN, ITEMS_MAX, MESSAGE_MAX, NODE_ID_MAX, RANGES, TEXT_LIMITS,
    TEXT_MAX, TIME_MAX, TIME_MIN, VALUE_MAX, Range, container_problem, cut_text, fit_node_id,
)
from .schema import (
    CONTEXT_KEYS, ENUMS, METRIC_KINDS, OUTCOMES, RUN_COUNT_KEYS, RUN_STATUSES, SCHEMA_VERSION, SCHEMAS, SEVERITIES,
    EventError, event_id, make_event,
)
from .validation import check_metric_name, check_tags, is_metric_name, plainly_valid, validate, validate_batch

__all__ = [
    "CONTEXT_KEYS", "DEPTH_MAX", "DURATION_MAX", "ENDS", "ENUMS", "ID_MAX", "INT_MAX", "INT_MIN", "ITEMS_MAX",
    "MESSAGE_MAX", "METRIC_KINDS", "NODE_ID_MAX", "OUTCOMES", "RANGES", "RUN_COUNT_KEYS", "RUN_STATUSES",
    "SCHEMA_VERSION", "SCHEMAS", "SEVERITIES", "TEXT_LIMITS", "TEXT_MAX", "TIME_MAX", "TIME_MIN", "VALUE_MAX",
    "EventError", "Range", "attempt_event", "attempt_row", "check_metric_name", "check_tags", "container_problem", "cut_text", "device_event",
    "device_sample_event", "event_id", "fit_node_id", "incident_event", "incident_id", "is_metric_name", "make_event",
    "metric_event", "plainly_valid", "run_event", "validate", "validate_batch",
]
