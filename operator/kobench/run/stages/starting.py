"""Starting a run: whether the resource asks for one, an invalid spec, superseding a run.

A run is started by a new ``spec.runNonce`` (or the first pass over a resource, or a fixed spec
after phase Error); any other spec change waits for the next run. The executor validates the
spec (it knows the installed plugins and what it can read) and hands the problems in.
"""

from __future__ import annotations

from kobench.api.status import BenchmarkStatus
from kobench.api.status_terms import TERMINAL_PHASES
from kobench.run.actions import CountRun, PostEvent, StopRun
from kobench.run.draft import Draft, time_text
from kobench.run.observed import Observed, Resource
from kobench.run.reducers import bounded_reasons
from kobench.run.stages.finishing import push_entry


def wants_new_run(status: BenchmarkStatus, resource: Resource) -> bool:
    if not status.run_id or status.phase is None:
        return True
    if resource.run_nonce != status.run_nonce:
        return True
    # A spec that was invalid and has been fixed starts the run it could not start before.
    return status.phase == "Error" and status.run_generation != resource.generation


def in_progress(status: BenchmarkStatus) -> bool:
    return bool(status.run_id) and status.phase is not None and status.phase not in TERMINAL_PHASES


def supersede(d: Draft) -> None:
    """A new runNonce arrived mid-run: stop that run and record it as Failed."""
    old = d.status
    d.act(StopRun(old.run_id, before_save=True))
    push_entry(d, phase="Failed", verdict="", finished_at=time_text(d.now))
    d.act(
        PostEvent(
            "Warning",
            "Superseded",
            f"run {old.run_id} stopped in phase {old.phase}: runNonce changed",
        )
    )


def start_run(d: Draft, observed: Observed, *, cause: str = "") -> None:
    """Begin a new run in status (its roles come in the next passes), or end in Error;
    ``cause``: a run spec.schedule starts, its due time."""
    status, resource = d.status, d.resource
    status.run_nonce = resource.run_nonce
    status.run_generation = resource.generation
    status.run_id = observed.run_id
    status.started_at = time_text(d.now)
    status.finished_at = ""
    status.verdict = None
    status.reasons = []
    status.summary = None
    status.engine = None
    status.faults = None
    status.matrix = None
    status.progress = ""
    status.results_config_map = ""
    status.conditions = []
    if status.target is not None and not status.target.cleaned:
        # A new runNonce before the last run's cleanup: its keys expire with their TTL.
        d.act(
            PostEvent(
                "Warning",
                "TargetNotCleaned",
                f"run started before the keys under {status.target.key_prefix} were removed: "
                "they expire with workload.keyTtlSeconds",
            )
        )
    status.target = None
    if observed.spec_problems:
        invalid_spec(d, list(observed.spec_problems))
        return
    for type_ in ("EngineReady", "ObserversSubscribed", "Passed"):
        d.condition(type_, "Unknown", "RunStarted")
    d.condition("Complete", "False", "RunStarted", f"run {status.run_id}")
    why = f"spec.schedule, {cause}" if cause else f"runNonce {status.run_nonce!r}"
    d.move("Pending", f"run {status.run_id} started ({why})")


def invalid_spec(d: Draft, problems: list[str]) -> None:
    """Phase Error, naming every field at fault; nothing was (or will be) started for it."""
    d.status.reasons = bounded_reasons(problems)
    d.condition("Complete", "True", "InvalidSpec", "; ".join(d.status.reasons))
    d.condition("Passed", "False", "InvalidSpec", "the spec is invalid")
    d.move("Error", f"invalid spec: {d.status.reasons[0]}", warning=True)
    d.act(CountRun("Error"))
