"""What the executor saw in one pass, as plain data: the input of the phase machine.

The executor gathers it in one go (the resource, the run's pods, role documents while
collecting, a stored result to restore metrics from) and the machine decides from it alone; an
API call that failed while gathering is recorded as an :class:`ApiProblem`, never raised.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kobench.measure.compare.comparison_docs import MatrixComparison
from kobench.measure.results import RunResult
from kobench.run.pods.manifest_parts import Owner
from kobench.run.pods.pod_names import RunNames
from kobench.run.pods.pod_views import PodView


@dataclass(frozen=True)
class Resource:
    """The benchmark resource as read at the start of the pass."""

    name: str
    namespace: str
    uid: str
    generation: int
    spec: Mapping[str, Any]
    """``spec`` as the API server holds it (unvalidated)."""
    deleting: bool = False
    annotations: Mapping[str, str] = field(default_factory=dict)

    @property
    def run_nonce(self) -> str:
        return str(self.spec.get("runNonce", "") or "")

    @property
    def owner(self) -> Owner:
        return Owner(self.name, self.namespace, self.uid)

    def names(self, run_id: str) -> RunNames:
        return RunNames(self.name, run_id)


def resource_of(body: Mapping[str, Any]) -> Resource:
    meta = body["metadata"]
    return Resource(
        name=meta["name"],
        namespace=meta["namespace"],
        uid=meta["uid"],
        generation=int(meta.get("generation", 1)),
        spec=dict(body.get("spec") or {}),
        deleting=bool(meta.get("deletionTimestamp")),
        annotations=dict(meta.get("annotations") or {}),
    )


@dataclass(frozen=True)
class ChildView:
    """A matrix's child benchmark, as its status says."""

    name: str
    phase: str = ""
    verdict: str = ""
    reason: str = ""
    """Its first reason (why it failed, or what its verdict rests on)."""
    results_config_map: str = ""


def child_view(body: Mapping[str, Any]) -> ChildView:
    status = body.get("status") or {}
    reasons = status.get("reasons") or [""]
    return ChildView(
        name=body["metadata"]["name"],
        phase=str(status.get("phase") or ""),
        verdict=str(status.get("verdict") or ""),
        reason=str(reasons[0]),
        results_config_map=str(status.get("resultsConfigMap") or ""),
    )


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
    pods: Mapping[str, PodView] = field(default_factory=dict)
    """The current run's pods by name (pods being deleted left out); empty when not listed."""
    documents: Mapping[str, str | None] = field(default_factory=dict)
    """Collecting: each role pod's result document (None: it printed none), by pod name."""
    unreadable: Mapping[str, str] = field(default_factory=dict)
    """Collecting: role pods whose log could not be read, and why."""
    stored_result: RunResult | None = None
    """The last run's result from its results ConfigMap (to restore metrics after a restart)."""
    metrics_known: bool = True
    """The operator already exposes this benchmark's last run."""
    fault_clock_ns: int | None = None
    """Running with kills planned: the fault clock the injector printed, once it has."""
    password: str = ""
    """A freshly generated engine password, used if this pass creates the Secret."""
    children: Mapping[str, ChildView] = field(default_factory=dict)
    """A matrix: its child benchmarks of the current run, by name."""
    comparison: MatrixComparison | None = None
    """A matrix, Comparing: its runs compared (None: not compared, ``comparison_error`` says
    why)."""
    comparison_error: str = ""
    baseline: RunResult | None = None
    """spec.baseline.resultsConfigMap's result, when it was asked for and could be read."""
    baseline_error: str = ""
    """Why the baseline could not be read (it was asked for)."""
    api_errors: tuple[ApiProblem, ...] = ()
