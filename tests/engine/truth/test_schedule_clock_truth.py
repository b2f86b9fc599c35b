"""Ground truth for "events seen before their write was due": kobench's own writer and a sync
observer on a real redis-server, the writer's process descheduled (a real 3 ms sleep) between
its two clock reads as it anchors its schedule, as a loaded machine does now and then. No event
can arrive before its write was sent: the observer must see none "before it was due", and the
run is not Invalid.

Before: every write was stamped 3 ms later than it was sent, every event faster than that read
as negative latency, and the run was Invalid ("N events seen before their write was due, on a
shared clock"), as one run of 48 of the seed claims was.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from testkit.support import free_port
from tests.engine.truth.test_reconnect_truth import PASSWORD, start_server

from kobench.api import parse_spec
from kobench.measure.clock import SystemClock
from kobench.measure.results import Convergence, EngineFacts, WriterResult, merge_run
from kobench.plugins.observers import EventBook, get_observer
from kobench.roles.observer_role import observer_context
from kobench.roles.role_config import Endpoint, RoleConfig
from kobench.roles.writer import Writer
from kobench.run.local.processes import ProcessGroup

PAUSE_S = 0.003


class DescheduledOnce(SystemClock):
    """The real clocks; the first wall read right after a monotonic one waits ``PAUSE_S``."""

    def __init__(self) -> None:
        self.last = ""
        self.paused = False

    def monotonic_ns(self) -> int:
        self.last = "monotonic"
        return super().monotonic_ns()

    def wall_ns(self) -> int:
        if self.last == "monotonic" and not self.paused:
            self.paused = True
            time.sleep(PAUSE_S)
        self.last = "wall"
        return super().wall_ns()


@pytest.fixture
def group(tmp_path: Path) -> Iterator[ProcessGroup]:
    processes = ProcessGroup(tmp_path / "servers")
    processes.directory.mkdir()
    yield processes
    processes.close()


def test_a_writer_descheduled_while_it_reads_its_clocks_stamps_no_write_early(
    group: ProcessGroup,
) -> None:
    port = free_port()
    start_server(group, port)
    with redis.Redis(port=port, password=PASSWORD) as admin:
        admin.config_set("notify-keyspace-events", "KE$")
    spec = parse_spec(
        {
            "engine": {"type": "redis", "replicas": 1},
            "workload": {"rate": 500, "durationSeconds": 2, "warmupSeconds": 0.2},
            "observers": [{"name": "sync", "mode": "sync", "handshake": False}],
            "timeouts": {"drainSeconds": 2},
        }
    )
    config = RoleConfig(
        run_id="clocks", spec=spec, endpoints=[Endpoint(host="127.0.0.1", port=port)]
    )
    book = EventBook(observer_context(config, "sync", 0, PASSWORD))
    subscribed = threading.Event()
    observing = threading.Thread(
        target=get_observer("sync").observe, args=(book.context, book, subscribed.set), daemon=True
    )
    observing.start()
    assert subscribed.wait(timeout=10)
    clock = DescheduledOnce()
    writer: WriterResult = Writer(config, 0, PASSWORD, clock=clock).run()
    observing.join(timeout=30)
    assert clock.paused, "the writer never read its clocks as a pair"
    observed = book.result()
    result = merge_run(
        benchmark="clocks",
        run_id="clocks",
        spec=spec,
        writers=[writer],
        observers=[observed],
        engine=EngineFacts(type="redis", replicas=1),
        convergence=Convergence(checked=True, converged=True),
        started_ns=0,
        finished_ns=1,
    )
    (summary,) = result.observers
    latency = summary.latency_ms
    print(
        f"TRUTH descheduled {PAUSE_S * 1e3:.0f} ms between the clock reads: "
        f"{summary.negative_latencies} events before their write was due, p50 "
        f"{latency and latency.p50} ms; verdict {result.verdict} {result.reasons}"
    )
    assert summary.clock_same_host and summary.received == summary.expected > 0
    assert summary.negative_latencies == 0
    assert latency is not None and latency.p50 > 0
    assert result.verdict == "Passed", result.reasons
