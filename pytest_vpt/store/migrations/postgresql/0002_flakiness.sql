-- Flakiness: a verdict per test, refreshed after every finished run, and the quarantine.

-- A hash of the uncommitted changes a run tested (NULL: a clean checkout, or unknown).
ALTER TABLE runs ADD COLUMN vcs_dirty TEXT;
-- Failures of quarantined tests, which pytest counted as neither failed nor passed.
ALTER TABLE runs ADD COLUMN quarantined INTEGER NOT NULL DEFAULT 0;
-- 1: this attempt failed while its test was quarantined (its outcome is the real one).
ALTER TABLE test_attempts ADD COLUMN quarantined INTEGER NOT NULL DEFAULT 0;

-- One row per test with a verdict: counts since the test was first seen, scores and
-- status over the window of its latest runs (see pytest_vpt.analytics.flakiness).
CREATE TABLE test_flakiness (
    test_id            BIGINT PRIMARY KEY,
    project            TEXT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('stable', 'flaky', 'broken', 'fixed', 'new')),
    reason             TEXT NOT NULL,
    probability        DOUBLE PRECISION NOT NULL,
    score              DOUBLE PRECISION NOT NULL,
    flip_rate          DOUBLE PRECISION NOT NULL,
    runs               INTEGER NOT NULL,
    attempts           INTEGER NOT NULL,
    failures           INTEGER NOT NULL,
    failed_runs        INTEGER NOT NULL,
    pass_on_retry      INTEGER NOT NULL,
    mixed_commits      INTEGER NOT NULL,
    consecutive_passes INTEGER NOT NULL,
    last_unclean_at    DOUBLE PRECISION,
    first_flaky_at     DOUBLE PRECISION,
    last_flaky_at      DOUBLE PRECISION,
    flaky_branches     TEXT NOT NULL DEFAULT '[]',
    previous_status    TEXT,
    status_since       DOUBLE PRECISION NOT NULL,
    first_run_at       DOUBLE PRECISION NOT NULL,
    last_run_at        DOUBLE PRECISION NOT NULL,
    last_run_id        TEXT NOT NULL,
    last_branch        TEXT
);
CREATE INDEX test_flakiness_project_status ON test_flakiness (project, status, score);

-- A test's latest quarantine: from its flaky verdict ('auto'), a list file ('list') or a
-- vpt_quarantine marker ('marker'). It is in force while left_at is NULL.
CREATE TABLE quarantine (
    project     TEXT NOT NULL,
    nodeid      TEXT NOT NULL,
    source      TEXT NOT NULL CHECK (source IN ('auto', 'list', 'marker')),
    reason      TEXT NOT NULL,
    entered_at  DOUBLE PRECISION NOT NULL,
    entered_run TEXT,
    passes      INTEGER NOT NULL DEFAULT 0,
    left_at     DOUBLE PRECISION,
    left_reason TEXT,
    PRIMARY KEY (project, nodeid)
);
