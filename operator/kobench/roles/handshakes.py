"""The writer's handshake listener: the observers' answers, on the writer's own clocks.

Each answer names the write it answers and carries when the observer received it (t2) and when
it answered (t3), on the observer's clock. With the write's send time (t1) and the moment the
answer's notification arrived (t4), both on the writer's clock, that is one NTP sample of the
observer's clock offset, and a round trip measured on one monotonic clock.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field

from kobench import protocol
from kobench.results import ClockSample
from kobench.stats import Histogram, estimate_offset, new_histogram, ntp_sample, record_us


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
