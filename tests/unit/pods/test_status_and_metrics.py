"""Status reducers and the metrics exposition, from plain data."""

from __future__ import annotations

from prometheus_client import generate_latest
from testkit import fake_kubelet as kubelet

from kobench.api import parse_spec
from kobench.api.status import HistoryEntry
from kobench.api.status_terms import MAX_HISTORY, MAX_REASONS
from kobench.controller.metrics import Metrics
from kobench.measure.results import ObserverResult, RunResult, WriterResult, merge_run
from kobench.run.actions import RunRecord
from kobench.run.reducers import bounded_reasons, push_history, set_condition, summarize_run

SPEC = parse_spec({"engine": {"replicas": 2}, "workload": {"writes": 50, "warmupSeconds": 0}})


def run_result() -> RunResult:
    observers = [
        ObserverResult.model_validate_json(kubelet.observer_result(SPEC, o.name, 0))
        for o in SPEC.observers
    ]
    writers = [WriterResult.model_validate_json(kubelet.writer_result(SPEC, 0))]
    first = writers[0]
    assert first.engine is not None and first.convergence is not None
    return merge_run(
        benchmark="b",
        run_id="r1",
        spec=SPEC,
        writers=writers,
        observers=observers,
        engine=first.engine,
        convergence=first.convergence,
        started_ns=1,
        finished_ns=2_000_000_001,
    )


def test_summary_takes_the_worst_observer() -> None:
    result = run_result()
    summary = summarize_run(result)
    assert summary.writes == 50 and summary.missed == 0
    lines = {o.name: o for o in summary.observers}
    assert set(lines) == {"sync", "async"}
    slow, fast = lines["async"], lines["sync"]
    assert slow.p99_ms is not None and fast.p99_ms is not None
    assert slow.p99_ms > fast.p99_ms * 2  # the fake observers differ: the pick is visible
    assert summary.p99_ms == slow.p99_ms and summary.p50_ms == slow.p50_ms
    # Ground truth: the async fake's largest latency is 2.4 ms, within the histogram's precision.
    assert slow.max_ms is not None and abs(slow.max_ms - 2.4) < 0.01


def test_conditions_move_their_transition_time_only_on_change() -> None:
    first = set_condition(
        [], type="Complete", status="False", reason="RunStarted", message="", now="t1", generation=1
    )
    same = set_condition(
        first,
        type="Complete",
        status="False",
        reason="Succeeded",
        message="",
        now="t2",
        generation=2,
    )
    assert same[0].last_transition_time == "t1" and same[0].observed_generation == 2
    flipped = set_condition(
        same, type="Complete", status="True", reason="Succeeded", message="", now="t3", generation=2
    )
    assert flipped[0].last_transition_time == "t3"


def test_reasons_and_history_are_bounded() -> None:
    reasons = bounded_reasons([f"reason {i} " + "x" * 1000 for i in range(40)])
    assert len(reasons) == MAX_REASONS and all(len(r) <= 512 for r in reasons)
    history: list[HistoryEntry] = []
    dropped: list[HistoryEntry] = []
    for i in range(MAX_HISTORY + 3):
        history, gone = push_history(history, HistoryEntry(run_id=f"r{i}"))
        dropped += gone
    assert len(history) == MAX_HISTORY and history[0].run_id == f"r{MAX_HISTORY + 2}"
    assert [d.run_id for d in dropped] == ["r0", "r1", "r2"]


def test_metrics_expose_the_last_run_and_forget_deleted_benchmarks() -> None:
    metrics = Metrics()
    metrics.run_finished(
        "ns", "b", RunRecord(phase="Succeeded", verdict="Passed", result=run_result())
    )
    text = generate_latest(metrics.registry).decode()
    assert 'kobench_runs_total{verdict="Passed"} 1.0' in text
    assert 'kobench_run_verdict{benchmark="b",namespace="ns",verdict="Passed"} 1.0' in text
    bucket = 'kobench_event_latency_seconds_bucket{benchmark="b",le="0.00025",mechanism="keyevent"'
    assert bucket + ',namespace="ns"' in text  # an observer's series name its mechanism
    assert 'kobench_run_delivery_info{benchmark="b",command="set",guarantee=' in text
    assert "kobench_run_event_latency_p99_seconds" in text
    assert "kobench_handshake_rtt_seconds_count" in text
    metrics.runs.forget("ns", "b")
    text = generate_latest(metrics.registry).decode()
    assert 'benchmark="b"' not in text
    assert 'kobench_runs_total{verdict="Passed"} 1.0' in text
