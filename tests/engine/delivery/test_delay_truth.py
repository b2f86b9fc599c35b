"""Ground truth: a known delay on an observer's path shows in its latency, whatever the delivery
mechanism.

One redis-server, one Toxiproxy proxy per observer (so each pays the proxy's own cost), a 10 ms
latency toxic on the server-to-observer direction of one of them. Writes come 40 ms apart, so a
pull (a stream read) is always waiting at the server when an entry is added: every mechanism
then pays the delay once. The delayed observer's p50 exceeds the other's by the delay.
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
MECHANISMS = [
    ("keyevent", None),
    ("keyspace", None),
    ("publish", None),
    ("spublish", None),
    ("tracking", "resp3"),
    ("tracking", "redirect"),
    ("stream", "group"),
    ("stream", "plain"),
]


@pytest.mark.parametrize(
    ("mechanism", "variant"), MECHANISMS, ids=[f"{m}-{v}" if v else m for m, v in MECHANISMS]
)
def test_a_delay_on_the_observers_path_shows_in_full_in_its_latency(
    toxiproxy: Toxiproxy, tmp_path: Path, mechanism: str, variant: str | None
) -> None:
    names = ("slow-sync", "fast-sync", "slow-async", "fast-async")
    spec = parse_spec(
        {
            "engine": {"type": "redis", "replicas": 1, "notifyKeyspaceEvents": "KEA"},
            "workload": {"rate": 25, "writes": 75, "warmupSeconds": 0.2, "keyMode": "unique"},
            "delivery": {"mechanism": mechanism, **({"variant": variant} if variant else {})},
            "observers": [
                {"name": name, "mode": name.split("-")[1], "handshake": False} for name in names
            ],
            "timeouts": {"drainSeconds": 2},
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
    by_name = {o.name: o for o in result.observers}
    for mode in ("sync", "async"):
        slow, fast = by_name[f"slow-{mode}"], by_name[f"fast-{mode}"]
        assert slow.latency_ms is not None and fast.latency_ms is not None
        extra = slow.latency_ms.p50 - fast.latency_ms.p50
        print(
            f"TRUTH delay {DELAY_MS} ms, {mechanism}:{variant} {mode}: p50 {slow.latency_ms.p50} "
            f"against {fast.latency_ms.p50}, extra {extra:.3f} ms"
        )
        assert slow.missed == fast.missed == 0 and slow.received == 75
        assert AT_LEAST * DELAY_MS <= extra <= AT_MOST * DELAY_MS + SLACK_MS, (slow, fast)
