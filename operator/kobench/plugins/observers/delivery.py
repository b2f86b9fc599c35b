"""Shared mode with one writer on the key: the n-th notification is that writer's n-th write.

The server notifies every write once, in order, so counting notifications numbers them. One
value read gives the writer's schedule (its start, from :func:`protocol.schedule_offset_ns`), so
each notification can be measured from its own write's intended time. An outage loses
notifications: the first read after it estimates how many, and the writer's total (its end
marker) settles it, so the notifications after an outage are numbered at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kobench.measure import protocol
from kobench.measure.protocol import Write
from kobench.plugins.observers.timeline import OutageMark


@dataclass
class SharedDelivery:
    rate: int
    replica: int
    anchor_ns: int | None = None
    """The writer's start on its schedule (wall ns), from the first value read."""
    lost: int = 0
    """Notifications lost in outages so far (estimated until settled)."""
    skipped: int = 0
    """Writes the writer announced the engine refused (never made, never notified)."""
    deferred: list[tuple[int, int, int]] = field(default_factory=list)
    """After an outage: (notified at, notification index plus writes skipped before it,
    outages before it)."""

    def learn(self, read: Write) -> None:
        if self.anchor_ns is None:
            self.anchor_ns = read.intended_ns - protocol.schedule_offset_ns(read.seq, self.rate)

    def write(self, seq: int) -> Write | None:
        """Write ``seq`` as the writer stamped it (None until the schedule is known)."""
        if self.anchor_ns is None:
            return None
        return Write(
            0, seq, self.replica, self.anchor_ns + protocol.schedule_offset_ns(seq, self.rate)
        )

    def resync(self, outages: list[OutageMark], index: int, read_seq: int) -> None:
        """The first read after an outage: notifications up to its write never came."""
        if not outages or outages[-1].first_event_ns is not None:
            return
        expected_seq = index + self.lost
        if read_seq > expected_seq:
            outages[-1].shared_missed += read_seq - expected_seq
            self.lost += read_seq - expected_seq

    def settle(
        self, outages: list[OutageMark], notifications: int, sent: int | None
    ) -> list[tuple[Write, int]]:
        """Number the deferred notifications now that the writer's total (``sent``, when it
        announced it) tells what the outages cost: the last outage takes the remainder of the
        first reads' estimates. Returns (write, notified at) pairs to measure."""
        if sent is not None and outages:
            earlier = sum(o.shared_missed for o in outages[:-1])
            outages[-1].shared_missed = max(0, sent - notifications - earlier)
        costs = [o.shared_missed for o in outages]
        self.lost = sum(costs)
        settled = []
        for notified_ns, index, before in self.deferred:
            write = self.write(index + sum(costs[:before]))
            if write is not None:
                settled.append((write, notified_ns))
        self.deferred.clear()
        return settled
