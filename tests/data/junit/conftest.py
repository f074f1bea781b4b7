"""The producers' suites fail on purpose: they are what made the reports, not tests of pytest-vpt."""

collect_ignore_glob = ["*/suite"]
