-- Percentiles plain SQL can read (Grafana's read-only connections have no vpt_merge_hist),
-- kept by the daily fold (store/daily.py): each test's p50 and p95 duration of the day
-- (p50_seconds, p95_seconds: the middle of the bucket holding it, as
-- pytest_vpt.analytics.buckets.percentile reads the day's histogram), and per project and day
-- the durations of all its tests' final attempts (duration_daily: count, sum, histogram, p50, p95).
-- test_daily is made again with its new columns (whatever an older version left in it), and
-- every attempt stored so far is folded again by the next write (as vpt db rebuild does: the
-- queue emptied first, so no attempt is queued twice).

-- The duration below which ``share`` of a histogram's counts fall: its bucket's middle, as
-- pytest_vpt.analytics.buckets.percentile reads it (NULL for an empty histogram). The fold's
-- histograms are in bucket order: one pass reads them (a query sorts any other).
CREATE OR REPLACE FUNCTION vpt_hist_percentile(hist TEXT, share DOUBLE PRECISION) RETURNS DOUBLE PRECISION
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    v BIGINT[] := CAST(string_to_array(btrim(coalesce(hist, '')), ' ') AS BIGINT[]);
    pairs INTEGER := coalesce(cardinality(v), 0) / 2;
    total BIGINT := 0;
    seen BIGINT := 0;
BEGIN
    IF pairs = 1 THEN  -- the common case: one bucket
        RETURN CASE WHEN v[2] > 0 THEN exp((v[1] + 0.5) * ln(CAST(1.05 AS DOUBLE PRECISION))) END;
    END IF;
    FOR i IN 1..pairs LOOP
        IF i > 1 AND v[2 * i - 1] <= v[2 * i - 3] THEN
            RETURN (SELECT vpt_hist_percentile(string_agg(b || ' ' || n, ' ' ORDER BY b), share)
                    FROM (SELECT v[2 * k - 1] AS b, sum(v[2 * k]) AS n FROM generate_series(1, pairs) AS k GROUP BY 1) AS sorted);
        END IF;
        total := total + v[2 * i];
    END LOOP;
    IF total = 0 THEN
        RETURN NULL;
    END IF;
    FOR i IN 1..pairs LOOP
        seen := seen + v[2 * i];
        IF seen >= share * total OR i = pairs THEN
            RETURN exp((v[2 * i - 1] + 0.5) * ln(CAST(1.05 AS DOUBLE PRECISION)));
        END IF;
    END LOOP;
END $$;

DROP TABLE test_daily;
CREATE TABLE test_daily (
    test_id                  BIGINT NOT NULL,
    day                      DOUBLE PRECISION NOT NULL,
    project                  TEXT NOT NULL,
    attempts                 INTEGER NOT NULL,
    runs                     INTEGER NOT NULL,
    passed                   INTEGER NOT NULL,
    failed                   INTEGER NOT NULL,
    error                    INTEGER NOT NULL,
    skipped                  INTEGER NOT NULL,
    xfailed                  INTEGER NOT NULL,
    xpassed                  INTEGER NOT NULL,
    reruns                   INTEGER NOT NULL,
    quarantined              INTEGER NOT NULL,
    duration_sum             DOUBLE PRECISION NOT NULL,
    duration_count           INTEGER NOT NULL,
    duration_hist            TEXT NOT NULL DEFAULT '{}',
    rerun_duration_sum       DOUBLE PRECISION NOT NULL DEFAULT 0,
    failed_duration_sum      DOUBLE PRECISION NOT NULL DEFAULT 0,
    quarantined_duration_sum DOUBLE PRECISION NOT NULL DEFAULT 0,
    p50_seconds              DOUBLE PRECISION,
    p95_seconds              DOUBLE PRECISION,
    PRIMARY KEY (test_id, day)
);
CREATE INDEX test_daily_project_day ON test_daily (project, day);

DROP TABLE IF EXISTS duration_daily;
CREATE TABLE duration_daily (
    project        TEXT NOT NULL,
    day            DOUBLE PRECISION NOT NULL,
    duration_count BIGINT NOT NULL,
    duration_sum   DOUBLE PRECISION NOT NULL,
    duration_hist  TEXT NOT NULL DEFAULT '',
    p50_seconds    DOUBLE PRECISION,
    p95_seconds    DOUBLE PRECISION,
    PRIMARY KEY (project, day)
);
DELETE FROM test_daily_pending;
DELETE FROM rollup_failures WHERE what IN ('daily', 'duration');
INSERT INTO test_daily_pending SELECT test_id, started_at, outcome, is_final, duration, quarantined FROM test_attempts;
