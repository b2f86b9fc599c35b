"""WaitingForEngine: until every replica serves with its replication links up, and the capability
probe (when the run has one, :mod:`.probing`) found what the run needs; then the observers start.

A replica that cannot be placed (anti-affinity ``required`` with more replicas than nodes, say)
or is held up (a transient the kubelet retries, links still down) is named while the run waits
and in the timeout's message.
"""

from __future__ import annotations

from kobench.api import BenchmarkSpec
from kobench.run.actions import StartRoles
from kobench.run.draft import Draft
from kobench.run.observed import Observed, RoleView
from kobench.run.plan import Role, plan_run
from kobench.run.settings import Settings
from kobench.run.stages.probing import probed
from kobench.run.stages.targeting import opened


def held_up(roles: list[tuple[Role, RoleView | None]]) -> str:
    """The first role the platform cannot place or start yet, and why; "" when none is."""
    for role, view in roles:
        if view is not None and view.unschedulable is not None:
            return f"{role.title} cannot be scheduled: {view.unschedulable}"
    for role, view in roles:
        if view is not None and not view.ready and view.waiting:
            return f"{role.title}: {view.waiting}"
    return ""


def waiting_for_engine(
    d: Draft, observed: Observed, spec: BenchmarkSpec, settings: Settings
) -> str:
    del settings
    plan = plan_run(spec)
    replicas = [(r, observed.roles.get(r.key)) for r in plan.replicas]
    ready = sum(1 for _, view in replicas if view is not None and view.ready)
    counted = f"{ready}/{len(replicas)} replicas ready"
    if ready == len(replicas):
        opening = opened(d, observed, plan)
        if opening is not None:
            return opening
        probing = probed(d, observed, plan)
        if probing is not None:
            return probing
        d.condition("EngineReady", "True", "AllReplicasReady", f"{ready}/{ready} ready")
        d.act(StartRoles(plan.observers, target=d.status.target))
        d.move("Subscribing", f"waiting for {len(plan.observers)} observers to subscribe")
        return ""
    # Said before a timeout too, so a run that failed here shows how far its engine got.
    why = held_up(replicas)
    unschedulable = any(v is not None and v.unschedulable for _, v in replicas)
    short = f"{ready}/{len(replicas)} ready"
    condition = f"{short}; {why}" if why else short
    d.condition("EngineReady", "False", "Unschedulable" if unschedulable else "Starting", condition)
    waiting = f"waiting for {len(replicas)} engine replicas"
    d.status.message = f"{waiting}; {why}" if why else waiting  # no Event: it is a wait
    return f"{counted}; {why}" if why else counted
