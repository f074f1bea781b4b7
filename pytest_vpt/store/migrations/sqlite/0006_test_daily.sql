-- Per test and day (UTC): attempts and final outcomes, reruns, and durations of the final
-- attempts (sum, count, and 5 %-wide buckets from which p50/p95 are read). Folded in as
-- attempts are written, so dashboards read days, not attempts.

CREATE TABLE test_daily (
    test_id        INTEGER NOT NULL,
    day            REAL NOT NULL,
    project        TEXT NOT NULL,
    attempts       INTEGER NOT NULL,
    runs           INTEGER NOT NULL,
    passed         INTEGER NOT NULL,
    failed         INTEGER NOT NULL,
    error          INTEGER NOT NULL,
    skipped        INTEGER NOT NULL,
    xfailed        INTEGER NOT NULL,
    xpassed        INTEGER NOT NULL,
    reruns         INTEGER NOT NULL,
    quarantined    INTEGER NOT NULL,
    duration_sum   REAL NOT NULL,
    duration_count INTEGER NOT NULL,
    duration_p50   REAL,
    duration_p95   REAL,
    duration_hist  TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (test_id, day)
);
CREATE INDEX test_daily_project_day ON test_daily (project, day);
