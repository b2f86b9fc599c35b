"""Ground truth for expired events: keys whose expiry is due at known times (PXAT) are heard
never before that time; a key read when due expires on access (a small lag); an unread one waits
for the engine's active expiry cycle, every 1/hz s (a lag spread over that cycle): more cycles a
second, proportionally less lag. The result states the hz the probe read."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kobench.api import Benchmark
from kobench.measure.results import ObserverSummary
from kobench.run.local.local_loop import run_local


def expiring(benchmark: Callable[..., Benchmark], *, read_at_due: bool) -> Benchmark:
    return benchmark(
        engine={"type": "redis", "replicas": 1, "notifyKeyspaceEvents": "KEA"},
        workload={
            "rate": 100,
            "durationSeconds": 1,
            "warmupSeconds": 0.2,
            "keyMode": "unique",
            "command": "expire",
            "expiry": {"afterMs": 100, "readAtDue": read_at_due},
        },
        observers=[{"name": "timers", "mode": "async"}],
        timeouts={"drainSeconds": 2},
    )


def lag(benchmark: Benchmark, server: str | None = None) -> tuple[ObserverSummary, int | None]:
    result = run_local(benchmark, server_binary=server)
    (timers,) = result.observers
    expiry = result.delivery.expiry
    assert expiry is not None
    assert timers.received == timers.expected == 100 and timers.missed == 0
    assert timers.negative_latencies == 0  # never heard before its key was due
    assert timers.handshake_rtt_ms is None  # an expiry has no round trip to answer
    return timers, expiry.hz


def hz_server(tmp_path: Path, hz: int) -> str:
    script = tmp_path / f"redis-hz{hz}"
    script.write_text(f'#!/bin/sh\nexec redis-server "$@" --hz {hz}\n')
    script.chmod(0o755)
    return str(script)


def test_an_unread_key_waits_for_the_active_expiry_cycle_and_hz_sets_its_pace(
    benchmark: Callable[..., Benchmark], tmp_path: Path
) -> None:
    slow, slow_hz = lag(expiring(benchmark, read_at_due=False))
    fast, fast_hz = lag(expiring(benchmark, read_at_due=False), hz_server(tmp_path, 50))
    assert (slow_hz, fast_hz) == (10, 50)
    assert slow.latency_ms is not None and fast.latency_ms is not None
    print(f"TRUTH expiry unread: hz 10 {slow.latency_ms}; hz 50 {fast.latency_ms}")
    cycle_ms = 1000 / 10
    assert 0.2 * cycle_ms <= slow.latency_ms.p50 <= 0.8 * cycle_ms  # spread over one cycle
    assert slow.latency_ms.max <= 1.5 * cycle_ms + 50
    assert slow.latency_ms.p50 >= 2.5 * fast.latency_ms.p50  # five times the cycles


def test_a_key_read_when_due_expires_on_access_with_a_small_lag(
    benchmark: Callable[..., Benchmark],
) -> None:
    read, hz = lag(expiring(benchmark, read_at_due=True))
    assert read.latency_ms is not None
    print(f"TRUTH expiry read at due (hz {hz}): {read.latency_ms}")
    assert read.latency_ms.p50 <= 5.0  # the read's margin (1 ms) and the notification
    assert read.latency_ms.p50 < 0.2 * 1000 / 10  # far below the cycle's
