"""The clocks a role reads, behind a protocol so tests can drive them by hand."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """The two clocks a role reads: wall time for stamps, monotonic time for durations."""

    def wall_ns(self) -> int: ...

    def monotonic_ns(self) -> int: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clocks."""

    def wall_ns(self) -> int:
        return time.time_ns()

    def monotonic_ns(self) -> int:
        return time.monotonic_ns()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


SYSTEM_CLOCK = SystemClock()


PAIR_TOLERANCE_NS = 20_000
"""Two clock reads closer than this are one instant for a schedule (20 us)."""
PAIR_TRIES = 20


def paired_ns(clock: Clock) -> tuple[int, int]:
    """(monotonic, wall) read as one instant.

    The wall clock is read between two monotonic reads; a pair read apart (the process was
    descheduled between them, for milliseconds on a loaded machine) is read again, and the
    tightest one kept, at its midpoint. Read one after the other, a schedule anchored on them
    stamped every write as due later than it was sent by however long the process was away:
    events faster than that arrived "before their write was due"."""
    best: tuple[int, int, int] | None = None
    for _ in range(PAIR_TRIES):
        before = clock.monotonic_ns()
        wall = clock.wall_ns()
        after = clock.monotonic_ns()
        if best is None or after - before < best[0]:
            best = (after - before, (before + after) // 2, wall)
        if after - before <= PAIR_TOLERANCE_NS:
            break
    assert best is not None
    return best[1], best[2]


def wall_minus_monotonic_ns(clock: Clock) -> int:
    """How far the wall clock is ahead of the monotonic one now; a change of it during a run
    is a step of the wall clock (NTP, an administrator), which moves every wall stamp."""
    mono, wall = paired_ns(clock)
    return wall - mono
