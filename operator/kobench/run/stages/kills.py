"""Running, with a fault schedule: the kills, each at its time on the injector's fault clock.

The injector prints the clock (writer 0's first measured write); the machine stores it in
``status.faults`` and, when a kill is due, asks the executor to end that one role. Each kill is
recorded in the status before it is done again, so a restarted operator repeats none. A killed
engine replica comes back empty (its StatefulSet, or the local executor, starts it again); a
killed observer or writer stays dead.
"""

from __future__ import annotations

from kobench.api import KILL_ACTIONS, BenchmarkSpec
from kobench.api.fault_spec import AppliedFault
from kobench.api.status import FaultsStatus
from kobench.run.actions import KillRole
from kobench.run.draft import Draft
from kobench.run.observed import Observed
from kobench.run.plan import kill_target

NS = 1_000_000_000
CLOCK_POLL_SECONDS = 0.25


def killed_roles(d: Draft, spec: BenchmarkSpec) -> dict[str, int]:
    """Measuring roles a fault has ended (by key), with when (wall clock, ns)."""
    kills = d.status.faults.kills if d.status.faults else []
    return {
        kill_target(spec.faults[k.index]).key: k.applied_ns
        for k in kills
        if spec.faults[k.index].action != "killReplica"
    }


def wants_fault_clock(spec: BenchmarkSpec, faults: FaultsStatus | None) -> bool:
    """The pass must read the injector's output: kills are planned and the clock is unknown."""
    return any(f.action in KILL_ACTIONS for f in spec.faults) and not (faults and faults.clock_ns)


def apply_kills(d: Draft, observed: Observed, spec: BenchmarkSpec) -> None:
    """Kill what is due and ask to be woken when the next kill is."""
    if not any(f.action in KILL_ACTIONS for f in spec.faults):
        return
    faults = (d.status.faults or FaultsStatus()).model_copy(deep=True)
    if not faults.clock_ns and observed.fault_clock_ns:
        faults.clock_ns = observed.fault_clock_ns
    d.status.faults = faults
    if not faults.clock_ns:
        # The clock is known a warm-up ahead of the first measured write: look again soon.
        d.wake_within(CLOCK_POLL_SECONDS)
        return
    done = {k.index for k in faults.kills}
    now_ns = int(d.now.timestamp() * NS)
    for index, fault in enumerate(spec.faults):
        if fault.action not in KILL_ACTIONS or index in done:
            continue
        due_ns = faults.clock_ns + round(fault.at_seconds * NS)
        if due_ns > now_ns:
            d.wake_within((due_ns - now_ns) / NS)
            continue
        d.act(KillRole(kill_target(fault)))
        faults.kills.append(AppliedFault.of(index, fault, at_ns=now_ns))
