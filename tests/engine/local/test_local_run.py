"""``kobench run`` against real redis-server and valkey-server processes."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
from tests.engine.running_cli import RunningBenchmark

from kobench.api import Benchmark
from kobench.measure.results import ObserverSummary, RunResult, result_schema
from kobench.run.local.local_loop import run_local

ONE_NODE = {"type": "redis", "replicas": 1}
MODEST = {"rate": 200, "durationSeconds": 3, "warmupSeconds": 0.5}


def observer_named(result: RunResult, name: str) -> ObserverSummary:
    return next(o for o in result.observers if o.name == name)


@pytest.mark.parametrize("key_mode", ["shared", "unique"])
def test_sync_and_async_observers_lose_nothing_at_a_modest_rate(
    benchmark: Callable[..., Benchmark], key_mode: str
) -> None:
    result = run_local(benchmark(engine=ONE_NODE, workload={**MODEST, "keyMode": key_mode}))
    assert result.verdict == "Passed", result.reasons
    # Counts are of the measured writes, as the latency is: 200/s for 3 s (+0.5 s warm-up).
    assert (result.writers.sent, result.writers.warmup) == (600, 100)
    for name in ("sync", "async"):
        obs = observer_named(result, name)
        assert (obs.received, obs.missed, obs.duplicates) == (600, 0, 0)
        assert obs.latency_ms is not None
        # Warm-up writes are not measured; in shared mode a read that finds a newer value
        # (superseded) measures that newer write instead.
        assert obs.latency_ms.count + obs.superseded >= 600 >= obs.latency_ms.count
        if key_mode == "unique":
            assert obs.latency_ms.count == 600
        assert obs.latency_ms.p50 > 0
        assert obs.handshake_rtt_ms is not None and obs.handshake_rtt_ms.count > 0
    assert result.client is not None and result.client.redis_py


@pytest.mark.parametrize(
    "flags",
    ["KEA", "E$"],
    ids=["keyspace-listener-that-also-hears-expire", "keyevent-listener-that-hears-every-write"],
)
def test_the_writer_books_each_sampled_answer_once_whichever_channel_it_hears_them_on(
    benchmark: Callable[..., Benchmark], flags: str
) -> None:
    spec = benchmark(
        engine={**ONE_NODE, "notifyKeyspaceEvents": flags},
        workload={**MODEST, "keyMode": "unique"},
        observers=[
            {"name": "sync", "mode": "sync", "handshakeEvery": 7},
            {"name": "async", "mode": "async", "handshakeEvery": 50},
        ],
    )
    result = run_local(spec)
    assert result.verdict == "Passed", result.reasons
    measured, warmup = result.writers.sent, 100  # 200/s for 0.5 s
    sent = measured + warmup  # the answers sample the warm-up too
    for name, every in (("sync", 7), ("async", 50)):
        obs = observer_named(result, name)
        assert (obs.received, obs.missed) == (measured, 0)
        assert (obs.handshake_every, obs.handshake_samples) == (every, -(-sent // every))
        assert obs.handshake_rtt_ms is not None
        assert obs.handshake_rtt_ms.count == len(range(-(-warmup // every) * every, sent, every))
        assert obs.clock_offset_ms is not None


def test_an_observer_on_a_replica_sees_writes_made_on_the_primary(
    benchmark: Callable[..., Benchmark],
) -> None:
    spec = benchmark(
        engine={"type": "redis", "replicas": 2},
        workload={**MODEST, "keyMode": "unique"},
        observers=[
            {"name": "far", "mode": "async", "targetReplica": 1},
            {"name": "near", "mode": "sync", "targetReplica": 0},
        ],
    )
    result = run_local(spec)
    assert result.verdict == "Passed", result.reasons
    assert observer_named(result, "far").received == 600
    cells = {(c.written_replica, c.observed_replica): c.count for c in result.matrix}
    assert cells == {(0, 1): 600, (0, 0): 600}
    assert [r.link_up for r in result.engine.replication] == [True, True]
    assert result.convergence.checked and result.convergence.converged


def test_valkey_runs_with_a_replica(benchmark: Callable[..., Benchmark]) -> None:
    spec = benchmark(
        engine={"type": "valkey", "replicas": 2},
        workload=MODEST,
        observers=[{"name": "obs", "mode": "sync", "targetReplica": 1}],
    )
    result = run_local(spec)
    assert result.verdict == "Passed", result.reasons
    assert result.engine.version.startswith("valkey 8.")


def test_a_threshold_that_cannot_be_met_fails_with_the_reason(
    benchmark_file: Callable[..., Path], run_cli: Callable[[Path], RunningBenchmark]
) -> None:
    path = benchmark_file(engine=ONE_NODE, workload=MODEST, thresholds={"p50LatencyMs": 0.001})
    running = run_cli(path)
    code, out = running.finish()
    assert code == 1, out
    assert "Failed" in out
    assert "p50 latency" in out and "is above the threshold 0.001 ms" in out


def test_the_result_document_validates_against_its_schema(
    benchmark_file: Callable[..., Path], run_cli: Callable[[Path], RunningBenchmark]
) -> None:
    running = run_cli(benchmark_file(engine=ONE_NODE, workload={**MODEST, "durationSeconds": 1}))
    code, out = running.finish()
    assert code == 0, out
    document = json.loads(running.output.read_text())
    jsonschema.validate(document, result_schema())
    assert document["verdict"] == "Passed"
    assert {o["name"] for o in document["observers"]} == {"sync", "async"}


def test_killing_the_server_mid_run_fails_with_a_reason_and_leaves_no_process(
    benchmark_file: Callable[..., Path], run_cli: Callable[[Path], RunningBenchmark]
) -> None:
    running = run_cli(
        benchmark_file(engine=ONE_NODE, workload={"rate": 200, "durationSeconds": 30})
    )
    server = running.wait_for_children("redis-server", 1)[0]
    running.wait_for_children("role writer", 1)
    time.sleep(1.0)
    os.kill(server, signal.SIGKILL)
    started = time.monotonic()
    code, out = running.finish(timeout=60)
    assert time.monotonic() - started < 30, "the run hung after the server died"
    assert code == 1, out
    said = " ".join(out.split())  # the table folds long reasons
    assert "engine replica 0 failed during the run:" in said
    assert "redis-server exited with code -9" in said
    assert "lost" in out  # the roles say they lost the engine
    assert running.leftovers() == []


def test_ctrl_c_stops_every_process_it_started(
    benchmark_file: Callable[..., Path], run_cli: Callable[[Path], RunningBenchmark]
) -> None:
    running = run_cli(
        benchmark_file(engine=ONE_NODE, workload={"rate": 100, "durationSeconds": 60})
    )
    running.wait_for_children("role writer", 1)
    running.interrupt()
    code, out = running.finish(timeout=30)
    assert code == 130, out
    assert "every process it started was stopped" in out
    assert running.leftovers() == []


def test_a_stalled_server_shows_up_as_latency_not_as_a_lower_rate(
    benchmark_file: Callable[..., Path], run_cli: Callable[[Path], RunningBenchmark]
) -> None:
    path = benchmark_file(
        engine=ONE_NODE,
        workload={"rate": 200, "durationSeconds": 4, "keyMode": "unique", "warmupSeconds": 0},
    )
    running = run_cli(path)
    server = running.wait_for_children("redis-server", 1)[0]
    running.wait_for_children("role writer", 1)
    time.sleep(2.0)
    os.kill(server, signal.SIGSTOP)
    time.sleep(0.5)
    os.kill(server, signal.SIGCONT)
    code, out = running.finish()
    document = json.loads(running.output.read_text())
    for obs in document["observers"]:
        assert obs["missed"] == 0
        assert obs["latencyMs"]["max"] >= 450, obs["latencyMs"]  # the 500 ms stall is visible
    assert document["writers"]["achievedRate"] >= 190  # the schedule caught up
    assert code == 0, out


def test_a_writer_that_dies_ends_the_run_with_its_reason_and_the_observers_partial_counts(
    benchmark_file: Callable[..., Path], run_cli: Callable[[Path], RunningBenchmark]
) -> None:
    path = benchmark_file(
        engine=ONE_NODE,
        workload={"rate": 200, "durationSeconds": 60},
        timeouts={"drainSeconds": 2},
    )
    running = run_cli(path)
    writer = running.wait_for_children("role writer", 1)[0]
    time.sleep(2.0)
    os.kill(writer, signal.SIGKILL)  # it never announces its end
    started = time.monotonic()
    code, out = running.finish(timeout=60)
    assert time.monotonic() - started < 20, "observers kept waiting for the dead writer"
    assert code == 1, out
    assert "writer writer.0 produced no result: exited with code -9" in out
    document = json.loads(running.output.read_text())
    for obs in document["observers"]:
        assert obs["received"] > 0  # what arrived before the writer died is still reported
        # Every write an observer saw counts as sent, so none is missed and none doubled.
        assert (obs["missed"], obs["duplicates"]) == (0, 0), obs
        assert any("stopped by SIGTERM after 0 of 1 writer(s)" in e for e in obs["errors"])
    assert running.leftovers() == []
