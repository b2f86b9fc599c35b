"""The fault schedule: what goes wrong during the measured writes, and when.

Faults are timed on the writers' schedule: ``atSeconds`` after the first measured write was due.
Each needs no privilege beyond what kobench already has: Redis commands with the run's password
(pause, subscriber kill, replication cut) and ending the run's own processes or pods (kills).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from kobench.api.basics import DNS_LABEL, MAX_MS, MAX_REPLICAS, Document, Model

MAX_FAULTS = 16
MAX_FAULT_SECONDS = 3600.0

FaultAction = Literal[
    "killReplica",
    "pauseReplica",
    "dropSubscribers",
    "cutReplication",
    "killObserver",
    "killWriter",
]
REPLICA_ACTIONS: tuple[FaultAction, ...] = (
    "killReplica",
    "pauseReplica",
    "dropSubscribers",
    "cutReplication",
)
TIMED_ACTIONS: tuple[FaultAction, ...] = ("pauseReplica", "cutReplication")
"""Faults that last ``durationSeconds``; the others are instants."""
KILL_ACTIONS: tuple[FaultAction, ...] = ("killReplica", "killObserver", "killWriter")
"""Faults the runner applies itself (a process or pod ended); the others are Redis commands."""


class Fault(Model):
    """One fault at one time."""

    at_seconds: Annotated[
        float,
        Field(
            description="When, in seconds after the first measured write was due.",
            ge=0,
            le=MAX_FAULT_SECONDS,
        ),
    ]
    action: Annotated[
        FaultAction,
        Field(
            description="killReplica (process or pod ended; it comes back empty), pauseReplica "
            "(CLIENT PAUSE ALL for durationSeconds), dropSubscribers (CLIENT KILL TYPE pubsub, and "
            "by id every other receiving connection of an observer: stream consumers, tracking), "
            "cutReplication (the replica cannot reach its primary or peers for durationSeconds, "
            "then resyncs), killObserver, killWriter (the role ends; it is not restarted)."
        ),
    ]
    replica: Annotated[
        int | None,
        Field(description="Engine replica of a replica fault.", ge=0, le=MAX_REPLICAS - 1),
    ] = None
    duration_seconds: Annotated[
        float | None,
        Field(
            description="How long pauseReplica and cutReplication last.",
            gt=0,
            le=MAX_FAULT_SECONDS,
        ),
    ] = None
    observer: Annotated[
        str | None,
        Field(description="killObserver: the observer's name.", pattern=DNS_LABEL, max_length=40),
    ] = None
    instance: Annotated[
        int, Field(description="killObserver: which instance of it.", ge=0, le=15)
    ] = 0
    writer: Annotated[
        int | None, Field(description="killWriter: the writer's id.", ge=0, le=15)
    ] = None

    @property
    def ends_after_seconds(self) -> float:
        """When the fault is over, on the same clock as ``atSeconds``."""
        return self.at_seconds + (self.duration_seconds or 0.0)

    @property
    def target(self) -> str:
        """The fault's target as results name it."""
        if self.action == "killObserver":
            return f"{self.observer}.{self.instance}"
        if self.action == "killWriter":
            return f"writer.{self.writer}"
        return f"replica {self.replica}"

    def describe(self) -> str:
        """The fault in a few words, e.g. ``pauseReplica 0 for 2s at 5s``."""
        if self.action in REPLICA_ACTIONS:
            target = f" {self.replica}"
        elif self.action == "killObserver":
            target = f" {self.observer}.{self.instance}"
        else:
            target = f" {self.writer}"
        lasting = f" for {self.duration_seconds:g}s" if self.duration_seconds else ""
        return f"{self.action}{target}{lasting} at {self.at_seconds:g}s"


class FaultThresholds(Model):
    """How much damage a fault may do and the run still pass."""

    max_outage_ms: Annotated[
        float | None,
        Field(
            description="Longest time an observer may go without events around one fault "
            "(last event before it to the first after).",
            gt=0,
            le=MAX_MS,
        ),
    ] = None
    max_lost: Annotated[
        int | None,
        Field(
            description="Events an observer instance may lose to one fault; unset: the "
            "run-wide maxMissed applies to every event.",
            ge=0,
        ),
    ] = None


class AppliedFault(Document):
    """One fault as the injector (Redis commands) or the executor (kills) applied it."""

    index: Annotated[int, Field(description="Its place in spec.faults.")]
    action: str
    target: Annotated[str, Field(description="Replica index, observer instance or writer id.")]
    at_seconds: Annotated[float, Field(description="When it was asked for (spec.faults).")]
    applied_ns: Annotated[int, Field(description="Wall clock (ns) it was applied; 0: it was not.")]
    ended_ns: Annotated[
        int, Field(description="Wall clock (ns) it was lifted (= applied for an instant).")
    ] = 0
    recovered_ns: Annotated[
        int,
        Field(
            description="Replica faults: when every replica answered with its replication links "
            "up again; 0: not seen."
        ),
    ] = 0
    error: str = ""

    @classmethod
    def of(cls, index: int, fault: Fault, *, at_ns: int = 0, error: str = "") -> AppliedFault:
        """The record of fault ``index``; applied (and, an instant, ended) at ``at_ns`` unless
        it failed or has not happened yet (0)."""
        applied = 0 if error else at_ns
        return cls(
            index=index,
            action=fault.action,
            target=fault.target,
            at_seconds=fault.at_seconds,
            applied_ns=applied,
            ended_ns=applied,
            error=error,
        )
