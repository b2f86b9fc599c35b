"""The run over time: per-second samples per observer and per writer, and outages.

These are the shapes of the result document's time series (``series``) and outage records
(``outages``), shared by the roles that fill them, the merge that combines instances and the
report that draws them. Second ``t`` counts from the start of the measured writes (warm-up
excluded) on the writer's schedule: second 0 holds writes whose intended send time is in
``[start, start + 1 s)``, whenever they were observed.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from kobench.api.basics import Document


class ObserverSecond(Document):
    """One second of one observer (or of all instances of a named observer, merged: events and
    missed summed, the worst instance's p50, p99 and max)."""

    t: Annotated[int, Field(ge=0, description="Second of the measured run (intended send time).")]
    events: Annotated[int, Field(ge=0, description="Measured events whose write fell in it.")] = 0
    missed: Annotated[int, Field(ge=0, description="Writes of that second never observed.")] = 0
    p50_ms: float | None = None
    p99_ms: float | None = None
    max_ms: float | None = None


class WriterSecond(Document):
    """One second of one writer (or of all writers, summed; lag is the worst)."""

    t: Annotated[int, Field(ge=0, description="Second of the measured run.")]
    sent: Annotated[int, Field(ge=0, description="Writes sent whose intended time fell in it.")] = 0
    max_lag_ms: Annotated[
        float, Field(description="Worst delay of a real send behind its intended time.")
    ] = 0.0


class Outage(Document):
    """A time an observer was cut off from its replica (connection lost, or no events)."""

    started_ns: Annotated[int, Field(description="Wall clock (ns): the connection was lost.")]
    ended_ns: Annotated[
        int, Field(description="Wall clock (ns): resubscribed; 0 when it never recovered.")
    ] = 0
    missed: Annotated[int, Field(ge=0, description="Writes sent meanwhile and never observed.")] = 0
    caught_up: Annotated[
        int,
        Field(
            ge=0,
            description="Writes sent before it ended and received after it (a mechanism that "
            "keeps them, such as a stream, delivers the gap late instead of losing it).",
        ),
    ] = 0
    first_event_after_ms: Annotated[
        float | None,
        Field(description="From the loss of the connection to the first event after it."),
    ] = None
    reason: Annotated[str, Field(description="Why it started, e.g. the connection error.")] = ""
    observer: Annotated[str, Field(description="The observer instance, 'name.index'.")] = ""


class Silence(Document):
    """A time an observer received no new event: from the last one before to the first after."""

    before_ns: Annotated[int, Field(description="Wall clock (ns) of the last event before it.")]
    after_ns: Annotated[
        int, Field(description="Wall clock (ns) of the first event after it; 0: none came.")
    ] = 0


class MissedWrites(Document):
    """A run of one writer's measured writes that an observer never received, with when the
    first was due: what lets a loss be charged to the fault whose window held it."""

    writer: int
    first_seq: int
    last_seq: int
    missed: Annotated[
        int,
        Field(
            ge=0,
            description="Writes of first..last never received: all of them, unless runs close "
            "together were merged to keep the document small.",
        ),
    ]
    first_due_ns: Annotated[
        int, Field(description="Wall clock (ns) the first was due (its intended send time).")
    ]


class NotWritten(Document):
    """A run of one writer's writes the engine refused while it could not serve (LOADING, BUSY,
    MASTERDOWN, TRYAGAIN): never made, so no observer could miss them."""

    writer: int
    first_seq: int
    last_seq: int
    first_due_ns: Annotated[int, Field(description="Wall clock (ns) the first was due.")]
    reason: Annotated[str, Field(description="The engine's answer to the first of them.")] = ""

    @property
    def count(self) -> int:
        return self.last_seq - self.first_seq + 1

    def measured(self, warmup: int) -> int:
        """How many of them were measured writes (after the warm-up)."""
        return max(0, self.last_seq + 1 - max(self.first_seq, warmup))


def worst_second(series: list[ObserverSecond]) -> ObserverSecond | None:
    """The worst second: the one that missed most events (an event that never came is later
    than any that did), else the one with the highest p99, then max latency."""
    measured = [s for s in series if s.max_ms is not None or s.missed]
    if not measured:
        return None
    return max(measured, key=lambda s: (s.missed, s.p99_ms or 0.0, s.max_ms or 0.0))


__all__ = [
    "MissedWrites",
    "NotWritten",
    "ObserverSecond",
    "Outage",
    "Silence",
    "WriterSecond",
    "worst_second",
]
