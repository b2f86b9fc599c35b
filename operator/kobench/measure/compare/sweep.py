"""A rate sweep from a matrix with a rate axis: per group of cells that differ only in rate,
per observer, the latency at each rate and the highest rate it sustained (pure).

Sustained means: every repetition at that rate, and at every lower rate of the sweep, lost no
event and did not saturate (see the run's ``saturation`` finding). The points are the
latency-throughput curve: the achieved rate against the median p50 and p99.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from kobench.measure.compare.comparison_docs import Cell, Sweep, SweepPoint
from kobench.measure.results import RunResult

RATE_AXIS = "rate"


def _sustained(runs: Sequence[RunResult], observer: str) -> bool:
    summaries = [o for r in runs for o in r.observers if o.name == observer]
    return bool(summaries) and all(o.missed == 0 and not o.saturation for o in summaries)


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 6) if values else None


def _point(cell: Cell, observer: str) -> SweepPoint:
    runs = [r for r in cell.runs if r.verdict != "Invalid"]
    summaries = [o for r in runs for o in r.observers if o.name == observer]
    latencies = [o.corrected_latency_ms or o.latency_ms for o in summaries]
    measured = [latency for latency in latencies if latency is not None]
    return SweepPoint(
        rate=int(cell.values[RATE_AXIS]),
        runs=len(runs),
        achieved_rate=_median([r.writers.achieved_rate for r in runs]),
        p50_ms=_median([latency.p50 for latency in measured]),
        p99_ms=_median([latency.p99 for latency in measured]),
        sustained=_sustained(runs, observer),
    )


def sweeps(cells: Sequence[Cell]) -> list[Sweep]:
    """Every sweep in the cells (none when no cell has a rate axis value)."""
    groups: dict[str, list[Cell]] = {}
    for cell in cells:
        if RATE_AXIS not in cell.values:
            return []
        others = ",".join(f"{k}={v}" for k, v in cell.values.items() if k != RATE_AXIS)
        groups.setdefault(others, []).append(cell)
    found = []
    for group, members in groups.items():
        members = sorted(members, key=lambda c: int(c.values[RATE_AXIS]))
        observers = sorted({o.name for c in members for r in c.runs for o in r.observers})
        for observer in observers:
            points = [_point(cell, observer) for cell in members]
            highest = None
            for point in points:
                if not point.sustained:
                    break
                highest = point.rate
            found.append(
                Sweep(group=group, observer=observer, points=points, highest_sustained_rate=highest)
            )
    return found
