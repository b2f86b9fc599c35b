"""When each fault step is due, from the first measured write's due time (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from kobench.api import KILL_ACTIONS, TIMED_ACTIONS, BenchmarkSpec

NS = 1_000_000_000
StepKind = Literal["apply", "lift"]


RECOVERY_SECONDS = 60.0
"""How long after the measured writes the injector waits for replication to come back (the
lifecycle gives it that long before collecting without it)."""


@dataclass(frozen=True, order=True)
class Step:
    due_ns: int
    index: int
    kind: StepKind


def steps(spec: BenchmarkSpec, measured_from_ns: int, *, kills: bool) -> list[Step]:
    """Due steps in time order: the kills (``kills=True``, for the runner) or the Redis-command
    faults (``kills=False``, for the injector), each applied and, when timed, lifted."""
    out: list[Step] = []
    for index, fault in enumerate(spec.faults):
        if (fault.action in KILL_ACTIONS) != kills:
            continue
        out.append(Step(measured_from_ns + round(fault.at_seconds * NS), index, "apply"))
        if fault.action in TIMED_ACTIONS:
            out.append(Step(measured_from_ns + round(fault.ends_after_seconds * NS), index, "lift"))
    return sorted(out)
