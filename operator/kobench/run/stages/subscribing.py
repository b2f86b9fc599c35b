"""Subscribing: every observer confirms its subscription; then, and only then, the writers."""

from __future__ import annotations

from kobench.api import BenchmarkSpec
from kobench.run.actions import StartRoles
from kobench.run.draft import Draft
from kobench.run.observed import Observed
from kobench.run.plan import plan_run
from kobench.run.settings import Settings
from kobench.run.stages.engine_wait import held_up


def subscribing(d: Draft, observed: Observed, spec: BenchmarkSpec, settings: Settings) -> str:
    del settings
    plan = plan_run(spec)
    observers = [(r, observed.roles.get(r.key)) for r in plan.observers]
    ready = sum(1 for _, view in observers if view is not None and view.ready)
    expected = len(observers)
    if ready == expected:
        d.condition("ObserversSubscribed", "True", "AllSubscribed", f"{ready} subscribed")
        # The injector first: it must be watching when writer 0 sets the fault clock.
        injector = (plan.injector,) if plan.injector else ()
        d.act(StartRoles((*injector, *plan.writers), target=d.status.target))
        d.move("Running", f"{len(plan.writers)} writer(s) running")
        return ""
    # Said before a timeout too, so a run that failed here shows how many had subscribed.
    counted = f"{ready}/{expected} subscribed"
    why = held_up(observers)
    d.condition("ObserversSubscribed", "False", "Subscribing", counted)
    waiting = f"waiting for {expected} observers to subscribe"
    d.status.message = f"{waiting}; {why}" if why else waiting  # no Event: it is a wait
    return f"{counted}; {why}" if why else counted
