"""The decision rule on plain samples: who is better, and when nothing can be said."""

from __future__ import annotations

import pytest

from kobench.measure.compare import DEFAULT_CRITERIA, cliffs_delta, decide, spread

FAST = [1.0, 1.1, 0.9, 1.05, 0.95]
SLOW = [6.0, 6.2, 5.9, 6.1, 5.8]


def test_a_clearly_higher_latency_is_worse_with_its_median_difference() -> None:
    decision = decide(FAST, SLOW, better="lower")
    assert decision.verdict == "Worse"
    assert decision.p_value is not None and decision.p_value < 0.05
    assert decision.cliffs_delta == 1.0
    assert decision.median_difference == pytest.approx(5.0)
    assert decision.median_ratio == pytest.approx(6.0)


def test_the_same_samples_swapped_are_better() -> None:
    assert decide(SLOW, FAST, better="lower").verdict == "Better"


def test_for_a_rate_higher_is_better() -> None:
    assert decide(FAST, SLOW, better="higher").verdict == "Better"
    assert decide(SLOW, FAST, better="higher").verdict == "Worse"


def test_three_repetitions_are_inconclusive_however_clear() -> None:
    decision = decide(FAST[:3], SLOW[:3], better="lower")
    assert decision.verdict == "Inconclusive"
    assert "fewer than 4 repetitions" in decision.reason
    assert "3 baseline, 3 candidate" in decision.reason


def test_four_and_four_can_be_significant() -> None:
    # the smallest two-sided exact p-value for 4 + 4 is 2/70 = 0.029
    decision = decide(FAST[:4], SLOW[:4], better="lower")
    assert decision.verdict == "Worse"
    assert decision.p_value == pytest.approx(2 / 70, abs=1e-4)


def test_interleaved_samples_show_no_difference() -> None:
    baseline = [1.0, 1.2, 1.4, 1.6, 1.8]
    candidate = [1.1, 1.3, 1.5, 1.7, 1.9]
    decision = decide(baseline, candidate, better="lower")
    assert decision.verdict == "NoDifference"
    assert decision.cliffs_delta is not None and abs(decision.cliffs_delta) < 0.474


def test_identical_values_show_no_difference() -> None:
    decision = decide([0.0] * 4, [0.0] * 4, better="lower")
    assert decision.verdict == "NoDifference"
    assert decision.median_ratio is None  # no ratio to a zero


def test_a_large_unconfirmed_effect_is_inconclusive() -> None:
    # one outlier keeps it from significance, yet the candidate is mostly higher by a lot
    baseline = [1.0, 1.1, 1.2, 9.0]
    candidate = [2.0, 2.1, 2.2, 2.3]
    decision = decide(baseline, candidate, better="lower")
    assert decision.p_value is not None and decision.p_value >= DEFAULT_CRITERIA.alpha
    assert decision.verdict == "Inconclusive"
    assert "add repetitions" in decision.reason


def test_a_large_effect_within_tolerance_is_no_difference() -> None:
    baseline = [1.00, 1.01, 1.02, 1.20]
    candidate = [1.03, 1.04, 1.05, 1.06]
    decision = decide(baseline, candidate, better="lower")
    assert decision.verdict == "NoDifference"
    assert "within 10%" in decision.reason


def test_cliffs_delta_counts_pairs() -> None:
    assert cliffs_delta([2, 3], [1, 4]) == 0.0
    assert cliffs_delta([5], [1, 2, 3, 4]) == 1.0
    assert cliffs_delta([1], [1]) == 0.0


def test_spread_has_median_quartiles_and_range() -> None:
    found = spread([4.0, 1.0, 3.0, 2.0, 5.0])
    assert found is not None
    assert (found.n, found.median, found.q1, found.q3) == (5, 3.0, 2.0, 4.0)
    assert (found.min, found.max) == (1.0, 5.0)
    assert found.values == [4.0, 1.0, 3.0, 2.0, 5.0]
    assert spread([]) is None
    single = spread([7.0])
    assert single is not None and single.q1 == single.q3 == 7.0
