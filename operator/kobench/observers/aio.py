"""The asynchronous observer: ``redis.asyncio`` pub/sub, as the proof of concept's Python03.

Events are processed as they arrive; reads (shared mode) and handshakes go out as pipelined
batches, so one slow round trip does not hold up the events queued behind it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import ClassVar

import redis
import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from kobench.observers.base import END, SHARED, UNIQUE, EventBook, ObserverContext, Target
from kobench.protocol import Write, decode_value

RECONNECT_SECONDS = 5.0
POLL_SECONDS = 0.2
BATCH = 256


def _client(target: Target) -> aioredis.Redis:
    return aioredis.Redis(
        host=target.host,
        port=target.port,
        password=target.password,
        db=target.database,
        socket_timeout=5.0,
        socket_connect_timeout=5.0,
        retry=Retry(NoBackoff(), 0),
    )


class AsyncObserver:
    name: ClassVar[str] = "async"

    def observe(self, context: ObserverContext, book: EventBook, ready: Callable[[], None]) -> None:
        asyncio.run(self._observe(context, book, ready))

    async def _observe(
        self, context: ObserverContext, book: EventBook, ready: Callable[[], None]
    ) -> None:
        reader = _client(context.listen)
        answerer = _client(context.answer) if context.handshake else None
        pubsub = await self._subscribe(context)
        ready()
        try:
            while not book.done(time.monotonic()):
                try:
                    messages = await self._batch(pubsub)
                except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
                    book.disconnects += 1
                    await pubsub.aclose()
                    resumed = await self._resubscribe(context)
                    if resumed is None:
                        book.error = f"lost the connection to {context.listen} ({exc}) for good"
                        return
                    pubsub = resumed
                    continue
                await self._handle(context, book, messages, reader, answerer)
        except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
            book.error = f"lost the connection to the engine ({exc})"
        finally:
            await pubsub.aclose()
            await reader.aclose()
            if answerer is not None:
                await answerer.aclose()

    @staticmethod
    async def _batch(pubsub: aioredis.client.PubSub) -> list[tuple[bytes, int]]:
        """Wait for one event, then take whatever else is already buffered (up to BATCH)."""
        message = await pubsub.get_message(timeout=POLL_SECONDS)
        batch: list[tuple[bytes, int]] = []
        while message is not None:
            if message["type"] == "message":
                batch.append((message["data"], time.time_ns()))
            if len(batch) >= BATCH:
                break
            message = await pubsub.get_message(timeout=0)
        return batch

    @staticmethod
    async def _handle(
        context: ObserverContext,
        book: EventBook,
        messages: list[tuple[bytes, int]],
        reader: aioredis.Redis,
        answerer: aioredis.Redis | None,
    ) -> None:
        shared = 0  # notifications of the shared key: one read each, as the proof of concept
        writes: list[tuple[Write | None, int]] = []
        for key, received_ns in messages:
            kind = book.classify(key)
            if kind == UNIQUE:
                book.on_notification()
                writes.append((book.decode_unique(key), received_ns))
            elif kind == SHARED:
                book.on_notification()
                shared += 1
            elif kind == END:
                book.on_end(key, received_ns)
        if shared:
            shared_key = context.spec.workload.shared_key
            if shared == 1:
                values = [await reader.get(shared_key)]
            else:
                pipe = reader.pipeline(transaction=False)
                for _ in range(shared):
                    pipe.get(shared_key)
                values = await pipe.execute()
            # A read may return a write newer than the notified one: it is had once read.
            read_ns = time.time_ns()
            writes.extend(
                (None if value is None else decode_value(value), read_ns) for value in values
            )
        answers = [a for w, t in writes if (a := book.on_write(w, t)) is not None]
        if answers and answerer is not None:
            ttl = context.spec.workload.key_ttl_seconds
            if len(answers) == 1:
                await answerer.set(book.handshake_key(answers[0]), b"1", ex=ttl)
            else:
                pipe = answerer.pipeline(transaction=False)
                for answer in answers:
                    pipe.set(book.handshake_key(answer), b"1", ex=ttl)
                await pipe.execute()

    @staticmethod
    async def _subscribe(context: ObserverContext) -> aioredis.client.PubSub:
        pubsub = _client(context.listen).pubsub()
        await pubsub.subscribe(context.channel)
        deadline = time.monotonic() + context.spec.timeouts.subscribe_seconds
        while time.monotonic() < deadline:
            message = await pubsub.get_message(timeout=POLL_SECONDS)
            if message is not None and message["type"] == "subscribe":
                return pubsub
        raise TimeoutError(f"{context.listen} did not confirm the subscription")

    @classmethod
    async def _resubscribe(cls, context: ObserverContext) -> aioredis.client.PubSub | None:
        deadline = time.monotonic() + RECONNECT_SECONDS
        while time.monotonic() < deadline:
            try:
                return await cls._subscribe(context)
            except (redis.ConnectionError, redis.TimeoutError, OSError, TimeoutError):
                await asyncio.sleep(0.2)
        return None
