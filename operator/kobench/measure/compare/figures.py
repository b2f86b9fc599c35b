"""The figures a comparison looks at, and how each is read out of one run result.

A figure belongs to a *subject*: an observer (by name) or the writers. Latencies are the
corrected one-way latency when a clock offset was applied, else the raw one (what the run's
table shows). Loss is a percentage of the expected events, so runs at different rates compare.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from kobench.measure.results import ObserverSummary, RunResult

Better = Literal["lower", "higher"]
WRITERS = "writers"
"""The subject of the figures that belong to the writers, not to one observer."""


@dataclass(frozen=True)
class Figure:
    """One figure: its name in documents, its unit, and which way is better."""

    name: str
    unit: str
    better: Better
    label: str


P50 = Figure("p50Ms", "ms", "lower", "p50")
P99 = Figure("p99Ms", "ms", "lower", "p99")
MAX = Figure("maxMs", "ms", "lower", "max")
LOSS = Figure("lossPercent", "%", "lower", "loss")
RATE = Figure("achievedRate", "writes/s", "higher", "rate")

OBSERVER_FIGURES = (P50, P99, MAX, LOSS)
WRITER_FIGURES = (RATE,)


def observer_figures(observer: ObserverSummary) -> dict[str, float]:
    """An observer's figures in one run; a latency it never measured is absent, not zero."""
    values: dict[str, float] = {}
    latency = observer.corrected_latency_ms or observer.latency_ms
    if latency is not None:
        values[P50.name], values[P99.name], values[MAX.name] = latency.p50, latency.p99, latency.max
    if observer.expected > 0:
        values[LOSS.name] = 100.0 * observer.missed / observer.expected
    return values


def run_figures(result: RunResult) -> dict[tuple[str, str], float]:
    """Every figure of one run, keyed by (subject, figure name)."""
    values: dict[tuple[str, str], float] = {}
    for observer in result.observers:
        for name, value in observer_figures(observer).items():
            values[(observer.name, name)] = value
    if result.writers.rate_measured:
        values[(WRITERS, RATE.name)] = result.writers.achieved_rate
    return values


def figures_of(subject: str) -> tuple[Figure, ...]:
    return WRITER_FIGURES if subject == WRITERS else OBSERVER_FIGURES
