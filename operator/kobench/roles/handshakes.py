"""The writer's handshake listener: the observers' answers, on the writer's own clocks.

Each answer names the write it answers and carries when the observer received it (t2) and when
it answered (t3), on the observer's clock. With the write's send time (t1) and the moment the
answer's notification arrived (t4), both on the writer's clock, that is one NTP sample of the
observer's clock offset, and a round trip measured on one monotonic clock.

Where it listens (:func:`handshake_subscription`): with the ``K`` notification flag, a pattern on
the keyspace channels of the run's handshake keys, so the listener gets the answers only; without
it, the keyevent channel, which also brings every write (twice the messages at 1 answer per
write, and all of them when answers are sampled).
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field

from kobench.measure import protocol
from kobench.measure.histograms import (
    Histogram,
    estimate_offset,
    new_histogram,
    ntp_sample,
    record_us,
)
from kobench.measure.results import ClockSample

GLOB_SPECIALS = frozenset("*?[]\\")
SET_EVENT = b"set"


def glob_escape(text: str) -> str:
    """``text`` as a literal in a Redis glob pattern."""
    return "".join("\\" + c if c in GLOB_SPECIALS else c for c in text)


@dataclass(frozen=True)
class Subscription:
    """What the listener subscribes to, and how a message names the key that was set."""

    channel: str
    """A channel, or (``pattern``) a glob pattern of channels."""
    pattern: bool
    keyspace_prefix: bytes = b""
    """Pattern mode: what every keyspace channel name starts with, before the key."""

    def key_of(self, channel: bytes, data: bytes) -> bytes | None:
        """The key a SET notification names; None for another event on a watched key."""
        if not self.pattern:
            return data
        # A keyspace channel brings every event of its key: the SET, and with the g, x or A
        # flags also its EXPIRE and its expiry, which must not count as a second answer.
        if data != SET_EVENT or not channel.startswith(self.keyspace_prefix):
            return None
        return channel[len(self.keyspace_prefix) :]


def handshake_subscription(flags: str, database: int, prefix: str) -> Subscription:
    """Where a writer hears the answers whose keys start with ``prefix``, given the engine's
    ``notify-keyspace-events`` flags."""
    if "K" not in flags:
        return Subscription(protocol.keyevent_channel(database), pattern=False)
    keyspace = protocol.keyspace_channel_prefix(database)
    return Subscription(
        f"{glob_escape(keyspace + prefix)}*", pattern=True, keyspace_prefix=keyspace.encode()
    )


@dataclass
class HandshakeListener:
    """Books the handshakes addressed to one writer (runs in its own thread)."""

    writer_id: int
    prefix: str
    sent_wall: array[int]
    sent_mono: array[int]
    warmup: int = 0
    """Answers to warm-up writes give clock samples but no round trip (they are not measured)."""
    rtt: dict[str, Histogram] = field(default_factory=dict)
    samples: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    count: dict[str, int] = field(default_factory=dict)
    total: int = 0
    last_at_ns: int = 0
    """Monotonic time of the last answer."""
    error: str | None = None
    disconnects: int = 0

    def book(self, key: bytes, received_wall: int, received_mono: int) -> None:
        answer = protocol.decode_handshake_key(key, self.prefix)
        if answer is None or answer.writer != self.writer_id:
            return
        if not 0 <= answer.seq < len(self.sent_mono) or self.sent_mono[answer.seq] == 0:
            return
        observer = answer.observer
        samples = self.samples.setdefault(observer, [])
        samples.append(
            ntp_sample(
                self.sent_wall[answer.seq], answer.received_ns, answer.answered_ns, received_wall
            )
        )
        if answer.seq >= self.warmup:
            histogram = self.rtt.get(observer)
            if histogram is None:
                histogram = self.rtt[observer] = new_histogram()
            record_us(histogram, (received_mono - self.sent_mono[answer.seq]) / 1000.0)
        self.count[observer] = self.count.get(observer, 0) + 1
        self.total += 1
        self.last_at_ns = received_mono

    def clock(self) -> dict[str, ClockSample]:
        result = {}
        for observer, samples in self.samples.items():
            estimate = estimate_offset(samples)
            if estimate is not None:
                result[observer] = ClockSample(
                    offset_us=round(estimate[0], 1),
                    delay_us=round(estimate[1], 1),
                    samples=len(samples),
                )
        return result
