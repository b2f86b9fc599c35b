"""What each fault did, from the injector's and the runner's records and the observers' own
documents (pure).

An observer's outage around a fault is its longest silence (last event before, first after)
that began with the fault (or after it), before the engine was whole again and before the
next fault was applied (a silence is the last fault's before it began), or the
time from a connection loss in that window to its first event after, if longer (a subscriber
dropped and back within the silence floor still had an outage); a silence that began when the
writers were gone is the end of the writes, not an outage. Its losses are the writes due while
the fault's window was open that it never observed (:mod:`.fault_charges`); its latency after
the fault is the worst p99 of the seconds after its first event back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kobench.api import BenchmarkSpec, Fault
from kobench.api.fault_spec import AppliedFault
from kobench.measure.results.documents import ObserverResult, WriterResult
from kobench.measure.results.fault_charges import (
    MARGIN_NS,
    Charge,
    Death,
    Window,
    charge_losses,
    claimed_seconds,
    deaths,
    deaths_of,
    disturbed_seconds,
    overlapping,
    reconnected,
    seconds_of,
    window_of,
    windows,
    writer_ends,
    writing_end_ns,
)
from kobench.measure.results.fault_docs import FaultImpact, FaultResult
from kobench.measure.series import Outage, Silence

__all__ = ["MARGIN_NS", "fault_results", "fault_seconds", "merge_records", "seconds_of"]

NS = 1_000_000_000
AFTER_SECONDS = 3
"""Seconds after an observer's first event back that its latency after the fault covers."""


def merge_records(records: Sequence[AppliedFault]) -> dict[int, AppliedFault]:
    """One record per fault: the injector's and the runner's records of one fault combined (the
    runner applied a kill, the injector saw the engine recover from it)."""
    merged: dict[int, AppliedFault] = {}
    for record in records:
        known = merged.get(record.index)
        if known is None:
            merged[record.index] = record
            continue
        merged[record.index] = known.model_copy(
            update={
                "applied_ns": known.applied_ns or record.applied_ns,
                "ended_ns": known.ended_ns or record.ended_ns,
                "recovered_ns": known.recovered_ns or record.recovered_ns,
                "error": "; ".join(e for e in (known.error, record.error) if e),
            }
        )
    return merged


_window = window_of


def _writing(silence: Silence, writing_end: int | None) -> bool:
    """The silence is not the end of the writes (an open one that began when the writers were
    gone: no event could come)."""
    return (
        silence.after_ns != 0 or writing_end is None or silence.before_ns < writing_end - MARGIN_NS
    )


def _silence(
    silences: Sequence[Silence], start: int, end: int, writing_end: int | None = None
) -> Silence | None:
    """The longest silence that began while the fault lasted (its last event may precede the
    fault by up to ``MARGIN_NS``); one that began earlier has another cause. ``end``: when the
    fault was over, or the next fault was applied if that came first."""
    overlapping = [
        s
        for s in silences
        if start - MARGIN_NS <= s.before_ns < end
        and (s.after_ns == 0 or s.after_ns >= start)
        and _writing(s, writing_end)
    ]
    if not overlapping:
        return None
    return max(overlapping, key=lambda s: (s.after_ns or 1 << 62) - s.before_ns)


def _connection_loss(
    outages: Sequence[Outage], start: int, end: int, writing_end: int | None = None
) -> Silence | None:
    """The longest connection loss of one instance (its own document's outages) that began in
    the fault's window, as a silence from the loss to its first event after (``after_ns`` 0:
    none came; when the writers were gone by then, to its subscription's return)."""
    lost = [o for o in outages if start - MARGIN_NS <= o.started_ns < end]
    if not lost:
        return None
    worst = max(
        lost, key=lambda o: 1e18 if o.first_event_after_ms is None else o.first_event_after_ms
    )
    after = 0
    if worst.first_event_after_ms is not None:
        after = worst.started_ns + round(worst.first_event_after_ms * 1e6)
    elif worst.ended_ns and writing_end is not None and worst.ended_ns >= writing_end:
        after = worst.ended_ns  # back before any write could come: no write came after
    return Silence(before_ns=worst.started_ns, after_ns=after)


def _longer(a: Silence | None, b: Silence | None) -> Silence | None:
    def length(s: Silence) -> int:
        return (s.after_ns or 1 << 62) - s.before_ns

    if a is None or b is None:
        return a or b
    return a if length(a) >= length(b) else b


def fault_seconds(records: Sequence[AppliedFault], measured_from: int) -> set[int]:
    """Every second of the series that some fault applied may have disturbed."""
    return disturbed_seconds(merge_records(records), measured_from)


@dataclass(frozen=True)
class RunFacts:
    """What every fault of one run is judged against."""

    measured_from: int
    windows: list[Window]
    losses: dict[str, dict[int, Charge]]
    """Per observer instance ('name.index'), what each fault is charged with."""
    writing_end: int | None
    died: list[Death]


def _impact(
    doc: ObserverResult,
    record: AppliedFault,
    facts: RunFacts,
    *,
    index: int,
    killed: bool,
    next_applied_ns: int | None,
) -> FaultImpact:
    start, end = _window(record)
    label = f"{doc.name}.{doc.instance}"
    # A silence is the fault's that was last applied before it began.
    began_by = end if next_applied_ns is None else min(end, next_applied_ns - MARGIN_NS)
    silence = _longer(
        _silence(doc.silences, start, began_by, facts.writing_end),
        _connection_loss(doc.outages, start, began_by, facts.writing_end),
    )
    back = end if silence is None else (silence.after_ns or None)
    charge = facts.losses.get(label, {}).get(index, Charge())
    after: list[float] = []
    if back is not None:
        back_second = (back - facts.measured_from) // NS
        after = [
            s.p99_ms
            for s in doc.series
            if s.p99_ms is not None and back_second <= s.t < back_second + AFTER_SECONDS
        ]
    outage: float | None = 0.0
    if silence is not None:
        outage = None if not silence.after_ns else (silence.after_ns - silence.before_ns) / 1e6
    return FaultImpact(
        observer=label,
        outage_ms=None if outage is None else round(outage, 3),
        last_event_before_ns=silence.before_ns if silence else 0,
        first_event_after_ns=silence.after_ns if silence else 0,
        lost=charge.lost,
        lost_in_overlap=charge.overlapped,
        p99_after_ms=max(after, default=None),
        killed=killed,
    )


def fault_result(
    index: int,
    fault: Fault,
    record: AppliedFault | None,
    observers: Sequence[ObserverResult],
    facts: RunFacts,
    *,
    next_applied_ns: int | None = None,
) -> FaultResult:
    """``next_applied_ns``: when the next fault was applied (silences after it are its own)."""
    base = FaultResult(
        index=index, action=fault.action, target=fault.target, at_seconds=fault.at_seconds
    )
    if record is None or not record.applied_ns:
        error = record.error if record and record.error else "it was not applied"
        return base.model_copy(update={"error": error})
    impacts = [
        _impact(
            d,
            record,
            facts,
            index=index,
            killed=f"{d.name}.{d.instance}" == fault.target,
            next_applied_ns=next_applied_ns,
        )
        for d in observers
    ]
    if fault.action == "killObserver" and all(not i.killed for i in impacts):
        # The instance killed left no document: it is still named, as killed.
        impacts.append(FaultImpact(observer=fault.target, outage_ms=None, killed=True))
    alive = [i for i in impacts if not i.killed]
    outages = [i.outage_ms for i in alive]
    worst = None if None in outages else max((o for o in outages if o is not None), default=0.0)
    resync_from = record.ended_ns or record.applied_ns
    start, over = _window(record)
    window = Window(index, start, over)
    died = [
        f"{fault.target}: killed" if death.startswith(f"{fault.target}:") else death
        for death in deaths_of(window, facts.windows, facts.died)
    ]
    return base.model_copy(
        update={
            "applied_at_seconds": round((record.applied_ns - facts.measured_from) / NS, 3),
            "duration_ms": round((record.ended_ns - record.applied_ns) / 1e6, 3)
            if record.ended_ns and fault.duration_seconds
            else None,
            "resync_ms": round((record.recovered_ns - resync_from) / 1e6, 3)
            if record.recovered_ns
            else None,
            "worst_outage_ms": worst,
            "applied_ns": start,
            "over_ns": over,
            "lost": max((i.lost for i in alive), default=0),
            "observers": impacts,
            "overlaps": overlapping(window, facts.windows),
            "deaths": died,
            "error": record.error,
        }
    )


def _losses(
    doc: ObserverResult,
    found: list[Window],
    rate: int,
    claims: dict[int, set[int]],
) -> dict[int, Charge]:
    """What one instance lost, per fault: by each lost write's due time, or (a document that
    does not list its missed writes) by the seconds each fault claims."""
    if doc.missed_writes or not any(s.missed for s in doc.series):
        return charge_losses(doc.missed_writes, [reconnected(w, doc.outages) for w in found], rate)
    return {
        i: Charge(lost=sum(s.missed for s in doc.series if s.t in seconds))
        for i, seconds in claims.items()
    }


def fault_results(
    spec: BenchmarkSpec,
    records: Sequence[AppliedFault],
    observers: Sequence[ObserverResult],
    measured_from: int,
    writers: Sequence[WriterResult] = (),
) -> list[FaultResult]:
    """One result per fault of the schedule, in its order."""
    merged = merge_records(records)
    found = windows(merged)
    claims = claimed_seconds(merged, measured_from)
    ends = writer_ends(spec, writers, observers) if writers or observers else {}
    facts = RunFacts(
        measured_from=measured_from,
        windows=found,
        losses={
            f"{d.name}.{d.instance}": _losses(d, found, spec.workload.rate, claims)
            for d in observers
        },
        writing_end=writing_end_ns(ends),
        died=deaths(ends),
    )
    applied = sorted(r.applied_ns for r in merged.values() if r.applied_ns)

    def next_applied(index: int) -> int | None:
        # Faults applied together (within the margin) share what they did.
        record = merged.get(index)
        if record is None or not record.applied_ns:
            return None
        return next((t for t in applied if t > record.applied_ns + MARGIN_NS), None)

    return [
        fault_result(i, fault, merged.get(i), observers, facts, next_applied_ns=next_applied(i))
        for i, fault in enumerate(spec.faults)
    ]
