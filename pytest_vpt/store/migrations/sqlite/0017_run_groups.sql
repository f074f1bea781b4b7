-- What each ended run ran per device, per marker and per failure cause, hour by hour
-- (store/run_groups.py), so that the dashboards' panels per device, per marker and per cause
-- read a few rows per run instead of every attempt. A run's rows are written again whenever
-- it ends or tests of it arrive late. kind: 'device' (name: the device id), 'marker' (the
-- marker) or 'cause' (the error type of failing final attempts, '(none)' without one).

CREATE TABLE run_groups (
    run_id       TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('device', 'marker', 'cause')),
    name         TEXT NOT NULL,
    hour         REAL NOT NULL,
    project      TEXT NOT NULL,
    branch       TEXT,
    finished     INTEGER NOT NULL,
    attempts     INTEGER NOT NULL,
    seconds      REAL NOT NULL,
    tests        INTEGER NOT NULL,
    test_seconds REAL NOT NULL,
    passed       INTEGER NOT NULL,
    judged       INTEGER NOT NULL,
    failures     INTEGER NOT NULL,
    last_failure REAL,
    PRIMARY KEY (run_id, kind, name, hour)
);
CREATE INDEX run_groups_project_kind_hour ON run_groups (project, kind, hour);
-- Every run that ended so far, grouped (as store/run_groups.py groups them).
INSERT INTO run_groups (run_id, kind, name, hour, project, branch, finished, attempts, seconds, tests, test_seconds, passed, judged, failures, last_failure)
    SELECT a.run_id, 'device', a.device_id, (CASE WHEN a.started_at >= 0 AND a.started_at < 3600 THEN 0 ELSE floor(a.started_at / 3600.0) * 3600 END), r.project, r.vcs_branch, CASE WHEN r.status = 'finished' THEN 1 ELSE 0 END, count(*), coalesce(sum(CASE WHEN a.duration >= 0 AND a.duration <= 94867200.0 THEN a.duration END), 0), sum(CASE WHEN a.is_final = 1 THEN 1 ELSE 0 END), coalesce(sum(CASE WHEN a.is_final = 1 AND a.duration >= 0 AND a.duration <= 94867200.0 THEN a.duration END), 0), sum(CASE WHEN a.is_final = 1 AND a.outcome = 'passed' THEN 1 ELSE 0 END), sum(CASE WHEN a.is_final = 1 AND a.outcome IN ('passed', 'failed', 'error') THEN 1 ELSE 0 END), sum(CASE WHEN a.is_final = 1 AND a.outcome IN ('failed', 'error') THEN 1 ELSE 0 END), max(CASE WHEN a.is_final = 1 AND a.outcome IN ('failed', 'error') THEN a.started_at END)
    FROM test_attempts a JOIN runs r ON r.run_id = a.run_id
    WHERE r.status != 'running' AND a.device_id IS NOT NULL
    GROUP BY a.run_id, r.project, r.vcs_branch, CASE WHEN r.status = 'finished' THEN 1 ELSE 0 END, a.device_id, (CASE WHEN a.started_at >= 0 AND a.started_at < 3600 THEN 0 ELSE floor(a.started_at / 3600.0) * 3600 END) ORDER BY 1, 3, 4;
INSERT INTO run_groups (run_id, kind, name, hour, project, branch, finished, attempts, seconds, tests, test_seconds, passed, judged, failures, last_failure)
    SELECT a.run_id, 'marker', m.value, (CASE WHEN a.started_at >= 0 AND a.started_at < 3600 THEN 0 ELSE floor(a.started_at / 3600.0) * 3600 END), r.project, r.vcs_branch, CASE WHEN r.status = 'finished' THEN 1 ELSE 0 END, count(*), coalesce(sum(CASE WHEN a.duration >= 0 AND a.duration <= 94867200.0 THEN a.duration END), 0), sum(CASE WHEN a.is_final = 1 THEN 1 ELSE 0 END), coalesce(sum(CASE WHEN a.is_final = 1 AND a.duration >= 0 AND a.duration <= 94867200.0 THEN a.duration END), 0), sum(CASE WHEN a.is_final = 1 AND a.outcome = 'passed' THEN 1 ELSE 0 END), sum(CASE WHEN a.is_final = 1 AND a.outcome IN ('passed', 'failed', 'error') THEN 1 ELSE 0 END), sum(CASE WHEN a.is_final = 1 AND a.outcome IN ('failed', 'error') THEN 1 ELSE 0 END), max(CASE WHEN a.is_final = 1 AND a.outcome IN ('failed', 'error') THEN a.started_at END)
    FROM test_attempts a JOIN runs r ON r.run_id = a.run_id
    CROSS JOIN json_each(a.markers) AS m
    WHERE r.status != 'running' 
    GROUP BY a.run_id, r.project, r.vcs_branch, CASE WHEN r.status = 'finished' THEN 1 ELSE 0 END, m.value, (CASE WHEN a.started_at >= 0 AND a.started_at < 3600 THEN 0 ELSE floor(a.started_at / 3600.0) * 3600 END) ORDER BY 1, 3, 4;
INSERT INTO run_groups (run_id, kind, name, hour, project, branch, finished, attempts, seconds, tests, test_seconds, passed, judged, failures, last_failure)
    SELECT a.run_id, 'cause', coalesce(a.error_type, '(none)'), (CASE WHEN a.started_at >= 0 AND a.started_at < 3600 THEN 0 ELSE floor(a.started_at / 3600.0) * 3600 END), r.project, r.vcs_branch, CASE WHEN r.status = 'finished' THEN 1 ELSE 0 END, count(*), coalesce(sum(CASE WHEN a.duration >= 0 AND a.duration <= 94867200.0 THEN a.duration END), 0), sum(CASE WHEN a.is_final = 1 THEN 1 ELSE 0 END), coalesce(sum(CASE WHEN a.is_final = 1 AND a.duration >= 0 AND a.duration <= 94867200.0 THEN a.duration END), 0), sum(CASE WHEN a.is_final = 1 AND a.outcome = 'passed' THEN 1 ELSE 0 END), sum(CASE WHEN a.is_final = 1 AND a.outcome IN ('passed', 'failed', 'error') THEN 1 ELSE 0 END), sum(CASE WHEN a.is_final = 1 AND a.outcome IN ('failed', 'error') THEN 1 ELSE 0 END), max(CASE WHEN a.is_final = 1 AND a.outcome IN ('failed', 'error') THEN a.started_at END)
    FROM test_attempts a JOIN runs r ON r.run_id = a.run_id
    WHERE r.status != 'running' AND a.is_final = 1 AND a.outcome IN ('failed', 'error')
    GROUP BY a.run_id, r.project, r.vcs_branch, CASE WHEN r.status = 'finished' THEN 1 ELSE 0 END, coalesce(a.error_type, '(none)'), (CASE WHEN a.started_at >= 0 AND a.started_at < 3600 THEN 0 ELSE floor(a.started_at / 3600.0) * 3600 END) ORDER BY 1, 3, 4;
