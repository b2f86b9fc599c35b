"""Small run results with chosen figures, for the comparison's tests."""

from __future__ import annotations

from typing import Any

from kobench.measure.histograms import LatencySummary
from kobench.measure.results import (
    Convergence,
    EngineFacts,
    ObserverSummary,
    RunResult,
    Verdict,
    WritersSummary,
)


def latency(p50: float) -> LatencySummary:
    """A latency summary whose p99 is 2 x p50 and max 4 x p50."""
    return LatencySummary(
        count=1000, mean=p50, p50=p50, p90=1.5 * p50, p99=2 * p50, p999=3 * p50, max=4 * p50
    )


def observer(name: str, p50: float, *, missed: int = 0, mode: str = "sync") -> ObserverSummary:
    return ObserverSummary(
        name=name,
        mode=mode,
        instances=1,
        target_replica=0,
        received=1000 - missed,
        expected=1000,
        missed=missed,
        duplicates=0,
        out_of_order=0,
        disconnects=0,
        negative_latencies=0,
        latency_ms=latency(p50),
    )


def run(
    p50: float,
    *,
    run_id: str = "r",
    engine: str = "redis",
    rate: int = 100,
    achieved: float | None = None,
    verdict: Verdict = "Passed",
    observers: tuple[str, ...] = ("sync",),
    missed: int = 0,
) -> RunResult:
    """One run in which every observer's p50 is ``p50`` ms."""
    return RunResult(
        benchmark="known",
        run_id=run_id,
        started_ns=0,
        finished_ns=1,
        verdict=verdict,
        reasons=["clock offset too large"] if verdict == "Invalid" else [],
        engine=EngineFacts(type=engine, replicas=1),
        writers=WritersSummary(
            writers=1,
            sent=1000,
            planned=1000,
            achieved_rate=float(rate) if achieved is None else achieved,
            target_rate=rate,
            max_lag_ms=0.1,
        ),
        observers=[observer(name, p50, missed=missed) for name in observers],
        matrix=[],
        convergence=Convergence(checked=True, converged=True),
    )


def resource(spec: dict[str, Any], *, name: str = "t") -> dict[str, Any]:
    """A whole benchmark document around ``spec``."""
    return {
        "apiVersion": "kobench.io/v1alpha1",
        "kind": "KeyDBObserverBenchmark",
        "metadata": {"name": name},
        "spec": spec,
    }
