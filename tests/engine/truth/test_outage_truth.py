"""Ground truth for an outage: a real redis-server that cannot be reached for a known time (its
Toxiproxy proxy disabled: connections closed, new ones refused) gives the observer an outage of
that time, within ``BOUND_S``: the engine's outage, not kobench's retry schedule.

With a fixed 0.2 s pause after a failed attempt to subscribe again, 300 ms unreachable read as
400 ms (the attempts at 0, 200 and 400 ms); on KeyDB a replica back after 132-167 ms read as an
outage of 210-220 ms.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from testkit.support import free_port
from testkit.toxiproxy import Toxiproxy
from tests.engine.truth.test_reconnect_truth import PASSWORD, start_server

from kobench.api import parse_spec
from kobench.plugins.observers import EventBook, get_observer
from kobench.roles.observer_role import observer_context
from kobench.roles.role_config import Endpoint, RoleConfig
from kobench.run.local.processes import ProcessGroup

BOUND_S = 0.020


@pytest.fixture
def group(tmp_path: Path) -> Iterator[ProcessGroup]:
    processes = ProcessGroup(tmp_path / "servers")
    processes.directory.mkdir()
    yield processes
    processes.close()


def set_enabled(proxy: Toxiproxy, name: str, enabled: bool) -> None:
    proxy._call("POST", f"/proxies/{name}", {"enabled": enabled})


@pytest.mark.parametrize("unreachable_s", [0.3, 0.65])
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_an_outage_is_as_long_as_the_server_was_unreachable(
    mode: str, unreachable_s: float, group: ProcessGroup, toxiproxy: Toxiproxy
) -> None:
    server_port = free_port()
    start_server(group, server_port)
    port = toxiproxy.proxy("replica", server_port)
    spec = parse_spec(
        {
            "engine": {"type": "redis", "replicas": 1},
            "observers": [{"name": "o", "mode": mode, "targetReplica": 0}],
        }
    )
    endpoints = [Endpoint(host="127.0.0.1", port=port)]
    config = RoleConfig(run_id="outage", spec=spec, endpoints=endpoints)
    book = EventBook(observer_context(config, "o", 0, PASSWORD))
    subscribed = threading.Event()
    observing = threading.Thread(
        target=get_observer(mode).observe, args=(book.context, book, subscribed.set), daemon=True
    )
    observing.start()
    try:
        assert subscribed.wait(timeout=10), "the observer never subscribed"
        cut_ns = time.time_ns()
        set_enabled(toxiproxy, "replica", False)
        time.sleep(unreachable_s - (time.time_ns() - cut_ns) / 1e9)
        set_enabled(toxiproxy, "replica", True)
        back_ns = time.time_ns()
        give_up = time.monotonic() + 10
        while not (book.outages and book.outages[-1].ended_ns) and time.monotonic() < give_up:
            time.sleep(0.002)
    finally:
        book.stop("test over")
        observing.join(timeout=15)
    assert len(book.outages) == 1, book.outages
    outage = book.outages[0]
    assert outage.ended_ns, f"never subscribed again; error: {book.error}"
    truth_s = (back_ns - cut_ns) / 1e9
    measured_s = (outage.ended_ns - outage.started_ns) / 1e9
    ms = f"unreachable {truth_s * 1e3:.1f} ms, outage {measured_s * 1e3:.1f} ms"
    print(f"TRUTH outage ({mode}): {ms}")
    assert abs(measured_s - truth_s) <= BOUND_S, (measured_s, truth_s)
