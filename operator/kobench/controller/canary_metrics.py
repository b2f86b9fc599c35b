"""Prometheus series for canary runs (spec.schedule): when each benchmark's last run ended, the
threshold its p99 is held to, and where its schedule stands. The chart's alert rules
(helm/kobench/templates/prometheusrule.yaml) read them."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from kobench.api.schedule_status import ScheduleStatus
from kobench.run.actions import RunRecord
from kobench.run.draft import parse_time

LABELS = ["namespace", "benchmark"]


@dataclass
class _Canary:
    finished: float | None = None
    p99_threshold_ms: float | None = None
    schedule: ScheduleStatus | None = None


def _timestamp(text: str) -> float | None:
    when = parse_time(text)
    return when.timestamp() if when is not None else None


class CanaryCollector(Collector):
    """Per benchmark: its last run's end and p99 threshold, and its schedule."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._benchmarks: dict[tuple[str, str], _Canary] = {}

    def run_ended(self, namespace: str, name: str, record: RunRecord) -> None:
        with self._lock:
            canary = self._benchmarks.setdefault((namespace, name), _Canary())
            canary.finished = _timestamp(record.finished_at)
            canary.p99_threshold_ms = record.p99_threshold_ms

    def schedule(self, namespace: str, name: str, schedule: ScheduleStatus | None) -> None:
        with self._lock:
            self._benchmarks.setdefault((namespace, name), _Canary()).schedule = schedule

    def forget(self, namespace: str, name: str) -> None:
        with self._lock:
            self._benchmarks.pop((namespace, name), None)

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            benchmarks = {key: _Canary(**vars(value)) for key, value in self._benchmarks.items()}
        finished = GaugeMetricFamily(
            "kobench_run_finished_timestamp_seconds",
            "When the last run ended (Unix time).",
            labels=LABELS,
        )
        threshold = GaugeMetricFamily(
            "kobench_run_threshold_p99_latency_seconds",
            "spec.thresholds.p99LatencyMs of the last run (absent: not set).",
            labels=LABELS,
        )
        interval = GaugeMetricFamily(
            "kobench_schedule_interval_seconds",
            "spec.schedule: from the due time before now to the next one.",
            labels=LABELS,
        )
        next_run = GaugeMetricFamily(
            "kobench_schedule_next_run_timestamp_seconds",
            "spec.schedule: when the next run is due (Unix time; absent while suspended).",
            labels=LABELS,
        )
        suspended = GaugeMetricFamily(
            "kobench_schedule_suspended",
            "spec.suspend: 1 while the schedule is paused.",
            labels=LABELS,
        )
        skipped = GaugeMetricFamily(
            "kobench_schedule_skipped_runs",
            "spec.schedule: due times skipped because a run was still going (status.schedule).",
            labels=LABELS,
        )
        for (namespace, name), canary in sorted(benchmarks.items()):
            labels = [namespace, name]
            if canary.finished is not None:
                finished.add_metric(labels, canary.finished)
            if canary.p99_threshold_ms is not None:
                threshold.add_metric(labels, canary.p99_threshold_ms / 1000.0)
            schedule = canary.schedule
            if schedule is None:
                continue
            interval.add_metric(labels, float(schedule.interval_seconds))
            suspended.add_metric(labels, 1.0 if schedule.suspended else 0.0)
            skipped.add_metric(labels, float(schedule.skipped))
            if (due := _timestamp(schedule.next_schedule_time)) is not None:
                next_run.add_metric(labels, due)
        yield from (finished, threshold, interval, next_run, suspended, skipped)


class Together(Collector):
    """Collectors read under one lock, which their updates take too: one scrape sees a run's
    series and its end from the same moment."""

    def __init__(self, lock: threading.Lock, *collectors: Collector) -> None:
        self._lock, self._collectors = lock, collectors

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            metrics = [m for c in self._collectors for m in c.collect()]
        yield from metrics
