-- Alerts: each rule's state per group (pytest_vpt.alerts.state): inactive groups have no
-- row; pending since the condition first held; firing since it held for the rule's duration;
-- resolved when it stopped holding while firing. fingerprint: the rule and the group's labels
-- (stable across restarts); labels: the group's labels as JSON; notified_at: when the last
-- notification of it was handed to the channels (NULL: none yet, e.g. silenced), so a restart
-- neither forgets a firing alert nor notifies it twice.

CREATE TABLE alert_states (
    rule          TEXT NOT NULL,
    fingerprint   TEXT NOT NULL,
    labels        TEXT NOT NULL DEFAULT '{}',
    state         TEXT NOT NULL CHECK (state IN ('pending', 'firing', 'resolved')),
    value         TEXT,
    pending_since DOUBLE PRECISION NOT NULL,
    firing_since  DOUBLE PRECISION,
    resolved_at   DOUBLE PRECISION,
    notified_at   DOUBLE PRECISION,
    evaluated_at  DOUBLE PRECISION NOT NULL,
    delivery_error TEXT,
    PRIMARY KEY (rule, fingerprint)
);

-- Silences: a rule's notifications held back until a time (vpt alerts silence RULE --for 2h).
CREATE TABLE alert_silences (
    rule        TEXT NOT NULL,
    created_at  DOUBLE PRECISION NOT NULL,
    until       DOUBLE PRECISION NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (rule, created_at)
);
CREATE INDEX alert_silences_until ON alert_silences (until);
