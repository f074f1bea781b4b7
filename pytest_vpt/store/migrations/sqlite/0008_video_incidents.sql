-- Video incidents: black screens, freezes, streams lost; an open one (ended_at NULL) is
-- written again when it ends (same event id).

CREATE TABLE video_incidents (
    event_id    TEXT PRIMARY KEY,
    project     TEXT NOT NULL,
    source      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    started_at  REAL NOT NULL,
    ended_at    REAL,
    duration    REAL NOT NULL,
    severity    TEXT NOT NULL,
    start_frame INTEGER,
    end_frame   INTEGER,
    thumbnail   TEXT,
    run_id      TEXT,
    test_id     INTEGER
);
CREATE INDEX video_incidents_project_started ON video_incidents (project, started_at);
