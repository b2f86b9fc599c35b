"""The writer's open-loop schedule, and what it did to it, second by second.

Write ``n`` is due at ``start + schedule_offset_ns(n, rate)`` on the monotonic clock and is
stamped with the same offset from the wall-clock start, whatever time it actually leaves: a
stalled server shows up as latency, not as a quietly lower rate. Writes that fall due together
(a tick, or a catch-up after a stall) go out as one batch. Nothing here does I/O: the sender and
the clock are handed in, so the schedule is tested with a fake clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from kobench.api import Workload
from kobench.measure import protocol
from kobench.measure.clock import Clock, paired_ns
from kobench.measure.protocol import NS_PER_SECOND, Write, schedule_offset_ns
from kobench.measure.series import NotWritten, WriterSecond

MAX_BATCH = 2000
BUSY_BACKOFF_NS = (5_000_000, 50_000_000)
"""After the engine refused writes (loading): the first wait before trying again, and the
longest (it doubles). The writes that fall due meanwhile go out together when it is over."""
START_DELAY_NS = 50_000_000
"""The first write is due this long after the schedule is made (time to get going)."""
CONFLICT_START_DELAY_NS = 2_000_000_000
"""Conflict mode: the first writer proposes a start this far ahead, so that the others (started
a moment later) still begin on time; a later one catches up during the warm-up."""


@dataclass(frozen=True)
class Schedule:
    rate: int
    total: int
    warmup: int
    start_mono_ns: int
    start_wall_ns: int

    @classmethod
    def starting_now(cls, clock: Clock, *, rate: int, total: int, warmup: int) -> Schedule:
        # One instant on both clocks: every stamp is the wall time its write is due at.
        mono, wall = paired_ns(clock)
        return cls(rate, total, warmup, mono + START_DELAY_NS, wall + START_DELAY_NS)

    @classmethod
    def starting_at(
        cls, clock: Clock, start_wall_ns: int, *, rate: int, total: int, warmup: int
    ) -> Schedule:
        """A schedule whose write 0 is due at an agreed wall-clock instant (conflict mode: every
        writer stamps write n with the same intended instant)."""
        now_mono, now_wall = paired_ns(clock)
        return cls(rate, total, warmup, now_mono + (start_wall_ns - now_wall), start_wall_ns)

    def due_mono_ns(self, seq: int) -> int:
        return self.start_mono_ns + schedule_offset_ns(seq, self.rate)

    def intended_ns(self, seq: int) -> int:
        """The stamp of write ``seq`` (wall clock)."""
        return self.start_wall_ns + schedule_offset_ns(seq, self.rate)

    def due_by(self, now_mono_ns: int) -> int:
        """How many writes are due at ``now`` (never one before its time)."""
        elapsed = now_mono_ns - self.start_mono_ns
        if elapsed < 0:
            return 0
        # write n is due when n * 1e9 // rate <= elapsed, i.e. n < (elapsed + 1) * rate / 1e9
        return min(self.total, -(-(elapsed + 1) * self.rate // NS_PER_SECOND))


@dataclass
class Progress:
    """What the writer did so far; it survives the loss of the engine."""

    writer: int = 0
    sent: int = 0
    """Writes of the schedule that went out (``0..sent-1``): made, or refused (``not_written``)."""
    not_written: list[NotWritten] = field(default_factory=list)
    """Runs of writes the engine refused while it could not serve (loading): never made."""
    unconfirmed: int = 0
    """Writes of the batch in flight (they may have landed)."""
    max_lag_ns: int = 0
    measured_from_ns: int = 0
    measured_to_ns: int = 0
    seconds: dict[int, list[int]] = field(default_factory=dict)
    """Per measured second: [writes sent, worst lag in ns]."""

    def booked(self, schedule: Schedule, start: int, stop: int, sent_mono_ns: int) -> None:
        """Writes ``start..stop-1`` went out at ``sent_mono_ns``. Per second of the batch, the
        worst lag is its earliest write's (one pass per second, not per write: 20,000/s)."""
        seq = max(start, schedule.warmup)
        while seq < stop:
            second = (seq - schedule.warmup) // schedule.rate
            end = min(stop, schedule.warmup + (second + 1) * schedule.rate)
            sample = self.seconds.setdefault(second, [0, 0])
            sample[0] += end - seq
            sample[1] = max(sample[1], sent_mono_ns - schedule.due_mono_ns(seq))
            seq = end
        if start <= schedule.warmup < stop:
            self.measured_from_ns = sent_mono_ns
        if stop > schedule.warmup:
            self.measured_to_ns = sent_mono_ns

    def refused(self, schedule: Schedule, runs: list[tuple[int, str]]) -> None:
        """Writes the engine refused, (seq, its answer) in order, as runs."""
        for seq, reason in runs:
            last = self.not_written[-1] if self.not_written else None
            if last is not None and last.last_seq == seq - 1:
                last.last_seq = seq
                continue
            self.not_written.append(
                NotWritten(
                    writer=self.writer,
                    first_seq=seq,
                    last_seq=seq,
                    first_due_ns=schedule.intended_ns(seq),
                    reason=reason,
                )
            )

    @property
    def refused_count(self) -> int:
        return sum(run.count for run in self.not_written)

    @property
    def measured_seconds(self) -> float:
        """From the first measured write's send to the last one's (0: no span to tell)."""
        span = self.measured_to_ns - self.measured_from_ns
        return span / 1e9 if self.measured_from_ns and span > 0 else 0.0

    def achieved_rate(self, warmup: int) -> float:
        """Measured writes per second; 0 when fewer than two were measured (no rate to tell)."""
        measured = self.sent - warmup
        seconds = self.measured_seconds
        return round((measured - 1) / seconds, 1) if seconds > 0 and measured > 1 else 0.0

    def series(self) -> list[WriterSecond]:
        return [
            WriterSecond(t=t, sent=sent, max_lag_ms=round(lag / 1e6, 3))
            for t, (sent, lag) in sorted(self.seconds.items())
        ]


Sender = Callable[[int, int], list[tuple[int, str]] | None]
"""Sends writes ``start..stop-1``; returns those the engine refused while it could not serve
(seq, its answer), if any; raises when the engine is lost."""


def write_all(
    schedule: Schedule,
    clock: Clock,
    send: Sender,
    progress: Progress,
    *,
    stop_at_mono_ns: int | None = None,
) -> bool:
    """Send every write on schedule, booking each batch in ``progress`` before and after; False
    when the run's time limit (``stop_at_mono_ns``) came first and the rest was never sent.

    A refusal (the engine loading) is a pause: the writes refused are not written, and the next
    attempt waits a little (doubling, bounded), the writes due meanwhile going out together."""
    seq = 0
    backoff_ns, retry_at = 0, 0
    while seq < schedule.total:
        now = clock.monotonic_ns()
        if stop_at_mono_ns is not None and now >= stop_at_mono_ns:
            return False
        due = min(schedule.due_by(now), seq + MAX_BATCH)
        if due <= seq or now < retry_at:
            wake = max(retry_at, schedule.due_mono_ns(seq) if due <= seq else now)
            clock.sleep(max(0.0, (wake - now) / 1e9))
            continue
        progress.max_lag_ns = max(progress.max_lag_ns, now - schedule.due_mono_ns(seq))
        progress.unconfirmed = due - seq
        refused = send(seq, due)
        progress.sent, progress.unconfirmed = due, 0
        progress.booked(schedule, seq, due, now)
        if refused:
            progress.refused(schedule, refused)
            first, longest = BUSY_BACKOFF_NS
            backoff_ns = min(longest, max(first, 2 * backoff_ns))
            retry_at = clock.monotonic_ns() + backoff_ns
        else:
            backoff_ns = 0
        seq = due
    return True


EVENT, CONTROL, PLAIN, READ = 0, 1, 2, 3
"""What an item is to the observers: a write they hear (its command, announced the delivery
mechanism's way), a writer's news for them (an end marker, refused writes: a SET, announced), a
key they do not hear (a conflict key, the fault clock: a SET), or a read (a GET: command expire
with readAtDue reads each key once it is due)."""


class Item(NamedTuple):
    """One write of a batch."""

    key: str
    value: bytes
    ttl: int
    """Expiry in seconds (0: none)."""
    kind: int = PLAIN
    intended_ns: int = 0
    """An event: its write's intended time (command expire's keys are due from it)."""


def plan_batch(
    workload: Workload,
    run_id: str,
    writer_id: int,
    targets: list[int],
    schedule: Schedule,
    start: int,
    stop: int,
) -> dict[int, list[Item]]:
    """The items of writes ``start..stop-1``, per replica they go to.

    Write n goes to ``targets[n mod len(targets)]``. In conflict mode it is its unique-mode event
    key plus the conflict key ``n mod keys`` with this writer's own value: every writer sets the
    same conflict key with the same intended instant, each on its own master.
    """
    prefix, ttl, size = workload.key_prefix, workload.key_ttl_seconds, workload.value_size
    padding = b"x" * size
    shared = workload.key_mode == "shared"
    conflict = workload.conflict
    batch: dict[int, list[Item]] = {}
    for n in range(start, stop):
        replica = targets[n % len(targets)]
        write = Write(writer_id, n, replica, schedule.intended_ns(n))
        items = batch.setdefault(replica, [])
        if shared:
            value = protocol.encode_value(write, size)
            items.append(Item(workload.shared_key, value, ttl, EVENT, write.intended_ns))
            continue
        key = protocol.unique_key(prefix, run_id, write)
        items.append(Item(key, padding, ttl, EVENT, write.intended_ns))
        if conflict is not None:
            key = protocol.conflict_key(prefix, run_id, n, conflict.keys)
            items.append(Item(key, protocol.encode_value(write, size), ttl))
    return batch
