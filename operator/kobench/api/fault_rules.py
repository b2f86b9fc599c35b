"""Cross-field rules of the fault schedule: a fault names a target that exists, the fields its
action needs, and happens during the measured writes. ``kobench.api.cel_rules`` states them
in CEL."""

from __future__ import annotations

from typing import Literal

from kobench.api.basics import DEFAULT_DURATION_SECONDS
from kobench.api.benchmark import BenchmarkSpec
from kobench.api.fault_spec import KILL_ACTIONS, REPLICA_ACTIONS, TIMED_ACTIONS, Fault
from kobench.errors import SpecError

SINGLE_PRIMARY = ("redis", "valkey")


def measured_seconds(spec: BenchmarkSpec) -> float:
    """How long the measured writes last, as the CRD's CEL rule computes it."""
    workload = spec.workload
    if workload.writes is not None:
        return float(workload.writes) / float(workload.rate)
    if workload.duration_seconds is not None:
        return workload.duration_seconds
    return DEFAULT_DURATION_SECONDS


def _fields(fault: Fault, where: str) -> list[SpecError]:
    """The fields the action needs are set, and no other target field."""
    errors: list[SpecError] = []
    wanted = {
        "replica": fault.action in REPLICA_ACTIONS,
        "observer": fault.action == "killObserver",
        "writer": fault.action == "killWriter",
        "durationSeconds": fault.action in TIMED_ACTIONS,
    }
    given = {
        "replica": fault.replica is not None,
        "observer": fault.observer is not None,
        "writer": fault.writer is not None,
        "durationSeconds": fault.duration_seconds is not None,
    }
    for name, needed in wanted.items():
        if needed and not given[name]:
            errors.append(SpecError(f"{where}.{name}", f"{fault.action} needs {name}"))
        elif given[name] and not needed:
            errors.append(SpecError(f"{where}.{name}", f"{fault.action} takes no {name}"))
    # The CRD defaults instance to 0, so only another value can be told apart from unset.
    if fault.instance != 0 and fault.action != "killObserver":
        errors.append(SpecError(f"{where}.instance", f"{fault.action} takes no instance"))
    return errors


TargetKind = Literal["replica", "primary", "observer", "writer"]
"""What a target rule reads: engine.replicas, engine.type, the observers, workload.writers."""


def _targets(spec: BenchmarkSpec, fault: Fault, where: str, kind: TargetKind) -> list[SpecError]:
    """The replica, observer instance or writer exists (one ``kind`` of check)."""
    replicas = spec.engine.replicas
    if kind == "replica" and fault.replica is not None and fault.replica >= replicas:
        return [
            SpecError(
                f"{where}.replica", f"{fault.replica} must be below engine.replicas ({replicas})"
            )
        ]
    primary = fault.action == "cutReplication" and fault.replica == 0
    if kind == "primary" and primary and spec.engine.type in SINGLE_PRIMARY:
        return [
            SpecError(
                f"{where}.replica",
                f"replica 0 of {spec.engine.type} is the primary: it has no replication link to "
                "cut (cut a replica 1 or above)",
            )
        ]
    if kind == "observer" and fault.observer is not None:
        named = next((o for o in spec.observers if o.name == fault.observer), None)
        if named is None:
            known = ", ".join(o.name for o in spec.observers)
            return [
                SpecError(f"{where}.observer", f"no observer is named {fault.observer!r} ({known})")
            ]
        if fault.instance >= named.replicas:
            return [
                SpecError(
                    f"{where}.instance",
                    f"{fault.instance} must be below observer {named.name}'s replicas "
                    f"({named.replicas})",
                )
            ]
    if kind == "writer" and fault.writer is not None and fault.writer >= spec.workload.writers:
        return [
            SpecError(
                f"{where}.writer",
                f"{fault.writer} must be below workload.writers ({spec.workload.writers})",
            )
        ]
    return []


def _timing(spec: BenchmarkSpec, fault: Fault, where: str) -> list[SpecError]:
    """The fault starts and ends while the measured writes run."""
    measured = measured_seconds(spec)
    if fault.at_seconds >= measured:
        return [
            SpecError(
                f"{where}.atSeconds",
                f"{fault.at_seconds:g}s is not during the measured writes (0 to {measured:g}s)",
            )
        ]
    if fault.ends_after_seconds > measured:
        return [
            SpecError(
                f"{where}.durationSeconds",
                f"the fault would end at {fault.ends_after_seconds:g}s, after the measured writes "
                f"({measured:g}s)",
            )
        ]
    return []


def fault_field_errors(spec: BenchmarkSpec) -> list[SpecError]:
    """The fields each fault's action needs, and no other."""
    return [e for i, fault in enumerate(spec.faults) for e in _fields(fault, f"spec.faults[{i}]")]


def fault_target_errors(
    spec: BenchmarkSpec,
    kinds: tuple[TargetKind, ...] = ("replica", "primary", "observer", "writer"),
) -> list[SpecError]:
    """The replica, observer or writer each fault names exists (faults whose fields are wrong
    are told by :func:`fault_field_errors` alone)."""
    errors: list[SpecError] = []
    for index, fault in enumerate(spec.faults):
        where = f"spec.faults[{index}]"
        if _fields(fault, where):
            continue
        for kind in kinds:
            found = _targets(spec, fault, where, kind)
            errors += found
            if found:
                break  # one problem per fault's target: the first
    return errors


def fault_timing_errors(spec: BenchmarkSpec) -> list[SpecError]:
    """Each fault starts and ends during the measured writes."""
    return [
        e for i, fault in enumerate(spec.faults) for e in _timing(spec, fault, f"spec.faults[{i}]")
    ]


def fault_errors(spec: BenchmarkSpec) -> list[SpecError]:
    """Every problem of the fault schedule."""
    return fault_field_errors(spec) + fault_target_errors(spec) + fault_timing_errors(spec)


__all__ = [
    "KILL_ACTIONS",
    "fault_errors",
    "fault_field_errors",
    "fault_target_errors",
    "fault_timing_errors",
    "measured_seconds",
]
