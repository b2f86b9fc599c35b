"""A clock that only moves when told: the measurement core tested without waiting."""

from __future__ import annotations

from dataclasses import dataclass

WALL_START_NS = 1_700_000_000_000_000_000
MONO_START_NS = 5_000_000_000


@dataclass
class FakeClock:
    """Wall and monotonic time advance together (unless ``skew_ns`` shifts the wall clock)."""

    elapsed_ns: int = 0
    skew_ns: int = 0
    slept: float = 0.0

    def wall_ns(self) -> int:
        return WALL_START_NS + self.elapsed_ns + self.skew_ns

    def monotonic_ns(self) -> int:
        return MONO_START_NS + self.elapsed_ns

    def sleep(self, seconds: float) -> None:
        self.slept += seconds
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        self.elapsed_ns += round(seconds * 1e9)
