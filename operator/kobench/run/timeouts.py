"""Each stage's time limit, declared once with the field it comes from.

Every executor's run hits the same limits with the same words: a message names what did not
happen, the limit, the field that sets it, and how far the stage got.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kobench.api import BenchmarkSpec
from kobench.api.status_terms import Reason
from kobench.run.plan import STRAGGLER_GRACE_SECONDS


@dataclass(frozen=True)
class StageTimeout:
    reason: Reason
    field: str
    """The spec field that sets the limit."""
    what: str
    """What did not happen in time."""
    seconds: Callable[[BenchmarkSpec], float]
    grace: Callable[[BenchmarkSpec], float] = lambda spec: 0.0
    """Beyond the limit, how long the roles are given to end by themselves and hand in what
    they measured (they know the limit too) before the stage gives up on them."""

    def limit(self, spec: BenchmarkSpec) -> float:
        return float(self.seconds(spec))

    def passed(self, spec: BenchmarkSpec, seconds: float) -> bool:
        return seconds > self.limit(spec) + self.grace(spec)

    def message(self, spec: BenchmarkSpec, progress: str = "") -> str:
        """``engine not ready within 60s (spec.timeouts.engineReadySeconds): 1/3 ready``."""
        said = f"{self.what} within {self.limit(spec):.0f}s ({self.field})"
        return f"{said}: {progress}" if progress else said


STAGE_TIMEOUTS: dict[str, StageTimeout] = {
    "WaitingForEngine": StageTimeout(
        "EngineTimeout",
        "spec.timeouts.engineReadySeconds",
        "engine not ready",
        lambda spec: spec.timeouts.engine_ready_seconds,
    ),
    "Subscribing": StageTimeout(
        "SubscribeTimeout",
        "spec.timeouts.subscribeSeconds",
        "observers not subscribed",
        lambda spec: spec.timeouts.subscribe_seconds,
    ),
    "Running": StageTimeout(
        "RunTimeout",
        "spec.timeouts.runSeconds",
        "run did not finish",
        lambda spec: spec.run_seconds,
        # The writers stop at the limit and announce their end; the observers drain.
        lambda spec: spec.timeouts.drain_seconds + STRAGGLER_GRACE_SECONDS,
    ),
}
"""By phase. ``spec.run_seconds`` is ``timeouts.runSeconds`` when set, else the schedule plus
the drain and a margin (see its definition)."""


def stage_timeout(phase: str | None) -> StageTimeout | None:
    return STAGE_TIMEOUTS.get(str(phase))
