"""Merging role documents into one result, and the verdict with its reasons."""

from __future__ import annotations

from typing import Any

from kobench.api import BenchmarkSpec, parse_spec
from kobench.measure.histograms import encode_histogram, new_histogram, record_us
from kobench.measure.results import (
    ClientInfo,
    ClockSample,
    Convergence,
    EngineFacts,
    ObserverResult,
    RunResult,
    WriterCounts,
    WriterResult,
    merge_run,
    saturation,
)
from kobench.measure.series import ObserverSecond, Outage, WriterSecond
from kobench.present.run_table import render_result

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


def test_an_offset_beyond_its_uncertainty_on_one_host_makes_the_run_invalid() -> None:
    # Defect fixed: on one host the offset was only shown, so a +20 ms clock passed.
    shifted = writer(clock={"sync.0": ClockSample(offset_us=20_000.0, delay_us=320.0, samples=50)})
    result = merge(SPEC, [shifted], [observer("sync"), observer("async")])
    assert result.verdict == "Invalid"
    assert any(
        "clock offset +20.000 ms (+-0.160) on the writer's host" in r for r in result.reasons
    )
    sync = result.observers[0]
    assert sync.corrected_latency_ms == sync.latency_ms  # never "corrected" into a pass


def test_an_offset_within_its_uncertainty_on_one_host_passes() -> None:
    calm = writer(clock={"sync.0": ClockSample(offset_us=40.0, delay_us=300.0, samples=50)})
    result = merge(SPEC, [calm], [observer("sync"), observer("async")])
    assert result.verdict == "Passed", result.reasons


def test_the_loss_allowance_is_per_instance_not_an_average() -> None:
    # Defect fixed: two instances, one lost 3 and one none: the average 1.5 passed maxMissed 2.
    spec = parse_spec(
        {
            "engine": {"type": "redis", "replicas": 1},
            "observers": [{"name": "sync", "mode": "sync", "replicas": 2}],
            "thresholds": {"maxMissed": 2},
        }
    )
    lossy = observer("sync", notifications=SENT - 3)
    clean = observer("sync", instance=1)
    result = merge(spec, [writer()], [lossy, clean])
    assert result.verdict == "Failed"
    assert "observer sync missed 3 of 2000 events (worst instance 3; allowed 2 per instance)" in (
        result.reasons
    )


def test_a_disconnect_fails_the_run_unless_the_spec_allows_it() -> None:
    outage = Outage(started_ns=1_000_000_000, ended_ns=1_250_000_000, missed=0)
    cut = observer("sync", disconnects=1, outages=[outage])
    result = merge(SPEC, [writer()], [cut, observer("async")])
    assert result.verdict == "Failed"
    assert any("lost its connection 1 time(s) (outages: 250 ms" in r for r in result.reasons)
    assert result.observers[0].outages[0].observer == "sync.0"
    tolerant = parse_spec(
        {"engine": {"type": "redis", "replicas": 1}, "thresholds": {"maxDisconnects": 1}}
    )
    assert merge(tolerant, [writer()], [cut, observer("async")]).verdict == "Passed"


def seconds(p50s: list[float]) -> list[ObserverSecond]:
    return [
        ObserverSecond(t=t, events=1000, p50_ms=v, p99_ms=v, max_ms=v) for t, v in enumerate(p50s)
    ]


def test_a_growing_queue_is_saturation_and_not_a_pass() -> None:
    growing = observer(
        "async", series=seconds([5.0, 40.0, 90.0, 150.0, 210.0, 260.0, 320.0, 380.0])
    )
    result = merge(SPEC, [writer()], [observer("sync"), growing])
    assert result.verdict == "Failed"
    assert result.observers[1].saturation.startswith("its latency grew over the run")
    assert any(r.startswith("observer async could not keep up") for r in result.reasons)


def test_a_spec_that_allows_saturation_still_reports_it_but_may_pass() -> None:
    growing = observer(
        "async", series=seconds([5.0, 40.0, 90.0, 150.0, 210.0, 260.0, 320.0, 380.0])
    )
    allowing = parse_spec({"thresholds": {"allowSaturation": True}})
    result = merge(allowing, [writer()], [observer("sync"), growing])
    assert result.observers[1].saturation.startswith("its latency grew over the run")
    assert result.verdict == "Passed", result.reasons


def test_a_backlog_at_the_end_is_saturation() -> None:
    assert saturation([], 4700.0).startswith("its backlog was 4700 ms")
    assert saturation([], 2.0) == ""


def test_a_recovered_stall_is_not_saturation() -> None:
    stalled = seconds([0.3, 0.3, 1500.0, 0.3, 0.3, 0.3, 0.3, 0.3])
    assert saturation(stalled, 0.5) == ""


def test_a_write_in_flight_when_the_engine_died_counts_only_if_it_was_seen() -> None:
    spec = parse_spec(
        {"engine": {"type": "redis", "replicas": 1}, "workload": {"keyMode": "unique"}}
    )
    died = writer(sent=500, unconfirmed=20, error="lost the engine")
    saw_some = observer("sync", writers={"0": WriterCounts(distinct=505, highest_seq=504)})
    result = merge(spec, [died], [saw_some, observer("async", writers={})])
    sync, silent = result.observers
    assert (sync.received, sync.expected, sync.missed, sync.duplicates) == (505, 505, 0, 0)
    assert silent.missed == 505


def test_shared_mode_counts_a_dead_server_without_inventing_duplicates() -> None:
    # Defect fixed: the writer reported sent 0 and every notification became a "duplicate".
    died = writer(sent=506, unconfirmed=1, error="lost the engine after 506 writes")
    reads = {"0": WriterCounts(distinct=480, highest_seq=505)}  # the last read found write 505
    seen = observer("sync", notifications=506, writers=reads)
    result = merge(SPEC, [died], [seen, observer("async", notifications=506, writers=reads)])
    sync = result.observers[0]
    assert (sync.received, sync.missed, sync.duplicates) == (506, 0, 0)


def test_a_single_measured_write_is_not_an_invalid_rate() -> None:
    one = writer(sent=1, measured_seconds=0.0, achieved_rate=0.0)
    result = merge(
        SPEC, [one], [observer("sync", notifications=1), observer("async", notifications=1)]
    )
    assert result.writers.rate_measured is False
    assert not any("writes/s" in r for r in result.reasons)


def test_series_merge_sums_counts_and_keeps_the_worst_second() -> None:
    a = observer(
        "sync",
        series=[ObserverSecond(t=0, events=10, missed=1, p50_ms=1.0, p99_ms=2.0, max_ms=3.0)],
    )
    b = observer(
        "sync",
        instance=1,
        series=[ObserverSecond(t=0, events=5, missed=0, p50_ms=4.0, p99_ms=1.0, max_ms=9.0)],
    )
    spec = parse_spec(
        {
            "engine": {"type": "redis", "replicas": 1},
            "observers": [{"name": "sync", "mode": "sync", "replicas": 2}],
        }
    )
    merged = merge(
        spec,
        [
            writer(series=[WriterSecond(t=0, sent=7, max_lag_ms=0.5)]),
            writer(writer_id=1, series=[WriterSecond(t=0, sent=3, max_lag_ms=2.5)]),
        ],
        [a, b],
    )
    (second,) = merged.observers[0].series
    assert (second.events, second.missed, second.p50_ms, second.p99_ms, second.max_ms) == (
        15,
        1,
        4.0,
        2.0,
        9.0,
    )
    (written,) = merged.writers.series
    assert (written.sent, written.max_lag_ms) == (10, 2.5)


def test_the_status_summary_names_saturation_outages_and_the_worst_second() -> None:
    from kobench.run.reducers import summarize_run

    stalled = [
        ObserverSecond(t=0, events=1000, p50_ms=0.3, p99_ms=0.5, max_ms=0.9),
        ObserverSecond(t=1, events=1000, p50_ms=900.0, p99_ms=1900.0, max_ms=2001.0),
        ObserverSecond(t=2, events=1000, p50_ms=0.3, p99_ms=0.5, max_ms=0.8),
    ]
    cut = observer("sync", series=stalled, outages=[Outage(started_ns=1, ended_ns=2)])
    line = summarize_run(merge(SPEC, [writer()], [cut, observer("async")])).observers[0]
    assert (line.worst_second, line.worst_second_max_ms) == (1, 2001.0)
    assert (line.outages, line.saturated) == (1, False)


def test_the_status_summary_says_how_much_of_the_latency_the_engine_round_trip_explains() -> None:
    from kobench.measure.results.calibration_docs import ToolOverhead
    from kobench.run.reducers import summarize_run

    result = merge(SPEC, [writer()], [observer("sync"), observer("async")])
    overhead = ToolOverhead(event_p50_ms=0.3, paced_round_trip_ms=0.12, ratio=2.5, instances=1)
    first = result.observers[0].model_copy(update={"tool_overhead": overhead})
    result = result.model_copy(update={"observers": [first, *result.observers[1:]]})
    lines = summarize_run(result).observers
    assert (lines[0].ping_ms, lines[0].p50_ping_ratio) == (0.12, 2.5)
    assert (lines[1].ping_ms, lines[1].p50_ping_ratio) == (None, None)  # absent, never 0


def test_an_event_before_its_write_was_due_on_a_shared_clock_is_invalid() -> None:
    # Defect fixed: negative latencies were counted and shown nowhere.
    early = observer("sync", negative_latencies=4)
    result = merge(SPEC, [writer()], [early, observer("async")])
    assert result.verdict == "Invalid"
    assert "observer sync saw 4 event(s) before their write was due, on a shared clock" in (
        result.reasons
    )


def test_a_fault_late_in_the_run_is_not_saturation() -> None:
    # p50 1 ms, except the two seconds a pause of the schedule held the events (and the one
    # after it): without the schedule that looks like a queue growing over the last quarter.
    paused = seconds([1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 900.0, 1500.0])
    assert saturation(paused, 0.5).startswith("its latency grew over the run")
    assert saturation(paused, 0.5, faulted=frozenset({5, 6, 7})) == ""


def test_a_writer_that_sent_no_document_is_named_in_the_writers_line() -> None:
    two = parse_spec(
        {"engine": {"type": "redis", "replicas": 1}, "workload": {"rate": 1000, "writers": 2}}
    )
    result = merge(two, [writer()], [observer("sync"), observer("async")])
    assert result.writers.writers == 1 and result.writers.silent == [1]
    assert "writers: 1 of 2 (no document from writer 1), sent" in render_result(result)
    assert merge(SPEC, [writer()], [observer("sync")]).writers.silent == []
