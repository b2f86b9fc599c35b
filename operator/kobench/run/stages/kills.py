"""Running, with a fault schedule: the kills, each at its time on the injector's fault clock.

The injector pod prints the clock (writer 0's first measured write) in its log; the machine
stores it in ``status.faults`` and, when a kill is due, ends that one pod through a label
selector (the ``deletecollection`` the operator has for cleaning up; no new permission). Each
kill is recorded in the status before it is done again, so a restarted operator repeats none.
A killed engine pod comes back empty (its StatefulSet recreates it); a killed role pod stays dead.
"""

from __future__ import annotations

from kobench.api import KILL_ACTIONS, BenchmarkSpec, Fault
from kobench.api.fault_spec import AppliedFault
from kobench.api.status import FaultsStatus
from kobench.run.actions import KillPod
from kobench.run.draft import Draft
from kobench.run.observed import Observed
from kobench.run.pods.pod_names import RunNames

NS = 1_000_000_000
CLOCK_POLL_SECONDS = 0.25


def kill_target(names: RunNames, fault: Fault) -> str:
    """The pod a kill ends."""
    if fault.action == "killReplica" and fault.replica is not None:
        return names.engine_pod(fault.replica)
    if fault.action == "killObserver" and fault.observer is not None:
        return names.observer_pod(fault.observer, fault.instance)
    return names.writer_pod(fault.writer or 0)


def killed_pods(d: Draft, spec: BenchmarkSpec) -> dict[str, int]:
    """Role pods a fault has ended, with when (wall clock, ns)."""
    kills = d.status.faults.kills if d.status.faults else []
    return {
        kill_target(d.names, spec.faults[k.index]): k.applied_ns
        for k in kills
        if spec.faults[k.index].action != "killReplica"
    }


def wants_fault_clock(spec: BenchmarkSpec, faults: FaultsStatus | None) -> bool:
    """The pass must read the injector's log: kills are planned and the clock is not known."""
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
        pod = kill_target(d.names, fault)
        d.act(KillPod(d.names.kill_selector(pod), pod))
        faults.kills.append(AppliedFault.of(index, fault, at_ns=now_ns))
