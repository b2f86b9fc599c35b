"""The synchronous observer: blocking redis-py pub/sub, as the proof of concept's Python02."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar

import redis

from kobench.observers.base import END, SHARED, UNIQUE, EventBook, ObserverContext
from kobench.protocol import decode_value

RECONNECT_SECONDS = 5.0
POLL_SECONDS = 0.2


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
                except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
                    book.disconnects += 1
                    pubsub.close()
                    resumed = self._resubscribe(context)
                    if resumed is None:
                        book.error = f"lost the connection to {context.listen} ({exc}) for good"
                        return
                    pubsub = resumed
                    continue
                if message is None or message["type"] != "message":
                    continue
                received_ns = time.time_ns()
                key: bytes = message["data"]
                kind = book.classify(key)
                if kind == SHARED:
                    book.on_notification()
                    value = reader.get(key)
                    # The value may be newer than the notified write: it is had once read.
                    received_ns = time.time_ns()
                    write = None if value is None else decode_value(value)
                elif kind == UNIQUE:
                    book.on_notification()
                    write = book.decode_unique(key)
                elif kind == END:
                    book.on_end(key, received_ns)
                    continue
                else:
                    continue
                answer = book.on_write(write, received_ns)
                if answer is not None and answerer is not None:
                    answerer.set(book.handshake_key(answer), b"1", ex=ttl)
        except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
            book.error = f"lost the connection to the engine ({exc})"
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
    def _resubscribe(cls, context: ObserverContext) -> redis.client.PubSub | None:
        deadline = time.monotonic() + RECONNECT_SECONDS
        while time.monotonic() < deadline:
            try:
                return cls._subscribe(context)
            except (redis.ConnectionError, redis.TimeoutError, OSError, TimeoutError):
                time.sleep(0.2)
        return None
