"""The asynchronous observer, as the proof of concept's Python03: asyncio, reads and answers
through ``redis.asyncio``.

Events are processed as they arrive; reads (shared mode) and handshakes go out as pipelined
batches, so one slow round trip does not hold up the events queued behind it. Events arrive
through the run's delivery mechanism; keyevent's through :mod:`.wire` (hiredis on the socket,
whole chunks at a time): redis-py's own pub/sub reader spent 20 times more CPU per message than
the observer's bookkeeping of it.
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
from kobench.plugins.mechanisms import get_mechanism
from kobench.plugins.mechanisms.mechanism_protocol import (
    CONTROL,
    REDELIVERED,
    RESYNC,
    Arrival,
    AsyncReceiver,
    ReadingAsyncReceiver,
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
        receiver = get_mechanism(context.spec.delivery.mechanism).async_receiver(context)
        reader = (
            receiver
            if isinstance(receiver, ReadingAsyncReceiver)
            else context.listen.async_client()
        )
        answerer = context.answer.async_client() if context.handshake else None
        await receiver.open(context.spec.timeouts.subscribe_seconds)
        ready()
        try:
            while not book.done(time.monotonic()):
                try:
                    arrivals = await receiver.receive(POLL_SECONDS, BATCH)
                    await self._handle(context, book, arrivals, reader, answerer)
                    await receiver.acknowledge()
                except LOST as exc:
                    book.lost(f"{context.listen}: {exc}")
                    await receiver.close()
                    reconnection = Reconnection(str(context.listen))
                    if not await self._reopen(receiver, book, reconnection):
                        book.error = reconnection.gave_up(exc)
                        return
                    book.resumed()
            audit = getattr(receiver, "audit", None)
            if audit is not None and book.shared_work:
                book.group_audit = await audit()
        finally:
            await receiver.close()
            if isinstance(reader, aioredis.Redis):
                await reader.aclose()
            if answerer is not None:
                await answerer.aclose()

    @staticmethod
    async def _handle(
        context: ObserverContext,
        book: EventBook,
        arrivals: list[Arrival],
        reader: ReadingAsyncReceiver | aioredis.Redis,
        answerer: aioredis.Redis | None,
    ) -> None:
        shared: list[tuple[int, int]] = []  # each shared-key event: when it came, how
        answers: list[Handshake] = []
        for key, received_ns, how in arrivals:
            kind = book.classify(key)
            if kind == END:
                book.on_end(key, received_ns)
            elif how == CONTROL:
                continue  # a write heard on the control channel: not an event
            elif kind == UNIQUE:
                answer = book.on_unique(key, received_ns, again=how == REDELIVERED)
                if answer is not None:
                    answers.append(answer)
            elif kind == SHARED:
                shared.append((received_ns, how))
        if shared:
            shared_key = context.spec.workload.shared_key
            if not isinstance(reader, aioredis.Redis):  # tracking: the read tracks the key again
                values = await AsyncObserver._read_through(reader, shared_key, len(shared))
            else:
                values = await AsyncObserver._read(reader, shared_key, len(shared))
            read_ns = time.time_ns()
            for (notified_ns, how), value in zip(shared, values, strict=True):
                if how == RESYNC:
                    book.resync(value)
                    continue
                answer = book.on_shared(notified_ns, value, read_ns, again=how == REDELIVERED)
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
    async def _read_through(
        receiver: ReadingAsyncReceiver, key: str, count: int
    ) -> list[bytes | str | None]:
        try:
            return list(await receiver.read_many(key, count))
        except (*LOST, redis.ResponseError) as exc:
            if not isinstance(exc, LOST) and not busy(exc):
                raise
            return [None] * count

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
    async def _reopen(receiver: AsyncReceiver, book: EventBook, reconnection: Reconnection) -> bool:
        while not book.done(time.monotonic()):
            try:
                await receiver.open(ATTEMPT_SECONDS)
                return True
            except (*LOST, TimeoutError) as exc:
                await receiver.close()
                reconnection.failed(exc)
                await asyncio.sleep(RETRY_PAUSE_SECONDS)
        return False
