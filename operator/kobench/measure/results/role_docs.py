"""What each role emits: :class:`WriterResult` and :class:`ObserverResult` (one per instance),
the same locally and in a cluster; :mod:`.documents` merges them into the run's result."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from kobench.api.basics import Document
from kobench.measure.histograms import EncodedHistogram
from kobench.measure.results.calibration_docs import Calibration
from kobench.measure.results.engine_docs import Convergence, EngineFacts
from kobench.measure.series import (
    MissedWrites,
    NotWritten,
    ObserverSecond,
    Outage,
    Silence,
    WriterSecond,
)

SCHEMA_VERSION = 1

LatencyBasis = Literal["notification", "read"]


class GroupAudit(Document):
    """A stream group's state as one of its consumers read it when it ended (XINFO GROUPS)."""

    pending: Annotated[int, Field(description="Entries delivered and never acknowledged.")] = 0
    undelivered: Annotated[
        int | None,
        Field(description="Entries never delivered to the group (its lag); None: not told."),
    ] = None


class ClientInfo(Document):
    """Client library versions: they move the figures by 1.3-1.8x."""

    python: str
    redis_py: str
    hiredis: bool
    host: str


class WriterCounts(Document):
    """What an observer saw from one writer."""

    distinct: int = 0
    warmup_distinct: Annotated[
        int, Field(description="Of the distinct writes, those of the warm-up (not measured).")
    ] = 0
    last_ns: Annotated[
        int, Field(description="Wall clock (ns) the last new event of this writer arrived.")
    ] = 0
    duplicates: int = 0
    out_of_order: int = 0
    highest_seq: int = -1


class ObserverResult(Document):
    """One observer instance's document."""

    role: Literal["observer"] = "observer"
    schema_version: int = SCHEMA_VERSION
    name: str
    instance: int
    mode: str
    target_replica: int
    client: ClientInfo
    started_ns: int
    ended_ns: int
    writers: dict[str, WriterCounts] = {}
    latency: Annotated[
        dict[str, EncodedHistogram],
        Field(description="Raw one-way latency in us per written replica (HDR)."),
    ] = {}
    latency_basis: Annotated[
        LatencyBasis,
        Field(
            description="What latency measures: notification (each event from its own write's "
            "intended time) or read (shared mode with several writers on the key: the write "
            "found by the read, which hides a queue)."
        ),
    ] = "notification"
    read_latency: Annotated[
        dict[str, EncodedHistogram],
        Field(description="Shared mode: the proof of concept's read-based latency in us (HDR)."),
    ] = {}
    negative_latencies: int = 0
    mechanism: Annotated[
        str, Field(description="The delivery mechanism, as mechanism:variant when it has one.")
    ] = "keyevent"
    guarantee: Annotated[
        str,
        Field(description="The mechanism's guarantee: at-most-once, at-least-once, coalescing."),
    ] = "at-most-once"
    notifications: Annotated[
        int, Field(description="Events of the run's keys (shared mode counts these).")
    ] = 0
    warmup_notifications: Annotated[
        int,
        Field(
            description="Shared mode: notifications of warm-up writes (estimated when several "
            "writers share the key: the first ones)."
        ),
    ] = 0
    lost_notifications: Annotated[
        int,
        Field(description="Shared mode: notifications lost in outages (found by the next read)."),
    ] = 0
    superseded: Annotated[
        int,
        Field(description="Shared mode: reads that found a newer write than the one notified."),
    ] = 0
    redelivered: Annotated[
        int,
        Field(description="Entries delivered again (at least once: pending read again, claimed)."),
    ] = 0
    redelivery_latency: Annotated[
        dict[str, str],
        Field(description="Redelivered entries: from the write's intended time, in us (HDR)."),
    ] = {}
    coalesced: Annotated[
        int,
        Field(description="Writes covered by another write's invalidation (coalescing)."),
    ] = 0
    coalesced_invalidations: Annotated[
        int, Field(description="Invalidations that covered more than one write.")
    ] = 0
    group_audit: Annotated[
        GroupAudit | None,
        Field(description="A stream group shared by several consumers: its state at the end."),
    ] = None
    handshakes_sent: int = 0
    unanswered: Annotated[
        int, Field(description="Handshakes that could not be sent (answer replica unreachable).")
    ] = 0
    disconnects: int = 0
    foreign_events: int = 0
    end_lag_ms: Annotated[
        float | None,
        Field(
            description="How long after the writer's last write the observer saw its end marker: "
            "the backlog left at the end of the run."
        ),
    ] = None
    series: list[ObserverSecond] = []
    missed_writes: Annotated[
        list[MissedWrites],
        Field(description="The measured writes never received, as runs (bounded), with when due."),
    ] = []
    outages: list[Outage] = []
    silences: Annotated[
        list[Silence], Field(description="The longest times without a new event (faults).")
    ] = []
    calibration: Annotated[
        Calibration | None,
        Field(description="The engine's PING round trip from this role, before the run."),
    ] = None
    error: str | None = None


class ClockSample(Document):
    """The best NTP-style estimate of one observer instance's clock against a writer's."""

    offset_us: float
    delay_us: float
    samples: int


class WriterResult(Document):
    """One writer's document."""

    role: Literal["writer"] = "writer"
    schema_version: int = SCHEMA_VERSION
    writer_id: int
    target_replicas: list[int]
    client: ClientInfo
    started_ns: int
    ended_ns: int
    measured_start_ns: Annotated[
        int, Field(description="Wall clock (ns) of second 0: the first measured write's due time.")
    ] = 0
    sent: Annotated[
        int,
        Field(
            description="Writes of the schedule that went out (seqs 0..sent-1): made, or "
            "refused while the engine could not serve (notWritten)."
        ),
    ] = 0
    not_written: Annotated[
        list[NotWritten],
        Field(
            description="Runs of writes the engine refused while it could not serve (LOADING, "
            "BUSY, MASTERDOWN, TRYAGAIN): never made, so no observer missed them."
        ),
    ] = []
    unconfirmed: Annotated[
        int,
        Field(
            description="Writes of the batch in flight when the engine was lost: they may or "
            "may not have landed (observers tell)."
        ),
    ] = 0
    warmup_writes: int = 0
    measured_seconds: float = 0.0
    achieved_rate: float = 0.0
    max_lag_us: float = 0.0
    wall_clock_step_ms: Annotated[
        float,
        Field(
            description="How far the host's wall clock moved against its monotonic clock "
            "during the writes (a step: NTP, an administrator); every wall stamp moved with it."
        ),
    ] = 0.0
    rtt: Annotated[
        dict[str, EncodedHistogram],
        Field(description="Handshake round trip in us per observer instance 'name.index' (HDR)."),
    ] = {}
    handshakes: dict[str, int] = {}
    clock: dict[str, ClockSample] = {}
    engine: Annotated[
        EngineFacts | None, Field(description="Writer 0 only: engine version and replication.")
    ] = None
    series: list[WriterSecond] = []
    convergence: Annotated[
        Convergence | None,
        Field(description="Writer 0 only: the post-run read-back of every replica."),
    ] = None
    calibration: Annotated[
        Calibration | None,
        Field(description="The engine's PING round trip from this role, before the run."),
    ] = None
    error: str | None = None
