-- A test's latest run is read from its attempts (indexed by test and time): keeping it on
-- test_cases too meant rewriting every test's row in every run.
ALTER TABLE test_cases DROP COLUMN last_seen;
