"""The capability probe's step of WaitingForEngine: once every replica is ready, the probe role
asks the engine what the run needs (:mod:`kobench.roles.probe`); the observers start only once it
found everything supported. What is not supported ends the run in phase Error, reason
Unsupported, naming the field, the engine, its version and the feature: never a failed run.
"""

from __future__ import annotations

from pydantic import ValidationError

from kobench.measure.results.probe_docs import ProbeResult
from kobench.run.actions import CountRun, StartRoles
from kobench.run.draft import Draft
from kobench.run.observed import Observed
from kobench.run.plan import Plan
from kobench.run.reducers import bounded_reasons

PROBING = "probing what the engine supports"


def probe_result(observed: Observed, plan: Plan) -> ProbeResult | None:
    """The probe's document, once it left one."""
    document = observed.documents.get(plan.probe.key) if plan.probe else None
    if document is None:
        return None
    try:
        return ProbeResult.model_validate_json(document)
    except ValidationError:
        return None


def probed(d: Draft, observed: Observed, plan: Plan) -> str | None:
    """None once the probe passed (or the run has none); else how far it got, having started
    it, ended the run in Error (unsupported), or failed it (the probe could not tell)."""
    probe = plan.probe
    if probe is None:
        return None
    view = observed.roles.get(probe.key)
    if view is None:
        d.act(StartRoles((probe,)))
        return PROBING
    if not view.ended:
        return PROBING
    result = probe_result(observed, plan)
    if result is None or result.error:
        why = result.error if result and result.error else view.failure or "it left no result"
        d.condition("EngineReady", "False", "ChildFailed", f"capability probe: {why}")
        d.fail("ChildFailed", f"capability probe: {why}")
        return ""
    refusals = result.refusals()
    if refusals:
        unsupported(d, refusals)
        return ""
    return None


def unsupported(d: Draft, refusals: list[str]) -> None:
    """Phase Error, reason Unsupported: nothing is measured, and a matrix leaves the cell out."""
    d.status.reasons = bounded_reasons(refusals)
    told = "; ".join(d.status.reasons)[:2048]
    d.condition("EngineReady", "False", "Unsupported", told)
    d.condition("Complete", "True", "Unsupported", told)
    d.condition("Passed", "False", "Unsupported", "the engine cannot run this benchmark")
    d.move("Error", f"unsupported: {d.status.reasons[0]}", warning=True)
    d.act(CountRun("Error"))
