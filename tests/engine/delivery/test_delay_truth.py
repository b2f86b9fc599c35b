"""Ground truth: a known delay on an observer's path shows in its latency, whatever the delivery
mechanism and the command it carries; and, calm or delayed, each write reaches each observer
once.

One redis-server, one Toxiproxy proxy per observer (so each pays the proxy's own cost), a 10 ms
latency toxic on the server-to-observer direction of one of them. Writes come 25 ms apart, so a
pull (a stream read) is always waiting at the server when an entry is added: every mechanism
then pays the delay once. The delayed observer's p50 exceeds the other's by the delay. Each
mechanism carries another workload command (set's own path is the keyevent truth tests').
"""

from __future__ import annotations

from pathlib import Path

import pytest
from testkit.toxiproxy import Toxiproxy
from tests.engine.roles_apart import run_apart, start_server

from kobench.api import parse_spec
from kobench.run.local.processes import ProcessGroup

DELAY_MS = 10
AT_LEAST = 0.95
AT_MOST = 1.3
"""As the calibration's truth: the delay shows in full, and a loaded machine only adds."""
SLACK_MS = 1.0
WRITES = 24
CASES = [
    ("keyevent", None, "del", "sync"),
    ("keyspace", None, "hset", "sync async"),
    ("publish", None, "lpush", "sync"),
    ("spublish", None, "xadd", "async"),
    ("tracking", "resp3", "lpush", "sync"),
    ("tracking", "redirect", "set", "async"),
    ("stream", "group", "set", "async"),
    ("stream", "plain", "hset", "sync"),
]
"""Each mechanism with one observer mode at least, each family of receivers (pub/sub, tracking,
streams) with both; the other mode of each runs in the gap and calm tests (keyevent's in the
keyevent truth tests)."""


@pytest.mark.parametrize(
    ("mechanism", "variant", "command", "modes"),
    CASES,
    ids=["-".join(filter(None, (m, v, c, o.replace(" ", "+")))) for m, v, c, o in CASES],
)
def test_a_delay_on_the_observers_path_shows_in_full_in_its_latency(
    toxiproxy: Toxiproxy,
    tmp_path: Path,
    mechanism: str,
    variant: str | None,
    command: str,
    modes: str,
) -> None:
    names = [f"{speed}-{mode}" for mode in modes.split() for speed in ("slow", "fast")]
    spec = parse_spec(
        {
            "engine": {"type": "redis", "replicas": 1, "notifyKeyspaceEvents": "KEA"},
            "workload": {
                "rate": 40,
                "writes": WRITES,
                "warmupSeconds": 0.2,
                "keyMode": "unique",
                "command": command,
            },
            "delivery": {"mechanism": mechanism, **({"variant": variant} if variant else {})},
            "observers": [
                {"name": name, "mode": name.split("-")[1], "handshake": False} for name in names
            ],
            "timeouts": {"drainSeconds": 1},
        }
    )
    group = ProcessGroup(tmp_path)
    try:
        server = start_server(group, spec)
        ports = {name: toxiproxy.proxy(name, server) for name in names}
        for name in names:
            if name.startswith("slow"):
                toxiproxy.latency(name, DELAY_MS)
        result = run_apart(group, spec, server, ports)
    finally:
        group.close()
    assert result.delivery.command == command and result.delivery.event == command
    by_name = {o.name: o for o in result.observers}
    for mode in modes.split():
        slow, fast = by_name[f"slow-{mode}"], by_name[f"fast-{mode}"]
        assert slow.latency_ms is not None and fast.latency_ms is not None
        extra = slow.latency_ms.p50 - fast.latency_ms.p50
        print(
            f"TRUTH delay {DELAY_MS} ms, {mechanism}:{variant} {command} {mode}: p50 "
            f"{slow.latency_ms.p50} against {fast.latency_ms.p50}, extra {extra:.3f} ms"
        )
        for observer in (slow, fast):
            assert observer.missed == observer.duplicates == 0
            assert observer.received == observer.expected == WRITES
        assert AT_LEAST * DELAY_MS <= extra <= AT_MOST * DELAY_MS + SLACK_MS, (slow, fast)
