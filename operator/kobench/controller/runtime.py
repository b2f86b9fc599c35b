"""What the handlers share: settings, the API facade, the results source, metrics, events."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kobench.controller.kube import Kube
from kobench.controller.metrics import Metrics
from kobench.controller.settings import Settings, backoff_seconds
from kobench.controller.sources import PodLogResults, ResultsSource
from kobench.spec import BenchmarkSpec

EventPoster = Callable[[dict[str, Any], str, str, str], None]
"""(body, type Normal|Warning, reason, message) -> None."""


def _no_events(body: dict[str, Any], type_: str, reason: str, message: str) -> None:
    del body, type_, reason, message


@dataclass
class Runtime:
    client: Kube | None = None
    """The API facade; attached at operator start-up."""
    settings: Settings = field(default_factory=Settings)
    source: ResultsSource = field(default_factory=PodLogResults)
    metrics: Metrics = field(default_factory=Metrics)
    post_event: EventPoster = _no_events
    specs: dict[str, BenchmarkSpec] = field(default_factory=dict)
    """Frozen spec of each run, by run id (the run ConfigMap is the durable copy)."""
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
