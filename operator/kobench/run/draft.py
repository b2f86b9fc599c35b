"""The status being decided in one pass: conditions, phase moves and the actions they imply.

A :class:`Draft` is the machine's scratch pad. It starts from the status as read back and the
clock given to :func:`kobench.run.machine.decide` (never the wall clock), and collects the
actions; ``move`` announces a transition with an Event, which the executor posts only once the
status that holds the transition is saved.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, cast

from kobench.api.status import BenchmarkStatus
from kobench.api.status_terms import TERMINAL_PHASES, ConditionStatus, ConditionType, Phase, Reason
from kobench.measure.results import RunResult
from kobench.run.actions import Action, PostEvent
from kobench.run.observed import Resource
from kobench.run.reducers import bounded_reasons, set_condition

Wait = Literal["active", "idle", "backoff"]


def time_text(now: dt.datetime) -> str:
    return now.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    except ValueError:
        return None


class Draft:
    """The status of one pass, changed in place, and the actions decided so far."""

    def __init__(self, status: BenchmarkStatus, resource: Resource, now: dt.datetime) -> None:
        self.resource = resource
        self.now = now
        self.status = status.model_copy(deep=True)
        self.status.observed_generation = resource.generation
        self.actions: list[Action] = []
        self.result: RunResult | None = None
        """The merged result, once Collecting produced it."""
        self.wake_in: float | None = None
        """Seconds until something is due (a fault): the next pass comes no later."""

    @property
    def phase(self) -> Phase | None:
        return self.status.phase

    def act(self, *actions: Action) -> None:
        self.actions.extend(actions)

    def condition(
        self, type_: ConditionType, status: ConditionStatus, reason: Reason, message: str = ""
    ) -> None:
        self.status.conditions = set_condition(
            self.status.conditions,
            type=type_,
            status=status,
            reason=reason,
            message=message,
            now=time_text(self.now),
            generation=self.status.run_generation or self.resource.generation,
        )

    def move(self, phase: Phase, message: str, *, warning: bool = False) -> None:
        """Enter ``phase`` (or change its message); an Event tells the user."""
        if self.status.phase == phase and self.status.message == message:
            return
        if self.status.phase != phase:
            self.status.phase_since = time_text(self.now)
        self.status.phase = phase
        self.status.message = message
        self.kstatus()
        self.act(PostEvent("Warning" if warning else "Normal", str(phase), message))

    def kstatus(self) -> None:
        """Ready, Reconciling and Stalled as kstatus reads them (helm --wait, Flux, kubectl
        wait), from the phase and, once the run ended, Complete's reason."""
        phase, message = self.status.phase, self.status.message
        if phase not in TERMINAL_PHASES:
            self.condition("Reconciling", "True", "Progressing", f"{phase}: {message}")
            self.condition("Ready", "False", "Progressing", f"{phase}: {message}")
            self.condition("Stalled", "False", "Progressing")
            return
        complete = next((c for c in self.status.conditions if c.type == "Complete"), None)
        reason = cast(Reason, complete.reason) if complete else "Failed"
        self.condition("Reconciling", "False", reason, message)
        done = phase == "Succeeded"
        self.condition("Ready", "True" if done else "False", reason, message)
        self.condition("Stalled", "False" if done else "True", reason, message)

    def wake_within(self, seconds: float) -> None:
        self.wake_in = seconds if self.wake_in is None else min(self.wake_in, seconds)

    def in_phase_seconds(self) -> float:
        since = parse_time(self.status.phase_since) or self.now
        return (self.now - since).total_seconds()

    def fail(self, reason: Reason, detail: str) -> None:
        """The run cannot be carried out: phase Failed, naming why."""
        self.status.verdict = "Failed"
        self.status.reasons = bounded_reasons([detail])
        self.condition("Complete", "True", reason, detail)
        self.condition("Passed", "False", reason, detail)
        self.move("Failed", detail, warning=True)
