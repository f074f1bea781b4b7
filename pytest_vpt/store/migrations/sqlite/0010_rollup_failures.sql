-- What a rollup could not fold, set aside so that everything else folds: an item of the
-- daily rollup ('daily': the test's queued attempts, taken off the queue; 'duration': attempts
-- counted without a duration out of range), or a test's flakiness verdict ('flakiness').
-- One row per kind and test: the latest error and when, and how many items so far.
CREATE TABLE rollup_failures (
    what    TEXT NOT NULL CHECK (what IN ('daily', 'duration', 'flakiness')),
    test_id INTEGER NOT NULL,
    project TEXT,
    run_id  TEXT,
    error   TEXT NOT NULL,
    at      REAL NOT NULL,
    count   INTEGER NOT NULL,
    PRIMARY KEY (what, test_id)
);

-- The runs each test's flakiness row holds, so that a run folded again (a spool sent twice)
-- changes nothing and a late older run is folded once.
CREATE TABLE test_flakiness_runs (
    run_id  TEXT NOT NULL,
    test_id INTEGER NOT NULL,
    PRIMARY KEY (run_id, test_id)
) WITHOUT ROWID;
-- A row folded so far holds its test's finished runs up to its latest one.
INSERT INTO test_flakiness_runs (run_id, test_id)
SELECT DISTINCT a.run_id, a.test_id FROM test_attempts a
JOIN runs r ON r.run_id = a.run_id
JOIN test_flakiness f ON f.test_id = a.test_id
WHERE r.status = 'finished' AND r.started_at <= f.last_run_at
  AND a.outcome IN ('passed', 'xpassed', 'failed', 'error', 'rerun');
