"""The status of a ``KeyDBObserverBenchmark``: its typed model and the pure reducers that fill it.

The model is the CRD's status schema (see :mod:`kobench.crd`), so whatever a reducer writes is
exactly what the API server accepts. Lists are bounded: the status must stay small enough to be
read at a glance; the full histograms live in the results ConfigMap that ``resultsConfigMap`` names.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from kobench.results import RunResult, Verdict
from kobench.series import worst_second
from kobench.stats import LatencySummary

Phase = Literal[
    "Pending",
    "Deploying",
    "WaitingForEngine",
    "Subscribing",
    "Running",
    "Collecting",
    "Succeeded",
    "Failed",
    "Error",
]
TERMINAL_PHASES: frozenset[str] = frozenset({"Succeeded", "Failed", "Error"})
ConditionStatus = Literal["True", "False", "Unknown"]

MAX_REASONS = 16
MAX_REASON_LENGTH = 512
MAX_HISTORY = 10

CONDITION_TYPES: dict[str, str] = {
    "EngineReady": "True: every engine replica answers PING (not LOADING). False: still starting "
    "or failed. Unknown: not deployed yet.",
    "ObserversSubscribed": "True: every observer confirmed its subscription, the writer may start. "
    "False: waiting, or an observer failed. Unknown: not started yet.",
    "Complete": "True: the run ended (phase Succeeded or Failed; reason says which). False: the "
    "run "
    "is in progress.",
    "Passed": "True: verdict Passed. False: verdict Failed or Invalid (reason), or the run failed. "
    "Unknown: no verdict yet.",
}
"""Condition types and the meaning of their states, declared once."""


class Doc(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class Condition(Doc):
    """A Kubernetes-style condition."""

    type: Annotated[str, Field(description="EngineReady, ObserversSubscribed, Complete or Passed.")]
    status: ConditionStatus
    reason: Annotated[str, Field(description="CamelCase reason.", max_length=128)] = ""
    message: Annotated[str, Field(description="Human-readable detail.", max_length=2048)] = ""
    last_transition_time: Annotated[str, Field(description="When status last changed (RFC 3339).")]
    observed_generation: Annotated[
        int, Field(description="Generation the run was started for.")
    ] = 0


class ObserverLine(Doc):
    """Per named observer, merged over its instances; latencies in milliseconds."""

    name: str
    mode: str
    instances: int = 0
    target_replica: int = 0
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
    saturated: Annotated[bool, Field(description="It could not keep up with the writers.")] = False
    outages: Annotated[int, Field(description="Connection losses over its instances.")] = 0
    worst_second: Annotated[
        int | None, Field(description="Second of the run with the highest max latency.")
    ] = None
    worst_second_max_ms: Annotated[
        float | None, Field(description="Max latency in that second.")
    ] = None


class Summary(Doc):
    """The headline numbers. Latencies are the worst over the observers (clock-corrected when an
    offset was estimated)."""

    writes: Annotated[int, Field(description="Writes sent by every writer.")] = 0
    missed: Annotated[int, Field(description="Missed events over every observer.")] = 0
    p50_ms: float | None = None
    p99_ms: float | None = None
    rtt_p99_ms: float | None = None
    achieved_rate: Annotated[float, Field(description="Writes per second per writer.")] = 0.0
    observers: Annotated[list[ObserverLine], Field(max_length=64)] = []


class ReplicaLine(Doc):
    index: int
    role: str = ""
    link_up: bool = False
    detail: str = ""


class EngineStatus(Doc):
    """Engine version and replication state, as writer 0 read them."""

    type: str = ""
    version: str = ""
    replicas: int = 0
    replication: Annotated[list[ReplicaLine], Field(max_length=16)] = []
    converged: Annotated[bool | None, Field(description="Every replica held the same data.")] = None
    convergence_detail: str = ""


class HistoryEntry(Doc):
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


class BenchmarkStatus(Doc):
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
    results_config_map: Annotated[
        str, Field(description="ConfigMap holding the full result document and histograms.")
    ] = ""
    history: Annotated[list[HistoryEntry], Field(max_length=MAX_HISTORY)] = []


# --- reducers (pure) -------------------------------------------------------------------------


def _latency(obs_latency: LatencySummary | None) -> dict[str, float | None]:
    if obs_latency is None:
        return {"p50": None, "p90": None, "p99": None, "p999": None, "max": None}
    return {
        "p50": obs_latency.p50,
        "p90": obs_latency.p90,
        "p99": obs_latency.p99,
        "p999": obs_latency.p999,
        "max": obs_latency.max,
    }


def _worst(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def summarize_run(result: RunResult) -> Summary:
    """The bounded summary of a merged run result."""
    lines = []
    for obs in result.observers:
        lat = _latency(obs.corrected_latency_ms or obs.latency_ms)
        worst = worst_second(obs.series)
        lines.append(
            ObserverLine(
                name=obs.name,
                mode=obs.mode,
                instances=obs.instances,
                target_replica=obs.target_replica,
                received=obs.received,
                expected=obs.expected,
                missed=obs.missed,
                duplicates=obs.duplicates,
                out_of_order=obs.out_of_order,
                p50_ms=lat["p50"],
                p90_ms=lat["p90"],
                p99_ms=lat["p99"],
                p999_ms=lat["p999"],
                max_ms=lat["max"],
                rtt_p99_ms=obs.handshake_rtt_ms.p99 if obs.handshake_rtt_ms else None,
                clock_offset_ms=obs.clock_offset_ms,
                saturated=bool(obs.saturation),
                outages=len(obs.outages),
                worst_second=None if worst is None else worst.t,
                worst_second_max_ms=None if worst is None else worst.max_ms,
            )
        )
    return Summary(
        writes=result.writers.sent,
        missed=sum(o.missed for o in result.observers),
        p50_ms=_worst([line.p50_ms for line in lines]),
        p99_ms=_worst([line.p99_ms for line in lines]),
        rtt_p99_ms=_worst([line.rtt_p99_ms for line in lines]),
        achieved_rate=result.writers.achieved_rate,
        observers=lines,
    )


def engine_status(result: RunResult) -> EngineStatus:
    engine = result.engine
    return EngineStatus(
        type=engine.type,
        version=engine.version,
        replicas=engine.replicas,
        replication=[
            ReplicaLine(index=r.index, role=r.role, link_up=r.link_up, detail=r.detail[:256])
            for r in engine.replication[:16]
        ],
        converged=result.convergence.converged if result.convergence.checked else None,
        convergence_detail=result.convergence.detail[:512],
    )


def bounded_reasons(reasons: list[str]) -> list[str]:
    """At most MAX_REASONS reasons, each at most MAX_REASON_LENGTH characters."""
    clipped = [
        r if len(r) <= MAX_REASON_LENGTH else r[: MAX_REASON_LENGTH - 1] + "…" for r in reasons
    ]
    if len(clipped) > MAX_REASONS:
        more = len(clipped) - MAX_REASONS + 1
        clipped = [*clipped[: MAX_REASONS - 1], f"... and {more} more (see the results ConfigMap)"]
    return clipped


def set_condition(
    conditions: list[Condition],
    *,
    type: str,
    status: ConditionStatus,
    reason: str,
    message: str,
    now: str,
    generation: int,
) -> list[Condition]:
    """Conditions with ``type`` set; lastTransitionTime moves only when the status changes."""
    if type not in CONDITION_TYPES:
        raise ValueError(f"unknown condition type {type!r}")
    result: list[Condition] = []
    found = False
    for condition in conditions:
        if condition.type != type:
            result.append(condition)
            continue
        found = True
        since = condition.last_transition_time if condition.status == status else now
        result.append(
            Condition(
                type=type,
                status=status,
                reason=reason,
                message=message[:2048],
                last_transition_time=since,
                observed_generation=generation,
            )
        )
    if not found:
        result.append(
            Condition(
                type=type,
                status=status,
                reason=reason,
                message=message[:2048],
                last_transition_time=now,
                observed_generation=generation,
            )
        )
    order = list(CONDITION_TYPES)
    return sorted(result, key=lambda c: order.index(c.type) if c.type in order else len(order))


def push_history(
    history: list[HistoryEntry], entry: HistoryEntry
) -> tuple[list[HistoryEntry], list[HistoryEntry]]:
    """History with ``entry`` first (replacing an entry of the same run) and the dropped ones."""
    kept = [entry, *(h for h in history if h.run_id != entry.run_id)]
    return kept[:MAX_HISTORY], kept[MAX_HISTORY:]
