-- The daily rollup is folded by SQL statements: attempts stored for the first time wait in
-- test_daily_pending until the next fold, and durations are counted per 5 %-wide bucket in
-- rows of their own (counts that add up), from which p50/p95 of any span are read.

CREATE TABLE test_daily_pending (
    test_id     BIGINT NOT NULL,
    started_at  DOUBLE PRECISION NOT NULL,
    outcome     TEXT NOT NULL,
    is_final    INTEGER NOT NULL,
    duration    DOUBLE PRECISION,
    quarantined INTEGER NOT NULL
);
CREATE TABLE test_daily_durations (
    project TEXT NOT NULL,
    day     DOUBLE PRECISION NOT NULL,
    test_id BIGINT NOT NULL,
    bucket  INTEGER NOT NULL,
    n       INTEGER NOT NULL,
    PRIMARY KEY (project, day, test_id, bucket)
);
-- The bucket of a duration in seconds, as pytest_vpt.analytics.buckets computes it.
CREATE FUNCTION vpt_bucket(seconds DOUBLE PRECISION) RETURNS INTEGER
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN floor(ln(greatest(seconds, 1e-6)) / ln(1.05));
ALTER TABLE test_daily DROP COLUMN duration_p50, DROP COLUMN duration_p95, DROP COLUMN duration_hist;
-- Every attempt stored so far is folded again, the new way, by the next write.
DELETE FROM test_daily;
INSERT INTO test_daily_pending SELECT test_id, started_at, outcome, is_final, duration, quarantined FROM test_attempts;
