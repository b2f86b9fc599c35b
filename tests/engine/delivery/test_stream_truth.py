"""Ground truth for at least once: a stream group's entries that a consumer took and never
acknowledged (it took them, then died) are claimed by another and counted as redelivered
(exactly as many), and nothing is lost when a consumer's connection is dropped (what a pub/sub
subscriber loses while away, the other guarantee, is the gap truth test's)."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import redis
from tests.engine.running_cli import RunningBenchmark
from tests.engine.truth.faults import named, server_password, wait_for_writes

from kobench.api import Benchmark
from kobench.run.local.local_loop import run_local

GHOST_TAKES = 50
CLAIM_AFTER_MS = 300


def test_entries_a_dead_consumer_never_acknowledged_are_claimed_and_counted_as_redelivered(
    benchmark_file: Callable[..., Path], run_cli: Callable[[Path], RunningBenchmark]
) -> None:
    mode = "sync"  # the async receiver reads its group the same way (the tests below)
    path = benchmark_file(
        engine={"type": "redis", "replicas": 1},
        workload={"rate": 200, "durationSeconds": 2.5, "warmupSeconds": 0.2, "keyMode": "unique"},
        delivery={"mechanism": "stream", "redeliverAfterMs": CLAIM_AFTER_MS},
        observers=[{"name": "app", "mode": mode, "handshake": False}],
        timeouts={"drainSeconds": 3},
    )
    running = run_cli(path)
    server = running.wait_for_children("redis-server", 1)[0]
    observer = running.wait_for_children("--observer app", 1)[0]
    wait_for_writes(server, 150)  # half a second into the measured writes
    port, password = server_password(server)
    with redis.Redis(port=port, password=password) as ghost:
        (stream,) = [
            k for k in ghost.scan_iter(match="kobench.stream:*") if not k.endswith(b":ctl")
        ]
        os.kill(observer, signal.SIGSTOP)  # the group's consumer stops reading ...
        time.sleep(0.5)
        # ... and another consumer takes the oldest entries no one was given, then dies.
        taken = ghost.xreadgroup("app", "ghost", {stream: ">"}, count=GHOST_TAKES)
        os.kill(observer, signal.SIGCONT)
    assert len(taken[0][1]) == GHOST_TAKES
    code, out = running.finish()
    app = named(json.loads(running.output.read_text()), "app")
    print(
        f"TRUTH ghost took {GHOST_TAKES} ({mode}): redelivered {app['redelivered']}, missed "
        f"{app['missed']}, redelivery {app['redeliveryLatencyMs']}"
    )
    assert code == 0, out
    assert app["redelivered"] == GHOST_TAKES  # each claimed once, after it idled
    assert app["missed"] == 0 and app["duplicates"] == 0
    assert app["received"] == app["expected"]
    assert app["redeliveryLatencyMs"]["p50"] >= CLAIM_AFTER_MS


def test_a_dropped_consumer_of_a_group_loses_nothing(
    benchmark: Callable[..., Benchmark],
) -> None:
    # dropSubscribers cuts a stream consumer by its id (it is no pub/sub client); what a pub/sub
    # subscriber loses while away is the gap truth test's.
    spec = benchmark(
        engine={"type": "redis", "replicas": 1},
        workload={"rate": 500, "durationSeconds": 2, "warmupSeconds": 0.2, "keyMode": "unique"},
        delivery={"mechanism": "stream"},
        observers=[{"name": "obs", "mode": "async", "handshake": False}],
        faults=[{"atSeconds": 0.8, "action": "dropSubscribers", "replica": 0}],
        timeouts={"drainSeconds": 2},
    )
    result = run_local(spec)
    (observer,) = result.observers
    (fault,) = result.faults
    (outage,) = observer.outages  # the consumer's connection was cut
    print(
        f"TRUTH drop a group consumer: missed {observer.missed}, charged {fault.lost}, "
        f"caught up {observer.caught_up}, redelivered {observer.redelivered}, outage "
        f"{(outage.ended_ns - outage.started_ns) / 1e6:.1f} ms"
    )
    assert observer.disconnects == 1 and outage.ended_ns > outage.started_ns
    assert observer.received == observer.expected == 1000
    assert observer.missed == 0 and fault.lost == 0 and observer.duplicates == 0
