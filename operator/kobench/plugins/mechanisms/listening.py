"""Receivers for the pub/sub kinds (keyspace notifications, PUBLISH, SPUBLISH): subscribe to a
few channels or patterns on one connection, and turn each message into an arrival.

What a mechanism listens to is a :class:`Listening`: its subscriptions and how a message names a
key. The connection is named (:func:`receiver_name`) so a fault can find every observer's
receiving connection whatever its type.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import redis

from kobench.plugins.mechanisms.mechanism_protocol import Arrival
from kobench.plugins.mechanisms.resp_async import AsyncRespLink
from kobench.plugins.mechanisms.resp_link import RespLink
from kobench.plugins.observers.context import ObserverContext

RECEIVER_NAME_PREFIX = "kobench-observer."
"""Every receiving connection of a mechanism is named so (``dropSubscribers`` cuts them)."""
CONFIRMATIONS = {b"subscribe", b"psubscribe", b"ssubscribe"}

Interpret = Callable[[list[object]], tuple[bytes, int] | None]
"""A pushed message -> (the key it names, how it arrived), or None when it is not the run's."""


def receiver_name(context: ObserverContext) -> str:
    return f"{RECEIVER_NAME_PREFIX}{context.run_id}.{context.instance_id}"


def dropped_by_name(context: ObserverContext) -> str | None:
    """keyevent's plain subscriptions are named only when a dropSubscribers fault must find
    them by name (against a target, whose other subscribers it must not cut): CLIENT SETNAME
    is then one more permission the ACL user needs, and no other run asks for it."""
    drops = any(f.action == "dropSubscribers" for f in context.spec.faults)
    return receiver_name(context) if drops else None


@dataclass(frozen=True)
class Listening:
    subscriptions: tuple[tuple[str, str], ...]
    """(SUBSCRIBE, PSUBSCRIBE or SSUBSCRIBE, channel or pattern)."""
    interpret: Interpret


def arrivals(listening: Listening, pushes: list[tuple[list[object], int]]) -> list[Arrival]:
    found: list[Arrival] = []
    for message, stamp in pushes:
        named = listening.interpret(message)
        if named is not None:
            found.append((named[0], stamp, named[1]))
    return found


def confirmed(
    pushes: list[tuple[list[object], int]], early: list[Arrival], listening: Listening
) -> int:
    """Confirmations among ``pushes``; messages that came with them go to ``early`` (after a
    reconnection the writers are already writing)."""
    count = 0
    for message, stamp in pushes:
        if message[0] in CONFIRMATIONS:
            count += 1
        else:
            early += arrivals(listening, [(message, stamp)])
    return count


class ListeningReceiver:
    """Blocking: one RESP2 connection subscribed to a :class:`Listening`."""

    def __init__(self, context: ObserverContext, listening: Listening) -> None:
        self.context, self.listening = context, listening
        self._link: RespLink | None = None
        self._early: list[Arrival] = []

    def open(self, timeout: float) -> None:
        link = RespLink.open(self.context.listen, timeout=timeout, name=receiver_name(self.context))
        try:
            link.send(*((kind, channel) for kind, channel in self.listening.subscriptions))
            wanted, seen = len(self.listening.subscriptions), 0
            while seen < wanted:
                pushes = link.pushes(timeout)
                if not pushes:
                    raise TimeoutError(f"{self.context.listen} did not confirm the subscription")
                seen += confirmed(pushes, self._early, self.listening)
        except BaseException:
            link.close()
            raise
        self._link = link

    def receive(self, timeout: float) -> list[Arrival]:
        if self._link is None:
            raise redis.ConnectionError("not subscribed")
        if self._early:
            early, self._early = self._early, []
            return early
        return arrivals(self.listening, self._link.pushes(timeout))

    def acknowledge(self) -> None:
        return None

    def close(self) -> None:
        if self._link is not None:
            self._link.close()
            self._link = None


class AsyncListeningReceiver:
    """The asyncio twin of :class:`ListeningReceiver`."""

    def __init__(self, context: ObserverContext, listening: Listening) -> None:
        self.context, self.listening = context, listening
        self._link: AsyncRespLink | None = None
        self._early: list[Arrival] = []

    async def open(self, timeout: float) -> None:
        link = await AsyncRespLink.open(
            self.context.listen, timeout=timeout, name=receiver_name(self.context)
        )
        try:
            link.send(*((kind, channel) for kind, channel in self.listening.subscriptions))
            wanted, seen = len(self.listening.subscriptions), 0
            while seen < wanted:
                pushes = await link.pushes(timeout)
                if not pushes:
                    raise TimeoutError(f"{self.context.listen} did not confirm the subscription")
                seen += confirmed(pushes, self._early, self.listening)
        except BaseException:
            await link.close()
            raise
        self._link = link

    async def receive(self, timeout: float, limit: int) -> list[Arrival]:
        if self._link is None:
            raise redis.ConnectionError("not subscribed")
        if self._early:
            early, self._early = self._early, []
            return early
        return arrivals(self.listening, await self._link.pushes(timeout, limit))

    async def acknowledge(self) -> None:
        return None

    async def close(self) -> None:
        if self._link is not None:
            await self._link.close()
            self._link = None
