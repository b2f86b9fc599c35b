"""One idempotent reconcile of a benchmark: look at the world, take the next step, write status.

Every handler ends up here. The phase in status says where the run is; each pass re-reads the
children, creates whatever the phase needs and is missing (by deterministic name, so a repeated
pass or a restarted operator creates nothing twice), and moves on when the phase's condition holds.

Spec changes: a run uses the spec as it was when the run started (frozen in the run ConfigMap).
Changing ``spec.runNonce`` ends the current run (its children are deleted, it is recorded in the
history as superseded) and starts a new one; any other change applies to the next run.
"""

from __future__ import annotations

import contextlib
import datetime as dt

from kobench.controller.finish import cleanup, finish, restore_metrics, superseded
from kobench.controller.runtime import Runtime, now_text
from kobench.controller.stages import step
from kobench.controller.state import Pass, frozen_spec
from kobench.errors import SpecError, SpecErrors
from kobench.runners.kubernetes.names import run_id_for
from kobench.spec import BenchmarkSpec
from kobench.status import TERMINAL_PHASES, bounded_reasons
from kobench.validation import check_spec


def wants_new_run(p: Pass) -> bool:
    nonce = str((p.body.get("spec") or {}).get("runNonce", ""))
    status = p.status
    if not status.run_id or status.phase is None:
        return True
    if nonce != status.run_nonce:
        return True
    # A spec that was invalid and has been fixed starts the run it could not start before.
    return status.phase == "Error" and status.run_generation != p.generation


def start_run(p: Pass) -> BenchmarkSpec | None:
    """Begin a new run in status (children come in the next steps); None if the spec is invalid."""
    status = p.status
    status.run_nonce = str((p.body.get("spec") or {}).get("runNonce", ""))
    status.run_generation = p.generation
    status.run_id = run_id_for(p.owner.uid, status.run_nonce, p.generation)
    status.started_at = now_text(p.now)
    status.finished_at = ""
    status.verdict = None
    status.reasons = []
    status.summary = None
    status.engine = None
    status.results_config_map = ""
    status.conditions = []
    try:
        spec = check_spec(p.body.get("spec"))  # every rule, plugins' included, before any child
    except SpecError as exc:
        errors = exc.errors if isinstance(exc, SpecErrors) else [exc]
        status.reasons = bounded_reasons([str(e) for e in errors])
        p.condition("Complete", "True", "InvalidSpec", "; ".join(status.reasons))
        p.condition("Passed", "False", "InvalidSpec", "the spec is invalid")
        p.move("Error", f"invalid spec: {status.reasons[0]}", warning=True)
        p.rt.metrics.finished.labels(verdict="Error").inc()
        return None
    p.rt.specs[status.run_id] = spec
    for type_ in ("EngineReady", "ObserversSubscribed", "Passed"):
        p.condition(type_, "Unknown", "RunStarted")
    p.condition("Complete", "False", "RunStarted", f"run {status.run_id}")
    p.move("Pending", f"run {status.run_id} started (runNonce {status.run_nonce!r})")
    return spec


async def reconcile(rt: Runtime, namespace: str, name: str, *, first: bool = False) -> float:
    """Reconcile one benchmark; the seconds until the next pass."""
    body = await rt.kube.get_benchmark(namespace, name)
    if body is None or body["metadata"].get("deletionTimestamp"):
        return rt.settings.idle_interval
    p = Pass(rt, body, dt.datetime.now(dt.UTC))
    if wants_new_run(p):
        if p.status.run_id and p.status.phase not in TERMINAL_PHASES and p.status.phase:
            await superseded(p)
        start_run(p)
    elif p.status.phase in TERMINAL_PHASES:
        if first and p.status.phase != "Error":
            await restore_metrics(p)
    else:
        before = p.status.phase
        await step(p)
        if p.status.phase in TERMINAL_PHASES and before not in TERMINAL_PHASES:
            await finish(p, await frozen_spec(p))
            first = True
    if p.changed():
        await rt.kube.patch_status(namespace, name, p.status_patch())
    # Cleanup after the terminal status is stored, so a crash in between cannot make a later
    # pass mistake the deleted children for missing ones; a restarted operator repeats it.
    if first and p.status.phase in ("Succeeded", "Failed"):
        with contextlib.suppress(SpecError):  # a spec made invalid since: nothing to clean
            await cleanup(p, await frozen_spec(p))
    return (
        rt.settings.idle_interval
        if p.status.phase in TERMINAL_PHASES
        else rt.settings.active_interval
    )


__all__ = ["Pass", "reconcile"]
