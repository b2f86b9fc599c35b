"""Two sides of run results compared: figures, sameness checks and Invalid runs."""

from __future__ import annotations

import pytest
from tests.unit.compare.runs import run

from kobench.measure.compare import Labelled, MismatchError, compare_sides
from kobench.measure.results import RunResult


def labelled(prefix: str, results: list[RunResult]) -> list[Labelled]:
    return [Labelled(f"{prefix}{i}.json", r) for i, r in enumerate(results)]


def test_a_slower_candidate_is_worse_in_every_latency_and_equal_in_loss() -> None:
    baseline = labelled("a", [run(p) for p in (1.0, 1.1, 0.9, 1.05)])
    candidate = labelled("b", [run(p) for p in (3.0, 3.1, 2.9, 3.05)])
    comparison = compare_sides(baseline, candidate)
    verdicts = comparison.verdicts()
    assert verdicts[("sync", "p50Ms")] == "Worse"
    assert verdicts[("sync", "p99Ms")] == "Worse"
    assert verdicts[("sync", "maxMs")] == "Worse"
    assert verdicts[("sync", "lossPercent")] == "NoDifference"
    assert verdicts[("writers", "achievedRate")] == "NoDifference"
    p50 = next(f for f in comparison.figures if f.figure == "p50Ms")
    assert p50.median_difference == pytest.approx(2.0, abs=1e-6)
    assert p50.baseline is not None and p50.baseline.n == 4


def test_a_lower_achieved_rate_is_worse() -> None:
    baseline = labelled("a", [run(1.0, achieved=a) for a in (100, 99.9, 100.1, 100.0)])
    candidate = labelled("b", [run(1.0, achieved=a) for a in (80, 81, 79, 80.5)])
    assert compare_sides(baseline, candidate).verdicts()[("writers", "achievedRate")] == "Worse"


def test_loss_is_a_percentage_of_the_expected_events() -> None:
    baseline = labelled("a", [run(1.0) for _ in range(4)])
    candidate = labelled("b", [run(1.0, missed=m) for m in (10, 12, 11, 9)])
    comparison = compare_sides(baseline, candidate)
    loss = next(f for f in comparison.figures if f.figure == "lossPercent")
    assert loss.verdict == "Worse"
    assert loss.candidate is not None and loss.candidate.median == pytest.approx(1.05)


def test_an_invalid_run_is_left_out_and_named() -> None:
    baseline = labelled("a", [run(1.0) for _ in range(4)])
    candidate = labelled("b", [*(run(1.0) for _ in range(4)), run(50.0, verdict="Invalid")])
    comparison = compare_sides(baseline, candidate)
    assert comparison.verdicts()[("sync", "p50Ms")] == "NoDifference"
    assert comparison.candidate.excluded == ["b4.json: Invalid (clock offset too large)"]


def test_runs_of_different_benchmarks_on_one_side_are_refused_by_name() -> None:
    side = labelled("a", [run(1.0), run(1.0, rate=200)])
    with pytest.raises(MismatchError, match=r"a1\.json measured engine redis, rate 200/s"):
        compare_sides(side, labelled("b", [run(1.0)]))


def test_sides_with_other_observers_are_refused() -> None:
    baseline = labelled("a", [run(1.0, observers=("sync",))])
    candidate = labelled("b", [run(1.0, observers=("async",))])
    with pytest.raises(MismatchError, match="different observers: baseline sync; candidate async"):
        compare_sides(baseline, candidate)


def test_an_empty_side_is_refused() -> None:
    with pytest.raises(MismatchError, match="candidate: no result documents"):
        compare_sides(labelled("a", [run(1.0)]), [])


def test_the_comparison_document_round_trips() -> None:
    from kobench.measure.compare import Comparison

    comparison = compare_sides(
        labelled("a", [run(1.0 + i / 10) for i in range(4)]),
        labelled("b", [run(2.0 + i / 10, engine="valkey") for i in range(4)]),
    )
    text = comparison.model_dump_json(by_alias=True)
    assert '"medianDifference"' in text
    assert Comparison.model_validate_json(text) == comparison
    assert comparison.candidate.engine == "valkey"
