"""The canary series the chart's alerts read: the last run's end and p99 threshold, and the
schedule's interval, next due time, suspension and skipped due times."""

from __future__ import annotations

from kobench.api.schedule_status import ScheduleStatus
from kobench.controller.metrics import Metrics
from kobench.run.actions import RunRecord


def samples(metrics: Metrics) -> dict[str, float]:
    return {
        sample.name: sample.value
        for family in metrics.registry.collect()
        for sample in family.samples
        if sample.name.startswith(("kobench_schedule_", "kobench_run_finished", "kobench_run_thr"))
        and sample.labels.get("benchmark") == "b"
    }


def test_a_scheduled_run_exposes_what_the_alerts_need() -> None:
    metrics = Metrics()
    record = RunRecord(
        phase="Succeeded",
        verdict="Passed",
        result=None,
        finished_at="2026-01-01T00:00:10Z",
        p99_threshold_ms=5.0,
    )
    metrics.run_finished("ns", "b", record)
    schedule = ScheduleStatus(
        expression="* * * * *",
        next_schedule_time="2026-01-01T00:01:00Z",
        interval_seconds=60,
        skipped=2,
    )
    metrics.schedule("ns", "b", schedule)
    assert samples(metrics) == {
        "kobench_run_finished_timestamp_seconds": 1767225610.0,
        "kobench_run_threshold_p99_latency_seconds": 0.005,
        "kobench_schedule_interval_seconds": 60.0,
        "kobench_schedule_next_run_timestamp_seconds": 1767225660.0,
        "kobench_schedule_suspended": 0.0,
        "kobench_schedule_skipped_runs": 2.0,
    }
    suspended = schedule.model_copy(update={"suspended": True, "next_schedule_time": ""})
    metrics.schedule("ns", "b", suspended)
    found = samples(metrics)
    assert found["kobench_schedule_suspended"] == 1.0
    assert "kobench_schedule_next_run_timestamp_seconds" not in found
    metrics.schedule("ns", "b", None)  # the schedule was removed
    assert set(samples(metrics)) == {
        "kobench_run_finished_timestamp_seconds",
        "kobench_run_threshold_p99_latency_seconds",
    }
    metrics.forget("ns", "b")
    assert samples(metrics) == {}


def test_a_run_without_a_threshold_or_schedule_has_only_its_end() -> None:
    metrics = Metrics()
    metrics.restore(
        "ns", "b", RunRecord(phase="Failed", verdict="Failed", result=None, finished_at="")
    )
    assert samples(metrics) == {}
    metrics.restore(
        "ns",
        "b",
        RunRecord(
            phase="Failed", verdict="Failed", result=None, finished_at="2026-01-01T00:00:00Z"
        ),
    )
    assert samples(metrics) == {"kobench_run_finished_timestamp_seconds": 1767225600.0}
