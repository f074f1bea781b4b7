-- KPIs (see pytest_vpt.analytics.kpis): per project and day, per device (or video stream)
-- and day, recomputed for the days a write touches from the other rollups; and the failure
-- episodes of each test on each branch, kept as runs are written.

-- A test's failure episode on a branch ('' when runs name none): from its first failing run
-- (final outcome failed or error) to its next passing run; ended_at NULL while it is open.
-- Times are the runs' starts; runs counts the failing runs; previous_end is the end of the
-- test's episode before it on the branch (the passing time between them is started_at - previous_end).
CREATE TABLE test_episodes (
    test_id      INTEGER NOT NULL,
    branch       TEXT NOT NULL,
    project      TEXT NOT NULL,
    started_at   REAL NOT NULL,
    start_run    TEXT NOT NULL,
    last_fail_at REAL NOT NULL,
    runs         INTEGER NOT NULL,
    ended_at     REAL,
    end_run      TEXT,
    previous_end REAL,
    PRIMARY KEY (test_id, branch, started_at)
);
CREATE INDEX test_episodes_open ON test_episodes (project, branch, test_id) WHERE ended_at IS NULL;
CREATE INDEX test_episodes_project_started ON test_episodes (project, started_at);
CREATE INDEX test_episodes_project_ended ON test_episodes (project, ended_at);

-- The latest run start folded into the episodes per project and branch: a run older than
-- it arrived late, and its tests' episodes on the branch are folded again from their runs.
CREATE TABLE test_episode_branches (
    project     TEXT NOT NULL,
    branch      TEXT NOT NULL,
    last_run_at REAL NOT NULL,
    PRIMARY KEY (project, branch)
);

-- Per project and UTC day. Runs: finished runs started that day, their wall time (finished -
-- started: sum, count, 5 %-wide histogram as in test_daily). Tests (from test_daily): final
-- attempts and their outcomes, tests run (a final outcome other than skipped), the flaky ones.
-- Episodes: started, ended (their seconds and failing runs), passing gaps before those started.
-- Devices: seconds covered and online, incidents started, ended (and their seconds).
-- Video: incidents started, their seconds, the video.quality_score metric (sum, count).
-- covered: the hours observed (runs' wall time + devices' covered time), in seconds.
-- quality: the day's score (0-100), parts: JSON of the parts used and their values.
CREATE TABLE kpi_daily (
    project           TEXT NOT NULL,
    day               REAL NOT NULL,
    runs              INTEGER NOT NULL,
    wall_sum          REAL NOT NULL,
    wall_count        INTEGER NOT NULL,
    wall_hist         TEXT NOT NULL DEFAULT '',
    tests             INTEGER NOT NULL,
    passed            INTEGER NOT NULL,
    failed            INTEGER NOT NULL,
    error             INTEGER NOT NULL,
    quarantined       INTEGER NOT NULL,
    tests_run         INTEGER NOT NULL,
    flaky_tests       INTEGER NOT NULL,
    episodes_started  INTEGER NOT NULL,
    episodes_ended    INTEGER NOT NULL,
    repair_sum        REAL NOT NULL,
    repair_runs       INTEGER NOT NULL,
    up_sum            REAL NOT NULL,
    up_count          INTEGER NOT NULL,
    device_covered    REAL NOT NULL,
    device_online     REAL NOT NULL,
    device_incidents  INTEGER NOT NULL,
    device_repaired   INTEGER NOT NULL,
    device_repair_sum REAL NOT NULL,
    video_incidents   INTEGER NOT NULL,
    video_seconds     REAL NOT NULL,
    video_score_sum   REAL NOT NULL,
    video_score_count INTEGER NOT NULL,
    covered           REAL NOT NULL,
    quality           REAL,
    parts             TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (project, day)
);

-- Per device ('device': a sampled device) or video stream ('stream': a video source) and day.
CREATE TABLE kpi_device_daily (
    project           TEXT NOT NULL,
    device            TEXT NOT NULL,
    kind              TEXT NOT NULL CHECK (kind IN ('device', 'stream')),
    day               REAL NOT NULL,
    covered           REAL NOT NULL,
    online            REAL NOT NULL,
    incidents         INTEGER NOT NULL,
    repaired          INTEGER NOT NULL,
    repair_sum        REAL NOT NULL,
    video_incidents   INTEGER NOT NULL,
    video_seconds     REAL NOT NULL,
    video_score_sum   REAL NOT NULL,
    video_score_count INTEGER NOT NULL,
    quality           REAL,
    parts             TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (project, kind, device, day)
);
CREATE INDEX kpi_device_daily_day ON kpi_device_daily (project, day);

-- The project's tests whose verdict was flaky when its KPIs were last refreshed: a test whose
-- verdict turns flaky, or stops being flaky, has its days counted again.
CREATE TABLE kpi_flaky_tests (
    project TEXT NOT NULL,
    test_id INTEGER NOT NULL,
    PRIMARY KEY (project, test_id)
);
