"""The phase machine: ``decide(status, observed, spec, now) -> Decision``, pure.

One pass over one benchmark, in either executor, is: gather :class:`Observed`, decide (here: no
I/O, no wall clock), save the status, carry out the actions. Each stage's decision lives in a
module of its own (:mod:`.stages`); a stage returns how far it got, and a stage that outlives its
time limit (:mod:`.timeouts`) ends the run saying so.

A run uses the spec as it was when it started (``spec`` here: frozen for the run). Changing
``spec.runNonce`` ends the current run (its roles stopped, recorded in the history as Failed)
and starts a new one; any other change applies to the next run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from kobench.api import BenchmarkSpec
from kobench.api.status import BenchmarkStatus
from kobench.api.status_terms import PHASES, TERMINAL_PHASES, ConditionType, Reason
from kobench.measure.results.baseline_rule import unusable
from kobench.run.actions import Action, PostEvent, StopRoles
from kobench.run.draft import Draft, Wait
from kobench.run.observed import Observed
from kobench.run.plan import Role, plan_run
from kobench.run.settings import Settings
from kobench.run.stages.collecting import collecting
from kobench.run.stages.deploying import deploying, pending
from kobench.run.stages.engine_wait import waiting_for_engine
from kobench.run.stages.finishing import finish, settle
from kobench.run.stages.kills import killed_roles
from kobench.run.stages.matrix_cells import advance_matrix
from kobench.run.stages.running import running
from kobench.run.stages.scheduling import keep_schedule
from kobench.run.stages.starting import (
    in_progress,
    invalid_spec,
    start_run,
    supersede,
    wants_new_run,
)
from kobench.run.stages.subscribing import subscribing
from kobench.run.stages.targeting import cleanup_due
from kobench.run.timeouts import stage_timeout

Stage = Callable[[Draft, Observed, BenchmarkSpec, Settings], str]
"""A stage's decision; it returns how far the stage got (for its timeout's message)."""
STAGES: dict[str, Stage] = {
    "Pending": pending,
    "Deploying": deploying,
    "WaitingForEngine": waiting_for_engine,
    "Subscribing": subscribing,
    "Running": running,
    "Collecting": collecting,
}
STARTING = frozenset({"WaitingForEngine", "Subscribing"})
"""Phases in which a failed role ends the run at once: nothing has been measured yet."""


@dataclass(frozen=True)
class Decision:
    """The outcome of one pass: the status to save, what to do, and when to look again."""

    status: BenchmarkStatus
    actions: tuple[Action, ...]
    wait: Wait
    changed: bool
    wake_in: float | None = None
    """Seconds until something is due: the next pass comes no later than that."""
    poll_in: float | None = None
    """A run in progress: when to look again, soon after a phase began (most stages take a
    second or two), slower as it goes on (see :func:`poll_seconds`)."""

    def patch(self) -> dict[str, object]:
        """The status as a merge patch (the whole model; kopf's ``status.kopf`` is left alone)."""
        patch: dict[str, object] = self.status.model_dump(by_alias=True, mode="json")
        return patch

    @property
    def before_save(self) -> list[Action]:
        return [a for a in self.actions if a.before_save]

    @property
    def after_save(self) -> list[Action]:
        return [a for a in self.actions if not a.before_save]


def decide(
    status: BenchmarkStatus,
    observed: Observed,
    spec: BenchmarkSpec | None,
    now: dt.datetime,
    *,
    settings: Settings | None = None,
) -> Decision:
    """The next status of a benchmark and the actions that go with it.

    ``status``: as read back (from the API server, or kept by the local loop). ``spec``: the
    current run's spec (frozen when it started); None when it has none or it cannot be read.
    ``now``: the pass's clock.
    """
    settings = settings or Settings()
    d = Draft(status, observed.resource, now)
    wait: Wait = "active"
    if observed.resource.deleting:
        wait = "idle"
    elif observed.api_errors:
        wait = api_trouble(d, observed, spec)
    elif wants_new_run(status, observed.resource):
        keep_schedule(d, observed, starting=True)
        if in_progress(status):
            supersede(d)
        start_run(d, observed)
    elif keep_schedule(d, observed, starting=False):
        schedule = d.status.schedule
        start_run(d, observed, cause=f"due at {schedule.last_schedule_time if schedule else ''}")
    elif d.phase in TERMINAL_PHASES:
        wait = "active" if settle(d, observed, spec) else "idle"
    elif spec is None:
        invalid_spec(d, list(observed.spec_problems) or ["spec: the run's spec is gone"])
    else:
        advance(d, observed, spec, settings)
    if (
        d.phase in TERMINAL_PHASES
        and wait == "active"
        and not (spec is not None and cleanup_due(d, plan_run(spec)))
    ):
        wait = "idle"
    return Decision(
        status=d.status,
        actions=tuple(d.actions),
        wait=wait,
        changed=d.status != status,
        wake_in=d.wake_in,
        poll_in=poll_seconds(d.in_phase_seconds(), settings) if wait == "active" else None,
    )


QUICK_POLL_SECONDS = 0.25


def poll_seconds(in_phase: float, settings: Settings) -> float:
    """An eighth of the time spent in the phase, from 0.25 s up to the active interval: a
    stage that ends in a second is seen within a quarter of one, a long wait costs no more
    passes than before."""
    return min(settings.active_interval, max(QUICK_POLL_SECONDS, in_phase / 8))


def advance(d: Draft, observed: Observed, spec: BenchmarkSpec, settings: Settings) -> None:
    """Advance a run by at most one phase; a run that just ended is recorded."""
    phase = str(d.phase)
    recovered(d)
    if spec.matrix is not None:
        advance_matrix(d, observed, spec, settings)
    elif phase == "Pending" and (refused := baseline_refused(observed, spec)) is not None:
        # Before anything starts: a gate that cannot be evaluated costs no run.
        d.fail("BaselineUnreadable", refused)
    elif (failure := failed_role(observed, spec, phase)) is not None:
        reason: Reason = "OOMKilled" if "OOMKilled" in failure else "ChildFailed"
        # The stage's own condition says so too, however soon the role failed.
        stage: ConditionType = (
            "EngineReady" if phase == "WaitingForEngine" else "ObserversSubscribed"
        )
        d.condition(stage, "False", reason, failure)
        d.fail(reason, failure)
    else:
        progress = STAGES[phase](d, observed, spec, settings)
        if str(d.phase) == phase:
            timed_out(d, observed, spec, progress)
    if d.phase in ("Succeeded", "Failed"):
        finish(d, spec, d.result)


def baseline_refused(observed: Observed, spec: BenchmarkSpec) -> str | None:
    """Why spec.baseline cannot gate this run (unreadable, or a figure it needs is missing or
    impossible), naming the field; None when it can (or there is none)."""
    rule = spec.baseline
    if rule is None:
        return None
    field = "resultFile" if rule.result_file is not None else "resultsConfigMap"
    if observed.baseline is None:
        return f"spec.baseline.{field}: {observed.baseline_error}"
    problems = unusable(observed.baseline, rule, [o.name for o in spec.observers])
    return f"spec.baseline.{field}: {'; '.join(problems)}" if problems else None


def timed_out(d: Draft, observed: Observed, spec: BenchmarkSpec, progress: str) -> None:
    """The stage is past its limit: the run ends naming the field; a run that did not finish
    is collected with what there is (the roles still running asked to stop)."""
    limit = stage_timeout(d.phase)
    if limit is None or not limit.passed(spec, d.in_phase_seconds()):
        return
    message = limit.message(spec, progress)
    if d.phase != "Running":
        d.fail(limit.reason, message)
        return
    killed = killed_roles(d, spec)
    left = [
        role
        for role in plan_run(spec).measuring
        if role.key not in killed
        and (view := observed.roles.get(role.key)) is not None
        and not view.ended
    ]
    d.act(StopRoles(tuple(left)))
    d.status.reasons = [message]
    d.move("Collecting", f"{message}; collecting what there is", warning=True)


def recovered(d: Draft) -> None:
    """The API answers again after an ApiError: the status stops saying it does not."""
    complete = next((c for c in d.status.conditions if c.type == "Complete"), None)
    if complete is not None and complete.reason == "ApiError" and d.phase is not None:
        d.condition("Complete", "False", "RunStarted", f"run {d.status.run_id}")
        d.status.message = f"the API answers again; {d.phase}: {PHASES[d.phase]}"


def failed_role(observed: Observed, spec: BenchmarkSpec, phase: str) -> str | None:
    """While the engine starts and the observers subscribe, a failed role ends the run (nothing
    was measured yet); once the writers run, a failure is collected as a reason instead."""
    if phase not in STARTING:
        return None
    plan = plan_run(spec)
    probe = (plan.probe,) if plan.probe else ()
    roles: tuple[Role, ...] = (*plan.replicas, *probe)
    if phase == "Subscribing":
        roles = (*plan.replicas, *plan.observers)
    for role in roles:
        view = observed.roles.get(role.key)
        if view is not None and view.failure:
            return f"{role.title}: {view.failure}"
        # An observer that gave up before subscribing (it could not connect) exits cleanly:
        # waiting for it would only end in the subscribe timeout.
        if role.kind == "observer" and view is not None and view.phase == "Succeeded":
            return f"{role.title}: ended before it subscribed"
    return None


def api_trouble(d: Draft, observed: Observed, spec: BenchmarkSpec | None) -> Wait:
    """An API call failed: say so in the status and one Event, look again after a backoff; a
    stage still times out (naming the API error), so a run never waits forever."""
    problem = "; ".join(str(p) for p in observed.api_errors)
    if d.phase is None or d.phase in TERMINAL_PHASES:
        return "backoff"  # nothing in progress to report on; the executor logs it
    limit = stage_timeout(d.phase)
    if spec is not None and limit is not None and limit.passed(spec, d.in_phase_seconds()):
        d.fail(limit.reason, limit.message(spec, f"last API error: {problem}"))
        finish(d, spec, None)
        return "idle"
    message = f"{problem}; retrying with a backoff"
    if d.status.message != message:
        d.status.message = message
        d.act(PostEvent("Warning", "ApiError", message))
    d.condition("Complete", "False", "ApiError", message)
    return "backoff"
