"""The merged run result (:class:`RunResult`), the same locally and in a cluster; what each role
emits (:class:`WriterResult`, :class:`ObserverResult`) is in :mod:`.role_docs`."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from kobench.api.basics import Document
from kobench.api.status_terms import Verdict as Verdict
from kobench.measure.histograms import EncodedHistogram, LatencySummary
from kobench.measure.results.calibration_docs import RoleRoundTrip, ToolOverhead
from kobench.measure.results.delivery_docs import DeliveryFacts

# Re-exported: the engine's documents were here first.
from kobench.measure.results.engine_docs import Convergence as Convergence
from kobench.measure.results.engine_docs import EngineFacts as EngineFacts
from kobench.measure.results.engine_docs import PairDivergence as PairDivergence
from kobench.measure.results.engine_docs import ReplicaState as ReplicaState
from kobench.measure.results.fault_docs import FaultResult
from kobench.measure.results.probe_docs import ProbeResult

# Re-exported: the roles' documents were here first.
from kobench.measure.results.role_docs import SCHEMA_VERSION as SCHEMA_VERSION
from kobench.measure.results.role_docs import ClientInfo as ClientInfo
from kobench.measure.results.role_docs import ClockSample as ClockSample
from kobench.measure.results.role_docs import LatencyBasis as LatencyBasis
from kobench.measure.results.role_docs import ObserverResult as ObserverResult
from kobench.measure.results.role_docs import WriterCounts as WriterCounts
from kobench.measure.results.role_docs import WriterResult as WriterResult
from kobench.measure.results.target_docs import TargetRecord
from kobench.measure.series import (
    NotWritten,
    ObserverSecond,
    Outage,
    WriterSecond,
)


class ObserverSummary(Document):
    """Per named observer, merged over its instances. Counts are of the measured writes (the
    warm-up excluded), as the latency figures are."""

    name: str
    mode: str
    mechanism: Annotated[
        str, Field(description="The delivery mechanism, as mechanism:variant when it has one.")
    ] = "keyevent"
    guarantee: Annotated[
        str, Field(description="Its guarantee: at-most-once, at-least-once, coalescing, resumable.")
    ] = "at-most-once"
    instances: int
    target_replica: int
    received: Annotated[
        int, Field(description="Measured writes received (warm-up excluded), over instances.")
    ]
    expected: Annotated[
        int, Field(description="Measured writes sent (warm-up excluded), times the instances.")
    ]
    missed: Annotated[int, Field(description="Measured writes never received, over instances.")]
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
    redelivered: Annotated[
        int, Field(description="At least once: entries delivered again, over instances.")
    ] = 0
    redelivery_latency_ms: Annotated[
        LatencySummary | None,
        Field(description="At least once: redelivered entries, from their write's intended time."),
    ] = None
    coalesced: Annotated[
        int, Field(description="Coalescing: writes covered by another write's invalidation.")
    ] = 0
    coalesced_invalidations: Annotated[
        int, Field(description="Coalescing: invalidations that covered more than one write.")
    ] = 0
    caught_up: Annotated[
        int,
        Field(description="Writes sent during an outage and received after it (delivered late)."),
    ] = 0
    unacknowledged: Annotated[
        int | None,
        Field(
            description="A stream group shared by several consumers: entries never acknowledged "
            "by the group when its last consumer ended (these are its missed)."
        ),
    ] = None
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
    """The writers, merged. ``sent`` and ``planned`` count the measured writes (the warm-up
    excluded), as every count and latency figure of the result does."""

    writers: Annotated[int, Field(description="Writers that sent their document.")]
    silent: Annotated[
        list[int],
        Field(description="Writers of the spec that sent no document (killed, or lost)."),
    ] = []
    sent: Annotated[
        int, Field(description="Measured writes the engine acknowledged (warm-up excluded).")
    ]
    warmup: Annotated[
        int, Field(description="Warm-up writes the engine acknowledged (not measured).")
    ] = 0
    not_written: Annotated[
        int,
        Field(
            description="Measured writes the engine refused while it could not serve "
            "(loading): not in sent, and lost by no observer."
        ),
    ] = 0
    not_written_runs: Annotated[
        list[NotWritten], Field(description="Those writes (warm-up too), with when they were due.")
    ] = []
    measured_start_ns: Annotated[
        int, Field(description="Wall clock (ns) of second 0 of the series (earliest writer).")
    ] = 0
    planned: Annotated[
        int, Field(description="Measured writes the spec asks for, over all writers.")
    ]
    achieved_rate: float
    rate_measured: Annotated[
        bool, Field(description="False when too few writes were measured to tell a rate.")
    ] = True
    target_rate: int
    max_lag_ms: float
    wall_clock_step_ms: Annotated[
        float, Field(description="The largest step of a writer host's wall clock during the run.")
    ] = 0.0
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
    target: TargetRecord | None = None
    """A run against the user's own engine: how it reached it and what it left."""
    faults: Annotated[
        list[FaultResult], Field(description="What each fault of spec.faults did.")
    ] = []
    calibration: Annotated[
        list[RoleRoundTrip],
        Field(description="Per role, the engine's PING round trip measured before the run."),
    ] = []
    delivery: Annotated[
        DeliveryFacts,
        Field(description="The delivery mechanism that ran, its guarantee and the command."),
    ] = DeliveryFacts()
    probe: Annotated[
        ProbeResult | None,
        Field(
            description="What the capability probe asked each server and what it answered "
            "(runs beyond keyevent on set are probed before the observers start)."
        ),
    ] = None
