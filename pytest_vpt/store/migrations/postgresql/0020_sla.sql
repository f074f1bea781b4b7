-- SLA compliance (see pytest_vpt.sla): per project, period kind (daily: a UTC day, weekly:
-- an ISO week from Monday 00:00 UTC) and period start, each target's figure (NULL when the
-- period has no data for it), its goal and direction (at_least, at_most) in the target's
-- unit (percent 0-100, seconds, a score, per hour), met (1, 0; NULL without data), and when
-- it was computed. Written again whenever vpt sla report or the alerts loop refreshes it.
CREATE TABLE sla_compliance (
    project     TEXT NOT NULL,
    period      TEXT NOT NULL,
    start       DOUBLE PRECISION NOT NULL,
    target      TEXT NOT NULL,
    figure      DOUBLE PRECISION,
    goal        DOUBLE PRECISION NOT NULL,
    direction   TEXT NOT NULL,
    unit        TEXT NOT NULL,
    met         INTEGER,
    computed_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (project, period, start, target)
);

-- The SLA reports e-mailed on schedule: one row per project, period kind and period start
-- reported, so a restart neither forgets a report sent nor sends it twice.
CREATE TABLE sla_reports_sent (
    project    TEXT NOT NULL,
    period     TEXT NOT NULL,
    start      DOUBLE PRECISION NOT NULL,
    sent_at    DOUBLE PRECISION NOT NULL,
    recipients INTEGER NOT NULL,
    PRIMARY KEY (project, period, start)
);
