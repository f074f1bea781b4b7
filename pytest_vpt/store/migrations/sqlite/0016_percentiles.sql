-- Percentiles plain SQL can read (Grafana's read-only connections have no vpt_merge_hist),
-- kept by the daily fold (store/daily.py): each test's p50 and p95 duration of the day
-- (p50_seconds, p95_seconds: the middle of the bucket holding it, as
-- pytest_vpt.analytics.buckets.percentile reads the day's histogram), and per project and day
-- the durations of all its tests' final attempts (duration_daily: count, sum, histogram, p50, p95).
-- test_daily is made again with its new columns (whatever an older version left in it), and
-- every attempt stored so far is folded again by the next write (as vpt db rebuild does: the
-- queue emptied first, so no attempt is queued twice).

DROP TABLE test_daily;
CREATE TABLE test_daily (
    test_id                  INTEGER NOT NULL,
    day                      REAL NOT NULL,
    project                  TEXT NOT NULL,
    attempts                 INTEGER NOT NULL,
    runs                     INTEGER NOT NULL,
    passed                   INTEGER NOT NULL,
    failed                   INTEGER NOT NULL,
    error                    INTEGER NOT NULL,
    skipped                  INTEGER NOT NULL,
    xfailed                  INTEGER NOT NULL,
    xpassed                  INTEGER NOT NULL,
    reruns                   INTEGER NOT NULL,
    quarantined              INTEGER NOT NULL,
    duration_sum             REAL NOT NULL,
    duration_count           INTEGER NOT NULL,
    duration_hist            TEXT NOT NULL DEFAULT '{}',
    rerun_duration_sum       REAL NOT NULL DEFAULT 0,
    failed_duration_sum      REAL NOT NULL DEFAULT 0,
    quarantined_duration_sum REAL NOT NULL DEFAULT 0,
    p50_seconds              REAL,
    p95_seconds              REAL,
    PRIMARY KEY (test_id, day)
);
CREATE INDEX test_daily_project_day ON test_daily (project, day);

DROP TABLE IF EXISTS duration_daily;
CREATE TABLE duration_daily (
    project        TEXT NOT NULL,
    day            REAL NOT NULL,
    duration_count INTEGER NOT NULL,
    duration_sum   REAL NOT NULL,
    duration_hist  TEXT NOT NULL DEFAULT '',
    p50_seconds    REAL,
    p95_seconds    REAL,
    PRIMARY KEY (project, day)
);
DELETE FROM test_daily_pending;
DELETE FROM rollup_failures WHERE what IN ('daily', 'duration');
INSERT INTO test_daily_pending SELECT test_id, started_at, outcome, is_final, duration, quarantined FROM test_attempts;
