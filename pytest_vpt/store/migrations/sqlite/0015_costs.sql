-- What testing costs, per test and UTC day (see pytest_vpt.store.costs): the seconds its
-- reruns took (attempts that were not final), and those of its failing final attempts
-- (failed or error) and of its quarantined ones. Durations out of range are left out, as
-- duration_sum leaves them out. And the CPU time each run took (pytest's, its children's
-- included: NULL when not recorded, as for a run pushed from JUnit XML).

ALTER TABLE runs ADD COLUMN cpu_seconds REAL;

ALTER TABLE test_daily ADD COLUMN rerun_duration_sum REAL NOT NULL DEFAULT 0;
ALTER TABLE test_daily ADD COLUMN failed_duration_sum REAL NOT NULL DEFAULT 0;
ALTER TABLE test_daily ADD COLUMN quarantined_duration_sum REAL NOT NULL DEFAULT 0;
-- Every attempt stored so far is folded again, with the new sums, by the next write (as
-- vpt db rebuild does: the queue emptied first, so no attempt is queued twice).
DELETE FROM test_daily;
DELETE FROM test_daily_pending;
DELETE FROM rollup_failures WHERE what IN ('daily', 'duration');
INSERT INTO test_daily_pending SELECT test_id, started_at, outcome, is_final, duration, quarantined FROM test_attempts;
