"""What every observer strategy shares: its context, its bookkeeping and the plugin contract.

A strategy only does I/O (subscribe, receive, read, answer). :class:`EventBook` decides what an
event means, measures it and knows when the observer is done, so ``sync`` and ``async`` count
exactly alike.
"""

from __future__ import annotations

import os
import platform
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar, Protocol, runtime_checkable

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from kobench import protocol
from kobench.protocol import Handshake, SequenceTracker, Write
from kobench.results import ClientInfo, ObserverResult, WriterCounts
from kobench.spec import BenchmarkSpec
from kobench.stats import Histogram, encode_histogram, new_histogram, record_us

NODE_ENV = "KOBENCH_NODE_NAME"
"""Set in pods to the node's name: roles on one node share its clock."""
END_MARK = "end:"
HANDSHAKE_MARK = "hs:"


def client_info() -> ClientInfo:
    """Library versions and parser: they move the figures by 1.3-1.8x."""
    try:
        import hiredis  # noqa: F401

        has_hiredis = True
    except ImportError:
        has_hiredis = False
    return ClientInfo(
        python=platform.python_version(),
        redis_py=redis.__version__,
        hiredis=has_hiredis,
        # In a pod, the node's name: pods on one node share its clock.
        host=os.environ.get(NODE_ENV) or socket.gethostname(),
    )


@dataclass(frozen=True)
class Target:
    """A server to talk to."""

    host: str
    port: int
    password: str | None
    database: int

    def client(self, *, timeout: float = 5.0) -> redis.Redis:
        # No silent retries: a reconnect hides lost pub/sub messages, so we want to see it.
        return redis.Redis(
            host=self.host,
            port=self.port,
            password=self.password,
            db=self.database,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry=Retry(NoBackoff(), 0),
        )

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class ObserverContext:
    """Everything an observer instance needs to know."""

    run_id: str
    spec: BenchmarkSpec
    name: str
    instance: int
    mode: str
    listen: Target
    answer: Target
    handshake: bool
    deadline: float
    """Monotonic time after which the observer gives up waiting for writers."""

    @property
    def instance_id(self) -> str:
        return f"{self.name}.{self.instance}"

    @property
    def channel(self) -> str:
        return protocol.keyevent_channel(self.spec.engine.database)

    @property
    def handshake_prefix(self) -> str:
        return (
            protocol.handshake_key_prefix(self.spec.workload.handshake_key, self.run_id)
            + HANDSHAKE_MARK
        )

    @property
    def end_prefix(self) -> str:
        return (
            protocol.handshake_key_prefix(self.spec.workload.handshake_key, self.run_id) + END_MARK
        )


def end_key(run_id: str, spec: BenchmarkSpec, writer: int, sent: int, at_ns: int) -> str:
    """The key a writer sets after its last write: its total, and when (wall clock, ns)."""
    prefix = protocol.handshake_key_prefix(spec.workload.handshake_key, run_id) + END_MARK
    return f"{prefix}{writer}:{sent}:{at_ns}"


SHARED, UNIQUE, END, OTHER = "shared", "unique", "end", "other"


@dataclass
class EventBook:
    """Counts, measures and answers events; knows when the observer may stop."""

    context: ObserverContext
    started_ns: int = field(default_factory=time.time_ns)
    trackers: dict[int, SequenceTracker] = field(default_factory=dict)
    latency: dict[int, Histogram] = field(default_factory=dict)
    ended: dict[int, int] = field(default_factory=dict)
    notifications: int = 0
    superseded: int = 0
    negative: int = 0
    foreign: int = 0
    handshakes_sent: int = 0
    disconnects: int = 0
    error: str | None = None
    last_end_at: float | None = None
    stopped: str | None = None
    end_lag_ms: float | None = None

    def __post_init__(self) -> None:
        workload = self.context.spec.workload
        self._shared_key = workload.shared_key.encode()
        self._unique_prefix = protocol.unique_key_prefix(workload.key_prefix, self.context.run_id)
        self._unique_prefix_b = self._unique_prefix.encode()
        self._end_prefix = self.context.end_prefix
        self._end_prefix_b = self._end_prefix.encode()
        self._warmup = workload.warmup_writes
        self._shared_mode = workload.key_mode == "shared"
        self._writers = workload.writers
        self._hs_prefix = self.context.handshake_prefix

    def classify(self, key: bytes) -> str:
        """What a notified key is. Cheap: it runs for every SET on the server."""
        if key == self._shared_key:
            return SHARED if self._shared_mode else OTHER
        if key.startswith(self._unique_prefix_b):
            return UNIQUE
        if key.startswith(self._end_prefix_b):
            return END
        return OTHER

    def decode_unique(self, key: bytes) -> Write | None:
        return protocol.decode_unique_key(key, self._unique_prefix)

    def on_end(self, key: bytes, received_ns: int) -> None:
        parts = key[len(self._end_prefix_b) :].split(b":")
        try:
            writer, sent, at_ns = int(parts[0]), int(parts[1]), int(parts[2])
        except (IndexError, ValueError):
            return
        if writer not in self.ended:
            lag_ms = (received_ns - at_ns) / 1e6
            self.end_lag_ms = lag_ms if self.end_lag_ms is None else max(self.end_lag_ms, lag_ms)
        self.ended[writer] = sent
        self.last_end_at = time.monotonic()

    def on_notification(self) -> None:
        self.notifications += 1

    def on_write(self, write: Write | None, received_ns: int) -> Handshake | None:
        """Book one write; returns the handshake to send, if any."""
        if write is None:
            self.foreign += 1
            return None
        tracker = self.trackers.get(write.writer)
        if tracker is None:
            tracker = self.trackers[write.writer] = SequenceTracker()
        if not tracker.record(write.seq):
            if self._shared_mode:
                self.superseded += 1
            return None
        if write.seq >= self._warmup:
            histogram = self.latency.get(write.replica)
            if histogram is None:
                histogram = self.latency[write.replica] = new_histogram()
            elapsed_us = (received_ns - write.intended_ns) / 1000.0
            if elapsed_us < 0:
                self.negative += 1
            record_us(histogram, elapsed_us)
        if not self.context.handshake:
            return None
        return Handshake(self.context.instance_id, write.writer, write.seq, received_ns, 0)

    def handshake_key(self, answer: Handshake) -> str:
        answered = Handshake(
            answer.observer, answer.writer, answer.seq, answer.received_ns, time.time_ns()
        )
        self.handshakes_sent += 1
        return protocol.handshake_key(self._hs_prefix, answered)

    def expected(self) -> int:
        return sum(self.ended.values())

    def complete(self) -> bool:
        """Every writer has ended and everything it sent has arrived."""
        if len(self.ended) < self._writers:
            return False
        if self._shared_mode:
            return self.notifications >= self.expected()
        return all(
            writer in self.trackers and self.trackers[writer].distinct >= sent
            for writer, sent in self.ended.items()
        )

    def stop(self, why: str) -> None:
        """Asked to stop early (SIGTERM): the next ``done`` is True and the result says why."""
        self.stopped = why

    def done(self, now: float) -> bool:
        """Complete, or every writer ended and the drain time has passed, or past the deadline,
        or asked to stop."""
        if self.complete():
            return True
        if self.stopped is not None:
            if self.error is None:
                self.error = (
                    f"{self.stopped} after {len(self.ended)} of {self._writers} writer(s) "
                    "announced their end"
                )
            return True
        drain = self.context.spec.timeouts.drain_seconds
        if len(self.ended) >= self._writers and self.last_end_at is not None:
            return now - self.last_end_at >= drain
        if now >= self.context.deadline:
            if self.error is None:
                self.error = (
                    f"{len(self.ended)} of {self._writers} writer(s) announced their end before "
                    "the run timeout"
                )
            return True
        return False

    def result(self) -> ObserverResult:
        context = self.context
        writers = {
            str(writer): WriterCounts(
                distinct=tracker.distinct,
                duplicates=tracker.duplicates,
                out_of_order=tracker.out_of_order,
                highest_seq=tracker.highest,
            )
            for writer, tracker in self.trackers.items()
        }
        return ObserverResult(
            name=context.name,
            instance=context.instance,
            mode=context.mode,
            target_replica=context.spec.observers[
                [o.name for o in context.spec.observers].index(context.name)
            ].target_replica,
            client=client_info(),
            started_ns=self.started_ns,
            ended_ns=time.time_ns(),
            writers=writers,
            latency={str(r): encode_histogram(h) for r, h in sorted(self.latency.items())},
            negative_latencies=self.negative,
            notifications=self.notifications,
            superseded=self.superseded,
            handshakes_sent=self.handshakes_sent,
            disconnects=self.disconnects,
            foreign_events=self.foreign,
            end_lag_ms=None if self.end_lag_ms is None else round(self.end_lag_ms, 3),
            error=self.error,
        )


@runtime_checkable
class ObserverStrategy(Protocol):
    """An observer plugin, registered under the ``kobench.observers`` entry-point group.

    ``observe`` subscribes on ``context.listen``, calls ``ready()`` once the server has confirmed
    the subscription, books every event in ``book`` until ``book.done()`` and returns. It records
    connection losses in ``book.disconnects`` and a fatal problem in ``book.error``.
    """

    name: ClassVar[str]

    def observe(
        self, context: ObserverContext, book: EventBook, ready: Callable[[], None]
    ) -> None: ...
