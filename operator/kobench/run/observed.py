"""What an executor saw in one pass, as plain data: the input of the phase machine.

Both executors turn their world into this one shape: the pods executor from the API server
(pods, logs, ConfigMaps, child benchmarks), the local executor from its processes and their
output files. The machine decides from it alone; an API call that failed while gathering is
recorded as an :class:`ApiProblem`, never raised.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from kobench.measure.compare.comparison_docs import MatrixComparison
from kobench.measure.results import EngineFacts, RunResult

RolePhase = Literal["Pending", "Running", "Succeeded", "Failed"]


@dataclass(frozen=True)
class Resource:
    """The benchmark as read at the start of the pass (a resource, or a file run locally)."""

    name: str
    namespace: str
    uid: str
    generation: int
    spec: Mapping[str, Any]
    """``spec`` as written (unvalidated)."""
    deleting: bool = False
    annotations: Mapping[str, str] = field(default_factory=dict)

    @property
    def run_nonce(self) -> str:
        return str(self.spec.get("runNonce", "") or "")


def resource_of(body: Mapping[str, Any]) -> Resource:
    meta = body["metadata"]
    return Resource(
        name=meta["name"],
        namespace=meta.get("namespace") or "default",
        uid=meta.get("uid") or "",
        generation=int(meta.get("generation", 1)),
        spec=dict(body.get("spec") or {}),
        deleting=bool(meta.get("deletionTimestamp")),
        annotations=dict(meta.get("annotations") or {}),
    )


@dataclass(frozen=True)
class RoleView:
    """One role as its executor sees it (a pod, a process), keyed by :attr:`Role.key`."""

    phase: RolePhase
    ready: bool = False
    """A replica: serving with its replication links up; an observer: subscribed."""
    failure: str | None = None
    """Why it failed, in words naming the cause (exit code, OOMKilled, a restart); None if fine."""
    finished_at: datetime | None = None
    """When it ended, if it has."""
    unschedulable: str | None = None
    """The scheduler's message while no node fits it."""
    waiting: str = ""
    """Why it is not running or ready yet, as its executor knows it (a transient the kubelet
    retries, a replica's replication state)."""

    @property
    def succeeded(self) -> bool:
        return self.phase == "Succeeded" and self.failure is None

    @property
    def ended(self) -> bool:
        return self.phase in ("Succeeded", "Failed")


@dataclass(frozen=True)
class ChildView:
    """One step of a matrix: its benchmark's outcome, as far as it got."""

    name: str
    """How the user finds it: the child benchmark's name, or the cell locally."""
    phase: str = ""
    verdict: str = ""
    reason: str = ""
    """Its first reason (why it failed, or what its verdict rests on)."""
    result: RunResult | None = None
    """Its result, once it has one and the pass asked for it."""
    unsupported: bool = False
    """The engine cannot run its cell (phase Error, reason Unsupported): left out of the
    comparison, and no failure of the matrix."""


@dataclass(frozen=True)
class ApiProblem:
    """An API call that failed: what was attempted and what the server answered."""

    call: str
    """What the operator tried, in words: ``list pods``, ``create Pod x``."""
    status: int = 0
    """HTTP status (403, 404, ...); 0 when there was no answer."""
    reason: str = ""

    def __str__(self) -> str:
        answer = f"{self.status} {self.reason}".strip() if self.status else self.reason
        return f"cannot {self.call}: {answer or 'no answer'}"


@dataclass(frozen=True)
class Observed:
    """Everything the machine may look at besides the status and the run's spec."""

    resource: Resource
    run_id: str = ""
    """The id a run started in this pass gets (the executor's naming)."""
    results_name: str = ""
    """Where the current run's result is kept (its results ConfigMap; empty locally)."""
    spec_problems: tuple[str, ...] = ()
    """What is wrong with ``resource.spec`` (one line per field), when the pass asked."""
    roles: Mapping[str, RoleView] = field(default_factory=dict)
    """The current run's roles by :attr:`Role.key`; a role not started (or gone) is absent."""
    documents: Mapping[str, str | None] = field(default_factory=dict)
    """Collecting: each measuring role's result document (None: it left none), by key."""
    unreadable: Mapping[str, str] = field(default_factory=dict)
    """Collecting: roles whose output could not be read yet, and why."""
    engine_facts: EngineFacts | None = None
    """Collecting: the engine as its executor can see it (None: it cannot ask the engine)."""
    stored_result: RunResult | None = None
    """The last run's stored result (to restore metrics after a restart)."""
    metrics_known: bool = True
    """The executor already exposes this benchmark's last run."""
    fault_clock_ns: int | None = None
    """Running with kills planned: the fault clock the injector printed, once it has."""
    children: Mapping[int, ChildView] = field(default_factory=dict)
    """A matrix: the steps of the current run started so far, by step."""
    comparison: MatrixComparison | None = None
    """A matrix, Comparing: its runs compared (None: not compared, ``comparison_error`` says
    why)."""
    comparison_error: str = ""
    baseline: RunResult | None = None
    """spec.baseline's result, when it was asked for and could be read."""
    baseline_error: str = ""
    """Why the baseline could not be read (it was asked for)."""
    api_errors: tuple[ApiProblem, ...] = ()
