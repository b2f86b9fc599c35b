"""The synchronous observer: blocking redis-py pub/sub, as the proof of concept's Python02."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar

import redis

from kobench.plugins import connections as clients
from kobench.plugins.connections import busy
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
        reader = context.listen.client()
        answerer = context.answer.client() if context.handshake else None
        ttl = context.spec.workload.key_ttl_seconds
        pubsub = self._subscribe(context, context.spec.timeouts.subscribe_seconds)
        ready()
        try:
            while not book.done(time.monotonic()):
                try:
                    message = pubsub.get_message(timeout=POLL_SECONDS)
                    if message is None or message["type"] != "message":
                        continue
                    received_ns = time.time_ns()
                    key: bytes = message["data"]
                    kind = book.classify(key)
                    if kind == SHARED:
                        value = self._read(reader, key)
                        answer = book.on_shared(received_ns, value, time.time_ns())
                    elif kind == UNIQUE:
                        answer = book.on_unique(key, received_ns)
                    elif kind == END:
                        book.on_end(key, received_ns)
                        continue
                    else:
                        continue
                    if answer is not None and answerer is not None:
                        self._answer(answerer, book, book.handshake_key(answer), ttl)
                except LOST as exc:
                    book.lost(f"{context.listen}: {exc}")
                    pubsub.close()
                    reconnection = Reconnection(str(context.listen))
                    resumed = self._resubscribe(context, book, reconnection)
                    if resumed is None:
                        book.error = reconnection.gave_up(exc)
                        return
                    pubsub = resumed
                    book.resumed()
        finally:
            pubsub.close()
            reader.close()
            if answerer is not None:
                answerer.close()

    def _read(self, reader: redis.Redis, key: bytes) -> bytes | str | None:
        """The shared key's value; None when the read failed (and, for a second after, without
        trying: a dead replica's connect timeout must not hold up the notifications already
        received). Only a lost subscription is an outage: those notifications still count."""
        if time.monotonic() < self._quiet_until:
            return None
        try:
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
    def _subscribe(context: ObserverContext, timeout: float) -> redis.client.PubSub:
        """Subscribe and wait (up to ``timeout`` s) for the server's confirmation."""
        client = context.listen.client(timeout=min(timeout, clients.TIMEOUT_SECONDS))
        pubsub: redis.client.PubSub = client.pubsub()
        try:
            pubsub.subscribe(context.channel)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                message = pubsub.get_message(timeout=POLL_SECONDS)
                if message is not None and message["type"] == "subscribe":
                    return pubsub
        except BaseException:
            pubsub.close()
            raise
        pubsub.close()
        raise TimeoutError(f"{context.listen} did not confirm the subscription")

    @classmethod
    def _resubscribe(
        cls, context: ObserverContext, book: EventBook, reconnection: Reconnection
    ) -> redis.client.PubSub | None:
        """Subscribe again until it works, or the book says the run is over for us."""
        while not book.done(time.monotonic()):
            try:
                return cls._subscribe(context, ATTEMPT_SECONDS)
            except (*LOST, TimeoutError) as exc:
                reconnection.failed(exc)
                time.sleep(RETRY_PAUSE_SECONDS)
        return None
