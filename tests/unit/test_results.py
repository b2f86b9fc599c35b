"""Merging role documents into one result, and the verdict with its reasons."""

from __future__ import annotations

from typing import Any

from kobench.results import (
    ClientInfo,
    ClockSample,
    Convergence,
    EngineFacts,
    ObserverResult,
    RunResult,
    WriterCounts,
    WriterResult,
    merge_run,
)
from kobench.spec import BenchmarkSpec, parse_spec
from kobench.stats import encode_histogram, new_histogram, record_us

SENT = 1000


def client(host: str = "node-a") -> ClientInfo:
    return ClientInfo(python="3.11", redis_py="8.1.0", hiredis=True, host=host)


def latency(values_us: list[float]) -> str:
    histogram = new_histogram()
    for value in values_us:
        record_us(histogram, value)
    return encode_histogram(histogram)


def writer(**changes: Any) -> WriterResult:
    base: dict[str, Any] = dict(
        writer_id=0,
        target_replicas=[0],
        client=client(),
        started_ns=0,
        ended_ns=1,
        sent=SENT,
        warmup_writes=0,
        measured_seconds=1.0,
        achieved_rate=1000.0,
    )
    return WriterResult(**{**base, **changes})


def observer(name: str, **changes: Any) -> ObserverResult:
    base: dict[str, Any] = dict(
        name=name,
        instance=0,
        mode=name,
        target_replica=0,
        client=client(),
        started_ns=0,
        ended_ns=1,
        writers={"0": WriterCounts(distinct=SENT, highest_seq=SENT - 1)},
        latency={"0": latency([200.0] * SENT)},
        notifications=SENT,
    )
    return ObserverResult(**{**base, **changes})


def merge(
    spec: BenchmarkSpec, writers: list[WriterResult], observers: list[ObserverResult]
) -> RunResult:
    return merge_run(
        benchmark="t",
        run_id="t-1",
        spec=spec,
        writers=writers,
        observers=observers,
        engine=EngineFacts(type="redis", replicas=1),
        convergence=Convergence(checked=True, converged=True),
        started_ns=0,
        finished_ns=1,
    )


SPEC = parse_spec({"engine": {"type": "redis", "replicas": 1}, "workload": {"rate": 1000}})


def test_a_clean_run_passes_with_its_figures() -> None:
    result = merge(SPEC, [writer()], [observer("sync"), observer("async")])
    assert result.verdict == "Passed", result.reasons
    sync = result.observers[0]
    assert (sync.received, sync.expected, sync.missed) == (SENT, SENT, 0)
    assert sync.latency_ms is not None and sync.latency_ms.p50 == 0.2


def test_lost_events_fail_the_run_and_say_how_many() -> None:
    lossy = observer("sync", notifications=SENT - 3)
    result = merge(SPEC, [writer()], [lossy, observer("async")])
    assert result.verdict == "Failed"
    assert "observer sync missed 3 of 1000 events (allowed 0 per instance)" in result.reasons


def test_unique_mode_counts_per_writer_sequences() -> None:
    spec = parse_spec(
        {"engine": {"type": "redis", "replicas": 1}, "workload": {"keyMode": "unique"}}
    )
    gappy = observer("sync", writers={"0": WriterCounts(distinct=SENT - 5, duplicates=2)})
    result = merge(spec, [writer()], [gappy, observer("async")])
    sync = result.observers[0]
    assert (sync.missed, sync.duplicates) == (5, 2)
    assert result.verdict == "Failed"


def test_a_missed_threshold_fails_with_the_numbers() -> None:
    spec = parse_spec(
        {"engine": {"type": "redis", "replicas": 1}, "thresholds": {"p99LatencyMs": 0.1}}
    )
    result = merge(spec, [writer()], [observer("sync"), observer("async")])
    assert result.verdict == "Failed"
    assert "observer sync p99 latency 0.200 ms is above the threshold 0.1 ms" in result.reasons


def test_a_large_clock_offset_between_hosts_makes_the_run_invalid() -> None:
    skewed = writer(clock={"sync.0": ClockSample(offset_us=9000.0, delay_us=400.0, samples=100)})
    remote = observer("sync", client=client("node-b"))
    result = merge(SPEC, [skewed], [remote, observer("async")])
    assert result.verdict == "Invalid"
    assert any("clock offset +9.000 ms" in r and "maxClockOffsetMs 5" in r for r in result.reasons)
    sync = result.observers[0]
    assert sync.corrected_latency_ms is not None and sync.latency_ms is not None
    assert round(sync.latency_ms.p50 - sync.corrected_latency_ms.p50, 3) == 9.0


def test_an_offset_within_path_asymmetry_is_not_applied() -> None:
    noisy = writer(clock={"sync.0": ClockSample(offset_us=-300.0, delay_us=4000.0, samples=100)})
    result = merge(SPEC, [noisy], [observer("sync", client=client("node-b")), observer("async")])
    sync = result.observers[0]
    assert result.verdict == "Passed"
    assert sync.corrected_latency_ms == sync.latency_ms


def test_a_slow_writer_makes_the_run_invalid_rather_than_quietly_slower() -> None:
    result = merge(SPEC, [writer(achieved_rate=700.0)], [observer("sync"), observer("async")])
    assert result.verdict == "Invalid"
    assert "30% below the target 1000/s" in result.reasons[0]


def test_divergent_replicas_fail_the_run() -> None:
    result = merge_run(
        benchmark="t",
        run_id="t-1",
        spec=SPEC,
        writers=[writer()],
        observers=[observer("sync"), observer("async")],
        engine=EngineFacts(type="keydb", replicas=2),
        convergence=Convergence(checked=True, converged=False, detail="replica 0: a, replica 1: b"),
        started_ns=0,
        finished_ns=1,
    )
    assert result.verdict == "Failed"
    assert "replicas did not converge: replica 0: a, replica 1: b" in result.reasons


def test_an_observer_without_a_document_fails_the_run() -> None:
    result = merge(SPEC, [writer()], [observer("sync")])
    assert result.verdict == "Failed"
    assert "observer async produced no result" in result.reasons
