"""Ground truth for coalescing: client tracking sends one invalidation per key until it is read
again. N writes to the shared key between two reads arrive as one invalidation covering the N,
counted as N - 1 coalesced into it, its latency the first write's; a stalled observer's stall
comes out as that many writes coalesced, none missed."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import redis
from tests.engine.roles_apart import PASSWORD, config, start_server
from tests.engine.running_cli import RunningBenchmark
from tests.engine.truth.faults import named, server_password, wait_for_writes

from kobench.api import parse_spec
from kobench.measure import protocol
from kobench.measure.protocol import Write
from kobench.plugins.mechanisms.mechanism_protocol import EVENT, RESYNC
from kobench.plugins.mechanisms.tracking import TrackingReceiver
from kobench.plugins.observers.book import EventBook
from kobench.roles.observer_role import observer_context
from kobench.run.local.processes import ProcessGroup

N = 25
RATE = 1000


@pytest.mark.parametrize("variant", ["resp3", "redirect"])
def test_n_writes_between_two_reads_are_one_invalidation_covering_them(
    tmp_path: Path, variant: str
) -> None:
    spec = parse_spec(
        {
            "engine": {"type": "redis", "replicas": 1},
            "workload": {"rate": RATE, "warmupSeconds": 0, "keyMode": "shared"},
            "delivery": {"mechanism": "tracking", "variant": variant},
            "observers": [{"name": "cache", "mode": "sync", "handshake": False}],
        }
    )
    group = ProcessGroup(tmp_path)
    try:
        port = start_server(group, spec)
        context = observer_context(config(spec, port), "cache", 0, PASSWORD)
        book = EventBook(context)
        receiver = TrackingReceiver(context, redirect=variant == "redirect")
        receiver.open(5.0)
        ((key, _, how),) = receiver.receive(0.5)  # tracking began with a read
        assert (key, how) == (b"shared_key", RESYNC)
        book.resync(receiver.read("shared_key"))
        start = time.time_ns()

        def write(seqs: range) -> None:
            with redis.Redis(port=port, password=PASSWORD) as writer:
                for seq in seqs:
                    stamp = start + protocol.schedule_offset_ns(seq, RATE)
                    writer.set("shared_key", protocol.encode_value(Write(0, seq, 0, stamp), 64))

        def invalidations() -> list[tuple[bytes, int, int]]:
            found, deadline = [], time.monotonic() + 0.5
            while time.monotonic() < deadline:
                found += receiver.receive(0.05)
            return found

        write(range(N))
        (arrival,) = invalidations()  # N writes, not read meanwhile: one invalidation
        assert arrival[0] == b"shared_key" and arrival[2] == EVENT
        book.on_shared(arrival[1], receiver.read("shared_key"), time.time_ns())
        write(range(N, N + 1))
        (alone,) = invalidations()  # read again: the next write has its own
        book.on_shared(alone[1], receiver.read("shared_key"), time.time_ns())
        receiver.close()
    finally:
        group.close()
    result = book.result()
    print(
        f"TRUTH coalescing {N} writes ({variant}): coalesced {result.coalesced} in "
        f"{result.coalesced_invalidations} invalidation(s) of {result.notifications}"
    )
    assert result.notifications == 2
    assert result.coalesced_invalidations == 1 and result.coalesced == N - 1
    assert result.writers["0"].distinct == N + 1  # every write covered, none missed


def test_a_stalled_cache_has_its_stall_coalesced_not_missed(
    benchmark_file: Callable[..., Path], run_cli: Callable[[Path], RunningBenchmark]
) -> None:
    rate, stall_s = 200, 1.0
    path = benchmark_file(
        engine={"type": "redis", "replicas": 1},
        workload={"rate": rate, "durationSeconds": 2.5, "warmupSeconds": 0.2},
        delivery={"mechanism": "tracking"},
        observers=[{"name": "cache", "mode": "sync", "handshake": False}],
        timeouts={"drainSeconds": 2},
    )
    running = run_cli(path)
    server = running.wait_for_children("redis-server", 1)[0]
    observer = running.wait_for_children("--observer cache", 1)[0]
    wait_for_writes(server, 150)
    port, password = server_password(server)
    with redis.Redis(port=port, password=password) as admin:
        stop_while_tracking(admin, observer)
    time.sleep(stall_s)
    os.kill(observer, signal.SIGCONT)
    code, out = running.finish()
    cache = named(json.loads(running.output.read_text()), "cache")
    print(
        f"TRUTH stalled cache {stall_s}s: coalesced {cache['coalesced']} in "
        f"{cache['coalescedInvalidations']}, missed {cache['missed']}, "
        f"max {cache['latencyMs']['max']}"
    )
    assert code == 0, out
    assert cache["missed"] == 0 and cache["received"] == cache["expected"]
    assert cache["coalesced"] >= 0.9 * rate * stall_s  # the stall's writes, under one
    assert cache["latencyMs"]["max"] >= 0.95 * stall_s * 1000  # the first one waited the stall


def stop_while_tracking(admin: redis.Redis, pid: int) -> None:
    """SIGSTOP the observer while its key is tracked, so the stall's first write waits for it.
    Stopped between an invalidation and the read that tracks the key again (a 5 % chance at
    200/s), nothing invalidates during the stall: the coalesced writes' cause is the write before
    it, whose latency is milliseconds (2.034 ms once in CI)."""
    for _ in range(100):
        os.kill(pid, signal.SIGSTOP)
        stats = admin.info("stats")
        if int(stats["tracking_total_keys"]) > 0:
            return
        os.kill(pid, signal.SIGCONT)
        time.sleep(0.003)
    raise AssertionError("the observer's key was never tracked while it was stopped")
