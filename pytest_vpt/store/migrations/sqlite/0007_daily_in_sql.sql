-- The daily rollup is folded by SQL statements: attempts stored for the first time wait in
-- test_daily_pending until the next fold. A day's durations are kept as one histogram of
-- 5 %-wide buckets, "bucket count bucket count ..." in bucket order, merged by
-- vpt_merge_hist (counts add up), from which p50/p95 of any span are read.

CREATE TABLE test_daily_pending (
    test_id     INTEGER NOT NULL,
    started_at  REAL NOT NULL,
    outcome     TEXT NOT NULL,
    is_final    INTEGER NOT NULL,
    duration    REAL,
    quarantined INTEGER NOT NULL
);
ALTER TABLE test_daily DROP COLUMN duration_p50;
ALTER TABLE test_daily DROP COLUMN duration_p95;
-- Every attempt stored so far is folded again, the new way, by the next write.
DELETE FROM test_daily;
INSERT INTO test_daily_pending SELECT test_id, started_at, outcome, is_final, duration, quarantined FROM test_attempts;
