"""Delivery mechanisms on Valkey in shared mode (each event read from the shared key, and
answered with a handshake), both observer modes: in a calm run each write reaches each observer
once, and the result says which mechanism ran. Every mechanism in unique mode on Redis, with
each workload command, is the delay truth test's (calm and delayed observers alike)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kobench.api import Benchmark
from kobench.run.local.local_loop import run_local

MECHANISMS = [
    {"mechanism": "tracking", "variant": "resp3"},
    {"mechanism": "stream", "variant": "group"},
]
"""The shared modes that are not pub/sub's (keyevent's truth tests have that): tracking reads the
key on its tracking connection, a stream group reads and acknowledges entries. Valkey's sharded
pub/sub is the probe test's."""


def label(delivery: dict[str, str]) -> str:
    return ":".join(delivery.values())


@pytest.mark.parametrize("delivery", MECHANISMS, ids=[label(d) for d in MECHANISMS])
def test_each_write_reaches_each_observer_once(
    benchmark: Callable[..., Benchmark], delivery: dict[str, str]
) -> None:
    spec = benchmark(
        engine={"type": "valkey", "replicas": 1, "notifyKeyspaceEvents": "KE$"},
        workload={"rate": 200, "durationSeconds": 1, "warmupSeconds": 0.2, "keyMode": "shared"},
        delivery=delivery,
        timeouts={"drainSeconds": 2},
    )
    result = run_local(spec)
    print(f"valkey {label(delivery)} shared: {result.verdict} {result.reasons}")
    assert result.verdict == "Passed", result.reasons
    ran = delivery["mechanism"] + (f":{delivery['variant']}" if "variant" in delivery else "")
    assert result.delivery.mechanism == ran
    for observer in result.observers:
        assert observer.received == observer.expected == 200, observer
        assert observer.missed == 0 and observer.duplicates == 0
        assert observer.latency_ms is not None and observer.latency_ms.p50 < 50
        assert observer.mechanism == ran and observer.redelivered == 0
        # The writers' end is heard at once: a group's consumer blocked on the data stream,
        # if only the control stream held the end, heard it when the engine's cron (hz 10)
        # ended the block: 40 to 104 ms late; woken by the end marker there, about 1 ms.
        assert observer.end_lag_ms is not None and observer.end_lag_ms < 50, observer
