"""Ground truth for a server that is loading: paused, not dead.

A real Redis replica that the writer writes to (made writable, as every KeyDB replica is) is
made to resync in full from its primary while the writer writes to it: it is detached, the
primary's backlog overrun, and it is attached again, so it loads a 10 MB dataset from disk
(``repl-diskless-load disabled``), answering ``-LOADING`` meanwhile
(``loading-process-events-interval-bytes`` small, so it answers at all). An independent probe,
writing to the replica every millisecond, records when it answered ``LOADING``. The writer and
the observers are kobench's own roles, on the replica (kobench refuses to write to a Redis
replica, so they run here rather than through ``kobench run``). The run must complete, the
writes due while it was loading are reported as not written (with their times), and no observer
lost anything.

Before: the writer stopped with "lost the engine after N writes: Redis is loading the dataset
in memory", and every observer then "had no event after" the rest of the run.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from testkit.support import free_port, wait_for

from kobench.api import BenchmarkSpec, parse_spec
from kobench.measure.results import Convergence, EngineFacts, RunResult, merge_run
from kobench.plugins import connections
from kobench.plugins.observers import EventBook, get_observer
from kobench.roles.observer_role import observer_context
from kobench.roles.role_config import Endpoint, RoleConfig
from kobench.roles.writer import Writer
from kobench.run.local.processes import ProcessGroup

RATE = 500
DATASET_KEYS = 300_000
PASSWORD = "loading-truth"
REPLICA_ARGS = [
    "--replica-read-only", "no",
    "--repl-diskless-load", "disabled",
    "--loading-process-events-interval-bytes", "1024",
    "--notify-keyspace-events", "KE$",
]  # fmt: skip


class Probe(threading.Thread):
    """Writes to the replica every millisecond; records each write it refused with LOADING, as
    (sent, answered): a write sent while the server was held up (emptying its old dataset on a
    busy machine, 140 ms once) is answered LOADING only when it gets to it, and so is every write
    the writer sent meanwhile."""

    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        # kobench's own kind of client: redis-py's default one retries LOADING away.
        self.client = connections.client("127.0.0.1", port, PASSWORD)
        self.loading: list[tuple[int, int]] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        n = 0
        while not self.stopped.is_set():
            sent_ns = time.time_ns()
            try:
                self.client.set(f"probe:{n}", 1)
            except redis.exceptions.BusyLoadingError:
                self.loading.append((sent_ns, time.time_ns()))
            except redis.ConnectionError:
                pass  # reconnects on the next command
            n += 1
            time.sleep(0.001)


@pytest.fixture
def group(tmp_path: Path) -> Iterator[ProcessGroup]:
    processes = ProcessGroup(tmp_path / "servers")
    processes.directory.mkdir()
    yield processes
    processes.close()


def server(group: ProcessGroup, port: int, *more: str) -> redis.Redis:
    data = group.directory / str(port)
    data.mkdir()
    conf = data / "auth.conf"
    conf.write_text(f"requirepass {PASSWORD}\nmasterauth {PASSWORD}\n")
    command = ["redis-server", str(conf), "--port", str(port), "--bind", "127.0.0.1"]
    command += ["--save", "", "--appendonly", "no", "--dir", str(data), *more]
    group.start(f"redis-{port}", command)
    client = redis.Redis(port=port, password=PASSWORD, socket_connect_timeout=1)

    def answers() -> bool:
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False

    wait_for(f"redis-server on port {port}", answers, timeout=10, every=0.02)
    return client


def loading_spec(key_mode: str) -> BenchmarkSpec:
    return parse_spec(
        {
            "engine": {"type": "redis", "replicas": 1},
            "workload": {
                "rate": RATE,
                "durationSeconds": 7,
                "warmupSeconds": 0.5,
                "keyMode": key_mode,
            },
            "observers": [
                {"name": "sync", "mode": "sync", "handshake": False},
                {"name": "async", "mode": "async", "handshake": False},
            ],
            "timeouts": {"drainSeconds": 3},
            # The full resync replaces what the replica held with the primary's data.
            "validity": {"requireConvergence": False},
        }
    )


def observing(config: RoleConfig) -> tuple[list[EventBook], list[threading.Thread]]:
    """Every observer of the spec, subscribed, each in a thread of this process."""
    books = [
        EventBook(observer_context(config, o.name, 0, PASSWORD)) for o in config.spec.observers
    ]
    ready = [threading.Event() for _ in books]
    threads = [
        threading.Thread(
            target=get_observer(b.context.mode).observe, args=(b.context, b, r.set), daemon=True
        )
        for b, r in zip(books, ready, strict=True)
    ]
    for thread in threads:
        thread.start()
    assert all(r.wait(timeout=10) for r in ready), "an observer never subscribed"
    return books, threads


def full_resync(primary: redis.Redis, replica: redis.Redis, primary_port: int) -> None:
    """The replica cut and linked again beyond the primary's backlog: it loads a full resync
    from disk (LOADING) while it is written to."""
    replica.execute_command("REPLICAOF", "NO", "ONE")
    primary.set("overrun", b"x" * 65536)  # beyond its 16 kB backlog: a full resync
    replica.execute_command("REPLICAOF", "127.0.0.1", primary_port)
    wait_for(
        "the replica's full resync",
        lambda: (
            replica.info("replication").get("master_link_status") == "up"
            and not replica.info("persistence")["loading"]
        ),
        timeout=30,
        every=0.01,
    )


def merged(spec: BenchmarkSpec, writer: object, books: list[EventBook]) -> RunResult:
    return merge_run(
        benchmark="loading",
        run_id="loading",
        spec=spec,
        writers=[writer],  # type: ignore[list-item]
        observers=[b.result() for b in books],
        engine=EngineFacts(type="redis", replicas=1),
        convergence=Convergence(checked=True, converged=True),
        started_ns=0,
        finished_ns=1,
    )


@pytest.mark.alone  # a count held to a window within 84 ms: a neighbour test once stretched it
@pytest.mark.parametrize("key_mode", ["unique", "shared"])
def test_a_replica_loading_a_full_resync_pauses_the_writer_and_loses_nothing(
    group: ProcessGroup, key_mode: str
) -> None:
    primary_port, replica_port = free_port(), free_port()
    primary = server(group, primary_port, "--enable-debug-command", "yes",
                     "--repl-backlog-size", "16kb", "--repl-diskless-sync-delay", "0")  # fmt: skip
    replica = server(group, replica_port, "--replicaof", "127.0.0.1", str(primary_port),
                     *REPLICA_ARGS)  # fmt: skip
    wait_for("the replica's link", lambda: replica.info("replication")["master_link_status"]
             == "up", timeout=10)  # fmt: skip
    primary.execute_command("DEBUG", "POPULATE", DATASET_KEYS, "dataset", 32)  # not replicated
    spec = loading_spec(key_mode)
    config = RoleConfig(
        run_id="loading", spec=spec, endpoints=[Endpoint(host="127.0.0.1", port=replica_port)]
    )
    books, threads = observing(config)
    written: list[object] = []
    writing = threading.Thread(
        target=lambda: written.append(Writer(config, 0, PASSWORD).run()), daemon=True
    )
    writing.start()
    time.sleep(3.0)  # 2.5 s into the measured writes
    probe = Probe(replica_port)
    probe.start()
    full_resync(primary, replica, primary_port)
    time.sleep(0.2)
    probe.stopped.set()
    probe.join(timeout=5)
    writing.join(timeout=60)
    for thread in threads:
        thread.join(timeout=30)
    assert written, "the writer did not finish"
    result = merged(spec, written[0], books)
    assert probe.loading, "the replica never answered LOADING: no truth to check"
    began, ended = probe.loading[0][0], probe.loading[-1][1]  # every write due between: refused
    loading_s = (ended - began) / 1e9
    writers = result.writers
    start = writers.measured_start_ns
    print(
        f"TRUTH loading ({key_mode}): the replica answered LOADING for {loading_s * 1e3:.0f} ms "
        f"({(began - start) / 1e9:.3f}-{(ended - start) / 1e9:.3f} s); not written "
        f"{writers.not_written} in {[(r.first_seq, r.last_seq) for r in writers.not_written_runs]}"
        f"; observers {[(o.name, o.received, o.missed) for o in result.observers]}; "
        f"verdict {result.verdict} {result.reasons}"
    )
    assert writers.errors == [], writers.errors  # the writer went on
    # The writes due while it was loading were not written: at the rate, within the writer's
    # backoff (50 ms at most) and the probe's resolution.
    slack = round(RATE * 0.08) + 2
    assert RATE * loading_s - slack <= writers.not_written <= RATE * loading_s + slack
    for run in writers.not_written_runs:
        assert "LOADING" in run.reason, run
        assert began - 200_000_000 <= run.first_due_ns <= ended + 100_000_000, run
    # Nothing else lost: every write that was made was seen, and nothing is counted missed.
    for observer in result.observers:
        assert observer.errors == [], observer.errors
        assert (observer.missed, observer.received) == (0, observer.expected), observer
        assert observer.expected == writers.sent
        # Shared mode numbers notifications: the refused writes were skipped. Counted instead,
        # every later event would read late by one interval per refused write (0.3 s and
        # more here), its last second's median too.
        shift_ms = 1000 * writers.not_written / RATE
        last = observer.series[-1]
        assert last.p50_ms is not None and last.p50_ms < shift_ms / 2, (shift_ms, last)
    assert result.verdict == "Passed", result.reasons
