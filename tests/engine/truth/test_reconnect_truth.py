"""Ground truth for reconnection: an observer whose server died comes back to its successor
within one bounded attempt, even when an attempt went to a port that accepts and never answers.

In pods this is what a killed replica looks like: for a moment the replica's address still leads
to a dying server (or, through a stale route, nowhere), and a connection made then is accepted and
never answered. Such an attempt used to wait for the subscribe stage's timeout (120 s): the
successor was serving after a second, and the observer missed the rest of the run.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from testkit.support import free_port, wait_for

from kobench.api import parse_spec
from kobench.plugins.observers import EventBook, get_observer
from kobench.plugins.observers.observer_protocol import ATTEMPT_SECONDS
from kobench.roles.observer_role import observer_context
from kobench.roles.role_config import Endpoint, RoleConfig
from kobench.run.local.processes import Child, ProcessGroup

PASSWORD = "reconnect-truth"
FROZEN_SECONDS = 3.0
"""An attempt to subscribe again reaches the frozen port within this."""
HELD_SECONDS = 0.5
"""How long into the attempt it holds the frozen port stops listening and the successor starts."""

pytestmark = pytest.mark.alone  # a tight bound: nothing runs beside it (Makefile)


class FakeFrozenServer:
    """Stands in for a server process that is frozen or dying on the replica's port: the kernel
    completes every connection, nobody ever answers. Connections it accepted stay open (and
    silent) after it stops listening, as they would to a server that hangs."""

    def __init__(self, port: int) -> None:
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", port))
        self._listener.listen(16)
        self.accepted: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return  # stopped listening
            self.accepted.append(connection)

    def stop_listening(self) -> None:
        # close() alone does not wake an accept() blocked in another thread: it went on to
        # accept (and hold) the observer's next attempt, so the successor started only then.
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        self._thread.join(timeout=5)
        assert not self._thread.is_alive(), "the frozen port still listens"

    def close(self) -> None:
        self.stop_listening()
        for connection in self.accepted:
            connection.close()


def start_server(group: ProcessGroup, port: int) -> Child:
    """A real redis-server on ``port`` (password from a private config file), once it answers."""
    conf = group.directory / "auth.conf"
    conf.write_text(f"requirepass {PASSWORD}\n")
    command = ["redis-server", str(conf), "--port", str(port), "--bind", "127.0.0.1"]
    server = group.start(
        f"redis-{len(group.children)}",
        [*command, "--save", "", "--appendonly", "no", "--dir", str(group.directory)],
    )
    client = redis.Redis(port=port, password=PASSWORD, socket_connect_timeout=1)

    def answers() -> bool:
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False

    wait_for(f"redis-server on port {port}", answers, timeout=10, every=0.02)
    return server


@pytest.fixture
def group(tmp_path: Path) -> Iterator[ProcessGroup]:
    processes = ProcessGroup(tmp_path / "servers")
    processes.directory.mkdir()
    yield processes
    processes.close()


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_an_observer_reaches_the_successor_within_one_attempt_after_a_frozen_port(
    mode: str,
    group: ProcessGroup,
    capsys: pytest.CaptureFixture[str],
) -> None:
    port = free_port()
    first = start_server(group, port)
    spec = parse_spec(
        {
            "engine": {"type": "redis", "replicas": 1},
            "observers": [{"name": "o", "mode": mode, "targetReplica": 0}],
            "timeouts": {"subscribeSeconds": 120},
        }
    )
    config = RoleConfig(
        run_id="reconnect", spec=spec, endpoints=[Endpoint(host="127.0.0.1", port=port)]
    )
    context = observer_context(config, "o", 0, PASSWORD)
    book = EventBook(context)
    subscribed = threading.Event()
    observing = threading.Thread(
        target=get_observer(mode).observe, args=(context, book, subscribed.set), daemon=True
    )
    observing.start()
    assert subscribed.wait(timeout=10), "the observer never subscribed"

    first.process.kill()  # the replica dies: its subscription is gone
    first.process.wait(timeout=10)
    frozen = FakeFrozenServer(port)
    try:
        wait_for(
            "an attempt to subscribe again at the frozen port",
            lambda: bool(frozen.accepted),
            timeout=FROZEN_SECONDS,
            every=0.01,
        )
        # The attempt it holds stays unanswered. Stopping well inside that attempt, not at a
        # fixed time, leaves no race with the next one (stopping 3 s after the freeze came
        # just as an attempt began: 2.0 s, once 5.0 s, after the successor).
        time.sleep(HELD_SECONDS)
        frozen.stop_listening()
        start_server(group, port)
        back_ns = time.time_ns()
        # What is left of the attempt it held, and a margin: not a whole attempt more.
        resumed_within = ATTEMPT_SECONDS - HELD_SECONDS + 0.3
        give_up = time.monotonic() + resumed_within + 5
        while not (book.outages and book.outages[-1].ended_ns) and time.monotonic() < give_up:
            time.sleep(0.02)
    finally:
        book.stop("test over")
        observing.join(timeout=15)
        frozen.close()

    assert len(book.outages) == 1, book.outages
    outage = book.outages[0]
    assert outage.ended_ns, f"never subscribed again; error: {book.error}"
    took_s = (outage.ended_ns - back_ns) / 1e9
    log = capsys.readouterr().err
    with capsys.disabled():
        print(f"TRUTH reconnect ({mode}): subscribed again {took_s:.2f} s after the successor")
    assert took_s <= resumed_within, (took_s, log)
    assert f"subscribing again to 127.0.0.1:{port} failed" in log, log
    assert "Timeout" in log, log
