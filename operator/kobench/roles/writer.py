"""The writer: open-loop writes on a fixed schedule, stamped with their intended send time.

A stalled server shows up as latency, not as a quietly lower rate: write ``n`` is stamped with
``start + n / rate`` whatever time it actually leaves. Writes that fall due together (a tick, or a
catch-up after a stall) go out in one pipeline per replica. A listener thread on the writer's own
replica sees the observers' handshakes and measures their round trip on the writer's monotonic
clock, plus the NTP-style clock offset from the four timestamps.
"""

from __future__ import annotations

import contextlib
import ctypes
import threading
import time
from array import array
from dataclasses import dataclass, field

import redis

from kobench import protocol
from kobench.engines import get_engine
from kobench.engines.inspect import inspect_engine
from kobench.observers.base import HANDSHAKE_MARK, Target, client_info, end_key
from kobench.protocol import Write
from kobench.results import ClockSample, WriterResult
from kobench.roles.config import RoleConfig
from kobench.roles.readback import check_convergence
from kobench.stats import (
    Histogram,
    encode_histogram,
    estimate_offset,
    new_histogram,
    ntp_sample,
    record_us,
)

PR_SET_TIMERSLACK = 29
MAX_BATCH = 2000
QUIET_SECONDS = 1.0
START_DELAY_NS = 50_000_000


def tighten_timer_slack() -> None:
    """Linux lets a sleep overshoot by 50 us by default; the schedule would count it as latency.

    Measured here: a 0.5 ms sleep overshoots by 74 us (p50) by default and by 25 us at 1 ns slack.
    """
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_TIMERSLACK, 1, 0, 0, 0)


def writer_targets(config: RoleConfig, writer_id: int) -> list[int]:
    """Replicas this writer writes to: one, or every master in turn (rotated per writer)."""
    workload = config.spec.workload
    if not workload.round_robin:
        return [workload.target_replica]
    masters = get_engine(config.spec.engine.type).write_replicas(config.spec.engine.replicas)
    shift = writer_id % len(masters)
    return masters[shift:] + masters[:shift]


def expected_handshakes(config: RoleConfig) -> int:
    """Handshaking observer instances; each answers every write it reads."""
    return sum(o.replicas for o in config.spec.observers if o.handshake)


@dataclass
class HandshakeListener:
    """Books the handshakes addressed to one writer (runs in its own thread)."""

    writer_id: int
    prefix: str
    sent_wall: array[int]
    sent_mono: array[int]
    rtt: dict[str, Histogram] = field(default_factory=dict)
    samples: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    count: dict[str, int] = field(default_factory=dict)
    total: int = 0
    last_at: float = 0.0
    error: str | None = None

    def book(self, key: bytes, received_wall: int, received_mono: int) -> None:
        answer = protocol.decode_handshake_key(key, self.prefix)
        if answer is None or answer.writer != self.writer_id:
            return
        if not 0 <= answer.seq < len(self.sent_mono) or self.sent_mono[answer.seq] == 0:
            return
        observer = answer.observer
        histogram = self.rtt.get(observer)
        if histogram is None:
            histogram = self.rtt[observer] = new_histogram()
            self.samples[observer] = []
        record_us(histogram, (received_mono - self.sent_mono[answer.seq]) / 1000.0)
        self.samples[observer].append(
            ntp_sample(
                self.sent_wall[answer.seq], answer.received_ns, answer.answered_ns, received_wall
            )
        )
        self.count[observer] = self.count.get(observer, 0) + 1
        self.total += 1
        self.last_at = time.monotonic()

    def clock(self) -> dict[str, ClockSample]:
        result = {}
        for observer, samples in self.samples.items():
            estimate = estimate_offset(samples)
            if estimate is not None:
                result[observer] = ClockSample(
                    offset_us=round(estimate[0], 1),
                    delay_us=round(estimate[1], 1),
                    samples=len(samples),
                )
        return result


class Writer:
    def __init__(self, config: RoleConfig, writer_id: int, password: str | None) -> None:
        self.config = config
        self.writer_id = writer_id
        self.password = password
        self.spec = config.spec
        self.targets = writer_targets(config, writer_id)
        workload = self.spec.workload
        self.total = workload.total_writes
        self.sent_wall = array("q", bytes(8 * self.total))
        self.sent_mono = array("q", bytes(8 * self.total))
        prefix = (
            protocol.handshake_key_prefix(workload.handshake_key, config.run_id) + HANDSHAKE_MARK
        )
        self.listener = HandshakeListener(writer_id, prefix, self.sent_wall, self.sent_mono)
        self._stop = threading.Event()
        self._subscribed = threading.Event()

    def _target(self, replica: int) -> Target:
        endpoint = self.config.endpoints[replica]
        return Target(endpoint.host, endpoint.port, self.password, self.spec.engine.database)

    def _listen(self) -> None:
        """Subscribe on the first target replica and book handshakes until told to stop."""
        try:
            pubsub = self._target(self.targets[0]).client().pubsub()
            pubsub.subscribe(protocol.keyevent_channel(self.spec.engine.database))
            prefix = self.listener.prefix.encode()
            while not self._stop.is_set():
                message = pubsub.get_message(timeout=0.2)
                if message is None:
                    continue
                if message["type"] == "subscribe":
                    self._subscribed.set()
                    continue
                key = message["data"]
                if message["type"] == "message" and key.startswith(prefix):
                    self.listener.book(key, time.time_ns(), time.monotonic_ns())
            pubsub.close()
        except (redis.RedisError, OSError) as exc:
            self.listener.error = f"handshake listener lost its connection: {exc}"
            self._subscribed.set()

    def run(self) -> WriterResult:
        tighten_timer_slack()
        started_ns = time.time_ns()
        listener = threading.Thread(target=self._listen, name="handshakes", daemon=True)
        handshaking = expected_handshakes(self.config) > 0
        if handshaking:
            listener.start()
            self._subscribed.wait(timeout=self.spec.timeouts.subscribe_seconds)
        error: str | None = None
        sent = 0
        measured_seconds = 0.0
        max_lag_ns = 0
        clients = {replica: self._target(replica).client() for replica in set(self.targets)}
        try:
            sent, measured_seconds, max_lag_ns = self._write_all(clients)
            for replica, client in clients.items():
                key = end_key(self.config.run_id, self.spec, self.writer_id, sent, time.time_ns())
                client.set(key, replica, ex=self.spec.workload.key_ttl_seconds)
            if handshaking:
                self._await_handshakes(sent)
        except (redis.RedisError, OSError) as exc:
            error = f"lost the engine after {sent} writes: {exc}"
        finally:
            self._stop.set()
            for client in clients.values():
                client.close()
        if handshaking:
            listener.join(timeout=2.0)
        measured = max(0, sent - self.spec.workload.warmup_writes)
        engine = convergence = None
        if self.writer_id == 0:
            engine = inspect_engine(
                get_engine(self.spec.engine.type), self.config.endpoints, self.password
            )
            convergence = check_convergence(self.config, self.password)
        return WriterResult(
            writer_id=self.writer_id,
            target_replicas=self.targets,
            client=client_info(),
            started_ns=started_ns,
            ended_ns=time.time_ns(),
            sent=sent,
            warmup_writes=self.spec.workload.warmup_writes,
            measured_seconds=round(measured_seconds, 4),
            achieved_rate=round((measured - 1) / measured_seconds, 1)
            if measured_seconds > 0
            else 0.0,
            max_lag_us=round(max_lag_ns / 1000.0, 1),
            rtt={name: encode_histogram(h) for name, h in sorted(self.listener.rtt.items())},
            handshakes=dict(sorted(self.listener.count.items())),
            clock=self.listener.clock(),
            engine=engine,
            convergence=convergence,
            error=error or self.listener.error,
        )

    def _write_all(self, clients: dict[int, redis.Redis]) -> tuple[int, float, int]:
        """Send every write on schedule; returns (sent, measured seconds, worst lag in ns)."""
        workload = self.spec.workload
        interval = 1e9 / workload.rate
        shared = workload.key_mode == "shared"
        ttl = workload.key_ttl_seconds
        unique_prefix = workload.key_prefix
        size = workload.value_size
        padding = b"x" * size
        targets = self.targets
        warmup = workload.warmup_writes
        start_mono = time.monotonic_ns() + START_DELAY_NS
        start_wall = time.time_ns() + START_DELAY_NS
        seq = 0
        max_lag = 0
        measured_from = measured_to = 0
        while seq < self.total:
            now = time.monotonic_ns()
            due = min(self.total, int((now - start_mono) / interval) + 1, seq + MAX_BATCH)
            if due <= seq:
                time.sleep(max(0.0, (start_mono + seq * interval - now) / 1e9))
                continue
            max_lag = max(max_lag, now - int(start_mono + seq * interval))
            batch: dict[int, list[tuple[str, bytes, int]]] = {}
            for n in range(seq, due):
                replica = targets[n % len(targets)]
                write = Write(self.writer_id, n, replica, int(start_wall + n * interval))
                if shared:
                    item = (workload.shared_key, protocol.encode_value(write, size), 0)
                else:
                    item = (
                        protocol.unique_key(unique_prefix, self.config.run_id, write),
                        padding,
                        ttl,
                    )
                batch.setdefault(replica, []).append(item)
            sent_wall, sent_mono = time.time_ns(), time.monotonic_ns()
            for n in range(seq, due):
                self.sent_wall[n] = sent_wall
                self.sent_mono[n] = sent_mono
            for replica, items in batch.items():
                self._send(clients[replica], items)
            if seq <= warmup < due or (warmup == 0 and seq == 0):
                measured_from = sent_mono
            measured_to = sent_mono
            seq = due
        seconds = (measured_to - measured_from) / 1e9 if measured_to > measured_from else 0.0
        return seq, seconds, max_lag

    @staticmethod
    def _send(client: redis.Redis, items: list[tuple[str, bytes, int]]) -> None:
        if len(items) == 1:
            key, value, ttl = items[0]
            client.set(key, value, ex=ttl or None)
            return
        pipe = client.pipeline(transaction=False)
        for key, value, ttl in items:
            pipe.set(key, value, ex=ttl or None)
        pipe.execute()

    def _await_handshakes(self, sent: int) -> None:
        """Wait until every handshaking observer answered, or the drain time passed."""
        expected = sent * expected_handshakes(self.config)
        ended = time.monotonic()
        deadline = ended + self.spec.timeouts.drain_seconds
        while time.monotonic() < deadline and self.listener.total < expected:
            # Shared-mode reads that found a newer value are not answered: stop once it is quiet.
            quiet_since = max(ended, self.listener.last_at)
            if self.listener.error or time.monotonic() - quiet_since > QUIET_SECONDS:
                return
            time.sleep(0.05)
