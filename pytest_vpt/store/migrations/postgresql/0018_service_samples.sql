-- The service's own figures (vpt server), as in SQLite: sampled every sample_every seconds by each server
-- process (instance: host:pid), one row per instance and interval (see
-- pytest_vpt.server.sampling): time is the interval's end, seconds its length. Requests
-- answered in it and those answered 4xx or 5xx; batches and events written; the ingest
-- route's latency percentiles (of the accepted batches) and the store's write time (its sum,
-- its p95), in seconds, NULL without a batch; the store's size in bytes and its rollup
-- queue (attempts waiting) and lag (seconds the queue has held attempts) at the end; the
-- process's CPU seconds in the interval and its resident memory at the end. Not per project:
-- one service serves every project. Rows older than the retention are pruned as rows are written.

CREATE TABLE service_samples (
    instance       TEXT NOT NULL,
    time           DOUBLE PRECISION NOT NULL,
    seconds        DOUBLE PRECISION NOT NULL,
    requests       INTEGER NOT NULL,
    client_errors  INTEGER NOT NULL,
    server_errors  INTEGER NOT NULL,
    batches        INTEGER NOT NULL,
    events         INTEGER NOT NULL,
    ingest_p50     DOUBLE PRECISION,
    ingest_p95     DOUBLE PRECISION,
    ingest_p99     DOUBLE PRECISION,
    write_seconds  DOUBLE PRECISION NOT NULL,
    write_p95      DOUBLE PRECISION,
    database_bytes DOUBLE PRECISION,
    rollup_queue   INTEGER,
    rollup_lag     DOUBLE PRECISION,
    cpu_seconds    DOUBLE PRECISION,
    rss_bytes      DOUBLE PRECISION,
    PRIMARY KEY (instance, time)
);
CREATE INDEX service_samples_time ON service_samples (time);

-- The same per instance and UTC hour (hour: its start), added up as the samples are written,
-- for the dashboard's longer ranges: the counts and seconds summed, the rest the most of the
-- hour's samples (the worst percentile, the largest size, queue, lag and memory).
CREATE TABLE service_hourly (
    instance       TEXT NOT NULL,
    hour           DOUBLE PRECISION NOT NULL,
    seconds        DOUBLE PRECISION NOT NULL,
    requests       INTEGER NOT NULL,
    client_errors  INTEGER NOT NULL,
    server_errors  INTEGER NOT NULL,
    batches        INTEGER NOT NULL,
    events         INTEGER NOT NULL,
    ingest_p50     DOUBLE PRECISION,
    ingest_p95     DOUBLE PRECISION,
    ingest_p99     DOUBLE PRECISION,
    write_seconds  DOUBLE PRECISION NOT NULL,
    write_p95      DOUBLE PRECISION,
    database_bytes DOUBLE PRECISION,
    rollup_queue   INTEGER,
    rollup_lag     DOUBLE PRECISION,
    cpu_seconds    DOUBLE PRECISION,
    rss_bytes      DOUBLE PRECISION,
    PRIMARY KEY (instance, hour)
);
CREATE INDEX service_hourly_hour ON service_hourly (hour);
