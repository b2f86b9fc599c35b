"""The stream receivers, sync and async: one connection, one pipeline per poll
(:mod:`.stream_reads` says what it holds and what the replies mean)."""

from __future__ import annotations

import contextlib
import time

import redis

from kobench.plugins import connections as clients
from kobench.plugins.mechanisms.listening import receiver_name
from kobench.plugins.mechanisms.mechanism_protocol import Arrival
from kobench.plugins.mechanisms.resp_async import AsyncRespLink
from kobench.plugins.mechanisms.resp_link import RespLink
from kobench.plugins.mechanisms.stream_reads import StreamReads, Tagged
from kobench.plugins.observers.context import ObserverContext

BATCH = 256


def _reply_ok(tag: str, reply: object) -> object:
    """An error reply raises, but for the group that exists already."""
    if isinstance(reply, Exception):
        if tag == "create" and str(reply).startswith("BUSYGROUP"):
            return None
        raise redis.ResponseError(str(reply))
    return reply


class StreamReceiver:
    """Blocking."""

    def __init__(self, context: ObserverContext) -> None:
        self.plan = StreamReads.of(context)
        self.target, self.name = context.listen, receiver_name(context)
        self._link: RespLink | None = None
        self._early: list[Arrival] = []

    def _run(self, link: RespLink, tagged: list[Tagged], timeout: float) -> list[Arrival]:
        link.send(*(command for _, command in tagged))
        found: list[Arrival] = []
        for tag, _ in tagged:
            reply = _reply_ok(tag, link.reply(timeout))
            found += self.plan.arrivals(tag, reply, link.stamp_ns or time.time_ns())
        return found

    def open(self, timeout: float) -> None:
        link = RespLink.open(self.target, timeout=timeout, name=self.name)
        try:
            self._early = self._run(link, self.plan.opening(), timeout)
        except BaseException:
            link.close()
            raise
        self._link = link

    def receive(self, timeout: float) -> list[Arrival]:
        if self._link is None:
            raise redis.ConnectionError("not reading")
        if self._early:
            early, self._early = self._early, []
            return early
        tagged = self.plan.poll(time.monotonic_ns(), round(timeout * 1000), BATCH)
        return self._run(self._link, tagged, timeout + clients.TIMEOUT_SECONDS)

    def acknowledge(self) -> None:
        self.plan.acknowledge()

    def audit(self) -> tuple[int, int | None] | None:
        """The group's pending and undelivered entries now (the acknowledgements owed sent
        first); None for plain reads or when the engine does not say."""
        command = self.plan.audit_command()
        if self._link is None or command is None:
            return None
        self._run(self._link, self.plan.flush(), clients.TIMEOUT_SECONDS)
        return self.plan.audit(self._link.call(*command))

    def close(self) -> None:
        if self._link is not None:
            # Gone: what it did not acknowledge is redelivered, as it should be.
            with contextlib.suppress(redis.RedisError, OSError):
                self._run(self._link, self.plan.flush(), 1.0)
            self._link.close()
            self._link = None


class AsyncStreamReceiver:
    """The asyncio twin of :class:`StreamReceiver`."""

    def __init__(self, context: ObserverContext) -> None:
        self.plan = StreamReads.of(context)
        self.target, self.name = context.listen, receiver_name(context)
        self._link: AsyncRespLink | None = None
        self._early: list[Arrival] = []

    async def _run(
        self, link: AsyncRespLink, tagged: list[Tagged], timeout: float
    ) -> list[Arrival]:
        link.send(*(command for _, command in tagged))
        found: list[Arrival] = []
        for tag, _ in tagged:
            reply = _reply_ok(tag, await link.reply(timeout))
            found += self.plan.arrivals(tag, reply, link.stamp_ns or time.time_ns())
        return found

    async def open(self, timeout: float) -> None:
        link = await AsyncRespLink.open(self.target, timeout=timeout, name=self.name)
        try:
            self._early = await self._run(link, self.plan.opening(), timeout)
        except BaseException:
            await link.close()
            raise
        self._link = link

    async def receive(self, timeout: float, limit: int) -> list[Arrival]:
        if self._link is None:
            raise redis.ConnectionError("not reading")
        if self._early:
            early, self._early = self._early, []
            return early
        tagged = self.plan.poll(time.monotonic_ns(), round(timeout * 1000), limit)
        return await self._run(self._link, tagged, timeout + clients.TIMEOUT_SECONDS)

    async def acknowledge(self) -> None:
        self.plan.acknowledge()

    async def audit(self) -> tuple[int, int | None] | None:
        command = self.plan.audit_command()
        if self._link is None or command is None:
            return None
        await self._run(self._link, self.plan.flush(), clients.TIMEOUT_SECONDS)
        return self.plan.audit(await self._link.call(*command))

    async def close(self) -> None:
        if self._link is not None:
            # Gone: what it did not acknowledge is redelivered, as it should be.
            with contextlib.suppress(redis.RedisError, OSError):
                await self._run(self._link, self.plan.flush(), 1.0)
            await self._link.close()
            self._link = None
