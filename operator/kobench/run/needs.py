"""What the executor must gather for one pass of the phase machine (:mod:`.machine`), decided
from the status read back, so a restarted operator asks for the same; the rest of
:class:`~kobench.run.observed.Observed` is cheap."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kobench.api import BenchmarkSpec
from kobench.api.status import BenchmarkStatus
from kobench.api.status_terms import TERMINAL_PHASES
from kobench.run.observed import Resource
from kobench.run.plan import plan_run
from kobench.run.stages.finishing import should_clean
from kobench.run.stages.kills import wants_fault_clock
from kobench.run.stages.matrix_cells import MATRIX_PHASES
from kobench.run.stages.scheduling import scheduled_start
from kobench.run.stages.starting import wants_new_run

WATCHING = frozenset({"WaitingForEngine", "Subscribing", "Running"})
"""Phases whose roles run: each pass looks at them."""


@dataclass(frozen=True)
class Needs:
    """What the executor must gather for this pass (the rest of :class:`Observed` is cheap)."""

    validation: bool = False
    """The resource's spec checked (a run may start, or the run's spec is gone)."""
    roles: bool = False
    documents: bool = False
    engine_facts: bool = False
    stored_result: bool = False
    fault_clock: bool = False
    children: bool = False
    """A matrix: its child benchmarks."""
    child_results: bool = False
    comparison: bool = False
    """A matrix whose runs all ended: their results, compared."""
    baseline: bool = False
    """spec.baseline's result: read before anything starts, and when judging."""
    slot: str = ""
    """spec.schedule starts a run in this pass, for this due time: the executor names the run
    after it."""


def needs(
    status: BenchmarkStatus,
    resource: Resource,
    spec: BenchmarkSpec | None,
    metrics_known: bool,
    now: dt.datetime | None = None,
) -> Needs:
    """What to observe, from the status read back (so a restarted operator asks the same);
    ``now``: the pass's clock, for spec.schedule (without it, no scheduled run starts)."""
    if resource.deleting:
        return Needs()
    if wants_new_run(status, resource):
        return Needs(validation=True)
    if now is not None and (slot := scheduled_start(status, resource, now)):
        return Needs(validation=True, slot=slot)
    phase = status.phase
    if spec is None:
        return Needs(validation=phase not in TERMINAL_PHASES)
    if spec.matrix is not None and phase in MATRIX_PHASES:
        comparing = phase == "Comparing"
        return Needs(children=True, child_results=comparing, comparison=comparing)
    baseline = spec.baseline is not None
    if phase == "Pending" and baseline:
        return Needs(baseline=True)
    if phase in WATCHING or phase == "Collecting":
        clock = phase == "Running" and wants_fault_clock(spec, status.faults)
        collect = phase == "Collecting"
        plan = plan_run(spec)
        probing = phase == "WaitingForEngine" and (plan.probe or plan.opener) is not None
        return Needs(
            roles=True,
            documents=collect or probing,
            engine_facts=collect,
            fault_clock=clock,
            baseline=collect and baseline,
        )
    cleaning = status.target is not None and not status.target.cleaned
    return Needs(
        roles=should_clean(status, spec) or cleaning,
        documents=cleaning,
        stored_result=not metrics_known
        and phase in ("Succeeded", "Failed")
        and bool(status.results_config_map),
    )
