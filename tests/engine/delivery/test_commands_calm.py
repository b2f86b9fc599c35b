"""Every workload command on a real Redis: each write's event reaches each observer once through
the mechanisms that can carry it, and an expiry is never heard before its key was due."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kobench.api import Benchmark
from kobench.run.local.local_loop import run_local

CASES = [
    (command, mechanism)
    for command in ("del", "hset", "lpush", "xadd")
    for mechanism in ("keyevent", "keyspace")
] + [("hset", "publish"), ("del", "stream"), ("lpush", "tracking"), ("xadd", "spublish")]


@pytest.mark.parametrize(("command", "mechanism"), CASES, ids=[f"{c}-{m}" for c, m in CASES])
def test_each_commands_event_arrives_once(
    benchmark: Callable[..., Benchmark], command: str, mechanism: str
) -> None:
    spec = benchmark(
        engine={"type": "redis", "replicas": 1, "notifyKeyspaceEvents": "KEA"},
        workload={
            "rate": 200,
            "durationSeconds": 2,
            "warmupSeconds": 0.5,
            "keyMode": "unique",
            "command": command,
        },
        delivery={"mechanism": mechanism},
        timeouts={"drainSeconds": 3},
    )
    result = run_local(spec)
    print(f"{command} via {mechanism}: {result.verdict} {result.reasons}")
    assert result.verdict == "Passed", result.reasons
    assert result.delivery.command == command and result.delivery.event == command
    for observer in result.observers:
        assert observer.received == observer.expected == 400
        assert observer.missed == 0 and observer.duplicates == 0


@pytest.mark.parametrize("read_at_due", [False, True])
def test_expired_events_are_timed_from_the_keys_due_time(
    benchmark: Callable[..., Benchmark], read_at_due: bool
) -> None:
    spec = benchmark(
        engine={"type": "redis", "replicas": 1, "notifyKeyspaceEvents": "KEA"},
        workload={
            "rate": 100,
            "durationSeconds": 2,
            "warmupSeconds": 0.2,
            "keyMode": "unique",
            "command": "expire",
            "expiry": {"afterMs": 50, "readAtDue": read_at_due},
        },
        delivery={"mechanism": "keyspace"},
        timeouts={"drainSeconds": 3},
    )
    result = run_local(spec)
    expiry = result.delivery.expiry
    assert expiry is not None and expiry.read_at_due is read_at_due and expiry.hz == 10
    for observer in result.observers:
        latency = observer.latency_ms
        print(f"expired, read at due {read_at_due}, {observer.name}: {latency}")
        assert observer.received == observer.expected == 200 and observer.missed == 0
        assert observer.negative_latencies == 0  # never before its key was due
        assert observer.handshake_rtt_ms is None  # an expiry has no round trip to answer
        assert latency is not None and latency.max < 1000
