"""The documents: what each role emits (:class:`WriterResult`, :class:`ObserverResult`) and the
merged run result (:class:`RunResult`), the same locally and in a cluster."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from kobench.api.basics import Document
from kobench.api.status import Verdict as Verdict
from kobench.measure.histograms import EncodedHistogram, LatencySummary
from kobench.measure.results.calibration_docs import Calibration, RoleRoundTrip, ToolOverhead

# Re-exported: the engine's documents were here first.
from kobench.measure.results.engine_docs import Convergence as Convergence
from kobench.measure.results.engine_docs import EngineFacts as EngineFacts
from kobench.measure.results.engine_docs import PairDivergence as PairDivergence
from kobench.measure.results.engine_docs import ReplicaState as ReplicaState
from kobench.measure.results.fault_docs import FaultResult
from kobench.measure.series import ObserverSecond, Outage, Silence, WriterSecond

SCHEMA_VERSION = 1

LatencyBasis = Literal["notification", "read"]


class ClientInfo(Document):
    """Client library versions: they move the figures by 1.3-1.8x."""

    python: str
    redis_py: str
    hiredis: bool
    host: str


class WriterCounts(Document):
    """What an observer saw from one writer."""

    distinct: int = 0
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
    notifications: Annotated[
        int, Field(description="SET notifications of the run's keys (shared mode counts these).")
    ] = 0
    lost_notifications: Annotated[
        int,
        Field(description="Shared mode: notifications lost in outages (found by the next read)."),
    ] = 0
    superseded: Annotated[
        int,
        Field(description="Shared mode: reads that found a newer write than the one notified."),
    ] = 0
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
    sent: Annotated[int, Field(description="Writes the engine acknowledged.")] = 0
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


class ObserverSummary(Document):
    """Per named observer, merged over its instances."""

    name: str
    mode: str
    instances: int
    target_replica: int
    received: int
    expected: int
    missed: int
    duplicates: int
    out_of_order: int
    worst_instance_missed: Annotated[
        int, Field(description="Missed events of the instance that missed most.")
    ] = 0
    worst_instance_duplicates: Annotated[
        int, Field(description="Duplicates of the instance that saw most.")
    ] = 0
    superseded: Annotated[
        int, Field(description="Shared mode: notified writes whose value was already overwritten.")
    ] = 0
    disconnects: int
    worst_instance_disconnects: int = 0
    negative_latencies: int
    latency_basis: LatencyBasis = "notification"
    latency_ms: Annotated[
        LatencySummary | None, Field(description="One-way latency on the raw clocks.")
    ] = None
    read_latency_ms: Annotated[
        LatencySummary | None,
        Field(description="Shared mode: latency to the write each read found (proof of concept)."),
    ] = None
    corrected_latency_ms: Annotated[
        LatencySummary | None,
        Field(description="One-way latency corrected by a significant clock offset (else raw)."),
    ] = None
    handshake_rtt_ms: LatencySummary | None = None
    handshake_every: Annotated[
        int, Field(description="The observer answered one write in this many.")
    ] = 1
    handshake_samples: Annotated[
        int,
        Field(
            description="Answers the writers received from it: the round trip's and the clock "
            "offset's samples, warm-up included."
        ),
    ] = 0
    clock_offset_ms: float | None = None
    clock_uncertainty_ms: float | None = None
    clock_same_host: bool | None = None
    end_lag_ms: Annotated[
        float | None, Field(description="Worst backlog at the end of the run, over instances.")
    ] = None
    saturation: Annotated[
        str,
        Field(description="Why the observer could not keep up (empty when it could)."),
    ] = ""
    errors: list[str] = []
    series: Annotated[
        list[ObserverSecond],
        Field(
            description="Per second, over instances: events and missed summed, the worst p50, "
            "p99 and max."
        ),
    ] = []
    outages: list[Outage] = []
    tool_overhead: Annotated[
        ToolOverhead | None,
        Field(description="Event p50 against the engine's paced round trip from the observer."),
    ] = None
    latency_histogram: EncodedHistogram = ""
    rtt_histogram: EncodedHistogram = ""


class MatrixCell(Document):
    written_replica: int
    observed_replica: int
    count: int
    p50_ms: float
    p99_ms: float


class WritersSummary(Document):
    writers: Annotated[int, Field(description="Writers that sent their document.")]
    silent: Annotated[
        list[int],
        Field(description="Writers of the spec that sent no document (killed, or lost)."),
    ] = []
    sent: int
    measured_writes: Annotated[
        int | None,
        Field(description="Writes the writers' documents report past their warm-up."),
    ] = None
    measured_start_ns: Annotated[
        int, Field(description="Wall clock (ns) of second 0 of the series (earliest writer).")
    ] = 0
    planned: Annotated[
        int, Field(description="Writes the spec asks for, warm-up included, over all writers.")
    ]
    achieved_rate: float
    rate_measured: Annotated[
        bool, Field(description="False when too few writes were measured to tell a rate.")
    ] = True
    target_rate: int
    max_lag_ms: float
    series: list[WriterSecond] = []
    errors: list[str] = []


class RunResult(Document):
    """The result of one run: the same document locally and in a cluster."""

    schema_version: int = SCHEMA_VERSION
    benchmark: str
    run_id: str
    started_ns: int
    finished_ns: int
    verdict: Verdict
    reasons: list[str]
    engine: EngineFacts
    client: ClientInfo | None = None
    writers: WritersSummary
    observers: list[ObserverSummary]
    matrix: list[MatrixCell]
    convergence: Convergence
    faults: Annotated[
        list[FaultResult], Field(description="What each fault of spec.faults did.")
    ] = []
    calibration: Annotated[
        list[RoleRoundTrip],
        Field(description="Per role, the engine's PING round trip measured before the run."),
    ] = []
