-- Runs, the tests they ran (one row per attempt), and custom metrics.
-- Times are UTC epoch seconds (REAL); durations are seconds.

CREATE TABLE runs (
    run_id          TEXT PRIMARY KEY,
    project         TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('running', 'finished', 'interrupted')),
    started_at      REAL NOT NULL,
    finished_at     REAL,
    exit_status     INTEGER,
    tests           INTEGER NOT NULL DEFAULT 0,
    passed          INTEGER NOT NULL DEFAULT 0,
    failed          INTEGER NOT NULL DEFAULT 0,
    error           INTEGER NOT NULL DEFAULT 0,
    skipped         INTEGER NOT NULL DEFAULT 0,
    xfailed         INTEGER NOT NULL DEFAULT 0,
    xpassed         INTEGER NOT NULL DEFAULT 0,
    rerun           INTEGER NOT NULL DEFAULT 0,
    labels          TEXT NOT NULL DEFAULT '{}',
    ci_provider     TEXT,
    ci_pipeline     TEXT,
    ci_run_id       TEXT,
    ci_run_url      TEXT,
    ci_job          TEXT,
    ci_job_run_id   TEXT,
    vcs_repository  TEXT,
    vcs_revision    TEXT,
    vcs_branch      TEXT,
    vcs_change_id   TEXT,
    host_name       TEXT,
    python_version  TEXT,
    pytest_version  TEXT,
    vpt_version     TEXT
);
CREATE INDEX runs_project_started ON runs (project, started_at);
CREATE INDEX runs_started ON runs (started_at);

-- A test's identity in a project; test_id is this store's key for it.
CREATE TABLE test_cases (
    test_id     INTEGER PRIMARY KEY,
    project     TEXT NOT NULL,
    nodeid      TEXT NOT NULL,
    suite       TEXT,
    file        TEXT,
    function    TEXT,
    line        INTEGER,
    params      TEXT,
    first_seen  REAL NOT NULL,
    last_seen   REAL NOT NULL,
    UNIQUE (project, nodeid)
);

-- One row per attempt, clustered by run: (run_id, event_id) keeps a retried batch from
-- being stored twice and serves every per-run query without another index.
CREATE TABLE test_attempts (
    run_id            TEXT NOT NULL,
    event_id          TEXT NOT NULL,
    test_id           INTEGER NOT NULL,
    attempt           INTEGER NOT NULL,
    is_final          INTEGER NOT NULL,
    outcome           TEXT NOT NULL CHECK (outcome IN
                          ('passed', 'failed', 'error', 'skipped', 'xfailed', 'xpassed', 'rerun')),
    started_at        REAL NOT NULL,
    finished_at       REAL,
    duration          REAL,
    setup_duration    REAL,
    call_duration     REAL,
    teardown_duration REAL,
    error_type        TEXT,
    error_message     TEXT,
    markers           TEXT NOT NULL DEFAULT '[]',
    worker            TEXT,
    worker_seq        INTEGER,
    device_id         TEXT,
    PRIMARY KEY (run_id, event_id)
) WITHOUT ROWID;
CREATE INDEX test_attempts_test_started ON test_attempts (test_id, started_at);

CREATE TABLE metrics (
    event_id  TEXT PRIMARY KEY,
    project   TEXT NOT NULL,
    run_id    TEXT,
    test_id   INTEGER,
    attempt   INTEGER,
    name      TEXT NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('gauge', 'counter', 'timer')),
    value     REAL NOT NULL,
    unit      TEXT,
    tags      TEXT NOT NULL DEFAULT '{}',
    time      REAL NOT NULL
);
CREATE INDEX metrics_name_time ON metrics (name, time);
CREATE INDEX metrics_run ON metrics (run_id);
