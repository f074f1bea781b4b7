"""The flakiness math: exact scores for known sequences, properties, and the verdicts."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest

from pytest_vpt.analytics.flakiness import FlakinessSettings, TestRun, assess, flip_rate, pfs_score


def runs(outcomes: str, commits: str | None = None, branch: str = "main", dirty: bool = False,
         start: int = 0) -> list[TestRun]:
    """``"P F FP"``: one run per word, an hour apart; each on its own commit unless ``commits`` names them."""
    words = outcomes.split()
    names = commits.split() if commits else [f"{branch}{i}" for i in range(len(words))]
    return [
        TestRun(f"{branch}-{start + i:03d}", 1.8e9 + (start + i) * 3600.0, word, names[i].ljust(40, "-"),
                f"d{i}" if dirty else None, branch)
        for i, word in enumerate(words)
    ]


@pytest.mark.parametrize(("sequence", "decay", "expected"), [
    ("PFPF", 0.1, 1.0),
    ("PPFF", 0.1, 0.9 / 2.71),  # flips 0, 1, 0: Z = 0.9, weights 1 + 0.9 + 0.81
    ("PPFF", 0.0, 1 / 3),
    ("FFPP", 0.1, 0.9 / 2.71),
    ("PPPF", 0.1, 1 / 2.71),  # the newest flip weighs most
    ("FPPP", 0.1, 0.81 / 2.71),
    ("PPPP", 0.1, 0.0),
    ("P", 0.1, 0.0),
])
def test_flip_rate_of_known_sequences(sequence: str, decay: float, expected: float) -> None:
    assert flip_rate(sequence, decay) == pytest.approx(expected, abs=1e-12)


def test_more_alternation_never_lowers_the_flip_rate() -> None:
    rng = random.Random(3)
    for _ in range(500):
        sequence = [rng.choice("PF") for _ in range(rng.randint(2, 30))]
        flips = [a != b for a, b in zip(sequence, sequence[1:])]
        more = list(flips)
        more[rng.randrange(len(more))] = True
        rebuilt = ["P"]
        for flip in more:
            rebuilt.append(("F" if rebuilt[-1] == "P" else "P") if flip else rebuilt[-1])
        assert flip_rate(rebuilt) >= flip_rate(sequence) - 1e-12


def test_flip_rate_rejects_a_decay_outside_0_1() -> None:
    with pytest.raises(ValueError, match="decay"):
        flip_rate("PF", 1.0)


def test_pfs_without_all_failing_runs_is_the_beta_posterior_mean() -> None:
    assert pfs_score(["P"] * 10) == pytest.approx(1 / 30)  # Beta(1, 19 + 10)
    assert pfs_score(["FP"]) == pytest.approx(2 / 22)  # Beta(1 + 1, 19 + 1)
    assert pfs_score(["P", "FP", "P"]) == pytest.approx(2 / 24)


def test_pfs_of_one_failing_run_by_hand() -> None:
    # p ~ Beta(1, 19), q ~ U(0, 1), one run with one failed attempt: likelihood q + (1 - q) p.
    # Normaliser 1/2 + 1/2 E[p] = 21/40; first moment 1/2 E[p] + 1/2 E[p^2] = 1/40 + 1/420.
    expected = (Fraction(1, 40) + Fraction(1, 420)) / Fraction(21, 40)
    assert expected == Fraction(23, 441)
    assert pfs_score(["F"]) == pytest.approx(float(expected), abs=1e-15)


def test_pfs_calibration_a_test_that_never_fails_and_one_that_always_fails() -> None:
    assert pfs_score(["P"] * 10) < 0.05 < pfs_score(["P"] * 5 + ["FP"] * 5)
    assert pfs_score(["FFF"] * 10) < pfs_score(["FP"] * 10)  # all-failing runs are blamed on the bad state


def test_a_test_that_never_fails_scores_zero_and_is_stable() -> None:
    verdict = assess(runs("P " * 30))
    assert (verdict.status, verdict.probability, verdict.flip_rate, verdict.mixed_commits) == ("stable", 0.0, 0.0, 0)


def test_a_failure_between_passes_on_other_commits_is_flaky() -> None:
    verdict = assess(runs("P " * 10 + "F " + "P " * 10))
    assert verdict.status == "flaky"
    assert verdict.probability > 0.9
    assert [e.kind for e in verdict.evidence] == ["failure"]


def test_a_pass_on_retry_is_flaky() -> None:
    verdict = assess(runs("P P FP P"))
    assert verdict.status == "flaky" and verdict.probability == 1.0
    assert "passed on retry in 1 run" in verdict.reason
    assert verdict.evidence[0].detail.startswith("passed on attempt 2 of 2")


def test_a_pass_and_a_fail_on_one_commit_is_flaky() -> None:
    verdict = assess(runs("P F P", commits="a a b"))
    assert verdict.status == "flaky" and verdict.mixed_commits == 1
    assert {e.kind for e in verdict.evidence} == {"same-code"}


def test_a_test_that_breaks_at_a_commit_is_broken_not_flaky() -> None:
    verdict = assess(runs("P " * 20 + "F " * 10))
    assert verdict.status == "broken"
    assert verdict.probability < 0.01
    assert "since commit" in verdict.reason and "(10 runs)" in verdict.reason


def test_a_single_new_failure_is_broken_until_a_pass_says_otherwise() -> None:
    assert assess(runs("P " * 29 + "F")).status == "broken"
    assert assess(runs("P " * 29 + "F P")).status == "flaky"


def test_a_fixed_test_is_fixed_not_flaky() -> None:
    verdict = assess(runs("F " * 5 + "P " * 25))
    assert verdict.status == "fixed"
    assert "passes since commit" in verdict.reason


def test_a_flaky_test_that_then_breaks_is_broken() -> None:
    verdict = assess(runs("P P FP P P P P P P " + "F F F F"))
    assert verdict.status == "broken"


def test_reruns_that_all_fail_do_not_make_a_broken_test_flaky() -> None:
    assert assess(runs("P " * 10 + "FFF " * 5)).status == "broken"


def test_local_edits_that_break_and_fix_a_test_are_not_flaky() -> None:
    assert assess(runs("P F P F P", commits="a a a a a", dirty=True)).status != "flaky"


def test_the_same_uncommitted_changes_are_the_same_code() -> None:
    same = [TestRun(f"r{i}", 1.8e9 + i, o, "a" * 40, "samediff", "main") for i, o in enumerate("PFP")]
    assert assess(same).status == "flaky"


def test_a_branch_that_fails_while_main_passes_is_not_flaky() -> None:
    main, feature = runs("P " * 10), runs("F F F", branch="feature", start=10)
    verdict = assess(main + feature)
    assert verdict.status == "broken" and "on feature in the window" in verdict.reason
    assert assess(main + feature + runs("P P", commits="x y", start=20)).status == "stable"


def test_a_new_test_needs_three_runs_unless_flakiness_is_proven() -> None:
    assert assess(runs("F F")).status == "new"
    assert assess(runs("P")).status == "new"
    assert assess(runs("FP")).status == "flaky"


def test_the_window_keeps_only_recent_runs() -> None:
    history = runs("F " * 5 + "P " * 60)
    assert assess(history, settings=FlakinessSettings(window_runs=50)).status == "stable"
    assert assess(history, settings=FlakinessSettings(window_runs=70)).status == "fixed"
    days = FlakinessSettings(window_days=1.0)  # runs an hour apart: 24 of them fit in a day
    assert assess(runs("F " * 40 + "P " * 30), settings=days).status == "stable"


def test_a_higher_threshold_asks_for_more_evidence() -> None:
    history = runs("P " * 10 + "F " + "P " * 10)
    probability = assess(history).probability
    assert assess(history, settings=FlakinessSettings(threshold=min(0.999, probability + 0.001))).status != "flaky"


@pytest.mark.parametrize("bad", [dict(threshold=0), dict(threshold=1), dict(window_runs=1),
                                 dict(window_days=0), dict(decay=1)])
def test_settings_out_of_range_are_refused(bad: dict) -> None:
    with pytest.raises(ValueError, match=next(iter(bad))):
        FlakinessSettings(**bad)


@pytest.mark.parametrize("newest", ["PP", "FP", "PFP", "PPP"])
def test_regression_verdict_with_duplicate_rows(newest: str) -> None:
    """A newest run that passed but not cleanly (an attempt stored twice reads "PP"; a pass on
    retry that is not enough to call the test flaky) after failures gives a verdict, not an
    IndexError: the test is fixed, since that run."""
    history = runs(f"P P F F {newest}")
    verdict = assess(history, settings=FlakinessSettings(threshold=0.999999))
    assert verdict.status in ("fixed", "flaky")
    if verdict.status == "fixed":
        assert verdict.reason.startswith(f"passes since commit {history[-1].revision[:10]} (1 run)")
        assert [e.run_id for e in verdict.evidence] == [history[-1].run_id, history[-1].run_id]
