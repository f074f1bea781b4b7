-- Devices (as in SQLite; device_samples is partitioned by month like the other fact tables):
-- the registry as samplers reported it, their samples, and what is derived from
-- the samples (see pytest_vpt.analytics.devices): state, incidents and hourly health.

CREATE TABLE devices (
    project     TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    tags        TEXT NOT NULL DEFAULT '{}',
    probe       TEXT NOT NULL,
    interval    DOUBLE PRECISION NOT NULL,
    timeout     DOUBLE PRECISION NOT NULL,
    grace       DOUBLE PRECISION NOT NULL,
    first_seen  DOUBLE PRECISION NOT NULL,
    last_seen   DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (project, device_id)
);

-- One row per probe taken at the device's interval; run_id when a pytest run took it.
CREATE TABLE device_samples (
    project       TEXT NOT NULL,
    device_id     TEXT NOT NULL,
    time          DOUBLE PRECISION NOT NULL,
    event_id      TEXT NOT NULL,
    run_id        TEXT,
    online        INTEGER NOT NULL,
    response_time DOUBLE PRECISION,
    error         TEXT,
    interval      DOUBLE PRECISION NOT NULL,
    "values"      TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (project, device_id, time),
    UNIQUE (event_id, time)
) PARTITION BY RANGE (time);
CREATE INDEX device_samples_time_brin ON device_samples USING brin (time);

-- The fold's state after a device's latest sample: its current state, and the outage in progress.
CREATE TABLE device_status (
    project            TEXT NOT NULL,
    device_id          TEXT NOT NULL,
    last_time          DOUBLE PRECISION NOT NULL,
    last_online        INTEGER NOT NULL,
    last_end           DOUBLE PRECISION NOT NULL,
    last_error         TEXT,
    last_response_time DOUBLE PRECISION,
    since              DOUBLE PRECISION,
    outage_start       DOUBLE PRECISION,
    outage_error       TEXT,
    outage_recorded    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (project, device_id)
);

-- Outages longer than the device's grace, with their true start; ended_at NULL while it lasts.
CREATE TABLE device_incidents (
    project     TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    started_at  DOUBLE PRECISION NOT NULL,
    ended_at    DOUBLE PRECISION,
    duration    DOUBLE PRECISION,
    error       TEXT,
    PRIMARY KEY (project, device_id, started_at)
);
CREATE INDEX device_incidents_started ON device_incidents (started_at);

-- Per device and hour: seconds covered by samples and online, probes, failed probes, flaps,
-- incidents started, and response times (rt_hist: 5 %-wide buckets; p50/p95 from it).
CREATE TABLE device_health_hourly (
    project     TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    hour        DOUBLE PRECISION NOT NULL,
    covered     DOUBLE PRECISION NOT NULL,
    online      DOUBLE PRECISION NOT NULL,
    samples     INTEGER NOT NULL,
    failed      INTEGER NOT NULL,
    flaps       INTEGER NOT NULL,
    incidents   INTEGER NOT NULL,
    uptime      DOUBLE PRECISION,
    rt_p50      DOUBLE PRECISION,
    rt_p95      DOUBLE PRECISION,
    rt_hist     TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (project, device_id, hour)
);
CREATE INDEX device_health_hourly_hour ON device_health_hourly (hour);

-- Tests whose device did not answer its probe before the test or when it failed.
ALTER TABLE test_attempts ADD COLUMN device_offline INTEGER NOT NULL DEFAULT 0;
