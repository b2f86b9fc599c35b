"""How faults are judged: by thresholds of their own (``thresholds.faults``), so a run can pass
*because* the engine recovered within the user's bound (pure).

Events lost while a fault lasted are the fault's when ``thresholds.faults.maxLost`` is set (and
then not counted against ``maxMissed``); connection losses that began during a fault are the
fault's (not counted against ``maxDisconnects``) and judged by ``maxOutageMs``. A killed role is
the fault's target, not a failure.
"""

from __future__ import annotations

from collections.abc import Sequence

from kobench.api import BenchmarkSpec
from kobench.measure.results.documents import ObserverSummary
from kobench.measure.results.fault_docs import FaultResult
from kobench.measure.results.fault_figures import MARGIN_NS
from kobench.measure.series import Outage


def killed_labels(faults: Sequence[FaultResult]) -> set[str]:
    """Roles a fault ended (``sync.0``, ``writer.1``)."""
    return {
        f.target
        for f in faults
        if f.action in ("killObserver", "killWriter") and f.applied_at_seconds is not None
    }


def killing_fault(label: str, faults: Sequence[FaultResult]) -> str:
    """``fault 0 (killObserver) at 0.578 s`` for the fault that ended the role, or ``""``."""
    for f in faults:
        applied = f.applied_at_seconds
        if f.target == label and f.action in ("killObserver", "killWriter") and applied is not None:
            return f"fault {f.index} ({f.action}) at {applied:.3f} s"
    return ""


def unexcused_errors(errors: Sequence[str], faults: Sequence[FaultResult]) -> list[str]:
    """An observer's errors, less the one a killed writer causes by never announcing its end."""
    killed_writer = any(
        f.action == "killWriter" and f.applied_at_seconds is not None for f in faults
    )
    return [e for e in errors if not (killed_writer and "announced their end" in e)]


def during_a_fault(outage: Outage, faults: Sequence[FaultResult]) -> bool:
    """The connection loss began while a fault lasted (or just before it was recorded)."""
    return any(
        f.applied_ns - MARGIN_NS <= outage.started_ns <= f.over_ns for f in faults if f.applied_ns
    )


def excused_missed(obs: ObserverSummary, spec: BenchmarkSpec, faults: Sequence[FaultResult]) -> int:
    """Missed events of the worst instance that the fault thresholds judge instead."""
    if spec.thresholds.faults.max_lost is None:
        return 0
    prefix = f"{obs.name}."
    return sum(
        max((i.lost for i in f.observers if i.observer.startswith(prefix)), default=0)
        for f in faults
    )


def disconnects_outside(obs: ObserverSummary, faults: Sequence[FaultResult]) -> int:
    """Connection losses of the worst instance that no fault explains."""
    per_instance: dict[str, int] = {}
    for outage in obs.outages:
        if not during_a_fault(outage, faults):
            per_instance[outage.observer] = per_instance.get(outage.observer, 0) + 1
    return max(per_instance.values(), default=0)


def fault_reasons(spec: BenchmarkSpec, faults: Sequence[FaultResult]) -> list[str]:
    """Failed reasons of the fault schedule."""
    bounds = spec.thresholds.faults
    failed: list[str] = []
    for result in faults:
        fault = spec.faults[result.index]
        name = f"fault {result.index} ({fault.describe()})"
        if result.applied_at_seconds is None:
            failed.append(f"{name} was not applied: {result.error or 'no record of it'}")
            continue
        if result.error:
            failed.append(f"{name}: {result.error}")
        for impact in result.observers:
            if impact.killed:
                continue
            if bounds.max_outage_ms is not None and fault.action != "killWriter":
                if impact.outage_ms is None:
                    failed.append(f"observer {impact.observer} had no event after {name}")
                elif impact.outage_ms > bounds.max_outage_ms:
                    failed.append(
                        f"observer {impact.observer} was without events for "
                        f"{impact.outage_ms:.0f} ms around {name} (allowed "
                        f"{bounds.max_outage_ms:g} ms)"
                    )
            if bounds.max_lost is not None and impact.lost > bounds.max_lost:
                failed.append(
                    f"observer {impact.observer} lost {impact.lost} events to {name} (allowed "
                    f"{bounds.max_lost})"
                )
    return failed
