"""What each item of a writer's batch is on the wire: the run's command for a write, and its
delivery mechanism's announcement after it (:mod:`kobench.plugins.mechanisms`)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import redis

from kobench.api import BenchmarkSpec
from kobench.measure import protocol
from kobench.measure.clock import Clock
from kobench.measure.protocol import Write
from kobench.plugins.mechanisms import get_mechanism
from kobench.plugins.mechanisms.commands import due_ms, write_commands
from kobench.plugins.mechanisms.mechanism_protocol import Command
from kobench.roles.refusals import send_items
from kobench.roles.schedule import CONTROL, EVENT, READ, Item, Schedule


class ItemCommands:
    """Item -> commands, for one run."""

    def __init__(self, spec: BenchmarkSpec, run_id: str) -> None:
        self.spec, self.run_id = spec, run_id
        self.mechanism = get_mechanism(spec.delivery.mechanism)
        self.command = spec.workload.command
        self.after_ms = spec.workload.expiry.after_ms

    def __call__(self, item: Item) -> list[Command]:
        key, value, ttl = item.key, item.value, item.ttl
        if item.kind == READ:
            return [("GET", key)]
        if item.kind == EVENT:
            due = due_ms(item.intended_ns, self.after_ms) if self.command == "expire" else 0
            written = write_commands(self.command, key, value, ttl, due_at_ms=due)
            return written + self.mechanism.announce(self.spec, self.run_id, key, control=False)
        plain: Command = ("SET", key, value, "EX", ttl) if ttl else ("SET", key, value)
        if item.kind == CONTROL:
            return [plain, *self.mechanism.announce(self.spec, self.run_id, key, control=True)]
        return [plain]


MS = 1_000_000
READ_MARGIN_NS = MS
"""A key is read this long after it was due: the engine expires a key once its clock is past
the due millisecond, not at it."""
IDLE_SECONDS = 0.002
"""The reader's longest sleep while nothing is due (a due time is never missed by more)."""


class DueReads:
    """Command expire with ``expiry.readAtDue``: each key read once it is due, so the engine
    expires it on access (lazily) rather than in its active expiry cycle. The reads run in a
    thread of their own beside the writes, each at its key's due time (not at the next write)."""

    def __init__(self, spec: BenchmarkSpec, run_id: str, writer: int, targets: list[int]) -> None:
        expiry = spec.workload.expiry
        self.active = spec.workload.command == "expire" and expiry.read_at_due
        self.prefix, self.run_id = spec.workload.key_prefix, run_id
        self.writer, self.targets, self.after_ms = writer, targets, expiry.after_ms
        self.next = 0
        """The first write whose key has not been read yet."""

    def _due_ns(self, schedule: Schedule, n: int) -> int:
        return (due_ms(schedule.intended_ns(n), self.after_ms)) * MS + READ_MARGIN_NS

    def due(self, schedule: Schedule, written: int, now_wall_ns: int) -> dict[int, list[Item]]:
        """The reads due now of writes ``0..written-1``, per replica."""
        reads: dict[int, list[Item]] = {}
        while (
            self.active and self.next < written and self._due_ns(schedule, self.next) <= now_wall_ns
        ):
            n = self.next
            replica = self.targets[n % len(self.targets)]
            key = protocol.unique_key(
                self.prefix, self.run_id, Write(self.writer, n, replica, schedule.intended_ns(n))
            )
            reads.setdefault(replica, []).append(Item(key, b"", 0, READ))
            self.next += 1
        return reads

    def run(
        self,
        schedule: Schedule,
        written: Callable[[], int],
        finished: Callable[[], bool],
        clock: Clock,
        send: Callable[[dict[int, list[Item]]], None],
    ) -> None:
        """Read each key once due, at its time (the writer's reader thread), until every key
        written is read and the writer has ``finished``; a key is never read before it was
        written (``written``: how many have been)."""
        while self.active:
            sent = written()
            if self.next >= sent:
                if finished():
                    return
                clock.sleep(IDLE_SECONDS)
                continue
            wait_ns = self._due_ns(schedule, self.next) - clock.wall_ns()
            if wait_ns > 0:
                clock.sleep(min(wait_ns / 1e9, IDLE_SECONDS))
                continue
            send(self.due(schedule, sent, clock.wall_ns()))

    def start(
        self,
        schedule: Schedule,
        written: Callable[[], int],
        finished: Callable[[], bool],
        clock: Clock,
        sending: tuple[dict[int, redis.Redis], ItemCommands],
    ) -> threading.Thread | None:
        """:meth:`run` in a thread of its own, on its own clients (closed when it ends); None
        when the run does not read its keys."""
        clients, commands = sending
        if not self.active:
            for client in clients.values():
                client.close()  # never connected: redis-py connects on first use
            return None

        def send(due: dict[int, list[Item]]) -> None:
            for replica, items in due.items():
                send_items(clients[replica], items, commands)

        def read() -> None:
            try:
                self.run(schedule, written, finished, clock, send)
            except (redis.RedisError, OSError):
                pass  # the writes say what became of the engine
            finally:
                for client in clients.values():
                    client.close()

        thread = threading.Thread(target=read, name="due-reads", daemon=True)
        thread.start()
        return thread
