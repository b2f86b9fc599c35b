"""Findings drawn from an observer's figures: saturation and what its clock offset means.

Pure functions of plain numbers, so each rule is tested with plain data.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from kobench.measure.series import ObserverSecond

SATURATION_END_LAG_MS = 1000.0
"""A backlog this long when the writers ended: the observer was working through a queue."""
SATURATION_FLOOR_MS = 50.0
"""Latency below this is not called a queue, however it trends."""
SATURATION_GROWTH = 3.0
"""The last quarter's typical latency this many times the first quarter's: a growing queue."""
MIN_SECONDS_FOR_TREND = 4


def saturation(
    series: list[ObserverSecond], end_lag_ms: float | None, *, faulted: frozenset[int] = frozenset()
) -> str:
    """Why an observer could not keep up with the writers, or "" when it could.

    Two signs of a queue: events still arriving long after the writers ended (end-of-run lag),
    or a per-second median latency that grows over the run (the last quarter's median p50 above
    ``SATURATION_FLOOR_MS`` and ``SATURATION_GROWTH`` times the first quarter's). A stall that
    the observer recovers from is neither: it shows in its second, not in the trend. Seconds
    ``faulted`` (a fault of the schedule disturbed them) are left out of the trend: their
    latency is the fault's, judged by its own thresholds.
    """
    if end_lag_ms is not None and end_lag_ms > SATURATION_END_LAG_MS:
        return (
            f"its backlog was {end_lag_ms:.0f} ms when the writers ended (bound "
            f"{SATURATION_END_LAG_MS:.0f} ms)"
        )
    p50s = [s.p50_ms for s in series if s.p50_ms is not None and s.t not in faulted]
    if len(p50s) < MIN_SECONDS_FOR_TREND:
        return ""
    quarter = len(p50s) // 4
    first = statistics.median(p50s[:quarter])
    last = statistics.median(p50s[-quarter:])
    if last > SATURATION_FLOOR_MS and last > SATURATION_GROWTH * first:
        return (
            f"its latency grew over the run (median p50 {first:.1f} ms in the first quarter, "
            f"{last:.1f} ms in the last)"
        )
    return ""


@dataclass(frozen=True)
class ClockEstimate:
    """One observer's clock against the writers', with what can be told from it."""

    offset_ms: float
    uncertainty_ms: float
    """Half the round-trip delay of the samples used: the true offset lies within it."""
    same_host: bool

    @property
    def significant(self) -> bool:
        """An offset is only real if path asymmetry (up to half the delay) cannot explain it."""
        return abs(self.offset_ms) > self.uncertainty_ms

    @property
    def applied(self) -> bool:
        """Corrected latency subtracts the offset when it is real and the clocks are not shared
        (on one host a real offset makes the run Invalid instead)."""
        return self.significant and not self.same_host

    @property
    def excess_ms(self) -> float:
        """How far the offset certainly is from zero."""
        return max(0.0, abs(self.offset_ms) - self.uncertainty_ms)
