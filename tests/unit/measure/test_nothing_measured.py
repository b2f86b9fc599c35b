"""A run that measured nothing is never Passed: every observer of the spec needs an instance that
measured events, and the writers need measured writes. A killed role is no failure by itself
while another one measures (documents in, verdict out; no processes)."""

from __future__ import annotations

from typing import Any

from kobench.api import BenchmarkSpec, parse_spec
from kobench.api.fault_spec import AppliedFault
from kobench.measure.histograms import encode_histogram, new_histogram, record_us
from kobench.measure.results import (
    ClientInfo,
    Convergence,
    EngineFacts,
    ObserverResult,
    RunResult,
    WriterCounts,
    WriterResult,
    merge_run,
)

NS = 1_000_000_000
T0 = 1_700_000_000 * NS
"""Wall clock of the first measured write."""
RATE = 100
WARMUP = 100
MEASURED = 100
CLIENT = ClientInfo(python="3.11", redis_py="8.1.0", hiredis=True, host="node-a")


def spec(*faults: dict[str, Any], observers: int = 1, writers: int = 1) -> BenchmarkSpec:
    return parse_spec(
        {
            "engine": {"type": "redis", "replicas": 1},
            "workload": {
                "keyMode": "unique",
                "rate": RATE,
                "durationSeconds": 1,
                "warmupSeconds": 1,
                "writers": writers,
            },
            "observers": [{"name": "sync", "mode": "sync", "replicas": observers}],
            "faults": list(faults),
        }
    )


def latency(count: int) -> dict[str, str]:
    if not count:
        return {}
    histogram = new_histogram()
    for _ in range(count):
        record_us(histogram, 300.0)
    return {"0": encode_histogram(histogram)}


def writer(writer_id: int = 0, *, sent: int = WARMUP + MEASURED) -> WriterResult:
    return WriterResult(
        writer_id=writer_id,
        target_replicas=[0],
        client=CLIENT,
        started_ns=T0 - NS,
        ended_ns=T0 + NS,
        measured_start_ns=T0,
        sent=sent,
        warmup_writes=WARMUP,
        measured_seconds=0.99 if sent > WARMUP + 1 else 0.0,
        achieved_rate=RATE if sent > WARMUP + 1 else 0.0,
    )


def observer(instance: int = 0, *, measured: int = MEASURED, writers: int = 1) -> ObserverResult:
    seen = WARMUP + measured
    return ObserverResult(
        name="sync",
        instance=instance,
        mode="sync",
        target_replica=0,
        client=CLIENT,
        started_ns=T0 - 2 * NS,
        ended_ns=T0 + 2 * NS,
        writers={str(w): WriterCounts(distinct=seen, highest_seq=seen - 1) for w in range(writers)},
        latency=latency(measured * writers),
    )


def kill(action: str, target: str, at: float) -> AppliedFault:
    return AppliedFault(
        index=0, action=action, target=target, at_seconds=at, applied_ns=T0 + int(at * NS)
    )


def merge(
    benchmark: BenchmarkSpec,
    writers: list[WriterResult],
    observers: list[ObserverResult],
    *records: AppliedFault,
) -> RunResult:
    return merge_run(
        benchmark="t",
        run_id="t-1",
        spec=benchmark,
        writers=writers,
        observers=observers,
        engine=EngineFacts(type="redis", replicas=1),
        convergence=Convergence(checked=True, converged=True),
        started_ns=T0 - 3 * NS,
        finished_ns=T0 + 3 * NS,
        fault_records=records,
        measured_from_ns=T0,
    )


KILL_SYNC = {"atSeconds": 0.5, "action": "killObserver", "observer": "sync"}
KILL_WRITER = {"atSeconds": 0, "action": "killWriter", "writer": 0}


def test_a_calm_run_passes() -> None:
    result = merge(spec(), [writer()], [observer()])
    assert result.verdict == "Passed", result.reasons
    assert result.writers.sent == MEASURED


def test_the_only_observer_killed_fails_the_run_and_says_so() -> None:
    # Before: `sync x0 (killed) 0/0`, Passed.
    result = merge(spec(KILL_SYNC), [writer()], [], kill("killObserver", "sync.0", 0.5))
    assert result.verdict == "Failed"
    assert result.reasons == [
        "observer sync measured nothing: every instance was killed (sync.0 by fault 0 "
        "(killObserver) at 0.500 s), so no figure of it can pass (keep one instance running)"
    ]


def test_a_killed_instance_is_no_failure_while_another_one_measures() -> None:
    result = merge(
        spec(KILL_SYNC, observers=2), [writer()], [observer(1)], kill("killObserver", "sync.0", 0.5)
    )
    assert result.verdict == "Passed", result.reasons


def test_the_only_writer_killed_at_zero_fails_the_run_and_says_so() -> None:
    # Before: `writers: 0 of 1 ... sent 0, achieved 0/s`, Passed. The observer saw the warm-up
    # and the few writes of the first instant.
    result = merge(
        spec(KILL_WRITER), [], [observer(measured=3)], kill("killWriter", "writer.0", 0.025)
    )
    assert result.verdict == "Failed"
    assert (
        "the writers sent no measured writes (writer 0 was killed by fault 0 (killWriter) at "
        "0.025 s), so nothing was measured (spec.workload.writers: 1)"
    ) in result.reasons


def test_a_killed_writer_is_no_failure_while_another_one_writes() -> None:
    kill_one = {"atSeconds": 0.5, "action": "killWriter", "writer": 1}
    result = merge(
        spec(kill_one, writers=2),
        [writer(0)],
        [observer(writers=2)],
        kill("killWriter", "writer.1", 0.5),
    )
    assert result.verdict == "Passed", result.reasons


def test_writers_that_stopped_in_the_warm_up_measured_nothing() -> None:
    result = merge(spec(), [writer(sent=WARMUP)], [observer(measured=0)])
    assert result.verdict == "Failed"
    assert (
        "the writers sent no measured writes (1 writer(s) sent 100 writes, all in the warm-up), "
        "so nothing was measured (spec.workload.writers: 1)"
    ) in result.reasons


def test_an_observer_that_saw_only_the_warm_up_measured_nothing() -> None:
    # It received events (the warm-up's), and not one measured write.
    result = merge(spec(), [writer()], [observer(measured=0)])
    assert result.verdict == "Failed"
    assert result.observers[0].received > 0
    assert any(
        r.startswith("observer sync measured nothing: no measured event") for r in result.reasons
    )


def test_a_writer_that_left_no_document_without_a_fault_is_named() -> None:
    result = merge(spec(), [], [observer()])
    assert result.verdict == "Failed"
    assert any("writer 0 left no document" in r for r in result.reasons), result.reasons
