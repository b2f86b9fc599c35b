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
