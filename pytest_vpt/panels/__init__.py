"""The panel catalogue: every panel the dashboards (and the HTML report) show, defined once
(:mod:`.model`), its SQL rendered into each dialect."""
