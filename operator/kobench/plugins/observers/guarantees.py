"""What a mechanism's guarantee adds to the counting: redeliveries (at least once), coalesced
invalidations (coalescing) and the gap an outage left that arrived late (caught up).

A mixin of :class:`~kobench.plugins.observers.book.EventBook`, which holds the state named
below; the counting every mechanism shares stays there.

* Redelivered (at least once): an entry read again from the pending list or claimed from
  another consumer. Counted apart from losses and duplicates, timed from its write's intended
  time (``redeliveryLatency``). One this observer never had before (claimed from a consumer
  that died) is also received: it counts and is timed like a first delivery.
* Coalesced (tracking of the shared key): an invalidation covers every write since the last
  read, up to the one the read after it finds. The first of them is the write that caused it
  (its latency is the invalidation's); the others are coalesced. After an outage the key is
  tracked again by a read, and the writes up to that read had no invalidation: missed.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import replace

from kobench.measure import protocol
from kobench.measure.clock import Clock
from kobench.measure.histograms import Histogram
from kobench.measure.protocol import Handshake, Write
from kobench.measure.sequences import SequenceTracker
from kobench.plugins.observers.timeline import OutageMark


class GuaranteeBook(ABC):
    """Redeliveries, coalescing and caught-up counts of :class:`EventBook`."""

    clock: Clock
    trackers: dict[int, SequenceTracker]
    latency: dict[int, Histogram]
    read_latency: dict[int, Histogram]
    redelivery_latency: dict[int, Histogram]
    outages: list[OutageMark]
    notifications: int
    foreign: int
    superseded: int
    redelivered: int
    coalesced: int
    coalesced_invalidations: int
    covered: int
    """Coalescing: the last write an invalidation (or the read after an outage) covered."""
    _rate: int

    @abstractmethod
    def _track(self, writer: int, seq: int, received_ns: int, *, book: bool = True) -> bool:
        """EventBook's: record a sequence; False for a duplicate (or a value read again)."""

    @abstractmethod
    def _measure(
        self, into: dict[int, Histogram], write: Write, at_ns: int, *, series: bool
    ) -> None:
        """EventBook's: record a write's latency into ``into``."""

    @abstractmethod
    def _answer(self, writer: int, seq: int, received_ns: int) -> Handshake | None:
        """EventBook's: the handshake a unique write asks for, if any."""

    def _caught_up(self, write: Write, received_ns: int) -> None:
        """A write sent before the last outage ended and received after it: the gap, late."""
        mark = self.outages[-1]
        after = mark.highest_before.get(write.writer, -1)
        ended = mark.ended_ns
        if ended and write.seq > after and write.intended_ns <= ended <= received_ns:
            mark.caught_up += 1

    def _redelivery(self, write: Write, received_ns: int) -> Handshake | None:
        """An entry delivered again; a first one for this observer also counts as received."""
        self.redelivered += 1
        self._measure(self.redelivery_latency, write, received_ns, series=False)
        tracker = self.trackers.get(write.writer)
        if tracker is not None and tracker.contains(write.seq):
            return None
        if not self._track(write.writer, write.seq, received_ns):
            return None
        self._measure(self.latency, write, received_ns, series=True)
        return self._answer(write.writer, write.seq, received_ns)

    def _invalidation(
        self, notified_ns: int, value: bytes | str | None, read_ns: int
    ) -> Handshake | None:
        """One invalidation of the shared key and the value read after it (one writer)."""
        self.notifications += 1
        read = None if value is None else protocol.decode_value(value)
        if read is None:
            self.foreign += value is not None  # None: the key is gone (or the read failed)
            return None
        first = self.covered + 1
        if read.seq < first:
            self.superseded += 1  # an invalidation of a write already read
            return None
        self._measure(self.read_latency, read, read_ns, series=False)
        offset = protocol.schedule_offset_ns
        start = read.intended_ns - offset(read.seq, self._rate)
        cause = replace(read, seq=first, intended_ns=start + offset(first, self._rate))
        for seq in range(first, read.seq + 1):
            self._track(read.writer, seq, notified_ns)
        self._measure(self.latency, cause, notified_ns, series=True)
        if read.seq > first:
            self.coalesced += read.seq - first
            self.coalesced_invalidations += 1
        self.covered = read.seq
        return self._answer(read.writer, first, notified_ns)

    def resync(self, value: bytes | str | None) -> None:
        """Coalescing: the key is tracked again by this read (after an outage): coverage goes
        on from the write it found; the writes before it had no invalidation."""
        read = None if value is None else protocol.decode_value(value)
        if read is not None:
            self.covered = max(self.covered, read.seq)
