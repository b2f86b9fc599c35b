"""Prometheus metrics: the operator's registry, which joins the series of every benchmark's
last run (:mod:`kobench.controller.run_metrics`), its canary series
(:mod:`kobench.controller.canary_metrics`) and runs counted by verdict.
"""

from __future__ import annotations

import threading

from prometheus_client import CollectorRegistry, Counter

from kobench.api.schedule_status import ScheduleStatus
from kobench.controller.canary_metrics import CanaryCollector, Together
from kobench.controller.run_metrics import RunCollector
from kobench.run.actions import RunRecord


class Metrics:
    """The operator's registry: the run collector plus a counter of finished runs."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.runs = RunCollector()
        self.canaries = CanaryCollector()
        # One snapshot of both per scrape: a scrape never pairs a run's end with the run before.
        self._lock = threading.Lock()
        self.registry.register(Together(self._lock, self.runs, self.canaries))
        self.finished = Counter(
            "kobench_runs",
            "Finished runs by verdict (Error: invalid spec; None: no verdict).",
            ["verdict"],
            registry=self.registry,
        )

    def run_finished(self, namespace: str, name: str, record: RunRecord) -> None:
        self.finished.labels(verdict=record.verdict or "None").inc()
        self.restore(namespace, name, record)

    def restore(self, namespace: str, name: str, record: RunRecord) -> None:
        """Expose a run an earlier operator process counted (after a restart)."""
        with self._lock:
            self.runs.record(namespace, name, record)
            self.canaries.run_ended(namespace, name, record)

    def schedule(self, namespace: str, name: str, schedule: ScheduleStatus | None) -> None:
        """Expose a benchmark's spec.schedule (None: it has none)."""
        self.canaries.schedule(namespace, name, schedule)

    def count(self, verdict: str) -> None:
        """Count a run that has no series of its own (an invalid spec: ``Error``)."""
        self.finished.labels(verdict=verdict).inc()

    def known(self) -> set[tuple[str, str]]:
        """(namespace, name) of the benchmarks whose last run is exposed."""
        return set(self.runs.known())

    def forget(self, namespace: str, name: str) -> None:
        self.runs.forget(namespace, name)
        self.canaries.forget(namespace, name)
