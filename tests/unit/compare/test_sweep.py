"""The rate sweep of a matrix: latency by rate and the highest rate every repetition kept up."""

from __future__ import annotations

from tests.unit.compare.runs import run

from kobench.measure.compare import Cell, sweeps
from kobench.measure.results import RunResult


def saturated(result: RunResult) -> RunResult:
    observers = [o.model_copy(update={"saturation": "backlog"}) for o in result.observers]
    return result.model_copy(update={"observers": observers})


def cell(engine: str, rate: int, runs: list[RunResult]) -> Cell:
    values = {"engine": engine, "rate": str(rate)}
    return Cell(id=f"engine={engine},rate={rate}", values=values, runs=runs)


def test_each_group_gets_its_points_in_rate_order_and_its_highest_sustained_rate() -> None:
    found = sweeps(
        [
            cell("redis", 2000, [run(9.0, rate=2000), saturated(run(30.0, rate=2000))]),
            cell("redis", 500, [run(1.0, rate=500), run(1.2, rate=500)]),
            cell("redis", 1000, [run(2.0, rate=1000), run(2.2, rate=1000)]),
            cell("valkey", 500, [run(1.0, rate=500, missed=1), run(1.0, rate=500)]),
            cell("valkey", 1000, [run(2.0, rate=1000), run(2.0, rate=1000)]),
        ]
    )
    redis, valkey = found
    assert (redis.group, redis.observer) == ("engine=redis", "sync")
    assert [p.rate for p in redis.points] == [500, 1000, 2000]
    assert [p.sustained for p in redis.points] == [True, True, False]
    assert redis.points[0].p50_ms == 1.1 and redis.points[0].p99_ms == 2.2
    assert redis.points[2].achieved_rate == 2000
    assert redis.highest_sustained_rate == 1000
    # one lost event at the lowest rate: it sustains none, whatever it did higher up
    assert valkey.highest_sustained_rate is None
    assert [p.sustained for p in valkey.points] == [False, True]


def test_no_rate_axis_no_sweep() -> None:
    assert sweeps([Cell(id="engine=redis", values={"engine": "redis"}, runs=[run(1.0)])]) == []


def test_invalid_runs_are_left_out_of_the_points() -> None:
    (sweep,) = sweeps([cell("redis", 500, [run(1.0), run(90.0, verdict="Invalid")])])
    assert sweep.points[0].runs == 1 and sweep.points[0].p50_ms == 1.0
