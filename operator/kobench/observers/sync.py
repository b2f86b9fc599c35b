"""The synchronous observer: blocking redis-py pub/sub, as the proof of concept's Python02."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar

import redis

from kobench.observers.base import (
    END,
    RETRY_PAUSE_SECONDS,
    SHARED,
    UNIQUE,
    EventBook,
    ObserverContext,
)

POLL_SECONDS = 0.2
LOST = (redis.ConnectionError, redis.TimeoutError, OSError)


class SyncObserver:
    name: ClassVar[str] = "sync"

    def observe(self, context: ObserverContext, book: EventBook, ready: Callable[[], None]) -> None:
        reader = context.listen.client()
        answerer = context.answer.client() if context.handshake else None
        ttl = context.spec.workload.key_ttl_seconds
        pubsub = self._subscribe(context)
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
                        value = reader.get(key)
                        answer = book.on_shared(received_ns, value, time.time_ns())
                    elif kind == UNIQUE:
                        answer = book.on_unique(key, received_ns)
                    elif kind == END:
                        book.on_end(key, received_ns)
                        continue
                    else:
                        continue
                    if answer is not None and answerer is not None:
                        answerer.set(book.handshake_key(answer), b"1", ex=ttl)
                except LOST as exc:
                    book.lost(f"{context.listen}: {exc}")
                    pubsub.close()
                    resumed = self._resubscribe(context, book)
                    if resumed is None:
                        book.error = f"lost the connection to {context.listen} ({exc}) for good"
                        return
                    pubsub = resumed
                    book.resumed()
        finally:
            pubsub.close()
            reader.close()
            if answerer is not None:
                answerer.close()

    @staticmethod
    def _subscribe(context: ObserverContext) -> redis.client.PubSub:
        """Subscribe and wait for the server's confirmation."""
        pubsub: redis.client.PubSub = context.listen.client().pubsub()
        pubsub.subscribe(context.channel)
        deadline = time.monotonic() + context.spec.timeouts.subscribe_seconds
        while time.monotonic() < deadline:
            message = pubsub.get_message(timeout=POLL_SECONDS)
            if message is not None and message["type"] == "subscribe":
                return pubsub
        raise TimeoutError(f"{context.listen} did not confirm the subscription")

    @classmethod
    def _resubscribe(cls, context: ObserverContext, book: EventBook) -> redis.client.PubSub | None:
        """Subscribe again until it works, or the book says the run is over for us."""
        while not book.done(time.monotonic()):
            try:
                return cls._subscribe(context)
            except (*LOST, TimeoutError):
                time.sleep(RETRY_PAUSE_SECONDS)
        return None
