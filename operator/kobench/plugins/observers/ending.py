"""When an observer may stop, and what its result says about the stop. Pure: plain values in.

An observer stops when everything announced has arrived; else when every writer has ended and the
drain time has passed; else when an end marker can no longer come (sent during an outage, or its
writer was killed by the schedule) and the schedule is over; else at the run's deadline; or when it
is asked to (SIGTERM). Every stop short of complete names why.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kobench.measure.protocol import End

AFTER_SCHEDULE_GRACE_S = 3.0
"""After an outage, how long beyond the schedule's end and the drain an observer waits for an
end marker that may have been sent while it was away (well within the runners' straggler wait,
so its document is collected rather than lost)."""


@dataclass
class EndMarkers:
    """The writers' end markers as they arrive: what each sent, and how late the news came."""

    sent: dict[int, int] = field(default_factory=dict)
    """Writer -> writes it sent, once its end marker arrived."""
    refused: dict[int, int] = field(default_factory=dict)
    """Writer -> of those, the writes the engine refused (never made, never notified)."""
    lag_ms: float | None = None
    """The largest delay from a writer's end to its marker's arrival (a queue shows here)."""
    last_at_ns: int | None = None
    """Monotonic clock when the last marker arrived."""

    def arrived(self, end: End, received_ns: int, monotonic_ns: int) -> None:
        if end.writer not in self.sent:
            lag_ms = (received_ns - end.at_ns) / 1e6
            self.lag_ms = lag_ms if self.lag_ms is None else max(self.lag_ms, lag_ms)
        self.sent[end.writer] = end.sent
        self.refused[end.writer] = end.refused
        self.last_at_ns = monotonic_ns

    def made(self, writer: int) -> int:
        """Writes a writer that ended made (sent less refused)."""
        return self.sent[writer] - self.refused.get(writer, 0)

    def expected(self) -> int:
        """Writes made by every writer that ended."""
        return sum(self.made(writer) for writer in self.sent)


@dataclass(frozen=True)
class EndState:
    """What the observer knows about the run's end at one moment."""

    complete: bool
    """Every writer ended and everything it sent has arrived."""
    ended: int
    """Writers whose end marker arrived."""
    writers: int
    stopped: str | None
    """Why it was asked to stop early, if it was."""
    since_last_end_s: float | None
    """Seconds since the last end marker arrived."""
    drain_s: float
    end_marker_may_be_lost: bool
    """An outage happened or the schedule kills a writer: an end marker may never come."""
    past_schedule_s: float | None
    """Seconds since the schedule's last write was due (None: the schedule is not known yet)."""
    past_deadline: bool


@dataclass(frozen=True)
class StopDecision:
    stop: bool
    reason: str | None = None
    """Why the observer stopped short of complete (None: complete, or still going)."""


def decide_stop(state: EndState) -> StopDecision:
    """Whether the observer stops now, and why, if not complete."""
    if state.complete:
        return StopDecision(True)
    announced = f"{state.ended} of {state.writers} writer(s) announced their end"
    if state.stopped is not None:
        return StopDecision(True, f"{state.stopped} after {announced}")
    if state.ended >= state.writers and state.since_last_end_s is not None:
        return StopDecision(state.since_last_end_s >= state.drain_s)
    wait_s = state.drain_s + AFTER_SCHEDULE_GRACE_S
    if (
        state.end_marker_may_be_lost
        and state.past_schedule_s is not None
        and state.past_schedule_s >= wait_s
    ):
        return StopDecision(
            True,
            f"{announced}, {wait_s:.0f}s after the schedule's last write; an end marker sent "
            "during an outage never arrives, and a killed writer sends none",
        )
    if state.past_deadline:
        return StopDecision(True, f"{announced} before the run timeout")
    return StopDecision(False)
