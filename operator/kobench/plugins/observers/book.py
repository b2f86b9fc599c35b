"""EventBook: what an observed event means, what it measured, and when the observer is done.

A strategy only does I/O (subscribe, receive, read, answer) and tells the book what happened;
the book decides the rest, so ``sync``, ``async`` and any plugin count exactly alike.

Latency is measured from each write's *intended* send time to the moment its notification
arrived. In unique mode the key names the write. In shared mode the notification does not, but
with one writer on the shared key (and one master) the n-th notification *is* the n-th write:
the server notifies every write, in order. The first read tells the writer's schedule (one
value's stamp gives every other stamp, see :func:`protocol.schedule_offset_ns`), so each
notification is measured from its own write, and a stalled observer shows its stall. The value
read on each notification gives the proof of concept's read-based latency beside it. With
several writers (or masters) on the key that mapping does not hold and the read-based latency is
all there is: the result says so (``latencyBasis: read``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kobench.measure import protocol
from kobench.measure.clock import SYSTEM_CLOCK, Clock
from kobench.measure.histograms import Histogram, new_histogram, record_us
from kobench.measure.protocol import Handshake, Write
from kobench.measure.sequences import SequenceTracker
from kobench.plugins.observers.book_report import BookReport
from kobench.plugins.observers.context import ObserverContext
from kobench.plugins.observers.delivery import SharedDelivery
from kobench.plugins.observers.ending import EndMarkers, EndState, decide_stop
from kobench.plugins.observers.gaps import Silences
from kobench.plugins.observers.guarantees import GuaranteeBook
from kobench.plugins.observers.keys import EventKeys
from kobench.plugins.observers.timeline import (
    OutageMark,
    PerSecond,
    second_of,
)


@dataclass
class EventBook(BookReport, GuaranteeBook):
    """Counts, measures and answers events; knows when the observer may stop."""

    context: ObserverContext
    clock: Clock = SYSTEM_CLOCK
    trackers: dict[int, SequenceTracker] = field(default_factory=dict)
    latency: dict[int, Histogram] = field(default_factory=dict)
    read_latency: dict[int, Histogram] = field(default_factory=dict)
    ends: EndMarkers = field(default_factory=EndMarkers)
    notifications: int = 0
    warmup_notifications: int = 0
    """Shared mode, one writer: notifications numbered as warm-up writes."""
    superseded: int = 0
    negative: int = 0
    foreign: int = 0
    handshakes_sent: int = 0
    unanswered: int = 0
    """Handshakes that could not be sent (the answer replica was unreachable)."""
    error: str | None = None
    stopped: str | None = None
    outages: list[OutageMark] = field(default_factory=list)
    anchors: dict[int, int] = field(default_factory=dict)
    """Per writer, when its schedule started (wall ns): one write's stamp tells every other."""
    last_heard: dict[int, int] = field(default_factory=dict)
    """Per writer, when its last new event arrived (wall ns)."""
    redelivered: int = 0
    redelivery_latency: dict[int, Histogram] = field(default_factory=dict)
    coalesced: int = 0
    coalesced_invalidations: int = 0
    covered: int = -1
    group_audit: tuple[int, int | None] | None = None
    """A stream group shared by several consumers: (pending, undelivered) when it ended."""

    def __post_init__(self) -> None:
        workload = self.context.spec.workload
        self.started_ns = self.clock.wall_ns()
        self.keys = EventKeys.of(self.context)
        self._warmup = workload.warmup_writes
        self._rate = workload.rate
        self._writers = workload.writers
        # A writer the schedule kills never sends its end marker.
        self._writer_kills = any(f.action == "killWriter" for f in self.context.spec.faults)
        guarantee = self.context.guarantee
        # Coalescing invalidations of the shared key are numbered by the value each read finds
        # (one writer): counted per write, as unique mode is.
        self.coalescing = guarantee == "coalescing" and workload.key_mode == "shared"
        self._shared_mode = workload.key_mode == "shared" and not self.coalescing
        # One writer on one master: the n-th notification of the shared key is the n-th write.
        self.mapped = self._shared_mode and workload.writers == 1 and not workload.round_robin
        # A stream group's consumers share its entries: no instance sees every write, and what
        # the group missed is what it never acknowledged (group_audit).
        replicas = next(
            o.replicas for o in self.context.spec.observers if o.name == self.context.name
        )
        self.shared_work = guarantee == "at-least-once" and replicas > 1
        self._delivery = SharedDelivery(self._rate, workload.target_replica)
        self._total = workload.total_writes
        self.schedule_end_ns: int | None = None
        """Wall clock when the last write is due, once a write has told the writer's schedule."""
        self.series = PerSecond()
        self.silences = Silences(rate=self._rate * self._writers)

    def classify(self, key: bytes) -> str:
        """What a notified key is: ``SHARED``, ``UNIQUE``, ``END`` or ``OTHER``."""
        return self.keys.classify(key)

    def on_end(self, key: bytes, received_ns: int) -> None:
        """A writer's news: its end marker, or (shared mode) writes the engine refused, which
        the numbering of notifications skips."""
        end = self.keys.end_marker(key)
        if end is not None:
            self.ends.arrived(end, received_ns, self.clock.monotonic_ns())
            return
        skipped = self.keys.skipped(key)
        if skipped is not None and skipped[0] == 0:
            self._delivery.skipped += skipped[2] - skipped[1] + 1

    def on_unique(self, key: bytes, received_ns: int, *, again: bool = False) -> Handshake | None:
        """Book one unique-mode event (``again``: an entry delivered again); returns the
        handshake to send, if any."""
        write = self.keys.unique_write(key)
        if write is None:
            self.notifications += 1
            self.foreign += 1
            return None
        if again:
            return self._redelivery(write, received_ns)
        self.notifications += 1
        if not self._track(write.writer, write.seq, received_ns):
            return None
        if self.outages:
            self._caught_up(write, received_ns)
        self._measure(self.latency, write, received_ns, series=True)
        return self._answer(write.writer, write.seq, received_ns)

    def on_shared(
        self, notified_ns: int, value: bytes | str | None, read_ns: int, *, again: bool = False
    ) -> Handshake | None:
        """Book one shared-key event and the value read for it (``again``: an entry
        delivered again, which numbers no write: only counted)."""
        if self.coalescing:
            return self._invalidation(notified_ns, value, read_ns)
        if again:
            self.redelivered += 1
            return None
        self.notifications += 1
        index = self.notifications - 1
        read = None if value is None else protocol.decode_value(value)
        if read is None and value is not None:
            self.foreign += 1  # someone else's value (None: the key was gone, or unread)
        elif read is not None and self.mapped:
            self._delivery.learn(read)
            self._delivery.resync(self.outages, index + self._delivery.skipped, read.seq)
        fresh = read is not None and self._track(read.writer, read.seq, read_ns, book=False)
        if read is not None and fresh:
            self._measure(self.read_latency, read, read_ns, series=False)
            if not self.mapped:
                self._measure(self.latency, read, read_ns, series=True)
        elif read is not None:
            self.superseded += 1
        if not self.mapped:
            return self._answer(read.writer, read.seq, read_ns) if fresh and read else None
        if self.outages:
            # What an outage cost is only sure once the writer's total is known: measure these
            # at the end (and leave them unanswered rather than mis-numbered).
            seq = index + self._delivery.skipped
            self._note_event(0, seq + self._delivery.lost, notified_ns)
            self._delivery.deferred.append((notified_ns, seq, len(self.outages)))
            return None
        self.last_heard[0] = notified_ns
        if index + self._delivery.skipped < self._warmup:
            self.warmup_notifications += 1
        delivered = self._delivery.write(index + self._delivery.skipped)
        if delivered is None:
            return None
        self._measure(self.latency, delivered, notified_ns, series=True)
        return self._answer(0, index, notified_ns)

    def _track(self, writer: int, seq: int, received_ns: int, *, book: bool = True) -> bool:
        """Record a sequence; False for a duplicate (or a value read again)."""
        tracker = self.trackers.get(writer)
        if tracker is None:
            tracker = self.trackers[writer] = SequenceTracker()
        if book:
            self._note_event(writer, seq, received_ns)
        new = tracker.record(seq)
        if new:
            self.silences.event(received_ns)
            if book:
                self.last_heard[writer] = received_ns
        return new

    def _note_event(self, writer: int, seq: int, received_ns: int) -> None:
        """The first event after an outage ends its silence."""
        if self.outages and self.outages[-1].first_event_ns is None:
            self.outages[-1].first_event_ns = received_ns
            self.outages[-1].first_after.setdefault(writer, seq)

    def _measure(
        self, into: dict[int, Histogram], write: Write, at_ns: int, *, series: bool
    ) -> None:
        start = write.intended_ns - protocol.schedule_offset_ns(write.seq, self._rate)
        self.anchors.setdefault(write.writer, start)
        if self.schedule_end_ns is None:
            self.schedule_end_ns = start + protocol.schedule_offset_ns(self._total, self._rate)
        second = second_of(write.seq, self._warmup, self._rate)
        if second is None:
            return
        histogram = into.get(write.replica)
        if histogram is None:
            histogram = into[write.replica] = new_histogram()
        elapsed_us = (at_ns - write.intended_ns) / 1000.0
        if elapsed_us < 0 and series:
            self.negative += 1
        record_us(histogram, elapsed_us)
        if series:
            self.series.record(second, elapsed_us)

    def _answer(self, writer: int, seq: int, received_ns: int) -> Handshake | None:
        if not self.context.answers(seq):
            return None
        return Handshake(self.context.instance_id, writer, seq, received_ns, 0)

    def handshake_key(self, answer: Handshake) -> str:
        answered = Handshake(
            answer.observer, answer.writer, answer.seq, answer.received_ns, self.clock.wall_ns()
        )
        self.handshakes_sent += 1
        return self.keys.handshake_key(answered)

    def lost(self, reason: str) -> None:
        """The connection to the listened replica is gone: an outage starts now."""
        highest = {writer: tracker.highest for writer, tracker in self.trackers.items()}
        if self.coalescing:
            highest = {0: self.covered}  # what was covered; the read after it resyncs
        if self._shared_mode:
            highest = {}  # reads name no notified write: losses come from the numbering
        numbered = self.notifications + self._delivery.skipped  # the writes before it
        mark = OutageMark(self.clock.wall_ns(), reason, highest, next_index=numbered)
        self.outages.append(mark)

    def resumed(self) -> None:
        """Subscribed again: the outage ends (its first event is still to come)."""
        if self.outages and not self.outages[-1].ended_ns:
            self.outages[-1].ended_ns = self.clock.wall_ns()

    def complete(self) -> bool:
        """Every writer has ended and everything it sent has arrived."""
        if len(self.ends.sent) < self._writers:
            return False
        if self._shared_mode:
            # After an outage the losses are estimates: wait for the drain rather than trust them.
            return not self.outages and self.notifications >= self.ends.expected()
        return all(
            writer in self.trackers and self.trackers[writer].distinct >= self.ends.made(writer)
            for writer in self.ends.sent
        )

    def stop(self, why: str) -> None:
        """Asked to stop early (SIGTERM): the next ``done`` is True and the result says why."""
        self.stopped = why

    def done(self, now_s: float) -> bool:
        """Complete, or every writer ended and the drain time has passed, or past the deadline,
        or asked to stop (see :mod:`.ending`). ``now_s``: monotonic seconds."""
        past_schedule_s = None
        if self.schedule_end_ns is not None:
            past_schedule_s = (self.clock.wall_ns() - self.schedule_end_ns) / 1e9
        decision = decide_stop(
            EndState(
                complete=self.complete(),
                ended=len(self.ends.sent),
                writers=self._writers,
                stopped=self.stopped,
                since_last_end_s=(
                    None if self.ends.last_at_ns is None else now_s - self.ends.last_at_ns / 1e9
                ),
                drain_s=self.context.spec.timeouts.drain_seconds,
                end_marker_may_be_lost=bool(self.outages) or self._writer_kills,
                past_schedule_s=past_schedule_s,
                past_deadline=now_s >= self.context.deadline,
            )
        )
        if decision.reason is not None and self.error is None:
            self.error = decision.reason
        return decision.stop
