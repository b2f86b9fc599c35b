"""The phase machine: ``decide(status, observed, spec, now) -> Decision``, pure.

One pass of the operator over one benchmark is: gather :class:`Observed` (the executor), decide
(here: no I/O, no wall clock), save the status, apply the actions. Each stage's decision lives in
a module of its own (:mod:`.deploy`, :mod:`.engine`, :mod:`.subscribe`, :mod:`.running`,
:mod:`.collect`); the start of a run in :mod:`.start`, its end in :mod:`.finish`.

A run uses the spec as it was when it started (``spec`` here: frozen in the run ConfigMap).
Changing ``spec.runNonce`` ends the current run (children deleted, recorded in the history as
Failed) and starts a new one; any other change applies to the next run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from kobench.api import BenchmarkSpec
from kobench.api.status import PHASES, TERMINAL_PHASES, BenchmarkStatus, Reason
from kobench.run.actions import Action, PostEvent
from kobench.run.draft import Draft, Wait
from kobench.run.observed import Observed, Resource
from kobench.run.pods import role_manifests
from kobench.run.pods.pod_views import first_failure
from kobench.run.settings import Settings
from kobench.run.stages.collecting import collecting
from kobench.run.stages.deploying import deploying, pending
from kobench.run.stages.engine_wait import engine_pods, waiting_for_engine
from kobench.run.stages.finishing import finish, settle, should_clean
from kobench.run.stages.kills import wants_fault_clock
from kobench.run.stages.matrix_cells import MATRIX_PHASES, advance_matrix
from kobench.run.stages.running import running
from kobench.run.stages.starting import (
    in_progress,
    invalid_spec,
    spec_problems,
    start_run,
    supersede,
    wants_new_run,
)
from kobench.run.stages.subscribing import subscribing

Stage = Callable[[Draft, Observed, BenchmarkSpec, Settings], None]
STAGES: dict[str, Stage] = {
    "Pending": pending,
    "Deploying": deploying,
    "WaitingForEngine": waiting_for_engine,
    "Subscribing": subscribing,
    "Running": running,
    "Collecting": collecting,
}
WATCHING_PODS = frozenset({"WaitingForEngine", "Subscribing", "Running"})
"""Phases whose children are checked for failures (OOMKilled, a failed pod) on every pass."""


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


@dataclass(frozen=True)
class Needs:
    """What the executor must gather for this pass (the rest of :class:`Observed` is cheap)."""

    pods: bool = False
    documents: bool = False
    stored_result: bool = False
    fault_clock: bool = False
    children: bool = False
    """A matrix: its child benchmarks."""
    comparison: bool = False
    """A matrix whose runs all ended: their results, compared."""
    baseline: bool = False
    """spec.baseline's ConfigMap: read before anything is created, and when judging."""


def needs(
    status: BenchmarkStatus, resource: Resource, spec: BenchmarkSpec | None, metrics_known: bool
) -> Needs:
    """What to observe, from the status read back (so a restarted operator asks the same)."""
    if resource.deleting or wants_new_run(status, resource):
        return Needs()
    phase = status.phase
    if spec is not None and spec.matrix is not None and phase in MATRIX_PHASES:
        return Needs(children=True, comparison=phase == "Comparing")
    baseline = spec is not None and spec.baseline is not None
    if phase == "Pending" and baseline:
        return Needs(baseline=True)
    if phase in WATCHING_PODS or phase == "Collecting":
        clock = phase == "Running" and spec is not None and wants_fault_clock(spec, status.faults)
        collecting = phase == "Collecting"
        return Needs(
            pods=True, documents=collecting, fault_clock=clock, baseline=collecting and baseline
        )
    return Needs(
        pods=should_clean(status, spec),
        stored_result=not metrics_known
        and phase in ("Succeeded", "Failed")
        and bool(status.results_config_map),
    )


def decide(
    status: BenchmarkStatus,
    observed: Observed,
    spec: BenchmarkSpec | None,
    now: dt.datetime,
    *,
    settings: Settings | None = None,
) -> Decision:
    """The next status of a benchmark and the actions that go with it.

    ``status``: as read back from the API server. ``spec``: the current run's spec (frozen when
    it started); None when it has none or it cannot be read. ``now``: the pass's clock.
    """
    settings = settings or Settings()
    d = Draft(status, observed.resource, now)
    wait: Wait = "active"
    if observed.resource.deleting:
        wait = "idle"
    elif observed.api_errors:
        wait = api_trouble(d, observed, spec)
    elif wants_new_run(status, observed.resource):
        if in_progress(status):
            supersede(d)
        start_run(d)
    elif d.phase in TERMINAL_PHASES:
        settle(d, observed, spec)
        wait = "idle"
    elif spec is None:
        invalid_spec(d, spec_problems(observed.resource.spec) or ["spec: the run's spec is gone"])
    else:
        advance(d, observed, spec, settings)
    if d.phase in TERMINAL_PHASES and wait == "active":
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
    API calls than before."""
    return min(settings.active_interval, max(QUICK_POLL_SECONDS, in_phase / 8))


def advance(d: Draft, observed: Observed, spec: BenchmarkSpec, settings: Settings) -> None:
    """Advance a run by at most one phase; a run that just ended is recorded."""
    phase = str(d.phase)
    recovered(d)
    if spec.matrix is not None:
        advance_matrix(d, observed, spec, settings)
        if d.phase in ("Succeeded", "Failed"):
            finish(d, spec, None)
        return
    failure = failed_child(d, observed, spec) if phase in WATCHING_PODS else None
    if phase == "Pending" and spec.baseline is not None and observed.baseline is None:
        # Before anything is created: a baseline that cannot be read costs no run.
        d.fail("BaselineUnreadable", f"spec.baseline.resultsConfigMap: {observed.baseline_error}")
    elif failure is not None:
        d.fail("OOMKilled" if "OOMKilled" in failure else "ChildFailed", failure)
    else:
        STAGES[phase](d, observed, spec, settings)
    if d.phase in ("Succeeded", "Failed"):
        finish(d, spec, d.result)


def recovered(d: Draft) -> None:
    """The API answers again after an ApiError: the status stops saying it does not."""
    complete = next((c for c in d.status.conditions if c.type == "Complete"), None)
    if complete is not None and complete.reason == "ApiError" and d.phase is not None:
        d.condition("Complete", "False", "RunStarted", f"run {d.status.run_id}")
        d.status.message = f"the API answers again; {d.phase}: {PHASES[d.phase]}"


def failed_child(d: Draft, observed: Observed, spec: BenchmarkSpec) -> str | None:
    roles = [n for n, _, _ in role_manifests.observer_pods(d.names, spec)]
    roles += [n for n, _ in role_manifests.writer_pods(d.names, spec)]
    roles += role_manifests.faults_pods(d.names, spec)
    views = [
        *engine_pods(d, observed, spec),
        *(observed.pods[n] for n in roles if n in observed.pods),
    ]
    return first_failure(views)


def api_trouble(d: Draft, observed: Observed, spec: BenchmarkSpec | None) -> Wait:
    """An API call failed: say so in the status and one Event, look again after a backoff; a
    stage still times out (naming the API error), so a run never waits forever."""
    problem = "; ".join(str(p) for p in observed.api_errors)
    if d.phase is None or d.phase in TERMINAL_PHASES:
        return "backoff"  # nothing in progress to report on; the executor logs it
    timeout = stage_timeout(d, spec)
    if timeout is not None and d.in_phase_seconds() > timeout[1]:
        d.fail(timeout[0], f"{timeout[2]} (last API error: {problem})")
        if spec is not None:
            finish(d, spec, None)
        return "idle"
    message = f"{problem}; retrying with a backoff"
    if d.status.message != message:
        d.status.message = message
        d.act(PostEvent("Warning", "ApiError", message))
    d.condition("Complete", "False", "ApiError", message)
    return "backoff"


def stage_timeout(d: Draft, spec: BenchmarkSpec | None) -> tuple[Reason, float, str] | None:
    """The current stage's timeout: (reason, seconds, what did not happen)."""
    if spec is None:
        return None
    limits: dict[str, tuple[Reason, float, str]] = {
        "WaitingForEngine": (
            "EngineTimeout",
            spec.timeouts.engine_ready_seconds,
            "engine not ready",
        ),
        "Subscribing": (
            "SubscribeTimeout",
            spec.timeouts.subscribe_seconds,
            "observers not subscribed",
        ),
        "Running": ("RunTimeout", spec.run_seconds, "run did not finish"),
    }
    found = limits.get(str(d.phase))
    if found is None:
        return None
    reason, seconds, what = found
    return reason, float(seconds), f"{what} within {seconds:.0f}s"
