"""The longest silences between an observer's events: what a fault's outage is read from.

A silence runs from the last new event before it to the first one after it (wall clock, as
received). Only silences longer than a floor are kept, at most ``keep`` of them (the longest),
so a run of any length costs a few bytes per event and nothing per second.
"""

from __future__ import annotations

import heapq

from kobench.measure.series import Silence

MIN_SILENCE_NS = 20_000_000
"""20 ms: shorter pauses are the workload's own rhythm, not an outage."""
KEEP = 32


class Silences:
    def __init__(self, *, rate: int, keep: int = KEEP) -> None:
        # Ten scheduled intervals, and never below the floor: at 10 writes/s a silence
        # means more than a second without events.
        self.floor_ns = max(MIN_SILENCE_NS, 10 * 1_000_000_000 // max(rate, 1))
        self.keep = keep
        self.last_ns: int | None = None
        self._heap: list[tuple[int, int, int]] = []

    def event(self, received_ns: int) -> None:
        last, self.last_ns = self.last_ns, received_ns
        if last is None or received_ns - last < self.floor_ns:
            return
        item = (received_ns - last, last, received_ns)
        if len(self._heap) < self.keep:
            heapq.heappush(self._heap, item)
        elif item > self._heap[0]:
            heapq.heapreplace(self._heap, item)

    def longest(self, until_ns: int) -> list[Silence]:
        """The kept silences in time order; one still open at ``until_ns`` (the last write's
        due time: no event came after the last one) ends with ``after_ns`` 0."""
        kept = [Silence(before_ns=b, after_ns=a) for _, b, a in self._heap]
        if self.last_ns is not None and until_ns - self.last_ns >= self.floor_ns:
            kept.append(Silence(before_ns=self.last_ns, after_ns=0))
        return sorted(kept, key=lambda s: s.before_ns)
