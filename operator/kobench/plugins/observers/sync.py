"""The synchronous observer, as the proof of concept's Python02: one blocking loop that receives
(through the run's delivery mechanism: redis-py pub/sub for keyevent), reads and answers."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar

import redis

from kobench.plugins.connections import busy
from kobench.plugins.mechanisms import get_mechanism
from kobench.plugins.mechanisms.mechanism_protocol import (
    CONTROL,
    REDELIVERED,
    RESYNC,
    ReadingSyncReceiver,
    SyncReceiver,
)
from kobench.plugins.observers.observer_protocol import (
    ATTEMPT_SECONDS,
    END,
    RETRY_PAUSE_SECONDS,
    SHARED,
    UNIQUE,
    EventBook,
    ObserverContext,
    Reconnection,
)

POLL_SECONDS = 0.2
QUIET_AFTER_FAILURE_SECONDS = 1.0
QUIET_WHILE_BUSY_SECONDS = 0.02
"""After the engine answered that it cannot serve yet (LOADING...): a pause, not a loss."""
LOST = (redis.ConnectionError, redis.TimeoutError, OSError)


class SyncObserver:
    name: ClassVar[str] = "sync"
    calibration_client: ClassVar[str] = "sync"
    """The client its reads and answers use: the role calibrates the engine's round trip on it."""

    def __init__(self) -> None:
        self._quiet_until = 0.0
        """After a failed read or answer: no new attempt before this (monotonic s)."""

    def observe(self, context: ObserverContext, book: EventBook, ready: Callable[[], None]) -> None:
        receiver = get_mechanism(context.spec.delivery.mechanism).sync_receiver(context)
        reader = receiver if isinstance(receiver, ReadingSyncReceiver) else context.listen.client()
        answerer = context.answer.client() if context.handshake else None
        ttl = context.spec.workload.key_ttl_seconds
        receiver.open(context.spec.timeouts.subscribe_seconds)
        ready()
        try:
            while not book.done(time.monotonic()):
                try:
                    for key, received_ns, how in receiver.receive(POLL_SECONDS):
                        kind = book.classify(key)
                        if kind == END:
                            book.on_end(key, received_ns)
                            continue
                        if how == CONTROL:
                            continue  # a write heard on the control channel: not an event
                        again = how == REDELIVERED
                        if kind == SHARED and how == RESYNC:
                            book.resync(self._read(reader, key))
                            continue
                        if kind == SHARED:
                            value = self._read(reader, key)
                            answer = book.on_shared(received_ns, value, time.time_ns(), again=again)
                        elif kind == UNIQUE:
                            answer = book.on_unique(key, received_ns, again=again)
                        else:
                            continue
                        if answer is not None and answerer is not None:
                            self._answer(answerer, book, book.handshake_key(answer), ttl)
                    receiver.acknowledge()
                except LOST as exc:
                    book.lost(f"{context.listen}: {exc}")
                    receiver.close()
                    reconnection = Reconnection(str(context.listen))
                    if not self._reopen(receiver, book, reconnection):
                        book.error = reconnection.gave_up(exc)
                        return
                    book.resumed()
            audit = getattr(receiver, "audit", None)
            if audit is not None and book.shared_work:
                book.group_audit = audit()
        finally:
            receiver.close()
            if isinstance(reader, redis.Redis):
                reader.close()
            if answerer is not None:
                answerer.close()

    def _read(self, reader: ReadingSyncReceiver | redis.Redis, key: bytes) -> bytes | str | None:
        """The shared key's value; None when the read failed (and, for a second after, without
        trying: a dead replica's connect timeout must not hold up the notifications already
        received). Only a lost subscription is an outage: those notifications still count."""
        if time.monotonic() < self._quiet_until:
            return None
        try:
            if not isinstance(reader, redis.Redis):  # tracking: the read tracks the key again
                return reader.read(key.decode())
            value: bytes | str | None = reader.get(key)
            return value
        except (*LOST, redis.ResponseError) as exc:
            self._failed(exc)
            return None

    def _answer(self, answerer: redis.Redis, book: EventBook, key: str, ttl: int) -> None:
        if time.monotonic() >= self._quiet_until:
            try:
                answerer.set(key, b"1", ex=ttl)
                return
            except (*LOST, redis.ResponseError) as exc:
                self._failed(exc)
        book.unanswered += 1

    def _failed(self, exc: Exception) -> None:
        """A read or an answer failed: no new attempt for a while (shorter when the engine only
        said it cannot serve yet); an error of another kind is fatal."""
        if busy(exc):
            self._quiet_until = time.monotonic() + QUIET_WHILE_BUSY_SECONDS
        elif isinstance(exc, LOST):
            self._quiet_until = time.monotonic() + QUIET_AFTER_FAILURE_SECONDS
        else:
            raise exc

    @staticmethod
    def _reopen(receiver: SyncReceiver, book: EventBook, reconnection: Reconnection) -> bool:
        """Subscribe again until it works, or the book says the run is over for us."""
        while not book.done(time.monotonic()):
            try:
                receiver.open(ATTEMPT_SECONDS)
                return True
            except (*LOST, TimeoutError) as exc:
                receiver.close()
                reconnection.failed(exc)
                time.sleep(RETRY_PAUSE_SECONDS)
        return False
