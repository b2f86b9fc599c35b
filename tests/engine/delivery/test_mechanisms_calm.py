"""Every delivery mechanism, both observer modes, on Redis and Valkey: in a calm run each write
reaches each observer once, in both key modes, and the result says which mechanism ran."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kobench.api import Benchmark
from kobench.run.local.local_loop import run_local

MECHANISMS = [
    {"mechanism": "keyevent"},
    {"mechanism": "keyspace"},
    {"mechanism": "publish"},
    {"mechanism": "spublish"},
    {"mechanism": "tracking", "variant": "resp3"},
    {"mechanism": "tracking", "variant": "redirect"},
    {"mechanism": "stream", "variant": "group"},
    {"mechanism": "stream", "variant": "plain"},
]


def label(delivery: dict[str, str]) -> str:
    return ":".join(delivery.values())


# Both engines in unique mode; shared mode (the same code on both) on Redis.
CASES = [(engine, d, "unique") for engine in ("redis", "valkey") for d in MECHANISMS]
CASES += [("redis", d, "shared") for d in MECHANISMS]


@pytest.mark.parametrize(
    ("engine", "delivery", "key_mode"), CASES, ids=[f"{e}-{label(d)}-{k}" for e, d, k in CASES]
)
def test_each_write_reaches_each_observer_once(
    benchmark: Callable[..., Benchmark], engine: str, delivery: dict[str, str], key_mode: str
) -> None:
    spec = benchmark(
        engine={"type": engine, "replicas": 1, "notifyKeyspaceEvents": "KE$"},
        workload={"rate": 200, "durationSeconds": 2, "warmupSeconds": 0.5, "keyMode": key_mode},
        delivery=delivery,
        timeouts={"drainSeconds": 3},
    )
    result = run_local(spec)
    print(f"{engine} {label(delivery)} {key_mode}: {result.verdict} {result.reasons}")
    assert result.verdict == "Passed", result.reasons
    ran = delivery["mechanism"] + (f":{delivery['variant']}" if "variant" in delivery else "")
    assert result.delivery.mechanism == ran
    for observer in result.observers:
        assert observer.received == observer.expected == 400, observer
        assert observer.missed == 0 and observer.duplicates == 0
        assert observer.latency_ms is not None and observer.latency_ms.p50 < 50
        assert observer.mechanism == ran and observer.redelivered == 0
