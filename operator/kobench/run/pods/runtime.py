"""What the pods executor works with: settings, the API facade, the results source, metrics,
events, and the specs of the recent runs."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from kobench.api import BenchmarkSpec
from kobench.api.schedule_status import ScheduleStatus
from kobench.run.actions import RunRecord
from kobench.run.pods.kube import Kube
from kobench.run.pods.manifest_parts import RoleOptions
from kobench.run.pods.result_sources import PodLogResults, ResultsSource
from kobench.run.settings import Settings, backoff_seconds

EventPoster = Callable[[dict[str, Any], str, str, str], None]
"""(body, type Normal|Warning, reason, message) -> None."""
V = TypeVar("V")
SPEC_CACHE_RUNS = 256
"""Run specs the operator keeps in memory: the runs in progress and the last few finished ones
(a finished run's spec is read again only when its benchmark changes). One spec is a few KB;
an evicted one is read back from its run ConfigMap, the durable copy."""


class RecentRuns(Generic[V]):
    """A cache of the ``capacity`` most recently used entries, by run id: it never grows past
    ``capacity``, however many runs an operator sees in its lifetime."""

    def __init__(self, capacity: int = SPEC_CACHE_RUNS) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, not {capacity}")
        self.capacity = capacity
        self._entries: OrderedDict[str, V] = OrderedDict()

    def get(self, run_id: str) -> V | None:
        """The entry (now the most recently used), or None."""
        value = self._entries.get(run_id)
        if value is not None:
            self._entries.move_to_end(run_id)
        return value

    def __setitem__(self, run_id: str, value: V) -> None:
        self._entries[run_id] = value
        self._entries.move_to_end(run_id)
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)

    def pop(self, run_id: str) -> V:
        return self._entries.pop(run_id)

    def __contains__(self, run_id: object) -> bool:
        return run_id in self._entries

    def __len__(self) -> int:
        return len(self._entries)


class RunMetrics(Protocol):
    """Where finished runs are exposed and counted (the operator's Prometheus metrics)."""

    def run_finished(self, namespace: str, name: str, record: RunRecord) -> None:
        """Count a run that just ended and expose its figures."""

    def restore(self, namespace: str, name: str, record: RunRecord) -> None:
        """Expose a run counted by an earlier operator process."""

    def count(self, verdict: str) -> None:
        """Count a run without figures (an invalid spec)."""

    def schedule(self, namespace: str, name: str, schedule: ScheduleStatus | None) -> None:
        """Expose a benchmark's spec.schedule (None: it has none)."""

    def known(self) -> set[tuple[str, str]]:
        """(namespace, name) of the benchmarks whose last run is exposed."""
        ...

    def forget(self, namespace: str, name: str) -> None:
        """A deleted benchmark's series disappear with it."""


class NoMetrics:
    """Runs neither counted nor exposed (an executor without a metrics endpoint)."""

    def run_finished(self, namespace: str, name: str, record: RunRecord) -> None:
        del namespace, name, record

    def restore(self, namespace: str, name: str, record: RunRecord) -> None:
        del namespace, name, record

    def count(self, verdict: str) -> None:
        del verdict

    def schedule(self, namespace: str, name: str, schedule: ScheduleStatus | None) -> None:
        del namespace, name, schedule

    def known(self) -> set[tuple[str, str]]:
        return set()

    def forget(self, namespace: str, name: str) -> None:
        del namespace, name


def _no_events(body: dict[str, Any], type_: str, reason: str, message: str) -> None:
    del body, type_, reason, message


def _no_wake(uid: str) -> None:
    del uid


@dataclass
class Runtime:
    client: Kube | None = None
    """The API facade; attached at operator start-up."""
    settings: Settings = field(default_factory=Settings)
    role: RoleOptions = field(default_factory=RoleOptions)
    """Image and resources of the pods the run starts."""
    source: ResultsSource = field(default_factory=PodLogResults)
    metrics: RunMetrics = field(default_factory=NoMetrics)
    post_event: EventPoster = _no_events
    wake: Callable[[str], None] = _no_wake
    """Run a benchmark's next pass now, by uid (a matrix, when one of its children ended)."""
    specs: RecentRuns[BenchmarkSpec] = field(default_factory=RecentRuns)
    """Frozen spec of the recent runs, by run id (the run ConfigMap is the durable copy)."""
    failures: dict[tuple[str, str], int] = field(default_factory=dict)
    """Passes in a row that met an API error, by (namespace, name): the backoff."""

    @property
    def kube(self) -> Kube:
        if self.client is None:
            raise RuntimeError("the operator has not connected to the API server yet")
        return self.client

    def pause(self, key: tuple[str, str], *, trouble: bool, idle: bool) -> float:
        """Seconds until the next pass: a doubling backoff while API calls keep failing."""
        if trouble:
            self.failures[key] = self.failures.get(key, 0) + 1
            return backoff_seconds(self.failures[key], self.settings)
        self.failures.pop(key, None)
        return self.settings.idle_interval if idle else self.settings.active_interval
