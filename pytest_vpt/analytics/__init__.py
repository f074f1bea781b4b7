"""Formulas over recorded history: pure functions of attempts, runs and samples, no store,
no I/O, no pytest (tests/test_layout.py checks it). The store calls them to fill its rollups;
the history API, the CLI and the summary call the same ones, so no two figures disagree:
``rates`` (the pass rate), ``samples`` (a metric's figures), ``buckets`` (duration
percentiles), ``flakiness/`` (the verdict), ``devices/`` (timelines, health)."""
