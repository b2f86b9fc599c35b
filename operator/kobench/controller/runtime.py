"""What the handlers share: settings, the API facade, the results source, metrics, events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kobench.controller.kube import Kube
from kobench.controller.metrics import Metrics
from kobench.controller.sources import PodLogResults, ResultsSource
from kobench.results import RunResult
from kobench.runners.kubernetes.objects import RoleOptions
from kobench.spec import BenchmarkSpec

EventPoster = Callable[[dict[str, Any], str, str, str], None]
"""(body, type Normal|Warning, reason, message) -> None."""


@dataclass(frozen=True)
class Settings:
    """Operator settings (command-line options of ``kobench operator``)."""

    role: RoleOptions = field(default_factory=RoleOptions)
    """Image and resources of the role pods."""
    active_interval: float = 2.0
    """Seconds between reconciles while a run is in progress."""
    idle_interval: float = 30.0
    """Seconds between reconciles of a finished run (a spec update wakes it at once)."""
    collect_timeout: float = 120.0
    """Seconds to wait for every role's result document once the roles ended."""


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
    results: dict[str, RunResult] = field(default_factory=dict)
    """Merged result of a run between collecting and finishing it."""

    @property
    def kube(self) -> Kube:
        if self.client is None:
            raise RuntimeError("the operator has not connected to the API server yet")
        return self.client


def now_text(now: dt.datetime) -> str:
    return now.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    except ValueError:
        return None
