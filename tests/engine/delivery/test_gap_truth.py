"""Ground truth for each guarantee under a known outage: the observers' path to the server cut
for a known time (their Toxiproxy proxies disabled: connections closed, new ones refused).

At most once (pub/sub kinds, tracking's invalidations): what was written while they were away
is lost, as many writes as the schedule sent meanwhile. A stream keeps it: nothing is lost, the
gap arrives late (caughtUp, as many), and what was delivered but not acknowledged when the
connection went is read again (redelivered, counted apart from losses and duplicates).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from testkit.toxiproxy import Toxiproxy
from tests.engine.roles_apart import run_apart, start_server

from kobench.api import parse_spec
from kobench.roles.writer import Writer
from kobench.run.local.processes import ProcessGroup

RATE = 200
AWAY_S = 0.4
AFTER_S = 0.5
"""The cut, this long after the first measured write was due."""
TOLERANCE = 3 + 0.03 * RATE
"""Writes in flight at either edge, and a loaded machine's reconnection (3 % of a second)."""
CASES = [
    ("publish", None, "at-most-once"),
    ("tracking", "redirect", "coalescing"),
    ("stream", "group", "at-least-once"),
    ("stream", "plain", "resumable"),
]
"""One mechanism per guarantee (keyevent's is the outage truth test's); tracking's redirect, the
variant whose tracked connection must be watched apart from its listening one."""


def set_enabled(proxy: Toxiproxy, name: str, enabled: bool) -> None:
    proxy._call("POST", f"/proxies/{name}", {"enabled": enabled})


@pytest.mark.parametrize(
    ("mechanism", "variant", "guarantee"), CASES, ids=[f"{m}-{v}" if v else m for m, v, _ in CASES]
)
def test_what_was_written_while_away_is_lost_or_kept_as_the_guarantee_says(
    toxiproxy: Toxiproxy, tmp_path: Path, mechanism: str, variant: str | None, guarantee: str
) -> None:
    names = ("away-sync", "away-async")
    spec = parse_spec(
        {
            "engine": {"type": "redis", "replicas": 1, "notifyKeyspaceEvents": "KEA"},
            "workload": {
                "rate": RATE,
                "durationSeconds": 1.5,
                "warmupSeconds": 0.2,
                "keyMode": "unique",
            },
            "delivery": {"mechanism": mechanism, **({"variant": variant} if variant else {})},
            "observers": [
                {"name": name, "mode": name.split("-")[1], "handshake": False} for name in names
            ],
            "timeouts": {"drainSeconds": 2},
        }
    )
    window: list[float] = []

    def cut(writer: Writer) -> None:
        while not writer.measured_start_ns:
            time.sleep(0.005)
        time.sleep(max(0.0, (writer.measured_start_ns + AFTER_S * 1e9 - time.time_ns()) / 1e9))
        cut_ns = time.time_ns()
        for name in names:
            set_enabled(toxiproxy, name, False)
        time.sleep(AWAY_S)
        for name in names:
            set_enabled(toxiproxy, name, True)
        window.append((time.time_ns() - cut_ns) / 1e9)

    group = ProcessGroup(tmp_path)
    try:
        server = start_server(group, spec)
        ports = {name: toxiproxy.proxy(name, server) for name in names}
        result = run_apart(group, spec, server, ports, meanwhile=cut)
    finally:
        group.close()
    written_away = RATE * window[0]
    for observer in result.observers:
        (outage,) = observer.outages
        print(
            f"TRUTH gap {window[0] * 1e3:.0f} ms ({written_away:.0f} writes), {mechanism}:"
            f"{variant} {observer.name}: missed {observer.missed}, caught up {observer.caught_up}, "
            f"redelivered {observer.redelivered}, duplicates {observer.duplicates}"
        )
        assert observer.guarantee == guarantee
        assert observer.received + observer.missed == observer.expected
        assert observer.duplicates == 0
        if guarantee in ("at-most-once", "coalescing"):
            assert abs(observer.missed - written_away) <= TOLERANCE
            assert outage.missed == observer.missed
            # At most the writes due as it subscribed again (published after it was back).
            assert observer.caught_up <= 2
        else:
            assert observer.missed == 0 and outage.missed == 0
            assert abs(observer.caught_up - written_away) <= TOLERANCE
            assert observer.caught_up == outage.caught_up
        if guarantee != "at-least-once":
            assert observer.redelivered == 0
