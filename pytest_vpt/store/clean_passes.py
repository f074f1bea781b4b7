"""The common cases of the flakiness refresh, folded by one SQL statement each: a run's clean
passes (the first attempt passed, nothing else) of tests with no quarantine to count for.

:func:`fold_again` folds those of tests whose window holds only clean passes (they never
failed, or not among their latest runs); :func:`fold_first` gives a row to those of tests
that have none yet. Their verdicts are ``clean_assessment``'s: the values come from it, not
from a copy of it here. What these leave, store.flakiness folds test by test.
"""

from __future__ import annotations

import json
from typing import Any

from ..analytics.flakiness import FlakinessSettings, clean_assessment
from ..analytics.flakiness.scores import PFS_PRIOR
from ..analytics.flakiness.verdict import MIN_RUNS, PFS_RUNS

#: An attempt's outcome as a verdict: "P" passed, "F" failed; absent: no verdict (skipped, xfailed).
VERDICTS = {"passed": "P", "xpassed": "P", "failed": "F", "error": "F", "rerun": "F"}
VERDICT_OUTCOMES = ", ".join(f"'{outcome}'" for outcome in VERDICTS)

# Tests of the project the quarantine holds, or that a list file or marker asks to put there.
_NOT_QUARANTINED = """  AND {test_id} NOT IN (SELECT c.test_id FROM quarantine q JOIN test_cases c ON c.project = q.project
                      AND c.nodeid = q.nodeid AND md5(c.nodeid) = md5(q.nodeid)
                      WHERE q.project = :project AND q.left_at IS NULL)
  AND {test_id} NOT IN (SELECT c.test_id FROM test_cases c WHERE c.project = :project
                      AND md5(c.nodeid) IN (SELECT md5(value) FROM json_each(:explicit))
                      AND c.nodeid IN (SELECT value FROM json_each(:explicit)))
"""

_AGAIN = """
UPDATE test_flakiness SET
    runs = runs + 1, attempts = attempts + 1, consecutive_passes = consecutive_passes + 1,
    previous_status = CASE WHEN status != :status THEN status ELSE previous_status END,
    status_since = CASE WHEN status != :status THEN :at ELSE status_since END,
    status = :status, reason = :reason, probability = 0.0, flip_rate = 0.0, mixed_commits = 0, flaky_branches = '[]',
    score = :a / (:ab + CASE WHEN (CASE WHEN last_unclean_at IS NULL THEN runs ELSE consecutive_passes END) + 1 < :pfs_runs
                             THEN (CASE WHEN last_unclean_at IS NULL THEN runs ELSE consecutive_passes END) + 1
                             ELSE :pfs_runs END),
    last_run_at = :at, last_run_id = :run_id, last_branch = :branch
WHERE test_id IN (SELECT test_id FROM test_attempts WHERE run_id = :run_id AND attempt = 1 AND outcome = 'passed')
  AND project = :project AND last_run_at <= :at AND last_run_id != :run_id AND runs + 1 >= :min_runs
  AND test_id NOT IN (SELECT test_id FROM test_flakiness_runs WHERE run_id = :run_id)
  AND (last_unclean_at IS NULL OR (consecutive_passes + 1 >= :pfs_runs
       AND (consecutive_passes + 1 >= :window_runs OR last_unclean_at < :quiet_since)))
""" + _NOT_QUARANTINED.format(test_id="test_id")

# The run's tests whose attempts with a verdict are all a first attempt that passed, in test
# id order (the run's attempts are read once, in their key's order, and grouped).
_FIRST = f"""
INSERT INTO test_flakiness (test_id, project, status, reason, probability, score, flip_rate, runs, attempts,
    failures, failed_runs, pass_on_retry, mixed_commits, consecutive_passes, last_unclean_at, first_flaky_at,
    last_flaky_at, flaky_branches, previous_status, status_since, first_run_at, last_run_at, last_run_id, last_branch)
SELECT p.test_id, :project, :status, :reason, :probability, :score, :flip_rate, 1, 1, 0, 0, 0,
    :mixed_commits, 1, NULL, NULL, NULL, '[]', NULL, :at, :at, :at, :run_id, :branch
FROM (SELECT test_id FROM test_attempts WHERE run_id = :run_id AND outcome IN ({VERDICT_OUTCOMES}) GROUP BY test_id
      HAVING min(attempt) = 1 AND max(attempt) = 1 AND min(outcome) = 'passed' AND max(outcome) = 'passed') p
WHERE EXISTS (SELECT 1 FROM test_cases c WHERE c.test_id = p.test_id AND c.project = :project)
  AND NOT EXISTS (SELECT 1 FROM test_flakiness f WHERE f.test_id = p.test_id)
  AND NOT EXISTS (SELECT 1 FROM test_flakiness_runs h WHERE h.run_id = :run_id AND h.test_id = p.test_id)
""" + _NOT_QUARANTINED.format(test_id="p.test_id") + " ORDER BY p.test_id"


def fold_again(conn: Any, run_id: str, project: str, at: float, branch: str | None,
               settings: FlakinessSettings, explicit: dict) -> None:
    """Fold the run's clean passes of tests with a window of clean passes."""
    verdict = clean_assessment(MIN_RUNS, PFS_RUNS)
    a, b = PFS_PRIOR
    conn.execute(_AGAIN, {
        "status": verdict.status, "reason": verdict.reason, "a": float(a), "ab": float(a + b), "pfs_runs": PFS_RUNS,
        "min_runs": MIN_RUNS, "window_runs": settings.window_runs, "quiet_since": at - settings.window_days * 86400.0,
        "at": at, "run_id": run_id, "branch": branch, "project": project, "explicit": json.dumps(list(explicit)),
    })


def fold_first(conn: Any, run_id: str, project: str, at: float, branch: str | None,
               settings: FlakinessSettings, explicit: dict) -> None:
    """Give the run's clean passes of tests without a row their first row."""
    verdict = clean_assessment(1, 1)
    conn.execute(_FIRST, {
        "status": verdict.status, "reason": verdict.reason, "probability": verdict.probability,
        "score": verdict.score, "flip_rate": verdict.flip_rate, "mixed_commits": verdict.mixed_commits,
        "at": at, "run_id": run_id, "branch": branch, "project": project, "explicit": json.dumps(list(explicit)),
    })
