-- The daily rollup is folded by SQL statements: attempts stored for the first time wait in
-- test_daily_pending until the next fold. A day's durations are kept as one histogram of
-- 5 %-wide buckets, "bucket count bucket count ..." in bucket order, merged by
-- vpt_merge_hist (counts add up), from which p50/p95 of any span are read.

CREATE TABLE test_daily_pending (
    test_id     BIGINT NOT NULL,
    started_at  DOUBLE PRECISION NOT NULL,
    outcome     TEXT NOT NULL,
    is_final    INTEGER NOT NULL,
    duration    DOUBLE PRECISION,
    quarantined INTEGER NOT NULL
);
-- The bucket of a duration in seconds, as pytest_vpt.analytics.buckets computes it.
CREATE FUNCTION vpt_bucket(seconds DOUBLE PRECISION) RETURNS INTEGER
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN floor(ln(greatest(seconds, 1e-6)) / ln(1.05));
-- Two histograms added up, as pytest_vpt.store.daily.merge_hist does it.
CREATE FUNCTION vpt_merge_hist(a TEXT, b TEXT) RETURNS TEXT
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN (
        SELECT coalesce(string_agg(bucket || ' ' || total, ' ' ORDER BY bucket), '')
        FROM (
            SELECT v[2 * i - 1]::integer AS bucket, sum(v[2 * i]::bigint) AS total
            FROM (SELECT string_to_array(btrim(coalesce(a, '') || ' ' || coalesce(b, '')), ' ') AS v) AS parts,
                 generate_series(1, coalesce(cardinality(v), 0) / 2) AS i
            GROUP BY 1
        ) AS merged
    );
ALTER TABLE test_daily DROP COLUMN duration_p50, DROP COLUMN duration_p95;
-- Every attempt stored so far is folded again, the new way, by the next write.
DELETE FROM test_daily;
INSERT INTO test_daily_pending SELECT test_id, started_at, outcome, is_final, duration, quarantined FROM test_attempts;
