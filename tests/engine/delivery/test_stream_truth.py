"""Ground truth for at least once: a stream group's entries that a consumer took and never
acknowledged are claimed by another and counted as redelivered (exactly as many), nothing is
lost when a consumer is killed or its connection dropped, and a dropped pub/sub subscriber loses
what the fault's window held (the same schedule, the other guarantee)."""

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
from tests.engine.truth.faults import named, server_password, wait_for_writes

from kobench.api import Benchmark
from kobench.run.local.local_loop import run_local

GHOST_TAKES = 50
CLAIM_AFTER_MS = 300


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_entries_a_dead_consumer_never_acknowledged_are_claimed_and_counted_as_redelivered(
    benchmark_file: Callable[..., Path], run_cli: Callable[[Path], RunningBenchmark], mode: str
) -> None:
    path = benchmark_file(
        engine={"type": "redis", "replicas": 1},
        workload={"rate": 200, "durationSeconds": 4, "warmupSeconds": 0.5, "keyMode": "unique"},
        delivery={"mechanism": "stream", "redeliverAfterMs": CLAIM_AFTER_MS},
        observers=[{"name": "app", "mode": mode, "handshake": False}],
        timeouts={"drainSeconds": 3},
    )
    running = run_cli(path)
    server = running.wait_for_children("redis-server", 1)[0]
    observer = running.wait_for_children("--observer app", 1)[0]
    wait_for_writes(server, 300)  # a second into the measured writes
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


def test_a_killed_consumer_of_a_group_loses_nothing_its_peer_claims_what_it_held(
    benchmark: Callable[..., Benchmark],
) -> None:
    spec = benchmark(
        engine={"type": "redis", "replicas": 1},
        workload={"rate": 200, "durationSeconds": 4, "warmupSeconds": 0.5, "keyMode": "unique"},
        delivery={"mechanism": "stream", "redeliverAfterMs": CLAIM_AFTER_MS},
        observers=[{"name": "app", "mode": "async", "replicas": 2, "handshake": False}],
        faults=[{"atSeconds": 1.5, "action": "killObserver", "observer": "app", "instance": 1}],
        timeouts={"drainSeconds": 3},
    )
    result = run_local(spec)
    (app,) = result.observers
    print(
        f"TRUTH kill a group consumer: received {app.received}/{app.expected}, missed "
        f"{app.missed}, redelivered {app.redelivered}, unacknowledged {app.unacknowledged}"
    )
    assert app.instances == 1  # the killed one left no document
    assert app.expected == 800 and app.received == 800 and app.missed == 0
    assert app.unacknowledged == 0  # every entry acknowledged by the group in the end
    assert app.duplicates == 0


@pytest.mark.parametrize(
    ("delivery", "keeps"),
    [({"mechanism": "stream"}, True), ({"mechanism": "publish"}, False)],
    ids=["stream-group", "publish"],
)
def test_dropped_connections_lose_nothing_from_a_stream_and_what_the_window_held_from_pubsub(
    benchmark: Callable[..., Benchmark], delivery: dict[str, str], keeps: bool
) -> None:
    spec = benchmark(
        engine={"type": "redis", "replicas": 1},
        workload={"rate": 500, "durationSeconds": 3, "warmupSeconds": 0.5, "keyMode": "unique"},
        delivery=delivery,
        observers=[{"name": "obs", "mode": "sync", "handshake": False}],
        faults=[{"atSeconds": 1.0, "action": "dropSubscribers", "replica": 0}],
        thresholds={"faults": {"maxLost": 500}},
        timeouts={"drainSeconds": 3},
    )
    result = run_local(spec)
    (observer,) = result.observers
    (fault,) = result.faults
    (outage,) = observer.outages  # the consumer's connection was cut too
    print(
        f"TRUTH drop ({delivery['mechanism']}): missed {observer.missed}, charged {fault.lost}, "
        f"caught up {observer.caught_up}, redelivered {observer.redelivered}, outage "
        f"{(outage.ended_ns - outage.started_ns) / 1e6:.1f} ms"
    )
    assert observer.disconnects == 1 and outage.ended_ns > outage.started_ns
    assert observer.received + observer.missed == observer.expected == 1500
    if keeps:
        assert observer.missed == 0 and fault.lost == 0
    else:
        assert observer.missed == outage.missed == fault.lost  # every loss is the drop's
        assert observer.caught_up <= 2
