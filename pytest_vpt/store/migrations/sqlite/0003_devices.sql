-- Devices: the registry as samplers reported it, their samples, and what is derived from
-- the samples (see pytest_vpt.analytics.devices): state, incidents and hourly health.

CREATE TABLE devices (
    project     TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    tags        TEXT NOT NULL DEFAULT '{}',
    probe       TEXT NOT NULL,
    interval    REAL NOT NULL,
    timeout     REAL NOT NULL,
    grace       REAL NOT NULL,
    first_seen  REAL NOT NULL,
    last_seen   REAL NOT NULL,
    PRIMARY KEY (project, device_id)
);

-- One row per probe taken at the device's interval; run_id when a pytest run took it.
CREATE TABLE device_samples (
    project       TEXT NOT NULL,
    device_id     TEXT NOT NULL,
    time          REAL NOT NULL,
    event_id      TEXT NOT NULL UNIQUE,
    run_id        TEXT,
    online        INTEGER NOT NULL,
    response_time REAL,
    error         TEXT,
    interval      REAL NOT NULL,
    "values"      TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (project, device_id, time)
) WITHOUT ROWID;

-- The fold's state after a device's latest sample: its current state, and the outage in progress.
CREATE TABLE device_status (
    project            TEXT NOT NULL,
    device_id          TEXT NOT NULL,
    last_time          REAL NOT NULL,
    last_online        INTEGER NOT NULL,
    last_end           REAL NOT NULL,
    last_error         TEXT,
    last_response_time REAL,
    since              REAL,
    outage_start       REAL,
    outage_error       TEXT,
    outage_recorded    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (project, device_id)
);

-- Outages longer than the device's grace, with their true start; ended_at NULL while it lasts.
CREATE TABLE device_incidents (
    project     TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    started_at  REAL NOT NULL,
    ended_at    REAL,
    duration    REAL,
    error       TEXT,
    PRIMARY KEY (project, device_id, started_at)
);
CREATE INDEX device_incidents_started ON device_incidents (started_at);

-- Per device and hour: seconds covered by samples and online, probes, failed probes, flaps,
-- incidents started, and response times (rt_hist: 5 %-wide buckets; p50/p95 from it).
CREATE TABLE device_health_hourly (
    project     TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    hour        REAL NOT NULL,
    covered     REAL NOT NULL,
    online      REAL NOT NULL,
    samples     INTEGER NOT NULL,
    failed      INTEGER NOT NULL,
    flaps       INTEGER NOT NULL,
    incidents   INTEGER NOT NULL,
    uptime      REAL,
    rt_p50      REAL,
    rt_p95      REAL,
    rt_hist     TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (project, device_id, hour)
);
CREATE INDEX device_health_hourly_hour ON device_health_hourly (hour);

-- Tests whose device did not answer its probe before the test or when it failed.
ALTER TABLE test_attempts ADD COLUMN device_offline INTEGER NOT NULL DEFAULT 0;
