"""What the phase machine asks the executor to do, as plain data.

Two kinds, by when the executor applies them:

* before the status is saved (``before_save``): idempotent API writes that the saved status
  relies on (children created by deterministic name, the results ConfigMap, deleting a
  superseded run). If one fails, the status is not moved on; the next pass asks again.
* after the status was saved: effects that must follow a saved transition exactly once (Events,
  metrics, the cleanup policy, dropping old results). A failed save applies none of them, so a
  transition is never announced or counted twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from kobench.measure.results import RunResult
from kobench.run.pods.child_manifests import CellTag

Manifest = dict[str, Any]


@dataclass(frozen=True)
class RunRecord:
    phase: str
    verdict: str
    result: RunResult | None
    cell: CellTag | None = None
    """A matrix's run: which matrix, cell and repetition it measured."""


@dataclass(frozen=True)
class Create:
    """Create a child; "already exists" is success (a previous pass made it)."""

    manifest: Manifest
    before_save = True

    def __str__(self) -> str:
        return f"create {self.manifest['kind']} {self.manifest['metadata']['name']}"


@dataclass(frozen=True)
class WriteResults:
    """Create or overwrite the results ConfigMap of a run."""

    manifest: Manifest
    before_save = True

    def __str__(self) -> str:
        return f"write ConfigMap {self.manifest['metadata']['name']}"


@dataclass(frozen=True)
class DeleteRun:
    """Delete a run's children by label, keeping its results ConfigMap."""

    selector: str
    before_save: bool
    """True to stop a superseded run (before the new run is saved); False for the cleanup
    policy of a finished run (after its terminal status is saved)."""

    def __str__(self) -> str:
        return f"delete the children labelled {self.selector}"


@dataclass(frozen=True)
class KillPod:
    """End one pod of the run at once (a fault of the schedule), by a selector matching it."""

    selector: str
    pod: str
    before_save = True

    def __str__(self) -> str:
        return f"kill pod {self.pod}"


@dataclass(frozen=True)
class DeleteConfigMap:
    """Drop the results ConfigMap of a run that fell out of the history."""

    name: str
    before_save = False

    def __str__(self) -> str:
        return f"delete ConfigMap {self.name}"


@dataclass(frozen=True)
class PostEvent:
    """An Event on the benchmark (``kubectl describe kob``)."""

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
class CountRun:
    """Count a run that has no metrics of its own (an invalid spec: verdict ``Error``)."""

    verdict: str
    before_save = False

    def __str__(self) -> str:
        return f"count a run ({self.verdict})"


Action = (
    Create | WriteResults | DeleteRun | KillPod | DeleteConfigMap | PostEvent | RecordRun | CountRun
)
