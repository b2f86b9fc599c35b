"""The end of an observer's run: its document, with what it missed per second and per write.

A mixin of :class:`~kobench.plugins.observers.book.EventBook` (which holds the state named
below): the counting while events arrive stays there, the accounting at the end is here.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from kobench.measure.clock import Clock
from kobench.measure.histograms import Histogram, encode_histogram
from kobench.measure.protocol import Write
from kobench.measure.results import ObserverResult
from kobench.measure.results.role_docs import GroupAudit
from kobench.measure.sequences import SequenceTracker
from kobench.measure.series import MissedWrites, Outage
from kobench.plugins.observers.context import ObserverContext, client_info
from kobench.plugins.observers.delivery import SharedDelivery
from kobench.plugins.observers.ending import EndMarkers
from kobench.plugins.observers.gaps import Silences
from kobench.plugins.observers.lost_runs import missed_writes, numbered_runs, unseen_runs
from kobench.plugins.observers.timeline import (
    OutageMark,
    PerSecond,
    outage_records,
    unseen,
    writer_counts,
)


def _encoded(histograms: dict[int, Histogram]) -> dict[str, str]:
    """Histograms by replica, as the result document holds them."""
    return {str(r): encode_histogram(h) for r, h in sorted(histograms.items())}


class BookReport(ABC):
    """What :class:`EventBook` knows at the end, as the observer's document."""

    context: ObserverContext
    clock: Clock
    trackers: dict[int, SequenceTracker]
    latency: dict[int, Histogram]
    read_latency: dict[int, Histogram]
    ends: EndMarkers
    outages: list[OutageMark]
    anchors: dict[int, int]
    last_heard: dict[int, int]
    series: PerSecond
    silences: Silences
    notifications: int
    warmup_notifications: int
    superseded: int
    negative: int
    foreign: int
    handshakes_sent: int
    unanswered: int
    error: str | None
    mapped: bool
    started_ns: int
    schedule_end_ns: int | None
    redelivered: int
    redelivery_latency: dict[int, Histogram]
    coalesced: int
    coalesced_invalidations: int
    group_audit: tuple[int, int | None] | None
    shared_work: bool
    _delivery: SharedDelivery
    _shared_mode: bool
    _warmup: int
    _rate: int
    _writers: int

    @property
    def disconnects(self) -> int:
        return len(self.outages)

    @abstractmethod
    def _measure(
        self, into: dict[int, Histogram], write: Write, at_ns: int, *, series: bool
    ) -> None:
        """EventBook's: record a write's latency into ``into``."""

    def _sent_of(self, writer: int) -> int:
        """What a writer sent: its end marker, else what arrived of it so far."""
        if writer in self.ends.sent:
            return self.ends.sent[writer]
        if self.mapped:
            return self.notifications + self._delivery.lost + self._delivery.skipped
        tracker = self.trackers.get(writer)
        return 0 if tracker is None else tracker.highest + 1

    def _missed_in_second(self, t: int) -> int:
        if self.shared_work:
            return 0  # a consumer of a shared group sees a share: the group's audit tells
        start = self._warmup + t * self._rate
        stop = start + self._rate
        if self._shared_mode:
            if not self.mapped:
                return 0  # several writers on the key: a notification names no write
            events = self.series.histograms.get(t)
            count = 0 if events is None else events.get_total_count()
            return max(0, min(stop, self._sent_of(0)) - start - count)
        return sum(
            unseen(self.trackers.get(w), start, min(stop, self._sent_of(w)))
            for w in range(self._writers)
        )

    def _measured_seconds(self) -> int:
        sent = max((self._sent_of(w) for w in range(self._writers)), default=0)
        return -(-max(0, sent - self._warmup) // self._rate)

    def _missed_writes(self) -> list[MissedWrites]:
        """The measured writes never received, as runs with when they were due."""
        if self.shared_work:
            return []
        if self._shared_mode:
            anchor = self._delivery.anchor_ns
            if not self.mapped or anchor is None:
                return []  # several writers on the key: a notification names no write
            costs = [(mark.next_index, mark.shared_missed) for mark in self.outages]
            return missed_writes(0, numbered_runs(costs, self._warmup), anchor, self._rate)
        found: list[MissedWrites] = []
        for writer in range(self._writers):
            runs = unseen_runs(self.trackers.get(writer), self._warmup, self._sent_of(writer))
            # A writer never heard from: the others started at the same barrier.
            anchor = self.anchors.get(writer, next(iter(self.anchors.values()), None))
            if runs and anchor is not None:
                found += missed_writes(writer, runs, anchor, self._rate)
        return found

    def _settle(self) -> None:
        """The notifications' writes, once the end markers say what was sent and refused."""
        if self.mapped:
            # Writes the engine refused were never notified: its end marker says how many.
            refused = self.ends.refused.get(0, self._delivery.skipped)
            for write, notified_ns in self._delivery.settle(
                self.outages, self.notifications + refused, self.ends.sent.get(0)
            ):
                self.warmup_notifications += write.seq < self._warmup
                self._measure(self.latency, write, notified_ns, series=True)
        elif self._shared_mode:
            # Several writers on the key: a notification names no write; the first ones are
            # taken for the warm-up's.
            warmup = sum(min(self._warmup, self._sent_of(w)) for w in range(self._writers))
            self.warmup_notifications = min(self.notifications, warmup)

    def _outage_records(self) -> list[Outage]:
        outages = outage_records(
            self.outages, self.trackers, dict(self.ends.sent), warmup=self._warmup
        )
        if self.shared_work:  # what another consumer took was not missed
            return [o.model_copy(update={"missed": 0}) for o in outages]
        return outages

    def result(self) -> ObserverResult:
        self._settle()
        writers = writer_counts(
            self.trackers, self.last_heard, warmup=self._warmup, shared=self._shared_mode
        )
        ended_ns = self.clock.wall_ns()
        outages = self._outage_records()
        audit = self.group_audit
        return ObserverResult(
            name=self.context.name,
            instance=self.context.instance,
            mode=self.context.mode,
            target_replica=self.context.target_replica,
            client=client_info(),
            started_ns=self.started_ns,
            ended_ns=ended_ns,
            writers=writers,
            latency=_encoded(self.latency),
            latency_basis="read" if self._shared_mode and not self.mapped else "notification",
            read_latency=_encoded(self.read_latency),
            negative_latencies=self.negative,
            notifications=self.notifications,
            warmup_notifications=self.warmup_notifications,
            lost_notifications=self._delivery.lost,
            superseded=self.superseded,
            handshakes_sent=self.handshakes_sent,
            unanswered=self.unanswered,
            disconnects=self.disconnects,
            foreign_events=self.foreign,
            end_lag_ms=None if self.ends.lag_ms is None else round(self.ends.lag_ms, 3),
            series=self.series.series(self._measured_seconds(), self._missed_in_second),
            missed_writes=self._missed_writes(),
            outages=outages,
            mechanism=self.context.mechanism,
            guarantee=self.context.guarantee,
            redelivered=self.redelivered,
            redelivery_latency=_encoded(self.redelivery_latency),
            coalesced=self.coalesced,
            coalesced_invalidations=self.coalesced_invalidations,
            group_audit=None
            if audit is None
            else GroupAudit(pending=audit[0], undelivered=audit[1]),
            silences=self.silences.longest(min(ended_ns, self.schedule_end_ns or ended_ns)),
            error=self.error,
        )
