"""The status of a ``KeyDBObserverBenchmark``: its typed model, phases, conditions and reasons.

The model is the CRD's status schema (see :mod:`kobench.api.crd`), so whatever the controller's pure
reducers (:mod:`kobench.run.reducers`) write is exactly what the API server accepts.
Phases, condition types and condition reasons are declared here once, with what each means.
Lists are bounded: the status must stay small enough to be read at a glance; the full
histograms live in the results ConfigMap that ``resultsConfigMap`` names.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from kobench.api.basics import Document
from kobench.api.fault_spec import AppliedFault
from kobench.api.matrix_status import MatrixStatus
from kobench.api.schedule_status import ScheduleStatus
from kobench.api.target_status import TargetStatus

Verdict = Literal["Passed", "Failed", "Invalid"]
"""A run's verdict (the result document's and the status's)."""
Phase = Literal[
    "Pending",
    "Deploying",
    "WaitingForEngine",
    "Subscribing",
    "Running",
    "Collecting",
    "RunningCells",
    "Comparing",
    "Succeeded",
    "Failed",
    "Error",
]
PHASES: dict[Phase, str] = {
    "Pending": "a run was started in status; nothing is created yet",
    "Deploying": "the run configuration, the engine's Secret, ConfigMap, Service and StatefulSet "
    "are being created",
    "WaitingForEngine": "until every engine replica serves with its replication links up, then "
    "(for a mechanism or command beyond keyevent on set) the capability probe asked it what the "
    "run needs (timeouts.engineReadySeconds)",
    "Subscribing": "observer pods run; until each confirmed its subscription "
    "(timeouts.subscribeSeconds)",
    "Running": "the writers run (started only once every observer is subscribed); until every "
    "role ended or the ones left are past their budget (timeouts.runSeconds)",
    "Collecting": "reading each role's result document, merging and judging them",
    "RunningCells": "a matrix: its runs (cell x repetition) go one after another, each a child "
    "benchmark; status.progress counts them",
    "Comparing": "a matrix: every run ended; their results are compared cell against cell",
    "Succeeded": "the run was carried out; status.verdict says whether it passed",
    "Failed": "the run could not be carried out: a stage timed out or a role failed before the "
    "writers ran (reasons)",
    "Error": "the spec is invalid, or the engine cannot do what it asks (reason Unsupported); "
    "the reasons name the field; fixing it starts the run",
}
"""The phases of a run, in order, and what each means (declared once)."""
TERMINAL_PHASES: frozenset[str] = frozenset({"Succeeded", "Failed", "Error"})
ConditionStatus = Literal["True", "False", "Unknown"]
ConditionType = Literal[
    "EngineReady", "ObserversSubscribed", "Complete", "Passed", "Ready", "Reconciling", "Stalled"
]

MAX_REASONS = 16
MAX_REASON_LENGTH = 512
MAX_HISTORY = 10

CONDITION_TYPES: dict[ConditionType, str] = {
    "EngineReady": "True: every engine replica answers PING (not LOADING). False: still starting "
    "(reason Unschedulable: a replica cannot be placed, the message names the pod and the "
    "scheduler's answer) or failed. Unknown: not deployed yet.",
    "ObserversSubscribed": "True: every observer confirmed its subscription, the writer may start. "
    "False: waiting, or an observer failed. Unknown: not started yet.",
    "Complete": "True: the run ended (phase Succeeded, Failed or Error; reason says which). False: "
    "the run is in progress (reason ApiError: the operator cannot make an API call it needs; the "
    "message names the call and the answer, and it retries with a backoff).",
    "Passed": "True: verdict Passed. False: verdict Failed or Invalid (reason), or the run failed. "
    "Unknown: no verdict yet.",
    "Ready": "kstatus (helm --wait, Flux, kubectl wait --for=condition=Ready). True: the run "
    "ended with its result (phase Succeeded; the verdict is in Passed). False: a run is in "
    "progress (reason Progressing) or cannot go on (the reason is Complete's).",
    "Reconciling": "kstatus. True: a run is in progress (reason Progressing; the message says "
    "its phase). False: it ended.",
    "Stalled": "kstatus. True: the run cannot go on without a change to the resource (phase "
    "Failed or Error; the reason is Complete's). False otherwise.",
}
"""Condition types and the meaning of their states, declared once."""

Reason = Literal[
    "RunStarted",
    "Progressing",
    "Starting",
    "Unschedulable",
    "AllReplicasReady",
    "Subscribing",
    "AllSubscribed",
    "ApiError",
    "Succeeded",
    "Passed",
    "Failed",
    "Invalid",
    "InvalidSpec",
    "EngineTimeout",
    "SubscribeTimeout",
    "RunTimeout",
    "OOMKilled",
    "ChildFailed",
    "Compared",
    "RunsNotCarriedOut",
    "CompareFailed",
    "BaselineUnreadable",
    "Unsupported",
    "TargetRefused",
]
REASONS: dict[Reason, str] = {
    "RunStarted": "any condition: a run began; what the condition says is not known yet",
    "Progressing": "Ready False, Reconciling True: a run is in progress",
    "Starting": "EngineReady False: replicas are starting",
    "Unschedulable": "EngineReady False: a replica cannot be scheduled (the message says why)",
    "AllReplicasReady": "EngineReady True",
    "Subscribing": "ObserversSubscribed False: observers are starting or subscribing",
    "AllSubscribed": "ObserversSubscribed True",
    "ApiError": "Complete False: an API call failed; the operator retries with a backoff",
    "Succeeded": "Complete True: the run was carried out and judged",
    "Passed": "Passed True: every threshold held",
    "Failed": "Passed False: a threshold, an allowance or a role failed (reasons)",
    "Invalid": "Passed False: the figures cannot be trusted (clock offset, rate shortfall)",
    "InvalidSpec": "Complete True, Passed False: the spec is invalid (phase Error)",
    "EngineTimeout": "Complete True: the engine was not ready within timeouts.engineReadySeconds",
    "SubscribeTimeout": "Complete True: observers not subscribed within timeouts.subscribeSeconds",
    "RunTimeout": "Complete True: the roles did not finish within timeouts.runSeconds and the "
    "drain and grace after it (the writers stop at the limit themselves)",
    "OOMKilled": "Complete True: a child's container was OOM-killed",
    "ChildFailed": "Complete True: a role failed while the engine started or the observers "
    "subscribed (the message names the role and why: a pod's container state, a process's exit)",
    "Compared": "Complete True, Passed True: a matrix's runs were all carried out and compared",
    "RunsNotCarriedOut": "Passed False: a matrix's run could not be carried out (reasons name it)",
    "BaselineUnreadable": "Complete True: spec.baseline.resultsConfigMap cannot be read (the "
    "message says why); nothing was created",
    "CompareFailed": "Complete True: a matrix's results could not be compared (the message says "
    "why)",
    "Unsupported": "EngineReady False, Complete True (phase Error): the capability probe found "
    "the engine cannot do what the spec asks (the message names the field, the engine, its "
    "version and the feature); nothing was measured, and a matrix leaves the cell out",
    "TargetRefused": "Complete True (phase Failed): spec.target may not be measured as asked (a "
    "missing ACL permission, notification flags, an endpoint not reached); nothing was written",
}
"""Every condition reason kobench writes, and where it appears (declared once)."""


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
