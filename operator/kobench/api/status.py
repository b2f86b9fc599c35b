"""The status of a ``KeyDBObserverBenchmark``: its typed model, phases, conditions and reasons.

The model is the CRD's status schema (see :mod:`kobench.api.crd`), so whatever the controller's pure
reducers (:mod:`kobench.run.reducers`) write is exactly what the API server accepts.
Phases, condition types and condition reasons are declared once, with what each means, in
:mod:`kobench.api.status_terms`.
Lists are bounded: the status must stay small enough to be read at a glance; the full
histograms live in the results ConfigMap that ``resultsConfigMap`` names.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from kobench.api.basics import Document
from kobench.api.fault_spec import AppliedFault
from kobench.api.matrix_status import MatrixStatus
from kobench.api.schedule_status import ScheduleStatus
from kobench.api.status_terms import (
    MAX_HISTORY,
    MAX_REASON_LENGTH,
    MAX_REASONS,
    ConditionStatus,
    Phase,
    Verdict,
)
from kobench.api.target_status import TargetStatus


class Condition(Document):
    """A Kubernetes-style condition."""

    type: Annotated[
        str,
        Field(
            description="EngineReady, ObserversSubscribed, Complete, Passed, Ready, Reconciling "
            "or Stalled."
        ),
    ]
    status: ConditionStatus
    reason: Annotated[str, Field(description="CamelCase reason.", max_length=128)] = ""
    message: Annotated[str, Field(description="Human-readable detail.", max_length=2048)] = ""
    last_transition_time: Annotated[str, Field(description="When status last changed (RFC 3339).")]
    observed_generation: Annotated[
        int, Field(description="Generation the run was started for.")
    ] = 0


class ObserverLine(Document):
    """Per named observer, merged over its instances; latencies in milliseconds."""

    name: str
    mode: str
    instances: int = 0
    target_replica: int = 0
    redelivered: Annotated[
        int, Field(description="At least once: entries delivered again (not missed).")
    ] = 0
    coalesced: Annotated[
        int, Field(description="Coalescing: writes covered by another write's invalidation.")
    ] = 0
    received: int = 0
    expected: int = 0
    missed: int = 0
    duplicates: int = 0
    out_of_order: int = 0
    p50_ms: float | None = None
    p90_ms: float | None = None
    p99_ms: float | None = None
    p999_ms: float | None = None
    max_ms: float | None = None
    rtt_p99_ms: Annotated[float | None, Field(description="Handshake round trip p99.")] = None
    clock_offset_ms: float | None = None
    ping_ms: Annotated[
        float | None,
        Field(description="The engine's paced PING round trip from the observer, before the run."),
    ] = None
    p50_ping_ratio: Annotated[
        float | None,
        Field(description="p50 / pingMs: how much of the latency the engine round trip explains."),
    ] = None
    saturated: Annotated[bool, Field(description="It could not keep up with the writers.")] = False
    outages: Annotated[int, Field(description="Connection losses over its instances.")] = 0
    worst_second: Annotated[
        int | None, Field(description="Second of the run with the highest max latency.")
    ] = None
    worst_second_max_ms: Annotated[
        float | None, Field(description="Max latency in that second.")
    ] = None


class Summary(Document):
    """The headline numbers. Latencies are the worst over the observers (clock-corrected when an
    offset was estimated)."""

    writes: Annotated[int, Field(description="Writes sent by every writer.")] = 0
    mechanism: Annotated[
        str, Field(description="The delivery mechanism, as mechanism:variant when it has one.")
    ] = "keyevent"
    guarantee: Annotated[
        str,
        Field(description="Its guarantee: at-most-once, at-least-once, coalescing, resumable."),
    ] = "at-most-once"
    missed: Annotated[int, Field(description="Missed events over every observer.")] = 0
    p50_ms: float | None = None
    p99_ms: float | None = None
    rtt_p99_ms: float | None = None
    achieved_rate: Annotated[float, Field(description="Writes per second per writer.")] = 0.0
    observers: Annotated[list[ObserverLine], Field(max_length=64)] = []
    faults: Annotated[int, Field(description="Faults of spec.faults that were applied.")] = 0
    worst_outage_ms: Annotated[
        float | None,
        Field(description="The longest outage a fault caused an observer; -1: one never ended."),
    ] = None


class FaultsStatus(Document):
    """The fault schedule of the current run while it runs: its clock and the kills done (so a
    restarted operator neither repeats nor forgets one)."""

    clock_ns: Annotated[
        int,
        Field(description="Wall clock (ns) of the first measured write, as the injector read it."),
    ] = 0
    kills: Annotated[list[AppliedFault], Field(max_length=16)] = []


class ReplicaLine(Document):
    index: int
    role: str = ""
    link_up: bool = False
    detail: str = ""


class EngineStatus(Document):
    """Engine version and replication state, as writer 0 read them."""

    type: str = ""
    version: str = ""
    replicas: int = 0
    replication: Annotated[list[ReplicaLine], Field(max_length=16)] = []
    converged: Annotated[bool | None, Field(description="Every replica held the same data.")] = None
    convergence_detail: str = ""


class HistoryEntry(Document):
    """One finished run."""

    run_id: str
    run_nonce: str = ""
    phase: str = ""
    verdict: str = ""
    started_at: str = ""
    finished_at: str = ""
    writes: int = 0
    missed: int = 0
    p99_ms: float | None = None
    results_config_map: str = ""


class BenchmarkStatus(Document):
    """The status subresource (kopf keeps its own bookkeeping under ``status.kopf``)."""

    phase: Annotated[Phase | None, Field(description="Where the current run is.")] = None
    verdict: Annotated[Verdict | None, Field(description="Passed, Failed or Invalid.")] = None
    reasons: Annotated[
        list[Annotated[str, Field(max_length=MAX_REASON_LENGTH)]],
        Field(description="Why the verdict or the failure.", max_length=MAX_REASONS),
    ] = []
    message: Annotated[str, Field(description="Last transition, in words.", max_length=2048)] = ""
    observed_generation: Annotated[int, Field(description="Latest generation seen.")] = 0
    run_id: Annotated[str, Field(description="Id of the current or last run.")] = ""
    run_nonce: Annotated[str, Field(description="spec.runNonce of the current run.")] = ""
    run_generation: Annotated[int, Field(description="Generation the current run started for.")] = 0
    started_at: str = ""
    phase_since: Annotated[str, Field(description="When the current phase began.")] = ""
    finished_at: str = ""
    conditions: Annotated[list[Condition], Field(max_length=8)] = []
    summary: Summary | None = None
    engine: EngineStatus | None = None
    faults: FaultsStatus | None = None
    results_config_map: Annotated[
        str, Field(description="ConfigMap holding the full result document and histograms.")
    ] = ""
    history: Annotated[list[HistoryEntry], Field(max_length=MAX_HISTORY)] = []
    progress: Annotated[str, Field(description="A matrix: runs ended of all (3/12).")] = ""
    matrix: MatrixStatus | None = None
    schedule: ScheduleStatus | None = None
    target: Annotated[
        TargetStatus | None, Field(description="spec.target: what was found, what was cleaned.")
    ] = None
