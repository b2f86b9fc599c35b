"""The asynchronous observer, as the proof of concept's Python03: asyncio, reads and answers
through ``redis.asyncio``.

Events are processed as they arrive; reads (shared mode) and handshakes go out as pipelined
batches, so one slow round trip does not hold up the events queued behind it. Notifications
arrive through :mod:`.wire` (hiredis on the socket, whole chunks at a time): redis-py's own
pub/sub reader spent 20 times more CPU per message than the observer's bookkeeping of it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import ClassVar

import redis
import redis.asyncio as aioredis

from kobench.measure.protocol import Handshake
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
from kobench.plugins.observers.wire import WireSubscription

POLL_SECONDS = 0.2
BATCH = 256
LOST = (redis.ConnectionError, redis.TimeoutError, OSError)


class AsyncObserver:
    name: ClassVar[str] = "async"
    calibration_client: ClassVar[str] = "async"
    """The client its reads and answers use: the role calibrates the engine's round trip on it."""

    def observe(self, context: ObserverContext, book: EventBook, ready: Callable[[], None]) -> None:
        asyncio.run(self._observe(context, book, ready))

    async def _observe(
        self, context: ObserverContext, book: EventBook, ready: Callable[[], None]
    ) -> None:
        reader = context.listen.async_client()
        answerer = context.answer.async_client() if context.handshake else None
        subscription = await self._subscribe(context, context.spec.timeouts.subscribe_seconds)
        ready()
        try:
            while not book.done(time.monotonic()):
                try:
                    messages = await subscription.batch(POLL_SECONDS, BATCH)
                    await self._handle(context, book, messages, reader, answerer)
                except LOST as exc:
                    book.lost(f"{context.listen}: {exc}")
                    await subscription.aclose()
                    reconnection = Reconnection(str(context.listen))
                    resumed = await self._resubscribe(context, book, reconnection)
                    if resumed is None:
                        book.error = reconnection.gave_up(exc)
                        return
                    subscription = resumed
                    book.resumed()
        finally:
            await subscription.aclose()
            await reader.aclose()
            if answerer is not None:
                await answerer.aclose()

    @staticmethod
    async def _handle(
        context: ObserverContext,
        book: EventBook,
        messages: list[tuple[bytes, int]],
        reader: aioredis.Redis,
        answerer: aioredis.Redis | None,
    ) -> None:
        shared: list[int] = []  # when each shared-key notification came: one read each
        answers: list[Handshake] = []
        for key, received_ns in messages:
            kind = book.classify(key)
            if kind == UNIQUE:
                answer = book.on_unique(key, received_ns)
                if answer is not None:
                    answers.append(answer)
            elif kind == SHARED:
                shared.append(received_ns)
            elif kind == END:
                book.on_end(key, received_ns)
        if shared:
            values = await AsyncObserver._read(
                reader, context.spec.workload.shared_key, len(shared)
            )
            read_ns = time.time_ns()
            for notified_ns, value in zip(shared, values, strict=True):
                answer = book.on_shared(notified_ns, value, read_ns)
                if answer is not None:
                    answers.append(answer)
        if answers and answerer is not None:
            ttl = context.spec.workload.key_ttl_seconds
            pipe = answerer.pipeline(transaction=False)
            for answer in answers:
                pipe.set(book.handshake_key(answer), b"1", ex=ttl)
            try:
                await pipe.execute()
            except (*LOST, redis.ResponseError) as exc:
                if not isinstance(exc, LOST) and not busy(exc):
                    raise
                book.unanswered += len(answers)

    @staticmethod
    async def _read(reader: aioredis.Redis, key: str, count: int) -> list[bytes | str | None]:
        """The shared key's value, once per notification; None each when the read failed.
        Only a lost subscription is an outage: received notifications still count."""
        try:
            if count == 1:
                return [await reader.get(key)]
            pipe = reader.pipeline(transaction=False)
            for _ in range(count):
                pipe.get(key)
            values: list[bytes | str | None] = await pipe.execute()
            return values
        except (*LOST, redis.ResponseError) as exc:
            if not isinstance(exc, LOST) and not busy(exc):
                raise
            return [None] * count  # lost, or the engine cannot serve yet (loading)

    @staticmethod
    async def _subscribe(context: ObserverContext, timeout: float) -> WireSubscription:
        return await WireSubscription.open(context.listen, context.channel, timeout=timeout)

    @classmethod
    async def _resubscribe(
        cls, context: ObserverContext, book: EventBook, reconnection: Reconnection
    ) -> WireSubscription | None:
        while not book.done(time.monotonic()):
            try:
                return await cls._subscribe(context, ATTEMPT_SECONDS)
            except (*LOST, TimeoutError) as exc:
                reconnection.failed(exc)
                await asyncio.sleep(RETRY_PAUSE_SECONDS)
        return None
