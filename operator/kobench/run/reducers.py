"""Pure reducers of the status: the bounded summary, the engine's state, conditions, history."""

from __future__ import annotations

from kobench.api.status import (
    Condition,
    EngineStatus,
    HistoryEntry,
    ObserverLine,
    ReplicaLine,
    Summary,
)
from kobench.api.status_terms import (
    CONDITION_TYPES,
    MAX_HISTORY,
    MAX_REASON_LENGTH,
    MAX_REASONS,
    ConditionStatus,
    ConditionType,
    Reason,
)
from kobench.measure.histograms import LatencySummary
from kobench.measure.results import RunResult
from kobench.measure.series import worst_second


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
                redelivered=obs.redelivered,
                coalesced=obs.coalesced,
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
                ping_ms=obs.tool_overhead.paced_round_trip_ms if obs.tool_overhead else None,
                p50_ping_ratio=obs.tool_overhead.ratio if obs.tool_overhead else None,
                saturated=bool(obs.saturation),
                outages=len(obs.outages),
                worst_second=None if worst is None else worst.t,
                worst_second_max_ms=None if worst is None else worst.max_ms,
            )
        )
    return Summary(
        writes=result.writers.sent,
        mechanism=result.delivery.mechanism,
        guarantee=result.delivery.guarantee,
        missed=sum(o.missed for o in result.observers),
        p50_ms=_worst([line.p50_ms for line in lines]),
        p99_ms=_worst([line.p99_ms for line in lines]),
        rtt_p99_ms=_worst([line.rtt_p99_ms for line in lines]),
        achieved_rate=result.writers.achieved_rate,
        observers=lines,
        faults=sum(1 for f in result.faults if f.applied_at_seconds is not None),
        worst_outage_ms=worst_outage_ms(result),
    )


def worst_outage_ms(result: RunResult) -> float | None:
    """The longest outage over the faults; -1 when one never ended; None without faults."""
    applied = [f for f in result.faults if f.applied_at_seconds is not None]
    if not applied:
        return None
    if any(f.worst_outage_ms is None for f in applied):
        return -1.0
    return max(f.worst_outage_ms or 0.0 for f in applied)


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
    type: ConditionType,
    status: ConditionStatus,
    reason: Reason,
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
