"""The run over time as an observer saw it: per-second latency and the outages it lived through.

Second ``t`` holds the measured writes whose *intended* send time fell in it: for write ``seq``
of a writer at ``rate`` writes/s with ``warmup`` unmeasured writes first, ``t = (seq - warmup) //
rate``. An event is filed under its write's second, whenever it arrived, so a stall shows up in
the second it hit, with the latency it caused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from hdrh.histogram import HdrHistogram

from kobench.measure.histograms import HIGHEST_US, LOWEST_US, record_us
from kobench.measure.results import WriterCounts
from kobench.measure.sequences import SequenceTracker
from kobench.measure.series import ObserverSecond, Outage

SERIES_DIGITS = 2
"""Per-second histograms need less precision than the run's (1 %), and stay small."""


def second_of(seq: int, warmup: int, rate: int) -> int | None:
    """The measured second of write ``seq``; None for a warm-up write."""
    return None if seq < warmup else (seq - warmup) // rate


@dataclass
class PerSecond:
    """Latency per second of the measured run."""

    histograms: dict[int, HdrHistogram] = field(default_factory=dict)

    def record(self, second: int, latency_us: float) -> None:
        histogram = self.histograms.get(second)
        if histogram is None:
            histogram = self.histograms[second] = HdrHistogram(LOWEST_US, HIGHEST_US, SERIES_DIGITS)
        record_us(histogram, latency_us)

    def series(self, seconds: int, missed: Callable[[int], int]) -> list[ObserverSecond]:
        """One sample per measured second ``0..seconds-1``; ``missed(t)`` counts its losses."""
        samples = []
        for t in range(seconds):
            histogram = self.histograms.get(t)
            if histogram is None or not histogram.get_total_count():
                samples.append(ObserverSecond(t=t, missed=missed(t)))
                continue
            samples.append(
                ObserverSecond(
                    t=t,
                    events=histogram.get_total_count(),
                    missed=missed(t),
                    p50_ms=round(histogram.get_value_at_percentile(50) / 1000.0, 3),
                    p99_ms=round(histogram.get_value_at_percentile(99) / 1000.0, 3),
                    max_ms=round(histogram.get_max_value() / 1000.0, 3),
                )
            )
        return samples


def unseen(tracker: SequenceTracker | None, start: int, stop: int) -> int:
    """Sequences in ``start..stop-1`` that never arrived."""
    if stop <= start:
        return 0
    if tracker is None:
        return stop - start
    return (stop - start) - (tracker.seen_below(stop) - tracker.seen_below(start))


@dataclass
class OutageMark:
    """One loss of the connection, as it happened."""

    started_ns: int
    reason: str
    highest_before: dict[int, int]
    """Per writer, the highest sequence seen before the loss."""
    ended_ns: int = 0
    first_event_ns: int | None = None
    first_after: dict[int, int] = field(default_factory=dict)
    """Per writer, the first sequence seen after the loss."""
    shared_missed: int = 0
    """Shared mode: notifications that never came (found when the first read after it came)."""
    next_index: int = 0
    """Shared mode: notifications that came before it (the next one's index)."""
    caught_up: int = 0
    """Writes sent before it ended that arrived after it (a stream delivers the gap late)."""

    def outage(
        self,
        trackers: dict[int, SequenceTracker],
        sent: dict[int, int],
        *,
        warmup: int = 0,
        lost_before: int = 0,
    ) -> Outage:
        """The record of this outage; ``sent``: what each writer sent (when known). Its losses
        count the measured writes only (``warmup``: each writer's first, not measured), as
        every count of the result does; ``lost_before``: shared mode, what earlier outages
        lost (the numbering of the writes this one lost starts after them)."""
        first_lost = self.next_index + lost_before
        missed = max(0, first_lost + self.shared_missed - max(first_lost, warmup))
        for writer, highest in self.highest_before.items():
            stop = self.first_after.get(writer, sent.get(writer, highest + 1))
            missed += unseen(trackers.get(writer), max(highest + 1, warmup), stop)
        first = self.first_event_ns
        ended = self.ended_ns
        if ended and first is not None and first < ended:
            # An event read together with the subscription's confirmation is stamped at the read,
            # before the confirmation was handled: the subscription was back by then.
            ended = first
        return Outage(
            started_ns=self.started_ns,
            ended_ns=ended,
            missed=missed,
            first_event_after_ms=None
            if first is None
            else round((first - self.started_ns) / 1e6, 3),
            reason=self.reason,
            caught_up=self.caught_up,
        )


def outage_records(
    marks: list[OutageMark],
    trackers: dict[int, SequenceTracker],
    sent: dict[int, int],
    *,
    warmup: int,
) -> list[Outage]:
    """The outages' records, in order: in shared mode each one's lost writes are numbered
    after those of the outages before it."""
    records, lost_before = [], 0
    for mark in marks:
        records.append(mark.outage(trackers, sent, warmup=warmup, lost_before=lost_before))
        lost_before += mark.shared_missed
    return records


def writer_counts(
    trackers: dict[int, SequenceTracker],
    last_heard: dict[int, int],
    *,
    warmup: int,
    shared: bool,
) -> dict[str, WriterCounts]:
    """What was seen of each writer (shared mode: of the values read, so no duplicates)."""
    return {
        str(writer): WriterCounts(
            distinct=tracker.distinct,
            warmup_distinct=tracker.seen_below(warmup),
            duplicates=0 if shared else tracker.duplicates,
            out_of_order=tracker.out_of_order,
            highest_seq=tracker.highest,
            last_ns=last_heard.get(writer, 0),
        )
        for writer, tracker in trackers.items()
    }
