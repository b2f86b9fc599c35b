"""Ground truth: inject a known fault with a real tool and check that kobench reports it.

Each test knows the truth it injected (a 2 s stall, a 1.5 s pause, a 20 ms delay, a +20 ms
clock, a lost subscription, a death) and asserts the figure kobench reported for it, with a
margin that cannot pass by accident. The README's "Reading results" says what each figure means.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import redis
from tests.engine.running_cli import RunningBenchmark
from tests.engine.truth.faults import named, server_password, summary, wait_for_writes, worst_second

from kobench.api import Benchmark
from kobench.run.local.local_loop import run_local

ONE_NODE = {"type": "redis", "replicas": 1}
KEY_MODES = ["shared", "unique"]


@pytest.mark.parametrize("key_mode", KEY_MODES)
def test_a_stalled_observer_shows_its_stall_as_latency_in_both_key_modes(
    benchmark_file: Callable[..., Path],
    run_cli: Callable[[Path], RunningBenchmark],
    key_mode: str,
) -> None:
    stall_s = 2.0
    path = benchmark_file(
        engine=ONE_NODE,
        workload={"rate": 200, "durationSeconds": 5, "warmupSeconds": 0, "keyMode": key_mode},
        thresholds={"maxLatencyMs": 1000},
    )
    running = run_cli(path)
    server = running.wait_for_children("redis-server", 1)[0]
    observer = running.wait_for_children("--observer sync ", 1)[0]
    wait_for_writes(server, 200)
    os.kill(observer, signal.SIGSTOP)
    time.sleep(stall_s)
    os.kill(observer, signal.SIGCONT)
    code, out = running.finish()
    document = json.loads(running.output.read_text())
    sync = named(document, "sync")
    print(
        f"TRUTH stall {stall_s}s {key_mode}: max {sync['latencyMs']['max']} ms, worst second "
        f"{worst_second(sync)} ms, read-based max {(sync.get('readLatencyMs') or {}).get('max')}"
    )
    assert sync["latencyBasis"] == "notification"
    assert sync["latencyMs"]["max"] >= 0.95 * stall_s * 1000, sync["latencyMs"]
    assert worst_second(sync) >= 0.95 * stall_s * 1000  # and the series says when
    assert sync["missed"] == 0 and sync["duplicates"] == 0
    assert code == 1, out
    assert "observer sync max latency" in out


@pytest.mark.parametrize("key_mode", KEY_MODES)
def test_a_paused_server_shows_its_pause_as_latency_not_as_a_lower_rate(
    benchmark_file: Callable[..., Path],
    run_cli: Callable[[Path], RunningBenchmark],
    key_mode: str,
) -> None:
    pause_ms = 1500
    path = benchmark_file(
        engine=ONE_NODE,
        workload={"rate": 200, "durationSeconds": 5, "warmupSeconds": 0, "keyMode": key_mode},
        thresholds={"maxLatencyMs": 1000},
    )
    running = run_cli(path)
    server = running.wait_for_children("redis-server", 1)[0]
    wait_for_writes(server, 200)
    port, password = server_password(server)
    with redis.Redis(port=port, password=password) as admin:
        admin.execute_command("CLIENT", "PAUSE", pause_ms, "ALL")
    code, out = running.finish()
    document = json.loads(running.output.read_text())
    for observer in document["observers"]:
        print(
            f"TRUTH pause {pause_ms}ms {key_mode} {observer['name']}: max "
            f"{observer['latencyMs']['max']} ms, rate {document['writers']['achievedRate']}"
        )
        assert observer["latencyMs"]["max"] >= 0.95 * pause_ms, observer["latencyMs"]
        assert observer["missed"] == 0
    assert document["writers"]["achievedRate"] >= 180  # the schedule caught up
    assert max(s["maxLagMs"] for s in document["writers"]["series"]) >= 0.9 * pause_ms
    assert code == 1, out


@pytest.mark.parametrize("key_mode", KEY_MODES)
def test_a_killed_subscription_is_an_outage_and_every_write_is_accounted_for(
    benchmark_file: Callable[..., Path],
    run_cli: Callable[[Path], RunningBenchmark],
    key_mode: str,
) -> None:
    path = benchmark_file(
        engine=ONE_NODE,
        workload={"rate": 200, "durationSeconds": 5, "keyMode": key_mode},
        timeouts={"drainSeconds": 2},
    )
    running = run_cli(path)
    server = running.wait_for_children("redis-server", 1)[0]
    wait_for_writes(server, 300)
    port, password = server_password(server)
    with redis.Redis(port=port, password=password) as admin:
        assert admin.client_kill_filter(_type="pubsub") >= 2
    code, out = running.finish()
    document = json.loads(running.output.read_text())
    sent = document["writers"]["sent"]
    assert sent == 1000  # measured: 200/s for 5 s (the warm-up second is not counted)
    for observer in document["observers"]:
        print(
            f"TRUTH kill pubsub {key_mode} {observer['name']}: sent {sent} received "
            f"{observer['received']} missed {observer['missed']} outages {observer['outages']}"
        )
        assert observer["received"] + observer["missed"] == sent
        assert observer["duplicates"] == 0
        assert observer["disconnects"] == 1
        (outage,) = observer["outages"]
        assert outage["endedNs"] > outage["startedNs"]  # it subscribed again
        assert outage["missed"] == observer["missed"]  # every loss is the outage's
        # Not before the end: an event read with the confirmation ends the outage at its own
        # stamp, so the two can be equal, and firstEventAfterMs is rounded to the microsecond.
        window_ms = round((outage["endedNs"] - outage["startedNs"]) / 1e6, 3)
        assert outage["firstEventAfterMs"] >= window_ms
    assert code == 1, out
    assert "lost its connection 1 time(s) (outages: " in out


def test_an_observer_that_cannot_keep_up_is_saturated_not_passed(
    benchmark: Callable[..., Benchmark],
) -> None:
    # A known queue: the sync observer answers each event with a blocking round trip before it
    # reads the next (measured here: about 4,000 events/s), so at 20,000 writes/s its backlog
    # grows by about 4 s every second. The async observer keeps up with 20,000/s on a quiet
    # machine, so it cannot be the queue a test relies on.
    spec = benchmark(
        engine=ONE_NODE,
        workload={"rate": 20_000, "durationSeconds": 2, "warmupSeconds": 0.5, "keyMode": "unique"},
        observers=[{"name": "sync", "mode": "sync"}],
        timeouts={"drainSeconds": 30},
    )
    result = run_local(spec)
    observer = summary(result, "sync")
    print(f"TRUTH saturation: {result.verdict} {observer.saturation}; {result.reasons}")
    assert observer.saturation, (observer.end_lag_ms, observer.series)
    assert observer.end_lag_ms is not None and observer.end_lag_ms > 1000
    assert observer.missed == 0  # a queue loses nothing: it is late, and said to be
    assert result.verdict != "Passed"
    assert any(r.startswith("observer sync could not keep up: ") for r in result.reasons)
    assert observer.latency_ms is not None and observer.latency_ms.p99 > 100


def test_a_dead_replica_makes_convergence_not_checked_never_converged(
    benchmark_file: Callable[..., Path], run_cli: Callable[[Path], RunningBenchmark]
) -> None:
    path = benchmark_file(
        engine={"type": "redis", "replicas": 2},
        workload={"rate": 200, "durationSeconds": 3, "keyMode": "unique"},
        observers=[{"name": "near", "mode": "sync", "targetReplica": 0}],
    )
    running = run_cli(path)
    servers = running.wait_for_children("redis-server", 2)
    primary = next(pid for pid in servers if server_password(pid)[0] == _primary_port(servers))
    wait_for_writes(primary, 200)
    replica = next(pid for pid in servers if server_password(pid)[0] != _primary_port(servers))
    os.kill(replica, signal.SIGKILL)
    code, out = running.finish()
    document = json.loads(running.output.read_text())
    states = {r["index"]: r for r in document["engine"]["replication"]}
    print(f"TRUTH kill -9 replica: {states}, convergence {document['convergence']}")
    assert states[1]["role"] == "unreachable"
    convergence = document["convergence"]
    assert convergence["checked"] is False and convergence["converged"] is False
    assert convergence["checkedNs"] > 0 and document["engine"]["checkedNs"] > 0
    assert abs(document["engine"]["checkedNs"] - convergence["checkedNs"]) < 10e9  # together
    assert named(document, "near")["missed"] == 0  # the replica it did not watch
    assert code == 1, out


def _primary_port(servers: list[int]) -> int:
    """The port of the server that is no one's replica."""
    for pid in servers:
        port, password = server_password(pid)
        with redis.Redis(port=port, password=password) as client:
            if client.info("replication")["role"] == "master":
                return port
    raise AssertionError("no primary among the servers")
