"""What the phase machine asks an executor to do, in terms of roles, as plain data.

Each executor carries an action out its own way (pods and ConfigMaps through the API, or
processes and files on this machine); the machine never knows which. Two kinds, by when the
executor applies them:

* before the status is saved (``before_save``): idempotent steps that the saved status relies on
  (roles started under deterministic names, the results kept, a superseded run stopped). If one
  fails, the status is not moved on; the next pass asks again.
* after the status was saved: effects that must follow a saved transition exactly once (Events,
  metrics, the cleanup policy, dropping old results). A failed save applies none of them, so a
  transition is never announced or counted twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from kobench.api.matrix_spec import CellPlan
from kobench.api.schedule_status import ScheduleStatus
from kobench.api.target_status import TargetStatus
from kobench.measure.compare.comparison_docs import MatrixComparison
from kobench.measure.results import RunResult
from kobench.run.plan import CellTag, Role


@dataclass(frozen=True)
class RunRecord:
    """A finished run as the metrics expose it."""

    phase: str
    verdict: str
    result: RunResult | None
    cell: CellTag | None = None
    """A matrix's run: which matrix, cell and repetition it measured."""
    finished_at: str = ""
    """When it ended (RFC 3339), for the alert on a schedule that stopped running."""
    p99_threshold_ms: float | None = None
    """spec.thresholds.p99LatencyMs of the run, for the alert on p99."""


@dataclass(frozen=True)
class FreezeSpec:
    """Keep the spec the run started with for the whole run (an edit waits for the next run)."""

    before_save = True

    def __str__(self) -> str:
        return "freeze the run's spec"


@dataclass(frozen=True)
class StartEngine:
    """Start every engine replica (with the run's password and configuration)."""

    before_save = True

    def __str__(self) -> str:
        return "start the engine"


@dataclass(frozen=True)
class StartRoles:
    """Start these roles; a role already started is left alone."""

    roles: tuple[Role, ...]
    target: TargetStatus | None = None
    """A run against spec.target: what its opening found (the roles' spec and the cleanup's
    settings to restore are made of it)."""
    before_save = True

    def __str__(self) -> str:
        return f"start {', '.join(r.key for r in self.roles)}"


@dataclass(frozen=True)
class KillRole:
    """End one role at once (a kill of the fault schedule); a killed replica comes back empty."""

    role: Role
    before_save = True

    def __str__(self) -> str:
        return f"kill {self.role.key}"


@dataclass(frozen=True)
class StopRoles:
    """Ask roles still running to stop and hand in what they measured (where the executor can:
    a local process gets SIGTERM; a pod's document cannot be asked for, so it is left)."""

    roles: tuple[Role, ...]
    before_save = True

    def __str__(self) -> str:
        return f"stop {', '.join(r.key for r in self.roles)}"


@dataclass(frozen=True)
class KeepResult:
    """Keep a run's merged result (the results ConfigMap, or the local run's outcome)."""

    result: RunResult
    before_save = True

    def __str__(self) -> str:
        return "keep the run's result"


@dataclass(frozen=True)
class StartChild:
    """A matrix: start the benchmark of one step (its cell, one repetition)."""

    step: int
    cell: CellPlan
    repetition: int
    before_save = True

    def __str__(self) -> str:
        return f"start run {self.step + 1} ({self.cell.id} #{self.repetition + 1})"


@dataclass(frozen=True)
class KeepComparison:
    """A matrix: keep its comparison document."""

    comparison: MatrixComparison
    before_save = True

    def __str__(self) -> str:
        return "keep the matrix's comparison"


@dataclass(frozen=True)
class StopRun:
    """Stop every role of a run and remove what it started, keeping its result."""

    run_id: str
    before_save: bool
    """True to stop a superseded run (before the new run is saved); False for the cleanup
    policy of a finished run (after its terminal status is saved)."""

    def __str__(self) -> str:
        return "stop the run"


@dataclass(frozen=True)
class DropResults:
    """Drop the kept result of a run that fell out of the history."""

    name: str
    before_save = False

    def __str__(self) -> str:
        return f"drop results {self.name}"


@dataclass(frozen=True)
class PostEvent:
    """Tell the user (an Event on the benchmark; a progress line locally)."""

    type: Literal["Normal", "Warning"]
    reason: str
    message: str
    before_save = False

    def __str__(self) -> str:
        return f"post {self.type} Event {self.reason}"


@dataclass(frozen=True)
class RecordRun:
    """Expose a finished run's metrics; ``count`` also adds it to ``kobench_runs_total``
    (False when restoring a run counted by an earlier operator process)."""

    record: RunRecord
    count: bool
    before_save = False

    def __str__(self) -> str:
        return f"record run ({self.record.verdict or 'no verdict'})"


@dataclass(frozen=True)
class RecordSchedule:
    """Expose spec.schedule's figures (None: the benchmark has no schedule any more)."""

    schedule: ScheduleStatus | None
    before_save = False

    def __str__(self) -> str:
        return "record the schedule"


@dataclass(frozen=True)
class CountRun:
    """Count a run that has no metrics of its own (an invalid spec: verdict ``Error``)."""

    verdict: str
    before_save = False

    def __str__(self) -> str:
        return f"count a run ({self.verdict})"


Action = (
    FreezeSpec
    | StartEngine
    | StartRoles
    | KillRole
    | StopRoles
    | KeepResult
    | StartChild
    | KeepComparison
    | StopRun
    | DropResults
    | PostEvent
    | RecordRun
    | RecordSchedule
    | CountRun
)
